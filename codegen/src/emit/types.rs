//! Named types → `src/types.rs`.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use syn::{Attribute, Expr, ImplItem, Item, Pat, Type};

use super::ast::{
    self, attr_list, attr_word, call, expr, function, generic, generic_ty, impl_block, literal,
    matching, member_path, method, pat_ident, pat_path, pat_tuple, pat_wild, path, public,
    receiver, self_path,
};
use super::docs;
use super::rust::{self, Printer, derive, doc, ident, inner_doc, string};
use crate::diagnostics::Error;
use crate::model::{
    Api, EnumDef, EnumRepr, Field, IntegerType, ResponseKind, ResponsesDef, StructDef, TypeDef,
    TypeKind, TypeRef, UnionDef,
};
use crate::names::{self, Namespace};

/// The std and serde names the generated code spells short unless a generated type has the
/// same name.
const SHADOWABLE: &[&str] = &[
    "String",
    "Into",
    "Option",
    "Vec",
    "BTreeMap",
    "Box",
    "Default",
    "Serialize",
    "Deserialize",
];

/// How std and serde items are spelled: short where no generated type shadows them.
#[derive(Debug, Clone)]
pub(crate) struct Paths {
    shadowed: BTreeSet<String>,
    /// The module named types are reached through: `types` (from `client.rs`), `super` (from a
    /// module inside `types.rs`), or none when they are in scope.
    types_module: Option<&'static str>,
}

impl Paths {
    /// Paths for a file in which the names of `api`'s types are in scope (`types.rs`).
    pub(crate) fn in_types(api: &Api) -> Self {
        Paths {
            shadowed: api
                .types
                .iter()
                .filter(|def| SHADOWABLE.contains(&def.name.as_str()))
                .map(|def| def.name.clone())
                .collect(),
            types_module: None,
        }
    }

    /// Paths for a file that reaches types through `types::` (`client.rs`).
    pub(crate) fn outside_types() -> Self {
        Paths {
            // `client.rs` imports no collections: a map is spelled in full.
            shadowed: [
                "BTreeMap",
                "Client",
                "ClientBuilder",
                "Error",
                "RequestOptions",
                "EventStream",
                "types",
                "runtime",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
            types_module: Some("types"),
        }
    }

    /// Paths for a module inside `types.rs` that imports nothing of it: named types are
    /// reached through `super::`, and no generated name hides a std one.
    pub(crate) fn in_child_of_types() -> Self {
        Paths {
            shadowed: BTreeSet::new(),
            types_module: Some("super"),
        }
    }

    /// Whether `name` (one of [`SHADOWABLE`], or a name of the client module) is defined in the
    /// generated types and so hides the std or serde item.
    pub(crate) fn is_shadowed(&self, name: &str) -> bool {
        self.shadowed.contains(name)
    }

    /// `short`, or `::full::path` when a generated type has the name `short`.
    fn std_path(&self, short: &str, full: &[&str]) -> syn::Path {
        if self.is_shadowed(short) {
            path(true, full)
        } else {
            path(false, &[short])
        }
    }

    /// `String`.
    pub(crate) fn string(&self) -> Type {
        ast::ty(self.std_path("String", &["std", "string", "String"]))
    }

    fn option(&self) -> syn::Path {
        self.std_path("Option", &["std", "option", "Option"])
    }

    fn vec(&self) -> syn::Path {
        self.std_path("Vec", &["std", "vec", "Vec"])
    }

    /// A named type, as this file reaches it.
    pub(crate) fn named(&self, name: &str) -> Type {
        ast::ty(self.named_in_scope(name))
    }

    fn named_in_scope(&self, name: &str) -> syn::Path {
        if let Some(module) = self.types_module {
            path(false, &[module, name])
        } else {
            path(false, &[name])
        }
    }

    /// The path of a named type, for its constants and variants (`Role::User`); the path of
    /// the type's Rust spelling for any other.
    fn named_path(&self, ty: &TypeRef) -> syn::Path {
        match ty {
            TypeRef::Named(name) => self.named_in_scope(name),
            _ => path(false, &["Self"]),
        }
    }

    /// The Rust type of a [`TypeRef`].
    pub(crate) fn ty(&self, ty: &TypeRef) -> Type {
        let plain = |name: &str| ast::ty(path(false, &[name]));
        match ty {
            TypeRef::Named(name) => self.named(name),
            TypeRef::String => self.string(),
            TypeRef::Bool => plain("bool"),
            TypeRef::Integer(IntegerType::I32) => plain("i32"),
            TypeRef::Integer(IntegerType::I64) => plain("i64"),
            TypeRef::Integer(IntegerType::U32) => plain("u32"),
            TypeRef::Integer(IntegerType::U64) => plain("u64"),
            TypeRef::Number => plain("f64"),
            TypeRef::Json => ast::ty(path(false, &["serde_json", "Value"])),
            TypeRef::File => ast::ty(path(false, &["crate", "FilePart"])),
            TypeRef::Bytes => generic_ty(self.vec(), [plain("u8")]),
            TypeRef::Vec(inner) => generic_ty(self.vec(), [self.ty(inner)]),
            TypeRef::Map(inner) => generic_ty(
                self.std_path("BTreeMap", &["std", "collections", "BTreeMap"]),
                [self.string(), self.ty(inner)],
            ),
            TypeRef::Option(inner) => generic_ty(self.option(), [self.ty(inner)]),
            TypeRef::Boxed(inner) => generic_ty(
                self.std_path("Box", &["std", "boxed", "Box"]),
                [self.ty(inner)],
            ),
        }
    }

    /// The type of a field, `Option` included.
    fn field_ty(&self, field: &Field) -> Type {
        let ty = self.ty(&field.ty);
        if field.is_option() {
            generic_ty(self.option(), [ty])
        } else {
            ty
        }
    }

    /// `impl Into<ty>`: what constructors and setters accept.
    pub(crate) fn into(&self, ty: &TypeRef) -> Type {
        ast::impl_trait(generic(
            self.std_path("Into", &["std", "convert", "Into"]),
            [self.ty(ty)],
        ))
    }
}

/// `src/types.rs`: the file's head (docs, lints, imports). The items follow, printed chunk by
/// chunk by [`types_items`] on separate threads; every item is printed on its own, so the
/// text does not depend on how the types were split.
pub(crate) fn types_head(api: &Api) -> Result<Printer, Error> {
    let paths = Paths::in_types(api);
    let mut printer = Printer::new();
    let docs = inner_doc(&format!(
        "Request and response types of the {}, one per schema of the spec.\n\nResponses are read leniently: unknown fields are kept in `additional_properties`, unknown enum values in an `Unknown` variant. Requests are written strictly: a field left `None` is not sent.",
        api.title
    ));
    printer.block(quote!(#(#docs)*), "the docs of src/types.rs")?;
    printer.block(
        quote!(#![allow(clippy::large_enum_variant, clippy::too_many_arguments, deprecated)]),
        "the lints of src/types.rs",
    )?;
    let gated = allow_unused_imports(api);
    let reads_objects = api
        .types
        .iter()
        .any(|def| matches!(def.kind, TypeKind::Struct(_) | TypeKind::Union(_)));
    // Only newtypes derive `Deserialize`; structs and unions have their own (`from_map`).
    let derives_deserialize = api
        .types
        .iter()
        .any(|def| matches!(def.kind, TypeKind::Alias { newtype: true, .. }));
    let mut imports = TokenStream::new();
    if (reads_objects || derives_deserialize)
        && !paths.is_shadowed("Serialize")
        && !paths.is_shadowed("Deserialize")
    {
        imports.extend(if derives_deserialize {
            quote!(#gated use serde::{Deserialize, Serialize};)
        } else {
            quote!(#gated use serde::Serialize;)
        });
    }
    if reads_objects {
        imports.extend(quote!(#gated use crate::runtime::de;));
    }
    if api.types.iter().any(mentions_map) && !paths.is_shadowed("BTreeMap") {
        imports.extend(quote!(
            #gated
            use std::collections::BTreeMap;
        ));
    }
    if !imports.is_empty() {
        printer.block(imports, "the imports of src/types.rs")?;
    }
    Ok(printer)
}

/// What every chunk of `src/types.rs` reads: how std items are spelled there, and every type
/// by name. Built once and shared by the workers.
pub(crate) struct TypesScope<'a> {
    paths: Paths,
    defs: BTreeMap<&'a str, &'a TypeDef>,
    /// The cargo features of the types that only some builds have (any of them turns the type
    /// on). Token trees cannot be shared between the workers, so each makes its own `cfg`.
    gates: BTreeMap<&'a str, &'a [String]>,
}

impl<'a> TypesScope<'a> {
    pub(crate) fn new(api: &'a Api) -> Self {
        TypesScope {
            paths: Paths::in_types(api),
            defs: api
                .types
                .iter()
                .map(|def| (def.name.as_str(), def))
                .collect(),
            gates: api
                .features
                .iter()
                .flat_map(|features| &features.of_type)
                .map(|(name, features)| (name.as_str(), features.as_slice()))
                .collect(),
        }
    }
}

/// `#[cfg(feature = "a")]`, or `#[cfg(any(feature = "a", feature = "b"))]`.
pub(crate) fn cfg_any(features: &[String]) -> Attribute {
    let features = features.iter().map(|feature| {
        let feature = string(feature);
        quote!(feature = #feature)
    });
    let features: Vec<TokenStream> = features.collect();
    if let [one] = features.as_slice() {
        attr_list("cfg", one.clone())
    } else {
        attr_list("cfg", quote!(any(#(#features),*)))
    }
}

/// The `#[cfg(..)]` of an item behind `features`, as tokens; nothing when every build has it.
pub(crate) fn gate(features: &[String]) -> TokenStream {
    if features.is_empty() {
        return TokenStream::new();
    }
    let cfg = cfg_any(features);
    quote!(#cfg)
}

/// `#[allow(unused_imports)]` for the imports of a crate with cargo features: with some of
/// them off, no item may be left to use an import.
pub(crate) fn allow_unused_imports(api: &Api) -> TokenStream {
    if api.features.is_some() {
        quote!(#[allow(unused_imports)])
    } else {
        TokenStream::new()
    }
}

/// `#[cfg(not(any(feature = "a", ..)))]`: the build where none of `features` is on.
pub(crate) fn cfg_none(features: &[String]) -> Attribute {
    let features = features.iter().map(|feature| {
        let feature = string(feature);
        quote!(feature = #feature)
    });
    attr_list("cfg", quote!(not(any(#(#features),*))))
}

/// Puts `cfg` on every item (a type and its impls come and go together).
fn with_cfg(items: &mut [Item], cfg: &Attribute) -> Result<(), Error> {
    for item in items {
        let attrs = match item {
            Item::Struct(item) => &mut item.attrs,
            Item::Enum(item) => &mut item.attrs,
            Item::Impl(item) => &mut item.attrs,
            Item::Type(item) => &mut item.attrs,
            other => {
                return Err(Error::Internal(format!(
                    "an item of types.rs cannot take a feature gate: {}",
                    quote!(#other)
                )));
            }
        };
        attrs.insert(0, cfg.clone());
    }
    Ok(())
}

/// The items of `src/types.rs` for `chunk`, a slice of `api.types`, each printed on its own.
pub(crate) fn types_items(scope: &TypesScope<'_>, chunk: &[TypeDef]) -> Result<Printer, Error> {
    let TypesScope { paths, defs, gates } = scope;
    let templates = ImplTemplates::new()?;
    let mut printer = Printer::with_capacity(chunk.len() * 1024);
    for def in chunk {
        let docs = docs::attributes(&def.docs);
        let name = ident(&def.name);
        let what = || format!("the type `{}`", def.name);
        let mut items = match &def.kind {
            TypeKind::Struct(structure) => {
                struct_def(docs, &name, structure, defs, paths, &templates)?
            }
            TypeKind::Enum(enumeration) => enum_def(docs, &name, enumeration, paths, &templates),
            TypeKind::Union(union) => union_def(docs, &name, union, defs, paths)?,
            TypeKind::Alias { target, newtype } => {
                rust::parse(alias_def(docs, &name, target, *newtype, paths), &what())?.items
            }
            TypeKind::Responses(responses) => {
                rust::parse(responses_def(docs, &name, responses, paths), &what())?.items
            }
        };
        if let Some(features) = gates.get(def.name.as_str()) {
            with_cfg(&mut items, &cfg_any(features))?;
        }
        printer.each_item(items);
    }
    Ok(printer)
}

fn mentions_map(def: &TypeDef) -> bool {
    fn walk(ty: &TypeRef) -> bool {
        match ty {
            TypeRef::Map(_) => true,
            TypeRef::Vec(inner) | TypeRef::Option(inner) | TypeRef::Boxed(inner) => walk(inner),
            _ => false,
        }
    }
    match &def.kind {
        TypeKind::Struct(s) => {
            s.fields.iter().any(|f| walk(&f.ty))
                || s.extra.as_ref().is_some_and(|e| e.value != TypeRef::Json)
        }
        TypeKind::Union(u) => u.variants.iter().any(|v| walk(&v.ty)),
        TypeKind::Alias { target, .. } => walk(target),
        TypeKind::Responses(responses) => responses
            .cases
            .iter()
            .any(|case| matches!(&case.body, ResponseKind::Json(ty) if walk(ty))),
        TypeKind::Enum(_) => false,
    }
}

/// An operation's responses by status: a variant per listed status holding its body, and
/// `Other` for a success status the spec does not list. Built by the client, never by serde.
fn responses_def(
    docs: Vec<Attribute>,
    name: &Ident,
    responses: &ResponsesDef,
    paths: &Paths,
) -> TokenStream {
    let mut variants = TokenStream::new();
    let mut statuses = TokenStream::new();
    for case in &responses.cases {
        let variant = ident(&case.variant);
        let status = proc_macro2::Literal::u16_unsuffixed(case.status);
        let text = match &case.description {
            Some(description) => format!("{}: {}", case.status, docs::sanitize(description)),
            None => format!("{}.", case.status),
        };
        let variant_doc = doc(&text);
        let payload = match &case.body {
            ResponseKind::Json(ty) => {
                let ty = paths.ty(ty);
                Some(quote!(#ty))
            }
            ResponseKind::Text => Some(quote!(String)),
            ResponseKind::Bytes => Some(quote!(bytes::Bytes)),
            ResponseKind::Empty | ResponseKind::ByStatus(_) => None,
        };
        match payload {
            Some(payload) => {
                variants.extend(quote!(#(#variant_doc)* #variant(#payload),));
                statuses.extend(quote!(Self::#variant(_) => #status,));
            }
            None => {
                variants.extend(quote!(#(#variant_doc)* #variant,));
                statuses.extend(quote!(Self::#variant => #status,));
            }
        }
    }
    quote! {
        #(#docs)*
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #name {
            #variants
            /// A success status the spec does not list, with the body as it arrived.
            Other { status: u16, body: bytes::Bytes },
        }
        impl #name {
            /// The HTTP status of the response.
            pub fn status(&self) -> u16 {
                match self {
                    #statuses
                    Self::Other { status, .. } => *status,
                }
            }
        }
    }
}

/// `#[non_exhaustive]` on every struct and enum: callers build values with `new()` and the
/// setters and match with a wildcard arm, so that a new optional field, enum value or union
/// alternative in the spec is a minor version of the crate, not a breaking one (see
/// [`crate::report`]).
fn non_exhaustive() -> Attribute {
    attr_word("non_exhaustive")
}

/// `#[derive(Debug, Clone, PartialEq, ..extra, Serialize, Deserialize)]`.
fn derives(paths: &Paths, extra: &[TokenStream], deserialize: bool) -> Attribute {
    let serde_in_full = paths.is_shadowed("Serialize") || paths.is_shadowed("Deserialize");
    let mut traits = vec![quote!(Debug), quote!(Clone), quote!(PartialEq)];
    traits.extend(extra.iter().cloned());
    traits.push(if serde_in_full {
        quote!(serde::Serialize)
    } else {
        quote!(Serialize)
    });
    if deserialize {
        traits.push(if serde_in_full {
            quote!(serde::Deserialize)
        } else {
            quote!(Deserialize)
        });
    }
    derive(&traits)
}

/// `pub type Name = Target;`, or a newtype where an alias would be recursive.
fn alias_def(
    docs: Vec<Attribute>,
    name: &Ident,
    target: &TypeRef,
    newtype: bool,
    paths: &Paths,
) -> TokenStream {
    let target = paths.ty(target);
    if newtype {
        let derives = derives(paths, &[], true);
        quote! {
            #(#docs)*
            #derives
            #[serde(transparent)]
            pub struct #name(pub #target);
        }
    } else {
        quote! {
            #(#docs)*
            pub type #name = #target;
        }
    }
}

/// The single value of an enum type with one value: a constant the constructor fills in.
fn constant_of<'a>(ty: &TypeRef, defs: &BTreeMap<&str, &'a TypeDef>) -> Option<&'a str> {
    let TypeRef::Named(name) = ty else {
        return None;
    };
    match &defs.get(name.as_str())?.kind {
        TypeKind::Enum(EnumDef { variants, .. }) if variants.len() == 1 => {
            Some(variants[0].name.as_str())
        }
        _ => None,
    }
}

/// `Self`, as a type.
fn self_type() -> Type {
    ast::ty(path(false, &["Self"]))
}

/// The struct, its constructors and setters, and `Default` where it has no required field.
fn struct_def(
    mut attrs: Vec<Attribute>,
    name: &Ident,
    structure: &StructDef,
    defs: &BTreeMap<&str, &TypeDef>,
    paths: &Paths,
    templates: &ImplTemplates,
) -> Result<Vec<Item>, Error> {
    let all_optional = structure.fields.iter().all(Field::is_option);
    let default = [quote!(Default)];
    attrs.push(derives(
        paths,
        if all_optional { &default } else { &[] },
        false,
    ));
    attrs.push(non_exhaustive());
    let skip_if_none = string(if paths.is_shadowed("Option") {
        "::std::option::Option::is_none"
    } else {
        "Option::is_none"
    });
    let mut fields = syn::punctuated::Punctuated::new();
    for field in &structure.fields {
        let mut field_attrs = docs::attributes(&field.docs);
        let mut serde = Vec::new();
        if field.wire_name != names::unraw(&field.name) {
            let wire = string(&field.wire_name);
            serde.push(quote!(rename = #wire));
        }
        if !field.required {
            serde.push(quote!(skip_serializing_if = #skip_if_none));
        }
        if !serde.is_empty() {
            field_attrs.push(attr_list("serde", quote!(#(#serde),*)));
        }
        fields.push(named_field(
            field_attrs,
            ident(&field.name),
            paths.field_ty(field),
        ));
    }
    if let Some(extra) = &structure.extra {
        let value_ty = if extra.value == TypeRef::Json {
            generic_ty(
                path(false, &["serde_json", "Map"]),
                [paths.string(), paths.ty(&TypeRef::Json)],
            )
        } else {
            paths.ty(&TypeRef::Map(Box::new(extra.value.clone())))
        };
        let mut extra_attrs = doc(
            "Properties the spec does not name: kept, so a value read and written again is unchanged.",
        );
        extra_attrs.push(attr_list("serde", quote!(flatten)));
        fields.push(named_field(extra_attrs, ident(&extra.name), value_ty));
    }
    let mut items = vec![Item::Struct(syn::ItemStruct {
        attrs,
        vis: public(),
        struct_token: Default::default(),
        ident: name.clone(),
        generics: Default::default(),
        fields: syn::Fields::Named(syn::FieldsNamed {
            brace_token: Default::default(),
            named: fields,
        }),
        semi_token: None,
    })];
    items.push(Item::Impl(from_map(name, structure)?));
    let mut deserialize = templates.object.clone();
    *deserialize.self_ty = ast::ty(ast::name(name.clone()));
    items.push(Item::Impl(deserialize));
    constructor(&mut items, name, structure, defs, paths, all_optional);
    Ok(items)
}

/// The struct's `FromMap`: each named key into its field's slot, other keys into the map of
/// other properties (or skipped), then the required fields checked. serde's derive would read
/// a struct with a flattened map through its buffer type (see `runtime/de.rs`).
fn from_map(name: &Ident, structure: &StructDef) -> Result<syn::ItemImpl, Error> {
    let expecting = string(&format!("struct {name}"));
    let mut slots = TokenStream::new();
    let mut arms = TokenStream::new();
    let mut values = TokenStream::new();
    for field in &structure.fields {
        let slot = ident(&field.name);
        let wire = string(&field.wire_name);
        slots.extend(quote!(let mut #slot = None;));
        arms.extend(quote! {
            #wire => de::field(&mut #slot, &mut __map, #wire)?,
        });
        values.extend(if field.is_option() {
            quote!(#slot: de::optional(#slot),)
        } else {
            quote!(#slot: de::required(#slot, #wire)?,)
        });
    }
    let other = match &structure.extra {
        Some(extra) => {
            let others = ident(&extra.name);
            slots.extend(quote!(let mut #others = ::std::default::Default::default();));
            values.extend(quote!(#others,));
            quote!(de::other(&mut #others, __key, &mut __map)?)
        }
        None => quote!(de::skip(&mut __map)?),
    };
    let read = if structure.fields.is_empty() && structure.extra.is_none() {
        quote! {
            while __map.next_key::<::serde::de::IgnoredAny>()?.is_some() {
                #other
            }
        }
    } else if structure.fields.is_empty() {
        quote! {
            while let Some(__key) = __map.next_key::<de::Key<'de>>()? {
                #other
            }
        }
    } else {
        quote! {
            while let Some(__key) = __map.next_key::<de::Key<'de>>()? {
                match __key.as_str() {
                    #arms
                    _ => #other,
                }
            }
        }
    };
    parse_impl(quote! {
        impl de::FromMap for #name {
            const EXPECTING: &'static str = #expecting;

            fn from_map<'de, A: ::serde::de::MapAccess<'de>>(mut __map: A) -> ::std::result::Result<Self, A::Error> {
                #slots
                #read
                Ok(Self { #values })
            }
        }
    })
}

fn named_field(attrs: Vec<Attribute>, name: Ident, ty: Type) -> syn::Field {
    syn::Field {
        attrs,
        vis: public(),
        mutability: syn::FieldMutability::None,
        ident: Some(name),
        colon_token: Some(Default::default()),
        ty,
    }
}

/// Method names a setter must not take: the constructor, and methods of traits the generated
/// types implement or that callers reach for on any value.
const SHADOWING_SETTERS: &[&str] = &[
    "new",
    "default",
    "clone",
    "clone_from",
    "eq",
    "ne",
    "fmt",
    "hash",
    "from",
    "into",
    "try_from",
    "try_into",
    "to_owned",
    "to_string",
    "serialize",
    "deserialize",
    "as_ref",
    "borrow",
    "type_id",
];

fn constructor(
    items: &mut Vec<Item>,
    name: &Ident,
    structure: &StructDef,
    defs: &BTreeMap<&str, &TypeDef>,
    paths: &Paths,
    all_optional: bool,
) {
    let mut params = Vec::new();
    let mut inits = Vec::new();
    for field in &structure.fields {
        let field_name = ident(&field.name);
        let value = if field.is_option() {
            expr(path(false, &["None"]))
        } else if let Some(constant) = constant_of(&field.ty, defs) {
            expr(member_path(paths.named_path(&field.ty), &ident(constant)))
        } else {
            params.push(ast::param(field_name.clone(), paths.into(&field.ty)));
            method(expr(ast::name(field_name.clone())), "into", Vec::new())
        };
        inits.push((field_name, value));
    }
    if let Some(extra) = &structure.extra {
        inits.push((
            ident(&extra.name),
            call(
                path(true, &["std", "default", "Default", "default"]),
                Vec::new(),
            ),
        ));
    }
    let new_doc = if params.is_empty() {
        "A value with every optional field unset."
    } else {
        "A value with the required fields set and every optional field unset."
    };
    let no_params = params.is_empty();
    let new_value = if all_optional && no_params {
        // A schema named `Default` hides the trait from method lookup; then name it in full.
        if paths.is_shadowed("Default") {
            ast::call_as_trait(path(true, &["std", "default", "Default"]), "default")
        } else {
            call(path(false, &["Self", "default"]), Vec::new())
        }
    } else {
        ast::struct_literal(path(false, &["Self"]), inits)
    };
    let mut methods = vec![function(
        doc(new_doc),
        public(),
        ident("new"),
        params,
        self_type(),
        Vec::new(),
        new_value,
    )];
    value_constructors(&mut methods, structure, defs, paths);
    // Field names are unique already; setters must also not hide `new` or a common trait
    // method (`x.default()`, `x.eq(..)`), which would break callers and derived code.
    let mut setter_names =
        Namespace::with_reserved(structure.fields.iter().map(|f| f.name.as_str()));
    for field in structure.fields.iter().filter(|field| field.is_option()) {
        let setter = if SHADOWING_SETTERS.contains(&names::unraw(&field.name)) {
            ident(&setter_names.claim(&format!("with_{}", names::unraw(&field.name))))
        } else {
            ident(&field.name)
        };
        let field_name = ident(&field.name);
        let value = expr(path(false, &["value"]));
        let this = expr(path(false, &["self"]));
        let assignment = ast::assign(
            ast::field(this.clone(), &field_name),
            call(
                path(false, &["Some"]),
                vec![method(value, "into", Vec::new())],
            ),
        );
        methods.push(function(
            doc(&format!("Sets {}.", docs::code_span(&field.wire_name))),
            public(),
            setter,
            vec![
                receiver(false, true),
                ast::param(ident("value"), paths.into(&field.ty)),
            ],
            self_type(),
            vec![ast::statement(assignment)],
            this,
        ));
    }
    let self_ty = ast::ty(ast::name(name.clone()));
    items.push(impl_block(self_ty.clone(), None, methods));
    if no_params && !all_optional {
        items.push(impl_block(
            self_ty,
            Some(path(true, &["std", "default", "Default"])),
            vec![function(
                Vec::new(),
                syn::Visibility::Inherited,
                ident("default"),
                Vec::new(),
                self_type(),
                Vec::new(),
                call(path(false, &["Self", "new"]), Vec::new()),
            )],
        ));
    }
}

/// One constructor per value when a struct's only required field is a small string enum:
/// `ChatMessage::user()` for `ChatMessage::new(ChatRole::User)`. A value whose name is taken
/// (by a field, a setter, `new` or a common trait method) or is not a plain identifier gets
/// none.
fn value_constructors(
    methods: &mut Vec<ImplItem>,
    structure: &StructDef,
    defs: &BTreeMap<&str, &TypeDef>,
    paths: &Paths,
) {
    let mut required = structure
        .fields
        .iter()
        .filter(|field| !field.is_option() && constant_of(&field.ty, defs).is_none());
    let (Some(field), None) = (required.next(), required.next()) else {
        return;
    };
    let TypeRef::Named(enum_name) = &field.ty else {
        return;
    };
    let Some(TypeDef {
        kind:
            TypeKind::Enum(EnumDef {
                variants,
                repr: EnumRepr::String,
                ..
            }),
        ..
    }) = defs.get(enum_name.as_str())
    else {
        return;
    };
    if !(2..=8).contains(&variants.len()) {
        return;
    }
    let mut taken: BTreeSet<String> = structure
        .fields
        .iter()
        .flat_map(|f| {
            let name = names::unraw(&f.name);
            [name.to_owned(), format!("with_{name}")]
        })
        .chain(SHADOWING_SETTERS.iter().map(|name| (*name).to_owned()))
        .collect();
    for variant in variants {
        let method_name = names::field_name(&variant.value);
        // Raw (`r#type`), escaped (`self_`), digit-led (`_2fa`) or made-up (`value` for "")
        // names would read badly.
        if !variant.value.contains(|c: char| c.is_ascii_alphanumeric())
            || method_name.starts_with("r#")
            || method_name.starts_with('_')
            || method_name.ends_with('_')
            || !taken.insert(method_name.clone())
        {
            continue;
        }
        methods.push(function(
            doc(&format!(
                "A value with {} set to {} and every optional field unset.",
                docs::code_span(&field.wire_name),
                docs::code_span(&variant.value)
            )),
            public(),
            ident(&method_name),
            Vec::new(),
            self_type(),
            Vec::new(),
            call(
                path(false, &["Self", "new"]),
                vec![expr(member_path(
                    paths.named_path(&field.ty),
                    &ident(&variant.name),
                ))],
            ),
        ));
    }
}

/// The impls every struct, and every enum of strings (or of integers), has word for word but
/// for its name, parsed once and given each type's name.
struct ImplTemplates {
    /// The `Deserialize` of a struct, through its `FromMap`.
    object: syn::ItemImpl,
    /// `Display`, `Serialize` and `Deserialize`, for string enums and for integer enums.
    string: [syn::ItemImpl; 3],
    integer: [syn::ItemImpl; 3],
}

impl ImplTemplates {
    fn new() -> Result<Self, Error> {
        Ok(ImplTemplates {
            object: deserialize_impl(quote!(de::deserialize_object(deserializer)))?,
            string: [
                parse_impl(quote! {
                    impl ::std::fmt::Display for Enum {
                        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                            f.write_str(self.as_str())
                        }
                    }
                })?,
                serialize_impl(quote!(serializer.serialize_str(self.as_str())))?,
                deserialize_impl(quote!(crate::runtime::deserialize_enum_str(
                    deserializer,
                    |value| Self::from(value)
                )))?,
            ],
            integer: [
                parse_impl(quote! {
                    impl ::std::fmt::Display for Enum {
                        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                            ::std::fmt::Display::fmt(&self.as_i64(), f)
                        }
                    }
                })?,
                serialize_impl(quote!(serializer.serialize_i64(self.as_i64())))?,
                deserialize_impl(quote! {
                    let value = <i64 as ::serde::Deserialize>::deserialize(deserializer)?;
                    Ok(Self::from(value))
                })?,
            ],
        })
    }

    /// The three impls for the enum `name`.
    fn for_enum(&self, name: &Type, string_repr: bool) -> impl Iterator<Item = Item> + '_ {
        let templates = if string_repr {
            &self.string
        } else {
            &self.integer
        };
        let name = name.clone();
        templates.iter().map(move |template| {
            let mut item = template.clone();
            *item.self_ty = name.clone();
            Item::Impl(item)
        })
    }
}

/// Parses the tokens of one impl block (ours: a failure is a bug of the emitter, reported).
fn parse_impl(tokens: TokenStream) -> Result<syn::ItemImpl, Error> {
    syn::parse2(tokens).map_err(|error| {
        Error::Internal(format!("the emitter built an invalid impl block: {error}"))
    })
}

/// The `Serialize` impl of a type whose body is `body`, for the type `Enum`: the caller sets
/// the real type.
fn serialize_impl(body: TokenStream) -> Result<syn::ItemImpl, Error> {
    parse_impl(quote! {
        impl ::serde::Serialize for Enum {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                #body
            }
        }
    })
}

/// The `Deserialize` impl of a type whose body is `body`, for the type `Enum`.
fn deserialize_impl(body: TokenStream) -> Result<syn::ItemImpl, Error> {
    parse_impl(quote! {
        impl<'de> ::serde::Deserialize<'de> for Enum {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                #body
            }
        }
    })
}

/// The `Deserialize` impl of the type `name` whose body is `body`.
fn deserialize_impl_for(name: &Ident, body: TokenStream) -> Result<syn::ItemImpl, Error> {
    let mut deserialize = deserialize_impl(body)?;
    *deserialize.self_ty = ast::ty(ast::name(name.clone()));
    Ok(deserialize)
}

/// An enum value as a literal: `"auto"`, `42`, `-1`.
fn enum_literal(value: &str, repr: EnumRepr) -> syn::Lit {
    match repr {
        EnumRepr::String => syn::Lit::Str(syn::LitStr::new(value, Span::call_site())),
        EnumRepr::Integer => {
            let number = value.parse::<i64>().unwrap_or_default();
            syn::Lit::Int(syn::LitInt::new(&number.to_string(), Span::call_site()))
        }
    }
}

/// `Self::name(value)`.
fn self_call(name: &Ident, value: Expr) -> Expr {
    call(self_path(name), vec![value])
}

fn enum_def(
    mut attrs: Vec<Attribute>,
    name: &Ident,
    enumeration: &EnumDef,
    paths: &Paths,
    templates: &ImplTemplates,
) -> Vec<Item> {
    let fallback = ident(&enumeration.fallback);
    // An enum with one value is a constant (a tag): it defaults to that value, so structs that
    // carry it can fill it in themselves.
    let single = enumeration.variants.len() == 1;
    let string_repr = enumeration.repr == EnumRepr::String;
    let self_ty = ast::ty(ast::name(name.clone()));
    let variant_names: Vec<Ident> = enumeration
        .variants
        .iter()
        .map(|v| ident(&v.name))
        .collect();
    let literals: Vec<syn::Lit> = enumeration
        .variants
        .iter()
        .map(|v| enum_literal(&v.value, enumeration.repr))
        .collect();
    let mut traits = vec![
        quote!(Debug),
        quote!(Clone),
        quote!(PartialEq),
        quote!(Eq),
        quote!(Hash),
    ];
    if single {
        traits.push(quote!(Default));
    }
    attrs.push(derive(&traits));
    attrs.push(non_exhaustive());
    let mut variants = syn::punctuated::Punctuated::new();
    for (variant, variant_name) in enumeration.variants.iter().zip(&variant_names) {
        let mut variant_attrs = doc(&docs::code_span(&variant.value));
        if single {
            variant_attrs.push(attr_word("default"));
        }
        variants.push(syn::Variant {
            attrs: variant_attrs,
            ident: variant_name.clone(),
            fields: syn::Fields::Unit,
            discriminant: None,
        });
    }
    let (kept, accessor, value_ty) = if string_repr {
        (
            paths.string(),
            "as_str",
            ast::reference(ast::ty(path(false, &["str"]))),
        )
    } else {
        let i64_ty = ast::ty(path(false, &["i64"]));
        (i64_ty.clone(), "as_i64", i64_ty)
    };
    variants.push(tuple_variant(
        doc("A value this version of the crate does not know; kept as it was sent."),
        fallback.clone(),
        kept,
    ));
    let mut items = vec![ast::public_enum(attrs, name.clone(), variants)];

    let value = || expr(path(false, &["value"]));
    let mut as_value: Vec<(Pat, Expr)> = variant_names
        .iter()
        .zip(&literals)
        .map(|(variant, lit)| (pat_path(self_path(variant)), literal(lit.clone())))
        .collect();
    as_value.push((
        pat_tuple(self_path(&fallback), vec![pat_ident("value")]),
        if string_repr {
            value()
        } else {
            ast::deref(value())
        },
    ));
    items.push(impl_block(
        self_ty.clone(),
        None,
        vec![function(
            doc("The value as it is written in JSON."),
            public(),
            ident(accessor),
            vec![receiver(true, false)],
            value_ty.clone(),
            Vec::new(),
            matching(expr(path(false, &["self"])), as_value),
        )],
    ));

    let mut from_value: Vec<(Pat, Expr)> = literals
        .iter()
        .zip(&variant_names)
        .map(|(lit, variant)| (ast::pat_literal(lit.clone()), expr(self_path(variant))))
        .collect();
    let other = expr(path(false, &["other"]));
    from_value.push((
        pat_ident("other"),
        self_call(
            &fallback,
            if string_repr {
                method(other, "to_owned", Vec::new())
            } else {
                other
            },
        ),
    ));
    items.push(from_impl(&self_ty, value_ty, matching(value(), from_value)));

    if string_repr {
        let owned = ast::ty(path(true, &["std", "string", "String"]));
        let known = expr(path(false, &["known"]));
        let keep_unknown = matching(
            call(
                path(false, &["Self", "from"]),
                vec![method(value(), "as_str", Vec::new())],
            ),
            vec![
                (
                    pat_tuple(self_path(&fallback), vec![pat_wild()]),
                    self_call(&fallback, value()),
                ),
                (pat_ident("known"), known),
            ],
        );
        items.push(from_impl(&self_ty, owned, keep_unknown));
    }
    items.extend(templates.for_enum(&self_ty, string_repr));
    items
}

/// A tuple variant `name(ty)`.
fn tuple_variant(attrs: Vec<Attribute>, name: Ident, ty: Type) -> syn::Variant {
    syn::Variant {
        attrs,
        ident: name,
        fields: syn::Fields::Unnamed(syn::FieldsUnnamed {
            paren_token: Default::default(),
            unnamed: std::iter::once(syn::Field {
                attrs: Vec::new(),
                vis: syn::Visibility::Inherited,
                mutability: syn::FieldMutability::None,
                ident: None,
                colon_token: None,
                ty,
            })
            .collect(),
        }),
        discriminant: None,
    }
}

/// `impl ::std::convert::From<arg> for self_ty { fn from(value: arg) -> Self { body } }`.
fn from_impl(self_ty: &Type, arg: Type, value: Expr) -> Item {
    impl_block(
        self_ty.clone(),
        Some(generic(
            path(true, &["std", "convert", "From"]),
            [arg.clone()],
        )),
        vec![function(
            Vec::new(),
            syn::Visibility::Inherited,
            ident("from"),
            vec![ast::param(ident("value"), arg)],
            self_type(),
            Vec::new(),
            value,
        )],
    )
}

/// The enum of a `oneOf`/`anyOf`, its tag-directed `Deserialize` when it has a tag, and its
/// `From` impls.
fn union_def(
    mut attrs: Vec<Attribute>,
    name: &Ident,
    union: &UnionDef,
    defs: &BTreeMap<&str, &TypeDef>,
    paths: &Paths,
) -> Result<Vec<Item>, Error> {
    let has_json = union.variants.iter().any(|v| v.ty == TypeRef::Json);
    let fallback = ident(&union.fallback);
    let tag = union.tag.as_deref().filter(|_| !has_json);
    attrs.push(derives(paths, &[], false));
    attrs.push(non_exhaustive());
    attrs.push(attr_list("serde", quote!(untagged)));
    let mut variants = syn::punctuated::Punctuated::new();
    for variant in &union.variants {
        let mut text = variant
            .description
            .as_deref()
            .map(docs::sanitize)
            .unwrap_or_default();
        if !variant.tag_values.is_empty() {
            let tags = variant
                .tag_values
                .iter()
                .map(|v| docs::code_span(v))
                .collect::<Vec<_>>();
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(&format!("Tagged {}.", tags.join(", ")));
        }
        variants.push(tuple_variant(
            doc(&text),
            ident(&variant.name),
            paths.ty(&variant.ty),
        ));
    }
    if !has_json {
        variants.push(tuple_variant(
            doc("A value none of the alternatives above matches; kept as it was sent."),
            fallback.clone(),
            paths.ty(&TypeRef::Json),
        ));
    }
    let mut items = vec![ast::public_enum(attrs, name.clone(), variants)];
    items.push(Item::Impl(match tag {
        Some(tag) => tagged_deserialize(name, union, tag, &fallback)?,
        None => untagged_deserialize(name, union, &fallback)?,
    }));
    union_froms(&mut items, name, union, defs, paths);
    Ok(items)
}

fn tagged_deserialize(
    name: &Ident,
    union: &UnionDef,
    tag: &str,
    fallback: &Ident,
) -> Result<syn::ItemImpl, Error> {
    let tag = string(tag);
    let mut arms = TokenStream::new();
    // A tag listed twice (the same `$ref` twice in `oneOf`) goes to its first variant.
    let mut seen = BTreeSet::new();
    for variant in &union.variants {
        let variant_name = ident(&variant.name);
        for value in variant
            .tag_values
            .iter()
            .filter(|v| seen.insert(v.as_str()))
        {
            let value = string(value);
            arms.extend(quote! {
                Some(#value) => de::decode_variant(&value, Self::#variant_name),
            });
        }
    }
    deserialize_impl_for(
        name,
        quote! {
            let value = <serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
            match de::tag_of(&value, #tag) {
                #arms
                _ => Ok(Self::#fallback(value)),
            }
        },
    )
}

/// The `Deserialize` of a union without a tag: the value is read once, then each alternative
/// is tried in order on it, as serde's `untagged` does, and a value none of them takes is kept
/// in the fallback variant.
fn untagged_deserialize(
    name: &Ident,
    union: &UnionDef,
    fallback: &Ident,
) -> Result<syn::ItemImpl, Error> {
    let mut tries = TokenStream::new();
    let mut last = quote!(Ok(Self::#fallback(value)));
    for variant in &union.variants {
        let variant_name = ident(&variant.name);
        if variant.ty == TypeRef::Json {
            last = quote!(Ok(Self::#variant_name(value)));
            break;
        }
        tries.extend(quote! {
            if let Some(variant) = de::try_variant(&value, Self::#variant_name) {
                return Ok(variant);
            }
        });
    }
    deserialize_impl_for(
        name,
        quote! {
            let value = <serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
            #tries
            #last
        },
    )
}

/// Whether `variant` is the one alternative that takes a string: a string enum in a union
/// with no plain string (`ToolChoice::from("auto")`).
fn string_enum_from_str(
    union: &UnionDef,
    variant: &crate::model::UnionVariant,
    defs: &BTreeMap<&str, &TypeDef>,
) -> bool {
    let is_string_enum = |ty: &TypeRef| match ty {
        TypeRef::Named(name) => matches!(
            defs.get(name.as_str()),
            Some(TypeDef {
                kind: TypeKind::Enum(EnumDef {
                    repr: EnumRepr::String,
                    ..
                }),
                ..
            })
        ),
        _ => false,
    };
    is_string_enum(&variant.ty)
        && !union
            .variants
            .iter()
            .any(|other| other.ty == TypeRef::String)
        && union
            .variants
            .iter()
            .filter(|other| is_string_enum(&other.ty))
            .count()
            == 1
}

/// `From` for every alternative whose type no other alternative has, and `&str` when one
/// alternative is a string (or the only string enum).
fn union_froms(
    items: &mut Vec<Item>,
    name: &Ident,
    union: &UnionDef,
    defs: &BTreeMap<&str, &TypeDef>,
    paths: &Paths,
) {
    let self_ty = ast::ty(ast::name(name.clone()));
    let value = || expr(path(false, &["value"]));
    for variant in &union.variants {
        if union
            .variants
            .iter()
            .filter(|other| other.ty == variant.ty)
            .count()
            > 1
            || variant.ty == TypeRef::Json
        {
            continue;
        }
        let (ty, wrapped) = match &variant.ty {
            TypeRef::Boxed(inner) => (
                paths.ty(inner),
                call(path(true, &["std", "boxed", "Box", "new"]), vec![value()]),
            ),
            other => (paths.ty(other), value()),
        };
        let variant_name = ident(&variant.name);
        items.push(from_impl(&self_ty, ty, self_call(&variant_name, wrapped)));
        let from_str = if variant.ty == TypeRef::String {
            Some(method(value(), "to_owned", Vec::new()))
        } else if string_enum_from_str(union, variant, defs) {
            Some(call(
                path(true, &["std", "convert", "From", "from"]),
                vec![value()],
            ))
        } else {
            None
        };
        if let Some(from_str) = from_str {
            let str_ref = ast::reference(ast::ty(path(false, &["str"])));
            items.push(from_impl(
                &self_ty,
                str_ref,
                self_call(&variant_name, from_str),
            ));
        }
    }
}

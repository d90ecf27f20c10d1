//! Named types → `src/types.rs`.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::docs;
use crate::model::{
    Api, EnumDef, EnumRepr, Field, IntegerType, StructDef, TypeDef, TypeKind, TypeRef, UnionDef,
};
use crate::names::{self, Namespace};

/// An identifier from a name that may carry `r#`.
pub(crate) fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// How std and serde items are spelled: short where no generated type shadows them.
#[derive(Debug, Clone)]
pub(crate) struct Paths {
    shadowed: BTreeSet<String>,
    /// Where named types live, seen from the file being written (`` or `types::`).
    types_prefix: TokenStream,
}

impl Paths {
    /// Paths for a file in which the names of `api`'s types are in scope (`types.rs`).
    pub(crate) fn in_types(api: &Api) -> Self {
        Paths {
            shadowed: api.types.iter().map(|def| def.name.clone()).collect(),
            types_prefix: TokenStream::new(),
        }
    }

    /// Paths for a file that reaches types through `types::` (`client.rs`).
    pub(crate) fn outside_types() -> Self {
        Paths {
            shadowed: [
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
            types_prefix: quote!(types::),
        }
    }

    fn item(&self, short: &str, absolute: TokenStream) -> TokenStream {
        if self.shadowed.contains(short) {
            absolute
        } else {
            let short = ident(short);
            quote!(#short)
        }
    }

    /// `String`.
    pub(crate) fn string(&self) -> TokenStream {
        self.item("String", quote!(::std::string::String))
    }

    /// `Into`.
    pub(crate) fn conversion_trait(&self) -> TokenStream {
        self.item("Into", quote!(::std::convert::Into))
    }

    fn option(&self) -> TokenStream {
        self.item("Option", quote!(::std::option::Option))
    }

    /// Whether `name` is defined in the generated types (and so hides a std or serde name).
    pub(crate) fn is_shadowed(&self, name: &str) -> bool {
        self.shadowed.contains(name)
    }

    /// The Rust type of a [`TypeRef`].
    pub(crate) fn ty(&self, ty: &TypeRef) -> TokenStream {
        match ty {
            TypeRef::Named(name) => {
                let name = ident(name);
                let prefix = &self.types_prefix;
                quote!(#prefix #name)
            }
            TypeRef::String => self.string(),
            TypeRef::Bool => quote!(bool),
            TypeRef::Integer(IntegerType::I32) => quote!(i32),
            TypeRef::Integer(IntegerType::I64) => quote!(i64),
            TypeRef::Integer(IntegerType::U32) => quote!(u32),
            TypeRef::Integer(IntegerType::U64) => quote!(u64),
            TypeRef::Number => quote!(f64),
            TypeRef::Json => quote!(serde_json::Value),
            TypeRef::File => quote!(crate::FilePart),
            TypeRef::Bytes => {
                let vec = self.item("Vec", quote!(::std::vec::Vec));
                quote!(#vec<u8>)
            }
            TypeRef::Vec(inner) => {
                let vec = self.item("Vec", quote!(::std::vec::Vec));
                let inner = self.ty(inner);
                quote!(#vec<#inner>)
            }
            TypeRef::Map(inner) => {
                let map = self.item("BTreeMap", quote!(::std::collections::BTreeMap));
                let string = self.string();
                let inner = self.ty(inner);
                quote!(#map<#string, #inner>)
            }
            TypeRef::Option(inner) => {
                let option = self.option();
                let inner = self.ty(inner);
                quote!(#option<#inner>)
            }
            TypeRef::Boxed(inner) => {
                let boxed = self.item("Box", quote!(::std::boxed::Box));
                let inner = self.ty(inner);
                quote!(#boxed<#inner>)
            }
        }
    }

    /// The type of a field, `Option` included.
    fn field_ty(&self, field: &Field) -> TokenStream {
        let ty = self.ty(&field.ty);
        if field.is_option() {
            let option = self.option();
            quote!(#option<#ty>)
        } else {
            ty
        }
    }
}

/// `src/types.rs`: the file's head (docs, lints, imports) and its items, one token stream per
/// chunk of types. Chunks are built and formatted on separate threads by [`super::emit`];
/// formatting is per item, so the text does not depend on how the types were split.
pub(crate) fn types_head(api: &Api) -> TokenStream {
    let paths = Paths::in_types(api);
    let uses_map = api.types.iter().any(mentions_map);
    let map_import = (uses_map && !paths.is_shadowed("BTreeMap")).then(|| {
        quote!(
            use std::collections::BTreeMap;
        )
    });
    let derives_serde = api.types.iter().any(|def| {
        matches!(
            def.kind,
            TypeKind::Struct(_) | TypeKind::Union(_) | TypeKind::Alias { newtype: true, .. }
        )
    });
    let serde_import =
        (derives_serde && !paths.is_shadowed("Serialize") && !paths.is_shadowed("Deserialize"))
            .then(|| {
                quote!(
                    use serde::{Deserialize, Serialize};
                )
            });
    let module_doc = docs::inner(&format!(
        "Request and response types of the {}, one per schema of the spec.\n\nResponses are read leniently: unknown fields are kept in `additional_properties`, unknown enum values in an `Unknown` variant. Requests are written strictly: a field left `None` is not sent.",
        api.title
    ));
    quote! {
        #module_doc
        #![allow(clippy::large_enum_variant, clippy::too_many_arguments, deprecated)]

        #map_import
        #serde_import
    }
}

/// The items of `src/types.rs` for `chunk`, a slice of `api.types`.
pub(crate) fn types_items(api: &Api, chunk: &[TypeDef]) -> TokenStream {
    let paths = Paths::in_types(api);
    let defs: BTreeMap<&str, &TypeDef> = api
        .types
        .iter()
        .map(|def| (def.name.as_str(), def))
        .collect();
    chunk
        .iter()
        .map(|def| type_def(def, &defs, &paths))
        .collect()
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
        TypeKind::Enum(_) => false,
    }
}

fn derives(paths: &Paths, extra: TokenStream) -> TokenStream {
    let (serialize, deserialize) = serde_traits(paths);
    quote!(#[derive(Debug, Clone, PartialEq, #extra #serialize, #deserialize)])
}

fn serde_traits(paths: &Paths) -> (TokenStream, TokenStream) {
    if paths.is_shadowed("Serialize") || paths.is_shadowed("Deserialize") {
        (quote!(serde::Serialize), quote!(serde::Deserialize))
    } else {
        (quote!(Serialize), quote!(Deserialize))
    }
}

fn type_def(def: &TypeDef, defs: &BTreeMap<&str, &TypeDef>, paths: &Paths) -> TokenStream {
    let doc = docs::attrs(&def.docs);
    let name = ident(&def.name);
    match &def.kind {
        TypeKind::Struct(structure) => struct_def(&name, doc, structure, defs, paths),
        TypeKind::Enum(enumeration) => enum_def(&name, doc, enumeration, paths),
        TypeKind::Union(union) => union_def(&name, doc, union, defs, paths),
        TypeKind::Alias {
            target,
            newtype: false,
        } => {
            let target = paths.ty(target);
            quote! {
                #doc
                pub type #name = #target;
            }
        }
        TypeKind::Alias {
            target,
            newtype: true,
        } => {
            let target = paths.ty(target);
            let derives = derives(paths, TokenStream::new());
            quote! {
                #doc
                #derives
                #[serde(transparent)]
                pub struct #name(pub #target);
            }
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

fn struct_def(
    name: &Ident,
    doc: TokenStream,
    structure: &StructDef,
    defs: &BTreeMap<&str, &TypeDef>,
    paths: &Paths,
) -> TokenStream {
    let all_optional = structure.fields.iter().all(Field::is_option);
    let derives = derives(
        paths,
        if all_optional {
            quote!(Default,)
        } else {
            TokenStream::new()
        },
    );
    let fields = structure.fields.iter().map(|field| {
        let doc = docs::attrs(&field.docs);
        let field_name = ident(&field.name);
        let ty = paths.field_ty(field);
        let rename = (field.wire_name != names::unraw(&field.name)).then(|| {
            let wire = &field.wire_name;
            quote!(rename = #wire,)
        });
        let skip = (!field.required).then(|| {
            let is_none = if paths.is_shadowed("Option") {
                "::std::option::Option::is_none"
            } else {
                "Option::is_none"
            };
            quote!(skip_serializing_if = #is_none,)
        });
        let default = (field.required && field.nullable).then(|| quote!(default,));
        let serde = (rename.is_some() || skip.is_some() || default.is_some())
            .then(|| quote!(#[serde(#rename #default #skip)]));
        quote! {
            #doc
            #serde
            pub #field_name: #ty,
        }
    });
    let extra = structure.extra.as_ref().map(|extra| {
        let extra_name = ident(&extra.name);
        let value_ty = if extra.value == TypeRef::Json {
            let string = paths.string();
            quote!(serde_json::Map<#string, serde_json::Value>)
        } else {
            paths.ty(&TypeRef::Map(Box::new(extra.value.clone())))
        };
        quote! {
            /// Properties the spec does not name: kept, so a value read and written again is unchanged.
            #[serde(flatten)]
            pub #extra_name: #value_ty,
        }
    });
    let constructor = constructor(name, structure, defs, paths, all_optional);
    quote! {
        #doc
        #derives
        pub struct #name {
            #(#fields)*
            #extra
        }

        #constructor
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
    name: &Ident,
    structure: &StructDef,
    defs: &BTreeMap<&str, &TypeDef>,
    paths: &Paths,
    all_optional: bool,
) -> TokenStream {
    let mut params = Vec::new();
    let mut inits = Vec::new();
    let mut setters = Vec::new();
    // Field names are unique already; setters must also not hide `new` or a common trait
    // method (`x.default()`, `x.eq(..)`), which would break callers and derived code.
    let mut setter_names =
        Namespace::with_reserved(structure.fields.iter().map(|f| f.name.as_str()));
    for field in &structure.fields {
        let field_name = ident(&field.name);
        let ty = paths.ty(&field.ty);
        if field.is_option() {
            inits.push(quote!(#field_name: None));
            let setter = if SHADOWING_SETTERS.contains(&names::unraw(&field.name)) {
                ident(&setter_names.claim(&format!("with_{}", names::unraw(&field.name))))
            } else {
                field_name.clone()
            };
            let doc = docs::plain(&format!("Sets `{}`.", field.wire_name.replace('`', "'")));
            let into = paths.conversion_trait();
            setters.push(quote! {
                #doc
                pub fn #setter(mut self, value: impl #into<#ty>) -> Self {
                    self.#field_name = Some(value.into());
                    self
                }
            });
        } else if let Some(constant) = constant_of(&field.ty, defs) {
            let constant = ident(constant);
            inits.push(quote!(#field_name: #ty::#constant));
        } else {
            let into = paths.conversion_trait();
            params.push(quote!(#field_name: impl #into<#ty>));
            inits.push(quote!(#field_name: #field_name.into()));
        }
    }
    if let Some(extra) = &structure.extra {
        let extra_name = ident(&extra.name);
        inits.push(quote!(#extra_name: ::std::default::Default::default()));
    }
    let new_doc = if params.is_empty() {
        docs::plain("A value with every optional field unset.")
    } else {
        docs::plain("A value with the required fields set and every optional field unset.")
    };
    // A schema named `Default` hides the trait from method lookup; then name it in full.
    let default_call = if paths.is_shadowed("Default") {
        quote!(<Self as ::std::default::Default>::default())
    } else {
        quote!(Self::default())
    };
    let new = if all_optional && params.is_empty() {
        quote! {
            #new_doc
            pub fn new() -> Self {
                #default_call
            }
        }
    } else {
        quote! {
            #new_doc
            pub fn new(#(#params),*) -> Self {
                Self { #(#inits),* }
            }
        }
    };
    let default_impl = (params.is_empty() && !all_optional).then(|| {
        quote! {
            impl ::std::default::Default for #name {
                fn default() -> Self {
                    Self::new()
                }
            }
        }
    });
    quote! {
        impl #name {
            #new
            #(#setters)*
        }

        #default_impl
    }
}

fn enum_def(name: &Ident, doc: TokenStream, enumeration: &EnumDef, paths: &Paths) -> TokenStream {
    let fallback = ident(&enumeration.fallback);
    let variant_names: Vec<Ident> = enumeration
        .variants
        .iter()
        .map(|v| ident(&v.name))
        .collect();
    let variant_docs = enumeration
        .variants
        .iter()
        .map(|v| docs::plain(&format!("`{}`", v.value.replace('`', "'"))));
    // An enum with one value is a constant (a tag): it defaults to that value, so structs that
    // carry it can fill it in themselves.
    let single = enumeration.variants.len() == 1;
    let default_derive = single.then(|| quote!(Default,));
    let variant_defaults = enumeration
        .variants
        .iter()
        .map(|_| single.then(|| quote!(#[default])));
    let (value_ty, accessor, fallback_ty, serialize, deserialize, literals, from_arg) =
        match enumeration.repr {
            EnumRepr::String => {
                let literals: Vec<TokenStream> = enumeration
                    .variants
                    .iter()
                    .map(|v| {
                        let value = &v.value;
                        quote!(#value)
                    })
                    .collect();
                (
                    quote!(&str),
                    quote!(as_str),
                    paths.string(),
                    quote!(serializer.serialize_str(self.as_str())),
                    quote!(crate::runtime::deserialize_enum_str(
                        deserializer,
                        |value| Self::from(value)
                    )),
                    literals,
                    quote!(&str),
                )
            }
            EnumRepr::Integer => {
                let literals: Vec<TokenStream> = enumeration
                    .variants
                    .iter()
                    .map(|v| {
                        let value: i64 = v.value.parse().unwrap_or_default();
                        let literal = proc_macro2::Literal::u64_unsuffixed(value.unsigned_abs());
                        if value < 0 {
                            quote!(-#literal)
                        } else {
                            quote!(#literal)
                        }
                    })
                    .collect();
                (
                    quote!(i64),
                    quote!(as_i64),
                    quote!(i64),
                    quote!(serializer.serialize_i64(self.as_i64())),
                    quote!(
                        <i64 as ::serde::Deserialize>::deserialize(deserializer).map(Self::from)
                    ),
                    literals,
                    quote!(i64),
                )
            }
        };
    let unknown_value = match enumeration.repr {
        EnumRepr::String => quote!(value),
        EnumRepr::Integer => quote!(*value),
    };
    let from_other = match enumeration.repr {
        EnumRepr::String => quote!(other.to_owned()),
        EnumRepr::Integer => quote!(other),
    };
    let display = match enumeration.repr {
        EnumRepr::String => quote!(f.write_str(self.as_str())),
        EnumRepr::Integer => quote!(::std::fmt::Display::fmt(&self.as_i64(), f)),
    };
    let string_from = (enumeration.repr == EnumRepr::String).then(|| {
        quote! {
            impl ::std::convert::From<::std::string::String> for #name {
                fn from(value: ::std::string::String) -> Self {
                    match Self::from(value.as_str()) {
                        Self::#fallback(_) => Self::#fallback(value),
                        known => known,
                    }
                }
            }
        }
    });
    let accessor_doc = docs::plain("The value as it is written in JSON.");
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, Hash, #default_derive)]
        pub enum #name {
            #(#variant_docs #variant_defaults #variant_names,)*
            /// A value this version of the crate does not know; kept as it was sent.
            #fallback(#fallback_ty),
        }

        impl #name {
            #accessor_doc
            pub fn #accessor(&self) -> #value_ty {
                match self {
                    #(Self::#variant_names => #literals,)*
                    Self::#fallback(value) => #unknown_value,
                }
            }
        }

        impl ::std::convert::From<#from_arg> for #name {
            fn from(value: #from_arg) -> Self {
                match value {
                    #(#literals => Self::#variant_names,)*
                    other => Self::#fallback(#from_other),
                }
            }
        }

        #string_from

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                #display
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                #serialize
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                #deserialize
            }
        }
    }
}

fn union_def(
    name: &Ident,
    doc: TokenStream,
    union: &UnionDef,
    defs: &BTreeMap<&str, &TypeDef>,
    paths: &Paths,
) -> TokenStream {
    let has_json = union.variants.iter().any(|v| v.ty == TypeRef::Json);
    let fallback = ident(&union.fallback);
    let variants = union.variants.iter().map(|variant| {
        let variant_name = ident(&variant.name);
        let ty = paths.ty(&variant.ty);
        let mut text = variant
            .description
            .as_deref()
            .map(docs::sanitize)
            .unwrap_or_default();
        if !variant.tag_values.is_empty() {
            let tags = variant
                .tag_values
                .iter()
                .map(|v| v.replace('`', "'"))
                .collect::<Vec<_>>();
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(&format!("Tagged `{}`.", tags.join("`, `")));
        }
        let doc = docs::plain(&text);
        quote!(#doc #variant_name(#ty),)
    });
    let fallback_variant = (!has_json).then(|| {
        quote! {
            /// A value none of the alternatives above matches; kept as it was sent.
            #fallback(serde_json::Value),
        }
    });
    let (serialize, deserialize) = serde_traits(paths);
    let (derive, deserialize_impl) = match &union.tag {
        Some(tag) if !has_json => (
            quote!(#[derive(Debug, Clone, PartialEq, #serialize)]),
            tagged_deserialize(name, union, tag, &fallback),
        ),
        _ => (
            quote!(#[derive(Debug, Clone, PartialEq, #serialize, #deserialize)]),
            TokenStream::new(),
        ),
    };
    let froms = union_froms(name, union, defs, paths);
    quote! {
        #doc
        #derive
        #[serde(untagged)]
        pub enum #name {
            #(#variants)*
            #fallback_variant
        }

        #deserialize_impl
        #froms
    }
}

fn tagged_deserialize(name: &Ident, union: &UnionDef, tag: &str, fallback: &Ident) -> TokenStream {
    let arms = union.variants.iter().filter(|v| !v.tag_values.is_empty()).map(|variant| {
        let variant_name = ident(&variant.name);
        let values = &variant.tag_values;
        quote! {
            #(Some(#values))|* => serde_json::from_value(value).map(Self::#variant_name).map_err(::serde::de::Error::custom),
        }
    });
    quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                let tag = value.get(#tag).and_then(serde_json::Value::as_str).map(str::to_owned);
                match tag.as_deref() {
                    #(#arms)*
                    _ => Ok(Self::#fallback(value)),
                }
            }
        }
    }
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
    name: &Ident,
    union: &UnionDef,
    defs: &BTreeMap<&str, &TypeDef>,
    paths: &Paths,
) -> TokenStream {
    let mut out = TokenStream::new();
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
        let variant_name = ident(&variant.name);
        let (ty, wrap) = match &variant.ty {
            TypeRef::Boxed(inner) => (paths.ty(inner), quote!(::std::boxed::Box::new(value))),
            other => (paths.ty(other), quote!(value)),
        };
        out.extend(quote! {
            impl ::std::convert::From<#ty> for #name {
                fn from(value: #ty) -> Self {
                    Self::#variant_name(#wrap)
                }
            }
        });
        let from_str = if variant.ty == TypeRef::String {
            Some(quote!(value.to_owned()))
        } else if string_enum_from_str(union, variant, defs) {
            Some(quote!(::std::convert::From::from(value)))
        } else {
            None
        };
        if let Some(from_str) = from_str {
            out.extend(quote! {
                impl ::std::convert::From<&str> for #name {
                    fn from(value: &str) -> Self {
                        Self::#variant_name(#from_str)
                    }
                }
            });
        }
    }
    out
}

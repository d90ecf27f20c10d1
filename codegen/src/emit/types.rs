//! Named types → `src/types.rs`.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

use super::docs;
use super::rust::{Printer, derive, doc, ident, inner_doc, string};
use crate::diagnostics::Error;
use crate::model::{
    Api, EnumDef, EnumRepr, Field, IntegerType, StructDef, TypeDef, TypeKind, TypeRef, UnionDef,
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
    /// Whether named types are reached through `types::` (from `client.rs`) or are in scope.
    through_types_module: bool,
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
            through_types_module: false,
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
            through_types_module: true,
        }
    }

    /// Whether `name` (one of [`SHADOWABLE`], or a name of the client module) is defined in the
    /// generated types and so hides the std or serde item.
    pub(crate) fn is_shadowed(&self, name: &str) -> bool {
        self.shadowed.contains(name)
    }

    /// `String`.
    pub(crate) fn string(&self) -> TokenStream {
        if self.is_shadowed("String") {
            quote!(::std::string::String)
        } else {
            quote!(String)
        }
    }

    fn option(&self) -> TokenStream {
        if self.is_shadowed("Option") {
            quote!(::std::option::Option)
        } else {
            quote!(Option)
        }
    }

    fn vec(&self) -> TokenStream {
        if self.is_shadowed("Vec") {
            quote!(::std::vec::Vec)
        } else {
            quote!(Vec)
        }
    }

    /// A named type, as this file reaches it.
    pub(crate) fn named(&self, name: &str) -> TokenStream {
        let name = ident(name);
        if self.through_types_module {
            quote!(types::#name)
        } else {
            quote!(#name)
        }
    }

    /// The Rust type of a [`TypeRef`].
    pub(crate) fn ty(&self, ty: &TypeRef) -> TokenStream {
        match ty {
            TypeRef::Named(name) => self.named(name),
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
                let vec = self.vec();
                quote!(#vec<u8>)
            }
            TypeRef::Vec(inner) => {
                let vec = self.vec();
                let inner = self.ty(inner);
                quote!(#vec<#inner>)
            }
            TypeRef::Map(inner) => {
                let map = if self.is_shadowed("BTreeMap") {
                    quote!(::std::collections::BTreeMap)
                } else {
                    quote!(BTreeMap)
                };
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
                let boxed = if self.is_shadowed("Box") {
                    quote!(::std::boxed::Box)
                } else {
                    quote!(Box)
                };
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

    /// `impl Into<ty>`: what constructors and setters accept.
    pub(crate) fn into(&self, ty: &TypeRef) -> TokenStream {
        let ty = self.ty(ty);
        if self.is_shadowed("Into") {
            quote!(impl ::std::convert::Into<#ty>)
        } else {
            quote!(impl Into<#ty>)
        }
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
    printer.block(docs, "the docs of src/types.rs")?;
    printer.block(
        quote!(#![allow(clippy::large_enum_variant, clippy::too_many_arguments, deprecated)]),
        "the lints of src/types.rs",
    )?;
    let derives_serde = api.types.iter().any(|def| {
        matches!(
            def.kind,
            TypeKind::Struct(_) | TypeKind::Union(_) | TypeKind::Alias { newtype: true, .. }
        )
    });
    let mut imports = TokenStream::new();
    if derives_serde && !paths.is_shadowed("Serialize") && !paths.is_shadowed("Deserialize") {
        imports.extend(quote!(
            use serde::{Deserialize, Serialize};
        ));
    }
    if api.types.iter().any(mentions_map) && !paths.is_shadowed("BTreeMap") {
        imports.extend(quote!(
            use std::collections::BTreeMap;
        ));
    }
    if !imports.is_empty() {
        printer.block(imports, "the imports of src/types.rs")?;
    }
    Ok(printer)
}

/// The items of `src/types.rs` for `chunk`, a slice of `api.types`, each printed on its own.
pub(crate) fn types_items(api: &Api, chunk: &[TypeDef]) -> Result<Printer, Error> {
    let paths = Paths::in_types(api);
    let defs: BTreeMap<&str, &TypeDef> = api
        .types
        .iter()
        .map(|def| (def.name.as_str(), def))
        .collect();
    let mut printer = Printer::with_capacity(chunk.len() * 1024);
    for def in chunk {
        printer.items(
            type_def(def, &defs, &paths),
            &format!("the type `{}`", def.name),
        )?;
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
        TypeKind::Enum(_) => false,
    }
}

/// `#[derive(Debug, Clone, PartialEq, ..extra, Serialize, Deserialize)]`.
fn derives(paths: &Paths, extra: &[TokenStream], deserialize: bool) -> TokenStream {
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

fn type_def(def: &TypeDef, defs: &BTreeMap<&str, &TypeDef>, paths: &Paths) -> TokenStream {
    let docs = docs::attributes(&def.docs);
    let name = ident(&def.name);
    match &def.kind {
        TypeKind::Struct(structure) => struct_def(docs, &name, structure, defs, paths),
        TypeKind::Enum(enumeration) => enum_def(docs, &name, enumeration, paths),
        TypeKind::Union(union) => union_def(docs, &name, union, defs, paths),
        TypeKind::Alias {
            target,
            newtype: false,
        } => {
            let target = paths.ty(target);
            quote! {
                #docs
                pub type #name = #target;
            }
        }
        TypeKind::Alias {
            target,
            newtype: true,
        } => {
            let derives = derives(paths, &[], true);
            let target = paths.ty(target);
            quote! {
                #docs
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
    docs: TokenStream,
    name: &Ident,
    structure: &StructDef,
    defs: &BTreeMap<&str, &TypeDef>,
    paths: &Paths,
) -> TokenStream {
    let all_optional = structure.fields.iter().all(Field::is_option);
    let default = [quote!(Default)];
    let derives = derives(paths, if all_optional { &default } else { &[] }, true);
    let skip_if_none = string(if paths.is_shadowed("Option") {
        "::std::option::Option::is_none"
    } else {
        "Option::is_none"
    });
    let mut fields = TokenStream::new();
    for field in &structure.fields {
        fields.extend(docs::attributes(&field.docs));
        let mut serde = Vec::new();
        if field.wire_name != names::unraw(&field.name) {
            let wire = string(&field.wire_name);
            serde.push(quote!(rename = #wire));
        }
        if field.required && field.nullable {
            serde.push(quote!(default));
        }
        if !field.required {
            serde.push(quote!(skip_serializing_if = #skip_if_none));
        }
        if !serde.is_empty() {
            fields.extend(quote!(#[serde(#(#serde),*)]));
        }
        let field_name = ident(&field.name);
        let ty = paths.field_ty(field);
        fields.extend(quote!(pub #field_name: #ty,));
    }
    if let Some(extra) = &structure.extra {
        let value_ty = if extra.value == TypeRef::Json {
            let string = paths.string();
            quote!(serde_json::Map<#string, serde_json::Value>)
        } else {
            paths.ty(&TypeRef::Map(Box::new(extra.value.clone())))
        };
        let extra_name = ident(&extra.name);
        fields.extend(quote! {
            /// Properties the spec does not name: kept, so a value read and written again is unchanged.
            #[serde(flatten)]
            pub #extra_name: #value_ty,
        });
    }
    let constructor = constructor(name, structure, defs, paths, all_optional);
    quote! {
        #docs
        #derives
        pub struct #name { #fields }
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
    for field in &structure.fields {
        let field_name = ident(&field.name);
        if field.is_option() {
            inits.push(quote!(#field_name: None));
        } else if let Some(constant) = constant_of(&field.ty, defs) {
            let ty = paths.ty(&field.ty);
            let constant = ident(constant);
            inits.push(quote!(#field_name: #ty::#constant));
        } else {
            let into = paths.into(&field.ty);
            params.push(quote!(#field_name: #into));
            inits.push(quote!(#field_name: #field_name.into()));
        }
    }
    if let Some(extra) = &structure.extra {
        let extra_name = ident(&extra.name);
        inits.push(quote!(#extra_name: ::std::default::Default::default()));
    }
    let new_doc = if params.is_empty() {
        "A value with every optional field unset."
    } else {
        "A value with the required fields set and every optional field unset."
    };
    let new_doc = doc(new_doc);
    let new_body = if all_optional && params.is_empty() {
        // A schema named `Default` hides the trait from method lookup; then name it in full.
        if paths.is_shadowed("Default") {
            quote!(<Self as ::std::default::Default>::default())
        } else {
            quote!(Self::default())
        }
    } else {
        quote!(Self { #(#inits),* })
    };
    let value_constructors = value_constructors(structure, defs, paths);
    // Field names are unique already; setters must also not hide `new` or a common trait
    // method (`x.default()`, `x.eq(..)`), which would break callers and derived code.
    let mut setter_names =
        Namespace::with_reserved(structure.fields.iter().map(|f| f.name.as_str()));
    let mut setters = TokenStream::new();
    for field in structure.fields.iter().filter(|field| field.is_option()) {
        let setter = if SHADOWING_SETTERS.contains(&names::unraw(&field.name)) {
            ident(&setter_names.claim(&format!("with_{}", names::unraw(&field.name))))
        } else {
            ident(&field.name)
        };
        let setter_doc = doc(&format!("Sets {}.", docs::code_span(&field.wire_name)));
        let field_name = ident(&field.name);
        let into = paths.into(&field.ty);
        setters.extend(quote! {
            #setter_doc
            pub fn #setter(mut self, value: #into) -> Self {
                self.#field_name = Some(value.into());
                self
            }
        });
    }
    let default_impl = if params.is_empty() && !all_optional {
        quote! {
            impl ::std::default::Default for #name {
                fn default() -> Self {
                    Self::new()
                }
            }
        }
    } else {
        TokenStream::new()
    };
    quote! {
        impl #name {
            #new_doc
            pub fn new(#(#params),*) -> Self {
                #new_body
            }
            #value_constructors
            #setters
        }
        #default_impl
    }
}

/// One constructor per value when a struct's only required field is a small string enum:
/// `ChatMessage::user()` for `ChatMessage::new(ChatRole::User)`. A value whose name is taken
/// (by a field, a setter, `new` or a common trait method) or is not a plain identifier gets
/// none.
fn value_constructors(
    structure: &StructDef,
    defs: &BTreeMap<&str, &TypeDef>,
    paths: &Paths,
) -> TokenStream {
    let mut out = TokenStream::new();
    let mut required = structure
        .fields
        .iter()
        .filter(|field| !field.is_option() && constant_of(&field.ty, defs).is_none());
    let (Some(field), None) = (required.next(), required.next()) else {
        return out;
    };
    let TypeRef::Named(enum_name) = &field.ty else {
        return out;
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
        return out;
    };
    if !(2..=8).contains(&variants.len()) {
        return out;
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
    let enum_ty = paths.ty(&field.ty);
    for variant in variants {
        let method = names::field_name(&variant.value);
        // Raw (`r#type`), escaped (`self_`), digit-led (`_2fa`) or made-up (`value` for "")
        // names would read badly.
        if !variant.value.contains(|c: char| c.is_ascii_alphanumeric())
            || method.starts_with("r#")
            || method.starts_with('_')
            || method.ends_with('_')
            || !taken.insert(method.clone())
        {
            continue;
        }
        let method_doc = doc(&format!(
            "A value with {} set to {} and every optional field unset.",
            docs::code_span(&field.wire_name),
            docs::code_span(&variant.value)
        ));
        let method = ident(&method);
        let variant_name = ident(&variant.name);
        out.extend(quote! {
            #method_doc
            pub fn #method() -> Self {
                Self::new(#enum_ty::#variant_name)
            }
        });
    }
    out
}

/// The `Serialize` impl of a type whose body is `body`.
fn serialize_impl(name: &Ident, body: TokenStream) -> TokenStream {
    quote! {
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                #body
            }
        }
    }
}

/// The `Deserialize` impl of a type whose body is `body`.
fn deserialize_impl(name: &Ident, body: TokenStream) -> TokenStream {
    quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                #body
            }
        }
    }
}

/// An enum value as a literal pattern or expression: `"auto"`, `42`, `-1`.
fn enum_literal(value: &str, repr: EnumRepr) -> TokenStream {
    match repr {
        EnumRepr::String => {
            let literal = string(value);
            quote!(#literal)
        }
        EnumRepr::Integer => {
            let number = value.parse::<i64>().unwrap_or_default();
            let magnitude = Literal::u64_unsuffixed(number.unsigned_abs());
            if number < 0 {
                quote!(-#magnitude)
            } else {
                quote!(#magnitude)
            }
        }
    }
}

fn enum_def(docs: TokenStream, name: &Ident, enumeration: &EnumDef, paths: &Paths) -> TokenStream {
    let fallback = ident(&enumeration.fallback);
    // An enum with one value is a constant (a tag): it defaults to that value, so structs that
    // carry it can fill it in themselves.
    let single = enumeration.variants.len() == 1;
    let string_repr = enumeration.repr == EnumRepr::String;
    let variant_names: Vec<Ident> = enumeration
        .variants
        .iter()
        .map(|v| ident(&v.name))
        .collect();
    let literals: Vec<TokenStream> = enumeration
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
    let derives = derive(&traits);
    let mut variants = TokenStream::new();
    for (variant, variant_name) in enumeration.variants.iter().zip(&variant_names) {
        variants.extend(doc(&docs::code_span(&variant.value)));
        if single {
            variants.extend(quote!(#[default]));
        }
        variants.extend(quote!(#variant_name,));
    }
    let (kept, accessor, from_arg) = if string_repr {
        (paths.string(), quote!(as_str), quote!(&str))
    } else {
        (quote!(i64), quote!(as_i64), quote!(i64))
    };
    let accessor_ty = if string_repr {
        quote!(&str)
    } else {
        quote!(i64)
    };
    let fallback_value = if string_repr {
        quote!(value)
    } else {
        quote!(*value)
    };
    let fallback_from = if string_repr {
        quote!(other.to_owned())
    } else {
        quote!(other)
    };
    let from_string = if string_repr {
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
    } else {
        TokenStream::new()
    };
    let display = if string_repr {
        quote!(f.write_str(self.as_str()))
    } else {
        quote!(::std::fmt::Display::fmt(&self.as_i64(), f))
    };
    let serialize = serialize_impl(
        name,
        if string_repr {
            quote!(serializer.serialize_str(self.as_str()))
        } else {
            quote!(serializer.serialize_i64(self.as_i64()))
        },
    );
    let deserialize = deserialize_impl(
        name,
        if string_repr {
            quote!(crate::runtime::deserialize_enum_str(
                deserializer,
                |value| Self::from(value)
            ))
        } else {
            quote! {
                let value = <i64 as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from(value))
            }
        },
    );
    quote! {
        #docs
        #derives
        pub enum #name {
            #variants
            /// A value this version of the crate does not know; kept as it was sent.
            #fallback(#kept),
        }
        impl #name {
            /// The value as it is written in JSON.
            pub fn #accessor(&self) -> #accessor_ty {
                match self {
                    #(Self::#variant_names => #literals,)*
                    Self::#fallback(value) => #fallback_value,
                }
            }
        }
        impl ::std::convert::From<#from_arg> for #name {
            fn from(value: #from_arg) -> Self {
                match value {
                    #(#literals => Self::#variant_names,)*
                    other => Self::#fallback(#fallback_from),
                }
            }
        }
        #from_string
        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                #display
            }
        }
        #serialize
        #deserialize
    }
}

fn union_def(
    docs: TokenStream,
    name: &Ident,
    union: &UnionDef,
    defs: &BTreeMap<&str, &TypeDef>,
    paths: &Paths,
) -> TokenStream {
    let has_json = union.variants.iter().any(|v| v.ty == TypeRef::Json);
    let fallback = ident(&union.fallback);
    let tag = union.tag.as_deref().filter(|_| !has_json);
    let derives = derives(paths, &[], tag.is_none());
    let mut variants = TokenStream::new();
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
        variants.extend(doc(&text));
        let variant_name = ident(&variant.name);
        let ty = paths.ty(&variant.ty);
        variants.extend(quote!(#variant_name(#ty),));
    }
    if !has_json {
        variants.extend(quote! {
            /// A value none of the alternatives above matches; kept as it was sent.
            #fallback(serde_json::Value),
        });
    }
    let deserialize = match tag {
        Some(tag) => tagged_deserialize(name, union, tag, &fallback),
        None => TokenStream::new(),
    };
    let froms = union_froms(name, union, defs, paths);
    quote! {
        #docs
        #derives
        #[serde(untagged)]
        pub enum #name { #variants }
        #deserialize
        #froms
    }
}

fn tagged_deserialize(name: &Ident, union: &UnionDef, tag: &str, fallback: &Ident) -> TokenStream {
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
                Some(#value) => crate::runtime::decode_variant(value, Self::#variant_name),
            });
        }
    }
    deserialize_impl(
        name,
        quote! {
            let value = <serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
            let tag = crate::runtime::tag_of(&value, #tag);
            match tag.as_deref() {
                #arms
                _ => Ok(Self::#fallback(value)),
            }
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
        let (ty, wrap) = match &variant.ty {
            TypeRef::Boxed(inner) => (paths.ty(inner), quote!(::std::boxed::Box::new(value))),
            other => (paths.ty(other), quote!(value)),
        };
        let variant_name = ident(&variant.name);
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

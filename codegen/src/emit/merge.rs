//! The merge shapes at the end of `src/types.rs`: for every type a stream event can hold, a
//! static `Shape` telling the runtime's merge (`codegen/runtime/merge.rs`) which strings are
//! free text and which are enums, and a `Merge` impl for each event type.
//!
//! Statics rather than a generated merge per type: the rules live once in the runtime, where
//! they are tested, and a crate pays a few lines per reachable type, not a function of each;
//! statics (unlike constants) may refer to themselves, which recursive schemas need.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;

use super::rust::{Printer, ident, string};
use super::types::Paths;
use crate::diagnostics::Error;
use crate::model::{Api, TypeDef, TypeKind, TypeRef};

/// Plain aliases deeper than this are described as free-form JSON: a bound on the recursion
/// that a malformed model could not make endless.
const MAX_ALIAS_DEPTH: usize = 32;

/// The module of shapes and the `Merge` impls, or nothing when the API has no stream.
pub(crate) fn merge_shapes(api: &Api) -> Result<Option<Printer>, Error> {
    let defs: BTreeMap<&str, &TypeDef> = api
        .types
        .iter()
        .map(|def| (def.name.as_str(), def))
        .collect();
    let mut events: Vec<TypeRef> = Vec::new();
    for op in &api.operations {
        if let Some(stream) = &op.stream {
            let event = unalias(&stream.event, &defs, 0);
            // `serde_json::Value` has its impl in the runtime; a type once is enough.
            if event != TypeRef::Json && !events.contains(&event) {
                events.push(event);
            }
        }
    }
    if events.is_empty() {
        return Ok(None);
    }
    let reachable = reachable(&events, &defs);
    let paths = Paths::in_child_of_types();
    let mut statics = TokenStream::new();
    let mut imports = vec![quote!(Merge)];
    let kinds = || reachable.iter().filter_map(|name| defs.get(name.as_str()));
    if kinds().any(|def| matches!(def.kind, TypeKind::Struct(_))) {
        imports.push(quote!(ObjectShape));
    }
    imports.push(quote!(Shape));
    if kinds().any(|def| {
        matches!(
            def.kind,
            TypeKind::Union(_) | TypeKind::Alias { newtype: true, .. }
        )
    }) {
        imports.push(quote!(UnionShape));
    }
    for name in &reachable {
        let Some(def) = defs.get(name.as_str()) else {
            continue;
        };
        let Some(value) = static_value(def, &defs) else {
            continue;
        };
        let static_name = ident(name);
        statics.extend(quote!(pub(super) static #static_name: Shape = #value;));
    }
    let mut impls = TokenStream::new();
    for event in &events {
        let ty = paths.ty(event);
        let shape = reference(event, &defs, 0);
        // An event type behind cargo features has its impl behind them too.
        let gate = match event {
            TypeRef::Named(name) => super::types::gate(api.type_features(name)),
            _ => TokenStream::new(),
        };
        impls.extend(quote! {
            #gate
            impl Merge for #ty {
                fn shape() -> &'static Shape {
                    #shape
                }
            }
        });
    }
    // With the features of a stream off, its shapes are not used.
    let dead_code = if api.features.is_some() {
        quote!(#![allow(dead_code, unused_imports)])
    } else {
        TokenStream::new()
    };
    let mut printer = Printer::new();
    printer.items(
        quote! {
            /// How the events of the streams merge ([`crate::EventStream::merged`]): the shape of
            /// every type an event can hold, named after the type.
            mod merge_shapes {
                #![allow(non_upper_case_globals)]
                #dead_code
                use crate::runtime::merge::{#(#imports),*};
                #statics
                #impls
            }
        },
        "the merge shapes",
    )?;
    Ok(Some(printer))
}

/// `ty` with plain aliases replaced by what they name: the Rust type they stand for.
fn unalias(ty: &TypeRef, defs: &BTreeMap<&str, &TypeDef>, depth: usize) -> TypeRef {
    if let TypeRef::Named(name) = ty
        && let Some(TypeDef {
            kind:
                TypeKind::Alias {
                    target,
                    newtype: false,
                },
            ..
        }) = defs.get(name.as_str())
        && depth < MAX_ALIAS_DEPTH
    {
        return unalias(target, defs, depth + 1);
    }
    ty.clone()
}

/// The named types reachable from the event types, in name order (the order of `api.types`).
fn reachable(events: &[TypeRef], defs: &BTreeMap<&str, &TypeDef>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<&TypeRef> = events.iter().collect();
    while let Some(ty) = todo.pop() {
        match ty {
            TypeRef::Named(name) => {
                if !seen.insert(name.clone()) {
                    continue;
                }
                let Some(def) = defs.get(name.as_str()) else {
                    continue;
                };
                match &def.kind {
                    TypeKind::Struct(structure) => {
                        todo.extend(structure.fields.iter().map(|field| &field.ty));
                        todo.extend(structure.extra.iter().map(|extra| &extra.value));
                    }
                    TypeKind::Union(union) => {
                        todo.extend(union.variants.iter().map(|variant| &variant.ty));
                    }
                    TypeKind::Alias { target, .. } => todo.push(target),
                    TypeKind::Enum(_) | TypeKind::Responses(_) => {}
                }
            }
            TypeRef::Vec(inner)
            | TypeRef::Map(inner)
            | TypeRef::Option(inner)
            | TypeRef::Boxed(inner) => todo.push(inner),
            _ => {}
        }
    }
    seen
}

/// Whether a named type has a static of its own: the types that can be recursive.
fn has_static(def: &TypeDef) -> bool {
    matches!(
        def.kind,
        TypeKind::Struct(_) | TypeKind::Union(_) | TypeKind::Alias { newtype: true, .. }
    )
}

/// The initializer of a named type's static, for the types that have one.
fn static_value(def: &TypeDef, defs: &BTreeMap<&str, &TypeDef>) -> Option<TokenStream> {
    match &def.kind {
        TypeKind::Struct(structure) => {
            let fields = structure.fields.iter().map(|field| {
                let wire = string(&field.wire_name);
                let shape = reference(&field.ty, defs, 0);
                quote!((#wire, #shape))
            });
            let other = match &structure.extra {
                Some(extra) => reference(&extra.value, defs, 0),
                None => quote!(&Shape::Any),
            };
            Some(quote! {
                Shape::Object(&ObjectShape {
                    fields: &[#(#fields),*],
                    other: #other,
                })
            })
        }
        TypeKind::Union(union) => {
            let tag = match &union.tag {
                Some(tag) => {
                    let tag = string(tag);
                    quote!(Some(#tag))
                }
                None => quote!(None),
            };
            let variants = union.variants.iter().map(|variant| {
                let values = variant.tag_values.iter().map(|value| string(value));
                let shape = reference(&variant.ty, defs, 0);
                quote!((&[#(#values),*], #shape))
            });
            Some(quote! {
                Shape::Union(&UnionShape {
                    tag: #tag,
                    variants: &[#(#variants),*],
                })
            })
        }
        // A union of one alternative: the target's shape whatever it is, a static included
        // (a static cannot be initialized with another static's value).
        TypeKind::Alias {
            target,
            newtype: true,
        } => {
            let shape = reference(target, defs, 0);
            Some(quote! {
                Shape::Union(&UnionShape {
                    tag: None,
                    variants: &[(&[], #shape)],
                })
            })
        }
        TypeKind::Alias { newtype: false, .. } | TypeKind::Enum(_) | TypeKind::Responses(_) => None,
    }
}

/// An expression of type `&'static Shape` for `ty`, inside the module of shapes.
fn reference(ty: &TypeRef, defs: &BTreeMap<&str, &TypeDef>, depth: usize) -> TokenStream {
    match ty {
        TypeRef::Named(name) => match defs.get(name.as_str()) {
            Some(def) if has_static(def) => {
                let name = ident(name);
                quote!(&#name)
            }
            Some(TypeDef {
                kind: TypeKind::Alias { target, .. },
                ..
            }) if depth < MAX_ALIAS_DEPTH => reference(target, defs, depth + 1),
            Some(TypeDef {
                kind: TypeKind::Enum(_) | TypeKind::Responses(_),
                ..
            }) => quote!(&Shape::Atom),
            _ => quote!(&Shape::Any),
        },
        TypeRef::String => quote!(&Shape::Text),
        TypeRef::Bool | TypeRef::Integer(_) | TypeRef::Number | TypeRef::Bytes | TypeRef::File => {
            quote!(&Shape::Atom)
        }
        TypeRef::Json => quote!(&Shape::Any),
        TypeRef::Vec(inner) => {
            let inner = reference(inner, defs, depth);
            quote!(&Shape::List(#inner))
        }
        TypeRef::Map(inner) => {
            let inner = reference(inner, defs, depth);
            quote!(&Shape::Map(#inner))
        }
        TypeRef::Option(inner) | TypeRef::Boxed(inner) => reference(inner, defs, depth),
    }
}

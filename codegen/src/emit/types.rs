//! Named types → `src/types.rs`.

use std::collections::{BTreeMap, BTreeSet};

use super::docs;
use super::layout::{Code, Param, Ty, string_literal};
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
    /// Where named types live, seen from the file being written (`` or `types::`).
    types_prefix: &'static str,
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
            types_prefix: "",
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
            types_prefix: "types::",
        }
    }

    fn item(&self, short: &'static str, absolute: &'static str) -> &'static str {
        if self.shadowed.contains(short) {
            absolute
        } else {
            short
        }
    }

    /// `String`.
    pub(crate) fn string(&self) -> &'static str {
        self.item("String", "::std::string::String")
    }

    /// `Into`.
    pub(crate) fn conversion_trait(&self) -> &'static str {
        self.item("Into", "::std::convert::Into")
    }

    fn option(&self) -> &'static str {
        self.item("Option", "::std::option::Option")
    }

    /// Whether `name` (one of [`SHADOWABLE`], or a name of the client module) is defined in the
    /// generated types and so hides the std or serde item.
    pub(crate) fn is_shadowed(&self, name: &str) -> bool {
        self.shadowed.contains(name)
    }

    /// The Rust type of a [`TypeRef`], on one line.
    pub(crate) fn ty(&self, ty: &TypeRef) -> String {
        self.tree(ty).flat()
    }

    /// The Rust type of a [`TypeRef`], as a tree that can be laid out over several lines.
    pub(crate) fn tree(&self, ty: &TypeRef) -> Ty {
        match ty {
            TypeRef::Named(name) => Ty::plain(format!("{}{name}", self.types_prefix)),
            TypeRef::String => Ty::plain(self.string()),
            TypeRef::Bool => Ty::plain("bool"),
            TypeRef::Integer(IntegerType::I32) => Ty::plain("i32"),
            TypeRef::Integer(IntegerType::I64) => Ty::plain("i64"),
            TypeRef::Integer(IntegerType::U32) => Ty::plain("u32"),
            TypeRef::Integer(IntegerType::U64) => Ty::plain("u64"),
            TypeRef::Number => Ty::plain("f64"),
            TypeRef::Json => Ty::plain("serde_json::Value"),
            TypeRef::File => Ty::plain("crate::FilePart"),
            TypeRef::Bytes => {
                Ty::generic(self.item("Vec", "::std::vec::Vec"), vec![Ty::plain("u8")])
            }
            TypeRef::Vec(inner) => {
                Ty::generic(self.item("Vec", "::std::vec::Vec"), vec![self.tree(inner)])
            }
            TypeRef::Map(inner) => Ty::generic(
                self.item("BTreeMap", "::std::collections::BTreeMap"),
                vec![Ty::plain(self.string()), self.tree(inner)],
            ),
            TypeRef::Option(inner) => Ty::generic(self.option(), vec![self.tree(inner)]),
            TypeRef::Boxed(inner) => Ty::generic(
                self.item("Box", "::std::boxed::Box"),
                vec![self.tree(inner)],
            ),
        }
    }

    /// The type of a field, `Option` included.
    fn field_ty(&self, field: &Field) -> Ty {
        let ty = self.tree(&field.ty);
        if field.is_option() {
            Ty::generic(self.option(), vec![ty])
        } else {
            ty
        }
    }

    /// `impl Into<ty>`: what constructors and setters accept.
    pub(crate) fn into(&self, ty: &TypeRef) -> Ty {
        Ty::generic(
            format!("impl {}", self.conversion_trait()),
            vec![self.tree(ty)],
        )
    }
}

/// `src/types.rs`: the file's head (docs, lints, imports). The items follow, written chunk by
/// chunk by [`types_items`] on separate threads; every item is laid out on its own, so the
/// text does not depend on how the types were split.
pub(crate) fn types_head(api: &Api) -> String {
    let paths = Paths::in_types(api);
    let mut code = Code::new();
    code.inner_doc(&format!(
        "Request and response types of the {}, one per schema of the spec.\n\nResponses are read leniently: unknown fields are kept in `additional_properties`, unknown enum values in an `Unknown` variant. Requests are written strictly: a field left `None` is not sent.",
        api.title
    ));
    code.blank();
    code.line("#![allow(clippy::large_enum_variant, clippy::too_many_arguments, deprecated)]");
    let derives_serde = api.types.iter().any(|def| {
        matches!(
            def.kind,
            TypeKind::Struct(_) | TypeKind::Union(_) | TypeKind::Alias { newtype: true, .. }
        )
    });
    let serde_import =
        derives_serde && !paths.is_shadowed("Serialize") && !paths.is_shadowed("Deserialize");
    let map_import = api.types.iter().any(mentions_map) && !paths.is_shadowed("BTreeMap");
    if serde_import || map_import {
        code.blank();
    }
    // In rustfmt's order: sorted by path.
    if serde_import {
        code.line("use serde::{Deserialize, Serialize};");
    }
    if map_import {
        code.line("use std::collections::BTreeMap;");
    }
    code.finish()
}

/// The items of `src/types.rs` for `chunk`, a slice of `api.types`, each after a blank line.
pub(crate) fn types_items(api: &Api, chunk: &[TypeDef]) -> String {
    let paths = Paths::in_types(api);
    let defs: BTreeMap<&str, &TypeDef> = api
        .types
        .iter()
        .map(|def| (def.name.as_str(), def))
        .collect();
    let mut code = Code::with_capacity(chunk.len() * 1024);
    for def in chunk {
        type_def(&mut code, def, &defs, &paths);
    }
    code.finish()
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
fn derives(code: &mut Code, paths: &Paths, extra: &[&str], deserialize: bool) {
    let (serialize_trait, deserialize_trait) = serde_traits(paths);
    let mut items: Vec<String> = ["Debug", "Clone", "PartialEq"]
        .iter()
        .chain(extra)
        .map(|s| (*s).to_owned())
        .collect();
    items.push(serialize_trait.to_owned());
    if deserialize {
        items.push(deserialize_trait.to_owned());
    }
    code.attribute("derive", &items);
}

fn serde_traits(paths: &Paths) -> (&'static str, &'static str) {
    if paths.is_shadowed("Serialize") || paths.is_shadowed("Deserialize") {
        ("serde::Serialize", "serde::Deserialize")
    } else {
        ("Serialize", "Deserialize")
    }
}

fn type_def(code: &mut Code, def: &TypeDef, defs: &BTreeMap<&str, &TypeDef>, paths: &Paths) {
    code.blank();
    docs::write(code, &def.docs);
    let name = def.name.as_str();
    match &def.kind {
        TypeKind::Struct(structure) => struct_def(code, name, structure, defs, paths),
        TypeKind::Enum(enumeration) => enum_def(code, name, enumeration, paths),
        TypeKind::Union(union) => union_def(code, name, union, defs, paths),
        TypeKind::Alias {
            target,
            newtype: false,
        } => code.typed(&format!("pub type {name} ="), &paths.tree(target), ";"),
        TypeKind::Alias {
            target,
            newtype: true,
        } => {
            derives(code, paths, &[], true);
            code.line("#[serde(transparent)]");
            code.call(
                None,
                &format!("pub struct {name}"),
                &[format!("pub {}", paths.ty(target))],
                ";",
            );
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
    code: &mut Code,
    name: &str,
    structure: &StructDef,
    defs: &BTreeMap<&str, &TypeDef>,
    paths: &Paths,
) {
    let all_optional = structure.fields.iter().all(Field::is_option);
    derives(
        code,
        paths,
        if all_optional { &["Default"] } else { &[] },
        true,
    );
    if structure.fields.is_empty() && structure.extra.is_none() {
        code.line_of(&["pub struct ", name, " {}"]);
    } else {
        code.item(&format!("pub struct {name}"), |code| {
            for field in &structure.fields {
                docs::write(code, &field.docs);
                let mut serde = Vec::new();
                if field.wire_name != names::unraw(&field.name) {
                    serde.push(format!("rename = {}", string_literal(&field.wire_name)));
                }
                if field.required && field.nullable {
                    serde.push("default".to_owned());
                }
                if !field.required {
                    serde.push(if paths.is_shadowed("Option") {
                        r#"skip_serializing_if = "::std::option::Option::is_none""#.to_owned()
                    } else {
                        r#"skip_serializing_if = "Option::is_none""#.to_owned()
                    });
                }
                if !serde.is_empty() {
                    code.attribute("serde", &serde);
                }
                code.typed(&format!("pub {}:", field.name), &paths.field_ty(field), ",");
            }
            if let Some(extra) = &structure.extra {
                let value_ty = if extra.value == TypeRef::Json {
                    Ty::generic(
                        "serde_json::Map",
                        vec![Ty::plain(paths.string()), Ty::plain("serde_json::Value")],
                    )
                } else {
                    paths.tree(&TypeRef::Map(Box::new(extra.value.clone())))
                };
                code.line("/// Properties the spec does not name: kept, so a value read and written again is unchanged.");
                code.line("#[serde(flatten)]");
                code.typed(&format!("pub {}:", extra.name), &value_ty, ",");
            }
        });
    }
    constructor(code, name, structure, defs, paths, all_optional);
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
    code: &mut Code,
    name: &str,
    structure: &StructDef,
    defs: &BTreeMap<&str, &TypeDef>,
    paths: &Paths,
    all_optional: bool,
) {
    let mut params = Vec::new();
    let mut inits = Vec::new();
    for field in &structure.fields {
        let field_name = field.name.as_str();
        if field.is_option() {
            inits.push(format!("{field_name}: None"));
        } else if let Some(constant) = constant_of(&field.ty, defs) {
            inits.push(format!("{field_name}: {}::{constant}", paths.ty(&field.ty)));
        } else {
            params.push(Param::new(field_name, paths.into(&field.ty)));
            inits.push(format!("{field_name}: {field_name}.into()"));
        }
    }
    if let Some(extra) = &structure.extra {
        inits.push(format!(
            "{}: ::std::default::Default::default()",
            extra.name
        ));
    }
    code.impl_block(&format!("impl {name}"), "", |code| {
        code.doc(if params.is_empty() {
            "A value with every optional field unset."
        } else {
            "A value with the required fields set and every optional field unset."
        });
        code.signature("pub fn new", &params, Some(&Ty::plain("Self")));
        code.body("", |code| {
            if all_optional && params.is_empty() {
                // A schema named `Default` hides the trait from method lookup; then name it in full.
                code.line(if paths.is_shadowed("Default") {
                    "<Self as ::std::default::Default>::default()"
                } else {
                    "Self::default()"
                });
            } else {
                code.struct_literal("Self", &inits, "");
            }
        });
        value_constructors(code, structure, defs, paths);
        // Field names are unique already; setters must also not hide `new` or a common trait
        // method (`x.default()`, `x.eq(..)`), which would break callers and derived code.
        let mut setter_names =
            Namespace::with_reserved(structure.fields.iter().map(|f| f.name.as_str()));
        for field in structure.fields.iter().filter(|field| field.is_option()) {
            let setter = if SHADOWING_SETTERS.contains(&names::unraw(&field.name)) {
                setter_names.claim(&format!("with_{}", names::unraw(&field.name)))
            } else {
                field.name.clone()
            };
            code.blank();
            code.doc(&format!("Sets {}.", docs::code_span(&field.wire_name)));
            code.signature(
                &format!("pub fn {setter}"),
                &[
                    Param::receiver("mut self"),
                    Param::new("value", paths.into(&field.ty)),
                ],
                Some(&Ty::plain("Self")),
            );
            code.body("", |code| {
                code.split_after(&format!("self.{} =", field.name), "Some(value.into())", ";");
                code.line("self");
            });
        }
    });
    if params.is_empty() && !all_optional {
        code.impl_block("impl ::std::default::Default", name, |code| {
            code.block("fn default() -> Self {", "", |code| {
                code.line("Self::new()")
            });
        });
    }
}

/// One constructor per value when a struct's only required field is a small string enum:
/// `ChatMessage::user()` for `ChatMessage::new(ChatRole::User)`. A value whose name is taken
/// (by a field, a setter, `new` or a common trait method) or is not a plain identifier gets
/// none.
fn value_constructors(
    code: &mut Code,
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
        code.blank();
        code.doc(&format!(
            "A value with {} set to {} and every optional field unset.",
            docs::code_span(&field.wire_name),
            docs::code_span(&variant.value)
        ));
        code.signature(&format!("pub fn {method}"), &[], Some(&Ty::plain("Self")));
        code.body("", |code| {
            code.call(
                None,
                "Self::new",
                &[format!("{enum_ty}::{}", variant.name)],
                "",
            );
        });
    }
}

/// The `Serialize` impl of a type whose body is `body`.
fn serialize_impl(code: &mut Code, name: &str, body: impl FnOnce(&mut Code)) {
    code.impl_block("impl ::serde::Serialize", name, |code| {
        code.signature(
            "fn serialize<S: ::serde::Serializer>",
            &[
                Param::receiver("&self"),
                Param::new("serializer", Ty::plain("S")),
            ],
            Some(&Ty::generic(
                "::std::result::Result",
                vec![Ty::plain("S::Ok"), Ty::plain("S::Error")],
            )),
        );
        code.body("", body);
    });
}

/// The `Deserialize` impl of a type whose body is `body`.
fn deserialize_impl(code: &mut Code, name: &str, body: impl FnOnce(&mut Code)) {
    code.impl_block("impl<'de> ::serde::Deserialize<'de>", name, |code| {
        code.signature(
            "fn deserialize<D: ::serde::Deserializer<'de>>",
            &[Param::new("deserializer", Ty::plain("D"))],
            Some(&Ty::generic(
                "::std::result::Result",
                vec![Ty::plain("Self"), Ty::plain("D::Error")],
            )),
        );
        code.body("", body);
    });
}

fn enum_def(code: &mut Code, name: &str, enumeration: &EnumDef, paths: &Paths) {
    let fallback = enumeration.fallback.as_str();
    // An enum with one value is a constant (a tag): it defaults to that value, so structs that
    // carry it can fill it in themselves.
    let single = enumeration.variants.len() == 1;
    let string = enumeration.repr == EnumRepr::String;
    let literals: Vec<String> = enumeration
        .variants
        .iter()
        .map(|v| {
            if string {
                string_literal(&v.value)
            } else {
                v.value.parse::<i64>().unwrap_or_default().to_string()
            }
        })
        .collect();
    let mut derive = vec!["Debug", "Clone", "PartialEq", "Eq", "Hash"];
    if single {
        derive.push("Default");
    }
    code.line_of(&["#[derive(", &derive.join(", "), ")]"]);
    code.item(&format!("pub enum {name}"), |code| {
        for variant in &enumeration.variants {
            code.doc(&docs::code_span(&variant.value));
            if single {
                code.line("#[default]");
            }
            code.line_of(&[&variant.name, ","]);
        }
        code.line("/// A value this version of the crate does not know; kept as it was sent.");
        code.line_of(&[
            fallback,
            "(",
            if string { paths.string() } else { "i64" },
            "),",
        ]);
    });
    code.impl_block(&format!("impl {name}"), "", |code| {
        code.line("/// The value as it is written in JSON.");
        code.block(
            if string {
                "pub fn as_str(&self) -> &str {"
            } else {
                "pub fn as_i64(&self) -> i64 {"
            },
            "",
            |code| {
                code.block("match self {", "", |code| {
                    for (variant, literal) in enumeration.variants.iter().zip(&literals) {
                        code.arm(&format!("Self::{}", variant.name), literal);
                    }
                    code.arm(
                        &format!("Self::{fallback}(value)"),
                        if string { "value" } else { "*value" },
                    );
                });
            },
        );
    });
    let from_arg = if string { "&str" } else { "i64" };
    code.impl_block(
        &format!("impl ::std::convert::From<{from_arg}>"),
        name,
        |code| {
            code.block(
                &format!("fn from(value: {from_arg}) -> Self {{"),
                "",
                |code| {
                    code.block("match value {", "", |code| {
                        for (variant, literal) in enumeration.variants.iter().zip(&literals) {
                            code.arm(literal, &format!("Self::{}", variant.name));
                        }
                        code.arm(
                            "other",
                            &format!(
                                "Self::{fallback}({})",
                                if string { "other.to_owned()" } else { "other" }
                            ),
                        );
                    });
                },
            );
        },
    );
    if string {
        code.impl_block(
            "impl ::std::convert::From<::std::string::String>",
            name,
            |code| {
                code.block(
                    "fn from(value: ::std::string::String) -> Self {",
                    "",
                    |code| {
                        code.block("match Self::from(value.as_str()) {", "", |code| {
                            code.arm(
                                &format!("Self::{fallback}(_)"),
                                &format!("Self::{fallback}(value)"),
                            );
                            code.arm("known", "known");
                        });
                    },
                );
            },
        );
    }
    code.impl_block("impl ::std::fmt::Display", name, |code| {
        code.block(
            "fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {",
            "",
            |code| {
                code.line(if string {
                    "f.write_str(self.as_str())"
                } else {
                    "::std::fmt::Display::fmt(&self.as_i64(), f)"
                });
            },
        );
    });
    serialize_impl(code, name, |code| {
        code.line(if string {
            "serializer.serialize_str(self.as_str())"
        } else {
            "serializer.serialize_i64(self.as_i64())"
        });
    });
    deserialize_impl(code, name, |code| {
        if string {
            code.line(
                "crate::runtime::deserialize_enum_str(deserializer, |value| Self::from(value))",
            );
        } else {
            code.line("let value = <i64 as ::serde::Deserialize>::deserialize(deserializer)?;");
            code.line("Ok(Self::from(value))");
        }
    });
}

fn union_def(
    code: &mut Code,
    name: &str,
    union: &UnionDef,
    defs: &BTreeMap<&str, &TypeDef>,
    paths: &Paths,
) {
    let has_json = union.variants.iter().any(|v| v.ty == TypeRef::Json);
    let fallback = union.fallback.as_str();
    let tag = union.tag.as_deref().filter(|_| !has_json);
    derives(code, paths, &[], tag.is_none());
    code.line("#[serde(untagged)]");
    code.item(&format!("pub enum {name}"), |code| {
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
            code.doc(&text);
            code.tuple(&variant.name, &paths.tree(&variant.ty), ",");
        }
        if !has_json {
            code.line("/// A value none of the alternatives above matches; kept as it was sent.");
            code.line_of(&[fallback, "(serde_json::Value),"]);
        }
    });
    if let Some(tag) = tag {
        tagged_deserialize(code, name, union, tag, fallback);
    }
    union_froms(code, name, union, defs, paths);
}

fn tagged_deserialize(code: &mut Code, name: &str, union: &UnionDef, tag: &str, fallback: &str) {
    deserialize_impl(code, name, |code| {
        code.line(
            "let value = <serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;",
        );
        code.call(
            Some("let tag ="),
            "crate::runtime::tag_of",
            &["&value".to_owned(), string_literal(tag)],
            ";",
        );
        code.block("match tag.as_deref() {", "", |code| {
            // A tag listed twice (the same `$ref` twice in `oneOf`) goes to its first variant.
            let mut seen = BTreeSet::new();
            for variant in &union.variants {
                for value in variant
                    .tag_values
                    .iter()
                    .filter(|v| seen.insert(v.as_str()))
                {
                    code.call_arm(
                        &format!("Some({})", string_literal(value)),
                        "crate::runtime::decode_variant",
                        &["value".to_owned(), format!("Self::{}", variant.name)],
                    );
                }
            }
            code.arm("_", &format!("Ok(Self::{fallback}(value))"));
        });
    });
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
    code: &mut Code,
    name: &str,
    union: &UnionDef,
    defs: &BTreeMap<&str, &TypeDef>,
    paths: &Paths,
) {
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
            TypeRef::Boxed(inner) => (paths.tree(inner), "::std::boxed::Box::new(value)"),
            other => (paths.tree(other), "value"),
        };
        let construct = format!("Self::{}", variant.name);
        code.blank();
        code.impl_trait(&Ty::generic("::std::convert::From", vec![ty.clone()]), name);
        code.body("", |code| {
            code.signature(
                "fn from",
                &[Param::new("value", ty.clone())],
                Some(&Ty::plain("Self")),
            );
            code.body("", |code| {
                code.call(None, &construct, &[wrap.to_owned()], "")
            });
        });
        let from_str = if variant.ty == TypeRef::String {
            Some("value.to_owned()")
        } else if string_enum_from_str(union, variant, defs) {
            Some("::std::convert::From::from(value)")
        } else {
            None
        };
        if let Some(from_str) = from_str {
            code.impl_block("impl ::std::convert::From<&str>", name, |code| {
                code.block("fn from(value: &str) -> Self {", "", |code| {
                    code.call(None, &construct, &[from_str.to_owned()], "");
                });
            });
        }
    }
}

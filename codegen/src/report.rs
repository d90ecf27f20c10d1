//! Stage 5: what a change of the spec means for the callers of the generated crate.
//!
//! [`Summary::of`] lists the crate's public API, one item per line (every type, field, enum
//! value, union alternative, response status, client method and builder setter), with the
//! place in the spec each comes from; emit writes it as `api.json` into the crate, so the
//! previous state is always at hand and reviewable. [`compare`] classifies the differences of
//! two summaries by Rust's semver rules into a [`Report`], and [`Report::bump`] says which part
//! of the version they move, as Cargo reads it (in `0.y.z`, `y` is the major part).
//!
//! The generated structs and enums are `#[non_exhaustive]`: callers build values with `new()`
//! and setters and match with a wildcard arm, so a new optional field, enum value, union
//! alternative or status is a compatible (minor) change. Everything that changes a signature or
//! a type callers name is breaking.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Settings;
use crate::diagnostics::Error;
use crate::load::escape_pointer;
use crate::model::{Api, BodyEncoding, Docs, ResponseKind, TypeDef, TypeKind, TypeRef};
use crate::names;

/// The file in the generated crate that holds its [`Summary`].
pub const SUMMARY_FILE: &str = "api.json";

/// The public API of a generated crate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The crate's name.
    #[serde(rename = "crate")]
    pub crate_name: String,
    /// The crate's version (not the API's `info.version`).
    pub version: String,
    /// Every item, by its path as callers write it (`ChatCompletion`, `ChatCompletion.usage`,
    /// `FinishReason::Stop`, `Client::list_models`), so that a type's members follow it.
    pub items: BTreeMap<String, Item>,
}

/// One public item of the crate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// `struct`, `enum`, `union`, `alias`, `newtype`, `responses` (a type); `field`,
    /// `variant`, `alternative`, `status` (a member of one); `method`, `setter`.
    pub kind: String,
    /// A field's Rust type, a union alternative's or status's payload, a method's return type, an
    /// alias's target.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub ty: Option<String>,
    /// A method's parameters, `name: Type`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Vec<String>>,
    /// A field is a parameter of its struct's `new()`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub new: bool,
    /// On the wire: a field's JSON name, an enum variant's value, a method's `GET /path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wire: Option<String>,
    /// `#[deprecated]`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deprecated: bool,
    /// The cargo features that turn a type or method on (any of them); none: always there.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
    /// A digest of the item's documentation (description, default, constraints, example).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docs: Option<String>,
    /// Where it comes from in the spec.
    pub pointer: String,
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl Summary {
    /// The summary of the crate generated from `api`.
    pub fn of(api: &Api, settings: &Settings, version: &str) -> Summary {
        let mut items = BTreeMap::new();
        let constants: BTreeSet<&str> = api
            .types
            .iter()
            .filter(|def| matches!(&def.kind, TypeKind::Enum(e) if e.variants.len() == 1))
            .map(|def| def.name.as_str())
            .collect();
        for def in &api.types {
            type_items(def, &constants, &mut items);
            if let Some(item) = items.get_mut(&def.name) {
                item.features = api.type_features(&def.name).to_vec();
            }
        }
        if let Some(features) = &api.features {
            for (name, tag) in &features.names {
                items.insert(
                    name.clone(),
                    Item {
                        kind: "feature".to_owned(),
                        wire: Some(tag.clone()),
                        pointer: "#/tags".to_owned(),
                        ..Item::default()
                    },
                );
            }
            if let Some(name) = &features.untagged {
                items.insert(
                    name.clone(),
                    Item {
                        kind: "feature".to_owned(),
                        pointer: "#/paths".to_owned(),
                        ..Item::default()
                    },
                );
            }
            if let Some(name) = &features.unreached {
                items.insert(
                    name.clone(),
                    Item {
                        kind: "feature".to_owned(),
                        pointer: "#/components/schemas".to_owned(),
                        ..Item::default()
                    },
                );
            }
        }
        let mut method_names = BTreeSet::new();
        for (at, op) in api.operations.iter().enumerate() {
            let features = api.operation_features(at).to_vec();
            let method = names::unraw(&op.method_name).to_owned();
            method_names.insert(method.clone());
            let mut params = Vec::new();
            for param in &op.path_params {
                let ty = match &param.ty {
                    TypeRef::String => "&str".to_owned(),
                    TypeRef::Integer(_) | TypeRef::Number | TypeRef::Bool => rust_type(&param.ty),
                    other => format!("&{}", rust_type(other)),
                };
                params.push(format!("{}: {ty}", names::unraw(&param.name)));
            }
            if let Some(struct_params) = &op.params {
                params.push(format!("params: &{}", struct_params.type_name));
            }
            if let Some(body) = &op.body {
                params.push(match body.encoding {
                    BodyEncoding::Text => "body: impl Into<String>".to_owned(),
                    BodyEncoding::Bytes => "body: impl Into<Bytes>".to_owned(),
                    _ => format!("body: &{}", rust_type(&body.ty)),
                });
            }
            let returns = match &op.response {
                ResponseKind::Json(ty) => rust_type(ty),
                ResponseKind::Text => "String".to_owned(),
                ResponseKind::Bytes => "Bytes".to_owned(),
                ResponseKind::Empty => "()".to_owned(),
                ResponseKind::ByStatus(name) => name.clone(),
            };
            let wire = Some(format!("{} {}", op.http_method, op.path));
            items.insert(
                format!("Client::{method}"),
                Item {
                    kind: "method".to_owned(),
                    ty: Some(returns.clone()),
                    params: Some(params.clone()),
                    wire: wire.clone(),
                    deprecated: op.docs.deprecated,
                    features: features.clone(),
                    docs: digest(&op.docs),
                    pointer: op.pointer.clone(),
                    ..Item::default()
                },
            );
            if let Some(pagination) = &op.pagination {
                let item = rust_type(&pagination.items.ty);
                for (method, ty) in [
                    (&pagination.pages_method, format!("Pages<{returns}>")),
                    (
                        &pagination.items_method,
                        format!("Items<{returns}, {item}>"),
                    ),
                ] {
                    items.insert(
                        format!("Client::{method}"),
                        Item {
                            kind: "method".to_owned(),
                            ty: Some(ty),
                            params: Some(params.clone()),
                            wire: wire.clone(),
                            deprecated: op.docs.deprecated,
                            features: features.clone(),
                            docs: digest(&Docs {
                                description: Some(pagination.rule.describe()),
                                ..Docs::default()
                            }),
                            pointer: op.pointer.clone(),
                            ..Item::default()
                        },
                    );
                }
            }
            if let Some(stream) = &op.stream {
                items.insert(
                    format!("Client::{}", stream.method_name),
                    Item {
                        kind: "method".to_owned(),
                        ty: Some(format!("EventStream<{}>", rust_type(&stream.event))),
                        params: Some(params),
                        wire,
                        deprecated: op.docs.deprecated,
                        features,
                        pointer: format!("{}/responses", op.pointer),
                        ..Item::default()
                    },
                );
            }
        }
        for scheme in &api.security.schemes {
            if let Some(setter) = &scheme.setter {
                items.insert(
                    format!("ClientBuilder::{}", names::unraw(setter)),
                    Item {
                        kind: "setter".to_owned(),
                        pointer: format!(
                            "#/components/securitySchemes/{}",
                            escape_pointer(&scheme.name)
                        ),
                        ..Item::default()
                    },
                );
            }
        }
        Summary {
            crate_name: settings.crate_name.clone(),
            version: version.to_owned(),
            items,
        }
    }

    /// The summary as `api.json` holds it: one item per line, so that a review diff shows
    /// one line per changed item.
    pub fn to_json(&self, header: &str) -> String {
        let text = |value: &str| serde_json::Value::String(value.to_owned()).to_string();
        let mut out = String::with_capacity(self.items.len() * 160);
        out.push_str("{\n");
        out.push_str(&format!("  \"@generated\": {},\n", text(header)));
        out.push_str(&format!(
            "  \"about\": {},\n",
            text("The public API of this crate, one item per line. Each regeneration compares it with the previous one and reports what a change means for callers.")
        ));
        out.push_str(&format!("  \"crate\": {},\n", text(&self.crate_name)));
        out.push_str(&format!("  \"version\": {},\n", text(&self.version)));
        out.push_str("  \"items\": {");
        for (at, (key, item)) in self.items.iter().enumerate() {
            let separator = if at == 0 { "\n" } else { ",\n" };
            // Serializing a plain struct of strings and bools cannot fail; `null` never shows.
            let value = serde_json::to_string(item).unwrap_or_else(|_| "null".to_owned());
            out.push_str(&format!("{separator}    {}: {value}", text(key)));
        }
        out.push_str(if self.items.is_empty() {
            "}\n}\n"
        } else {
            "\n  }\n}\n"
        });
        out
    }

    /// Reads an `api.json` written by [`Self::to_json`]; `path` names it in the error.
    pub fn parse(path: &str, text: &str) -> Result<Summary, Error> {
        serde_json::from_str(text).map_err(|error| Error::Summary {
            path: path.to_owned(),
            message: error.to_string(),
        })
    }
}

/// The summary in the crate at `dir`, if it has one: the state a new run is compared with.
pub fn read_summary(dir: &std::path::Path) -> Result<Option<Summary>, Error> {
    let path = dir.join(SUMMARY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => Summary::parse(&path.display().to_string(), &text).map(Some),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::Io {
            path: path.display().to_string(),
            source,
        }),
    }
}

/// The summary among the files of a generated crate.
pub fn summary_of(krate: &crate::GeneratedCrate) -> Result<Summary, Error> {
    let file = krate
        .files
        .iter()
        .find(|file| file.path == SUMMARY_FILE)
        .ok_or_else(|| Error::Internal(format!("the generated crate has no {SUMMARY_FILE}")))?;
    Summary::parse(SUMMARY_FILE, &file.contents)
}

/// The items of one type; `constants` are the one-value enums, which `new()` fills in itself.
fn type_items(def: &TypeDef, constants: &BTreeSet<&str>, items: &mut BTreeMap<String, Item>) {
    let name = &def.name;
    let own = |kind: &str, ty: Option<String>| Item {
        kind: kind.to_owned(),
        ty,
        deprecated: def.docs.deprecated,
        docs: digest(&def.docs),
        pointer: def.pointer.clone(),
        ..Item::default()
    };
    match &def.kind {
        TypeKind::Struct(structure) => {
            items.insert(name.clone(), own("struct", None));
            for field in &structure.fields {
                let ty = if field.is_option() {
                    format!("Option<{}>", rust_type(&field.ty))
                } else {
                    rust_type(&field.ty)
                };
                items.insert(
                    format!("{name}.{}", names::unraw(&field.name)),
                    Item {
                        kind: "field".to_owned(),
                        ty: Some(ty),
                        // The constructor takes every required field that is not a constant.
                        new: !field.is_option()
                            && !matches!(&field.ty, TypeRef::Named(n) if constants.contains(n.as_str())),
                        wire: Some(field.wire_name.clone()),
                        deprecated: field.docs.deprecated,
                        docs: digest(&field.docs),
                        pointer: format!(
                            "{}/properties/{}",
                            def.pointer,
                            escape_pointer(&field.wire_name)
                        ),
                        ..Item::default()
                    },
                );
            }
        }
        TypeKind::Enum(enumeration) => {
            items.insert(name.clone(), own("enum", None));
            for variant in &enumeration.variants {
                items.insert(
                    format!("{name}::{}", variant.name),
                    Item {
                        kind: "variant".to_owned(),
                        wire: Some(variant.value.clone()),
                        pointer: format!("{}/enum", def.pointer),
                        ..Item::default()
                    },
                );
            }
        }
        TypeKind::Union(union) => {
            items.insert(name.clone(), own("union", None));
            for variant in &union.variants {
                items.insert(
                    format!("{name}::{}", variant.name),
                    Item {
                        kind: "alternative".to_owned(),
                        ty: Some(rust_type(&variant.ty)),
                        wire: (!variant.tag_values.is_empty())
                            .then(|| variant.tag_values.join(" | ")),
                        pointer: def.pointer.clone(),
                        ..Item::default()
                    },
                );
            }
        }
        TypeKind::Alias { target, newtype } => {
            let kind = if *newtype { "newtype" } else { "alias" };
            items.insert(name.clone(), own(kind, Some(rust_type(target))));
        }
        TypeKind::Responses(responses) => {
            items.insert(name.clone(), own("responses", None));
            for case in &responses.cases {
                let ty = match &case.body {
                    ResponseKind::Json(ty) => rust_type(ty),
                    ResponseKind::Text => "String".to_owned(),
                    ResponseKind::Bytes => "Bytes".to_owned(),
                    ResponseKind::Empty | ResponseKind::ByStatus(_) => "()".to_owned(),
                };
                items.insert(
                    format!("{name}::{}", case.variant),
                    Item {
                        kind: "status".to_owned(),
                        ty: Some(ty),
                        wire: Some(case.status.to_string()),
                        pointer: format!("{}/{}", def.pointer, case.status),
                        ..Item::default()
                    },
                );
            }
        }
    }
}

/// A type as the generated code spells it, without module paths.
fn rust_type(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Named(name) => name.clone(),
        TypeRef::String => "String".to_owned(),
        TypeRef::Bool => "bool".to_owned(),
        TypeRef::Integer(width) => match width {
            crate::model::IntegerType::I32 => "i32",
            crate::model::IntegerType::I64 => "i64",
            crate::model::IntegerType::U32 => "u32",
            crate::model::IntegerType::U64 => "u64",
        }
        .to_owned(),
        TypeRef::Number => "f64".to_owned(),
        TypeRef::Json => "Value".to_owned(),
        TypeRef::Vec(inner) => format!("Vec<{}>", rust_type(inner)),
        TypeRef::Map(inner) => format!("BTreeMap<String, {}>", rust_type(inner)),
        TypeRef::Option(inner) => format!("Option<{}>", rust_type(inner)),
        TypeRef::Boxed(inner) => format!("Box<{}>", rust_type(inner)),
        TypeRef::Bytes => "Bytes".to_owned(),
        TypeRef::File => "FilePart".to_owned(),
    }
}

/// 64-bit FNV-1a of the documentation, in hex: enough to see that it changed.
fn digest(docs: &Docs) -> Option<String> {
    let mut text = String::new();
    if let Some(description) = &docs.description {
        text.push_str(description);
    }
    for (label, value) in [("default", &docs.default), ("example", &docs.example)] {
        if let Some(value) = value {
            text.push_str(&format!("\n{label}: {value}"));
        }
    }
    for constraint in &docs.constraints {
        text.push('\n');
        text.push_str(constraint);
    }
    if text.is_empty() {
        return None;
    }
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    Some(format!("{hash:016x}"))
}

/// How much a change asks of the version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Nothing callers can see changed.
    None,
    /// Documentation or wire details; no code of callers is affected.
    Patch,
    /// New API; existing callers still compile.
    Minor,
    /// Callers' code may stop compiling or mean something else.
    Major,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::None => "none",
            Level::Patch => "patch",
            Level::Minor => "minor",
            Level::Major => "major",
        })
    }
}

/// One difference between two summaries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The item (`field ChatCompletion.usage`).
    pub item: String,
    /// What happened to it, in words.
    pub change: String,
    /// Whether callers' code can break.
    pub breaking: bool,
    /// Where it is (or was) in the spec.
    pub pointer: String,
    /// How much it asks of the version.
    pub level: Level,
}

/// The differences between two summaries, and what they mean for the version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The version the previous summary had.
    pub version: String,
    /// Every change, breaking ones first, each group in item order.
    pub changes: Vec<Change>,
}

impl Report {
    /// The largest level of the changes.
    pub fn bump(&self) -> Level {
        self.changes
            .iter()
            .map(|change| change.level)
            .max()
            .unwrap_or(Level::None)
    }

    /// The version after the bump, by Cargo's rules: in `0.y.z` a breaking change moves `y`
    /// and any other change moves `z`; in `0.0.z` every change moves `z`. `None` when the
    /// version is not `x.y.z` or nothing changed.
    pub fn next_version(&self) -> Option<String> {
        next_version(&self.version, self.bump())
    }

    /// The JSON of `--report-json`.
    pub fn to_json(&self) -> String {
        let value = serde_json::json!({
            "bump": self.bump(),
            "version": self.version,
            "next_version": self.next_version(),
            "changes": self.changes,
        });
        serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changes.is_empty() {
            return writeln!(f, "API: no change for callers (bump: none)");
        }
        for (title, breaking) in [("breaking", true), ("compatible", false)] {
            let group: Vec<&Change> = self
                .changes
                .iter()
                .filter(|change| change.breaking == breaking)
                .collect();
            if group.is_empty() {
                continue;
            }
            writeln!(f, "API changes, {title} ({}):", group.len())?;
            for change in group {
                writeln!(
                    f,
                    "  {:<5} {}: {}  ({})",
                    change.level, change.item, change.change, change.pointer
                )?;
            }
        }
        match self.next_version() {
            Some(next) => writeln!(
                f,
                "bump: {} (version {} -> {next})",
                self.bump(),
                self.version
            ),
            None => writeln!(f, "bump: {}", self.bump()),
        }
    }
}

/// `version` moved by `level`, as Cargo's semver compatibility reads versions.
pub fn next_version(version: &str, level: Level) -> Option<String> {
    let parts: Vec<u64> = version
        .split('.')
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let [major, minor, patch] = parts.as_slice() else {
        return None;
    };
    let (major, minor, patch) = (*major, *minor, *patch);
    let next = match (level, major, minor) {
        (Level::None, ..) => return None,
        (Level::Major, 0, 0) | (Level::Minor | Level::Patch, 0, _) => (0, minor, patch + 1),
        (Level::Major, 0, _) => (0, minor + 1, 0),
        (Level::Major, ..) => (major + 1, 0, 0),
        (Level::Minor, ..) => (major, minor + 1, 0),
        (Level::Patch, ..) => (major, minor, patch + 1),
    };
    Some(format!("{}.{}.{}", next.0, next.1, next.2))
}

/// The changes from `old` to `new`.
pub fn compare(old: &Summary, new: &Summary) -> Report {
    let mut changes = Vec::new();
    let renamed_types = renames(old, new, |item| TYPE_KINDS.contains(&item.kind.as_str()));
    let renamed_methods = renames(old, new, |item| item.kind == "method");
    for (old_name, new_name) in renamed_types.iter().chain(&renamed_methods) {
        let item = &new.items[new_name];
        changes.push(major(
            shown(new_name, item),
            format!("renamed from `{old_name}`; callers that name it must change"),
            item.pointer.clone(),
        ));
    }
    // The old summary as it reads after the renames, so that the fields of a renamed type are
    // compared with the fields of its new name.
    let mut renamed_old: BTreeMap<String, Item> = BTreeMap::new();
    for (key, item) in &old.items {
        let mut item = item.clone();
        // A field of a renamed type is reported once, as the rename, not again as a retype.
        item.ty = item.ty.map(|ty| renamed_in(&ty, &renamed_types));
        item.params = item.params.map(|params| {
            params
                .iter()
                .map(|param| renamed_in(param, &renamed_types))
                .collect()
        });
        renamed_old.insert(
            renamed_key(key, &item, &renamed_types, &renamed_methods),
            item,
        );
    }
    let old_items: BTreeMap<String, &Item> = renamed_old
        .iter()
        .map(|(key, item)| (key.clone(), item))
        .collect();
    let new_items: BTreeMap<String, &Item> = new
        .items
        .iter()
        .map(|(key, item)| (key.clone(), item))
        .collect();
    // A type whose kind changed (a struct became a union) is one change; its members are not
    // listed one by one.
    let mut rekinded = BTreeSet::new();
    for (key, item) in &new_items {
        if let Some(before) = old_items.get(key)
            && is_type(item)
            && before.kind != item.kind
        {
            changes.push(major(
                shown(key, item),
                format!(
                    "was {} and is now {}",
                    article(&before.kind),
                    article(&item.kind)
                ),
                item.pointer.clone(),
            ));
            rekinded.insert(key.clone());
        }
    }
    // A type added or removed with its members is one change: members are listed only where
    // their type is on both sides and kept its kind.
    let member_of_other_type = |key: &str, item: &Item, other: &BTreeMap<String, &Item>| {
        parent(key, item).is_some_and(|name| {
            rekinded.contains(name) || !other.get(name).is_some_and(|parent| is_type(parent))
        })
    };
    for (key, item) in &old_items {
        if !new_items.contains_key(key) && !member_of_other_type(key, item, &new_items) {
            changes.push(major(
                shown(key, item),
                "removed".to_owned(),
                item.pointer.clone(),
            ));
        }
    }
    for (key, item) in &new_items {
        match old_items.get(key) {
            Some(_) if rekinded.contains(key) => {}
            Some(before) => {
                if !member_of_other_type(key, item, &old_items) {
                    changed(&shown(key, item), before, item, &mut changes);
                }
            }
            None => {
                if !member_of_other_type(key, item, &old_items) {
                    changes.push(added(&shown(key, item), item));
                }
            }
        }
    }
    changes.sort_by(|a, b| (!a.breaking, &a.item).cmp(&(!b.breaking, &b.item)));
    Report {
        version: old.version.clone(),
        changes,
    }
}

const TYPE_KINDS: &[&str] = &["struct", "enum", "union", "alias", "newtype", "responses"];

fn is_type(item: &Item) -> bool {
    TYPE_KINDS.contains(&item.kind.as_str())
}

/// An item as a report names it: `field ChatCompletion.usage`.
fn shown(key: &str, item: &Item) -> String {
    format!("{} {key}", item.kind)
}

/// The type a member belongs to: `ChatCompletion` of the field `ChatCompletion.usage`.
fn parent<'k>(key: &'k str, item: &Item) -> Option<&'k str> {
    match item.kind.as_str() {
        "field" => key.split_once('.').map(|(parent, _)| parent),
        "variant" | "alternative" | "status" => key.split_once("::").map(|(parent, _)| parent),
        _ => None,
    }
}

fn article(kind: &str) -> String {
    let article = if kind.starts_with(['a', 'e', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {kind}")
}

/// Items that left under one name and came back under another of the same kind: at the same
/// place in the spec (an inline type named after a renamed operation), or, for a type, with
/// the same members (a renamed component). Renamed, not removed and added; only one-to-one
/// pairs count.
fn renames(old: &Summary, new: &Summary, wanted: impl Fn(&Item) -> bool) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut taken = BTreeSet::new();
    for (name, item) in old.items.iter().filter(|(_, item)| wanted(item)) {
        if new.items.contains_key(name) {
            continue;
        }
        let arrived = |same: &dyn Fn(&String, &Item) -> bool| -> Vec<String> {
            new.items
                .iter()
                .filter(|(new_name, new_item)| {
                    wanted(new_item)
                        && new_item.kind == item.kind
                        && !old.items.contains_key(*new_name)
                        && !taken.contains(*new_name)
                        && same(new_name, new_item)
                })
                .map(|(new_name, _)| new_name.clone())
                .collect()
        };
        let mut candidates = arrived(&|_, new_item| new_item.pointer == item.pointer);
        if candidates.is_empty() && is_type(item) {
            let members = members(old, name);
            if !members.is_empty() {
                candidates = arrived(&|new_name, _| self::members(new, new_name) == members);
            }
        }
        if let [single] = candidates.as_slice() {
            taken.insert(single.clone());
            found.push((name.clone(), single.clone()));
        }
    }
    found
}

/// What a type's members are, without its name: to recognise a type under a new name.
fn members(summary: &Summary, name: &str) -> Vec<(String, String, Option<String>, Option<String>)> {
    summary
        .items
        .range(name.to_owned()..)
        .skip(1)
        .take_while(|(key, _)| key.starts_with(name))
        .filter(|(key, item)| parent(key, item) == Some(name))
        .map(|(key, item)| {
            (
                key[name.len()..].to_owned(),
                item.kind.clone(),
                item.ty.clone(),
                item.wire.clone(),
            )
        })
        .collect()
}

/// A type as written (`Option<Vec<Usage>>`) with renamed types' old names replaced, whole
/// words only.
fn renamed_in(text: &str, renames: &[(String, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let renamed = renames
            .iter()
            .find(|(old_name, _)| old_name == word)
            .map_or(word.as_str(), |(_, new_name)| new_name.as_str());
        out.push_str(renamed);
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// `key` with a renamed type's (or method's) old name replaced by its new one.
fn renamed_key(
    key: &str,
    item: &Item,
    types: &[(String, String)],
    methods: &[(String, String)],
) -> String {
    for (old_name, new_name) in types.iter().chain(methods) {
        if key == old_name {
            return new_name.clone();
        }
    }
    for (old_name, new_name) in types {
        if parent(key, item) == Some(old_name.as_str()) {
            return format!("{new_name}{}", &key[old_name.len()..]);
        }
    }
    key.to_owned()
}

fn major(item: String, change: String, pointer: String) -> Change {
    Change {
        item,
        change,
        breaking: true,
        pointer,
        level: Level::Major,
    }
}

fn added(shown: &str, item: &Item) -> Change {
    let (level, change) = match item.kind.as_str() {
        "field" if item.new => (
            Level::Major,
            "added as a required field: `new()` takes it".to_owned(),
        ),
        "field" => (Level::Minor, "added (optional)".to_owned()),
        "variant" => (
            Level::Minor,
            "added (the enum is `#[non_exhaustive]`)".to_owned(),
        ),
        "alternative" => (
            Level::Minor,
            "added (the union is `#[non_exhaustive]`)".to_owned(),
        ),
        "status" => (
            Level::Minor,
            "added (the enum is `#[non_exhaustive]`)".to_owned(),
        ),
        _ => (Level::Minor, "added".to_owned()),
    };
    Change {
        item: shown.to_owned(),
        change,
        breaking: level == Level::Major,
        pointer: item.pointer.clone(),
        level,
    }
}

fn changed(shown: &str, before: &Item, after: &Item, changes: &mut Vec<Change>) {
    let mut found = Vec::new();
    let mut push = |level: Level, change: String| {
        found.push(Change {
            item: shown.to_owned(),
            change,
            breaking: level == Level::Major,
            pointer: after.pointer.clone(),
            level,
        });
    };
    let text = |value: &Option<String>| value.clone().unwrap_or_else(|| "-".to_owned());
    if before.ty != after.ty {
        let optional =
            |ty: &Option<String>| ty.as_deref().is_some_and(|t| t.starts_with("Option<"));
        let what = match (
            optional(&before.ty),
            optional(&after.ty),
            after.kind.as_str(),
        ) {
            (true, false, "field") => "now required",
            (false, true, "field") => "now optional",
            (_, _, "method") => "returns another type",
            _ => "type changed",
        };
        push(
            Level::Major,
            format!("{what}: `{}` -> `{}`", text(&before.ty), text(&after.ty)),
        );
    } else if before.new != after.new {
        push(
            Level::Major,
            if after.new {
                "now a parameter of `new()`".to_owned()
            } else {
                "no longer a parameter of `new()`".to_owned()
            },
        );
    }
    if before.params != after.params {
        let list = |params: &Option<Vec<String>>| params.clone().unwrap_or_default().join(", ");
        push(
            Level::Major,
            format!(
                "parameters changed: ({}) -> ({})",
                list(&before.params),
                list(&after.params)
            ),
        );
    }
    if before.features != after.features {
        let lost: Vec<&String> = before
            .features
            .iter()
            .filter(|feature| !after.features.contains(feature))
            .collect();
        let list = |features: &[String]| match features {
            [] => "always".to_owned(),
            features => features.join(" | "),
        };
        // Gated where it was always there, or losing a feature that turned it on, breaks
        // builds without `default`; one more feature that turns it on does not.
        let level = match (before.features.is_empty(), after.features.is_empty()) {
            // Every build has it now.
            (_, true) => Level::Minor,
            (true, false) => Level::Major,
            (false, false) if lost.is_empty() => Level::Minor,
            (false, false) => Level::Major,
        };
        push(
            level,
            format!(
                "cargo features: {} -> {}",
                list(&before.features),
                list(&after.features)
            ),
        );
    }
    if before.wire != after.wire {
        push(
            Level::Patch,
            format!(
                "on the wire: {} -> {}",
                text(&before.wire),
                text(&after.wire)
            ),
        );
    }
    if before.deprecated != after.deprecated {
        if after.deprecated {
            push(Level::Minor, "deprecated".to_owned());
        } else {
            push(Level::Patch, "no longer deprecated".to_owned());
        }
    }
    if before.docs != after.docs {
        push(
            Level::Patch,
            "documentation, default or constraints changed".to_owned(),
        );
    }
    // Next to a breaking change of the item, what else changed about it is part of that.
    if found.iter().any(|change| change.breaking) {
        found.retain(|change| change.breaking);
    }
    changes.extend(found);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_move_as_cargo_reads_them() {
        let cases = [
            ("1.2.3", Level::Major, Some("2.0.0")),
            ("1.2.3", Level::Minor, Some("1.3.0")),
            ("1.2.3", Level::Patch, Some("1.2.4")),
            ("0.3.1", Level::Major, Some("0.4.0")),
            ("0.3.1", Level::Minor, Some("0.3.2")),
            ("0.3.1", Level::Patch, Some("0.3.2")),
            ("0.0.7", Level::Major, Some("0.0.8")),
            ("0.0.7", Level::Minor, Some("0.0.8")),
            ("1.2.3", Level::None, None),
            ("1.2", Level::Major, None),
        ];
        for (version, level, next) in cases {
            assert_eq!(
                next_version(version, level).as_deref(),
                next,
                "{version} {level}"
            );
        }
    }
}

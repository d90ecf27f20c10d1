//! Operation tags → cargo features: each tag's operations and exactly the types they reach.
//!
//! An application that calls one part of a big API compiles only that part. The closure over
//! the type graph is computed here, never kept by hand: a type reached from several tags is on
//! when any of them is, and a type the shared error body reaches is always on. Operations
//! without a tag have a feature of their own, `untagged`: in OpenAI's spec 31 of them reach
//! 863 of the 3,073 types (the whole Responses API among them), and always compiling them
//! would cost an application that calls only chat completions four times the build it needs.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{Features, Operation, ResponseKind, TypeDef, TypeKind, TypeRef};
use crate::names::{self, Namespace};

/// Feature names the generated crate has for other things, which a tag must not take.
const RESERVED: [&str; 7] = [
    "default",
    "mock",
    "rustls",
    "native_tls",
    "gzip",
    "http2",
    "std",
];

/// The name of the feature of types no operation reaches.
const UNREACHED: &str = "other_types";

/// The name wanted for the feature of the operations without a tag.
const UNTAGGED: &str = "untagged";

/// The features of a spec whose operations have two tags or more.
pub(crate) fn features(
    raw: &Value,
    types: &[TypeDef],
    operations: &[Operation],
    error_body: Option<&TypeRef>,
) -> Option<Features> {
    let mut tags: Vec<String> = raw
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|tag| tag.get("name").and_then(Value::as_str))
        .filter(|tag| operations.iter().any(|op| op.tags.iter().any(|t| t == tag)))
        .map(str::to_owned)
        .collect();
    for op in operations {
        for tag in &op.tags {
            if !tags.contains(tag) {
                tags.push(tag.clone());
            }
        }
    }
    if tags.len() < 2 {
        return None;
    }
    let mut taken = Namespace::with_reserved(RESERVED.into_iter().chain([UNREACHED, UNTAGGED]));
    let names: Vec<(String, String)> = tags
        .iter()
        .map(|tag| {
            let snake = names::unraw(&names::field_name(tag))
                .trim_matches('_')
                .to_owned();
            let wanted =
                if snake.is_empty() || !snake.starts_with(|c: char| c.is_ascii_alphabetic()) {
                    format!("tag_{snake}")
                } else {
                    snake
                };
            (taken.claim(&wanted), tag.clone())
        })
        .collect();
    let feature_of_tag: BTreeMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(at, (_, tag))| (tag.as_str(), at))
        .collect();
    let untagged_index = names.len();
    let unreached_index = names.len() + 1;
    let untagged = operations
        .iter()
        .any(|op| {
            !op.tags
                .iter()
                .any(|tag| feature_of_tag.contains_key(tag.as_str()))
        })
        .then(|| UNTAGGED.to_owned());
    let feature_name = |at: usize| match at {
        at if at == untagged_index => UNTAGGED.to_owned(),
        at if at == unreached_index => UNREACHED.to_owned(),
        at => names[at].0.clone(),
    };
    let defs: BTreeMap<&str, &TypeDef> = types.iter().map(|def| (def.name.as_str(), def)).collect();
    // Each type's marks: the features that reach it, and whether every build does.
    let mut always = BTreeSet::new();
    let mut reached: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    let mut always_roots: Vec<&str> = Vec::new();
    let mut roots: Vec<Vec<&str>> = vec![Vec::new(); names.len() + 1];
    if let Some(ty) = error_body {
        always_roots.extend(ty.named());
    }
    let mut of_operation = Vec::with_capacity(operations.len());
    for op in operations {
        let mut referenced = Vec::new();
        operation_types(op, &mut referenced);
        let mut features: BTreeSet<usize> = op
            .tags
            .iter()
            .filter_map(|tag| feature_of_tag.get(tag.as_str()).copied())
            .collect();
        if features.is_empty() {
            features.insert(untagged_index);
        }
        for &feature in &features {
            roots[feature].extend(referenced.iter().copied());
        }
        of_operation.push(
            features
                .iter()
                .map(|&feature| feature_name(feature))
                .collect(),
        );
    }
    walk(&defs, always_roots, &mut |name| always.insert(name));
    for (feature, start) in roots.into_iter().enumerate() {
        walk(&defs, start, &mut |name| {
            reached.entry(name).or_default().insert(feature)
        });
    }
    // Types no operation reaches are behind `other_types`, and so is every type they hold:
    // `other_types` alone must compile too.
    let unreached_roots: Vec<&str> = types
        .iter()
        .map(|def| def.name.as_str())
        .filter(|name| !always.contains(name) && !reached.contains_key(name))
        .collect();
    let unreached = (!unreached_roots.is_empty()).then(|| UNREACHED.to_owned());
    walk(&defs, unreached_roots, &mut |name| {
        reached.entry(name).or_default().insert(unreached_index)
    });
    let mut of_type = BTreeMap::new();
    for def in types {
        let name = def.name.as_str();
        if always.contains(name) {
            continue;
        }
        let features: Vec<String> = reached
            .get(name)
            .into_iter()
            .flatten()
            .map(|&at| feature_name(at))
            .collect();
        of_type.insert(def.name.clone(), features);
    }
    Some(Features {
        names,
        untagged,
        unreached,
        of_type,
        of_operation,
    })
}

/// Marks every type reachable from `start`; `mark` returns whether the type was new to it.
fn walk<'a>(
    defs: &BTreeMap<&str, &'a TypeDef>,
    mut pending: Vec<&'a str>,
    mark: &mut dyn FnMut(&'a str) -> bool,
) {
    while let Some(name) = pending.pop() {
        let Some(def) = defs.get(name) else {
            continue;
        };
        if !mark(def.name.as_str()) {
            continue;
        }
        match &def.kind {
            TypeKind::Struct(structure) => {
                for field in &structure.fields {
                    pending.extend(field.ty.named());
                }
                if let Some(extra) = &structure.extra {
                    pending.extend(extra.value.named());
                }
            }
            TypeKind::Union(union) => {
                for variant in &union.variants {
                    pending.extend(variant.ty.named());
                }
            }
            TypeKind::Alias { target, .. } => pending.extend(target.named()),
            TypeKind::Responses(responses) => {
                for case in &responses.cases {
                    if let ResponseKind::Json(ty) = &case.body {
                        pending.extend(ty.named());
                    }
                }
            }
            TypeKind::Enum(_) => {}
        }
    }
}

/// The types an operation's method names.
fn operation_types<'a>(op: &'a Operation, out: &mut Vec<&'a str>) {
    for param in &op.path_params {
        out.extend(param.ty.named());
    }
    if let Some(params) = &op.params {
        out.push(&params.type_name);
    }
    if let Some(body) = &op.body {
        out.extend(body.ty.named());
    }
    match &op.response {
        ResponseKind::Json(ty) => out.extend(ty.named()),
        ResponseKind::ByStatus(name) => out.push(name),
        ResponseKind::Text | ResponseKind::Bytes | ResponseKind::Empty => {}
    }
    if let Some(stream) = &op.stream {
        out.extend(stream.event.named());
    }
}

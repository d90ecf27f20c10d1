//! Reading the keywords of one raw schema.

use serde_json::{Map, Value};

pub(crate) use crate::load::Keyword;

/// Whether a schema becomes a named type of its own or a plain type expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A struct, enum or union: it needs a name.
    Named,
    /// A primitive, `Vec`, map, reference or free-form value.
    Inline,
}

/// Decides the [`Shape`] of a schema without converting it. Must agree with
/// `TypeBuilder::shape`, which returns a kind exactly for the `Named` shapes.
pub(crate) fn classify(schema: &Value) -> Shape {
    let Some(map) = schema.as_object() else {
        return Shape::Inline;
    };
    let has_properties = has_properties(map);
    let has_object_keywords = has_object_keywords(map);
    let count = |key: &str| {
        map.keyword(key)
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    };
    if count("allOf") > 0 {
        return if count("allOf") == 1 && !has_object_keywords && !has_alternatives(map) {
            Shape::Inline
        } else {
            Shape::Named
        };
    }
    for key in ["oneOf", "anyOf"] {
        if count(key) > 0 {
            return if count(key) == 1 && !has_object_keywords {
                Shape::Inline
            } else {
                Shape::Named
            };
        }
    }
    if map.keyword("not").is_some() {
        return Shape::Inline;
    }
    if let Some(values) = map.keyword("enum").and_then(Value::as_array) {
        let listed: Vec<&Value> = values.iter().filter(|v| !v.is_null()).collect();
        let strings = listed.iter().all(|v| v.is_string());
        let integers = listed.iter().all(|v| v.is_i64()) && type_of(map) != Some("number");
        return if !listed.is_empty() && (strings || integers) {
            Shape::Named
        } else {
            Shape::Inline
        };
    }
    match type_of(map) {
        Some("object") | None if has_properties => Shape::Named,
        _ => Shape::Inline,
    }
}

/// Whether a schema names at least one property.
pub(crate) fn has_properties(map: &Map<String, Value>) -> bool {
    map.keyword("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| !p.is_empty())
}

/// Whether a schema has a non-empty `oneOf` or `anyOf`.
pub(crate) fn has_alternatives(map: &Map<String, Value>) -> bool {
    ["oneOf", "anyOf"].iter().any(|key| {
        map.keyword(key)
            .and_then(Value::as_array)
            .is_some_and(|items| !items.is_empty())
    })
}

/// Whether a schema says more about an object than its `allOf`/`oneOf` does.
pub(crate) fn has_object_keywords(map: &Map<String, Value>) -> bool {
    has_properties(map)
        || map
            .keyword("additionalProperties")
            .is_some_and(Value::is_object)
}

/// The `type` keyword (after 3.1 normalization it is a single string).
pub(crate) fn type_of(map: &Map<String, Value>) -> Option<&str> {
    map.keyword("type").and_then(Value::as_str)
}

/// Whether the schema itself allows `null`: `nullable`, `x-nullable`, or `null` in its `enum`.
pub(crate) fn is_nullable(schema: &Value) -> bool {
    let flag = |key: &str| {
        schema
            .keyword(key)
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    flag("nullable")
        || flag("x-nullable")
        || schema
            .keyword("enum")
            .and_then(Value::as_array)
            .is_some_and(|values| values.iter().any(Value::is_null))
}

/// Constraints of a schema in words, for documentation.
pub(crate) fn constraints(map: &Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    let number = |key: &str| {
        map.keyword(key)
            .filter(|v| v.is_number())
            .map(ToString::to_string)
    };
    let flag = |key: &str| map.keyword(key).and_then(Value::as_bool).unwrap_or(false);
    let lower = number("minimum").map(|n| {
        if flag("exclusiveMinimum") {
            format!("{n} < x")
        } else {
            format!("{n} <= x")
        }
    });
    let upper = number("maximum").map(|n| {
        if flag("exclusiveMaximum") {
            format!("x < {n}")
        } else {
            format!("x <= {n}")
        }
    });
    match (lower, upper) {
        (Some(lower), Some(upper)) => {
            out.push(format!("Range: `{lower}{}`", upper.trim_start_matches('x')))
        }
        (Some(lower), None) => out.push(format!("Range: `{lower}`")),
        (None, Some(upper)) => out.push(format!("Range: `{upper}`")),
        (None, None) => {}
    }
    if let Some(n) = number("multipleOf") {
        out.push(format!("Multiple of {n}"));
    }
    match (number("minLength"), number("maxLength")) {
        (Some(min), Some(max)) => out.push(format!("Length: {min} to {max} characters")),
        (Some(min), None) => out.push(format!("Length: at least {min} characters")),
        (None, Some(max)) => out.push(format!("Length: at most {max} characters")),
        (None, None) => {}
    }
    match (number("minItems"), number("maxItems")) {
        (Some(min), Some(max)) => out.push(format!("Items: {min} to {max}")),
        (Some(min), None) => out.push(format!("Items: at least {min}")),
        (None, Some(max)) => out.push(format!("Items: at most {max}")),
        (None, None) => {}
    }
    if flag("uniqueItems") {
        out.push("Items are unique".to_owned());
    }
    if let Some(pattern) = map.keyword("pattern").and_then(Value::as_str) {
        out.push(format!("Pattern: `{}`", pattern.replace('`', "'")));
    }
    // Formats the Rust type already says (`int64` → `i64`) are left out.
    let implied = ["int32", "int64", "uint32", "uint64", "float", "double"];
    if let Some(format) = map
        .keyword("format")
        .and_then(Value::as_str)
        .filter(|format| !implied.contains(format))
    {
        out.push(format!("Format: `{}`", format.replace('`', "'")));
    }
    out
}

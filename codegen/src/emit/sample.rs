//! Sample values of a spec's schemas, read from the document itself rather than from the model:
//! the conformance driver sends them, so they must say what the spec says, not what our types
//! made of it (a value our types cannot hold is then a finding, not a blind spot).
//!
//! A sample prefers what the spec gives: `example`, `examples`, `default`, `const`, the first of
//! an `enum`; else it is built from the type and its constraints (`format`, bounds, lengths,
//! `minItems`), with every required property and no optional one, and without `readOnly`
//! properties (a request never carries them).

use serde_json::{Map, Number, Value};

use crate::model::refs::follow;

/// How deep samples of nested schemas go: a recursive schema stops here.
const MAX_DEPTH: usize = 12;

/// A sample request value of `schema` (which may be a `$ref`), looked up in `root`.
pub(crate) fn sample(root: &Value, schema: &Value) -> Value {
    Sampler { root }.value(schema, 0)
}

/// The example a parameter, media type or schema object states, if any: `example`, else the
/// first of `examples` (a map of Example Objects in a parameter or media type, a list in a 3.1
/// schema).
pub(crate) fn stated_example(root: &Value, object: &Value) -> Option<Value> {
    if let Some(example) = object.get("example") {
        return Some(example.clone());
    }
    match object.get("examples")? {
        Value::Array(items) => items.first().cloned(),
        Value::Object(map) => map.values().find_map(|example| {
            let example = follow(root, example)?;
            example.get("value").cloned()
        }),
        _ => None,
    }
}

/// `example` as a request may carry it under `schema`: without `readOnly` properties (a
/// request never carries them), and with each part that breaks its schema's type replaced by
/// that schema's sample. `None` when the example as a whole has another type than its schema
/// says (a spec's example `"123.45"` for a number): the caller then uses the sample.
pub(crate) fn fitted(root: &Value, schema: &Value, example: Value) -> Option<Value> {
    Sampler { root }.fit(schema, example, 0)
}

struct Sampler<'a> {
    root: &'a Value,
}

impl Sampler<'_> {
    fn value(&self, schema: &Value, depth: usize) -> Value {
        let Some(schema) = follow(self.root, schema) else {
            return Value::String("sample".to_owned());
        };
        if let Some(constant) = schema.get("const") {
            return constant.clone();
        }
        if let Some(first) = schema
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|values| values.iter().find(|value| !value.is_null()))
        {
            return first.clone();
        }
        if let Some(example) =
            stated_example(self.root, schema).and_then(|example| self.fit(schema, example, depth))
        {
            return example;
        }
        if let Some(default) = schema
            .get("default")
            .filter(|value| !value.is_null())
            .and_then(|default| self.fit(schema, default.clone(), depth))
        {
            return default;
        }
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            return self.all_of(schema, parts, depth);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(first) = schema
                .get(key)
                .and_then(Value::as_array)
                .and_then(|alternatives| alternatives.iter().find(|a| !self.is_null_type(a)))
            {
                if schema.get("properties").is_some() && only_requires(first) {
                    // `anyOf: [{required: [a]}, {required: [b]}]` beside `properties` (OpenAI's
                    // file batch): the alternative names which of the object's own properties
                    // must be there.
                    let mut object = schema.clone();
                    if let Some(object) = object.as_object_mut() {
                        object.remove(key);
                        let mut required = schema
                            .get("required")
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default();
                        required.extend(
                            first
                                .get("required")
                                .and_then(Value::as_array)
                                .cloned()
                                .unwrap_or_default(),
                        );
                        object.insert("required".to_owned(), Value::Array(required));
                    }
                    return Value::Object(self.object(&object, depth));
                }
                return self.value(first, depth + 1);
            }
        }
        match self.type_of(schema).as_str() {
            "object" => Value::Object(self.object(schema, depth)),
            "array" => self.array(schema, depth),
            "string" => string(schema),
            "integer" => integer(schema),
            "number" => number(schema),
            "boolean" => Value::Bool(true),
            "null" => Value::Null,
            _ => Value::String("sample".to_owned()),
        }
    }

    fn fit(&self, schema: &Value, example: Value, depth: usize) -> Option<Value> {
        let Some(schema) = follow(self.root, schema) else {
            return Some(example);
        };
        let kind = self.type_of(schema);
        let nullable = schema.get("nullable").and_then(Value::as_bool) == Some(true)
            || schema
                .get("type")
                .and_then(Value::as_array)
                .is_some_and(|names| names.iter().any(|name| name == "null"));
        let fits = match (&example, kind.as_str()) {
            (Value::Null, _) => nullable || kind.is_empty() || kind == "null",
            (_, "") => true,
            (Value::String(_), "string") | (Value::Bool(_), "boolean") => true,
            (Value::Number(number), "integer") => {
                number.is_i64()
                    || number.is_u64()
                    || number.as_f64().is_some_and(|n| n.fract() == 0.0)
            }
            (Value::Number(_), "number") => true,
            (Value::Array(_), "array") | (Value::Object(_), "object") => true,
            _ => false,
        };
        if !fits {
            return None;
        }
        match example {
            Value::Object(map) if depth < MAX_DEPTH => {
                let properties = schema.get("properties").and_then(Value::as_object);
                let mut out = Map::new();
                for (name, value) in map {
                    let Some(property) =
                        properties.and_then(|properties| properties.get(name.as_str()))
                    else {
                        out.insert(name, value);
                        continue;
                    };
                    let read_only = follow(self.root, property)
                        .and_then(|p| p.get("readOnly"))
                        .and_then(Value::as_bool)
                        == Some(true);
                    if read_only {
                        continue;
                    }
                    let value = self
                        .fit(property, value, depth + 1)
                        .unwrap_or_else(|| self.value(property, depth + 1));
                    out.insert(name, value);
                }
                Some(Value::Object(out))
            }
            Value::Array(items) if depth < MAX_DEPTH => match schema.get("items") {
                Some(item_schema) => Some(Value::Array(
                    items
                        .into_iter()
                        .map(|item| {
                            self.fit(item_schema, item, depth + 1)
                                .unwrap_or_else(|| self.value(item_schema, depth + 1))
                        })
                        .collect(),
                )),
                None => Some(Value::Array(items)),
            },
            other => Some(other),
        }
    }

    fn is_null_type(&self, schema: &Value) -> bool {
        follow(self.root, schema)
            .and_then(|schema| schema.get("type"))
            .and_then(Value::as_str)
            == Some("null")
    }

    /// The schema's type: `type` (the first that is not `null` of a 3.1 list), else what its
    /// keywords imply.
    fn type_of(&self, schema: &Value) -> String {
        match schema.get("type") {
            Some(Value::String(name)) => return name.clone(),
            Some(Value::Array(names)) => {
                if let Some(name) = names
                    .iter()
                    .filter_map(Value::as_str)
                    .find(|n| *n != "null")
                {
                    return name.to_owned();
                }
            }
            _ => {}
        }
        if schema.get("properties").is_some() || schema.get("additionalProperties").is_some() {
            "object".to_owned()
        } else if schema.get("items").is_some() {
            "array".to_owned()
        } else {
            String::new()
        }
    }

    /// The parts of an `allOf` merged: their objects' properties together, else the first part.
    fn all_of(&self, schema: &Value, parts: &[Value], depth: usize) -> Value {
        let mut merged = Map::new();
        let mut any_object = false;
        for part in parts {
            match self.value(part, depth + 1) {
                Value::Object(map) => {
                    any_object = true;
                    merged.extend(map);
                }
                other if !any_object && parts.len() == 1 => return other,
                _ => {}
            }
        }
        if schema.get("properties").is_some() {
            merged.extend(self.object(schema, depth));
        }
        if any_object || !merged.is_empty() {
            Value::Object(merged)
        } else {
            parts
                .first()
                .map_or(Value::Null, |first| self.value(first, depth + 1))
        }
    }

    fn object(&self, schema: &Value, depth: usize) -> Map<String, Value> {
        let mut out = Map::new();
        if depth >= MAX_DEPTH {
            return out;
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        let required = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str);
        for name in required {
            let property = properties.and_then(|properties| properties.get(name));
            let read_only = property
                .and_then(|p| follow(self.root, p))
                .and_then(|p| p.get("readOnly"))
                .and_then(Value::as_bool)
                == Some(true);
            if read_only {
                continue;
            }
            let value = match property {
                Some(property) => self.value(property, depth + 1),
                None => match schema.get("additionalProperties") {
                    Some(extra @ Value::Object(_)) => self.value(extra, depth + 1),
                    _ => Value::String("sample".to_owned()),
                },
            };
            out.insert(name.to_owned(), value);
        }
        out
    }

    fn array(&self, schema: &Value, depth: usize) -> Value {
        let count = schema
            .get("minItems")
            .and_then(Value::as_u64)
            .unwrap_or(1)
            .clamp(1, 8);
        let Some(items) = schema.get("items") else {
            return Value::Array(vec![Value::String("sample".to_owned()); count as usize]);
        };
        if depth >= MAX_DEPTH {
            return Value::Array(Vec::new());
        }
        let item = self.value(items, depth + 1);
        let unique = schema.get("uniqueItems").and_then(Value::as_bool) == Some(true);
        if unique && count > 1 {
            // Distinct items where the item is a number or text; otherwise one is all we can do.
            let distinct: Vec<Value> = (0..count)
                .filter_map(|index| match &item {
                    Value::String(text) => Some(Value::String(format!("{text}{index}"))),
                    Value::Number(number) => number
                        .as_i64()
                        .map(|n| Value::Number(Number::from(n + index as i64))),
                    _ => None,
                })
                .collect();
            if distinct.len() == count as usize {
                return Value::Array(distinct);
            }
            return Value::Array(vec![item]);
        }
        Value::Array(vec![item; count as usize])
    }
}

/// A string of the schema's `pattern` where it has one that can be written, else of its
/// `format`, padded or cut to its lengths.
/// Whether a schema only lists required properties (an alternative that constrains its
/// parent object rather than describing a value of its own).
fn only_requires(schema: &Value) -> bool {
    schema.as_object().is_some_and(|object| {
        object.contains_key("required")
            && object
                .keys()
                .all(|key| matches!(key.as_str(), "required" | "description" | "title"))
    })
}

fn string(schema: &Value) -> Value {
    if let Some(text) = schema
        .get("pattern")
        .and_then(Value::as_str)
        .and_then(from_pattern)
    {
        return Value::String(text);
    }
    let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
    let text = match format {
        "date-time" => "2024-01-02T03:04:05Z",
        "date" => "2024-01-02",
        "time" => "03:04:05Z",
        "duration" => "P1D",
        "email" => "user@example.com",
        "idn-email" => "user@example.com",
        "uuid" => "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "uri" | "url" | "iri" => "https://example.com/sample",
        "uri-reference" | "iri-reference" => "/sample",
        "hostname" | "idn-hostname" => "example.com",
        "ipv4" => "192.0.2.1",
        "ipv6" => "2001:db8::1",
        "byte" => "c2FtcGxl",
        "int32" | "int64" => "1",
        _ => "sample",
    };
    let mut text = text.to_owned();
    if let Some(min) = schema.get("minLength").and_then(Value::as_u64) {
        while (text.chars().count() as u64) < min {
            text.push('a');
        }
    }
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
        && text.chars().count() as u64 > max
    {
        text = text.chars().take(max as usize).collect();
    }
    Value::String(text)
}

/// The shortest string `pattern` matches, from the first alternative and the first printable
/// character of each class; `None` for a pattern the parser cannot read (ASCII only here).
fn from_pattern(pattern: &str) -> Option<String> {
    use regex_syntax::hir::{Class, Hir, HirKind};

    fn printable(ranges: impl Iterator<Item = (u32, u32)>) -> Option<char> {
        let mut fallback = None;
        for (start, end) in ranges {
            for code in start..=end.min(start + 256) {
                let c = char::from_u32(code)?;
                if c.is_ascii_alphanumeric() {
                    return Some(c);
                }
                if fallback.is_none() && c.is_ascii_graphic() {
                    fallback = Some(c);
                }
            }
        }
        fallback
    }

    fn write(hir: &Hir, out: &mut String) -> Option<()> {
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => {}
            HirKind::Literal(literal) => out.push_str(std::str::from_utf8(&literal.0).ok()?),
            HirKind::Class(Class::Unicode(class)) => out.push(printable(
                class
                    .ranges()
                    .iter()
                    .map(|r| (u32::from(r.start()), u32::from(r.end()))),
            )?),
            HirKind::Class(Class::Bytes(class)) => out.push(printable(
                class
                    .ranges()
                    .iter()
                    .map(|r| (u32::from(r.start()), u32::from(r.end()))),
            )?),
            HirKind::Repetition(repetition) => {
                for _ in 0..repetition.min.min(256) {
                    write(&repetition.sub, out)?;
                }
            }
            HirKind::Capture(capture) => write(&capture.sub, out)?,
            HirKind::Concat(parts) => {
                for part in parts {
                    write(part, out)?;
                }
            }
            HirKind::Alternation(alternatives) => write(alternatives.first()?, out)?,
        }
        Some(())
    }

    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .ok()?;
    let mut out = String::new();
    write(&hir, &mut out)?;
    Some(out)
}

/// The bounds of a number schema: the inclusive lower and upper limits, 3.0 and 3.1 styles.
fn bounds(schema: &Value, step: f64) -> (Option<f64>, Option<f64>) {
    let limit = |key: &str, exclusive: &str, sign: f64| {
        let value = schema.get(key).and_then(Value::as_f64);
        match schema.get(exclusive) {
            Some(Value::Bool(true)) => value.map(|v| v + sign * step),
            Some(Value::Number(n)) => n.as_f64().map(|v| v + sign * step),
            _ => value,
        }
    };
    (
        limit("minimum", "exclusiveMinimum", 1.0),
        limit("maximum", "exclusiveMaximum", -1.0),
    )
}

fn integer(schema: &Value) -> Value {
    let (min, max) = bounds(schema, 1.0);
    let mut value = match (min, max) {
        (Some(min), _) => min.ceil(),
        (None, Some(max)) if max < 1.0 => max.floor(),
        _ => 1.0,
    };
    if let Some(multiple) = schema.get("multipleOf").and_then(Value::as_f64)
        && multiple >= 1.0
    {
        value = (value / multiple).ceil() * multiple;
    }
    Value::Number(Number::from(value as i64))
}

fn number(schema: &Value) -> Value {
    let (min, max) = bounds(schema, 0.5);
    let value = match (min, max) {
        (Some(min), Some(max)) => (min + max) / 2.0,
        (Some(min), None) => min + 1.0,
        (None, Some(max)) => max - 1.0,
        (None, None) => 1.5,
    };
    Number::from_f64(value).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn required_properties_only_and_no_read_only_ones() {
        let root = json!({
            "components": {"schemas": {"Pet": {
                "type": "object",
                "required": ["name", "id", "born"],
                "properties": {
                    "id": {"type": "integer", "readOnly": true},
                    "name": {"type": "string", "minLength": 8},
                    "born": {"type": "string", "format": "date"},
                    "tag": {"type": "string"}
                }
            }}}
        });
        let schema = json!({"$ref": "#/components/schemas/Pet"});
        assert_eq!(
            sample(&root, &schema),
            json!({"name": "sampleaa", "born": "2024-01-02"})
        );
    }

    #[test]
    fn examples_lose_read_only_properties_and_parts_that_break_their_schema() {
        let root = json!({});
        let schema = json!({
            "type": "object",
            "required": ["amount"],
            "properties": {
                "id": {"type": "integer", "readOnly": true},
                "amount": {"type": "number", "minimum": 5},
                "edges": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "integer"}},
                "note": {"type": "string", "nullable": true}
            }
        });
        let example = json!({
            "id": 7,
            "amount": "123.45",
            "edges": ["edgeName"],
            "tags": [1, "two"],
            "note": null,
            "extra": true
        });
        assert_eq!(
            fitted(&root, &schema, example),
            Some(
                json!({"amount": 6.0, "edges": "sample", "tags": [1, 1], "note": null, "extra": true})
            )
        );
        // An example of another type than its schema is not used at all.
        assert_eq!(fitted(&root, &json!({"type": "string"}), json!(93)), None);
        assert_eq!(
            fitted(&root, &json!({"type": "integer"}), json!(2.0)),
            Some(json!(2.0))
        );
        // The sampler uses a property's example only where it fits.
        let with_examples = json!({
            "type": "object",
            "required": ["amount", "genre"],
            "properties": {
                "amount": {"type": "number", "example": "123.45"},
                "genre": {"type": "string", "example": "rock"}
            }
        });
        assert_eq!(
            sample(&root, &with_examples),
            json!({"amount": 1.5, "genre": "rock"})
        );
    }

    #[test]
    fn examples_enums_and_bounds_come_first() {
        let root = json!({});
        assert_eq!(
            sample(&root, &json!({"type": "string", "enum": [null, "b"]})),
            json!("b")
        );
        assert_eq!(
            sample(&root, &json!({"type": "integer", "example": 7})),
            json!(7)
        );
        assert_eq!(
            sample(
                &root,
                &json!({"type": "integer", "minimum": 10, "multipleOf": 4})
            ),
            json!(12)
        );
        assert_eq!(
            sample(&root, &json!({"type": "integer", "exclusiveMinimum": 0})),
            json!(1)
        );
        assert_eq!(
            sample(
                &root,
                &json!({"type": ["null", "array"], "items": {"type": "boolean"}, "minItems": 2})
            ),
            json!([true, true])
        );
        assert_eq!(
            sample(
                &root,
                &json!({"anyOf": [{"type": "null"}, {"type": "number", "maximum": 0}]})
            ),
            json!(-1.0)
        );
    }

    #[test]
    fn strings_match_their_pattern() {
        let root = json!({});
        let twilio = sample(
            &root,
            &json!({"type": "string", "pattern": "^IS[0-9a-fA-F]{32}$"}),
        );
        assert_eq!(twilio, json!(format!("IS{}", "0".repeat(32))));
        assert_eq!(
            sample(
                &root,
                &json!({"type": "string", "pattern": "^([1-9][0-9]*)$"})
            ),
            json!("1")
        );
        assert_eq!(
            sample(
                &root,
                &json!({"type": "string", "pattern": "(abc|d)+-\\d{2}"})
            ),
            json!("abc-00")
        );
        // A pattern the ASCII parser cannot read falls back to the format.
        assert_eq!(
            sample(
                &root,
                &json!({"type": "string", "format": "date", "pattern": "\\p{Greek}"})
            ),
            json!("2024-01-02")
        );
    }

    #[test]
    fn alternatives_that_only_require_fill_in_their_parent_object() {
        let batch = json!({
            "type": "object",
            "properties": {
                "file_ids": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                "files": {"type": "array", "items": {"type": "object"}}
            },
            "anyOf": [{"required": ["file_ids"]}, {"required": ["files"]}]
        });
        assert_eq!(sample(&json!({}), &batch), json!({"file_ids": ["sample"]}));
        // An alternative with a shape of its own is still the sample.
        let union = json!({
            "properties": {"kind": {"type": "string"}},
            "oneOf": [{"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}}]
        });
        assert_eq!(sample(&json!({}), &union), json!({"a": 1}));
    }

    #[test]
    fn all_of_merges_and_recursion_ends() {
        let root = json!({"components": {"schemas": {"Node": {
            "type": "object",
            "required": ["child"],
            "properties": {"child": {"$ref": "#/components/schemas/Node"}}
        }}}});
        let node = sample(&root, &json!({"$ref": "#/components/schemas/Node"}));
        let mut depth = 0;
        let mut current = &node;
        while let Some(child) = current.get("child") {
            depth += 1;
            current = child;
        }
        assert_eq!(depth, MAX_DEPTH);
        let merged = sample(
            &root,
            &json!({"allOf": [
                {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}},
                {"type": "object", "required": ["b"], "properties": {"b": {"type": "integer"}}}
            ]}),
        );
        assert_eq!(merged, json!({"a": "sample", "b": 1}));
    }
}

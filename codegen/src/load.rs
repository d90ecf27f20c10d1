//! Stage 1: the text of a spec → an [`openapiv3::OpenAPI`] document.
//!
//! YAML and JSON are both read (JSON through serde_json for exact line numbers). OpenAPI 3.1
//! constructs are rewritten into their 3.0 equivalents first, so the later stages see one model.

use openapiv3::OpenAPI;
use serde_json::{Map, Value};

use crate::diagnostics::Error;

/// `get` for schema keywords. Schema objects hold a handful of keys, and a scan over those
/// costs less than hashing the key (serde_json's maps hash with SipHash); the model asks
/// for keywords of every schema many times over.
pub(crate) trait Keyword {
    /// The value of `key`, if present.
    fn keyword(&self, key: &str) -> Option<&Value>;
}

impl Keyword for Map<String, Value> {
    fn keyword(&self, key: &str) -> Option<&Value> {
        if self.len() <= 8 {
            self.iter().find_map(|(k, v)| (k == key).then_some(v))
        } else {
            self.get(key)
        }
    }
}

impl Keyword for Value {
    fn keyword(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|map| map.keyword(key))
    }
}

/// A loaded spec: the typed document, and the raw (normalized) tree that `$ref`s point into.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The typed OpenAPI document.
    pub document: OpenAPI,
    /// The same document as JSON, after 3.1 normalization.
    pub raw: Value,
}

/// Parses `text` (YAML or JSON) into an OpenAPI 3.x document. `source` names it in errors.
pub fn load(source: &str, text: &str) -> Result<Spec, Error> {
    let raw = read(source, text)?;
    let document = check(source, text, &raw)?;
    Ok(Spec { document, raw })
}

/// The first half of [`load`]: parses `text`, checks that it is OpenAPI 3.x, and rewrites
/// 3.1 idioms into the 3.0 form the model reads.
pub fn read(source: &str, text: &str) -> Result<Value, Error> {
    let not_openapi =
        |pointer: Option<String>, line: Option<usize>, message: String| Error::NotOpenApi {
            source_name: source.to_owned(),
            pointer,
            line,
            message,
        };
    if text.trim().is_empty() {
        return Err(not_openapi(
            None,
            None,
            "the file is empty; expected an OpenAPI 3.x document".into(),
        ));
    }
    let mut value = parse_value(source, text)?;
    let Some(root) = value.as_object() else {
        return Err(not_openapi(
            Some("#".into()),
            None,
            "the document is not a mapping; expected an OpenAPI 3.x document with `openapi`, `info` and `paths`".into(),
        ));
    };
    match root.get("openapi") {
        Some(Value::String(version)) if version.starts_with("3.") => {}
        Some(other) => {
            return Err(not_openapi(
                Some("#/openapi".into()),
                None,
                format!("unsupported OpenAPI version {other}; this generator reads 3.0 and 3.1"),
            ));
        }
        None if root.contains_key("swagger") => {
            return Err(not_openapi(
                Some("#/swagger".into()),
                None,
                "this is a Swagger 2.0 document; convert it to OpenAPI 3 first (for example with swagger2openapi)".into(),
            ));
        }
        None => {
            return Err(not_openapi(
                Some("#".into()),
                None,
                "no `openapi` version field: this is not an OpenAPI document".into(),
            ));
        }
    }
    normalize_document(&mut value);
    Ok(value)
}

/// The second half of [`load`]: checks the structure of everything around the schemas (the
/// model reads schemas from the raw tree and turns what it cannot map into warnings) and
/// returns the typed document. `raw` comes from [`read`] on the same `text`.
pub fn check(source: &str, text: &str, raw: &Value) -> Result<OpenAPI, Error> {
    let skeleton = without_schemas(raw);
    // Tracking the path costs a third of the check; it is only needed to report an error.
    if let Ok(document) = <OpenAPI as serde::Deserialize>::deserialize(&skeleton) {
        return Ok(document);
    }
    serde_path_to_error::deserialize(&skeleton).map_err(|error| {
        let (pointer, message) = match locate(&skeleton, &pointer_of(error.path())) {
            Some(found) => found,
            None => (pointer_of(error.path()), error.into_inner().to_string()),
        };
        Error::NotOpenApi {
            source_name: source.to_owned(),
            line: line_of_pointer(text, &pointer).map(|line| line_of_culprit(text, line, &message)),
            pointer: Some(pointer),
            message,
        }
    })
}

fn parse_value(source: &str, text: &str) -> Result<Value, Error> {
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text).map_err(|error| Error::Syntax {
            source_name: source.to_owned(),
            line: error.line(),
            column: error.column(),
            message: error.to_string(),
        });
    }
    serde_yaml::from_str::<Loose>(text)
        .map(|loose| loose.0)
        .map_err(|error| {
            let (line, column) = error
                .location()
                .map_or((0, 0), |location| (location.line(), location.column()));
            Error::Syntax {
                source_name: source.to_owned(),
                line,
                column,
                message: error.to_string(),
            }
        })
}

/// A copy of the document for the typed check: every schema replaced by `{}` and every
/// example value by `null`, since the model reads both from the raw tree, and callbacks and
/// links left out, since the client uses neither. Built by copying
/// only what is kept, as schemas and examples are most of a big spec.
fn without_schemas(document: &Value) -> Value {
    /// Where a value sits: anywhere, in a map of examples, or in one example.
    #[derive(Clone, Copy, PartialEq)]
    enum Place {
        Other,
        ExampleMap,
        Example,
    }
    fn copy(value: &Value, place: Place) -> Value {
        match value {
            Value::Object(map) => {
                // Media types, parameters and headers carry `schema` next to their examples;
                // elsewhere `example` may be the name of a header or a property.
                let has_schema = map.contains_key("schema");
                Value::Object(
                    map.iter()
                        .map(|(key, child)| {
                            let kept = match (place, key.as_str()) {
                                (Place::ExampleMap, _) => copy(child, Place::Example),
                                (Place::Example, "value") => Value::Null,
                                (Place::Other, "schema") if child.is_object() => {
                                    Value::Object(Map::new())
                                }
                                (Place::Other, "example") if has_schema => Value::Null,
                                // The client makes nothing of callbacks and links; a form the
                                // typed model does not take (a callback by `$ref`) must not stop
                                // generation.
                                (Place::Other, "callbacks" | "links") if child.is_object() => {
                                    Value::Object(Map::new())
                                }
                                (Place::Other, "examples") if has_schema => {
                                    copy(child, Place::ExampleMap)
                                }
                                _ => copy(child, Place::Other),
                            };
                            (key.clone(), kept)
                        })
                        .collect(),
                )
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|item| copy(item, Place::Other)).collect())
            }
            other => other.clone(),
        }
    }
    let Value::Object(root) = document else {
        return document.clone();
    };
    let mut skeleton = Map::new();
    for (key, value) in root {
        let kept = match (key.as_str(), value) {
            ("components", Value::Object(components)) => {
                let mut kept = Map::new();
                for (kind, entries) in components {
                    let entries = match (kind.as_str(), entries) {
                        ("schemas", Value::Object(schemas)) => Value::Object(
                            schemas
                                .keys()
                                .map(|name| (name.clone(), Value::Object(Map::new())))
                                .collect(),
                        ),
                        ("examples", examples) => copy(examples, Place::ExampleMap),
                        ("callbacks" | "links", _) => Value::Object(Map::new()),
                        _ => copy(entries, Place::Other),
                    };
                    kept.insert(kind.clone(), entries);
                }
                Value::Object(kept)
            }
            ("paths" | "webhooks", value) => copy(value, Place::Other),
            _ => value.clone(),
        };
        skeleton.insert(key.clone(), kept);
    }
    Value::Object(skeleton)
}

/// Finds the exact place of a structural error that serde reports only as far as `#/paths` or
/// `#/components` (openapiv3 flattens those maps, which hides the path below them): each entry
/// is deserialized on its own until one fails.
fn locate(document: &Value, pointer: &str) -> Option<(String, String)> {
    fn first_failure<T: serde::de::DeserializeOwned>(
        base: &str,
        entries: &Map<String, Value>,
    ) -> Option<(String, String)> {
        entries.iter().find_map(|(key, entry)| {
            // A reference is checked when it is followed; what it points to is checked there.
            if entry.get("$ref").is_some() {
                return None;
            }
            serde_path_to_error::deserialize::<_, T>(entry)
                .err()
                .map(|error| {
                    let inner = pointer_of(error.path());
                    let pointer = format!("{base}/{}{}", escape_pointer(key), &inner[1..]);
                    (pointer, error.into_inner().to_string())
                })
        })
    }
    use openapiv3::{Parameter, PathItem, RequestBody, Response, Schema};
    match pointer {
        "#/paths" => first_failure::<PathItem>("#/paths", document.get("paths")?.as_object()?),
        "#/components" => {
            let components = document.get("components")?;
            let section = |name: &str| components.get(name).and_then(Value::as_object);
            let base = |name: &str| format!("#/components/{name}");
            section("schemas")
                .and_then(|s| first_failure::<Schema>(&base("schemas"), s))
                .or_else(|| {
                    section("parameters")
                        .and_then(|s| first_failure::<Parameter>(&base("parameters"), s))
                })
                .or_else(|| {
                    section("responses")
                        .and_then(|s| first_failure::<Response>(&base("responses"), s))
                })
                .or_else(|| {
                    section("requestBodies")
                        .and_then(|s| first_failure::<RequestBody>(&base("requestBodies"), s))
                })
        }
        _ => None,
    }
}

/// A JSON value read from YAML without failing on what JSON cannot hold: integers beyond 64 bits
/// and non-finite floats become their text, non-string keys (`200:`, `true:`) their text.
struct Loose(Value);

impl<'de> serde::Deserialize<'de> for Loose {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LooseVisitor).map(Loose)
    }
}

struct LooseVisitor;

impl<'de> serde::de::Visitor<'de> for LooseVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, inner: D) -> Result<Value, D::Error> {
        inner.deserialize_any(self)
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_i128<E>(self, value: i128) -> Result<Value, E> {
        Ok(Value::String(value.to_string()))
    }

    fn visit_u128<E>(self, value: u128) -> Result<Value, E> {
        Ok(Value::String(value.to_string()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(value)
            .map_or_else(|| Value::String(value.to_string()), Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Loose(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some((Loose(key), Loose(value))) = map.next_entry()? {
            let key = match key {
                Value::String(text) => text,
                other => other.to_string(),
            };
            // YAML forbids a key twice in one mapping; taking the last silently would hide
            // an edit that went to the wrong place.
            match object.entry(key) {
                serde_json::map::Entry::Vacant(slot) => {
                    slot.insert(value);
                }
                serde_json::map::Entry::Occupied(slot) => {
                    return Err(serde::de::Error::custom(format!(
                        "the key `{}` appears twice in one mapping",
                        slot.key()
                    )));
                }
            }
        }
        Ok(Value::Object(object))
    }

    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        // A YAML tag (`!custom value`): keep the value, drop the tag.
        use serde::de::VariantAccess;
        let (_tag, variant): (Loose, _) = data.variant()?;
        variant.newtype_variant::<Loose>().map(|loose| loose.0)
    }
}

/// The JSON pointer (`#/a/b`) of a serde path.
fn pointer_of(path: &serde_path_to_error::Path) -> String {
    let mut pointer = String::from("#");
    for segment in path.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => {
                pointer.push('/');
                pointer.push_str(&index.to_string());
            }
            serde_path_to_error::Segment::Map { key } => {
                pointer.push('/');
                pointer.push_str(&escape_pointer(key));
            }
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {}
        }
    }
    pointer
}

/// Escapes one JSON pointer segment (RFC 6901).
pub(crate) fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// The line where the last key of `pointer` appears, found by walking keys in order. Good
/// enough to point a person at the place; `None` when the keys cannot be followed in the text.
fn line_of_pointer(text: &str, pointer: &str) -> Option<usize> {
    let mut from = 0;
    let mut found = None;
    for segment in pointer
        .trim_start_matches('#')
        .split('/')
        .filter(|s| !s.is_empty())
    {
        let key = segment.replace("~1", "/").replace("~0", "~");
        if key.parse::<usize>().is_ok() {
            continue;
        }
        let candidates = [format!("\"{key}\""), format!("{key}:"), format!("'{key}'")];
        let offset = candidates
            .iter()
            .filter_map(|needle| text[from..].find(needle.as_str()))
            .min()?;
        from += offset;
        found = Some(text[..from].matches('\n').count() + 1);
        from += key.len();
    }
    found
}

/// The line of the value or key serde names as the culprit (`unknown variant `querry``,
/// `unknown field `requird``), searched a little below `line`: serde reports some errors at
/// the enclosing object (a parameter, an array entry), a few lines above the real mistake.
fn line_of_culprit(text: &str, line: usize, message: &str) -> usize {
    let culprit = ["unknown variant `", "unknown field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split_once('`'))
        .map(|(culprit, _)| culprit)
        .filter(|culprit| !culprit.is_empty());
    let Some(culprit) = culprit else {
        return line;
    };
    text.lines()
        .enumerate()
        .skip(line.saturating_sub(1))
        .take(40)
        .find(|(_, text)| {
            text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '$'))
                .any(|word| word == culprit)
        })
        .map_or(line, |(index, _)| index + 1)
}

/// Rewrites OpenAPI 3.1 (JSON Schema 2020-12) idioms into the 3.0 form the model reads, and a
/// few common 3.0 deviations (numeric `exclusiveMinimum`) too. Idempotent on 3.0 documents.
fn normalize_document(document: &mut Value) {
    let Some(root) = document.as_object_mut() else {
        return;
    };
    if let Some(Value::Object(components)) = root.get_mut("components")
        && let Some(Value::Object(schemas)) = components.get_mut("schemas")
    {
        schemas.values_mut().for_each(normalize_schema);
    }
    for key in ["paths", "components", "webhooks"] {
        if let Some(value) = root.get_mut(key) {
            normalize_schema_slots(value);
        }
    }
}

/// Finds the `schema` slots of parameters, media types and headers anywhere below `value`.
fn normalize_schema_slots(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "schema" && child.is_object() {
                    normalize_schema(child);
                } else if key != "schemas" && key != "example" && key != "examples" {
                    normalize_schema_slots(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize_schema_slots),
        _ => {}
    }
}

/// Normalizes one schema and every schema nested in it.
fn normalize_schema(schema: &mut Value) {
    let Value::Object(map) = schema else {
        return;
    };
    // One scan over the (few) keys decides whether anything needs rewriting; most schemas of
    // a 3.0 document need nothing.
    let needs_rewrite = map.iter().any(|(key, value)| match key.as_str() {
        "type" => value.is_array(),
        "const" | "examples" | "exclusiveMinimum" | "exclusiveMaximum" | "oneOf" | "anyOf" => true,
        "$ref" => map.len() > 1,
        _ => false,
    });
    if needs_rewrite {
        rewrite_schema(map);
    }
    for (key, child) in map.iter_mut() {
        match (key.as_str(), child) {
            ("items" | "additionalProperties" | "not", child) => normalize_schema(child),
            ("properties", Value::Object(properties)) => {
                properties.values_mut().for_each(normalize_schema);
            }
            ("allOf" | "oneOf" | "anyOf", Value::Array(children)) => {
                children.iter_mut().for_each(normalize_schema);
            }
            _ => {}
        }
    }
}

/// The rewrites of [`normalize_schema`] for one schema object, not its children.
fn rewrite_schema(map: &mut Map<String, Value>) {
    normalize_type_array(map);
    if let Some(value) = map.remove("const") {
        map.entry("enum")
            .or_insert_with(|| Value::Array(vec![value]));
    }
    if let Some(Value::Array(mut examples)) = map.remove("examples")
        && !examples.is_empty()
        && !map.contains_key("example")
    {
        map.insert("example".into(), examples.swap_remove(0));
    }
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(Value::Number(number)) = map.get(exclusive).cloned() {
            map.insert(bound.into(), Value::Number(number));
            map.insert(exclusive.into(), Value::Bool(true));
        }
    }
    for union in ["oneOf", "anyOf"] {
        if let Some(Value::Array(variants)) = map.get_mut(union) {
            let before = variants.len();
            variants.retain(|variant| !is_null_schema(variant));
            if variants.len() != before {
                map.insert("nullable".into(), Value::Bool(true));
            }
        }
    }
    if map.contains_key("$ref") && map.len() > 1 {
        // 3.1 lets a reference carry siblings (a description, `nullable`); 3.0 ignores them.
        // Wrapping the reference in a one-element `allOf` keeps both meanings.
        if let Some(reference) = map.remove("$ref") {
            let mut target = Map::new();
            target.insert("$ref".into(), reference);
            map.insert("allOf".into(), Value::Array(vec![Value::Object(target)]));
        }
    }
}

fn is_null_schema(schema: &Value) -> bool {
    match schema.get("type") {
        Some(Value::String(kind)) => kind == "null",
        Some(Value::Array(kinds)) => kinds.iter().all(|kind| kind == "null"),
        _ => false,
    }
}

/// `type: [string, "null"]` → `type: string, nullable: true`. Several non-null types cannot be
/// expressed in 3.0: the `type` is dropped, so the schema reads as "any value".
fn normalize_type_array(map: &mut Map<String, Value>) {
    let Some(Value::Array(kinds)) = map.get("type") else {
        return;
    };
    let nullable = kinds.iter().any(|kind| kind == "null");
    let others: Vec<Value> = kinds
        .iter()
        .filter(|kind| *kind != "null")
        .cloned()
        .collect();
    match others.as_slice() {
        [single] => {
            map.insert("type".into(), single.clone());
        }
        // `type: [string, integer]` is a union of those types, as `anyOf` writes it (unless
        // the schema has its own `anyOf`/`oneOf`, which then says what the value is).
        several
            if several.iter().all(Value::is_string)
                && !map.contains_key("anyOf")
                && !map.contains_key("oneOf") =>
        {
            let alternatives = several
                .iter()
                .map(|kind| {
                    let mut alternative = Map::new();
                    alternative.insert("type".into(), kind.clone());
                    Value::Object(alternative)
                })
                .collect();
            map.remove("type");
            map.insert("anyOf".into(), Value::Array(alternatives));
        }
        _ => {
            map.remove("type");
        }
    }
    if nullable {
        map.insert("nullable".into(), Value::Bool(true));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_openapi_31_schema_idioms() {
        let mut schema = serde_json::json!({
            "type": ["integer", "null"],
            "exclusiveMinimum": 0,
            "examples": [3, 4],
            "properties": {"kind": {"const": "cat"}},
            "anyOf": [{"type": "null"}, {"$ref": "#/components/schemas/A", "description": "an A"}]
        });
        normalize_schema(&mut schema);
        assert_eq!(
            schema,
            serde_json::json!({
                "type": "integer",
                "nullable": true,
                "exclusiveMinimum": true,
                "minimum": 0,
                "example": 3,
                "properties": {"kind": {"enum": ["cat"]}},
                "anyOf": [{"description": "an A", "allOf": [{"$ref": "#/components/schemas/A"}]}]
            })
        );
    }

    #[test]
    fn line_of_pointer_follows_keys_in_order() {
        let text = "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      responses: 5\n";
        assert_eq!(line_of_pointer(text, "#/paths/~1a/get/responses"), Some(5));
    }
}

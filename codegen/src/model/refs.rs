//! `$ref` resolution on the raw document: local JSON pointers with `~0`/`~1` escapes and
//! percent-encoding (`#/paths/~1users~1%7Bid%7D/get`).

use serde_json::Value;

use crate::load::Keyword;

/// Why a reference cannot be followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RefError {
    /// The reference points into another document.
    External,
    /// Nothing is at the pointer.
    Dangling,
}

/// The value at `reference` (`#/a/b`) in `root`, and the normalized pointer to it.
pub(crate) fn resolve<'a>(
    root: &'a Value,
    reference: &str,
) -> Result<(&'a Value, String), RefError> {
    let Some(fragment) = reference.strip_prefix('#') else {
        return Err(RefError::External);
    };
    let decoded = if fragment.contains('%') {
        percent_decode(fragment)
    } else {
        fragment.to_owned()
    };
    at(root, &decoded)
        .map(|value| (value, format!("#{decoded}")))
        .ok_or(RefError::Dangling)
}

/// `value` with its chain of `$ref`s followed (a few hops at most, so a cycle ends); `None` for
/// a dangling or external reference or a cycle.
pub(crate) fn follow<'a>(root: &'a Value, value: &'a Value) -> Option<&'a Value> {
    let mut current = value;
    for _ in 0..16 {
        match current.get("$ref").and_then(Value::as_str) {
            Some(reference) => current = resolve(root, reference).ok()?.0,
            None => return Some(current),
        }
    }
    None
}

/// Where the schema at `pointer` really is: its `$ref`s followed (a few hops at most, so a
/// cycle of references ends), for telling whether two pointers name one schema.
pub(crate) fn target(root: &Value, pointer: &str) -> String {
    let mut current = pointer.to_owned();
    for _ in 0..16 {
        let next = at(root, &current)
            .and_then(|value| value.get("$ref"))
            .and_then(Value::as_str)
            .and_then(|reference| resolve(root, reference).ok());
        match next {
            Some((_, next)) => current = next,
            None => break,
        }
    }
    current
}

/// The value at a `#/...` pointer produced by this crate (already decoded).
///
/// The model looks schemas up by pointer many times per property, so this walks the tree
/// without allocating: a segment is unescaped (`~1` → `/`, `~0` → `~`) only if it has a `~`.
pub(crate) fn at<'a>(root: &'a Value, pointer: &str) -> Option<&'a Value> {
    let path = pointer.strip_prefix('#').unwrap_or(pointer);
    if path.is_empty() {
        return Some(root);
    }
    let mut current = root;
    for segment in path.strip_prefix('/')?.split('/') {
        current = match current {
            Value::Object(map) if segment.contains('~') => {
                map.get(&segment.replace("~1", "/").replace("~0", "~"))?
            }
            Value::Object(map) => map.keyword(segment)?,
            Value::Array(items) => items.get(array_index(segment)?)?,
            _ => return None,
        };
    }
    Some(current)
}

/// An array index as JSON Pointer writes it: digits, no leading zero.
fn array_index(segment: &str) -> Option<usize> {
    if segment.is_empty()
        || (segment.len() > 1 && segment.starts_with('0'))
        || !segment.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    segment.parse().ok()
}

/// Decodes `%XX` escapes; invalid escapes are kept as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(byte) = hex.and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The last segment of a pointer, unescaped: the component name of `#/components/schemas/X`.
pub(crate) fn last_segment(pointer: &str) -> String {
    pointer
        .rsplit('/')
        .next()
        .unwrap_or(pointer)
        .replace("~1", "/")
        .replace("~0", "~")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_escaped_and_percent_encoded_pointers() {
        let root = serde_json::json!({"paths": {"/users/{id}": {"get": {"x": 1}}}});
        let (value, pointer) = resolve(&root, "#/paths/~1users~1%7Bid%7D/get/x").unwrap();
        assert_eq!(value, &serde_json::json!(1));
        assert_eq!(pointer, "#/paths/~1users~1{id}/get/x");
        assert_eq!(resolve(&root, "#/paths/nope"), Err(RefError::Dangling));
        assert_eq!(resolve(&root, "other.yaml#/a"), Err(RefError::External));
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
    }

    #[test]
    fn at_agrees_with_json_pointer() {
        let root = serde_json::json!({"a/b": {"c~d": [10, {"e": 1}]}, "": {"x": 2}});
        for pointer in [
            "",
            "/a~1b",
            "/a~1b/c~0d",
            "/a~1b/c~0d/0",
            "/a~1b/c~0d/1/e",
            "/a~1b/c~0d/01",
            "/a~1b/c~0d/2",
            "/a~1b/c~0d/-",
            "//x",
            "/missing",
            "/a~1b/c~0d/+1",
        ] {
            assert_eq!(
                at(&root, &format!("#{pointer}")),
                root.pointer(pointer),
                "{pointer}"
            );
        }
    }
}

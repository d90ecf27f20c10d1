//! The part of the client that is the same for every API: errors, HTTP with retries and
//! timeouts, and Server-Sent Events. Generated operation methods call into it.

// Every generated crate carries the whole runtime, but an API without, say, form bodies or
// path parameters leaves some helpers unused.
#![allow(dead_code)]

pub(crate) mod de;
pub mod error;
pub mod merge;
#[cfg(feature = "mock")]
pub mod mock;
pub mod multipart;
pub mod pages;
pub mod retry;
pub mod sse;
pub mod transport;

use std::fmt;

/// Deserializes an enum written as a string, matching on a borrowed `&str` where the format
/// allows it, so known values cost no allocation.
pub(crate) fn deserialize_enum_str<'de, D, T>(
    deserializer: D,
    from: fn(&str) -> T,
) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct StrVisitor<T>(fn(&str) -> T);

    impl<T> serde::de::Visitor<'_> for StrVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }

        fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<T, E> {
            Ok((self.0)(value))
        }
    }

    deserializer.deserialize_str(StrVisitor(from))
}

/// Percent-encodes one path segment: everything but RFC 3986 unreserved characters.
pub(crate) fn encode_path_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The text of a scalar JSON value as it goes into a query string, header or form field:
/// strings as they are, numbers and booleans as written, anything else as JSON.
pub(crate) fn scalar_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(encode_path_segment("a b/c?d%é"), "a%20b%2Fc%3Fd%25%C3%A9");
        assert_eq!(encode_path_segment("safe-._~9"), "safe-._~9");
    }

    #[test]
    fn enum_strings_deserialize_through_the_callback() {
        let mut de = serde_json::Deserializer::from_str("\"abc\"");
        let value = deserialize_enum_str(&mut de, str::len).unwrap();
        assert_eq!(value, 3);
    }
}

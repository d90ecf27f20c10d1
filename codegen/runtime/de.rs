//! What the generated `Deserialize` impls of objects and unions share.
//!
//! serde's derive reads a struct with a `#[serde(flatten)]` map, and an `untagged` enum,
//! through its private buffer type, so every field type is compiled a second time for that
//! buffer and every object is copied into it before it is read. The generated impls read
//! fields straight from the map instead, and unions once into a `serde_json::Value`: each
//! type is compiled for the input deserializer and for `&Value`, no more.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, Error, IgnoredAny, MapAccess, Visitor};

/// A type read from a JSON object by a generated `from_map`.
pub(crate) trait FromMap: Sized {
    /// What the error says was expected: `struct Name`.
    const EXPECTING: &'static str;

    /// Reads the object's entries from `map`.
    fn from_map<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// The `Deserialize` of every generated struct: a JSON object read by [`FromMap`].
pub(crate) fn deserialize_object<'de, T: FromMap, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    struct ObjectVisitor<T>(PhantomData<T>);

    impl<'de, T: FromMap> Visitor<'de> for ObjectVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(T::EXPECTING)
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::from_map(map)
        }
    }

    deserializer.deserialize_map(ObjectVisitor(PhantomData))
}

/// An object key, borrowed from the input where the format allows it, so matching a known
/// field costs no allocation.
pub(crate) struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    /// The key's text.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }

            fn visit_borrowed_str<E: Error>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(key)))
            }

            fn visit_str<E: Error>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key.to_owned())))
            }

            fn visit_string<E: Error>(self, key: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key)))
            }
        }

        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Reads the value of the field `name` into `slot`; a field given twice is an error, as with
/// serde's derive.
pub(crate) fn field<'de, T, A>(
    slot: &mut Option<T>,
    map: &mut A,
    name: &'static str,
) -> Result<(), A::Error>
where
    T: Deserialize<'de>,
    A: MapAccess<'de>,
{
    if slot.is_some() {
        return Err(A::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Keeps an entry the spec does not name in the struct's map of other properties.
pub(crate) fn other<'de, V, M, A>(others: &mut M, key: Key<'de>, map: &mut A) -> Result<(), A::Error>
where
    V: Deserialize<'de>,
    M: Extend<(String, V)>,
    A: MapAccess<'de>,
{
    let value = map.next_value()?;
    others.extend([(key.0.into_owned(), value)]);
    Ok(())
}

/// Skips the value of an entry a struct without a map of other properties does not name.
pub(crate) fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(|_| ())
}

/// The value of a required field, or serde's "missing field" error.
pub(crate) fn required<T, E: Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

/// The value of a field of type `Option`: absent is `None`, as with serde's derive.
pub(crate) fn optional<T>(slot: Option<Option<T>>) -> Option<T> {
    slot.flatten()
}

/// `value` as the alternative that `wrap` makes a variant of, or `None` when it is not one:
/// an untagged union tries its alternatives in order.
pub(crate) fn try_variant<'a, T, U>(value: &'a serde_json::Value, wrap: fn(T) -> U) -> Option<U>
where
    T: Deserialize<'a>,
{
    T::deserialize(value).ok().map(wrap)
}

/// The string value of `value[key]`, the tag of a tagged union.
pub(crate) fn tag_of<'a>(value: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    value.get(key)?.as_str()
}

/// Decodes `value` as the alternative that `wrap` makes a variant of, reporting a mismatch as
/// an error of the deserializer that is running: a tagged union knows its alternative.
pub(crate) fn decode_variant<'a, T, U, E>(value: &'a serde_json::Value, wrap: fn(T) -> U) -> Result<U, E>
where
    T: Deserialize<'a>,
    E: Error,
{
    T::deserialize(value).map(wrap).map_err(E::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Pair {
        name: String,
        note: Option<String>,
        others: serde_json::Map<String, serde_json::Value>,
    }

    impl FromMap for Pair {
        const EXPECTING: &'static str = "struct Pair";

        fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
            let mut name = None;
            let mut note = None;
            let mut others = serde_json::Map::new();
            while let Some(key) = map.next_key::<Key<'de>>()? {
                match key.as_str() {
                    "name" => field(&mut name, &mut map, "name")?,
                    "note" => field(&mut note, &mut map, "note")?,
                    _ => other(&mut others, key, &mut map)?,
                }
            }
            Ok(Pair {
                name: required(name, "name")?,
                note: optional(note),
                others,
            })
        }
    }

    impl<'de> Deserialize<'de> for Pair {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserialize_object(deserializer)
        }
    }

    #[test]
    fn objects_keep_unknown_keys_and_report_missing_and_repeated_fields() {
        let pair: Pair = serde_json::from_str(r#"{"x\n":1,"name":"a","note":null}"#).unwrap();
        assert_eq!(pair.name, "a");
        assert_eq!(pair.note, None);
        assert_eq!(pair.others["x\n"], 1);
        let from_value = Pair::deserialize(&serde_json::json!({"name": "b", "note": "n"}));
        assert_eq!(from_value.unwrap().note.as_deref(), Some("n"));

        let missing = serde_json::from_str::<Pair>(r#"{"note":"n"}"#).unwrap_err();
        assert!(missing.to_string().contains("missing field `name`"), "{missing}");
        let twice = serde_json::from_str::<Pair>(r#"{"name":"a","name":"b"}"#).unwrap_err();
        assert!(twice.to_string().contains("duplicate field `name`"), "{twice}");
        let array = serde_json::from_str::<Pair>("[1]").unwrap_err();
        assert!(array.to_string().contains("expected struct Pair"), "{array}");
    }
}

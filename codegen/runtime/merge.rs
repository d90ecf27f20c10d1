//! Merging the events of a stream into one value: the deltas of a streamed answer become the
//! answer ([`EventStream::merged`](super::sse::EventStream::merged), [`Accumulator`]).
//!
//! The events are merged as JSON, guided by a [`Shape`]: a static description of the event
//! type that the generator writes for every type a stream event can hold, saying which strings
//! are free text and which are enums or constants. The rules are those of OpenAI-style streams,
//! and nothing in them names a field of one API:
//!
//! - objects merge field by field;
//! - arrays whose elements are objects carrying an integer `index` merge element by element at
//!   that index (the choices of a chunk, the tool calls of a delta); other arrays append;
//! - inside such an element, free-text strings concatenate (the message content, the
//!   arguments of a tool call), except `index`, `type` and `id`, which identify the element
//!   rather than add to it;
//! - everything else takes the last non-null value: the fields of the event's top level
//!   (`id`, `model`, `created`, repeated in every chunk), enums and constants, numbers,
//!   booleans, and strings outside indexed elements;
//! - `null`, or a field left out, never overwrites a value.
//!
//! The merged JSON is then decoded as the event type, so the result is typed like every event.

use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::Error;

/// How the values of one type merge: the part of its schema the merge rules need.
///
/// The generator writes one `static` per type reachable from a stream's event type; a
/// recursive type refers to its own static.
#[derive(Debug)]
pub enum Shape {
    /// A free-text string: concatenated inside an indexed array element, else replaced.
    Text,
    /// A value that is replaced, never concatenated: an enum or constant, a number, a boolean.
    Atom,
    /// Free-form JSON: merged by the value's own structure, its strings as free text.
    Any,
    /// An array of this item shape.
    List(&'static Shape),
    /// An object whose every property has this shape (`additionalProperties`).
    Map(&'static Shape),
    /// An object with named properties.
    Object(&'static ObjectShape),
    /// One of several shapes (`oneOf`, `anyOf`), chosen by the value's JSON kind or tag.
    Union(&'static UnionShape),
}

/// The properties of an object type.
#[derive(Debug)]
pub struct ObjectShape {
    /// Each property's JSON name and shape.
    pub fields: &'static [(&'static str, &'static Shape)],
    /// The shape of properties the schema does not name.
    pub other: &'static Shape,
}

/// The alternatives of a union type.
#[derive(Debug)]
pub struct UnionShape {
    /// The property whose value says which alternative an object is, when the union is tagged.
    pub tag: Option<&'static str>,
    /// Each alternative's tag values (empty when untagged) and shape, in spec order.
    pub variants: &'static [(&'static [&'static str], &'static Shape)],
}

/// A type whose values can be merged: every stream event type of the generated crate.
pub trait Merge {
    /// The shape the merge rules follow.
    fn shape() -> &'static Shape;
}

impl Merge for Value {
    fn shape() -> &'static Shape {
        &Shape::Any
    }
}

/// Properties that identify an element of an indexed array rather than add to it: they are
/// replaced, never concatenated, whatever their schema. `index` and `type` are the ones
/// openai-python's `accumulate_delta` keeps as they are; `id` is added because a server that
/// repeats a tool call's id in every delta would otherwise give `call_1call_1`, an id that
/// does not exist, while replacing it is right whether it is sent once or each time.
const IDENTIFYING: &[&str] = &["index", "type", "id"];

/// Merges one event into the value merged so far (`Value::Null` before the first event).
pub fn merge_event(merged: &mut Value, event: Value, shape: &Shape) {
    merge(merged, event, shape, Place::Outside);
}

/// Where a value is, which decides whether a free-text string concatenates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Not inside an element of an indexed array (the event's top level included).
    Outside,
    /// Inside an element of an indexed array, as one of its properties or deeper.
    InElement,
    /// The value of an identifying property (`index`, `type`, `id`, a union's tag).
    Identifying,
}

fn merge(merged: &mut Value, delta: Value, shape: &Shape, place: Place) {
    // The tag of a tagged union, taken before the union is resolved to its alternative.
    let tag = union_tag(shape);
    let shape = resolve(shape, &delta);
    match delta {
        Value::Null => {}
        Value::Object(fields) => {
            if !merged.is_object() {
                *merged = Value::Object(Map::new());
            }
            if let Value::Object(merged) = merged {
                for (key, value) in fields {
                    let field_shape = field_shape(shape, &key);
                    let field_place = if place == Place::Outside {
                        Place::Outside
                    } else if IDENTIFYING.contains(&key.as_str()) || tag == Some(key.as_str()) {
                        Place::Identifying
                    } else {
                        Place::InElement
                    };
                    let slot = merged.entry(key).or_insert(Value::Null);
                    merge(slot, value, field_shape, field_place);
                }
            }
        }
        Value::Array(items) => {
            if !merged.is_array() {
                *merged = Value::Array(Vec::new());
            }
            let item_shape = item_shape(shape);
            if let Value::Array(merged) = merged {
                for item in items {
                    merge_item(merged, item, item_shape);
                }
            }
        }
        Value::String(text) => match merged {
            Value::String(so_far) if place == Place::InElement && concatenates(shape) => {
                so_far.push_str(&text);
            }
            _ => *merged = Value::String(text),
        },
        scalar @ (Value::Bool(_) | Value::Number(_)) => *merged = scalar,
    }
}

/// Adds one element of an array delta: merged into the element of the same `index`, else
/// inserted in `index` order (so elements first met out of order still end up sorted), or
/// appended when it carries no index.
fn merge_item(merged: &mut Vec<Value>, item: Value, shape: &Shape) {
    let Some(index) = index_of(&item) else {
        merged.push(item);
        return;
    };
    if let Some(existing) = merged.iter_mut().find(|e| index_of(e) == Some(index)) {
        merge(existing, item, shape, Place::InElement);
        return;
    }
    let at = merged
        .iter()
        .position(|e| index_of(e).is_some_and(|other| other > index))
        .unwrap_or(merged.len());
    let mut element = Value::Null;
    merge(&mut element, item, shape, Place::InElement);
    merged.insert(at, element);
}

/// The integer `index` of an object, if it has one.
fn index_of(value: &Value) -> Option<i128> {
    let index = value.as_object()?.get("index")?;
    index
        .as_i64()
        .map(i128::from)
        .or_else(|| index.as_u64().map(i128::from))
}

fn concatenates(shape: &Shape) -> bool {
    matches!(shape, Shape::Text | Shape::Any)
}

/// The alternative of a union that fits `value`; any other shape as it is.
fn resolve<'s>(shape: &'s Shape, value: &Value) -> &'s Shape {
    resolve_within(shape, value, 0)
}

/// Unions nested deeper than this are merged as free-form JSON: a bound on the recursion,
/// should a spec's unions contain each other.
const MAX_UNION_DEPTH: usize = 8;

fn resolve_within<'s>(shape: &'s Shape, value: &Value, depth: usize) -> &'s Shape {
    let Shape::Union(union) = shape else {
        return shape;
    };
    if depth >= MAX_UNION_DEPTH {
        return &Shape::Any;
    }
    if let Some(found) = union
        .tag
        .and_then(|tag| value.get(tag))
        .and_then(Value::as_str)
        && let Some((_, variant)) = union
            .variants
            .iter()
            .find(|(values, _)| values.contains(&found))
    {
        return resolve_within(variant, value, depth + 1);
    }
    let mut fitting = union
        .variants
        .iter()
        .map(|(_, variant)| resolve_within(variant, value, depth + 1))
        .filter(|variant| fits(variant, value));
    match (fitting.next(), fitting.next()) {
        (None, _) => &Shape::Any,
        (Some(only), None) => only,
        // Several objects without a tag: the union itself, whose properties are looked up in
        // every alternative (see `field_shape`).
        (Some(_), Some(_)) if value.is_object() => shape,
        // Several of another kind: the first, as serde's untagged decoding picks it.
        (Some(first), Some(_)) => first,
    }
}

/// Whether a shape can describe a value of `value`'s JSON kind.
fn fits(shape: &Shape, value: &Value) -> bool {
    match shape {
        Shape::Any | Shape::Union(_) => true,
        Shape::Text => value.is_string(),
        Shape::Atom => !value.is_object() && !value.is_array(),
        Shape::List(_) => value.is_array(),
        Shape::Map(_) | Shape::Object(_) => value.is_object(),
    }
}

/// The tag property of a tagged union's shape.
fn union_tag(shape: &Shape) -> Option<&'static str> {
    match shape {
        Shape::Union(union) => union.tag,
        _ => None,
    }
}

/// The shape of the property `key` of an object of shape `shape`.
fn field_shape(shape: &Shape, key: &str) -> &'static Shape {
    match shape {
        Shape::Object(object) => object
            .fields
            .iter()
            .find(|(name, _)| *name == key)
            .map_or(object.other, |(_, shape)| *shape),
        Shape::Map(value) => value,
        // An untagged union of objects: the first alternative that names the property.
        Shape::Union(union) => union
            .variants
            .iter()
            .find_map(|(_, variant)| match variant {
                Shape::Object(object) => object
                    .fields
                    .iter()
                    .find(|(name, _)| *name == key)
                    .map(|(_, shape)| *shape),
                _ => None,
            })
            .unwrap_or(&Shape::Any),
        Shape::Any | Shape::Text | Shape::Atom | Shape::List(_) => &Shape::Any,
    }
}

/// The item shape of an array of shape `shape`.
fn item_shape(shape: &Shape) -> &'static Shape {
    match shape {
        Shape::List(item) => item,
        _ => &Shape::Any,
    }
}

/// The merge of a stream's events so far, for watching an answer build up while it streams:
/// [`push`](Self::push) each event as it arrives, read [`snapshot`](Self::snapshot) (typed) or
/// [`value`](Self::value) (JSON) whenever the merged-so-far value is needed, and
/// [`finish`](Self::finish) at the end.
///
/// ```ignore
/// let mut answer = Accumulator::new();
/// while let Some(chunk) = stream.next().await {
///     let chunk = chunk?;
///     print!("{}", chunk.choices[0].delta.content.as_deref().unwrap_or_default());
///     answer.push(&chunk)?;
/// }
/// let answer = answer.finish()?;
/// ```
pub struct Accumulator<T> {
    merged: Value,
    events: u64,
    // `fn() -> T`: the accumulator makes `T`s but stores none, so it is `Send` for any `T`.
    item: PhantomData<fn() -> T>,
}

impl<T> Default for Accumulator<T> {
    fn default() -> Self {
        Accumulator {
            merged: Value::Null,
            events: 0,
            item: PhantomData,
        }
    }
}

impl<T> Clone for Accumulator<T> {
    fn clone(&self) -> Self {
        Accumulator {
            merged: self.merged.clone(),
            events: self.events,
            item: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Accumulator<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Accumulator")
            .field("events", &self.events)
            .field("merged", &self.merged)
            .finish()
    }
}

impl<T: Merge> Accumulator<T> {
    /// An accumulator that has seen no event.
    pub fn new() -> Self {
        Self::default()
    }

    /// Merges one event given as JSON (as it arrived, before decoding).
    pub fn push_value(&mut self, event: Value) {
        merge_event(&mut self.merged, event, T::shape());
        self.events += 1;
    }

    /// The merged-so-far value as JSON; `Value::Null` before the first event.
    pub fn value(&self) -> &Value {
        &self.merged
    }

    /// How many events were merged.
    pub fn events(&self) -> u64 {
        self.events
    }
}

impl<T: Merge + Serialize> Accumulator<T> {
    /// Merges one event.
    pub fn push(&mut self, event: &T) -> Result<(), Error> {
        let value = serde_json::to_value(event)
            .map_err(|error| Error::Merge(format!("an event does not serialize: {error}")))?;
        self.push_value(value);
        Ok(())
    }
}

impl<T: Merge + DeserializeOwned> Accumulator<T> {
    /// The merged-so-far value, decoded. It copies the merged JSON, so call it when the value
    /// is needed rather than after every event of a long stream.
    pub fn snapshot(&self) -> Result<T, Error> {
        Self::decode(self.merged.clone(), self.events)
    }

    /// The merged value of every event pushed; an error when there was none.
    pub fn finish(self) -> Result<T, Error> {
        Self::decode(self.merged, self.events)
    }

    fn decode(merged: Value, events: u64) -> Result<T, Error> {
        if events == 0 {
            return Err(Error::Merge("the stream sent no event to merge".to_owned()));
        }
        // By reference, as unions read their alternatives: one more deserializer to compile
        // every type for would cost more than the copies of the strings.
        T::deserialize(&merged).map_err(|error| {
            Error::Merge(format!(
                "the merged events do not decode as one event: {error}"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static DELTA: Shape = Shape::Object(&ObjectShape {
        fields: &[
            ("role", &Shape::Atom),
            ("content", &Shape::Text),
            ("tool_calls", &Shape::List(&TOOL_CALL)),
        ],
        other: &Shape::Any,
    });
    static TOOL_CALL: Shape = Shape::Object(&ObjectShape {
        fields: &[
            ("index", &Shape::Atom),
            ("id", &Shape::Text),
            ("type", &Shape::Atom),
            ("function", &FUNCTION),
        ],
        other: &Shape::Any,
    });
    static FUNCTION: Shape = Shape::Object(&ObjectShape {
        fields: &[("name", &Shape::Text), ("arguments", &Shape::Text)],
        other: &Shape::Any,
    });
    static CHOICE: Shape = Shape::Object(&ObjectShape {
        fields: &[
            ("index", &Shape::Atom),
            ("delta", &DELTA),
            ("finish_reason", &Shape::Atom),
        ],
        other: &Shape::Any,
    });
    static CHUNK: Shape = Shape::Object(&ObjectShape {
        fields: &[
            ("id", &Shape::Text),
            ("model", &Shape::Text),
            ("created", &Shape::Atom),
            ("choices", &Shape::List(&CHOICE)),
            ("usage", &Shape::Any),
        ],
        other: &Shape::Any,
    });

    fn merged(events: &[Value], shape: &Shape) -> Value {
        let mut merged = Value::Null;
        for event in events {
            merge_event(&mut merged, event.clone(), shape);
        }
        merged
    }

    #[test]
    fn top_level_strings_are_replaced_and_element_strings_concatenate() {
        let events = [
            json!({"id": "c1", "model": "m", "created": 1, "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hel"}}]}),
            json!({"id": "c1", "model": "m", "created": 1, "choices": [{"index": 0, "delta": {"content": "lo"}, "finish_reason": null}]}),
            json!({"id": "c1", "model": "m", "created": 2, "choices": [{"index": 0, "delta": {"content": null}, "finish_reason": "stop"}]}),
        ];
        assert_eq!(
            merged(&events, &CHUNK),
            json!({"id": "c1", "model": "m", "created": 2, "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hello"}, "finish_reason": "stop"}]})
        );
    }

    #[test]
    fn enums_ids_and_types_are_replaced_inside_elements() {
        let events = [
            json!({"choices": [{"index": 0, "delta": {"role": "assistant", "tool_calls": [{"index": 0, "id": "call_1", "type": "function", "function": {"name": "f", "arguments": ""}}]}}]}),
            json!({"choices": [{"index": 0, "delta": {"role": "assistant", "tool_calls": [{"index": 0, "id": "call_1", "type": "function", "function": {"arguments": "{}"}}]}}]}),
        ];
        let call = &merged(&events, &CHUNK)["choices"][0]["delta"];
        assert_eq!(call["role"], "assistant");
        assert_eq!(call["tool_calls"][0]["id"], "call_1");
        assert_eq!(call["tool_calls"][0]["type"], "function");
        assert_eq!(call["tool_calls"][0]["function"]["arguments"], "{}");
    }

    #[test]
    fn indexed_elements_are_kept_in_index_order_and_other_arrays_append() {
        let events = [
            json!({"choices": [{"index": 1, "delta": {"content": "b"}}], "tags": ["x"]}),
            json!({"choices": [{"index": 0, "delta": {"content": "a"}}], "tags": ["y"]}),
            json!({"choices": [{"index": 1, "delta": {"content": "B"}}, {"index": 0, "delta": {"content": "A"}}]}),
        ];
        assert_eq!(
            merged(&events, &CHUNK),
            json!({"choices": [{"index": 0, "delta": {"content": "aA"}}, {"index": 1, "delta": {"content": "bB"}}], "tags": ["x", "y"]})
        );
    }

    #[test]
    fn numbers_and_booleans_take_the_last_value_and_null_never_overwrites() {
        let events = [
            json!({"usage": {"total_tokens": 3, "cached": true}}),
            json!({"usage": {"total_tokens": 5, "cached": false}}),
            json!({"usage": null}),
            json!({"usage": {"total_tokens": null}}),
        ];
        assert_eq!(
            merged(&events, &CHUNK),
            json!({"usage": {"total_tokens": 5, "cached": false}})
        );
    }

    #[test]
    fn a_union_is_merged_as_the_alternative_that_fits() {
        static TEXT_OR_PARTS: Shape = Shape::Union(&UnionShape {
            tag: None,
            variants: &[(&[], &Shape::Text), (&[], &Shape::List(&PART))],
        });
        static PART: Shape = Shape::Union(&UnionShape {
            tag: Some("kind"),
            variants: &[(&["a"], &PART_A), (&["b"], &PART_B)],
        });
        static PART_A: Shape = Shape::Object(&ObjectShape {
            fields: &[("kind", &Shape::Text), ("text", &Shape::Text)],
            other: &Shape::Any,
        });
        static PART_B: Shape = Shape::Object(&ObjectShape {
            fields: &[("kind", &Shape::Text), ("text", &Shape::Atom)],
            other: &Shape::Any,
        });
        static HOLDER: Shape = Shape::List(&ELEMENT);
        static ELEMENT: Shape = Shape::Object(&ObjectShape {
            fields: &[("content", &TEXT_OR_PARTS)],
            other: &Shape::Any,
        });
        let events = [
            json!([{"index": 0, "content": "x"}, {"index": 1, "content": [{"index": 0, "kind": "a", "text": "p"}, {"index": 1, "kind": "b", "text": "q"}]}]),
            json!([{"index": 0, "content": "y"}, {"index": 1, "content": [{"index": 0, "kind": "a", "text": "P"}, {"index": 1, "kind": "b", "text": "Q"}]}]),
        ];
        assert_eq!(
            merged(&events, &HOLDER),
            json!([{"index": 0, "content": "xy"}, {"index": 1, "content": [{"index": 0, "kind": "a", "text": "pP"}, {"index": 1, "kind": "b", "text": "Q"}]}])
        );
    }

    #[test]
    fn free_form_values_merge_by_their_own_structure() {
        let events = [
            json!([{"index": 0, "note": "a", "n": 1, "list": [1]}]),
            json!([{"index": 0, "note": "b", "n": 2, "list": [2]}]),
        ];
        assert_eq!(
            merged(&events, &Shape::Any),
            json!([{"index": 0, "note": "ab", "n": 2, "list": [1, 2]}])
        );
    }

    #[test]
    fn an_accumulator_without_events_is_an_error() {
        let accumulator = Accumulator::<Value>::new();
        assert!(matches!(accumulator.snapshot(), Err(Error::Merge(_))));
        let mut accumulator = Accumulator::<Value>::new();
        accumulator.push(&json!({"a": 1})).unwrap();
        accumulator.push_value(json!({"b": "x"}));
        assert_eq!(accumulator.events(), 2);
        assert_eq!(accumulator.finish().unwrap(), json!({"a": 1, "b": "x"}));
    }
}

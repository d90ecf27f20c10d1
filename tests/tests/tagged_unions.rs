//! Unions tagged by a `discriminator`, decoded and written again with the crate generated from
//! `tests/fixtures/one_of_discriminator.yaml` (`tests/clients/one_of_discriminator`).

use fixture_one_of_discriminator::types::{Pet, Shape, ToolCall};
use serde_json::{Value, json};

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(value: &Value) -> T {
    let decoded: T = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(&serde_json::to_value(&decoded).unwrap(), value);
    decoded
}

#[test]
fn a_discriminator_without_mapping_accepts_the_constant_the_server_sends() {
    let function = json!({"type": "function", "id": "call_1", "name": "get_weather"});
    let custom = json!({"type": "custom", "id": "call_2", "input": "x"});
    assert!(
        matches!(round_trip::<ToolCall>(&function), ToolCall::FunctionToolCall(call) if call.name == "get_weather")
    );
    assert!(
        matches!(round_trip::<ToolCall>(&custom), ToolCall::CustomToolCall(call) if call.input == "x")
    );
}

#[test]
fn a_discriminator_without_mapping_still_accepts_the_component_name() {
    let value = json!({"type": "FunctionToolCall", "id": "call_1", "name": "f"});
    // The component name is the tag OpenAPI defines; the struct's `type` keeps what was sent.
    let decoded: ToolCall = serde_json::from_value(value.clone()).unwrap();
    assert!(
        matches!(decoded, ToolCall::FunctionToolCall(_)),
        "{decoded:?}"
    );
    assert_eq!(serde_json::to_value(&decoded).unwrap(), value);
}

#[test]
fn an_unknown_tag_is_kept_whole() {
    let value = json!({"type": "mcp", "id": "call_3", "server": "s"});
    assert!(matches!(round_trip::<ToolCall>(&value), ToolCall::Unknown(kept) if kept == value));
}

#[test]
fn mapping_values_and_component_names_select_their_alternatives() {
    assert!(matches!(
        round_trip::<Pet>(&json!({"petType": "cat", "lives": 9})),
        Pet::Cat(_)
    ));
    assert!(matches!(
        round_trip::<Pet>(&json!({"petType": "dog", "bark": true})),
        Pet::Dog(_)
    ));
    assert!(matches!(
        round_trip::<Shape>(&json!({"kind": "Circle", "radius": 1.5})),
        Shape::Circle(_)
    ));
}

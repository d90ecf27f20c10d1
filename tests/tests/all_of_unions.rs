//! `oneOf`/`anyOf` inside `allOf`, with the client generated from
//! `tests/fixtures/all_of_unions.yaml` (`tests/clients/all_of_unions`): every alternative reads
//! into the right variant, writes back the JSON it was read from (unknown fields included), and
//! a value no alternative matches is kept in the fallback variant instead of failing.

mod support;

use fixture_all_of_unions::types::{
    BatchRequest, Deployment, DeploymentGitSourceClusterTarget, Label, NamedToolChoiceType, Pet,
    PetCatPetType, ResponseDoneUsage, RunRequest, RunRequestFallbackChoice,
    RunRequestFallbackChoiceVariant1, ServerEvent, ServerEventResponseCreated, Shape, StreamEvent,
    ToolChoiceOption, ToolChoiceOptionVariant1, Vehicle,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use support::{Reply, TestServer};

/// Reads `json` as a `T` and checks that writing it gives the same JSON back.
fn round_trip<T: DeserializeOwned + Serialize>(json: Value) -> T {
    let value: T = serde_json::from_value(json.clone())
        .unwrap_or_else(|error| panic!("{json} does not read: {error}"));
    assert_eq!(serde_json::to_value(&value).unwrap(), json);
    value
}

#[test]
fn server_events_read_into_the_variant_their_type_names_with_the_common_event_id() {
    let created = json!({
        "event_id": "evt_1",
        "type": "response.created",
        "response_id": "resp_1",
        "server_time": 1712345678
    });
    match round_trip::<ServerEvent>(created) {
        ServerEvent::ResponseCreated(event) => {
            assert_eq!(event.event_id, "evt_1");
            assert_eq!(event.response_id, "resp_1");
            assert_eq!(event.additional_properties["server_time"], 1712345678);
        }
        other => panic!("not response.created: {other:?}"),
    }
    let done = json!({
        "event_id": "evt_2",
        "type": "response.done",
        "response_id": "resp_1",
        "usage": {"total_tokens": 42, "cached_tokens": 7}
    });
    match round_trip::<ServerEvent>(done) {
        ServerEvent::ResponseDone(event) => {
            assert_eq!(event.event_id, "evt_2");
            assert_eq!(event.usage.total_tokens, Some(42));
            assert_eq!(event.usage.additional_properties["cached_tokens"], 7);
        }
        other => panic!("not response.done: {other:?}"),
    }
}

#[test]
fn a_server_event_of_an_unknown_type_is_kept_as_it_was_sent() {
    let future = json!({"event_id": "evt_3", "type": "response.paused", "after_ms": 10});
    match round_trip::<ServerEvent>(future.clone()) {
        ServerEvent::Unknown(value) => assert_eq!(value, future),
        other => panic!("a type this crate does not know became {other:?}"),
    }
    // A known tag on a value without a field that alternative requires is an error, as in
    // any tagged union: the tag says which type the value claims to be.
    let broken = json!({"event_id": "evt_4", "type": "response.done", "response_id": "r"});
    assert!(serde_json::from_value::<ServerEvent>(broken).is_err());
}

#[test]
fn merged_variants_are_built_and_written_with_their_tag() {
    let event: ServerEvent = ServerEventResponseCreated::new("evt_9", "resp_9").into();
    assert_eq!(
        serde_json::to_value(&event).unwrap(),
        json!({"event_id": "evt_9", "type": "response.created", "response_id": "resp_9"})
    );
    let usage = ResponseDoneUsage::new().total_tokens(3);
    assert_eq!(
        serde_json::to_value(&usage).unwrap(),
        json!({"total_tokens": 3})
    );
}

#[test]
fn stream_events_keep_the_optional_stream_id_after_the_alternatives() {
    let with_lane = json!({
        "type": "response.created",
        "response_id": "resp_1",
        "stream_id": "lane-2"
    });
    match round_trip::<StreamEvent>(with_lane) {
        StreamEvent::ResponseCreated(event) => {
            assert_eq!(event.stream_id.as_deref(), Some("lane-2"));
        }
        other => panic!("not response.created: {other:?}"),
    }
    let without_lane = json!({"type": "response.done", "response_id": "resp_1", "usage": {}});
    match round_trip::<StreamEvent>(without_lane) {
        StreamEvent::ResponseDone(event) => assert_eq!(event.stream_id, None),
        other => panic!("not response.done: {other:?}"),
    }
    let unknown = json!({"type": "rate_limits.updated", "stream_id": "lane-2"});
    assert!(matches!(
        round_trip::<StreamEvent>(unknown),
        StreamEvent::Unknown(_)
    ));
}

#[test]
fn tool_choice_reads_a_string_or_an_object_through_the_nullable_all_of() {
    let string = json!({"assistant_id": "asst_1", "tool_choice": "auto"});
    let request = round_trip::<RunRequest>(string);
    assert_eq!(
        request.tool_choice,
        Some(ToolChoiceOption::Variant1(ToolChoiceOptionVariant1::Auto))
    );
    let named = json!({
        "assistant_id": "asst_1",
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}}
    });
    match round_trip::<RunRequest>(named).tool_choice {
        Some(ToolChoiceOption::NamedToolChoice(choice)) => {
            assert_eq!(choice.r#type, NamedToolChoiceType::Function);
            assert_eq!(
                choice.function.map(|f| f.name).as_deref(),
                Some("get_weather")
            );
        }
        other => panic!("not a named tool choice: {other:?}"),
    }
    // A mode this crate does not know is kept by the string enum.
    let newer = json!({"assistant_id": "asst_1", "tool_choice": "sometimes"});
    assert_eq!(
        round_trip::<RunRequest>(newer).tool_choice,
        Some(ToolChoiceOption::Variant1(
            ToolChoiceOptionVariant1::Unknown("sometimes".into())
        ))
    );
    // Neither a string nor an object: the union's fallback keeps it.
    let number = json!({"assistant_id": "asst_1", "tool_choice": 3});
    assert_eq!(
        round_trip::<RunRequest>(number).tool_choice,
        Some(ToolChoiceOption::Unknown(json!(3)))
    );
}

#[test]
fn the_inline_fallback_choice_is_the_same_union() {
    let none = json!({"assistant_id": "a", "fallback_choice": "none"});
    assert_eq!(
        round_trip::<RunRequest>(none).fallback_choice,
        Some(RunRequestFallbackChoice::Variant1(
            RunRequestFallbackChoiceVariant1::None
        ))
    );
    let named = json!({"assistant_id": "a", "fallback_choice": {"type": "file_search"}});
    assert!(matches!(
        round_trip::<RunRequest>(named).fallback_choice,
        Some(RunRequestFallbackChoice::NamedToolChoice(_))
    ));
    let built = RunRequest::new("a").fallback_choice("auto");
    assert_eq!(
        serde_json::to_value(&built).unwrap(),
        json!({"assistant_id": "a", "fallback_choice": "auto"})
    );
}

#[test]
fn shapes_are_told_apart_by_the_discriminator_mapping() {
    let circle = json!({"id": "s1", "kind": "circle", "radius": 2.5, "fill": "red"});
    match round_trip::<Shape>(circle) {
        Shape::Circle(circle) => {
            assert_eq!(circle.id, "s1");
            assert_eq!(circle.radius, 2.5);
            assert_eq!(circle.additional_properties["fill"], "red");
        }
        other => panic!("not a circle: {other:?}"),
    }
    let square = json!({"id": "s2", "kind": "square", "side": 4.0});
    assert!(matches!(round_trip::<Shape>(square), Shape::Square(_)));
    let triangle = json!({"id": "s3", "kind": "triangle", "sides": [3, 4, 5]});
    assert!(matches!(round_trip::<Shape>(triangle), Shape::Unknown(_)));
}

#[test]
fn pets_merge_the_nested_all_of_of_their_alternative() {
    let cat = json!({"name": "Tom", "pet_type": "cat", "tags": ["grey"], "indoor": true});
    match round_trip::<Pet>(cat) {
        Pet::Cat(cat) => {
            assert_eq!(cat.name, "Tom");
            assert_eq!(cat.pet_type, PetCatPetType::Cat);
            assert_eq!(cat.tags, Some(vec!["grey".to_owned()]));
            assert_eq!(cat.indoor, Some(true));
        }
        other => panic!("not a cat: {other:?}"),
    }
    let dog = json!({"name": "Rex", "pet_type": "dog", "bark": "loud", "chip": "A1"});
    match round_trip::<Pet>(dog) {
        Pet::Dog(dog) => {
            assert_eq!(dog.bark.as_deref(), Some("loud"));
            assert_eq!(dog.additional_properties["chip"], "A1");
        }
        other => panic!("not a dog: {other:?}"),
    }
    let fish = json!({"name": "Nemo", "pet_type": "fish"});
    assert!(matches!(round_trip::<Pet>(fish), Pet::Unknown(_)));
}

#[test]
fn subtypes_that_include_their_base_stay_what_they_are() {
    let car = json!({"vehicle_type": "Car", "wheels": 4, "doors": 5});
    match round_trip::<Vehicle>(car) {
        Vehicle::Car(car) => assert_eq!((car.wheels, car.doors), (Some(4), Some(5))),
        other => panic!("not a car: {other:?}"),
    }
    let bike = json!({"vehicle_type": "Bike", "gears": 21});
    assert!(matches!(round_trip::<Vehicle>(bike), Vehicle::Bike(_)));
    let boat = json!({"vehicle_type": "Boat"});
    assert!(matches!(round_trip::<Vehicle>(boat), Vehicle::Unknown(_)));
}

#[test]
fn alternatives_that_only_require_a_property_make_one_struct() {
    let ids = round_trip::<BatchRequest>(json!({"file_ids": ["f1", "f2"]}));
    assert_eq!(ids.file_ids.map(|ids| ids.len()), Some(2));
    let files = round_trip::<BatchRequest>(json!({"files": ["f3"], "attributes": {"k": "v"}}));
    assert_eq!(files.additional_properties["attributes"], json!({"k": "v"}));
    assert_eq!(
        serde_json::to_value(BatchRequest::new().files(vec!["f4".to_owned()])).unwrap(),
        json!({"files": ["f4"]})
    );
}

#[test]
fn two_one_ofs_make_every_pair() {
    let cases = [
        (
            json!({"name": "web", "repository": "git@x:web", "cluster": "c1"}),
            0,
        ),
        (json!({"repository": "git@x:web", "region": "eu"}), 1),
        (json!({"name": "api", "image": "api:1", "cluster": "c2"}), 2),
        (json!({"image": "api:1", "region": "us", "replicas": 3}), 3),
    ];
    for (json, expected) in cases {
        let variant = match round_trip::<Deployment>(json.clone()) {
            Deployment::GitSourceClusterTarget(d) => {
                assert_eq!(
                    (d.repository.as_str(), d.cluster.as_str()),
                    ("git@x:web", "c1")
                );
                0
            }
            Deployment::GitSourceRegionTarget(d) => {
                assert_eq!(d.region, "eu");
                1
            }
            Deployment::ImageSourceClusterTarget(d) => {
                assert_eq!(d.name.as_deref(), Some("api"));
                2
            }
            Deployment::ImageSourceRegionTarget(d) => {
                assert_eq!(d.additional_properties["replicas"], 3);
                3
            }
            Deployment::Unknown(value) => panic!("{value} matched no pair"),
            // The union is `#[non_exhaustive]`.
            other => panic!("a variant this test does not know: {other:?}"),
        };
        assert_eq!(variant, expected, "{json}");
    }
    // A source without a target is no pair: kept in the fallback.
    let half = json!({"name": "x", "image": "api:1"});
    assert_eq!(
        round_trip::<Deployment>(half.clone()),
        Deployment::Unknown(half)
    );
    let built: Deployment = DeploymentGitSourceClusterTarget::new("r", "c")
        .name("n")
        .into();
    assert_eq!(
        serde_json::to_value(&built).unwrap(),
        json!({"name": "n", "repository": "r", "cluster": "c"})
    );
}

#[test]
fn a_string_alternative_next_to_properties_holds_the_string_alone() {
    assert_eq!(
        round_trip::<Label>(json!("urgent")),
        Label::String("urgent".into())
    );
    match round_trip::<Label>(json!({"text": "urgent", "color": "red"})) {
        Label::Variant2(label) => {
            assert_eq!(
                (label.text.as_str(), label.color.as_deref()),
                ("urgent", Some("red"))
            );
        }
        other => panic!("not the object: {other:?}"),
    }
    assert_eq!(
        round_trip::<Label>(json!({"color": "red"})),
        Label::Unknown(json!({"color": "red"}))
    );
}

#[tokio::test]
async fn the_client_sends_and_reads_merged_unions_over_http() {
    let event = json!({"event_id": "evt_1", "type": "response.created", "response_id": "r1"});
    let run = json!({"assistant_id": "asst_1", "tool_choice": "required"});
    let server = TestServer::start([Reply::json(200, event), Reply::json(200, run.clone())]).await;
    let client = fixture_all_of_unions::Client::builder()
        .api_key("test")
        .base_url(server.url())
        .max_retries(0)
        .http_client(reqwest::Client::builder().no_proxy().build().unwrap())
        .build()
        .unwrap();
    assert!(matches!(
        client.next_event().await.unwrap(),
        ServerEvent::ResponseCreated(_)
    ));
    let request = RunRequest::new("asst_1").tool_choice("required");
    let answer = client.create_run(&request).await.unwrap();
    assert_eq!(answer, request);
    assert_eq!(server.requests()[1].json(), run);
}

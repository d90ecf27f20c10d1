//! `spec/deepshi.yaml` against the Deepshi reference page: every field the page documents is a
//! property in the spec, with the page's ranges.

use serde_json::Value;

fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/deepshi.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn schema<'a>(spec: &'a Value, name: &str) -> &'a Value {
    spec.pointer(&format!("/components/schemas/{name}"))
        .unwrap_or_else(|| panic!("schema {name} is missing"))
}

fn property_names(schema: &Value) -> Vec<&str> {
    schema["properties"]
        .as_object()
        .map_or_else(Vec::new, |p| p.keys().map(String::as_str).collect())
}

#[test]
fn every_request_field_of_the_page_is_in_the_spec() {
    let spec = spec();
    let request = property_names(schema(&spec, "CreateChatCompletionRequest"));
    for field in [
        "model",
        "messages",
        "temperature",
        "top_p",
        "max_tokens",
        "max_completion_tokens",
        "stop",
        "stream",
        "stream_options",
        "seed",
        "n",
        "frequency_penalty",
        "presence_penalty",
        "logit_bias",
        "logprobs",
        "top_logprobs",
        "response_format",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "user",
    ] {
        assert!(
            request.contains(&field),
            "CreateChatCompletionRequest lacks `{field}`"
        );
    }
    let message = property_names(schema(&spec, "ChatMessage"));
    for field in ["role", "content", "name", "tool_call_id", "tool_calls"] {
        assert!(message.contains(&field), "ChatMessage lacks `{field}`");
    }
    assert_eq!(
        property_names(schema(&spec, "StreamOptions")),
        ["include_usage"]
    );
    let function = property_names(schema(&spec, "FunctionDefinition"));
    assert_eq!(function, ["name", "description", "parameters", "strict"]);
}

#[test]
fn every_response_field_of_the_page_is_in_the_spec() {
    let spec = spec();
    let fields = |name: &str| {
        property_names(schema(&spec, name))
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let expect = |name: &str, wanted: &[&str]| {
        let have = fields(name);
        for field in wanted {
            assert!(have.iter().any(|h| h == field), "{name} lacks `{field}`");
        }
    };
    expect(
        "ChatCompletion",
        &[
            "id",
            "object",
            "created",
            "model",
            "choices",
            "usage",
            "system_fingerprint",
        ],
    );
    expect(
        "ChatCompletionChoice",
        &["index", "finish_reason", "message", "logprobs"],
    );
    expect(
        "ChatCompletionMessage",
        &[
            "role",
            "content",
            "refusal",
            "reasoning",
            "reasoning_details",
            "tool_calls",
        ],
    );
    expect("ToolCall", &["id", "type", "index", "function"]);
    expect("FunctionCall", &["name", "arguments"]);
    expect(
        "Usage",
        &[
            "prompt_tokens",
            "prompt_tokens_details",
            "completion_tokens",
            "completion_tokens_details",
            "total_tokens",
            "cost",
        ],
    );
    expect(
        "PromptTokensDetails",
        &["cached_tokens", "cached_read_tokens", "image_tokens"],
    );
    expect(
        "CompletionTokensDetails",
        &["reasoning_tokens", "image_tokens"],
    );
    expect("UsageCost", &["total_cost"]);
    expect(
        "ChatCompletionDelta",
        &["role", "content", "reasoning", "tool_calls"],
    );
    expect("ToolCallDelta", &["index"]);
    expect("ErrorDetail", &["message", "type", "param", "code"]);
    expect("Model", &["id", "object", "created", "owned_by"]);
}

#[test]
fn the_page_ranges_are_minimum_and_maximum() {
    let spec = spec();
    let request = &schema(&spec, "CreateChatCompletionRequest")["properties"];
    for (field, min, max) in [
        ("temperature", 0.0, 2.0),
        ("top_p", 0.0, 1.0),
        ("frequency_penalty", -2.0, 2.0),
        ("presence_penalty", -2.0, 2.0),
        ("top_logprobs", 0.0, 20.0),
    ] {
        assert_eq!(
            request[field]["minimum"].as_f64(),
            Some(min),
            "{field} minimum"
        );
        assert_eq!(
            request[field]["maximum"].as_f64(),
            Some(max),
            "{field} maximum"
        );
    }
    assert_eq!(schema(&spec, "StopSequences")["oneOf"][1]["maxItems"], 4);
    let modes = &schema(&spec, "ToolChoiceMode")["enum"];
    assert_eq!(modes, &serde_json::json!(["none", "auto", "required"]));
    let roles = &schema(&spec, "ChatRole")["enum"];
    assert_eq!(
        roles,
        &serde_json::json!(["system", "developer", "user", "assistant", "tool"])
    );
}

#[test]
fn operations_and_servers_match_the_page() {
    let spec = spec();
    assert_eq!(spec["servers"][0]["url"], "https://api.deepshi.ai/v1");
    assert_eq!(
        spec["paths"]["/chat/completions"]["post"]["operationId"],
        "createChatCompletion"
    );
    assert_eq!(spec["paths"]["/models"]["get"]["operationId"], "listModels");
    assert_eq!(
        spec["components"]["securitySchemes"]["bearerAuth"]["scheme"],
        "bearer"
    );
    let content = &spec["paths"]["/chat/completions"]["post"]["responses"]["200"]["content"];
    assert!(
        content.get("application/json").is_some() && content.get("text/event-stream").is_some()
    );
}

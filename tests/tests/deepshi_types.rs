//! Serde behaviour of the generated Deepshi types: the reference page's JSON, lenient reading of
//! responses, strict writing of requests, and exact round trips.

use deepshi::types::{
    ChatCompletion, ChatCompletionChunk, ChatMessage, ChatMessageContent, ChatRole, ContentPart,
    ContentPartImage, ContentPartText, CreateChatCompletionRequest, ErrorCode, ErrorResponse,
    FinishReason, ImageUrl, ModelList, NamedToolChoice, NamedToolChoiceFunction, ResponseFormat,
    ResponseFormatJsonObject, StopSequences, ToolChoice, ToolChoiceMode,
};
use serde_json::{Value, json};

/// The response example of the Deepshi reference page, as printed there.
const PAGE_RESPONSE: &str = r#"{
  "id": "<string>",
  "object": "chat.completion",
  "created": 123,
  "model": "gpt-4o",
  "choices": [
    {
      "index": 123,
      "finish_reason": "<string>",
      "message": {
        "role": "assistant",
        "content": "<string>",
        "refusal": "<string>",
        "reasoning": "<string>",
        "reasoning_details": [{}],
        "tool_calls": [
          {"id": "<string>", "type": "function", "index": 123,
           "function": {"name": "<string>", "arguments": "<string>"}}
        ]
      },
      "logprobs": {}
    }
  ],
  "usage": {
    "prompt_tokens": 123,
    "prompt_tokens_details": {"cached_tokens": 123, "cached_read_tokens": 123, "image_tokens": 123},
    "completion_tokens": 123,
    "completion_tokens_details": {"reasoning_tokens": 123, "image_tokens": 123},
    "total_tokens": 123,
    "cost": {"total_cost": 0.000135}
  },
  "system_fingerprint": "<string>"
}"#;

/// Reads `text` as `T`, writes it back, and checks the JSON is unchanged.
fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(text: &str) -> T {
    let value: T = serde_json::from_str(text).unwrap();
    let written = serde_json::to_value(&value).unwrap();
    let original: Value = serde_json::from_str(text).unwrap();
    assert_eq!(
        written, original,
        "the JSON written differs from the JSON read"
    );
    value
}

#[test]
fn the_reference_page_response_reads_and_round_trips() {
    let completion: ChatCompletion = round_trip(PAGE_RESPONSE);
    let choice = &completion.choices[0];
    assert_eq!(
        choice.finish_reason,
        Some(FinishReason::Unknown("<string>".into()))
    );
    let message = &choice.message;
    assert_eq!(message.role, ChatRole::Assistant);
    assert_eq!(message.reasoning.as_deref(), Some("<string>"));
    let call = &message.tool_calls.as_ref().unwrap()[0];
    assert_eq!((call.id.as_str(), call.index), ("<string>", Some(123)));
    assert_eq!(call.function.arguments, "<string>");
    let usage = completion.usage.unwrap();
    assert_eq!(usage.total_tokens, 123);
    assert_eq!(usage.cost.unwrap().total_cost, Some(0.000135));
    assert_eq!(
        usage.prompt_tokens_details.unwrap().cached_read_tokens,
        Some(123)
    );
}

#[test]
fn the_reference_page_request_reads_and_round_trips() {
    let text = r#"{
      "model": "deepshi-3.0",
      "messages": [{"role": "user", "content": "<string>", "name": "<string>", "tool_call_id": "<string>",
        "tool_calls": [{"id": "<string>", "type": "function", "index": 123,
                        "function": {"name": "<string>", "arguments": "<string>"}}]}],
      "temperature": 1, "top_p": 0.5, "max_tokens": 123, "max_completion_tokens": 123,
      "stop": "<string>", "stream": true, "stream_options": {"include_usage": true},
      "seed": 123, "n": 123, "frequency_penalty": 0, "presence_penalty": 0, "logit_bias": {},
      "logprobs": true, "top_logprobs": 10, "response_format": {"type": "json_object"},
      "tools": [{"type": "function", "function": {"name": "<string>", "description": "<string>",
                 "parameters": {}, "strict": true}}],
      "tool_choice": "auto", "parallel_tool_calls": true, "user": "<string>"
    }"#;
    let request: CreateChatCompletionRequest = serde_json::from_str(text).unwrap();
    assert_eq!(request.stop, Some(StopSequences::One("<string>".into())));
    assert_eq!(
        request.tool_choice,
        Some(ToolChoice::Mode(ToolChoiceMode::Auto))
    );
    assert!(matches!(
        request.response_format,
        Some(ResponseFormat::JsonObject(_))
    ));
    // Numbers written as `1` come back as `1.0`: compare as numbers, not text.
    let written = serde_json::to_value(&request).unwrap();
    let original: Value = serde_json::from_str(text).unwrap();
    assert_eq!(
        written["temperature"].as_f64(),
        original["temperature"].as_f64()
    );
    assert_eq!(written["messages"], original["messages"]);
    assert_eq!(written["tools"], original["tools"]);
}

#[test]
fn unknown_fields_are_kept_and_written_back() {
    let text = r#"{"object":"list","data":[{"id":"m","object":"model","created":1,"owned_by":"x","context_window":128000}],"has_more":false}"#;
    let list: ModelList = round_trip(text);
    assert_eq!(list.additional_properties["has_more"], json!(false));
    assert_eq!(
        list.data[0].additional_properties["context_window"],
        json!(128000)
    );
}

#[test]
fn unknown_enum_values_land_in_unknown_and_round_trip() {
    let reason: FinishReason = serde_json::from_str(r#""brand_new_reason""#).unwrap();
    assert_eq!(reason, FinishReason::Unknown("brand_new_reason".into()));
    assert_eq!(
        serde_json::to_string(&reason).unwrap(),
        r#""brand_new_reason""#
    );
    assert_eq!(reason.as_str(), "brand_new_reason");
    let role: ChatRole = serde_json::from_str(r#""critic""#).unwrap();
    assert_eq!(role.to_string(), "critic");
}

#[test]
fn null_and_missing_optional_fields_read_as_none() {
    let with_nulls = r#"{"id":"c","object":"chat.completion","created":1,"model":"m",
      "choices":[{"index":0,"finish_reason":null,"message":{"role":"assistant","content":null,"refusal":null},"logprobs":null}],
      "usage":null,"system_fingerprint":null}"#;
    let completion: ChatCompletion = serde_json::from_str(with_nulls).unwrap();
    assert_eq!(completion.usage, None);
    assert_eq!(completion.choices[0].message.content, None);
    let missing = r#"{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant"}}]}"#;
    let completion: ChatCompletion = serde_json::from_str(missing).unwrap();
    assert_eq!(completion.choices[0].finish_reason, None);
    assert_eq!(completion.system_fingerprint, None);
}

#[test]
fn reasoning_details_of_any_shape_are_accepted() {
    let text = r#"{"role":"assistant","reasoning_details":[{"type":"reasoning.text","text":"hm","signature":null},{"type":"reasoning.encrypted","data":"eyJ..."},{}]}"#;
    let message: deepshi::types::ChatCompletionMessage = round_trip(text);
    let details = message.reasoning_details.unwrap();
    assert_eq!(details.len(), 3);
    assert_eq!(details[1]["data"], json!("eyJ..."));
}

#[test]
fn content_reads_as_text_parts_or_null() {
    let parts = r#"{"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"https://x/y.png","detail":"high"}},{"type":"input_audio","input_audio":{}}]}"#;
    let message: ChatMessage = round_trip(parts);
    let Some(ChatMessageContent::Parts(parts)) = &message.content else {
        panic!("expected parts, got {:?}", message.content);
    };
    assert!(matches!(&parts[0], ContentPart::Text(text) if text.text == "What is this?"));
    assert!(
        matches!(&parts[1], ContentPart::Image(image) if image.image_url.url == "https://x/y.png")
    );
    assert!(matches!(&parts[2], ContentPart::Unknown(value) if value["type"] == "input_audio"));
    let null: ChatMessage =
        serde_json::from_str(r#"{"role":"assistant","content":null,"tool_calls":[]}"#).unwrap();
    assert_eq!(null.content, None);
}

#[test]
fn a_streamed_chunk_with_tool_call_deltas_and_usage_reads() {
    let text = r#"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m",
      "choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"ci"}}]},"finish_reason":null}],
      "usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#;
    let chunk: ChatCompletionChunk = serde_json::from_str(text).unwrap();
    let delta = &chunk.choices[0].delta.tool_calls.as_ref().unwrap()[0];
    assert_eq!(delta.index, 0);
    assert_eq!(
        delta.function.as_ref().unwrap().arguments.as_deref(),
        Some("{\"ci")
    );
    assert_eq!(chunk.usage.unwrap().total_tokens, 3);
}

#[test]
fn error_codes_are_strings_or_integers() {
    let text = r#"{"error":{"message":"bad","type":"invalid_request_error","param":null,"code":"model_not_found"}}"#;
    let error: ErrorResponse = serde_json::from_str(text).unwrap();
    assert_eq!(
        error.error.code,
        Some(ErrorCode::Text("model_not_found".into()))
    );
    let numeric: ErrorResponse =
        serde_json::from_str(r#"{"error":{"message":"slow","code":429}}"#).unwrap();
    assert_eq!(numeric.error.code, Some(ErrorCode::Number(429)));
}

#[test]
fn a_request_writes_only_the_fields_that_were_set() {
    let request = CreateChatCompletionRequest::new(
        "deepshi-3.0",
        vec![
            ChatMessage::system().content("Answer in one word."),
            ChatMessage::user().content("Capital of France?"),
        ],
    )
    .temperature(0.2);
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({
            "model": "deepshi-3.0",
            "messages": [
                {"role": "system", "content": "Answer in one word."},
                {"role": "user", "content": "Capital of France?"}
            ],
            "temperature": 0.2
        })
    );
}

#[test]
fn unions_build_from_their_alternatives() {
    let request = CreateChatCompletionRequest::new("m", vec![])
        .stop(vec!["\n".to_owned(), "END".to_owned()])
        .tool_choice(NamedToolChoice::new(NamedToolChoiceFunction::new("lookup")))
        .response_format(ResponseFormatJsonObject::new());
    let message = ChatMessage::new(ChatRole::User).content(vec![
        ContentPart::from(ContentPartText::new("Describe")),
        ContentPart::from(ContentPartImage::new(ImageUrl::new(
            "data:image/png;base64,AAAA",
        ))),
    ]);
    let written = serde_json::to_value((&request, &message)).unwrap();
    assert_eq!(
        written,
        json!([
            {"model": "m", "messages": [], "stop": ["\n", "END"],
             "response_format": {"type": "json_object"},
             "tool_choice": {"type": "function", "function": {"name": "lookup"}}},
            {"role": "user", "content": [
                {"type": "text", "text": "Describe"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
            ]}
        ])
    );
}

/// A struct whose only required field is a small enum gets a constructor per value.
#[test]
fn role_constructors_are_new_with_that_role() {
    use deepshi::types::ChatRole;
    let cases = [
        (ChatMessage::system(), ChatRole::System, "system"),
        (ChatMessage::developer(), ChatRole::Developer, "developer"),
        (ChatMessage::user(), ChatRole::User, "user"),
        (ChatMessage::assistant(), ChatRole::Assistant, "assistant"),
        (ChatMessage::tool(), ChatRole::Tool, "tool"),
    ];
    for (message, role, wire) in cases {
        assert_eq!(message, ChatMessage::new(role));
        assert_eq!(
            serde_json::to_value(&message).unwrap(),
            serde_json::json!({ "role": wire })
        );
    }
}

//! Behaviour of the generated `deepshi` client over real HTTP, against a scripted server on
//! 127.0.0.1 (`support`): what goes on the wire, how responses, streams and errors decode,
//! retries, timeouts, secrets and configuration from the environment.

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use deepshi::types::{
    ChatCompletionChunk, ChatMessage, ChatRole, ContentPart, ContentPartImage, ContentPartText,
    CreateChatCompletionRequest, ErrorCode, FinishReason, FunctionCall, FunctionDefinition,
    ImageUrl, ImageUrlDetail, JsonSchemaFormat, NamedToolChoice, NamedToolChoiceFunction,
    ResponseFormatJsonObject, ResponseFormatJsonSchema, StreamOptions, Tool, ToolCall,
    ToolCallType, ToolChoiceMode,
};
use deepshi::{Client, ClientBuilder, Error, EventStream, RequestOptions, ResponseInfo};
use futures_util::StreamExt;
use serde_json::{Value, json};
use support::{Reply, TestServer, refused_url};

const KEY: &str = "sk-test";

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// An HTTP client that ignores proxy settings of the environment (`HTTP_PROXY`, `ALL_PROXY`):
/// these tests talk to 127.0.0.1 only and must never go through a proxy.
fn loopback_http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("HTTP client")
}

/// A builder for a client of `server` without retries and with fast backoff.
fn builder(server: &TestServer) -> ClientBuilder {
    Client::builder()
        .api_key(KEY)
        .base_url(server.url())
        .max_retries(0)
        .retry_backoff(ms(1), ms(20))
        .http_client(loopback_http())
}

fn client(server: &TestServer) -> Client {
    builder(server).build().expect("client")
}

fn ask(text: &str) -> CreateChatCompletionRequest {
    CreateChatCompletionRequest::new("deepshi-3.0", vec![ChatMessage::user().content(text)])
}

fn completion(content: &str) -> Value {
    json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1732790400,
        "model": "deepshi-3.0",
        "choices": [{
            "index": 0,
            "finish_reason": "stop",
            "message": {"role": "assistant", "content": content},
            "logprobs": null
        }]
    })
}

fn chunk(content: &str) -> Value {
    json!({
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1732790400,
        "model": "deepshi-3.0",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": null}]
    })
}

fn event(value: &Value) -> String {
    format!("data: {value}\n\n")
}

fn error_body(message: &str) -> Value {
    json!({"error": {"message": message, "type": "invalid_request_error", "param": null, "code": null}})
}

/// Everything the stream yields until it ends; fails the test if that takes over 10 s.
async fn drain(
    mut stream: EventStream<ChatCompletionChunk>,
) -> Vec<Result<ChatCompletionChunk, Error>> {
    tokio::time::timeout(Duration::from_secs(10), async {
        let mut items = Vec::new();
        while let Some(item) = stream.next().await {
            items.push(item);
        }
        items
    })
    .await
    .expect("the stream did not end within 10 s")
}

/// The concatenated delta contents of the chunks; panics on an error item.
fn text_of(items: &[Result<ChatCompletionChunk, Error>]) -> String {
    items
        .iter()
        .map(|item| match item {
            Ok(chunk) => chunk
                .choices
                .iter()
                .filter_map(|choice| choice.delta.content.as_deref())
                .collect::<String>(),
            Err(error) => panic!("unexpected error item: {error}"),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// 1. The wire format of requests
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn chat_completion_request_sends_every_field_as_set() {
    let server = TestServer::start([Reply::json(200, completion("ok"))]).await;
    let mut request = CreateChatCompletionRequest::new(
        "deepshi-3.0",
        vec![
            ChatMessage::system().content("You are terse."),
            ChatMessage::user().name("alice").content(vec![
                ContentPart::from(ContentPartText::new("What is in this image?")),
                ContentPart::from(ContentPartImage::new(
                    ImageUrl::new("https://example.com/cat.png").detail(ImageUrlDetail::High),
                )),
            ]),
            ChatMessage::assistant().tool_calls(vec![ToolCall::new(
                "call_1",
                FunctionCall::new("get_weather", r#"{"city":"Paris"}"#),
            )]),
            ChatMessage::tool()
                .tool_call_id("call_1")
                .content("18°C, sunny"),
        ],
    )
    .temperature(0.5)
    .top_p(0.9)
    .max_tokens(256)
    .max_completion_tokens(128)
    .stop("\n\n")
    .stream(false)
    .stream_options(StreamOptions::new().include_usage(true))
    .seed(42)
    .n(2)
    .frequency_penalty(0.25)
    .presence_penalty(-0.5)
    .logit_bias(BTreeMap::from([("50256".to_owned(), -100.0)]))
    .logprobs(true)
    .top_logprobs(3)
    .response_format(ResponseFormatJsonSchema::new(
        JsonSchemaFormat::new("answer")
            .description("The answer and its confidence.")
            .schema(json!({
                "type": "object",
                "properties": {"answer": {"type": "string"}, "confidence": {"type": "number"}},
                "required": ["answer"]
            }))
            .strict(true),
    ))
    .tools(vec![Tool::new(
        FunctionDefinition::new("get_weather")
            .description("Get the current weather for a city.")
            .parameters(json!({
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"]
            }))
            .strict(true),
    )])
    .tool_choice(ToolChoiceMode::Required)
    .parallel_tool_calls(false)
    .user("user-1234");
    // A model-specific field the spec does not name goes out as it is.
    request
        .additional_properties
        .insert("top_k".to_owned(), json!(40));

    let answer = client(&server)
        .create_chat_completion(&request)
        .await
        .expect("completion");
    assert_eq!(answer.choices[0].message.content.as_deref(), Some("ok"));

    let sent = server.only_request();
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.target, "/v1/chat/completions");
    assert_eq!(sent.header("authorization"), Some("Bearer sk-test"));
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(sent.header("accept"), Some("application/json"));
    let agent = sent.header("user-agent").expect("a user-agent");
    assert!(agent.starts_with("deepshi-rust/"), "{agent}");
    assert_eq!(
        sent.header("content-length"),
        Some(sent.body.len().to_string().as_str())
    );
    assert_eq!(
        sent.json(),
        json!({
            "model": "deepshi-3.0",
            "messages": [
                {"role": "system", "content": "You are terse."},
                {
                    "role": "user",
                    "name": "alice",
                    "content": [
                        {"type": "text", "text": "What is in this image?"},
                        {
                            "type": "image_url",
                            "image_url": {"url": "https://example.com/cat.png", "detail": "high"}
                        }
                    ]
                },
                {
                    "role": "assistant",
                    "tool_calls": [{
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}
                    }]
                },
                {"role": "tool", "tool_call_id": "call_1", "content": "18°C, sunny"}
            ],
            "temperature": 0.5,
            "top_p": 0.9,
            "max_tokens": 256,
            "max_completion_tokens": 128,
            "stop": "\n\n",
            "stream": false,
            "stream_options": {"include_usage": true},
            "seed": 42,
            "n": 2,
            "frequency_penalty": 0.25,
            "presence_penalty": -0.5,
            "logit_bias": {"50256": -100.0},
            "logprobs": true,
            "top_logprobs": 3,
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": "answer",
                    "description": "The answer and its confidence.",
                    "schema": {
                        "type": "object",
                        "properties": {
                            "answer": {"type": "string"},
                            "confidence": {"type": "number"}
                        },
                        "required": ["answer"]
                    },
                    "strict": true
                }
            },
            "tools": [{
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "description": "Get the current weather for a city.",
                    "parameters": {
                        "type": "object",
                        "properties": {"city": {"type": "string"}},
                        "required": ["city"]
                    },
                    "strict": true
                }
            }],
            "tool_choice": "required",
            "parallel_tool_calls": false,
            "user": "user-1234",
            "top_k": 40
        })
    );
}

#[tokio::test]
async fn unset_optional_fields_are_not_sent() {
    let server = TestServer::start([Reply::json(200, completion("ok"))]).await;
    client(&server)
        .create_chat_completion(&ask("Hi"))
        .await
        .expect("completion");
    let body = server.only_request().json();
    assert_eq!(
        body,
        json!({"model": "deepshi-3.0", "messages": [{"role": "user", "content": "Hi"}]})
    );
}

#[tokio::test]
async fn stop_tool_choice_and_response_format_variants_are_written_as_the_api_expects() {
    let variants = [
        (
            ask("a").stop(vec!["END".to_owned(), "\n\n".to_owned()]),
            "stop",
            json!(["END", "\n\n"]),
        ),
        (ask("b").stop("END"), "stop", json!("END")),
        (
            ask("c").tool_choice(ToolChoiceMode::Auto),
            "tool_choice",
            json!("auto"),
        ),
        (
            ask("d").tool_choice(ToolChoiceMode::None),
            "tool_choice",
            json!("none"),
        ),
        (
            ask("e").tool_choice(NamedToolChoice::new(NamedToolChoiceFunction::new(
                "get_weather",
            ))),
            "tool_choice",
            json!({"type": "function", "function": {"name": "get_weather"}}),
        ),
        (
            ask("f").response_format(ResponseFormatJsonObject::new()),
            "response_format",
            json!({"type": "json_object"}),
        ),
    ];
    let server = TestServer::start(
        std::iter::repeat_with(|| Reply::json(200, completion("ok"))).take(variants.len()),
    )
    .await;
    let client = client(&server);
    for (request, _, _) in &variants {
        client
            .create_chat_completion(request)
            .await
            .expect("completion");
    }
    let requests = server.requests();
    assert_eq!(requests.len(), variants.len());
    for ((_, field, expected), sent) in variants.iter().zip(&requests) {
        let body = sent.json();
        assert_eq!(&body[field], expected, "{body}");
        assert_eq!(
            body.as_object().unwrap().len(),
            3,
            "only model, messages, {field}: {body}"
        );
    }
}

#[tokio::test]
async fn base_url_with_trailing_slash_gives_the_same_path() {
    let server = TestServer::start([Reply::json(200, completion("ok"))]).await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(format!("{}/", server.url()))
        .http_client(loopback_http())
        .build()
        .unwrap();
    client.create_chat_completion(&ask("Hi")).await.unwrap();
    assert_eq!(server.only_request().target, "/v1/chat/completions");
}

// ---------------------------------------------------------------------------------------------
// 2. The plain method forces JSON, the stream method forces a stream
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn plain_call_sends_stream_false_even_when_the_request_asks_for_a_stream() {
    let server = TestServer::start([Reply::json(200, completion("ok"))]).await;
    let answer = client(&server)
        .create_chat_completion(&ask("Hi").stream(true))
        .await
        .expect("a JSON completion");
    assert_eq!(answer.choices[0].message.content.as_deref(), Some("ok"));
    let sent = server.only_request();
    assert_eq!(sent.json()["stream"], json!(false));
    assert_eq!(sent.header("accept"), Some("application/json"));
}

#[tokio::test]
async fn stream_call_sends_stream_true_and_accepts_event_streams() {
    let server = TestServer::start([
        Reply::sse([event(&chunk("a")), "data: [DONE]\n\n".to_owned()]),
        Reply::sse([event(&chunk("b")), "data: [DONE]\n\n".to_owned()]),
    ])
    .await;
    let client = client(&server);
    // Unset, and explicitly false: both go out as `true`.
    for request in [ask("Hi"), ask("Hi").stream(false)] {
        let stream = client
            .create_chat_completion_stream(&request)
            .await
            .expect("stream");
        drain(stream).await;
    }
    for sent in server.requests() {
        assert_eq!(sent.method, "POST");
        assert_eq!(sent.target, "/v1/chat/completions");
        assert_eq!(sent.json()["stream"], json!(true));
        assert_eq!(sent.header("accept"), Some("text/event-stream"));
        assert_eq!(sent.header("authorization"), Some("Bearer sk-test"));
        assert_eq!(sent.header("content-type"), Some("application/json"));
    }
    assert_eq!(server.requests().len(), 2);
}

// ---------------------------------------------------------------------------------------------
// 3. Responses
// ---------------------------------------------------------------------------------------------

/// Removes the member a JSON pointer names (e.g. `/choices/0/logprobs`).
fn remove(value: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let removed = value
        .pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .and_then(|object| object.remove(key));
    assert!(removed.is_some(), "nothing at {pointer}");
}

#[tokio::test]
async fn completion_with_tool_calls_reasoning_and_unknown_fields_decodes_and_round_trips() {
    let reasoning_details = json!([
        {"type": "reasoning.text", "text": "The user wants weather.", "signature": null},
        {"type": "reasoning.encrypted", "data": "ZW5j", "nested": {"a": [1, 2.5, {"b": null}]}},
        {"format": "other-provider", "index": 3, "flags": [true, false]}
    ]);
    let response = json!({
        "id": "chatcmpl-42",
        "object": "chat.completion",
        "created": 1732790400,
        "model": "deepshi-3.0",
        "choices": [{
            "index": 0,
            "finish_reason": "tool_calls",
            "message": {
                "role": "assistant",
                "content": null,
                "refusal": null,
                "reasoning": "Call the weather tool twice.",
                "reasoning_details": reasoning_details,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "index": 0,
                        "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}
                    },
                    {
                        "id": "call_2",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"}
                    }
                ],
                "annotations": []
            },
            "logprobs": null,
            "native_finish_reason": "TOOL_USE"
        }],
        "usage": {
            "prompt_tokens": 24,
            "prompt_tokens_details": {"cached_tokens": 4},
            "completion_tokens": 8,
            "completion_tokens_details": {"reasoning_tokens": 5},
            "total_tokens": 32,
            "cost": {"total_cost": 0.000135, "currency": "USD"}
        },
        "system_fingerprint": null,
        "provider": "deepshi-east",
        "service_tier": null
    });
    let server =
        TestServer::start([Reply::json(200, response.clone()).header("x-request-id", "req_ok")])
            .await;
    let answer = client(&server)
        .create_chat_completion(&ask("Weather in Paris and Oslo?"))
        .await
        .expect("completion");

    assert_eq!(answer.id, "chatcmpl-42");
    assert_eq!(answer.system_fingerprint, None);
    assert_eq!(
        answer.additional_properties["provider"],
        json!("deepshi-east")
    );
    assert_eq!(answer.additional_properties["service_tier"], Value::Null);
    let choice = &answer.choices[0];
    assert_eq!(choice.finish_reason, Some(FinishReason::ToolCalls));
    assert_eq!(choice.logprobs, None);
    assert_eq!(
        choice.additional_properties["native_finish_reason"],
        json!("TOOL_USE")
    );
    let message = &choice.message;
    assert_eq!(message.role, ChatRole::Assistant);
    assert_eq!(message.content, None);
    assert_eq!(message.refusal, None);
    assert_eq!(
        message.reasoning.as_deref(),
        Some("Call the weather tool twice.")
    );
    assert_eq!(
        Value::Array(message.reasoning_details.clone().unwrap()),
        reasoning_details
    );
    assert_eq!(message.additional_properties["annotations"], json!([]));
    let calls = message.tool_calls.as_ref().expect("tool calls");
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].id, "call_1");
    assert_eq!(calls[0].r#type, ToolCallType::Function);
    assert_eq!(calls[0].index, Some(0));
    assert_eq!(calls[0].function.name, "get_weather");
    assert_eq!(calls[0].function.arguments, r#"{"city":"Paris"}"#);
    assert_eq!(calls[1].index, None);
    assert_eq!(calls[1].function.arguments, r#"{"city":"Oslo"}"#);
    let usage = answer.usage.as_ref().expect("usage");
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens
        ),
        (24, 8, 32)
    );
    assert_eq!(
        usage.prompt_tokens_details.as_ref().unwrap().cached_tokens,
        Some(4)
    );
    assert_eq!(
        usage
            .completion_tokens_details
            .as_ref()
            .unwrap()
            .reasoning_tokens,
        Some(5)
    );
    let cost = usage.cost.as_ref().unwrap();
    assert_eq!(cost.total_cost, Some(0.000135));
    assert_eq!(cost.additional_properties["currency"], json!("USD"));

    // Written back, it is what the server sent, less the nulls of known optional fields.
    let mut expected = response;
    for pointer in [
        "/choices/0/message/content",
        "/choices/0/message/refusal",
        "/choices/0/logprobs",
        "/system_fingerprint",
    ] {
        remove(&mut expected, pointer);
    }
    assert_eq!(serde_json::to_value(&answer).unwrap(), expected);
}

#[tokio::test]
async fn unknown_enum_values_and_null_fields_are_accepted_and_round_trip() {
    let response = json!({
        "id": "chatcmpl-7",
        "object": "chat.completion",
        "created": 1732790400,
        "model": "deepshi-3.0",
        "choices": [
            {
                "index": 0,
                "finish_reason": "end_turn",
                "message": {"role": "assistant", "content": "Paris."}
            },
            {
                "index": 1,
                "finish_reason": null,
                "message": {"role": "critic", "content": "Paris, France.", "tool_calls": null},
                "logprobs": {"content": [{"token": "Paris", "logprob": -0.01}]}
            }
        ],
        "usage": null
    });
    let server = TestServer::start([Reply::json(200, response)]).await;
    let answer = client(&server)
        .create_chat_completion(&ask("Capital of France?").n(2))
        .await
        .expect("completion");
    assert_eq!(
        answer.choices[0].finish_reason,
        Some(FinishReason::Unknown("end_turn".to_owned()))
    );
    assert_eq!(answer.choices[1].finish_reason, None);
    assert_eq!(
        answer.choices[1].message.role,
        ChatRole::Unknown("critic".to_owned())
    );
    assert_eq!(answer.choices[1].message.tool_calls, None);
    assert_eq!(
        answer.choices[1].logprobs,
        Some(json!({"content": [{"token": "Paris", "logprob": -0.01}]}))
    );
    assert_eq!(answer.usage, None);

    let written = serde_json::to_value(&answer).unwrap();
    assert_eq!(written["choices"][0]["finish_reason"], json!("end_turn"));
    assert_eq!(written["choices"][1]["message"]["role"], json!("critic"));
    assert!(
        written["choices"][1].get("finish_reason").is_none(),
        "{written}"
    );
    assert!(written.get("usage").is_none(), "{written}");
    // And it reads back to the same value.
    let again: deepshi::types::ChatCompletion = serde_json::from_value(written).unwrap();
    assert_eq!(again, answer);
}

#[tokio::test]
async fn list_models_is_a_get_and_decodes_the_list() {
    let server = TestServer::start([Reply::json(
        200,
        json!({
            "object": "list",
            "data": [
                {"id": "deepshi-3.0", "object": "model", "created": 1730419200, "owned_by": "deepshi"},
                {
                    "id": "gpt-4o", "object": "model", "created": 1715367049, "owned_by": "openai",
                    "context_length": 128000
                }
            ]
        }),
    )])
    .await;
    let models = client(&server).list_models().await.expect("models");
    let ids: Vec<&str> = models.data.iter().map(|model| model.id.as_str()).collect();
    assert_eq!(ids, ["deepshi-3.0", "gpt-4o"]);
    assert_eq!(models.data[1].owned_by, "openai");
    assert_eq!(
        models.data[1].additional_properties["context_length"],
        json!(128000)
    );

    let sent = server.only_request();
    assert_eq!(sent.method, "GET");
    assert_eq!(sent.target, "/v1/models");
    assert_eq!(sent.header("authorization"), Some("Bearer sk-test"));
    assert_eq!(sent.header("accept"), Some("application/json"));
    assert_eq!(sent.header("content-type"), None);
    assert!(sent.body.is_empty());
}

/// `{"object":"list","data":[{"id":"m1","object":"model","created":1,"owned_by":"x"}]}`,
/// gzip-compressed (Python's `gzip.compress(.., mtime=0)`).
const GZIPPED_MODELS: [u8; 88] = [
    31, 139, 8, 0, 0, 0, 0, 0, 2, 3, 171, 86, 202, 79, 202, 74, 77, 46, 81, 178, 82, 202, 201, 44,
    46, 81, 210, 81, 74, 73, 44, 73, 84, 178, 138, 174, 86, 202, 76, 1, 10, 230, 26, 2, 133, 224,
    74, 114, 243, 83, 82, 115, 128, 2, 201, 69, 169, 137, 37, 169, 64, 121, 67, 160, 100, 121, 94,
    106, 74, 124, 82, 37, 80, 186, 66, 169, 54, 182, 22, 0, 179, 54, 98, 150, 82, 0, 0, 0,
];

#[tokio::test]
async fn gzip_compressed_responses_are_asked_for_and_decoded() {
    let server = TestServer::start([
        Reply::raw(200, "application/json", GZIPPED_MODELS).header("content-encoding", "gzip")
    ])
    .await;
    let models = client(&server).list_models().await.expect("models");
    assert_eq!(models.data[0].id, "m1");
    let sent = server.only_request();
    assert!(
        sent.header("accept-encoding")
            .is_some_and(|value| value.contains("gzip")),
        "{:?}",
        sent.headers
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Streaming
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn stream_yields_typed_chunks_in_order_skipping_comments_with_usage_last() {
    let first = json!({
        "id": "chatcmpl-9", "object": "chat.completion.chunk", "created": 1732790400,
        "model": "deepshi-3.0", "system_fingerprint": "fp_1",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": null}]
    });
    let tool = json!({
        "id": "chatcmpl-9", "object": "chat.completion.chunk", "created": 1732790400,
        "model": "deepshi-3.0",
        "choices": [{"index": 0, "delta": {"tool_calls": [{
            "index": 0, "id": "call_1", "type": "function",
            "function": {"name": "get_weather", "arguments": "{\"ci"}
        }]}}]
    });
    let last = json!({
        "id": "chatcmpl-9", "object": "chat.completion.chunk", "created": 1732790400,
        "model": "deepshi-3.0",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        "usage": null
    });
    let usage = json!({
        "id": "chatcmpl-9", "object": "chat.completion.chunk", "created": 1732790400,
        "model": "deepshi-3.0", "choices": [],
        "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13, "cost": {"total_cost": 0.00002}}
    });
    let server = TestServer::start([Reply::sse([
        ": keep-alive\n\n".to_owned(),
        event(&first),
        ": OPENROUTER PROCESSING\n\n".to_owned(),
        // Two events in one chunk, then a comment line inside the next event.
        format!("{}{}", event(&chunk("Hel")), event(&chunk("lo"))),
        format!(": ping\ndata: {}\n\n", chunk(", world")),
        event(&tool),
        event(&last),
        event(&usage),
        "data: [DONE]\n\n".to_owned(),
    ])
    .header("x-request-id", "req_stream")])
    .await;
    let stream = client(&server)
        .create_chat_completion_stream(
            &ask("Hi").stream_options(StreamOptions::new().include_usage(true)),
        )
        .await
        .expect("stream");
    assert_eq!(stream.request_id(), Some("req_stream"));
    let items = drain(stream).await;
    assert_eq!(items.len(), 7, "{items:#?}");
    assert_eq!(text_of(&items), "Hello, world");
    let chunks: Vec<ChatCompletionChunk> = items.into_iter().map(Result::unwrap).collect();
    assert_eq!(chunks[0].choices[0].delta.role, Some(ChatRole::Assistant));
    assert_eq!(chunks[0].system_fingerprint.as_deref(), Some("fp_1"));
    let deltas: Vec<Option<&str>> = chunks[1..4]
        .iter()
        .map(|chunk| chunk.choices[0].delta.content.as_deref())
        .collect();
    assert_eq!(deltas, [Some("Hel"), Some("lo"), Some(", world")]);
    let call = &chunks[4].choices[0].delta.tool_calls.as_ref().unwrap()[0];
    assert_eq!(call.index, 0);
    assert_eq!(call.id.as_deref(), Some("call_1"));
    assert_eq!(
        call.function.as_ref().unwrap().arguments.as_deref(),
        Some("{\"ci")
    );
    assert_eq!(chunks[5].choices[0].finish_reason, Some(FinishReason::Stop));
    assert_eq!(chunks[5].usage, None);
    assert!(chunks[6].choices.is_empty());
    let usage = chunks[6].usage.as_ref().expect("usage on the last chunk");
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens
        ),
        (10, 3, 13)
    );
    assert_eq!(usage.cost.as_ref().unwrap().total_cost, Some(0.00002));
}

#[tokio::test]
async fn stream_with_crlf_line_ends() {
    let body = format!(
        ": hello\r\n\r\ndata: {}\r\n\r\ndata: {}\r\n\r\ndata: [DONE]\r\n\r\n",
        chunk("one "),
        chunk("two")
    );
    let server = TestServer::start([Reply::sse([body])]).await;
    let stream = client(&server)
        .create_chat_completion_stream(&ask("Hi"))
        .await
        .expect("stream");
    let items = drain(stream).await;
    assert_eq!(items.len(), 2);
    assert_eq!(text_of(&items), "one two");
}

#[tokio::test]
async fn stream_delivered_one_byte_at_a_time() {
    // Multi-byte characters get split across chunks too.
    let body = format!(
        ": keep-alive\r\n\r\ndata: {}\n\ndata: {}\r\n\r\ndata: {}\n\ndata: [DONE]\n\n",
        chunk("Größe "),
        chunk("日本語 "),
        chunk("🦀")
    );
    let server =
        TestServer::start([Reply::sse(body.bytes().map(|byte| vec![byte])).gap(ms(0))]).await;
    let stream = client(&server)
        .create_chat_completion_stream(&ask("Hi"))
        .await
        .expect("stream");
    let items = drain(stream).await;
    assert_eq!(items.len(), 3);
    assert_eq!(text_of(&items), "Größe 日本語 🦀");
}

#[tokio::test]
async fn stream_ends_at_done_without_waiting_for_the_connection_to_close() {
    // After [DONE] the server keeps the connection open for 5 s and then sends more.
    let server = TestServer::start([Reply::sse([
        event(&chunk("done soon")),
        "data: [DONE]\n\n".to_owned(),
    ])
    .chunk_after(Duration::from_secs(5), event(&chunk("after done")))])
    .await;
    let started = Instant::now();
    let stream = client(&server)
        .create_chat_completion_stream(&ask("Hi"))
        .await
        .expect("stream");
    let items = drain(stream).await;
    assert_eq!(text_of(&items), "done soon");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the stream waited for the connection: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn error_in_the_stream_yields_an_api_error_and_ends_the_stream() {
    let error_payload =
        json!({"error": {"message": "upstream overloaded", "type": "server_error", "code": 502}});
    // A chunk whose `error` member is null is an ordinary chunk.
    let mut partial = chunk("partial");
    partial["error"] = Value::Null;
    let server = TestServer::start([
        Reply::sse([
            event(&partial),
            event(&error_payload),
            event(&chunk("never seen")),
            "data: [DONE]\n\n".to_owned(),
        ])
        .header("x-request-id", "req_err"),
        Reply::sse([
            event(&chunk("x")),
            format!(
                "event: error\ndata: {}\n\n",
                json!({"message": "rate limited"})
            ),
            "data: [DONE]\n\n".to_owned(),
        ]),
    ])
    .await;
    let client = client(&server);

    let items = drain(
        client
            .create_chat_completion_stream(&ask("Hi"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(items.len(), 2, "{items:#?}");
    assert_eq!(text_of(&items[..1]), "partial");
    let first = items[0].as_ref().unwrap();
    assert_eq!(first.additional_properties.get("error"), Some(&Value::Null));
    let Err(Error::Api(api)) = &items[1] else {
        panic!("expected an API error: {:?}", items[1]);
    };
    assert_eq!(api.status, 200);
    assert_eq!(api.message().as_deref(), Some("upstream overloaded"));
    assert_eq!(api.request_id.as_deref(), Some("req_err"));
    let body = api.body.as_ref().expect("an ErrorResponse");
    assert_eq!(body.error.code, Some(ErrorCode::Number(502)));
    assert!(
        items[1]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("upstream overloaded")
    );

    let items = drain(
        client
            .create_chat_completion_stream(&ask("Hi"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(items.len(), 2, "{items:#?}");
    let Err(Error::Api(api)) = &items[1] else {
        panic!("expected an API error: {:?}", items[1]);
    };
    assert_eq!(api.message().as_deref(), Some("rate limited"));
}

#[tokio::test]
async fn stream_that_ends_before_done_yields_stream_ended() {
    // The body ends properly (final chunk sent), but [DONE] never came.
    let server = TestServer::start([Reply::sse([event(&chunk("a")), event(&chunk("b"))])]).await;
    let items = drain(
        client(&server)
            .create_chat_completion_stream(&ask("Hi"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(items.len(), 3, "{items:#?}");
    assert_eq!(text_of(&items[..2]), "ab");
    assert!(
        matches!(items[2], Err(Error::StreamEnded { events: 2 })),
        "{:?}",
        items[2]
    );
}

#[tokio::test]
async fn connection_cut_mid_stream_yields_stream_ended() {
    // The server closes the connection mid-body (no final chunk, no [DONE]), in the middle of an
    // event.
    let server =
        TestServer::start([Reply::sse([event(&chunk("a")), "data: {\"id\":".to_owned()]).cut()])
            .await;
    let items = drain(
        client(&server)
            .create_chat_completion_stream(&ask("Hi"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(items.len(), 2, "{items:#?}");
    assert_eq!(text_of(&items[..1]), "a");
    let error = items[1].as_ref().unwrap_err();
    assert!(
        matches!(error, Error::StreamEnded { events: 1 }),
        "{error:?}"
    );
    assert!(error.to_string().contains("closed early"), "{error}");
}

#[tokio::test]
async fn undecodable_event_is_a_decode_error_and_the_stream_goes_on() {
    let server = TestServer::start([Reply::sse([
        event(&chunk("a")),
        "data: {\"id\": \"chatcmpl-1\", \"choices\": 7}\n\n".to_owned(),
        event(&chunk("b")),
        "data: [DONE]\n\n".to_owned(),
    ])])
    .await;
    let items = drain(
        client(&server)
            .create_chat_completion_stream(&ask("Hi"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(items.len(), 3, "{items:#?}");
    assert_eq!(text_of(&items[..1]), "a");
    assert!(
        matches!(items[1], Err(Error::Decode { status: 200, .. })),
        "{:?}",
        items[1]
    );
    assert_eq!(text_of(&items[2..]), "b");
}

#[tokio::test]
async fn stream_request_rejected_with_an_error_status_fails_before_any_event() {
    let server = TestServer::start([
        Reply::json(401, error_body("Invalid API key.")).header("x-request-id", "req_401")
    ])
    .await;
    let error = client(&server)
        .create_chat_completion_stream(&ask("Hi"))
        .await
        .expect_err("401");
    assert_eq!(error.status(), Some(401));
    assert_eq!(error.request_id(), Some("req_401"));
    assert_eq!(
        error.api_error().and_then(|api| api.message()).as_deref(),
        Some("Invalid API key.")
    );
}

// ---------------------------------------------------------------------------------------------
// 5. Errors
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn error_status_with_error_body_is_an_api_error() {
    let server = TestServer::start([Reply::json(
        400,
        json!({"error": {
            "message": "temperature must be at most 2",
            "type": "invalid_request_error",
            "param": "temperature",
            "code": "invalid_value"
        }}),
    )
    .header("x-request-id", "req_400")])
    .await;
    let error = client(&server)
        .create_chat_completion(&ask("Hi").temperature(3.0))
        .await
        .expect_err("400");
    assert_eq!(error.status(), Some(400));
    assert_eq!(error.request_id(), Some("req_400"));
    let api = error.api_error().expect("an API error");
    assert_eq!(api.status, 400);
    assert_eq!(
        api.message().as_deref(),
        Some("temperature must be at most 2")
    );
    let body = api.body.as_ref().expect("the decoded ErrorResponse");
    assert_eq!(body.error.message, "temperature must be at most 2");
    assert_eq!(body.error.r#type.as_deref(), Some("invalid_request_error"));
    assert_eq!(body.error.param.as_deref(), Some("temperature"));
    assert_eq!(
        body.error.code,
        Some(ErrorCode::Text("invalid_value".to_owned()))
    );
    let text = error.to_string();
    assert!(text.contains("400"), "{text}");
    assert!(text.contains("temperature must be at most 2"), "{text}");
    assert!(text.contains("req_400"), "{text}");
}

#[tokio::test]
async fn non_json_error_body_is_kept_raw() {
    let html = "<html><body>502 Bad Gateway</body></html>";
    let server = TestServer::start([Reply::raw(502, "text/html", html)]).await;
    let error = client(&server)
        .create_chat_completion(&ask("Hi"))
        .await
        .expect_err("502");
    assert_eq!(server.requests().len(), 1, "max_retries(0): no retry");
    let api = error.api_error().expect("an API error");
    assert_eq!(api.status, 502);
    assert_eq!(api.raw_body, html);
    assert!(api.body.is_none());
    assert_eq!(api.message(), None);
    assert_eq!(error.request_id(), None);
    assert!(error.to_string().contains("502 Bad Gateway"), "{error}");
}

#[tokio::test]
async fn invalid_json_in_a_success_response_is_a_decode_error() {
    let server =
        TestServer::start([
            Reply::raw(200, "application/json", "{\"id\": \"chatcmpl-1\", oops")
                .header("x-request-id", "req_bad"),
        ])
        .await;
    let error = client(&server)
        .create_chat_completion(&ask("Hi"))
        .await
        .expect_err("decode error");
    let Error::Decode {
        status, snippet, ..
    } = &error
    else {
        panic!("expected a decode error: {error:?}");
    };
    assert_eq!(*status, 200);
    assert_eq!(snippet, "{\"id\": \"chatcmpl-1\", oops");
    assert_eq!(error.status(), Some(200));
    assert_eq!(error.request_id(), Some("req_bad"));
    let text = error.to_string();
    assert!(text.contains("HTTP 200"), "{text}");
    assert!(text.contains("\"chatcmpl-1\", oops"), "{text}");
}

#[tokio::test]
async fn success_response_of_the_wrong_shape_is_a_decode_error_naming_the_problem() {
    let server = TestServer::start([Reply::json(
        200,
        json!({"object": "chat.completion", "choices": []}),
    )])
    .await;
    let error = client(&server)
        .create_chat_completion(&ask("Hi"))
        .await
        .expect_err("decode error");
    assert!(
        matches!(error, Error::Decode { status: 200, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("missing field"), "{error}");
}

#[tokio::test]
async fn a_json_body_cut_short_is_a_transport_error_that_says_so() {
    let server =
        TestServer::start([
            Reply::chunked(200, "application/json", ["{\"id\": \"chatcmpl-1\", "]).cut(),
        ])
        .await;
    let error = client(&server)
        .create_chat_completion(&ask("Hi"))
        .await
        .expect_err("the body broke off");
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    let text = error.to_string();
    assert!(
        text.starts_with("the connection failed while reading the response"),
        "{text}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn connection_refused_is_a_transport_error() {
    let client = Client::builder()
        .api_key(KEY)
        .base_url(refused_url())
        .max_retries(1)
        .retry_backoff(ms(1), ms(20))
        .http_client(loopback_http())
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client
        .create_chat_completion(&ask("Hi"))
        .await
        .expect_err("nothing listens");
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert_eq!(error.status(), None);
    let text = error.to_string();
    assert!(text.to_lowercase().contains("refused"), "{text}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn unauthorized_is_not_retried() {
    let server = TestServer::start([
        Reply::json(401, error_body("Invalid API key.")),
        Reply::json(200, completion("should not be reached")),
    ])
    .await;
    let error = builder(&server)
        .max_retries(3)
        .build()
        .unwrap()
        .create_chat_completion(&ask("Hi"))
        .await
        .expect_err("401");
    assert_eq!(error.status(), Some(401));
    assert_eq!(server.requests().len(), 1);
}

// ---------------------------------------------------------------------------------------------
// 6. Retries
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn transient_statuses_are_retried_up_to_max_retries() {
    for status in [500, 502, 503, 429, 408, 409] {
        let server = TestServer::start((1..=4).map(|attempt| {
            Reply::json(status, error_body(&format!("attempt {attempt}")))
                .header("x-request-id", &format!("req_{attempt}"))
        }))
        .await;
        let error = builder(&server)
            .max_retries(2)
            .build()
            .unwrap()
            .create_chat_completion(&ask("Hi"))
            .await
            .expect_err("every attempt fails");
        assert_eq!(
            server.requests().len(),
            3,
            "status {status}: 1 attempt + 2 retries"
        );
        assert_eq!(server.unused_replies(), 1);
        assert_eq!(error.status(), Some(status));
        assert_eq!(error.request_id(), Some("req_3"), "the last attempt's id");
        assert_eq!(
            error.api_error().and_then(|api| api.message()).as_deref(),
            Some("attempt 3")
        );
    }
}

#[tokio::test]
async fn a_retry_that_succeeds_returns_the_answer_and_resends_the_same_request() {
    let server = TestServer::start([
        Reply::status(503),
        Reply::json(429, error_body("slow down")),
        Reply::json(200, completion("third time lucky")),
    ])
    .await;
    let answer = builder(&server)
        .max_retries(2)
        .build()
        .unwrap()
        .create_chat_completion(&ask("Hi").seed(7))
        .await
        .expect("success after retries");
    assert_eq!(
        answer.choices[0].message.content.as_deref(),
        Some("third time lucky")
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    for sent in &requests {
        assert_eq!(sent.body, requests[0].body);
        assert_eq!(sent.header("authorization"), Some("Bearer sk-test"));
        assert_eq!(sent.target, "/v1/chat/completions");
    }
}

#[tokio::test]
async fn client_errors_are_never_retried() {
    for status in [400, 401, 403, 404, 422] {
        let server = TestServer::start([
            Reply::json(status, error_body("no")),
            Reply::json(200, completion("should not be reached")),
        ])
        .await;
        let error = builder(&server)
            .max_retries(3)
            .build()
            .unwrap()
            .create_chat_completion(&ask("Hi"))
            .await
            .expect_err("client error");
        assert_eq!(error.status(), Some(status));
        assert_eq!(server.requests().len(), 1, "status {status} was retried");
    }
}

#[tokio::test]
async fn x_should_retry_header_overrides_the_status() {
    let server = TestServer::start([
        Reply::json(500, error_body("do not retry")).header("x-should-retry", "false"),
        Reply::json(200, completion("should not be reached")),
    ])
    .await;
    let error = builder(&server)
        .max_retries(2)
        .build()
        .unwrap()
        .create_chat_completion(&ask("Hi"))
        .await
        .expect_err("not retried");
    assert_eq!(error.status(), Some(500));
    assert_eq!(server.requests().len(), 1);

    let server = TestServer::start([
        Reply::json(400, error_body("retry me")).header("x-should-retry", "true"),
        Reply::json(200, completion("retried")),
    ])
    .await;
    let answer = builder(&server)
        .max_retries(2)
        .build()
        .unwrap()
        .create_chat_completion(&ask("Hi"))
        .await
        .expect("retried");
    assert_eq!(
        answer.choices[0].message.content.as_deref(),
        Some("retried")
    );
    assert_eq!(server.requests().len(), 2);
}

/// The time between the first and the second request the server received.
fn gap_between_attempts(server: &TestServer) -> Duration {
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    requests[1].at.duration_since(requests[0].at)
}

#[tokio::test]
async fn retry_after_ms_is_honoured() {
    let server = TestServer::start([
        Reply::json(429, error_body("slow down")).header("retry-after-ms", "150"),
        Reply::json(200, completion("ok")),
    ])
    .await;
    builder(&server)
        .max_retries(1)
        .build()
        .unwrap()
        .create_chat_completion(&ask("Hi"))
        .await
        .expect("success after the wait");
    // The backoff alone would wait at most 20 ms.
    let gap = gap_between_attempts(&server);
    assert!(gap >= ms(150), "retried after {gap:?}");
    assert!(gap < Duration::from_secs(5), "retried after {gap:?}");
}

#[tokio::test]
async fn retry_after_seconds_is_honoured() {
    let server = TestServer::start([
        Reply::json(503, error_body("busy")).header("retry-after", "1"),
        Reply::json(200, completion("ok")),
    ])
    .await;
    builder(&server)
        .max_retries(1)
        .build()
        .unwrap()
        .create_chat_completion(&ask("Hi"))
        .await
        .expect("success after the wait");
    let gap = gap_between_attempts(&server);
    assert!(gap >= Duration::from_secs(1), "retried after {gap:?}");
    assert!(gap < Duration::from_secs(10), "retried after {gap:?}");
}

#[tokio::test]
async fn a_retry_after_longer_than_a_minute_is_not_honoured() {
    // Waiting an hour is worse than the normal backoff (at most 20 ms here).
    let server = TestServer::start([
        Reply::json(429, error_body("quota")).header("retry-after", "3600"),
        Reply::json(200, completion("ok")),
    ])
    .await;
    let client = builder(&server).max_retries(1).build().unwrap();
    let request = ask("Hi");
    let call = client.create_chat_completion(&request);
    tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .expect("the client waited for the server's hour")
        .expect("success on the retry");
    let gap = gap_between_attempts(&server);
    assert!(gap < Duration::from_secs(5), "retried after {gap:?}");
}

#[tokio::test]
async fn max_retries_zero_disables_retries() {
    let server = TestServer::start([
        Reply::json(500, error_body("boom")),
        Reply::json(200, completion("should not be reached")),
    ])
    .await;
    let error = client(&server)
        .create_chat_completion(&ask("Hi"))
        .await
        .expect_err("500");
    assert_eq!(error.status(), Some(500));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn per_call_max_retries_overrides_the_client() {
    // The client retries three times; this call not at all.
    let server = TestServer::start([
        Reply::json(500, error_body("boom")),
        Reply::json(200, completion("should not be reached")),
    ])
    .await;
    let client = builder(&server).max_retries(3).build().unwrap();
    let error = client
        .with_options(RequestOptions::new().max_retries(0))
        .create_chat_completion(&ask("Hi"))
        .await
        .expect_err("500");
    assert_eq!(error.status(), Some(500));
    assert_eq!(server.requests().len(), 1);

    // The client does not retry; this call twice.
    let server = TestServer::start([
        Reply::status(500),
        Reply::status(500),
        Reply::json(200, completion("ok")),
    ])
    .await;
    let client = builder(&server).max_retries(0).build().unwrap();
    client
        .with_options(RequestOptions::new().max_retries(2))
        .create_chat_completion(&ask("Hi"))
        .await
        .expect("success on the third attempt");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn on_response_sees_every_response_with_status_headers_and_request_id() {
    let server = TestServer::start([
        Reply::json(429, error_body("slow down"))
            .header("x-request-id", "req-1")
            .header("x-ratelimit-remaining-requests", "0"),
        Reply::json(200, completion("ok"))
            .header("x-request-id", "req-2")
            .header("x-ratelimit-remaining-requests", "59"),
        Reply::sse(["data: [DONE]\n\n"]).header("request-id", "req-3"),
    ])
    .await;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = std::sync::Arc::clone(&seen);
    let client = builder(&server)
        .max_retries(1)
        .build()
        .unwrap()
        .with_options(
            RequestOptions::new().on_response(move |info: &ResponseInfo| {
                let remaining = info
                    .headers
                    .get("x-ratelimit-remaining-requests")
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_owned);
                record.lock().unwrap().push((
                    info.status,
                    info.request_id.clone(),
                    info.retries,
                    remaining,
                ));
            }),
        );
    client
        .create_chat_completion(&ask("Hi"))
        .await
        .expect("success after one retry");
    let mut stream = client
        .create_chat_completion_stream(&ask("Hi"))
        .await
        .expect("stream");
    assert!(stream.next().await.is_none());
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            (429, Some("req-1".to_owned()), 0, Some("0".to_owned())),
            (200, Some("req-2".to_owned()), 1, Some("59".to_owned())),
            (200, Some("req-3".to_owned()), 0, None),
        ]
    );
    // A client without the function is unaffected, and options compare by the function.
    let options = RequestOptions::new().on_response(|_: &ResponseInfo| {});
    assert_eq!(options, options.clone());
    assert_ne!(
        options,
        RequestOptions::new().on_response(|_: &ResponseInfo| {})
    );
}

#[test]
fn a_client_without_a_key_fails_at_build_unless_a_header_carries_one() {
    let error = Client::builder()
        .base_url("http://127.0.0.1:9")
        .build()
        .expect_err("no key");
    assert!(matches!(error, Error::Config(_)), "{error}");
    assert_eq!(
        error.to_string(),
        "invalid client configuration: no API key: set one with `.api_key(..)`, or read DEEPSHI_API_KEY with `.with_env()?`"
    );
    Client::builder()
        .base_url("http://127.0.0.1:9")
        .default_header("Authorization", "Bearer from-a-proxy")
        .build()
        .expect("a default Authorization header is a credential");
}

#[tokio::test]
async fn a_timed_out_attempt_is_retried() {
    let server = TestServer::start([
        Reply::hang(Duration::from_secs(10)),
        Reply::json(200, completion("second attempt")),
    ])
    .await;
    let answer = builder(&server)
        .timeout(ms(200))
        .max_retries(1)
        .build()
        .unwrap()
        .create_chat_completion(&ask("Hi"))
        .await
        .expect("the retry succeeds");
    assert_eq!(
        answer.choices[0].message.content.as_deref(),
        Some("second attempt")
    );
    assert_eq!(server.requests().len(), 2);
}

// ---------------------------------------------------------------------------------------------
// 7. Timeouts and headers
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn stalled_server_is_a_timeout() {
    let server = TestServer::start([Reply::hang(Duration::from_secs(30))]).await;
    let client = builder(&server).timeout(ms(200)).build().unwrap();
    let started = Instant::now();
    let error = client
        .create_chat_completion(&ask("Hi"))
        .await
        .expect_err("timeout");
    let elapsed = started.elapsed();
    assert!(
        matches!(error, Error::Timeout(limit) if limit == ms(200)),
        "{error:?}"
    );
    assert!(elapsed >= ms(200), "gave up after {elapsed:?}");
    assert!(
        elapsed < Duration::from_secs(5),
        "gave up after {elapsed:?}"
    );
    assert!(error.to_string().contains("timed out"), "{error}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_body_that_stalls_after_the_headers_is_a_timeout() {
    let server = TestServer::start([Reply::chunked(200, "application/json", ["{\"id\": "])
        .chunk_after(Duration::from_secs(30), "\"late\"}")])
    .await;
    let client = builder(&server).timeout(ms(300)).build().unwrap();
    let started = Instant::now();
    let error = client
        .create_chat_completion(&ask("Hi"))
        .await
        .expect_err("timeout");
    assert!(matches!(error, Error::Timeout(_)), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn per_call_timeout_overrides_the_client() {
    // A short per-call timeout on a client with a long one.
    let server = TestServer::start([Reply::hang(Duration::from_secs(30))]).await;
    let client = builder(&server)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client
        .with_options(RequestOptions::new().timeout(ms(200)))
        .create_chat_completion(&ask("Hi"))
        .await
        .expect_err("timeout");
    assert!(
        matches!(error, Error::Timeout(limit) if limit == ms(200)),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    // A long per-call timeout on a client with a short one.
    let server =
        TestServer::start([Reply::json(200, completion("slow but fine")).delay(ms(400))]).await;
    let client = builder(&server).timeout(ms(100)).build().unwrap();
    let answer = client
        .with_options(RequestOptions::new().timeout(Duration::from_secs(10)))
        .create_chat_completion(&ask("Hi"))
        .await
        .expect("within the per-call timeout");
    assert_eq!(
        answer.choices[0].message.content.as_deref(),
        Some("slow but fine")
    );
}

#[tokio::test]
async fn stream_timeout_bounds_the_wait_for_headers_not_the_events() {
    // Events spread over ~1 s with a 300 ms timeout: the stream still completes.
    let server = TestServer::start([Reply::sse([
        event(&chunk("a")),
        event(&chunk("b")),
        event(&chunk("c")),
        event(&chunk("d")),
        "data: [DONE]\n\n".to_owned(),
    ])
    .gap(ms(200))])
    .await;
    let client = builder(&server).timeout(ms(300)).build().unwrap();
    let stream = client
        .create_chat_completion_stream(&ask("Hi"))
        .await
        .expect("stream");
    assert_eq!(text_of(&drain(stream).await), "abcd");

    // Headers that do not come in time.
    let server =
        TestServer::start([Reply::sse(["data: [DONE]\n\n"]).delay(Duration::from_secs(30))]).await;
    let client = builder(&server).timeout(ms(200)).build().unwrap();
    let error = client
        .create_chat_completion_stream(&ask("Hi"))
        .await
        .expect_err("timeout");
    assert!(matches!(error, Error::Timeout(_)), "{error:?}");
}

#[tokio::test]
async fn default_and_per_call_headers_reach_the_server() {
    let server = TestServer::start([
        Reply::json(200, completion("one")),
        Reply::json(200, completion("two")),
    ])
    .await;
    let client = builder(&server)
        .default_header("x-team", "core")
        .default_header("x-shared", "from-client")
        .build()
        .unwrap();
    client
        .with_options(
            RequestOptions::new()
                .header("x-trace-id", "trace-1")
                .header("x-shared", "from-call"),
        )
        .create_chat_completion(&ask("Hi"))
        .await
        .unwrap();
    client.create_chat_completion(&ask("Hi")).await.unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let with_options = &requests[0];
    assert_eq!(with_options.header("x-team"), Some("core"));
    assert_eq!(with_options.header("x-trace-id"), Some("trace-1"));
    assert_eq!(with_options.header_all("x-shared"), ["from-call"]);
    assert_eq!(with_options.header("authorization"), Some("Bearer sk-test"));
    // The per-call options stay with the call; the client itself is unchanged.
    let plain = &requests[1];
    assert_eq!(plain.header("x-team"), Some("core"));
    assert_eq!(plain.header("x-trace-id"), None);
    assert_eq!(plain.header_all("x-shared"), ["from-client"]);
}

// ---------------------------------------------------------------------------------------------
// 8. The API key stays secret
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn api_key_never_shows_in_debug_output_or_error_messages() {
    const SECRET: &str = "sk-SECRET-9f8e7d6c5b4a";
    let server = TestServer::start([
        Reply::json(400, error_body("bad request")).header("x-request-id", "req_1"),
        Reply::raw(200, "application/json", "not json"),
        Reply::hang(Duration::from_secs(30)),
        Reply::sse([event(&chunk("cut"))]),
    ])
    .await;
    let builder = Client::builder()
        .api_key(SECRET)
        .base_url(server.url())
        .max_retries(0)
        .timeout(ms(200))
        .default_header("x-team", "core")
        .http_client(loopback_http());
    let builder_debug = format!("{builder:?}");
    let client = builder.build().unwrap();
    let per_call = client.with_options(RequestOptions::new().header("x-trace-id", "t"));

    let mut errors = vec![
        client.create_chat_completion(&ask("Hi")).await.unwrap_err(),
        client.create_chat_completion(&ask("Hi")).await.unwrap_err(),
        client.create_chat_completion(&ask("Hi")).await.unwrap_err(),
    ];
    let items = drain(
        client
            .create_chat_completion_stream(&ask("Hi"))
            .await
            .unwrap(),
    )
    .await;
    errors.extend(items.into_iter().filter_map(Result::err));
    let refused = Client::builder()
        .api_key(SECRET)
        .base_url(refused_url())
        .max_retries(0)
        .http_client(loopback_http())
        .build()
        .unwrap();
    errors.push(
        refused
            .create_chat_completion(&ask("Hi"))
            .await
            .unwrap_err(),
    );
    // A key that cannot go into a header: the builder and the lenient constructor both fail
    // without quoting it.
    let bad_key = format!("{SECRET}\n");
    errors.push(
        Client::builder()
            .api_key(bad_key.as_str())
            .build()
            .unwrap_err(),
    );
    errors.push(
        Client::new(bad_key.as_str())
            .list_models()
            .await
            .unwrap_err(),
    );
    let kinds: Vec<&str> = errors
        .iter()
        .map(|error| match error {
            Error::Api(_) => "api",
            Error::Decode { .. } => "decode",
            Error::Timeout(_) => "timeout",
            Error::StreamEnded { .. } => "stream-ended",
            Error::Transport(_) => "transport",
            Error::Config(_) => "config",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "api",
            "decode",
            "timeout",
            "stream-ended",
            "transport",
            "config",
            "config"
        ]
    );

    let mut texts = vec![
        builder_debug,
        format!("{client:?}"),
        format!("{per_call:?}"),
        format!("{:?}", Client::new(SECRET)),
    ];
    for error in &errors {
        texts.push(error.to_string());
        texts.push(format!("{error:?}"));
    }
    for text in &texts {
        assert!(!text.contains(SECRET), "the key leaked: {text}");
        assert!(
            !text.contains("9f8e7d6c5b4a"),
            "part of the key leaked: {text}"
        );
    }
    assert!(format!("{client:?}").contains("redacted"), "{client:?}");
    // It was sent where it belongs, and only there.
    for sent in server.requests() {
        assert_eq!(
            sent.header("authorization"),
            Some(format!("Bearer {SECRET}").as_str())
        );
        assert!(!sent.target.contains(SECRET));
    }
}

// ---------------------------------------------------------------------------------------------
// 9. Configuration from the environment
// ---------------------------------------------------------------------------------------------

/// The only test that touches the environment (tests run in parallel threads).
#[tokio::test]
async fn from_env_reads_the_key_and_base_url() {
    let server = TestServer::start([Reply::json(200, json!({"object": "list", "data": []}))]).await;
    // SAFETY: no other test reads or writes these variables.
    unsafe {
        std::env::set_var("DEEPSHI_API_KEY", "sk-from-env");
        std::env::set_var("DEEPSHI_BASE_URL", format!("{}/", server.url()));
    }
    let client = Client::from_env().expect("configured from the environment");
    assert_eq!(client.base_url(), server.url());
    // `from_env` builds its own HTTP client, which would send this through a proxy of the
    // environment; a test must talk to 127.0.0.1 only.
    let proxied = ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
        .iter()
        .any(|name| std::env::var_os(name).is_some());
    if proxied {
        eprintln!("a proxy is set in the environment: not sending the request of from_env");
    } else {
        let models = client.list_models().await.expect("models");
        assert!(models.data.is_empty());
        let sent = server.only_request();
        assert_eq!(sent.target, "/v1/models");
        assert_eq!(sent.header("authorization"), Some("Bearer sk-from-env"));
    }

    // Without DEEPSHI_BASE_URL: the spec's server.
    unsafe { std::env::remove_var("DEEPSHI_BASE_URL") };
    let client = Client::from_env().expect("configured from the environment");
    assert_eq!(client.base_url(), "https://api.deepshi.ai/v1");

    // Without a key (unset, or blank): an error that names the variable.
    for key in [None, Some("   ")] {
        unsafe {
            match key {
                Some(key) => std::env::set_var("DEEPSHI_API_KEY", key),
                None => std::env::remove_var("DEEPSHI_API_KEY"),
            }
        }
        let error = Client::from_env().expect_err("no key");
        assert!(matches!(error, Error::Config(_)), "{error:?}");
        assert!(error.to_string().contains("DEEPSHI_API_KEY"), "{error}");
    }
    unsafe { std::env::remove_var("DEEPSHI_API_KEY") };
}

//! `EventStream::merged` and `Accumulator` on the `deepshi` crate: streams split at every
//! place that matters, merged into one `ChatCompletionChunk`. The fuzzed splits of whole
//! transcripts are in `fuzz.rs`.

mod support;

use std::time::Duration;

use deepshi::types::{
    ChatCompletionChunk, ChatMessage, ChatRole, CreateChatCompletionRequest, FinishReason,
    ToolCallDelta, ToolCallType,
};
use deepshi::{Accumulator, Client, Error, EventStream};
use futures_util::{StreamExt, stream};
use serde_json::{Value, json};
use support::{Reply, TestServer};

/// A chunk with the envelope every chunk of a stream repeats.
fn chunk(choices: Value) -> Value {
    json!({
        "id": "chatcmpl-7",
        "object": "chat.completion.chunk",
        "created": 1733212800,
        "model": "deepshi-3.0",
        "system_fingerprint": "fp_1",
        "choices": choices,
    })
}

/// A chunk whose only choice (index 0) carries `delta`.
fn delta(delta: Value) -> Value {
    chunk(json!([{"index": 0, "delta": delta, "finish_reason": null, "logprobs": null}]))
}

/// A chunk whose only choice carries one tool-call delta.
fn tool_delta(call: Value) -> Value {
    delta(json!({"tool_calls": [call]}))
}

fn finish(reason: &str) -> Value {
    chunk(json!([{"index": 0, "delta": {}, "finish_reason": reason}]))
}

/// The SSE body of `events`, `[DONE]` included.
fn sse(events: &[Value]) -> String {
    let mut body: String = events.iter().map(|e| format!("data: {e}\n\n")).collect();
    body.push_str("data: [DONE]\n\n");
    body
}

/// A stream reading `body` in one piece.
fn stream_of(body: impl Into<String>) -> EventStream<ChatCompletionChunk> {
    let body: String = body.into();
    EventStream::from_byte_stream(
        stream::iter([Ok::<_, Error>(body.into())]),
        200,
        Some("req_m".into()),
    )
}

async fn merged(events: &[Value]) -> ChatCompletionChunk {
    stream_of(sse(events)).merged().await.expect("merged")
}

fn only_call(merged: &ChatCompletionChunk) -> &[ToolCallDelta] {
    merged.choices[0]
        .delta
        .tool_calls
        .as_deref()
        .expect("tool calls")
}

#[tokio::test]
async fn tool_call_id_and_name_in_one_chunk_and_its_arguments_over_five() {
    let events = [
        delta(json!({"role": "assistant", "content": null, "refusal": null})),
        tool_delta(json!({"index": 0, "id": "call_1", "type": "function",
            "function": {"name": "get_weather", "arguments": ""}})),
        tool_delta(json!({"index": 0, "function": {"arguments": "{\"ci"}})),
        tool_delta(json!({"index": 0, "function": {"arguments": "ty\": "}})),
        tool_delta(json!({"index": 0, "function": {"arguments": "\"Par"}})),
        tool_delta(json!({"index": 0, "function": {"arguments": "is\""}})),
        tool_delta(json!({"index": 0, "function": {"arguments": "}"}})),
        finish("tool_calls"),
    ];
    let merged = merged(&events).await;
    let choice = &merged.choices[0];
    assert_eq!(choice.delta.role, Some(ChatRole::Assistant));
    assert_eq!(choice.delta.content, None, "null never becomes a value");
    assert_eq!(choice.finish_reason, Some(FinishReason::ToolCalls));
    let calls = only_call(&merged);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].index, 0);
    assert_eq!(calls[0].id.as_deref(), Some("call_1"));
    assert_eq!(calls[0].r#type, Some(ToolCallType::Function));
    let function = calls[0].function.as_ref().expect("function");
    assert_eq!(function.name.as_deref(), Some("get_weather"));
    assert_eq!(function.arguments.as_deref(), Some(r#"{"city": "Paris"}"#));
}

#[tokio::test]
async fn two_tool_calls_interleaved_merge_apart_in_index_order() {
    let events = [
        // The second call starts first, and the two then alternate, once in one chunk.
        tool_delta(json!({"index": 1, "id": "call_b", "type": "function",
            "function": {"name": "get_time", "arguments": ""}})),
        tool_delta(json!({"index": 0, "id": "call_a", "type": "function",
            "function": {"name": "get_weather", "arguments": "{\"city\""}})),
        tool_delta(json!({"index": 1, "function": {"arguments": "{\"zone\""}})),
        delta(json!({"tool_calls": [
            {"index": 0, "function": {"arguments": ": \"Oslo\""}},
            {"index": 1, "function": {"arguments": ": \"CET\""}},
        ]})),
        tool_delta(json!({"index": 1, "function": {"arguments": "}"}})),
        tool_delta(json!({"index": 0, "function": {"arguments": "}"}})),
        finish("tool_calls"),
    ];
    let merged = merged(&events).await;
    let calls = only_call(&merged);
    let summary: Vec<(i64, &str, &str, &str)> = calls
        .iter()
        .map(|call| {
            let function = call.function.as_ref().expect("function");
            (
                call.index,
                call.id.as_deref().unwrap_or_default(),
                function.name.as_deref().unwrap_or_default(),
                function.arguments.as_deref().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (0, "call_a", "get_weather", r#"{"city": "Oslo"}"#),
            (1, "call_b", "get_time", r#"{"zone": "CET"}"#),
        ]
    );
}

#[tokio::test]
async fn the_envelope_repeated_in_every_chunk_is_kept_once_not_concatenated() {
    let events: Vec<Value> = ["Hel", "lo", ", ", "world"]
        .iter()
        .map(|text| delta(json!({"content": text})))
        .collect();
    let merged = merged(&events).await;
    assert_eq!(merged.id, "chatcmpl-7");
    assert_eq!(merged.object, "chat.completion.chunk");
    assert_eq!(merged.model, "deepshi-3.0");
    assert_eq!(merged.created, 1733212800);
    assert_eq!(merged.system_fingerprint.as_deref(), Some("fp_1"));
    assert_eq!(merged.choices.len(), 1);
    assert_eq!(
        merged.choices[0].delta.content.as_deref(),
        Some("Hello, world")
    );
    // A field of the top level that changes takes its last value.
    let mut later = delta(json!({"content": "!"}));
    later["system_fingerprint"] = json!("fp_2");
    let merged = self::merged(&[events[0].clone(), later]).await;
    assert_eq!(merged.system_fingerprint.as_deref(), Some("fp_2"));
    assert_eq!(merged.choices[0].delta.content.as_deref(), Some("Hel!"));
}

#[tokio::test]
async fn usage_on_the_last_chunk_is_kept_with_the_choices_before_it() {
    let mut events = vec![
        delta(json!({"role": "assistant", "content": "Paris"})),
        finish("stop"),
    ];
    // Every chunk but the last says `"usage": null`, which must not erase the last one's.
    for event in &mut events {
        event["usage"] = Value::Null;
    }
    let mut last = chunk(json!([]));
    last["usage"] = json!({"prompt_tokens": 9, "completion_tokens": 1, "total_tokens": 10,
        "cost": {"total_cost": 0.00002}});
    events.push(last);
    events.push({
        let mut after = chunk(json!([]));
        after["usage"] = Value::Null;
        after
    });
    let merged = merged(&events).await;
    assert_eq!(merged.choices.len(), 1);
    assert_eq!(merged.choices[0].delta.content.as_deref(), Some("Paris"));
    assert_eq!(merged.choices[0].finish_reason, Some(FinishReason::Stop));
    let usage = merged.usage.expect("usage");
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens
        ),
        (9, 1, 10)
    );
    assert_eq!(usage.cost.and_then(|cost| cost.total_cost), Some(0.00002));
}

#[tokio::test]
async fn choices_of_several_merge_by_their_index() {
    let events = [
        chunk(json!([{"index": 1, "delta": {"role": "assistant", "content": "B"}}])),
        chunk(json!([
            {"index": 0, "delta": {"role": "assistant", "content": "A"}},
            {"index": 1, "delta": {"content": "b"}},
        ])),
        chunk(json!([{"index": 0, "delta": {"content": "a"}, "finish_reason": "length"}])),
        chunk(json!([{"index": 1, "delta": {}, "finish_reason": "stop"}])),
    ];
    let merged = merged(&events).await;
    let choices: Vec<(i64, Option<&str>, Option<FinishReason>)> = merged
        .choices
        .iter()
        .map(|c| (c.index, c.delta.content.as_deref(), c.finish_reason.clone()))
        .collect();
    assert_eq!(
        choices,
        [
            (0, Some("Aa"), Some(FinishReason::Length)),
            (1, Some("Bb"), Some(FinishReason::Stop)),
        ]
    );
}

#[tokio::test]
async fn unknown_fields_are_merged_by_the_same_rules() {
    let events = [
        chunk(
            json!([{"index": 0, "delta": {"content": "x", "annotations": [{"url": "a"}]},
            "provider": {"name": "p"}}]),
        ),
        chunk(
            json!([{"index": 0, "delta": {"content": "y", "annotations": [{"url": "b"}]},
            "provider": {"name": "q"}}]),
        ),
    ];
    let merged = merged(&events).await;
    let delta = &merged.choices[0].delta;
    assert_eq!(delta.content.as_deref(), Some("xy"));
    // An array of objects without `index` appends; a free-form string inside an element is
    // text, so it concatenates like `content`.
    assert_eq!(
        delta.additional_properties["annotations"],
        json!([{"url": "a"}, {"url": "b"}])
    );
    assert_eq!(
        merged.choices[0].additional_properties["provider"],
        json!({"name": "pq"})
    );
}

#[tokio::test]
async fn an_error_mid_stream_stays_an_error() {
    let good = [
        delta(json!({"content": "Hel"})),
        delta(json!({"content": "lo"})),
    ];
    let mut body: String = good.iter().map(|e| format!("data: {e}\n\n")).collect();

    let error = format!(
        "{body}data: {}\n\ndata: [DONE]\n\n",
        json!({"error": {"message": "overloaded", "type": "server_error"}})
    );
    match stream_of(error).merged().await {
        Err(Error::Api(api)) => {
            assert_eq!(api.message().as_deref(), Some("overloaded"));
            assert_eq!(api.request_id.as_deref(), Some("req_m"));
        }
        other => panic!("expected the API error, got {other:?}"),
    }

    // A body that ends before `[DONE]`: the merge of what came would look complete, so it is
    // the early end that is returned.
    match stream_of(body.clone()).merged().await {
        Err(Error::StreamEnded { events: 2 }) => {}
        other => panic!("expected StreamEnded after 2 events, got {other:?}"),
    }

    // An event that is not a chunk: the typed stream goes on after it, the merge does not.
    body.push_str("data: {\"id\": 42}\n\ndata: [DONE]\n\n");
    match stream_of(body).merged().await {
        Err(Error::Decode { status: 200, .. }) => {}
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_stream_without_events_is_a_merge_error() {
    match stream_of("data: [DONE]\n\n").merged().await {
        Err(error @ Error::Merge(_)) => {
            assert!(error.to_string().contains("no event"), "{error}");
            assert_eq!(error.status(), None);
        }
        other => panic!("expected a merge error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_accumulator_shows_the_text_while_a_tool_call_completes() {
    let events = [
        delta(json!({"role": "assistant", "content": "Let me check"})),
        delta(
            json!({"content": " the weather.", "tool_calls": [{"index": 0, "id": "call_1",
            "type": "function", "function": {"name": "get_weather", "arguments": ""}}]}),
        ),
        tool_delta(json!({"index": 0, "function": {"arguments": "{\"city\":"}})),
        tool_delta(json!({"index": 0, "function": {"arguments": "\"Lima\"}"}})),
        finish("tool_calls"),
    ];
    let mut answer = Accumulator::<ChatCompletionChunk>::new();
    assert!(answer.snapshot().is_err(), "nothing merged yet");
    let mut seen = Vec::new();
    let mut chunks = stream_of(sse(&events));
    while let Some(chunk) = chunks.next().await {
        answer.push(&chunk.expect("chunk")).expect("push");
        let so_far = answer.snapshot().expect("snapshot");
        let choice = &so_far.choices[0];
        let arguments = choice
            .delta
            .tool_calls
            .as_ref()
            .and_then(|calls| calls[0].function.as_ref()?.arguments.clone());
        seen.push((choice.delta.content.clone().unwrap_or_default(), arguments));
        // The JSON view needs no decoding.
        assert_eq!(
            answer.value()["choices"][0]["delta"]["content"].as_str(),
            choice.delta.content.as_deref()
        );
    }
    let text = |s: &str| s.to_owned();
    assert_eq!(
        seen,
        [
            (text("Let me check"), None),
            (text("Let me check the weather."), Some(text(""))),
            (text("Let me check the weather."), Some(text("{\"city\":"))),
            (
                text("Let me check the weather."),
                Some(text("{\"city\":\"Lima\"}"))
            ),
            (
                text("Let me check the weather."),
                Some(text("{\"city\":\"Lima\"}"))
            ),
        ]
    );
    assert_eq!(answer.events(), 5);
    let done = answer.finish().expect("finish");
    assert_eq!(done.choices[0].finish_reason, Some(FinishReason::ToolCalls));
}

/// Over HTTP: the events arrive in pieces split inside the JSON of an event and inside a
/// multi-byte character, and the merged answer is the same as in one piece.
#[tokio::test]
async fn a_stream_from_the_server_merges_however_the_body_is_cut() {
    let events = [
        delta(json!({"role": "assistant", "content": "Ça"})),
        delta(json!({"content": " va — très"})),
        delta(json!({"content": " bien 😀"})),
        finish("stop"),
    ];
    let body = sse(&events).into_bytes();
    let cuts: Vec<Vec<u8>> = body.chunks(7).map(<[u8]>::to_vec).collect();
    let server = TestServer::start([Reply::sse(cuts).gap(Duration::ZERO)]).await;
    let client = Client::builder()
        .api_key("sk-test")
        .base_url(server.url())
        .max_retries(0)
        .http_client(
            deepshi::reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("HTTP client"),
        )
        .build()
        .expect("client");
    let request = CreateChatCompletionRequest::new(
        "deepshi-3.0",
        vec![ChatMessage::user().content("Ça va ?")],
    );
    let merged = client
        .create_chat_completion_stream(&request)
        .await
        .expect("stream")
        .merged()
        .await
        .expect("merged");
    assert_eq!(
        merged.choices[0].delta.content.as_deref(),
        Some("Ça va — très bien 😀")
    );
    assert_eq!(merged.choices[0].finish_reason, Some(FinishReason::Stop));
}

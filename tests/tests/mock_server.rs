//! The generated mock (`deepshi::mock`, feature `mock`) driven by the generated client: every
//! kind of answer, what is recorded, unplanned calls and unmet expectations. The test of an
//! application written against the mock, as a user would write it, is in
//! `tests/examples/stream_tools.rs`.

use std::time::{Duration, Instant};

use deepshi::mock::MockServer;
use deepshi::types::{
    ChatCompletion, ChatCompletionChoice, ChatCompletionChunk, ChatCompletionChunkChoice,
    ChatCompletionDelta, ChatCompletionMessage, ChatMessage, CreateChatCompletionRequest,
    ErrorDetail, ErrorResponse, Model, ModelList,
};
use deepshi::{Error, RequestOptions};
use futures_util::StreamExt;

fn ask(text: &str) -> CreateChatCompletionRequest {
    CreateChatCompletionRequest::new("deepshi-3.0", vec![ChatMessage::user().content(text)])
}

fn completion(text: &str) -> ChatCompletion {
    ChatCompletion::new(
        "chatcmpl-1",
        "chat.completion",
        1733212800,
        "deepshi-3.0",
        vec![ChatCompletionChoice::new(
            0,
            ChatCompletionMessage::assistant().content(text),
        )],
    )
}

fn chunk(text: &str) -> ChatCompletionChunk {
    ChatCompletionChunk::new(
        "chatcmpl-1",
        "chat.completion.chunk",
        1733212800,
        "deepshi-3.0",
        vec![ChatCompletionChunkChoice::new(
            0,
            ChatCompletionDelta::default().content(text),
        )],
    )
}

fn error(message: &str) -> ErrorResponse {
    ErrorResponse::new(ErrorDetail::new(message).r#type("rate_limit_error"))
}

#[tokio::test]
async fn a_planned_value_is_answered_and_the_typed_request_recorded() {
    let server = MockServer::start().await;
    server
        .expect_create_chat_completion()
        .header("x-request-id", "req_mock")
        .respond(completion("Paris."));
    server.expect_list_models().respond(ModelList::new(
        "list",
        vec![Model::new("deepshi-3.0", "model", 1730419200, "deepshi")],
    ));
    let client = server.client();

    let reply = client
        .create_chat_completion(&ask("Capital of France?").temperature(0.2))
        .await
        .expect("reply");
    assert_eq!(reply, completion("Paris."));
    let models = client.list_models().await.expect("models");
    assert_eq!(models.data[0].id, "deepshi-3.0");

    let sent = server.received_create_chat_completion();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].temperature, Some(0.2));
    assert_eq!(sent[0].stream, None, "the plain call sends no stream flag");
    let listed = server.received_list_models();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].method, "GET");
    assert_eq!(listed[0].path, "/models");
    assert_eq!(
        listed[0].header("authorization"),
        Some("Bearer mock-api-key")
    );
    server.verify();
}

#[tokio::test]
async fn planned_events_arrive_as_server_sent_events() {
    let server = MockServer::start().await;
    server
        .expect_create_chat_completion()
        .event_gap(Duration::from_millis(2))
        .respond_stream([chunk("Hel"), chunk("lo")]);
    let client = server.client();
    let mut stream = client
        .create_chat_completion_stream(&ask("Hi"))
        .await
        .expect("stream");
    let mut pieces = Vec::new();
    while let Some(item) = stream.next().await {
        let item = item.expect("chunk");
        pieces.push(item.choices[0].delta.content.clone().unwrap_or_default());
    }
    assert_eq!(pieces, ["Hel", "lo"], "ended by [DONE], not by an error");
    assert_eq!(
        server.received_create_chat_completion()[0].stream,
        Some(true)
    );
    server.verify();
}

#[tokio::test]
async fn a_stream_ending_in_an_error_or_a_cut_is_seen_as_such() {
    let server = MockServer::start().await;
    server
        .expect_create_chat_completion()
        .respond_stream_then_error([chunk("Hel")], error("overloaded"));
    server
        .expect_create_chat_completion()
        .respond_stream_then_drop([chunk("Hel")]);
    let client = server.client();

    let merged = client
        .create_chat_completion_stream(&ask("Hi"))
        .await
        .expect("stream")
        .merged()
        .await;
    match merged {
        Err(Error::Api(api)) => assert_eq!(api.message().as_deref(), Some("overloaded")),
        other => panic!("expected the error event, got {other:?}"),
    }
    let merged = client
        .create_chat_completion_stream(&ask("Hi"))
        .await
        .expect("stream")
        .merged()
        .await;
    assert!(
        matches!(
            merged,
            Err(Error::StreamEnded { events: 1 } | Error::Transport(_))
        ),
        "{merged:?}"
    );
    server.verify();
}

#[tokio::test]
async fn errors_are_answered_and_retried_calls_are_all_seen() {
    let server = MockServer::start().await;
    server
        .expect_create_chat_completion()
        .times(2)
        .fail(429, error("slow down"));
    server
        .expect_create_chat_completion()
        .respond(completion("Done."));
    let reply = server
        .client()
        .create_chat_completion(&ask("Hi"))
        .await
        .expect("the third try succeeds");
    assert_eq!(reply.choices[0].message.content.as_deref(), Some("Done."));
    assert_eq!(server.received_create_chat_completion().len(), 3);

    server
        .expect_list_models()
        .fail(404, error("no such thing"));
    let client = server.builder().max_retries(0).build().expect("client");
    match client.list_models().await {
        Err(Error::Api(api)) => {
            assert_eq!(api.status, 404);
            let body = api.body.as_ref().expect("typed error body");
            assert_eq!(body.error.message, "no such thing");
            assert_eq!(body.error.r#type.as_deref(), Some("rate_limit_error"));
        }
        other => panic!("expected an API error, got {other:?}"),
    }
    server.verify();
}

#[tokio::test]
async fn a_delay_and_a_dropped_connection() {
    let server = MockServer::start().await;
    server
        .expect_list_models()
        .delay(Duration::from_millis(300))
        .respond(ModelList::new("list", vec![]));
    server.expect_list_models().drop_connection();
    let client = server.builder().max_retries(0).build().expect("client");

    let started = Instant::now();
    let result = client
        .with_options(RequestOptions::new().timeout(Duration::from_millis(50)))
        .list_models()
        .await;
    assert!(matches!(result, Err(Error::Timeout(_))), "{result:?}");
    assert!(started.elapsed() < Duration::from_millis(300));

    let result = client.list_models().await;
    assert!(matches!(result, Err(Error::Transport(_))), "{result:?}");
    server.verify();
}

#[tokio::test]
async fn an_unplanned_call_is_an_error_naming_the_operation_and_fails_verify() {
    let server = MockServer::start().await;
    server
        .expect_list_models()
        .respond(ModelList::new("list", vec![]));
    let result = server.client().create_chat_completion(&ask("Hi")).await;
    match result {
        Err(Error::Api(api)) => {
            assert_eq!(api.status, 418);
            let message = api.message().unwrap_or_default();
            assert!(
                message.contains("unexpected call to create_chat_completion"),
                "{message}"
            );
        }
        other => panic!("expected the mock's error, got {other:?}"),
    }
    let unmet = server.unmet();
    assert_eq!(unmet.len(), 2, "{unmet:#?}");
    assert!(
        unmet[0].contains("unexpected call to create_chat_completion (POST /chat/completions)")
    );
    assert_eq!(unmet[1], "list_models: 1 planned answer was never used");
    let verify = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| server.verify()));
    let message = verify.expect_err("verify fails");
    let message = message
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        message.contains("list_models: 1 planned answer was never used"),
        "{message}"
    );
    // The unplanned call is recorded like any other.
    assert_eq!(server.requests().len(), 1);
    assert_eq!(server.received_create_chat_completion().len(), 1);
}

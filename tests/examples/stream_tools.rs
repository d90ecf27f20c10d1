//! A streamed tool-call conversation: the answer's text is printed as it arrives, the tool
//! calls are taken from the merged stream once it ends, run, and their results sent back,
//! until the model answers in words. At the end, a test of the application function
//! `converse` against the generated mock (`deepshi::mock`, feature `mock`), as an application
//! would write its own.
//!
//! ```sh
//! DEEPSHI_API_KEY=sk-... cargo run -p tests --example stream_tools
//! DEEPSHI_API_KEY=sk-... cargo run -p tests --example stream_tools -- "Weather in Oslo and Lima?"
//! # DEEPSHI_MODEL picks the model, DEEPSHI_BASE_URL another server.
//! cargo test -p tests --example stream_tools      # the test, on 127.0.0.1 only
//! ```

use std::io::Write;
use std::process::ExitCode;

use deepshi::types::{
    ChatCompletionChunk, ChatMessage, CreateChatCompletionRequest, FunctionCall,
    FunctionDefinition, StreamOptions, Tool, ToolCall,
};
use deepshi::{Accumulator, Client, Error};
use futures_util::StreamExt;
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> ExitCode {
    let question = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "What is the weather in Paris and in Tokyo?".to_owned());
    let model = std::env::var("DEEPSHI_MODEL").ok();
    let result = match Client::from_env() {
        Ok(client) => converse(&client, model.as_deref(), &question, &mut std::io::stdout()).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(answer) => {
            // The text was printed as it arrived; the summary goes to stderr.
            eprintln!(
                "\n[{} characters from {} after {} tool call(s), {} tokens]",
                answer.text.chars().count(),
                answer.model,
                answer.tool_calls.len(),
                answer.tokens
            );
            for call in &answer.tool_calls {
                eprintln!("[tool call: {call}]");
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("\nerror: {error}");
            ExitCode::FAILURE
        }
    }
}

/// What [`converse`] ends with.
#[derive(Debug)]
struct Answer {
    /// The model that answered.
    model: String,
    /// The final answer's text.
    text: String,
    /// Each tool call made on the way, as `name(arguments)`.
    tool_calls: Vec<String>,
    /// The tokens of every turn, from the usage on each stream's last chunk.
    tokens: i64,
}

/// A tool call needs an answer at most this many times before the model must answer in words.
const MAX_TURNS: usize = 4;

/// Asks `question` of `model` (by default the first Deepshi model the API lists) with a
/// weather tool declared, writing the answer's text to `out` as it streams in, and runs the
/// tools the model calls until it answers in words.
async fn converse(
    client: &Client,
    model: Option<&str>,
    question: &str,
    out: &mut impl Write,
) -> Result<Answer, Error> {
    let model = match model {
        Some(model) => model.to_owned(),
        None => pick_model(client).await?,
    };
    let mut messages = vec![ChatMessage::user().content(question)];
    let mut tool_calls = Vec::new();
    let mut tokens = 0;
    for _ in 0..MAX_TURNS {
        let request = CreateChatCompletionRequest::new(model.clone(), messages.clone())
            .tools(vec![weather_tool()])
            .stream_options(StreamOptions::new().include_usage(true));
        let turn = stream_turn(client, &request, out).await?;
        tokens += turn.usage.as_ref().map_or(0, |usage| usage.total_tokens);
        let Some(choice) = turn.choices.into_iter().next() else {
            break;
        };
        // The merged deltas of a tool call are complete calls: id and name from the first
        // delta, the arguments from all of them.
        let calls: Vec<ToolCall> = choice
            .delta
            .tool_calls
            .unwrap_or_default()
            .into_iter()
            .filter_map(|call| {
                let function = call.function?;
                Some(ToolCall::new(
                    call.id?,
                    FunctionCall::new(function.name?, function.arguments.unwrap_or_default()),
                ))
            })
            .collect();
        if calls.is_empty() {
            return Ok(Answer {
                model,
                text: choice.delta.content.unwrap_or_default(),
                tool_calls,
                tokens,
            });
        }
        let mut assistant = ChatMessage::assistant().tool_calls(calls.clone());
        if let Some(text) = choice.delta.content.filter(|text| !text.is_empty()) {
            assistant = assistant.content(text);
        }
        messages.push(assistant);
        for call in calls {
            let result = match call.function.name.as_str() {
                "get_weather" => get_weather(&call.function.arguments),
                other => json!({"error": format!("unknown tool {other}")}),
            };
            tool_calls.push(format!(
                "{}({})",
                call.function.name, call.function.arguments
            ));
            messages.push(
                ChatMessage::tool()
                    .tool_call_id(call.id)
                    .content(result.to_string()),
            );
        }
    }
    Err(Error::Config(format!(
        "the model was still calling tools after {MAX_TURNS} turns"
    )))
}

/// One streamed turn: its text goes to `out` as it arrives, and the merged turn comes back.
async fn stream_turn(
    client: &Client,
    request: &CreateChatCompletionRequest,
    out: &mut impl Write,
) -> Result<ChatCompletionChunk, Error> {
    let mut stream = client.create_chat_completion_stream(request).await?;
    let mut turn = Accumulator::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        for choice in &chunk.choices {
            if let Some(text) = &choice.delta.content {
                // A closed terminal is no reason to stop the conversation.
                let _ = write!(out, "{text}").and_then(|()| out.flush());
            }
        }
        turn.push(&chunk)?;
    }
    // Where nothing is printed on the way, `stream.merged().await` is all it takes.
    turn.finish()
}

/// The first Deepshi model the API lists, else the first model, else `deepshi-3.0`.
async fn pick_model(client: &Client) -> Result<String, Error> {
    let models = client.list_models().await?;
    let ids: Vec<String> = models.data.into_iter().map(|model| model.id).collect();
    Ok(ids
        .iter()
        .find(|id| id.starts_with("deepshi"))
        .or(ids.first())
        .cloned()
        .unwrap_or_else(|| "deepshi-3.0".to_owned()))
}

fn weather_tool() -> Tool {
    Tool::new(
        FunctionDefinition::new("get_weather")
            .description("Get the current weather for a city.")
            .parameters(json!({
                "type": "object",
                "properties": {"city": {"type": "string", "description": "The city name"}},
                "required": ["city"],
                "additionalProperties": false
            })),
    )
}

/// A stand-in for a weather service. The model writes the arguments: check them.
fn get_weather(arguments: &str) -> Value {
    match serde_json::from_str::<Value>(arguments) {
        Ok(arguments) => match arguments["city"].as_str() {
            Some(city) => json!({"city": city, "temperature_c": 18, "conditions": "sunny"}),
            None => json!({"error": "missing `city`"}),
        },
        Err(error) => json!({"error": format!("arguments are not JSON: {error}")}),
    }
}

#[cfg(test)]
mod tests {
    use deepshi::mock::MockServer;
    use deepshi::types::{
        ChatCompletionChunkChoice, ChatCompletionDelta, ChatRole, ErrorDetail, ErrorResponse,
        FinishReason, FunctionCallDelta, Model, ModelList, ToolCallDelta, ToolCallType, Usage,
    };

    use super::*;

    /// A chunk of the answer with one choice holding `delta`.
    fn chunk(delta: ChatCompletionDelta) -> ChatCompletionChunk {
        ChatCompletionChunk::new(
            "chatcmpl-1",
            "chat.completion.chunk",
            1733212800,
            "deepshi-3.0",
            vec![ChatCompletionChunkChoice::new(0, delta)],
        )
    }

    fn arguments(index: i64, piece: &str) -> ChatCompletionChunk {
        chunk(ChatCompletionDelta::default().tool_calls(vec![
            ToolCallDelta::new(index).function(FunctionCallDelta::default().arguments(piece)),
        ]))
    }

    fn finish(reason: FinishReason, tokens: i64) -> Vec<ChatCompletionChunk> {
        let mut last = chunk(ChatCompletionDelta::default());
        last.choices[0].finish_reason = Some(reason);
        let usage = ChatCompletionChunk::new(
            "chatcmpl-1",
            "chat.completion.chunk",
            1733212800,
            "deepshi-3.0",
            vec![],
        )
        .usage(Usage::new(tokens - 10, 10, tokens));
        vec![last, usage]
    }

    #[tokio::test]
    async fn the_weather_question_runs_the_tool_and_streams_the_answer() {
        let server = MockServer::start().await;
        server.expect_list_models().respond(ModelList::new(
            "list",
            vec![
                Model::new("gpt-4o", "model", 1715367049, "openai"),
                Model::new("deepshi-3.0", "model", 1730419200, "deepshi"),
            ],
        ));
        // The first turn is refused once (the client retries it), then calls the tool: id and
        // name in one chunk, the arguments over five.
        server.expect_create_chat_completion().fail(
            429,
            ErrorResponse::new(ErrorDetail::new("Rate limit reached").r#type("rate_limit_error")),
        );
        let mut first = vec![chunk(
            ChatCompletionDelta::default()
                .role(ChatRole::Assistant)
                .tool_calls(vec![
                    ToolCallDelta::new(0)
                        .id("call_1")
                        .r#type(ToolCallType::Function)
                        .function(
                            FunctionCallDelta::default()
                                .name("get_weather")
                                .arguments(""),
                        ),
                ]),
        )];
        for piece in ["{\"ci", "ty\":", " \"Pa", "ris", "\"}"] {
            first.push(arguments(0, piece));
        }
        first.extend(finish(FinishReason::ToolCalls, 60));
        server.expect_create_chat_completion().respond_stream(first);
        // The second turn answers in words.
        let mut second: Vec<ChatCompletionChunk> = ["It is ", "sunny in Paris", ", 18 °C."]
            .into_iter()
            .map(|text| chunk(ChatCompletionDelta::default().content(text)))
            .collect();
        second.extend(finish(FinishReason::Stop, 90));
        server
            .expect_create_chat_completion()
            .respond_stream(second);

        let mut printed = Vec::new();
        let answer = converse(&server.client(), None, "Weather in Paris?", &mut printed)
            .await
            .expect("an answer");

        assert_eq!(answer.text, "It is sunny in Paris, 18 °C.");
        assert_eq!(String::from_utf8_lossy(&printed), answer.text);
        assert_eq!(answer.tool_calls, [r#"get_weather({"city": "Paris"})"#]);
        assert_eq!(answer.model, "deepshi-3.0");
        assert_eq!(answer.tokens, 150);

        // What the application sent: the refused first turn again, then the tool's result.
        let sent = server.received_create_chat_completion();
        assert_eq!(sent.len(), 3, "the 429 was retried");
        assert_eq!(sent[0], sent[1]);
        assert_eq!(sent[0].model, "deepshi-3.0");
        assert_eq!(sent[0].stream, Some(true));
        assert_eq!(
            sent[0].tools.as_ref().expect("tools")[0].function.name,
            "get_weather"
        );
        let turn = &sent[2].messages;
        assert_eq!(turn.len(), 3);
        assert_eq!(turn[1].role, ChatRole::Assistant);
        let call = &turn[1].tool_calls.as_ref().expect("the assistant's call")[0];
        assert_eq!(
            (call.id.as_str(), call.function.arguments.as_str()),
            ("call_1", r#"{"city": "Paris"}"#)
        );
        assert_eq!(turn[2].role, ChatRole::Tool);
        assert_eq!(turn[2].tool_call_id.as_deref(), Some("call_1"));
        let result: Value = match &turn[2].content {
            Some(deepshi::types::ChatMessageContent::Text(text)) => {
                serde_json::from_str(text).expect("the tool's result is JSON")
            }
            other => panic!("expected the tool's result as text, got {other:?}"),
        };
        assert_eq!(result["city"], "Paris");
        assert_eq!(server.received_list_models().len(), 1);
        server.verify();
    }

    #[tokio::test]
    async fn a_stream_cut_mid_answer_is_an_error_not_an_answer() {
        let server = MockServer::start().await;
        server
            .expect_list_models()
            .respond(ModelList::new("list", vec![]));
        server
            .expect_create_chat_completion()
            .respond_stream_then_drop([chunk(ChatCompletionDelta::default().content("It is "))]);
        let mut printed = Vec::new();
        let result = converse(&server.client(), None, "Weather in Paris?", &mut printed).await;
        assert!(
            matches!(result, Err(Error::StreamEnded { events: 1 })),
            "{result:?}"
        );
        assert_eq!(String::from_utf8_lossy(&printed), "It is ");
        server.verify();
    }
}

//! Declare a tool, print the calls the model makes, run them, and print the final answer.
//!
//! ```sh
//! DEEPSHI_API_KEY=sk-... cargo run -p tests --example tools
//! DEEPSHI_API_KEY=sk-... cargo run -p tests --example tools -- "Weather in Oslo and Lima?"
//!
//! # Against another server, e.g. a local one (DEEPSHI_MODEL picks the model):
//! DEEPSHI_API_KEY=sk-test DEEPSHI_BASE_URL=http://127.0.0.1:8080/v1 \
//!     cargo run -p tests --example tools
//! ```

use std::process::ExitCode;

use deepshi::types::{
    ChatMessage, CreateChatCompletionRequest, FunctionDefinition, Tool, ToolChoiceMode,
};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), deepshi::Error> {
    let client = deepshi::Client::from_env()?;
    let model = std::env::var("DEEPSHI_MODEL").unwrap_or_else(|_| "deepshi-3.0".to_owned());
    let question = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "What is the weather in Paris and in Tokyo?".to_owned());

    // The tool: a name, what it does, and its parameters as a JSON Schema.
    let weather = Tool::new(
        FunctionDefinition::new("get_weather")
            .description("Get the current weather for a city.")
            .parameters(json!({
                "type": "object",
                "properties": {
                    "city": {"type": "string", "description": "The city name, e.g. Paris"},
                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}
                },
                "required": ["city"],
                "additionalProperties": false
            })),
    );
    let mut messages = vec![ChatMessage::user().content(question)];
    let request = CreateChatCompletionRequest::new(model.clone(), messages.clone())
        .tools(vec![weather.clone()])
        .tool_choice(ToolChoiceMode::Auto);

    let completion = client.create_chat_completion(&request).await?;
    let Some(choice) = completion.choices.into_iter().next() else {
        println!("[the model returned no choice]");
        return Ok(());
    };
    let calls = choice.message.tool_calls.clone().unwrap_or_default();
    if calls.is_empty() {
        // The model answered without the tool.
        println!("{}", choice.message.content.unwrap_or_default());
        return Ok(());
    }

    // Echo the assistant turn with its tool calls, then one `tool` message per call.
    messages.push(ChatMessage::assistant().tool_calls(calls.clone()));
    for call in &calls {
        println!(
            "tool call {}: {}({})",
            call.id, call.function.name, call.function.arguments
        );
        let result = match call.function.name.as_str() {
            "get_weather" => get_weather(&call.function.arguments),
            other => json!({"error": format!("unknown tool {other}")}),
        };
        println!("  -> {result}");
        messages.push(
            ChatMessage::tool()
                .tool_call_id(call.id.clone())
                .content(result.to_string()),
        );
    }

    // Ask again with the results; the tools stay declared so the model can call more.
    let request = CreateChatCompletionRequest::new(model, messages).tools(vec![weather]);
    let completion = client.create_chat_completion(&request).await?;
    for choice in &completion.choices {
        println!("{}", choice.message.content.as_deref().unwrap_or_default());
    }
    Ok(())
}

/// A stand-in for a real weather service. The model writes the arguments, so they may be
/// invalid JSON or miss a field: check them instead of trusting them.
fn get_weather(arguments: &str) -> Value {
    let arguments: Value = match serde_json::from_str(arguments) {
        Ok(arguments) => arguments,
        Err(error) => return json!({"error": format!("arguments are not JSON: {error}")}),
    };
    let Some(city) = arguments["city"].as_str() else {
        return json!({"error": "missing `city`"});
    };
    let unit = arguments["unit"].as_str().unwrap_or("celsius");
    let temperature = if unit == "fahrenheit" { 64 } else { 18 };
    json!({"city": city, "temperature": temperature, "unit": unit, "conditions": "sunny"})
}

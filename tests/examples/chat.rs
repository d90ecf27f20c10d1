//! Ask one question and print the answer.
//!
//! ```sh
//! DEEPSHI_API_KEY=sk-... cargo run -p tests --example chat
//! DEEPSHI_API_KEY=sk-... cargo run -p tests --example chat -- "Why is the sky blue?"
//!
//! # Against another server, e.g. a local one (DEEPSHI_MODEL picks the model):
//! DEEPSHI_API_KEY=sk-test DEEPSHI_BASE_URL=http://127.0.0.1:8080/v1 \
//!     cargo run -p tests --example chat
//! ```

use std::process::ExitCode;

use deepshi::types::{ChatMessage, CreateChatCompletionRequest};

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
    // The API key from DEEPSHI_API_KEY; the base URL from DEEPSHI_BASE_URL when it is set.
    let client = deepshi::Client::from_env()?;
    let model = std::env::var("DEEPSHI_MODEL").unwrap_or_else(|_| "deepshi-3.0".to_owned());
    let question = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "What is the capital of France?".to_owned());

    let request = CreateChatCompletionRequest::new(
        model,
        vec![
            ChatMessage::system().content("You are a concise assistant."),
            ChatMessage::user().content(question),
        ],
    )
    .temperature(0.7)
    .max_tokens(512);

    let completion = client.create_chat_completion(&request).await?;
    for choice in &completion.choices {
        if let Some(reasoning) = &choice.message.reasoning {
            eprintln!("(reasoning: {reasoning})");
        }
        match (&choice.message.content, &choice.message.refusal) {
            (Some(content), _) => println!("{content}"),
            (None, Some(refusal)) => println!("[refused] {refusal}"),
            (None, None) => println!("[no content]"),
        }
    }
    if let Some(usage) = &completion.usage {
        eprintln!(
            "[{} model; {} prompt + {} completion = {} tokens]",
            completion.model, usage.prompt_tokens, usage.completion_tokens, usage.total_tokens
        );
    }
    Ok(())
}

//! Stream an answer and print its tokens as they arrive.
//!
//! ```sh
//! DEEPSHI_API_KEY=sk-... cargo run -p tests --example stream
//! DEEPSHI_API_KEY=sk-... cargo run -p tests --example stream -- "Write a haiku about Rust."
//!
//! # Against another server, e.g. a local one (DEEPSHI_MODEL picks the model):
//! DEEPSHI_API_KEY=sk-test DEEPSHI_BASE_URL=http://127.0.0.1:8080/v1 \
//!     cargo run -p tests --example stream
//! ```

use std::io::Write;
use std::process::ExitCode;

use deepshi::types::{ChatMessage, CreateChatCompletionRequest, StreamOptions};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("\nerror: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), deepshi::Error> {
    let client = deepshi::Client::from_env()?;
    let model = std::env::var("DEEPSHI_MODEL").unwrap_or_else(|_| "deepshi-3.0".to_owned());
    let prompt = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "Count from one to ten in words.".to_owned());

    // `create_chat_completion_stream` sends `"stream": true` itself; ask for the usage too.
    let request =
        CreateChatCompletionRequest::new(model, vec![ChatMessage::user().content(prompt)])
            .stream_options(StreamOptions::new().include_usage(true));

    let mut stream = client.create_chat_completion_stream(&request).await?;
    let mut stdout = std::io::stdout();
    let (mut finish, mut usage) = (None, None);
    // The stream ends after the server's `data: [DONE]`. An error item means the answer is
    // incomplete: an error event from the server (`Error::Api`), or a connection closed before
    // the end (`Error::StreamEnded`).
    while let Some(chunk) = stream.next_event().await {
        let chunk = chunk?;
        for choice in chunk.choices {
            if let Some(text) = &choice.delta.content {
                print!("{text}");
                // Show each piece now rather than when a line is complete.
                let _ = stdout.flush();
            }
            finish = choice.finish_reason.or(finish);
        }
        // With `include_usage`, the last chunk carries the usage of the whole request.
        usage = chunk.usage.or(usage);
    }
    println!();
    if let Some(reason) = finish {
        eprintln!("[finish reason: {reason}]");
    }
    if let Some(usage) = usage {
        eprintln!(
            "[{} prompt + {} completion = {} tokens]",
            usage.prompt_tokens, usage.completion_tokens, usage.total_tokens
        );
    }
    Ok(())
}

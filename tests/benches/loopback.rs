//! Benchmarks of the generated `deepshi` client over real HTTP/1.1 on 127.0.0.1, against a
//! minimal keep-alive server written here.
//!
//! Run (from the workspace root):
//!
//! ```text
//! cargo bench -p tests --bench loopback
//! cargo bench -p tests --bench loopback -- --warm-up-time 1 --measurement-time 3   # quicker
//! ```
//!
//! - `stream/*`: one `POST /v1/chat/completions` with `"stream":true` answered by 10,000 SSE
//!   `ChatCompletionChunk` events (one HTTP chunk each, `transfer-encoding: chunked`) and
//!   `data: [DONE]`; events/s through `client.create_chat_completion_stream(..)` drained to
//!   the end, and for comparison the same request by plain `reqwest` with the body drained as
//!   bytes (transport alone, no SSE parsing or JSON).
//! - `request/*`: requests/s of `client.create_chat_completion(&small_request)` answered by a
//!   small `ChatCompletion`, against plain `reqwest::Client` posting the same request bytes and
//!   reading the body (`reqwest_raw`), and plain `reqwest` that also serializes the request and
//!   decodes the response with serde (`reqwest_serde`, the same work the client does).
//!
//! The server runs on its own thread with a current-thread Tokio runtime; the clients run on
//! the bench thread in another current-thread runtime, so on two cores each side has one. Every
//! client keeps its single connection alive across iterations (the server never closes it).
//! The server listens on 127.0.0.1 only and stops with the process.

use std::hint::black_box;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use deepshi::Client;
use deepshi::types::{ChatCompletion, ChatMessage, ChatRole, CreateChatCompletionRequest};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;

const EVENTS: usize = 10_000;
const KEY: &str = "sk-bench";

// ---------------------------------------------------------------------------------------------
// Responses.

fn chunk_json(i: usize) -> String {
    const HEAD: &str = r#"{"id":"chatcmpl-8d3f2a91c4e7b05d6a1f9e2c","object":"chat.completion.chunk","created":1732790400,"model":"deepshi-3.0","system_fingerprint":"fp_5b2a9c0d7e","choices":"#;
    const WORDS: &[&str] = &[
        " the", " capital", " of", " France", " is", " Paris", ",", " which", " has", " been",
        " home", " to", " a", " long", " line", " of", " kings", " (Île", "-de", "-France", ")",
        " —", " «", "quoted", "»", "\n\n",
    ];
    let choices = if i == 0 {
        r#"[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]"#.to_owned()
    } else if i == EVENTS - 1 {
        r#"[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]"#.to_owned()
    } else {
        let content: String = (0..1 + i % 3)
            .map(|k| WORDS[(i * 7 + k * 13) % WORDS.len()])
            .collect();
        let content = serde_json::to_string(&content).expect("serializes");
        format!(
            r#"[{{"index":0,"delta":{{"content":{content}}},"logprobs":null,"finish_reason":null}}]"#
        )
    };
    format!(r#"{HEAD}{choices},"usage":null}}"#)
}

/// The whole streamed response: headers, then one HTTP chunk per SSE event.
fn stream_response() -> Vec<u8> {
    let mut out =
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n\
        x-request-id: req_bench\r\ntransfer-encoding: chunked\r\n\r\n"
            .to_vec();
    let mut chunk = |event: &[u8]| {
        out.extend_from_slice(format!("{:x}\r\n", event.len()).as_bytes());
        out.extend_from_slice(event);
        out.extend_from_slice(b"\r\n");
    };
    for i in 0..EVENTS {
        chunk(format!("data: {}\n\n", chunk_json(i)).as_bytes());
    }
    chunk(b"data: [DONE]\n\n");
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

fn json_response() -> Vec<u8> {
    let body = serde_json::to_vec(&serde_json::json!({
        "id": "chatcmpl-8d3f2a91c4e7b05d6a1f9e2c",
        "object": "chat.completion",
        "created": 1732790400,
        "model": "deepshi-3.0",
        "system_fingerprint": "fp_5b2a9c0d7e",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": "Hello! How can I help you today?"},
            "logprobs": null,
            "finish_reason": "stop"
        }],
        "usage": {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21}
    }))
    .expect("serializes");
    let mut out = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-request-id: req_bench\r\n\
         content-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(&body);
    out
}

// ---------------------------------------------------------------------------------------------
// The server.

struct Responses {
    stream: Vec<u8>,
    json: Vec<u8>,
}

/// Starts the server on its own thread; returns its address.
fn start_server() -> SocketAddr {
    let responses = Arc::new(Responses {
        stream: stream_response(),
        json: json_response(),
    });
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        runtime.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
            addr_tx
                .send(listener.local_addr().expect("address"))
                .expect("sends the address");
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(serve(socket, Arc::clone(&responses)));
            }
        });
    });
    addr_rx.recv().expect("the server starts")
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn content_length(head: &[u8]) -> usize {
    String::from_utf8_lossy(head)
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0)
}

/// Answers requests on one connection until the client closes it: the SSE response when the
/// body has `"stream":true`, the JSON one otherwise.
async fn serve(mut socket: TcpStream, responses: Arc<Responses>) {
    let _ = socket.set_nodelay(true);
    let mut buf = Vec::with_capacity(16 * 1024);
    let mut read = [0u8; 16 * 1024];
    loop {
        let head_end = loop {
            if let Some(at) = find(&buf, b"\r\n\r\n") {
                break at + 4;
            }
            match socket.read(&mut read).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&read[..n]),
            }
        };
        let end = head_end + content_length(&buf[..head_end]);
        while buf.len() < end {
            match socket.read(&mut read).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&read[..n]),
            }
        }
        let stream = find(&buf[head_end..end], br#""stream":true"#).is_some();
        let response = if stream {
            &responses.stream
        } else {
            &responses.json
        };
        if socket.write_all(response).await.is_err() {
            return;
        }
        buf.drain(..end);
    }
}

// ---------------------------------------------------------------------------------------------
// Benchmarks.

fn small_request() -> CreateChatCompletionRequest {
    CreateChatCompletionRequest::new(
        "deepshi-3.0",
        vec![ChatMessage::new(ChatRole::User).content("Say hello.")],
    )
}

struct Setup {
    runtime: Runtime,
    client: Client,
    http: reqwest::Client,
    url: String,
}

fn setup() -> Setup {
    let addr = start_server();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let base_url = format!("http://{addr}/v1");
    let client = Client::builder()
        .api_key(KEY)
        .base_url(&base_url)
        .max_retries(0)
        .build()
        .expect("client");
    let http = reqwest::Client::builder().build().expect("reqwest client");
    Setup {
        runtime,
        client,
        http,
        url: format!("{base_url}/chat/completions"),
    }
}

/// A plain `reqwest` POST with the headers the generated client sends.
fn post(setup: &Setup, body: Vec<u8>, accept: &'static str) -> reqwest::RequestBuilder {
    setup
        .http
        .post(&setup.url)
        .header("authorization", format!("Bearer {KEY}"))
        .header("user-agent", "deepshi-rust/bench")
        .header("accept", accept)
        .header("content-type", "application/json")
        .body(body)
}

fn bench_stream(c: &mut Criterion, setup: &Setup) {
    let request = small_request();
    let mut streamed = serde_json::to_value(&request).expect("serializes");
    streamed["stream"] = serde_json::Value::Bool(true);
    let streamed = serde_json::to_vec(&streamed).expect("serializes");

    let client_run = || async {
        let mut stream = setup
            .client
            .create_chat_completion_stream(&request)
            .await
            .expect("stream starts");
        let mut events = 0;
        while let Some(item) = stream.next().await {
            black_box(item.expect("event decodes"));
            events += 1;
        }
        events
    };
    let reqwest_run = || async {
        let response = post(setup, streamed.clone(), "text/event-stream")
            .send()
            .await
            .expect("sends");
        let mut body = response.bytes_stream();
        let mut bytes = 0;
        while let Some(chunk) = body.next().await {
            bytes += chunk.expect("reads").len();
        }
        bytes
    };
    assert_eq!(setup.runtime.block_on(client_run()), EVENTS);
    assert!(setup.runtime.block_on(reqwest_run()) > EVENTS * 250);

    let mut group = c.benchmark_group("stream");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.bench_function("deepshi_events", |b| {
        b.iter_custom(|iters| {
            setup.runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    black_box(client_run().await);
                }
                start.elapsed()
            })
        })
    });
    group.bench_function("reqwest_bytes_only", |b| {
        b.iter_custom(|iters| {
            setup.runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    black_box(reqwest_run().await);
                }
                start.elapsed()
            })
        })
    });
    group.finish();
}

fn bench_requests(c: &mut Criterion, setup: &Setup) {
    let request = small_request();
    let request_bytes = serde_json::to_vec(&request).expect("serializes");

    let client_run = || async {
        setup
            .client
            .create_chat_completion(&request)
            .await
            .expect("completes")
    };
    let raw_run = || async {
        post(setup, request_bytes.clone(), "application/json")
            .send()
            .await
            .expect("sends")
            .bytes()
            .await
            .expect("reads")
    };
    let serde_run = || async {
        let body = serde_json::to_vec(&request).expect("serializes");
        let bytes = post(setup, body, "application/json")
            .send()
            .await
            .expect("sends")
            .bytes()
            .await
            .expect("reads");
        serde_json::from_slice::<ChatCompletion>(&bytes).expect("decodes")
    };
    setup.runtime.block_on(async {
        client_run().await;
        raw_run().await;
        serde_run().await;
    });

    let mut group = c.benchmark_group("request");
    group.throughput(Throughput::Elements(1));
    group.bench_function("deepshi", |b| {
        b.iter_custom(|iters| {
            setup.runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    black_box(client_run().await);
                }
                start.elapsed()
            })
        })
    });
    group.bench_function("reqwest_raw", |b| {
        b.iter_custom(|iters| {
            setup.runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    black_box(raw_run().await);
                }
                start.elapsed()
            })
        })
    });
    group.bench_function("reqwest_serde", |b| {
        b.iter_custom(|iters| {
            setup.runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    black_box(serde_run().await);
                }
                start.elapsed()
            })
        })
    });
    group.finish();
}

fn loopback(c: &mut Criterion) {
    let setup = setup();
    bench_stream(c, &setup);
    bench_requests(c, &setup);
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(2));
    targets = loopback
}
criterion_main!(benches);

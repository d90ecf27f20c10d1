//! A tiny scripted HTTP/1.1 server on 127.0.0.1 for behaviour tests of the generated client.
//!
//! The test gives a queue of [`Reply`]s; the server answers each request it receives with the
//! next one and records the request ([`Recorded`]) for assertions. Every response closes its
//! connection (`connection: close`), so each request arrives on a fresh connection and no test
//! depends on connection reuse. Request bodies must carry a `content-length` (the client always
//! sends one). Nothing here listens anywhere but on 127.0.0.1.

// Each test binary that includes this module uses a different subset of it.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// The request target: path and query, e.g. `/v1/models?limit=2`.
    pub target: String,
    /// Header names lowercased, values trimmed, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// When the request had been read completely.
    pub at: Instant,
}

impl Recorded {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.header_all(name).into_iter().next()
    }

    /// Every value of a header, by case-insensitive name.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// The body parsed as JSON; panics (showing the body) if it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "request body is not JSON ({error}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
    /// How long to wait after reading the request before writing anything.
    delay: Duration,
}

#[derive(Debug, Clone)]
enum Body {
    /// A body with a `content-length`.
    Full(Vec<u8>),
    /// A `transfer-encoding: chunked` body: each chunk is written (and flushed) after its own
    /// pause. With `finish` false the connection is closed after the last chunk without the
    /// terminating zero-size chunk, as a server that dies mid-answer does.
    Chunks {
        chunks: Vec<(Duration, Vec<u8>)>,
        finish: bool,
    },
    /// No answer at all: after `delay` the connection is closed.
    Nothing,
}

/// The pause before each chunk of [`Reply::chunked`] unless changed with [`Reply::gap`].
const DEFAULT_GAP: Duration = Duration::from_millis(1);

impl Reply {
    /// A response with this status and an empty body.
    pub fn status(status: u16) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: Body::Full(Vec::new()),
            delay: Duration::ZERO,
        }
    }

    /// A JSON response.
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Reply::raw(status, "application/json", body.to_string())
    }

    /// A response with this content type and body.
    pub fn raw(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Reply {
            body: Body::Full(body.into()),
            ..Reply::status(status)
        }
        .header("content-type", content_type)
    }

    /// A response whose body is written as these chunks (`transfer-encoding: chunked`), one
    /// HTTP chunk each, with a short pause before each so that the client receives them
    /// separately.
    pub fn chunked<C: Into<Vec<u8>>>(
        status: u16,
        content_type: &str,
        chunks: impl IntoIterator<Item = C>,
    ) -> Self {
        Reply {
            body: Body::Chunks {
                chunks: chunks
                    .into_iter()
                    .map(|chunk| (DEFAULT_GAP, chunk.into()))
                    .collect(),
                finish: true,
            },
            ..Reply::status(status)
        }
        .header("content-type", content_type)
    }

    /// A 200 `text/event-stream` response written as these chunks (see [`Reply::chunked`]).
    pub fn sse<C: Into<Vec<u8>>>(chunks: impl IntoIterator<Item = C>) -> Self {
        Reply::chunked(200, "text/event-stream", chunks)
    }

    /// Reads the request, then waits `wait` and closes the connection without answering.
    pub fn hang(wait: Duration) -> Self {
        Reply {
            body: Body::Nothing,
            delay: wait,
            ..Reply::status(0)
        }
    }

    /// Adds a response header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Waits this long before writing the response.
    pub fn delay(mut self, wait: Duration) -> Self {
        self.delay = wait;
        self
    }

    /// Sets the pause before every chunk of a chunked body.
    pub fn gap(mut self, gap: Duration) -> Self {
        if let Body::Chunks { chunks, .. } = &mut self.body {
            for (pause, _) in chunks {
                *pause = gap;
            }
        }
        self
    }

    /// Appends a chunk that is written `pause` after the one before it.
    pub fn chunk_after(mut self, pause: Duration, chunk: impl Into<Vec<u8>>) -> Self {
        match &mut self.body {
            Body::Chunks { chunks, .. } => chunks.push((pause, chunk.into())),
            _ => panic!("chunk_after needs a chunked reply"),
        }
        self
    }

    /// Closes the connection after the last chunk without ending the chunked body properly.
    pub fn cut(mut self) -> Self {
        match &mut self.body {
            Body::Chunks { finish, .. } => *finish = false,
            _ => panic!("cut needs a chunked reply"),
        }
        self
    }
}

#[derive(Default)]
struct State {
    replies: Mutex<VecDeque<Reply>>,
    requests: Mutex<Vec<Recorded>>,
}

/// The server; it stops when dropped.
pub struct TestServer {
    addr: SocketAddr,
    state: Arc<State>,
    task: JoinHandle<()>,
}

impl TestServer {
    /// Starts a server on 127.0.0.1 that answers with `replies`, in order. Once they are used
    /// up it answers 418 with a body saying so (a status the client never retries).
    pub async fn start(replies: impl IntoIterator<Item = Reply>) -> TestServer {
        Self::start_with(|_| replies).await
    }

    /// [`Self::start`] with replies that need the server's own URL (`Self::url`), such as
    /// links to the next page.
    pub async fn start_with<R: IntoIterator<Item = Reply>>(
        replies: impl FnOnce(&str) -> R,
    ) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(State::default());
        state
            .replies
            .lock()
            .unwrap()
            .extend(replies(&format!("http://{addr}/v1")));
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, Arc::clone(&shared)));
            }
        });
        TestServer { addr, state, task }
    }

    /// The base URL to give the client: `http://127.0.0.1:<port>/v1`.
    pub fn url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().unwrap().clone()
    }

    /// The one request received; panics if there was not exactly one.
    pub fn only_request(&self) -> Recorded {
        let mut requests = self.requests();
        assert_eq!(
            requests.len(),
            1,
            "expected exactly one request: {requests:#?}"
        );
        requests.remove(0)
    }

    /// How many scripted replies have not been used.
    pub fn unused_replies(&self) -> usize {
        self.state.replies.lock().unwrap().len()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A base URL on 127.0.0.1 where nothing listens (connecting is refused).
pub fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    drop(listener);
    format!("http://{addr}/v1")
}

async fn serve(stream: TcpStream, state: Arc<State>) {
    // Errors here mean the client went away (e.g. it timed out); the test sees that side.
    let _ = serve_one(stream, &state).await;
}

async fn serve_one(stream: TcpStream, state: &State) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream);
    let Some(request) = read_request(&mut reader).await? else {
        return Ok(());
    };
    state.requests.lock().unwrap().push(request);
    let reply = state
        .replies
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or_else(|| Reply::raw(418, "text/plain", "test server: no scripted reply left"));
    let mut stream = reader.into_inner();
    write_reply(&mut stream, reply).await?;
    stream.shutdown().await
}

/// Reads one request; `None` when the client closed the connection before sending one.
async fn read_request(reader: &mut BufReader<TcpStream>) -> io::Result<Option<Recorded>> {
    let mut line = String::new();
    if reader.read_line(&mut line).await? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(_version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid(format!("bad request line {line:?}")));
    };
    let (method, target) = (method.to_owned(), target.to_owned());
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).await?;
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            break;
        }
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| invalid(format!("bad header line {header:?}")))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let mut request = Recorded {
        method,
        target,
        headers,
        body: Vec::new(),
        at: Instant::now(),
    };
    if request.header("transfer-encoding").is_some() {
        return Err(invalid("chunked request bodies are not supported".into()));
    }
    if let Some(length) = request.header("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| invalid(format!("bad content-length {length:?}")))?;
        let mut body = vec![0; length];
        reader.read_exact(&mut body).await?;
        request.body = body;
    }
    request.at = Instant::now();
    Ok(Some(request))
}

async fn write_reply(stream: &mut TcpStream, reply: Reply) -> io::Result<()> {
    tokio::time::sleep(reply.delay).await;
    let mut head = format!("HTTP/1.1 {} Scripted\r\n", reply.status);
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("connection: close\r\n");
    match reply.body {
        Body::Nothing => Ok(()),
        Body::Full(body) => {
            head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(&body).await?;
            stream.flush().await
        }
        Body::Chunks { chunks, finish } => {
            head.push_str("transfer-encoding: chunked\r\n\r\n");
            stream.write_all(head.as_bytes()).await?;
            stream.flush().await?;
            for (pause, chunk) in chunks {
                tokio::time::sleep(pause).await;
                // A zero-size chunk would end the body; an empty chunk means "nothing".
                if chunk.is_empty() {
                    continue;
                }
                stream
                    .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                    .await?;
                stream.write_all(&chunk).await?;
                stream.write_all(b"\r\n").await?;
                stream.flush().await?;
            }
            if finish {
                stream.write_all(b"0\r\n\r\n").await?;
                stream.flush().await?;
            }
            Ok(())
        }
    }
}

fn invalid(message: String) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("test server: {message}"),
    )
}

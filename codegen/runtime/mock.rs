//! A mock of the API on 127.0.0.1 for the tests of applications (feature `mock`): the
//! machinery behind the generated `mock::MockServer`, which adds the typed methods.
//!
//! Each operation has a queue of planned answers ([`Expect`]); a request is matched to its
//! operation by method and path template, recorded, and given the next answer of that queue.
//! A call nothing was planned for is answered with an error naming the operation, and
//! [`Server::unmet`] (or [`Server::verify`]) reports it with every planned answer left over.
//!
//! Built on hyper's HTTP/1.1 server: the client already depends on hyper (through reqwest),
//! so the feature adds its server half and nothing else. Everything here compiles only with
//! the feature.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::fmt;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

use super::pages::{Path, Paging, Rule};

/// One operation of the API as the mock matches requests to it.
#[derive(Debug)]
pub struct Route {
    /// The client method's name, which messages use.
    pub operation: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template, `{name}` for a parameter.
    pub path: &'static str,
    /// Checks that a request body decodes as the operation's body type (JSON bodies only).
    pub body: Option<BodyCheck>,
    /// How the operation pages, if it does: [`Expect::respond_pages`] links the pages so.
    pub(crate) paging: Option<&'static Paging>,
}

/// A check of a request body: `Err` with the reason when it is not a body of the operation.
pub type BodyCheck = fn(&[u8]) -> Result<(), String>;

/// Whether `body` decodes as a `T`, with serde's message when it does not.
pub fn decodes<T: DeserializeOwned>(body: &[u8]) -> Result<(), String> {
    serde_json::from_slice::<T>(body)
        .map(|_| ())
        .map_err(|error| error.to_string())
}

/// A request the mock received.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MockRequest {
    /// The operation it was matched to, `None` when it matched none.
    pub operation: Option<&'static str>,
    /// The HTTP method.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query string, without `?`.
    pub query: Option<String>,
    /// The headers, names lowercase, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body as received.
    pub body: Bytes,
}

impl MockRequest {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body decoded as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// The answer of an operation that returns JSON of type `T` (a type marker of [`Expect`]).
#[derive(Debug)]
pub struct Json<T>(PhantomData<fn() -> T>);
/// The answer of a list operation that pages, with JSON pages of type `T` (a type marker of
/// [`Expect`]).
#[derive(Debug)]
pub struct Paged<T>(PhantomData<fn() -> T>);
/// The answer of an operation that returns no body.
#[derive(Debug)]
pub struct Empty;
/// The answer of an operation that returns text.
#[derive(Debug)]
pub struct Text;
/// The answer of an operation that returns bytes.
#[derive(Debug)]
pub struct Binary;
/// The answer of an operation whose bodies differ by status: planned with
/// [`Expect::respond_raw`].
#[derive(Debug)]
pub struct ByStatus;
/// The events of an operation that streams events of type `T`.
#[derive(Debug)]
pub struct Events<T>(PhantomData<fn() -> T>);
/// The events of an operation that does not stream.
#[derive(Debug)]
pub struct NoEvents;

/// How a planned stream ends.
#[derive(Debug, Clone)]
enum End {
    /// With `data: [DONE]`.
    Done,
    /// With an error event carrying this body.
    Error(String),
    /// The connection is closed without an end marker.
    Cut,
}

#[derive(Debug, Clone)]
enum Answer {
    Full {
        status: u16,
        content_type: Option<&'static str>,
        body: Bytes,
    },
    Events {
        data: Vec<String>,
        end: End,
    },
    /// The connection is closed without an answer.
    Drop,
}

#[derive(Debug, Clone)]
struct Planned {
    answer: Answer,
    delay: Duration,
    gap: Duration,
    headers: Vec<(String, String)>,
}

#[derive(Debug)]
struct State {
    routes: &'static [Route],
    /// The planned answers of each route, by the route's position.
    queues: Mutex<Vec<VecDeque<Planned>>>,
    received: Mutex<Vec<MockRequest>>,
    /// Calls no answer was planned for, bodies that did not decode.
    problems: Mutex<Vec<String>>,
}

/// A lock that a panic elsewhere does not poison: the data are lists that stay valid.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The server: it listens on 127.0.0.1 until dropped.
pub struct Server {
    addr: SocketAddr,
    state: Arc<State>,
    task: JoinHandle<()>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // The accept loop owns the connections' tasks, so they stop with it.
        self.task.abort();
    }
}

impl Server {
    /// Starts a server for `routes` on a free port of 127.0.0.1.
    pub async fn start(routes: &'static [Route]) -> std::io::Result<Server> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            routes,
            queues: Mutex::new(routes.iter().map(|_| VecDeque::new()).collect()),
            received: Mutex::new(Vec::new()),
            problems: Mutex::new(Vec::new()),
        });
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                while connections.try_join_next().is_some() {}
                let state = Arc::clone(&shared);
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        answer(Arc::clone(&state), request)
                    });
                    // An error here is the client going away, or a planned dropped connection.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Server { addr, state, task })
    }

    /// The base URL to give the client: `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Plans an answer for the route at `route` (the generated `expect_…` methods call this).
    pub fn expect<R, E>(&self, route: usize) -> Expect<'_, R, E> {
        Expect {
            server: self,
            route,
            delay: Duration::ZERO,
            gap: Duration::ZERO,
            times: 1,
            headers: Vec::new(),
            kind: PhantomData,
        }
    }

    /// The requests matched to the route at `route`, oldest first.
    pub fn received(&self, route: usize) -> Vec<MockRequest> {
        let operation = self.state.routes.get(route).map(|r| r.operation);
        lock(&self.state.received)
            .iter()
            .filter(|request| request.operation.is_some() && request.operation == operation)
            .cloned()
            .collect()
    }

    /// The bodies of the requests matched to the route at `route`, decoded as `T`.
    pub fn received_bodies<T: DeserializeOwned>(&self, route: usize) -> Vec<T> {
        self.received(route)
            .iter()
            .filter_map(|request| serde_json::from_slice(&request.body).ok())
            .collect()
    }

    /// Every request received, oldest first, whatever it matched.
    pub fn requests(&self) -> Vec<MockRequest> {
        lock(&self.state.received).clone()
    }

    /// What did not go as planned: calls no answer was planned for, request bodies that do not
    /// decode as the operation's body type, and planned answers no call used. Empty when every
    /// expectation was met.
    pub fn unmet(&self) -> Vec<String> {
        let mut unmet = lock(&self.state.problems).clone();
        for (route, queue) in self
            .state
            .routes
            .iter()
            .zip(lock(&self.state.queues).iter())
        {
            if !queue.is_empty() {
                unmet.push(format!(
                    "{}: {} planned answer{} never used",
                    route.operation,
                    queue.len(),
                    if queue.len() == 1 { " was" } else { "s were" }
                ));
            }
        }
        unmet
    }

    /// Asserts that every expectation was met (see [`Self::unmet`]).
    ///
    /// # Panics
    ///
    /// When one was not, listing what went otherwise: this is a test assertion.
    pub fn verify(&self) {
        let unmet = self.unmet();
        assert!(
            unmet.is_empty(),
            "the mock server's expectations were not met:\n- {}",
            unmet.join("\n- ")
        );
    }

    fn plan(&self, route: usize, planned: Planned, times: usize) {
        if let Some(queue) = lock(&self.state.queues).get_mut(route) {
            queue.extend(std::iter::repeat_n(planned, times));
        }
    }
}

/// An answer being planned for one operation: set a delay or a count, then give the answer
/// (`respond`, `respond_stream`, `fail`, `drop_connection`, ...), which queues it. Answers
/// are used in the order they were planned, one per call.
#[must_use = "nothing is planned until an answer is given"]
pub struct Expect<'a, R, E> {
    server: &'a Server,
    route: usize,
    delay: Duration,
    gap: Duration,
    times: usize,
    headers: Vec<(String, String)>,
    kind: PhantomData<fn() -> (R, E)>,
}

impl<R, E> fmt::Debug for Expect<'_, R, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Expect")
            .field("route", &self.route)
            .field("delay", &self.delay)
            .field("times", &self.times)
            .finish_non_exhaustive()
    }
}

impl<R, E> Expect<'_, R, E> {
    /// Waits this long before answering (to test timeouts or a UI's waiting state).
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Plans the same answer for this many calls (default 1).
    pub fn times(mut self, times: usize) -> Self {
        self.times = times;
        self
    }

    /// Adds a response header (`retry-after`, `x-request-id`, ...).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Answers with an error status and the API's error body.
    pub fn fail(self, status: u16, body: crate::ApiErrorBody) {
        let answer = json_answer(status, &body);
        self.plan(answer);
    }

    /// Answers with any status, content type and body.
    pub fn respond_raw(self, status: u16, content_type: &'static str, body: impl Into<Bytes>) {
        self.plan(Answer::Full {
            status,
            content_type: Some(content_type),
            body: body.into(),
        });
    }

    /// Closes the connection without answering, as a server that crashes does.
    pub fn drop_connection(self) {
        self.plan(Answer::Drop);
    }

    fn plan(self, answer: Answer) {
        let planned = Planned {
            answer,
            delay: self.delay,
            gap: self.gap,
            headers: self.headers,
        };
        self.server.plan(self.route, planned, self.times);
    }
}

/// A JSON answer; a value that does not serialize becomes a 500 saying so (it cannot happen
/// with the generated types, whose maps have string keys).
fn json_answer<T: Serialize>(status: u16, value: &T) -> Answer {
    match serde_json::to_vec(value) {
        Ok(body) => Answer::Full {
            status,
            content_type: Some("application/json"),
            body: body.into(),
        },
        Err(error) => Answer::Full {
            status: 500,
            content_type: Some("text/plain"),
            body: format!("mock server: the planned answer does not serialize: {error}").into(),
        },
    }
}

impl<T: Serialize, E> Expect<'_, Json<T>, E> {
    /// Answers `200` with this value as JSON.
    pub fn respond(self, value: T) {
        let answer = json_answer(200, &value);
        self.plan(answer);
    }
}

impl<T: Serialize, E> Expect<'_, Paged<T>, E> {
    /// Answers `200` with this page as JSON, as it is.
    pub fn respond(self, value: T) {
        let answer = json_answer(200, &value);
        self.plan(answer);
    }

    /// Answers the next calls with these pages, the whole list from its first page, one per
    /// call, each linked to the next as the operation pages: the mock sets the next cursor
    /// (`mock-page-2`, ...), the next link (`?mock_page=2`) or the `Link` header, `has_more`,
    /// and the totals of page numbers and offsets, so that the client's `_pages` and `_items`
    /// read exactly these pages and stop. Pages by number or offset without a total end as the
    /// client ends them: on an empty page, or one shorter than the page size.
    pub fn respond_pages(self, pages: impl IntoIterator<Item = T>) {
        let paging = self.server.state.routes.get(self.route).and_then(|route| route.paging);
        let pages: Result<Vec<serde_json::Value>, _> =
            pages.into_iter().map(serde_json::to_value).collect();
        let mut pages = match pages {
            Ok(pages) => pages,
            Err(error) => {
                let answer = Answer::Full {
                    status: 500,
                    content_type: Some("text/plain"),
                    body: format!("mock server: a planned page does not serialize: {error}").into(),
                };
                return self.plan(answer);
            }
        };
        let mut headers = vec![Vec::new(); pages.len()];
        if let Some(paging) = paging {
            link_pages(paging, &mut pages, &mut headers);
        }
        for (page, own) in pages.iter().zip(headers) {
            let mut headers = self.headers.clone();
            headers.extend(own);
            let planned = Planned {
                answer: json_answer(200, page),
                delay: self.delay,
                gap: self.gap,
                headers,
            };
            self.server.plan(self.route, planned, 1);
        }
    }
}

/// Sets what links each page to the next, as `paging` reads it; `headers` gets each page's
/// own response headers.
fn link_pages(paging: &Paging, pages: &mut [serde_json::Value], headers: &mut [Vec<(String, String)>]) {
    use serde_json::Value;
    let count = pages.len();
    let items = |page: &Value| {
        match paging.items {
            Some(field) => page.get(field),
            None => Some(page),
        }
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
    };
    let total_items: usize = pages.iter().map(items).sum();
    for (at, page) in pages.iter_mut().enumerate() {
        let last = at + 1 == count;
        let next = (at + 2).to_string();
        let has_more = |page: &mut Value, path: Option<Path>| {
            if let Some(path) = path {
                set_path(page, path, Value::Bool(!last));
            }
        };
        // The next page's cursor: a number where the page has a number there, else text. On
        // the last page a `has_more: false` says it, and the cursor stays as the caller gave it
        // (some APIs require one on every page); without one, the cursor is empty.
        let cursor_at = |page: &mut Value, path: Path, text: String, more: Option<Path>| {
            let current = at_path(page, path);
            let value = match (last, current) {
                (true, _) if more.is_some() => return,
                (true, Some(Value::Number(_))) => Value::Null,
                (true, _) => Value::String(String::new()),
                (false, Some(Value::Number(_))) => Value::from(at + 2),
                (false, _) => Value::String(text),
            };
            set_path(page, path, value);
        };
        match &paging.rule {
            Rule::Cursor {
                cursor, has_more: more, ..
            } => {
                cursor_at(page, cursor, format!("mock-page-{next}"), *more);
                has_more(page, *more);
            }
            Rule::LastItem { has_more: more, .. } => has_more(page, *more),
            Rule::NextLink {
                link,
                param,
                has_more: more,
            } => {
                let value = match param {
                    Some(_) => format!("mock-page-{next}"),
                    None => format!("?mock_page={next}"),
                };
                cursor_at(page, link, value, *more);
                has_more(page, *more);
            }
            Rule::LinkHeader => {
                if !last {
                    headers[at].push(("link".to_owned(), format!("<?mock_page={next}>; rel=\"next\"")));
                }
            }
            Rule::PageNumber {
                total_pages,
                total_items: total,
                ..
            } => {
                if let Some(path) = total_pages {
                    set_path(page, path, Value::from(count));
                }
                if let Some(path) = total {
                    set_path(page, path, Value::from(total_items));
                }
            }
            Rule::Offset {
                total_items: total, ..
            } => {
                if let Some(path) = total {
                    set_path(page, path, Value::from(total_items));
                }
            }
        }
    }
}

/// The member at `path` of `value`, if it is there.
fn at_path(value: &serde_json::Value, path: Path) -> Option<&serde_json::Value> {
    path.iter().try_fold(value, |value, name| value.get(name))
}

/// Sets the member at `path` of `value`, making the objects on the way.
fn set_path(value: &mut serde_json::Value, path: Path, to: serde_json::Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = value;
    for name in parents {
        let Some(object) = at.as_object_mut() else {
            return;
        };
        at = object
            .entry((*name).to_owned())
            .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
        if at.is_null() {
            *at = serde_json::Value::Object(serde_json::Map::new());
        }
    }
    if let Some(object) = at.as_object_mut() {
        object.insert((*last).to_owned(), to);
    }
}

impl<E> Expect<'_, Empty, E> {
    /// Answers `204 No Content`.
    pub fn respond(self) {
        self.plan(Answer::Full {
            status: 204,
            content_type: None,
            body: Bytes::new(),
        });
    }
}

impl<E> Expect<'_, Text, E> {
    /// Answers `200` with this text.
    pub fn respond(self, text: impl Into<String>) {
        self.respond_raw(200, "text/plain; charset=utf-8", text.into());
    }
}

impl<E> Expect<'_, Binary, E> {
    /// Answers `200` with these bytes.
    pub fn respond(self, body: impl Into<Bytes>) {
        self.respond_raw(200, "application/octet-stream", body);
    }
}

impl<R, T: Serialize> Expect<'_, R, Events<T>> {
    /// Waits this long before each event of a stream (default: none).
    pub fn event_gap(mut self, gap: Duration) -> Self {
        self.gap = gap;
        self
    }

    /// Answers with these events as Server-Sent Events, then `data: [DONE]`.
    pub fn respond_stream(self, events: impl IntoIterator<Item = T>) {
        self.stream(events, End::Done);
    }

    /// Answers with these events, then an error event carrying the API's error body, as a
    /// server that fails mid-answer does.
    pub fn respond_stream_then_error(
        self,
        events: impl IntoIterator<Item = T>,
        error: crate::ApiErrorBody,
    ) {
        let error = serde_json::to_string(&error).unwrap_or_else(|e| e.to_string());
        self.stream(events, End::Error(error));
    }

    /// Answers with these events, then closes the connection without `[DONE]`.
    pub fn respond_stream_then_drop(self, events: impl IntoIterator<Item = T>) {
        self.stream(events, End::Cut);
    }

    fn stream(self, events: impl IntoIterator<Item = T>, end: End) {
        let mut data = Vec::new();
        for event in events {
            match serde_json::to_string(&event) {
                Ok(json) => data.push(json),
                Err(error) => {
                    return self.plan(Answer::Full {
                        status: 500,
                        content_type: Some("text/plain"),
                        body: format!("mock server: a planned event does not serialize: {error}")
                            .into(),
                    });
                }
            }
        }
        self.plan(Answer::Events { data, end });
    }
}

/// The error a service returns to make hyper close the connection without an answer.
#[derive(Debug)]
struct Dropped;

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("mock server: connection dropped as planned")
    }
}

impl std::error::Error for Dropped {}

type Body = UnsyncBoxBody<Bytes, Dropped>;

async fn answer(state: Arc<State>, request: Request<Incoming>) -> Result<Response<Body>, Dropped> {
    let (parts, body) = request.into_parts();
    // A body that fails to arrive is the client going away: nothing to answer.
    let body = body.collect().await.map_err(|_| Dropped)?.to_bytes();
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let route = find_route(state.routes, &method, &path);
    let recorded = MockRequest {
        operation: route.map(|(_, route)| route.operation),
        method: method.clone(),
        path: path.clone(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.clone(),
    };
    lock(&state.received).push(recorded);
    let problem = |message: String| {
        lock(&state.problems).push(message.clone());
        // 418: a status no API sends and the client never retries, so an unplanned call is
        // neither mistaken for an answer of the API nor repeated.
        Ok(error_response(418, &message))
    };
    let Some((index, route)) = route else {
        return problem(format!("no operation of the API matches {method} {path}"));
    };
    if let Some(check) = route.body
        && let Err(error) = check(&body)
    {
        return problem(format!(
            "{}: the request body does not decode as the operation's body type: {error}",
            route.operation
        ));
    }
    let planned = lock(&state.queues)
        .get_mut(index)
        .and_then(VecDeque::pop_front);
    let Some(planned) = planned else {
        return problem(format!(
            "unexpected call to {} ({method} {path}): no answer was planned for it, or every planned answer was used",
            route.operation
        ));
    };
    if !planned.delay.is_zero() {
        tokio::time::sleep(planned.delay).await;
    }
    let mut response = match planned.answer {
        Answer::Drop => return Err(Dropped),
        Answer::Full {
            status,
            content_type,
            body,
        } => {
            let mut response = Response::new(full(body));
            if let Some(content_type) = content_type {
                insert_header(&mut response, "content-type", content_type);
            }
            *response.status_mut() = status_code(status);
            response
        }
        Answer::Events { data, end } => {
            let mut response = Response::new(events_body(data, end, planned.gap));
            insert_header(&mut response, "content-type", "text/event-stream");
            insert_header(&mut response, "cache-control", "no-cache");
            response
        }
    };
    for (name, value) in &planned.headers {
        insert_header(&mut response, name, value);
    }
    Ok(response)
}

fn full(body: Bytes) -> Body {
    Full::new(body)
        .map_err(|never: Infallible| match never {})
        .boxed_unsync()
}

fn status_code(status: u16) -> hyper::StatusCode {
    hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR)
}

/// Sets a header; one whose name or value HTTP does not allow is left out.
fn insert_header(response: &mut Response<Body>, name: &str, value: &str) {
    if let (Ok(name), Ok(value)) = (
        hyper::header::HeaderName::from_bytes(name.as_bytes()),
        hyper::header::HeaderValue::from_str(value),
    ) {
        response.headers_mut().append(name, value);
    }
}

/// An error in the shape of OpenAI-style APIs, `{"error": {"message": ..}}`, which the
/// client's `ApiError::message` reads.
fn error_response(status: u16, message: &str) -> Response<Body> {
    let body = serde_json::json!({
        "error": {"message": format!("mock server: {message}"), "type": "mock_server_error"}
    });
    let mut response = Response::new(full(body.to_string().into()));
    *response.status_mut() = status_code(status);
    insert_header(&mut response, "content-type", "application/json");
    response
}

/// How long a stream that is cut waits before the connection closes.
const CUT_PAUSE: Duration = Duration::from_millis(20);

/// An SSE body sending each event in a frame of its own, `gap` apart, then the end.
fn events_body(data: Vec<String>, end: End, gap: Duration) -> Body {
    let frames = data
        .into_iter()
        .map(|data| Ok(format!("data: {data}\n\n")))
        .chain(std::iter::once(match end {
            End::Done => Ok("data: [DONE]\n\n".to_owned()),
            End::Error(body) => Ok(format!("event: error\ndata: {body}\n\n")),
            // An error frame makes hyper close the connection mid-body.
            End::Cut => Err(Dropped),
        }));
    let stream = futures_util::stream::iter(frames).then(move |frame| async move {
        let pause = match frame {
            // hyper sends what it has when the body makes it wait; without a pause here an
            // immediate error would close the connection before the head and the events left,
            // and the client would see a failed request (and retry it), not a cut stream.
            Err(_) => gap.max(CUT_PAUSE),
            Ok(_) => gap,
        };
        if !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
        frame.map(|text| Frame::data(Bytes::from(text)))
    });
    StreamBody::new(stream).boxed_unsync()
}

/// The route of a request: the first whose method and path template match, preferring the
/// one with more literal characters when several do (`/models/latest` over `/models/{id}`).
fn find_route(
    routes: &'static [Route],
    method: &str,
    path: &str,
) -> Option<(usize, &'static Route)> {
    routes
        .iter()
        .enumerate()
        .filter(|(_, route)| {
            route.method.eq_ignore_ascii_case(method) && matches_template(route.path, path)
        })
        .max_by_key(|(index, route)| (literal_len(route.path), std::cmp::Reverse(*index)))
}

fn literal_len(template: &str) -> usize {
    let mut len = 0;
    let mut in_param = false;
    for c in template.chars() {
        match c {
            '{' => in_param = true,
            '}' => in_param = false,
            _ if !in_param => len += 1,
            _ => {}
        }
    }
    len
}

/// Whether `path` fits `template`, segment by segment; a `{param}` stands for one or more
/// characters other than `/`, and may share its segment with text (`/files/{name}.{ext}`).
fn matches_template(template: &str, path: &str) -> bool {
    let templates: Vec<&str> = template.trim_matches('/').split('/').collect();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    templates.len() == segments.len()
        && templates
            .iter()
            .zip(&segments)
            .all(|(template, segment)| matches_segment(template, segment))
}

fn matches_segment(template: &str, segment: &str) -> bool {
    match template.find('{') {
        None => template == segment,
        Some(open) => {
            let Some(segment) = segment.strip_prefix(&template[..open]) else {
                return false;
            };
            let rest = match template[open..].find('}') {
                Some(close) => &template[open + close + 1..],
                None => return template == segment,
            };
            // The parameter takes at least one character; try every length.
            segment
                .char_indices()
                .skip(1)
                .map(|(at, _)| at)
                .chain(std::iter::once(segment.len()))
                .filter(|at| *at > 0)
                .any(|at| matches_segment(rest, &segment[at..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_their_templates() {
        assert!(matches_template("/models/{id}", "/models/gpt-4o"));
        assert!(matches_template("/models", "/models/"));
        assert!(!matches_template("/models/{id}", "/models"));
        assert!(!matches_template("/models/{id}", "/models/a/b"));
        assert!(matches_template("/files/{name}.{ext}", "/files/a.b.txt"));
        assert!(!matches_template("/files/{name}.{ext}", "/files/a"));
        assert!(matches_template("/", "/"));
        assert!(!matches_template("/a/{id}", "/b/1"));
    }

    static ROUTES: &[Route] = &[
        Route {
            operation: "get_model",
            method: "GET",
            path: "/models/{id}",
            body: None,
            paging: None,
        },
        Route {
            operation: "latest_model",
            method: "GET",
            path: "/models/latest",
            body: None,
            paging: None,
        },
        Route {
            operation: "create",
            method: "POST",
            path: "/models",
            body: Some(decodes::<serde_json::Value>),
            paging: None,
        },
    ];

    #[test]
    fn the_most_literal_route_wins() {
        let name = |method, path| find_route(ROUTES, method, path).map(|(_, r)| r.operation);
        assert_eq!(name("GET", "/models/latest"), Some("latest_model"));
        assert_eq!(name("GET", "/models/x"), Some("get_model"));
        assert_eq!(name("post", "/models"), Some("create"));
        assert_eq!(name("GET", "/models"), None);
    }

    async fn call(server: &Server, method: &str, path: &str, body: &str) -> (u16, String) {
        let response = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .request(
                method.parse().unwrap(),
                format!("{}{path}", server.base_url()),
            )
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    #[tokio::test]
    async fn planned_answers_are_used_in_order_and_the_rest_is_reported() {
        let server = Server::start(ROUTES).await.unwrap();
        server
            .expect::<Json<serde_json::Value>, NoEvents>(2)
            .header("x-request-id", "req_1")
            .respond(serde_json::json!({"ok": true}));
        server
            .expect::<Json<serde_json::Value>, NoEvents>(2)
            .times(2)
            .respond_raw(202, "text/plain", "later");
        assert_eq!(
            call(&server, "POST", "/models", "{}").await,
            (200, "{\"ok\":true}".into())
        );
        assert_eq!(
            call(&server, "POST", "/models", "[]").await,
            (202, "later".into())
        );
        let (status, body) = call(&server, "GET", "/models/a", "").await;
        assert_eq!(status, 418);
        assert!(
            body.contains("unexpected call to get_model (GET /models/a)"),
            "{body}"
        );
        let (status, body) = call(&server, "POST", "/models", "not json").await;
        assert_eq!(status, 418);
        assert!(body.contains("does not decode"), "{body}");
        let (status, body) = call(&server, "DELETE", "/nowhere", "").await;
        assert_eq!(status, 418);
        assert!(
            body.contains("no operation of the API matches DELETE /nowhere"),
            "{body}"
        );
        let unmet = server.unmet();
        assert_eq!(unmet.len(), 4, "{unmet:#?}");
        assert_eq!(unmet[3], "create: 1 planned answer was never used");
        assert_eq!(server.received(2).len(), 3);
        assert_eq!(server.received_bodies::<serde_json::Value>(2).len(), 2);
        assert_eq!(server.requests().len(), 5);
        assert_eq!(server.requests()[0].header("Content-Length"), Some("2"));
    }

    #[tokio::test]
    async fn events_and_dropped_connections() {
        let server = Server::start(ROUTES).await.unwrap();
        server
            .expect::<Empty, Events<serde_json::Value>>(0)
            .event_gap(Duration::from_millis(1))
            .respond_stream([serde_json::json!({"a": 1}), serde_json::json!({"b": 2})]);
        server
            .expect::<Empty, Events<serde_json::Value>>(0)
            .respond_stream_then_error(
                [serde_json::json!(1)],
                serde_json::from_value(serde_json::json!({"error": {"message": "x"}})).unwrap(),
            );
        server.expect::<Empty, NoEvents>(0).drop_connection();
        server
            .expect::<Empty, NoEvents>(0)
            .delay(Duration::from_millis(30))
            .respond();
        assert_eq!(
            call(&server, "GET", "/models/1", "").await,
            (
                200,
                "data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n".into()
            )
        );
        assert_eq!(
            call(&server, "GET", "/models/1", "").await.1,
            "data: 1\n\nevent: error\ndata: {\"error\":{\"message\":\"x\"}}\n\n"
        );
        let dropped = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .get(format!("{}/models/1", server.base_url()))
            .send()
            .await;
        assert!(dropped.is_err(), "{dropped:?}");
        let started = std::time::Instant::now();
        assert_eq!(call(&server, "GET", "/models/1", "").await.0, 204);
        assert!(started.elapsed() >= Duration::from_millis(30));
        assert!(server.unmet().is_empty(), "{:?}", server.unmet());
        server.verify();
    }
}

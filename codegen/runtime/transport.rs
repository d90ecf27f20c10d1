//! Configuration, request building, and sending with timeouts and retries.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::{StreamExt, future};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use super::error::{ApiError, Error};
use super::multipart::Multipart;
use super::retry::RetryPolicy;
use super::sse::EventStream;
use super::{encode_path_segment, scalar_text};

/// What the generated code knows about the API: set once from the spec.
#[derive(Debug)]
#[doc(hidden)]
pub struct ApiInfo {
    /// The first server URL of the spec.
    pub default_base_url: &'static str,
    /// The environment variable with the API key (`DEEPSHI_API_KEY`).
    pub api_key_env: &'static str,
    /// The environment variables with the username and password of HTTP basic auth.
    pub username_env: &'static str,
    /// See `username_env`.
    pub password_env: &'static str,
    /// The environment variable that overrides the base URL (`DEEPSHI_BASE_URL`).
    pub base_url_env: &'static str,
    /// `User-Agent` of every request.
    pub user_agent: &'static str,
    /// The security schemes of the spec that the client can apply.
    pub schemes: &'static [AuthScheme],
    /// What operations that state no requirement of their own send: alternatives, each the
    /// indices into `schemes` sent together. The first non-empty one whose credentials are all
    /// set is sent; an empty one means the call may go without.
    pub security: &'static [&'static [usize]],
    /// Every operation needs a credential, so a client without one fails at `build()`.
    pub credentials_required: bool,
}

/// How one security scheme sends its credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(hidden)]
pub enum AuthScheme {
    /// `Authorization: Bearer <key>`.
    Bearer,
    /// `Authorization: Basic <base64 of username:password>`.
    Basic,
    /// The key in the header of this name.
    Header(&'static str),
    /// The key in the query parameter of this name.
    Query(&'static str),
    /// The key in the cookie of this name.
    Cookie(&'static str),
}

impl AuthScheme {
    /// The header that carries the credential, if one does.
    fn header(self) -> Option<&'static str> {
        match self {
            AuthScheme::Bearer | AuthScheme::Basic => Some("authorization"),
            AuthScheme::Header(name) => Some(name),
            AuthScheme::Cookie(_) => Some("cookie"),
            AuthScheme::Query(_) => None,
        }
    }
}

/// A credential for one scheme, as the caller gave it.
#[derive(Debug, Clone)]
pub(crate) enum Credential {
    /// An API key or token.
    Key(Secret),
    /// A username and password.
    Basic { username: String, password: Secret },
}

impl Credential {
    pub(crate) fn key(key: String) -> Self {
        Credential::Key(Secret(key))
    }

    pub(crate) fn basic(username: String, password: String) -> Self {
        Credential::Basic {
            username,
            password: Secret(password),
        }
    }
}

/// A credential as it goes on the wire, made once when the client is built.
enum Applied {
    Header(HeaderName, HeaderValue),
    Query(&'static str, Secret),
    Cookie(&'static str, Secret),
}

/// Where each credential goes, never the credential.
impl fmt::Debug for Applied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (place, name) = match self {
            Applied::Header(name, _) => ("header", name.as_str()),
            Applied::Query(name, _) => ("query", *name),
            Applied::Cookie(name, _) => ("cookie", *name),
        };
        write!(f, "{place} {name:?}: <redacted>")
    }
}

/// The default for the whole request, as the official OpenAI SDKs have it.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// An API key that never shows in `Debug` output, error messages or logs.
#[derive(Clone)]
pub(crate) struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Builds a [`Client`](crate::Client) with settings other than the defaults.
#[derive(Debug)]
pub struct ClientBuilder {
    info: &'static ApiInfo,
    api_key: Option<Secret>,
    basic: Option<(String, Secret)>,
    /// Credentials set for one scheme alone; they win over `api_key` and `basic`.
    scheme_credentials: Vec<(usize, Credential)>,
    base_url: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    http: Option<reqwest::Client>,
    headers: Vec<(String, String)>,
}

impl ClientBuilder {
    pub(crate) fn new(info: &'static ApiInfo) -> Self {
        ClientBuilder {
            info,
            api_key: None,
            basic: None,
            scheme_credentials: Vec::new(),
            base_url: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry: RetryPolicy::default(),
            http: None,
            headers: Vec::new(),
        }
    }

    /// The API key (or token) for every security scheme of the API that takes one: a bearer
    /// token, or a key in a header, the query or a cookie. Each request sends it the way its
    /// operation asks.
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = Some(Secret(api_key.into()));
        self
    }

    /// The username and password for the API's HTTP basic authentication.
    pub fn basic_auth(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.basic = Some((username.into(), Secret(password.into())));
        self
    }

    /// The credential of one scheme alone (the generated per-scheme setters call this).
    pub(crate) fn scheme_credential(mut self, scheme: usize, credential: Credential) -> Self {
        self.scheme_credentials.push((scheme, credential));
        self
    }

    /// The URL that operation paths are appended to (default: the spec's first server).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// The longest a request may take, retries not counted (default 600 s). For a stream it
    /// bounds the wait for the response headers; the events may then take as long as they take.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The longest connecting may take (default 10 s). Ignored with [`Self::http_client`],
    /// whose own settings apply.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How often a failed request is retried (default 2; 0 disables retries).
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.retry.max_retries = max_retries;
        self
    }

    /// The backoff between retries: the first wait and the longest (default 0.5 s and 8 s).
    pub fn retry_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.retry.initial_backoff = initial;
        self.retry.max_backoff = max;
        self
    }

    /// A header sent with every request.
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sends requests through this `reqwest::Client` (its pool, proxy and TLS settings).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Takes the credentials and base URL from the environment where the builder has none
    /// yet: the API key from `<PREFIX>_API_KEY`, basic auth from `<PREFIX>_USERNAME` and
    /// `<PREFIX>_PASSWORD`, the base URL from `<PREFIX>_BASE_URL`, so
    /// `Client::builder().with_env()?.timeout(..).build()` combines both. Fails when the API
    /// needs a credential and the environment has none.
    pub fn with_env(mut self) -> Result<Self, Error> {
        let variable = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        if self.api_key.is_none() && self.takes_key() {
            self.api_key = variable(self.info.api_key_env).map(Secret);
        }
        if self.basic.is_none()
            && self.takes_basic()
            && let Some(username) = variable(self.info.username_env)
        {
            let password = std::env::var(self.info.password_env).unwrap_or_default();
            self.basic = Some((username, Secret(password)));
        }
        if self.info.credentials_required && !self.has_credential() {
            return Err(Error::Config(format!(
                "the environment variable {} is not set; {}",
                self.credential_variables(),
                if self.takes_key() {
                    "set it to your API key"
                } else {
                    "set them to your username and password"
                }
            )));
        }
        if self.base_url.is_none() {
            self.base_url = std::env::var(self.info.base_url_env)
                .ok()
                .map(|url| url.trim().to_owned())
                .filter(|url| !url.is_empty());
        }
        Ok(self)
    }

    fn takes_key(&self) -> bool {
        self.info.schemes.iter().any(|s| *s != AuthScheme::Basic)
    }

    fn takes_basic(&self) -> bool {
        self.info.schemes.contains(&AuthScheme::Basic)
    }

    fn has_credential(&self) -> bool {
        (self.api_key.is_some() && self.takes_key())
            || (self.basic.is_some() && self.takes_basic())
            || !self.scheme_credentials.is_empty()
    }

    /// The environment variables `with_env` reads credentials from, for messages.
    fn credential_variables(&self) -> String {
        let basic = format!("{} (and {})", self.info.username_env, self.info.password_env);
        match (self.takes_key(), self.takes_basic()) {
            (true, true) => format!("{} or {basic}", self.info.api_key_env),
            (false, true) => basic,
            _ => self.info.api_key_env.to_owned(),
        }
    }

    /// The credential of each scheme, in `info.schemes` order, as it goes on the wire.
    fn applied_credentials(&self) -> Result<Vec<Option<Applied>>, Error> {
        let mut applied = Vec::with_capacity(self.info.schemes.len());
        for (index, scheme) in self.info.schemes.iter().enumerate() {
            let own = self
                .scheme_credentials
                .iter()
                .rev()
                .find(|(at, _)| *at == index)
                .map(|(_, credential)| credential.clone());
            let credential = own.or_else(|| match scheme {
                AuthScheme::Basic => self.basic.clone().map(|(username, password)| {
                    Credential::Basic { username, password }
                }),
                _ => self.api_key.clone().map(Credential::Key),
            });
            applied.push(match (credential, *scheme) {
                (None, _) => None,
                (Some(Credential::Key(key)), AuthScheme::Bearer) => Some(Applied::Header(
                    HeaderName::from_static("authorization"),
                    sensitive(&format!("Bearer {}", key.0))?,
                )),
                (Some(Credential::Basic { username, password }), AuthScheme::Basic) => {
                    let pair = format!("{username}:{}", password.0);
                    Some(Applied::Header(
                        HeaderName::from_static("authorization"),
                        sensitive(&format!("Basic {}", base64(pair.as_bytes())))?,
                    ))
                }
                (Some(Credential::Key(key)), AuthScheme::Header(name)) => Some(Applied::Header(
                    HeaderName::from_bytes(name.as_bytes())
                        .map_err(|_| Error::Config(format!("invalid auth header name {name:?}")))?,
                    sensitive(&key.0)?,
                )),
                (Some(Credential::Key(key)), AuthScheme::Query(name)) => {
                    Some(Applied::Query(name, key))
                }
                (Some(Credential::Key(key)), AuthScheme::Cookie(name)) => {
                    // Checked here so that a bad key fails at `build()`, not at each call.
                    sensitive(&format!("{name}={}", key.0))?;
                    Some(Applied::Cookie(name, key))
                }
                // The generated setters pass the kind of credential their scheme takes.
                (Some(_), _) => None,
            });
        }
        Ok(applied)
    }

    /// Builds the client; fails on a base URL that is not a URL or a header that is not valid.
    pub fn build(self) -> Result<crate::Client, Error> {
        self.build_transport().map(crate::Client::from_transport)
    }

    /// Builds the transport; when a setting is unusable, every call fails with that error
    /// instead (so `Client::new` needs no `Result`).
    pub(crate) fn build_lenient(self) -> Transport {
        let info = self.info;
        let timeout = self.timeout;
        let retry = self.retry;
        self.build_transport().unwrap_or_else(|error| Transport {
            shared: Arc::new(Shared {
                http: None,
                base_url: String::new(),
                credentials: Vec::new(),
                info,
                default_headers: HeaderMap::new(),
                timeout,
                retry,
                broken: Some(error.to_string()),
            }),
            options: RequestOptions::default(),
        })
    }

    pub(crate) fn build_transport(self) -> Result<Transport, Error> {
        let base_url = self
            .base_url
            .clone()
            .unwrap_or_else(|| self.info.default_base_url.to_owned());
        let base_url = base_url.trim_end_matches('/').to_owned();
        match reqwest::Url::parse(&base_url) {
            Ok(url) if url.scheme() == "http" || url.scheme() == "https" => {}
            _ => {
                return Err(Error::Config(format!(
                    "base URL {base_url:?} is not an http(s) URL; set one with `Client::builder().base_url(..)`"
                )));
            }
        }
        let mut default_headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let (name, value) = header_pair(name, value)?;
            default_headers.append(name, value);
        }
        // An API that needs a credential fails at `build()`, not at the first call; a default
        // header may carry the credential instead (a proxy's, say).
        let has_credential_header = self.info.schemes.iter().filter_map(|s| s.header()).any(|name| {
            self.headers
                .iter()
                .any(|(header, _)| header.eq_ignore_ascii_case(name))
        });
        if self.info.credentials_required && !self.has_credential() && !has_credential_header {
            let message = if self.takes_key() {
                format!(
                    "no API key: set one with `.api_key(..)`, or read {} with `.with_env()?`",
                    self.credential_variables()
                )
            } else {
                format!(
                    "no credentials: set them with `.basic_auth(..)`, or read {} with `.with_env()?`",
                    self.credential_variables()
                )
            };
            return Err(Error::Config(message));
        }
        let credentials = self.applied_credentials()?;
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .build()
                .map_err(|error| Error::Config(format!("could not set up HTTP: {error}")))?,
        };
        Ok(Transport {
            shared: Arc::new(Shared {
                http: Some(http),
                broken: None,
                base_url,
                credentials,
                info: self.info,
                default_headers,
                timeout: self.timeout,
                retry: self.retry,
            }),
            options: RequestOptions::default(),
        })
    }
}

fn sensitive(value: &str) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::from_str(value).map_err(|_| {
        Error::Config("the credential contains characters not allowed in an HTTP header".to_owned())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// Standard base64 with padding (RFC 4648), for basic auth: too little code to be worth a
/// dependency.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let value = group
            .iter()
            .enumerate()
            .fold(0u32, |value, (at, byte)| value | u32::from(*byte) << (16 - 8 * at));
        for at in 0..4 {
            if at <= group.len() {
                out.push(char::from(ALPHABET[(value >> (18 - 6 * at)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn header_pair(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), Error> {
    let header_name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| Error::Config(format!("{name:?} is not a valid HTTP header name")))?;
    let header_value = HeaderValue::from_str(value)
        .map_err(|_| Error::Config(format!("the value of header {name:?} is not valid in HTTP")))?;
    Ok((header_name, header_value))
}

/// Settings for some calls only: `client.with_options(options).some_call(..)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOptions {
    timeout: Option<Duration>,
    max_retries: Option<u32>,
    headers: Vec<(String, String)>,
    on_response: Option<ResponseHook>,
}

/// What an HTTP response said besides its body: handed to the function set with
/// [`RequestOptions::on_response`] for every response, the retried ones included.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ResponseInfo {
    /// The HTTP status.
    pub status: u16,
    /// The response headers: rate limits, processing time, and so on.
    pub headers: HeaderMap,
    /// The `x-request-id` (or `request-id`) header, which the API's support asks for.
    pub request_id: Option<String>,
    /// How many times the request had been retried before this response (0: the first try).
    pub retries: u32,
}

/// A function called with every response; compared by identity.
#[derive(Clone)]
struct ResponseHook(Arc<dyn Fn(&ResponseInfo) + Send + Sync>);

impl fmt::Debug for ResponseHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResponseHook(..)")
    }
}

impl PartialEq for ResponseHook {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for ResponseHook {}

impl RequestOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// The timeout of these calls.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The number of retries of these calls.
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = Some(max_retries);
        self
    }

    /// An extra header on these calls.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// A function these calls hand every HTTP response to, before its body is read: to log
    /// request ids or watch rate-limit headers. Responses that are retried are included, so
    /// a call may report several. Set on a client (`client.with_options(..)`), it sees all
    /// of that client's calls; a later `on_response` replaces an earlier one.
    pub fn on_response(mut self, hook: impl Fn(&ResponseInfo) + Send + Sync + 'static) -> Self {
        self.on_response = Some(ResponseHook(Arc::new(hook)));
        self
    }

    fn merged(&self, later: RequestOptions) -> RequestOptions {
        let mut headers = self.headers.clone();
        headers.extend(later.headers);
        RequestOptions {
            timeout: later.timeout.or(self.timeout),
            max_retries: later.max_retries.or(self.max_retries),
            headers,
            on_response: later.on_response.or_else(|| self.on_response.clone()),
        }
    }
}

struct Shared {
    /// `None` when the configuration was unusable; then `broken` says why.
    http: Option<reqwest::Client>,
    broken: Option<String>,
    base_url: String,
    /// One entry per scheme of `info.schemes`: its credential, if the caller set one.
    credentials: Vec<Option<Applied>>,
    info: &'static ApiInfo,
    default_headers: HeaderMap,
    timeout: Duration,
    retry: RetryPolicy,
}

/// The HTTP machinery behind a generated client; cheap to clone.
#[derive(Clone)]
pub struct Transport {
    shared: Arc<Shared>,
    options: RequestOptions,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.shared.base_url)
            .field("credentials", &self.shared.credentials)
            .field("timeout", &self.shared.timeout)
            .field("retry", &self.shared.retry)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// One request, before it is sent (and perhaps sent again).
#[derive(Debug, Clone)]
pub(crate) struct Request {
    method: reqwest::Method,
    path: String,
    /// A whole URL to send to instead of the base URL, path and query: the next page's link.
    url: Option<reqwest::Url>,
    /// Names are the parameter's own, or made from it and an object's keys (`deepObject`,
    /// or `form` with `explode`).
    query: Vec<(Cow<'static, str>, String)>,
    headers: Vec<(&'static str, String)>,
    /// Cookie parameters, values already encoded for the `Cookie` header.
    cookies: Vec<(Cow<'static, str>, String)>,
    body: Option<(Bytes, Cow<'static, str>)>,
    /// The operation's own security requirement, when it differs from the API's.
    security: Option<&'static [&'static [usize]]>,
}

impl Request {
    /// A request for `path`, the path template's text up to its first parameter.
    pub(crate) fn new(method: reqwest::Method, path: &str) -> Self {
        Request {
            method,
            path: path.to_owned(),
            url: None,
            query: Vec::new(),
            headers: Vec::new(),
            cookies: Vec::new(),
            body: None,
            security: None,
        }
    }

    /// The operation's own security requirement (see [`ApiInfo::security`]); `&[]` sends no
    /// credentials.
    pub(crate) fn security(&mut self, alternatives: &'static [&'static [usize]]) {
        self.security = Some(alternatives);
    }

    /// Appends literal text of the path template.
    pub(crate) fn path(&mut self, text: &str) {
        self.path.push_str(text);
    }

    /// Appends a path parameter in the `simple` style, percent-encoded: strings as they are,
    /// numbers and booleans as written, arrays and objects as comma-separated items.
    pub(crate) fn path_param<T: Serialize + ?Sized>(&mut self, value: &T) {
        self.styled_path_param("", value, Style::Simple, false);
    }

    /// Appends a path parameter whose value is a path itself (Azure's `resourceUri`): as
    /// [`Request::path_param`], but its slashes stay as they are.
    pub(crate) fn path_param_with_slashes<T: Serialize + ?Sized>(&mut self, value: &T) {
        let text = serde_json::to_value(value)
            .ok()
            .and_then(|value| scalar_text(&value))
            .unwrap_or_default();
        // Callers write a resource id both ways, `/subscriptions/..` and `subscriptions/..`.
        let text = match self.path.ends_with('/') {
            true => text.trim_start_matches('/'),
            false => text.as_str(),
        };
        let segments: Vec<String> = text.split('/').map(encode_path_segment).collect();
        self.path.push_str(&segments.join("/"));
    }

    /// Appends the path parameter `name` in `style` (`simple`, `label` or `matrix`), each
    /// item percent-encoded and the style's separators as they are.
    pub(crate) fn styled_path_param<T: Serialize + ?Sized>(
        &mut self,
        name: &str,
        value: &T,
        style: Style,
        explode: bool,
    ) {
        if let Ok(value) = serde_json::to_value(value) {
            self.path.push_str(&path_text(name, &value, style, explode));
        }
    }

    /// Adds a query parameter written in `style` with `explode` as OpenAPI defines them;
    /// `None` adds nothing.
    pub(crate) fn query<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
        style: Style,
        explode: bool,
    ) {
        if let Ok(value) = serde_json::to_value(value) {
            styled_pairs(Cow::Borrowed(name), &value, style, explode, &mut self.query);
        }
    }

    /// Sets the query parameter `name` to `value` alone, replacing what the caller set: the
    /// cursor, page number or offset of the next page.
    pub(crate) fn set_query(&mut self, name: &'static str, value: String) {
        self.query.retain(|(key, _)| key != name);
        self.query.push((Cow::Borrowed(name), value));
    }

    /// The value of the query parameter `name`, if it is set once.
    pub(crate) fn query_value(&self, name: &str) -> Option<&str> {
        let mut values = self.query.iter().filter(|(key, _)| key == name);
        match (values.next(), values.next()) {
            (Some((_, value)), None) => Some(value),
            _ => None,
        }
    }

    /// Sends the request to `url` as it is, instead of the base URL with the path and query:
    /// the next page's link, which carries the query itself.
    pub(crate) fn set_url(&mut self, url: reqwest::Url) {
        self.url = Some(url);
    }

    /// Adds a header parameter in the `simple` style; `None` adds nothing.
    pub(crate) fn header<T: Serialize>(&mut self, name: &'static str, value: &T) {
        let text = match serde_json::to_value(value) {
            Ok(serde_json::Value::Array(items)) => Some(
                items
                    .iter()
                    .filter_map(scalar_text)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            Ok(serde_json::Value::Object(map)) => {
                Some(key_value_items(&map).collect::<Vec<_>>().join(","))
            }
            Ok(value) => scalar_text(&value),
            Err(_) => None,
        };
        if let Some(text) = text {
            self.headers.push((name, text));
        }
    }

    /// Adds a cookie parameter in the `form` style (or as JSON text for a JSON `content`);
    /// `None` adds nothing.
    pub(crate) fn cookie<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
        style: Style,
        explode: bool,
    ) {
        if let Ok(value) = serde_json::to_value(value) {
            cookie_pairs(name, &value, style, explode, &mut self.cookies);
        }
    }

    /// A JSON body.
    pub(crate) fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body).map_err(body_error)?;
        self.body = Some((Bytes::from(bytes), Cow::Borrowed("application/json")));
        Ok(self)
    }

    /// A JSON body whose boolean `field` is forced: set to `true` for a stream; for a plain
    /// call, turned off if the caller set it and otherwise left out.
    pub(crate) fn json_with_flag<B: Serialize + ?Sized>(
        mut self,
        body: &B,
        field: &str,
        stream: bool,
    ) -> Result<Self, Error> {
        let mut bytes = serde_json::to_vec(body).map_err(body_error)?;
        let key = format!("\"{field}\"");
        let mentions_field = bytes
            .windows(key.len())
            .any(|window| window == key.as_bytes());
        if mentions_field {
            // The caller set the field (or a string contains its name): edit it as a value.
            let mut value: serde_json::Value =
                serde_json::from_slice(&bytes).map_err(body_error)?;
            if let Some(object) = value.as_object_mut()
                && (stream || object.contains_key(field))
            {
                object.insert(field.to_owned(), serde_json::Value::Bool(stream));
            }
            bytes = serde_json::to_vec(&value).map_err(body_error)?;
        } else if stream && bytes.last() == Some(&b'}') {
            // The common case, without a round trip through `Value`: append the field to the
            // object serde_json wrote.
            bytes.pop();
            if bytes.len() > 1 {
                bytes.push(b',');
            }
            bytes.extend_from_slice(key.as_bytes());
            bytes.extend_from_slice(b":true}");
        }
        self.body = Some((Bytes::from(bytes), Cow::Borrowed("application/json")));
        Ok(self)
    }

    /// An `application/x-www-form-urlencoded` body from the fields of `body`, each written as
    /// a `form` parameter with `explode` unless `encoding` names its style (the request
    /// body's `encoding`: `deepObject` for `metadata[key]=v` and `expand[]=a`).
    pub(crate) fn form<B: Serialize + ?Sized>(
        mut self,
        body: &B,
        encoding: &[(&str, Style, bool)],
    ) -> Result<Self, Error> {
        let value = serde_json::to_value(body).map_err(body_error)?;
        let mut pairs = Vec::new();
        if let serde_json::Value::Object(map) = value {
            for (name, value) in map {
                let (style, explode) = encoding
                    .iter()
                    .find(|(field, ..)| *field == name)
                    .map_or((Style::Form, true), |(_, style, explode)| (*style, *explode));
                styled_pairs(Cow::Owned(name), &value, style, explode, &mut pairs);
            }
        }
        let mut out = String::new();
        for (name, value) in pairs {
            if !out.is_empty() {
                out.push('&');
            }
            out.push_str(&form_encode(&name));
            out.push('=');
            out.push_str(&form_encode(&value));
        }
        self.body = Some((
            Bytes::from(out),
            Cow::Borrowed("application/x-www-form-urlencoded"),
        ));
        Ok(self)
    }

    /// A `multipart/form-data` body with one text part per field of `body` (for bodies whose
    /// schema the generator could not see field by field).
    pub(crate) fn multipart<B: Serialize + ?Sized>(self, body: &B) -> Result<Self, Error> {
        let mut form = Multipart::new();
        for (name, value) in fields(body)? {
            form.text(&name, &value);
        }
        Ok(self.multipart_form(form))
    }

    /// A finished `multipart/form-data` body.
    pub(crate) fn multipart_form(mut self, form: Multipart) -> Self {
        let (body, content_type) = form.finish();
        self.body = Some((body, Cow::Owned(content_type)));
        self
    }

    /// A body sent as it is, with this content type.
    pub(crate) fn raw(mut self, body: impl Into<Bytes>, content_type: &'static str) -> Self {
        self.body = Some((body.into(), Cow::Borrowed(content_type)));
        self
    }
}

/// How a parameter (or a form field) is written: OpenAPI's `style`, beside its `explode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// `form`: `k=a&k=b` or `k=a,b`; an object's keys become parameters with `explode`.
    Form,
    /// `spaceDelimited`: `k=a b` (as `form` with `explode`).
    SpaceDelimited,
    /// `pipeDelimited`: `k=a|b` (as `form` with `explode`).
    PipeDelimited,
    /// `deepObject`: `k[a]=1&k[b][c]=2`, arrays `k[]=a`.
    DeepObject,
    /// A parameter with `content` of a JSON media type: the value as JSON text.
    Json,
    /// `simple` (paths and headers): `a,b`; objects `k,v` or `k=v` with `explode`.
    Simple,
    /// `label`: `.a,b` or `.a.b` with `explode`.
    Label,
    /// `matrix`: `;k=a,b` or `;k=a;k=b` with `explode`.
    Matrix,
}

/// Appends the query (or form) pairs of the parameter `name` holding `value`.
fn styled_pairs(
    name: Cow<'static, str>,
    value: &serde_json::Value,
    style: Style,
    explode: bool,
    out: &mut Vec<(Cow<'static, str>, String)>,
) {
    use serde_json::Value;
    let separator = match style {
        Style::SpaceDelimited => " ",
        Style::PipeDelimited => "|",
        _ => ",",
    };
    match (value, style) {
        (Value::Null, _) => {}
        (_, Style::Json) => out.push((name, value.to_string())),
        (Value::Array(_) | Value::Object(_), Style::DeepObject) => {
            deep_object_pairs(&name, value, out);
        }
        (Value::Array(items), _) if explode => {
            out.extend(
                items
                    .iter()
                    .filter_map(scalar_text)
                    .map(|text| (name.clone(), text)),
            );
        }
        (Value::Array(items), _) => {
            let items: Vec<String> = items.iter().filter_map(scalar_text).collect();
            out.push((name, items.join(separator)));
        }
        (Value::Object(map), _) if explode => {
            for (key, value) in map {
                if let Some(text) = scalar_text(value) {
                    out.push((Cow::Owned(key.clone()), text));
                }
            }
        }
        (Value::Object(map), _) => {
            let items: Vec<String> = key_value_items(map).collect();
            out.push((name, items.join(separator)));
        }
        (scalar, _) => out.extend(scalar_text(scalar).map(|text| (name, text))),
    }
}

/// `deepObject` pairs: `prefix[key]` for an object's members, `prefix[]` for an array's
/// scalars and `prefix[i]` for its objects, nested as deep as the value goes.
fn deep_object_pairs(
    prefix: &str,
    value: &serde_json::Value,
    out: &mut Vec<(Cow<'static, str>, String)>,
) {
    use serde_json::Value;
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (key, member) in map {
                deep_object_pairs(&format!("{prefix}[{key}]"), member, out);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                if matches!(item, Value::Object(_) | Value::Array(_)) {
                    deep_object_pairs(&format!("{prefix}[{index}]"), item, out);
                } else if let Some(text) = scalar_text(item) {
                    out.push((Cow::Owned(format!("{prefix}[]")), text));
                }
            }
        }
        scalar => {
            if let Some(text) = scalar_text(scalar) {
                out.push((Cow::Owned(prefix.to_owned()), text));
            }
        }
    }
}

/// Appends the cookies of the parameter `name` holding `value`: `form` style, where `explode`
/// makes each item (or each member of an object) a cookie of its own.
fn cookie_pairs(
    name: &'static str,
    value: &serde_json::Value,
    style: Style,
    explode: bool,
    out: &mut Vec<(Cow<'static, str>, String)>,
) {
    use serde_json::Value;
    let text = |value: &Value| scalar_text(value).map(|text| cookie_encode(&text));
    let joined = |items: Vec<String>| (Cow::Borrowed(name), items.join(","));
    match value {
        Value::Null => {}
        _ if style == Style::Json => {
            out.push((Cow::Borrowed(name), cookie_encode(&value.to_string())));
        }
        Value::Array(items) if explode => {
            out.extend(items.iter().filter_map(text).map(|t| (Cow::Borrowed(name), t)));
        }
        Value::Array(items) => out.push(joined(items.iter().filter_map(text).collect())),
        Value::Object(map) if explode => out.extend(
            map.iter()
                .filter_map(|(key, value)| Some((Cow::Owned(cookie_name(key)), text(value)?))),
        ),
        Value::Object(map) => out.push(joined(
            map.iter()
                .filter_map(|(key, value)| Some(format!("{},{}", cookie_encode(key), text(value)?)))
                .collect(),
        )),
        other => out.extend(text(other).map(|t| (Cow::Borrowed(name), t))),
    }
}

/// A cookie value's text with what RFC 6265 keeps out of a cookie (controls, space, `"`, `,`,
/// `;`, `\`, anything not ASCII) and `%` itself percent-encoded: a server that decodes gets
/// the value back, and one that does not sees ordinary values unchanged.
fn cookie_encode(text: &str) -> String {
    percent_encode_except(text, |byte| {
        matches!(byte, 0x21..=0x7e) && !matches!(byte, b'"' | b'%' | b',' | b';' | b'\\')
    })
}

/// An object member's key as a cookie name: what RFC 6265 keeps out of a name (separators such
/// as `=` and `;`, space, controls, anything not ASCII) percent-encoded.
fn cookie_name(key: &str) -> String {
    percent_encode_except(key, |byte| is_token_byte(byte) && byte != b'%')
}

/// `text` with every byte but those `keep` accepts written as `%XX`.
fn percent_encode_except(text: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if keep(byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Whether `byte` may stand in an HTTP token (RFC 9110), the syntax of a cookie's name.
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// An object's members as `key, value` items, members that are null left out.
fn key_value_items(
    map: &serde_json::Map<String, serde_json::Value>,
) -> impl Iterator<Item = String> + '_ {
    map.iter().flat_map(|(key, value)| {
        scalar_text(value)
            .map(|text| [key.clone(), text])
            .into_iter()
            .flatten()
    })
}

/// A path parameter's text in `style` (`simple`, `label` or `matrix`; the query styles
/// are taken as `simple`), every item percent-encoded.
fn path_text(name: &str, value: &serde_json::Value, style: Style, explode: bool) -> String {
    use serde_json::Value;
    let name = encode_path_segment(name);
    // The items and, for objects with `explode`, the `key=value` pairs to join.
    let items: Vec<String> = match value {
        Value::Null => Vec::new(),
        Value::Array(items) => items
            .iter()
            .filter_map(scalar_text)
            .map(|text| encode_path_segment(&text))
            .collect(),
        Value::Object(map) if explode => map
            .iter()
            .filter_map(|(key, value)| {
                let text = scalar_text(value)?;
                Some(format!("{}={}", encode_path_segment(key), encode_path_segment(&text)))
            })
            .collect(),
        Value::Object(map) => key_value_items(map).map(|text| encode_path_segment(&text)).collect(),
        scalar => scalar_text(scalar)
            .map(|text| encode_path_segment(&text))
            .into_iter()
            .collect(),
    };
    let object = value.is_object();
    match style {
        Style::Label if explode => items.iter().map(|item| format!(".{item}")).collect(),
        Style::Label => format!(".{}", items.join(",")),
        Style::Matrix if explode && object => {
            items.iter().map(|item| format!(";{item}")).collect()
        }
        Style::Matrix if explode && value.is_array() => items
            .iter()
            .map(|item| format!(";{name}={item}"))
            .collect(),
        Style::Matrix if items.is_empty() => format!(";{name}"),
        Style::Matrix => format!(";{name}={}", items.join(",")),
        _ => items.join(","),
    }
}

fn body_error(error: serde_json::Error) -> Error {
    Error::Config(format!(
        "the request body cannot be written as JSON: {error}"
    ))
}

/// The top-level fields of a body as text, for form and multipart encodings.
fn fields<B: Serialize + ?Sized>(body: &B) -> Result<Vec<(String, String)>, Error> {
    let value = serde_json::to_value(body).map_err(body_error)?;
    let mut out = Vec::new();
    if let serde_json::Value::Object(map) = value {
        for (name, value) in map {
            match value {
                serde_json::Value::Array(items) => {
                    out.extend(
                        items
                            .iter()
                            .filter_map(scalar_text)
                            .map(|text| (name.clone(), text)),
                    );
                }
                other => out.extend(scalar_text(&other).map(|text| (name, text))),
            }
        }
    }
    Ok(out)
}

fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b' ' => out.push('+'),
            b'*' | b'-' | b'.' | b'_' => out.push(char::from(byte)),
            _ if byte.is_ascii_alphanumeric() => out.push(char::from(byte)),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .or_else(|| headers.get("request-id"))
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

impl Transport {
    /// A handle with `options` applied on top of this one's.
    pub(crate) fn with_options(&self, options: RequestOptions) -> Self {
        Transport {
            shared: Arc::clone(&self.shared),
            options: self.options.merged(options),
        }
    }

    /// The base URL requests go to.
    pub(crate) fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    fn timeout(&self) -> Duration {
        self.options.timeout.unwrap_or(self.shared.timeout)
    }

    fn build(
        &self,
        request: &Request,
        accept: &'static str,
    ) -> Result<reqwest::RequestBuilder, Error> {
        let Some(http) = &self.shared.http else {
            let reason = self.shared.broken.clone().unwrap_or_default();
            return Err(Error::Config(
                reason
                    .trim_start_matches("invalid client configuration: ")
                    .to_owned(),
            ));
        };
        let mut url = self.url_of(request)?;
        // A link the server gave (the next page) may point anywhere: credentials go only to
        // the API's own origin.
        let own_origin = request.url.is_none()
            || reqwest::Url::parse(&self.shared.base_url)
                .is_ok_and(|base| base.origin() == url.origin());
        let credentials = self.credentials_for(request).filter(move |_| own_origin);
        let query = if request.url.is_none() {
            request.query.as_slice()
        } else {
            &[]
        };
        let linked: Vec<String> = url.query_pairs().map(|(name, _)| name.into_owned()).collect();
        let auth_query = credentials.clone().filter_map(|applied| match applied {
            // A link that already carries the key keeps it as it is.
            Applied::Query(name, key) if !linked.iter().any(|present| present == name) => {
                Some((*name, key.0.as_str()))
            }
            _ => None,
        });
        let mut auth_query = auth_query.peekable();
        if !query.is_empty() || auth_query.peek().is_some() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in query {
                pairs.append_pair(name, value);
            }
            for (name, key) in auth_query {
                pairs.append_pair(name, key);
            }
        }
        // Default and per-call headers may carry a credential too (`default_header` is the
        // way to send one the spec's schemes do not name): another origin gets none of them.
        let mut headers = if own_origin {
            self.shared.default_headers.clone()
        } else {
            HeaderMap::new()
        };
        headers.insert(
            reqwest::header::USER_AGENT,
            HeaderValue::from_static(self.shared.info.user_agent),
        );
        headers.insert(reqwest::header::ACCEPT, HeaderValue::from_static(accept));
        // Every cookie goes in one `Cookie` header (RFC 6265): the default headers' first,
        // then the cookie parameters, the credentials and the per-call ones. Parameters are
        // the operation's own, like its headers: not for another origin.
        let mut cookies: Vec<Vec<u8>> = headers
            .get_all(reqwest::header::COOKIE)
            .iter()
            .map(|value| value.as_bytes().to_vec())
            .collect();
        let default_cookies = cookies.len();
        if own_origin {
            cookies.extend(
                request
                    .cookies
                    .iter()
                    .map(|(name, value)| format!("{name}={value}").into_bytes()),
            );
        }
        for applied in credentials {
            match applied {
                Applied::Header(name, value) => {
                    headers.insert(name.clone(), value.clone());
                }
                // A cookie parameter of the same name wins, as a header parameter wins over a
                // header credential.
                Applied::Cookie(name, _)
                    if own_origin && request.cookies.iter().any(|(set, _)| set == name) => {}
                Applied::Cookie(name, key) => cookies.push(format!("{name}={}", key.0).into_bytes()),
                Applied::Query(..) => {}
            }
        }
        let (request_headers, option_headers) = if own_origin {
            (request.headers.as_slice(), self.options.headers.as_slice())
        } else {
            (&[][..], &[][..])
        };
        let extra_headers = request_headers
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .chain(
                option_headers
                    .iter()
                    .map(|(name, value)| (name.as_str(), value.as_str())),
            );
        for (name, value) in extra_headers {
            if name.eq_ignore_ascii_case("cookie") {
                cookies.push(value.as_bytes().to_vec());
                continue;
            }
            let (name, value) = header_pair(name, value)?;
            headers.insert(name, value);
        }
        if cookies.len() > default_cookies || default_cookies > 1 {
            let mut value = HeaderValue::from_bytes(&cookies.join(&b"; "[..])).map_err(|_| {
                Error::Config("a cookie contains characters not allowed in an HTTP header".to_owned())
            })?;
            value.set_sensitive(true);
            headers.insert(reqwest::header::COOKIE, value);
        }
        let mut builder = http.request(request.method.clone(), url).headers(headers);
        if let Some((body, content_type)) = &request.body {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, content_type.as_ref())
                .body(body.clone());
        }
        Ok(builder)
    }

    /// The URL `request` goes to, before its query: its link, or the base URL and path.
    pub(crate) fn url_of(&self, request: &Request) -> Result<reqwest::Url, Error> {
        match &request.url {
            Some(url) => Ok(url.clone()),
            None => reqwest::Url::parse(&format!("{}{}", self.shared.base_url, request.path))
                .map_err(|error| Error::Config(format!("cannot build the request URL: {error}"))),
        }
    }

    /// The credentials `request` sends: those of the first alternative of its requirement
    /// whose schemes all have one, skipping alternatives that need none (an optional
    /// credential that was set is sent).
    fn credentials_for<'a>(
        &'a self,
        request: &Request,
    ) -> impl Iterator<Item = &'a Applied> + Clone + 'a {
        let alternatives = request.security.unwrap_or(self.shared.info.security);
        let credentials = &self.shared.credentials;
        let chosen: &'static [usize] = alternatives
            .iter()
            .copied()
            .find(|alternative| {
                !alternative.is_empty()
                    && alternative
                        .iter()
                        .all(|at| credentials.get(*at).is_some_and(Option::is_some))
            })
            .unwrap_or(&[]);
        chosen
            .iter()
            .filter_map(move |at| credentials.get(*at).and_then(Option::as_ref))
    }

    /// Sends `request`, retrying as the policy allows, until a success response arrives.
    /// Returns it with the deadline of the attempt that produced it and the number of
    /// retries before it.
    async fn send(
        &self,
        request: &Request,
        accept: &'static str,
    ) -> Result<(reqwest::Response, Instant, u32), Error> {
        let timeout = self.timeout();
        let policy = RetryPolicy {
            max_retries: self
                .options
                .max_retries
                .unwrap_or(self.shared.retry.max_retries),
            ..self.shared.retry
        };
        let mut retry = 0;
        loop {
            let deadline = Instant::now() + timeout;
            let attempt =
                tokio::time::timeout_at(deadline, self.build(request, accept)?.send()).await;
            if let (Ok(Ok(response)), Some(hook)) = (&attempt, &self.options.on_response) {
                (hook.0)(&ResponseInfo {
                    status: response.status().as_u16(),
                    headers: response.headers().clone(),
                    request_id: request_id(response.headers()),
                    retries: retry,
                });
            }
            let failure = match attempt {
                Ok(Ok(response)) if response.status().is_success() => {
                    return Ok((response, deadline, retry));
                }
                Ok(Ok(response)) => {
                    let status = response.status().as_u16();
                    if retry < policy.max_retries
                        && policy.should_retry_status(status, response.headers())
                    {
                        let delay =
                            policy.delay(retry, Some(response.headers()), SystemTime::now());
                        drop(response);
                        tokio::time::sleep(delay).await;
                        retry += 1;
                        continue;
                    }
                    let request_id = request_id(response.headers());
                    let body = tokio::time::timeout_at(deadline, response.bytes())
                        .await
                        .ok()
                        .and_then(Result::ok)
                        .unwrap_or_default();
                    return Err(Error::Api(Box::new(ApiError::new(
                        status, &body, request_id,
                    ))));
                }
                Ok(Err(error)) if error.is_timeout() => Error::Timeout(timeout),
                Ok(Err(error)) => transport_error(self.shared.info.schemes, error),
                Err(_) => Error::Timeout(timeout),
            };
            if retry >= policy.max_retries || !retryable(&failure) {
                return Err(failure);
            }
            tokio::time::sleep(policy.delay(retry, None, SystemTime::now())).await;
            retry += 1;
        }
    }

    /// Sends `request` and decodes a JSON response.
    pub(crate) async fn json<T: DeserializeOwned>(&self, request: Request) -> Result<T, Error> {
        let (status, request_id, body) = self.read(&request, "application/json").await?;
        serde_json::from_slice(&body)
            .map_err(|error| Error::decode(status, error, &body, request_id))
    }

    /// Sends `request` and returns the response body as text.
    pub(crate) async fn text(&self, request: Request) -> Result<String, Error> {
        let (status, request_id, body) = self.read(&request, "text/plain, */*").await?;
        String::from_utf8(body.to_vec())
            .map_err(|error| Error::decode(status, error, &body, request_id))
    }

    /// Sends `request` and returns the response body as bytes.
    pub(crate) async fn bytes(&self, request: Request) -> Result<Bytes, Error> {
        self.read(&request, "*/*").await.map(|(_, _, body)| body)
    }

    /// Sends `request` and ignores the body of the response.
    pub(crate) async fn empty(&self, request: Request) -> Result<(), Error> {
        self.read(&request, "*/*").await.map(|_| ())
    }

    /// Sends `request` and reads the whole response, for an operation that decodes it by
    /// status.
    pub(crate) async fn response(
        &self,
        request: Request,
        accept: &'static str,
    ) -> Result<RawResponse, Error> {
        let (status, request_id, body) = self.read(&request, accept).await?;
        Ok(RawResponse {
            status,
            request_id,
            body,
        })
    }

    async fn read(
        &self,
        request: &Request,
        accept: &'static str,
    ) -> Result<(u16, Option<String>, Bytes), Error> {
        let (response, deadline, _) = self.send(request, accept).await?;
        let status = response.status().as_u16();
        let request_id = request_id(response.headers());
        let body = self.body_of(response, deadline).await?;
        Ok((status, request_id, body))
    }

    /// The whole body of `response`, read by `deadline`.
    async fn body_of(&self, response: reqwest::Response, deadline: Instant) -> Result<Bytes, Error> {
        match tokio::time::timeout_at(deadline, response.bytes()).await {
            Ok(Ok(body)) => Ok(body),
            Ok(Err(error)) if error.is_timeout() => Err(Error::Timeout(self.timeout())),
            Ok(Err(error)) => Err(transport_error(self.shared.info.schemes, error)),
            Err(_) => Err(Error::Timeout(self.timeout())),
        }
    }

    /// Sends `request` and decodes a JSON response, keeping what else the response said (for
    /// a page: its headers, with the `Link` to the next one) and the body as it arrived.
    pub(crate) async fn json_with_info<T: DeserializeOwned>(
        &self,
        request: &Request,
    ) -> Result<(T, ResponseInfo, Bytes), Error> {
        let (response, deadline, retries) = self.send(request, "application/json").await?;
        let info = ResponseInfo {
            status: response.status().as_u16(),
            request_id: request_id(response.headers()),
            headers: response.headers().clone(),
            retries,
        };
        let body = self.body_of(response, deadline).await?;
        let value = serde_json::from_slice(&body).map_err(|error| {
            Error::decode(info.status, error, &body, info.request_id.clone())
        })?;
        Ok((value, info, body))
    }

    /// Sends `request` and decodes the response as a stream of Server-Sent Events. Retries
    /// happen only before the response arrives, never once events flow.
    pub(crate) async fn stream<T: DeserializeOwned>(
        &self,
        request: Request,
    ) -> Result<EventStream<T>, Error> {
        let (response, _, _) = self.send(&request, "text/event-stream").await?;
        let status = response.status().as_u16();
        let request_id = request_id(response.headers());
        // A server that closes (or resets) the connection mid-body ends the body early, just as
        // a clean close without the end marker does: the event stream then reports
        // `StreamEnded` for both, rather than a transport error for a server it did reach.
        let schemes = self.shared.info.schemes;
        let bytes = response.bytes_stream().scan((), move |(), item| {
            future::ready(match item {
                Ok(chunk) => Some(Ok(chunk)),
                Err(error) if closed_early(&error) => None,
                Err(error) => Some(Err(transport_error(schemes, error))),
            })
        });
        Ok(EventStream::from_byte_stream(bytes, status, request_id))
    }
}

/// A success response read whole, for operations whose success responses differ by status.
pub(crate) struct RawResponse {
    status: u16,
    request_id: Option<String>,
    body: Bytes,
}

impl RawResponse {
    /// The HTTP status.
    pub(crate) fn status(&self) -> u16 {
        self.status
    }

    /// The body decoded as JSON; a decode error carries the status and a snippet of the body.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|error| {
            Error::decode(self.status, error, &self.body, self.request_id.clone())
        })
    }

    /// The body as text.
    pub(crate) fn text(&self) -> Result<String, Error> {
        String::from_utf8(self.body.to_vec()).map_err(|error| {
            Error::decode(self.status, error, &self.body, self.request_id.clone())
        })
    }

    /// The body as it arrived.
    pub(crate) fn into_body(self) -> Bytes {
        self.body
    }
}

/// A transport error, with API keys taken out of the URL it quotes when a key travels in the
/// query string (the URL shows in the error's message and `Debug` output).
fn transport_error(schemes: &[AuthScheme], mut error: reqwest::Error) -> Error {
    let in_query = |key: &str| {
        schemes
            .iter()
            .any(|scheme| matches!(scheme, AuthScheme::Query(name) if *name == key))
    };
    if let Some(url) = error.url_mut().filter(|_| schemes.iter().any(|s| matches!(s, AuthScheme::Query(_)))) {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(key, value)| {
                let value = if in_query(&key) {
                    "<redacted>".into()
                } else {
                    value
                };
                (key.into_owned(), value.into_owned())
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    Error::Transport(error)
}

/// Whether a failure reading a response body means the server closed the connection before
/// the body was complete (HTTP/1.1 reports an unexpected end of file, or a reset).
fn closed_early(error: &reqwest::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(inner) = cause {
        if let Some(io) = inner.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
            );
        }
        cause = inner.source();
    }
    false
}

/// Whether a failure without a response is worth another attempt.
fn retryable(error: &Error) -> bool {
    match error {
        Error::Timeout(_) => true,
        Error::Transport(error) => error.is_connect() || error.is_request() || error.is_body(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_follows_the_html_rules() {
        assert_eq!(form_encode("a b&c=d/é*"), "a+b%26c%3Dd%2F%C3%A9*");
    }

    #[test]
    fn path_parameters_are_encoded_into_the_template() {
        let mut request = Request::new(reqwest::Method::GET, "/users/");
        request.path_param("a/b");
        request.path("/posts/");
        request.path_param(&12);
        request.path("/");
        request.path_param(&true);
        assert_eq!(request.path, "/users/a%2Fb/posts/12/true");
    }

    #[test]
    fn cookie_parameters_are_form_style_and_encoded_for_the_cookie_header() {
        let mut request = Request::new(reqwest::Method::GET, "/");
        request.cookie("session", "a b;c", Style::Form, true);
        request.cookie("langs", &["en", "fr,be"], Style::Form, false);
        request.cookie("tabs", &[1, 2], Style::Form, true);
        request.cookie("size", &serde_json::json!({"h": 4, "w": 3}), Style::Form, false);
        request.cookie("missing", &Option::<u8>::None, Style::Form, true);
        request.cookie("doc", &serde_json::json!({"a": "b"}), Style::Json, false);
        request.cookie("pref", &serde_json::json!({"a=b c": 1}), Style::Form, true);
        let pairs: Vec<(&str, &str)> = request
            .cookies
            .iter()
            .map(|(name, value)| (name.as_ref(), value.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("session", "a%20b%3Bc"),
                ("langs", "en,fr%2Cbe"),
                ("tabs", "1"),
                ("tabs", "2"),
                ("size", "h,4,w,3"),
                ("doc", "{%22a%22:%22b%22}"),
                ("a%3Db%20c", "1"),
            ]
        );
    }

    #[test]
    fn query_values_follow_style_and_explode() {
        let mut request = Request::new(reqwest::Method::GET, "/");
        request.query("tag", &vec!["a", "b"], Style::Form, true);
        request.query("ids", &vec![1, 2], Style::Form, false);
        request.query("missing", &Option::<u8>::None, Style::Form, true);
        request.query("flag", &true, Style::Form, true);
        request.query("words", &["x", "y"], Style::SpaceDelimited, false);
        request.query("pipes", &["x", "y"], Style::PipeDelimited, false);
        let range = serde_json::json!({"gt": 1, "lt": 9});
        request.query("range", &range, Style::Form, true);
        request.query("joined", &range, Style::Form, false);
        let filter = serde_json::json!({"owner": {"id": 7}, "tags": ["p", "q"], "none": null});
        request.query("filter", &filter, Style::DeepObject, true);
        request.query("expand", &["data"], Style::DeepObject, true);
        request.query("doc", &serde_json::json!({"a": "b"}), Style::Json, false);
        let pairs: Vec<(&str, &str)> = request
            .query
            .iter()
            .map(|(name, value)| (name.as_ref(), value.as_str()))
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("tag", "a"),
                ("tag", "b"),
                ("ids", "1,2"),
                ("flag", "true"),
                ("words", "x y"),
                ("pipes", "x|y"),
                ("gt", "1"),
                ("lt", "9"),
                ("joined", "gt,1,lt,9"),
                ("filter[owner][id]", "7"),
                ("filter[tags][]", "p"),
                ("filter[tags][]", "q"),
                ("expand[]", "data"),
                ("doc", r#"{"a":"b"}"#),
            ]
        );
    }

    #[test]
    fn a_path_valued_parameter_keeps_its_slashes_only() {
        let mut request = Request::new(reqwest::Method::GET, "/");
        request.path_param_with_slashes("subscriptions/s 1/groups/a?b");
        request.path("/providers");
        assert_eq!(request.path, "/subscriptions/s%201/groups/a%3Fb/providers");
        let mut request = Request::new(reqwest::Method::GET, "/");
        request.path_param_with_slashes("/subscriptions/s");
        assert_eq!(request.path, "/subscriptions/s");
    }

    #[test]
    fn path_parameters_follow_simple_label_and_matrix() {
        let list = serde_json::json!(["a b", "c"]);
        let object = serde_json::json!({"r": 1, "g": 2});
        let cases = [
            (Style::Simple, false, &list, "a%20b,c"),
            (Style::Simple, true, &object, "r=1,g=2"),
            (Style::Simple, false, &object, "r,1,g,2"),
            (Style::Label, false, &list, ".a%20b,c"),
            (Style::Label, true, &list, ".a%20b.c"),
            (Style::Matrix, false, &list, ";id=a%20b,c"),
            (Style::Matrix, true, &list, ";id=a%20b;id=c"),
            (Style::Matrix, true, &object, ";r=1;g=2"),
            (Style::Matrix, false, &serde_json::json!(5), ";id=5"),
        ];
        for (style, explode, value, expected) in cases {
            let mut request = Request::new(reqwest::Method::GET, "/x/");
            request.styled_path_param("id", value, style, explode);
            assert_eq!(request.path, format!("/x/{expected}"), "{style:?} {explode}");
        }
    }

    #[test]
    fn form_bodies_write_nested_fields_as_their_encoding_says() {
        let body = serde_json::json!({
            "amount": 5,
            "metadata": {"order": "o 1"},
            "expand": ["customer", "invoice"],
            "tags": ["x", "y"],
        });
        let request = Request::new(reqwest::Method::POST, "/")
            .form(
                &body,
                &[
                    ("metadata", Style::DeepObject, true),
                    ("expand", Style::DeepObject, true),
                ],
            )
            .unwrap();
        assert_eq!(
            request.body.unwrap().0,
            Bytes::from_static(
                b"amount=5&metadata%5Border%5D=o+1&expand%5B%5D=customer&expand%5B%5D=invoice&tags=x&tags=y"
            )
        );
    }

    #[test]
    fn stream_flag_is_forced_on_and_off() {
        let body = serde_json::json!({"model": "m", "stream": true});
        let plain = Request::new(reqwest::Method::POST, "/")
            .json_with_flag(&body, "stream", false)
            .unwrap();
        assert_eq!(
            plain.body.unwrap().0,
            Bytes::from_static(br#"{"model":"m","stream":false}"#)
        );
        let unset = serde_json::json!({"model": "m"});
        let plain = Request::new(reqwest::Method::POST, "/")
            .json_with_flag(&unset, "stream", false)
            .unwrap();
        assert_eq!(
            plain.body.unwrap().0,
            Bytes::from_static(br#"{"model":"m"}"#)
        );
        let streaming = Request::new(reqwest::Method::POST, "/")
            .json_with_flag(&unset, "stream", true)
            .unwrap();
        assert_eq!(
            streaming.body.unwrap().0,
            Bytes::from_static(br#"{"model":"m","stream":true}"#)
        );
        let empty = serde_json::json!({});
        let streaming = Request::new(reqwest::Method::POST, "/")
            .json_with_flag(&empty, "stream", true)
            .unwrap();
        assert_eq!(
            streaming.body.unwrap().0,
            Bytes::from_static(br#"{"stream":true}"#)
        );
        // The field's name inside a string is not the field.
        let mention = serde_json::json!({"content": "say \"stream\""});
        let plain = Request::new(reqwest::Method::POST, "/")
            .json_with_flag(&mention, "stream", false)
            .unwrap();
        assert_eq!(
            plain.body.unwrap().0,
            Bytes::from_static(br#"{"content":"say \"stream\""}"#)
        );
        let streaming = Request::new(reqwest::Method::POST, "/")
            .json_with_flag(&mention, "stream", true)
            .unwrap();
        assert_eq!(
            streaming.body.unwrap().0,
            Bytes::from_static(br#"{"content":"say \"stream\"","stream":true}"#)
        );
    }

    #[test]
    fn debug_output_never_shows_the_key() {
        static INFO: ApiInfo = ApiInfo {
            default_base_url: "http://127.0.0.1:9",
            api_key_env: "X_API_KEY",
            username_env: "X_USERNAME",
            password_env: "X_PASSWORD",
            base_url_env: "X_BASE_URL",
            user_agent: "test",
            schemes: &[AuthScheme::Bearer],
            security: &[&[0]],
            credentials_required: true,
        };
        let transport = ClientBuilder::new(&INFO)
            .api_key("sk-secret-value")
            .build_transport()
            .unwrap();
        let debug = format!("{transport:?}");
        assert!(!debug.contains("sk-secret-value"), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
    }

    #[tokio::test]
    async fn transport_errors_do_not_quote_a_query_api_key() {
        static INFO: ApiInfo = ApiInfo {
            default_base_url: "http://127.0.0.1:9",
            api_key_env: "X_API_KEY",
            username_env: "X_USERNAME",
            password_env: "X_PASSWORD",
            base_url_env: "X_BASE_URL",
            user_agent: "test",
            schemes: &[AuthScheme::Query("api_key")],
            security: &[&[0]],
            credentials_required: true,
        };
        // A port nothing listens on: the listener is gone once its port is known.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let transport = ClientBuilder::new(&INFO)
            .api_key("sk-secret-value")
            .base_url(format!("http://127.0.0.1:{port}"))
            .max_retries(0)
            .build_transport()
            .unwrap();
        let mut request = Request::new(reqwest::Method::GET, "/items");
        request.query("limit", &2, Style::Form, true);
        let error = transport.empty(request).await.unwrap_err();
        let shown = format!("{error} / {error:?}");
        assert!(matches!(error, Error::Transport(_)), "{shown}");
        assert!(!shown.contains("sk-secret-value"), "{shown}");
        assert!(shown.contains("limit=2&api_key=%3Credacted%3E"), "{shown}");
    }

    #[test]
    fn base64_matches_the_rfc_4648_vectors() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (text, encoded) in vectors {
            assert_eq!(base64(text.as_bytes()), encoded, "{text:?}");
        }
        assert_eq!(base64(&[0xff, 0xfe, 0x00]), "//4A");
    }

    #[test]
    fn bad_base_url_is_a_config_error() {
        static INFO: ApiInfo = ApiInfo {
            default_base_url: "not a url",
            api_key_env: "X_API_KEY",
            username_env: "X_USERNAME",
            password_env: "X_PASSWORD",
            base_url_env: "X_BASE_URL",
            user_agent: "test",
            schemes: &[],
            security: &[],
            credentials_required: false,
        };
        let error = ClientBuilder::new(&INFO).build_transport().unwrap_err();
        assert!(
            matches!(error, Error::Config(ref message) if message.contains("not a url")),
            "{error}"
        );
    }
}

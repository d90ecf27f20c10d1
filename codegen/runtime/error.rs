//! The one error type every client method returns.

use std::fmt;
use std::time::Duration;

/// Everything that can go wrong when calling the API.
///
/// Match on the variant to decide what to do: [`Error::Api`] means the server answered with an
/// error status (inspect [`ApiError::status`]); [`Error::Timeout`] and [`Error::Transport`] mean
/// the request may not have reached the server; [`Error::Decode`] means the server answered
/// something this client cannot read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client was configured with something unusable (a missing API key, a base URL that is
    /// not a URL, a header value that is not valid in HTTP).
    #[error("invalid client configuration: {0}")]
    Config(String),
    /// The request could not be sent, or the connection failed while reading the response.
    #[error("{}", transport_message(.0))]
    Transport(#[source] reqwest::Error),
    /// No complete response arrived within the configured timeout.
    #[error(
        "the request timed out after {0:?}; raise it with `timeout` on the builder or per request"
    )]
    Timeout(Duration),
    /// The server answered with an error status, or sent an error event in a stream.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The server answered, but its body is not what the API description says.
    #[error(
        "could not decode the response (HTTP {status}): {message}; the body starts with: {snippet}"
    )]
    Decode {
        /// The HTTP status of the response.
        status: u16,
        /// What the decoder found wrong.
        message: String,
        /// The start of the body, at most a few hundred characters.
        snippet: String,
        /// The `x-request-id` of the response, if the server sent one.
        request_id: Option<String>,
    },
    /// An event stream ended without its terminating event: the connection closed early.
    #[error(
        "the event stream ended before its end marker after {events} event{}; the connection was closed early",
        if *events == 1 { "" } else { "s" }
    )]
    StreamEnded {
        /// How many events were received before the stream ended.
        events: u64,
    },
    /// The events of a stream could not be merged into one value: there was none, or their
    /// merge is not a value of the event type (see [`EventStream::merged`](crate::EventStream::merged)).
    #[error("could not merge the stream's events: {0}")]
    Merge(String),
}

impl Error {
    /// The HTTP status of the response that caused this error, if there was a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(api) => Some(api.status),
            Error::Decode { status, .. } => Some(*status),
            Error::Transport(source) => source.status().map(|status| status.as_u16()),
            Error::Config(_) | Error::Timeout(_) | Error::StreamEnded { .. } | Error::Merge(_) => {
                None
            }
        }
    }

    /// The `x-request-id` the server gave the failed response, for support requests.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(api) => api.request_id.as_deref(),
            Error::Decode { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The decoded error response of the API, when the server sent one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }

    pub(crate) fn decode(
        status: u16,
        message: impl fmt::Display,
        body: &[u8],
        request_id: Option<String>,
    ) -> Self {
        Error::Decode {
            status,
            message: message.to_string(),
            snippet: snippet(body),
            request_id,
        }
    }
}

fn transport_message(source: &reqwest::Error) -> String {
    // reqwest reports a response body that fails midway as a decode error: the server was
    // reached, and answered, but the answer broke off.
    let mut message = if source.is_decode() {
        "the connection failed while reading the response: "
    } else {
        "could not reach the server: "
    }
    .to_owned();
    // reqwest's own message stops at the outermost cause ("error sending request"); the reason
    // a person can act on ("connection refused", "dns error") is further down the chain.
    message.push_str(&source.to_string());
    let mut cause = std::error::Error::source(source);
    while let Some(inner) = cause {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        cause = inner.source();
    }
    message
}

/// An error status from the server, with the error body it sent.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status code.
    pub status: u16,
    /// The body decoded as the API's error schema, when it is one.
    pub body: Option<crate::ApiErrorBody>,
    /// The body as the server sent it (lossily decoded as UTF-8).
    pub raw_body: String,
    /// The `x-request-id` of the response, if the server sent one.
    pub request_id: Option<String>,
}

impl ApiError {
    pub(crate) fn new(status: u16, body: &[u8], request_id: Option<String>) -> Self {
        ApiError {
            status,
            body: serde_json::from_slice(body).ok(),
            raw_body: String::from_utf8_lossy(body).into_owned(),
            request_id,
        }
    }

    /// The human-readable message of the error: `error.message` or `message` of a JSON body.
    pub fn message(&self) -> Option<String> {
        let value: serde_json::Value = serde_json::from_str(&self.raw_body).ok()?;
        let text = value
            .pointer("/error/message")
            .or_else(|| value.get("message"))
            .or_else(|| value.get("error").filter(|error| error.is_string()))?;
        Some(
            text.as_str()
                .map_or_else(|| text.to_string(), str::to_owned),
        )
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the server answered HTTP {}", self.status)?;
        match self.message() {
            Some(message) => write!(f, ": {message}")?,
            None if !self.raw_body.is_empty() => write!(
                f,
                "; the body starts with: {}",
                snippet(self.raw_body.as_bytes())
            )?,
            None => {}
        }
        if let Some(request_id) = &self.request_id {
            write!(f, " (request id {request_id})")?;
        }
        Ok(())
    }
}

/// How much of a body an error message quotes.
const SNIPPET_CHARS: usize = 300;

/// The start of a body for an error message, cut at a character boundary.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    match text.char_indices().nth(SNIPPET_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_error_message_comes_from_the_openai_error_shape() {
        let error = ApiError::new(
            429,
            br#"{"error":{"message":"slow down","type":"rate_limit","code":429}}"#,
            Some("req_1".into()),
        );
        assert_eq!(error.message().as_deref(), Some("slow down"));
        assert_eq!(
            error.to_string(),
            "the server answered HTTP 429: slow down (request id req_1)"
        );
    }

    #[test]
    fn api_error_without_json_quotes_the_body() {
        let error = ApiError::new(502, b"<html>bad gateway</html>", None);
        assert_eq!(error.message(), None);
        assert!(error.body.is_none());
        assert_eq!(
            error.to_string(),
            "the server answered HTTP 502; the body starts with: <html>bad gateway</html>"
        );
    }

    #[test]
    fn snippet_cuts_long_bodies_at_a_character_boundary() {
        let body = "é".repeat(SNIPPET_CHARS + 10);
        let cut = snippet(body.as_bytes());
        assert_eq!(cut.chars().count(), SNIPPET_CHARS + 1);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn decode_error_names_status_and_body() {
        let error = Error::decode(200, "expected value", b"not json", None);
        assert_eq!(error.status(), Some(200));
        assert_eq!(
            error.to_string(),
            "could not decode the response (HTTP 200): expected value; the body starts with: not json"
        );
    }
}

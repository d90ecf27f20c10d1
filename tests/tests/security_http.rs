//! Authentication over real HTTP, with the client generated from `tests/fixtures/security.yaml`
//! (`tests/clients/security`): HTTP basic auth, API keys in a header, the query and a cookie,
//! bearer tokens, and each operation's own `security` (`security: []`, alternatives, schemes
//! sent together, an optional credential).

mod support;

use fixture_security::types::{GetSessionParams, SearchParams};
use fixture_security::{Client, ClientBuilder, Error, RequestOptions};
use serde_json::json;
use support::{Recorded, Reply, TestServer};

/// `user:pa:ss` in base64: a password may hold a colon, the username may not.
const BASIC_USER_PA_SS: &str = "Basic dXNlcjpwYTpzcw==";

fn ok() -> Reply {
    Reply::json(200, json!({"user": "someone"}))
}

/// A builder for `server` that ignores proxies of the environment and never retries.
fn builder(server: &TestServer) -> ClientBuilder {
    Client::builder()
        .base_url(server.url())
        .max_retries(0)
        .http_client(reqwest::Client::builder().no_proxy().build().unwrap())
}

/// The credential-carrying parts of a request: `authorization`, `x-api-key`, `cookie`, query.
fn credentials(sent: &Recorded) -> (Option<&str>, Option<&str>, Option<&str>, &str) {
    let query = sent.target.split_once('?').map_or("", |(_, query)| query);
    (
        sent.header("authorization"),
        sent.header("x-api-key"),
        sent.header("cookie"),
        query,
    )
}

#[tokio::test]
async fn basic_auth_is_sent_as_base64_of_username_and_password() {
    let server = TestServer::start([ok()]).await;
    let client = builder(&server)
        .basic_auth("user", "pa:ss")
        .build()
        .unwrap();
    let answer = client.who_am_i().await.unwrap();
    assert_eq!(answer.user.as_deref(), Some("someone"));
    let sent = server.only_request();
    assert_eq!(sent.target, "/v1/whoami");
    assert_eq!(credentials(&sent), (Some(BASIC_USER_PA_SS), None, None, ""));
}

#[tokio::test]
async fn the_first_alternative_whose_credentials_are_set_is_sent_and_only_that_one() {
    // The default requirement is basic auth, or else the key in `X-API-Key`.
    let server = TestServer::start([ok(), ok()]).await;
    builder(&server)
        .api_key("k1")
        .build()
        .unwrap()
        .who_am_i()
        .await
        .unwrap();
    builder(&server)
        .api_key("k1")
        .basic_auth("user", "pa:ss")
        .build()
        .unwrap()
        .who_am_i()
        .await
        .unwrap();
    let sent = server.requests();
    assert_eq!(credentials(&sent[0]), (None, Some("k1"), None, ""));
    assert_eq!(
        credentials(&sent[1]),
        (Some(BASIC_USER_PA_SS), None, None, "")
    );
}

#[tokio::test]
async fn each_operation_sends_the_key_where_its_own_requirement_says() {
    let server = TestServer::start([ok(), ok(), Reply::status(204), ok(), ok()]).await;
    let client = builder(&server)
        .api_key("k1")
        .basic_auth("user", "pa:ss")
        .build()
        .unwrap();
    client.get_session(&Default::default()).await.unwrap();
    client
        .search(&SearchParams::new("rust & http"))
        .await
        .unwrap();
    client.needs_both().await.unwrap();
    client.with_token().await.unwrap();
    // The digest scheme cannot be applied: its alternative is skipped for the header key.
    client.digest_only().await.unwrap();
    let sent = server.requests();
    assert_eq!(credentials(&sent[0]), (None, None, Some("session=k1"), ""));
    assert_eq!(
        credentials(&sent[1]),
        (None, None, None, "q=rust+%26+http&api_key=k1")
    );
    assert_eq!(
        credentials(&sent[2]),
        (None, Some("k1"), Some("session=k1"), "")
    );
    assert_eq!(credentials(&sent[3]), (Some("Bearer k1"), None, None, ""));
    assert_eq!(credentials(&sent[4]), (None, Some("k1"), None, ""));
}

#[tokio::test]
async fn an_operation_with_empty_security_sends_no_credentials() {
    let server = TestServer::start([ok()]).await;
    let client = builder(&server)
        .api_key("k1")
        .basic_auth("user", "pa:ss")
        .build()
        .unwrap();
    client.get_public().await.unwrap();
    assert_eq!(credentials(&server.only_request()), (None, None, None, ""));
}

#[tokio::test]
async fn an_optional_credential_is_sent_when_set_and_left_out_when_not() {
    let server = TestServer::start([ok(), ok()]).await;
    // Nothing is required everywhere (`getPublic`), so a client without credentials builds.
    builder(&server)
        .build()
        .unwrap()
        .optional_auth()
        .await
        .unwrap();
    builder(&server)
        .oauth("token-1")
        .build()
        .unwrap()
        .optional_auth()
        .await
        .unwrap();
    let sent = server.requests();
    assert_eq!(credentials(&sent[0]), (None, None, None, ""));
    assert_eq!(
        credentials(&sent[1]),
        (Some("Bearer token-1"), None, None, "")
    );
}

#[tokio::test]
async fn per_scheme_setters_give_each_scheme_its_own_key_over_the_shared_one() {
    let server = TestServer::start([Reply::status(204), ok(), ok()]).await;
    let client = builder(&server)
        .api_key("shared")
        .api_key_header("header-key")
        .session_cookie("cookie-key")
        .build()
        .unwrap();
    client.needs_both().await.unwrap();
    client.with_token().await.unwrap();
    client.search(&SearchParams::new("x")).await.unwrap();
    let sent = server.requests();
    assert_eq!(
        credentials(&sent[0]),
        (None, Some("header-key"), Some("session=cookie-key"), "")
    );
    assert_eq!(
        credentials(&sent[1]),
        (Some("Bearer shared"), None, None, "")
    );
    assert_eq!(
        credentials(&sent[2]),
        (None, None, None, "q=x&api_key=shared")
    );
}

#[tokio::test]
async fn a_cookie_credential_joins_the_cookies_of_default_headers() {
    let server = TestServer::start([ok()]).await;
    let client = builder(&server)
        .default_header("Cookie", "theme=dark")
        .session_cookie("cookie-key")
        .build()
        .unwrap();
    client.get_session(&Default::default()).await.unwrap();
    assert_eq!(
        server.only_request().header_all("cookie"),
        vec!["theme=dark; session=cookie-key"]
    );
}

#[tokio::test]
async fn a_cookie_parameter_wins_over_the_cookie_credential_of_its_name() {
    let server = TestServer::start([ok(), ok()]).await;
    let client = builder(&server)
        .session_cookie("cookie-key")
        .build()
        .unwrap();
    client
        .get_session(&GetSessionParams::new().session("from-param"))
        .await
        .unwrap();
    client.get_session(&Default::default()).await.unwrap();
    let sent: Vec<Vec<String>> = server
        .requests()
        .iter()
        .map(|request| {
            request
                .header_all("cookie")
                .into_iter()
                .map(str::to_owned)
                .collect()
        })
        .collect();
    assert_eq!(sent, [["session=from-param"], ["session=cookie-key"]]);
}

#[tokio::test]
async fn every_cookie_goes_in_one_header_defaults_parameters_credentials_and_per_call() {
    let server = TestServer::start([ok()]).await;
    let client = builder(&server)
        .default_header("Cookie", "theme=dark")
        .default_header("Cookie", "lang=fr")
        .session_cookie("cookie-key")
        .build()
        .unwrap()
        .with_options(RequestOptions::new().header("cookie", "trace=on"));
    client
        .get_session(&GetSessionParams::new().tab("files"))
        .await
        .unwrap();
    assert_eq!(
        server.only_request().header_all("cookie"),
        vec!["theme=dark; lang=fr; tab=files; session=cookie-key; trace=on"]
    );
}

#[tokio::test]
async fn an_operation_whose_credential_is_missing_sends_none_and_the_server_decides() {
    let server = TestServer::start([Reply::json(401, json!({"error": "no session"}))]).await;
    let client = builder(&server)
        .basic_auth("user", "pa:ss")
        .build()
        .unwrap();
    let error = client.get_session(&Default::default()).await.unwrap_err();
    assert!(
        matches!(&error, Error::Api(api) if api.status == 401),
        "{error:?}"
    );
    assert_eq!(credentials(&server.only_request()), (None, None, None, ""));
}

#[test]
fn credentials_never_show_in_debug_output() {
    let client = Client::builder()
        .basic_auth("user", "secret-password")
        .api_key("secret-key")
        .session_cookie("secret-cookie")
        .build()
        .unwrap();
    let shown = format!("{client:?}");
    for secret in ["secret-password", "secret-key", "secret-cookie", "dXNlcj"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

#[test]
fn a_credential_that_cannot_be_a_header_is_a_config_error_at_build() {
    let error = Client::builder()
        .session_cookie("line\nbreak")
        .build()
        .unwrap_err();
    assert!(matches!(error, Error::Config(_)), "{error:?}");
    assert!(!error.to_string().contains("line"), "{error}");
}

/// The only test of this binary that touches the environment.
#[tokio::test]
async fn with_env_reads_username_and_password() {
    let server = TestServer::start([ok()]).await;
    // SAFETY: no other test reads or writes these variables.
    unsafe {
        std::env::set_var("FIXTURE_SECURITY_USERNAME", "user");
        std::env::set_var("FIXTURE_SECURITY_PASSWORD", "pa:ss");
    }
    let client = builder(&server).with_env().unwrap().build().unwrap();
    unsafe {
        std::env::remove_var("FIXTURE_SECURITY_USERNAME");
        std::env::remove_var("FIXTURE_SECURITY_PASSWORD");
    }
    client.who_am_i().await.unwrap();
    assert_eq!(
        credentials(&server.only_request()),
        (Some(BASIC_USER_PA_SS), None, None, "")
    );
}

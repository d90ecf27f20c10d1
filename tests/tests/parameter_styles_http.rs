//! Parameters and form fields on the wire in each `style` and `explode` OpenAPI defines, over
//! real HTTP, with the client generated from `tests/fixtures/parameter_styles.yaml`
//! (`tests/clients/parameter_styles`): label and matrix path segments, a path-valued one
//! (Azure's `x-ms-skip-url-encoding`), the query's form,
//! spaceDelimited, pipeDelimited and deepObject styles, a JSON `content` parameter, and a form
//! body whose `encoding` writes nested fields as `deepObject`; cookie parameters in the one
//! `Cookie` header.

mod support;

use std::collections::BTreeMap;

use fixture_parameter_styles::Client;
use fixture_parameter_styles::types::{
    CreateChargeRequest, CreateChargeRequestShipping, CreateChargeRequestShippingAddress, Filter,
    FilterOwner, GetPreferencesParams, Point, Range, SearchParams,
};
use serde_json::json;
use support::{Reply, TestServer};

fn client(server: &TestServer) -> Client {
    Client::builder()
        .base_url(server.url())
        .max_retries(0)
        .http_client(reqwest::Client::builder().no_proxy().build().unwrap())
        .build()
        .unwrap()
}

/// The query of a request target, decoded into pairs in their order.
fn query_pairs(target: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://127.0.0.1{target}"))
        .unwrap()
        .query_pairs()
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

#[tokio::test]
async fn path_parameters_are_written_in_the_label_matrix_and_simple_styles() {
    let server = TestServer::start([Reply::status(204)]).await;
    client(&server)
        .get_tile(
            &vec!["red".to_owned(), "dark blue".to_owned()],
            &Point::new(3, -4),
            &vec![7, 8],
        )
        .await
        .unwrap();
    assert_eq!(
        server.only_request().target,
        "/v1/palettes/.red,dark%20blue/points/;x=3;y=-4/tiles/7,8"
    );
}

#[tokio::test]
async fn a_path_valued_parameter_keeps_its_slashes() {
    let server = TestServer::start([Reply::status(204)]).await;
    client(&server)
        .list_metrics("subscriptions/s-1/resourceGroups/my group")
        .await
        .unwrap();
    assert_eq!(
        server.only_request().target,
        "/v1/subscriptions/s-1/resourceGroups/my%20group/providers/metrics"
    );
}

#[tokio::test]
async fn query_parameters_follow_their_style_and_explode() {
    let server = TestServer::start([Reply::status(204)]).await;
    let params = SearchParams::new()
        .tags(vec!["a".to_owned(), "b c".to_owned()])
        .ids(vec![1, 2])
        .words(vec!["x".to_owned(), "y".to_owned()])
        .levels(vec!["low".to_owned(), "high".to_owned()])
        .created(Range::new().gt(10).lt(20))
        .bounds(Range::new().gt(1).lt(2))
        .filter(
            Filter::new()
                .owner(FilterOwner::new().name("ann"))
                .states(vec!["open".to_owned(), "held".to_owned()]),
        )
        .r#where(Point::new(5, 6));
    client(&server).search(&params).await.unwrap();
    let sent = server.only_request();
    assert_eq!(
        query_pairs(&sent.target),
        pairs(&[
            ("tags", "a"),
            ("tags", "b c"),
            ("ids", "1,2"),
            ("words", "x y"),
            ("levels", "low|high"),
            // An exploded form object: its members are the parameters.
            ("gt", "10"),
            ("lt", "20"),
            ("bounds", "gt,1,lt,2"),
            ("filter[owner][name]", "ann"),
            ("filter[states][]", "open"),
            ("filter[states][]", "held"),
            ("where", r#"{"x":5,"y":6}"#),
        ])
    );
}

#[tokio::test]
async fn unset_query_parameters_are_not_sent() {
    let server = TestServer::start([Reply::status(204)]).await;
    client(&server)
        .search(&SearchParams::new().filter(Filter::new()))
        .await
        .unwrap();
    // An empty deepObject has no members to write.
    assert_eq!(server.only_request().target, "/v1/search");
}

#[tokio::test]
async fn form_bodies_write_nested_fields_as_their_encoding_says() {
    let server = TestServer::start([Reply::json(200, json!({"id": "ch_1"}))]).await;
    let body = CreateChargeRequest::new(500)
        .description("two & more")
        .tags(vec!["p".to_owned(), "q".to_owned()])
        .metadata(BTreeMap::from([("order".to_owned(), "o-1".to_owned())]))
        .expand(vec!["customer".to_owned(), "invoice".to_owned()])
        .shipping(
            CreateChargeRequestShipping::new().name("Ann").address(
                CreateChargeRequestShippingAddress::new()
                    .city("Oslo")
                    .lines(vec!["1 Main St".to_owned()]),
            ),
        );
    let charge = client(&server).create_charge(&body).await.unwrap();
    assert_eq!(charge.id.as_deref(), Some("ch_1"));
    let sent = server.only_request();
    assert_eq!(
        sent.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let body = String::from_utf8(sent.body).unwrap();
    assert_eq!(
        query_pairs(&format!("/?{body}")),
        pairs(&[
            ("amount", "500"),
            ("description", "two & more"),
            ("tags", "p"),
            ("tags", "q"),
            ("metadata[order]", "o-1"),
            ("expand[]", "customer"),
            ("expand[]", "invoice"),
            ("shipping[name]", "Ann"),
            ("shipping[address][city]", "Oslo"),
            ("shipping[address][lines][]", "1 Main St"),
        ])
    );
}

#[tokio::test]
async fn cookie_parameters_join_the_default_cookies_in_one_header() {
    let server = TestServer::start([Reply::status(204)]).await;
    let client = Client::builder()
        .base_url(server.url())
        .max_retries(0)
        .default_header("Cookie", "theme=dark")
        .http_client(reqwest::Client::builder().no_proxy().build().unwrap())
        .build()
        .unwrap();
    let params = GetPreferencesParams::new("s 1;x")
        .langs(vec!["en".to_owned(), "fr".to_owned()])
        .tabs(vec![3, 4]);
    client.get_preferences(&params).await.unwrap();
    let sent = server.only_request();
    assert_eq!(
        sent.header_all("cookie"),
        ["theme=dark; session=s%201%3Bx; langs=en,fr; tabs=3; tabs=4"]
    );
}

#[tokio::test]
async fn unset_cookie_parameters_send_no_cookie_header() {
    let server = TestServer::start([Reply::status(204)]).await;
    client(&server)
        .get_preferences(&GetPreferencesParams::new("s1"))
        .await
        .unwrap();
    assert_eq!(server.only_request().header_all("cookie"), ["session=s1"]);
}

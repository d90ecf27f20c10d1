//! List operations that page, over real HTTP, with the client generated from
//! `tests/fixtures/pagination.yaml` (`tests/clients/pagination`): for each way of paging the
//! generator recognises, `_items` reads every item across at least three pages and stops at
//! the end, each next request is the one the page asked for, and a page that fails ends the
//! stream with its error after the items already read.

mod support;

use fixture_pagination::RequestOptions;
use fixture_pagination::types::{
    ListBooksParams, ListChannelsParams, ListChargesParams, ListDirectoryParams, ListEventsParams,
    ListFilesParams, ListReposParams, ListTagsParams, ListUsersParams, ListVaultsParams,
    SearchChargesParams,
};
use fixture_pagination::{Client, Error};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;
use support::{Reply, TestServer};

fn client(server: &TestServer) -> Client {
    Client::builder()
        .base_url(server.url())
        .api_key("sk-test")
        .max_retries(0)
        .http_client(reqwest::Client::builder().no_proxy().build().unwrap())
        .build()
        .unwrap()
}

/// The request targets the server received (path and query).
fn targets(server: &TestServer) -> Vec<String> {
    server.requests().into_iter().map(|r| r.target).collect()
}

fn files(ids: &[&str], has_more: bool) -> Reply {
    let data: Vec<Value> = ids.iter().map(|id| json!({"id": id, "bytes": 1})).collect();
    Reply::json(
        200,
        json!({"object": "list", "data": data, "first_id": ids.first(), "last_id": ids.last(), "has_more": has_more}),
    )
}

#[tokio::test]
async fn a_cursor_in_the_body_is_sent_back_until_has_more_is_false() {
    let server = TestServer::start([
        files(&["f1", "f2"], true),
        files(&["f3", "f4"], true),
        files(&["f5"], false),
    ])
    .await;
    let client = client(&server);
    let files = client
        .list_files_items(&ListFilesParams::new().limit(2))
        .collect_all()
        .await
        .unwrap();
    let ids: Vec<&str> = files.iter().map(|file| file.id.as_str()).collect();
    assert_eq!(ids, ["f1", "f2", "f3", "f4", "f5"]);
    assert_eq!(
        targets(&server),
        [
            "/v1/files?limit=2",
            "/v1/files?limit=2&after=f2",
            "/v1/files?limit=2&after=f4"
        ]
    );
    assert_eq!(server.unused_replies(), 0);
}

fn charges(ids: &[&str], has_more: bool) -> Reply {
    let data: Vec<Value> = ids
        .iter()
        .map(|id| json!({"id": id, "amount": 5}))
        .collect();
    Reply::json(
        200,
        json!({"object": "list", "data": data, "has_more": has_more, "url": "/v1/charges"}),
    )
}

#[tokio::test]
async fn the_last_items_id_is_the_next_cursor_read_with_stream_ext() {
    let server = TestServer::start([
        charges(&["ch_1", "ch_2"], true),
        charges(&["ch_3"], true),
        charges(&["ch_4", "ch_5"], false),
    ])
    .await;
    let client = client(&server);
    // Stripe's lists take a form body too, which every page sends as the caller gave it.
    let body = json!({});
    let mut items =
        client.list_charges_items(&ListChargesParams::new().starting_after("ch_0"), &body);
    let mut ids = Vec::new();
    while let Some(charge) = items.next().await {
        ids.push(charge.unwrap().id);
    }
    assert_eq!(ids, ["ch_1", "ch_2", "ch_3", "ch_4", "ch_5"]);
    // The caller's own cursor starts the list; each next one replaces it.
    assert_eq!(
        targets(&server),
        [
            "/v1/charges?starting_after=ch_0",
            "/v1/charges?starting_after=ch_2",
            "/v1/charges?starting_after=ch_3"
        ]
    );
    assert!(items.next().await.is_none(), "the stream stays ended");
    for sent in server.requests() {
        assert_eq!(
            sent.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
    }
}

#[tokio::test]
async fn a_page_token_is_followed_until_a_page_has_none_with_typed_pages() {
    let server = TestServer::start([
        Reply::json(
            200,
            json!({"books": [{"name": "a"}], "nextPageToken": "t2"}),
        )
        .header("x-request-id", "req-1"),
        Reply::json(
            200,
            json!({"books": [{"name": "b"}], "nextPageToken": "t3"}),
        ),
        Reply::json(200, json!({"books": [{"name": "c"}]})),
    ])
    .await;
    let client = client(&server);
    let mut pages = client.list_books_pages(&ListBooksParams::new().page_size(1));
    let first = pages.next_page().await.unwrap().unwrap();
    assert_eq!(first.body.next_page_token.as_deref(), Some("t2"));
    assert_eq!(first.response.status, 200);
    assert_eq!(first.response.request_id.as_deref(), Some("req-1"));
    let mut names = vec![first.body.books.unwrap()[0].name.clone()];
    while let Some(page) = pages.next_page().await {
        names.extend(
            page.unwrap()
                .body
                .books
                .unwrap()
                .into_iter()
                .map(|b| b.name),
        );
    }
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(
        targets(&server),
        [
            "/v1/books?pageSize=1",
            "/v1/books?pageSize=1&pageToken=t2",
            "/v1/books?pageSize=1&pageToken=t3"
        ]
    );
}

#[tokio::test]
async fn a_cursor_one_object_down_ends_on_an_empty_cursor() {
    let page = |name: &str, next: &str| {
        Reply::json(
            200,
            json!({"ok": true, "channels": [{"name": name}], "response_metadata": {"next_cursor": next}}),
        )
    };
    let server = TestServer::start([
        page("general", "dXNlcjpVMEc5V0ZYTlo="),
        page("random", "c2Vjb25k"),
        page("dev", ""),
    ])
    .await;
    let client = client(&server);
    let names: Vec<String> = client
        .list_channels_items(&ListChannelsParams::new())
        .collect_all()
        .await
        .unwrap()
        .into_iter()
        .map(|channel| channel.name)
        .collect();
    assert_eq!(names, ["general", "random", "dev"]);
    assert_eq!(
        targets(&server),
        [
            "/v1/channels",
            "/v1/channels?cursor=dXNlcjpVMEc5V0ZYTlo%3D",
            "/v1/channels?cursor=c2Vjb25k"
        ]
    );
}

#[tokio::test]
async fn a_next_link_in_the_body_is_followed_as_given_absolute_or_relative() {
    let linked = TestServer::start_with(|url| {
        vec![
            Reply::json(200, json!({"value": [{"id": "v1"}], "nextLink": format!("{url}/vaults?api-version=2023-07-01&$skiptoken=AbC%3D%3D")})),
            Reply::json(200, json!({"value": [{"id": "v2"}], "nextLink": "/v1/vaults?api-version=2023-07-01&$skiptoken=page3"})),
            Reply::json(200, json!({"value": [{"id": "v3"}], "nextLink": null})),
        ]
    })
    .await;
    let client = client(&linked);
    let ids: Vec<String> = client
        .list_vaults_items(&ListVaultsParams::new("2023-07-01"))
        .collect_all()
        .await
        .unwrap()
        .into_iter()
        .map(|vault| vault.id)
        .collect();
    assert_eq!(ids, ["v1", "v2", "v3"]);
    assert_eq!(
        targets(&linked),
        [
            "/v1/vaults?api-version=2023-07-01",
            "/v1/vaults?api-version=2023-07-01&$skiptoken=AbC%3D%3D",
            "/v1/vaults?api-version=2023-07-01&$skiptoken=page3"
        ]
    );
}

#[tokio::test]
async fn the_link_headers_next_url_is_followed_exactly() {
    let server = TestServer::start_with(|url| {
        let repos = |ids: &[u64]| json!(ids.iter().map(|id| json!({"id": id})).collect::<Vec<_>>());
        vec![
            Reply::json(200, repos(&[1, 2])).header(
                "link",
                &format!(r#"<{url}/organizations/42/repos?per_page=2&page=2>; rel="next", <{url}/organizations/42/repos?per_page=2&page=3>; rel="last""#),
            ),
            Reply::json(200, repos(&[3, 4])).header(
                "link",
                &format!(r#"<{url}/organizations/42/repos?page=1>; rel="prev", <{url}/organizations/42/repos?per_page=2&page=3&q=a%2Cb>; rel="next""#),
            ),
            Reply::json(200, repos(&[5]))
                .header("link", &format!(r#"<{url}/organizations/42/repos?page=2>; rel="prev""#)),
        ]
    })
    .await;
    let client = client(&server);
    let ids: Vec<i64> = client
        .list_repos_items("acme corp", &ListReposParams::new().per_page(2))
        .collect_all()
        .await
        .unwrap()
        .into_iter()
        .map(|repo| repo.id)
        .collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    assert_eq!(
        targets(&server),
        [
            "/v1/orgs/acme%20corp/repos?per_page=2",
            "/v1/organizations/42/repos?per_page=2&page=2",
            "/v1/organizations/42/repos?per_page=2&page=3&q=a%2Cb"
        ]
    );
}

fn users(ids: &[u64], total_pages: Option<u64>) -> Reply {
    let users: Vec<Value> = ids.iter().map(|id| json!({"id": id})).collect();
    Reply::json(200, json!({"users": users, "total_pages": total_pages}))
}

#[tokio::test]
async fn page_numbers_end_on_a_page_shorter_than_per_page() {
    let server = TestServer::start([
        users(&[1, 2], None),
        users(&[3, 4], None),
        users(&[5], None),
    ])
    .await;
    let client = client(&server);
    let count = client
        .list_users_items(&ListUsersParams::new().per_page(2))
        .collect_all()
        .await
        .unwrap()
        .len();
    assert_eq!(count, 5);
    assert_eq!(
        targets(&server),
        [
            "/v1/users?per_page=2",
            "/v1/users?per_page=2&page=2",
            "/v1/users?per_page=2&page=3"
        ]
    );
}

#[tokio::test]
async fn page_numbers_end_at_the_total_pages_and_start_from_the_callers_page() {
    let server = TestServer::start([
        users(&[3, 4], Some(4)),
        users(&[5, 6], Some(4)),
        users(&[7, 8], Some(4)),
    ])
    .await;
    let client = client(&server);
    let count = client
        .list_users_items(&ListUsersParams::new().page(2))
        .collect_all()
        .await
        .unwrap()
        .len();
    assert_eq!(count, 6);
    assert_eq!(
        targets(&server),
        ["/v1/users?page=2", "/v1/users?page=3", "/v1/users?page=4"]
    );
}

#[tokio::test]
async fn offsets_advance_by_the_items_read_and_end_at_the_total() {
    let events = |ids: &[u64]| {
        let events: Vec<Value> = ids.iter().map(|id| json!({"id": id})).collect();
        Reply::json(200, json!({"events": events, "total": 6}))
    };
    // Every page is full: only the total ends the list, and the fourth reply stays unused.
    let server = TestServer::start([
        events(&[1, 2]),
        events(&[3, 4]),
        events(&[5, 6]),
        events(&[7, 8]),
    ])
    .await;
    let client = client(&server);
    let ids: Vec<i64> = client
        .list_events_items(&ListEventsParams::new())
        .collect_all()
        .await
        .unwrap()
        .into_iter()
        .map(|event| event.id)
        .collect();
    assert_eq!(ids, [1, 2, 3, 4, 5, 6]);
    assert_eq!(
        targets(&server),
        ["/v1/events", "/v1/events?offset=2", "/v1/events?offset=4"]
    );
    assert_eq!(server.unused_replies(), 1);
}

#[tokio::test]
async fn offsets_end_on_a_page_without_items() {
    let server = TestServer::start([
        Reply::json(200, json!({"events": [{"id": 1}, {"id": 2}]})),
        Reply::json(200, json!({"events": [{"id": 3}, {"id": 4}]})),
        Reply::json(200, json!({"events": null})),
    ])
    .await;
    let client = client(&server);
    let count = client
        .list_events_items(&ListEventsParams::new().limit(2))
        .collect_all()
        .await
        .unwrap()
        .len();
    assert_eq!(count, 4);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn x_pagination_names_the_parameter_cursor_and_items() {
    let page = |tags: &[&str], next: Option<&str>| {
        Reply::json(
            200,
            json!({"entries": tags, "others": ["not", "items"], "meta": {"resume_at": next}}),
        )
    };
    let server = TestServer::start([
        page(&["a", "b"], Some("2026-01-01")),
        page(&["c"], Some("2026-02-01")),
        page(&["d"], None),
    ])
    .await;
    let client = client(&server);
    let tags = client
        .list_tags_items(&ListTagsParams::new())
        .collect_all()
        .await
        .unwrap();
    assert_eq!(tags, ["a", "b", "c", "d"]);
    assert_eq!(
        targets(&server),
        [
            "/v1/tags",
            "/v1/tags?since=2026-01-01",
            "/v1/tags?since=2026-02-01"
        ]
    );
}

#[tokio::test]
async fn an_error_on_the_second_page_comes_after_the_first_pages_items() {
    let server = TestServer::start([
        files(&["f1", "f2"], true),
        Reply::json(500, json!({"error": {"message": "boom"}})),
    ])
    .await;
    let client = client(&server);
    let mut items = client.list_files_items(&ListFilesParams::new());
    assert_eq!(items.next_item().await.unwrap().unwrap().id, "f1");
    assert_eq!(items.next_item().await.unwrap().unwrap().id, "f2");
    match items.next_item().await {
        Some(Err(Error::Api(error))) => assert_eq!(error.status, 500),
        other => panic!("expected the second page's error, got {other:?}"),
    }
    assert!(
        items.next_item().await.is_none(),
        "the error ends the stream"
    );
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_page_that_does_not_decode_ends_the_stream_with_a_decode_error() {
    let server = TestServer::start([
        files(&["f1"], true),
        Reply::raw(200, "application/json", r#"{"object": "list", "data": "#),
    ])
    .await;
    let client = client(&server);
    let mut pages = client.list_files_pages(&ListFilesParams::new());
    assert!(pages.next_page().await.unwrap().is_ok());
    match pages.next_page().await {
        Some(Err(Error::Decode {
            status, snippet, ..
        })) => {
            assert_eq!(status, 200);
            assert!(snippet.contains("\"data\""), "{snippet}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert!(pages.next_page().await.is_none());
}

#[tokio::test]
async fn each_page_gets_the_clients_retries() {
    let server = TestServer::start([
        files(&["f1"], true),
        Reply::json(503, json!({"error": {"message": "busy"}})),
        files(&["f2"], false),
    ])
    .await;
    let client = Client::builder()
        .base_url(server.url())
        .api_key("sk-test")
        .max_retries(1)
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(1))
        .http_client(reqwest::Client::builder().no_proxy().build().unwrap())
        .build()
        .unwrap();
    let mut pages = client.list_files_pages(&ListFilesParams::new());
    assert_eq!(
        pages.next_page().await.unwrap().unwrap().response.retries,
        0
    );
    let second = pages.next_page().await.unwrap().unwrap();
    assert_eq!(second.response.retries, 1);
    assert_eq!(second.body.data[0].id, "f2");
    assert!(pages.next_page().await.is_none());
    assert_eq!(
        targets(&server),
        ["/v1/files", "/v1/files?after=f1", "/v1/files?after=f1"]
    );
}

#[tokio::test]
async fn a_cursor_that_repeats_ends_the_pages_instead_of_looping() {
    let server = TestServer::start([
        files(&["f1"], true),
        files(&["f2"], true),
        // Another page, with the cursor of the one before.
        Reply::json(
            200,
            json!({"object": "list", "data": [{"id": "f3"}], "first_id": "f3", "last_id": "f2", "has_more": true}),
        ),
        files(&["f4"], false),
    ])
    .await;
    let client = client(&server);
    let ids: Vec<String> = client
        .list_files_items(&ListFilesParams::new())
        .collect_all()
        .await
        .unwrap()
        .into_iter()
        .map(|file| file.id)
        .collect();
    // The third page repeats the second's cursor: it is read, and nothing after it.
    assert_eq!(ids, ["f1", "f2", "f3"]);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn pages_are_fetched_only_as_the_stream_is_read() {
    let server = TestServer::start([files(&["f1", "f2"], true), files(&["f3"], false)]).await;
    let client = client(&server);
    let mut items = client.list_files_items(&ListFilesParams::new());
    assert!(
        server.requests().is_empty(),
        "nothing is sent before the first read"
    );
    assert_eq!(items.next_item().await.unwrap().unwrap().id, "f1");
    assert_eq!(items.next_item().await.unwrap().unwrap().id, "f2");
    assert_eq!(
        server.requests().len(),
        1,
        "the second page waits for its items to be asked for"
    );
    drop(items);
    assert_eq!(server.unused_replies(), 1);
}

#[tokio::test]
async fn credentials_follow_links_to_the_apis_origin_only() {
    let elsewhere = TestServer::start([Reply::json(200, json!({"value": [{"id": "v3"}]}))]).await;
    let elsewhere_url = elsewhere.url();
    let server = TestServer::start_with(|url| {
        vec![
            Reply::json(200, json!({"value": [{"id": "v1"}], "nextLink": format!("{url}/vaults?page=2")})),
            Reply::json(200, json!({"value": [{"id": "v2"}], "nextLink": format!("{elsewhere_url}/vaults?page=3")})),
        ]
    })
    .await;
    let client = Client::builder()
        .base_url(server.url())
        .api_key("sk-test")
        .default_header("x-api-secret", "s3cret")
        .max_retries(0)
        .http_client(reqwest::Client::builder().no_proxy().build().unwrap())
        .build()
        .unwrap()
        .with_options(RequestOptions::new().header("x-tenant-token", "t0ken"));
    let count = client
        .list_vaults_items(&ListVaultsParams::new("1").vault_session("v-1"))
        .collect_all()
        .await
        .unwrap()
        .len();
    assert_eq!(count, 3);
    for sent in server.requests() {
        assert_eq!(sent.header("authorization"), Some("Bearer sk-test"));
        assert_eq!(sent.header("x-api-secret"), Some("s3cret"));
        assert_eq!(sent.header("x-tenant-token"), Some("t0ken"));
        assert_eq!(sent.header_all("cookie"), ["vault-session=v-1"]);
    }
    let foreign = elsewhere.only_request();
    assert_eq!(foreign.target, "/v1/vaults?page=3");
    assert_eq!(
        foreign.header("authorization"),
        None,
        "no key for another origin"
    );
    assert_eq!(foreign.header("x-api-secret"), None, "nor a default header");
    assert_eq!(
        foreign.header("x-tenant-token"),
        None,
        "nor a per-call header"
    );
    assert_eq!(foreign.header("cookie"), None, "nor a cookie parameter");
    assert!(foreign.header("user-agent").is_some());
}

/// The typed mock answers a paged operation page by page, linked as the operation pages, so
/// that an application's own loop can be tested: one test per kind of link it sets.
mod mock {
    use fixture_pagination::mock::MockServer;
    use fixture_pagination::types::{
        Book, Charge, File, ListBooksParams, ListBooksResponse, ListChargesParams,
        ListChargesResponse, ListFilesParams, ListFilesResponse, ListReposParams, ListUsersParams,
        ListUsersResponse, ListVaultsParams, Repo, Vault, VaultList,
    };

    fn queries(requests: Vec<fixture_pagination::runtime::mock::MockRequest>) -> Vec<String> {
        requests
            .into_iter()
            .map(|request| request.query.unwrap_or_default())
            .collect()
    }

    fn files(ids: &[&str]) -> ListFilesResponse {
        let data: Vec<File> = ids.iter().map(|id| File::new(*id)).collect();
        // The cursors and `has_more` given here are replaced by the mock's, but for the last
        // page's cursor, which the spec requires: `has_more: false` ends the list.
        ListFilesResponse::new("list", data, ids[0], ids[ids.len() - 1], true)
    }

    #[tokio::test]
    async fn cursor_pages_are_linked_by_the_mock() {
        let server = MockServer::start().await;
        server.expect_list_files().respond_pages([
            files(&["f1", "f2"]),
            files(&["f3"]),
            files(&["f4"]),
        ]);
        let ids: Vec<String> = server
            .client()
            .list_files_items(&ListFilesParams::new())
            .collect_all()
            .await
            .unwrap()
            .into_iter()
            .map(|file| file.id)
            .collect();
        assert_eq!(ids, ["f1", "f2", "f3", "f4"]);
        assert_eq!(
            queries(server.received_list_files()),
            ["", "after=mock-page-2", "after=mock-page-3"]
        );
        server.verify();
    }

    #[tokio::test]
    async fn last_item_pages_end_on_has_more_false() {
        let server = MockServer::start().await;
        let page = |ids: &[&str]| {
            ListChargesResponse::new(
                ids.iter().map(|id| Charge::new(*id, 1)).collect::<Vec<_>>(),
                false,
            )
        };
        server
            .expect_list_charges()
            .respond_pages([page(&["a"]), page(&["b"]), page(&["c"])]);
        let count = server
            .client()
            .list_charges_items(&ListChargesParams::new(), &serde_json::json!({}))
            .collect_all()
            .await
            .unwrap()
            .len();
        assert_eq!(count, 3);
        assert_eq!(
            queries(server.received_list_charges()),
            ["", "starting_after=a", "starting_after=b"]
        );
        server.verify();
    }

    #[tokio::test]
    async fn token_link_and_header_pages_are_linked_by_the_mock() {
        let server = MockServer::start().await;
        let books = |name: &str| ListBooksResponse::new().books(vec![Book::new(name)]);
        server
            .expect_list_books()
            .respond_pages([books("a"), books("b"), books("c")]);
        let vaults = |id: &str| VaultList::new().value(vec![Vault::new(id)]);
        server
            .expect_list_vaults()
            .respond_pages([vaults("v1"), vaults("v2"), vaults("v3")]);
        server.expect_list_repos().respond_pages([
            vec![Repo::new(1), Repo::new(2)],
            vec![Repo::new(3)],
            vec![Repo::new(4)],
        ]);
        let client = server.client();
        let books = client
            .list_books_items(&ListBooksParams::new())
            .collect_all()
            .await
            .unwrap();
        assert_eq!(books.len(), 3);
        let vaults = client
            .list_vaults_items(&ListVaultsParams::new("1"))
            .collect_all()
            .await
            .unwrap();
        assert_eq!(vaults.len(), 3);
        let repos = client
            .list_repos_items("acme", &ListReposParams::new())
            .collect_all()
            .await
            .unwrap();
        assert_eq!(repos.len(), 4);
        assert_eq!(
            queries(server.received_list_books()),
            ["", "pageToken=mock-page-2", "pageToken=mock-page-3"]
        );
        assert_eq!(
            queries(server.received_list_vaults()),
            ["api-version=1", "mock_page=2", "mock_page=3"]
        );
        assert_eq!(
            queries(server.received_list_repos()),
            ["", "mock_page=2", "mock_page=3"]
        );
        server.verify();
    }

    #[tokio::test]
    async fn numbered_pages_get_the_total_of_pages() {
        let server = MockServer::start().await;
        let users = |ids: &[i64]| {
            ListUsersResponse::new().users(ids.iter().map(|id| Repo::new(*id)).collect::<Vec<_>>())
        };
        // Full pages without a total would make the client ask for a fourth: the mock sets
        // `total_pages` to 3.
        server
            .expect_list_users()
            .respond_pages([users(&[1, 2]), users(&[3, 4]), users(&[5, 6])]);
        let count = server
            .client()
            .list_users_items(&ListUsersParams::new().per_page(2))
            .collect_all()
            .await
            .unwrap()
            .len();
        assert_eq!(count, 6);
        assert_eq!(
            queries(server.received_list_users()),
            ["per_page=2", "per_page=2&page=2", "per_page=2&page=3"]
        );
        server.verify();
    }
}

#[tokio::test]
async fn a_page_size_beyond_its_maximum_reads_on_to_an_empty_page() {
    // `per_page` has `maximum: 3`: asked for 5, the server may give 3, so a short page is no
    // end; the empty page is.
    let server = TestServer::start([
        users(&[1, 2, 3], None),
        users(&[4, 5, 6], None),
        users(&[7], None),
        users(&[], None),
    ])
    .await;
    let client = client(&server);
    let count = client
        .list_users_items(&ListUsersParams::new().per_page(5))
        .collect_all()
        .await
        .unwrap()
        .len();
    assert_eq!(count, 7);
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn a_link_header_on_numbered_pages_is_followed_instead() {
    let server = TestServer::start_with(|url| {
        vec![
            users(&[1, 2], None).header(
                "link",
                &format!(r#"<{url}/users?per_page=2&page=2>; rel="next""#),
            ),
            users(&[3, 4], None).header(
                "link",
                &format!(r#"<{url}/users?per_page=2&page=1>; rel="prev""#),
            ),
            users(&[5, 6], None),
        ]
    })
    .await;
    let client = client(&server);
    let count = client
        .list_users_items(&ListUsersParams::new().per_page(2))
        .collect_all()
        .await
        .unwrap()
        .len();
    // The second page is full, but its `Link` has no `next`: it is the last.
    assert_eq!(count, 4);
    assert_eq!(
        targets(&server),
        ["/v1/users?per_page=2", "/v1/users?per_page=2&page=2"]
    );
}

fn directory(ids: &[u64]) -> Reply {
    let items: Vec<Value> = ids.iter().map(|id| json!({"id": id})).collect();
    Reply::json(200, json!({"directory_items": items}))
}

#[tokio::test]
async fn zero_based_page_numbers_start_the_next_page_at_one() {
    let server = TestServer::start([directory(&[1, 2]), directory(&[3, 4]), directory(&[])]).await;
    let client = client(&server);
    let count = client
        .list_directory_items(&ListDirectoryParams::new())
        .collect_all()
        .await
        .unwrap()
        .len();
    assert_eq!(count, 4);
    assert_eq!(
        targets(&server),
        [
            "/v1/directory",
            "/v1/directory?page=1",
            "/v1/directory?page=2"
        ]
    );
}

#[tokio::test]
async fn a_server_that_ignores_the_page_number_ends_the_pages() {
    let server =
        TestServer::start([directory(&[1, 2]), directory(&[1, 2]), directory(&[1, 2])]).await;
    let client = client(&server);
    let ids: Vec<i64> = client
        .list_directory_items(&ListDirectoryParams::new())
        .collect_all()
        .await
        .unwrap()
        .into_iter()
        .map(|item| item.id)
        .collect();
    // The second answer is the first again: it ends the list, its items not read twice.
    assert_eq!(ids, [1, 2]);
    assert_eq!(server.requests().len(), 2);
    assert_eq!(server.unused_replies(), 1);
}

#[tokio::test]
async fn stripe_pages_backwards_from_ending_before_by_the_first_items_id() {
    let server = TestServer::start([
        charges(&["ch_7", "ch_8"], true),
        charges(&["ch_5", "ch_6"], false),
    ])
    .await;
    let client = client(&server);
    let ids: Vec<String> = client
        .list_charges_items(&ListChargesParams::new().ending_before("ch_9"), &json!({}))
        .collect_all()
        .await
        .unwrap()
        .into_iter()
        .map(|charge| charge.id)
        .collect();
    assert_eq!(ids, ["ch_7", "ch_8", "ch_5", "ch_6"]);
    assert_eq!(
        targets(&server),
        [
            "/v1/charges?ending_before=ch_9",
            "/v1/charges?ending_before=ch_7"
        ]
    );
}

#[tokio::test]
async fn a_next_page_token_is_sent_back_even_when_it_starts_with_a_slash() {
    let page = |id: &str, next: Option<&str>| {
        Reply::json(
            200,
            json!({"data": [{"id": id, "amount": 1}], "has_more": next.is_some(), "next_page": next}),
        )
    };
    let server = TestServer::start([
        page("ch_1", Some("/Zm9v+YmFy==")),
        page("ch_2", Some("cGFnZTM=")),
        page("ch_3", None),
    ])
    .await;
    let client = client(&server);
    let count = client
        .search_charges_items(&SearchChargesParams::new("amount>0"))
        .collect_all()
        .await
        .unwrap()
        .len();
    assert_eq!(count, 3);
    assert_eq!(
        targets(&server),
        [
            "/v1/charges/search?query=amount%3E0",
            "/v1/charges/search?query=amount%3E0&page=%2FZm9v%2BYmFy%3D%3D",
            "/v1/charges/search?query=amount%3E0&page=cGFnZTM%3D"
        ]
    );
}

//! Operations whose success responses differ by status, over real HTTP, with the client
//! generated from `tests/fixtures/success_statuses.yaml` (`tests/clients/success_statuses`):
//! each status decodes as its own variant, a status the spec does not list is kept raw, and an
//! operation whose successes all have one body keeps its plain return type; a nullable response
//! schema decodes `null`; bodies declared as the media range `*/*` are JSON both ways.

mod support;

use fixture_success_statuses::types::{
    DeleteJobResponse, GetJobLogResponse, Job, JobRequest, JobState, SubmitJobResponse,
};
use fixture_success_statuses::{Client, Error};
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

fn job() -> serde_json::Value {
    json!({"id": "j1", "state": "done", "output": "42"})
}

#[tokio::test]
async fn each_success_status_decodes_as_its_own_variant() {
    let server = TestServer::start([
        Reply::json(200, job()),
        Reply::json(202, json!({"ticket": "t-9", "position": 3, "eta": "soon"})),
    ])
    .await;
    let client = client(&server);
    let request = JobRequest::new("answer");
    let done = client.submit_job(&request).await.unwrap();
    let queued = client.submit_job(&request).await.unwrap();
    match &done {
        SubmitJobResponse::Ok(job) => {
            assert_eq!(job.id, "j1");
            assert_eq!(job.state, JobState::Done);
        }
        other => panic!("expected Ok, got {other:?}"),
    }
    assert_eq!(done.status(), 200);
    match &queued {
        SubmitJobResponse::Accepted(ticket) => {
            assert_eq!(ticket.ticket, "t-9");
            assert_eq!(ticket.position, Some(3));
            // Unknown fields are kept, as in every response type.
            assert_eq!(ticket.additional_properties["eta"], "soon");
        }
        other => panic!("expected Accepted, got {other:?}"),
    }
    assert_eq!(queued.status(), 202);
    for sent in server.requests() {
        assert_eq!(sent.header("accept"), Some("application/json"));
        assert_eq!(sent.json(), json!({"command": "answer"}));
    }
}

#[tokio::test]
async fn an_empty_success_is_a_unit_variant_and_never_a_decode_error() {
    let server = TestServer::start([Reply::json(200, job()), Reply::status(204)]).await;
    let client = client(&server);
    let deleted = client.delete_job("j1").await.unwrap();
    let gone = client.delete_job("j1").await.unwrap();
    assert!(matches!(deleted, DeleteJobResponse::Ok(Job { ref id, .. }) if id == "j1"));
    assert_eq!(gone, DeleteJobResponse::NoContent);
    assert_eq!(gone.status(), 204);
}

#[tokio::test]
async fn text_and_json_successes_of_one_operation_each_decode() {
    let server = TestServer::start([
        Reply::json(206, json!({"percent": 40})),
        Reply::raw(200, "text/plain", "line 1\nline 2\n"),
    ])
    .await;
    let client = client(&server);
    let partial = client.get_job_log("j1").await.unwrap();
    let whole = client.get_job_log("j1").await.unwrap();
    assert!(
        matches!(&partial, GetJobLogResponse::PartialContent(progress) if progress.percent == Some(40)),
        "{partial:?}"
    );
    assert_eq!(whole, GetJobLogResponse::Ok("line 1\nline 2\n".to_owned()));
    // Text is among the bodies, so the request accepts any media type.
    assert_eq!(server.requests()[0].header("accept"), Some("*/*"));
}

#[tokio::test]
async fn a_success_status_the_spec_does_not_list_is_kept_with_its_body() {
    let server = TestServer::start([Reply::json(201, json!({"id": "new"}))]).await;
    let answer = client(&server)
        .submit_job(&JobRequest::new("x"))
        .await
        .unwrap();
    match answer {
        SubmitJobResponse::Other { status, body } => {
            assert_eq!(status, 201);
            assert_eq!(&body[..], br#"{"id":"new"}"#);
        }
        other => panic!("expected Other, got {other:?}"),
    }
}

#[tokio::test]
async fn a_body_that_does_not_fit_its_status_is_a_decode_error_naming_the_status() {
    let server = TestServer::start([Reply::json(202, json!({"position": 1}))]).await;
    let error = client(&server)
        .submit_job(&JobRequest::new("x"))
        .await
        .unwrap_err();
    match &error {
        Error::Decode { status, .. } => assert_eq!(*status, 202),
        other => panic!("expected a decode error, got {other:?}"),
    }
    let shown = error.to_string();
    assert!(shown.contains("ticket"), "{shown}");
    assert!(
        shown.contains("position"),
        "the body snippet is shown: {shown}"
    );
}

#[tokio::test]
async fn an_error_status_is_still_an_api_error() {
    let server = TestServer::start([Reply::json(422, json!({"title": "bad command"}))]).await;
    let error = client(&server)
        .submit_job(&JobRequest::new("x"))
        .await
        .unwrap_err();
    match &error {
        Error::Api(api) => {
            assert_eq!(api.status, 422);
            assert_eq!(
                api.body
                    .as_ref()
                    .and_then(|problem| problem.title.as_deref()),
                Some("bad command")
            );
        }
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn successes_with_one_body_keep_the_plain_return_type() {
    let server = TestServer::start([Reply::json(203, job())]).await;
    // `get_job` returns `Job` itself: 200 and 203 have the same body.
    let job: Job = client(&server).get_job("j1").await.unwrap();
    assert_eq!(job.output.as_deref(), Some("42"));
    assert_eq!(server.only_request().target, "/v1/jobs/j1");
}

#[tokio::test]
async fn a_nullable_response_schema_decodes_null_as_none() {
    let server = TestServer::start([
        Reply::json(200, json!(null)),
        Reply::json(200, json!({"login": "octocat"})),
    ])
    .await;
    let client = client(&server);
    assert_eq!(client.get_job_assignee("j1").await.unwrap(), None);
    let assignee = client.get_job_assignee("j1").await.unwrap().unwrap();
    assert_eq!(assignee.login, "octocat");
    assert!(server.requests()[0].target.ends_with("/jobs/j1/assignee"));
}

#[tokio::test]
async fn bodies_declared_as_any_media_type_are_json_both_ways() {
    let server = TestServer::start([Reply::json(200, job())]).await;
    let job = client(&server)
        .rerun_job("j1", &JobRequest::new("again"))
        .await
        .unwrap();
    assert_eq!(job.id, "j1");
    assert_eq!(job.state, JobState::Done);
    let sent = server.only_request();
    assert_eq!(sent.target, "/v1/jobs/j1/rerun");
    // `*/*` is a range, not a content type: the body goes as what it is.
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(sent.header("accept"), Some("application/json"));
    assert_eq!(sent.json(), json!({"command": "again"}));
}

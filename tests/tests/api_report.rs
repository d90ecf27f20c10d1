//! The API change report (`codegen::report`): each kind of spec edit, applied to
//! `spec/deepshi.yaml` or a fixture, and the classification it must get: which items change,
//! whether each breaks callers, and the version bump.

use std::path::{Path, PathBuf};

use codegen::Settings;
use codegen::report::{Level, Report, compare, summary_of};
use serde_yaml::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn load(relative: &str) -> Value {
    serde_yaml::from_str(&std::fs::read_to_string(root().join(relative)).unwrap()).unwrap()
}

fn summary(spec: &Value) -> codegen::report::Summary {
    let text = serde_yaml::to_string(spec).unwrap();
    let output = codegen::generate("spec.yaml", &text, &Settings::new("deepshi"))
        .unwrap_or_else(|error| panic!("{error}"));
    summary_of(&output.krate).unwrap()
}

/// The report of `edit` applied to the spec at `relative`.
fn report(relative: &str, edit: impl FnOnce(&mut Value)) -> Report {
    let before = load(relative);
    let mut after = before.clone();
    edit(&mut after);
    compare(&summary(&before), &summary(&after))
}

/// The value at a `/`-separated path of mapping keys and sequence indices.
fn at<'a>(spec: &'a mut Value, path: &str) -> &'a mut Value {
    path.split('/').fold(spec, |value, key| match value {
        Value::Sequence(items) => &mut items[key.parse::<usize>().unwrap()],
        other => other
            .get_mut(key)
            .unwrap_or_else(|| panic!("no `{key}` in {path}")),
    })
}

/// The operation `method` of the path item `path` (whose name has `/` in it).
fn operation<'a>(spec: &'a mut Value, path: &str, method: &str) -> &'a mut Value {
    at(spec, "paths")
        .get_mut(path)
        .and_then(|item| item.get_mut(method))
        .unwrap_or_else(|| panic!("no {method} {path}"))
}

fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).unwrap()
}

/// The changes as `(item, breaking)`, and the bump.
fn classified(report: &Report) -> (Vec<(String, bool)>, Level) {
    let changes = report
        .changes
        .iter()
        .map(|change| (change.item.clone(), change.breaking))
        .collect();
    (changes, report.bump())
}

fn expect(report: Report, changes: &[(&str, bool)], bump: Level) {
    let expected: Vec<(String, bool)> = changes
        .iter()
        .map(|(item, breaking)| ((*item).to_owned(), *breaking))
        .collect();
    assert_eq!(classified(&report), (expected, bump), "{report}");
}

const DEEPSHI: &str = "spec/deepshi.yaml";
const CHAT_COMPLETION: &str = "components/schemas/ChatCompletion";
const REQUEST: &str = "components/schemas/CreateChatCompletionRequest";

#[test]
fn an_unchanged_spec_reports_nothing() {
    let report = report(DEEPSHI, |_| {});
    expect(report.clone(), &[], Level::None);
    assert_eq!(report.next_version(), None);
    assert!(report.to_json().contains("\"bump\": \"none\""));
}

#[test]
fn a_removed_response_field_is_breaking_and_major() {
    let report = report(DEEPSHI, |spec| {
        at(spec, &format!("{CHAT_COMPLETION}/properties"))
            .as_mapping_mut()
            .unwrap()
            .remove("usage");
    });
    assert_eq!(report.next_version().as_deref(), Some("2.0.0"));
    assert_eq!(
        report.changes[0].pointer,
        "#/components/schemas/ChatCompletion/properties/usage"
    );
    expect(
        report,
        &[("field ChatCompletion.usage", true)],
        Level::Major,
    );
}

#[test]
fn an_added_optional_field_is_minor() {
    expect(
        report(DEEPSHI, |spec| {
            at(spec, &format!("{CHAT_COMPLETION}/properties"))
                .as_mapping_mut()
                .unwrap()
                .insert("service_tier".into(), yaml("{type: string}"));
        }),
        &[("field ChatCompletion.service_tier", false)],
        Level::Minor,
    );
}

#[test]
fn an_added_required_request_field_is_breaking() {
    expect(
        report(DEEPSHI, |spec| {
            at(spec, &format!("{REQUEST}/properties"))
                .as_mapping_mut()
                .unwrap()
                .insert("tenant".into(), yaml("{type: string}"));
            at(spec, &format!("{REQUEST}/required"))
                .as_sequence_mut()
                .unwrap()
                .push("tenant".into());
        }),
        &[("field CreateChatCompletionRequest.tenant", true)],
        Level::Major,
    );
}

#[test]
fn a_field_turning_required_or_optional_is_breaking() {
    expect(
        report(DEEPSHI, |spec| {
            at(spec, &format!("{CHAT_COMPLETION}/required"))
                .as_sequence_mut()
                .unwrap()
                .push("system_fingerprint".into());
        }),
        &[("field ChatCompletion.system_fingerprint", true)],
        Level::Major,
    );
    let loosened = report(DEEPSHI, |spec| {
        at(spec, &format!("{CHAT_COMPLETION}/required"))
            .as_sequence_mut()
            .unwrap()
            .retain(|name| name.as_str() != Some("model"));
    });
    assert!(
        loosened.changes[0].change.contains("now optional"),
        "{loosened}"
    );
    expect(
        loosened,
        &[("field ChatCompletion.model", true)],
        Level::Major,
    );
}

#[test]
fn a_required_field_turning_nullable_is_breaking() {
    expect(
        report(DEEPSHI, |spec| {
            at(spec, &format!("{CHAT_COMPLETION}/properties/model"))
                .as_mapping_mut()
                .unwrap()
                .insert("nullable".into(), true.into());
        }),
        &[("field ChatCompletion.model", true)],
        Level::Major,
    );
}

#[test]
fn a_retyped_field_is_breaking() {
    let report = report(DEEPSHI, |spec| {
        *at(spec, &format!("{CHAT_COMPLETION}/properties/created")) = yaml("{type: string}");
    });
    assert!(
        report.changes[0].change.contains("`i64` -> `String`"),
        "{report}"
    );
    expect(
        report,
        &[("field ChatCompletion.created", true)],
        Level::Major,
    );
}

#[test]
fn an_enum_value_added_is_minor_and_removed_is_major() {
    expect(
        report(DEEPSHI, |spec| {
            at(spec, "components/schemas/FinishReason/enum")
                .as_sequence_mut()
                .unwrap()
                .push("max_time".into());
        }),
        &[("variant FinishReason::MaxTime", false)],
        Level::Minor,
    );
    expect(
        report(DEEPSHI, |spec| {
            at(spec, "components/schemas/FinishReason/enum")
                .as_sequence_mut()
                .unwrap()
                .retain(|value| value.as_str() != Some("length"));
        }),
        &[("variant FinishReason::Length", true)],
        Level::Major,
    );
}

#[test]
fn a_union_alternative_added_is_minor_and_removed_is_major() {
    expect(
        report(DEEPSHI, |spec| {
            at(spec, "components/schemas/StopSequences/oneOf")
                .as_sequence_mut()
                .unwrap()
                .push(yaml(
                    "{title: Pattern, type: object, properties: {regex: {type: string}}}",
                ));
        }),
        &[
            ("alternative StopSequences::Pattern", false),
            ("struct StopSequencesPattern", false),
        ],
        Level::Minor,
    );
    expect(
        report(DEEPSHI, |spec| {
            at(spec, "components/schemas/StopSequences/oneOf")
                .as_sequence_mut()
                .unwrap()
                .remove(1);
        }),
        // A one-alternative oneOf is the alternative itself: the union becomes an alias.
        &[("alias StopSequences", true)],
        Level::Major,
    );
}

#[test]
fn a_description_or_default_changed_is_a_patch() {
    expect(
        report(DEEPSHI, |spec| {
            *at(
                spec,
                &format!("{REQUEST}/properties/temperature/description"),
            ) = "How random the sampling is.".into();
        }),
        &[("field CreateChatCompletionRequest.temperature", false)],
        Level::Patch,
    );
    let defaulted = report(DEEPSHI, |spec| {
        at(spec, &format!("{REQUEST}/properties/temperature"))
            .as_mapping_mut()
            .unwrap()
            .insert("default".into(), 1.into());
    });
    assert_eq!(defaulted.next_version().as_deref(), Some("1.0.1"));
    expect(
        defaulted,
        &[("field CreateChatCompletionRequest.temperature", false)],
        Level::Patch,
    );
}

#[test]
fn an_added_operation_is_minor() {
    expect(
        report(DEEPSHI, |spec| {
            at(spec, "paths").as_mapping_mut().unwrap().insert(
                "/models/{id}".into(),
                yaml(
                    "get:
                       operationId: getModel
                       parameters: [{name: id, in: path, required: true, schema: {type: string}}]
                       responses:
                         '200':
                           description: One model.
                           content: {application/json: {schema: {$ref: '#/components/schemas/Model'}}}",
                ),
            );
        }),
        // Untagged: the spec's first such operation, so the `untagged` feature is new (on by
        // default), and `Model` is on with it as well as with `models`.
        &[
            ("feature untagged", false),
            ("method Client::get_model", false),
            ("struct Model", false),
        ],
        Level::Minor,
    );
}

#[test]
fn a_removed_operation_is_breaking_and_so_is_a_feature_its_types_lose() {
    // `listFileJobs` (tagged Files and Fine-tuning) was the only `files` operation to reach
    // `Job`: a build with only `files` loses it.
    expect(
        report("tests/fixtures/tags.yaml", |spec| {
            at(spec, "paths")
                .as_mapping_mut()
                .unwrap()
                .remove("/files/{id}/jobs");
        }),
        &[
            ("enum JobStatus", true),
            ("method Client::list_file_jobs", true),
            ("struct Job", true),
        ],
        Level::Major,
    );
}

#[test]
fn an_operation_that_loses_its_tag_moves_to_untagged_and_builds_of_the_tag_lose_it() {
    expect(
        report("tests/fixtures/tags.yaml", |spec| {
            at(operation(spec, "/files", "get"), "tags")
                .as_sequence_mut()
                .unwrap()
                .clear();
        }),
        &[
            // A build with `files` but not `untagged` no longer has the method.
            ("method Client::list_files", true),
            ("struct ListFilesParams", true),
            // Still on with `files` (another operation reaches them), and now with `untagged`.
            ("enum Purpose", false),
            ("struct File", false),
        ],
        Level::Major,
    );
}

#[test]
fn a_renamed_operation_is_one_breaking_rename() {
    let report = report(DEEPSHI, |spec| {
        *at(operation(spec, "/models", "get"), "operationId") = "getModels".into();
    });
    assert!(
        report.changes[0]
            .change
            .contains("renamed from `Client::list_models`"),
        "{report}"
    );
    expect(report, &[("method Client::get_models", true)], Level::Major);
}

#[test]
fn a_renamed_type_is_one_breaking_rename_not_a_removal_and_retypes() {
    let report = report(DEEPSHI, |spec| {
        let schemas = at(spec, "components/schemas").as_mapping_mut().unwrap();
        let usage = schemas.remove("Usage").unwrap();
        schemas.insert("TokenUsage".into(), usage);
        let text = serde_yaml::to_string(spec).unwrap().replace(
            "#/components/schemas/Usage'",
            "#/components/schemas/TokenUsage'",
        );
        let text = text.replace(
            "#/components/schemas/Usage\n",
            "#/components/schemas/TokenUsage\n",
        );
        *spec = serde_yaml::from_str(&text).unwrap();
    });
    assert!(
        report.changes[0].change.contains("renamed from `Usage`"),
        "{report}"
    );
    expect(report, &[("struct TokenUsage", true)], Level::Major);
}

#[test]
fn deprecating_an_operation_or_a_field_is_minor() {
    expect(
        report(DEEPSHI, |spec| {
            operation(spec, "/models", "get")
                .as_mapping_mut()
                .unwrap()
                .insert("deprecated".into(), true.into());
            at(spec, &format!("{REQUEST}/properties/top_p"))
                .as_mapping_mut()
                .unwrap()
                .insert("deprecated".into(), true.into());
        }),
        &[
            ("field CreateChatCompletionRequest.top_p", false),
            ("method Client::list_models", false),
        ],
        Level::Minor,
    );
}

#[test]
fn a_first_query_parameter_changes_the_method_signature() {
    expect(
        report(DEEPSHI, |spec| {
            operation(spec, "/models", "get")
                .as_mapping_mut()
                .unwrap()
                .insert(
                    "parameters".into(),
                    yaml("[{name: owned_by, in: query, schema: {type: string}}]"),
                );
        }),
        &[
            ("method Client::list_models", true),
            // A new type is one change; its fields are new with it.
            ("struct ListModelsParams", false),
        ],
        Level::Major,
    );
}

#[test]
fn a_renamed_property_is_a_removal_and_an_addition() {
    expect(
        report(DEEPSHI, |spec| {
            let properties = at(spec, &format!("{REQUEST}/properties"))
                .as_mapping_mut()
                .unwrap();
            let max_tokens = properties.remove("max_tokens").unwrap();
            properties.insert("max_completion_tokens".into(), max_tokens);
        }),
        &[
            ("field CreateChatCompletionRequest.max_tokens", true),
            (
                "field CreateChatCompletionRequest.max_completion_tokens",
                false,
            ),
        ],
        Level::Major,
    );
}

#[test]
fn a_struct_that_becomes_a_union_is_one_breaking_change() {
    expect(
        report(DEEPSHI, |spec| {
            let usage = at(spec, "components/schemas/Usage").clone();
            *at(spec, "components/schemas/Usage") = Value::Mapping(
                [(
                    "oneOf".into(),
                    Value::Sequence(vec![usage, yaml("{type: string}")]),
                )]
                .into_iter()
                .collect(),
            );
        }),
        // Its alternatives are not listed one by one; the struct it holds is a new type.
        &[("union Usage", true), ("struct UsageVariant1", false)],
        Level::Major,
    );
}

// Fixtures: what Deepshi's spec does not have.

const STATUSES: &str = "tests/fixtures/success_statuses.yaml";

#[test]
fn a_success_status_added_to_a_response_enum_is_minor() {
    expect(
        report(STATUSES, |spec| {
            at(operation(spec, "/jobs/{id}", "delete"), "responses")
                .as_mapping_mut()
                .unwrap()
                .insert("202".into(), yaml("{description: Deleting.}"));
        }),
        &[("status DeleteJobResponse::Accepted", false)],
        Level::Minor,
    );
}

#[test]
fn successes_that_start_to_differ_change_the_return_type() {
    expect(
        report(STATUSES, |spec| {
            at(operation(spec, "/jobs/{id}", "get"), "responses")
                .as_mapping_mut()
                .unwrap()
                .insert("202".into(), yaml("{description: Still running.}"));
        }),
        &[
            ("method Client::get_job", true),
            ("responses GetJobResponse", false),
        ],
        Level::Major,
    );
}

#[test]
fn a_second_key_scheme_adds_a_setter_per_scheme() {
    expect(
        report("tests/fixtures/operations.yaml", |spec| {
            at(spec, "components/securitySchemes")
                .as_mapping_mut()
                .unwrap()
                .insert(
                    "sessionCookie".into(),
                    yaml("{type: apiKey, in: cookie, name: session}"),
                );
        }),
        &[
            ("setter ClientBuilder::key", false),
            ("setter ClientBuilder::session_cookie", false),
        ],
        Level::Minor,
    );
}

#[test]
fn a_version_in_0_y_moves_as_cargo_reads_it() {
    let mut report = report(DEEPSHI, |spec| {
        at(spec, "components/schemas/FinishReason/enum")
            .as_sequence_mut()
            .unwrap()
            .retain(|value| value.as_str() != Some("length"));
    });
    report.version = "0.4.2".to_owned();
    assert_eq!(report.next_version().as_deref(), Some("0.5.0"));
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["bump"], "major");
    assert_eq!(json["changes"][0]["item"], "variant FinishReason::Length");
    assert_eq!(json["changes"][0]["breaking"], true);
    assert_eq!(
        json["changes"][0]["pointer"],
        "#/components/schemas/FinishReason/enum"
    );
}

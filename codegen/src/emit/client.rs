//! Operations → `src/client.rs`, and the crate root `src/lib.rs`.

use super::docs;
use super::layout::{Code, Param, Ty, string_literal};
use super::types::Paths;
use crate::Settings;
use crate::model::{
    Api, Auth, BodyEncoding, Operation, ParamLocation, ResponseKind, TypeKind, TypeRef,
};
use crate::names;

/// `src/lib.rs`: crate docs, modules and re-exports.
pub(crate) fn lib_rs(api: &Api, settings: &Settings) -> String {
    let crate_name = settings.crate_name.replace('-', "_");
    let key_env = format!("{}_API_KEY", api.env_prefix);
    let url_env = format!("{}_BASE_URL", api.env_prefix);
    let mut text = format!(
        "A client for the {} (version {}), generated from its OpenAPI description.\n\n",
        api.title, api.version
    );
    if let Some(description) = &api.description {
        text.push_str(&docs::sanitize(description));
        text.push_str("\n\n");
    }
    text.push_str(&format!(
        "```no_run\n# async fn run() -> Result<(), {crate_name}::Error> {{\nlet client = {crate_name}::Client::from_env()?; // reads {key_env}, and {url_env} if set\n# Ok(())\n# }}\n```\n\n\
         Every operation is an async method of [`Client`]; request and response types are in [`types`]. \
         Errors of every kind are one [`Error`]. Per-call settings go through [`Client::with_options`]."
    ));
    let error_body = match &api.error_body {
        Some(ty) => Paths::outside_types().tree(ty),
        None => Ty::plain("serde_json::Value"),
    };
    let error_body_doc = match &api.error_body {
        Some(_) => {
            "The error body the API sends with an error status, as [`ApiError::body`] holds it."
        }
        None => {
            "The error body of the API: its operations declare no single error schema, so any JSON."
        }
    };
    let mut code = Code::new();
    code.inner_doc(&text);
    code.blank();
    // The generator lays the files out itself; `cargo fmt` need not spend time on them.
    for module in ["mod client;", "pub mod runtime;", "pub mod types;"] {
        code.line("#[rustfmt::skip]");
        code.line(module);
    }
    code.blank();
    code.line("pub use client::Client;");
    code.line("pub use runtime::error::{ApiError, Error};");
    code.line("pub use runtime::multipart::FilePart;");
    code.line("pub use runtime::sse::EventStream;");
    code.line("pub use runtime::transport::{ClientBuilder, RequestOptions, ResponseInfo};");
    code.blank();
    // In rustfmt's order: sorted by path.
    code.line("/// The HTTP crate behind the client, for [`ClientBuilder::http_client`].");
    code.line("pub use reqwest;");
    code.line(
        "/// The JSON crate the types use (`serde_json::Value`, `serde_json::Map`), re-exported so",
    );
    code.line("/// callers need not depend on it themselves.");
    code.line("pub use serde_json;");
    code.blank();
    code.doc(error_body_doc);
    let deprecated = matches!(&api.error_body, Some(TypeRef::Named(name))
        if api.types.iter().any(|def| &def.name == name && def.docs.deprecated));
    if deprecated {
        code.line("#[allow(deprecated)]");
    }
    code.typed("pub type ApiErrorBody =", &error_body, ";");
    code.finish()
}

/// `src/client.rs`: the `Client` and one method per operation.
pub(crate) fn client_rs(api: &Api, settings: &Settings) -> String {
    let base_url = api
        .base_url
        .clone()
        .unwrap_or_else(|| "http://localhost".to_owned());
    let key_env = format!("{}_API_KEY", api.env_prefix);
    let url_env = format!("{}_BASE_URL", api.env_prefix);
    let user_agent = format!("{}-rust/", settings.crate_name);
    let auth = match &api.auth {
        Auth::None => "AuthScheme::None".to_owned(),
        Auth::Bearer => "AuthScheme::Bearer".to_owned(),
        Auth::Header(name) => format!("AuthScheme::Header({})", string_literal(name)),
        Auth::Query(name) => format!("AuthScheme::Query({})", string_literal(name)),
    };
    let paths = Paths::outside_types();
    let mut transport_items = vec!["ApiInfo", "AuthScheme"];
    if !api.operations.is_empty() {
        transport_items.push("Request");
    }
    transport_items.push("Transport");
    let mut crate_items = vec!["ClientBuilder", "Error"];
    if api.operations.iter().any(|op| op.stream.is_some()) {
        crate_items.push("EventStream");
    }
    crate_items.push("RequestOptions");
    let mentions_types = api.operations.iter().any(|op| {
        let named = |ty: &TypeRef| format!("{ty:?}").contains("Named(");
        op.params.is_some()
            || op.path_params.iter().any(|p| named(&p.ty))
            || op.body.as_ref().is_some_and(|b| named(&b.ty))
            || matches!(&op.response, ResponseKind::Json(ty) if named(ty))
            || op.stream.as_ref().is_some_and(|s| named(&s.event))
    });
    if mentions_types {
        crate_items.push("types");
    }
    let mut code = Code::new();
    // A deprecated parameter is still sent when the caller sets it.
    code.line("#![allow(deprecated)]");
    code.blank();
    code.line_of(&[
        "use crate::runtime::transport::{",
        &transport_items.join(", "),
        "};",
    ]);
    code.line_of(&["use crate::{", &crate_items.join(", "), "};"]);
    code.blank();
    code.block("static API: ApiInfo = ApiInfo {", ";", |code| {
        code.line_of(&["default_base_url: ", &string_literal(&base_url), ","]);
        code.line_of(&["api_key_env: ", &string_literal(&key_env), ","]);
        code.line_of(&["base_url_env: ", &string_literal(&url_env), ","]);
        code.macro_call(
            "user_agent: concat!",
            &[
                string_literal(&user_agent),
                "env!(\"CARGO_PKG_VERSION\")".to_owned(),
            ],
            ",",
        );
        match &api.auth {
            Auth::Header(name) => {
                code.call(
                    None,
                    "auth: AuthScheme::Header",
                    &[string_literal(name)],
                    ",",
                );
            }
            Auth::Query(name) => {
                code.call(
                    None,
                    "auth: AuthScheme::Query",
                    &[string_literal(name)],
                    ",",
                );
            }
            _ => code.line_of(&["auth: ", &auth, ","]),
        }
    });
    code.blank();
    code.doc(&format!(
        "A client for the {}.\n\nCheap to clone: clones share one connection pool.",
        api.title
    ));
    code.line("#[derive(Debug, Clone)]");
    code.block("pub struct Client {", "", |code| {
        code.line("transport: Transport,");
    });
    code.blank();
    code.block("impl Client {", "", |code| {
        if api.auth == Auth::None {
            code.doc(&format!("A client for `{base_url}` with default settings."));
            code.block("pub fn new() -> Self {", "", |code| {
                code.line("Self::from_transport(Self::builder().build_lenient())");
            });
        } else {
            code.doc(&format!(
                "A client for `{base_url}` that authenticates with `api_key`, with default settings."
            ));
            code.block("pub fn new(api_key: impl Into<String>) -> Self {", "", |code| {
                code.line("Self::from_transport(Self::builder().api_key(api_key).build_lenient())");
            });
        }
        code.blank();
        code.doc(&format!(
            "A client configured from the environment: the API key from `{key_env}`, the base URL from `{url_env}` when it is set."
        ));
        code.block("pub fn from_env() -> Result<Self, Error> {", "", |code| {
            code.line("Self::builder().with_env()?.build()");
        });
        code.blank();
        code.line(
            "/// A builder for a client with other settings (base URL, timeouts, retries, headers).",
        );
        code.block("pub fn builder() -> ClientBuilder {", "", |code| {
            code.line("ClientBuilder::new(&API)");
        });
        code.blank();
        code.line("/// A client that applies `options` (timeout, retries, extra headers) to its calls,");
        code.line("/// sharing this one's connections.");
        code.block(
            "pub fn with_options(&self, options: RequestOptions) -> Self {",
            "",
            |code| {
                code.struct_literal(
                    "Self",
                    &["transport: self.transport.with_options(options)".to_owned()],
                    "",
                );
            },
        );
        code.blank();
        code.line("/// The base URL requests go to.");
        code.block("pub fn base_url(&self) -> &str {", "", |code| {
            code.line("self.transport.base_url()");
        });
        code.blank();
        code.block(
            "pub(crate) fn from_transport(transport: Transport) -> Self {",
            "",
            |code| code.line("Self { transport }"),
        );
        for op in &api.operations {
            operation(code, api, op, &paths);
        }
    });
    code.finish()
}

/// One operation: the plain method and, for SSE responses, the `_stream` method.
fn operation(code: &mut Code, api: &Api, op: &Operation, paths: &Paths) {
    let borrowed = |ty: &TypeRef| {
        let mut tree = paths.tree(ty);
        tree.head.insert(0, '&');
        tree
    };
    let mut params = vec![Param::receiver("&self")];
    for param in &op.path_params {
        params.push(match &param.ty {
            TypeRef::String => Param::new(&param.name, Ty::plain("&str")),
            TypeRef::Integer(_) | TypeRef::Number | TypeRef::Bool => {
                Param::new(&param.name, paths.tree(&param.ty))
            }
            other => Param::new(&param.name, borrowed(other)),
        });
    }
    if let Some(params_def) = &op.params {
        params.push(Param::new(
            "params",
            borrowed(&TypeRef::Named(params_def.type_name.clone())),
        ));
    }
    if let Some(body) = &op.body {
        params.push(match body.encoding {
            BodyEncoding::Text => {
                Param::new("body", Ty::generic("impl Into", vec![Ty::plain("String")]))
            }
            BodyEncoding::Bytes => Param::new(
                "body",
                Ty::generic("impl Into", vec![Ty::plain("bytes::Bytes")]),
            ),
            _ => Param::new("body", borrowed(&body.ty)),
        });
    }
    let (return_ty, call) = match &op.response {
        ResponseKind::Json(ty) => (paths.tree(ty), "self.transport.json(request).await"),
        ResponseKind::Text => (Ty::plain("String"), "self.transport.text(request).await"),
        ResponseKind::Bytes => (
            Ty::plain("bytes::Bytes"),
            "self.transport.bytes(request).await",
        ),
        ResponseKind::Empty => (Ty::plain("()"), "self.transport.empty(request).await"),
    };
    let result = |ty: Ty| Ty::generic("Result", vec![ty, Ty::plain("Error")]);
    let method = names::unraw(&op.method_name);
    let mut doc_text = docs::render(&op.docs);
    if let Some(stream) = &op.stream
        && let Some(field) = &stream.flag_field
    {
        doc_text.push_str(&format!(
            "\n\nThis method always receives one JSON response: the body's `{field}` is sent as `false` if set. For Server-Sent Events use [`Self::{}`].",
            stream.method_name
        ));
    }
    doc_text.push_str(&format!(
        "\n\n`{} {}`",
        op.http_method,
        op.path.replace('`', "'")
    ));
    code.blank();
    code.doc(doc_text.trim());
    if op.docs.deprecated {
        code.line("#[deprecated]");
    }
    code.signature(
        &format!("pub async fn {}", op.method_name),
        &params,
        Some(&result(return_ty)),
    );
    code.body("", |code| {
        prepare(code, api, op, op.stream.as_ref().map(|_| false));
        code.line(call);
    });
    if let Some(stream) = &op.stream {
        let event_name = match &stream.event {
            TypeRef::Named(name) => name.clone(),
            _ => "serde_json::Value".to_owned(),
        };
        code.blank();
        code.doc(&format!(
            "Like [`Self::{method}`], but the response arrives as a stream of Server-Sent Events, each decoded as `{event_name}`. The stream ends after the server's `[DONE]`; a dropped connection yields an error item."
        ));
        if op.docs.deprecated {
            code.line("#[deprecated]");
        }
        code.signature(
            &format!("pub async fn {}", stream.method_name),
            &params,
            Some(&result(Ty::generic(
                "EventStream",
                vec![paths.tree(&stream.event)],
            ))),
        );
        code.body("", |code| {
            prepare(code, api, op, Some(true));
            code.line("self.transport.stream(request).await");
        });
    }
}

/// The statements that build `request`: method and path (parameters percent-encoded), query
/// and header parameters, then the body. `stream` is the value the body's stream flag is
/// forced to, if the operation has one.
fn prepare(code: &mut Code, api: &Api, op: &Operation, stream: Option<bool>) {
    let mut pieces = Vec::new();
    let mut rest = op.path.as_str();
    for param in &op.path_params {
        let template = format!("{{{}}}", param.wire_name);
        if let Some(at) = rest.find(&template) {
            pieces.push(PathPiece::Text(&rest[..at]));
            rest = &rest[at + template.len()..];
            pieces.push(PathPiece::Param(match &param.ty {
                TypeRef::Integer(_) | TypeRef::Number | TypeRef::Bool => {
                    format!("&{}", param.name)
                }
                _ => param.name.clone(),
            }));
        }
    }
    pieces.push(PathPiece::Text(rest));
    let first = match pieces.first() {
        Some(PathPiece::Text(text)) => *text,
        _ => "",
    };
    let mut statements: Vec<(&str, Vec<String>)> = Vec::new();
    for piece in pieces.iter().skip(1) {
        match piece {
            PathPiece::Text("") => {}
            PathPiece::Text(text) => statements.push(("request.path", vec![string_literal(text)])),
            PathPiece::Param(arg) => statements.push(("request.path_param", vec![arg.clone()])),
        }
    }
    if let Some(params) = &op.params {
        for param in &params.params {
            let wire = string_literal(&param.wire_name);
            let value = format!("&params.{}", param.name);
            match param.location {
                ParamLocation::Query => statements.push((
                    "request.query",
                    vec![wire, value, param.explode.to_string()],
                )),
                ParamLocation::Header => statements.push(("request.header", vec![wire, value])),
                ParamLocation::Path => {}
            }
        }
    }
    code.call(
        Some(if statements.is_empty() {
            "let request ="
        } else {
            "let mut request ="
        }),
        "Request::new",
        &[
            format!("reqwest::Method::{}", op.http_method),
            string_literal(first),
        ],
        ";",
    );
    for (head, args) in &statements {
        code.call(None, head, args, ";");
    }
    let Some(body) = &op.body else {
        return;
    };
    let content_type = string_literal(&body.content_type);
    let flag = op.stream.as_ref().and_then(|s| s.flag_field.as_ref());
    let (head, args): (&str, Vec<String>) = match (body.encoding, stream, flag) {
        (BodyEncoding::Json, Some(stream), Some(field)) => (
            "request.json_with_flag",
            vec!["body".to_owned(), string_literal(field), stream.to_string()],
        ),
        (BodyEncoding::Json, _, _) => ("request.json", vec!["body".to_owned()]),
        (BodyEncoding::Form, _, _) => ("request.form", vec!["body".to_owned()]),
        (BodyEncoding::Multipart, _, _) => {
            multipart_body(code, api, &body.ty);
            return;
        }
        (BodyEncoding::Text, _, _) => ("request.raw", vec!["body.into()".to_owned(), content_type]),
        (BodyEncoding::Bytes, _, _) => ("request.raw", vec!["body".to_owned(), content_type]),
    };
    let tail = if matches!(body.encoding, BodyEncoding::Text | BodyEncoding::Bytes) {
        ";"
    } else {
        "?;"
    };
    code.call(Some("let request ="), head, &args, tail);
}

/// A piece of a path template: literal text, or the argument that fills a parameter.
enum PathPiece<'a> {
    Text(&'a str),
    Param(String),
}

/// A multipart body written field by field: files as file parts, everything else as text. A
/// body whose fields are not known (not a struct) is written from its JSON form.
fn multipart_body(code: &mut Code, api: &Api, ty: &TypeRef) {
    let structure = match ty {
        TypeRef::Named(name) => api
            .types
            .iter()
            .find(|def| &def.name == name)
            .and_then(|def| match &def.kind {
                TypeKind::Struct(structure) => Some(structure),
                _ => None,
            }),
        _ => None,
    };
    let Some(structure) = structure else {
        code.line("let request = request.multipart(body)?;");
        return;
    };
    code.line("let mut form = crate::runtime::multipart::Multipart::new();");
    for field in &structure.fields {
        let name = &field.name;
        let wire = string_literal(&field.wire_name);
        match (&field.ty, field.is_option()) {
            (TypeRef::File, false) => {
                code.call(None, "form.file", &[wire, format!("&body.{name}")], ";");
            }
            (TypeRef::File, true) => {
                code.item(&format!("if let Some(file) = &body.{name}"), |code| {
                    code.call(None, "form.file", &[wire, "file".to_owned()], ";");
                });
            }
            (TypeRef::Vec(inner), false) if **inner == TypeRef::File => {
                code.item(&format!("for file in &body.{name}"), |code| {
                    code.call(None, "form.file", &[wire, "file".to_owned()], ";");
                });
            }
            (TypeRef::Vec(inner), true) if **inner == TypeRef::File => {
                code.item(&format!("if let Some(files) = &body.{name}"), |code| {
                    code.block("for file in files {", "", |code| {
                        code.call(None, "form.file", &[wire, "file".to_owned()], ";");
                    });
                });
            }
            _ => code.call(None, "form.text", &[wire, format!("&body.{name}")], ";"),
        }
    }
    if let Some(extra) = &structure.extra {
        code.item(
            &format!("for (name, value) in &body.{}", extra.name),
            |code| {
                code.line("form.text(name, value);");
            },
        );
    }
    code.line("let request = request.multipart_form(form);");
}

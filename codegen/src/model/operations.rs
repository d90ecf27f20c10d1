//! Paths → [`Operation`]s: parameters, bodies, responses and streams, described before any
//! code is written.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::refs;
use super::types::{TypeBuilder, docs_of};
use super::{
    Body, BodyEncoding, Docs, Field, FormField, Operation, Pagination, Param, ParamLocation,
    ParamStyle, ParamsStruct, ResponseKind, ResponsesDef, Security, StatusCase, Stream, StructDef,
    TypeDef, TypeKind, TypeRef,
};
use crate::diagnostics::Error;
use crate::load::escape_pointer;
use crate::names::{self, Namespace};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Names the generated `Client` already uses.
const CLIENT_METHODS: [&str; 8] = [
    "new",
    "builder",
    "from_env",
    "with_options",
    "base_url",
    "clone",
    "fmt",
    "from_transport",
];

/// Header parameters the client sets itself; OpenAPI says to ignore them in parameter lists.
const MANAGED_HEADERS: [&str; 3] = ["accept", "content-type", "authorization"];

/// Builds every operation, in spec order.
pub(crate) fn build_operations(
    builder: &mut TypeBuilder<'_>,
    security: &Security,
) -> Result<Vec<Operation>, Error> {
    let raw = builder.raw();
    let mut method_names = Namespace::with_reserved(CLIENT_METHODS);
    let mut seen_ids: BTreeMap<String, String> = BTreeMap::new();
    let mut operations = Vec::new();
    let Some(paths) = raw.get("paths").and_then(Value::as_object) else {
        return Ok(operations);
    };
    for (path, item) in paths {
        let mut item_pointer = format!("#/paths/{}", escape_pointer(path));
        if !path.starts_with('/') {
            builder.warn(
                &item_pointer,
                format!("the path `{path}` does not start with `/`; it is appended to the base URL as written"),
            );
        }
        let mut item = item;
        if let Some(reference) = item.get("$ref").and_then(Value::as_str) {
            match refs::resolve(raw, reference) {
                Ok((target, pointer)) => {
                    item = target;
                    item_pointer = pointer;
                }
                Err(_) => {
                    builder.warn(
                        &item_pointer,
                        format!("`$ref: {reference}` cannot be followed; the path is left out"),
                    );
                    continue;
                }
            }
        }
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let pointer = format!("{item_pointer}/{method}");
            let id = operation
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|id| !id.is_empty());
            let wanted = match id {
                Some(id) => {
                    if let Some(first) = seen_ids.insert(id.to_owned(), pointer.clone()) {
                        builder.warn(&pointer, format!("operationId `{id}` is also used at {first}; this method gets a numbered name"));
                    }
                    names::field_name(id)
                }
                None => {
                    let fallback = names::field_name(&format!("{method} {}", path_words(path)));
                    builder.warn(&pointer, format!("no operationId; the method is named `{fallback}` after the method and path"));
                    fallback
                }
            };
            let method_name = method_names.claim(&wanted);
            let type_base = names::type_name(names::unraw(&method_name));
            let mut op = build_operation(
                builder,
                security,
                path,
                method,
                &pointer,
                item,
                operation,
                method_name.clone(),
                &type_base,
            )?;
            if let Some(stream) = &mut op.stream {
                let claimed = method_names.claim(&stream.method_name);
                if claimed != stream.method_name {
                    builder.warn(&pointer, format!("`{}` is taken by another operation; the streaming method is `{claimed}`", stream.method_name));
                    stream.method_name = claimed;
                }
            }
            if let Some(pagination) = &mut op.pagination {
                for method in [&mut pagination.pages_method, &mut pagination.items_method] {
                    let claimed = method_names.claim(method);
                    if claimed != *method {
                        builder.warn(&pointer, format!("`{method}` is taken by another operation; the paging method is `{claimed}`"));
                        *method = claimed;
                    }
                }
            }
            operations.push(op);
        }
    }
    Ok(operations)
}

#[allow(clippy::too_many_arguments)]
fn build_operation<'a>(
    builder: &mut TypeBuilder<'a>,
    security: &Security,
    path: &str,
    method: &str,
    pointer: &str,
    item: &'a Value,
    operation: &'a Value,
    method_name: String,
    type_base: &str,
) -> Result<Operation, Error> {
    let text = |key: &str| {
        operation
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|t| !t.is_empty())
    };
    let description = match (text("summary"), text("description")) {
        (Some(summary), Some(description)) if description != summary => {
            Some(format!("{summary}\n\n{description}"))
        }
        (Some(summary), _) => Some(summary.to_owned()),
        (None, description) => description.map(str::to_owned),
    };
    let docs = Docs {
        description,
        deprecated: operation
            .get("deprecated")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        ..Docs::default()
    };
    let params = collect_params(builder, pointer, item, operation);
    // `request` is the method's own local variable, which a parameter must not shadow.
    let mut param_names = Namespace::with_reserved(["body", "params", "request"]);
    let mut path_params = Vec::new();
    for wire in template_params(path) {
        let found = params.iter().find(|(param, _)| {
            param.get("in").and_then(Value::as_str) == Some("path")
                && param.get("name").and_then(Value::as_str) == Some(wire.as_str())
        });
        let keeps_slashes = found.is_some_and(|(param, _)| {
            param.get("x-ms-skip-url-encoding").and_then(Value::as_bool) == Some(true)
        });
        let (ty, docs, (style, explode)) = match found {
            Some((param, param_pointer)) => (
                param_type(
                    builder,
                    param,
                    param_pointer,
                    &format!("{type_base}{}", names::type_name(&wire)),
                ),
                param_docs(param),
                param_style(builder, param, param_pointer, ParamLocation::Path),
            ),
            None => {
                builder.warn(
                    pointer,
                    format!("path parameter `{wire}` is not declared; it is taken as a string"),
                );
                (
                    TypeRef::String,
                    Docs::default(),
                    (ParamStyle::Simple, false),
                )
            }
        };
        path_params.push(Param {
            name: param_names.claim(&names::field_name(&wire)),
            wire_name: wire,
            ty,
            required: true,
            location: ParamLocation::Path,
            style,
            explode,
            keeps_slashes,
            docs,
        });
    }
    let mut struct_params = Vec::new();
    let mut field_names = Namespace::new();
    for (param, param_pointer) in &params {
        let Some(wire) = param.get("name").and_then(Value::as_str) else {
            builder.warn(param_pointer, "parameter without a `name`; left out");
            continue;
        };
        let location = match param.get("in").and_then(Value::as_str) {
            Some("query") => ParamLocation::Query,
            Some("header") if MANAGED_HEADERS.contains(&wire.to_ascii_lowercase().as_str()) => {
                continue;
            }
            Some("header") => ParamLocation::Header,
            Some("path") => continue,
            Some("cookie")
                if wire.is_empty()
                    || !wire.bytes().all(|byte| {
                        byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
                    }) =>
            {
                builder.warn(
                    param_pointer,
                    format!("cookie parameter `{wire}`: a cookie's name must be an HTTP token (RFC 6265); left out"),
                );
                continue;
            }
            Some("cookie") => ParamLocation::Cookie,
            other => {
                builder.warn(
                    param_pointer,
                    format!("parameter `{wire}` has an unknown location {other:?}; left out"),
                );
                continue;
            }
        };
        let (style, explode) = param_style(builder, param, param_pointer, location);
        struct_params.push(Param {
            name: field_names.claim(&names::field_name(wire)),
            wire_name: wire.to_owned(),
            ty: param_type(
                builder,
                param,
                param_pointer,
                &format!("{type_base}{}", names::type_name(wire)),
            ),
            required: param
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            location,
            style,
            explode,
            keeps_slashes: false,
            docs: param_docs(param),
        });
    }
    let params_struct = (!struct_params.is_empty()).then(|| {
        let type_name = builder.claim_name(&format!("{type_base}Params"));
        builder.add_def(TypeDef {
            name: type_name.clone(),
            pointer: pointer.to_owned(),
            docs: Docs {
                description: Some(format!(
                    "{} of [`Client::{}`](crate::Client::{}).",
                    match struct_params
                        .iter()
                        .any(|param| param.location == ParamLocation::Cookie)
                    {
                        true => "Query, header and cookie parameters",
                        false => "Query and header parameters",
                    },
                    names::unraw(&method_name),
                    names::unraw(&method_name)
                )),
                ..Docs::default()
            },
            kind: TypeKind::Struct(StructDef {
                fields: struct_params
                    .iter()
                    .map(|param| Field {
                        name: param.name.clone(),
                        wire_name: param.wire_name.clone(),
                        ty: param.ty.clone(),
                        required: param.required,
                        nullable: false,
                        binary: false,
                        docs: param.docs.clone(),
                    })
                    .collect(),
                extra: None,
            }),
        });
        ParamsStruct {
            type_name,
            params: struct_params,
        }
    });
    let body = request_body(builder, pointer, operation, type_base);
    let (response, stream) = responses(builder, pointer, operation, type_base, &method_name);
    let stream = stream.map(|event| Stream {
        event,
        flag_field: stream_switch(
            builder,
            pointer,
            operation,
            body.as_ref(),
            matches!(response, ResponseKind::Json(_)),
        ),
        method_name: format!("{}_stream", names::unraw(&method_name)),
    });
    let pagination = super::pagination::infer(
        builder,
        pointer,
        operation,
        method,
        params_struct
            .as_ref()
            .map_or(&[][..], |params| params.params.as_slice()),
        &params,
        &response,
    )
    .map(|(rule, items)| Pagination {
        rule,
        items,
        pages_method: format!("{}_pages", names::unraw(&method_name)),
        items_method: format!("{}_items", names::unraw(&method_name)),
    });
    Ok(Operation {
        method_name,
        http_method: method.to_ascii_uppercase(),
        path: path.to_owned(),
        pointer: pointer.to_owned(),
        docs,
        path_params,
        params: params_struct,
        body,
        response,
        stream,
        pagination,
        security: super::security::of_operation(builder, security, pointer, operation),
        tags: operation
            .get("tags")
            .and_then(Value::as_array)
            .map(|tags| {
                tags.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// The boolean property of the request body that asks an operation for Server-Sent Events
/// instead of one JSON response. `x-stream-field` names it where a spec says so (`false`
/// turns the switch off); otherwise it is the body's boolean `stream` property, the
/// convention of every OpenAI-compatible API, so that published specs stream as they are. An
/// operation without one streams with the body as the caller wrote it; where its response also
/// offers JSON (`offers_json`), that is likely not what the server needs, and it gets a warning.
fn stream_switch(
    builder: &mut TypeBuilder<'_>,
    pointer: &str,
    operation: &Value,
    body: Option<&Body>,
    offers_json: bool,
) -> Option<String> {
    let boolean_property = |builder: &TypeBuilder<'_>, wanted: &str| {
        let Some(Body {
            ty: TypeRef::Named(name),
            encoding: BodyEncoding::Json,
            ..
        }) = body
        else {
            return false;
        };
        builder.struct_fields(name).is_some_and(|fields| {
            fields.iter().any(|field| {
                field.wire_name == wanted && matches!(&field.ty, TypeRef::Bool) && !field.binary
            })
        })
    };
    match operation.get("x-stream-field") {
        Some(Value::String(name)) => {
            if !boolean_property(builder, name) {
                builder.warn(
                    &format!("{pointer}/x-stream-field"),
                    format!("`{name}` is not a boolean property of the JSON request body; it is set anyway"),
                );
            }
            return Some(name.clone());
        }
        Some(Value::Bool(false) | Value::Null) => return None,
        Some(_) => builder.warn(
            &format!("{pointer}/x-stream-field"),
            "`x-stream-field` must name a property of the request body, or be `false`; ignored",
        ),
        None => {}
    }
    if boolean_property(builder, "stream") {
        return Some("stream".to_owned());
    }
    if offers_json {
        builder.warn(
        pointer,
            "the response offers JSON and text/event-stream, but the request body has no boolean `stream` property to choose: the streaming method sends the body as the caller wrote it (name the property with `x-stream-field`)",
        );
    }
    None
}

/// A parameter's identity: its name and location.
type ParamKey = (String, String);

/// Path-level and operation-level parameters (the operation's win), references followed.
fn collect_params<'a>(
    builder: &mut TypeBuilder<'a>,
    pointer: &str,
    item: &'a Value,
    operation: &'a Value,
) -> Vec<(&'a Value, String)> {
    let raw = builder.raw();
    let item_pointer = pointer.rsplit_once('/').map_or(pointer, |(head, _)| head);
    let mut by_key: Vec<(ParamKey, (&'a Value, String))> = Vec::new();
    for (list, list_pointer) in [
        (item.get("parameters"), format!("{item_pointer}/parameters")),
        (operation.get("parameters"), format!("{pointer}/parameters")),
    ] {
        let Some(list) = list.and_then(Value::as_array) else {
            continue;
        };
        for (index, param) in list.iter().enumerate() {
            let mut param_pointer = format!("{list_pointer}/{index}");
            let mut param = param;
            if let Some(reference) = param.get("$ref").and_then(Value::as_str) {
                match refs::resolve(raw, reference) {
                    Ok((target, target_pointer)) => {
                        param = target;
                        param_pointer = target_pointer;
                    }
                    Err(_) => {
                        builder.warn(
                            &param_pointer,
                            format!(
                                "`$ref: {reference}` cannot be followed; the parameter is left out"
                            ),
                        );
                        continue;
                    }
                }
            }
            let key = (
                param
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                param
                    .get("in")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            );
            match by_key.iter_mut().find(|(existing, _)| *existing == key) {
                Some(slot) => slot.1 = (param, param_pointer),
                None => by_key.push((key, (param, param_pointer))),
            }
        }
    }
    by_key.into_iter().map(|(_, value)| value).collect()
}

fn param_type(builder: &mut TypeBuilder<'_>, param: &Value, pointer: &str, hint: &str) -> TypeRef {
    if param.get("schema").is_some() {
        return builder.schema_type(&format!("{pointer}/schema"), hint);
    }
    if let Some(content) = param.get("content").and_then(Value::as_object)
        && let Some(media) = content.keys().next()
    {
        return builder.schema_type(
            &format!("{pointer}/content/{}/schema", escape_pointer(media)),
            hint,
        );
    }
    builder.warn(pointer, "parameter without a schema; taken as a string");
    TypeRef::String
}

/// A parameter's `style` and `explode`, with OpenAPI's defaults for its location: `form`
/// (exploded) in the query and cookies, `simple` in the path and headers. A parameter described by a
/// JSON `content` is written as JSON text.
fn param_style(
    builder: &mut TypeBuilder<'_>,
    param: &Value,
    pointer: &str,
    location: ParamLocation,
) -> (ParamStyle, bool) {
    if param.get("schema").is_none()
        && let Some(content) = param.get("content").and_then(Value::as_object)
        && content.keys().next().is_some_and(|media| is_json(media))
    {
        return (ParamStyle::Json, false);
    }
    let (default, allowed): (ParamStyle, &[ParamStyle]) = match location {
        ParamLocation::Query => (
            ParamStyle::Form,
            &[
                ParamStyle::Form,
                ParamStyle::SpaceDelimited,
                ParamStyle::PipeDelimited,
                ParamStyle::DeepObject,
            ],
        ),
        ParamLocation::Path => (
            ParamStyle::Simple,
            &[ParamStyle::Simple, ParamStyle::Label, ParamStyle::Matrix],
        ),
        ParamLocation::Header => (ParamStyle::Simple, &[ParamStyle::Simple]),
        ParamLocation::Cookie => (ParamStyle::Form, &[ParamStyle::Form]),
    };
    let style = match param.get("style").and_then(Value::as_str) {
        None => default,
        Some(name) => match ParamStyle::from_name(name) {
            Some(style) if allowed.contains(&style) => style,
            _ => {
                builder.warn(
                    &format!("{pointer}/style"),
                    format!("style `{name}` does not apply here; written as `{default:?}`"),
                );
                default
            }
        },
    };
    let explode = param
        .get("explode")
        .and_then(Value::as_bool)
        .unwrap_or(matches!(style, ParamStyle::Form | ParamStyle::DeepObject));
    (style, explode)
}

/// The fields of a form body whose `encoding` asks for another style than `form` with
/// `explode` (`deepObject` for Stripe's `metadata[key]=v`, say).
fn form_fields(media: &Value) -> Vec<FormField> {
    let Some(encoding) = media.get("encoding").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut out: Vec<FormField> = encoding
        .iter()
        .filter_map(|(name, entry)| {
            let style = entry
                .get("style")
                .and_then(Value::as_str)
                .and_then(ParamStyle::from_name)
                .filter(|style| {
                    matches!(
                        style,
                        ParamStyle::Form
                            | ParamStyle::SpaceDelimited
                            | ParamStyle::PipeDelimited
                            | ParamStyle::DeepObject
                    )
                })
                .unwrap_or(ParamStyle::Form);
            let explode = entry
                .get("explode")
                .and_then(Value::as_bool)
                .unwrap_or(matches!(style, ParamStyle::Form | ParamStyle::DeepObject));
            (style != ParamStyle::Form || !explode).then(|| FormField {
                wire_name: name.clone(),
                style,
                explode,
            })
        })
        .collect();
    out.sort_by(|a, b| a.wire_name.cmp(&b.wire_name));
    out
}

fn param_docs(param: &Value) -> Docs {
    let mut docs = param.get("schema").map(docs_of).unwrap_or_default();
    if let Some(description) = param.get("description").and_then(Value::as_str) {
        docs.description = Some(description.trim().to_owned());
    }
    docs.deprecated |= param
        .get("deprecated")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    docs
}

/// `{name}`s of a path template, in order.
pub(crate) fn template_params(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push(rest[start + 1..start + len].to_owned());
        rest = &rest[start + len + 1..];
    }
    out
}

/// The words of a path for a method name: `/users/{id}/posts` → `users by id posts`.
fn path_words(path: &str) -> String {
    path.split('/')
        .filter(|segment| !segment.is_empty())
        .map(
            |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(param) => format!("by {param}"),
                None => segment.to_owned(),
            },
        )
        .collect::<Vec<_>>()
        .join(" ")
}

fn follow<'a>(
    builder: &mut TypeBuilder<'a>,
    value: &'a Value,
    pointer: String,
) -> Option<(&'a Value, String)> {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => match refs::resolve(builder.raw(), reference) {
            Ok(found) => Some(found),
            Err(_) => {
                builder.warn(
                    &pointer,
                    format!("`$ref: {reference}` cannot be followed; left out"),
                );
                None
            }
        },
        None => Some((value, pointer)),
    }
}

fn is_json(media: &str) -> bool {
    let essence = media
        .split(';')
        .next()
        .unwrap_or(media)
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json") || essence.ends_with("/json")
}

/// The media type of `content` that carries JSON: a JSON media type, else a media range
/// (`*/*`, as Springfox writes every body) whose schema is not a string, since such servers
/// send and expect JSON.
fn json_media<'c>(raw: &Value, content: &'c serde_json::Map<String, Value>) -> Option<&'c String> {
    content.keys().find(|media| is_json(media)).or_else(|| {
        content.iter().find_map(|(media, entry)| {
            let essence = media.split(';').next().unwrap_or(media).trim();
            let schema = refs::follow(raw, entry.get("schema")?)?;
            let text = schema.get("type").and_then(Value::as_str) == Some("string");
            (matches!(essence, "*/*" | "application/*") && !text).then_some(media)
        })
    })
}

fn request_body<'a>(
    builder: &mut TypeBuilder<'a>,
    pointer: &str,
    operation: &'a Value,
    type_base: &str,
) -> Option<Body> {
    let body = operation.get("requestBody")?;
    let (body, body_pointer) = follow(builder, body, format!("{pointer}/requestBody"))?;
    let content = body.get("content").and_then(Value::as_object)?;
    let required = body
        .get("required")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let json = json_media(builder.raw(), content);
    let pick = json
        .or_else(|| {
            content
                .keys()
                .find(|media| media.starts_with("application/x-www-form-urlencoded"))
        })
        .or_else(|| {
            content
                .keys()
                .find(|media| media.starts_with("multipart/form-data"))
        })
        .or_else(|| content.keys().next())?;
    let schema_pointer = format!("{body_pointer}/content/{}/schema", escape_pointer(pick));
    let has_schema = refs::at(builder.raw(), &schema_pointer).is_some();
    let structured = |builder: &mut TypeBuilder<'_>| {
        if has_schema {
            builder.schema_type(&schema_pointer, &format!("{type_base}Request"))
        } else {
            TypeRef::Json
        }
    };
    let (ty, encoding) = if json == Some(pick) {
        (structured(builder), BodyEncoding::Json)
    } else if pick.starts_with("application/x-www-form-urlencoded") {
        (structured(builder), BodyEncoding::Form)
    } else if pick.starts_with("multipart/form-data") {
        let ty = structured(builder);
        if let TypeRef::Named(name) = &ty {
            builder.binary_fields_as_files(name);
        }
        (ty, BodyEncoding::Multipart)
    } else if pick.starts_with("text/")
        || pick.starts_with("application/jose")
        || pick.starts_with("application/xml")
    {
        (TypeRef::String, BodyEncoding::Text)
    } else {
        (TypeRef::Bytes, BodyEncoding::Bytes)
    };
    let form_fields = match (encoding, content.get(pick)) {
        (BodyEncoding::Form, Some(media)) => form_fields(media),
        _ => Vec::new(),
    };
    Some(Body {
        ty,
        encoding,
        // A media range is not a content type: JSON is sent as what it is.
        content_type: if json == Some(pick) && !is_json(pick) {
            "application/json".to_owned()
        } else {
            pick.clone()
        },
        required,
        form_fields,
    })
}

/// The body of one success response, before any type is made for it.
#[derive(Debug, Clone, PartialEq)]
enum Pending {
    /// JSON; the pointer of its schema, if it has one.
    Json(Option<String>),
    Text,
    Bytes,
    Empty,
}

/// One success response of an operation.
struct Candidate {
    /// The status, `None` for a range (`2XX`).
    status: Option<u16>,
    body: Pending,
    description: Option<String>,
}

/// What a success returns, and the event type when the success response also streams. Where
/// the success responses have different bodies (200 with one type, 202 with another, 204 with
/// none), the result is an enum of them by status, so that every success decodes.
fn responses<'a>(
    builder: &mut TypeBuilder<'a>,
    pointer: &str,
    operation: &'a Value,
    type_base: &str,
    method_name: &str,
) -> (ResponseKind, Option<TypeRef>) {
    let Some(responses) = operation.get("responses").and_then(Value::as_object) else {
        return (ResponseKind::Empty, None);
    };
    let mut codes: Vec<&String> = responses
        .keys()
        .filter(|code| code.starts_with('2'))
        .collect();
    codes.sort();
    let mut candidates = Vec::new();
    let mut stream = None;
    for code in codes {
        let code_pointer = format!("{pointer}/responses/{}", escape_pointer(code));
        let status = code
            .parse::<u16>()
            .ok()
            .filter(|status| (200..300).contains(status));
        if status.is_none() && !code.eq_ignore_ascii_case("2xx") {
            builder.warn(
                &code_pointer,
                format!("`{code}` is not a status code; the response is left out"),
            );
            continue;
        }
        let Some((response, response_pointer)) = follow(builder, &responses[code], code_pointer)
        else {
            continue;
        };
        let content = response.get("content").and_then(Value::as_object);
        let body = match content {
            None => Pending::Empty,
            Some(content) if content.is_empty() => Pending::Empty,
            Some(content) => {
                if let Some(media) = content
                    .keys()
                    .find(|media| media.starts_with("text/event-stream"))
                {
                    let schema_pointer = format!(
                        "{response_pointer}/content/{}/schema",
                        escape_pointer(media)
                    );
                    if stream.is_none() {
                        stream = Some(if refs::at(builder.raw(), &schema_pointer).is_some() {
                            builder.schema_type(&schema_pointer, &format!("{type_base}Event"))
                        } else {
                            TypeRef::Json
                        });
                    }
                }
                match json_media(builder.raw(), content) {
                    Some(media) => {
                        let schema_pointer = format!(
                            "{response_pointer}/content/{}/schema",
                            escape_pointer(media)
                        );
                        Pending::Json(
                            refs::at(builder.raw(), &schema_pointer).map(|_| schema_pointer),
                        )
                    }
                    None if content.keys().any(|media| {
                        media.starts_with("text/") && !media.starts_with("text/event-stream")
                    }) =>
                    {
                        Pending::Text
                    }
                    None if content
                        .keys()
                        .all(|media| media.starts_with("text/event-stream")) =>
                    {
                        Pending::Text
                    }
                    None => Pending::Bytes,
                }
            }
        };
        candidates.push(Candidate {
            status,
            body,
            description: response
                .get("description")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|text| !text.is_empty())
                .map(str::to_owned),
        });
    }
    let Some(first) = candidates.first() else {
        return (ResponseKind::Empty, stream);
    };
    let raw = builder.raw();
    if candidates
        .iter()
        .all(|candidate| same_body(raw, &candidate.body, &first.body))
    {
        let kind = resolve(builder, &first.body, &format!("{type_base}Response"));
        return (kind, stream);
    }
    let type_name = builder.claim_name(&format!("{type_base}Response"));
    let mut cases = Vec::new();
    for candidate in &candidates {
        // A range (`2XX`) has no status of its own: such responses land in the `Other` variant.
        let Some(status) = candidate.status else {
            continue;
        };
        let variant = status_variant(status);
        let body = resolve(
            builder,
            &candidate.body,
            &format!("{type_base}{variant}Body"),
        );
        cases.push(StatusCase {
            status,
            variant,
            body,
            description: candidate.description.clone(),
        });
    }
    builder.add_def(TypeDef {
        name: type_name.clone(),
        pointer: format!("{pointer}/responses"),
        docs: Docs {
            description: Some(format!(
                "What [`Client::{method}`](crate::Client::{method}) returns: its success responses differ by status.",
                method = names::unraw(method_name)
            )),
            ..Docs::default()
        },
        kind: TypeKind::Responses(ResponsesDef {
            method_name: method_name.to_owned(),
            cases,
        }),
    });
    (ResponseKind::ByStatus(type_name), stream)
}

/// Whether two success responses decode alike: the same kind of body and, for JSON, the same
/// schema (by reference, or written out twice alike).
fn same_body(raw: &Value, left: &Pending, right: &Pending) -> bool {
    match (left, right) {
        (Pending::Json(Some(left)), Pending::Json(Some(right))) => {
            let (left, right) = (refs::target(raw, left), refs::target(raw, right));
            left == right || refs::at(raw, &left) == refs::at(raw, &right)
        }
        _ => left == right,
    }
}

/// The model of a success body: a type made for a JSON schema (named from `hint` if inline),
/// an `Option` of it when the schema allows `null` (GitHub's `issue-type` is `nullable`, and
/// a `null` answer must decode).
fn resolve(builder: &mut TypeBuilder<'_>, body: &Pending, hint: &str) -> ResponseKind {
    match body {
        Pending::Json(Some(schema_pointer)) => {
            ResponseKind::Json(builder.nullable_aware(schema_pointer, hint))
        }
        Pending::Json(None) => ResponseKind::Json(TypeRef::Json),
        Pending::Text => ResponseKind::Text,
        Pending::Bytes => ResponseKind::Bytes,
        Pending::Empty => ResponseKind::Empty,
    }
}

/// The variant of a status: its reason phrase (RFC 9110), or `Status207` for the rest.
fn status_variant(status: u16) -> String {
    let known = match status {
        200 => "Ok",
        201 => "Created",
        202 => "Accepted",
        203 => "NonAuthoritativeInformation",
        204 => "NoContent",
        205 => "ResetContent",
        206 => "PartialContent",
        _ => return format!("Status{status}"),
    };
    known.to_owned()
}

/// The error body type, when every error response of every operation uses the same JSON schema.
pub(crate) fn common_error_body(builder: &mut TypeBuilder<'_>) -> Option<TypeRef> {
    let raw = builder.raw();
    let mut found: BTreeSet<TypeRef> = BTreeSet::new();
    let paths = raw.get("paths").and_then(Value::as_object)?;
    for (path, item) in paths {
        for method in METHODS {
            let Some(responses) = item
                .get(method)
                .and_then(|op| op.get("responses"))
                .and_then(Value::as_object)
            else {
                continue;
            };
            for (code, response) in responses {
                if code.starts_with('2') || code.starts_with('1') || code.starts_with('3') {
                    continue;
                }
                let pointer = format!(
                    "#/paths/{}/{method}/responses/{}",
                    escape_pointer(path),
                    escape_pointer(code)
                );
                let Some((response, response_pointer)) = follow(builder, response, pointer) else {
                    continue;
                };
                let Some(content) = response.get("content").and_then(Value::as_object) else {
                    continue;
                };
                let Some(media) = json_media(raw, content) else {
                    continue;
                };
                let schema_pointer = format!(
                    "{response_pointer}/content/{}/schema",
                    escape_pointer(media)
                );
                if refs::at(raw, &schema_pointer).is_none() {
                    continue;
                }
                found.insert(builder.schema_type(&schema_pointer, "ErrorBody"));
            }
        }
    }
    match found.len() {
        1 => found.into_iter().next(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_params_in_order() {
        assert_eq!(template_params("/a/{x}/b/{y_z}"), vec!["x", "y_z"]);
        assert_eq!(path_words("/users/{id}/posts"), "users by id posts");
    }

    #[test]
    fn json_media_types() {
        assert!(is_json("application/json; charset=utf-8"));
        assert!(is_json("application/problem+json"));
        assert!(!is_json("text/event-stream"));
    }
}

//! `components/securitySchemes` and `security` → the credentials a client can send, and which
//! of them each operation needs.

use serde_json::Value;

use super::refs;
use super::types::TypeBuilder;
use super::{Requirement, SchemeKind, Security, SecurityScheme};
use crate::load::escape_pointer;
use crate::names::{self, Namespace};

/// Methods of the runtime's `ClientBuilder`, which a scheme's own setter must not shadow.
const BUILDER_METHODS: [&str; 13] = [
    "new",
    "api_key",
    "basic_auth",
    "base_url",
    "timeout",
    "connect_timeout",
    "max_retries",
    "retry_backoff",
    "default_header",
    "http_client",
    "with_env",
    "build",
    "build_lenient",
];

/// The schemes the client can apply, and the API's default requirement.
pub(crate) fn build(builder: &mut TypeBuilder<'_>) -> Security {
    let raw = builder.raw();
    let mut schemes = Vec::new();
    if let Some(declared) = raw
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
    {
        for (name, scheme) in declared {
            let pointer = format!("#/components/securitySchemes/{}", escape_pointer(name));
            let scheme = match scheme.get("$ref").and_then(Value::as_str) {
                Some(reference) => {
                    match refs::resolve(raw, reference) {
                        Ok((target, _)) => target,
                        Err(_) => {
                            builder.warn(
                            &pointer,
                            format!("`$ref: {reference}` cannot be followed; the scheme is not applied"),
                        );
                            continue;
                        }
                    }
                }
                None => scheme,
            };
            if let Some(kind) = scheme_kind(builder, &pointer, scheme) {
                schemes.push(SecurityScheme {
                    name: name.clone(),
                    kind,
                    setter: None,
                    description: scheme
                        .get("description")
                        .and_then(Value::as_str)
                        .map(str::trim)
                        .filter(|text| !text.is_empty())
                        .map(str::to_owned),
                });
            }
        }
    }
    name_setters(&mut schemes);
    let mut security = Security {
        schemes,
        default: Vec::new(),
        credentials_required: false,
    };
    security.default = match raw.get("security") {
        Some(list) => requirement_list(builder, &security, "#/security", list),
        // No requirement at all: nothing is needed, but a credential the caller sets is sent
        // (specs that declare a scheme often forget to require it).
        None => {
            let mut alternatives: Vec<Requirement> = (0..security.schemes.len())
                .map(|index| Requirement {
                    schemes: vec![index],
                })
                .collect();
            alternatives.push(Requirement::default());
            alternatives
        }
    };
    security
}

/// After the operations are known: whether every call needs a credential (then building a
/// client without one fails early).
pub(crate) fn settle(security: &mut Security, operations: &[super::Operation]) {
    let needs = |alternatives: &[Requirement]| {
        !alternatives.is_empty() && alternatives.iter().all(|r| !r.schemes.is_empty())
    };
    security.credentials_required = !security.schemes.is_empty()
        && !operations.is_empty()
        && operations
            .iter()
            .all(|op| needs(op.security.as_deref().unwrap_or(&security.default)));
}

/// The operation's own requirement, when it states one that differs from the default.
pub(crate) fn of_operation(
    builder: &mut TypeBuilder<'_>,
    security: &Security,
    pointer: &str,
    operation: &Value,
) -> Option<Vec<Requirement>> {
    let list = operation.get("security")?;
    let own = requirement_list(builder, security, &format!("{pointer}/security"), list);
    (own != security.default).then_some(own)
}

fn scheme_kind(builder: &mut TypeBuilder<'_>, pointer: &str, scheme: &Value) -> Option<SchemeKind> {
    let field = |key: &str| scheme.get(key).and_then(Value::as_str).unwrap_or_default();
    let kind = match field("type") {
        "http" if field("scheme").eq_ignore_ascii_case("bearer") => SchemeKind::Bearer,
        "http" if field("scheme").eq_ignore_ascii_case("basic") => SchemeKind::Basic,
        // The client sends the token the caller obtained; it runs no OAuth flow itself.
        "oauth2" | "openIdConnect" => SchemeKind::Bearer,
        "apiKey" if !field("name").is_empty() => match field("in") {
            "header" => SchemeKind::Header(field("name").to_owned()),
            "query" => SchemeKind::Query(field("name").to_owned()),
            "cookie" => SchemeKind::Cookie(field("name").to_owned()),
            other => {
                builder.warn(
                    pointer,
                    format!("API key `in: {other}` is not a place OpenAPI allows (header, query, cookie); the scheme is not applied"),
                );
                return None;
            }
        },
        "apiKey" => {
            builder.warn(pointer, "API key scheme without a `name`; not applied");
            return None;
        }
        "http" => {
            builder.warn(
                pointer,
                format!(
                    "HTTP authentication scheme `{}` is not applied by the client; set the header with `ClientBuilder::default_header`",
                    field("scheme")
                ),
            );
            return None;
        }
        other => {
            builder.warn(
                pointer,
                format!("security scheme of type `{other}` is not applied by the client"),
            );
            return None;
        }
    };
    Some(kind)
}

/// Gives a builder method of its own to each scheme that [`ClientBuilder::api_key`] or
/// `basic_auth` alone could not tell apart from another: when there are two kinds of key, or
/// two basic schemes. One scheme of each kind needs nothing more than those two.
fn name_setters(schemes: &mut [SecurityScheme]) {
    let keys = schemes
        .iter()
        .filter(|s| s.kind != SchemeKind::Basic)
        .count();
    let basics = schemes.len() - keys;
    let mut taken = Namespace::with_reserved(BUILDER_METHODS);
    for scheme in schemes.iter_mut() {
        let shared = if scheme.kind == SchemeKind::Basic {
            basics
        } else {
            keys
        };
        if shared < 2 {
            continue;
        }
        let wanted = names::field_name(&scheme.name);
        let wanted = if taken.contains(&wanted) || wanted.starts_with("r#") {
            format!("{}_credential", names::unraw(&wanted))
        } else {
            wanted
        };
        scheme.setter = Some(taken.claim(&wanted));
    }
}

/// A `security` list: each entry an alternative, each naming schemes that must all be sent.
/// An alternative naming a scheme the client cannot apply is left out, with a warning.
fn requirement_list(
    builder: &mut TypeBuilder<'_>,
    security: &Security,
    pointer: &str,
    list: &Value,
) -> Vec<Requirement> {
    let Some(list) = list.as_array() else {
        builder.warn(pointer, "`security` is not a list; ignored");
        return security.default.clone();
    };
    let mut alternatives = Vec::new();
    'alternatives: for (index, entry) in list.iter().enumerate() {
        let Some(entry) = entry.as_object() else {
            builder.warn(
                &format!("{pointer}/{index}"),
                "a security requirement is not an object; left out",
            );
            continue;
        };
        let mut requirement = Requirement::default();
        for name in entry.keys() {
            match security.schemes.iter().position(|s| &s.name == name) {
                Some(at) => requirement.schemes.push(at),
                None => {
                    let declared = builder
                        .raw()
                        .pointer("/components/securitySchemes")
                        .and_then(|schemes| schemes.get(name))
                        .is_some();
                    if !declared {
                        builder.warn(
                            &format!("{pointer}/{index}"),
                            format!("the security requirement names `{name}`, which `components/securitySchemes` does not declare; this alternative is left out"),
                        );
                    }
                    continue 'alternatives;
                }
            }
        }
        if !alternatives.contains(&requirement) {
            alternatives.push(requirement);
        }
    }
    alternatives
}

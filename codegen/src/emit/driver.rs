//! The conformance driver: a program that calls every operation of a generated crate once,
//! with arguments sampled from the spec, and prints one JSON line per call saying how it went.
//!
//! `cargo xtask conformance` builds it against the crate and runs it against a mock server of
//! the spec. Arguments come from the document ([`super::sample`]), not from the model, and are
//! read into the crate's types with `serde_json`, so a value the spec allows but our types
//! cannot hold shows up as a skipped call naming the argument.

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::{Map, Value};

use super::rust::{ident, inner_doc, parse, string};
use super::sample::{fitted, sample, stated_example};
use super::types::Paths;
use crate::diagnostics::Error;
use crate::model::refs::{self, follow};
use crate::model::{Api, BodyEncoding, Operation, Param, ParamLocation, TypeRef};

/// The header naming the operation of each request, for a proxy that checks requests.
pub const OPERATION_HEADER: &str = "x-conformance-operation";

/// The `main.rs` of the driver for `api`, whose crate is `crate_name`; `raw` is the spec's
/// document.
pub fn conformance_driver(api: &Api, raw: &Value, crate_name: &str) -> Result<String, Error> {
    let krate = ident(&crate_name.replace('-', "_"));
    let paths = Paths::outside_types();
    let mut calls = Vec::new();
    let mut functions = TokenStream::new();
    for (index, op) in api.operations.iter().enumerate() {
        let function = ident(&format!("call_{index}"));
        functions.extend(operation(raw, op, &function, &paths));
        calls.push(quote!(#function(&client).await;));
    }
    let mut setup = quote! {
        let builder = Client::builder()
            .base_url(base_url)
            .max_retries(0)
            .timeout(std::time::Duration::from_secs(60));
    };
    if api.security.takes_key() {
        setup.extend(quote!(let builder = builder.api_key("conformance-key");));
    }
    if api.security.takes_basic() {
        setup
            .extend(quote!(let builder = builder.basic_auth("conformance", "conformance-secret");));
    }
    let header = string(OPERATION_HEADER);
    let docs = inner_doc(&format!(
        "Calls each of the {} operations of `{crate_name}` once and prints a JSON line per call: `operation`, `outcome` (ok, decode, rejected, status, transport, skipped) and `detail`.",
        api.operations.len()
    ));
    let tokens = quote! {
        #(#docs)*
        #![allow(deprecated, dead_code, unused_imports, clippy::all)]

        use #krate::{Client, Error, FilePart, RequestOptions, serde_json, types};

        /// How a call went.
        struct Outcome {
            kind: &'static str,
            detail: String,
        }

        impl Outcome {
            fn skipped(detail: String) -> Self {
                Outcome { kind: "skipped", detail }
            }
        }

        /// An argument read from its sample into the crate's type.
        fn arg<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> Result<T, Outcome> {
            serde_json::from_str(json).map_err(|error| {
                Outcome::skipped(format!("the spec's sample {what} `{json}` does not fit the Rust type: {error}"))
            })
        }

        /// An argument read from the spec's example, or where that does not fit the type (an
        /// example that breaks its own schema), from a sample of the schema.
        fn arg_or<T: serde::de::DeserializeOwned>(what: &str, example: &str, schema: &str) -> Result<T, Outcome> {
            arg(what, example).or_else(|_| arg(what, schema))
        }

        /// The text of a sample for a text or binary body: a JSON string as its contents.
        fn text(json: &str) -> String {
            match serde_json::from_str::<serde_json::Value>(json) {
                Ok(serde_json::Value::String(text)) => text,
                _ => json.to_owned(),
            }
        }

        fn classify(result: Result<(), Error>) -> Outcome {
            let (kind, detail) = match result {
                Ok(()) => ("ok", String::new()),
                Err(error @ Error::Decode { .. }) => ("decode", error.to_string()),
                Err(Error::Api(error)) if error.status == 422 => ("rejected", error.raw_body.clone()),
                Err(Error::Api(error)) => ("status", format!("HTTP {}: {}", error.status, error.raw_body)),
                Err(error) => ("transport", error.to_string()),
            };
            Outcome { kind, detail }
        }

        fn report(operation: &str, outcome: Result<Result<(), Error>, Outcome>) {
            let outcome = match outcome {
                Ok(result) => classify(result),
                Err(skipped) => skipped,
            };
            let line = serde_json::json!({
                "operation": operation,
                "outcome": outcome.kind,
                "detail": outcome.detail,
            });
            println!("{line}");
        }

        fn tagged(client: &Client, operation: &str) -> Client {
            client.with_options(RequestOptions::new().header(#header, operation))
        }

        #functions

        #[tokio::main(flavor = "current_thread")]
        async fn main() {
            let Some(base_url) = std::env::args().nth(1) else {
                eprintln!("usage: driver BASE_URL");
                std::process::exit(2);
            };
            #setup
            let client = match builder.build() {
                Ok(client) => client,
                Err(error) => {
                    eprintln!("cannot build the client: {error}");
                    std::process::exit(2);
                }
            };
            #(#calls)*
        }
    };
    Ok(prettyplease::unparse(&parse(
        tokens,
        "the conformance driver",
    )?))
}

/// The function that calls `op` once and reports how it went.
fn operation(
    raw: &Value,
    op: &Operation,
    function: &proc_macro2::Ident,
    paths: &Paths,
) -> TokenStream {
    let raw_params = raw_parameters(raw, &op.pointer);
    let mut statements = TokenStream::new();
    let mut args = Vec::new();
    for param in &op.path_params {
        let name = ident(&format!("path_{}", param.name.trim_start_matches("r#")));
        let (example, schema) = param_sample(raw, &raw_params, param);
        let what = string(&format!("of path parameter `{}`", param.wire_name));
        let ty = paths.ty(&param.ty);
        statements.extend(read_arg(&name, &ty, &what, &example, &schema));
        args.push(match &param.ty {
            TypeRef::Integer(_) | TypeRef::Number | TypeRef::Bool => quote!(#name),
            _ => quote!(&#name),
        });
    }
    if let Some(params) = &op.params {
        let mut examples = Map::new();
        let mut samples = Map::new();
        for param in &params.params {
            let (example, schema) = param_sample(raw, &raw_params, param);
            examples.insert(param.wire_name.clone(), example);
            samples.insert(param.wire_name.clone(), schema);
        }
        let ty = paths.named(&params.type_name);
        statements.extend(read_arg(
            &ident("params"),
            &ty,
            &string("of the parameters"),
            &Value::Object(examples),
            &Value::Object(samples),
        ));
        args.push(quote!(&params));
    }
    if let Some(body) = &op.body {
        let (example, schema) = body_sample(raw, &op.pointer, &body.content_type);
        let json = json_literal(&example);
        match body.encoding {
            BodyEncoding::Text => {
                statements.extend(quote!(let body = text(#json);));
                args.push(quote!(body));
            }
            BodyEncoding::Bytes => {
                statements.extend(quote!(let body = text(#json).into_bytes();));
                args.push(quote!(body));
            }
            _ => {
                let ty = paths.ty(&body.ty);
                statements.extend(read_arg(
                    &ident("body"),
                    &ty,
                    &string("of the request body"),
                    &example,
                    &schema,
                ));
                args.push(quote!(&body));
            }
        }
    }
    let method = ident(&op.method_name);
    let name = string(&op.method_name);
    quote! {
        async fn #function(client: &Client) {
            let outcome = async {
                #statements
                Ok(tagged(client, #name).#method(#(#args),*).await.map(drop))
            }
            .await;
            report(#name, outcome);
        }
    }
}

/// A string literal of JSON text, raw where it can be so that it reads as JSON.
fn json_literal(value: &Value) -> TokenStream {
    let text = value.to_string();
    if !text.contains("\"#")
        && !text.contains('\r')
        && let Ok(tokens) = format!("r#\"{text}\"#").parse::<TokenStream>()
    {
        return tokens;
    }
    let literal = string(&text);
    quote!(#literal)
}

/// The parameter objects that apply to the operation at `pointer`: its own, then the path
/// item's that it does not override, `$ref`s followed.
fn raw_parameters<'a>(raw: &'a Value, pointer: &str) -> Vec<&'a Value> {
    let mut out: Vec<&Value> = Vec::new();
    let item_pointer = pointer.rsplit_once('/').map_or("", |(item, _)| item);
    let lists = [
        refs::at(raw, &format!("{pointer}/parameters")),
        refs::at(raw, &format!("{item_pointer}/parameters")),
    ];
    for list in lists.into_iter().flatten() {
        for param in list.as_array().into_iter().flatten() {
            let Some(param) = follow(raw, param) else {
                continue;
            };
            let key = |p: &Value| (p.get("name").cloned(), p.get("in").cloned());
            if !out.iter().any(|seen| key(seen) == key(param)) {
                out.push(param);
            }
        }
    }
    out
}

/// `let name: ty = ...;` from the example, falling back to the schema's sample where the
/// two differ.
fn read_arg(
    name: &proc_macro2::Ident,
    ty: &syn::Type,
    what: &proc_macro2::Literal,
    example: &Value,
    schema: &Value,
) -> TokenStream {
    let first = json_literal(example);
    if example == schema {
        quote!(let #name: #ty = arg(#what, #first)?;)
    } else {
        let second = json_literal(schema);
        quote!(let #name: #ty = arg_or(#what, #first, #second)?;)
    }
}

/// The sample value of a parameter: its example (else its schema's sample), and its schema's
/// (or its content's) sample alone.
fn param_sample(raw: &Value, raw_params: &[&Value], param: &Param) -> (Value, Value) {
    let (example, schema) = param_sample_parts(raw, raw_params, param);
    let schema = schema.unwrap_or_else(|| Value::String("sample".to_owned()));
    (example.unwrap_or_else(|| schema.clone()), schema)
}

fn param_sample_parts(
    raw: &Value,
    raw_params: &[&Value],
    param: &Param,
) -> (Option<Value>, Option<Value>) {
    let location = match param.location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
    };
    let found = raw_params.iter().find(|p| {
        p.get("name").and_then(Value::as_str) == Some(param.wire_name.as_str())
            && p.get("in").and_then(Value::as_str) == Some(location)
    });
    let Some(found) = found else {
        return (None, None);
    };
    // An empty query value is sent only where the spec allows it (`allowEmptyValue`).
    let allows_empty = param.location != ParamLocation::Query
        || found.get("allowEmptyValue").and_then(Value::as_bool) == Some(true);
    let example = stated_example(raw, found).filter(|example| allows_empty || example != "");
    if let Some(schema) = found.get("schema") {
        let example = example.and_then(|example| fitted(raw, schema, example));
        let mut schema_sample = sample(raw, schema);
        if !allows_empty && schema_sample == "" {
            // The schema's own example is the empty string (listennotes' `region`).
            schema_sample = Value::String("sample".to_owned());
        }
        return (example, Some(schema_sample));
    }
    match found
        .get("content")
        .and_then(Value::as_object)
        .and_then(|content| content.values().next())
    {
        Some(media) => {
            let (media_example, schema) = media_sample(raw, media);
            (example.or(Some(media_example)), Some(schema))
        }
        None => (example, None),
    }
}

/// The sample request body of the operation at `pointer` in `content_type`: the example (else
/// the schema's sample), and the schema's sample.
fn body_sample(raw: &Value, pointer: &str, content_type: &str) -> (Value, Value) {
    let body = refs::at(raw, &format!("{pointer}/requestBody")).and_then(|b| follow(raw, b));
    let media = body
        .and_then(|body| body.get("content"))
        .and_then(Value::as_object)
        .and_then(|content| {
            content
                .get(content_type)
                .or_else(|| {
                    content
                        .iter()
                        .find(|(key, _)| key.split(';').next().map(str::trim) == Some(content_type))
                        .map(|(_, media)| media)
                })
                // JSON sent for a body declared as a media range.
                .or_else(|| content.get("*/*"))
        });
    media.map_or(
        (Value::Object(Map::new()), Value::Object(Map::new())),
        |media| media_sample(raw, media),
    )
}

fn media_sample(raw: &Value, media: &Value) -> (Value, Value) {
    let schema = media
        .get("schema")
        .map_or(Value::Object(Map::new()), |schema| sample(raw, schema));
    let example = stated_example(raw, media)
        .and_then(|example| match media.get("schema") {
            Some(declared) => fitted(raw, declared, example),
            None => Some(example),
        })
        .unwrap_or_else(|| schema.clone());
    (example, schema)
}

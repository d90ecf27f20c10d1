//! Operations → `src/client.rs`, and the crate root `src/lib.rs`.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs;
use super::rust::{Printer, doc, ident, inner_doc, string};
use super::types::Paths;
use crate::Settings;
use crate::diagnostics::Error;
use crate::model::{
    Api, BodyEncoding, Operation, PageRule, PageSize, Pagination, ParamLocation, ParamStyle,
    Requirement, ResponseKind, SchemeKind, TypeKind, TypeRef,
};
use crate::names;

/// `src/lib.rs`: crate docs, modules and re-exports.
pub(crate) fn lib_rs(api: &Api, settings: &Settings) -> Result<String, Error> {
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
         Errors of every kind are one [`Error`]. Per-call settings go through [`Client::with_options`].\n\n\
         With the cargo feature `mock`, `mock::MockServer` is a mock of the API on 127.0.0.1 for the tests of applications: typed answers per operation, typed requests received."
    ));
    let error_body = match &api.error_body {
        Some(ty) => {
            let ty = Paths::outside_types().ty(ty);
            quote!(#ty)
        }
        None => quote!(serde_json::Value),
    };
    let error_body_doc = doc(match &api.error_body {
        Some(_) => {
            "The error body the API sends with an error status, as [`ApiError::body`] holds it."
        }
        None => {
            "The error body of the API: its operations declare no single error schema, so any JSON."
        }
    });
    let deprecated = matches!(&api.error_body, Some(TypeRef::Named(name))
        if api.types.iter().any(|def| &def.name == name && def.docs.deprecated));
    let allow_deprecated = if deprecated {
        quote!(#[allow(deprecated)])
    } else {
        TokenStream::new()
    };
    let pages = if api.operations.iter().any(|op| op.pagination.is_some()) {
        quote!(
            pub use runtime::pages::{Items, Page, Pages};
        )
    } else {
        TokenStream::new()
    };
    let mut printer = Printer::new();
    let crate_docs = inner_doc(&text);
    printer.block(quote!(#(#crate_docs)*), "the docs of src/lib.rs")?;
    // The files are printed by prettyplease, not rustfmt; `cargo fmt` leaves them as they are.
    printer.block(
        quote! {
            #[rustfmt::skip]
            mod client;
            #[cfg(feature = "mock")]
            #[rustfmt::skip]
            pub mod mock;
            #[rustfmt::skip]
            pub mod runtime;
            #[rustfmt::skip]
            pub mod types;
        },
        "the modules of src/lib.rs",
    )?;
    printer.block(
        quote! {
            pub use client::Client;
            pub use runtime::error::{ApiError, Error};
            pub use runtime::merge::Accumulator;
            pub use runtime::multipart::FilePart;
            #pages
            pub use runtime::sse::EventStream;
            pub use runtime::transport::{ClientBuilder, RequestOptions, ResponseInfo};
        },
        "the re-exports of src/lib.rs",
    )?;
    printer.block(
        quote! {
            /// The HTTP crate behind the client, for [`ClientBuilder::http_client`].
            pub use reqwest;
            /// The JSON crate the types use (`serde_json::Value`, `serde_json::Map`), re-exported so
            /// callers need not depend on it themselves.
            pub use serde_json;
        },
        "the crates src/lib.rs re-exports",
    )?;
    printer.block(
        quote! {
            #(#error_body_doc)*
            #allow_deprecated
            pub type ApiErrorBody = #error_body;
        },
        "ApiErrorBody",
    )?;
    Ok(printer.finish())
}

/// `src/client.rs`: the `Client` and one method per operation.
pub(crate) fn client_rs(api: &Api, settings: &Settings) -> Result<Printer, Error> {
    let base_url = api
        .base_url
        .clone()
        .unwrap_or_else(|| "http://localhost".to_owned());
    let key_env = format!("{}_API_KEY", api.env_prefix);
    let url_env = format!("{}_BASE_URL", api.env_prefix);
    let user_agent = string(&format!("{}-rust/", settings.crate_name));
    let username_env = format!("{}_USERNAME", api.env_prefix);
    let password_env = format!("{}_PASSWORD", api.env_prefix);
    let security = &api.security;
    let schemes = security.schemes.iter().map(|scheme| match &scheme.kind {
        SchemeKind::Bearer => quote!(AuthScheme::Bearer),
        SchemeKind::Basic => quote!(AuthScheme::Basic),
        SchemeKind::Header(name) => {
            let name = string(name);
            quote!(AuthScheme::Header(#name))
        }
        SchemeKind::Query(name) => {
            let name = string(name);
            quote!(AuthScheme::Query(#name))
        }
        SchemeKind::Cookie(name) => {
            let name = string(name);
            quote!(AuthScheme::Cookie(#name))
        }
    });
    let default_security = requirements(&security.default);
    let credentials_required = security.credentials_required;
    let paths = Paths::outside_types();
    let mut transport_items = vec![quote!(ApiInfo)];
    if !security.schemes.is_empty() {
        transport_items.push(quote!(AuthScheme));
    }
    let setters = scheme_setters(api);
    if !setters.is_empty() {
        transport_items.push(quote!(Credential));
    }
    if !api.operations.is_empty() {
        transport_items.push(quote!(Request));
    }
    if api.operations.iter().any(names_a_style) {
        transport_items.push(quote!(Style));
    }
    transport_items.push(quote!(Transport));
    let mut crate_items = vec![quote!(ClientBuilder), quote!(Error)];
    if api.operations.iter().any(|op| op.stream.is_some()) {
        crate_items.push(quote!(EventStream));
    }
    crate_items.push(quote!(RequestOptions));
    let mentions_types = api.operations.iter().any(|op| {
        op.params.is_some()
            || op.path_params.iter().any(|p| names_a_type(&p.ty))
            || op.body.as_ref().is_some_and(|b| names_a_type(&b.ty))
            || matches!(&op.response, ResponseKind::Json(ty) if names_a_type(ty))
            || matches!(&op.response, ResponseKind::ByStatus(_))
            || op.stream.as_ref().is_some_and(|s| names_a_type(&s.event))
    });
    if mentions_types {
        crate_items.push(quote!(types));
    }
    let mut printer = Printer::new();
    // A deprecated parameter is still sent when the caller sets it.
    printer.block(quote!(#![allow(deprecated)]), "the lints of src/client.rs")?;
    let gated = super::types::allow_unused_imports(api);
    printer.block(
        quote! {
            #gated
            use crate::runtime::transport::{#(#transport_items),*};
            #gated
            use crate::{#(#crate_items),*};
        },
        "the imports of src/client.rs",
    )?;
    let default_base_url = string(&base_url);
    let key_env_literal = string(&key_env);
    let username_env_literal = string(&username_env);
    let password_env_literal = string(&password_env);
    let url_env_literal = string(&url_env);
    let client_doc = doc(&format!(
        "A client for the {}.\n\nCheap to clone: clones share one connection pool.",
        api.title
    ));
    let new = if security.takes_key() {
        let new_doc = doc(&format!(
            "A client for `{base_url}` that authenticates with `api_key`, with default settings."
        ));
        quote! {
            #(#new_doc)*
            pub fn new(api_key: impl Into<String>) -> Self {
                Self::from_transport(Self::builder().api_key(api_key).build_lenient())
            }
        }
    } else if security.takes_basic() {
        let new_doc = doc(&format!(
            "A client for `{base_url}` that authenticates with HTTP basic auth, with default settings."
        ));
        quote! {
            #(#new_doc)*
            pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
                Self::from_transport(Self::builder().basic_auth(username, password).build_lenient())
            }
        }
    } else {
        let new_doc = doc(&format!("A client for `{base_url}` with default settings."));
        quote! {
            #(#new_doc)*
            pub fn new() -> Self {
                Self::from_transport(Self::builder().build_lenient())
            }
        }
    };
    let credentials_from = match (security.takes_key(), security.takes_basic()) {
        (true, true) => {
            format!(
                "the API key from `{key_env}`, basic auth from `{username_env}` and `{password_env}`, "
            )
        }
        (true, false) => format!("the API key from `{key_env}`, "),
        (false, true) => format!("basic auth from `{username_env}` and `{password_env}`, "),
        (false, false) => String::new(),
    };
    let from_env_doc = doc(&format!(
        "A client configured from the environment: {credentials_from}the base URL from `{url_env}` when it is set."
    ));
    let mut methods = TokenStream::new();
    for (at, op) in api.operations.iter().enumerate() {
        let gate = super::types::gate(api.operation_features(at));
        methods.extend(operation(api, op, &paths, &gate));
    }
    printer.items(
        quote! {
            static API: ApiInfo = ApiInfo {
                default_base_url: #default_base_url,
                api_key_env: #key_env_literal,
                username_env: #username_env_literal,
                password_env: #password_env_literal,
                base_url_env: #url_env_literal,
                user_agent: concat!(#user_agent, env!("CARGO_PKG_VERSION")),
                schemes: &[#(#schemes),*],
                security: #default_security,
                credentials_required: #credentials_required,
            };
            #(#client_doc)*
            #[derive(Debug, Clone)]
            pub struct Client {
                transport: Transport,
            }
            impl Client {
                #new
                #(#from_env_doc)*
                pub fn from_env() -> Result<Self, Error> {
                    Self::builder().with_env()?.build()
                }
                /// A builder for a client with other settings (base URL, timeouts, retries, headers).
                pub fn builder() -> ClientBuilder {
                    ClientBuilder::new(&API)
                }
                /// A client that applies `options` (timeout, retries, extra headers) to its calls,
                /// sharing this one's connections.
                pub fn with_options(&self, options: RequestOptions) -> Self {
                    Self {
                        transport: self.transport.with_options(options),
                    }
                }
                /// The base URL requests go to.
                pub fn base_url(&self) -> &str {
                    self.transport.base_url()
                }
                pub(crate) fn from_transport(transport: Transport) -> Self {
                    Self { transport }
                }
                #methods
            }
        },
        "the client",
    )?;
    let statics = paging_statics(api);
    if !statics.is_empty() {
        printer.items(statics, "how the list operations page")?;
    }
    if !security.takes_key() && !security.takes_basic() {
        printer.items(
            quote! {
                /// [`Client::new`]: the API needs no credentials.
                impl Default for Client {
                    fn default() -> Self {
                        Self::new()
                    }
                }
            },
            "Client::default",
        )?;
    }
    if !setters.is_empty() {
        printer.items(
            quote! {
                /// Setters for the credential of one security scheme alone, where
                /// [`ClientBuilder::api_key`] or [`ClientBuilder::basic_auth`] would set several.
                impl ClientBuilder {
                    #setters
                }
            },
            "the per-scheme setters",
        )?;
    }
    Ok(printer)
}

/// `&[&[0], &[1, 2]]`: a security requirement as the runtime reads it.
fn requirements(alternatives: &[Requirement]) -> TokenStream {
    let alternatives = alternatives.iter().map(|requirement| {
        let schemes = requirement
            .schemes
            .iter()
            .map(|at| proc_macro2::Literal::usize_unsuffixed(*at));
        quote!(&[#(#schemes),*])
    });
    quote!(&[#(#alternatives),*])
}

/// The `ClientBuilder` methods of schemes that need one of their own.
fn scheme_setters(api: &Api) -> TokenStream {
    let mut out = TokenStream::new();
    for (index, scheme) in api.security.schemes.iter().enumerate() {
        let Some(setter) = &scheme.setter else {
            continue;
        };
        let name = ident(setter);
        let index = proc_macro2::Literal::usize_unsuffixed(index);
        let how = match &scheme.kind {
            SchemeKind::Bearer => "a bearer token (`Authorization: Bearer`)".to_owned(),
            SchemeKind::Basic => "HTTP basic auth".to_owned(),
            SchemeKind::Header(header) => format!("an API key in the header `{header}`"),
            SchemeKind::Query(param) => format!("an API key in the query parameter `{param}`"),
            SchemeKind::Cookie(cookie) => format!("an API key in the cookie `{cookie}`"),
        };
        let mut text = format!(
            "The credential of the security scheme `{}`: {how}.",
            scheme.name
        );
        if let Some(description) = &scheme.description {
            text.push_str("\n\n");
            text.push_str(&docs::sanitize(description));
        }
        let setter_doc = doc(&text);
        out.extend(if scheme.kind == SchemeKind::Basic {
            quote! {
                #(#setter_doc)*
                pub fn #name(self, username: impl Into<String>, password: impl Into<String>) -> Self {
                    self.scheme_credential(#index, Credential::basic(username.into(), password.into()))
                }
            }
        } else {
            quote! {
                #(#setter_doc)*
                pub fn #name(self, key: impl Into<String>) -> Self {
                    self.scheme_credential(#index, Credential::key(key.into()))
                }
            }
        });
    }
    out
}

/// Whether a type mentions a named type (then `client.rs` imports `types`).
pub(crate) fn names_a_type(ty: &TypeRef) -> bool {
    ty.named().is_some()
}

/// One operation: the plain method and, for SSE responses, the `_stream` method.
fn operation(api: &Api, op: &Operation, paths: &Paths, gate: &TokenStream) -> TokenStream {
    let mut params = Vec::new();
    for param in &op.path_params {
        let name = ident(&param.name);
        let ty = match &param.ty {
            TypeRef::String => quote!(&str),
            TypeRef::Integer(_) | TypeRef::Number | TypeRef::Bool => {
                let ty = paths.ty(&param.ty);
                quote!(#ty)
            }
            other => {
                let ty = paths.ty(other);
                quote!(&#ty)
            }
        };
        params.push(quote!(#name: #ty));
    }
    if let Some(params_def) = &op.params {
        let ty = paths.named(&params_def.type_name);
        params.push(quote!(params: &#ty));
    }
    if let Some(body) = &op.body {
        params.push(match body.encoding {
            BodyEncoding::Text => quote!(body: impl Into<String>),
            BodyEncoding::Bytes => quote!(body: impl Into<bytes::Bytes>),
            _ => {
                let ty = paths.ty(&body.ty);
                quote!(body: &#ty)
            }
        });
    }
    let (return_ty, call) = match &op.response {
        ResponseKind::Json(ty) => {
            let ty = paths.ty(ty);
            (quote!(#ty), quote!(self.transport.json(request).await))
        }
        ResponseKind::Text => (quote!(String), quote!(self.transport.text(request).await)),
        ResponseKind::Bytes => (
            quote!(bytes::Bytes),
            quote!(self.transport.bytes(request).await),
        ),
        ResponseKind::Empty => (quote!(()), quote!(self.transport.empty(request).await)),
        ResponseKind::ByStatus(name) => by_status(api, name, paths),
    };
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
    let method_doc = doc(doc_text.trim());
    let deprecated = if op.docs.deprecated {
        quote!(#[deprecated])
    } else {
        TokenStream::new()
    };
    let method_name = ident(&op.method_name);
    let prepare_plain = prepare(api, op, op.stream.as_ref().map(|_| false));
    let mut out = quote! {
        #(#method_doc)*
        #gate
        #deprecated
        pub async fn #method_name(&self, #(#params),*) -> Result<#return_ty, Error> {
            #prepare_plain
            #call
        }
    };
    if let Some(pagination) = &op.pagination
        && let ResponseKind::Json(page) = &op.response
    {
        out.extend(paging_methods(
            api,
            op,
            pagination,
            page,
            &params,
            paths,
            gate,
            &deprecated,
        ));
    }
    if let Some(stream) = &op.stream {
        let event_name = match &stream.event {
            TypeRef::Named(name) => name.clone(),
            _ => "serde_json::Value".to_owned(),
        };
        let stream_doc = doc(&format!(
            "Like [`Self::{method}`], but the response arrives as a stream of Server-Sent Events, each decoded as `{event_name}`. The stream ends after the server's `[DONE]`; a dropped connection yields an error item."
        ));
        let stream_name = ident(&stream.method_name);
        let event = paths.ty(&stream.event);
        let prepare_stream = prepare(api, op, Some(true));
        out.extend(quote! {
            #(#stream_doc)*
            #gate
            #deprecated
            pub async fn #stream_name(&self, #(#params),*) -> Result<EventStream<#event>, Error> {
                #prepare_stream
                self.transport.stream(request).await
            }
        });
    }
    out
}

/// The `_pages` and `_items` methods of a list operation that pages.
#[allow(clippy::too_many_arguments)]
fn paging_methods(
    api: &Api,
    op: &Operation,
    pagination: &Pagination,
    page: &TypeRef,
    params: &[TokenStream],
    paths: &Paths,
    gate: &TokenStream,
    deprecated: &TokenStream,
) -> TokenStream {
    let method = names::unraw(&op.method_name);
    let page_ty = paths.ty(page);
    let item_ty = paths.ty(&pagination.items.ty);
    let pages_name = ident(&pagination.pages_method);
    let items_name = ident(&pagination.items_method);
    let args: Vec<TokenStream> = op
        .path_params
        .iter()
        .map(|param| {
            let name = ident(&param.name);
            quote!(#name)
        })
        .chain(op.params.as_ref().map(|_| quote!(params)))
        .chain(op.body.as_ref().map(|_| quote!(body)))
        .collect();
    let take_items = match &pagination.items.field {
        None => quote!(|page: #page_ty| page),
        Some((name, _, false)) => {
            let name = ident(name);
            quote!(|page: #page_ty| page.#name)
        }
        Some((name, _, true)) => {
            let name = ident(name);
            quote!(|page: #page_ty| page.#name.unwrap_or_default())
        }
    };
    let paging_static = ident(&paging_static_name(op));
    let prepare = prepare(api, op, None);
    // A body (Stripe sends one with its list calls) may fail to serialize: the stream's first
    // item is then that error.
    let build = if op.body.is_some() {
        quote! {
            let request = (|| -> Result<Request, Error> {
                #prepare
                Ok(request)
            })();
        }
    } else {
        quote! {
            #prepare
            let request = Ok(request);
        }
    };
    let pages_doc = doc(&format!(
        "Every page of [`Self::{method}`], fetched one at a time as the stream is read, each with the client's retries. The first is the page the arguments ask for; {}. A page that fails ends the stream with its error.

A [`Stream`](futures_util::Stream) of [`Page`](crate::runtime::pages::Page)s, or `while let Some(page) = pages.next_page().await`.",
        pagination.rule.describe()
    ));
    let items_where = match &pagination.items.field {
        Some((_, wire, _)) => format!(" (each page's `{wire}`)"),
        None => String::new(),
    };
    let items_doc = doc(&format!(
        "Every item of every page of [`Self::{method}`]{items_where}, in order, fetched a page at a time as the stream is read (see [`Self::{}`] for how pages follow each other). A page that fails ends the stream with its error, after the items before it.\n\nA [`Stream`](futures_util::Stream) of items, or `while let Some(item) = items.next_item().await`.",
        pagination.pages_method
    ));
    quote! {
        #(#pages_doc)*
        #gate
        #deprecated
        pub fn #pages_name(&self, #(#params),*) -> crate::runtime::pages::Pages<#page_ty> {
            #build
            crate::runtime::pages::Pages::new(self.transport.clone(), request, &#paging_static)
        }
        #(#items_doc)*
        #gate
        #deprecated
        pub fn #items_name(&self, #(#params),*) -> crate::runtime::pages::Items<#page_ty, #item_ty> {
            self.#pages_name(#(#args),*).items(#take_items)
        }
    }
}

/// The name of the static that describes how an operation pages, which its `_pages` method
/// and the mock's route share.
pub(crate) fn paging_static_name(op: &Operation) -> String {
    format!(
        "PAGING_{}",
        names::const_name(names::unraw(&op.method_name))
    )
}

/// The statics of `src/client.rs` that describe how each operation that pages does it. They
/// name no type, so they are there in every build, used or not.
fn paging_statics(api: &Api) -> TokenStream {
    let mut out = TokenStream::new();
    for op in &api.operations {
        let Some(pagination) = &op.pagination else {
            continue;
        };
        let name = ident(&paging_static_name(op));
        let rule = paging_rule(&pagination.rule);
        let items = match &pagination.items.field {
            Some((_, wire, _)) => {
                let wire = string(wire);
                quote!(Some(#wire))
            }
            None => quote!(None),
        };
        let static_doc = doc(&format!(
            "How [`Client::{}`] follows the pages.",
            pagination.pages_method
        ));
        // Unused in a build without the operation's feature and without the mock.
        out.extend(quote! {
            #(#static_doc)*
            #[allow(dead_code)]
            pub(crate) static #name: crate::runtime::pages::Paging = crate::runtime::pages::Paging {
                rule: #rule,
                items: #items,
            };
        });
    }
    out
}

/// The runtime's `Rule` for a [`PageRule`].
fn paging_rule(rule: &PageRule) -> TokenStream {
    let path = |path: &[String]| {
        let parts = path.iter().map(|part| string(part));
        quote!(&[#(#parts),*])
    };
    let optional_path = |found: &Option<Vec<String>>| match found {
        Some(found) => {
            let found = path(found);
            quote!(Some(#found))
        }
        None => quote!(None),
    };
    let optional_number = |number: &Option<u64>| match number {
        Some(number) => {
            let number = proc_macro2::Literal::u64_unsuffixed(*number);
            quote!(Some(#number))
        }
        None => quote!(None),
    };
    let optional_text = |text: &Option<String>| match text {
        Some(text) => {
            let text = string(text);
            quote!(Some(#text))
        }
        None => quote!(None),
    };
    let size = |size: &Option<PageSize>| match size {
        Some(PageSize {
            param,
            default,
            maximum,
        }) => {
            let param = string(param);
            let (default, maximum) = (optional_number(default), optional_number(maximum));
            quote!(Some(crate::runtime::pages::PageSize { param: #param, default: #default, maximum: #maximum }))
        }
        None => quote!(None),
    };
    let rule_path = quote!(crate::runtime::pages::Rule);
    match rule {
        PageRule::Cursor {
            param,
            cursor,
            has_more,
            backward,
        } => {
            let (param, cursor, has_more) = (string(param), path(cursor), optional_path(has_more));
            let backward = optional_text(backward);
            quote!(#rule_path::Cursor { param: #param, cursor: #cursor, has_more: #has_more, backward: #backward })
        }
        PageRule::LastItem {
            param,
            field,
            has_more,
            backward,
        } => {
            let (param, field, has_more) = (string(param), string(field), optional_path(has_more));
            let backward = optional_text(backward);
            quote!(#rule_path::LastItem { param: #param, field: #field, has_more: #has_more, backward: #backward })
        }
        PageRule::NextLink {
            link,
            param,
            has_more,
        } => {
            let (link, has_more, param) =
                (path(link), optional_path(has_more), optional_text(param));
            quote!(#rule_path::NextLink { link: #link, param: #param, has_more: #has_more })
        }
        PageRule::LinkHeader => quote!(#rule_path::LinkHeader),
        PageRule::PageNumber {
            param,
            first,
            size: page_size,
            total_pages,
            total_items,
        } => {
            let param = string(param);
            let first = proc_macro2::Literal::u64_unsuffixed(*first);
            let (page_size, total_pages, total_items) = (
                size(page_size),
                optional_path(total_pages),
                optional_path(total_items),
            );
            quote!(#rule_path::PageNumber {
                param: #param,
                first: #first,
                size: #page_size,
                total_pages: #total_pages,
                total_items: #total_items,
            })
        }
        PageRule::Offset {
            param,
            size: page_size,
            total_items,
        } => {
            let param = string(param);
            let (page_size, total_items) = (size(page_size), optional_path(total_items));
            quote!(#rule_path::Offset { param: #param, size: #page_size, total_items: #total_items })
        }
    }
}

/// The return type and the call of an operation whose success responses differ by status:
/// the body is read whole, then decoded as the variant of its status says.
fn by_status(api: &Api, name: &str, paths: &Paths) -> (TokenStream, TokenStream) {
    let ty = paths.named(name);
    let cases = api
        .types
        .iter()
        .find(|def| def.name == name)
        .and_then(|def| match &def.kind {
            TypeKind::Responses(responses) => Some(responses.cases.as_slice()),
            _ => None,
        })
        .unwrap_or_default();
    let json_only = cases
        .iter()
        .all(|case| matches!(case.body, ResponseKind::Json(_) | ResponseKind::Empty));
    let accept = if json_only { "application/json" } else { "*/*" };
    let arms = cases.iter().map(|case| {
        let status = proc_macro2::Literal::u16_unsuffixed(case.status);
        let variant = ident(&case.variant);
        match &case.body {
            ResponseKind::Json(_) => quote!(#status => #ty::#variant(response.json()?),),
            ResponseKind::Text => quote!(#status => #ty::#variant(response.text()?),),
            ResponseKind::Bytes => quote!(#status => #ty::#variant(response.into_body()),),
            ResponseKind::Empty | ResponseKind::ByStatus(_) => quote!(#status => #ty::#variant,),
        }
    });
    (
        quote!(#ty),
        quote! {
            let response = self.transport.response(request, #accept).await?;
            let value = match response.status() {
                #(#arms)*
                status => #ty::Other { status, body: response.into_body() },
            };
            Ok(value)
        },
    )
}

/// The statements that build `request`: method and path (parameters percent-encoded), query
/// and header parameters, then the body. `stream` is the value the body's stream flag is
/// forced to, if the operation has one.
fn prepare(api: &Api, op: &Operation, stream: Option<bool>) -> TokenStream {
    let mut first = None;
    let mut statements = TokenStream::new();
    let mut rest = op.path.as_str();
    let push_text = |text: &str, first: &mut Option<String>, statements: &mut TokenStream| {
        if first.is_none() {
            *first = Some(text.to_owned());
        } else if !text.is_empty() {
            let text = string(text);
            statements.extend(quote!(request.path(#text);));
        }
    };
    for param in &op.path_params {
        let template = format!("{{{}}}", param.wire_name);
        if let Some(at) = rest.find(&template) {
            push_text(&rest[..at], &mut first, &mut statements);
            rest = &rest[at + template.len()..];
            let name = ident(&param.name);
            let arg = match &param.ty {
                TypeRef::Integer(_) | TypeRef::Number | TypeRef::Bool => quote!(&#name),
                _ => quote!(#name),
            };
            statements.extend(
                if (param.style, param.explode) == (ParamStyle::Simple, false) {
                    if param.keeps_slashes {
                        quote!(request.path_param_with_slashes(#arg);)
                    } else {
                        quote!(request.path_param(#arg);)
                    }
                } else {
                    let wire = string(&param.wire_name);
                    let style = style_tokens(param.style);
                    let explode = param.explode;
                    quote!(request.styled_path_param(#wire, #arg, #style, #explode);)
                },
            );
        }
    }
    push_text(rest, &mut first, &mut statements);
    if let Some(params) = &op.params {
        for param in &params.params {
            let wire = string(&param.wire_name);
            let name = ident(&param.name);
            match param.location {
                ParamLocation::Query => {
                    let style = style_tokens(param.style);
                    let explode = param.explode;
                    statements
                        .extend(quote!(request.query(#wire, &params.#name, #style, #explode);));
                }
                ParamLocation::Header => {
                    statements.extend(quote!(request.header(#wire, &params.#name);));
                }
                ParamLocation::Cookie => {
                    let style = style_tokens(param.style);
                    let explode = param.explode;
                    statements
                        .extend(quote!(request.cookie(#wire, &params.#name, #style, #explode);));
                }
                ParamLocation::Path => {}
            }
        }
    }
    let http_method = ident(&op.http_method);
    let first = string(first.as_deref().unwrap_or_default());
    let binding = if statements.is_empty() && op.security.is_none() {
        quote!(let request)
    } else {
        quote!(let mut request)
    };
    let mut out = quote! {
        #binding = Request::new(reqwest::Method::#http_method, #first);
        #statements
    };
    if let Some(own) = &op.security {
        let own = requirements(own);
        out.extend(quote!(request.security(#own);));
    }
    let Some(body) = &op.body else {
        return out;
    };
    let content_type = string(&body.content_type);
    let flag = op.stream.as_ref().and_then(|s| s.flag_field.as_ref());
    out.extend(match (body.encoding, stream, flag) {
        (BodyEncoding::Json, Some(stream), Some(field)) => {
            let field = string(field);
            quote!(let request = request.json_with_flag(body, #field, #stream)?;)
        }
        (BodyEncoding::Json, _, _) => quote!(let request = request.json(body)?;),
        (BodyEncoding::Form, _, _) => {
            let fields = body.form_fields.iter().map(|field| {
                let wire = string(&field.wire_name);
                let style = style_tokens(field.style);
                let explode = field.explode;
                quote!((#wire, #style, #explode))
            });
            quote!(let request = request.form(body, &[#(#fields),*])?;)
        }
        (BodyEncoding::Multipart, _, _) => multipart_body(api, &body.ty),
        (BodyEncoding::Text, _, _) => {
            quote!(let request = request.raw(body.into(), #content_type);)
        }
        (BodyEncoding::Bytes, _, _) => quote!(let request = request.raw(body, #content_type);),
    });
    out
}

/// The runtime's `Style` for `style`.
fn style_tokens(style: ParamStyle) -> TokenStream {
    match style {
        ParamStyle::Form => quote!(Style::Form),
        ParamStyle::SpaceDelimited => quote!(Style::SpaceDelimited),
        ParamStyle::PipeDelimited => quote!(Style::PipeDelimited),
        ParamStyle::DeepObject => quote!(Style::DeepObject),
        ParamStyle::Json => quote!(Style::Json),
        ParamStyle::Simple => quote!(Style::Simple),
        ParamStyle::Label => quote!(Style::Label),
        ParamStyle::Matrix => quote!(Style::Matrix),
    }
}

/// Whether a call writes a parameter or field with a `Style`: the client imports it then.
fn names_a_style(op: &Operation) -> bool {
    op.path_params
        .iter()
        .any(|param| (param.style, param.explode) != (ParamStyle::Simple, false))
        || op.params.as_ref().is_some_and(|params| {
            params
                .params
                .iter()
                .any(|param| matches!(param.location, ParamLocation::Query | ParamLocation::Cookie))
        })
        || op
            .body
            .as_ref()
            .is_some_and(|body| body.encoding == BodyEncoding::Form)
}

/// A multipart body written field by field: files as file parts, everything else as text. A
/// body whose fields are not known (not a struct) is written from its JSON form.
fn multipart_body(api: &Api, ty: &TypeRef) -> TokenStream {
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
        return quote!(let request = request.multipart(body)?;);
    };
    let mut out = quote!(let mut form = crate::runtime::multipart::Multipart::new(););
    for field in &structure.fields {
        let name = ident(&field.name);
        let wire = string(&field.wire_name);
        out.extend(match (&field.ty, field.is_option()) {
            (TypeRef::File, false) => quote!(form.file(#wire, &body.#name);),
            (TypeRef::File, true) => quote! {
                if let Some(file) = &body.#name {
                    form.file(#wire, file);
                }
            },
            (TypeRef::Vec(inner), false) if **inner == TypeRef::File => quote! {
                for file in &body.#name {
                    form.file(#wire, file);
                }
            },
            (TypeRef::Vec(inner), true) if **inner == TypeRef::File => quote! {
                if let Some(files) = &body.#name {
                    for file in files {
                        form.file(#wire, file);
                    }
                }
            },
            _ => quote!(form.text(#wire, &body.#name);),
        });
    }
    if let Some(extra) = &structure.extra {
        let extra_name = ident(&extra.name);
        out.extend(quote! {
            for (name, value) in &body.#extra_name {
                form.text(name, value);
            }
        });
    }
    out.extend(quote!(let request = request.multipart_form(form);));
    out
}

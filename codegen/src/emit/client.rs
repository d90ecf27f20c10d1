//! Operations → `src/client.rs`, and the crate root `src/lib.rs`.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs;
use super::types::{Paths, ident};
use crate::Settings;
use crate::model::{
    Api, Auth, BodyEncoding, Operation, ParamLocation, ResponseKind, TypeKind, TypeRef,
};
use crate::names;

/// `src/lib.rs`: crate docs, modules and re-exports.
pub(crate) fn lib_rs(api: &Api, settings: &Settings) -> TokenStream {
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
    let crate_doc = docs::inner(&text);
    let error_body = match &api.error_body {
        Some(ty) => Paths::outside_types().ty(ty),
        None => quote!(serde_json::Value),
    };
    let error_body_doc = match &api.error_body {
        Some(_) => {
            "The error body the API sends with an error status, as [`ApiError::body`] holds it."
        }
        None => {
            "The error body of the API: its operations declare no single error schema, so any JSON."
        }
    };
    quote! {
        #crate_doc

        // prettyplease, not rustfmt, lays out the generated files; `cargo fmt` leaves them be.
        #[rustfmt::skip]
        mod client;
        #[rustfmt::skip]
        pub mod runtime;
        #[rustfmt::skip]
        pub mod types;

        pub use client::Client;
        pub use runtime::error::{ApiError, Error};
        pub use runtime::multipart::FilePart;
        pub use runtime::sse::EventStream;
        pub use runtime::transport::{ClientBuilder, RequestOptions};

        #[doc = #error_body_doc]
        pub type ApiErrorBody = #error_body;
    }
}

/// `src/client.rs`: the `Client` and one method per operation.
pub(crate) fn client_rs(api: &Api, settings: &Settings) -> TokenStream {
    let base_url = api
        .base_url
        .clone()
        .unwrap_or_else(|| "http://localhost".to_owned());
    let key_env = format!("{}_API_KEY", api.env_prefix);
    let url_env = format!("{}_BASE_URL", api.env_prefix);
    let user_agent = format!("{}-rust/", settings.crate_name);
    let auth = match &api.auth {
        Auth::None => quote!(AuthScheme::None),
        Auth::Bearer => quote!(AuthScheme::Bearer),
        Auth::Header(name) => quote!(AuthScheme::Header(#name)),
        Auth::Query(name) => quote!(AuthScheme::Query(#name)),
    };
    let paths = Paths::outside_types();
    let methods = api.operations.iter().map(|op| operation(api, op, &paths));
    let request = (!api.operations.is_empty()).then(|| quote!(Request,));
    let event_stream = api
        .operations
        .iter()
        .any(|op| op.stream.is_some())
        .then(|| quote!(EventStream,));
    let mentions_types = api.operations.iter().any(|op| {
        let named = |ty: &TypeRef| format!("{ty:?}").contains("Named(");
        op.params.is_some()
            || op.path_params.iter().any(|p| named(&p.ty))
            || op.body.as_ref().is_some_and(|b| named(&b.ty))
            || matches!(&op.response, ResponseKind::Json(ty) if named(ty))
            || op.stream.as_ref().is_some_and(|s| named(&s.event))
    });
    let types_import = mentions_types.then(|| quote!(types,));
    let imports = quote! {
        use crate::runtime::transport::{ApiInfo, AuthScheme, #request Transport};
        use crate::{ClientBuilder, Error, #event_stream RequestOptions, #types_import};
    };
    let constructors = if api.auth == Auth::None {
        let new_doc = docs::plain(&format!("A client for `{base_url}` with default settings."));
        quote! {
            #new_doc
            pub fn new() -> Self {
                Self::from_transport(Self::builder().build_lenient())
            }
        }
    } else {
        let new_doc = docs::plain(&format!(
            "A client for `{base_url}` that authenticates with `api_key`, with default settings."
        ));
        quote! {
            #new_doc
            pub fn new(api_key: impl Into<String>) -> Self {
                Self::from_transport(Self::builder().api_key(api_key).build_lenient())
            }
        }
    };
    let from_env_doc = docs::plain(&format!(
        "A client configured from the environment: the API key from `{key_env}`, the base URL from `{url_env}` when it is set."
    ));
    let api_doc = docs::plain(&format!(
        "A client for the {}.\n\nCheap to clone: clones share one connection pool.",
        api.title
    ));
    quote! {
        #imports

        static API: ApiInfo = ApiInfo {
            default_base_url: #base_url,
            api_key_env: #key_env,
            base_url_env: #url_env,
            user_agent: concat!(#user_agent, env!("CARGO_PKG_VERSION")),
            auth: #auth,
        };

        #api_doc
        #[derive(Debug, Clone)]
        pub struct Client {
            transport: Transport,
        }

        impl Client {
            #constructors

            #from_env_doc
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
                Self { transport: self.transport.with_options(options) }
            }

            /// The base URL requests go to.
            pub fn base_url(&self) -> &str {
                self.transport.base_url()
            }

            pub(crate) fn from_transport(transport: Transport) -> Self {
                Self { transport }
            }

            #(#methods)*
        }

    }
}

/// One operation: the plain method and, for SSE responses, the `_stream` method.
fn operation(api: &Api, op: &Operation, paths: &Paths) -> TokenStream {
    let method_ident = ident(&op.method_name);
    let mut args = Vec::new();
    let mut setup = Vec::new();
    for param in &op.path_params {
        let name = ident(&param.name);
        match &param.ty {
            TypeRef::String => args.push(quote!(#name: &str)),
            TypeRef::Integer(_) | TypeRef::Number | TypeRef::Bool => {
                let ty = paths.ty(&param.ty);
                args.push(quote!(#name: #ty));
            }
            other => {
                let ty = paths.ty(other);
                args.push(quote!(#name: &#ty));
            }
        }
    }
    if let Some(params) = &op.params {
        let ty = paths.ty(&TypeRef::Named(params.type_name.clone()));
        args.push(quote!(params: &#ty));
        for param in &params.params {
            let field = ident(&param.name);
            let wire = &param.wire_name;
            let explode = param.explode;
            match param.location {
                ParamLocation::Query => {
                    setup.push(quote!(request.query(#wire, &params.#field, #explode);))
                }
                ParamLocation::Header => setup.push(quote!(request.header(#wire, &params.#field);)),
                ParamLocation::Path => {}
            }
        }
    }
    let path = path_expression(op);
    let http_method = ident(&op.http_method);
    let body_arg = op.body.as_ref().map(|body| match body.encoding {
        BodyEncoding::Text => quote!(body: impl Into<String>),
        BodyEncoding::Bytes => quote!(body: impl Into<bytes::Bytes>),
        _ => {
            let ty = paths.ty(&body.ty);
            quote!(body: &#ty)
        }
    });
    args.extend(body_arg);
    let body_for = |stream: Option<bool>| -> TokenStream {
        let Some(body) = &op.body else {
            return TokenStream::new();
        };
        let content_type = &body.content_type;
        match (
            body.encoding,
            stream,
            op.stream.as_ref().and_then(|s| s.flag_field.as_ref()),
        ) {
            (BodyEncoding::Json, Some(stream), Some(field)) => {
                quote!(let request = request.json_with_flag(body, #field, #stream)?;)
            }
            (BodyEncoding::Json, _, _) => quote!(let request = request.json(body)?;),
            (BodyEncoding::Form, _, _) => quote!(let request = request.form(body)?;),
            (BodyEncoding::Multipart, _, _) => multipart_body(api, &body.ty),
            (BodyEncoding::Text, _, _) => {
                quote!(let request = request.raw(body.into(), #content_type);)
            }
            (BodyEncoding::Bytes, _, _) => quote!(let request = request.raw(body, #content_type);),
        }
    };
    let prepare = |stream: Option<bool>| {
        let body = body_for(stream);
        let mutability = (!setup.is_empty()).then(|| quote!(mut));
        quote! {
            let #mutability request = Request::new(reqwest::Method::#http_method, #path);
            #(#setup)*
            #body
        }
    };
    let (return_ty, call) = match &op.response {
        ResponseKind::Json(ty) => (paths.ty(ty), quote!(self.transport.json(request).await)),
        ResponseKind::Text => (quote!(String), quote!(self.transport.text(request).await)),
        ResponseKind::Bytes => (
            quote!(bytes::Bytes),
            quote!(self.transport.bytes(request).await),
        ),
        ResponseKind::Empty => (quote!(()), quote!(self.transport.empty(request).await)),
    };
    let mut doc_text = docs::render(&op.docs);
    if let Some(field) = op
        .stream
        .as_ref()
        .and_then(|stream| stream.flag_field.as_ref())
    {
        doc_text.push_str(&format!(
            "\n\nThis method always receives one JSON response: the body's `{field}` is sent as `false` if set. For Server-Sent Events use [`Self::{}_stream`].",
            names::unraw(&op.method_name)
        ));
    }
    doc_text.push_str(&format!(
        "\n\n`{} {}`",
        op.http_method,
        op.path.replace('`', "'")
    ));
    let doc = docs::plain(doc_text.trim());
    let deprecated = op.docs.deprecated.then(|| quote!(#[deprecated]));
    let plain_prepare = prepare(op.stream.as_ref().map(|_| false));
    let plain = quote! {
        #doc
        #deprecated
        pub async fn #method_ident(&self, #(#args),*) -> Result<#return_ty, Error> {
            #plain_prepare
            #call
        }
    };
    let stream = op.stream.as_ref().map(|stream| {
        let stream_ident = ident(&format!("{}_stream", names::unraw(&op.method_name)));
        let event = paths.ty(&stream.event);
        let stream_prepare = prepare(Some(true));
        let doc = docs::plain(&format!(
            "Like [`Self::{}`], but the response arrives as a stream of Server-Sent Events, each decoded as `{}`. The stream ends after the server's `[DONE]`; a dropped connection yields an error item.",
            names::unraw(&op.method_name),
            match &stream.event { TypeRef::Named(name) => name.clone(), _ => "serde_json::Value".to_owned() }
        ));
        quote! {
            #doc
            #deprecated
            pub async fn #stream_ident(&self, #(#args),*) -> Result<EventStream<#event>, Error> {
                #stream_prepare
                self.transport.stream(request).await
            }
        }
    });
    quote!(#plain #stream)
}

/// The expression that builds the request path, parameters percent-encoded.
fn path_expression(op: &Operation) -> TokenStream {
    if op.path_params.is_empty() {
        let path = &op.path;
        return quote!(#path.to_owned());
    }
    let mut segments = Vec::new();
    let mut rest = op.path.as_str();
    let mut values = Vec::new();
    for param in &op.path_params {
        let template = format!("{{{}}}", param.wire_name);
        if let Some(at) = rest.find(&template) {
            segments.push(rest[..at].to_owned());
            rest = &rest[at + template.len()..];
            let name = ident(&param.name);
            values.push(match &param.ty {
                TypeRef::String => quote!(#name.to_owned()),
                TypeRef::Integer(_) | TypeRef::Number | TypeRef::Bool => quote!(#name.to_string()),
                _ => quote!(crate::runtime::scalar_text(&serde_json::to_value(#name).unwrap_or_default()).unwrap_or_default()),
            });
        }
    }
    segments.push(rest.to_owned());
    quote!(Request::path(&[#(#segments),*], &[#(#values),*]))
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
    let parts = structure.fields.iter().map(|field| {
        let name = ident(&field.name);
        let wire = &field.wire_name;
        match (&field.ty, field.is_option()) {
            (TypeRef::File, false) => quote!(form.file(#wire, &body.#name);),
            (TypeRef::File, true) => quote! {
                if let Some(file) = &body.#name {
                    form.file(#wire, file);
                }
            },
            (TypeRef::Vec(inner), optional) if **inner == TypeRef::File => {
                let files = if optional {
                    quote!(body.#name.iter().flatten())
                } else {
                    quote!(&body.#name)
                };
                quote! {
                    for file in #files {
                        form.file(#wire, file);
                    }
                }
            }
            _ => quote!(form.text(#wire, &body.#name);),
        }
    });
    let extra = structure.extra.as_ref().map(|extra| {
        let name = ident(&extra.name);
        quote! {
            for (name, value) in &body.#name {
                form.text(name, value);
            }
        }
    });
    quote! {
        let mut form = crate::runtime::multipart::Multipart::new();
        #(#parts)*
        #extra
        let request = request.multipart_form(form);
    }
}

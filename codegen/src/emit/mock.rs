//! `src/mock.rs` (feature `mock`): a `MockServer` with a typed `expect_<operation>` and
//! `received_<operation>` per operation, over the runtime's server (`runtime/mock.rs`).
//!
//! The generated part is the route table and one pair of one-line methods per operation; what
//! an answer can be is decided by type markers (`Json<T>`, `Events<T>`, ...) on the runtime's
//! generic `Expect`, so a spec with a thousand operations costs two thousand short methods,
//! not a thousand types.

use std::collections::BTreeSet;

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::client::names_a_type;
use super::rust::{Printer, doc, ident, inner_doc, string};
use super::types::Paths;
use crate::diagnostics::Error;
use crate::model::{Api, BodyEncoding, ResponseKind};
use crate::names;

/// The text of `src/mock.rs`.
pub(crate) fn mock_rs(api: &Api) -> Result<String, Error> {
    let paths = Paths::outside_types();
    let mut markers = BTreeSet::new();
    let mut names_types = false;
    let mut routes = TokenStream::new();
    let mut methods = TokenStream::new();
    let mut method_names = names::Namespace::with_reserved([
        "start",
        "try_start",
        "base_url",
        "builder",
        "client",
        "requests",
        "unmet",
        "verify",
    ]);
    for (index, op) in api.operations.iter().enumerate() {
        let at = Literal::usize_unsuffixed(index);
        // An operation behind cargo features has its methods behind them too; its route stays
        // (the table is indexed), without the request type when the features are off.
        let features = api.operation_features(index);
        let on = super::types::gate(features);
        let off = (!features.is_empty()).then(|| {
            let off = super::types::cfg_none(features);
            quote!(#off)
        });
        let operation = names::unraw(&op.method_name);
        let method = string(&op.http_method.to_ascii_uppercase());
        let path = string(&op.path);
        let json_body = op
            .body
            .as_ref()
            .filter(|body| body.encoding == BodyEncoding::Json);
        let check = match json_body {
            Some(body) => {
                names_types |= names_a_type(&body.ty);
                let ty = paths.ty(&body.ty);
                markers.insert("decodes");
                quote!(Some(decodes::<#ty>))
            }
            None => quote!(None),
        };
        let operation_literal = string(operation);
        let paging = match &op.pagination {
            Some(_) => {
                let name = ident(&super::client::paging_static_name(op));
                quote!(Some(&crate::client::#name))
            }
            None => quote!(None),
        };
        match &off {
            Some(off) if json_body.is_some() => routes.extend(quote! {
                #on
                Route { operation: #operation_literal, method: #method, path: #path, body: #check, paging: #paging },
                #off
                Route { operation: #operation_literal, method: #method, path: #path, body: None, paging: #paging },
            }),
            _ => routes.extend(quote! {
                Route { operation: #operation_literal, method: #method, path: #path, body: #check, paging: #paging },
            }),
        }
        let answer = match &op.response {
            ResponseKind::Json(ty) if op.pagination.is_some() => {
                names_types |= names_a_type(ty);
                markers.insert("Paged");
                let ty = paths.ty(ty);
                quote!(Paged<#ty>)
            }
            ResponseKind::Json(ty) => {
                names_types |= names_a_type(ty);
                markers.insert("Json");
                let ty = paths.ty(ty);
                quote!(Json<#ty>)
            }
            ResponseKind::Text => {
                markers.insert("Text");
                quote!(Text)
            }
            ResponseKind::Bytes => {
                markers.insert("Binary");
                quote!(Binary)
            }
            ResponseKind::Empty => {
                markers.insert("Empty");
                quote!(Empty)
            }
            ResponseKind::ByStatus(_) => {
                markers.insert("ByStatus");
                quote!(ByStatus)
            }
        };
        let events = match &op.stream {
            Some(stream) => {
                names_types |= names_a_type(&stream.event);
                markers.insert("Events");
                let ty = paths.ty(&stream.event);
                quote!(Events<#ty>)
            }
            None => {
                markers.insert("NoEvents");
                quote!(NoEvents)
            }
        };
        let wire = format!("`{} {}`", op.http_method, op.path.replace('`', "'"));
        let calls = match &op.stream {
            Some(stream) => format!(
                "[`Client::{operation}`] or [`Client::{}`] ({wire})",
                names::unraw(&stream.method_name)
            ),
            None => format!("[`Client::{operation}`] ({wire})"),
        };
        let how = match &op.response {
            ResponseKind::ByStatus(_) => {
                "with `respond_raw` (its bodies differ by status), `fail` or `drop_connection`"
            }
            _ if op.pagination.is_some() => {
                "with `respond` (one page), `respond_pages` (a page per call, linked as the operation pages), `fail`, `drop_connection`, ..."
            }
            _ if op.stream.is_some() => {
                "with `respond` (JSON), `respond_stream` (events), `fail`, `drop_connection`, ..."
            }
            _ => "with `respond`, `fail`, `drop_connection`, ...",
        };
        let expect_doc = doc(&format!(
            "Plans the answer to the next call of {calls}, {how}; answers are used in the order planned."
        ));
        // `_2get` gives `expect_2get`, not `expect__2get`, which is not snake case; a name
        // taken by another operation or by a method of the server gets a number.
        let bare = operation.trim_start_matches('_');
        let expect_name = ident(&method_names.claim(&format!("expect_{bare}")));
        let received_name = ident(&method_names.claim(&format!("received_{bare}")));
        methods.extend(quote! {
            #(#expect_doc)*
            #on
            pub fn #expect_name(&self) -> Expect<'_, #answer, #events> {
                self.server.expect(#at)
            }
        });
        match json_body {
            Some(body) => {
                let ty = paths.ty(&body.ty);
                let received_doc = doc(&format!(
                    "The request bodies of the calls of `{operation}` received so far, decoded, oldest first."
                ));
                methods.extend(quote! {
                    #(#received_doc)*
                    #on
                    pub fn #received_name(&self) -> Vec<#ty> {
                        self.server.received_bodies(#at)
                    }
                });
            }
            None => {
                let received_doc = doc(&format!(
                    "The calls of `{operation}` received so far, oldest first (path, query, headers, body)."
                ));
                methods.extend(quote! {
                    #(#received_doc)*
                    #on
                    pub fn #received_name(&self) -> Vec<MockRequest> {
                        self.server.received(#at)
                    }
                });
            }
        }
    }
    let mut credentials = TokenStream::new();
    if api.security.takes_key() {
        credentials.extend(quote!(let builder = builder.api_key("mock-api-key");));
    }
    if api.security.takes_basic() {
        credentials.extend(quote!(let builder = builder.basic_auth("mock-user", "mock-password");));
    }
    if !api.operations.is_empty() {
        markers.insert("Expect");
    }
    let mut imports: Vec<TokenStream> = ["MockRequest", "Route", "Server"]
        .iter()
        .chain(markers.iter())
        .copied()
        .collect::<BTreeSet<&str>>()
        .into_iter()
        .map(|name| {
            let name = ident(name);
            quote!(#name)
        })
        .collect();
    imports.sort_by_key(ToString::to_string);
    let mut crate_items = vec![quote!(Client), quote!(ClientBuilder)];
    if names_types {
        crate_items.push(quote!(types));
    }
    let file_doc = inner_doc(&format!(
        "A mock of the {} on 127.0.0.1, for the tests of applications (feature `mock`).\n\n\
         Start a [`MockServer`], plan an answer per call with `expect_<operation>()` (a typed\n\
         value, a list of stream events sent as real Server-Sent Events, an API error, a delay,\n\
         a dropped connection), run the code under test against [`MockServer::client`] or\n\
         [`MockServer::base_url`], then read what it sent with `received_<operation>()` and\n\
         check with [`MockServer::verify`] that every planned answer was used and no call came\n\
         unplanned. A call nothing was planned for is answered with HTTP 418 and an error\n\
         naming the operation.",
        api.title
    ));
    let mut printer = Printer::new();
    printer.block(quote!(#(#file_doc)*), "the docs of src/mock.rs")?;
    printer.block(quote!(#![allow(deprecated)]), "the lints of src/mock.rs")?;
    let gated = super::types::allow_unused_imports(api);
    printer.block(
        quote! {
            use std::time::Duration;
            #gated
            use crate::runtime::mock::{#(#imports),*};
            #gated
            use crate::{#(#crate_items),*};
        },
        "the imports of src/mock.rs",
    )?;
    printer.items(
        quote! {
            /// The operations, in the order the `expect_…` methods name them.
            static ROUTES: &[Route] = &[#routes];

            /// A mock of the API on 127.0.0.1; it stops when dropped.
            #[derive(Debug)]
            pub struct MockServer {
                server: Server,
            }

            impl MockServer {
                /// Starts a mock on a free port of 127.0.0.1.
                ///
                /// # Panics
                ///
                /// When no port of 127.0.0.1 can be bound ([`Self::try_start`] returns the error).
                pub async fn start() -> Self {
                    match Self::try_start().await {
                        Ok(server) => server,
                        Err(error) => panic!("the mock server could not listen on 127.0.0.1: {error}"),
                    }
                }
                /// Starts a mock on a free port of 127.0.0.1.
                pub async fn try_start() -> std::io::Result<Self> {
                    Ok(Self { server: Server::start(ROUTES).await? })
                }
                /// The base URL of the mock, for a client built elsewhere.
                pub fn base_url(&self) -> String {
                    self.server.base_url()
                }
                /// A client builder for the mock: its base URL, made-up credentials, no proxy,
                /// and retries 1 to 20 ms apart (as many as by default), so that a test sees
                /// retries without waiting for them.
                pub fn builder(&self) -> ClientBuilder {
                    let builder = Client::builder()
                        .base_url(self.base_url())
                        .retry_backoff(Duration::from_millis(1), Duration::from_millis(20));
                    #credentials
                    match reqwest::Client::builder().no_proxy().build() {
                        Ok(http) => builder.http_client(http),
                        Err(_) => builder,
                    }
                }
                /// A client for the mock, as [`Self::builder`] sets it up.
                pub fn client(&self) -> Client {
                    Client::from_transport(self.builder().build_lenient())
                }
                /// Every request received, oldest first, whichever operation it matched.
                pub fn requests(&self) -> Vec<MockRequest> {
                    self.server.requests()
                }
                /// What did not go as planned: unplanned calls, request bodies that do not decode,
                /// planned answers no call used. Empty when every expectation was met.
                pub fn unmet(&self) -> Vec<String> {
                    self.server.unmet()
                }
                /// Asserts that every expectation was met.
                ///
                /// # Panics
                ///
                /// When one was not, listing [`Self::unmet`]: this is a test assertion.
                pub fn verify(&self) {
                    self.server.verify();
                }
                #methods
            }
        },
        "the mock server",
    )?;
    Ok(printer.finish())
}

//! Stage 2: the OpenAPI document → a plain model of the API.
//!
//! The model is plain data: named types with every `$ref` resolved and every inline schema
//! named, and operations with their parameters, bodies and responses. It holds no tokens and
//! knows nothing about formatting; [`crate::emit`] is a function of it.

mod features;
mod operations;
mod pagination;
pub(crate) mod refs;
mod schema;
mod security;
mod types;

use serde_json::Value;

use crate::Settings;
use crate::diagnostics::{Diagnostic, Error};
use crate::load::Spec;

use operations::build_operations;

/// The whole API as the emitter needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// The first server URL, the client's default base URL.
    pub base_url: Option<String>,
    /// Prefix of the environment variables the client reads (`DEEPSHI` → `DEEPSHI_API_KEY`).
    pub env_prefix: String,
    /// How requests authenticate.
    pub security: Security,
    /// Every named type, sorted by name.
    pub types: Vec<TypeDef>,
    /// Every operation, in spec order.
    pub operations: Vec<Operation>,
    /// The type of error bodies when all operations share one error schema.
    pub error_body: Option<TypeRef>,
    /// The cargo features of the crate, one per operation tag; `None` for a spec with fewer
    /// than two tags.
    pub features: Option<Features>,
}

impl Api {
    /// The cargo features that turn on the operation at `index` (any of them); empty when every
    /// build has it.
    pub fn operation_features(&self, index: usize) -> &[String] {
        self.features
            .as_ref()
            .and_then(|features| features.of_operation.get(index))
            .map_or(&[], Vec::as_slice)
    }

    /// The cargo features that turn on the type `name` (any of them); empty when every build
    /// has it.
    pub fn type_features(&self, name: &str) -> &[String] {
        self.features
            .as_ref()
            .and_then(|features| features.of_type.get(name))
            .map_or(&[], Vec::as_slice)
    }
}

/// A cargo feature per operation tag, and what each turns on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Features {
    /// The features: `(name, tag)`, in the order of the spec's `tags` list, then of first use.
    pub names: Vec<(String, String)>,
    /// The feature of the operations without a tag, if there are any.
    pub untagged: Option<String>,
    /// The feature of the types no operation reaches (webhook payloads, say), if there are any.
    pub unreached: Option<String>,
    /// For each type that not every build has: the features that turn it on (any of them).
    pub of_type: std::collections::BTreeMap<String, Vec<String>>,
    /// For each operation, in `Api::operations` order: the features that turn it on (any of
    /// them); an operation without a tag has the `untagged` feature.
    pub of_operation: Vec<Vec<String>>,
}

/// How the client authenticates: the security schemes it can apply, and which of them the
/// operations need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Security {
    /// The schemes of `components/securitySchemes` the client can apply, in spec order.
    pub schemes: Vec<SecurityScheme>,
    /// The requirement of operations that state none (the top-level `security`): alternatives,
    /// of which the client sends the first whose credentials are all set.
    pub default: Vec<Requirement>,
    /// Every operation needs a credential: building a client without any fails.
    pub credentials_required: bool,
}

impl Security {
    /// Whether some scheme takes an API key or token (`ClientBuilder::api_key`).
    pub fn takes_key(&self) -> bool {
        self.schemes.iter().any(|s| s.kind != SchemeKind::Basic)
    }

    /// Whether some scheme takes a username and password (`ClientBuilder::basic_auth`).
    pub fn takes_basic(&self) -> bool {
        self.schemes.iter().any(|s| s.kind == SchemeKind::Basic)
    }
}

/// One security scheme the client can apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityScheme {
    /// Its name in `components/securitySchemes`.
    pub name: String,
    /// How the credential is sent.
    pub kind: SchemeKind,
    /// The `ClientBuilder` method that sets this scheme's credential alone, when `api_key` or
    /// `basic_auth` would set it together with another scheme's.
    pub setter: Option<String>,
    /// `description`.
    pub description: Option<String>,
}

/// How a credential is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemeKind {
    /// `Authorization: Bearer <token>` (also OAuth 2 and OpenID Connect tokens).
    Bearer,
    /// `Authorization: Basic <base64 of username:password>`.
    Basic,
    /// The key in a header of this name.
    Header(String),
    /// The key in a query parameter of this name.
    Query(String),
    /// The key in a cookie of this name.
    Cookie(String),
}

/// One alternative of a `security` list: the schemes (indices into [`Security::schemes`]) that
/// are sent together. Empty: the operation may be called without credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requirement {
    /// Indices into [`Security::schemes`].
    pub schemes: Vec<usize>,
}

/// A named Rust type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// The Rust name, unique in the crate.
    pub name: String,
    /// Where the schema is in the spec.
    pub pointer: String,
    /// Documentation.
    pub docs: Docs,
    /// What kind of type it is.
    pub kind: TypeKind,
}

/// The documentation a schema carries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Docs {
    /// `title` and `description`, joined.
    pub description: Option<String>,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// `example`.
    pub example: Option<Value>,
    /// `default`.
    pub default: Option<Value>,
    /// Constraints in words (`0 <= x <= 2`, `at most 4 items`, format).
    pub constraints: Vec<String>,
}

/// The shape of a named type.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// A struct.
    Struct(StructDef),
    /// An enum of string (or integer) values with a fallback for unknown values.
    Enum(EnumDef),
    /// A `oneOf`/`anyOf`: an enum of types.
    Union(UnionDef),
    /// Another name for a type (`pub type X = Y;`), or a newtype when it is recursive.
    Alias { target: TypeRef, newtype: bool },
    /// What an operation whose success responses differ returns: a variant per status.
    Responses(ResponsesDef),
}

/// The success responses of one operation, when they do not all have the same body.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponsesDef {
    /// The client method that returns it.
    pub method_name: String,
    /// One per success status the spec lists, in status order.
    pub cases: Vec<StatusCase>,
}

/// One success status of a [`ResponsesDef`].
#[derive(Debug, Clone, PartialEq)]
pub struct StatusCase {
    /// The status code.
    pub status: u16,
    /// The Rust variant name (`Ok`, `Accepted`, `NoContent`, `Status207`).
    pub variant: String,
    /// Its body: JSON of a type, text, bytes or none (never [`ResponseKind::ByStatus`]).
    pub body: ResponseKind,
    /// The response's `description`.
    pub description: Option<String>,
}

/// An object schema.
#[derive(Debug, Clone, PartialEq)]
pub struct StructDef {
    /// The properties, in spec order.
    pub fields: Vec<Field>,
    /// Properties not named in the schema: a typed map from `additionalProperties`, or any JSON
    /// value, so that reading and writing a value keeps every field. `None` when
    /// `additionalProperties: false`.
    pub extra: Option<ExtraFields>,
}

/// The field that collects properties the schema does not name.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtraFields {
    /// The Rust name of the field.
    pub name: String,
    /// The value type; [`TypeRef::Json`] for free-form.
    pub value: TypeRef,
}

/// A struct field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The Rust name (may be `r#type`).
    pub name: String,
    /// The JSON name.
    pub wire_name: String,
    /// The type without the `Option` of optional or nullable fields.
    pub ty: TypeRef,
    /// In `required`.
    pub required: bool,
    /// May be `null`.
    pub nullable: bool,
    /// `format: binary`: file contents (in a multipart body, a file part).
    pub binary: bool,
    /// Documentation.
    pub docs: Docs,
}

impl Field {
    /// Whether the Rust type is `Option<ty>`.
    pub fn is_option(&self) -> bool {
        !self.required || self.nullable
    }
}

/// An enum of values.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumDef {
    /// The listed values.
    pub variants: Vec<EnumVariant>,
    /// Whether values are strings or integers.
    pub repr: EnumRepr,
    /// The name of the variant that keeps a value the spec does not list.
    pub fallback: String,
}

/// How an enum's values are written in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnumRepr {
    /// `"value"`.
    String,
    /// `42`.
    Integer,
}

/// One enum value.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumVariant {
    /// The Rust variant name.
    pub name: String,
    /// The value as JSON text would have it (`auto`, `42`).
    pub value: String,
}

/// A `oneOf`/`anyOf`.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionDef {
    /// The alternatives, in spec order.
    pub variants: Vec<UnionVariant>,
    /// The property whose value says which alternative a value is (from `discriminator`, or
    /// found: every alternative an object with a distinct constant for the same property).
    pub tag: Option<String>,
    /// The name of the variant that keeps a value no alternative matches.
    pub fallback: String,
}

/// One alternative of a union.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionVariant {
    /// The Rust variant name.
    pub name: String,
    /// The type it holds.
    pub ty: TypeRef,
    /// Its tag values, when the union is tagged (a `mapping` may give several).
    pub tag_values: Vec<String>,
    /// The `description` of an inline alternative.
    pub description: Option<String>,
}

/// A reference to a type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TypeRef {
    /// A [`TypeDef`] by its Rust name.
    Named(String),
    /// `String`.
    String,
    /// `bool`.
    Bool,
    /// An integer type.
    Integer(IntegerType),
    /// `f64`.
    Number,
    /// Any JSON value.
    Json,
    /// `Vec<T>`.
    Vec(Box<TypeRef>),
    /// `BTreeMap<String, T>`.
    Map(Box<TypeRef>),
    /// `Option<T>` (nullable array items and map values).
    Option(Box<TypeRef>),
    /// `Box<T>`, to break a recursive type.
    Boxed(Box<TypeRef>),
    /// Raw bytes (a binary request body).
    Bytes,
    /// A file of a `multipart/form-data` body (`FilePart`).
    File,
}

impl TypeRef {
    /// The named type this one holds, if any: `Foo` of `Option<Vec<Foo>>`. Every wrapper holds
    /// one type, so there is at most one.
    pub fn named(&self) -> Option<&str> {
        match self {
            TypeRef::Named(name) => Some(name),
            TypeRef::Vec(inner)
            | TypeRef::Map(inner)
            | TypeRef::Option(inner)
            | TypeRef::Boxed(inner) => inner.named(),
            _ => None,
        }
    }
}

/// Integer widths, from `format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IntegerType {
    /// `int32`.
    I32,
    /// `int64` or none.
    I64,
    /// `uint32`.
    U32,
    /// `uint64`.
    U64,
}

/// An operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// The client method name.
    pub method_name: String,
    /// `GET`, `POST`, ...
    pub http_method: String,
    /// The path template (`/users/{id}`).
    pub path: String,
    /// Where it is in the spec.
    pub pointer: String,
    /// Summary and description.
    pub docs: Docs,
    /// Path parameters, in template order.
    pub path_params: Vec<Param>,
    /// Query, header and cookie parameters, in a struct of their own.
    pub params: Option<ParamsStruct>,
    /// The request body.
    pub body: Option<Body>,
    /// What a success returns.
    pub response: ResponseKind,
    /// When the success response also offers `text/event-stream`: the event type.
    pub stream: Option<Stream>,
    /// How the operation pages, when it is a list whose pages it can follow.
    pub pagination: Option<Pagination>,
    /// The operation's own `security`, when it differs from [`Security::default`] (`Some(vec![])`
    /// for `security: []`: no credentials at all).
    pub security: Option<Vec<Requirement>>,
    /// `tags`.
    pub tags: Vec<String>,
}

/// A parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The Rust name.
    pub name: String,
    /// The name in the path, query or header.
    pub wire_name: String,
    /// Its type.
    pub ty: TypeRef,
    /// Required.
    pub required: bool,
    /// Where it goes.
    pub location: ParamLocation,
    /// How its value is written (`style`).
    pub style: ParamStyle,
    /// `explode`: arrays repeat the key, objects' members become parameters.
    pub explode: bool,
    /// A path parameter whose value is a path itself (Azure's `x-ms-skip-url-encoding`, as
    /// its `resourceUri`): its slashes are sent as they are.
    pub keeps_slashes: bool,
    /// Documentation.
    pub docs: Docs,
}

/// How a parameter's value is written: OpenAPI's `style`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamStyle {
    /// `form`, the query's default.
    Form,
    /// `spaceDelimited`.
    SpaceDelimited,
    /// `pipeDelimited`.
    PipeDelimited,
    /// `deepObject`.
    DeepObject,
    /// A parameter described by `content` of a JSON media type: the value as JSON text.
    Json,
    /// `simple`, the path's and headers' default.
    Simple,
    /// `label`.
    Label,
    /// `matrix`.
    Matrix,
}

impl ParamStyle {
    /// The style named `name`, if OpenAPI defines one by that name.
    pub fn from_name(name: &str) -> Option<ParamStyle> {
        Some(match name {
            "form" => ParamStyle::Form,
            "spaceDelimited" => ParamStyle::SpaceDelimited,
            "pipeDelimited" => ParamStyle::PipeDelimited,
            "deepObject" => ParamStyle::DeepObject,
            "simple" => ParamStyle::Simple,
            "label" => ParamStyle::Label,
            "matrix" => ParamStyle::Matrix,
            _ => return None,
        })
    }
}

/// A field of an `application/x-www-form-urlencoded` body whose `encoding` is not the
/// default (`form` with `explode`).
#[derive(Debug, Clone, PartialEq)]
pub struct FormField {
    /// The field's name in the body.
    pub wire_name: String,
    /// Its style.
    pub style: ParamStyle,
    /// Its `explode`.
    pub explode: bool,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    /// In the path.
    Path,
    /// In the query string.
    Query,
    /// In a header.
    Header,
    /// In the `Cookie` header, as `name=value`.
    Cookie,
}

/// The query, header and cookie parameters of one operation, as a struct.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamsStruct {
    /// The name of the struct (a [`TypeDef`] is made for it too).
    pub type_name: String,
    /// The parameters.
    pub params: Vec<Param>,
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// Its Rust type.
    pub ty: TypeRef,
    /// How it is encoded.
    pub encoding: BodyEncoding,
    /// The media type sent as `Content-Type`.
    pub content_type: String,
    /// Required by the spec.
    pub required: bool,
    /// For form bodies, the fields that the `encoding` writes in another style.
    pub form_fields: Vec<FormField>,
}

/// How a body is put on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyEncoding {
    /// JSON.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data`.
    Multipart,
    /// Text as given (`text/plain`, `application/jose`, ...).
    Text,
    /// Bytes as given (`application/octet-stream`, images, ...).
    Bytes,
}

/// What a successful call returns.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseKind {
    /// A JSON body of this type.
    Json(TypeRef),
    /// A text body.
    Text,
    /// A binary body.
    Bytes,
    /// No body.
    Empty,
    /// Success responses that differ by status: the [`TypeKind::Responses`] of this name.
    ByStatus(String),
}

/// The streaming variant of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Stream {
    /// The type of one event's `data`.
    pub event: TypeRef,
    /// The request-body field that switches the response to a stream (`x-stream-field`).
    pub flag_field: Option<String>,
    /// The name of the streaming method: `{method}_stream`, numbered if another operation
    /// has that name.
    pub method_name: String,
}

/// How a list operation pages, and where a page has its items.
#[derive(Debug, Clone, PartialEq)]
pub struct Pagination {
    /// How the next page is asked for.
    pub rule: PageRule,
    /// The array of items in a page.
    pub items: PageItems,
    /// The method that streams the pages: `{method}_pages`, numbered if taken.
    pub pages_method: String,
    /// The method that streams the items: `{method}_items`, numbered if taken.
    pub items_method: String,
}

/// Where a page holds its items.
#[derive(Debug, Clone, PartialEq)]
pub struct PageItems {
    /// The page's field with the items: its Rust name, wire name and whether it is an
    /// `Option`; `None` when the page is the array.
    pub field: Option<(String, String, bool)>,
    /// The type of one item.
    pub ty: TypeRef,
}

/// How the next page is asked for. Paths are JSON member names from the page's top level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageRule {
    /// The page has the next page's cursor at `cursor`; the query parameter `param` takes it.
    Cursor {
        /// The query parameter.
        param: String,
        /// Where the cursor is.
        cursor: Vec<String>,
        /// A boolean that is `false` on the last page.
        has_more: Option<Vec<String>>,
        /// The parameter that pages backwards (`before`): set by the caller, the pages end
        /// after the first.
        backward: Option<String>,
    },
    /// The next cursor is the member `field` of the last item (`starting_after`, `after`).
    LastItem {
        /// The query parameter.
        param: String,
        /// The member of an item.
        field: String,
        /// A boolean that is `false` on the last page.
        has_more: Option<Vec<String>>,
        /// The parameter that pages backwards (`ending_before`): set by the caller, the next
        /// cursor is the first item's, sent in it.
        backward: Option<String>,
    },
    /// The page has the next page's URL at `link` (a value that is not a URL is a cursor for
    /// `param`).
    NextLink {
        /// Where the link is.
        link: Vec<String>,
        /// The cursor parameter, if the operation has one.
        param: Option<String>,
        /// A boolean that is `false` on the last page.
        has_more: Option<Vec<String>>,
    },
    /// The `Link` response header's `rel="next"`.
    LinkHeader,
    /// Pages numbered by the query parameter `param`.
    PageNumber {
        /// The query parameter.
        param: String,
        /// The number of the first page.
        first: u64,
        /// The page-size parameter.
        size: Option<PageSize>,
        /// The number of pages, in the page.
        total_pages: Option<Vec<String>>,
        /// The number of items of all pages, in the page.
        total_items: Option<Vec<String>>,
    },
    /// Pages by the offset of their first item, in the query parameter `param`.
    Offset {
        /// The query parameter.
        param: String,
        /// The page-size parameter.
        size: Option<PageSize>,
        /// The number of items of all pages, in the page.
        total_items: Option<Vec<String>>,
    },
}

/// The query parameter that sets a page's size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageSize {
    /// Its wire name.
    pub param: String,
    /// Its default, where the spec gives one.
    pub default: Option<u64>,
    /// Its `maximum`, where the spec gives one: a larger size may be capped by the server.
    pub maximum: Option<u64>,
}

/// Builds the model of a loaded spec, and the warnings for constructs that fell back.
pub fn build(spec: &Spec, settings: &Settings) -> Result<(Api, Vec<Diagnostic>), Error> {
    let (mut api, warnings) = build_raw(&spec.raw)?;
    describe(&mut api, &spec.document, settings);
    Ok((api, warnings))
}

/// The part of [`build`] that needs only the raw document: types, operations, security. The
/// rest ([`describe`]) comes from the typed document, so the two can be made at once.
pub fn build_raw(raw: &Value) -> Result<(Api, Vec<Diagnostic>), Error> {
    let mut builder = types::TypeBuilder::new(raw);
    builder.build_components();
    let mut security = security::build(&mut builder);
    let operations = build_operations(&mut builder, &security)?;
    security::settle(&mut security, &operations);
    let error_body = operations::common_error_body(&mut builder);
    let (types, mut warnings) = builder.finish();
    let features = features::features(raw, &types, &operations, error_body.as_ref());
    warnings.sort();
    warnings.dedup();
    let api = Api {
        title: String::new(),
        version: String::new(),
        description: None,
        base_url: None,
        env_prefix: String::new(),
        security,
        types,
        operations,
        error_body,
        features,
    };
    Ok((api, warnings))
}

/// Fills in what `info` and `servers` say: title, version, description, base URL, and the
/// prefix of the environment variables (`x-env-prefix`, else the crate name).
pub fn describe(api: &mut Api, document: &openapiv3::OpenAPI, settings: &Settings) {
    let info = &document.info;
    api.env_prefix = info
        .extensions
        .get("x-env-prefix")
        .and_then(Value::as_str)
        .map_or_else(
            || crate::names::const_name(&settings.crate_name),
            crate::names::const_name,
        );
    api.title = info.title.clone();
    api.version = info.version.clone();
    api.description = info.description.clone();
    api.base_url = document.servers.first().map(server_url);
}

/// The server URL with its variables set to their defaults.
fn server_url(server: &openapiv3::Server) -> String {
    let mut url = server.url.clone();
    if let Some(variables) = &server.variables {
        for (name, variable) in variables {
            url = url.replace(&format!("{{{name}}}"), &variable.default);
        }
    }
    url
}

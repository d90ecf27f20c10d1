//! List operations that page: which rule of [`PageRule`] an operation follows, found from its
//! query parameters, its response schema and its response headers as vendors publish them,
//! or as `x-pagination` says.
//!
//! The rules, tried in this order on a `GET` operation whose success response is JSON with an array of items (the body itself, or its `data`, `items`, `value`,
//! `results`... array, or its only array):
//!
//! 1. a `Link` response header, declared or named by a parameter's description ("as given in
//!    the Link header"): its `rel="next"` is the next page (GitHub);
//! 2. a next link in the body (`nextLink`, `@odata.nextLink`, `next`, `next_page_url`,
//!    `links.next`, `_links.next.href`): the next page's URL (Azure, many REST APIs);
//! 3. a cursor parameter in the query (`after`, `starting_after`, `cursor`, `pageToken`, ...)
//!    with a cursor in the body (`next_cursor`, `nextPageToken`, `last_id`, ...), or, for
//!    `after`/`starting_after` with a `has_more`, the last item's `id` (OpenAI, Stripe,
//!    Google, Slack);
//! 4. a page number (`page`, with `per_page`/`page_size`/`limit` if it has one);
//! 5. an offset (`offset`/`skip` with `limit`/`count`/...).
//!
//! Names are compared without case and punctuation, so `page_token`, `pageToken` and
//! `PageToken` are one name.

use serde_json::Value;

use super::types::TypeBuilder;
use super::{Field, PageItems, PageRule, PageSize, Param, ParamLocation, ResponseKind, TypeRef};
use crate::load::escape_pointer;

/// Query parameters that take a cursor.
const CURSOR_PARAMS: &[&str] = &[
    "after",
    "startingafter",
    "cursor",
    "pagetoken",
    "nextpagetoken",
    "nexttoken",
    "paginationtoken",
    "continuationtoken",
    "marker",
    "pagecursor",
    "startcursor",
    "pageafter",
    "skiptoken",
    "next",
];

/// Members of a page that hold the next page's cursor.
const CURSOR_FIELDS: &[&str] = &[
    "nextcursor",
    "nextpagetoken",
    "nexttoken",
    "nextpagecursor",
    "lastid",
    "nextmarker",
    "continuationtoken",
    "nextcontinuationtoken",
    "endcursor",
    "paginationtoken",
    "cursor",
];

/// Members of a page that hold the next page's URL.
const LINK_FIELDS: &[&str] = &[
    "nextlink",
    "odatanextlink",
    "nextpageurl",
    "nextpagelink",
    "nexturl",
    "nextpage",
    "next",
];

/// Members whose name says they hold a URL, not a token: a next link found without any
/// parameter to send a token in must be one of these (or have `format: uri`).
const URL_FIELDS: &[&str] = &[
    "nextlink",
    "odatanextlink",
    "nextpageurl",
    "nextpagelink",
    "nexturl",
    "href",
];

/// Query parameters that page backwards, by the forward one they exclude.
const BACKWARD_PARAMS: &[(&str, &str)] = &[("startingafter", "endingbefore"), ("after", "before")];

/// Booleans of a page that are `false` on the last one.
const HAS_MORE_FIELDS: &[&str] = &["hasmore", "hasnext", "hasnextpage", "more", "hasmoreitems"];

/// Members of a page that hold its items, before "the only array".
const ITEMS_FIELDS: &[&str] = &[
    "data", "items", "value", "results", "records", "entries", "elements", "list", "content",
    "nodes",
];

const PAGE_PARAMS: &[&str] = &["page", "pagenumber", "pageno", "pagenum", "pageindex"];
// Not `start`: as often a time as an offset.
const OFFSET_PARAMS: &[&str] = &["offset", "skip", "startindex"];
const SIZE_PARAMS: &[&str] = &[
    "perpage",
    "pagesize",
    "limit",
    "size",
    "count",
    "pagelimit",
    "maxresults",
    "top",
    "take",
    "max",
];
const TOTAL_PAGES_FIELDS: &[&str] = &["totalpages", "pagecount", "lastpage", "numpages"];
const TOTAL_ITEMS_FIELDS: &[&str] = &[
    "total",
    "totalcount",
    "totalresults",
    "totalitems",
    "totalentries",
    "totalsize",
];

/// A name without case and punctuation: `@odata.nextLink` → `odatanextlink`.
fn normal(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// What a member of the page must be for a role.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    /// A string or an integer.
    Text,
    /// A string, or an object with an `href` string (HAL).
    Link,
    Bool,
    Integer,
}

/// The pieces a spec's `x-pagination` names.
#[derive(Default)]
struct Override {
    kind: Option<String>,
    items: Option<String>,
    param: Option<String>,
    next: Option<Vec<String>>,
    has_more: Option<Vec<String>>,
    first: Option<u64>,
}

/// A raw parameter of the operation and its pointer, as `collect_params` gives them.
pub(crate) type RawParam<'a> = (&'a Value, String);

/// How the operation at `pointer` pages, if it does: its rule and where its items are.
pub(crate) fn infer(
    builder: &mut TypeBuilder<'_>,
    pointer: &str,
    operation: &Value,
    http_method: &str,
    query: &[Param],
    raw_params: &[RawParam<'_>],
    response: &ResponseKind,
) -> Option<(PageRule, PageItems)> {
    let extension_pointer = format!("{pointer}/x-pagination");
    let wanted = match operation.get("x-pagination") {
        None => None,
        Some(Value::Bool(false) | Value::Null) => return None,
        Some(Value::Object(map)) => Some(read_override(builder, &extension_pointer, map)),
        Some(_) => {
            builder.warn(
                &extension_pointer,
                "`x-pagination` must be `false` or an object (`kind`, `items`, `param`, `next`, `has-more`); ignored",
            );
            None
        }
    };
    let query: Vec<&Param> = query
        .iter()
        .filter(|param| param.location == ParamLocation::Query)
        .collect();
    let paging_param = query.iter().find(|param| {
        let name = normal(&param.wire_name);
        CURSOR_PARAMS.contains(&name.as_str())
            || PAGE_PARAMS.contains(&name.as_str())
            || OFFSET_PARAMS.contains(&name.as_str())
    });
    let looks_paged = wanted.is_some() || paging_param.is_some();
    let not_paged = |builder: &mut TypeBuilder<'_>, why: &str| {
        if wanted.is_some() {
            builder.warn(
                &extension_pointer,
                format!("{why}: no `_pages`/`_items` methods"),
            );
        } else if let Some(param) = paging_param {
            builder.warn(
                pointer,
                format!(
                    "the query parameter `{}` looks like paging, but {why}: no `_pages`/`_items` methods (`x-pagination` can say how it pages, or `false`)",
                    param.wire_name
                ),
            );
        }
        None
    };
    if !looks_paged && !has_page_shape(builder, response) {
        return None;
    }
    if http_method != "get" && wanted.is_none() {
        // Fetching page after page repeats the call: only a read may be repeated unasked. A
        // request body is the same on every page (Stripe sends an empty form with its lists).
        return None;
    }
    let ResponseKind::Json(page) = response else {
        return not_paged(builder, "its success response is not one JSON body");
    };
    let page = page.clone();
    let fields: Vec<Field> = builder
        .fields_of(&page)
        .map(<[Field]>::to_vec)
        .unwrap_or_default();
    let items = match builder.unalias(&page) {
        TypeRef::Vec(item) => PageItems {
            field: None,
            ty: (**item).clone(),
        },
        _ => match items_field(
            builder,
            &fields,
            wanted.as_ref().and_then(|w| w.items.as_deref()),
        ) {
            Some(items) => items,
            None if wanted.is_none() && paging_param.is_none() => return None,
            None => return not_paged(builder, "its response has no array of items"),
        },
    };
    let param_named = |names: &[&str]| {
        query
            .iter()
            .find(|param| names.contains(&normal(&param.wire_name).as_str()))
            .copied()
    };
    let named_param = match wanted.as_ref().and_then(|w| w.param.as_deref()) {
        Some(name) => match query.iter().find(|param| param.wire_name == name) {
            Some(param) => Some(*param),
            None => {
                builder.warn(
                    &format!("{extension_pointer}/param"),
                    format!("`{name}` is not a query parameter of the operation; ignored"),
                );
                None
            }
        },
        None => None,
    };
    let cursor_param = named_param.or_else(|| param_named(CURSOR_PARAMS));
    let has_more = wanted
        .as_ref()
        .and_then(|w| w.has_more.clone())
        .or_else(|| find_path(builder, &fields, HAS_MORE_FIELDS, Want::Bool));
    let kind = wanted.as_ref().and_then(|w| w.kind.clone());
    let next = wanted.as_ref().and_then(|w| w.next.clone());
    let allows = |name: &str| kind.as_deref().is_none_or(|kind| kind == name);

    // A parameter documented as taking a value "as given in the Link header" says the same
    // where the response does not declare the header (GitHub's `before`/`after`).
    let link_header_documented = query.iter().any(|param| {
        param.docs.description.as_deref().is_some_and(|text| {
            // "the `link` header" and "Link-header" say it too.
            let words: Vec<String> = text
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|word| !word.is_empty())
                .map(str::to_ascii_lowercase)
                .collect();
            words
                .windows(2)
                .any(|pair| pair[0] == "link" && pair[1] == "header")
        })
    });
    if allows("link-header")
        && (kind.is_some() || declares_link_header(builder, operation) || link_header_documented)
    {
        return Some((PageRule::LinkHeader, items));
    }
    if allows("next-link") {
        // A `next_page` that is a token goes back in the cursor parameter, or in a `page` that
        // takes text (OpenAI's usage lists).
        let token_param = cursor_param.or_else(|| {
            param_named(PAGE_PARAMS).filter(|param| matches!(param.ty, TypeRef::String))
        });
        let link = match (&next, &kind) {
            (Some(path), Some(_)) => Some(path.clone()),
            (Some(path), None) if cursor_param.is_none() => Some(path.clone()),
            (None, _) => find_field(builder, &fields, LINK_FIELDS, Want::Link)
                .filter(|(path, _)| {
                    // `next` with a cursor parameter and a cursor field of its own is a cursor.
                    cursor_param.is_none()
                        || path.last().is_none_or(|last| normal(last) != "next")
                        || find_path(builder, &fields, CURSOR_FIELDS, Want::Text).is_none()
                })
                // A token with nowhere to send it is no way to the next page.
                .filter(|(path, field)| token_param.is_some() || is_url_field(path, field))
                .map(|(path, _)| path),
            _ => None,
        };
        if let Some(link) = link {
            return Some((
                PageRule::NextLink {
                    link,
                    param: token_param.map(|param| param.wire_name.clone()),
                    has_more: has_more.clone(),
                },
                items,
            ));
        }
    }
    let backward = cursor_param.and_then(|param| {
        let forward = normal(&param.wire_name);
        let (_, backward) = BACKWARD_PARAMS.iter().find(|(name, _)| *name == forward)?;
        param_named(&[backward]).map(|param| param.wire_name.clone())
    });
    if let Some(param) = cursor_param
        && allows("cursor")
    {
        let cursor = next
            .clone()
            .or_else(|| find_path(builder, &fields, CURSOR_FIELDS, Want::Text));
        if let Some(cursor) = cursor {
            return Some((
                PageRule::Cursor {
                    param: param.wire_name.clone(),
                    cursor,
                    has_more,
                    backward,
                },
                items,
            ));
        }
        let by_last_item = matches!(normal(&param.wire_name).as_str(), "after" | "startingafter")
            || kind.as_deref() == Some("cursor");
        let item_has_id = builder
            .fields_of(&items.ty)
            .is_some_and(|fields| fields.iter().any(|field| field.wire_name == "id"));
        // Without `has_more` an `after` may well be an opaque cursor of another kind (GitHub's
        // are from the `Link` header): the last item's `id` is a guess only Stripe-like pages
        // confirm.
        if by_last_item && item_has_id && has_more.is_some() {
            return Some((
                PageRule::LastItem {
                    param: param.wire_name.clone(),
                    field: "id".to_owned(),
                    has_more,
                    backward,
                },
                items,
            ));
        }
    }
    let size = param_named(SIZE_PARAMS).map(|param| PageSize {
        param: param.wire_name.clone(),
        default: param.docs.default.as_ref().and_then(Value::as_u64),
        maximum: schema_number(builder, raw_params, &param.wire_name, "maximum"),
    });
    let total_items = find_path(builder, &fields, TOTAL_ITEMS_FIELDS, Want::Integer);
    let is_number = |param: &&Param| matches!(param.ty, TypeRef::Integer(_) | TypeRef::Number);
    let page_param = if kind.as_deref() == Some("page") {
        named_param.or_else(|| param_named(PAGE_PARAMS))
    } else {
        param_named(PAGE_PARAMS).filter(is_number)
    };
    if let Some(param) = page_param
        && allows("page")
    {
        return Some((
            PageRule::PageNumber {
                param: param.wire_name.clone(),
                // The page a call without the parameter gets: its default, else its minimum
                // (0 for 0-based pages), else 1.
                first: wanted
                    .as_ref()
                    .and_then(|w| w.first)
                    .or_else(|| param.docs.default.as_ref().and_then(Value::as_u64))
                    .or_else(|| schema_number(builder, raw_params, &param.wire_name, "minimum"))
                    .unwrap_or(1),
                size,
                total_pages: find_path(builder, &fields, TOTAL_PAGES_FIELDS, Want::Integer),
                total_items,
            },
            items,
        ));
    }
    let offset_param = if kind.as_deref() == Some("offset") {
        named_param.or_else(|| param_named(OFFSET_PARAMS))
    } else {
        param_named(OFFSET_PARAMS)
            .filter(is_number)
            .filter(|_| size.is_some())
    };
    if let Some(param) = offset_param
        && allows("offset")
    {
        return Some((
            PageRule::Offset {
                param: param.wire_name.clone(),
                size,
                total_items,
            },
            items,
        ));
    }
    if paging_param.is_none() && wanted.is_none() {
        return None;
    }
    not_paged(
        builder,
        "its response has no next cursor, next link or `Link` header, and no page number or offset with a page size",
    )
}

/// Whether the response looks like a page even without a paging parameter: an array of items
/// with a next link, so that APIs that page only by links (Azure) are found.
fn has_page_shape(builder: &TypeBuilder<'_>, response: &ResponseKind) -> bool {
    let ResponseKind::Json(page) = response else {
        return false;
    };
    let Some(fields) = builder.fields_of(page) else {
        return false;
    };
    find_field(builder, fields, LINK_FIELDS, Want::Link)
        .is_some_and(|(path, field)| is_url_field(&path, &field))
        && items_field(builder, fields, None).is_some()
}

/// Whether the member at `path` (ending with `field`) holds a URL by its name or format.
fn is_url_field(path: &[String], field: &Field) -> bool {
    let url_format = field.docs.constraints.iter().any(|constraint| {
        ["Format: `uri`", "Format: `url`", "Format: `uri-reference`"].contains(&constraint.as_str())
    });
    url_format
        || path
            .last()
            .is_some_and(|last| URL_FIELDS.contains(&normal(last).as_str()))
        // `links.next` (JSON:API) and `_links.next` are links by where they are.
        || path.len() > 1 && path.first().is_some_and(|first| normal(first).ends_with("links"))
}

/// A number of the schema of the query parameter `wire` (`minimum`, `maximum`).
fn schema_number(
    builder: &TypeBuilder<'_>,
    raw_params: &[RawParam<'_>],
    wire: &str,
    key: &str,
) -> Option<u64> {
    let (param, _) = raw_params.iter().find(|(param, _)| {
        param.get("in").and_then(Value::as_str) == Some("query")
            && param.get("name").and_then(Value::as_str) == Some(wire)
    })?;
    let mut schema = param.get("schema")?;
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        schema = super::refs::resolve(builder.raw(), reference).ok()?.0;
    }
    schema.get(key)?.as_u64()
}

fn read_override(
    builder: &mut TypeBuilder<'_>,
    pointer: &str,
    map: &serde_json::Map<String, Value>,
) -> Override {
    let mut wanted = Override::default();
    let path = |text: &str| text.split('.').map(str::to_owned).collect::<Vec<_>>();
    for (key, value) in map {
        let text = value.as_str();
        match (key.as_str(), text) {
            ("kind", Some(kind))
                if ["cursor", "next-link", "link-header", "page", "offset"].contains(&kind) =>
            {
                wanted.kind = Some(kind.to_owned());
            }
            ("items", Some(items)) => wanted.items = Some(items.to_owned()),
            ("param", Some(param)) => wanted.param = Some(param.to_owned()),
            ("next", Some(next)) => wanted.next = Some(path(next)),
            ("has-more", Some(has_more)) => wanted.has_more = Some(path(has_more)),
            ("first", _) if value.as_u64().is_some() => wanted.first = value.as_u64(),
            ("first", _) => builder.warn(
                &format!("{pointer}/first"),
                "`first` must be the number of the first page (0 or 1); ignored",
            ),
            ("kind", _) => builder.warn(
                &format!("{pointer}/kind"),
                "`kind` must be `cursor`, `next-link`, `link-header`, `page` or `offset`; ignored",
            ),
            ("items" | "param" | "next" | "has-more", _) => builder.warn(
                &format!("{pointer}/{}", escape_pointer(key)),
                format!("`{key}` must be a string; ignored"),
            ),
            _ => builder.warn(
                &format!("{pointer}/{}", escape_pointer(key)),
                format!("`{key}` is not a key of `x-pagination` (`kind`, `items`, `param`, `next`, `has-more`, `first`); ignored"),
            ),
        }
    }
    wanted
}

/// The page's array of items: the field named `wanted`, else the first of [`ITEMS_FIELDS`],
/// else the only array.
fn items_field(
    builder: &TypeBuilder<'_>,
    fields: &[Field],
    wanted: Option<&str>,
) -> Option<PageItems> {
    let item_of = |field: &Field| match builder.unalias(&field.ty) {
        TypeRef::Vec(item) => Some(PageItems {
            field: Some((
                field.name.clone(),
                field.wire_name.clone(),
                field.is_option(),
            )),
            ty: (**item).clone(),
        }),
        _ => None,
    };
    if let Some(wanted) = wanted {
        return fields
            .iter()
            .find(|field| field.wire_name == wanted)
            .and_then(item_of);
    }
    for name in ITEMS_FIELDS {
        if let Some(found) = fields
            .iter()
            .find(|field| normal(&field.wire_name) == *name)
            .and_then(item_of)
        {
            return Some(found);
        }
    }
    let mut arrays = fields.iter().filter_map(item_of);
    match (arrays.next(), arrays.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// [`find_field`]'s path alone.
fn find_path(
    builder: &TypeBuilder<'_>,
    fields: &[Field],
    names: &[&str],
    want: Want,
) -> Option<Vec<String>> {
    find_field(builder, fields, names, want).map(|(path, _)| path)
}

/// The path of the first member named one of `names` (in their order) that is what `want`
/// says: at the page's top level, else one object down (`meta.next_cursor`,
/// `links.next`; `_links.next.href` counts as one down), with the member itself.
fn find_field(
    builder: &TypeBuilder<'_>,
    fields: &[Field],
    names: &[&str],
    want: Want,
) -> Option<(Vec<String>, Field)> {
    let at_level = |fields: &[Field]| {
        names.iter().find_map(|name| {
            fields
                .iter()
                .find(|field| normal(&field.wire_name) == *name)
                .and_then(|field| fits(builder, field, want))
        })
    };
    if let Some(found) = at_level(fields) {
        return Some(found);
    }
    for field in fields {
        if let Some(inner) = builder.fields_of(&field.ty)
            && let Some((mut path, found)) = at_level(inner)
        {
            path.insert(0, field.wire_name.clone());
            return Some((path, found));
        }
    }
    None
}

/// The path below `field` (itself included) and the member it ends at, when it is what `want`
/// says.
fn fits(builder: &TypeBuilder<'_>, field: &Field, want: Want) -> Option<(Vec<String>, Field)> {
    let ty = builder.unalias(&field.ty);
    let here = || Some((vec![field.wire_name.clone()], field.clone()));
    match (want, ty) {
        (Want::Text, TypeRef::String | TypeRef::Integer(_)) => here(),
        (Want::Link, TypeRef::String) => here(),
        (Want::Link, TypeRef::Named(_)) => {
            let href = builder.fields_of(ty)?.iter().find(|inner| {
                inner.wire_name == "href" && matches!(builder.unalias(&inner.ty), TypeRef::String)
            })?;
            Some((
                vec![field.wire_name.clone(), href.wire_name.clone()],
                href.clone(),
            ))
        }
        (Want::Bool, TypeRef::Bool) => here(),
        (Want::Integer, TypeRef::Integer(_)) => here(),
        _ => None,
    }
}

/// Whether the first success response declares a `Link` header.
fn declares_link_header(builder: &TypeBuilder<'_>, operation: &Value) -> bool {
    let raw = builder.raw();
    let Some(responses) = operation.get("responses").and_then(Value::as_object) else {
        return false;
    };
    let mut codes: Vec<&String> = responses
        .keys()
        .filter(|code| code.starts_with('2'))
        .collect();
    codes.sort();
    let Some(code) = codes.first() else {
        return false;
    };
    let mut response = &responses[code.as_str()];
    if let Some(reference) = response.get("$ref").and_then(Value::as_str)
        && let Ok((target, _)) = super::refs::resolve(raw, reference)
    {
        response = target;
    }
    response
        .get("headers")
        .and_then(Value::as_object)
        .is_some_and(|headers| headers.keys().any(|name| name.eq_ignore_ascii_case("link")))
}

impl PageRule {
    /// How the pages follow each other and when they end, in words for the docs.
    pub fn describe(&self) -> String {
        let rule = self;
        let dotted = |path: &[String]| format!("`{}`", path.join("."));
        let mut ends = Vec::new();
        let (next, first_end) = match rule {
            PageRule::Cursor { param, cursor, .. } => (
                format!(
                    "each next page asks for the {} of the one before in the query parameter `{param}`",
                    dotted(cursor)
                ),
                "on a page without one",
            ),
            PageRule::LastItem { param, field, .. } => (
                format!(
                    "each next page asks for the items after the `{field}` of the last item before, in the query parameter `{param}`"
                ),
                "on an empty page",
            ),
            PageRule::NextLink { link, .. } => (
                format!(
                    "each next page is the URL in the {} of the one before",
                    dotted(link)
                ),
                "on a page without one",
            ),
            PageRule::LinkHeader => (
                "each next page is the `rel=\"next\"` URL of the `Link` header of the one before"
                    .to_owned(),
                "on a page without one",
            ),
            PageRule::PageNumber { param, .. } => (
                format!("each next page is the one after in the query parameter `{param}`"),
                "on an empty page",
            ),
            PageRule::Offset { param, .. } => (
                format!(
                    "each next page starts after the items before it, in the query parameter `{param}`"
                ),
                "on an empty page",
            ),
        };
        ends.push(first_end.to_owned());
        match rule {
            PageRule::Cursor {
                has_more: Some(path),
                ..
            }
            | PageRule::LastItem {
                has_more: Some(path),
                ..
            }
            | PageRule::NextLink {
                has_more: Some(path),
                ..
            } => {
                ends.push(format!("when its {} is false", dotted(path)));
            }
            PageRule::PageNumber {
                size,
                total_pages,
                total_items,
                ..
            } => {
                if let Some(size) = size {
                    ends.push(format!("on a page shorter than `{}`", size.param));
                }
                if let Some(path) = total_pages {
                    ends.push(format!("at page {}", dotted(path)));
                }
                if let Some(path) = total_items {
                    ends.push(format!("once {} items are read", dotted(path)));
                }
            }
            PageRule::Offset {
                size, total_items, ..
            } => {
                if let Some(size) = size {
                    ends.push(format!("on a page shorter than `{}`", size.param));
                }
                if let Some(path) = total_items {
                    ends.push(format!("once {} items are read", dotted(path)));
                }
            }
            _ => {}
        }
        let last = ends.pop().unwrap_or_default();
        let ends = if ends.is_empty() {
            last
        } else {
            format!("{} or {last}", ends.join(", "))
        };
        format!("{next}; they end {ends}")
    }
}

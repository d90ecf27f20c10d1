//! List operations that page: every page, or every item across the pages, as one stream.
//!
//! The generator recognises how an operation pages from its spec (a cursor, a next link in the
//! body or the `Link` header, a page number or an offset) and describes it in a `Paging`.
//! [`Pages`] fetches one page at a time, lazily, each with the client's usual retries, and
//! works out the next request from what the page says, read from the JSON as the server sent
//! it. [`Items`] flattens the pages into their items.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;
use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::error::Error;
use super::scalar_text;
use super::transport::{Request, ResponseInfo, Transport};

/// A path of JSON member names into a page (`["response_metadata", "next_cursor"]`).
pub(crate) type Path = &'static [&'static str];

/// How one operation pages: set by the generator from the spec.
#[derive(Debug)]
pub(crate) struct Paging {
    /// How the next page is asked for.
    pub(crate) rule: Rule,
    /// The member of the page that holds its items; `None`: the page is the array.
    pub(crate) items: Option<&'static str>,
}

/// How the next page is asked for.
#[derive(Debug)]
pub(crate) enum Rule {
    /// The page has a cursor at `cursor`; the next request sends it in the query parameter
    /// `param`. The pages end when there is none, when it repeats, or when `has_more` (if the
    /// page has it) is `false`. A caller who set the parameter that pages backwards
    /// (`backward`: `before`) gets that one page: the cursor leads forwards.
    Cursor {
        param: &'static str,
        cursor: Path,
        has_more: Option<Path>,
        backward: Option<&'static str>,
    },
    /// The cursor of the next page is the member `field` of this page's last item (`id`, for
    /// `starting_after` and `after`); the pages end on an empty page or when `has_more` is
    /// `false`. A caller who set `backward` (`ending_before`) pages backwards: the next
    /// cursor is the first item's, in `backward`.
    LastItem {
        param: &'static str,
        field: &'static str,
        has_more: Option<Path>,
        backward: Option<&'static str>,
    },
    /// The page has the next page's URL at `link`, absolute or relative to this page's. A value
    /// that is not a URL is a cursor for `param`, where the operation has one. The pages end on
    /// a page without one, or when `has_more` is `false`.
    NextLink {
        link: Path,
        param: Option<&'static str>,
        has_more: Option<Path>,
    },
    /// The response's `Link` header names the next page (`rel="next"`).
    LinkHeader,
    /// The query parameter `param` numbers the pages, the first being `first`. The pages end
    /// on an empty page, on a page shorter than the page size (its default, or the caller's
    /// where the spec's `maximum` says the server gives that many), or at the total the page
    /// gives. A response with a `Link` header is followed by that header instead (GitHub
    /// sends one where its spec does not say so).
    PageNumber {
        param: &'static str,
        first: u64,
        size: Option<PageSize>,
        total_pages: Option<Path>,
        total_items: Option<Path>,
    },
    /// The query parameter `param` is the offset of the page's first item; the pages end as
    /// for [`Rule::PageNumber`].
    Offset {
        param: &'static str,
        size: Option<PageSize>,
        total_items: Option<Path>,
    },
}

/// The query parameter that sets how many items a page has.
#[derive(Debug)]
pub(crate) struct PageSize {
    /// Its name.
    pub(crate) param: &'static str,
    /// Its default, where the spec gives one.
    pub(crate) default: Option<u64>,
    /// Its `maximum`, where the spec gives one: up to it, a page shorter than asked is the
    /// last; beyond it, or without it, the server may have given fewer than asked.
    pub(crate) maximum: Option<u64>,
}

/// One page, and what the response said besides its body.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Page<P> {
    /// The page, decoded.
    pub body: P,
    /// Its status, headers and request id.
    pub response: ResponseInfo,
}

type Fetch<P> = Pin<Box<dyn Future<Output = Result<(P, ResponseInfo, Bytes), Error>> + Send>>;

enum State<P> {
    /// The first request could not be built (its body does not serialize): the one item.
    Unsent(Error),
    /// The request is set for the next page.
    Ready,
    Fetching(Fetch<P>),
    Done,
}

/// The pages of a list operation, fetched one at a time as they are asked for: a
/// [`Stream`] of [`Page`]s, or [`Pages::next_page`] without a futures crate.
///
/// A page that fails (after the client's retries) is the last item of the stream: the error,
/// after the pages already read. The pages also end when the next page's cursor or link repeats
/// one already followed, or when a page is the one before it again (a server that ignores the
/// page number), so that no server can loop a caller forever.
pub struct Pages<P> {
    transport: Transport,
    request: Request,
    paging: &'static Paging,
    state: State<P>,
    /// Items in the pages read so far.
    seen: u64,
    /// The cursors and links followed so far.
    followed: Vec<String>,
    /// A hash of the last page's body: a page that repeats the one before ends the pages.
    last_body: Option<u64>,
}

// No field is pinned: the future is boxed.
impl<P> Unpin for Pages<P> {}

impl<P> fmt::Debug for Pages<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("paging", &self.paging)
            .field("items_read", &self.seen)
            .field("ended", &matches!(self.state, State::Done))
            .finish_non_exhaustive()
    }
}

impl<P: DeserializeOwned + Send + 'static> Pages<P> {
    /// The pages of `request`, the first page's request as the caller set it (or why it could
    /// not be built, which is then the stream's one item).
    pub(crate) fn new(
        transport: Transport,
        request: Result<Request, Error>,
        paging: &'static Paging,
    ) -> Self {
        let (request, state) = match request {
            Ok(request) => (request, State::Ready),
            Err(error) => (
                Request::new(reqwest::Method::GET, ""),
                State::Unsent(error),
            ),
        };
        Pages {
            transport,
            request,
            paging,
            state,
            seen: 0,
            followed: Vec::new(),
            last_body: None,
        }
    }

    /// The next page, `None` after the last: what `StreamExt::next` gives, without a
    /// dependency on a futures crate (`while let Some(page) = pages.next_page().await`).
    pub async fn next_page(&mut self) -> Option<Result<Page<P>, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The items of every page, one at a time; `items` takes them out of a page.
    pub(crate) fn items<T>(self, items: fn(P) -> Vec<T>) -> Items<P, T> {
        Items {
            pages: self,
            items,
            buffered: VecDeque::new(),
        }
    }

    /// Sets the request up for the page after `body`, or ends the pages (with an error item
    /// to come when the page's link to the next cannot be followed). `false`: the page is the
    /// one before again, not to be read twice.
    fn advance(&mut self, body: &[u8], info: &ResponseInfo) -> Result<bool, Error> {
        let marks = Marks::read(body, self.paging).map_err(|error| {
            Error::decode(info.status, error, body, info.request_id.clone())
        })?;
        self.state = State::Done;
        // A server that ignores the page parameter answers the same page again and again.
        let hash = {
            let mut hasher = std::hash::DefaultHasher::new();
            std::hash::Hash::hash(body, &mut hasher);
            std::hash::Hasher::finish(&hasher)
        };
        if self.last_body.replace(hash) == Some(hash) {
            return Ok(false);
        }
        self.seen += marks.count;
        match self.next(&marks, info) {
            Some(Next::Query(param, value)) if !self.followed.contains(&value) => {
                self.followed.push(value.clone());
                self.request.set_query(param, value);
                self.state = State::Ready;
            }
            Some(Next::Url(url)) if !self.followed.contains(&url) => {
                match self
                    .transport
                    .url_of(&self.request)
                    .ok()
                    .and_then(|current| current.join(&url).ok())
                {
                    Some(joined) => {
                        self.followed.push(url);
                        self.request.set_url(joined);
                        self.state = State::Ready;
                    }
                    None => {
                        let message = format!("the link to the next page, `{url}`, is not a URL");
                        self.state = State::Unsent(Error::decode(
                            info.status,
                            message,
                            body,
                            info.request_id.clone(),
                        ));
                    }
                }
            }
            _ => {}
        }
        Ok(true)
    }

    /// Whether the caller asked for the pages before a cursor (`ending_before`).
    fn going_back(&self) -> bool {
        self.backward()
            .is_some_and(|backward| self.request.query_value(backward).is_some())
    }

    /// The parameter that pages backwards.
    fn backward(&self) -> Option<&'static str> {
        match &self.paging.rule {
            Rule::Cursor { backward, .. } | Rule::LastItem { backward, .. } => *backward,
            _ => None,
        }
    }

    /// Where the page after this one is, by the operation's rule.
    fn next(&self, marks: &Marks, info: &ResponseInfo) -> Option<Next> {
        let going_back = self.going_back();
        let total_reached = |total_items: &Option<Path>| {
            total_items
                .and_then(|path| marks.number(path))
                .is_some_and(|total| self.seen >= total)
        };
        let short = |size: &Option<PageSize>| {
            size.as_ref()
                .and_then(|size| match self.number_param(size.param) {
                    // A server may cap what the caller asks for (GitHub's `per_page` at 100,
                    // said only in words): a shorter page is the last only up to the maximum.
                    Some(asked) => size.maximum.filter(|maximum| asked <= *maximum).map(|_| asked),
                    None => size.default,
                })
                .is_some_and(|size| marks.count < size)
        };
        let link_header = || {
            let mut values = info
                .headers
                .get_all(reqwest::header::LINK)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .peekable();
            values.peek()?;
            Some(values.find_map(next_link).map(Next::Url))
        };
        match &self.paging.rule {
            Rule::Cursor {
                param,
                cursor,
                has_more,
                ..
            } => {
                // The page's cursor leads forwards: a caller who pages backwards gets the page
                // asked for.
                if marks.said_no_more(*has_more) || going_back {
                    return None;
                }
                let cursor = marks.text(cursor)?;
                Some(Next::Query(param, cursor))
            }
            Rule::LastItem {
                param,
                has_more,
                backward,
                ..
            } => {
                if marks.count == 0 || marks.said_no_more(*has_more) {
                    return None;
                }
                // Backwards (`ending_before`), the next page is the one before the first item,
                // and `has_more` says whether there are items before it (Stripe).
                match backward {
                    Some(backward) if going_back => {
                        let first = marks.first_field.as_ref().and_then(scalar_text)?;
                        Some(Next::Query(backward, first))
                    }
                    _ => {
                        let last = marks.last_field.as_ref().and_then(scalar_text)?;
                        Some(Next::Query(param, last))
                    }
                }
            }
            Rule::NextLink {
                link,
                param,
                has_more,
            } => {
                if marks.said_no_more(*has_more) {
                    return None;
                }
                let link = marks.text(link)?;
                match param {
                    // A token may start with `/` (base64): with a parameter to send tokens in,
                    // only an absolute URL or a query is a link.
                    Some(param) if !link.contains("://") && !link.starts_with('?') => {
                        Some(Next::Query(param, link))
                    }
                    _ => Some(Next::Url(link)),
                }
            }
            Rule::LinkHeader => {
                link_header().flatten()
            }
            Rule::PageNumber {
                param,
                first,
                size,
                total_pages,
                total_items,
            } => {
                if let Some(next) = link_header() {
                    return next;
                }
                let current = self.number_param(param).unwrap_or(*first);
                // Pages `first ..= first + total - 1`.
                let last_page = total_pages
                    .and_then(|path| marks.number(path))
                    .is_some_and(|pages| (current + 1).saturating_sub(*first) >= pages);
                if marks.count == 0 || last_page || total_reached(total_items) || short(size) {
                    return None;
                }
                Some(Next::Query(param, (current + 1).to_string()))
            }
            Rule::Offset {
                param,
                size,
                total_items,
            } => {
                if let Some(next) = link_header() {
                    return next;
                }
                let current = self.number_param(param).unwrap_or(0);
                let next = current + marks.count;
                let total = total_items
                    .and_then(|path| marks.number(path))
                    .is_some_and(|total| next >= total);
                if marks.count == 0 || total || short(size) {
                    return None;
                }
                Some(Next::Query(param, next.to_string()))
            }
        }
    }

    /// The query parameter `name` of the current request, as a number.
    fn number_param(&self, name: &str) -> Option<u64> {
        self.request.query_value(name)?.trim().parse().ok()
    }
}

/// What the next request changes.
enum Next {
    /// Sets this query parameter.
    Query(&'static str, String),
    /// Goes to this URL.
    Url(String),
}

/// The `rel="next"` target of a `Link` header value (RFC 8288), if it has one. Parameter
/// values may be quoted strings, in which `;` and `,` are text.
fn next_link(header: &str) -> Option<String> {
    let mut rest = header;
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        let opened = rest.strip_prefix('<')?;
        let close = opened.find('>')?;
        let target = &opened[..close];
        rest = &opened[close + 1..];
        let mut is_next = false;
        while let Some(after) = rest.trim_start().strip_prefix(';') {
            let after = after.trim_start();
            let name_end = after.find(['=', ';', ',']).unwrap_or(after.len());
            let name = after[..name_end].trim();
            rest = &after[name_end..];
            let mut value = String::new();
            if let Some(given) = rest.strip_prefix('=') {
                let given = given.trim_start();
                if let Some(quoted) = given.strip_prefix('"') {
                    let mut escaped = false;
                    let mut end = quoted.len();
                    for (at, c) in quoted.char_indices() {
                        if escaped {
                            value.push(c);
                            escaped = false;
                        } else if c == '\\' {
                            escaped = true;
                        } else if c == '"' {
                            end = at + 1;
                            break;
                        } else {
                            value.push(c);
                        }
                    }
                    rest = &quoted[end..];
                } else {
                    let end = given.find([';', ',']).unwrap_or(given.len());
                    value = given[..end].trim().to_owned();
                    rest = &given[end..];
                }
            }
            if name.eq_ignore_ascii_case("rel")
                && value
                    .split_ascii_whitespace()
                    .any(|rel| rel.eq_ignore_ascii_case("next"))
            {
                is_next = true;
            }
        }
        if is_next {
            return Some(target.to_owned());
        }
        rest = &rest[rest.find(',')?..];
    }
}

impl<P: DeserializeOwned + Send + 'static> Stream for Pages<P> {
    type Item = Result<Page<P>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            match &mut this.state {
                State::Done => return Poll::Ready(None),
                State::Unsent(_) => {
                    if let State::Unsent(error) = std::mem::replace(&mut this.state, State::Done) {
                        return Poll::Ready(Some(Err(error)));
                    }
                }
                State::Ready => {
                    let transport = this.transport.clone();
                    let request = this.request.clone();
                    this.state = State::Fetching(Box::pin(async move {
                        transport.json_with_info::<P>(&request).await
                    }));
                }
                State::Fetching(fetch) => {
                    let fetched = std::task::ready!(fetch.as_mut().poll(cx));
                    this.state = State::Done;
                    let (body, response, bytes) = match fetched {
                        Ok(fetched) => fetched,
                        Err(error) => return Poll::Ready(Some(Err(error))),
                    };
                    return Poll::Ready(match this.advance(&bytes, &response) {
                        Ok(true) => Some(Ok(Page { body, response })),
                        // The page the one before was: its items are read already.
                        Ok(false) => None,
                        Err(error) => Some(Err(error)),
                    });
                }
            }
        }
    }
}

/// Every item of a list operation's pages, fetched a page at a time as they are asked for: a
/// [`Stream`] of items, or [`Items::next_item`] without a futures crate. A page that fails
/// ends the stream with its error, after the items of the pages before it.
pub struct Items<P, T> {
    pages: Pages<P>,
    items: fn(P) -> Vec<T>,
    buffered: VecDeque<T>,
}

// No field is pinned.
impl<P, T> Unpin for Items<P, T> {}

impl<P, T> fmt::Debug for Items<P, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items")
            .field("pages", &self.pages)
            .field("buffered", &self.buffered.len())
            .finish_non_exhaustive()
    }
}

impl<P: DeserializeOwned + Send + 'static, T> Items<P, T> {
    /// The next item, `None` after the last: what `StreamExt::next` gives, without a
    /// dependency on a futures crate (`while let Some(item) = items.next_item().await`).
    pub async fn next_item(&mut self) -> Option<Result<T, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Reads the items of every page into one list; the first error is returned instead.
    pub async fn collect_all(mut self) -> Result<Vec<T>, Error> {
        let mut all = Vec::new();
        while let Some(item) = self.next_item().await {
            all.push(item?);
        }
        Ok(all)
    }
}

impl<P: DeserializeOwned + Send + 'static, T> Stream for Items<P, T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(item) = this.buffered.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            match std::task::ready!(Pin::new(&mut this.pages).poll_next(cx)) {
                None => return Poll::Ready(None),
                Some(Err(error)) => return Poll::Ready(Some(Err(error))),
                Some(Ok(page)) => this.buffered.extend((this.items)(page.body)),
            }
        }
    }
}

/// What a page says about the next one, read from its JSON: the members the rule names, how
/// many items it has, and a member of its last item. The rest of the page is skipped unread.
#[derive(Debug, Default)]
struct Marks {
    /// The top-level members the rule's paths start with.
    members: Vec<(&'static str, Value)>,
    /// The number of items.
    count: u64,
    /// The member of the last item that [`Rule::LastItem`] names.
    last_field: Option<Value>,
    /// The same member of the first item, for paging backwards.
    first_field: Option<Value>,
}

impl Marks {
    fn read(body: &[u8], paging: &'static Paging) -> Result<Marks, serde_json::Error> {
        let (paths, last_field): (Vec<Path>, Option<&'static str>) = match &paging.rule {
            Rule::Cursor {
                cursor, has_more, ..
            } => ([Some(*cursor), *has_more].into_iter().flatten().collect(), None),
            Rule::LastItem {
                field, has_more, ..
            } => (has_more.iter().copied().collect(), Some(*field)),
            Rule::NextLink { link, has_more, .. } => (
                [Some(*link), *has_more].into_iter().flatten().collect(),
                None,
            ),
            Rule::LinkHeader => (Vec::new(), None),
            Rule::PageNumber {
                total_pages,
                total_items,
                ..
            } => (
                [*total_pages, *total_items].into_iter().flatten().collect(),
                None,
            ),
            Rule::Offset { total_items, .. } => (total_items.iter().copied().collect(), None),
        };
        let mut marks = Marks::default();
        let mut deserializer = serde_json::Deserializer::from_slice(body);
        TopLevel {
            paths: &paths,
            items: paging.items,
            last_field,
            marks: &mut marks,
        }
        .deserialize(&mut deserializer)?;
        Ok(marks)
    }

    fn at(&self, path: Path) -> Option<&Value> {
        let (first, rest) = path.split_first()?;
        let mut value = &self.members.iter().find(|(name, _)| name == first)?.1;
        for name in rest {
            value = value.get(name)?;
        }
        Some(value)
    }

    /// The text at `path`: a string or a number; `None` for null, absent or empty.
    fn text(&self, path: Path) -> Option<String> {
        self.at(path)
            .and_then(scalar_text)
            .filter(|text| !text.is_empty())
    }

    /// The number at `path`, also when written as a string.
    fn number(&self, path: Path) -> Option<u64> {
        match self.at(path)? {
            Value::Number(number) => number.as_u64(),
            Value::String(text) => text.trim().parse().ok(),
            _ => None,
        }
    }

    /// Whether the page says there are no more pages (its `has_more` is `false`).
    fn said_no_more(&self, has_more: Option<Path>) -> bool {
        has_more.and_then(|path| self.at(path)) == Some(&Value::Bool(false))
    }
}

/// Reads the top level of a page: an object whose wanted members are kept and whose items are
/// counted, or an array of items.
struct TopLevel<'a> {
    paths: &'a [Path],
    items: Option<&'static str>,
    last_field: Option<&'static str>,
    marks: &'a mut Marks,
}

impl<'de> DeserializeSeed<'de> for TopLevel<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TopLevel<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a page of a list")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if self.items == Some(key.as_ref()) {
                let (count, first, last) = map.next_value_seed(CountItems(self.last_field))?;
                self.marks.count = count;
                self.marks.first_field = first;
                self.marks.last_field = last;
            } else if let Some(path) = self.paths.iter().find(|path| path.first() == Some(&key.as_ref())) {
                let value: Value = map.next_value()?;
                self.marks.members.push((path[0], value));
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let (count, first, last) = CountItems(self.last_field).visit_seq(seq)?;
        self.marks.count = count;
        self.marks.first_field = first;
        self.marks.last_field = last;
        Ok(())
    }
}

/// Counts the items of an array, keeping a member of the last one.
struct CountItems(Option<&'static str>);

/// How many items a page has, and a member of its first and of its last.
type Counted = (u64, Option<Value>, Option<Value>);

impl<'de> DeserializeSeed<'de> for CountItems {
    type Value = Counted;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CountItems {
    type Value = Counted;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the items of a page")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok((0, None, None))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut count = 0;
        let mut first = None;
        let mut last = None;
        loop {
            let item = match self.0 {
                Some(field) => seq.next_element_seed(MemberOf(field))?,
                None => seq.next_element::<IgnoredAny>()?.map(|_| None),
            };
            match item {
                Some(member) => {
                    count += 1;
                    if count == 1 {
                        first.clone_from(&member);
                    }
                    last = member;
                }
                None => return Ok((count, first, last)),
            }
        }
    }
}

/// One member of an object (`None` for anything else), the rest skipped.
struct MemberOf(&'static str);

impl<'de> DeserializeSeed<'de> for MemberOf {
    type Value = Option<Value>;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MemberOf {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an item of a page")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == self.0 {
                found = Some(map.next_value()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header_next_is_found_among_other_relations() {
        let header = r#"<https://api.example.com/x?page=1>; rel="prev", <https://api.example.com/x?page=3&per_page=2>; rel="next", <https://api.example.com/x?page=9>; rel="last""#;
        assert_eq!(
            next_link(header).as_deref(),
            Some("https://api.example.com/x?page=3&per_page=2")
        );
        assert_eq!(next_link(r#"</a,b>; rel="first next""#).as_deref(), Some("/a,b"));
        assert_eq!(next_link(r#"<https://x/y>; rel="last""#), None);
        assert_eq!(next_link("garbage"), None);
        // `;` and `,` inside a quoted value are text, not separators.
        assert_eq!(
            next_link(r#"</wrong>; title="see; rel=next, or not", </right>; rel="next""#).as_deref(),
            Some("/right")
        );
        assert_eq!(next_link("</a>;rel=next,</b>;rel=last").as_deref(), Some("/a"));
        assert_eq!(next_link(r#"</a>; rel="last", </b>; rel=NEXT"#).as_deref(), Some("/b"));
    }

    static CURSOR: Paging = Paging {
        rule: Rule::Cursor {
            param: "cursor",
            cursor: &["meta", "next"],
            has_more: Some(&["has_more"]),
            backward: None,
        },
        items: Some("data"),
    };

    #[test]
    fn marks_keep_only_what_the_rule_reads() {
        let body = br#"{"data":[{"id":"a"},{"id":"b"},3],"big":{"x":[1,2,3]},"meta":{"next":"c2"},"has_more":true}"#;
        let marks = Marks::read(body, &CURSOR).unwrap();
        assert_eq!(marks.count, 3);
        assert_eq!(marks.text(&["meta", "next"]).as_deref(), Some("c2"));
        assert!(!marks.said_no_more(Some(&["has_more"])));
        assert_eq!(marks.members.len(), 2);
    }

    static LAST: Paging = Paging {
        rule: Rule::LastItem {
            param: "after",
            field: "id",
            has_more: None,
            backward: None,
        },
        items: None,
    };

    #[test]
    fn a_bare_array_is_counted_and_its_last_id_kept() {
        let marks = Marks::read(br#"[{"id":1,"n":{"id":9}},{"name":"x","id":"z"}]"#, &LAST).unwrap();
        assert_eq!(marks.count, 2);
        assert_eq!(marks.last_field, Some(Value::String("z".into())));
        assert!(Marks::read(b"[1, 2", &LAST).is_err());
    }
}

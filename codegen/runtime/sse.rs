//! Server-Sent Events: an incremental byte-level decoder, and a stream of typed events on top.
//!
//! The decoder follows the parsing rules of the WHATWG HTML standard ("server-sent events"),
//! so it accepts everything a browser's `EventSource` accepts. [`EventStream`] adds the
//! conventions of OpenAI-style streaming APIs: a `[DONE]` data payload ends the stream, and an
//! error object (or an `error` event) ends it with an error.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::{Stream, TryStreamExt};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::{ApiError, Error};
use super::merge::{Accumulator, Merge};

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` name, or `None` when the event did not name itself (a plain "message").
    pub event: Option<String>,
    /// The event's `data:` lines, joined with `\n`.
    pub data: String,
    /// The last event id the stream has set so far; as in browsers, an id carries over to the
    /// events after it until another `id:` line changes it (an empty `id:` clears it).
    pub id: Option<String>,
}

/// Incremental, byte-level SSE parser (WHATWG HTML "server-sent events" parsing rules).
///
/// Feed it bytes as they arrive with [`feed`](Self::feed), in chunks of any size and split
/// anywhere, then take events with [`next_event`](Self::next_event) until it returns `None`.
/// Bytes are decoded as UTF-8 only per event, lossily, so a chunk boundary inside a character
/// or invalid input is never a problem. Memory stays bounded by the largest event: consumed
/// bytes are dropped as new ones arrive.
#[derive(Debug, Default)]
pub struct SseDecoder {
    /// Received bytes; everything before `retained_from()` is consumed and may be dropped.
    buf: Vec<u8>,
    /// Start of the first line not processed yet.
    pos: usize,
    /// `buf[pos..scanned]` is known to hold no line end, so a partial line is scanned once.
    scanned: usize,
    /// The last line ended with `\r`; a `\n` right after it belongs to the same line end, even
    /// when it arrives in the next chunk.
    skip_lf: bool,
    /// Whether the start of the stream was checked for a byte order mark.
    bom_checked: bool,
    /// The data buffer of the event being assembled.
    data: Data,
    /// Joined data lines, used only when an event has more than one; reused between events.
    joined: Vec<u8>,
    /// The value of the event's `event:` line, as a range of `buf`.
    event_type: Option<Range<usize>>,
    /// The last event id buffer, which outlives events.
    last_id: Option<String>,
}

/// Where the data of the event being assembled is.
///
/// The common event has one `data:` line; pointing into the receive buffer instead of copying it
/// saves a copy per event, which matters for long streams of small chunks.
#[derive(Debug, Default)]
enum Data {
    /// No `data:` line yet: the event will not be dispatched.
    #[default]
    None,
    /// Exactly one `data:` line, whose value is this range of `buf`.
    Line(Range<usize>),
    /// Several lines, joined in `joined`.
    Joined,
}

/// An event taken out of the decoder, still as ranges so that `next_raw` can borrow afterwards.
struct Dispatched {
    event: Option<Range<usize>>,
    data: Data,
}

/// A dispatched event borrowing the decoder's buffers: the zero-copy form `EventStream` decodes.
struct RawEvent<'a> {
    event: Option<&'a [u8]>,
    data: &'a [u8],
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl SseDecoder {
    /// An empty decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Append received bytes; they are parsed lazily by [`next_event`](Self::next_event).
    pub fn feed(&mut self, chunk: &[u8]) {
        let keep = self.retained_from();
        // Drop consumed bytes only once they are at least half the buffer: each byte then moves
        // a bounded number of times in total, however small the chunks are, while the buffer
        // stays within twice the size of what is still needed.
        if keep > 0 && keep >= self.buf.len() - keep {
            self.buf.drain(..keep);
            self.pos -= keep;
            self.scanned -= keep;
            if let Data::Line(range) = &mut self.data {
                *range = range.start - keep..range.end - keep;
            }
            if let Some(range) = &mut self.event_type {
                *range = range.start - keep..range.end - keep;
            }
        }
        self.buf.extend_from_slice(chunk);
    }

    /// The next complete event in what was fed so far, or None when more bytes are needed.
    pub fn next_event(&mut self) -> Option<SseEvent> {
        let raw = self.next_raw()?;
        let event = raw.event.map(lossy);
        let data = lossy(raw.data);
        Some(SseEvent {
            event,
            data,
            id: self.last_id.clone(),
        })
    }

    /// The first byte still needed: the unprocessed input, or an event line a range points to.
    fn retained_from(&self) -> usize {
        let mut keep = self.pos;
        if let Data::Line(range) = &self.data {
            keep = keep.min(range.start);
        }
        if let Some(range) = &self.event_type {
            keep = keep.min(range.start);
        }
        keep
    }

    /// Like `next_event`, but borrowing the data instead of copying it into a `String`.
    fn next_raw(&mut self) -> Option<RawEvent<'_>> {
        if !self.bom_checked {
            let head = &self.buf[self.pos..];
            if head.len() < BOM.len() && BOM.starts_with(head) {
                // Could still become a byte order mark; decide once more bytes are here.
                return None;
            }
            if head.starts_with(BOM) {
                self.pos += BOM.len();
                self.scanned = self.scanned.max(self.pos);
            }
            self.bom_checked = true;
        }
        loop {
            if self.skip_lf {
                match self.buf.get(self.pos) {
                    Some(&byte) => {
                        self.skip_lf = false;
                        if byte == b'\n' {
                            self.pos += 1;
                            self.scanned = self.scanned.max(self.pos);
                        }
                    }
                    None => return None,
                }
            }
            let Some(offset) = find_line_end(&self.buf[self.scanned..]) else {
                self.scanned = self.buf.len();
                return None;
            };
            let end = self.scanned + offset;
            let line = self.pos..end;
            self.skip_lf = self.buf[end] == b'\r';
            self.pos = end + 1;
            self.scanned = self.pos;
            if line.is_empty() {
                if let Some(dispatched) = self.dispatch() {
                    return Some(self.view(dispatched));
                }
            } else {
                self.process_field(line);
            }
        }
    }

    /// End the event being assembled (an empty line was read); `None` when it had no data.
    fn dispatch(&mut self) -> Option<Dispatched> {
        let event = self.event_type.take();
        match std::mem::take(&mut self.data) {
            Data::None => None,
            data => Some(Dispatched { event, data }),
        }
    }

    fn view(&self, dispatched: Dispatched) -> RawEvent<'_> {
        let data = match dispatched.data {
            Data::None => &[][..],
            Data::Line(range) => &self.buf[range],
            Data::Joined => &self.joined[..],
        };
        RawEvent {
            // An empty `event:` value means the default type, the same as no `event:` line.
            event: dispatched
                .event
                .map(|range| &self.buf[range])
                .filter(|name| !name.is_empty()),
            data,
        }
    }

    /// Apply one non-empty line (`line` excludes its line end).
    fn process_field(&mut self, line: Range<usize>) {
        let bytes = &self.buf[line.clone()];
        if bytes.first() == Some(&b':') {
            return; // a comment, used by servers as a keep-alive
        }
        let (name_len, value_start) = match bytes.iter().position(|&byte| byte == b':') {
            Some(colon) if bytes.get(colon + 1) == Some(&b' ') => (colon, colon + 2),
            Some(colon) => (colon, colon + 1),
            None => (bytes.len(), bytes.len()),
        };
        let value = line.start + value_start..line.end;
        match &bytes[..name_len] {
            b"data" => self.push_data(value),
            b"event" => self.event_type = Some(value),
            b"id" => {
                let id = &self.buf[value];
                // The standard ignores ids containing NUL: they could not be sent back in a
                // `Last-Event-ID` header.
                if !id.contains(&0) {
                    self.last_id = (!id.is_empty()).then(|| lossy(id));
                }
            }
            // `retry:` sets the reconnection delay of a browser's EventSource; this client does
            // not reconnect on its own, so it is ignored like unknown fields.
            _ => {}
        }
    }

    fn push_data(&mut self, value: Range<usize>) {
        self.data = match std::mem::take(&mut self.data) {
            Data::None => Data::Line(value),
            Data::Line(first) => {
                self.joined.clear();
                self.joined.extend_from_slice(&self.buf[first]);
                self.joined.push(b'\n');
                self.joined.extend_from_slice(&self.buf[value]);
                Data::Joined
            }
            Data::Joined => {
                self.joined.push(b'\n');
                self.joined.extend_from_slice(&self.buf[value]);
                Data::Joined
            }
        };
    }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn is_line_end(byte: u8) -> bool {
    byte == b'\n' || byte == b'\r'
}

/// The offset of the first `\n` or `\r`.
///
/// Data lines are long, so this is the decoder's hot loop. It tests whole 16-byte blocks
/// without an early exit, which the compiler vectorises, and only for bytes below 0x0E: a single
/// comparison that line ends pass and JSON text almost never does (a tab may, so a hit is
/// confirmed byte by byte). This is several times faster than `position` over the bytes.
fn find_line_end(haystack: &[u8]) -> Option<usize> {
    const BLOCK: usize = 16;
    let mut blocks = haystack.chunks_exact(BLOCK);
    let mut offset = 0;
    for block in &mut blocks {
        let maybe = block
            .iter()
            .fold(false, |maybe, &byte| maybe | (byte < 0x0E));
        if maybe && let Some(at) = block.iter().position(|&byte| is_line_end(byte)) {
            return Some(offset + at);
        }
        offset += BLOCK;
    }
    let rest = blocks.remainder();
    rest.iter()
        .position(|&byte| is_line_end(byte))
        .map(|at| offset + at)
}

/// Whether `data` contains `"error"` with unescaped quotes: a key (or the string value) that
/// an error object has, and that ordinary chunks almost never have.
///
/// It runs on every event, so it first looks, block-wise like `find_line_end`, for the pair
/// `rr`, which ordinary chunks rarely contain, and searches for the whole key only after a hit.
fn mentions_error_key(data: &[u8]) -> bool {
    const KEY: &[u8] = b"\"error\"";
    const BLOCK: usize = 16;
    let exact = || data.windows(KEY.len()).any(|window| window == KEY);
    let Some(next) = data.get(1..) else {
        return false;
    };
    // Byte i of `next` is the byte after byte i of `data`, so zipping gives every pair.
    let mut firsts = data.chunks_exact(BLOCK);
    let mut seconds = next.chunks_exact(BLOCK);
    let mut paired = 0;
    for (first, second) in (&mut firsts).zip(&mut seconds) {
        let hit = first
            .iter()
            .zip(second)
            .fold(false, |hit, (&a, &b)| hit | ((a == b'r') & (b == b'r')));
        if hit {
            return exact();
        }
        paired += BLOCK;
    }
    data[paired..].windows(2).any(|pair| pair == b"rr") && exact()
}

/// Whether a data payload is an error object: a JSON object with a non-null `error` member,
/// the check the official OpenAI SDKs make on each streamed payload.
fn is_error_object(data: &[u8]) -> bool {
    mentions_error_key(data)
        && serde_json::from_slice::<serde_json::Value>(data)
            .is_ok_and(|value| value.get("error").is_some_and(|error| !error.is_null()))
}

type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, Error>> + Send>>;

/// A stream of typed events decoded from an SSE body; ends after the `[DONE]` sentinel.
///
/// Each event's data is decoded as JSON into `T`. The stream yields:
///
/// - `Ok(item)` for each event;
/// - `Err(Error::Decode { .. })` for an event whose data is not a `T`, and then **goes on** with
///   the next event: one unreadable event (say, a field this client does not know the shape
///   of) must not cost the rest of a long answer. Stop reading if you would rather give up;
/// - `Err(Error::Api(..))` when the server sends an error in the stream (an `error` event, or
///   a payload that is an object with an `error` member), and then ends;
/// - `Err(Error::StreamEnded { .. })` when the body ends before `[DONE]`, and then ends, so a
///   connection cut mid-answer is never mistaken for a complete answer;
/// - the error of the underlying body when reading it fails, and then ends.
///
/// Events with empty data carry nothing to decode and are skipped. After the stream ends it
/// returns `None` and no longer reads the body.
pub struct EventStream<T> {
    /// The body; `None` once the stream has ended, which also releases the connection.
    body: Option<ByteStream>,
    decoder: SseDecoder,
    status: u16,
    request_id: Option<String>,
    events: u64,
    // `fn() -> T`: the stream produces `T`s but stores none, so it is `Send` and `Unpin` for
    // any `T`.
    item: PhantomData<fn() -> T>,
}

/// What one event means for the stream.
enum Step<T> {
    Item(T),
    Skip,
    /// An error after which the stream goes on.
    Error(Error),
    /// An error after which the stream ends.
    Fatal(Error),
    Done,
}

impl<T: DeserializeOwned> EventStream<T> {
    /// Decode an SSE byte stream obtained elsewhere (also used by benchmarks and tests).
    ///
    /// `status` and `request_id` are those of the HTTP response the body belongs to; errors
    /// from the stream carry them.
    pub fn from_byte_stream<S, E>(bytes: S, status: u16, request_id: Option<String>) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<Error> + 'static,
    {
        EventStream {
            body: Some(Box::pin(bytes.map_err(Into::into))),
            decoder: SseDecoder::new(),
            status,
            request_id,
            events: 0,
            item: PhantomData,
        }
    }

    /// The `x-request-id` of the response.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The next item of the stream, `None` once it has ended: what `StreamExt::next` gives,
    /// without a dependency on a futures crate
    /// (`while let Some(event) = events.next_event().await`). Named apart from `next` so
    /// that `StreamExt::next`, which `futures::select!` needs (`Unpin`, fused), is not hidden.
    pub async fn next_event(&mut self) -> Option<Result<T, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    fn step(event: RawEvent<'_>, status: u16, request_id: &Option<String>) -> Step<T> {
        let data = event.data;
        // `starts_with`, as the official SDKs check: no JSON document starts with `[DONE`.
        if data.starts_with(b"[DONE]") {
            return Step::Done;
        }
        if event.event == Some(b"error") || is_error_object(data) {
            let error = ApiError::new(status, data, request_id.clone());
            return Step::Fatal(Error::Api(Box::new(error)));
        }
        if data.is_empty() {
            return Step::Skip;
        }
        match serde_json::from_slice(data) {
            Ok(item) => Step::Item(item),
            // The standard decodes the stream as UTF-8 with replacement characters; doing that
            // only after a failure keeps valid input to a single pass.
            Err(error) => {
                let repaired = std::str::from_utf8(data)
                    .is_err()
                    // `from_slice` again, not `from_str`: one deserializer less to compile
                    // every event type for.
                    .then(|| serde_json::from_slice(String::from_utf8_lossy(data).as_bytes()).ok())
                    .flatten();
                match repaired {
                    Some(item) => Step::Item(item),
                    None => Step::Error(Error::decode(status, error, data, request_id.clone())),
                }
            }
        }
    }
}

impl<T: DeserializeOwned + Serialize + Merge> EventStream<T> {
    /// Reads the whole stream and merges its events into one value of the event type: the
    /// answer the deltas add up to, as [`crate::runtime::merge`] describes (text and tool-call
    /// arguments concatenated, elements merged by their `index`, everything else the last
    /// value sent).
    ///
    /// Any error item of the stream is returned as it is, so an answer cut short or an error
    /// event is never mistaken for a complete value; so is an event that does not decode. To
    /// show the answer while it arrives, push the events into an [`Accumulator`] instead.
    pub async fn merged(mut self) -> Result<T, Error> {
        let mut merged = Accumulator::new();
        while let Some(event) = self.next_event().await {
            merged.push(&event?)?;
        }
        merged.finish()
    }
}

impl<T> fmt::Debug for EventStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("events", &self.events)
            .field("ended", &self.body.is_none())
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned> Stream for EventStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            let Some(body) = this.body.as_mut() else {
                return Poll::Ready(None);
            };
            // Events already received go out before the body is read further, so an error or
            // the end of the body never hides them.
            if let Some(event) = this.decoder.next_raw() {
                this.events += 1;
                match Self::step(event, this.status, &this.request_id) {
                    Step::Item(item) => return Poll::Ready(Some(Ok(item))),
                    Step::Skip => continue,
                    Step::Error(error) => return Poll::Ready(Some(Err(error))),
                    Step::Fatal(error) => {
                        this.body = None;
                        return Poll::Ready(Some(Err(error)));
                    }
                    Step::Done => {
                        this.body = None;
                        return Poll::Ready(None);
                    }
                }
            }
            match body.as_mut().poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(chunk))) => this.decoder.feed(&chunk),
                Poll::Ready(Some(Err(error))) => {
                    this.body = None;
                    return Poll::Ready(Some(Err(error)));
                }
                Poll::Ready(None) => {
                    this.body = None;
                    let events = this.events;
                    return Poll::Ready(Some(Err(Error::StreamEnded { events })));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::{StreamExt, stream};
    use serde::Deserialize;

    fn decode_chunks(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut decoder = SseDecoder::new();
        let mut events = Vec::new();
        for chunk in chunks {
            decoder.feed(chunk);
            while let Some(event) = decoder.next_event() {
                events.push(event);
            }
        }
        events
    }

    fn decode_all(input: &[u8]) -> Vec<SseEvent> {
        decode_chunks(&[input])
    }

    fn decode_bytewise(input: &[u8]) -> Vec<SseEvent> {
        let chunks: Vec<&[u8]> = input.chunks(1).collect();
        decode_chunks(&chunks)
    }

    fn data(events: &[SseEvent]) -> Vec<&str> {
        events.iter().map(|event| event.data.as_str()).collect()
    }

    #[test]
    fn lf_crlf_and_cr_all_end_lines() {
        for input in [
            &b"data: a\n\ndata: b\n\n"[..],
            b"data: a\r\n\r\ndata: b\r\n\r\n",
            b"data: a\r\rdata: b\r\r",
            b"data: a\r\n\ndata: b\r\r\n",
        ] {
            assert_eq!(data(&decode_all(input)), ["a", "b"], "{input:?}");
            assert_eq!(data(&decode_bytewise(input)), ["a", "b"], "{input:?}");
        }
    }

    #[test]
    fn cr_then_lf_in_the_next_chunk_is_one_line_end() {
        // Two line ends here would make an empty line and dispatch "a" on its own.
        let events = decode_chunks(&[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]);
        assert_eq!(data(&events), ["a\nb"]);
    }

    #[test]
    fn a_lone_cr_dispatches_without_waiting_for_more_bytes() {
        let mut decoder = SseDecoder::new();
        decoder.feed(b"data: a\r\r");
        assert_eq!(
            decoder.next_event().map(|event| event.data).as_deref(),
            Some("a")
        );
    }

    #[test]
    fn field_values_lose_exactly_one_leading_space() {
        let events = decode_all(b"data:tight\ndata: one\ndata:  two\ndata:a:b\n\n");
        assert_eq!(data(&events), ["tight\none\n two\na:b"]);
    }

    #[test]
    fn a_line_without_colon_is_a_field_with_an_empty_value() {
        // The standard makes `data` alone append an empty line, so this event has data "\n".
        let events = decode_all(b"data\ndata\n\nevent\ndata: x\n\n");
        assert_eq!(data(&events), ["\n", "x"]);
        assert_eq!(events[1].event, None);
    }

    #[test]
    fn a_single_empty_data_line_dispatches_an_empty_event() {
        let events = decode_all(b"data:\n\n");
        assert_eq!(data(&events), [""]);
    }

    #[test]
    fn comments_and_unknown_fields_are_ignored() {
        let events = decode_all(b": keep-alive\n\n:\ndata: a\n: between\nfoo: bar\ndata: b\n\n");
        assert_eq!(data(&events), ["a\nb"]);
        assert_eq!(events[0].event, None);
    }

    #[test]
    fn events_without_data_are_not_dispatched() {
        let events = decode_all(b"retry: 100\n\nid: 1\n\nevent: named\n\n\n\ndata: x\n\n");
        assert_eq!(data(&events), ["x"]);
        // The event type is reset by the empty line even though nothing was dispatched.
        assert_eq!(events[0].event, None);
        assert_eq!(events[0].id.as_deref(), Some("1"));
    }

    #[test]
    fn event_names_and_ids() {
        let events = decode_all(
            b"event: delta\nid: 7\ndata: a\n\ndata: b\n\nid: 8\0\nevent:\ndata: c\n\nid\ndata: d\n\n",
        );
        assert_eq!(data(&events), ["a", "b", "c", "d"]);
        assert_eq!(events[0].event.as_deref(), Some("delta"));
        assert_eq!(events[1].event, None, "the event name applies to one event");
        assert_eq!(events[1].id.as_deref(), Some("7"), "the id carries over");
        assert_eq!(events[2].event, None, "an empty name is the default type");
        assert_eq!(
            events[2].id.as_deref(),
            Some("7"),
            "an id with NUL is ignored"
        );
        assert_eq!(events[3].id, None, "an empty id clears it");
    }

    #[test]
    fn a_leading_byte_order_mark_is_skipped_even_when_split() {
        let input = b"\xEF\xBB\xBFdata: a\n\n";
        assert_eq!(data(&decode_all(input)), ["a"]);
        assert_eq!(data(&decode_bytewise(input)), ["a"]);
        // Only at the start: later, the mark is part of a field name, which is then unknown.
        let events = decode_all(b"\xEF\xBB\xBFdata: a\n\n\xEF\xBB\xBFdata: b\n\n");
        assert_eq!(data(&events), ["a"]);
        // Bytes that only start like a mark are kept.
        assert!(decode_chunks(&[b"\xEF", b"data: a\n\n"]).is_empty());
        assert_eq!(
            data(&decode_chunks(&[b"\xEF\xBB", b"x\ndata: a\n\n"])),
            ["a"]
        );
    }

    #[test]
    fn multi_byte_characters_split_across_chunks_survive() {
        let input = "data: héllo € 😀\n\n".as_bytes();
        assert_eq!(data(&decode_bytewise(input)), ["héllo € 😀"]);
    }

    #[test]
    fn invalid_utf8_is_decoded_lossily() {
        let events = decode_all(b"event: \xFFname\ndata: \xFF\xFE ok\n\n");
        assert_eq!(data(&events), ["\u{FFFD}\u{FFFD} ok"]);
        assert_eq!(events[0].event.as_deref(), Some("\u{FFFD}name"));
    }

    #[test]
    fn an_incomplete_event_waits_for_its_empty_line() {
        let mut decoder = SseDecoder::new();
        decoder.feed(b"data: a\n");
        assert_eq!(decoder.next_event(), None);
        decoder.feed(b"\n");
        assert_eq!(
            decoder.next_event().map(|event| event.data).as_deref(),
            Some("a")
        );
        assert_eq!(decoder.next_event(), None);
    }

    #[test]
    fn a_partial_line_is_scanned_only_once() {
        let mut decoder = SseDecoder::new();
        decoder.feed(b"data: aaaaaaaaaaaaaaaaaaaaaaaaa");
        assert_eq!(decoder.next_event(), None);
        assert_eq!(decoder.scanned, decoder.buf.len());
        decoder.feed(b"bbbb");
        assert_eq!(decoder.next_event(), None);
        assert_eq!(decoder.scanned, decoder.buf.len());
        decoder.feed(b"\n\n");
        assert_eq!(decoder.next_event().map(|event| event.data.len()), Some(29));
    }

    #[test]
    fn consumed_bytes_are_dropped() {
        let event = format!("data: {}\n\n", "x".repeat(1000));
        let mut decoder = SseDecoder::new();
        let mut largest = 0;
        for _ in 0..1000 {
            // Split each event so that a partial event is pending at every feed.
            let (head, tail) = event.as_bytes().split_at(600);
            decoder.feed(head);
            assert_eq!(decoder.next_event(), None);
            decoder.feed(tail);
            assert_eq!(
                decoder.next_event().map(|event| event.data.len()),
                Some(1000)
            );
            largest = largest.max(decoder.buf.len());
        }
        assert!(largest <= 2 * event.len(), "buffer grew to {largest} bytes");
    }

    #[test]
    fn a_pending_multi_line_event_survives_compaction() {
        let mut decoder = SseDecoder::new();
        decoder.feed(b"data: old\n\nevent: kind\ndata: first\n");
        assert_eq!(
            decoder.next_event().map(|event| event.data).as_deref(),
            Some("old")
        );
        assert_eq!(decoder.next_event(), None);
        // Both pending lines are still referenced, so the feeds below must keep them.
        decoder.feed(b"data: second\n");
        decoder.feed(b"\n");
        let event = decoder.next_event();
        assert_eq!(
            event.as_ref().map(|event| event.data.as_str()),
            Some("first\nsecond")
        );
        assert_eq!(event.and_then(|event| event.event).as_deref(), Some("kind"));
    }

    #[test]
    fn finds_line_ends_in_and_after_whole_blocks() {
        for len in 0..40 {
            let mut bytes = vec![b'a'; len];
            assert_eq!(find_line_end(&bytes), None);
            for at in 0..len {
                for end in [b'\n', b'\r'] {
                    bytes[at] = end;
                    assert_eq!(find_line_end(&bytes), Some(at), "{len} {at}");
                    bytes[at] = b'a';
                }
            }
        }
    }

    #[test]
    fn recognises_error_objects_and_only_them() {
        assert!(is_error_object(br#"{"error":{"message":"boom"}}"#));
        let late = format!(r#"{{"id":"{}","error":"boom"}}"#, "x".repeat(37));
        assert!(is_error_object(late.as_bytes()));
        // The "rr" pair straddles a block boundary here.
        let straddling = format!(r#"{{"{}":1,"error":1}}"#, "x".repeat(7));
        assert_eq!(straddling.find("rr"), Some(15));
        assert!(is_error_object(straddling.as_bytes()));
        assert!(!is_error_object(br#"{"error":null}"#));
        assert!(!is_error_object(br#"["error"]"#));
        assert!(!is_error_object(br#"{"content":"an \"error\" in text"}"#));
        assert!(!is_error_object(br#"{"content":"error"}"#));
        assert!(!mentions_error_key(br#"{"errors":1}"#));
        assert!(!mentions_error_key(b"r"));
        assert!(!mentions_error_key(b""));
    }

    // Stream tests.

    #[derive(Debug, PartialEq, Deserialize)]
    struct Chunk {
        id: String,
        choices: Vec<Choice>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Choice {
        index: u32,
        delta: Delta,
        finish_reason: Option<String>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Delta {
        role: Option<String>,
        content: Option<String>,
    }

    const TRANSCRIPT: &str = concat!(
        ": OPENAI PROCESSING\n\n",
        "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,",
        "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",",
        "\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Héllo\"},",
        "\"finish_reason\":null}]}\r\n\r\n",
        ": keep-alive\n",
        "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\", wörld 😀\"},",
        "\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{},",
        "\"finish_reason\":\"stop\"}]}\n\n",
        ": keep-alive\n\n",
        "data: [DONE]\n\n",
    );

    fn body(chunks: Vec<Vec<u8>>) -> impl Stream<Item = Result<Bytes, Error>> + Send + 'static {
        stream::iter(chunks.into_iter().map(|chunk| Ok(Bytes::from(chunk))))
    }

    fn events<T: DeserializeOwned>(
        stream: impl Stream<Item = Result<Bytes, Error>> + Send + 'static,
    ) -> EventStream<T> {
        EventStream::from_byte_stream(stream, 200, Some("req_9".into()))
    }

    async fn collect_chunks(chunks: Vec<Vec<u8>>) -> Vec<Result<Chunk, Error>> {
        events(body(chunks)).collect().await
    }

    /// Splits `input` at pseudo-random points (xorshift, so failures reproduce).
    fn random_split(input: &[u8], mut seed: u64) -> Vec<Vec<u8>> {
        let mut chunks = Vec::new();
        let mut rest = input;
        while !rest.is_empty() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = usize::try_from(seed % 40).unwrap().clamp(1, rest.len());
            let (head, tail) = rest.split_at(len);
            chunks.push(head.to_vec());
            rest = tail;
        }
        chunks
    }

    #[tokio::test]
    async fn a_transcript_decodes_the_same_however_it_is_split() {
        let whole = collect_chunks(vec![TRANSCRIPT.as_bytes().to_vec()]).await;
        let whole: Vec<Chunk> = whole.into_iter().map(Result::unwrap).collect();
        assert_eq!(whole.len(), 4);
        assert_eq!(whole[0].choices[0].delta.role.as_deref(), Some("assistant"));
        let text: String = whole
            .iter()
            .filter_map(|chunk| chunk.choices[0].delta.content.as_deref())
            .collect();
        assert_eq!(text, "Héllo, wörld 😀");
        assert_eq!(whole[3].choices[0].finish_reason.as_deref(), Some("stop"));

        let bytewise = TRANSCRIPT.bytes().map(|byte| vec![byte]).collect();
        let bytewise: Vec<Chunk> = collect_chunks(bytewise)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(bytewise, whole);
        for seed in 1..=20 {
            let split = random_split(TRANSCRIPT.as_bytes(), seed);
            let items: Vec<Chunk> = collect_chunks(split)
                .await
                .into_iter()
                .map(Result::unwrap)
                .collect();
            assert_eq!(items, whole, "seed {seed}");
        }
    }

    #[tokio::test]
    async fn done_ends_the_stream_and_the_body_is_not_read_further() {
        let input =
            b"data: {\"id\":\"a\",\"choices\":[]}\n\ndata: [DONE]\n\ndata: {\"error\":1}\n\n";
        let body = body(vec![input.to_vec()]).chain(stream::poll_fn(
            |_| -> Poll<Option<Result<Bytes, Error>>> {
                panic!("the body was polled after [DONE]")
            },
        ));
        let mut stream = events::<Chunk>(body);
        assert_eq!(stream.next().await.unwrap().unwrap().id, "a");
        assert!(stream.next().await.is_none());
        assert!(stream.next().await.is_none());
    }

    #[tokio::test]
    async fn an_error_object_ends_the_stream_with_an_api_error() {
        let input = concat!(
            "data: {\"id\":\"a\",\"choices\":[]}\n\n",
            "data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n",
            "data: {\"id\":\"b\",\"choices\":[]}\n\n",
            "data: [DONE]\n\n",
        );
        let items = collect_chunks(vec![input.as_bytes().to_vec()]).await;
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].as_ref().unwrap().id, "a");
        let Err(Error::Api(error)) = &items[1] else {
            panic!("expected an API error, got {:?}", items[1]);
        };
        assert_eq!(error.status, 200);
        assert_eq!(error.request_id.as_deref(), Some("req_9"));
        assert_eq!(error.message().as_deref(), Some("overloaded"));
        assert!(error.body.is_some());
        assert!(error.raw_body.starts_with("{\"error\""));
    }

    #[tokio::test]
    async fn an_error_event_ends_the_stream_with_an_api_error() {
        let input = "event: error\ndata: upstream failed\n\ndata: [DONE]\n\n";
        let items = collect_chunks(vec![input.as_bytes().to_vec()]).await;
        assert_eq!(items.len(), 1);
        let Err(Error::Api(error)) = &items[0] else {
            panic!("expected an API error, got {:?}", items[0]);
        };
        assert_eq!(error.raw_body, "upstream failed");
        assert!(error.body.is_none());
    }

    #[tokio::test]
    async fn a_body_ending_before_done_is_an_error_not_a_silent_end() {
        let input = "data: {\"id\":\"a\",\"choices\":[]}\n\n: ping\n\ndata: {\"id\":\"b\",";
        let mut stream = events::<Chunk>(body(vec![input.as_bytes().to_vec()]));
        assert_eq!(stream.next().await.unwrap().unwrap().id, "a");
        match stream.next().await {
            Some(Err(Error::StreamEnded { events: 1 })) => {}
            other => panic!("expected StreamEnded after 1 event, got {other:?}"),
        }
        assert!(stream.next().await.is_none());
        assert!(stream.next().await.is_none());
    }

    #[tokio::test]
    async fn an_empty_body_is_an_early_end() {
        let items = collect_chunks(Vec::new()).await;
        assert!(matches!(items[..], [Err(Error::StreamEnded { events: 0 })]));
    }

    #[tokio::test]
    async fn an_event_that_does_not_decode_is_reported_and_skipped() {
        let input = concat!(
            "data: {\"id\":\"a\",\"choices\":[]}\n\n",
            "data: {\"id\":42}\n\n",
            "data: not json\n\n",
            "data: {\"id\":\"b\",\"choices\":[]}\n\n",
            "data: [DONE]\n\n",
        );
        let items = collect_chunks(vec![input.as_bytes().to_vec()]).await;
        assert_eq!(items.len(), 4);
        assert_eq!(items[0].as_ref().unwrap().id, "a");
        match &items[1] {
            Err(Error::Decode {
                status: 200,
                snippet,
                request_id: Some(request_id),
                ..
            }) => {
                assert_eq!(snippet, "{\"id\":42}");
                assert_eq!(request_id, "req_9");
            }
            other => panic!("expected a decode error, got {other:?}"),
        }
        assert!(matches!(items[2], Err(Error::Decode { .. })));
        assert_eq!(items[3].as_ref().unwrap().id, "b");
    }

    #[tokio::test]
    async fn a_body_error_is_reported_after_the_events_before_it_then_ends() {
        let body = stream::iter(vec![
            Ok(Bytes::from_static(
                b"data: {\"id\":\"a\",\"choices\":[]}\n\n",
            )),
            Err(Error::Config("connection reset".into())),
            Ok(Bytes::from_static(
                b"data: {\"id\":\"b\",\"choices\":[]}\n\n",
            )),
        ]);
        let items: Vec<_> = events::<Chunk>(body).collect().await;
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].as_ref().unwrap().id, "a");
        assert!(matches!(&items[1], Err(Error::Config(message)) if message == "connection reset"));
    }

    #[tokio::test]
    async fn body_errors_of_other_types_are_converted() {
        #[derive(Debug)]
        struct Reset;
        impl From<Reset> for Error {
            fn from(_: Reset) -> Self {
                Error::Config("reset".into())
            }
        }
        let body = stream::iter(vec![Err::<Bytes, _>(Reset)]);
        let stream = EventStream::<Chunk>::from_byte_stream(body, 200, None);
        let items: Vec<_> = stream.collect().await;
        assert!(matches!(&items[..], [Err(Error::Config(message))] if message == "reset"));
    }

    #[tokio::test]
    async fn empty_data_is_skipped_and_invalid_utf8_decoded_lossily() {
        let input = b"data:\n\ndata: {\"id\":\"\xFFa\",\"choices\":[]}\n\ndata: [DONE]\n\n";
        let items = collect_chunks(vec![input.to_vec()]).await;
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].as_ref().unwrap().id, "\u{FFFD}a");
    }

    #[tokio::test]
    async fn a_body_that_is_not_ready_is_waited_for() {
        // Pending once before each chunk: the stream must register the waker and resume.
        let mut pending = false;
        let mut chunks = vec![
            Bytes::from_static(b"data: {\"id\":\"a\",\"choices\":[]}\n\n"),
            Bytes::from_static(b"data: [DONE]\n\n"),
        ]
        .into_iter();
        let body = stream::poll_fn(move |cx| {
            pending = !pending;
            if pending {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            Poll::Ready(chunks.next().map(Ok::<_, Error>))
        });
        let items: Vec<_> = events::<Chunk>(body).collect().await;
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].as_ref().unwrap().id, "a");
    }

    #[test]
    fn the_stream_keeps_its_request_id_and_is_send_and_unpin() {
        fn send_unpin<T: Send + Unpin>(_: &T) {}
        let stream = events::<Chunk>(body(Vec::new()));
        send_unpin(&stream);
        assert_eq!(stream.request_id(), Some("req_9"));
        assert!(format!("{stream:?}").contains("req_9"));
    }
}

//! Benchmarks of response decoding in the generated `deepshi` crate, without any network.
//!
//! Run (from the workspace root):
//!
//! ```text
//! cargo bench -p tests --bench decode
//! cargo bench -p tests --bench decode -- --warm-up-time 1 --measurement-time 3   # quicker
//! cargo bench -p tests --bench decode -- sse/                                    # SSE only
//! SKIP_REPORTS=1 cargo bench -p tests --bench decode                             # no reports
//! ```
//!
//! - `completion/serde_json`: a real-sized `ChatCompletion` body (about 3 KB: three choices,
//!   tool calls, reasoning, usage) through `serde_json::from_slice`.
//! - `sse/*`: an SSE transcript of 10,000 `ChatCompletionChunk` events (about 300 bytes each,
//!   `data: ` framing, a final `data: [DONE]`) drained from
//!   `EventStream::<ChatCompletionChunk>::from_byte_stream`, fed as the whole transcript in one
//!   chunk, in 16 KiB chunks and one event per chunk; and 1,000 events fed one byte per chunk.
//!   `sse/serde_bound` is the lower bound: `serde_json::from_slice` over each event's JSON,
//!   pre-split, with no framing. Each reports events/s and MB/s of SSE text (for the bound, of
//!   the JSON payloads alone).
//!
//! The stream is polled by a hand-rolled loop with a no-op waker (`std::task::Waker::noop`): the
//! body never pends, so no executor is needed, and this adds less than a runtime's `block_on`.
//! Chunks are `Bytes` over a leaked, static transcript, so making them costs no copy.
//!
//! Before the benchmarks (when run by `cargo bench`, unless `SKIP_REPORTS=1`) the bench prints
//! two reports to stderr; they are not assertions:
//!
//! - memory: the peak heap in use while a 100 MB transcript is decoded through `EventStream` in
//!   64 KiB chunks, measured by the counting global allocator below, and the largest event. The
//!   allocator's two relaxed atomic updates per allocation are also paid by the timed
//!   benchmarks.
//! - paired ratios: `EventStream` time over the serde bound, each chunking run right after the
//!   bound, 40 rounds, median and quartiles of the per-round ratio. On a shared machine the
//!   separate criterion estimates drift by more than the framing costs; pairs cancel most of it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use deepshi::EventStream;
use deepshi::types::{ChatCompletion, ChatCompletionChunk};
use futures_util::Stream;
use serde_json::json;

#[path = "support/events.rs"]
mod events;
use events::chunk_json;

// ---------------------------------------------------------------------------------------------
// Counting allocator: bytes currently allocated and the peak since the last reset.

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = CURRENT.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn shrank(by: usize) {
    CURRENT.fetch_sub(by, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to the system allocator unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// ---------------------------------------------------------------------------------------------
// Inputs.

/// A `ChatCompletion` as a provider returns it for `n: 3` with tools: one choice with a long
/// answer, one with two tool calls, one with reasoning; usage with details and cost.
fn completion_body() -> Vec<u8> {
    let answer = "The capital of France is Paris. It has been the country's capital since the \
        late 10th century, with a few interruptions, and today it is home to the national \
        government, the parliament and most ministries. Paris is also France's largest city: \
        about 2.1 million people live in the city proper and more than 12 million in the \
        metropolitan area (Île-de-France), which makes it one of the largest urban areas in \
        Europe. Beyond politics, it is the centre of French finance, culture and education — \
        the Louvre, the Musée d'Orsay and the Sorbonne are all there — and one of the most \
        visited cities in the world, with well over 30 million visitors a year.\n\nIf you \
        meant a different France (for instance a historical state), let me know and I can \
        give the capital for that period instead.";
    let body = json!({
        "id": "chatcmpl-8d3f2a91c4e7b05d6a1f9e2c",
        "object": "chat.completion",
        "created": 1732790400,
        "model": "deepshi-3.0",
        "system_fingerprint": "fp_5b2a9c0d7e",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer, "refusal": null},
                "logprobs": null,
                "finish_reason": "stop"
            },
            {
                "index": 1,
                "message": {
                    "role": "assistant",
                    "content": null,
                    "tool_calls": [
                        {
                            "id": "call_Vx4k2LmP9qRsT7uW1yZa3bCd",
                            "type": "function",
                            "function": {
                                "name": "get_current_weather",
                                "arguments": "{\"location\":\"Paris, France\",\"unit\":\"celsius\",\"include_forecast\":true,\"days\":3}"
                            }
                        },
                        {
                            "id": "call_Qe8fGh1jKl2mNo3pQr4sTu5v",
                            "type": "function",
                            "function": {
                                "name": "search_places",
                                "arguments": "{\"query\":\"museums near the Louvre\",\"radius_m\":1500,\"open_now\":true,\"limit\":5}"
                            }
                        }
                    ]
                },
                "logprobs": null,
                "finish_reason": "tool_calls"
            },
            {
                "index": 2,
                "message": {
                    "role": "assistant",
                    "content": "Paris.",
                    "reasoning": "The user asks for the capital of France. The system prompt asks for \
                        terse answers, so a single word is the right shape. Is there any \
                        ambiguity? France has had one capital, Paris, for most of its history; \
                        the exceptions (Versailles under the ancien régime for the court, Tours \
                        and Bordeaux briefly in 1870-71 and 1914, Vichy from 1940 to 1944 for \
                        the French State) are historical footnotes the user did not ask about. \
                        Nothing in the conversation suggests a quiz about history, so answer \
                        with the present-day capital and nothing else: Paris."
                },
                "logprobs": null,
                "finish_reason": "stop"
            }
        ],
        "usage": {
            "prompt_tokens": 1184,
            "prompt_tokens_details": {"cached_tokens": 1024},
            "completion_tokens": 412,
            "completion_tokens_details": {"reasoning_tokens": 38},
            "total_tokens": 1596,
            "cost": {"total_cost": 0.000135}
        }
    });
    serde_json::to_vec(&body).expect("serializes")
}

/// An SSE transcript of `count` events and `data: [DONE]`, with each event's JSON alone.
struct Transcript {
    text: Vec<u8>,
    payloads: Vec<Vec<u8>>,
    /// Where each event (its `data: ` line and blank line) ends in `text`.
    event_ends: Vec<usize>,
}

fn transcript(count: usize) -> Transcript {
    let mut text = Vec::new();
    let mut payloads = Vec::with_capacity(count);
    let mut event_ends = Vec::with_capacity(count + 1);
    for i in 0..count {
        let json = chunk_json(i, count);
        text.extend_from_slice(b"data: ");
        text.extend_from_slice(json.as_bytes());
        text.extend_from_slice(b"\n\n");
        event_ends.push(text.len());
        payloads.push(json.into_bytes());
    }
    text.extend_from_slice(b"data: [DONE]\n\n");
    event_ends.push(text.len());
    Transcript {
        text,
        payloads,
        event_ends,
    }
}

/// The transcript cut into chunks, leaked so that each becomes a `Bytes` without a copy.
fn leak_chunks(text: &[u8], cuts: impl Iterator<Item = usize>) -> &'static [&'static [u8]] {
    let text: &'static [u8] = Box::leak(text.to_vec().into_boxed_slice());
    let mut chunks = Vec::new();
    let mut start = 0;
    for end in cuts {
        chunks.push(&text[start..end]);
        start = end;
    }
    assert_eq!(start, text.len(), "the cuts cover the transcript");
    Box::leak(chunks.into_boxed_slice())
}

fn fixed_cuts(len: usize, size: usize) -> impl Iterator<Item = usize> {
    (1..=len.div_ceil(size)).map(move |n| (n * size).min(len))
}

// ---------------------------------------------------------------------------------------------
// Draining a stream.

/// Polls `stream` to its end with a no-op waker, counting the items; panics on an error item.
fn drain<S>(mut stream: S) -> usize
where
    S: Stream<Item = Result<ChatCompletionChunk, deepshi::Error>> + Unpin,
{
    let mut cx = Context::from_waker(Waker::noop());
    let mut items = 0;
    loop {
        match Pin::new(&mut stream).poll_next(&mut cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                black_box(chunk);
                items += 1;
            }
            Poll::Ready(Some(Err(error))) => panic!("event {items}: {error}"),
            Poll::Ready(None) => return items,
            Poll::Pending => unreachable!("the body never pends"),
        }
    }
}

fn decode_static(chunks: &'static [&'static [u8]]) -> usize {
    let body = futures_util::stream::iter(
        chunks
            .iter()
            .map(|chunk| Ok::<_, deepshi::Error>((*chunk).into())),
    );
    drain(EventStream::<ChatCompletionChunk>::from_byte_stream(
        body, 200, None,
    ))
}

// ---------------------------------------------------------------------------------------------
// Benchmarks.

const EVENTS: usize = 10_000;
const BYTEWISE_EVENTS: usize = 1_000;

fn bench_completion(c: &mut Criterion) {
    let body = completion_body();
    eprintln!("completion body: {} bytes", body.len());
    let mut group = c.benchmark_group("completion");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("serde_json", |b| {
        b.iter(|| serde_json::from_slice::<ChatCompletion>(black_box(&body)).expect("decodes"))
    });
    group.finish();
}

fn bench_sse(c: &mut Criterion) {
    let full = transcript(EVENTS);
    let small = transcript(BYTEWISE_EVENTS);
    let payload_bytes: usize = full.payloads.iter().map(Vec::len).sum();
    eprintln!(
        "SSE transcript: {EVENTS} events, {} bytes (JSON {}..={} bytes, mean {}); \
         1-byte case: {BYTEWISE_EVENTS} events, {} bytes",
        full.text.len(),
        full.payloads.iter().map(Vec::len).min().unwrap_or(0),
        full.payloads.iter().map(Vec::len).max().unwrap_or(0),
        payload_bytes / EVENTS,
        small.text.len()
    );

    let whole = leak_chunks(&full.text, std::iter::once(full.text.len()));
    let kib16 = leak_chunks(&full.text, fixed_cuts(full.text.len(), 16 * 1024));
    let per_event = leak_chunks(&full.text, full.event_ends.iter().copied());
    let bytewise = leak_chunks(&small.text, 1..=small.text.len());
    for (name, chunks, events) in [
        ("whole", whole, EVENTS),
        ("16KiB", kib16, EVENTS),
        ("per_event", per_event, EVENTS),
        ("1_byte", bytewise, BYTEWISE_EVENTS),
    ] {
        assert_eq!(decode_static(chunks), events, "{name}");
    }

    let mut group = c.benchmark_group("sse");
    let full_throughput = Throughput::ElementsAndBytes {
        elements: EVENTS as u64,
        bytes: full.text.len() as u64,
    };
    group.throughput(Throughput::ElementsAndBytes {
        elements: EVENTS as u64,
        bytes: payload_bytes as u64,
    });
    group.bench_function("serde_bound", |b| {
        b.iter(|| {
            for payload in &full.payloads {
                black_box(serde_json::from_slice::<ChatCompletionChunk>(payload).expect("decodes"));
            }
        })
    });
    for (name, chunks) in [("whole", whole), ("16KiB", kib16), ("per_event", per_event)] {
        group.throughput(full_throughput.clone());
        group.bench_function(name, |b| b.iter(|| decode_static(chunks)));
    }
    group.throughput(Throughput::ElementsAndBytes {
        elements: BYTEWISE_EVENTS as u64,
        bytes: small.text.len() as u64,
    });
    group.bench_function("1_byte", |b| b.iter(|| decode_static(bytewise)));
    group.finish();
}

// ---------------------------------------------------------------------------------------------
// Memory report.

const MEMORY_TRANSCRIPT: usize = 100_000_000;
const MEMORY_CHUNK: usize = 64 * 1024;

/// A ~100 MB transcript of ordinary events; with `big`, one event in the middle carries a
/// content delta of that many bytes. Returns the text, the event count and the largest event.
fn big_transcript(big: Option<usize>) -> (Vec<u8>, usize, usize) {
    const BATCH: usize = 10_000;
    let mut text = Vec::with_capacity(MEMORY_TRANSCRIPT + (1 << 20) + 1024);
    let mut events = 0;
    let mut largest = 0;
    while text.len() < MEMORY_TRANSCRIPT {
        let i = events % BATCH;
        let json = match big {
            Some(size) if events == BATCH * 10 + 5 => {
                let content = "lorem ipsum ".repeat(size / 12);
                format!(
                    r#"{{"id":"chatcmpl-big","object":"chat.completion.chunk","created":1,"model":"deepshi-3.0","choices":[{{"index":0,"delta":{{"content":"{content}"}},"finish_reason":null}}]}}"#
                )
            }
            // Ordinary chunks only: the first and last two of a batch would repeat the role
            // and the end of the answer.
            _ => chunk_json(3 + i % (BATCH - 6), BATCH),
        };
        let start = text.len();
        text.extend_from_slice(b"data: ");
        text.extend_from_slice(json.as_bytes());
        text.extend_from_slice(b"\n\n");
        largest = largest.max(text.len() - start);
        events += 1;
    }
    text.extend_from_slice(b"data: [DONE]\n\n");
    (text, events, largest)
}

fn memory_report(big: Option<usize>) {
    let (text, events, largest) = big_transcript(big);
    let len = text.len();
    let text = std::sync::Arc::new(text);
    // The body hands out owned 64 KiB chunks, as an HTTP body does, so one chunk in flight is
    // part of the peak; the transcript itself is not.
    let body = {
        let text = std::sync::Arc::clone(&text);
        futures_util::stream::iter((0..len.div_ceil(MEMORY_CHUNK)).map(move |n| {
            let chunk = text[n * MEMORY_CHUNK..((n + 1) * MEMORY_CHUNK).min(len)].to_vec();
            Ok::<_, deepshi::Error>(chunk.into())
        }))
    };
    let baseline = CURRENT.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    let start = Instant::now();
    let decoded = drain(EventStream::<ChatCompletionChunk>::from_byte_stream(
        body, 200, None,
    ));
    let elapsed = start.elapsed();
    let peak = PEAK.load(Ordering::Relaxed) - baseline;
    assert_eq!(decoded, events);
    eprintln!(
        "memory: {:.1} MB transcript, {events} events in {} KiB chunks, largest event {largest} bytes: \
         peak heap above baseline {peak} bytes ({:.1} KiB; {:.2}x the chunk size, {:.2}x the \
         largest event); decoded in {:.2?} ({:.0} MB/s)",
        len as f64 / 1e6,
        MEMORY_CHUNK / 1024,
        peak as f64 / 1024.0,
        peak as f64 / MEMORY_CHUNK as f64,
        peak as f64 / largest as f64,
        elapsed,
        len as f64 / 1e6 / elapsed.as_secs_f64()
    );
}

/// Time of one run of `f`.
fn timed(f: impl FnOnce() -> usize) -> Duration {
    let start = Instant::now();
    black_box(f());
    start.elapsed()
}

/// The serde bound and each chunking of the 10,000-event transcript, interleaved round by
/// round; prints the median and quartiles of each chunking's time over the bound's.
fn ratio_report() {
    const ROUNDS: usize = 40;
    let full = transcript(EVENTS);
    let chunkings = [
        (
            "whole",
            leak_chunks(&full.text, std::iter::once(full.text.len())),
        ),
        (
            "16KiB",
            leak_chunks(&full.text, fixed_cuts(full.text.len(), 16 * 1024)),
        ),
        (
            "per_event",
            leak_chunks(&full.text, full.event_ends.iter().copied()),
        ),
    ];
    let bound = || {
        for payload in &full.payloads {
            black_box(serde_json::from_slice::<ChatCompletionChunk>(payload).expect("decodes"));
        }
        full.payloads.len()
    };
    let mut ratios = vec![Vec::with_capacity(ROUNDS); chunkings.len()];
    for round in 0..=ROUNDS {
        for (index, (_, chunks)) in chunkings.iter().enumerate() {
            let base = timed(bound);
            let time = timed(|| decode_static(chunks));
            // Round 0 warms up.
            if round > 0 {
                ratios[index].push(time.as_secs_f64() / base.as_secs_f64());
            }
        }
    }
    for ((name, _), mut ratios) in chunkings.iter().zip(ratios) {
        ratios.sort_by(f64::total_cmp);
        eprintln!(
            "paired ratio sse/{name} / sse/serde_bound over {ROUNDS} rounds: median {:.3}, \
             quartiles {:.3}..{:.3}",
            ratios[ROUNDS / 2],
            ratios[ROUNDS / 4],
            ratios[3 * ROUNDS / 4]
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and then only the
    // benchmarks' quick test mode runs.
    let benching = std::env::args().any(|arg| arg == "--bench");
    if benching && std::env::var_os("SKIP_REPORTS").is_none_or(|value| value == "0") {
        memory_report(None);
        memory_report(Some(1 << 20));
        ratio_report();
    }
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .configure_from_args();
    bench_completion(&mut criterion);
    bench_sse(&mut criterion);
    criterion.final_summary();
}

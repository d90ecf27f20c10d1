//! The chat chunk events of `cargo bench -p tests --bench decode`, decoded by
//! `serde_json::from_slice` into `deepshi::types::ChatCompletionChunk` and into async-openai's
//! `CreateChatCompletionStreamResponse`: the same 10,000 payloads (about 2.8 MB), no framing.
//!
//! ```text
//! cargo bench --manifest-path tests/decode-peer/Cargo.toml
//! ```
//!
//! Before the criterion runs it prints a paired report: the two decoders alternate, 40 rounds,
//! and the median and quartiles of the per-round time ratio (ours over the peer's); on a shared
//! machine that is steadier than comparing the two criterion estimates.

use std::hint::black_box;
use std::time::Instant;

use async_openai::types::chat::CreateChatCompletionStreamResponse;
use criterion::{Criterion, Throughput};
use deepshi::types::ChatCompletionChunk;

#[path = "../../benches/support/events.rs"]
mod events;

const EVENTS: usize = 10_000;

fn payloads() -> Vec<Vec<u8>> {
    (0..EVENTS)
        .map(|i| events::chunk_json(i, EVENTS).into_bytes())
        .collect()
}

fn decode_all<T: serde::de::DeserializeOwned>(payloads: &[Vec<u8>]) -> usize {
    payloads
        .iter()
        .map(|payload| {
            let event: T = serde_json::from_slice(payload).expect("every event decodes");
            black_box(event);
        })
        .count()
}

fn ratio_report(payloads: &[Vec<u8>]) {
    let mut ratios: Vec<f64> = (0..40)
        .map(|_| {
            let start = Instant::now();
            decode_all::<ChatCompletionChunk>(payloads);
            let ours = start.elapsed();
            let start = Instant::now();
            decode_all::<CreateChatCompletionStreamResponse>(payloads);
            ours.as_secs_f64() / start.elapsed().as_secs_f64()
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    eprintln!(
        "deepshi / async-openai decode time, 40 paired rounds: median {:.2} (quartiles {:.2} to {:.2})",
        ratios[20], ratios[10], ratios[30]
    );
}

fn main() {
    let payloads = payloads();
    let bytes: usize = payloads.iter().map(Vec::len).sum();
    ratio_report(&payloads);
    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("chunks");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("deepshi", |b| {
        b.iter(|| decode_all::<ChatCompletionChunk>(&payloads))
    });
    group.bench_function("async_openai", |b| {
        b.iter(|| decode_all::<CreateChatCompletionStreamResponse>(&payloads))
    });
    group.finish();
    criterion.final_summary();
}

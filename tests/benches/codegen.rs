//! Benchmarks of the generator: `codegen::generate` end to end, and each stage alone, so the
//! stage that dominates shows.
//!
//! Run (from the workspace root):
//!
//! ```text
//! cargo bench -p tests --bench codegen
//! cargo bench -p tests --bench codegen -- --warm-up-time 1 --measurement-time 3   # quicker
//! cargo bench -p tests --bench codegen -- azure                                   # one spec
//! ```
//!
//! It runs with mimalloc, the allocator of `cargo xtask`.
//!
//! Specs: `spec/deepshi.yaml`, and the largest spec of the real-world corpus,
//! `../shared/specs/real-world/azure.com_apimanagement-apimapis.json` (532 KB; another directory
//! with `REAL_WORLD_SPECS=DIR`). When that directory is absent the real-world spec is skipped
//! with a message. Then GitHub's `api.github.com.json` (13 MB) and OpenAI's `openai.yaml`
//! (3 MB, OpenAPI 3.1) from `BENCH_SPECS=DIR` (default `target/bench-specs/`; the README says
//! where to get them), each skipped with a message when absent. `EXTRA_SPECS=PATH[:PATH...]`
//! adds more.
//!
//! Groups: `generate/<spec>` (load → model → emit), then `load/<spec>` (text → `Spec`),
//! `model/<spec>` (`Spec` → `Api`) and `emit/<spec>` (`Api` → formatted files). Each stage gets
//! the output of the previous one, computed once outside the timed loop. Throughput is the size
//! of the spec text, so MB/s compare across specs.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// The allocator `cargo xtask codegen` runs with, so these numbers are the tool's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const LARGEST_REAL_WORLD_SPEC: &str = "azure.com_apimanagement-apimapis.json";

/// Big published specs, read from `BENCH_SPECS` (default `target/bench-specs/`) when there:
/// GitHub's 13 MB OpenAPI 3.0 description and OpenAI's 3 MB OpenAPI 3.1 one.
const BIG_SPECS: &[(&str, &str)] = &[("github", "api.github.com.json"), ("openai", "openai.yaml")];

struct Input {
    /// The short name in benchmark ids.
    name: &'static str,
    path: PathBuf,
    text: String,
}

fn inputs() -> Vec<Input> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut inputs = Vec::new();
    let deepshi = root.join("spec/deepshi.yaml");
    let text = std::fs::read_to_string(&deepshi)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", deepshi.display()));
    inputs.push(Input {
        name: "deepshi",
        path: deepshi,
        text,
    });
    let corpus = std::env::var_os("REAL_WORLD_SPECS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/specs/real-world"));
    let azure = corpus.join(LARGEST_REAL_WORLD_SPEC);
    match std::fs::read_to_string(&azure) {
        Ok(text) => inputs.push(Input {
            name: "azure-apimapis",
            path: azure,
            text,
        }),
        Err(error) => eprintln!(
            "skipping the real-world spec: cannot read {} ({error}); set REAL_WORLD_SPECS=DIR",
            azure.display()
        ),
    }
    // The two big published specs of the README's comparison, where they have been fetched.
    let big = std::env::var_os("BENCH_SPECS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/bench-specs"));
    for (name, file) in BIG_SPECS {
        let path = big.join(file);
        match std::fs::read_to_string(&path) {
            Ok(text) => inputs.push(Input { name, path, text }),
            Err(_) => eprintln!(
                "skipping {name}: {} not found (see the README's benchmark section)",
                path.display()
            ),
        }
    }
    // More specs, by path: `EXTRA_SPECS=/tmp/github.json cargo bench -p tests --bench codegen`.
    // (An unset or empty variable splits into one empty path, which is no spec.)
    for path in std::env::split_paths(&std::env::var_os("EXTRA_SPECS").unwrap_or_default())
        .filter(|path| !path.as_os_str().is_empty())
    {
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
        let name = path.file_stem().map_or_else(
            || "extra".to_owned(),
            |stem| stem.to_string_lossy().into_owned(),
        );
        inputs.push(Input {
            name: Box::leak(name.into_boxed_str()),
            path,
            text,
        });
    }
    inputs
}

fn settings(input: &Input) -> codegen::Settings {
    codegen::Settings::new(input.name.replace('-', "_"))
}

fn source(input: &Input) -> String {
    input.path.display().to_string()
}

/// What each spec turns into, printed once so the timings can be related to the output.
fn describe(inputs: &[Input]) {
    for input in inputs {
        let output = codegen::generate(&source(input), &input.text, &settings(input))
            .unwrap_or_else(|error| panic!("{}: {error}", input.name));
        let lines: usize = output
            .krate
            .files
            .iter()
            .map(|file| file.contents.lines().count())
            .sum();
        let bytes: usize = output
            .krate
            .files
            .iter()
            .map(|file| file.contents.len())
            .sum();
        eprintln!(
            "{}: spec {} bytes -> {} files, {lines} lines, {bytes} bytes, {} warnings",
            input.name,
            input.text.len(),
            output.krate.files.len(),
            output.warnings.len()
        );
    }
}

fn stages(c: &mut Criterion) {
    let inputs = inputs();
    describe(&inputs);

    let mut group = c.benchmark_group("generate");
    for input in &inputs {
        let (source, settings) = (source(input), settings(input));
        group.throughput(Throughput::Bytes(input.text.len() as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(input.name),
            input,
            |b, input| {
                b.iter(|| codegen::generate(&source, black_box(&input.text), &settings).is_ok())
            },
        );
    }
    group.finish();

    let mut group = c.benchmark_group("load");
    for input in &inputs {
        let source = source(input);
        group.throughput(Throughput::Bytes(input.text.len() as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(input.name),
            input,
            |b, input| b.iter(|| codegen::load::load(&source, black_box(&input.text)).is_ok()),
        );
    }
    group.finish();

    let mut group = c.benchmark_group("model");
    for input in &inputs {
        let settings = settings(input);
        let spec = codegen::load::load(&source(input), &input.text).expect("loads");
        group.throughput(Throughput::Bytes(input.text.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(input.name), &spec, |b, spec| {
            b.iter(|| codegen::model::build(black_box(spec), &settings).is_ok())
        });
    }
    group.finish();

    let mut group = c.benchmark_group("emit");
    for input in &inputs {
        let settings = settings(input);
        let spec = codegen::load::load(&source(input), &input.text).expect("loads");
        let (api, _) = codegen::model::build(&spec, &settings).expect("builds");
        group.throughput(Throughput::Bytes(input.text.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(input.name), &api, |b, api| {
            b.iter(|| codegen::emit::emit(black_box(api), &settings).is_ok())
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // The large spec takes a good part of a second per run: ten samples keep a full run short.
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(5));
    targets = stages
}
criterion_main!(benches);

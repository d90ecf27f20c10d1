//! `cargo xtask corpus [DIR]`: runs the generator over a directory of real-world specs, compiles
//! every crate it produces, and prints one row per spec.
//!
//! Each spec becomes a crate under `target/corpus/crates/<name>/`. Those crates are the members
//! of one standalone workspace (`target/corpus/crates/Cargo.toml`, with a copy of the
//! repository's `Cargo.lock`), so a single `cargo check --workspace --keep-going` compiles them
//! all against shared dependencies in `target/generated-crates`. The compiler's JSON messages are
//! attributed to crates by manifest path and kept in `target/corpus/check.jsonl`.
//!
//! A spec fails the run when generation panics, ends in an internal error (emitted code that
//! does not parse, a file that cannot be read or written), or yields a crate that does not
//! compile. A spec the generator rejects with a clear diagnostic (not OpenAPI 3.x, invalid) is
//! reported but does not fail the run.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader, Write as _};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::build_timings;

/// How many compiler errors to show per crate (all of them are in `check.jsonl`).
const ERRORS_SHOWN: usize = 5;
/// How many lines of a rejection or panic message to show.
const MESSAGE_LINES_SHOWN: usize = 12;

/// What the command line asked for.
struct Options {
    /// The directory of specs.
    dir: PathBuf,
    /// Only specs whose file name contains this.
    only: Option<String>,
    /// Whether to compile the generated crates.
    compile: bool,
    /// Whether to build and time each crate whole and with each tag feature alone.
    timings: bool,
}

fn parse_args(args: &[String], default_dir: PathBuf) -> Result<Options, String> {
    let mut options = Options {
        dir: default_dir,
        only: None,
        compile: true,
        timings: false,
    };
    let mut dir_given = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--only" => {
                let value = args.next().ok_or("--only needs a value")?;
                options.only = Some(value.clone());
            }
            "--no-compile" => options.compile = false,
            "--timings" => options.timings = true,
            other if other.starts_with('-') => return Err(format!("unknown option `{other}`")),
            dir if !dir_given => {
                options.dir = PathBuf::from(dir);
                dir_given = true;
            }
            extra => return Err(format!("unexpected argument `{extra}`: only one DIR")),
        }
    }
    if options.timings && !options.compile {
        return Err("--timings builds the crates; it cannot go with --no-compile".to_owned());
    }
    Ok(options)
}

/// One spec file and the crate it becomes.
pub(crate) struct Spec {
    pub(crate) path: PathBuf,
    pub(crate) file_name: String,
    pub(crate) crate_name: String,
}

/// The `*.json`, `*.yaml` and `*.yml` files of `dir`, sorted by name, each with a distinct crate
/// name.
pub(crate) fn find_specs(dir: &Path) -> Result<Vec<Spec>, String> {
    let entries =
        fs::read_dir(dir).map_err(|error| format!("cannot read {}: {error}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.is_file()
                && path
                    .extension()
                    .and_then(|ext| ext.to_str())
                    .is_some_and(|ext| matches!(ext, "json" | "yaml" | "yml"))
        })
        .collect();
    paths.sort();
    let mut taken = BTreeSet::new();
    let specs = paths
        .into_iter()
        .map(|path| {
            let file_name = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            let base = crate_name(&file_name);
            let mut crate_name = base.clone();
            let mut suffix = 2;
            while !taken.insert(crate_name.clone()) {
                crate_name = format!("{base}_{suffix}");
                suffix += 1;
            }
            Spec {
                path,
                file_name,
                crate_name,
            }
        })
        .collect();
    Ok(specs)
}

/// The specs whose file name contains `only` (all of them without `--only`).
pub(crate) fn only_matching(specs: Vec<Spec>, only: Option<&str>) -> Vec<Spec> {
    specs
        .into_iter()
        .filter(|spec| only.is_none_or(|only| spec.file_name.contains(only)))
        .collect()
}

/// A valid crate name for a spec file: `azure.com_sql-DatabaseSchema.json` →
/// `corpus_azure_com_sql_databaseschema`.
fn crate_name(file_name: &str) -> String {
    prefixed_name("corpus", file_name)
}

/// `prefix` and the words of a spec file's name, lowercase, joined by `_`: a valid crate and
/// directory name.
pub(crate) fn prefixed_name(prefix: &str, file_name: &str) -> String {
    let stem = file_name
        .rsplit_once('.')
        .map_or(file_name, |(stem, _extension)| stem);
    let words: Vec<String> = stem
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    std::iter::once(prefix.to_owned())
        .chain(words)
        .collect::<Vec<_>>()
        .join("_")
}

/// How generation went for one spec.
enum Generation {
    /// A crate was written; `warnings` codegen warnings, `changed` files differed from disk.
    Generated { warnings: usize, changed: usize },
    /// The generator refused the spec with a clear diagnostic (not a failure of the run).
    Rejected(String),
    /// An internal error: a worker thread panicked, or a file cannot be read or written.
    Failed(String),
    /// The generator panicked; the message includes the location.
    Panicked(String),
}

/// One row of the table.
struct Row {
    spec: Spec,
    generation: Generation,
    time: Duration,
    build: Option<CrateBuild>,
}

impl Row {
    /// Whether this spec makes the run fail.
    fn failed(&self) -> bool {
        match &self.generation {
            Generation::Generated { .. } => self.build.as_ref().is_some_and(|build| !build.ok()),
            Generation::Rejected(_) => false,
            Generation::Failed(_) | Generation::Panicked(_) => true,
        }
    }
}

/// The message of the last panic, recorded by the hook installed around generation.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Generates the crate for `spec` into `crates_dir/<crate name>`, catching panics.
fn generate(spec: &Spec, crates_dir: &Path) -> (Generation, Duration) {
    let text = match fs::read_to_string(&spec.path) {
        Ok(text) => text,
        Err(error) => {
            let message = format!("cannot read {}: {error}", spec.path.display());
            return (Generation::Failed(message), Duration::ZERO);
        }
    };
    let mut settings = codegen::Settings::new(&spec.crate_name);
    settings.command = "cargo xtask corpus".to_owned();
    let source = spec.path.display().to_string();
    let start = Instant::now();
    let result = catch_panic(|| codegen::generate(&source, &text, &settings));
    let time = start.elapsed();
    let out = crates_dir.join(&spec.crate_name);
    let generation = match result {
        Ok(Ok(output)) => match codegen::write::write(&output.krate, &out, false) {
            Ok(report) => Generation::Generated {
                warnings: output.warnings.len(),
                changed: report.changed.len() + report.removed.len(),
            },
            Err(error) => Generation::Failed(error.to_string()),
        },
        Ok(Err(
            error @ (codegen::Error::Internal(_)
            | codegen::Error::Io { .. }
            | codegen::Error::NotGenerated { .. }),
        )) => Generation::Failed(error.to_string()),
        Ok(Err(error)) => Generation::Rejected(error.to_string()),
        Err(message) => Generation::Panicked(message),
    };
    if !matches!(generation, Generation::Generated { .. }) {
        // No stale crate from an earlier run may stand in for this one.
        let _ = fs::remove_dir_all(&out);
    }
    (generation, time)
}

/// Runs `f`, turning a panic into its message: the one the hook of [`with_quiet_panics`]
/// recorded (with the location), else the payload.
fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    panic::catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let recorded = LAST_PANIC.lock().ok().and_then(|mut last| last.take());
        recorded
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic with a non-string payload".to_owned())
    })
}

/// Runs `f` with a panic hook that records the message (and the backtrace, when
/// `RUST_BACKTRACE` asks for one) for [`catch_panic`] instead of printing it.
fn with_quiet_panics<R>(f: impl FnOnce() -> R) -> R {
    let previous_hook = panic::take_hook();
    panic::set_hook(Box::new(|info| {
        let mut message = info.to_string();
        let backtrace = std::backtrace::Backtrace::capture();
        if backtrace.status() == std::backtrace::BacktraceStatus::Captured {
            let _ = write!(message, "\nbacktrace:\n{backtrace}");
        }
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(message);
        }
    }));
    let result = f();
    panic::set_hook(previous_hook);
    result
}

/// Runs `generate` for every spec.
fn generate_all(specs: Vec<Spec>, crates_dir: &Path) -> Vec<Row> {
    with_quiet_panics(|| {
        specs
            .into_iter()
            .map(|spec| {
                eprint!("generating {} ... ", spec.file_name);
                let (generation, time) = generate(&spec, crates_dir);
                eprintln!("{} ms", time.as_millis());
                Row {
                    spec,
                    generation,
                    time,
                    build: None,
                }
            })
            .collect()
    })
}

/// Removes crate directories under `crates_dir` that no spec in the corpus maps to.
fn remove_stale_crates(crates_dir: &Path, known: &BTreeSet<String>) {
    let Ok(entries) = fs::read_dir(crates_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() && !known.contains(&name) {
            let _ = fs::remove_dir_all(&path);
        }
    }
}

/// Writes the workspace manifest listing `members`, and a copy of the repository's lock file.
fn write_workspace(crates_dir: &Path, root: &Path, members: &[String]) -> Result<(), String> {
    let mut manifest = String::from(
        "# Written by `cargo xtask corpus`: every crate generated from the spec corpus, so one\n\
         # `cargo check` compiles them all against shared dependencies.\n\
         [workspace]\nresolver = \"3\"\nmembers = [\n",
    );
    for member in members {
        let _ = writeln!(manifest, "    \"{member}\",");
    }
    manifest.push_str("]\n");
    let path = crates_dir.join("Cargo.toml");
    fs::create_dir_all(crates_dir)
        .and_then(|()| fs::write(&path, manifest))
        .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    let lock = root.join("Cargo.lock");
    if lock.is_file() {
        fs::copy(&lock, crates_dir.join("Cargo.lock"))
            .map_err(|error| format!("cannot copy {}: {error}", lock.display()))?;
    }
    Ok(())
}

/// One compiler error, located in the generated crate.
struct CompilerError {
    /// `corpus_x/src/types.rs:12:5`, relative to the corpus workspace.
    location: String,
    /// `error[E0412]: cannot find type `Foo` in this scope`.
    message: String,
    /// The offending source line, trimmed.
    source_line: String,
}

/// What `cargo check` said about one crate.
#[derive(Default)]
struct CrateBuild {
    /// Whether its library was checked to the end.
    built: bool,
    errors: Vec<CompilerError>,
    /// Error counts by code (`E0412`, or the message head when there is no code).
    error_kinds: BTreeMap<String, usize>,
    warnings: usize,
}

impl CrateBuild {
    fn ok(&self) -> bool {
        self.built && self.errors.is_empty()
    }
}

/// Checks the workspace of `members` in `crates_dir` and returns, per crate directory name, what
/// the compiler said. Tries `--offline` first and falls back to a plain run when cargo cannot even
/// start offline (dependencies missing from the local cache). A member whose `Cargo.toml` cargo
/// cannot load is taken out of the workspace and reported as not compiling, so it does not stop
/// the check of the others.
fn check_workspace(
    crates_dir: &Path,
    corpus_dir: &Path,
    root: &Path,
    mut members: Vec<String>,
) -> Result<BTreeMap<String, CrateBuild>, String> {
    let mut unloadable = BTreeMap::new();
    let mut offline = true;
    while !members.is_empty() {
        write_workspace(crates_dir, root, &members)?;
        let run = run_cargo_check(crates_dir, corpus_dir, offline)?;
        if run.heard_from_compiler || run.success {
            let mut builds = run.builds;
            builds.extend(unloadable);
            return Ok(builds);
        }
        let broken = unloadable_members(&run.stderr);
        if broken.iter().any(|name| members.contains(name)) {
            members.retain(|name| !broken.contains(name));
            for name in broken {
                let build = manifest_failure(&name, &run.stderr);
                unloadable.insert(name, build);
            }
        } else if offline {
            eprintln!("cargo check --offline could not start; retrying online");
            offline = false;
        } else {
            return Err("cargo check failed before compiling anything (see above)".to_owned());
        }
    }
    write_workspace(crates_dir, root, &members)?;
    Ok(unloadable)
}

/// What one `cargo check` run of the corpus workspace produced.
struct CheckRun {
    builds: BTreeMap<String, CrateBuild>,
    /// Whether cargo got as far as printing JSON messages.
    heard_from_compiler: bool,
    success: bool,
    /// Cargo's own messages (also passed through to our stderr as they come).
    stderr: String,
}

/// `target/` of the repository, from `target/corpus`.
fn root_target(corpus_dir: &Path) -> PathBuf {
    corpus_dir
        .parent()
        .map_or_else(|| corpus_dir.join("target"), Path::to_path_buf)
}

fn run_cargo_check(
    crates_dir: &Path,
    corpus_dir: &Path,
    offline: bool,
) -> Result<CheckRun, String> {
    let log_path = corpus_dir.join("check.jsonl");
    let mut log = fs::File::create(&log_path)
        .map_err(|error| format!("cannot write {}: {error}", log_path.display()))?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args([
            "check",
            "--workspace",
            "--keep-going",
            "--message-format=json",
        ])
        .arg("--manifest-path")
        .arg(crates_dir.join("Cargo.toml"))
        // Shared with the fixture compile test: the dependencies are built once for both.
        .env(
            "CARGO_TARGET_DIR",
            root_target(corpus_dir).join("generated-crates"),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if offline {
        command.arg("--offline");
    }
    let mut child = command
        .spawn()
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    let stderr = child.stderr.take().map(|stderr| {
        std::thread::spawn(move || {
            let mut text = String::new();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("{line}");
                text.push_str(&line);
                text.push('\n');
            }
            text
        })
    });
    let mut run = CheckRun {
        builds: BTreeMap::new(),
        heard_from_compiler: false,
        success: false,
        stderr: String::new(),
    };
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = writeln!(log, "{line}");
            if let Ok(message) = serde_json::from_str::<Value>(&line) {
                run.heard_from_compiler = true;
                record(&message, crates_dir, &mut run.builds);
            }
        }
    }
    let status = child
        .wait()
        .map_err(|error| format!("cargo did not finish: {error}"))?;
    run.success = status.success();
    run.stderr = stderr
        .and_then(|thread| thread.join().ok())
        .unwrap_or_default();
    Ok(run)
}

/// The crate directory names in cargo's "failed to load manifest for workspace member `…`".
fn unloadable_members(stderr: &str) -> Vec<String> {
    const MARKER: &str = "failed to load manifest for workspace member `";
    stderr
        .lines()
        .filter_map(|line| {
            let path = line.split_once(MARKER)?.1.split('`').next()?;
            let name = Path::new(path).file_name()?;
            Some(name.to_string_lossy().into_owned())
        })
        .collect()
}

/// A crate whose `Cargo.toml` cargo could not load, with cargo's first error and the line it
/// points at.
fn manifest_failure(name: &str, stderr: &str) -> CrateBuild {
    let message = stderr
        .lines()
        .find(|line| line.starts_with("error: "))
        .unwrap_or("error: cargo cannot load the manifest");
    let source_line = stderr
        .lines()
        .filter_map(|line| line.split_once(" | "))
        .find(|(number, _)| number.trim().parse::<usize>().is_ok())
        .map(|(_, text)| text.trim().to_owned())
        .unwrap_or_default();
    let mut build = CrateBuild::default();
    build
        .error_kinds
        .insert("Cargo.toml does not load".to_owned(), 1);
    build.errors.push(CompilerError {
        location: format!("{name}/Cargo.toml"),
        message: message.to_owned(),
        source_line,
    });
    build
}

/// Adds one cargo JSON message to the build of the crate it concerns, if it is a corpus crate.
fn record(message: &Value, crates_dir: &Path, builds: &mut BTreeMap<String, CrateBuild>) {
    let Some(manifest) = message["manifest_path"].as_str().map(Path::new) else {
        return;
    };
    let Some(crate_dir) = manifest.parent() else {
        return;
    };
    if crate_dir.parent() != Some(crates_dir) {
        return; // a dependency
    }
    let name = crate_dir
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let build = builds.entry(name).or_default();
    match message["reason"].as_str() {
        Some("compiler-artifact") => {
            let is_lib = message["target"]["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|kind| kind == "lib"));
            build.built |= is_lib;
        }
        Some("compiler-message") => {
            let diagnostic = &message["message"];
            let text = diagnostic["message"].as_str().unwrap_or_default();
            let has_spans = diagnostic["spans"]
                .as_array()
                .is_some_and(|spans| !spans.is_empty());
            match diagnostic["level"].as_str() {
                Some("warning") if has_spans => build.warnings += 1,
                Some("error") if !text.starts_with("aborting due to") => {
                    let error = compiler_error(diagnostic, crates_dir);
                    let kind = diagnostic["code"]["code"]
                        .as_str()
                        .map_or_else(|| text.to_owned(), str::to_owned);
                    *build.error_kinds.entry(kind).or_default() += 1;
                    build.errors.push(error);
                }
                _ => {}
            }
        }
        _ => {}
    }
}

fn compiler_error(diagnostic: &Value, crates_dir: &Path) -> CompilerError {
    let text = diagnostic["message"].as_str().unwrap_or_default();
    let message = match diagnostic["code"]["code"].as_str() {
        Some(code) => format!("error[{code}]: {text}"),
        None => format!("error: {text}"),
    };
    let spans = diagnostic["spans"].as_array().cloned().unwrap_or_default();
    let primary = spans
        .iter()
        .find(|span| span["is_primary"] == true)
        .or_else(|| spans.first());
    let (location, source_line) = match primary {
        Some(span) => {
            let file = span["file_name"].as_str().unwrap_or_default();
            // Relative to the workspace (`corpus_x/src/types.rs`), or absolute.
            let file = Path::new(file)
                .strip_prefix(crates_dir)
                .map_or_else(|_| file.to_owned(), |p| p.display().to_string());
            let location = format!("{file}:{}:{}", span["line_start"], span["column_start"]);
            let source_line = span["text"][0]["text"]
                .as_str()
                .unwrap_or_default()
                .trim()
                .to_owned();
            (location, source_line)
        }
        None => ("(no location)".to_owned(), String::new()),
    };
    CompilerError {
        location,
        message,
        source_line,
    }
}

/// Prints the table: one row per spec.
fn print_table(rows: &[Row], compiled: bool) {
    let mut lines = vec![[
        "spec".to_owned(),
        "generated".to_owned(),
        "warnings".to_owned(),
        "compiled".to_owned(),
        "rustc warnings".to_owned(),
        "time (ms)".to_owned(),
    ]];
    for row in rows {
        let (generated, warnings) = match &row.generation {
            Generation::Generated { warnings, .. } => ("yes", warnings.to_string()),
            Generation::Rejected(_) => ("no", "-".to_owned()),
            Generation::Failed(_) => ("ERROR", "-".to_owned()),
            Generation::Panicked(_) => ("PANIC", "-".to_owned()),
        };
        let (compiled, rustc_warnings) = match (&row.build, compiled) {
            (Some(build), _) => (
                if build.ok() { "yes" } else { "no" },
                build.warnings.to_string(),
            ),
            (None, true) if generated == "yes" => ("no", "-".to_owned()),
            (None, _) => ("-", "-".to_owned()),
        };
        lines.push([
            row.spec.file_name.clone(),
            generated.to_owned(),
            warnings,
            compiled.to_owned(),
            rustc_warnings,
            row.time.as_millis().to_string(),
        ]);
    }
    let mut widths = [0; 6];
    for line in &lines {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.len());
        }
    }
    for (index, line) in lines.iter().enumerate() {
        let mut text = String::new();
        for (column, (cell, width)) in line.iter().zip(widths).enumerate() {
            let separator = if column == 0 { "" } else { " | " };
            if column == 0 {
                let _ = write!(text, "{separator}{cell:<width$}");
            } else {
                let _ = write!(text, "{separator}{cell:>width$}");
            }
        }
        println!("{}", text.trim_end());
        if index == 0 {
            let rule: Vec<String> = widths.iter().map(|width| "-".repeat(*width)).collect();
            println!("{}", rule.join("-|-"));
        }
    }
}

/// Prints what went wrong for every spec that did not make it all the way.
fn print_details(rows: &[Row], log: &Path) {
    let mut kinds: BTreeMap<&str, (usize, BTreeSet<&str>)> = BTreeMap::new();
    for row in rows {
        let name = &row.spec.file_name;
        match &row.generation {
            Generation::Panicked(message) => {
                println!("\n{name}: PANIC\n{}", indent(message));
            }
            Generation::Failed(message) => {
                println!("\n{name}: internal error\n{}", indent(message))
            }
            Generation::Rejected(message) => println!("\n{name}: rejected\n{}", indent(message)),
            Generation::Generated { .. } => {}
        }
        let Some(build) = row.build.as_ref().filter(|build| !build.ok()) else {
            continue;
        };
        let crate_name = &row.spec.crate_name;
        println!(
            "\n{name}: does not compile ({} errors; crate target/corpus/crates/{crate_name})",
            build.errors.len()
        );
        for error in build.errors.iter().take(ERRORS_SHOWN) {
            println!("  {}: {}", error.location, error.message);
            if !error.source_line.is_empty() {
                println!("      | {}", error.source_line);
            }
        }
        if build.errors.len() > ERRORS_SHOWN {
            println!("  ... and {} more", build.errors.len() - ERRORS_SHOWN);
        }
        for (kind, count) in &build.error_kinds {
            let entry = kinds.entry(kind).or_default();
            entry.0 += count;
            entry.1.insert(name);
        }
    }
    if !kinds.is_empty() {
        println!(
            "\ncompiler errors by kind (all messages: {}):",
            log.display()
        );
        for (kind, (count, specs)) in &kinds {
            let specs: Vec<&str> = specs.iter().copied().collect();
            println!("  {kind}: {count} in {}", specs.join(", "));
        }
    }
}

/// The first lines of `message`, indented.
fn indent(message: &str) -> String {
    let lines: Vec<&str> = message.lines().collect();
    let mut text: Vec<String> = lines
        .iter()
        .take(MESSAGE_LINES_SHOWN)
        .map(|line| format!("  {line}"))
        .collect();
    if lines.len() > MESSAGE_LINES_SHOWN {
        text.push(format!(
            "  ... and {} more lines",
            lines.len() - MESSAGE_LINES_SHOWN
        ));
    }
    text.join("\n")
}

/// Runs the `corpus` task; `root` is the repository root.
pub fn corpus(args: &[String], root: &Path) -> Result<(), String> {
    let default_dir = root
        .parent()
        .map_or_else(|| root.join(".."), Path::to_path_buf)
        .join("shared/specs/real-world");
    let options = parse_args(args, default_dir)?;
    let started = Instant::now();
    let corpus_dir = root.join("target/corpus");
    let crates_dir = corpus_dir.join("crates");
    let specs = find_specs(&options.dir)?;
    if specs.is_empty() {
        return Err(format!(
            "no *.json, *.yaml or *.yml in {}",
            options.dir.display()
        ));
    }
    let known: BTreeSet<String> = specs.iter().map(|spec| spec.crate_name.clone()).collect();
    remove_stale_crates(&crates_dir, &known);
    let specs = only_matching(specs, options.only.as_deref());
    if specs.is_empty() {
        return Err("no spec matches --only".to_owned());
    }

    let mut rows = generate_all(specs, &crates_dir);
    let members: Vec<String> = rows
        .iter()
        .filter(|row| matches!(row.generation, Generation::Generated { .. }))
        .map(|row| row.spec.crate_name.clone())
        .collect();
    let changed: usize = rows
        .iter()
        .map(|row| match row.generation {
            Generation::Generated { changed, .. } => changed,
            _ => 0,
        })
        .sum();
    write_workspace(&crates_dir, root, &members)?;

    let mut check_error = None;
    if options.compile && !members.is_empty() {
        eprintln!("checking {} crates ...", members.len());
        match check_workspace(&crates_dir, &corpus_dir, root, members.clone()) {
            Ok(mut builds) => {
                for row in &mut rows {
                    if matches!(row.generation, Generation::Generated { .. }) {
                        let build = builds.remove(&row.spec.crate_name).unwrap_or_default();
                        row.build = Some(build);
                    }
                }
            }
            Err(error) => check_error = Some(error),
        }
    }

    let mut builds = Vec::new();
    if options.timings && check_error.is_none() {
        let compiled: Vec<String> = rows
            .iter()
            .filter(|row| row.build.as_ref().is_some_and(CrateBuild::ok))
            .map(|row| row.spec.crate_name.clone())
            .collect();
        let target = root_target(&corpus_dir).join("generated-crates");
        builds = build_timings::time_builds(&crates_dir, &target, &compiled)?;
    }

    println!();
    print_table(&rows, options.compile);
    print_details(&rows, &corpus_dir.join("check.jsonl"));
    if !builds.is_empty() {
        println!("\n{}", build_timings::table(&builds));
    }
    let mut failed: Vec<&str> = rows
        .iter()
        .filter(|row| row.failed())
        .map(|row| row.spec.file_name.as_str())
        .collect();
    for build in builds.iter().filter(|build| build.failed()) {
        if let Some(row) = rows
            .iter()
            .find(|row| row.spec.crate_name == build.crate_name)
            && !failed.contains(&row.spec.file_name.as_str())
        {
            failed.push(&row.spec.file_name);
        }
    }
    println!(
        "\n{} specs, {} generated ({changed} files changed on disk), {} failed; {:.1} s",
        rows.len(),
        members.len(),
        failed.len(),
        started.elapsed().as_secs_f64()
    );
    if let Some(error) = check_error {
        return Err(error);
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} of {} specs failed: {}",
            failed.len(),
            rows.len(),
            failed.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_names_are_valid() {
        assert_eq!(
            crate_name("azure.com_sql-DatabaseSchema.json"),
            "corpus_azure_com_sql_databaseschema"
        );
        assert_eq!(crate_name("poemist.com.json"), "corpus_poemist_com");
        assert_eq!(crate_name("--a..b--.yaml"), "corpus_a_b");
        assert_eq!(crate_name("..yml"), "corpus");
    }

    #[test]
    fn panics_are_caught_with_their_location() {
        let caught: Result<(), String> = with_quiet_panics(|| catch_panic(|| panic!("boom")));
        let message = caught.err().unwrap_or_default();
        assert!(message.contains("boom"), "{message}");
        assert!(message.contains("corpus.rs"), "{message}");
        assert_eq!(with_quiet_panics(|| catch_panic(|| 7)), Ok(7));
    }

    #[test]
    fn unloadable_members_are_named() {
        let stderr = "error: missing escaped value\n\
            error: failed to load manifest for workspace member `/x/crates/corpus_a`\n\
            referenced by workspace at `/x/crates/Cargo.toml`\n";
        assert_eq!(unloadable_members(stderr), ["corpus_a"]);
    }
}

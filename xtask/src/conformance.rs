//! `cargo xtask conformance --spec S [--spec S ...] [--static] [--seed S] [--json FILE]`:
//! proves that the generated calls work, not only that they compile.
//!
//! For each spec: the crate is generated, and with it a driver program
//! (`codegen::emit::driver`) that calls every operation once with arguments sampled from the
//! spec. Stoplight Prism (`prism mock`, pinned in `xtask/conformance/prism/`, installed with
//! `npm ci` under `target/conformance/prism/`) serves the spec on 127.0.0.1, answering with
//! random data that fits each response schema, from a fixed seed (`--seed`; `--static`: the
//! spec's examples). Between
//! the two sits `xtask/conformance/check_requests.py`, which checks each request against its
//! operation with openapi-core (pinned in `xtask/conformance/requirements.txt`, installed in
//! `target/conformance/venv/`) and answers 422 itself for a request that breaks the spec,
//! because Prism's own check misses some (a missing required JSON property).
//!
//! Every call is classified: ok, decode (the answer did not decode), rejected (422 from the
//! check or from Prism), status (another error status), transport, skipped (the spec's sample
//! does not fit our type). Calls that are not ok and whose cause is not ours (the spec's or
//! Prism's) are listed in `xtask/conformance/causes.txt` with the outcome they have; any other
//! call that is not ok fails the run, and so does a listed call that is now ok, so the list
//! never hides a regression.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::Read as _;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The outcomes, in the order of the table and the final line.
const OUTCOMES: [&str; 6] = ["ok", "decode", "rejected", "status", "transport", "skipped"];
/// How long Prism may take to read a spec and listen (GitHub's takes about half a minute).
const START_TIMEOUT: Duration = Duration::from_secs(180);
/// How much of a call's detail the table shows.
const DETAIL_SHOWN: usize = 300;

/// The seed Prism's dynamic answers come from unless `--seed` names another: the same spec
/// and driver then get the same answers, so a run's outcomes can be reproduced (and a call
/// Prism's faker fails on now and then does not make CI flaky).
const DEFAULT_SEED: &str = "19";

struct Options {
    specs: Vec<PathBuf>,
    dynamic: bool,
    seed: String,
    json: Option<PathBuf>,
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        specs: Vec::new(),
        dynamic: true,
        seed: DEFAULT_SEED.to_owned(),
        json: None,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--spec" => options
                .specs
                .push(PathBuf::from(args.next().ok_or("--spec needs a file")?)),
            "--static" => options.dynamic = false,
            "--seed" => options.seed = args.next().ok_or("--seed needs a value")?.clone(),
            "--json" => {
                options.json = Some(PathBuf::from(args.next().ok_or("--json needs a file")?));
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if options.specs.is_empty() {
        return Err("conformance needs at least one --spec FILE".to_owned());
    }
    Ok(options)
}

/// One spec of the run: its file and the crates made from it.
struct Subject {
    path: PathBuf,
    file_name: String,
    /// The member directory (`conf_<stem>`): `client/` and `driver/` inside.
    name: String,
    operations: usize,
}

/// One call of the driver.
struct Call {
    operation: String,
    outcome: String,
    detail: String,
}

/// One line of `causes.txt`: a call that is not ok, and why that is not ours to fix.
#[derive(Debug)]
struct Cause {
    spec: String,
    operation: String,
    outcome: String,
    cause: String,
}

/// Runs the command.
pub fn conformance(args: &[String], root: &Path) -> Result<(), String> {
    let options = parse_args(args)?;
    let work = root.join("target").join("conformance");
    let causes = read_causes(&root.join("xtask/conformance/causes.txt"))?;
    let prism = install_prism(root, &work)?;
    let python = install_checker(root, &work)?;
    let subjects = generate_all(&options.specs, &work.join("crates"), root)?;
    build_drivers(&work, &subjects)?;
    let mut results: Vec<(&Subject, Result<Vec<Call>, String>)> = Vec::new();
    for subject in &subjects {
        let started = Instant::now();
        let seed = options.dynamic.then_some(options.seed.as_str());
        let calls = run_one(subject, &work, &prism, &python, root, seed);
        eprintln!(
            "conformance: {} in {:.1} s",
            subject.file_name,
            started.elapsed().as_secs_f64()
        );
        results.push((subject, calls));
    }
    let failed = report(&results, &causes);
    if let Some(path) = &options.json {
        write_json(path, &results)?;
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("; "))
    }
}

/// The listed causes; a line is `spec | operation | outcome | cause`.
fn read_causes(path: &Path) -> Result<Vec<Cause>, String> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => return Err(format!("cannot read {}: {error}", path.display())),
    };
    let mut causes = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line.splitn(4, " | ").map(str::trim).collect();
        let [spec, operation, outcome, cause] = parts[..] else {
            return Err(format!(
                "{}:{}: expected `spec | operation | outcome | cause`",
                path.display(),
                number + 1
            ));
        };
        if !OUTCOMES[1..].contains(&outcome) {
            return Err(format!(
                "{}:{}: `{outcome}` is not an outcome (decode, rejected, status, transport, skipped)",
                path.display(),
                number + 1
            ));
        }
        causes.push(Cause {
            spec: spec.to_owned(),
            operation: operation.to_owned(),
            outcome: outcome.to_owned(),
            cause: cause.to_owned(),
        });
    }
    Ok(causes)
}

/// Runs `command`, failing with `what` and the end of its output.
fn run_quietly(command: &mut Command, what: &str) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|error| format!("{what}: cannot start it: {error}"))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(15).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    Err(format!(
        "{what} failed ({}):\n{}",
        output.status,
        tail.join("\n")
    ))
}

/// Prism, installed from the pinned lock file when it is not there yet; the path of its
/// command.
fn install_prism(root: &Path, work: &Path) -> Result<PathBuf, String> {
    let pinned = root.join("xtask/conformance/prism");
    let dir = work.join("prism");
    let bin = dir.join("node_modules/.bin/prism");
    let lock = fs::read(pinned.join("package-lock.json"))
        .map_err(|error| format!("cannot read the pinned Prism lock file: {error}"))?;
    if bin.exists() && fs::read(dir.join("package-lock.json")).ok().as_ref() == Some(&lock) {
        return Ok(bin);
    }
    fs::create_dir_all(&dir)
        .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
    for file in ["package.json", "package-lock.json"] {
        fs::copy(pinned.join(file), dir.join(file))
            .map_err(|error| format!("cannot copy {file}: {error}"))?;
    }
    eprintln!(
        "conformance: installing Stoplight Prism (npm ci) in {}",
        dir.display()
    );
    run_quietly(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .env("SCARF_ANALYTICS", "false")
            .current_dir(&dir),
        "installing Stoplight Prism with `npm ci` (it needs Node.js 20 or later, npm, and the npm registry)",
    )?;
    if bin.exists() {
        Ok(bin)
    } else {
        Err(format!("npm ci finished but {} is missing", bin.display()))
    }
}

/// A Python environment with the pinned openapi-core; the path of its interpreter.
fn install_checker(root: &Path, work: &Path) -> Result<PathBuf, String> {
    let requirements = root.join("xtask/conformance/requirements.txt");
    let venv = work.join("venv");
    let python = venv.join("bin/python");
    let stamp = venv.join("requirements.txt");
    let wanted = fs::read(&requirements)
        .map_err(|error| format!("cannot read {}: {error}", requirements.display()))?;
    if python.exists() && fs::read(&stamp).ok().as_ref() == Some(&wanted) {
        return Ok(python);
    }
    eprintln!(
        "conformance: installing openapi-core (pip) in {}",
        venv.display()
    );
    run_quietly(
        Command::new("python3").arg("-m").arg("venv").arg(&venv),
        "creating a Python environment (`python3 -m venv`; on Debian: apt install python3-venv)",
    )?;
    run_quietly(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(&requirements),
        "installing openapi-core with pip (it needs PyPI)",
    )?;
    fs::write(&stamp, wanted)
        .map_err(|error| format!("cannot write {}: {error}", stamp.display()))?;
    Ok(python)
}

/// A directory name for a spec file: `twilio.com_twilio_chat_v1.json` →
/// `conf_twilio_com_twilio_chat_v1`.
fn member_name(file_name: &str) -> String {
    crate::corpus::prefixed_name("conf", file_name)
}

fn write_file(path: &Path, contents: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .map_err(|error| format!("cannot create {}: {error}", parent.display()))?;
    }
    // Unchanged files keep their time stamps, so cargo rebuilds only what changed.
    if fs::read_to_string(path).ok().as_deref() == Some(contents) {
        return Ok(());
    }
    fs::write(path, contents).map_err(|error| format!("cannot write {}: {error}", path.display()))
}

/// Generates each spec's crate and driver under `crates_dir`, in one workspace.
fn generate_all(specs: &[PathBuf], crates_dir: &Path, root: &Path) -> Result<Vec<Subject>, String> {
    let mut subjects: Vec<Subject> = Vec::new();
    for path in specs {
        let file_name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut name = member_name(&file_name);
        while subjects.iter().any(|s| s.name == name) {
            name.push('_');
        }
        let text = fs::read_to_string(path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        let source = path.display().to_string();
        let client_name = format!("{name}_client");
        let mut settings = codegen::Settings::new(&client_name);
        settings.command = "cargo xtask conformance".to_owned();
        let output =
            codegen::generate(&source, &text, &settings).map_err(|error| error.to_string())?;
        let dir = crates_dir.join(&name);
        for file in &output.krate.files {
            write_file(&dir.join("client").join(&file.path), &file.contents)?;
        }
        let raw = codegen::load::read(&source, &text).map_err(|error| error.to_string())?;
        let (api, _) = codegen::model::build_raw(&raw).map_err(|error| error.to_string())?;
        let driver = codegen::emit::driver::conformance_driver(&api, &raw, &client_name)
            .map_err(|error| format!("{source}: the driver: {error}"))?;
        write_file(&dir.join("driver/src/main.rs"), &driver)?;
        write_file(
            &dir.join("driver/Cargo.toml"),
            &format!(
                "# Written by `cargo xtask conformance`.\n[package]\nname = \"{name}_driver\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\n{client_name} = {{ path = \"../client\" }}\nserde = \"1\"\ntokio = {{ version = \"1\", features = [\"macros\", \"rt\"] }}\n"
            ),
        )?;
        subjects.push(Subject {
            path: path.clone(),
            file_name,
            name,
            operations: api.operations.len(),
        });
    }
    let mut manifest = String::from(
        "# Written by `cargo xtask conformance`: the generated crates and their drivers.\n[workspace]\nresolver = \"3\"\nmembers = [\n",
    );
    for subject in &subjects {
        let _ = writeln!(
            manifest,
            "    \"{0}/client\",\n    \"{0}/driver\",",
            subject.name
        );
    }
    manifest.push_str("]\n");
    write_file(&crates_dir.join("Cargo.toml"), &manifest)?;
    let lock = root.join("Cargo.lock");
    if lock.is_file() && !crates_dir.join("Cargo.lock").is_file() {
        fs::copy(&lock, crates_dir.join("Cargo.lock"))
            .map_err(|error| format!("cannot copy {}: {error}", lock.display()))?;
    }
    Ok(subjects)
}

fn target_dir(work: &Path) -> PathBuf {
    // Shared with `cargo xtask corpus` and the fixture tests: dependencies built once.
    work.parent()
        .map_or_else(|| work.join("target"), Path::to_path_buf)
        .join("generated-crates")
}

fn build_drivers(work: &Path, subjects: &[Subject]) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .arg("build")
        .arg("--manifest-path")
        .arg(work.join("crates/Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir(work));
    for subject in subjects {
        command.arg("-p").arg(format!("{}_driver", subject.name));
    }
    let status = command
        .status()
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err("the drivers did not build (the compiler's messages are above)".to_owned())
    }
}

/// A port nobody listens on now.
fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|error| format!("no free port on 127.0.0.1: {error}"))
}

/// A child process that is killed when dropped.
struct Server {
    child: Child,
    what: &'static str,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(
        mut command: Command,
        what: &'static str,
        log: PathBuf,
        port: u16,
    ) -> Result<Self, String> {
        let file = fs::File::create(&log)
            .map_err(|error| format!("cannot write {}: {error}", log.display()))?;
        let err = file
            .try_clone()
            .map_err(|error| format!("cannot write {}: {error}", log.display()))?;
        let child = command
            .stdout(file)
            .stderr(err)
            .stdin(Stdio::null())
            .spawn()
            .map_err(|error| format!("cannot start {what}: {error}"))?;
        let mut server = Server { child, what, log };
        let started = Instant::now();
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(server);
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!(
                    "{} exited ({status}):\n{}",
                    server.what,
                    server.log_tail()
                ));
            }
            if started.elapsed() > START_TIMEOUT {
                return Err(format!(
                    "{} did not listen within {START_TIMEOUT:?}:\n{}",
                    server.what,
                    server.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn log_tail(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = fs::File::open(&self.log) {
            let _ = file.read_to_string(&mut text);
        }
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }
}

/// Starts Prism and the request check for one spec, runs its driver, and reads its calls.
/// Writes the mock's and the check's copy of the spec (`xtask/conformance/mock_spec.py`: the
/// vendor's spec with the few changes that Prism's and openapi-core's gaps need, each named
/// there) and returns its path; says on stderr what it changed.
fn mock_spec(
    subject: &Subject,
    python: &Path,
    root: &Path,
    logs: &Path,
) -> Result<PathBuf, String> {
    let out = logs.join(format!("{}.mock-spec.json", subject.name));
    let output = Command::new(python)
        .arg(root.join("xtask/conformance/mock_spec.py"))
        .arg("--spec")
        .arg(&subject.path)
        .arg("--out")
        .arg(&out)
        .output()
        .map_err(|error| format!("cannot run mock_spec.py: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "mock_spec.py failed on {} ({}): {}",
            subject.path.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    eprintln!(
        "conformance: {}: {}",
        subject.file_name,
        String::from_utf8_lossy(&output.stdout).trim()
    );
    Ok(out)
}

fn run_one(
    subject: &Subject,
    work: &Path,
    prism: &Path,
    python: &Path,
    root: &Path,
    seed: Option<&str>,
) -> Result<Vec<Call>, String> {
    let logs = work.join("logs");
    fs::create_dir_all(&logs)
        .map_err(|error| format!("cannot create {}: {error}", logs.display()))?;
    let mock_spec = mock_spec(subject, python, root, &logs)?;
    let mock_port = free_port()?;
    let mut mock = Command::new(prism);
    mock.args(["mock", "-h", "127.0.0.1", "-p"])
        .arg(mock_port.to_string());
    if let Some(seed) = seed {
        mock.args(["-d", "--seed", seed]);
    }
    mock.arg(&mock_spec);
    let _mock = Server::start(
        mock,
        "Prism",
        logs.join(format!("{}.prism.log", subject.name)),
        mock_port,
    )?;
    let check_port = free_port()?;
    let checked = logs.join(format!("{}.requests.jsonl", subject.name));
    let _ = fs::remove_file(&checked);
    let mut check = Command::new(python);
    check
        .arg(root.join("xtask/conformance/check_requests.py"))
        .arg("--spec")
        .arg(&mock_spec)
        .arg("--port")
        .arg(check_port.to_string())
        .arg("--upstream")
        .arg(format!("http://127.0.0.1:{mock_port}"))
        .arg("--log")
        .arg(&checked);
    let _check = Server::start(
        check,
        "the request check (check_requests.py)",
        logs.join(format!("{}.check.log", subject.name)),
        check_port,
    )?;
    let driver = target_dir(work)
        .join("debug")
        .join(format!("{}_driver", subject.name));
    let output = Command::new(&driver)
        .arg(format!("http://127.0.0.1:{check_port}"))
        .output()
        .map_err(|error| format!("cannot run {}: {error}", driver.display()))?;
    if !output.status.success() {
        return Err(format!(
            "the driver failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let mut calls = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let value: Value = serde_json::from_str(line)
            .map_err(|error| format!("the driver printed `{line}`: {error}"))?;
        let field = |key: &str| {
            value
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        calls.push(Call {
            operation: field("operation"),
            outcome: field("outcome"),
            detail: field("detail"),
        });
    }
    if calls.len() != subject.operations {
        return Err(format!(
            "the driver reported {} calls for {} operations",
            calls.len(),
            subject.operations
        ));
    }
    Ok(calls)
}

fn shorten(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > DETAIL_SHOWN {
        let cut: String = one_line.chars().take(DETAIL_SHOWN).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

/// Prints the table, the calls that are not ok with their causes, and the final line; returns
/// what fails the run.
fn report(results: &[(&Subject, Result<Vec<Call>, String>)], causes: &[Cause]) -> Vec<String> {
    let mut failed = Vec::new();
    let mut totals: BTreeMap<&str, usize> = BTreeMap::new();
    let mut operations = 0;
    let width = results
        .iter()
        .map(|(s, _)| s.file_name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    println!(
        "{:width$}  {:>5}  {:>5}  {:>6}  {:>8}  {:>6}  {:>9}  {:>7}",
        "spec", "ops", "ok", "decode", "rejected", "status", "transport", "skipped"
    );
    let mut details = String::new();
    for (subject, calls) in results {
        operations += subject.operations;
        let calls = match calls {
            Ok(calls) => calls,
            Err(message) => {
                println!(
                    "{:width$}  {:>5}  could not run: {}",
                    subject.file_name,
                    subject.operations,
                    shorten(message)
                );
                *totals.entry("skipped").or_default() += subject.operations;
                failed.push(format!("{} could not run", subject.file_name));
                continue;
            }
        };
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for call in calls {
            *counts.entry(call.outcome.as_str()).or_default() += 1;
            *totals
                .entry(
                    OUTCOMES
                        .iter()
                        .find(|o| **o == call.outcome)
                        .copied()
                        .unwrap_or("transport"),
                )
                .or_default() += 1;
            if call.outcome == "ok" {
                if let Some(stale) = causes
                    .iter()
                    .find(|c| c.spec == subject.file_name && c.operation == call.operation)
                {
                    let _ = writeln!(
                        details,
                        "  {} {}: ok now, but listed in causes.txt as {}: remove the line",
                        subject.file_name, call.operation, stale.outcome
                    );
                    failed.push(format!(
                        "{} {} is listed but ok",
                        subject.file_name, call.operation
                    ));
                }
                continue;
            }
            let known = causes.iter().find(|c| {
                c.spec == subject.file_name
                    && c.operation == call.operation
                    && c.outcome == call.outcome
            });
            match known {
                Some(cause) => {
                    let _ = writeln!(
                        details,
                        "  {} {}: {} (known: {})",
                        subject.file_name, call.operation, call.outcome, cause.cause
                    );
                }
                None => {
                    let _ = writeln!(
                        details,
                        "  {} {}: {}: {}",
                        subject.file_name,
                        call.operation,
                        call.outcome,
                        shorten(&call.detail)
                    );
                    failed.push(format!(
                        "{} {} {}",
                        subject.file_name, call.operation, call.outcome
                    ));
                }
            }
        }
        let count = |outcome: &str| counts.get(outcome).copied().unwrap_or(0);
        println!(
            "{:width$}  {:>5}  {:>5}  {:>6}  {:>8}  {:>6}  {:>9}  {:>7}",
            subject.file_name,
            subject.operations,
            count("ok"),
            count("decode"),
            count("rejected"),
            count("status"),
            count("transport"),
            count("skipped")
        );
    }
    if !details.is_empty() {
        println!("\nnot ok:\n{details}");
    }
    let total = |outcome: &str| totals.get(outcome).copied().unwrap_or(0);
    println!(
        "conformance: {operations} operations, {} ok, {} decode, {} rejected, {} status, {} transport, {} skipped",
        total("ok"),
        total("decode"),
        total("rejected"),
        total("status"),
        total("transport"),
        total("skipped")
    );
    if failed.len() > 5 {
        let more = failed.len() - 5;
        failed.truncate(5);
        failed.push(format!("and {more} more not ok without a listed cause"));
    }
    failed
}

fn write_json(
    path: &Path,
    results: &[(&Subject, Result<Vec<Call>, String>)],
) -> Result<(), String> {
    let specs: Vec<Value> = results
        .iter()
        .map(|(subject, calls)| {
            let mut entry = serde_json::json!({
                "spec": subject.path.display().to_string(),
                "operations": subject.operations,
            });
            match calls {
                Ok(calls) => {
                    entry["calls"] = calls
                        .iter()
                        .map(|call| serde_json::json!({"operation": call.operation, "outcome": call.outcome, "detail": call.detail}))
                        .collect();
                }
                Err(message) => entry["error"] = Value::String(message.clone()),
            }
            entry
        })
        .collect();
    let text =
        serde_json::to_string_pretty(&Value::Array(specs)).map_err(|error| error.to_string())?;
    fs::write(path, text + "\n")
        .map_err(|error| format!("cannot write {}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(file_name: &str, operations: usize) -> Subject {
        Subject {
            path: PathBuf::from(file_name),
            file_name: file_name.to_owned(),
            name: member_name(file_name),
            operations,
        }
    }

    fn call(operation: &str, outcome: &str) -> Call {
        Call {
            operation: operation.to_owned(),
            outcome: outcome.to_owned(),
            detail: "HTTP 500".to_owned(),
        }
    }

    fn cause(operation: &str, outcome: &str) -> Cause {
        Cause {
            spec: "a.json".to_owned(),
            operation: operation.to_owned(),
            outcome: outcome.to_owned(),
            cause: "Prism".to_owned(),
        }
    }

    #[test]
    fn a_listed_cause_explains_only_its_outcome_and_a_stale_one_fails() {
        let spec = subject("a.json", 3);
        let causes = [
            cause("listed", "status"),
            cause("other_outcome", "status"),
            cause("fixed", "decode"),
        ];
        let results = vec![(
            &spec,
            Ok(vec![
                call("listed", "status"),
                call("other_outcome", "decode"),
                call("fixed", "ok"),
            ]),
        )];
        let failed = report(&results, &causes);
        assert_eq!(
            failed,
            [
                "a.json other_outcome decode",
                "a.json fixed is listed but ok"
            ]
        );
        let all_known = vec![(
            &spec,
            Ok(vec![
                call("listed", "status"),
                call("x", "ok"),
                call("y", "ok"),
            ]),
        )];
        assert!(report(&all_known, &causes[..1]).is_empty());
    }

    #[test]
    fn causes_lines_need_four_parts_and_a_known_outcome() {
        let dir = std::env::temp_dir().join(format!("conformance-causes-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("causes.txt");
        fs::write(&path, "# comment\n\na.json | op | status | Prism 500\n").unwrap();
        let causes = read_causes(&path).unwrap();
        assert_eq!(causes.len(), 1);
        assert_eq!(causes[0].cause, "Prism 500");
        fs::write(&path, "a.json | op | ok | fine\n").unwrap();
        assert!(read_causes(&path).unwrap_err().contains("not an outcome"));
        fs::write(&path, "a.json | op\n").unwrap();
        assert!(read_causes(&path).unwrap_err().contains(":1: expected"));
        assert!(read_causes(&dir.join("absent.txt")).unwrap().is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }
}

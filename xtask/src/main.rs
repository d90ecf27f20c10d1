//! Repository tasks: `cargo xtask codegen` regenerates `generated/` from `spec/deepshi.yaml`.

mod build_timings;
mod corpus;
mod same_code;

/// See `Cargo.toml`: the allocator is most of the difference on big specs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const HELP: &str = "\
cargo xtask <task> [options]

Tasks:
  codegen              Regenerate generated/ (the `deepshi` crate) from spec/deepshi.yaml,
                       and the test clients tests/clients/NAME from tests/fixtures/NAME.yaml.
    --check            Write nothing; exit 1 and name the stale files if generated/ (or a
                       test client) differs from what codegen writes now (CI runs this).
    --spec PATH        Read another OpenAPI 3.0/3.1 spec (YAML or JSON).
    --out DIR          Write the crate to DIR instead of generated/ (required with --spec).
                       Files there that codegen did not write are never replaced or removed.
    --crate-name NAME  Name of the generated crate (default: deepshi).
    --deny-warnings    Fail, writing nothing, when the spec gives warnings (constructs
                       that fell back to `serde_json::Value`, parts left out).
    --timings          Print how long each stage took.
    --report-json FILE Write what the change means for callers as JSON: {\"bump\": \"major\" |
                       \"minor\" | \"patch\" | \"none\", \"changes\": [{\"item\", \"change\", \"breaking\",
                       \"pointer\", \"level\"}], \"version\", \"next_version\"}. The same report is
                       printed on every run (it compares the crate's api.json before and after).
    --bump             Move the crate's version as the changes ask (Cargo's rules: 1.2.3 ->
                       2.0.0 / 1.3.0 / 1.2.4; 0.3.1 -> 0.4.0 for a breaking change).
  corpus [DIR]         Generate a crate for every *.json/*.yaml/*.yml spec in DIR (default:
                       ../shared/specs/real-world) under target/corpus/crates/, check them all in
                       one workspace, and print a table: spec, generated, codegen warnings,
                       compiled, rustc warnings, generation time. Exits 1 when a spec
                       panics, hits an internal error or yields a crate that does not compile.
    --only TEXT        Only the specs whose file name contains TEXT.
    --no-compile       Generate only.
    --timings          Then build each crate that compiled, whole and with each tag feature
                       alone (`--no-default-features --features TAG`), and print a table of
                       seconds and peak memory (dev profile without debug info, no
                       incremental, dependencies built first, untimed), each feature also as
                       a share of the whole build. A feature that does not build alone, or
                       warns, fails the run.
  same-code OLD_XTASK  Show that the emitter writes the same code as an earlier build of it,
                       whatever the layout: OLD_XTASK (an xtask binary built from another
                       commit) and this codegen both write Deepshi, every fixture and every
                       corpus spec under target/same-code/, rustfmt --edition 2024 lays out
                       both, and every file must then be identical (the @generated line
                       aside). Exits 1 and names the files that differ.
    --max-width N      rustfmt's max_width. rustfmt leaves an item as written when one of its
                       lines cannot fit in 100 columns (long generated names); a wider limit
                       lets it lay out every item.
    --only TEXT        Only the specs whose file name contains TEXT.
    --corpus DIR       The corpus directory (default: ../shared/specs/real-world).
  api-report --base REV
                       What generated/api.json changed since the commit REV means for callers
                       (git show REV:generated/api.json against the working tree), and the bump.
    --require-bump     Exit 1 unless the crate's version moved at least as far as the changes
                       ask (a breaking change needs the major bump): for CI on a pull request.
    --bump             Move the crate's version that far and regenerate (when the changes were
                       generated without `codegen --bump`).
    --report-json FILE Write the report as JSON, as `codegen --report-json` does.
  help                 Show this text.

Examples:
  cargo xtask codegen
  cargo xtask codegen --check
  cargo xtask codegen --spec petstore.yaml --out /tmp/petstore --crate-name petstore
  cargo xtask corpus --only azure
  cargo xtask corpus target/bench-specs --timings
  cargo xtask same-code /tmp/old/target/release/xtask --max-width 200
  cargo xtask api-report --base origin/main --require-bump
";

/// The pointer to the help after a usage error, which would hide the error if printed whole.
const SEE_HELP: &str = "see `cargo xtask --help`";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("codegen") => codegen(&args[1..]),
        Some("corpus") => corpus::corpus(&args[1..], &root()),
        Some("same-code") => same_code::same_code(&args[1..], &root()),
        Some("api-report") => api_report(&args[1..]),
        None | Some("help" | "--help" | "-h") => {
            print!("{HELP}");
            Ok(())
        }
        Some(other) => Err(format!("unknown task `{other}` ({SEE_HELP})")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The repository root (the parent of this crate).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

struct CodegenArgs {
    check: bool,
    spec: PathBuf,
    out: PathBuf,
    crate_name: String,
    timings: bool,
    deny_warnings: bool,
    /// `--spec` was given: only that crate is written, not the repository's own.
    spec_given: bool,
    /// `--report-json FILE`: where to write the API change report as JSON.
    report_json: Option<PathBuf>,
    /// `--bump`: move the crate's version as the changes ask.
    bump: bool,
    /// The version to write into the main crate (not the test clients), instead of the one
    /// its `api.json` holds.
    version: Option<String>,
    /// The command that regenerates this crate, for its `@generated` header.
    command: String,
}

fn parse_codegen_args(args: &[String]) -> Result<CodegenArgs, String> {
    let root = root();
    let mut parsed = CodegenArgs {
        check: false,
        spec: root.join("spec/deepshi.yaml"),
        out: root.join("generated"),
        crate_name: "deepshi".to_owned(),
        timings: false,
        deny_warnings: false,
        spec_given: false,
        report_json: None,
        bump: false,
        version: None,
        command: "cargo xtask codegen".to_owned(),
    };
    let (mut spec_given, mut out_given) = (false, false);
    let mut regenerate = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value ({SEE_HELP})"))
        };
        match arg.as_str() {
            "--check" => parsed.check = true,
            "--timings" => parsed.timings = true,
            "--deny-warnings" => parsed.deny_warnings = true,
            "--bump" => parsed.bump = true,
            "--report-json" => parsed.report_json = Some(PathBuf::from(value("--report-json")?)),
            "--spec" => {
                let spec = value("--spec")?;
                regenerate.push(format!("--spec {spec}"));
                parsed.spec = PathBuf::from(spec);
                spec_given = true;
            }
            "--out" => {
                let out = value("--out")?;
                regenerate.push(format!("--out {out}"));
                parsed.out = PathBuf::from(out);
                out_given = true;
            }
            "--crate-name" => {
                parsed.crate_name = value("--crate-name")?;
                regenerate.push(format!("--crate-name {}", parsed.crate_name));
            }
            "--help" | "-h" => {
                print!("{HELP}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown option `{other}` ({SEE_HELP})")),
        }
    }
    if parsed.bump && parsed.check {
        return Err(format!(
            "--bump writes the new version; it cannot go with --check ({SEE_HELP})"
        ));
    }
    if spec_given && !out_given {
        return Err(format!(
            "--spec without --out would replace {} (the deepshi crate) with another API; give --out DIR",
            parsed.out.display()
        ));
    }
    check_crate_name(&parsed.crate_name)?;
    parsed.spec_given = spec_given;
    if !regenerate.is_empty() {
        parsed.command = format!("cargo xtask codegen {}", regenerate.join(" "));
    }
    Ok(parsed)
}

/// A name cargo accepts for a package, which also makes a Rust identifier (`-` → `_`).
fn check_crate_name(name: &str) -> Result<(), String> {
    let valid = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && name.starts_with(|c: char| c.is_ascii_alphabetic());
    if valid {
        Ok(())
    } else {
        Err(format!(
            "--crate-name {name:?} is not a crate name: use ASCII letters, digits, `-` and `_`, starting with a letter"
        ))
    }
}

fn codegen(args: &[String]) -> Result<(), String> {
    run_codegen(&parse_codegen_args(args)?)
}

fn run_codegen(args: &CodegenArgs) -> Result<(), String> {
    let mut stale = Vec::new();
    let mut jobs = vec![Job {
        spec: args.spec.clone(),
        out: args.out.clone(),
        crate_name: args.crate_name.clone(),
    }];
    if !args.spec_given {
        jobs.extend(fixture_clients(&root())?);
    }
    for (at, job) in jobs.iter().enumerate() {
        // The API report (printed, `--report-json`, `--bump`) is about the crate users get, not
        // the test clients.
        if let Some(message) = codegen_one(args, job, at == 0)? {
            stale.push(message);
        }
    }
    if stale.is_empty() {
        return Ok(());
    }
    stale.push(format!("run `{}` and commit the result", args.command));
    Err(stale.join("\n"))
}

/// One crate for `cargo xtask codegen` to write (or check).
struct Job {
    spec: PathBuf,
    out: PathBuf,
    crate_name: String,
}

/// The directory of the clients that the HTTP tests drive besides `deepshi`: one generated
/// crate per fixture spec that needs to run, not only to compile (auth schemes, responses by
/// status, merged unions). `tests/clients/NAME` is generated from `tests/fixtures/NAME.yaml`
/// as the crate `fixture_NAME`; a new one is a `mkdir` and a `cargo xtask codegen` away.
const FIXTURE_CLIENTS: &str = "tests/clients";

fn fixture_clients(root: &Path) -> Result<Vec<Job>, String> {
    let dir = root.join(FIXTURE_CLIENTS);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(format!("cannot read {}: {error}", dir.display())),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|error| format!("cannot read {}: {error}", dir.display()))?;
        if entry.path().is_dir() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let spec = root.join("tests/fixtures").join(format!("{name}.yaml"));
            if !spec.is_file() {
                return Err(format!(
                    "{FIXTURE_CLIENTS}/{name} has no fixture spec: expected {}",
                    spec.display()
                ));
            }
            Ok(Job {
                spec,
                out: dir.join(&name),
                crate_name: format!("fixture_{name}"),
            })
        })
        .collect()
}

/// Writes (or with `--check` compares) one crate; returns the message naming its stale
/// files when `--check` finds any. With `report`, says what the change means for callers.
fn codegen_one(args: &CodegenArgs, job: &Job, report: bool) -> Result<Option<String>, String> {
    let started = std::time::Instant::now();
    let text = std::fs::read_to_string(&job.spec)
        .map_err(|error| format!("cannot read {}: {error}", job.spec.display()))?;
    let mut timings = vec![("read spec file", started.elapsed())];
    let mut settings = codegen::Settings::new(&job.crate_name);
    settings.command = args.command.clone();
    // The crate keeps its version from run to run (the spec's `info.version` is the API's);
    // only `--bump` moves it.
    let previous = codegen::report::read_summary(&job.out).map_err(|error| error.to_string())?;
    let forced = args.version.clone().filter(|_| report);
    settings.crate_version =
        forced.or_else(|| previous.as_ref().map(|summary| summary.version.clone()));
    let source = job.spec.display().to_string();
    let mut output =
        codegen::generate(&source, &text, &settings).map_err(|error| error.to_string())?;
    if report {
        let summary =
            codegen::report::summary_of(&output.krate).map_err(|error| error.to_string())?;
        let changes = previous
            .as_ref()
            .map(|previous| codegen::report::compare(previous, &summary));
        match &changes {
            Some(changes) => print!("{changes}"),
            None => println!(
                "API: no previous {} in {} to compare with",
                codegen::report::SUMMARY_FILE,
                job.out.display()
            ),
        }
        if let Some(path) = &args.report_json {
            let json = match &changes {
                Some(changes) => changes.to_json(),
                None => "{\"bump\": \"none\", \"changes\": []}\n".to_owned(),
            };
            std::fs::write(path, json)
                .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
        }
        if args.bump
            && let Some(next) = changes.as_ref().and_then(|changes| changes.next_version())
        {
            println!("--bump: version {} -> {next}", summary.version);
            settings.crate_version = Some(next);
            output =
                codegen::generate(&source, &text, &settings).map_err(|error| error.to_string())?;
        }
    }
    for warning in &output.warnings {
        eprintln!("warning: {source}: {warning}");
    }
    if args.deny_warnings && !output.warnings.is_empty() {
        return Err(format!(
            "the spec gave {} warning(s) and --deny-warnings is set; nothing was written",
            output.warnings.len()
        ));
    }
    timings.extend(output.timings.iter().copied());
    let started = std::time::Instant::now();
    let report = codegen::write::write(&output.krate, &job.out, args.check)
        .map_err(|error| error.to_string())?;
    timings.push(("write", started.elapsed()));
    let timings = args.timings.then(|| show_timings(&timings));
    if args.check {
        if report.is_clean() {
            println!("{} is up to date with {source}", job.out.display());
            timings.iter().for_each(|line| println!("{line}"));
            return Ok(None);
        }
        let mut message = format!(
            "{} is stale: it differs from what codegen writes for {source}:",
            job.out.display()
        );
        for path in &report.changed {
            message.push_str(&format!("\n  changed: {}", path.display()));
        }
        for path in &report.removed {
            message.push_str(&format!("\n  not generated any more: {}", path.display()));
        }
        return Ok(Some(message));
    }
    println!(
        "wrote {} ({} of {} files changed, {} removed, {} warnings)",
        job.out.display(),
        report.changed.len(),
        output.krate.files.len(),
        report.removed.len(),
        output.warnings.len()
    );
    timings.iter().for_each(|line| println!("{line}"));
    Ok(None)
}

/// `cargo xtask api-report --base REV [--require-bump] [--report-json FILE]`.
fn api_report(args: &[String]) -> Result<(), String> {
    let (mut base, mut require_bump, mut bump, mut json) = (None, false, false, None);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--base" => base = args.next().cloned(),
            "--require-bump" => require_bump = true,
            "--bump" => bump = true,
            "--report-json" => json = args.next().map(PathBuf::from),
            other => return Err(format!("unknown option `{other}` ({SEE_HELP})")),
        }
    }
    let base = base.ok_or_else(|| format!("api-report needs --base REV ({SEE_HELP})"))?;
    let file = format!("generated/{}", codegen::report::SUMMARY_FILE);
    let shown = std::process::Command::new("git")
        .args(["show", &format!("{base}:{file}")])
        .current_dir(root())
        .output()
        .map_err(|error| format!("cannot run git: {error}"))?;
    if !shown.status.success() {
        return Err(format!(
            "git show {base}:{file} failed: {}",
            String::from_utf8_lossy(&shown.stderr).trim()
        ));
    }
    let old = codegen::report::Summary::parse(
        &format!("{base}:{file}"),
        &String::from_utf8_lossy(&shown.stdout),
    )
    .map_err(|error| error.to_string())?;
    let new = codegen::report::read_summary(&root().join("generated"))
        .map_err(|error| error.to_string())?
        .ok_or_else(|| format!("{file} does not exist; run `cargo xtask codegen`"))?;
    let report = codegen::report::compare(&old, &new);
    print!("{report}");
    if let Some(path) = &json {
        std::fs::write(path, report.to_json())
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    }
    let Some(needed) = report.next_version() else {
        return Ok(());
    };
    if at_least(&new.version, &needed) {
        println!("version {} is enough for these changes", new.version);
        return Ok(());
    }
    if bump {
        println!("--bump: version {} -> {needed}", new.version);
        let mut args = parse_codegen_args(&[])?;
        args.version = Some(needed);
        return run_codegen(&args);
    }
    if require_bump {
        return Err(format!(
            "the changes ask for version {needed} (a {} bump from {}), but the crate is {}: run `cargo xtask api-report --base {base} --bump`",
            report.bump(),
            old.version,
            new.version
        ));
    }
    Ok(())
}

/// Whether `version` is `needed` or later (both `x.y.z`; anything else is not).
fn at_least(version: &str, needed: &str) -> bool {
    let parse = |text: &str| -> Option<Vec<u64>> {
        text.split('.').map(|part| part.parse().ok()).collect()
    };
    match (parse(version), parse(needed)) {
        (Some(version), Some(needed)) => version >= needed,
        _ => false,
    }
}

/// `timings: read 1.0 ms, ..., total 9.0 ms`, for `--timings`.
fn show_timings(timings: &[(&str, std::time::Duration)]) -> String {
    let total: std::time::Duration = timings.iter().map(|(_, spent)| *spent).sum();
    let mut line = "timings:".to_owned();
    for (stage, spent) in timings {
        line.push_str(&format!(" {stage} {:.1} ms,", spent.as_secs_f64() * 1000.0));
    }
    line.push_str(&format!(" total {:.1} ms", total.as_secs_f64() * 1000.0));
    line
}

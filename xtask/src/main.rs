//! Repository tasks: `cargo xtask codegen` regenerates `generated/` from `spec/deepshi.yaml`.

mod build_timings;
mod conformance;
mod corpus;
mod same_code;

/// See `Cargo.toml`: the allocator is most of the difference on big specs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `cargo xtask --help`: the tasks, with the generator's own options under `codegen`.
fn help() -> String {
    let codegen_options = codegen::cli::options_help(CONFIG_LABEL, 4);
    format!(
        "\
cargo xtask <task> [options]

Tasks:
  codegen              Regenerate generated/ (the `deepshi` crate) as codegen.toml says, and
                       the test clients tests/clients/NAME from tests/fixtures/NAME.yaml; with
                       --spec, only the crate of that spec. The same command line as the
                       installed `deepshi-codegen`:
{codegen_options}
{TASKS}"
    )
}

/// How `--help` names this repository's settings file.
const CONFIG_LABEL: &str = "codegen.toml at the repository root";

const TASKS: &str = "\
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
  conformance --spec FILE [--spec FILE ...]
                       Prove the generated calls work: generate each spec's crate and a driver
                       that calls every operation once with arguments sampled from the spec,
                       serve the spec with Stoplight Prism on 127.0.0.1 (installed with npm ci
                       under target/conformance/prism), check each request with openapi-core
                       (installed with pip under target/conformance/venv), and print a table
                       per spec and, last: `conformance: N operations, A ok, D decode,
                       R rejected, S status, T transport, K skipped`. Exits 1 when a call is
                       not ok without a cause listed in xtask/conformance/causes.txt, or a
                       listed call is ok.
    --static           Prism answers with the spec's examples instead of random data.
    --seed S           The seed of Prism's random data (default 19: the same answers each run).
    --json FILE        Write every call and its outcome as JSON.
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
  cargo xtask conformance --spec spec/deepshi.yaml
  cargo xtask corpus target/bench-specs --timings
  cargo xtask same-code /tmp/old/target/release/xtask --max-width 200
  cargo xtask api-report --base origin/main --require-bump
";

/// The pointer to the help after a usage error, which would hide the error if printed whole.
const SEE_HELP: &str = "see `cargo xtask --help`";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("codegen") => return codegen(&args[1..]),
        Some("corpus") => corpus::corpus(&args[1..], &root()),
        Some("conformance") => conformance::conformance(&args[1..], &root()),
        Some("same-code") => same_code::same_code(&args[1..], &root()),
        Some("api-report") => api_report(&args[1..]),
        None | Some("help" | "--help" | "-h") => {
            print!("{}", help());
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

/// `cargo xtask codegen`: the generator's command line, with this repository's settings file
/// and its test clients.
fn codegen(args: &[String]) -> ExitCode {
    let root = root();
    let also = match fixture_clients(&root) {
        Ok(also) => also,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    let program = codegen::cli::Program {
        name: "cargo xtask codegen".to_owned(),
        config: root.join(codegen::CONFIG_FILE),
        config_label: CONFIG_LABEL.to_owned(),
        also,
        about:
            "Regenerates this repository's crates (`cargo xtask --help` lists the other tasks).\n"
                .to_owned(),
    };
    codegen::cli::run(&program, args)
}

/// The directory of the clients that the HTTP tests drive besides `deepshi`: one generated
/// crate per fixture spec that needs to run, not only to compile (auth schemes, responses by
/// status, merged unions). `tests/clients/NAME` is generated from `tests/fixtures/NAME.yaml`
/// as the crate `fixture_NAME`; a new one is a `mkdir` and a `cargo xtask codegen` away.
const FIXTURE_CLIENTS: &str = "tests/clients";

fn fixture_clients(root: &Path) -> Result<Vec<codegen::Config>, String> {
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
            Ok(codegen::Config {
                spec,
                out: dir.join(&name),
                crate_name: format!("fixture_{name}"),
                deny_warnings: false,
                version_policy: codegen::VersionPolicy::Keep,
            })
        })
        .collect()
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
        let config = codegen::Config::from_file(&root().join(codegen::CONFIG_FILE))
            .map_err(|error| error.to_string())?;
        let mut options = codegen::Options::write("cargo xtask codegen");
        options.crate_version = Some(needed);
        let outcome = codegen::regenerate(&config, &options).map_err(|error| error.to_string())?;
        println!(
            "wrote {} ({} of {} files changed)",
            config.out.display(),
            outcome.written.changed.len(),
            outcome.files
        );
        return Ok(());
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

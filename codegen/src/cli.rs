//! The command line of the generator, shared by the `deepshi-codegen` binary and by an xtask
//! (`cargo xtask codegen` here, or another repository's): the flags, the settings file, the
//! messages and the exit status. A program passes its name and where its settings file is;
//! everything else is the same wherever it runs.
//!
//! Exit status: 0 when the crate was written (or is up to date under `--check`); 1 when the
//! spec or the settings cannot be used, a file cannot be read or written, or `--check` finds
//! the crate stale; 2 for a usage error.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::{CONFIG_FILE, Config, VersionPolicy, check_crate_name};
use crate::diagnostics::Error;
use crate::run::{Options, Outcome, regenerate};

/// A program that runs the generator's command line.
#[derive(Debug, Clone)]
pub struct Program {
    /// How users run it, as the `@generated` headers and the messages name it:
    /// `deepshi-codegen`, `cargo xtask codegen`.
    pub name: String,
    /// The settings file read when neither `--spec` nor `--config` is given.
    pub config: PathBuf,
    /// How `--help` names that file (`codegen.toml`, `codegen.toml at the repository root`).
    pub config_label: String,
    /// More crates to regenerate (or check) after the settings file's, in the same run; not
    /// with `--spec`. This repository's test clients are such crates.
    pub also: Vec<Config>,
    /// Text `--help` shows before the options.
    pub about: String,
}

impl Program {
    /// The installed binary: `deepshi-codegen`, reading `codegen.toml` in the current directory.
    pub fn installed() -> Program {
        Program {
            name: "deepshi-codegen".to_owned(),
            config: PathBuf::from(CONFIG_FILE),
            config_label: CONFIG_FILE.to_owned(),
            also: Vec::new(),
            about: "Generates an async Rust client crate from an OpenAPI 3.0/3.1 document.\n"
                .to_owned(),
        }
    }

    /// The usage line and the options, as `--help` prints them.
    pub fn help(&self) -> String {
        format!(
            "{about}\nUsage: {name} --spec FILE --out DIR [--crate-name NAME] [options]\n       {name} [options]   (with {label})\n\nOptions:\n{options}",
            about = self.about,
            name = self.name,
            label = self.config_label,
            options = options_help(&self.config_label, 2),
        )
    }
}

/// The options and the settings file, each line indented `by` spaces (an xtask that lists
/// several tasks shows them under its `codegen` task).
pub fn options_help(config_label: &str, by: usize) -> String {
    let text = format!(
        "\
--spec FILE        Generate from this OpenAPI 3.0/3.1 document (YAML or JSON); the settings
                   file is then not read.
--out DIR          The directory of the crate (required with --spec). Files there that
                   codegen did not write are never replaced or removed.
--crate-name NAME  The crate's name (default: the name of the --out directory).
--config FILE      Read the settings from FILE (default: {config_label}).
--check            Write nothing; exit 1 and name the stale files if the crate differs from
                   what codegen writes now (for CI).
--deny-warnings    Fail, writing nothing, when the spec gives warnings (constructs that fell
                   back to `serde_json::Value`, parts left out).
--timings          Print how long each stage took.
--report-json FILE Write what the change means for callers as JSON: {{\"bump\": \"major\" |
                   \"minor\" | \"patch\" | \"none\", \"changes\": [{{\"item\", \"change\", \"breaking\",
                   \"pointer\", \"level\"}}], \"version\", \"next_version\"}}. The same report is
                   printed on every run (it compares the crate's api.json before and after).
--bump             Move the crate's version as the changes ask (Cargo's rules: 1.2.3 ->
                   2.0.0 / 1.3.0 / 1.2.4; 0.3.1 -> 0.4.0 for a breaking change).
--help, --version  Show this text, or the generator's version.

The settings file, so that the command needs no flags (--out and --crate-name override it):
  spec = \"openapi.yaml\"      # required; relative paths are relative to the file
  out = \"client\"             # required: the directory of the crate
  crate-name = \"petstore\"    # default: the name of the out directory
  deny-warnings = false      # as --deny-warnings
  version-policy = \"keep\"    # \"keep\": only --bump moves the version; \"bump\": every run
                             # moves it as the changes ask; \"spec\": the spec's info.version

Exit status: 0 done (or up to date with --check); 1 the spec or settings cannot be used, a
file cannot be read or written, or --check found the crate stale; 2 a usage error.
"
    );
    indent(&text, by)
}

fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines()
        .map(|line| {
            if line.is_empty() {
                "\n".to_owned()
            } else {
                format!("{pad}{line}\n")
            }
        })
        .collect()
}

/// Runs the command line `args` (without the program's name), printing as it goes.
pub fn run(program: &Program, args: &[String]) -> ExitCode {
    match parse(program, args).and_then(|invocation| invocation.run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}\nsee `{} --help`", program.name);
            ExitCode::from(2)
        }
        Err(Failure::Help) => {
            print!("{}", program.help());
            ExitCode::SUCCESS
        }
        Err(Failure::Version) => {
            println!("{} {}", program.name, env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Err(Failure::Failed(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Why a run ended without doing its job (or with a job other than generating).
enum Failure {
    /// The command line is wrong: exit status 2.
    Usage(String),
    /// The work failed: exit status 1.
    Failed(String),
    /// `--help`.
    Help,
    /// `--version`.
    Version,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Failed(error.to_string())
    }
}

/// A parsed command line: the crates to regenerate and how.
struct Invocation {
    jobs: Vec<Config>,
    options: Options,
    timings: bool,
    report_json: Option<PathBuf>,
}

fn parse(program: &Program, args: &[String]) -> Result<Invocation, Failure> {
    let mut options = Options::write(program.name.clone());
    let (mut timings, mut deny_warnings) = (false, false);
    let mut report_json = None;
    let (mut spec, mut out, mut crate_name, mut config) = (None, None, None, None);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .cloned()
                .ok_or_else(|| Failure::Usage(format!("{flag} needs a value")))
        };
        match arg.as_str() {
            "--check" => options.check = true,
            "--bump" => options.bump = true,
            "--timings" => timings = true,
            "--deny-warnings" => deny_warnings = true,
            "--report-json" => report_json = Some(PathBuf::from(value(arg)?)),
            "--spec" => spec = Some(value(arg)?),
            "--out" => out = Some(value(arg)?),
            "--crate-name" => crate_name = Some(value(arg)?),
            "--config" => config = Some(value(arg)?),
            "--help" | "-h" => return Err(Failure::Help),
            "--version" | "-V" => return Err(Failure::Version),
            other => return Err(Failure::Usage(format!("unknown option `{other}`"))),
        }
    }
    if options.bump && options.check {
        return Err(Failure::Usage(
            "--bump writes the new version; it cannot go with --check".to_owned(),
        ));
    }
    if let Some(name) = &crate_name {
        check_crate_name(name).map_err(|why| Failure::Usage(format!("--crate-name {why}")))?;
    }
    // The command that writes this crate again, as the user gave it.
    let mut regenerate = vec![program.name.clone()];
    for (flag, value) in [
        ("--config", &config),
        ("--spec", &spec),
        ("--out", &out),
        ("--crate-name", &crate_name),
    ] {
        if let Some(value) = value {
            regenerate.push(flag.to_owned());
            regenerate.push(shell_word(value));
        }
    }
    options.command = regenerate.join(" ");
    let mut jobs = match (&spec, &config) {
        (Some(_), Some(_)) => {
            return Err(Failure::Usage(
                "--spec and --config are two ways to say what to generate; give one".to_owned(),
            ));
        }
        (Some(spec), None) => {
            let Some(out) = &out else {
                return Err(Failure::Usage(
                    "--spec needs --out DIR, the directory of the crate to write".to_owned(),
                ));
            };
            // A directory whose name is no crate name (`api.github.com`) is fine with one given.
            match &crate_name {
                Some(name) => vec![Config::named(spec, out, name)],
                None => vec![Config::new(spec, out)?],
            }
        }
        (None, given) => {
            let path = given.as_ref().map_or(program.config.clone(), PathBuf::from);
            if given.is_none() && !path.exists() {
                return Err(Failure::Usage(format!(
                    "nothing to generate: give --spec FILE --out DIR, or write {} (see --help)",
                    path.display()
                )));
            }
            let mut main = Config::from_file(&path)?;
            if let Some(out) = &out {
                main.out = PathBuf::from(out);
            }
            let mut jobs = vec![main];
            jobs.extend(program.also.iter().cloned());
            jobs
        }
    };
    for job in &mut jobs {
        job.deny_warnings |= deny_warnings;
    }
    if let Some(name) = crate_name {
        jobs[0].crate_name = name;
    }
    Ok(Invocation {
        jobs,
        options,
        timings,
        report_json,
    })
}

impl Invocation {
    fn run(&self) -> Result<(), Failure> {
        let mut stale = Vec::new();
        for (at, job) in self.jobs.iter().enumerate() {
            // The API report (printed, --report-json, --bump) is about the first crate, the
            // one users get; the others (test clients) are checked and written quietly.
            let main = at == 0;
            let mut options = self.options.clone();
            options.bump &= main;
            let outcome = regenerate(job, &options).map_err(|error| {
                if let Error::DeniedWarnings { warnings, .. } = &error {
                    for warning in warnings {
                        eprintln!("warning: {}: {warning}", job.spec.display());
                    }
                }
                Failure::from(error)
            })?;
            if main {
                self.report(job, &outcome)?;
            }
            if let Some(message) = self.show(job, &outcome) {
                stale.push(message);
            }
        }
        if stale.is_empty() {
            return Ok(());
        }
        stale.push(format!(
            "run `{}` and commit the result",
            self.options.command
        ));
        Err(Failure::Failed(stale.join("\n")))
    }

    /// What the change means for callers: printed, `--report-json`, the version bump.
    fn report(&self, job: &Config, outcome: &Outcome) -> Result<(), Failure> {
        match &outcome.changes {
            Some(changes) => print!("{changes}"),
            None => println!(
                "API: no previous {} in {} to compare with",
                crate::report::SUMMARY_FILE,
                job.out.display()
            ),
        }
        if let Some(path) = &self.report_json {
            let json = match &outcome.changes {
                Some(changes) => changes.to_json(),
                None => "{\"bump\": \"none\", \"changes\": []}\n".to_owned(),
            };
            std::fs::write(path, json)
                .map_err(|error| Failure::Failed(format!("{}: {error}", path.display())))?;
        }
        if let Some((from, to)) = &outcome.bumped {
            let why = if self.options.bump {
                "--bump"
            } else if job.version_policy == VersionPolicy::Bump {
                "version-policy \"bump\""
            } else {
                "bump"
            };
            println!("{why}: version {from} -> {to}");
        }
        Ok(())
    }

    /// Prints the warnings and what was written; returns the message naming the stale files
    /// when `--check` finds any.
    fn show(&self, job: &Config, outcome: &Outcome) -> Option<String> {
        let source = job.spec.display();
        for warning in &outcome.warnings {
            eprintln!("warning: {source}: {warning}");
        }
        let timings = self.timings.then(|| show_timings(&outcome.timings));
        let out = job.out.display();
        if self.options.check {
            if outcome.written.is_clean() {
                println!("{out} is up to date with {source}");
                timings.iter().for_each(|line| println!("{line}"));
                return None;
            }
            let mut message =
                format!("{out} is stale: it differs from what codegen writes for {source}:");
            for path in &outcome.written.changed {
                message.push_str(&format!("\n  changed: {}", path.display()));
            }
            for path in &outcome.written.removed {
                message.push_str(&format!("\n  not generated any more: {}", path.display()));
            }
            return Some(message);
        }
        println!(
            "wrote {out} ({} of {} files changed, {} removed, {} warnings)",
            outcome.written.changed.len(),
            outcome.files,
            outcome.written.removed.len(),
            outcome.warnings.len()
        );
        timings.iter().for_each(|line| println!("{line}"));
        None
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

/// `value` as a shell reads it back: bare when it is plain, else in single quotes.
fn shell_word(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=+@%,".contains(c));
    if plain {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program() -> Program {
        Program {
            config: PathBuf::from("/nonexistent/codegen.toml"),
            ..Program::installed()
        }
    }

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    fn usage(text: &str) -> String {
        match parse(&program(), &args(text)) {
            Err(Failure::Usage(message)) => message,
            Err(Failure::Failed(message)) => panic!("not a usage error: {message}"),
            _ => panic!("`{text}` parsed"),
        }
    }

    #[test]
    fn the_header_names_the_flags_that_regenerate_the_crate() {
        let mut given = args("--spec SPEC --out client --check --crate-name c --timings");
        given[1] = "specs/pet store.yaml".to_owned();
        let invocation = parse(&program(), &given).ok().unwrap();
        assert_eq!(
            invocation.options.command,
            "deepshi-codegen --spec 'specs/pet store.yaml' --out client --crate-name c"
        );
        assert_eq!(invocation.jobs.len(), 1);
        assert_eq!(invocation.jobs[0].crate_name, "c");
        assert!(invocation.options.check && invocation.timings);
    }

    #[test]
    fn a_directory_that_is_no_crate_name_takes_the_given_name() {
        let invocation = parse(
            &program(),
            &args("--spec a.json --out out/api.github.com --crate-name github"),
        )
        .ok()
        .unwrap();
        assert_eq!(invocation.jobs[0].crate_name, "github");
        assert!(parse(&program(), &args("--spec a.json --out out/api.github.com")).is_err());
    }

    #[test]
    fn the_crate_is_named_after_its_directory_by_default() {
        let invocation = parse(&program(), &args("--spec a.yaml --out out/pets-client"))
            .ok()
            .unwrap();
        assert_eq!(invocation.jobs[0].crate_name, "pets-client");
        assert_eq!(
            invocation.options.command,
            "deepshi-codegen --spec a.yaml --out out/pets-client"
        );
    }

    #[test]
    fn usage_errors_say_what_is_wrong() {
        assert_eq!(
            usage("--spec a.yaml"),
            "--spec needs --out DIR, the directory of the crate to write"
        );
        assert_eq!(usage("--out"), "--out needs a value");
        assert_eq!(usage("--frobnicate"), "unknown option `--frobnicate`");
        assert!(usage("--check --bump").contains("cannot go with --check"));
        assert!(usage("--spec a --out b --config c").contains("give one"));
        assert!(usage("--spec a --out b --crate-name 9").contains("\"9\" is not a crate name"));
        assert!(usage("").starts_with(
            "nothing to generate: give --spec FILE --out DIR, or write /nonexistent/codegen.toml"
        ));
    }

    #[test]
    fn odd_values_are_quoted_for_the_shell() {
        assert_eq!(shell_word("a/b-c.yaml"), "a/b-c.yaml");
        assert_eq!(shell_word("my spec.yaml"), "'my spec.yaml'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn help_lists_every_flag_the_parser_takes() {
        let help = program().help();
        for flag in [
            "--spec",
            "--out",
            "--crate-name",
            "--config",
            "--check",
            "--deny-warnings",
            "--timings",
            "--report-json",
            "--bump",
            "--help",
            "--version",
        ] {
            assert!(help.contains(flag), "{flag} is not in --help");
        }
    }
}

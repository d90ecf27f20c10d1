//! `cargo xtask corpus --timings`: builds every generated crate whole and then with each of its
//! tag features alone, and times each build: what an application pays for the crate, and the
//! check that every feature builds alone without warnings.
//!
//! Builds are measured as the generated crates' users pay for them: the dev profile without
//! debug info (`CARGO_PROFILE_DEV_DEBUG=0`), no incremental compilation, and the dependencies
//! already built (one small crate of the corpus is built first in each configuration, untimed),
//! so a figure is the generated crate alone. Peak memory is that of the largest process of the
//! build (rustc), read by GNU time (`/usr/bin/time`) where the machine has it.

use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Instant, SystemTime};

use serde_json::Value;

/// GNU time, which reports the peak resident memory of the largest child.
const GNU_TIME: &str = "/usr/bin/time";

/// Which features one build turns on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Features {
    /// The crate's defaults: every tag, TLS and gzip.
    Default,
    /// `--no-default-features --features <tag>`.
    Alone(String),
}

/// One timed build.
pub(crate) struct Build {
    pub(crate) crate_name: String,
    pub(crate) features: Features,
    pub(crate) seconds: f64,
    /// Peak memory in MB, when GNU time is there to read it.
    pub(crate) peak_mb: Option<u64>,
    pub(crate) ok: bool,
    /// Compiler warnings in the generated crate itself.
    pub(crate) warnings: usize,
}

impl Features {
    /// How the table and the progress lines name it.
    fn label(&self) -> String {
        match self {
            Features::Default => "default".to_owned(),
            Features::Alone(feature) if feature.is_empty() => "no features".to_owned(),
            Features::Alone(feature) => format!("{feature} alone"),
        }
    }
}

impl Build {
    /// Whether this build makes the run fail: it did not build, or it warned.
    pub(crate) fn failed(&self) -> bool {
        !self.ok || self.warnings > 0
    }
}

/// The tag features of a generated `Cargo.toml`: the entries of `[features]` that turn on no
/// other feature (`chat = []`), which is what the generator writes for tags and `other_types`.
pub(crate) fn tag_features(manifest: &str) -> Vec<String> {
    let mut in_features = false;
    let mut features = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_features = line == "[features]";
            continue;
        }
        if !in_features {
            continue;
        }
        if let Some((name, value)) = line.split_once('=')
            && value.trim() == "[]"
        {
            features.push(name.trim().to_owned());
        }
    }
    features
}

/// Builds and times `crates` (directory names under `crates_dir`, members of its workspace):
/// each whole, then each with every tag feature alone.
pub(crate) fn time_builds(
    crates_dir: &Path,
    target_dir: &Path,
    crates: &[String],
) -> Result<Vec<Build>, String> {
    let Some(smallest) = crates
        .iter()
        .min_by_key(|name| types_size(crates_dir, name))
    else {
        return Ok(Vec::new());
    };
    for features in [Features::Default, Features::Alone(String::new())] {
        eprintln!(
            "building the dependencies ({smallest}, {}) ...",
            features.label()
        );
        let warm = build(crates_dir, target_dir, smallest, &features)?;
        if !warm.ok {
            return Err(format!(
                "{smallest} does not build with {}; see the messages above",
                features.label()
            ));
        }
    }
    let mut builds = Vec::new();
    for name in crates {
        let manifest_path = crates_dir.join(name).join("Cargo.toml");
        let manifest = fs::read_to_string(&manifest_path)
            .map_err(|error| format!("cannot read {}: {error}", manifest_path.display()))?;
        let all = std::iter::once(Features::Default)
            .chain(tag_features(&manifest).into_iter().map(Features::Alone));
        for features in all {
            eprint!("building {name} ({}) ... ", features.label());
            let build = build(crates_dir, target_dir, name, &features)?;
            eprintln!("{:.1} s", build.seconds);
            builds.push(build);
        }
    }
    Ok(builds)
}

/// The size of a crate's types, to pick the cheapest crate for building the dependencies.
fn types_size(crates_dir: &Path, name: &str) -> u64 {
    fs::metadata(crates_dir.join(name).join("src/types.rs")).map_or(u64::MAX, |meta| meta.len())
}

/// One build of `name`, timed; its `src/lib.rs` is touched first so that cargo rebuilds it
/// even when an earlier run built it with the same features.
fn build(
    crates_dir: &Path,
    target_dir: &Path,
    name: &str,
    features: &Features,
) -> Result<Build, String> {
    let lib = crates_dir.join(name).join("src/lib.rs");
    fs::File::options()
        .append(true)
        .open(&lib)
        .and_then(|file| file.set_modified(SystemTime::now()))
        .map_err(|error| format!("cannot touch {}: {error}", lib.display()))?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let peak_file = target_dir.join("build-timings-peak.txt");
    let gnu_time = Path::new(GNU_TIME).is_file();
    // A figure left by the previous build must not stand in for this one's.
    let _ = fs::remove_file(&peak_file);
    let mut command = if gnu_time {
        let mut command = Command::new(GNU_TIME);
        command.args(["-f", "%M", "-o"]).arg(&peak_file).arg(cargo);
        command
    } else {
        Command::new(cargo)
    };
    command
        .args(["build", "--message-format=json", "-p", name])
        .arg("--manifest-path")
        .arg(crates_dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir)
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .env("CARGO_INCREMENTAL", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Features::Alone(feature) = features {
        command.arg("--no-default-features");
        if !feature.is_empty() {
            command.args(["--features", feature]);
        }
    }
    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    let own_manifest = crates_dir.join(name).join("Cargo.toml");
    let mut warnings = 0;
    let mut built = false;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let Ok(message) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            let ours = message["manifest_path"]
                .as_str()
                .is_some_and(|path| same_file(path, &own_manifest));
            match message["reason"].as_str() {
                Some("compiler-message")
                    if ours && message["message"]["level"].as_str() == Some("warning") =>
                {
                    warnings += 1;
                    if let Some(rendered) = message["message"]["rendered"].as_str() {
                        eprint!("{rendered}");
                    }
                }
                Some("compiler-message")
                    if message["message"]["level"].as_str() == Some("error") =>
                {
                    if let Some(rendered) = message["message"]["rendered"].as_str() {
                        eprint!("{rendered}");
                    }
                }
                Some("compiler-artifact") if ours => built = true,
                _ => {}
            }
        }
    }
    let status = child
        .wait()
        .map_err(|error| format!("cargo did not finish: {error}"))?;
    let seconds = started.elapsed().as_secs_f64();
    let peak_mb = gnu_time
        .then(|| fs::read_to_string(&peak_file).ok())
        .flatten()
        .and_then(|text| text.lines().last()?.trim().parse::<u64>().ok())
        .map(|kb| kb / 1024);
    Ok(Build {
        crate_name: name.to_owned(),
        features: features.clone(),
        seconds,
        peak_mb,
        ok: status.success() && built,
        warnings,
    })
}

fn same_file(path: &str, expected: &Path) -> bool {
    let path = PathBuf::from(path);
    path == expected
        || matches!(
            (fs::canonicalize(&path), fs::canonicalize(expected)),
            (Ok(path), Ok(expected)) if path == expected
        )
}

/// The table of the builds, each feature's figures also as a share of its crate's whole build.
pub(crate) fn table(builds: &[Build]) -> String {
    let mut text = String::from(
        "builds (dev profile without debug info, CARGO_INCREMENTAL=0, dependencies already built;\n\
         memory: peak of the largest process):\n",
    );
    let crate_width = builds
        .iter()
        .map(|build| build.crate_name.len())
        .chain([5])
        .max()
        .unwrap_or(5);
    let features_width = builds
        .iter()
        .map(|build| build.features.label().len())
        .chain([8])
        .max()
        .unwrap_or(8);
    let _ = writeln!(
        text,
        "{:<crate_width$} | {:<features_width$} | {:>8} | {:>8} | {:>8} | {:>8} | {:>8}",
        "crate", "features", "s", "MB", "warnings", "s/whole", "MB/whole"
    );
    let _ = writeln!(
        text,
        "{}",
        "-".repeat(crate_width + features_width + 8 * 5 + 18)
    );
    let mut whole: Option<&Build> = None;
    for build in builds {
        if build.features == Features::Default {
            whole = Some(build);
        }
        let features = build.features.label();
        let share = match &build.features {
            Features::Default => None,
            Features::Alone(_) => {
                whole.filter(|whole| whole.crate_name == build.crate_name && whole.ok)
            }
        };
        let mb = build
            .peak_mb
            .map_or_else(|| "-".to_owned(), |mb| mb.to_string());
        let seconds = if build.ok {
            format!("{:.1}", build.seconds)
        } else {
            "FAILED".to_owned()
        };
        let (time_share, memory_share) = share.map_or((String::new(), String::new()), |whole| {
            let memory = match (build.peak_mb, whole.peak_mb) {
                (Some(part), Some(all)) if all > 0 => format!("{:.2}", part as f64 / all as f64),
                _ => String::new(),
            };
            (format!("{:.2}", build.seconds / whole.seconds), memory)
        });
        let _ = writeln!(
            text,
            "{:<crate_width$} | {:<features_width$} | {:>8} | {:>8} | {:>8} | {:>8} | {:>8}",
            build.crate_name, features, seconds, mb, build.warnings, time_share, memory_share
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_features_are_the_empty_entries_of_the_features_table() {
        let manifest = "[package]\nname = \"x\"\n\n[dependencies]\nhyper = []\n\n[features]\n\
                        default = [\"rustls\", \"chat\"]\nrustls = [\"reqwest/rustls\"]\n\
                        # The operations tagged \"Chat\".\nchat = []\nfine_tuning = []\n\n\
                        [dev-dependencies]\ntokio = []\n";
        assert_eq!(tag_features(manifest), ["chat", "fine_tuning"]);
    }

    #[test]
    fn the_table_gives_each_feature_as_a_share_of_the_whole_build() {
        let build = |features, seconds, peak_mb| Build {
            crate_name: "corpus_x".to_owned(),
            features,
            seconds,
            peak_mb: Some(peak_mb),
            ok: true,
            warnings: 0,
        };
        let table = table(&[
            build(Features::Default, 80.0, 3000),
            build(Features::Alone("meta".to_owned()), 2.0, 600),
        ]);
        let meta = table
            .lines()
            .find(|line| line.contains("meta alone"))
            .unwrap();
        assert!(meta.contains("0.03") && meta.contains("0.20"), "{table}");
    }
}

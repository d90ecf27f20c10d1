//! The generator's output for the real spec and for one fixture spec per feature: snapshots,
//! freshness of `generated/`, determinism, and that every fixture's crate compiles.

use std::path::{Path, PathBuf};
use std::process::Command;

use codegen::{GeneratedCrate, Settings};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn generate(path: &Path, crate_name: &str) -> codegen::Output {
    let text = std::fs::read_to_string(path).unwrap();
    codegen::generate(
        &path.display().to_string(),
        &text,
        &Settings::new(crate_name),
    )
    .unwrap_or_else(|error| panic!("{error}"))
}

/// The `deepshi` crate as `cargo xtask codegen` writes it: with the version its `api.json`
/// holds (moved only by `--bump`), not the spec's `info.version`.
fn deepshi() -> GeneratedCrate {
    let path = root().join("spec/deepshi.yaml");
    let mut settings = Settings::new("deepshi");
    settings.crate_version = codegen::report::read_summary(&root().join("generated"))
        .unwrap()
        .map(|summary| summary.version);
    codegen::generate(
        &path.display().to_string(),
        &std::fs::read_to_string(&path).unwrap(),
        &settings,
    )
    .unwrap_or_else(|error| panic!("{error}"))
    .krate
}

/// The snapshot name of a generated file: `src/runtime/sse.rs` → `src__runtime__sse.rs`.
fn snapshot_name(prefix: &str, path: &str) -> String {
    format!("{prefix}__{}", path.replace('/', "__"))
}

#[test]
fn deepshi_spec_generates_without_warnings() {
    let output = generate(&root().join("spec/deepshi.yaml"), "deepshi");
    let warnings: Vec<String> = output.warnings.iter().map(ToString::to_string).collect();
    assert!(warnings.is_empty(), "{warnings:#?}");
}

#[test]
fn every_generated_file_of_the_deepshi_spec_matches_its_snapshot() {
    for file in deepshi().files {
        insta::assert_snapshot!(snapshot_name("deepshi", &file.path), file.contents);
    }
}

#[test]
fn generated_directory_is_up_to_date() {
    let report = codegen::write::write(&deepshi(), &root().join("generated"), true).unwrap();
    assert!(
        report.is_clean(),
        "generated/ is stale (changed: {:?}, removed: {:?}); run `cargo xtask codegen`",
        report.changed,
        report.removed
    );
}

/// The clients of `tests/clients/NAME`, generated from `tests/fixtures/NAME.yaml` for the HTTP
/// tests, are as `cargo xtask codegen` writes them now.
#[test]
fn fixture_clients_are_up_to_date() {
    let clients = root().join("tests/clients");
    let mut checked = 0;
    for entry in std::fs::read_dir(&clients).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let spec = root().join("tests/fixtures").join(format!("{name}.yaml"));
        let output = generate(&spec, &format!("fixture_{name}"));
        let report = codegen::write::write(&output.krate, &dir, true).unwrap();
        assert!(
            report.is_clean(),
            "tests/clients/{name} is stale (changed: {:?}, removed: {:?}); run `cargo xtask codegen`",
            report.changed,
            report.removed
        );
        checked += 1;
    }
    assert!(checked > 0, "no clients in {}", clients.display());
}

#[test]
fn generation_is_deterministic() {
    assert_eq!(deepshi(), deepshi());
}

fn fixtures() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "yaml" || ext == "json")
        })
        .collect();
    paths.sort();
    paths
}

fn fixture_crate_name(path: &Path) -> String {
    format!("fixture_{}", path.file_stem().unwrap().to_string_lossy())
}

#[test]
fn every_fixture_matches_its_snapshot() {
    for path in fixtures() {
        let output = generate(&path, &fixture_crate_name(&path));
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let warnings: String = output.warnings.iter().map(|w| format!("{w}\n")).collect();
        insta::assert_snapshot!(format!("fixture_{stem}__warnings"), warnings);
        for file in output
            .krate
            .files
            .iter()
            .filter(|f| !f.path.starts_with("src/runtime/"))
        {
            insta::assert_snapshot!(
                snapshot_name(&format!("fixture_{stem}"), &file.path),
                file.contents
            );
        }
    }
}

/// Writes every fixture's crate into one throwaway workspace and runs `cargo check` on it,
/// without and with the `mock` feature, so a change in the generator that emits invalid Rust
/// fails here and not in a user's build.
#[test]
fn every_fixture_crate_compiles_without_warnings() {
    let dir = root().join("target/fixture-crates");
    let _ = std::fs::remove_dir_all(&dir);
    let mut members = Vec::new();
    for path in fixtures() {
        let name = fixture_crate_name(&path);
        let output = generate(&path, &name);
        codegen::write::write(&output.krate, &dir.join(&name), false).unwrap();
        members.push(format!("\"{name}\""));
    }
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"3\"\nmembers = [{}]\n",
            members.join(", ")
        ),
    )
    .unwrap();
    let _ = std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock"));
    // Without the `mock` feature, as the crates' users build them, then with it: the mock
    // of every fixture's operations must compile too.
    for features in [&[][..], &["--features", "mock"]] {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let output = Command::new(cargo)
            // The same command as `cargo xtask corpus`, so both share one build of the
            // dependencies.
            .args(["check", "--workspace", "--quiet"])
            .args(features)
            .current_dir(&dir)
            // Shared with `cargo xtask corpus`, so dependencies are built once for both.
            .env("CARGO_TARGET_DIR", root().join("target/generated-crates"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "fixture crates do not compile ({features:?}):\n{stderr}"
        );
        // Dependencies' lints are capped, so any warning here is in generated code.
        assert!(
            !stderr.contains("warning"),
            "fixture crates compile with warnings ({features:?}):\n{stderr}"
        );
    }
    // A crate with cargo features (one per tag) builds with none, and with each alone, with
    // and without the mock.
    let mut checked = 0;
    for path in fixtures() {
        let name = fixture_crate_name(&path);
        let manifest = std::fs::read_to_string(dir.join(&name).join("Cargo.toml")).unwrap();
        let Some((_, features)) = manifest.split_once("\n[features]\n") else {
            continue;
        };
        let features: Vec<&str> = features
            .lines()
            .filter_map(|line| line.strip_suffix(" = []"))
            .collect();
        let with_mock: Vec<String> = features.iter().map(|f| format!("mock,{f}")).collect();
        let all = std::iter::once("")
            .chain(features.iter().copied())
            .chain(std::iter::once("mock"))
            .chain(with_mock.iter().map(String::as_str));
        for feature in all {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
            let output = Command::new(cargo)
                .args(["check", "--quiet", "-p", &name, "--no-default-features"])
                .args(["--features", feature])
                .current_dir(&dir)
                .env("CARGO_TARGET_DIR", root().join("target/generated-crates"))
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                output.status.success() && !stderr.contains("warning"),
                "{name} with only the feature {feature:?}:\n{stderr}"
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no fixture has cargo features");
}

/// A snapshot no test asserts any more hides a renamed or removed output: every stored
/// snapshot must belong to a file the tests above generate.
#[test]
fn every_stored_snapshot_belongs_to_a_generated_file() {
    let mut expected: Vec<String> = deepshi()
        .files
        .iter()
        .map(|file| snapshot_name("deepshi", &file.path))
        .collect();
    for path in fixtures() {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        expected.push(format!("fixture_{stem}__warnings"));
        let output = generate(&path, &fixture_crate_name(&path));
        expected.extend(
            output
                .krate
                .files
                .iter()
                .filter(|f| !f.path.starts_with("src/runtime/"))
                .map(|file| snapshot_name(&format!("fixture_{stem}"), &file.path)),
        );
    }
    let dir = root().join("tests/tests/snapshots");
    let mut stray = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let Some(snapshot) = name
            .strip_prefix("codegen_output__")
            .and_then(|n| n.strip_suffix(".snap"))
        else {
            continue;
        };
        if !expected.iter().any(|e| e == snapshot) {
            stray.push(name);
        }
    }
    assert!(
        stray.is_empty(),
        "snapshots no test asserts (delete them): {stray:?}"
    );
}

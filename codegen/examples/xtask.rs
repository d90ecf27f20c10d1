//! The xtask of another repository that keeps a client generated from its own OpenAPI spec in
//! its tree, with the generator as a library pinned in its `Cargo.lock`:
//!
//! ```text
//! cargo xtask codegen           regenerate the crate as codegen.toml says
//! cargo xtask codegen --check   for CI: exit 1, with the change report and the stale files,
//!                               when the crate is not what the spec gives
//! ```
//!
//! Its pieces, in that repository:
//!
//! ```toml
//! # codegen.toml, at the root
//! spec = "api/openapi.yaml"
//! out = "client"
//!
//! # xtask/Cargo.toml
//! [dependencies]
//! codegen = { git = "https://github.com/OWNER/deepshi-codegen", rev = "..." }
//!
//! # .cargo/config.toml
//! [alias]
//! xtask = "run --quiet --package xtask --"
//! ```
//!
//! This file is that xtask's `src/main.rs`. (`codegen::cli::run` would give it the whole
//! command line of `deepshi-codegen` in one call; this shows the library underneath.) Run here,
//! as `cargo run -p codegen --example xtask -- codegen --check`, it checks this repository's
//! own `generated/`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use codegen::{Config, Options, regenerate};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let check = match args.as_slice() {
        ["codegen"] => false,
        ["codegen", "--check"] => true,
        _ => {
            eprintln!("usage: cargo xtask codegen [--check]");
            return ExitCode::from(2);
        }
    };
    match codegen(check) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Regenerates (or checks) the crate; `false` when `--check` finds it stale.
fn codegen(check: bool) -> Result<bool, codegen::Error> {
    let config = Config::from_file(&repository_root().join(codegen::CONFIG_FILE))?;
    // The command the `@generated` headers tell readers to run.
    let command = "cargo xtask codegen";
    let options = if check {
        Options::check(command)
    } else {
        Options::write(command)
    };
    let outcome = regenerate(&config, &options)?;
    // What the change means for the crate's callers, and the version bump it asks for.
    match &outcome.changes {
        Some(changes) => print!("{changes}"),
        None => println!("API: a new crate, nothing to compare with"),
    }
    for warning in &outcome.warnings {
        eprintln!("warning: {}: {warning}", config.spec.display());
    }
    if outcome.is_stale(&options) {
        eprintln!(
            "{} is stale; run `{command}` and commit the result:",
            config.out.display()
        );
        for path in &outcome.written.changed {
            eprintln!("  changed: {}", path.display());
        }
        for path in &outcome.written.removed {
            eprintln!("  not generated any more: {}", path.display());
        }
        return Ok(false);
    }
    let done = if check { "up to date" } else { "written" };
    println!(
        "{} {done} ({} files, {} changed)",
        config.out.display(),
        outcome.files,
        outcome.written.changed.len()
    );
    Ok(true)
}

/// The xtask's package sits in `xtask/` at the root of its repository.
fn repository_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map_or_else(|| manifest.to_path_buf(), Path::to_path_buf)
}

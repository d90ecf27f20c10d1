//! `cargo xtask same-code OLD_XTASK`: shows that a change of how the emitter lays code out
//! changed no code. Both generators write every crate (Deepshi, each fixture, each corpus
//! spec), rustfmt lays out both copies the same way, and the files must then be identical.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::corpus::{Spec, find_specs, only_matching};

struct Options {
    old_xtask: PathBuf,
    max_width: Option<String>,
    only: Option<String>,
    corpus_dir: PathBuf,
}

fn parse_args(args: &[String], root: &Path) -> Result<Options, String> {
    let mut old_xtask = None;
    let mut max_width = None;
    let mut only = None;
    let mut corpus_dir = root.join("../shared/specs/real-world");
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match arg.as_str() {
            "--max-width" => max_width = Some(value("--max-width")?),
            "--only" => only = Some(value("--only")?),
            "--corpus" => corpus_dir = PathBuf::from(value("--corpus")?),
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            path if old_xtask.is_none() => old_xtask = Some(PathBuf::from(path)),
            extra => return Err(format!("unexpected argument `{extra}`")),
        }
    }
    let old_xtask = old_xtask.ok_or("same-code needs the path of the old xtask binary")?;
    Ok(Options {
        old_xtask,
        max_width,
        only,
        corpus_dir,
    })
}

/// Every spec both generators write: Deepshi, the fixtures, the corpus (when present).
fn all_specs(root: &Path, corpus_dir: &Path) -> Result<Vec<Spec>, String> {
    let mut specs = vec![Spec {
        path: root.join("spec/deepshi.yaml"),
        file_name: "deepshi.yaml".to_owned(),
        crate_name: "deepshi".to_owned(),
    }];
    for mut spec in find_specs(&root.join("tests/fixtures"))? {
        spec.crate_name = spec.crate_name.replacen("corpus_", "fixture_", 1);
        specs.push(spec);
    }
    if corpus_dir.is_dir() {
        specs.extend(find_specs(corpus_dir)?);
    } else {
        eprintln!("{} not found: corpus specs skipped", corpus_dir.display());
    }
    Ok(specs)
}

pub fn same_code(args: &[String], root: &Path) -> Result<(), String> {
    let options = parse_args(args, root)?;
    let specs = only_matching(
        all_specs(root, &options.corpus_dir)?,
        options.only.as_deref(),
    );
    let work = root.join("target/same-code");
    let (old_dir, new_dir) = (work.join("old"), work.join("new"));
    for dir in [&old_dir, &new_dir] {
        let _ = fs::remove_dir_all(dir);
        fs::create_dir_all(dir)
            .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
    }
    let mut rust_files = Vec::new();
    let mut rejected_by_both = Vec::new();
    for spec in &specs {
        let old_out = old_dir.join(&spec.crate_name);
        let status = Command::new(&options.old_xtask)
            .arg("codegen")
            .arg("--spec")
            .arg(&spec.path)
            .arg("--out")
            .arg(&old_out)
            .args(["--crate-name", &spec.crate_name])
            .output()
            .map_err(|error| format!("cannot run {}: {error}", options.old_xtask.display()))?;
        let text = fs::read_to_string(&spec.path)
            .map_err(|error| format!("cannot read {}: {error}", spec.path.display()))?;
        let generated = codegen::generate(
            &spec.path.display().to_string(),
            &text,
            &codegen::Settings::new(&spec.crate_name),
        );
        match (status.status.success(), generated) {
            (true, Ok(output)) => {
                codegen::write::write(&output.krate, &new_dir.join(&spec.crate_name), false)
                    .map_err(|error| error.to_string())?;
            }
            (false, Err(_)) => {
                rejected_by_both.push(spec.file_name.as_str());
                continue;
            }
            (old_ok, new) => {
                return Err(format!(
                    "{}: the old generator {} and the new one {}",
                    spec.file_name,
                    if old_ok { "succeeded" } else { "failed" },
                    if new.is_ok() { "succeeded" } else { "failed" },
                ));
            }
        }
        for dir in [&old_out, &new_dir.join(&spec.crate_name)] {
            collect_rust_files(&dir.join("src"), &mut rust_files);
        }
    }
    let rustfmt = std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".to_owned());
    for batch in rust_files.chunks(200) {
        let mut command = Command::new(&rustfmt);
        // Only the layout is rustfmt's to decide: the order of imports and modules is the
        // generators' own, and must be the same.
        let mut config = "reorder_imports=false,reorder_modules=false".to_owned();
        if let Some(width) = &options.max_width {
            config.push_str(&format!(",max_width={width}"));
        }
        command.args(["--edition", "2024", "--config", &config]);
        let output = command
            .args(batch)
            .output()
            .map_err(|error| format!("cannot run {rustfmt}: {error}"))?;
        if !output.status.success() {
            return Err(format!(
                "rustfmt failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    let mut compared = 0;
    let mut differing = Vec::new();
    for spec in &specs {
        let (old, new) = (
            old_dir.join(&spec.crate_name),
            new_dir.join(&spec.crate_name),
        );
        let mut files = Vec::new();
        collect_files(&old, &old, &mut files);
        collect_files(&new, &new, &mut files);
        files.sort();
        files.dedup();
        for file in files {
            compared += 1;
            let (before, after) = (
                without_header(&old.join(&file)),
                without_header(&new.join(&file)),
            );
            if before != after {
                differing.push(format!("{}/{}", spec.crate_name, file.display()));
                if let (Some(before), Some(after)) = (&before, &after) {
                    print_first_difference(&spec.crate_name, &file, before, after);
                }
            }
        }
    }
    if !rejected_by_both.is_empty() {
        println!(
            "rejected by both generators (nothing to compare): {}",
            rejected_by_both.join(", ")
        );
    }
    println!(
        "{} specs, {compared} files compared after rustfmt --edition 2024{}: {} differ",
        specs.len() - rejected_by_both.len(),
        options
            .max_width
            .as_ref()
            .map(|width| format!(" (max_width {width})"))
            .unwrap_or_default(),
        differing.len()
    );
    if differing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "files differ (copies in {}):\n  {}",
            work.display(),
            differing.join("\n  ")
        ))
    }
}

fn collect_rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// Every file under `dir`, relative to `base`.
fn collect_files(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(base, &path, out);
        } else if let Ok(relative) = path.strip_prefix(base) {
            out.push(relative.to_path_buf());
        }
    }
}

/// The file without its first line, the `@generated` header, which names the command that
/// wrote it and so differs between the two runs. `None` when the file is missing.
fn without_header(path: &Path) -> Option<String> {
    let text = fs::read_to_string(path).ok()?;
    Some(
        text.split_once('\n')
            .map_or(String::new(), |(_, rest)| rest.to_owned()),
    )
}

fn print_first_difference(crate_name: &str, file: &Path, before: &str, after: &str) {
    let line = before
        .lines()
        .zip(after.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| before.lines().count().min(after.lines().count()));
    println!(
        "{crate_name}/{}: first difference at line {} (after the header)",
        file.display(),
        line + 1
    );
    println!(
        "  old: {}",
        before.lines().nth(line).unwrap_or("<end of file>")
    );
    println!(
        "  new: {}",
        after.lines().nth(line).unwrap_or("<end of file>")
    );
}

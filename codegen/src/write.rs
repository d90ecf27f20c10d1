//! Stage 4: the generated files → disk, touching only files whose content changed; or, in
//! check mode, the list of files that differ.

use std::fs;
use std::path::{Path, PathBuf};

use crate::diagnostics::Error;
use crate::emit::GeneratedCrate;

/// What writing (or checking) found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// Files whose content differed (written, or stale in check mode).
    pub changed: Vec<PathBuf>,
    /// Files under the output's `src/` that codegen no longer writes (deleted, or stale).
    pub removed: Vec<PathBuf>,
}

impl WriteReport {
    /// Whether everything was already up to date.
    pub fn is_clean(&self) -> bool {
        self.changed.is_empty() && self.removed.is_empty()
    }
}

/// Writes `krate` under `out`, only where content changed, and removes stray `.rs` files under
/// `out/src`. With `check`, writes nothing and reports what would change.
pub fn write(krate: &GeneratedCrate, out: &Path, check: bool) -> Result<WriteReport, Error> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| Error::Io { path, source }
    };
    let mut report = WriteReport::default();
    for file in &krate.files {
        let path = out.join(&file.path);
        let current = fs::read_to_string(&path).ok();
        if current.as_deref() == Some(file.contents.as_str()) {
            continue;
        }
        report.changed.push(path.clone());
        if !check {
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(io(parent))?;
            }
            fs::write(&path, &file.contents).map_err(io(&path))?;
        }
    }
    let expected: Vec<PathBuf> = krate
        .files
        .iter()
        .map(|file| out.join(&file.path))
        .collect();
    for stray in rust_files(&out.join("src")) {
        if !expected.contains(&stray) {
            if !check {
                fs::remove_file(&stray).map_err(io(&stray))?;
            }
            report.removed.push(stray);
        }
    }
    Ok(report)
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

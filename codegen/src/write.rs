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

/// Writes `krate` under `out`, only where content changed, and removes `.rs` files under
/// `out/src` that an earlier run wrote and this one does not. With `check`, writes nothing and
/// reports what would change. A file to be replaced that codegen did not write (it lacks the
/// `@generated` header) stops the run before anything is written.
pub fn write(krate: &GeneratedCrate, out: &Path, check: bool) -> Result<WriteReport, Error> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| Error::Io { path, source }
    };
    // Nothing is written unless every file it would replace is codegen's own.
    for file in &krate.files {
        let path = out.join(&file.path);
        if let Ok(current) = fs::read_to_string(&path)
            && current != file.contents
            && !is_generated(&current)
        {
            return Err(Error::NotGenerated {
                path: path.display().to_string(),
            });
        }
    }
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
    // Only files codegen wrote are removed; hand-written ones are none of its business.
    for stray in rust_files(&out.join("src")) {
        let generated = fs::read_to_string(&stray).is_ok_and(|text| is_generated(&text));
        if generated && !expected.contains(&stray) {
            if !check {
                fs::remove_file(&stray).map_err(io(&stray))?;
            }
            report.removed.push(stray);
        }
    }
    Ok(report)
}

/// Whether a file starts with the header codegen puts on everything it writes.
fn is_generated(text: &str) -> bool {
    text.starts_with("// @generated")
        || text.starts_with("# @generated")
        // JSON has no comments: the API summary says so in its first key.
        || text.starts_with("{\n  \"@generated\"")
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::GeneratedFile;

    fn krate() -> GeneratedCrate {
        GeneratedCrate {
            files: vec![
                GeneratedFile {
                    path: "Cargo.toml".into(),
                    contents: "# @generated\n[package]\n".into(),
                },
                GeneratedFile {
                    path: "src/lib.rs".into(),
                    contents: "// @generated\nmod a;\n".into(),
                },
            ],
        }
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("codegen-write-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("src")).unwrap();
        dir
    }

    #[test]
    fn a_hand_written_crate_is_never_overwritten() {
        let dir = scratch("hand");
        fs::write(dir.join("Cargo.toml"), "[package]\nname = \"mine\"\n").unwrap();
        fs::write(dir.join("src/main.rs"), "fn main() {}\n").unwrap();
        let error = write(&krate(), &dir, false).unwrap_err();
        assert!(matches!(error, Error::NotGenerated { .. }), "{error}");
        assert!(error.to_string().contains("Cargo.toml"), "{error}");
        assert_eq!(
            fs::read_to_string(dir.join("Cargo.toml")).unwrap(),
            "[package]\nname = \"mine\"\n"
        );
        assert!(dir.join("src/main.rs").exists());
        assert!(!dir.join("src/lib.rs").exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn only_files_codegen_wrote_are_removed() {
        let dir = scratch("stray");
        fs::write(dir.join("src/old.rs"), "// @generated\n").unwrap();
        fs::write(dir.join("src/mine.rs"), "pub fn mine() {}\n").unwrap();
        let report = write(&krate(), &dir, false).unwrap();
        assert_eq!(report.removed, vec![dir.join("src/old.rs")]);
        assert!(!dir.join("src/old.rs").exists());
        assert!(dir.join("src/mine.rs").exists());
        assert_eq!(report.changed.len(), 2);
        // A second run finds everything up to date.
        assert!(write(&krate(), &dir, true).unwrap().is_clean());
        fs::remove_dir_all(&dir).unwrap();
    }
}

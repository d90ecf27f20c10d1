//! The settings of one generated crate: which spec, where the crate goes, its name and how its
//! version moves. They come from flags, or from a `codegen.toml` in the user's repository:
//!
//! ```toml
//! spec = "openapi.yaml"        # required; relative paths are relative to this file
//! out = "client"               # required: the directory of the generated crate
//! crate-name = "petstore"      # default: the name of the `out` directory
//! deny-warnings = true         # default false: fail when the spec gives warnings
//! version-policy = "keep"      # "keep" (default), "bump" or "spec"
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diagnostics::Error;

/// The name of the settings file, looked for in the directory the command runs in.
pub const CONFIG_FILE: &str = "codegen.toml";

/// What to generate and where: one crate from one spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The OpenAPI 3.0/3.1 document (YAML or JSON).
    pub spec: PathBuf,
    /// The directory of the generated crate. Files there that codegen did not write are
    /// never replaced or removed.
    pub out: PathBuf,
    /// The name of the generated crate (a package name; `-` becomes `_` in Rust paths).
    pub crate_name: String,
    /// Fail, writing nothing, when the spec gives warnings.
    pub deny_warnings: bool,
    /// How the crate's version moves from run to run.
    pub version_policy: VersionPolicy,
}

/// How the generated crate's version moves from run to run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VersionPolicy {
    /// The crate keeps the version its `api.json` holds (the spec's `info.version` on the first
    /// run, `0.1.0` when that is not a version); only `--bump` moves it.
    #[default]
    Keep,
    /// Every run moves the version as the changes for callers ask (Cargo's rules).
    Bump,
    /// The spec's `info.version`, every run.
    Spec,
}

/// `codegen.toml` as written: every key, none unknown.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ConfigFile {
    spec: PathBuf,
    out: PathBuf,
    crate_name: Option<String>,
    #[serde(default)]
    deny_warnings: bool,
    #[serde(default)]
    version_policy: VersionPolicy,
}

impl Config {
    /// Settings for the crate `out` made from `spec`, named after the `out` directory.
    pub fn new(spec: impl Into<PathBuf>, out: impl Into<PathBuf>) -> Result<Config, Error> {
        let out = out.into();
        let crate_name = crate_name_of(&out)?;
        Ok(Config::named(spec, out, crate_name))
    }

    /// Settings for the crate `crate_name` in `out` made from `spec` (the name is not checked:
    /// see [`check_crate_name`]).
    pub fn named(
        spec: impl Into<PathBuf>,
        out: impl Into<PathBuf>,
        crate_name: impl Into<String>,
    ) -> Config {
        Config {
            spec: spec.into(),
            out: out.into(),
            crate_name: crate_name.into(),
            deny_warnings: false,
            version_policy: VersionPolicy::Keep,
        }
    }

    /// Reads a settings file; its relative paths are taken relative to its directory.
    pub fn from_file(path: &Path) -> Result<Config, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        Config::parse(path, &text)
    }

    /// Reads the text of the settings file at `path` (which names it in errors and anchors
    /// its relative paths).
    pub fn parse(path: &Path, text: &str) -> Result<Config, Error> {
        let error = |message: String| Error::Settings {
            path: path.display().to_string(),
            message,
        };
        let file: ConfigFile =
            toml::from_str(text).map_err(|e| error(e.to_string().trim_end().to_owned()))?;
        let base = path.parent().unwrap_or(Path::new(""));
        let out = base.join(&file.out);
        let crate_name = match file.crate_name {
            Some(name) => {
                check_crate_name(&name).map_err(|why| error(format!("crate-name: {why}")))?;
                name
            }
            None => crate_name_of(&out)?,
        };
        Ok(Config {
            spec: base.join(&file.spec),
            out,
            crate_name,
            deny_warnings: file.deny_warnings,
            version_policy: file.version_policy,
        })
    }
}

/// The crate name a directory gives when none is set: its own name.
fn crate_name_of(out: &Path) -> Result<String, Error> {
    let absolute;
    let named = if out.file_name().is_some() {
        out
    } else {
        // `.` or `..`: the name of the directory it stands for.
        absolute = std::path::absolute(out).map_err(|source| Error::Io {
            path: out.display().to_string(),
            source,
        })?;
        absolute.as_path()
    };
    let name = named
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    match check_crate_name(&name) {
        Ok(()) => Ok(name),
        Err(why) => Err(Error::CrateName {
            why: format!("{why} (it is the name of the directory {})", out.display()),
            name,
        }),
    }
}

/// Whether cargo accepts `name` for a package that is also a Rust identifier (`-` → `_`);
/// the reason when not.
pub fn check_crate_name(name: &str) -> Result<(), String> {
    let valid = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && name.starts_with(|c: char| c.is_ascii_alphabetic());
    if valid {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not a crate name: use ASCII letters, digits, `-` and `_`, starting with a letter"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_settings_file_anchors_its_paths_and_names_the_crate_after_out() {
        let config = Config::parse(
            Path::new("repo/codegen.toml"),
            "spec = 'api/openapi.yaml'\nout = 'crates/petstore-client'\n",
        )
        .unwrap();
        assert_eq!(config.spec, Path::new("repo/api/openapi.yaml"));
        assert_eq!(config.out, Path::new("repo/crates/petstore-client"));
        assert_eq!(config.crate_name, "petstore-client");
        assert!(!config.deny_warnings);
        assert_eq!(config.version_policy, VersionPolicy::Keep);
    }

    #[test]
    fn every_key_is_read() {
        let config = Config::parse(
            Path::new("codegen.toml"),
            "spec = 's.json'\nout = 'c'\ncrate-name = 'pets'\ndeny-warnings = true\nversion-policy = 'bump'\n",
        )
        .unwrap();
        assert_eq!(config.spec, Path::new("s.json"));
        assert_eq!(config.crate_name, "pets");
        assert!(config.deny_warnings);
        assert_eq!(config.version_policy, VersionPolicy::Bump);
    }

    #[test]
    fn an_unknown_key_is_named_with_its_line() {
        let error = Config::parse(
            Path::new("codegen.toml"),
            "spec = 's.json'\nout = 'c'\ncrate_name = 'pets'\n",
        )
        .unwrap_err()
        .to_string();
        assert!(error.starts_with("codegen.toml: "), "{error}");
        assert!(error.contains("line 3"), "{error}");
        assert!(error.contains("unknown field `crate_name`"), "{error}");
        assert!(error.contains("crate-name"), "{error}");
    }

    #[test]
    fn a_missing_key_a_bad_policy_and_a_bad_name_are_errors() {
        let parse = |text| Config::parse(Path::new("codegen.toml"), text).unwrap_err();
        let missing = parse("spec = 's.json'\n").to_string();
        assert!(missing.contains("missing field `out`"), "{missing}");
        let policy = parse("spec = 's'\nout = 'c'\nversion-policy = 'always'\n").to_string();
        assert!(policy.contains("unknown variant `always`"), "{policy}");
        let name = parse("spec = 's'\nout = 'c'\ncrate-name = '1st'\n").to_string();
        assert!(
            name.contains("crate-name: \"1st\" is not a crate name"),
            "{name}"
        );
        let derived = parse("spec = 's'\nout = 'my.client'\n").to_string();
        assert!(
            derived.contains("\"my.client\" is not a crate name"),
            "{derived}"
        );
        assert!(derived.contains("--crate-name") || derived.contains("crate-name"));
    }
}

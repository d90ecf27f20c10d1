//! One regeneration as a command runs it: read the spec, generate, compare the API with the
//! crate on disk, move the version as the settings ask, and write or check the files.

use std::time::{Duration, Instant};

use crate::config::{Config, VersionPolicy};
use crate::diagnostics::{Diagnostic, Error};
use crate::report::{self, Report};
use crate::write::{self, WriteReport};
use crate::{Settings, generate};

/// How to run [`regenerate`], beyond what the [`Config`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Write nothing; [`Outcome::written`] lists the files that differ (for CI).
    pub check: bool,
    /// Move the version as the changes ask, whatever the version policy.
    pub bump: bool,
    /// The command that regenerates the crate, named in its `@generated` headers.
    pub command: String,
    /// Write this version, whatever the policy says.
    pub crate_version: Option<String>,
}

impl Options {
    /// Write the crate; its headers name `command` as the way to regenerate it.
    pub fn write(command: impl Into<String>) -> Options {
        Options {
            check: false,
            bump: false,
            command: command.into(),
            crate_version: None,
        }
    }

    /// Check the crate, writing nothing.
    pub fn check(command: impl Into<String>) -> Options {
        Options {
            check: true,
            ..Options::write(command)
        }
    }
}

/// What a [`regenerate`] did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The files that changed (written, or with [`Options::check`] stale), and the files
    /// codegen wrote before that it does not write any more.
    pub written: WriteReport,
    /// How many files the crate has.
    pub files: usize,
    /// What the change means for callers, against the crate's previous `api.json`; `None`
    /// when there was none (a first run).
    pub changes: Option<Report>,
    /// The version before and after, when the run moved it.
    pub bumped: Option<(String, String)>,
    /// Constructs of the spec that fell back to something looser, each with its place.
    pub warnings: Vec<Diagnostic>,
    /// Wall time of each stage.
    pub timings: Vec<(&'static str, Duration)>,
}

impl Outcome {
    /// Whether the crate on disk differs from what the spec gives (only ever with
    /// [`Options::check`]: otherwise the difference has just been written).
    pub fn is_stale(&self, options: &Options) -> bool {
        options.check && !self.written.is_clean()
    }
}

/// Regenerates (or checks) the crate `config` describes.
///
/// The crate keeps its version from run to run (the spec's `info.version` is the API's, not
/// the crate's) unless the policy, [`Options::bump`] or [`Options::crate_version`] moves it.
/// With `deny_warnings`, warnings are an error and nothing is written.
pub fn regenerate(config: &Config, options: &Options) -> Result<Outcome, Error> {
    let started = Instant::now();
    let source = config.spec.display().to_string();
    let text = std::fs::read_to_string(&config.spec).map_err(|error| Error::Io {
        path: source.clone(),
        source: error,
    })?;
    let mut timings = vec![("read spec file", started.elapsed())];
    let mut settings = Settings::new(&config.crate_name);
    settings.command = options.command.clone();
    let previous = report::read_summary(&config.out)?;
    settings.crate_version = match (&options.crate_version, config.version_policy) {
        (Some(version), _) => Some(version.clone()),
        (None, VersionPolicy::Spec) => None,
        (None, _) => previous.as_ref().map(|summary| summary.version.clone()),
    };
    let mut output = generate(&source, &text, &settings)?;
    let summary = report::summary_of(&output.krate)?;
    let changes = previous
        .as_ref()
        .map(|previous| report::compare(previous, &summary));
    let bump = options.bump || config.version_policy == VersionPolicy::Bump;
    let mut bumped = None;
    if bump
        && options.crate_version.is_none()
        && let Some(next) = changes.as_ref().and_then(Report::next_version)
    {
        bumped = Some((summary.version.clone(), next.clone()));
        settings.crate_version = Some(next);
        output = generate(&source, &text, &settings)?;
    }
    if config.deny_warnings && !output.warnings.is_empty() {
        return Err(Error::DeniedWarnings {
            source_name: source,
            warnings: output.warnings,
        });
    }
    timings.extend(output.timings.iter().copied());
    let started = Instant::now();
    let written = write::write(&output.krate, &config.out, options.check)?;
    timings.push(("write", started.elapsed()));
    Ok(Outcome {
        written,
        files: output.krate.files.len(),
        changes,
        bumped,
        warnings: output.warnings,
        timings,
    })
}

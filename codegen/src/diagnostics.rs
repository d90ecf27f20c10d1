//! Errors and warnings, each naming its place in the spec.

use std::fmt;

/// A construct the generator met, with the JSON pointer of its place in the spec.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// JSON pointer into the spec, e.g. `#/components/schemas/Foo/properties/bar`.
    pub pointer: String,
    /// What was found and what the generator did about it.
    pub message: String,
}

impl Diagnostic {
    pub(crate) fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)
    }
}

/// Why a spec could not be turned into a crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The text is not YAML or JSON.
    #[error("{source_name}:{line}:{column}: not valid YAML/JSON: {message}")]
    Syntax {
        /// The file (or other name) the text came from.
        source_name: String,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What the parser found.
        message: String,
    },
    /// The document parses but is not an OpenAPI 3.x document.
    #[error("{source_name}: {}{message}", location(.line, .pointer))]
    NotOpenApi {
        /// The file (or other name) the text came from.
        source_name: String,
        /// JSON pointer of the problem, when it has one.
        pointer: Option<String>,
        /// 1-based line of the problem, when known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// The spec is an OpenAPI document, but one the generator cannot turn into a crate
    /// (duplicate operation names, for example).
    #[error("{}", list(.0))]
    Invalid(Vec<Diagnostic>),
    /// A bug in the generator (a worker thread panicked), reported so it can be fixed.
    #[error("internal error: {0}; please report it with the spec")]
    Internal(String),
    /// The output directory holds a file codegen did not write, which it would replace.
    #[error(
        "{path} was not written by codegen (it has no `@generated` header); refusing to replace it: give --out an empty directory or one codegen made"
    )]
    NotGenerated {
        /// The file.
        path: String,
    },
    /// The crate's API summary (`api.json`) is not one codegen can read.
    #[error(
        "{path} is not an API summary this codegen can read ({message}); restore it from version control, or delete it to start the change reports afresh"
    )]
    Summary {
        /// The file.
        path: String,
        /// What the JSON parser found.
        message: String,
    },
    /// The settings file is not one codegen can read (unknown key, wrong type).
    #[error("{path}: {message}")]
    Settings {
        /// The settings file.
        path: String,
        /// What is wrong, with the line and column.
        message: String,
    },
    /// The crate would get a name cargo does not accept.
    #[error("{why}; give one with --crate-name, or crate-name in codegen.toml")]
    CrateName {
        /// The name.
        name: String,
        /// Why it is not one, and where it came from.
        why: String,
    },
    /// The spec gave warnings and the settings deny them; nothing was written.
    #[error(
        "{source_name}: the spec gave {} warning(s) and deny-warnings is set; nothing was written",
        .warnings.len()
    )]
    DeniedWarnings {
        /// The spec.
        source_name: String,
        /// The warnings, each with its place in the spec.
        warnings: Vec<Diagnostic>,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

fn location(line: &Option<usize>, pointer: &Option<String>) -> String {
    match (line, pointer) {
        (Some(line), Some(pointer)) => format!("line {line}, at {pointer}: "),
        (None, Some(pointer)) => format!("at {pointer}: "),
        (Some(line), None) => format!("line {line}: "),
        (None, None) => String::new(),
    }
}

fn list(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

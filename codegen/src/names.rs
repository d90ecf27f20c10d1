//! Every Rust name the generator emits is decided here: sanitized, re-cased, kept clear of
//! keywords, and made unique deterministically.

use std::borrow::Cow;
use std::collections::BTreeSet;

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};

/// Keywords of Rust 2024 (strict and reserved), which need `r#` or a suffix as identifiers.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Keywords that cannot be raw identifiers (`r#self` is not allowed).
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Whether `word` is a Rust keyword.
pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// `raw` as heck should see it: every character but an ASCII letter or digit becomes a
/// space, so names are ASCII and every such character separates words (`x-trace-id`,
/// `chat.completion`, `Ärger` → `rger`). Most names have nothing to replace.
fn ascii_words(raw: &str) -> Cow<'_, str> {
    if raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        Cow::Borrowed(raw)
    } else {
        Cow::Owned(
            raw.chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
                .collect(),
        )
    }
}

/// `UpperCamelCase` of `raw`'s words (heck).
fn upper_camel(raw: &str) -> String {
    ascii_words(raw).to_upper_camel_case()
}

/// `raw`'s words joined by `_`, each lowercased (`snake_case`) or uppercased (heck).
fn joined(raw: &str, upper: bool) -> String {
    let words = ascii_words(raw);
    if upper {
        words.to_shouty_snake_case()
    } else {
        words.to_snake_case()
    }
}

/// A type or variant name: `UpperCamelCase`, never empty, never starting with a digit.
pub fn type_name(raw: &str) -> String {
    let mut name = upper_camel(raw);
    if name.is_empty() {
        name = "Value".to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'V');
    }
    // `Self_` would be numbered `Self_2` on a clash, which is not camel case.
    if name == "Self" {
        name = "SelfValue".to_owned();
    }
    name
}

/// A field, method or parameter name: `snake_case`, escaped when it is a keyword. The result is
/// a valid identifier as written, `r#` included.
pub fn field_name(raw: &str) -> String {
    let mut name = joined(raw, false);
    if name.is_empty() {
        name = "value".to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    escape_keyword(name)
}

/// A constant name: `SHOUTY_SNAKE_CASE`.
pub fn const_name(raw: &str) -> String {
    let mut name = joined(raw, true);
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

fn escape_keyword(name: String) -> String {
    if NOT_RAW.contains(&name.as_str()) {
        format!("{name}_")
    } else if is_keyword(&name) {
        format!("r#{name}")
    } else {
        name
    }
}

/// The identifier without its `r#` prefix, for building derived names.
pub fn unraw(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

/// A crude English singular for naming the item type of an array property
/// (`choices` → `choice`, `entries` → `entry`); names stay readable, not grammatical.
pub fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies")
        && !stem.is_empty()
    {
        return format!("{stem}y");
    }
    if word.ends_with("ss") || word.ends_with("us") || word.len() < 3 {
        return word.to_owned();
    }
    word.strip_suffix('s').unwrap_or(word).to_owned()
}

/// Hands out unique names in one namespace. The first claim of a name gets it as asked; later
/// claims of the same name get a numeric suffix. Callers claim in a deterministic order (spec
/// order, or sorted), so the same spec always gives the same names.
#[derive(Debug, Default, Clone)]
pub struct Namespace {
    taken: BTreeSet<String>,
}

impl Namespace {
    /// An empty namespace.
    pub fn new() -> Self {
        Self::default()
    }

    /// A namespace where `reserved` names are already taken.
    pub fn with_reserved<'a>(reserved: impl IntoIterator<Item = &'a str>) -> Self {
        Namespace {
            taken: reserved.into_iter().map(str::to_owned).collect(),
        }
    }

    /// Whether `name` is taken.
    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(name)
    }

    /// Claims `wanted`, or `wanted` with the smallest free numeric suffix (`Name2`, `name_2`).
    pub fn claim(&mut self, wanted: &str) -> String {
        if self.taken.insert(wanted.to_owned()) {
            return wanted.to_owned();
        }
        let base = unraw(wanted);
        // `Pet2`, `name_2`; `self_2`, not `self__2`, which is not snake case.
        let separator = if base.starts_with(|c: char| c.is_ascii_uppercase()) || base.ends_with('_')
        {
            ""
        } else {
            "_"
        };
        let mut n = 2;
        loop {
            let candidate = format!("{base}{separator}{n}");
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_at_case_changes_and_non_alphanumerics() {
        assert_eq!(upper_camel("HTTPServer"), "HttpServer");
        assert_eq!(upper_camel("XMLHttpRequest"), "XmlHttpRequest");
        assert_eq!(upper_camel("v1Beta2"), "V1Beta2");
        assert_eq!(joined("fooBar.baz-qux", false), "foo_bar_baz_qux");
        assert_eq!(joined("JSONValue", true), "JSON_VALUE");
        assert_eq!(joined("already_snake", false), "already_snake");
        assert_eq!(joined("Σx-é", false), "x");
        assert_eq!(joined("__", false), "");
    }

    #[test]
    fn type_names_are_valid_identifiers() {
        assert_eq!(type_name("chat.completion"), "ChatCompletion");
        assert_eq!(type_name("x-trace-id"), "XTraceId");
        assert_eq!(type_name("2fa"), "V2fa");
        assert_eq!(type_name("self"), "SelfValue");
        assert_eq!(type_name("_"), "Value");
        assert_eq!(type_name("Ärger"), "Rger");
    }

    #[test]
    fn field_names_escape_keywords_and_digits() {
        assert_eq!(field_name("type"), "r#type");
        assert_eq!(field_name("self"), "self_");
        assert_eq!(field_name("async"), "r#async");
        assert_eq!(field_name("fooBar"), "foo_bar");
        assert_eq!(field_name("x-trace-id"), "x_trace_id");
        assert_eq!(field_name("1st"), "_1st");
        assert_eq!(field_name("_"), "value");
        assert_eq!(field_name("$ref"), "r#ref");
    }

    #[test]
    fn namespace_settles_collisions_in_claim_order() {
        let mut names = Namespace::with_reserved(["Client"]);
        assert_eq!(names.claim("Model"), "Model");
        assert_eq!(names.claim("Model"), "Model2");
        assert_eq!(names.claim("Client"), "Client2");
        let mut fields = Namespace::new();
        assert_eq!(fields.claim("foo_bar"), "foo_bar");
        assert_eq!(fields.claim("foo_bar"), "foo_bar_2");
        assert_eq!(fields.claim("r#type"), "r#type");
        assert_eq!(fields.claim("r#type"), "type_2");
    }

    #[test]
    fn singular_of_common_plurals() {
        assert_eq!(singular("choices"), "choice");
        assert_eq!(singular("entries"), "entry");
        assert_eq!(singular("status"), "status");
        assert_eq!(singular("data"), "data");
    }
}

//! Every Rust name the generator emits is decided here: sanitized, re-cased, kept clear of
//! keywords, and made unique deterministically.

use std::collections::BTreeSet;

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

/// The words of `raw`, the way heck splits them: anything but an ASCII letter or digit
/// separates words, and so does a change of case (`fooBar` → `foo`, `Bar`; `HTTPServer` →
/// `HTTP`, `Server`). Digits take the case of the letters before them. Names are built for
/// every property of a spec, so this works on bytes and allocates only the list.
fn split_words(raw: &str) -> Vec<&str> {
    let mut words = Vec::new();
    for run in raw.split(|c: char| !c.is_ascii_alphanumeric()) {
        let bytes = run.as_bytes();
        let mut start = 0;
        // The case of the last letter of the word so far: `Some(true)` for uppercase.
        let mut last_upper: Option<bool> = None;
        for (i, &c) in bytes.iter().enumerate() {
            let Some(&next) = bytes.get(i + 1) else {
                words.push(&run[start..]);
                break;
            };
            let upper = if c.is_ascii_lowercase() {
                Some(false)
            } else if c.is_ascii_uppercase() {
                Some(true)
            } else {
                last_upper
            };
            if upper == Some(false) && next.is_ascii_uppercase() {
                words.push(&run[start..=i]);
                start = i + 1;
                last_upper = None;
            } else if last_upper == Some(true)
                && c.is_ascii_uppercase()
                && next.is_ascii_lowercase()
            {
                words.push(&run[start..i]);
                start = i;
                last_upper = None;
            } else {
                last_upper = upper;
            }
        }
    }
    words
}

/// `UpperCamelCase` of `raw`'s words.
fn upper_camel(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for word in split_words(raw) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    out
}

/// `raw`'s words joined by `_`, each lowercased (`snake_case`) or uppercased.
fn joined(raw: &str, upper: bool) -> String {
    let mut out = String::with_capacity(raw.len() + 4);
    for (index, word) in split_words(raw).into_iter().enumerate() {
        if index > 0 {
            out.push('_');
        }
        if upper {
            out.extend(word.chars().map(|c| c.to_ascii_uppercase()));
        } else {
            out.extend(word.chars().map(|c| c.to_ascii_lowercase()));
        }
    }
    out
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
    fn words_are_split_and_cased_as_heck_does() {
        use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
        // heck sees the same words once everything but ASCII letters and digits is a space.
        let spaced = |raw: &str| -> String {
            raw.chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
                .collect()
        };
        let alphabet: Vec<char> = "aAbBzZ09 _-./XyéΣ".chars().collect();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut inputs: Vec<String> = [
            "fooBar",
            "HTTPServer",
            "x-trace-id",
            "2fa",
            "ABC",
            "aB1cD",
            "v1Beta2",
            "",
            "__",
            "JSONValue",
            "already_snake",
            "XMLHttpRequest",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 12) as usize;
            let mut text = String::new();
            let mut state = seed;
            for _ in 0..len {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                text.push(alphabet[(state >> 33) as usize % alphabet.len()]);
            }
            inputs.push(text);
        }
        for raw in &inputs {
            let words = spaced(raw);
            assert_eq!(upper_camel(raw), words.to_upper_camel_case(), "{raw:?}");
            assert_eq!(joined(raw, false), words.to_snake_case(), "{raw:?}");
            assert_eq!(joined(raw, true), words.to_shouty_snake_case(), "{raw:?}");
        }
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

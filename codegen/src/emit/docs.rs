//! Spec descriptions → doc comments that rustdoc renders without warnings.

use std::borrow::Cow;

use super::ast::attr_word;
use super::rust::doc;
use crate::model::Docs;

/// Doc attributes (and `#[deprecated]`) for a documented item.
pub(crate) fn attributes(docs: &Docs) -> Vec<syn::Attribute> {
    let mut out = doc(&render(docs));
    if docs.deprecated {
        out.push(attr_word("deprecated"));
    }
    out
}

/// A value from the spec (an enum value, a property name) as inline code in a doc comment:
/// backticks and line breaks cannot end the span or the comment, so they are escaped.
pub(crate) fn code_span(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('`');
    for c in text.chars() {
        match c {
            '`' => out.push('\''),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out.push('`');
    out
}

/// The markdown of a [`Docs`]: description, then constraints, default and example.
pub(crate) fn render(docs: &Docs) -> String {
    let mut out = String::new();
    if let Some(description) = &docs.description {
        out.push_str(&sanitize(description));
    }
    let mut facts: Vec<String> = docs.constraints.iter().map(|c| sanitize(c)).collect();
    if let Some(default) = &docs.default {
        facts.push(format!("Default: {}", code(default)));
    }
    if let Some(example) = &docs.example {
        let compact = example.to_string();
        if compact.len() <= 80 {
            facts.push(format!("Example: {}", code(example)));
        } else {
            let pretty = serde_json::to_string_pretty(example).unwrap_or(compact);
            if !out.is_empty() || !facts.is_empty() {
                push_paragraph(
                    &mut out,
                    &facts
                        .drain(..)
                        .map(|f| format!("- {f}"))
                        .collect::<Vec<_>>()
                        .join("\n"),
                );
            }
            push_paragraph(
                &mut out,
                &format!(
                    "Example:\n\n```json\n{}\n```",
                    pretty.replace("```", "` ` `")
                ),
            );
            return out;
        }
    }
    if !facts.is_empty() {
        push_paragraph(
            &mut out,
            &facts
                .iter()
                .map(|f| format!("- {f}"))
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    out
}

fn push_paragraph(out: &mut String, paragraph: &str) {
    if paragraph.is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push_str("\n\n");
    }
    out.push_str(paragraph);
}

/// A JSON value as inline code, with backticks that cannot end the span early.
fn code(value: &serde_json::Value) -> String {
    let text = match value {
        serde_json::Value::String(text) => format!("\"{text}\""),
        other => other.to_string(),
    };
    if text.contains('`') {
        format!("`` {} ``", text.replace("``", "` `"))
    } else {
        format!("`{text}`")
    }
}

/// Makes spec markdown safe for rustdoc: fenced code gets a non-Rust language, stray brackets
/// cannot become broken intra-doc links, `<` cannot open an HTML tag, bare URLs become links,
/// and indentation cannot start an (untested, unparsable) Rust code block.
pub(crate) fn sanitize(text: &str) -> String {
    let mut out = Vec::new();
    let mut in_fence = false;
    let text = if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(text)
    };
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            let fence = &trimmed[..3];
            if in_fence {
                out.push(fence.to_owned());
            } else {
                out.push(format!("{fence}text"));
            }
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(line.to_owned());
        } else {
            out.push(escape_line(trimmed));
        }
    }
    if in_fence {
        out.push("```".to_owned());
    }
    out.join("\n").trim().to_owned()
}

fn escape_line(line: &str) -> String {
    // Most lines have nothing to escape; they need no scan by character.
    if !line
        .bytes()
        .any(|b| matches!(b, b'`' | b'[' | b']' | b'<' | b'\\'))
        && !line.contains("http")
    {
        return line.to_owned();
    }
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len() + 8);
    let mut in_code = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            in_code = !in_code;
            out.push(c);
            i += 1;
            continue;
        }
        if in_code {
            out.push(c);
            i += 1;
            continue;
        }
        match c {
            '[' => {
                // Keep `[text](url)`; escape every other bracket.
                let close = chars[i..].iter().position(|&c| c == ']').map(|p| p + i);
                match close {
                    Some(close)
                        if chars.get(close + 1) == Some(&'(')
                            && !chars[i + 1..close].contains(&'[') =>
                    {
                        let link_end = chars[close..]
                            .iter()
                            .position(|&c| c == ')')
                            .map(|p| p + close);
                        match link_end {
                            Some(end) => {
                                out.extend(&chars[i..=end]);
                                i = end + 1;
                                continue;
                            }
                            None => out.push_str("\\["),
                        }
                    }
                    _ => out.push_str("\\["),
                }
            }
            ']' => out.push_str("\\]"),
            '<' => {
                let rest: String = chars[i + 1..].iter().take(8).collect();
                let close = chars[i..].iter().position(|&c| c == '>');
                if (rest.starts_with("http://") || rest.starts_with("https://"))
                    && close.is_some()
                    && let Some(close) = close
                {
                    out.extend(&chars[i..=i + close]);
                    i += close + 1;
                    continue;
                }
                // Only `<` that could open an HTML tag needs escaping; `n < 2` reads as is.
                let opens_tag = chars.get(i + 1).is_some_and(|next| {
                    next.is_ascii_alphabetic() || matches!(next, '/' | '!' | '?')
                });
                if opens_tag {
                    out.push_str("&lt;");
                } else {
                    out.push('<');
                }
            }
            '\\' => out.push_str("\\\\"),
            'h' if starts_url(&chars[i..]) && !preceded_by_link(&chars[..i]) => {
                let end = chars[i..]
                    .iter()
                    .position(|&c| {
                        c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`' | ')' | ']')
                    })
                    .map_or(chars.len(), |p| p + i);
                let mut url: String = chars[i..end].iter().collect();
                let mut trailing = String::new();
                while url.ends_with(['.', ',', ';', ':']) {
                    if let Some(last) = url.pop() {
                        trailing.insert(0, last);
                    }
                }
                out.push('<');
                out.push_str(&url);
                out.push('>');
                out.push_str(&trailing);
                i = end;
                continue;
            }
            other => out.push(other),
        }
        i += 1;
    }
    out
}

fn starts_url(chars: &[char]) -> bool {
    let head: String = chars.iter().take(8).collect();
    head.starts_with("http://") || head.starts_with("https://")
}

/// Whether a URL is already the target of a markdown link (`](url)`) or an autolink (`<url>`).
fn preceded_by_link(before: &[char]) -> bool {
    matches!(before, [.., ']', '('] | [.., '<'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_keeps_links_and_escapes_the_rest() {
        assert_eq!(
            sanitize("see [the docs](https://x.io) or [0, 1]"),
            "see [the docs](https://x.io) or \\[0, 1\\]"
        );
        assert_eq!(
            sanitize("a <b> tag and `<code>[x]`, 1 < 2 > 0"),
            "a &lt;b> tag and `<code>[x]`, 1 < 2 > 0"
        );
        assert_eq!(sanitize("visit https://x.io/a."), "visit <https://x.io/a>.");
        assert_eq!(
            sanitize("docs (https://x.io/v1/), or"),
            "docs (<https://x.io/v1/>), or"
        );
        assert_eq!(sanitize("```\nfn x() {\n```"), "```text\nfn x() {\n```");
        assert_eq!(sanitize("    indented"), "indented");
        assert_eq!(sanitize("a\\b"), "a\\\\b");
    }

    #[test]
    fn render_lists_constraints_default_and_example() {
        let docs = Docs {
            description: Some("Sampling temperature.".into()),
            constraints: vec!["Range: `0 <= x <= 2`".into()],
            default: Some(serde_json::json!(1)),
            example: Some(serde_json::json!(0.7)),
            ..Docs::default()
        };
        assert_eq!(
            render(&docs),
            "Sampling temperature.\n\n- Range: `0 <= x <= 2`\n- Default: `1`\n- Example: `0.7`"
        );
    }
}

//! The pieces every emitted file is made of: identifiers, literals and doc attributes as
//! tokens, and the printing of parsed `syn` items with prettyplease.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

use super::ast;
use crate::diagnostics::Error;
use crate::names;

/// The identifier `name` as written in Rust source, `r#` included (`r#type`).
///
/// Names of the model come from [`crate::names`], which makes them valid and escapes keywords.
/// So that nothing a spec holds can make this panic (proc-macro2 panics on an invalid
/// identifier) or print code that does not compile, it is total: characters that cannot be in
/// an identifier become `_`, a keyword becomes raw (`type` → `r#type`), and one that cannot be
/// raw gets a `_` when asked for raw (`r#self` → `self_`). `self`, `Self`, `super` and `crate`
/// asked for plainly stay keywords: the emitter writes them as such (`Self::new`).
pub(crate) fn ident(name: &str) -> Ident {
    let (raw, name) = match name.strip_prefix("r#") {
        Some(rest) => (true, rest),
        None => (false, name),
    };
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let name = if valid {
        std::borrow::Cow::Borrowed(name)
    } else {
        let mut fixed: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        if !fixed.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            fixed.insert(0, '_');
        }
        std::borrow::Cow::Owned(fixed)
    };
    let path_keyword = matches!(&*name, "self" | "Self" | "super" | "crate");
    if &*name == "_" || (raw && path_keyword) {
        Ident::new(&format!("{name}_"), Span::call_site())
    } else if path_keyword || !(raw || names::is_keyword(&name)) {
        Ident::new(&name, Span::call_site())
    } else {
        Ident::new_raw(&name, Span::call_site())
    }
}

/// A string literal.
pub(crate) fn string(text: &str) -> Literal {
    Literal::string(text)
}

/// Outer doc attributes (`#[doc = " line"]`, printed as `/// line`), one per line of `text`;
/// none for empty text.
pub(crate) fn doc(text: &str) -> Vec<syn::Attribute> {
    doc_lines(text)
        .map(|line| ast::doc_attr(line, false))
        .collect()
}

/// Inner doc attributes (`#![doc = " line"]`, printed as `//! line`).
pub(crate) fn inner_doc(text: &str) -> Vec<syn::Attribute> {
    doc_lines(text)
        .map(|line| ast::doc_attr(line, true))
        .collect()
}

/// The text of each doc comment line: a space then the line, or nothing for an empty line.
/// Trailing blanks go, and so do characters a comment cannot hold (a lone carriage return is
/// an error; bidirectional controls can make code read otherwise than it compiles).
fn doc_lines(text: &str) -> impl Iterator<Item = syn::LitStr> + '_ {
    let text = text.trim_end();
    let lines = if text.trim().is_empty() {
        None
    } else {
        Some(text.lines())
    };
    lines.into_iter().flatten().map(|line| {
        let line = line.trim_end();
        let mut value = String::with_capacity(line.len() + 1);
        if !line.is_empty() {
            value.push(' ');
            if line.chars().any(unfit_for_comments) {
                let kept: String = line.chars().filter(|&c| !unfit_for_comments(c)).collect();
                value.push_str(kept.trim_end());
            } else {
                value.push_str(line);
            }
        }
        syn::LitStr::new(&value, Span::call_site())
    })
}

fn unfit_for_comments(c: char) -> bool {
    matches!(c, '\r' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Parses tokens the emitter built into a `syn::File`. The tokens are ours, so a failure is a
/// bug of the emitter; it is reported, never a panic.
pub(crate) fn parse(tokens: TokenStream, what: &str) -> Result<syn::File, Error> {
    syn::parse2(tokens).map_err(|error| {
        Error::Internal(format!(
            "the emitter built invalid Rust for {what}: {error}"
        ))
    })
}

/// A file printed as blocks: each block is printed by prettyplease and the blocks are separated
/// by one blank line, as in hand-written Rust, where a blank line stands between items and
/// between the functions of an impl (prettyplease prints neither).
#[derive(Debug, Default)]
pub(crate) struct Printer {
    out: String,
}

impl Printer {
    /// An empty file.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// An empty file with room for `capacity` bytes.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Printer {
            out: String::with_capacity(capacity),
        }
    }

    /// Parses `tokens` and prints them as one block (items in it are not separated).
    pub(crate) fn block(&mut self, tokens: TokenStream, what: &str) -> Result<(), Error> {
        let file = parse(tokens, what)?;
        self.file(&file);
        Ok(())
    }

    /// Parses `tokens` and prints each item as a block of its own.
    pub(crate) fn items(&mut self, tokens: TokenStream, what: &str) -> Result<(), Error> {
        let file = parse(tokens, what)?;
        self.each_item(file.items);
        Ok(())
    }

    /// Prints each item as a block of its own.
    pub(crate) fn each_item(&mut self, items: Vec<syn::Item>) {
        for item in items {
            let spaced = matches!(item, syn::Item::Impl(_));
            self.separate();
            let printed = prettyplease::unparse(&syn::File {
                shebang: None,
                attrs: Vec::new(),
                items: vec![item],
            });
            if spaced {
                push_spaced_impl(&mut self.out, &printed);
            } else {
                self.out.push_str(&printed);
            }
        }
    }

    fn file(&mut self, file: &syn::File) {
        self.separate();
        let printed = prettyplease::unparse(file);
        push_spaced_impl(&mut self.out, &printed);
    }

    /// Ends what is printed so far with a blank line, unless nothing is.
    fn separate(&mut self) {
        if self.out.is_empty() {
            return;
        }
        if !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.out.push('\n');
    }

    /// Appends text printed elsewhere (a chunk of the same file printed on another thread).
    pub(crate) fn append(&mut self, other: Printer) {
        if other.out.is_empty() {
            return;
        }
        self.separate();
        self.out.push_str(&other.out);
    }

    /// The text of the file.
    pub(crate) fn finish(self) -> String {
        self.out
    }
}

/// `printed` with a blank line after each function of an impl block: prettyplease ends a
/// function at the impl's depth with a line that is exactly `    }`, which nothing else the
/// emitter writes at that depth does (fields and variants end in `,`).
fn push_spaced_impl(out: &mut String, printed: &str) {
    let mut lines = printed.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        out.push_str(line);
        // (The emitter writes no function with an empty body, which would print on one line.)
        if line == "    }\n" && lines.peek().is_some_and(|next| next.starts_with("    ")) {
            out.push('\n');
        }
    }
}

/// `#[derive(..)]` of the named traits.
pub(crate) fn derive(traits: &[TokenStream]) -> syn::Attribute {
    ast::attr_list("derive", quote!(#(#traits),*))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_valid_whatever_they_are_given() {
        let cases = [
            ("r#type", "r#type"),
            ("type", "r#type"),
            ("fn", "r#fn"),
            ("name", "name"),
            ("r#name", "r#name"),
            ("Self", "Self"),
            ("self", "self"),
            ("r#self", "self_"),
            ("r#crate", "crate_"),
            ("r#_", "__"),
            ("r#", "__"),
            ("", "__"),
            ("_", "__"),
            ("2fa", "_2fa"),
            ("a-b", "a_b"),
            ("é", "__"),
        ];
        for (name, expected) in cases {
            assert_eq!(ident(name).to_string(), expected, "{name:?}");
        }
    }

    #[test]
    fn docs_become_one_attribute_per_line() {
        let attrs = doc("First.\n\n  Second\r line.  \n");
        let file = parse(quote!(#(#attrs)* struct S;), "test").unwrap();
        assert_eq!(
            prettyplease::unparse(&file),
            "/// First.\n///\n///   Second line.\nstruct S;\n"
        );
        assert!(doc("  \n ").is_empty());
    }

    #[test]
    fn functions_of_an_impl_and_items_are_separated_by_a_blank_line() {
        let mut printer = Printer::new();
        printer
            .items(
                quote! {
                    struct S { a: i32, b: i32 }
                    impl S {
                        fn a(&self) -> i32 { self.a }
                        /// B.
                        fn b(&self) -> i32 { self.b }
                    }
                },
                "test",
            )
            .unwrap();
        assert_eq!(
            printer.finish(),
            "struct S {\n    a: i32,\n    b: i32,\n}\n\nimpl S {\n    fn a(&self) -> i32 {\n        self.a\n    }\n\n    /// B.\n    fn b(&self) -> i32 {\n        self.b\n    }\n}\n"
        );
    }
}

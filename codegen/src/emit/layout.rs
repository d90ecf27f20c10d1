//! Writes Rust source text laid out the way rustfmt lays it out (edition 2024, default
//! settings), straight from strings.
//!
//! Emitting text directly is an order of magnitude faster than building token streams,
//! parsing them with `syn` and printing them with `prettyplease` (that path took three
//! quarters of the generator's time on big specs). The generated code uses a small set of
//! shapes (signatures, calls, struct literals, match arms, attributes), so only their rules
//! are needed here: each helper writes one shape on one line when rustfmt would, and breaks
//! it the way rustfmt does otherwise. Tests run rustfmt over the generated crates to hold
//! this to account.

/// rustfmt's `max_width`.
const MAX_WIDTH: usize = 100;
/// rustfmt's `fn_call_width`: wider argument lists go one per line.
const CALL_WIDTH: usize = 60;
/// rustfmt's `attr_fn_like_width`.
const ATTR_WIDTH: usize = 70;
/// rustfmt's `struct_lit_width`.
const STRUCT_LIT_WIDTH: usize = 18;
/// One level of indentation.
const INDENT: usize = 4;

/// A Rust source file being written: text and the current indentation.
#[derive(Debug, Default)]
pub(crate) struct Code {
    out: String,
    indent: usize,
}

impl Code {
    /// An empty file.
    pub(crate) fn new() -> Self {
        Code::default()
    }

    /// An empty file with room for `capacity` bytes.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Code {
            out: String::with_capacity(capacity),
            indent: 0,
        }
    }

    /// The text written so far.
    pub(crate) fn finish(self) -> String {
        self.out
    }

    fn pad(&mut self) {
        for _ in 0..self.indent {
            self.out.push(' ');
        }
    }

    /// One line at the current indentation.
    pub(crate) fn line(&mut self, text: &str) {
        if text.is_empty() {
            self.out.push('\n');
            return;
        }
        self.pad();
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// A line made of several pieces, without building the joined string first.
    pub(crate) fn line_of(&mut self, pieces: &[&str]) {
        self.pad();
        for piece in pieces {
            self.out.push_str(piece);
        }
        self.out.push('\n');
    }

    /// An empty line, between items.
    pub(crate) fn blank(&mut self) {
        self.out.push('\n');
    }

    /// Writes `head` (a line ending in `{`), then the block's body one level deeper, then `}`
    /// followed by `tail`.
    pub(crate) fn block(&mut self, head: &str, tail: &str, body: impl FnOnce(&mut Self)) {
        self.line(head);
        self.indent += INDENT;
        body(self);
        self.indent -= INDENT;
        self.line_of(&["}", tail]);
    }

    /// Like [`Self::block`] for a head that is already written (or written over several lines).
    pub(crate) fn body(&mut self, tail: &str, body: impl FnOnce(&mut Self)) {
        self.indent += INDENT;
        body(self);
        self.indent -= INDENT;
        self.line_of(&["}", tail]);
    }

    fn fits(&self, width: usize) -> bool {
        self.indent + width <= MAX_WIDTH
    }

    /// `///` lines for `text` (empty text writes nothing).
    pub(crate) fn doc(&mut self, text: &str) {
        self.comment_lines("///", text);
    }

    /// `//!` lines for `text`.
    pub(crate) fn inner_doc(&mut self, text: &str) {
        self.comment_lines("//!", text);
    }

    fn comment_lines(&mut self, marker: &str, text: &str) {
        let text = text.trim_end();
        if text.trim().is_empty() {
            return;
        }
        for line in text.lines() {
            let line = line.trim_end();
            self.pad();
            self.out.push_str(marker);
            if !line.is_empty() {
                self.out.push(' ');
                if line.chars().any(unfit_for_comments) {
                    let kept: String = line.chars().filter(|&c| !unfit_for_comments(c)).collect();
                    self.out.push_str(kept.trim_end());
                } else {
                    self.out.push_str(line);
                }
            }
            self.out.push('\n');
        }
    }

    /// `#[name(items)]`, with the items one per line when they are too wide.
    pub(crate) fn attribute(&mut self, name: &str, items: &[String]) {
        let width = list_width(items);
        let one_line = cols(name) + width + 5;
        // rustfmt breaks an attribute that would end exactly at the limit.
        if self.fits(one_line + 1) && (items.len() == 1 || width <= ATTR_WIDTH) {
            self.pad();
            self.out.push_str("#[");
            self.out.push_str(name);
            self.out.push('(');
            push_joined(&mut self.out, items);
            self.out.push_str(")]\n");
            return;
        }
        self.line_of(&["#[", name, "("]);
        self.indent += INDENT;
        for (index, item) in items.iter().enumerate() {
            if index + 1 < items.len() {
                self.line_of(&[item, ","]);
            } else {
                self.line(item);
            }
        }
        self.indent -= INDENT;
        self.line(")]");
    }

    /// A function signature and the `{` that opens its body: `head(params) -> ret {`, with the
    /// parameters one per line when the signature does not fit, and then the return type
    /// broken between its generic arguments (or the brace on its own line) if it must be.
    pub(crate) fn signature(&mut self, head: &str, params: &[Param], ret: Option<&Ty>) {
        let width =
            params.iter().map(Param::flat_len).sum::<usize>() + params.len().saturating_sub(1) * 2;
        let ret_width = ret.map_or(0, |ty| 4 + ty.flat_len());
        if self.fits(cols(head) + 2 + width + ret_width + 2) {
            self.pad();
            self.out.push_str(head);
            self.out.push('(');
            for (index, param) in params.iter().enumerate() {
                if index > 0 {
                    self.out.push_str(", ");
                }
                self.out.push_str(&param.prefix);
                param.ty.push_flat(&mut self.out);
            }
            self.out.push(')');
            if let Some(ret) = ret {
                self.out.push_str(" -> ");
                ret.push_flat(&mut self.out);
            }
            self.out.push_str(" {\n");
            return;
        }
        self.line_of(&[head, "("]);
        self.indent += INDENT;
        for param in params {
            self.pad();
            self.out.push_str(&param.prefix);
            // rustfmt measures an `impl Trait<..>` parameter without its `impl `, so it lets
            // such a line run five columns long before it breaks the generic arguments.
            let slack = if param.ty.head.starts_with("impl ") {
                "impl ".len()
            } else {
                0
            };
            self.push_ty(
                &param.ty,
                (self.indent + cols(&param.prefix)).saturating_sub(slack),
                1,
            );
            self.out.push_str(",\n");
        }
        self.indent -= INDENT;
        let Some(ret) = ret else {
            self.line(") {");
            return;
        };
        self.pad();
        self.out.push_str(") -> ");
        // rustfmt's budgets for a return type after broken parameters, found by experiment:
        // with the brace it must end four columns early; without, it may run two over.
        let ret_line = self.indent + ") -> ".len() + ret.flat_len();
        if ret_line + 2 <= MAX_WIDTH - 4 {
            ret.push_flat(&mut self.out);
            self.out.push_str(" {\n");
        } else if ret_line <= MAX_WIDTH + 2 || ret.args.is_empty() {
            ret.push_flat(&mut self.out);
            self.out.push('\n');
            self.line("{");
        } else {
            self.push_ty(ret, self.indent + 5, 2);
            self.out.push_str(" {\n");
        }
    }

    /// `head {` that opens an item's body, the brace on the next line when the head fills
    /// the line.
    pub(crate) fn open(&mut self, head: &str) {
        if self.fits(cols(head) + 2) {
            self.line_of(&[head, " {"]);
        } else {
            self.line(head);
            self.line("{");
        }
    }

    /// An item `head { body }`, opened by [`Self::open`].
    pub(crate) fn item(&mut self, head: &str, body: impl FnOnce(&mut Self)) {
        self.open(head);
        self.body("", body);
    }

    /// Writes `ty` at `column` of the current line: flat when it fits before the `trailing`
    /// characters that follow it, else broken between its generic arguments, one per line.
    fn push_ty(&mut self, ty: &Ty, column: usize, trailing: usize) {
        if ty.args.is_empty() || column + ty.flat_len() + trailing <= MAX_WIDTH {
            ty.push_flat(&mut self.out);
            return;
        }
        self.out.push_str(&ty.head);
        self.out.push_str("<\n");
        self.indent += INDENT;
        for arg in &ty.args {
            self.pad();
            self.push_ty(arg, self.indent, 1);
            self.out.push_str(",\n");
        }
        self.indent -= INDENT;
        self.pad();
        self.out.push('>');
    }

    /// `head ty tail` where `head` ends in `:` or `=` (a field, an alias): the type moves to the
    /// next line, one level deeper, when the line is too long, and breaks between its generic
    /// arguments when even that is too narrow.
    pub(crate) fn typed(&mut self, head: &str, ty: &Ty, tail: &str) {
        let flat = ty.flat_len();
        if self.fits(cols(head) + 1 + flat + cols(tail)) {
            self.pad();
            self.out.push_str(head);
            self.out.push(' ');
            ty.push_flat(&mut self.out);
            self.out.push_str(tail);
            self.out.push('\n');
        } else if ty.args.is_empty() || self.indent + INDENT + flat + cols(tail) <= MAX_WIDTH {
            self.line(head);
            self.indent += INDENT;
            self.pad();
            ty.push_flat(&mut self.out);
            self.out.push_str(tail);
            self.out.push('\n');
            self.indent -= INDENT;
        } else if !self.fits(cols(head) + 1 + cols(&ty.head) + 1) {
            // Not even `head Type<` fits: the type goes below, broken there.
            self.line(head);
            self.indent += INDENT;
            self.pad();
            self.push_ty(ty, self.indent, cols(tail));
            self.out.push_str(tail);
            self.out.push('\n');
            self.indent -= INDENT;
        } else {
            self.pad();
            self.out.push_str(head);
            self.out.push(' ');
            self.push_ty(ty, self.indent + cols(head) + 1, cols(tail));
            self.out.push_str(tail);
            self.out.push('\n');
        }
    }

    /// A statement or expression that is a call: `head(args)tail`. The arguments go one per
    /// line when they are wider than rustfmt's call width or the line would be too long; a
    /// single argument may run long. With `binding` (`let x =`), the call may move to the
    /// next line instead, as rustfmt does when that keeps it on one line.
    pub(crate) fn call(&mut self, binding: Option<&str>, head: &str, args: &[String], tail: &str) {
        let width = list_width(args);
        let args_fit = args.len() <= 1 || width <= CALL_WIDTH;
        // rustfmt keeps two columns free after a call that ends in `?`.
        let question = if tail.starts_with('?') { 2 } else { 0 };
        let call_width = cols(head) + 2 + width + cols(tail) + question;
        let prefix = binding.map_or(0, |b| cols(b) + 1);
        if args_fit && self.fits(prefix + call_width) {
            self.pad();
            if let Some(binding) = binding {
                self.out.push_str(binding);
                self.out.push(' ');
            }
            self.push_call(head, args, tail);
            return;
        }
        if let Some(binding) = binding
            && args_fit
            && self.indent + INDENT + call_width <= MAX_WIDTH
        {
            self.line(binding);
            self.indent += INDENT;
            self.pad();
            self.push_call(head, args, tail);
            self.indent -= INDENT;
            return;
        }
        // `receiver.method(args);` too long: rustfmt rather breaks before `.method` than
        // between the arguments, when that puts the call on one line.
        if binding.is_none()
            && args_fit
            && let Some((receiver, method)) = head.rsplit_once('.')
            && !receiver.contains(['(', ' '])
            && self.indent + INDENT + call_width - cols(receiver) <= MAX_WIDTH
        {
            self.line(receiver);
            self.indent += INDENT;
            self.pad();
            self.out.push('.');
            self.push_call(method, args, tail);
            self.indent -= INDENT;
            return;
        }
        match binding {
            Some(binding) => self.line_of(&[binding, " ", head, "("]),
            None => self.line_of(&[head, "("]),
        }
        self.indent += INDENT;
        for arg in args {
            self.line_of(&[arg, ","]);
        }
        self.indent -= INDENT;
        self.line_of(&[")", tail]);
    }

    /// `head(ty)tail`, a tuple variant or struct holding one type: the type goes on its own
    /// line when the whole does not fit, and breaks between its generic arguments if it must.
    pub(crate) fn tuple(&mut self, head: &str, ty: &Ty, tail: &str) {
        if self.fits(cols(head) + 2 + ty.flat_len() + cols(tail)) {
            self.pad();
            self.out.push_str(head);
            self.out.push('(');
            ty.push_flat(&mut self.out);
            self.out.push(')');
            self.out.push_str(tail);
            self.out.push('\n');
            return;
        }
        self.line_of(&[head, "("]);
        self.indent += INDENT;
        self.pad();
        self.push_ty(ty, self.indent, 1);
        self.out.push_str(",\n");
        self.indent -= INDENT;
        self.line_of(&[")", tail]);
    }

    /// A macro call in a struct field or statement: like [`Self::call`] without a binding,
    /// but rustfmt leaves no comma after the last argument when it breaks them.
    pub(crate) fn macro_call(&mut self, head: &str, args: &[String], tail: &str) {
        let width = list_width(args);
        if (args.len() <= 1 || width <= CALL_WIDTH)
            && self.fits(cols(head) + 2 + width + cols(tail))
        {
            self.pad();
            self.push_call(head, args, tail);
            return;
        }
        self.line_of(&[head, "("]);
        self.indent += INDENT;
        for (index, arg) in args.iter().enumerate() {
            if index + 1 < args.len() {
                self.line_of(&[arg, ","]);
            } else {
                self.line(arg);
            }
        }
        self.indent -= INDENT;
        self.line_of(&[")", tail]);
    }

    fn push_call(&mut self, head: &str, args: &[String], tail: &str) {
        self.out.push_str(head);
        self.out.push('(');
        push_joined(&mut self.out, args);
        self.out.push(')');
        self.out.push_str(tail);
        self.out.push('\n');
    }

    /// A struct expression `head { fields }tail`: on one line only when the fields are as
    /// narrow as rustfmt's struct literal width.
    pub(crate) fn struct_literal(&mut self, head: &str, fields: &[String], tail: &str) {
        let width = list_width(fields);
        if fields.is_empty() {
            self.line_of(&[head, " {}", tail]);
            return;
        }
        if width <= STRUCT_LIT_WIDTH && self.fits(cols(head) + width + 4 + cols(tail)) {
            self.pad();
            self.out.push_str(head);
            self.out.push_str(" { ");
            push_joined(&mut self.out, fields);
            self.out.push_str(" }");
            self.out.push_str(tail);
            self.out.push('\n');
            return;
        }
        self.line_of(&[head, " {"]);
        self.indent += INDENT;
        for field in fields {
            self.field_init(field);
        }
        self.indent -= INDENT;
        self.line_of(&["}", tail]);
    }

    /// `name: value,` in a struct expression. Too long, a `.into()` call moves to its own
    /// line if the rest then fits, else the value moves below the name.
    fn field_init(&mut self, field: &str) {
        if self.fits(cols(field) + 1) {
            self.line_of(&[field, ","]);
            return;
        }
        let Some((name, value)) = field.split_once(": ") else {
            self.line_of(&[field, ","]);
            return;
        };
        let receiver = value.strip_suffix(".into()");
        match receiver {
            // rustfmt accepts `name: receiver` up to a column short of the limit.
            Some(receiver) if self.fits(cols(name) + 2 + cols(receiver) + 1) => {
                self.line_of(&[name, ": ", receiver]);
                self.indent += INDENT;
                self.line(".into(),");
                self.indent -= INDENT;
            }
            Some(receiver) if self.indent + INDENT + cols(value) + 1 > MAX_WIDTH => {
                self.line_of(&[name, ":"]);
                self.indent += INDENT;
                self.line(receiver);
                self.indent += INDENT;
                self.line(".into(),");
                self.indent -= 2 * INDENT;
            }
            _ => {
                self.line_of(&[name, ":"]);
                self.indent += INDENT;
                self.line_of(&[value, ","]);
                self.indent -= INDENT;
            }
        }
    }

    /// `head value tail` where `head` ends in `:` or `=` (a field, an alias, an assignment):
    /// the value moves to the next line, one level deeper, when the line is too long.
    pub(crate) fn split_after(&mut self, head: &str, value: &str, tail: &str) {
        if self.fits(cols(head) + 1 + cols(value) + cols(tail)) {
            self.line_of(&[head, " ", value, tail]);
        } else {
            self.line(head);
            self.indent += INDENT;
            self.line_of(&[value, tail]);
            self.indent -= INDENT;
        }
    }

    /// A match arm `pattern => body,`; a body that does not fit goes into a block on the
    /// next line.
    pub(crate) fn arm(&mut self, pattern: &str, body: &str) {
        // rustfmt measures an arm's pattern in bytes, its body in characters.
        if self.fits(pattern.len() + 4 + cols(body) + 1) {
            self.line_of(&[pattern, " => ", body, ","]);
        } else {
            self.line_of(&[pattern, " => {"]);
            self.indent += INDENT;
            self.line(body);
            self.indent -= INDENT;
            self.line("}");
        }
    }

    /// A match arm whose body is a call `head(args)`: on the arm's line, else alone in a block,
    /// else on the arm's line with its arguments one per line.
    pub(crate) fn call_arm(&mut self, pattern: &str, head: &str, args: &[String]) {
        let width = list_width(args);
        let call_width = cols(head) + 2 + width;
        let args_fit = args.len() <= 1 || width <= CALL_WIDTH;
        if args_fit && self.fits(cols(pattern) + 4 + call_width + 1) {
            self.pad();
            self.out.push_str(pattern);
            self.out.push_str(" => ");
            self.push_call(head, args, ",");
            return;
        }
        if args_fit && self.indent + INDENT + call_width <= MAX_WIDTH {
            self.line_of(&[pattern, " => {"]);
            self.indent += INDENT;
            self.pad();
            self.push_call(head, args, "");
            self.indent -= INDENT;
            self.line("}");
            return;
        }
        if !self.fits(cols(pattern) + 4 + cols(head) + 1 + 1) {
            // Not even `pattern => head(` fits: a block, the arguments broken inside it.
            self.line_of(&[pattern, " => {"]);
            self.indent += INDENT;
            self.call(None, head, args, "");
            self.indent -= INDENT;
            self.line("}");
            return;
        }
        self.line_of(&[pattern, " => ", head, "("]);
        self.indent += INDENT;
        for arg in args {
            self.line_of(&[arg, ","]);
        }
        self.indent -= INDENT;
        self.line("),");
    }

    /// A whole impl after a blank line: [`Self::impl_header`] and the body.
    pub(crate) fn impl_block(&mut self, head: &str, for_ty: &str, body: impl FnOnce(&mut Self)) {
        self.blank();
        self.impl_header(head, for_ty);
        self.body("", body);
    }

    /// `impl trait_ty for ty {`, as [`Self::impl_header`] lays it out, except that a trait too
    /// long for the first line breaks between its generic arguments.
    pub(crate) fn impl_trait(&mut self, trait_ty: &Ty, for_ty: &str) {
        if self.fits("impl ".len() + trait_ty.flat_len()) || trait_ty.args.is_empty() {
            self.impl_header(&format!("impl {}", trait_ty.flat()), for_ty);
            return;
        }
        self.line("impl");
        self.indent += INDENT;
        self.pad();
        self.push_ty(trait_ty, self.indent, 0);
        self.out.push_str(" for ");
        self.out.push_str(for_ty);
        self.out.push('\n');
        self.indent -= INDENT;
        self.line("{");
    }

    /// `impl head for ty {` (`for_ty` empty for an inherent impl), with `for` on its own line
    /// and the brace on the next when the header is too long.
    pub(crate) fn impl_header(&mut self, head: &str, for_ty: &str) {
        if for_ty.is_empty() {
            match head.strip_prefix("impl ") {
                Some(ty) if !self.fits(cols(head) + 2) => {
                    self.line("impl");
                    self.indent += INDENT;
                    self.line(ty);
                    self.indent -= INDENT;
                    self.line("{");
                }
                _ => self.open(head),
            }
        } else if self.fits(cols(head) + 5 + cols(for_ty) + 2) {
            self.line_of(&[head, " for ", for_ty, " {"]);
        } else {
            self.line(head);
            self.indent += INDENT;
            self.line_of(&["for ", for_ty]);
            self.indent -= INDENT;
            self.line("{");
        }
    }
}

/// A Rust type as a tree (`Option<Vec<Pet>>`), so that a type too wide for its line can break
/// between its generic arguments as rustfmt does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ty {
    /// The path before the generic arguments (`Option`, `impl Into`, `Pet`).
    pub(crate) head: String,
    /// The generic arguments.
    pub(crate) args: Vec<Ty>,
}

impl Ty {
    /// A type without generic arguments.
    pub(crate) fn plain(head: impl Into<String>) -> Self {
        Ty {
            head: head.into(),
            args: Vec::new(),
        }
    }

    /// `head<args>`.
    pub(crate) fn generic(head: impl Into<String>, args: Vec<Ty>) -> Self {
        Ty {
            head: head.into(),
            args,
        }
    }

    /// The type on one line.
    pub(crate) fn flat(&self) -> String {
        let mut out = String::with_capacity(self.flat_len());
        self.push_flat(&mut out);
        out
    }

    fn push_flat(&self, out: &mut String) {
        out.push_str(&self.head);
        if self.args.is_empty() {
            return;
        }
        out.push('<');
        for (index, arg) in self.args.iter().enumerate() {
            if index > 0 {
                out.push_str(", ");
            }
            arg.push_flat(out);
        }
        out.push('>');
    }

    fn flat_len(&self) -> usize {
        if self.args.is_empty() {
            return cols(&self.head);
        }
        cols(&self.head)
            + 2
            + self.args.iter().map(Ty::flat_len).sum::<usize>()
            + (self.args.len() - 1) * 2
    }
}

/// A function parameter: `prefix` (`value: `, or empty for `&self`) and its type.
#[derive(Debug, Clone)]
pub(crate) struct Param {
    prefix: String,
    ty: Ty,
}

impl Param {
    /// `name: ty`.
    pub(crate) fn new(name: &str, ty: Ty) -> Self {
        Param {
            prefix: format!("{name}: "),
            ty,
        }
    }

    /// A parameter with no type of its own: `&self`, `mut self`.
    pub(crate) fn receiver(text: &str) -> Self {
        Param {
            prefix: String::new(),
            ty: Ty::plain(text),
        }
    }

    fn flat_len(&self) -> usize {
        cols(&self.prefix) + self.ty.flat_len()
    }
}

/// The columns `text` takes: characters, not bytes, so accented names are not broken early.
fn cols(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        text.chars().count()
    }
}

/// Characters a doc comment cannot hold: a lone carriage return is an error, and so are the
/// bidirectional controls that can make code read differently from how it compiles.
fn unfit_for_comments(c: char) -> bool {
    matches!(c, '\r' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn list_width(items: &[String]) -> usize {
    items.iter().map(|item| cols(item)).sum::<usize>() + items.len().saturating_sub(1) * 2
}

fn push_joined(out: &mut String, items: &[String]) {
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        out.push_str(item);
    }
}

/// A Rust string literal for `text`.
pub(crate) fn string_literal(text: &str) -> String {
    format!("{text:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(f: impl FnOnce(&mut Code)) -> String {
        let mut code = Code::new();
        f(&mut code);
        code.finish()
    }

    #[test]
    fn signatures_break_one_parameter_per_line_when_too_long() {
        let short = written(|c| {
            c.signature(
                "pub fn new",
                &[Param::new("a", Ty::plain("i32"))],
                Some(&Ty::plain("Self")),
            )
        });
        assert_eq!(short, "pub fn new(a: i32) -> Self {\n");
        let long = written(|c| {
            c.signature(
                "pub fn new",
                &[
                    Param::new("a", Ty::plain("A".repeat(50))),
                    Param::new("b", Ty::plain("B".repeat(50))),
                ],
                Some(&Ty::plain("Self")),
            )
        });
        assert_eq!(
            long,
            format!(
                "pub fn new(\n    a: {},\n    b: {},\n) -> Self {{\n",
                "A".repeat(50),
                "B".repeat(50)
            )
        );
    }

    #[test]
    fn wide_types_break_between_generic_arguments() {
        let ty = Ty::generic(
            "Option",
            vec![Ty::generic("Vec", vec![Ty::plain("P".repeat(95))])],
        );
        let field = written(|c| c.typed("pub pets:", &ty, ","));
        assert_eq!(
            field,
            format!(
                "pub pets: Option<\n    Vec<\n        {},\n    >,\n>,\n",
                "P".repeat(95)
            )
        );
        let moved =
            written(|c| c.typed(&format!("pub {}:", "p".repeat(60)), &Ty::plain("Pet"), ","));
        assert_eq!(moved, format!("pub {}: Pet,\n", "p".repeat(60)));
        let below =
            written(|c| c.typed(&format!("pub {}:", "p".repeat(95)), &Ty::plain("Pet"), ","));
        assert_eq!(below, format!("pub {}:\n    Pet,\n", "p".repeat(95)));
    }

    #[test]
    fn struct_literals_stay_on_one_line_only_when_narrow() {
        let narrow = written(|c| c.struct_literal("Self", &["transport".into()], ""));
        assert_eq!(narrow, "Self { transport }\n");
        let wide =
            written(|c| c.struct_literal("Self", &["a: a.into()".into(), "b: None".into()], ""));
        assert_eq!(wide, "Self {\n    a: a.into(),\n    b: None,\n}\n");
    }

    #[test]
    fn calls_move_to_the_next_line_or_break_their_arguments() {
        let next_line = written(|c| {
            c.call(
                Some("let mut request ="),
                "request.json_with_flag",
                &["b".repeat(43), "\"stream\"".into(), "false".into()],
                "?;",
            )
        });
        assert!(next_line.starts_with("let mut request =\n    request.json_with_flag("));
        let broken = written(|c| {
            c.call(
                None,
                "request.query",
                &["a".repeat(40), "b".repeat(30)],
                ";",
            )
        });
        assert_eq!(
            broken,
            format!(
                "request.query(\n    {},\n    {},\n);\n",
                "a".repeat(40),
                "b".repeat(30)
            )
        );
    }

    #[test]
    fn string_literals_are_escaped() {
        assert_eq!(string_literal("a\"b\\c\n"), r#""a\"b\\c\n""#);
    }
}

//! `syn` nodes built directly, for the items a big spec has thousands of (struct fields,
//! constructors, setters, enum matches). Building them costs a fraction of writing the same
//! code as tokens and parsing it back: on GitHub's spec, parsing was half of the emitter's
//! time. Items written once per file are still `quote!` and parsed.

use proc_macro2::{Ident, TokenStream};
use syn::{Attribute, Expr, FnArg, ImplItem, Item, Pat, Path, Stmt, Type, Visibility};

use super::rust::ident;

/// A path of plain segments, with a leading `::` when `global`.
pub(crate) fn path(global: bool, segments: &[&str]) -> Path {
    Path {
        leading_colon: global.then(Default::default),
        segments: segments
            .iter()
            .map(|segment| syn::PathSegment::from(ident(segment)))
            .collect(),
    }
}

/// A path of one identifier.
pub(crate) fn name(name: Ident) -> Path {
    Path::from(name)
}

/// `Self::name`.
pub(crate) fn self_path(name: &Ident) -> Path {
    let mut path = Path::from(ident("Self"));
    path.segments.push(name.clone().into());
    path
}

/// `prefix::name`: a constant of a type, a variant of an enum.
pub(crate) fn member_path(mut prefix: Path, name: &Ident) -> Path {
    prefix.segments.push(name.clone().into());
    prefix
}

/// The type at `path`.
pub(crate) fn ty(path: Path) -> Type {
    Type::Path(syn::TypePath { qself: None, path })
}

/// `path<args>`.
pub(crate) fn generic(mut path: Path, args: impl IntoIterator<Item = Type>) -> Path {
    if let Some(last) = path.segments.last_mut() {
        last.arguments = syn::PathArguments::AngleBracketed(syn::AngleBracketedGenericArguments {
            colon2_token: None,
            lt_token: Default::default(),
            args: args.into_iter().map(syn::GenericArgument::Type).collect(),
            gt_token: Default::default(),
        });
    }
    path
}

/// The type `path<args>`.
pub(crate) fn generic_ty(path: Path, args: impl IntoIterator<Item = Type>) -> Type {
    ty(generic(path, args))
}

/// `impl trait_path`.
pub(crate) fn impl_trait(path: Path) -> Type {
    Type::ImplTrait(syn::TypeImplTrait {
        impl_token: Default::default(),
        bounds: std::iter::once(syn::TypeParamBound::Trait(syn::TraitBound {
            paren_token: None,
            modifier: syn::TraitBoundModifier::None,
            lifetimes: None,
            path,
        }))
        .collect(),
    })
}

/// `&ty`.
pub(crate) fn reference(ty: Type) -> Type {
    Type::Reference(syn::TypeReference {
        and_token: Default::default(),
        lifetime: None,
        mutability: None,
        elem: Box::new(ty),
    })
}

/// The expression at `path`: a local, a constant, a unit variant.
pub(crate) fn expr(path: Path) -> Expr {
    Expr::Path(expr_path(path))
}

/// A path as syn writes it in expressions and patterns.
fn expr_path(path: Path) -> syn::ExprPath {
    syn::ExprPath {
        attrs: Vec::new(),
        qself: None,
        path,
    }
}

/// `function(args)`.
pub(crate) fn call(function: Path, args: Vec<Expr>) -> Expr {
    Expr::Call(syn::ExprCall {
        attrs: Vec::new(),
        func: Box::new(expr(function)),
        paren_token: Default::default(),
        args: args.into_iter().collect(),
    })
}

/// `receiver.method(args)`.
pub(crate) fn method(receiver: Expr, method: &str, args: Vec<Expr>) -> Expr {
    Expr::MethodCall(syn::ExprMethodCall {
        attrs: Vec::new(),
        receiver: Box::new(receiver),
        dot_token: Default::default(),
        method: ident(method),
        turbofish: None,
        paren_token: Default::default(),
        args: args.into_iter().collect(),
    })
}

/// `*value`.
pub(crate) fn deref(value: Expr) -> Expr {
    Expr::Unary(syn::ExprUnary {
        attrs: Vec::new(),
        op: syn::UnOp::Deref(Default::default()),
        expr: Box::new(value),
    })
}

/// `<Self as trait_path>::function()`: a trait's function called on `Self`, where a method of
/// the same name would be found first.
pub(crate) fn call_as_trait(trait_path: Path, function: &str) -> Expr {
    let position = trait_path.segments.len();
    let mut path = trait_path;
    path.segments.push(ident(function).into());
    Expr::Call(syn::ExprCall {
        attrs: Vec::new(),
        func: Box::new(Expr::Path(syn::ExprPath {
            attrs: Vec::new(),
            qself: Some(syn::QSelf {
                lt_token: Default::default(),
                ty: Box::new(ty(Path::from(ident("Self")))),
                position,
                as_token: Some(Default::default()),
                gt_token: Default::default(),
            }),
            path,
        })),
        paren_token: Default::default(),
        args: Default::default(),
    })
}

/// `left = right`.
pub(crate) fn assign(left: Expr, right: Expr) -> Expr {
    Expr::Assign(syn::ExprAssign {
        attrs: Vec::new(),
        left: Box::new(left),
        eq_token: Default::default(),
        right: Box::new(right),
    })
}

/// `base.field`.
pub(crate) fn field(base: Expr, field: &Ident) -> Expr {
    Expr::Field(syn::ExprField {
        attrs: Vec::new(),
        base: Box::new(base),
        dot_token: Default::default(),
        member: syn::Member::Named(field.clone()),
    })
}

/// `path { name: value, .. }`.
pub(crate) fn struct_literal(path: Path, fields: Vec<(Ident, Expr)>) -> Expr {
    Expr::Struct(syn::ExprStruct {
        attrs: Vec::new(),
        qself: None,
        path,
        brace_token: Default::default(),
        fields: fields
            .into_iter()
            .map(|(name, value)| syn::FieldValue {
                attrs: Vec::new(),
                member: syn::Member::Named(name),
                colon_token: Some(Default::default()),
                expr: value,
            })
            .collect(),
        dot2_token: None,
        rest: None,
    })
}

/// A literal (`"text"`, `42`) as an expression.
pub(crate) fn literal(lit: syn::Lit) -> Expr {
    Expr::Lit(syn::ExprLit {
        attrs: Vec::new(),
        lit,
    })
}

/// `match scrutinee { pattern => body, .. }`.
pub(crate) fn matching(scrutinee: Expr, arms: Vec<(Pat, Expr)>) -> Expr {
    Expr::Match(syn::ExprMatch {
        attrs: Vec::new(),
        match_token: Default::default(),
        expr: Box::new(scrutinee),
        brace_token: Default::default(),
        arms: arms
            .into_iter()
            .map(|(pat, body)| syn::Arm {
                attrs: Vec::new(),
                pat,
                guard: None,
                fat_arrow_token: Default::default(),
                body: Box::new(body),
                comma: Some(Default::default()),
            })
            .collect(),
    })
}

/// The pattern of a unit variant or constant at `path`.
pub(crate) fn pat_path(path: Path) -> Pat {
    Pat::Path(expr_path(path))
}

/// `path(elements)`.
pub(crate) fn pat_tuple(path: Path, elements: Vec<Pat>) -> Pat {
    Pat::TupleStruct(syn::PatTupleStruct {
        attrs: Vec::new(),
        qself: None,
        path,
        paren_token: Default::default(),
        elems: elements.into_iter().collect(),
    })
}

/// A binding.
pub(crate) fn pat_ident(name: &str) -> Pat {
    Pat::Ident(syn::PatIdent {
        attrs: Vec::new(),
        by_ref: None,
        mutability: None,
        ident: ident(name),
        subpat: None,
    })
}

/// `_`.
pub(crate) fn pat_wild() -> Pat {
    Pat::Wild(syn::PatWild {
        attrs: Vec::new(),
        underscore_token: Default::default(),
    })
}

/// A literal pattern.
pub(crate) fn pat_literal(lit: syn::Lit) -> Pat {
    Pat::Lit(syn::ExprLit {
        attrs: Vec::new(),
        lit,
    })
}

/// `#[name]`.
pub(crate) fn attr_word(name: &str) -> Attribute {
    attribute(syn::Meta::Path(path(false, &[name])))
}

/// `#[name(tokens)]`.
pub(crate) fn attr_list(name: &str, tokens: TokenStream) -> Attribute {
    attribute(syn::Meta::List(syn::MetaList {
        path: path(false, &[name]),
        delimiter: syn::MacroDelimiter::Paren(Default::default()),
        tokens,
    }))
}

/// `#[doc = "text"]` (or `#![doc = ..]` when `inner`).
pub(crate) fn doc_attr(text: syn::LitStr, inner: bool) -> Attribute {
    let mut attr = attribute(syn::Meta::NameValue(syn::MetaNameValue {
        path: path(false, &["doc"]),
        eq_token: Default::default(),
        value: literal(syn::Lit::Str(text)),
    }));
    if inner {
        attr.style = syn::AttrStyle::Inner(Default::default());
    }
    attr
}

fn attribute(meta: syn::Meta) -> Attribute {
    Attribute {
        pound_token: Default::default(),
        style: syn::AttrStyle::Outer,
        bracket_token: Default::default(),
        meta,
    }
}

/// `pub`.
pub(crate) fn public() -> Visibility {
    Visibility::Public(Default::default())
}

/// The receiver `self`, `&self` or `mut self`.
pub(crate) fn receiver(borrowed: bool, mutable: bool) -> FnArg {
    // The type a parser gives the receiver (`&Self` for `&self`); prettyplease prints
    // `self: Type` for any other.
    let self_ty = ty(path(false, &["Self"]));
    FnArg::Receiver(syn::Receiver {
        attrs: Vec::new(),
        reference: borrowed.then(|| (Default::default(), None)),
        mutability: mutable.then(Default::default),
        self_token: Default::default(),
        colon_token: None,
        ty: Box::new(if borrowed {
            reference(self_ty)
        } else {
            self_ty
        }),
    })
}

/// `name: ty`.
pub(crate) fn param(name: Ident, ty: Type) -> FnArg {
    FnArg::Typed(syn::PatType {
        attrs: Vec::new(),
        pat: Box::new(Pat::Ident(syn::PatIdent {
            attrs: Vec::new(),
            by_ref: None,
            mutability: None,
            ident: name,
            subpat: None,
        })),
        colon_token: Default::default(),
        ty: Box::new(ty),
    })
}

/// The statement `expr;`.
pub(crate) fn statement(expr: Expr) -> Stmt {
    Stmt::Expr(expr, Some(Default::default()))
}

/// A function of an impl block: `attrs vis fn name(inputs) -> output { body }`; the last
/// expression of `body` is the value.
pub(crate) fn function(
    attrs: Vec<Attribute>,
    vis: Visibility,
    name: Ident,
    inputs: Vec<FnArg>,
    output: Type,
    mut body: Vec<Stmt>,
    value: Expr,
) -> ImplItem {
    body.push(Stmt::Expr(value, None));
    ImplItem::Fn(syn::ImplItemFn {
        attrs,
        vis,
        defaultness: None,
        sig: syn::Signature {
            constness: None,
            asyncness: None,
            unsafety: None,
            abi: None,
            fn_token: Default::default(),
            ident: name,
            generics: Default::default(),
            paren_token: Default::default(),
            inputs: inputs.into_iter().collect(),
            variadic: None,
            output: syn::ReturnType::Type(Default::default(), Box::new(output)),
        },
        block: syn::Block {
            brace_token: Default::default(),
            stmts: body,
        },
    })
}

/// `attrs pub enum name { variants }`.
pub(crate) fn public_enum(
    attrs: Vec<Attribute>,
    name: Ident,
    variants: syn::punctuated::Punctuated<syn::Variant, syn::token::Comma>,
) -> Item {
    Item::Enum(syn::ItemEnum {
        attrs,
        vis: public(),
        enum_token: Default::default(),
        ident: name,
        generics: Default::default(),
        brace_token: Default::default(),
        variants,
    })
}

/// `impl self_ty { items }`, or `impl trait_path for self_ty { items }`.
pub(crate) fn impl_block(self_ty: Type, trait_path: Option<Path>, items: Vec<ImplItem>) -> Item {
    Item::Impl(syn::ItemImpl {
        attrs: Vec::new(),
        defaultness: None,
        unsafety: None,
        impl_token: Default::default(),
        generics: Default::default(),
        trait_: trait_path.map(|path| (None, path, Default::default())),
        self_ty: Box::new(self_ty),
        brace_token: Default::default(),
        items,
    })
}

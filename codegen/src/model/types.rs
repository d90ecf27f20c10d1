//! Schemas → named types. Works on the raw JSON of the spec, so that every `$ref` (into
//! components or anywhere else) resolves the same way and no keyword of a schema is lost.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use serde_json::{Map, Value};

use super::refs::{self, RefError};
use super::schema::{self, Keyword, Shape};
use super::{
    Docs, EnumDef, EnumRepr, EnumVariant, ExtraFields, Field, IntegerType, StructDef, TypeDef,
    TypeKind, TypeRef, UnionDef, UnionVariant,
};
use crate::diagnostics::Diagnostic;
use crate::load::escape_pointer;
use crate::names::{self, Namespace};

mod merge;

/// One alternative of a union being built: where it is, the type it holds, and the variant
/// name it asks for (`None`: from its `title` or its type).
struct Alternative {
    pointer: String,
    ty: TypeRef,
    name: Option<String>,
}

/// Builds [`TypeDef`]s from schemas, naming inline ones after their context.
pub(crate) struct TypeBuilder<'a> {
    raw: &'a Value,
    names: Namespace,
    /// Rust names of `#/components/schemas/*`, claimed up front so they never depend on the
    /// order inline types are met.
    components: BTreeMap<String, String>,
    /// Schemas already converted, by pointer.
    done: HashMap<String, TypeRef, BuildHasherDefault<PointerHasher>>,
    /// Inline schemas already given a named type, by content. Big specs repeat the same inline
    /// object or enum many times (GitHub's: 6,541 inline schemas, 2,123 different); each gets
    /// one type, named where it is first met.
    inline_types: HashMap<SchemaKey<'a>, TypeRef>,
    defs: BTreeMap<String, TypeDef>,
    warnings: Vec<Diagnostic>,
    /// References being followed right now, for finding reference cycles.
    following: Vec<String>,
}

/// A fast hash for the pointers the builder memoizes (long strings with long shared
/// prefixes, where SipHash dominated the lookups). The keys come from the spec, but a run is
/// one process on one document, so hash flooding has nothing to gain.
#[derive(Default)]
struct PointerHasher(u64);

impl Hasher for PointerHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A schema compared and hashed by content, keys in the order written.
struct SchemaKey<'a>(&'a Value);

impl PartialEq for SchemaKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        fn same(a: &Value, b: &Value) -> bool {
            match (a, b) {
                (Value::Object(a), Value::Object(b)) => {
                    a.len() == b.len()
                        && a.iter()
                            .zip(b)
                            .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
                }
                (Value::Array(a), Value::Array(b)) => {
                    a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
                }
                (a, b) => a == b,
            }
        }
        same(self.0, other.0)
    }
}

impl Eq for SchemaKey<'_> {}

impl std::hash::Hash for SchemaKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        fn feed<H: Hasher>(value: &Value, state: &mut H) {
            match value {
                Value::Null => state.write_u8(0),
                Value::Bool(flag) => state.write_u8(1 + u8::from(*flag)),
                Value::Number(number) => {
                    state.write_u8(3);
                    number.to_string().hash(state);
                }
                Value::String(text) => {
                    state.write_u8(4);
                    text.hash(state);
                }
                Value::Array(items) => {
                    state.write_u8(5);
                    state.write_usize(items.len());
                    items.iter().for_each(|item| feed(item, state));
                }
                Value::Object(map) => {
                    state.write_u8(6);
                    state.write_usize(map.len());
                    for (key, child) in map {
                        key.hash(state);
                        feed(child, state);
                    }
                }
            }
        }
        feed(self.0, state);
    }
}

impl<'a> TypeBuilder<'a> {
    /// A builder over `raw`, with the names of all component schemas claimed.
    pub(crate) fn new(raw: &'a Value) -> Self {
        // The generated code calls `Some(..)`, `Ok(..)`: a tuple struct of that name would
        // shadow them.
        let mut names = Namespace::with_reserved(["Some", "None", "Ok", "Err"]);
        let mut components = BTreeMap::new();
        if let Some(schemas) = raw
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        {
            let mut keys: Vec<&String> = schemas.keys().collect();
            keys.sort();
            // A key that is already a clean type name claims it before `model` or `MODEL` can.
            keys.sort_by_key(|key| names::type_name(key) != **key);
            for key in keys {
                let name = names.claim(&names::type_name(key));
                components.insert(key.clone(), name);
            }
        }
        TypeBuilder {
            raw,
            names,
            components,
            done: HashMap::default(),
            inline_types: HashMap::new(),
            defs: BTreeMap::new(),
            warnings: Vec::new(),
            following: Vec::new(),
        }
    }

    /// The raw document.
    pub(crate) fn raw(&self) -> &'a Value {
        self.raw
    }

    /// Records a warning.
    pub(crate) fn warn(&mut self, pointer: &str, message: impl Into<String>) {
        self.warnings.push(Diagnostic::new(pointer, message));
    }

    /// Converts every component schema (in name order, so inline names are deterministic).
    pub(crate) fn build_components(&mut self) {
        let keys: Vec<String> = self.components.keys().cloned().collect();
        for key in keys {
            let pointer = format!("#/components/schemas/{}", escape_pointer(&key));
            self.schema_type(&pointer, &key);
        }
    }

    /// Claims a name for a type that does not come from a schema (a parameters struct).
    pub(crate) fn claim_name(&mut self, wanted: &str) -> String {
        self.names.claim(&names::type_name(wanted))
    }

    /// In the struct `name` (the body of a multipart operation), `format: binary` fields and
    /// arrays of them become file parts.
    pub(crate) fn binary_fields_as_files(&mut self, name: &str) {
        if let Some(TypeDef {
            kind: TypeKind::Struct(structure),
            ..
        }) = self.defs.get_mut(name)
        {
            for field in structure.fields.iter_mut().filter(|field| field.binary) {
                field.ty = match &field.ty {
                    TypeRef::Vec(_) => TypeRef::Vec(Box::new(TypeRef::File)),
                    _ => TypeRef::File,
                };
            }
        }
    }

    /// Whether `schema` (or its items) is `type: string, format: binary`.
    fn is_binary(&self, schema: &'a Value) -> bool {
        let binary =
            |schema: &Value| schema.keyword("format").and_then(Value::as_str) == Some("binary");
        let resolved = |schema: &'a Value| match schema.keyword("$ref").and_then(Value::as_str) {
            Some(reference) => refs::resolve(self.raw, reference)
                .ok()
                .map(|(value, _)| value),
            None => Some(schema),
        };
        let Some(schema) = resolved(schema) else {
            return false;
        };
        binary(schema)
            || schema
                .keyword("items")
                .and_then(resolved)
                .is_some_and(binary)
    }

    /// The fields of the struct `name`, if it is one.
    pub(crate) fn struct_fields(&self, name: &str) -> Option<&[Field]> {
        match &self.defs.get(name)?.kind {
            TypeKind::Struct(structure) => Some(&structure.fields),
            _ => None,
        }
    }

    /// The fields of the struct that `ty` is, through aliases and boxes.
    pub(crate) fn fields_of(&self, ty: &TypeRef) -> Option<&[Field]> {
        match self.unalias(ty) {
            TypeRef::Named(name) => self.struct_fields(name),
            _ => None,
        }
    }

    /// What `ty` is once aliases, boxes and `Option`s are looked through: a struct's name, a
    /// `Vec`, a scalar.
    pub(crate) fn unalias<'t>(&'t self, mut ty: &'t TypeRef) -> &'t TypeRef {
        // Bounded: an alias cycle is boxed later, and must not hang this lookup.
        for _ in 0..32 {
            ty = match ty {
                TypeRef::Boxed(inner) | TypeRef::Option(inner) => inner,
                TypeRef::Named(name) => match self.defs.get(name).map(|def| &def.kind) {
                    // A newtype (a recursive alias) is a struct of its own: no field access
                    // or `Vec` reaches through it.
                    Some(TypeKind::Alias {
                        target,
                        newtype: false,
                    }) => target,
                    _ => return ty,
                },
                _ => return ty,
            };
        }
        ty
    }

    /// Adds a type made elsewhere (a parameters struct).
    pub(crate) fn add_def(&mut self, def: TypeDef) {
        self.defs.insert(def.name.clone(), def);
    }

    /// The finished types (sorted by name, recursion boxed) and the warnings.
    pub(crate) fn finish(mut self) -> (Vec<TypeDef>, Vec<Diagnostic>) {
        box_recursion(&mut self.defs);
        (self.defs.into_values().collect(), self.warnings)
    }

    /// The type of the schema at `pointer`; inline types get a name from `hint`.
    pub(crate) fn schema_type(&mut self, pointer: &str, hint: &str) -> TypeRef {
        match self.done.get(pointer) {
            Some(done) => done.clone(),
            None => self.schema_type_of(pointer, refs::at(self.raw, pointer), hint),
        }
    }

    /// [`Self::schema_type`] for a schema already looked up (`None`: nothing at `pointer`).
    fn schema_type_of(&mut self, pointer: &str, schema: Option<&'a Value>, hint: &str) -> TypeRef {
        if let Some(done) = self.done.get(pointer) {
            return done.clone();
        }
        let Some(schema) = schema else {
            self.warn(pointer, "no schema here; using any JSON value");
            return TypeRef::Json;
        };
        let reference = schema.keyword("$ref").and_then(Value::as_str);
        if let Some(key) = component_key(pointer) {
            let name = self
                .components
                .get(&key)
                .cloned()
                .unwrap_or_else(|| names::type_name(&key));
            let named = TypeRef::Named(name.clone());
            self.done.insert(pointer.to_owned(), named.clone());
            let kind = match reference {
                // `Foo: {$ref: Bar}` keeps the name the spec gives: `pub type Foo = Bar;`.
                Some(reference) => TypeKind::Alias {
                    target: self.reference_type(pointer, reference, &key),
                    newtype: false,
                },
                None => {
                    let chain = std::mem::take(&mut self.following);
                    let kind = match self.shape(pointer, schema, &name) {
                        Ok(kind) => kind,
                        Err(target) => TypeKind::Alias {
                            target,
                            newtype: false,
                        },
                    };
                    self.following = chain;
                    kind
                }
            };
            self.define(name, pointer, schema, kind);
            return named;
        }
        if let Some(reference) = reference {
            return self.reference_type(pointer, reference, hint);
        }
        let chain = std::mem::take(&mut self.following);
        let ty = self.inline_type(pointer, schema, hint);
        self.following = chain;
        ty
    }

    fn inline_type(&mut self, pointer: &str, schema: &'a Value, hint: &str) -> TypeRef {
        match schema::classify(schema) {
            Shape::Inline => {
                let ty = match self.shape(pointer, schema, hint) {
                    Ok(_) => TypeRef::Json,
                    Err(ty) => ty,
                };
                self.done.insert(pointer.to_owned(), ty.clone());
                ty
            }
            Shape::Named => {
                if let Some(same) = self.inline_types.get(&SchemaKey(schema)) {
                    let same = same.clone();
                    self.done.insert(pointer.to_owned(), same.clone());
                    return same;
                }
                let name = self.names.claim(&names::type_name(hint));
                let named = TypeRef::Named(name.clone());
                self.done.insert(pointer.to_owned(), named.clone());
                self.inline_types.insert(SchemaKey(schema), named.clone());
                let kind = match self.shape(pointer, schema, &name) {
                    Ok(kind) => kind,
                    Err(target) => TypeKind::Alias {
                        target,
                        newtype: false,
                    },
                };
                self.define(name, pointer, schema, kind);
                named
            }
        }
    }

    /// Follows a `$ref`. `following` holds the chain of references being followed without a
    /// schema in between; meeting one of them again is a cycle with no type at its end.
    fn reference_type(&mut self, pointer: &str, reference: &str, hint: &str) -> TypeRef {
        match refs::resolve(self.raw, reference) {
            Ok((_, target)) if target == pointer || self.following.contains(&target) => {
                let mut chain = self.following.clone();
                chain.push(pointer.to_owned());
                chain.push(target);
                self.warn(
                    pointer,
                    format!(
                        "reference cycle with no schema in it ({}); using any JSON value",
                        chain.join(" -> ")
                    ),
                );
                TypeRef::Json
            }
            Ok((_, target)) => {
                self.following.push(pointer.to_owned());
                let hint = component_key(&target).unwrap_or_else(|| hint.to_owned());
                let ty = self.schema_type(&target, &hint);
                self.following.pop();
                if component_key(pointer).is_none() {
                    self.done.insert(pointer.to_owned(), ty.clone());
                }
                ty
            }
            Err(RefError::External) => {
                self.warn(pointer, format!("`$ref: {reference}` points into another document, which is not read; using any JSON value"));
                TypeRef::Json
            }
            Err(RefError::Dangling) => {
                self.warn(
                    pointer,
                    format!("`$ref: {reference}` points to nothing; using any JSON value"),
                );
                TypeRef::Json
            }
        }
    }

    fn define(&mut self, name: String, pointer: &str, schema: &Value, kind: TypeKind) {
        let def = TypeDef {
            name: name.clone(),
            pointer: pointer.to_owned(),
            docs: docs_of(schema),
            kind,
        };
        self.defs.insert(name, def);
    }

    /// The kind of a named type (`Ok`), or the plain type of a schema that needs no name (`Err`).
    fn shape(&mut self, pointer: &str, schema: &Value, name: &str) -> Result<TypeKind, TypeRef> {
        let Some(map) = schema.as_object() else {
            if schema == &Value::Bool(false) {
                self.warn(
                    pointer,
                    "`false` schema (no value allowed); using any JSON value",
                );
            }
            return Err(TypeRef::Json);
        };
        if let Some(members) = non_empty_array(map, "allOf") {
            return self.all_of(pointer, map, members.len(), name);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(variants) = non_empty_array(map, key) {
                if schema::has_object_keywords(map) {
                    // The properties next to the `oneOf` belong to every alternative, as if
                    // both were members of an `allOf`.
                    return self.merge(pointer, map, name);
                }
                if variants.len() == 1 {
                    return Err(self.schema_type(&format!("{pointer}/{key}/0"), name));
                }
                return Ok(self.union(pointer, map, key, variants.len(), name));
            }
        }
        if map.contains_key("not") {
            self.warn(
                pointer,
                "`not` cannot be expressed as a Rust type; using any JSON value",
            );
            return Err(TypeRef::Json);
        }
        if let Some(values) = map.keyword("enum").and_then(Value::as_array) {
            return self.enumeration(pointer, map, values);
        }
        match schema::type_of(map) {
            Some("object") | None if schema::has_properties(map) => Ok(TypeKind::Struct(
                self.structure(&[(pointer.to_owned(), map)], name),
            )),
            Some("object") => Err(self.map_type(pointer, map, name)),
            Some("array") => {
                // A property's hint is already the singular item name (`ChatCompletionChoice`).
                let item_hint = if component_key(pointer).is_some() {
                    format!("{name}Item")
                } else {
                    name.to_owned()
                };
                let items = if map.contains_key("items") {
                    self.nullable_aware(&format!("{pointer}/items"), &item_hint)
                } else {
                    TypeRef::Json
                };
                Err(TypeRef::Vec(Box::new(items)))
            }
            Some("string") => Err(TypeRef::String),
            Some("integer") => Err(TypeRef::Integer(integer_type(map))),
            Some("number") => Err(TypeRef::Number),
            Some("boolean") => Err(TypeRef::Bool),
            None if map.contains_key("additionalProperties") => {
                Err(self.map_type(pointer, map, name))
            }
            None if map.contains_key("items") => {
                let items =
                    self.nullable_aware(&format!("{pointer}/items"), &format!("{name}Item"));
                Err(TypeRef::Vec(Box::new(items)))
            }
            None => Err(TypeRef::Json),
            Some(other) => {
                self.warn(
                    pointer,
                    format!("unknown type `{other}`; using any JSON value"),
                );
                Err(TypeRef::Json)
            }
        }
    }

    /// The type of an item or map value, `Option` when the schema is nullable.
    pub(crate) fn nullable_aware(&mut self, pointer: &str, hint: &str) -> TypeRef {
        let ty = self.schema_type(pointer, hint);
        if self.is_nullable(pointer) && ty != TypeRef::Json {
            TypeRef::Option(Box::new(ty))
        } else {
            ty
        }
    }

    /// Whether the schema at `pointer` (following references) allows `null`.
    pub(crate) fn is_nullable(&self, pointer: &str) -> bool {
        self.allows_null(refs::at(self.raw, pointer))
    }

    /// Whether `schema` (following references) allows `null`.
    fn allows_null(&self, schema: Option<&'a Value>) -> bool {
        let mut current = schema;
        for _ in 0..32 {
            let Some(schema) = current else { return false };
            if schema::is_nullable(schema) {
                return true;
            }
            // OpenAPI 3.0 cannot put `nullable` next to a `$ref`, so specs write
            // `allOf: [{$ref: X}, {nullable: true}]` (OpenAI's, dozens of times): a member that
            // only says `nullable` makes the whole nullable.
            let nullable_member = schema
                .keyword("allOf")
                .and_then(Value::as_array)
                .is_some_and(|members| {
                    members.iter().any(|member| {
                        schema::is_nullable(member)
                            && member.as_object().is_some_and(|map| {
                                map.keys().all(|key| {
                                    matches!(key.as_str(), "nullable" | "description" | "title")
                                })
                            })
                    })
                });
            if nullable_member {
                return true;
            }
            match schema.keyword("$ref").and_then(Value::as_str) {
                Some(reference) => {
                    current = refs::resolve(self.raw, reference)
                        .ok()
                        .map(|(value, _)| value)
                }
                None => return false,
            }
        }
        false
    }

    fn map_type(&mut self, pointer: &str, map: &Map<String, Value>, name: &str) -> TypeRef {
        match map.keyword("additionalProperties") {
            Some(Value::Object(values)) if !values.is_empty() => {
                let value = self.nullable_aware(
                    &format!("{pointer}/additionalProperties"),
                    &format!("{name}Value"),
                );
                TypeRef::Map(Box::new(value))
            }
            _ => TypeRef::Json,
        }
    }

    fn structure(&mut self, parts: &[(String, &Map<String, Value>)], name: &str) -> StructDef {
        let mut required = BTreeSet::new();
        let mut properties: Vec<(String, String)> = Vec::new();
        let mut extra = Some(TypeRef::Json);
        for (part_pointer, part) in parts {
            match part.keyword("required") {
                Some(Value::Array(_)) | None => {}
                Some(_) => self.warn(
                    part_pointer,
                    "`required` is not a list of property names; every property is optional",
                ),
            }
            if let Some(list) = part.keyword("required").and_then(Value::as_array) {
                required.extend(list.iter().filter_map(Value::as_str).map(str::to_owned));
            }
            if let Some(props) = part.keyword("properties").and_then(Value::as_object) {
                for wire in props.keys() {
                    let prop_pointer =
                        format!("{part_pointer}/properties/{}", escape_pointer(wire));
                    match properties.iter_mut().find(|(existing, _)| existing == wire) {
                        // A later allOf member restating a property refines it: the last wins.
                        Some(slot) => slot.1 = prop_pointer,
                        None => properties.push((wire.clone(), prop_pointer)),
                    }
                }
            }
            match part.keyword("additionalProperties") {
                Some(Value::Bool(false)) => extra = None,
                Some(Value::Object(values)) if !values.is_empty() => {
                    let hint = format!("{name}Value");
                    extra = Some(
                        self.nullable_aware(&format!("{part_pointer}/additionalProperties"), &hint),
                    );
                }
                _ => {}
            }
        }
        let mut field_names = Namespace::new();
        let mut fields = Vec::with_capacity(properties.len());
        for (wire, prop_pointer) in properties {
            let field_name = field_names.claim(&names::field_name(&wire));
            let hint = format!("{name}{}", names::type_name(&wire));
            let prop = refs::at(self.raw, &prop_pointer);
            let hint = if Self::is_array(prop) {
                format!("{name}{}", names::type_name(&names::singular(&wire)))
            } else {
                hint
            };
            let ty = self.schema_type_of(&prop_pointer, prop, &hint);
            let nullable = self.allows_null(prop) && ty != TypeRef::Json;
            let prop = prop.unwrap_or(&Value::Null);
            let mut docs = if prop.keyword("$ref").is_some() {
                Docs::default()
            } else {
                docs_of(prop)
            };
            if prop.keyword("$ref").is_some() {
                docs.description = prop
                    .keyword("description")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
            }
            fields.push(Field {
                name: field_name,
                wire_name: wire.clone(),
                ty,
                required: required.contains(&wire),
                nullable,
                binary: self.is_binary(prop),
                docs,
            });
        }
        let extra = extra.map(|value| ExtraFields {
            name: field_names.claim("additional_properties"),
            value,
        });
        StructDef { fields, extra }
    }

    fn is_array(schema: Option<&Value>) -> bool {
        schema
            .and_then(Value::as_object)
            .is_some_and(|map| schema::type_of(map) == Some("array"))
    }

    fn all_of(
        &mut self,
        pointer: &str,
        map: &Map<String, Value>,
        members: usize,
        name: &str,
    ) -> Result<TypeKind, TypeRef> {
        // `allOf: [$ref]`, or `allOf: [$ref, {nullable: true}]`, is how 3.0 puts a description
        // or `nullable` next to a reference: the type is the one member that says more than that.
        let substantive: Vec<usize> = (0..members)
            .filter(|at| {
                !map.keyword("allOf")
                    .and_then(|all| all.get(*at))
                    .and_then(Value::as_object)
                    .is_some_and(|member| member.keys().all(|key| is_annotation(key)))
            })
            .collect();
        let is_reference = |at: usize| {
            map.keyword("allOf")
                .and_then(|all| all.get(at))
                .is_some_and(|member| member.keyword("$ref").is_some())
        };
        // An inline member is merged as before: it would need a name of its own here.
        if let [only] = substantive.as_slice()
            && (members == 1 || is_reference(*only))
            && !schema::has_object_keywords(map)
            && !schema::has_alternatives(map)
        {
            return Err(self.schema_type(&format!("{pointer}/allOf/{only}"), name));
        }
        self.merge(pointer, map, name)
    }

    fn union(
        &mut self,
        pointer: &str,
        map: &Map<String, Value>,
        key: &str,
        count: usize,
        name: &str,
    ) -> TypeKind {
        let mut alternatives = Vec::with_capacity(count);
        for index in 0..count {
            let variant_pointer = format!("{pointer}/{key}/{index}");
            let hint = self.variant_hint(&variant_pointer, name, index);
            let ty = self.schema_type(&variant_pointer, &hint);
            alternatives.push(Alternative {
                pointer: variant_pointer,
                ty,
                name: None,
            });
        }
        self.union_of(Some(map), &alternatives, name)
    }

    /// The union of `alternatives`, tagged by the `discriminator` of `map` when it has one, or
    /// by a tag found in the alternatives.
    fn union_of(
        &mut self,
        map: Option<&Map<String, Value>>,
        alternatives: &[Alternative],
        name: &str,
    ) -> TypeKind {
        let mut variant_names = Namespace::new();
        let mut variants: Vec<UnionVariant> = Vec::with_capacity(alternatives.len());
        for alternative in alternatives {
            let (variant_pointer, ty) = (&alternative.pointer, &alternative.ty);
            // An inline alternative's `title` names its variant (`Text`, `Parts`); otherwise the
            // name comes from its type.
            let inline = refs::at(self.raw, variant_pointer)
                .filter(|schema| schema.keyword("$ref").is_none());
            let title = inline
                .and_then(|schema| schema.keyword("title"))
                .and_then(Value::as_str);
            let description = inline
                .and_then(|schema| schema.keyword("description"))
                .and_then(Value::as_str)
                .map(|text| text.trim().to_owned());
            let wanted = match (&alternative.name, title) {
                (Some(wanted), _) => wanted.clone(),
                (None, Some(title)) => names::type_name(title),
                (None, None) => variant_name(ty, name),
            };
            if variants.iter().any(|variant| &variant.ty == ty) {
                continue;
            }
            variants.push(UnionVariant {
                name: variant_names.claim(&wanted),
                ty: ty.clone(),
                tag_values: Vec::new(),
                description,
            });
        }
        let discriminator = map.and_then(|map| {
            let property = map
                .keyword("discriminator")
                .and_then(|d| d.keyword("propertyName"))
                .and_then(Value::as_str)?;
            Some((map, property))
        });
        let tag = match discriminator {
            Some((map, property)) => {
                self.explicit_tags(map, property, alternatives, &mut variants);
                Some(property.to_owned())
            }
            None => self.inferred_tag(&mut variants),
        };
        let fallback = if variant_names.contains("Unknown") {
            variant_names.claim("UnknownValue")
        } else {
            variant_names.claim("Unknown")
        };
        TypeKind::Union(UnionDef {
            variants,
            tag,
            fallback,
        })
    }

    fn variant_hint(&self, pointer: &str, name: &str, index: usize) -> String {
        let Some(schema) = refs::at(self.raw, pointer) else {
            return format!("{name}Variant{index}");
        };
        if let Some(title) = schema.keyword("title").and_then(Value::as_str) {
            return format!("{name}{}", names::type_name(title));
        }
        // An inline alternative with a constant property (`type: [text]`) is named after it.
        if let Some(props) = schema.keyword("properties").and_then(Value::as_object) {
            for prop in props.values() {
                if let Some([Value::String(value)]) = prop
                    .keyword("enum")
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                {
                    return format!("{name}{}", names::type_name(value));
                }
            }
        }
        format!("{name}Variant{}", index + 1)
    }

    /// Tag values from `discriminator.mapping`. Without a mapping entry, OpenAPI makes the
    /// component name the value; published specs (OpenAI's: 107 discriminators, no mapping)
    /// mean the alternative's constant of that property (`type: {enum: [function]}`), which is
    /// what their servers send. Both are accepted, the constant first.
    fn explicit_tags(
        &mut self,
        map: &Map<String, Value>,
        property: &str,
        alternatives: &[Alternative],
        variants: &mut [UnionVariant],
    ) {
        let mapping = map
            .keyword("discriminator")
            .and_then(|d| d.keyword("mapping"))
            .and_then(Value::as_object);
        for Alternative {
            pointer: variant_pointer,
            ty,
            ..
        } in alternatives
        {
            let Some(variant) = variants.iter_mut().find(|variant| &variant.ty == ty) else {
                continue;
            };
            let reference = refs::at(self.raw, variant_pointer)
                .and_then(|s| s.keyword("$ref"))
                .and_then(Value::as_str);
            let mut values: Vec<String> = Vec::new();
            if let (Some(mapping), Some(reference)) = (mapping, reference) {
                for (value, target) in mapping {
                    let target = target.as_str().unwrap_or_default();
                    let same = target == reference
                        || (!target.contains('/') && reference.ends_with(&format!("/{target}")));
                    if same {
                        values.push(value.clone());
                    }
                }
            }
            if values.is_empty() {
                let constant = match &variant.ty {
                    TypeRef::Named(name) => match self.defs.get(name) {
                        Some(TypeDef {
                            kind: TypeKind::Struct(structure),
                            ..
                        }) => structure
                            .fields
                            .iter()
                            .find(|field| field.wire_name == property)
                            .and_then(|field| self.single_value(&field.ty)),
                        _ => None,
                    },
                    _ => None,
                };
                values.extend(constant);
                if let Some(reference) = reference {
                    let component = refs::last_segment(reference);
                    if !values.contains(&component) {
                        values.push(component);
                    }
                }
            }
            variant.tag_values.extend(values);
        }
    }

    /// Finds a tag when every alternative is a struct with a required, single-valued property
    /// of the same name and the values differ (`{"type": "text"}` vs `{"type": "image_url"}`).
    fn inferred_tag(&self, variants: &mut [UnionVariant]) -> Option<String> {
        let mut constants: Vec<BTreeMap<String, String>> = Vec::with_capacity(variants.len());
        for variant in variants.iter() {
            let TypeRef::Named(name) = &variant.ty else {
                return None;
            };
            let Some(TypeDef {
                kind: TypeKind::Struct(structure),
                ..
            }) = self.defs.get(name)
            else {
                return None;
            };
            let mut found = BTreeMap::new();
            for field in structure.fields.iter().filter(|field| field.required) {
                if let Some(value) = self.single_value(&field.ty) {
                    found.insert(field.wire_name.clone(), value);
                }
            }
            constants.push(found);
        }
        let first = constants.first()?;
        let property = first.keys().find(|property| {
            let values: BTreeSet<Option<&String>> =
                constants.iter().map(|c| c.get(*property)).collect();
            values.len() == constants.len() && values.iter().all(Option::is_some)
        })?;
        for (variant, found) in variants.iter_mut().zip(&constants) {
            variant.tag_values = found.get(property).cloned().into_iter().collect();
        }
        Some(property.clone())
    }

    /// The value of an enum type with exactly one string value.
    fn single_value(&self, ty: &TypeRef) -> Option<String> {
        let TypeRef::Named(name) = ty else {
            return None;
        };
        match self.defs.get(name) {
            Some(TypeDef {
                kind:
                    TypeKind::Enum(EnumDef {
                        variants,
                        repr: EnumRepr::String,
                        ..
                    }),
                ..
            }) => match variants.as_slice() {
                [single] => Some(single.value.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    fn enumeration(
        &mut self,
        pointer: &str,
        map: &Map<String, Value>,
        values: &[Value],
    ) -> Result<TypeKind, TypeRef> {
        let listed: Vec<&Value> = values.iter().filter(|value| !value.is_null()).collect();
        let repr = if listed.iter().all(|value| value.is_string()) {
            EnumRepr::String
        } else if listed.iter().all(|value| value.is_i64())
            && schema::type_of(map) != Some("number")
        {
            EnumRepr::Integer
        } else if listed.iter().all(|value| value.is_boolean()) {
            return Err(TypeRef::Bool);
        } else if listed.iter().all(|value| value.is_number()) {
            return Err(if schema::type_of(map) == Some("integer") {
                TypeRef::Integer(IntegerType::U64)
            } else {
                TypeRef::Number
            });
        } else {
            self.warn(
                pointer,
                "an `enum` of mixed or structured values; using any JSON value",
            );
            return Err(TypeRef::Json);
        };
        if listed.is_empty() {
            return Err(TypeRef::Json);
        }
        let custom_names = map
            .keyword("x-enum-varnames")
            .or_else(|| map.keyword("x-enumNames"))
            .and_then(Value::as_array)
            .filter(|names| names.len() == listed.len());
        let mut variant_names = Namespace::new();
        let mut variants: Vec<EnumVariant> = Vec::with_capacity(listed.len());
        for (index, value) in listed.iter().enumerate() {
            let text = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            if variants.iter().any(|variant| variant.value == text) {
                continue;
            }
            let wanted = match custom_names.and_then(|names| names[index].as_str()) {
                Some(custom) => names::type_name(custom),
                None if repr == EnumRepr::Integer => {
                    names::type_name(&format!("V{}", text.replace('-', "Minus")))
                }
                None => names::type_name(&text),
            };
            variants.push(EnumVariant {
                name: variant_names.claim(&wanted),
                value: text,
            });
        }
        let fallback = if variant_names.contains("Unknown") {
            variant_names.claim("UnknownValue")
        } else {
            variant_names.claim("Unknown")
        };
        Ok(TypeKind::Enum(EnumDef {
            variants,
            repr,
            fallback,
        }))
    }
}

/// `Some(key)` when `pointer` is `#/components/schemas/<key>`.
fn component_key(pointer: &str) -> Option<String> {
    let rest = pointer.strip_prefix("#/components/schemas/")?;
    (!rest.contains('/')).then(|| rest.replace("~1", "/").replace("~0", "~"))
}

fn non_empty_array<'m>(map: &'m Map<String, Value>, key: &str) -> Option<&'m Vec<Value>> {
    map.get(key)
        .and_then(Value::as_array)
        .filter(|items| !items.is_empty())
}

fn integer_type(map: &Map<String, Value>) -> IntegerType {
    match map.keyword("format").and_then(Value::as_str) {
        Some("int32") => IntegerType::I32,
        Some("uint32") => IntegerType::U32,
        Some("uint64") => IntegerType::U64,
        _ => IntegerType::I64,
    }
}

/// A union variant's name, from the type it holds (`ResponseFormatText` in `ResponseFormat`
/// becomes `Text`; `Vec<String>` becomes `StringArray`).
fn variant_name(ty: &TypeRef, union_name: &str) -> String {
    match ty {
        TypeRef::Named(name) => match name.strip_prefix(union_name) {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_uppercase()) => rest.to_owned(),
            _ => name.clone(),
        },
        TypeRef::String => "String".to_owned(),
        TypeRef::Bool => "Boolean".to_owned(),
        TypeRef::Integer(_) => "Integer".to_owned(),
        TypeRef::Number => "Number".to_owned(),
        TypeRef::Json => "Json".to_owned(),
        TypeRef::Vec(inner) => format!("{}Array", variant_name(inner, union_name)),
        TypeRef::Map(inner) => format!("{}Map", variant_name(inner, union_name)),
        TypeRef::Option(inner) | TypeRef::Boxed(inner) => variant_name(inner, union_name),
        TypeRef::Bytes => "Bytes".to_owned(),
        TypeRef::File => "File".to_owned(),
    }
}

/// The documentation of a schema.
pub(crate) fn docs_of(schema: &Value) -> Docs {
    let text = |key: &str| {
        schema
            .keyword(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|t| !t.is_empty())
    };
    let description = match (text("title"), text("description")) {
        (Some(title), Some(description)) if !description.starts_with(title) => {
            Some(format!("{title}\n\n{description}"))
        }
        (_, Some(description)) => Some(description.to_owned()),
        (Some(title), None) => Some(title.to_owned()),
        (None, None) => None,
    };
    Docs {
        description,
        deprecated: schema
            .keyword("deprecated")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        example: schema.keyword("example").cloned(),
        default: schema.keyword("default").cloned(),
        constraints: schema
            .as_object()
            .map(schema::constraints)
            .unwrap_or_default(),
    }
}

/// Boxes the by-value references that close a cycle (`struct Node { next: Option<Node> }`),
/// and turns type aliases that refer to themselves into newtypes.
fn box_recursion(defs: &mut BTreeMap<String, TypeDef>) {
    let names: Vec<String> = defs.keys().cloned().collect();
    let index: BTreeMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let by_value_edges: Vec<Vec<usize>> = names
        .iter()
        .map(|name| {
            let mut targets = Vec::new();
            if let Some(def) = defs.get(name) {
                for ty in by_value_types(&def.kind) {
                    collect_by_value(ty, &mut |target| {
                        if let Some(&i) = index.get(target) {
                            targets.push(i);
                        }
                    });
                }
            }
            targets
        })
        .collect();
    let component = strongly_connected(&by_value_edges);
    // A type alias may name a type that leads back to it (`type C = D; struct D { c: Box<C> }`);
    // only a cycle made of aliases alone (`type J = Vec<J>`) needs a newtype to have a name.
    let is_alias = |name: &str| {
        matches!(
            defs.get(name),
            Some(TypeDef {
                kind: TypeKind::Alias { .. },
                ..
            })
        )
    };
    let alias_edges: Vec<Vec<usize>> = names
        .iter()
        .map(|name| {
            let mut targets = Vec::new();
            if let Some(TypeDef {
                kind: TypeKind::Alias { target, .. },
                ..
            }) = defs.get(name)
            {
                collect_any(target, &mut |to| {
                    if let (true, Some(&i)) = (is_alias(to), index.get(to)) {
                        targets.push(i);
                    }
                });
            }
            targets
        })
        .collect();
    let alias_component = strongly_connected(&alias_edges);
    let mut component_size = vec![0usize; names.len()];
    for &c in &alias_component {
        component_size[c] += 1;
    }
    let alias_cyclic: Vec<bool> = (0..names.len())
        .map(|i| alias_edges[i].contains(&i) || component_size[alias_component[i]] > 1)
        .collect();
    let in_cycle = |from: usize, to: &str| {
        index.get(to).is_some_and(|&to| {
            component[to] == component[from] && (to != from || by_value_edges[from].contains(&from))
        })
    };
    for (from, name) in names.iter().enumerate() {
        let Some(def) = defs.get_mut(name) else {
            continue;
        };
        match &mut def.kind {
            TypeKind::Struct(structure) => {
                for field in &mut structure.fields {
                    box_if(&mut field.ty, &|to| in_cycle(from, to));
                }
            }
            TypeKind::Union(union) => {
                for variant in &mut union.variants {
                    box_if(&mut variant.ty, &|to| in_cycle(from, to));
                }
            }
            TypeKind::Alias { target, newtype } => {
                if alias_cyclic[from] {
                    *newtype = true;
                    box_if(target, &|to| in_cycle(from, to));
                }
            }
            TypeKind::Enum(_) | TypeKind::Responses(_) => {}
        }
    }
}

fn by_value_types(kind: &TypeKind) -> Vec<&TypeRef> {
    match kind {
        TypeKind::Struct(structure) => structure.fields.iter().map(|field| &field.ty).collect(),
        TypeKind::Union(union) => union.variants.iter().map(|variant| &variant.ty).collect(),
        TypeKind::Alias { target, .. } => vec![target],
        // Nothing holds a response enum, so it is never part of a cycle.
        TypeKind::Enum(_) | TypeKind::Responses(_) => Vec::new(),
    }
}

/// Named types held by value (not behind a `Vec` or map, which already allocate).
fn collect_by_value(ty: &TypeRef, visit: &mut dyn FnMut(&str)) {
    match ty {
        TypeRef::Named(name) => visit(name),
        TypeRef::Option(inner) => collect_by_value(inner, visit),
        _ => {}
    }
}

fn collect_any(ty: &TypeRef, visit: &mut dyn FnMut(&str)) {
    if let Some(name) = ty.named() {
        visit(name);
    }
}

fn box_if(ty: &mut TypeRef, in_cycle: &dyn Fn(&str) -> bool) {
    match ty {
        TypeRef::Named(name) if in_cycle(name) => *ty = TypeRef::Boxed(Box::new(ty.clone())),
        TypeRef::Option(inner) => box_if(inner, in_cycle),
        _ => {}
    }
}

/// Tarjan's strongly connected components, iteratively (real specs nest deep enough to
/// overflow a recursive walk). Returns the component number of each node.
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<usize> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut component = vec![usize::MAX; n];
    let mut next_index = 0;
    let mut next_component = 0;
    for start in 0..n {
        if index[start] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(start, 0)];
        while let Some(&(node, edge)) = work.last() {
            if edge == 0 && index[node] == usize::MAX {
                index[node] = next_index;
                low[node] = next_index;
                next_index += 1;
                stack.push(node);
                on_stack[node] = true;
            }
            if let Some(&next) = edges[node].get(edge) {
                if let Some(top) = work.last_mut() {
                    top.1 += 1;
                }
                if index[next] == usize::MAX {
                    work.push((next, 0));
                } else if on_stack[next] {
                    low[node] = low[node].min(index[next]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == index[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = next_component;
                    if member == node {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}

/// Keywords that describe a schema without constraining its values' shape.
fn is_annotation(key: &str) -> bool {
    matches!(
        key,
        "nullable"
            | "description"
            | "title"
            | "deprecated"
            | "example"
            | "examples"
            | "readOnly"
            | "writeOnly"
    ) || key.starts_with("x-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_inline_schemas_share_one_type() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/repeated_inline.yaml"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let spec = crate::load::load("repeated_inline.yaml", &text).unwrap();
        let (api, _) = crate::model::build(&spec, &crate::Settings::new("repeated")).unwrap();
        let field = |type_name: &str, field: &str| {
            let def = api.types.iter().find(|def| def.name == type_name).unwrap();
            let TypeKind::Struct(structure) = &def.kind else {
                panic!("{type_name} is not a struct")
            };
            let field = structure
                .fields
                .iter()
                .find(|f| f.wire_name == field)
                .unwrap();
            field.ty.clone()
        };
        // Components are built in name order, so `Issue` names the shared types.
        let actor = TypeRef::Named("IssueActor".into());
        assert_eq!(field("Issue", "actor"), actor);
        assert_eq!(field("Push", "actor"), actor);
        assert_eq!(field("ListEventsResponse", "actor"), actor);
        assert_eq!(field("Push", "action"), field("Issue", "action"));
        // A description, or values in another order, make another schema.
        assert_eq!(
            field("Issue", "closer"),
            TypeRef::Named("IssueCloser".into())
        );
        assert_ne!(field("Issue", "state"), field("Issue", "previous_state"));
        let names: Vec<&str> = api.types.iter().map(|def| def.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Issue",
                "IssueAction",
                "IssueActor",
                "IssueCloser",
                "IssuePreviousState",
                "IssueState",
                "ListEventsResponse",
                "Push"
            ]
        );
    }

    #[test]
    fn strongly_connected_groups_cycles() {
        let edges = vec![vec![1], vec![0], vec![2], vec![]];
        let component = strongly_connected(&edges);
        assert_eq!(component[0], component[1]);
        assert_ne!(component[0], component[2]);
        assert_ne!(component[2], component[3]);
    }

    #[test]
    fn variant_names_drop_the_union_prefix() {
        assert_eq!(
            variant_name(
                &TypeRef::Named("ResponseFormatText".into()),
                "ResponseFormat"
            ),
            "Text"
        );
        assert_eq!(
            variant_name(&TypeRef::Named("Responses".into()), "Response"),
            "Responses"
        );
        assert_eq!(
            variant_name(&TypeRef::Vec(Box::new(TypeRef::String)), "Stop"),
            "StringArray"
        );
    }
}

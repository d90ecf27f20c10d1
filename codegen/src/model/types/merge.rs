//! `allOf` merging, and `oneOf`/`anyOf` inside an `allOf` (or next to `properties`).
//!
//! An `allOf` of objects is one struct with the properties of all its members. When a member
//! is a `oneOf`, the `allOf` is distributed over the alternatives:
//! `allOf: [{properties: {id}}, {oneOf: [A, B]}]` is `oneOf: [id + A, id + B]`, a union whose
//! variants are structs with the common properties and the alternative's own (`EventA`,
//! `EventB`). Two `oneOf`s make every pair of alternatives, at most [`MAX_COMBINATIONS`].
//!
//! A union of merged structs, and not a struct with the common fields and the union
//! `#[serde(flatten)]`ed into it: flattening hands the union only the keys the struct did not
//! claim, so an alternative that restates a common property (its tag, often) never sees it and
//! a tagged union cannot read its tag; two flattened parts (the union and the struct's
//! `additional_properties`) would both keep an unknown key and write it twice; and an
//! alternative that is not an object cannot be flattened at all. Each merged variant is a plain
//! struct, which reads and writes its JSON exactly like any other struct, unknown fields
//! included, and the union keeps the tag the alternatives carry.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::{Alternative, TypeBuilder, component_key, variant_name};
use crate::model::refs;
use crate::model::schema::{self, Keyword};
use crate::model::{TypeKind, TypeRef};
use crate::names;

/// The most variants two or more `oneOf`s in one `allOf` may make together (their product);
/// beyond, the `allOf` is merged as if they were not there. One `oneOf` alone is not capped:
/// its alternatives are as many variants as the same `oneOf` would be on its own.
pub(crate) const MAX_COMBINATIONS: usize = 16;

/// One way of satisfying a schema: the object schemas merged, with one alternative picked
/// from each `oneOf`/`anyOf` met on the way.
#[derive(Debug, Clone, Default)]
struct Combination {
    /// Each schema merged: its pointer and the keywords a struct takes from it, in spec order.
    parts: Vec<(String, Map<String, Value>)>,
    /// The alternatives picked, in spec order.
    picks: Vec<Pick>,
}

/// An alternative picked from a `oneOf`/`anyOf`.
#[derive(Debug, Clone)]
struct Pick {
    /// Where the alternative is (`…/oneOf/1`).
    pointer: String,
    /// Its index in the `oneOf`.
    index: usize,
    /// What it adds to the name of a merged struct (`ResponseCreated`, `Variant2`).
    label: String,
    /// The schema whose `oneOf`/`anyOf` it is in.
    factor: String,
    kind: PickKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PickKind {
    /// An object schema (or one that says nothing of its type): its properties merge.
    Object,
    /// A string, number, array or enum: no property applies to it.
    Scalar,
    /// A `$ref` that cannot be followed.
    Unresolved,
}

/// The `oneOf`s of an `allOf` make more than [`MAX_COMBINATIONS`] variants.
struct TooMany {
    /// Where the product was taken.
    pointer: String,
    count: usize,
}

/// How a combination becomes a variant.
enum Plan {
    /// The variant holds the type of the pick at this index as it is: the other parts add
    /// nothing to it, or it is not an object.
    AsIs(usize),
    /// A struct of all the parts.
    Merged,
}

impl TypeBuilder<'_> {
    /// The type of an `allOf`, or of a schema with both properties and a `oneOf`/`anyOf`: a
    /// struct of every part when no `oneOf` is in it, else the union of the combinations.
    pub(super) fn merge(
        &mut self,
        pointer: &str,
        map: &Map<String, Value>,
        name: &str,
    ) -> Result<TypeKind, TypeRef> {
        let mark = self.warnings.len();
        let mut combinations = match self.expand(
            pointer,
            &mut BTreeSet::new(),
            &mut Vec::new(),
            true,
        ) {
            Ok(combinations) => combinations,
            Err(TooMany { pointer: at, count }) => {
                // The fallback below walks the same schemas again and repeats their warnings.
                self.warnings.truncate(mark);
                // Named where the type falls back, which may be far from where the product
                // grew (in an alternative's own `allOf`).
                let place = if at == pointer {
                    String::new()
                } else {
                    format!(" (at {at})")
                };
                self.warn(
                    pointer,
                    format!(
                        "the `oneOf`/`anyOf`s in this `allOf` make {count} combinations of alternatives{place}, more than {MAX_COMBINATIONS}; they are not merged, and their properties are kept in `additional_properties`"
                    ),
                );
                vec![Combination {
                    parts: self.parts_of(pointer),
                    picks: Vec::new(),
                }]
            }
        };
        if let [single] = combinations.as_slice()
            && single.picks.is_empty()
        {
            return Ok(TypeKind::Struct(
                self.structure(&borrowed(&single.parts), name),
            ));
        }
        for combination in &mut combinations {
            // A schema both the common parts and an alternative include is merged once.
            let mut seen = BTreeSet::new();
            combination
                .parts
                .retain(|(part, _)| seen.insert(part.clone()));
        }
        let plans: Vec<Plan> = combinations
            .iter()
            .map(|combination| self.plan(combination))
            .collect();
        let first_factor = combinations
            .first()
            .and_then(|combination| combination.picks.first())
            .map(|pick| pick.factor.clone());
        let one_factor = first_factor.as_ref().filter(|factor| {
            combinations
                .iter()
                .all(|c| matches!(c.picks.as_slice(), [pick] if &pick.factor == *factor))
        });
        let raw = self.raw;
        let factor_map = one_factor
            .and_then(|factor| refs::at(raw, factor))
            .and_then(Value::as_object);
        if let (Some(factor), Some(factor_map)) = (one_factor, factor_map)
            && plans.iter().all(|plan| matches!(plan, Plan::AsIs(_)))
            && let Some((key, count)) = alternatives_of(factor_map)
            && count == combinations.len()
        {
            // Nothing is merged into any alternative (the other parts only describe, or the
            // alternatives already include them: `Cat: {allOf: [Base, …]}` listed in Base's
            // `oneOf`): the type is that `oneOf` itself, built as it would be alone.
            if factor == pointer {
                return Ok(self.union(pointer, map, key, count, name));
            }
            if component_key(factor).is_some() {
                return Err(self.schema_type(factor, name));
            }
            // An inline `oneOf` of one alternative is that alternative (below), as it is alone.
            if count > 1 {
                return Ok(self.union(factor, factor_map, key, count, name));
            }
        }
        if let ([combination], [plan]) = (combinations.as_slice(), plans.as_slice()) {
            // One alternative: no union, the struct (or the alternative) itself.
            return match plan {
                Plan::AsIs(index) => {
                    let pick = &combination.picks[*index];
                    let hint = self.variant_hint(&pick.pointer, name, pick.index);
                    Err(self.schema_type(&pick.pointer, &hint))
                }
                Plan::Merged => Ok(TypeKind::Struct(
                    self.structure(&borrowed(&combination.parts), name),
                )),
            };
        }
        let discriminator = |map: &Map<String, Value>| map.keyword("discriminator").is_some();
        // A discriminator names the alternatives of one `oneOf`: with a product of two, the
        // tag (if any) is found in the merged structs instead.
        let tags_from = one_factor.and(
            factor_map
                .filter(|factor_map| discriminator(factor_map))
                .or(Some(map).filter(|map| discriminator(map))),
        );
        let mut alternatives = Vec::with_capacity(combinations.len());
        for (combination, plan) in combinations.iter().zip(&plans) {
            let label: String = combination
                .picks
                .iter()
                .map(|pick| pick.label.as_str())
                .collect();
            let Some(last) = combination.picks.last() else {
                continue;
            };
            let several = combination.picks.len() > 1;
            match plan {
                Plan::AsIs(index) => {
                    let pick = &combination.picks[*index];
                    let hint = if several {
                        format!("{name}{label}")
                    } else {
                        self.variant_hint(&pick.pointer, name, pick.index)
                    };
                    let ty = self.schema_type(&pick.pointer, &hint);
                    alternatives.push(Alternative {
                        pointer: pick.pointer.clone(),
                        ty,
                        name: several.then(|| variant_name(&TypeRef::Named(label.clone()), name)),
                    });
                }
                Plan::Merged => {
                    // Both are type names already: cased again, `L0R0` would become `L0r0`.
                    let struct_name = self.names.claim(&format!("{name}{label}"));
                    let structure = self.structure(&borrowed(&combination.parts), &struct_name);
                    let described = resolve_chain(raw, &last.pointer)
                        .map_or(&Value::Null, |(_, schema)| schema);
                    self.define(
                        struct_name.clone(),
                        &last.pointer,
                        described,
                        TypeKind::Struct(structure),
                    );
                    if let Some(def) = self.defs.get_mut(&struct_name)
                        && def.docs.description.is_none()
                    {
                        def.docs.description = Some(format!(
                            "A `{name}` that is a `{label}`: the properties common to every `{name}`, and the alternative's own."
                        ));
                    }
                    alternatives.push(Alternative {
                        pointer: last.pointer.clone(),
                        ty: TypeRef::Named(struct_name),
                        name: Some(variant_name(&TypeRef::Named(label), name)),
                    });
                }
            }
        }
        Ok(self.union_of(tags_from, &alternatives, name))
    }

    /// Whether a combination is an alternative as it is, or a struct of its own.
    fn plan(&mut self, combination: &Combination) -> Plan {
        let merged: BTreeSet<&str> = combination
            .parts
            .iter()
            .filter(|(_, own)| !own.is_empty())
            .map(|(part, _)| part.as_str())
            .collect();
        if let Some(index) = combination
            .picks
            .iter()
            .position(|pick| pick.kind != PickKind::Object)
        {
            let pick = &combination.picks[index];
            if pick.kind == PickKind::Scalar && (!merged.is_empty() || combination.picks.len() > 1)
            {
                // Properties constrain only objects: a string satisfies `{properties: …}`. Its
                // variant holds the value alone, which reads and writes it exactly.
                self.warn(
                    &pick.pointer,
                    "this alternative is not an object, so the properties of the `allOf` it is in cannot apply to it; its variant holds the value alone",
                );
            }
            return Plan::AsIs(index);
        }
        if let [pick] = combination.picks.as_slice() {
            let own = self.own_parts(&pick.pointer);
            if own.iter().map(String::as_str).eq(merged.iter().copied()) {
                return Plan::AsIs(0);
            }
        }
        Plan::Merged
    }

    /// The parts that have keywords of the schema at `pointer` merged alone, for comparing
    /// with a combination. Its warnings are given where the schema itself is built.
    fn own_parts(&mut self, pointer: &str) -> BTreeSet<String> {
        let mark = self.warnings.len();
        let parts = self.parts_of(pointer);
        self.warnings.truncate(mark);
        parts
            .into_iter()
            .filter(|(_, own)| !own.is_empty())
            .map(|(part, _)| part)
            .collect()
    }

    /// The object schemas an `allOf` merges, `oneOf`s left out (they stay in
    /// `additional_properties`).
    fn parts_of(&mut self, pointer: &str) -> Vec<(String, Map<String, Value>)> {
        self.expand(pointer, &mut BTreeSet::new(), &mut Vec::new(), false)
            .ok()
            .and_then(|mut combinations| combinations.pop())
            .map(|combination| combination.parts)
            .unwrap_or_default()
    }

    /// The combinations of the schema at `pointer`: references followed, nested `allOf`s
    /// flattened, and, when `distribute`, each `oneOf`/`anyOf` met multiplying them by its
    /// alternatives. Each schema is merged once, however many paths lead to it (a diamond, or a
    /// cycle, would otherwise multiply the work exponentially); `stack` is the path here, to
    /// name cycles.
    fn expand(
        &mut self,
        pointer: &str,
        seen: &mut BTreeSet<String>,
        stack: &mut Vec<String>,
        distribute: bool,
    ) -> Result<Vec<Combination>, TooMany> {
        if stack.iter().any(|on_path| on_path == pointer) {
            self.warn(
                pointer,
                format!(
                    "`allOf` includes itself ({} -> {pointer}); the cycle is cut here",
                    stack.join(" -> ")
                ),
            );
            return Ok(vec![Combination::default()]);
        }
        if !seen.insert(pointer.to_owned()) {
            return Ok(vec![Combination::default()]);
        }
        let Some(schema) = refs::at(self.raw, pointer) else {
            return Ok(vec![Combination::default()]);
        };
        stack.push(pointer.to_owned());
        let result = self.expand_schema(pointer, schema, seen, stack, distribute);
        stack.pop();
        result
    }

    fn expand_schema(
        &mut self,
        pointer: &str,
        schema: &Value,
        seen: &mut BTreeSet<String>,
        stack: &mut Vec<String>,
        distribute: bool,
    ) -> Result<Vec<Combination>, TooMany> {
        if let Some(reference) = schema.keyword("$ref").and_then(Value::as_str) {
            return match refs::resolve(self.raw, reference) {
                Ok((_, target)) => self.expand(&target, seen, stack, distribute),
                Err(_) => {
                    self.warn(pointer, format!("`$ref: {reference}` in `allOf` cannot be followed; its properties are left out"));
                    Ok(vec![Combination::default()])
                }
            };
        }
        let Some(map) = schema.as_object() else {
            return Ok(vec![Combination::default()]);
        };
        let mut combinations = vec![Combination::default()];
        let members = map
            .keyword("allOf")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        for index in 0..members {
            let member =
                self.expand(&format!("{pointer}/allOf/{index}"), seen, stack, distribute)?;
            combinations = product(combinations, member, pointer)?;
        }
        let own: Map<String, Value> = map
            .iter()
            .filter(|(key, _)| {
                matches!(
                    key.as_str(),
                    "properties" | "required" | "additionalProperties"
                )
            })
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        if let Some((last, rest)) = combinations.split_last_mut() {
            for combination in rest {
                combination.parts.push((pointer.to_owned(), own.clone()));
            }
            last.parts.push((pointer.to_owned(), own));
        }
        if distribute
            && let Some((key, count)) = alternatives_of(map)
            && let Some(alternatives) = self.alternatives(pointer, key, count, seen, stack)?
        {
            combinations = product(combinations, alternatives, pointer)?;
        }
        Ok(combinations)
    }

    /// The combinations of the alternatives of the `oneOf`/`anyOf` (`key`) at `pointer`, or
    /// `None` when it is no union to distribute over.
    fn alternatives(
        &mut self,
        pointer: &str,
        key: &str,
        count: usize,
        seen: &BTreeSet<String>,
        stack: &[String],
    ) -> Result<Option<Vec<Combination>>, TooMany> {
        let raw = self.raw;
        let targets: Vec<Option<(String, &Value)>> = (0..count)
            .map(|index| resolve_chain(raw, &format!("{pointer}/{key}/{index}")))
            .collect();
        // `Base: {oneOf: [Cat, Dog]}` with `Cat: {allOf: [Base, …]}` lists the types that
        // extend Base. Building Cat meets that `oneOf` naming Cat itself (on the path here):
        // Cat is one of them already, and its parts are all it has.
        if targets
            .iter()
            .flatten()
            .any(|(target, _)| stack.contains(target))
        {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(count);
        let mut shapes = false;
        for (index, target) in targets.into_iter().enumerate() {
            let alternative = format!("{pointer}/{key}/{index}");
            let kind = match &target {
                None => PickKind::Unresolved,
                Some((_, schema)) if is_object_like(schema) => PickKind::Object,
                Some(_) => PickKind::Scalar,
            };
            let pick = Pick {
                label: self.alternative_label(&alternative, index),
                pointer: alternative.clone(),
                index,
                factor: pointer.to_owned(),
                kind,
            };
            if kind != PickKind::Object {
                shapes = true;
                out.push(Combination {
                    parts: Vec::new(),
                    picks: vec![pick],
                });
                continue;
            }
            // A path of its own: reaching the `oneOf`'s schema again from the alternative
            // (`Cat` includes `Base`) is the alternative extending it, not a cycle, and `seen`
            // skips it.
            let mut alternative_seen = seen.clone();
            let expanded =
                self.expand(&alternative, &mut alternative_seen, &mut Vec::new(), true)?;
            if expanded.len() > MAX_COMBINATIONS {
                return Err(TooMany {
                    pointer: alternative,
                    count: expanded.len(),
                });
            }
            for mut combination in expanded {
                if combination.picks.is_empty() {
                    shapes |= combination.parts.iter().any(|(_, own)| shapes_object(own));
                    combination.picks.push(pick.clone());
                } else {
                    // A `oneOf` in the alternative: its own picks name the variants.
                    shapes = true;
                }
                out.push(combination);
            }
        }
        // Alternatives that only list `required` properties (`anyOf: [{required: [a]},
        // {required: [b]}]`) only say which fields are set: the struct of the other parts reads
        // and writes every such value as it is.
        Ok(shapes.then_some(out))
    }

    /// What an alternative adds to a merged struct's name: the name of the component it refers
    /// to, else its `title`, a constant property, or its position.
    fn alternative_label(&self, pointer: &str, index: usize) -> String {
        let raw = self.raw;
        let target = refs::at(raw, pointer)
            .and_then(|schema| schema.keyword("$ref"))
            .and_then(Value::as_str)
            .and_then(|reference| refs::resolve(raw, reference).ok());
        match target {
            Some((_, target)) => match component_key(&target) {
                Some(key) => self
                    .components
                    .get(&key)
                    .cloned()
                    .unwrap_or_else(|| names::type_name(&key)),
                None => names::type_name(&refs::last_segment(&target)),
            },
            None => self.variant_hint(pointer, "", index),
        }
    }
}

/// The parts as [`TypeBuilder::structure`] takes them.
fn borrowed(parts: &[(String, Map<String, Value>)]) -> Vec<(String, &Map<String, Value>)> {
    parts
        .iter()
        .map(|(part, own)| (part.clone(), own))
        .collect()
}

/// Every combination of one of `left` with one of `right`, parts in that order.
fn product(
    mut left: Vec<Combination>,
    mut right: Vec<Combination>,
    pointer: &str,
) -> Result<Vec<Combination>, TooMany> {
    let count = left.len().saturating_mul(right.len());
    if left.len() > 1 && right.len() > 1 && count > MAX_COMBINATIONS {
        return Err(TooMany {
            pointer: pointer.to_owned(),
            count,
        });
    }
    // Most `allOf`s have no `oneOf`: one combination on each side, moved rather than copied.
    if right.len() == 1
        && let Some(only) = right.pop()
    {
        if let Some((last, rest)) = left.split_last_mut() {
            for combination in rest {
                combination.parts.extend(only.parts.iter().cloned());
                combination.picks.extend(only.picks.iter().cloned());
            }
            last.parts.extend(only.parts);
            last.picks.extend(only.picks);
        }
        return Ok(left);
    }
    let mut out = Vec::with_capacity(count);
    for first in &left {
        for second in &right {
            let mut combination = first.clone();
            combination.parts.extend(second.parts.iter().cloned());
            combination.picks.extend(second.picks.iter().cloned());
            out.push(combination);
        }
    }
    Ok(out)
}

/// The `oneOf` (or else `anyOf`) of a schema and the number of its alternatives.
fn alternatives_of(map: &Map<String, Value>) -> Option<(&'static str, usize)> {
    ["oneOf", "anyOf"].into_iter().find_map(|key| {
        map.keyword(key)
            .and_then(Value::as_array)
            .filter(|items| !items.is_empty())
            .map(|items| (key, items.len()))
    })
}

/// The schema at `pointer` with references followed, and where it is; `None` when a reference
/// cannot be followed (or they go round).
fn resolve_chain<'v>(raw: &'v Value, pointer: &str) -> Option<(String, &'v Value)> {
    let mut pointer = pointer.to_owned();
    let mut schema = refs::at(raw, &pointer)?;
    for _ in 0..32 {
        let Some(reference) = schema.keyword("$ref").and_then(Value::as_str) else {
            return Some((pointer, schema));
        };
        let (target, target_pointer) = refs::resolve(raw, reference).ok()?;
        schema = target;
        pointer = target_pointer;
    }
    None
}

/// Whether properties can apply to values of `schema`: an object, or a schema that does not
/// say (`{}`, `{required: [..]}`, a nested `allOf`/`oneOf`).
fn is_object_like(schema: &Value) -> bool {
    let Some(map) = schema.as_object() else {
        return false;
    };
    match schema::type_of(map) {
        Some(kind) => kind == "object",
        None => map.keyword("enum").is_none() && map.keyword("items").is_none(),
    }
}

/// Whether the keywords of a part change the struct beyond which fields are required.
fn shapes_object(own: &Map<String, Value>) -> bool {
    schema::has_properties(own)
        || match own.keyword("additionalProperties") {
            Some(Value::Object(values)) => !values.is_empty(),
            Some(Value::Bool(allowed)) => !allowed,
            _ => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn combinations(count: usize) -> Vec<Combination> {
        (0..count)
            .map(|index| Combination {
                parts: vec![(format!("#/p{index}"), Map::new())],
                picks: Vec::new(),
            })
            .collect()
    }

    #[test]
    fn products_beyond_the_cap_are_refused_and_single_sides_never_are() {
        let within = product(combinations(4), combinations(4), "#/x")
            .ok()
            .unwrap();
        assert_eq!(within.len(), 16);
        let pointers: Vec<&str> = within[5].parts.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(pointers, ["#/p1", "#/p1"]);
        let beyond = product(combinations(4), combinations(5), "#/x")
            .err()
            .unwrap();
        assert_eq!((beyond.pointer.as_str(), beyond.count), ("#/x", 20));
        // One side of one combination (an allOf member without a oneOf) adds to each.
        assert_eq!(
            product(combinations(40), combinations(1), "#/x")
                .ok()
                .unwrap()
                .len(),
            40
        );
        assert_eq!(
            product(combinations(1), combinations(40), "#/x")
                .ok()
                .unwrap()
                .len(),
            40
        );
    }

    #[test]
    fn only_schemas_that_can_be_objects_take_properties() {
        for (schema, object) in [
            (serde_json::json!({}), true),
            (serde_json::json!({"required": ["a"]}), true),
            (serde_json::json!({"type": "object"}), true),
            (serde_json::json!({"oneOf": [{"type": "string"}]}), true),
            (serde_json::json!({"type": "string"}), false),
            (serde_json::json!({"enum": ["a", "b"]}), false),
            (serde_json::json!({"items": {}}), false),
            (serde_json::json!(true), false),
        ] {
            assert_eq!(is_object_like(&schema), object, "{schema}");
        }
    }
}

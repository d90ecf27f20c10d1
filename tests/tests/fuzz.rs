//! Structure-aware fuzzing of load → model → emit: random OpenAPI documents (well-formed,
//! odd and broken) must give a crate or an error, never a panic, and the same crate twice.
//!
//! A short run is part of the test suite. A long run:
//! `FUZZ_SECONDS=1800 cargo test --release -p tests --test fuzz -- --nocapture`
//! (`FUZZ_SEED=n` starts elsewhere). A failing document is written to
//! `target/fuzz-failures/` and belongs in `tests/fixtures/` once fixed.
//!
//! The same file fuzzes the merge of streamed answers: the transcripts of `tests/transcripts/`
//! re-split at random (deltas cut anywhere, events interleaved, the SSE bytes cut anywhere)
//! must merge to the same value as the transcript itself.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

/// A small deterministic generator (SplitMix64), so every failure replays from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Names that break weaker generators: keywords, digits, symbols, collisions, prelude names.
const NAMES: &[&str] = &[
    "id",
    "type",
    "self",
    "Self",
    "async",
    "fooBar",
    "foo_bar",
    "FooBar",
    "1st",
    "_",
    "",
    "x-trace-id",
    "a/b",
    "a~b",
    "%7B",
    "String",
    "Option",
    "Result",
    "Box",
    "Error",
    "Client",
    "Vec",
    "Default",
    "Into",
    "new",
    "additional_properties",
    "Model",
    "model",
    "MODEL",
    "ü",
    "日本",
    "crate",
    "super",
    "r#x",
    "Unknown",
    "unknown",
    "value",
    "{id}",
    "Request",
    "Params",
];

struct DocGen {
    rng: Rng,
    components: Vec<String>,
}

impl DocGen {
    fn name(&mut self) -> String {
        if self.rng.chance(70) {
            (*self.rng.pick(NAMES)).to_owned()
        } else {
            format!("n{}", self.rng.below(50))
        }
    }

    fn reference(&mut self) -> Value {
        let target = match self.rng.below(10) {
            0 => "#/components/schemas/Missing".to_owned(),
            1 => "other.yaml#/Thing".to_owned(),
            2 => "#/paths/~1a~1%7Bid%7D/get".to_owned(),
            3 => "not a pointer".to_owned(),
            _ if !self.components.is_empty() => {
                let name = self.rng.pick(&self.components).clone();
                format!(
                    "#/components/schemas/{}",
                    name.replace('~', "~0").replace('/', "~1")
                )
            }
            _ => "#/components/schemas/Nothing".to_owned(),
        };
        json!({ "$ref": target })
    }

    fn scalar(&mut self) -> Value {
        match self.rng.below(8) {
            0 => json!(null),
            1 => json!(self.rng.chance(50)),
            2 => json!(self.rng.below(1000) as i64 - 500),
            3 => json!(u64::MAX),
            4 => json!(1.5e300),
            5 => json!(self.name()),
            6 => json!([1, "a"]),
            _ => json!({"k": "v"}),
        }
    }

    fn schema(&mut self, depth: usize) -> Value {
        if depth > 4 {
            return if self.rng.chance(50) {
                self.reference()
            } else {
                json!({"type": "string"})
            };
        }
        let mut map = Map::new();
        match self.rng.below(12) {
            0 | 1 => return self.reference(),
            2 => {
                let kind = *self.rng.pick(&[
                    "string", "integer", "number", "boolean", "null", "file", "object",
                ]);
                map.insert("type".into(), json!(kind));
                if self.rng.chance(40) {
                    let format = *self.rng.pick(&[
                        "int32",
                        "int64",
                        "uint64",
                        "float",
                        "date-time",
                        "binary",
                        "byte",
                        "weird",
                    ]);
                    map.insert("format".into(), json!(format));
                }
            }
            3 => {
                let count = self.rng.below(5);
                let values: Vec<Value> = (0..count).map(|_| self.scalar()).collect();
                map.insert("enum".into(), Value::Array(values));
                if self.rng.chance(50) {
                    map.insert(
                        "type".into(),
                        json!(*self.rng.pick(&["string", "integer", "number"])),
                    );
                }
            }
            4 | 5 => {
                map.insert("type".into(), json!("object"));
                let mut properties = Map::new();
                for _ in 0..self.rng.below(5) {
                    let name = self.name();
                    properties.insert(name, self.schema(depth + 1));
                }
                let required: Vec<Value> = properties
                    .keys()
                    .filter(|_| self.rng.chance(50))
                    .map(|k| json!(k))
                    .collect();
                map.insert("properties".into(), Value::Object(properties));
                map.insert("required".into(), Value::Array(required));
                if self.rng.chance(15) {
                    // Properties next to a `oneOf` (or, as an allOf member, a `oneOf` inside
                    // `allOf`): merged into every alternative.
                    let key = *self.rng.pick(&["oneOf", "anyOf"]);
                    let variants: Vec<Value> = (0..self.rng.below(4))
                        .map(|_| self.schema(depth + 1))
                        .collect();
                    map.insert(key.into(), Value::Array(variants));
                }
                match self.rng.below(4) {
                    0 => {
                        map.insert("additionalProperties".into(), json!(false));
                    }
                    1 => {
                        map.insert("additionalProperties".into(), self.schema(depth + 1));
                    }
                    _ => {}
                }
            }
            6 => {
                map.insert("type".into(), json!("array"));
                if self.rng.chance(90) {
                    map.insert("items".into(), self.schema(depth + 1));
                }
                if self.rng.chance(20) {
                    map.insert("uniqueItems".into(), json!(true));
                }
            }
            7 | 8 => {
                let key = *self.rng.pick(&["oneOf", "anyOf", "allOf"]);
                let variants: Vec<Value> = (0..self.rng.below(4))
                    .map(|_| self.schema(depth + 1))
                    .collect();
                map.insert(key.into(), Value::Array(variants));
                if key != "allOf" && self.rng.chance(40) {
                    let mut mapping = Map::new();
                    for _ in 0..self.rng.below(3) {
                        let value = self.name();
                        let target = self.reference()["$ref"].clone();
                        mapping.insert(value, target);
                    }
                    map.insert(
                        "discriminator".into(),
                        json!({"propertyName": self.name(), "mapping": mapping}),
                    );
                }
            }
            9 => {
                map.insert("not".into(), self.schema(depth + 1));
            }
            10 => {
                // 3.1 shapes.
                map.insert(
                    "type".into(),
                    json!([*self.rng.pick(&["string", "integer", "object"]), "null"]),
                );
                map.insert("const".into(), self.scalar());
                map.insert("examples".into(), json!([self.scalar()]));
                map.insert("exclusiveMinimum".into(), json!(self.rng.below(10)));
            }
            _ => {
                // Malformed keyword values.
                let key = *self.rng.pick(&[
                    "type",
                    "properties",
                    "required",
                    "items",
                    "enum",
                    "oneOf",
                    "nullable",
                    "additionalProperties",
                    "discriminator",
                ]);
                map.insert(key.into(), self.scalar());
            }
        }
        if self.rng.chance(20) {
            map.insert("nullable".into(), json!(true));
        }
        if self.rng.chance(20) {
            map.insert(
                "description".into(),
                json!(*self.rng.pick(&[
                    "see [x] <b> `code` https://a.b/c",
                    "```\nfn x(\n```",
                    "    indented",
                    "\\ back \r\n slash"
                ])),
            );
        }
        if self.rng.chance(10) {
            map.insert("default".into(), self.scalar());
        }
        Value::Object(map)
    }

    fn operation(&mut self, path: &str) -> Value {
        let mut op = Map::new();
        if self.rng.chance(80) {
            op.insert("operationId".into(), json!(self.name()));
        }
        let mut parameters = Vec::new();
        for param in path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split('}').next())
        {
            if self.rng.chance(80) {
                parameters.push(json!({"name": param, "in": "path", "required": true, "schema": self.schema(3)}));
            }
        }
        for _ in 0..self.rng.below(3) {
            let location = *self
                .rng
                .pick(&["query", "header", "cookie", "path", "body"]);
            let mut param = json!({"name": self.name(), "in": location});
            if self.rng.chance(90) {
                param["schema"] = self.schema(2);
            }
            if self.rng.chance(30) {
                param["explode"] = json!(false);
            }
            parameters.push(param);
        }
        op.insert("parameters".into(), Value::Array(parameters));
        if self.rng.chance(50) {
            let media = *self.rng.pick(&[
                "application/json",
                "application/x-www-form-urlencoded",
                "multipart/form-data",
                "text/plain",
                "application/octet-stream",
                "application/jose",
                "application/vnd.x+json",
            ]);
            op.insert("requestBody".into(), json!({"required": self.rng.chance(50), "content": {media: {"schema": self.schema(1)}}}));
        }
        if self.rng.chance(10) {
            op.insert("x-stream-field".into(), json!("stream"));
        }
        let mut responses = Map::new();
        for _ in 0..self.rng.below(4) {
            let code = *self
                .rng
                .pick(&["200", "201", "204", "2XX", "400", "404", "default", "500"]);
            let media = *self.rng.pick(&[
                "application/json",
                "text/event-stream",
                "text/plain",
                "application/octet-stream",
                "application/problem+json",
            ]);
            let response = if self.rng.chance(20) {
                json!({"description": "empty"})
            } else {
                json!({"description": "x", "content": {media: {"schema": self.schema(1)}}})
            };
            responses.insert(code.into(), response);
        }
        op.insert("responses".into(), Value::Object(responses));
        Value::Object(op)
    }

    fn document(&mut self) -> Value {
        self.components = (0..self.rng.below(8)).map(|_| self.name()).collect();
        let mut schemas = Map::new();
        for name in self.components.clone() {
            let schema = self.schema(0);
            schemas.insert(name, schema);
        }
        let mut paths = Map::new();
        for _ in 0..self.rng.below(4) {
            let path = (*self.rng.pick(&[
                "/a",
                "/a/{id}",
                "/a/{id}/b/{type}",
                "/{x-y}",
                "/",
                "/a/{id}{ext}",
                "/é/{1}",
            ]))
            .to_owned();
            let mut item = Map::new();
            for _ in 0..1 + self.rng.below(2) {
                let method = *self
                    .rng
                    .pick(&["get", "post", "put", "delete", "patch", "head"]);
                item.insert(method.into(), self.operation(&path));
            }
            paths.insert(path, Value::Object(item));
        }
        let version = *self.rng.pick(&["3.0.3", "3.1.0", "3.0.0"]);
        json!({
            "openapi": version,
            "info": {"title": self.name(), "version": *self.rng.pick(&["1.0.0", "v2", "2021-01-01", ""])},
            "servers": [{"url": *self.rng.pick(&["https://x.io/v1", "/relative", "{scheme}://h"])}],
            "paths": paths,
            "components": {
                "schemas": schemas,
                "securitySchemes": {"s": *self.rng.pick(&[json!({"type": "http", "scheme": "bearer"}), json!({"type": "apiKey", "in": "query", "name": "k"}), json!({"type": "http", "scheme": "basic"})])}
            }
        })
    }
}

/// Byte-level damage to a valid spec: truncation, dropped and duplicated lines, flipped bytes.
fn mutate_text(rng: &mut Rng, text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    match rng.below(4) {
        0 => bytes.truncate(rng.below(bytes.len().max(1))),
        1 => {
            let lines: Vec<&str> = text.lines().collect();
            let drop = rng.below(lines.len().max(1));
            return lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != drop)
                .map(|(_, l)| *l)
                .collect::<Vec<_>>()
                .join("\n");
        }
        2 => {
            let lines: Vec<&str> = text.lines().collect();
            let copy = rng.below(lines.len().max(1));
            let mut out: Vec<&str> = lines.clone();
            out.insert(copy, lines.get(copy).copied().unwrap_or_default());
            return out.join("\n");
        }
        _ => {
            for _ in 0..1 + rng.below(5) {
                if !bytes.is_empty() {
                    let at = rng.below(bytes.len());
                    bytes[at] = *rng.pick(b"{}[]:,-'\" \n\t#&*!|>0aZ");
                }
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Runs one input: `Ok(true)` when it made a crate, `Ok(false)` for an error, `Err` with the
/// message when the generator panicked.
fn run_one(text: &str) -> Result<bool, String> {
    let settings = codegen::Settings::new("fuzzed");
    let result = catch_unwind(AssertUnwindSafe(|| {
        let first = codegen::generate("fuzz.yaml", text, &settings);
        if let Ok(first) = &first {
            let again = codegen::generate("fuzz.yaml", text, &settings).map(|output| output.krate);
            assert_eq!(
                Some(&first.krate),
                again.as_ref().ok(),
                "output is not deterministic"
            );
        }
        first.is_ok()
    }));
    result.map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "non-string panic".to_owned())
    })
}

#[test]
fn random_documents_never_panic_the_generator() {
    let budget = Duration::from_secs(
        std::env::var("FUZZ_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(3),
    );
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let fixtures: Vec<String> = std::fs::read_dir(root.join("tests/fixtures"))
        .unwrap()
        .filter_map(|entry| std::fs::read_to_string(entry.ok()?.path()).ok())
        .collect();
    std::fs::create_dir_all(root.join("target")).unwrap();
    let marker = root.join("target/fuzz-current-case");
    let started = Instant::now();
    let mut runs = 0u64;
    let mut failures = Vec::new();
    let mut generated = 0u64;
    // Panics are caught and reported below; keep the default hook from flooding the output.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    while started.elapsed() < budget || runs < 200 {
        let case = seed + runs;
        let mut rng = Rng(case);
        let text = if rng.chance(75) {
            let mut generator = DocGen {
                rng: Rng(case ^ 0x5EED),
                components: Vec::new(),
            };
            let document = generator.document();
            if rng.chance(50) {
                serde_json::to_string_pretty(&document).unwrap()
            } else {
                serde_yaml::to_string(&document).unwrap()
            }
        } else {
            let base = &fixtures[rng.below(fixtures.len())];
            mutate_text(&mut rng, base)
        };
        // A case that exhausts memory or the stack aborts the process before it can be
        // reported; this file then names it (`FUZZ_SEED=<case>` replays it first).
        std::fs::write(&marker, case.to_string()).unwrap();
        let outcome = run_one(&text);
        generated += u64::from(outcome == Ok(true));
        if let Err(message) = outcome {
            let dir = root.join("target/fuzz-failures");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(format!("case-{case}.yaml")), &text).unwrap();
            failures.push(format!("case {case}: {message}"));
        }
        runs += 1;
    }
    std::panic::set_hook(hook);
    eprintln!(
        "fuzz: {runs} documents in {:.1?} from seed {seed}: {generated} made a crate, {} panics",
        started.elapsed(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "the generator panicked (inputs in target/fuzz-failures/):\n{}",
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Merged streams: any split of the same answer merges to the same value.

/// One piece of an answer: a value at a path of the event, where `Element(i)` is the element
/// of an indexed array whose `index` is `i`.
#[derive(Debug, Clone)]
struct Atom {
    path: Vec<Step>,
    value: Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Step {
    Key(String),
    Element(i64),
}

/// The properties whose strings are deltas (concatenated): they may be cut anywhere.
const DELTA_KEYS: &[&str] = &["content", "reasoning", "refusal", "arguments", "name"];

/// Strings inside elements that are replaced, not concatenated: identifiers and enums.
const REPLACED_KEYS: &[&str] = &["id", "type", "role", "finish_reason"];

/// The envelope every chunk must carry (required by `ChatCompletionChunk`).
const ENVELOPE: &[&str] = &["id", "object", "created", "model"];

/// Cuts `text` into 1 to 4 pieces at character boundaries; pieces may be empty.
fn cut_text(rng: &mut Rng, text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut cuts: Vec<usize> = (0..rng.below(4))
        .map(|_| rng.below(chars.len() + 1))
        .collect();
    cuts.sort_unstable();
    let mut pieces = Vec::new();
    let mut start = 0;
    for cut in cuts.into_iter().chain([chars.len()]) {
        pieces.push(chars[start..cut].iter().collect());
        start = cut;
    }
    pieces
}

/// Every atom of one event, the delta strings cut into pieces, the other values sometimes
/// repeated (a value that is replaced may be sent again without changing the merge).
fn atoms_of(
    rng: &mut Rng,
    value: &Value,
    path: &mut Vec<Step>,
    in_element: bool,
    out: &mut Vec<Atom>,
) {
    let leaf = |path: &Vec<Step>, value: Value| Atom {
        path: path.clone(),
        value,
    };
    match value {
        // Objects outside indexed elements (`usage`) have required fields: whole, or the event
        // would not decode. Inside elements, every field of a delta may come on its own.
        Value::Object(fields) if !fields.is_empty() && (path.is_empty() || in_element) => {
            for (key, field) in fields {
                if path.is_empty() && ENVELOPE.contains(&key.as_str()) {
                    continue;
                }
                if in_element && key == "index" {
                    continue;
                }
                path.push(Step::Key(key.clone()));
                atoms_of(rng, field, path, in_element, out);
                path.pop();
            }
        }
        Value::Array(items)
            if !items.is_empty()
                && items
                    .iter()
                    .all(|item| item.get("index").is_some_and(Value::is_i64)) =>
        {
            for item in items {
                path.push(Step::Element(item["index"].as_i64().unwrap()));
                atoms_of(rng, item, path, true, out);
                path.pop();
            }
        }
        // Other arrays append: each element may come in an event of its own.
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                out.push(leaf(path, Value::Array(vec![item.clone()])));
            }
        }
        Value::String(text)
            if in_element
                && matches!(path.last(), Some(Step::Key(key)) if DELTA_KEYS.contains(&key.as_str())) =>
        {
            for piece in cut_text(rng, text) {
                out.push(leaf(path, Value::String(piece)));
            }
        }
        other => {
            // Sent twice, a value must merge as once: true of what is replaced, not of a
            // string of an unknown field inside an element, which is text.
            let replaced = !in_element
                || !other.is_string()
                || matches!(path.last(), Some(Step::Key(key)) if REPLACED_KEYS.contains(&key.as_str()));
            for _ in 0..1 + usize::from(replaced && rng.chance(20)) {
                out.push(leaf(path, other.clone()));
            }
        }
    }
}

/// Sets `atom` in `event`, creating the objects and indexed elements on its path. Within one
/// event `null`, `{}` and `[]` never replace what another atom put there.
fn put(event: &mut Value, atom: &Atom) {
    let mut at = event;
    for step in &atom.path {
        at = match step {
            Step::Key(key) => {
                if !at.is_object() {
                    *at = json!({});
                }
                at.as_object_mut()
                    .unwrap()
                    .entry(key.clone())
                    .or_insert(Value::Null)
            }
            Step::Element(index) => {
                if !at.is_array() {
                    *at = json!([]);
                }
                let items = at.as_array_mut().unwrap();
                let position = match items.iter().position(|item| item["index"] == *index) {
                    Some(position) => position,
                    None => {
                        items.push(json!({"index": index}));
                        items.len() - 1
                    }
                };
                &mut items[position]
            }
        };
    }
    let keeps = atom.value.is_null()
        || atom.value.as_object().is_some_and(|o| o.is_empty())
        || atom.value.as_array().is_some_and(|a| a.is_empty());
    if !keeps || at.is_null() {
        *at = atom.value.clone();
    }
}

/// A random re-split of `events`: the atoms of all events, interleaved at random but in their
/// order for each path, grouped at random into events that each carry the envelope.
fn resplit(rng: &mut Rng, events: &[Value]) -> Vec<Value> {
    let envelope: serde_json::Map<String, Value> = ENVELOPE
        .iter()
        .map(|key| ((*key).to_owned(), events[0][*key].clone()))
        .collect();
    let mut queues: std::collections::BTreeMap<Vec<Step>, std::collections::VecDeque<Atom>> =
        Default::default();
    for event in events {
        let mut atoms = Vec::new();
        atoms_of(rng, event, &mut Vec::new(), false, &mut atoms);
        for atom in atoms {
            queues.entry(atom.path.clone()).or_default().push_back(atom);
        }
    }
    let mut open: Vec<std::collections::VecDeque<Atom>> = queues.into_values().collect();
    let mut order = Vec::new();
    while !open.is_empty() {
        let at = rng.below(open.len());
        order.extend(open[at].pop_front());
        if open[at].is_empty() {
            open.swap_remove(at);
        }
    }
    let new_event = || {
        let mut event = Value::Object(envelope.clone());
        event["choices"] = json!([]);
        event
    };
    let mut out = Vec::new();
    let mut event = new_event();
    let mut paths = std::collections::BTreeSet::new();
    for atom in order {
        if paths.contains(&atom.path) || rng.chance(35) {
            out.push(std::mem::replace(&mut event, new_event()));
            paths.clear();
        }
        put(&mut event, &atom);
        paths.insert(atom.path.clone());
    }
    out.push(event);
    // A choice needs a `delta`, even an empty one.
    for event in &mut out {
        for choice in event["choices"].as_array_mut().unwrap() {
            if choice.get("delta").is_none() {
                choice["delta"] = json!({});
            }
        }
    }
    out
}

/// The SSE body of `events`, cut into chunks of random sizes.
fn sse_chunks(rng: &mut Rng, events: &[Value]) -> Vec<Vec<u8>> {
    let mut body = String::new();
    for event in events {
        if rng.chance(10) {
            body.push_str(": keep-alive\n\n");
        }
        body.push_str(&format!("data: {event}\r\n\r\n"));
    }
    body.push_str("data: [DONE]\n\n");
    let bytes = body.into_bytes();
    let mut chunks = Vec::new();
    let mut rest = &bytes[..];
    while !rest.is_empty() {
        let (head, tail) = rest.split_at((1 + rng.below(64)).min(rest.len()));
        chunks.push(head.to_vec());
        rest = tail;
    }
    chunks
}

async fn merge_chunks(
    chunks: Vec<Vec<u8>>,
) -> Result<deepshi::types::ChatCompletionChunk, deepshi::Error> {
    let body = futures_util::stream::iter(
        chunks
            .into_iter()
            .map(|chunk| Ok::<_, deepshi::Error>(chunk.into())),
    );
    deepshi::EventStream::<deepshi::types::ChatCompletionChunk>::from_byte_stream(body, 200, None)
        .merged()
        .await
}

/// The transcripts in `tests/transcripts/`, each as its events' JSON.
fn transcripts() -> Vec<(String, Vec<Value>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("transcripts");
    let mut found: Vec<(String, Vec<Value>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "sse"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let events = text
                .lines()
                .filter_map(|line| line.strip_prefix("data: "))
                .filter(|data| *data != "[DONE]")
                .map(|data| serde_json::from_str(data).unwrap())
                .collect();
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                events,
            )
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

#[tokio::test]
async fn merged_transcripts_do_not_depend_on_how_they_are_split() {
    let budget = Duration::from_secs(
        std::env::var("FUZZ_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
    );
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let transcripts = transcripts();
    assert!(transcripts.len() >= 3, "transcripts: {transcripts:?}");
    let started = Instant::now();
    // The time of a long run is shared out between the transcripts.
    let budget = budget / transcripts.len() as u32;
    let mut runs = 0u64;
    for (number, (name, events)) in (0u64..).zip(&transcripts) {
        for key in ENVELOPE {
            assert!(
                events.iter().all(|event| event[*key] == events[0][*key]),
                "{name}: the envelope's {key} changes"
            );
        }
        let whole = merge_chunks(vec![sse_text(events)]).await.unwrap();
        let begun = Instant::now();
        let mut count = 0;
        while count < 100 || begun.elapsed() < budget {
            let case = seed + count;
            let mut rng = Rng(case ^ (number << 48));
            let split = resplit(&mut rng, events);
            let merged = merge_chunks(sse_chunks(&mut rng, &split))
                .await
                .unwrap_or_else(|error| panic!("{name} case {case}: {error}\n{split:#?}"));
            assert_eq!(
                merged, whole,
                "{name}, case {case} (FUZZ_SEED={case} replays it first), split as:\n{split:#?}"
            );
            count += 1;
            runs += 1;
        }
    }
    eprintln!(
        "merge fuzz: {runs} splits in {:.1?} from seed {seed}",
        started.elapsed()
    );
}

fn sse_text(events: &[Value]) -> Vec<u8> {
    let mut body: String = events
        .iter()
        .map(|event| format!("data: {event}\n\n"))
        .collect();
    body.push_str("data: [DONE]\n\n");
    body.into_bytes()
}

/// The transcripts merge to the answers they spell, checked by hand once.
#[tokio::test]
async fn merged_transcripts_are_the_answers_they_spell() {
    use deepshi::types::{ChatRole, FinishReason};
    let transcripts = transcripts();
    let merged = |name: &str| {
        let (_, events) = transcripts.iter().find(|(n, _)| n == name).unwrap();
        merge_chunks(vec![sse_text(events)])
    };

    let text = merged("text_logprobs_usage.sse").await.unwrap();
    let choice = &text.choices[0];
    assert_eq!(choice.delta.role, Some(ChatRole::Assistant));
    assert_eq!(
        choice.delta.content.as_deref(),
        Some("The capital of France is Paris — la Ville Lumière ✨.")
    );
    assert_eq!(choice.finish_reason, Some(FinishReason::Stop));
    let tokens = choice.logprobs.as_ref().unwrap()["content"]
        .as_array()
        .unwrap();
    assert_eq!(tokens.len(), 12, "the logprobs of every token, appended");
    assert_eq!(tokens[5]["token"], " Paris");
    assert_eq!(text.usage.as_ref().unwrap().total_tokens, 26);
    assert_eq!(text.additional_properties["service_tier"], "default");

    let tools = merged("parallel_tool_calls.sse").await.unwrap();
    let calls = tools.choices[0].delta.tool_calls.as_ref().unwrap();
    let calls: Vec<(&str, &str)> = calls
        .iter()
        .map(|call| {
            let function = call.function.as_ref().unwrap();
            (
                call.id.as_deref().unwrap(),
                function.arguments.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        calls,
        [
            (
                "call_9mKqR2vT4xWz8bLc1NfH6sYd",
                r#"{"city": "Paris", "unit": "celsius"}"#
            ),
            ("call_Xe3Tb7Gh0Jm5Pq9Vs2Aw4Lk8", r#"{"city": "Tōkyō"}"#),
        ]
    );
    assert_eq!(tools.choices[0].delta.content, None);
    assert_eq!(tools.usage.as_ref().unwrap().total_tokens, 133);

    let two = merged("two_choices_reasoning.sse").await.unwrap();
    assert_eq!(two.choices.len(), 2);
    assert_eq!(
        two.choices[0].delta.reasoning.as_deref(),
        Some("The user asks for a haiku.")
    );
    assert_eq!(
        two.choices[0].delta.content.as_deref(),
        Some("Borrowed, then returned —\nno data race in the night,\nthe checker sleeps well.")
    );
    assert_eq!(two.choices[1].finish_reason, Some(FinishReason::ToolCalls));
    let call = &two.choices[1].delta.tool_calls.as_ref().unwrap()[0];
    assert_eq!(
        call.function.as_ref().unwrap().arguments.as_deref(),
        Some(r#"{"city": "Lima"}"#)
    );
    assert_eq!(
        two.choices[1].additional_properties["native_finish_reason"],
        "tool_calls"
    );
    assert_eq!(
        two.usage
            .as_ref()
            .unwrap()
            .cost
            .as_ref()
            .unwrap()
            .total_cost,
        Some(0.000412)
    );
}

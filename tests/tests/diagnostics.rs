//! Every diagnostic the generator gives for a spec it cannot (fully) handle: the message names
//! the place in the spec and says what happened. Nothing here may panic.

use codegen::{Error, Settings};

fn generate(text: &str) -> Result<codegen::Output, Error> {
    codegen::generate("spec.yaml", text, &Settings::new("demo"))
}

fn error(text: &str) -> String {
    match generate(text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(error) => error.to_string(),
    }
}

fn warnings(text: &str) -> Vec<String> {
    generate(text)
        .unwrap_or_else(|error| panic!("{error}"))
        .warnings
        .iter()
        .map(ToString::to_string)
        .collect()
}

const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

#[test]
fn empty_input_is_named_as_empty() {
    assert_eq!(
        error("  \n"),
        "spec.yaml: the file is empty; expected an OpenAPI 3.x document"
    );
}

#[test]
fn yaml_syntax_errors_give_line_and_column() {
    let message = error("openapi: 3.0.3\ninfo: [unclosed\n");
    assert!(
        message.starts_with("spec.yaml:3:1: not valid YAML/JSON"),
        "{message}"
    );
}

#[test]
fn a_yaml_key_given_twice_is_an_error_naming_it() {
    let message = error(&format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A:\n      properties:\n        seed: {{type: integer}}\n        seed: {{type: string}}\n"
    ));
    assert!(
        message.contains("components.schemas.A.properties: the key `seed` appears twice"),
        "{message}"
    );
}

#[test]
fn json_syntax_errors_give_line_and_column() {
    let message = error("{\n  \"openapi\": \"3.0.3\",\n  \"info\": {,}\n}");
    assert!(
        message.starts_with("spec.yaml:3:12: not valid YAML/JSON"),
        "{message}"
    );
}

#[test]
fn non_openapi_documents_are_refused_clearly() {
    assert_eq!(
        error("name: my-package\nversion: 1.0.0\n"),
        "spec.yaml: at #: no `openapi` version field: this is not an OpenAPI document"
    );
    assert_eq!(
        error("- just\n- a list\n"),
        "spec.yaml: at #: the document is not a mapping; expected an OpenAPI 3.x document with `openapi`, `info` and `paths`"
    );
    assert!(
        error("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n")
            .contains("Swagger 2.0 document; convert it to OpenAPI 3 first")
    );
    assert!(error("openapi: 4.0.0\n").contains("unsupported OpenAPI version \"4.0.0\""));
}

#[test]
fn structural_errors_name_the_pointer_and_line() {
    let text =
        format!("{HEAD}paths:\n  /a:\n    get:\n      parameters: 7\n      responses: {{}}\n");
    let message = error(&text);
    assert!(
        message.starts_with("spec.yaml: line 6, at #/paths/~1a/get/parameters: "),
        "{message}"
    );
}

#[test]
fn dangling_references_warn_with_their_pointer() {
    let text = format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A:\n      type: object\n      properties:\n        b: {{$ref: '#/components/schemas/Missing'}}\n"
    );
    assert_eq!(
        warnings(&text),
        [
            "#/components/schemas/A/properties/b: `$ref: #/components/schemas/Missing` points to nothing; using any JSON value"
        ]
    );
}

#[test]
fn external_references_warn() {
    let text =
        format!("{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A: {{$ref: 'other.yaml#/B'}}\n");
    assert_eq!(
        warnings(&text),
        [
            "#/components/schemas/A: `$ref: other.yaml#/B` points into another document, which is not read; using any JSON value"
        ]
    );
}

#[test]
fn reference_cycles_warn_and_fall_back() {
    let text = format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A: {{$ref: '#/components/schemas/B'}}\n    B: {{$ref: '#/components/schemas/A'}}\n"
    );
    assert_eq!(
        warnings(&text),
        [
            "#/components/schemas/B: reference cycle with no schema in it (#/components/schemas/A -> #/components/schemas/B -> #/components/schemas/A); using any JSON value"
        ]
    );
}

#[test]
fn duplicate_and_missing_operation_ids_warn_and_get_names() {
    let text = format!(
        "{HEAD}paths:\n  /a:\n    get: {{operationId: fetch, responses: {{'204': {{description: x}}}}}}\n  /b/{{id}}:\n    get: {{operationId: fetch, parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}], responses: {{'204': {{description: x}}}}}}\n    delete: {{responses: {{'204': {{description: x}}}}}}\n"
    );
    let output = generate(&text).unwrap();
    let client = &output
        .krate
        .files
        .iter()
        .find(|f| f.path == "src/client.rs")
        .unwrap()
        .contents;
    assert!(client.contains("pub async fn fetch(&self)"), "{client}");
    assert!(
        client.contains("pub async fn fetch_2(&self, id: &str)"),
        "{client}"
    );
    assert!(
        client.contains("pub async fn delete_b_by_id(&self, id: &str)"),
        "{client}"
    );
    let warnings: Vec<String> = output.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "#/paths/~1b~1{id}/delete: no operationId; the method is named `delete_b_by_id` after the method and path",
            "#/paths/~1b~1{id}/delete: path parameter `id` is not declared; it is taken as a string",
            "#/paths/~1b~1{id}/get: operationId `fetch` is also used at #/paths/~1a/get; this method gets a numbered name",
        ]
    );
}

#[test]
fn unmappable_constructs_warn_and_use_json() {
    let text = format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    N: {{not: {{type: string}}}}\n    M: {{enum: [1, a, {{x: 1}}]}}\n"
    );
    assert_eq!(
        warnings(&text),
        [
            "#/components/schemas/M: an `enum` of mixed or structured values; using any JSON value",
            "#/components/schemas/N: `not` cannot be expressed as a Rust type; using any JSON value",
        ]
    );
}

#[test]
fn undeclared_path_parameters_and_cookie_names_that_are_not_tokens_warn() {
    let text = format!(
        "{HEAD}paths:\n  /x/{{id}}:\n    get:\n      operationId: getX\n      parameters: [{{name: session, in: cookie, schema: {{type: string}}}}, {{name: 'my;cookie', in: cookie, schema: {{type: string}}}}]\n      responses: {{'204': {{description: x}}}}\n"
    );
    assert_eq!(
        warnings(&text),
        [
            "#/paths/~1x~1{id}/get: path parameter `id` is not declared; it is taken as a string",
            "#/paths/~1x~1{id}/get/parameters/1: cookie parameter `my;cookie`: a cookie's name must be an HTTP token (RFC 6265); left out",
        ]
    );
}

#[test]
fn required_that_is_not_a_list_is_named() {
    let found = warnings(&format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    Pet:\n      type: object\n      required: kind\n      properties:\n        kind: {{type: string}}\n"
    ));
    assert_eq!(
        found,
        [
            "#/components/schemas/Pet: `required` is not a list of property names; every property is optional"
        ]
    );
}

#[test]
fn a_path_without_a_leading_slash_is_named() {
    let found = warnings(&format!(
        "{HEAD}paths:\n  pets:\n    get:\n      operationId: listPets\n      responses:\n        '204': {{description: ok}}\n"
    ));
    assert_eq!(
        found,
        [
            "#/paths/pets: the path `pets` does not start with `/`; it is appended to the base URL as written"
        ]
    );
}

#[test]
fn a_misspelt_value_is_reported_on_its_own_line() {
    // serde reports the parameter as a whole; the line is the misspelt value's.
    let message = error(&format!(
        "{HEAD}paths:\n  /pets:\n    get:\n      parameters:\n        - name: limit\n          in: querry\n          schema: {{type: integer}}\n      responses:\n        '204': {{description: ok}}\n"
    ));
    assert_eq!(
        message,
        "spec.yaml: line 8, at #/paths/~1pets/get/parameters/0: unknown variant `querry`, expected one of `query`, `header`, `path`, `cookie`"
    );
}

#[test]
fn a_stream_switch_that_is_not_a_boolean_property_is_named() {
    let spec = |extension: &str| {
        format!(
            "{HEAD}paths:\n  /x:\n    post:\n      operationId: x\n{extension}      requestBody:\n        content:\n          application/json:\n            schema: {{type: object, properties: {{stream: {{type: boolean}}, mode: {{type: string}}}}}}\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json: {{schema: {{type: object}}}}\n            text/event-stream: {{schema: {{type: object}}}}\n"
        )
    };
    // Found without the extension: no warning.
    assert_eq!(warnings(&spec("")), Vec::<String>::new());
    let named_string = warnings(&spec("      x-stream-field: mode\n"));
    assert_eq!(named_string.len(), 1, "{named_string:#?}");
    assert!(
        named_string[0].contains("#/paths/~1x/post/x-stream-field")
            && named_string[0].contains("`mode` is not a boolean property"),
        "{named_string:#?}"
    );
    let not_a_name = warnings(&spec("      x-stream-field: 3\n"));
    assert!(
        not_a_name[0].contains("must name a property"),
        "{not_a_name:#?}"
    );
    assert_eq!(
        warnings(&spec("      x-stream-field: false\n")),
        Vec::<String>::new()
    );
}

#[test]
fn callbacks_and_links_the_client_does_not_use_never_stop_generation() {
    let spec = format!(
        "{HEAD}paths:\n  /subscribe:\n    post:\n      operationId: subscribe\n      callbacks:\n        onEvent:\n          $ref: '#/components/callbacks/Event'\n      responses:\n        '201':\n          description: ok\n          links:\n            self: {{$ref: '#/components/links/Self'}}\ncomponents:\n  callbacks:\n    Event:\n      '{{$request.body#/url}}':\n        post:\n          responses: {{'200': {{description: ok}}}}\n  links:\n    Self: {{operationId: subscribe}}\n"
    );
    let output = generate(&spec).unwrap_or_else(|error| panic!("{error}"));
    assert!(output.warnings.is_empty(), "{:#?}", output.warnings);
    let client = output
        .krate
        .files
        .iter()
        .find(|file| file.path == "src/client.rs")
        .map(|file| file.contents.as_str())
        .unwrap_or_default();
    assert!(client.contains("pub async fn subscribe(&self)"), "{client}");
}

/// A spec whose `Both` is an `allOf` of two `oneOf`s, of `left` and `right` alternatives.
fn two_one_ofs(left: usize, right: usize) -> String {
    let mut text = format!("{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    Both:\n      allOf:\n");
    let sides = [("L", left), ("R", right)];
    for (side, count) in sides {
        text.push_str("        - oneOf:\n");
        for index in 0..count {
            text.push_str(&format!(
                "            - {{$ref: '#/components/schemas/{side}{index}'}}\n"
            ));
        }
    }
    for (side, count) in sides {
        for index in 0..count {
            text.push_str(&format!(
                "    {side}{index}: {{type: object, required: [{side}{index}], properties: {{{side}{index}: {{type: string}}}}}}\n"
            ));
        }
    }
    text
}

fn types_rs(text: &str) -> String {
    let output = generate(text).unwrap_or_else(|error| panic!("{error}"));
    output
        .krate
        .files
        .into_iter()
        .find(|file| file.path == "src/types.rs")
        .map(|file| file.contents)
        .unwrap()
}

#[test]
fn two_one_ofs_in_an_all_of_make_at_most_16_combinations() {
    let within = two_one_ofs(4, 4);
    assert_eq!(warnings(&within), Vec::<String>::new());
    let types = types_rs(&within);
    assert!(types.contains("pub enum Both {"), "{types}");
    assert_eq!(types.matches("pub struct BothL").count(), 16, "{types}");
    assert!(types.contains("pub struct BothL3R3 {"), "{types}");

    let beyond = two_one_ofs(5, 4);
    assert_eq!(
        warnings(&beyond),
        [
            "#/components/schemas/Both: the `oneOf`/`anyOf`s in this `allOf` make 20 combinations of alternatives, more than 16; they are not merged, and their properties are kept in `additional_properties`"
        ]
    );
    // As before the merge existed: one struct, every property kept in `additional_properties`.
    let types = types_rs(&beyond);
    assert!(types.contains("pub struct Both {"), "{types}");
    assert!(!types.contains("pub struct BothL0"), "{types}");
}

#[test]
fn one_one_of_in_an_all_of_is_not_capped() {
    let mut text = format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    Event:\n      allOf:\n        - {{properties: {{id: {{type: string}}}}}}\n        - oneOf:\n"
    );
    for index in 0..40 {
        text.push_str(&format!(
            "            - {{type: object, required: [type], properties: {{type: {{enum: [e{index}]}}}}}}\n"
        ));
    }
    assert_eq!(warnings(&text), Vec::<String>::new());
    let types = types_rs(&text);
    assert_eq!(types.matches("pub struct EventE").count(), 40, "{types}");
    assert!(
        types.contains("Some(\"e39\") =>"),
        "the union is tagged:\n{types}"
    );
}

#[test]
fn a_scalar_alternative_next_to_properties_warns_and_holds_its_value() {
    let text = format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    Tag:\n      allOf:\n        - {{type: object, properties: {{color: {{type: string}}}}}}\n        - oneOf:\n            - {{type: integer}}\n            - {{type: object, required: [text], properties: {{text: {{type: string}}}}}}\n"
    );
    assert_eq!(
        warnings(&text),
        [
            "#/components/schemas/Tag/allOf/1/oneOf/0: this alternative is not an object, so the properties of the `allOf` it is in cannot apply to it; its variant holds the value alone"
        ]
    );
    let types = types_rs(&text);
    assert!(types.contains("Integer(i64),"), "{types}");
    assert!(types.contains("Variant2(TagVariant2),"), "{types}");
}

#[test]
fn cycles_through_one_ofs_in_all_ofs_are_cut_without_panicking() {
    // A includes itself and a oneOf whose alternative includes A again; N lists itself.
    let text = format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A:\n      allOf:\n        - $ref: '#/components/schemas/A'\n        - {{properties: {{a: {{type: string}}}}}}\n        - oneOf:\n            - $ref: '#/components/schemas/B'\n            - {{properties: {{c: {{type: string}}}}}}\n    B:\n      allOf:\n        - $ref: '#/components/schemas/A'\n        - {{properties: {{b: {{type: string}}}}}}\n    N:\n      properties: {{x: {{type: string}}}}\n      oneOf:\n        - $ref: '#/components/schemas/N'\n        - {{properties: {{y: {{type: string}}}}}}\n"
    );
    assert_eq!(
        warnings(&text),
        [
            "#/components/schemas/A: `allOf` includes itself (#/components/schemas/A -> #/components/schemas/A/allOf/0 -> #/components/schemas/A); the cycle is cut here",
            "#/components/schemas/A: `allOf` includes itself (#/components/schemas/B -> #/components/schemas/B/allOf/0 -> #/components/schemas/A -> #/components/schemas/A/allOf/0 -> #/components/schemas/A); the cycle is cut here",
        ]
    );
    let types = types_rs(&text);
    // A is B (which includes A) or A with `c`; B, meeting A's oneOf that lists B, is a struct.
    assert!(types.contains("pub enum A {"), "{types}");
    assert!(types.contains("pub struct B {"), "{types}");
    assert!(types.contains("pub struct N {"), "{types}");
}

//! What the command-line tests share: a small spec, a change to it, and scratch directories.

use std::path::PathBuf;

/// A small API: one operation, one schema.
pub const PETS: &str = r#"openapi: 3.0.3
info: {title: Pets, version: 1.2.0}
paths:
  /pets/{id}:
    get:
      operationId: getPet
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: the pet
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
components:
  schemas:
    Pet:
      type: object
      required: [name]
      properties:
        name: {type: string}
"#;

/// [`PETS`] with a new required property of a request-free schema: a breaking change for
/// anyone who builds a `Pet`.
pub fn pets_changed() -> String {
    PETS.replace("required: [name]", "required: [name, species]")
        .replace(
            "        name: {type: string}\n",
            "        name: {type: string}\n        species: {type: string}\n",
        )
}

/// An empty directory of its own under the test's scratch space.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A process's output as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

//! Tests of the generator and of the generated `deepshi` crate; see `tests/`.

//! The generated crate's `Cargo.toml`.

use crate::Settings;
use crate::model::Api;

/// `Cargo.toml` of the generated crate: standalone (no workspace inheritance), so the crate can
/// be copied out of this repository and still build.
pub(crate) fn cargo_toml(api: &Api, settings: &Settings) -> String {
    let version = crate_version(api, settings);
    let description = toml_string(&format!("Generated async client for the {}", api.title));
    format!(
        r#"[package]
name = "{name}"
version = "{version}"
edition = "2024"
rust-version = "1.88"
description = {description}
license = "MIT OR Apache-2.0"
publish = false

[lib]
# Spec descriptions may contain code blocks that are not Rust.
doctest = false

[dependencies]
bytes = "1"
futures-util = {{ version = "0.3", default-features = false }}
reqwest = {{ version = "0.13", default-features = false, features = ["stream"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = {{ version = "1", features = ["preserve_order"] }}
thiserror = "2"
tokio = {{ version = "1", features = ["time"] }}
# The mock's server: the hyper that reqwest is built on, with its server half, and the two
# helper crates reqwest already uses (tokio I/O for hyper, bodies).
hyper = {{ version = "1", optional = true, features = ["server", "http1"] }}
hyper-util = {{ version = "0.1", optional = true, features = ["tokio"] }}
http-body-util = {{ version = "0.1", optional = true }}

[dev-dependencies]
tokio = {{ version = "1", features = ["macros", "rt-multi-thread"] }}

[features]
default = [{defaults}]
# HTTPS with rustls and its aws-lc-rs crypto provider, reqwest's own default: a provider is
# built in, so no process-wide setup is needed (`rustls-no-provider` with ring builds only
# about 10% faster, and makes every other reqwest client of the application panic unless
# it installs a provider itself).
rustls = ["reqwest/rustls"]
# HTTPS with the platform's TLS (OpenSSL on Linux, Security.framework, SChannel), instead of
# or as well as rustls.
native-tls = ["reqwest/native-tls"]
# Accept gzip-compressed responses.
gzip = ["reqwest/gzip"]
# HTTP/2 where the server offers it (HTTP/1.1 otherwise).
http2 = ["reqwest/http2"]
# `mock::MockServer`, a mock of the API on 127.0.0.1 for the tests of applications. Off by
# default: without it nothing of the mock compiles, and the three optional crates above are
# not dependencies.
mock = ["dep:hyper", "dep:hyper-util", "dep:http-body-util", "tokio/net", "tokio/rt"]
{features}"#,
        name = settings.crate_name,
        defaults = default_features(api),
        features = features(api),
    )
}

/// What `default` turns on: rustls, gzip and every tag.
fn default_features(api: &Api) -> String {
    let mut names = vec!["rustls", "gzip"];
    if let Some(features) = &api.features {
        names.extend(features.names.iter().map(|(name, _)| name.as_str()));
        names.extend(features.untagged.as_deref());
        names.extend(features.unreached.as_deref());
    }
    names
        .iter()
        .map(|name| toml_string(name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The features of the tags, all in `default`.
fn features(api: &Api) -> String {
    let Some(features) = &api.features else {
        return String::new();
    };
    let mut out = "# One feature per operation tag: its methods and the types they reach. Turn off the\n# default (and name `rustls`) to compile only the parts of the API you call.\n".to_owned();
    for (name, tag) in &features.names {
        out.push_str(&format!(
            "# The operations tagged {}.\n{name} = []\n",
            toml_string(tag)
        ));
    }
    if let Some(name) = &features.untagged {
        out.push_str(&format!("# The operations without a tag.\n{name} = []\n"));
    }
    if let Some(name) = &features.unreached {
        out.push_str(&format!(
            "# The schemas no operation uses (webhook payloads, say).\n{name} = []\n"
        ));
    }
    out
}

/// A TOML basic string: quotes, backslashes and control characters escaped.
fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The version of the generated crate: the one the settings carry (the previous crate's), else
/// one made from the spec's `info.version`.
pub(crate) fn crate_version(api: &Api, settings: &Settings) -> String {
    settings
        .crate_version
        .clone()
        .unwrap_or_else(|| semver_or_default(&api.version))
}

/// The spec's version when it is semver (`1.0.0`), padded when it is short (`1.2` → `1.2.0`),
/// else `0.1.0`.
fn semver_or_default(version: &str) -> String {
    let parts: Vec<&str> = version.trim_start_matches('v').split('.').collect();
    let numeric = parts
        .iter()
        .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    match parts.len() {
        1..=3 if numeric => {
            let mut parts: Vec<String> = parts
                .iter()
                .map(|part| part.trim_start_matches('0').to_owned())
                .map(|p| if p.is_empty() { "0".to_owned() } else { p })
                .collect();
            parts.resize(3, "0".to_owned());
            parts.join(".")
        }
        _ => "0.1.0".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_become_semver() {
        assert_eq!(semver_or_default("1.0.0"), "1.0.0");
        assert_eq!(semver_or_default("v2"), "2.0.0");
        assert_eq!(semver_or_default("2021-04-01"), "0.1.0");
        assert_eq!(semver_or_default("1.01"), "1.1.0");
    }

    #[test]
    fn toml_strings_are_escaped() {
        assert_eq!(
            toml_string("a \"b\" \\ c\nd\u{1}"),
            r#""a \"b\" \\ c\nd\u0001""#
        );
    }
}

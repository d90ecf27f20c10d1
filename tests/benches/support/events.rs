//! The chat chunk events the decode benchmarks read: shared by `decode.rs` and the peer
//! comparison in `tests/decode-peer`, so both decode the same bytes.

pub const WORDS: &[&str] = &[
    " the",
    " capital",
    " of",
    " France",
    " is",
    " Paris",
    ",",
    " which",
    " has",
    " been",
    " home",
    " to",
    " a",
    " long",
    " line",
    " of",
    " kings",
    " and",
    " later",
    " presidents",
    ".",
    " Its",
    " population",
    " is",
    " about",
    " 2.1",
    " million",
    " people",
    " (Île",
    "-de",
    "-France",
    ")",
    " —",
    " «",
    "quoted",
    "»",
    "\n\n",
    " \"",
    "so",
    "\"",
    " 😀",
];

/// The JSON of event `i` of a stream of `count`: a role chunk, content deltas (plain, with
/// non-ASCII text and escapes, one or a few tokens each), a stretch of tool-call deltas, a
/// `finish_reason` chunk and a final usage chunk. Most are 260-300 bytes.
pub fn chunk_json(i: usize, count: usize) -> String {
    const HEAD: &str = r#"{"id":"chatcmpl-8d3f2a91c4e7b05d6a1f9e2c","object":"chat.completion.chunk","created":1732790400,"model":"deepshi-3.0","system_fingerprint":"fp_5b2a9c0d7e","choices":"#;
    let choices = if i == 0 {
        r#"[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]"#.to_owned()
    } else if i == count - 2 {
        r#"[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]"#.to_owned()
    } else if i == count - 1 {
        return format!(
            r#"{HEAD}[],"usage":{{"prompt_tokens":1184,"prompt_tokens_details":{{"cached_tokens":1024}},"completion_tokens":{count},"completion_tokens_details":{{"reasoning_tokens":0}},"total_tokens":{},"cost":{{"total_cost":0.000135}}}}}}"#,
            1184 + count
        );
    } else if i % 500 == 1 {
        format!(
            r#"[{{"index":0,"delta":{{"tool_calls":[{{"index":0,"id":"call_Vx4k2LmP9qRsT7uW{i:06}","type":"function","function":{{"name":"get_current_weather","arguments":""}}}}]}},"logprobs":null,"finish_reason":null}}]"#
        )
    } else if (2..8).contains(&(i % 500)) {
        let piece = [
            "{\\\"loc",
            "ation\\\":",
            " \\\"Paris,",
            " France\\\"",
            ", \\\"unit",
            "\\\": \\\"c\\\"}",
        ][i % 500 - 2];
        format!(
            r#"[{{"index":0,"delta":{{"tool_calls":[{{"index":0,"function":{{"arguments":"{piece}"}}}}]}},"logprobs":null,"finish_reason":null}}]"#
        )
    } else {
        let words = 1 + i % 3;
        let content: String = (0..words)
            .map(|k| WORDS[(i * 7 + k * 13) % WORDS.len()])
            .collect();
        let content = serde_json::to_string(&content).expect("serializes");
        format!(
            r#"[{{"index":0,"delta":{{"content":{content}}},"logprobs":null,"finish_reason":null}}]"#
        )
    };
    format!(r#"{HEAD}{choices},"usage":null}}"#)
}

//! Any model-file text plus any `--set` overrides: a model or an error value, never a panic.
//! Input: the model text, then lines after a NUL byte, each a `key=value` override.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prospect_cli::model::{Model, parse_override};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (model, sets) = text.split_once('\0').unwrap_or((&text, ""));
    let overrides: Vec<_> = sets
        .lines()
        .filter_map(|l| parse_override(l).ok())
        .collect();
    let _ = Model::parse(std::path::Path::new("fuzz.toml"), model.to_string(), &overrides);
});

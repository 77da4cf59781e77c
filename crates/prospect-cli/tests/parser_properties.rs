//! Property tests of the model-file parser: any text, with any `--set` overrides, gives a
//! model or an error value — never a panic.

use std::path::Path;

use proptest::prelude::*;
use prospect_cli::model::{Model, parse_override};

const BASE: &str = include_str!("../../../models/yinyang-lookahead.toml");

/// Keys of the schema, so that overrides reach the validators, not only "unknown key".
const KEYS: [&str; 16] = [
    "network.sizes",
    "network.tau",
    "network.activations",
    "network.init_std",
    "plasticity.eta",
    "plasticity.beta",
    "task.kind",
    "task.n_train",
    "task.teacher",
    "training.epochs",
    "training.batch",
    "training.seed",
    "integrator.method",
    "integrator.dt",
    "record.units",
    "record.epochs",
];

/// `PROPTEST_CASES` when set (scripts/fuzz.sh raises it), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(512)))]

    #[test]
    fn any_bytes_give_a_model_or_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let _ = Model::parse(Path::new("fuzz.toml"), text, &[]);
    }

    #[test]
    fn any_overrides_on_a_valid_model_give_a_model_or_an_error(
        sets in proptest::collection::vec(
            (0..KEYS.len(), prop_oneof![
                any::<i64>().prop_map(|v| v.to_string()),
                any::<f64>().prop_map(|v| v.to_string()),
                "[-]?[0-9]{1,20}",
                "\\[[0-9, -]{0,30}\\]",
                "\\PC{0,20}",
            ]),
            0..4,
        )
    ) {
        let mut overrides = Vec::new();
        for (k, v) in sets {
            if let Ok(o) = parse_override(&format!("{}={v}", KEYS[k])) {
                overrides.push(o);
            }
        }
        if let Ok(m) = Model::parse(Path::new("fuzz.toml"), BASE.to_string(), &overrides) {
            // A model that passed every check must also build or refuse in words: the data
            // are generated (yin-yang) and the budget bounds their size.
            if m.file.task.n_train.unwrap_or(0) <= 20_000 && m.file.task.n_test.unwrap_or(0) <= 20_000 {
                let _ = m.build();
            }
        }
    }
}

#[test]
fn the_shipped_model_parses() {
    Model::parse(Path::new("m.toml"), BASE.to_string(), &[]).unwrap();
}

//! `local-error`: the supervised local rule of seed 000, `dW/dt = η (ŭ − W r − b) rᵀ`
//! (implemented in `prospect-neuron`; registered here so every rule is chosen the same way).

use prospect_neuron::{LocalErrorRule, PlasticityRule};
use serde::Deserialize;
use serde_json::Value;

use crate::registry::{RuleContext, RuleEntry, RuleError, parse};

/// The registry entry.
pub const ENTRY: RuleEntry = RuleEntry {
    name: "local-error",
    summary: "supervised local rule dW/dt = η (ŭ − W r − b) rᵀ toward an external target",
    needs_reward: false,
    build,
};

/// No parameters of its own: η and `learn_biases` are `plasticity.eta` and
/// `plasticity.learn_biases`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {}

fn build(params: &Value, cx: &RuleContext<'_>) -> Result<Box<dyn PlasticityRule>, RuleError> {
    let Params {} = parse(params)?;
    Ok(Box::new(LocalErrorRule {
        eta: cx.eta.clone(),
        learn_biases: cx.learn_biases,
    }))
}

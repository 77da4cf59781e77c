//! `reinforce` (placeholder until its implementation lands).

use prospect_neuron::PlasticityRule;
use serde_json::Value;

use crate::registry::{RuleContext, RuleEntry, RuleError};

/// The registry entry.
pub const ENTRY: RuleEntry = RuleEntry {
    name: "reinforce",
    summary: "not implemented yet",
    needs_reward: true,
    build,
};

fn build(_params: &Value, _cx: &RuleContext<'_>) -> Result<Box<dyn PlasticityRule>, RuleError> {
    Err(RuleError::new("", "not implemented yet"))
}

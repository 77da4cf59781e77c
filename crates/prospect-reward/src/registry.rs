//! The one place that maps a model file's `plasticity.rule` to a rule (docs/design.md, "Rules").
//!
//! A new rule is one file in `rules/` that defines a `pub const ENTRY: RuleEntry`, plus one line
//! in [`RULES`]. The command line validates and builds rules only through this table.

use prospect_neuron::{NetworkConfig, PlasticityRule, RuleVariable};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::rules;

/// Every rule, by model-file name.
pub static RULES: &[RuleEntry] = &[
    rules::local_error::ENTRY,
    rules::wna::ENTRY,
    rules::reinforce::ENTRY,
    rules::node_perturbation::ENTRY,
    rules::weight_perturbation::ENTRY,
    rules::qagrel::ENTRY,
];

/// What a rule is built from besides its own parameter table.
#[derive(Debug, Clone)]
pub struct RuleContext<'a> {
    /// The network the rule will run on (sizes, noise, β, …).
    pub network: &'a NetworkConfig,
    /// Learning rate η per projection (1 / time unit), from `plasticity.eta`.
    pub eta: Vec<f64>,
    /// Whether biases learn.
    pub learn_biases: bool,
    /// Samples in the batch.
    pub batch: usize,
}

impl RuleContext<'_> {
    /// The number of projections L of the network, checked for what every rule of a layered
    /// network needs: L ≥ 1, a batch ≥ 1 and a rate η for each projection.
    pub fn projections(&self) -> Result<usize, RuleError> {
        let sizes = &self.network.sizes;
        let l = sizes.len().saturating_sub(1);
        if l == 0 || self.batch == 0 {
            return Err(RuleError::new(
                "",
                format!(
                    "needs a network with ≥ 1 projection and a batch ≥ 1 (sizes {sizes:?}, \
                     batch {})",
                    self.batch
                ),
            ));
        }
        if self.eta.len() < l {
            return Err(RuleError::at_model_key(
                "plasticity.eta",
                format!("{} rates, the network has {l} projections", self.eta.len()),
            ));
        }
        Ok(l)
    }
}

/// A rule's parameters are wrong: `key` is relative to the rule's table
/// (`plasticity.<rule>.<key>`), or, with `model_key`, a key of the model file outside it that
/// the rule reads through its context (e.g. `plasticity.beta`, `plasticity.eta`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{key}: {reason}")]
pub struct RuleError {
    /// The key, relative to the rule's table ("" for the table itself).
    pub key: String,
    /// Why.
    pub reason: String,
    /// `key` is a whole model-file key, not one of the rule's table.
    pub model_key: bool,
}

impl RuleError {
    /// An error at `key`.
    pub fn new(key: impl Into<String>, reason: impl Into<String>) -> Self {
        RuleError {
            key: key.into(),
            reason: reason.into(),
            model_key: false,
        }
    }

    /// An error at the model-file key `key` (outside the rule's table, e.g. `plasticity.beta`).
    pub fn at_model_key(key: impl Into<String>, reason: impl Into<String>) -> Self {
        RuleError {
            model_key: true,
            ..RuleError::new(key, reason)
        }
    }
}

/// Builds a rule from its parameter table and the context.
pub type BuildRule = fn(&Value, &RuleContext<'_>) -> Result<Box<dyn PlasticityRule>, RuleError>;

/// One registered rule.
pub struct RuleEntry {
    /// The model-file name (`plasticity.rule`).
    pub name: &'static str,
    /// One line for `--help` and docs.
    pub summary: &'static str,
    /// Whether it learns from a reward (needs the trial driver and an environment) rather than
    /// from an external target.
    pub needs_reward: bool,
    /// Builds the rule from its parameter table (`plasticity.<name>`, an object; `Null` when
    /// absent) and the context; checks every parameter.
    pub build: BuildRule,
}

impl RuleEntry {
    /// The names of the rule's recordable state, from a rule built for `context`.
    pub fn variables(
        &self,
        params: &Value,
        context: &RuleContext<'_>,
    ) -> Result<Vec<RuleVariable>, RuleError> {
        Ok((self.build)(params, context)?.variables())
    }
}

/// The rule called `name`.
pub fn find(name: &str) -> Option<&'static RuleEntry> {
    RULES.iter().find(|r| r.name == name)
}

/// The names of all rules, for error messages.
pub fn names() -> Vec<&'static str> {
    RULES.iter().map(|r| r.name).collect()
}

/// Reads a rule's parameter table into its own type, unknown keys refused; a missing table
/// (`Null`) reads as an empty one. Errors carry the dotted path inside the table.
pub fn parse<T: DeserializeOwned>(params: &Value) -> Result<T, RuleError> {
    let empty = Value::Object(Default::default());
    let value = if params.is_null() { &empty } else { params };
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        RuleError::new(
            if path == "." { String::new() } else { path },
            e.into_inner().to_string(),
        )
    })
}

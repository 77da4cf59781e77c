//! # prospect-reward — eligibility-trace reward modules
//!
//! Learning from a scalar reward in continuous time (seed 000's winner-nudges-all, seed 001's
//! REINFORCE, node and weight perturbation; docs/equations.md §2, §4), on the rule interface of
//! `prospect-neuron` ([`prospect_neuron::PlasticityRule`]):
//! - [`trace`]: eligibility traces with exact decay for any step;
//! - [`baseline`]: reward baselines and the modulator `R − R̄`;
//! - [`rules`]: one file per rule; [`registry`]: `plasticity.rule` → rule, in one table;
//! - [`trial`]: the trial driver that presents an environment's observations in continuous
//!   time, reads actions with a policy and delivers rewards.

pub mod baseline;
pub mod qagrel;
pub mod registry;
pub mod rules;
pub mod trace;
pub mod trial;

pub use baseline::{BaselineKind, RewardBaseline};
pub use registry::{RULES, RuleContext, RuleEntry, RuleError};
pub use trace::{Discretisation, EligibilityTrace};
pub use trial::{Policy, RateSchedule, TestSet, TrialConfig, TrialDriver, TrialMetrics};

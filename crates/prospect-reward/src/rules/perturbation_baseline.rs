//! The baseline `R̄` of the perturbation rules (node and weight perturbation, docs/equations.md
//! §4): one of the reward baselines of [`crate::baseline`], or the reward of an unperturbed
//! trial on the same observation (Werfel, Xie & Seung 2005's `E(w)`).

use prospect_neuron::Reward;
use serde::{Deserialize, Serialize};

use crate::baseline::{BaselineKind, RewardBaseline};

/// How `R̄` is formed (`plasticity.<rule>.baseline`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind", deny_unknown_fields)]
pub enum PerturbationBaselineKind {
    /// `R̄ = 0`.
    None,
    /// Running mean `R̄ ← R̄ + γ_R (R − R̄)` over deliveries.
    Running {
        /// γ_R ∈ (0, 1].
        rate: f64,
    },
    /// The running mean per context class.
    PerContext {
        /// γ_R ∈ (0, 1].
        rate: f64,
    },
    /// The sample average of all rewards so far.
    Average,
    /// Trials come in pairs: an even-numbered trial (`trial % 2 == 0`) is unperturbed and its
    /// reward, per batch column, is `R̄` of the following odd-numbered, perturbed trial, which
    /// alone changes the weights. The driver presents the same observation to both trials of a
    /// pair (and, for node perturbation, switches the network's noise off in the even one:
    /// `Network::set_noise(false)`). This is the `E(w)` of Werfel, Xie & Seung (2005), whose
    /// learning-time scaling assumes it.
    Unperturbed,
}

impl PerturbationBaselineKind {
    /// Checks the rate; the error is (key, reason) relative to the baseline table.
    pub fn validate(&self) -> Result<(), (String, String)> {
        match self.reward_kind() {
            Some(k) => RewardBaseline::validate(&k),
            None => Ok(()),
        }
    }

    fn reward_kind(&self) -> Option<BaselineKind> {
        match *self {
            PerturbationBaselineKind::None => Some(BaselineKind::None),
            PerturbationBaselineKind::Running { rate } => Some(BaselineKind::Running { rate }),
            PerturbationBaselineKind::PerContext { rate } => {
                Some(BaselineKind::PerContext { rate })
            }
            PerturbationBaselineKind::Average => Some(BaselineKind::Average),
            PerturbationBaselineKind::Unperturbed => None,
        }
    }
}

impl Default for PerturbationBaselineKind {
    /// The running mean with γ_R = 0.1 (the reference settings of docs/equations.md §2).
    fn default() -> Self {
        PerturbationBaselineKind::Running { rate: 0.1 }
    }
}

/// The state of a perturbation rule's baseline.
#[derive(Debug, Clone)]
pub struct PerturbationBaseline {
    kind: PerturbationBaselineKind,
    running: RewardBaseline,
    /// The latest unperturbed trial's rewards, per batch column.
    clean: Vec<f64>,
}

impl PerturbationBaseline {
    /// A baseline at 0.
    pub fn new(kind: PerturbationBaselineKind) -> Self {
        PerturbationBaseline {
            kind,
            running: RewardBaseline::new(kind.reward_kind().unwrap_or(BaselineKind::None), false),
            clean: Vec::new(),
        }
    }

    /// Whether trial `trial` is perturbed (always, except the even trials of the
    /// [`PerturbationBaselineKind::Unperturbed`] pairs).
    pub fn perturbed(&self, trial: u64) -> bool {
        !(self.kind == PerturbationBaselineKind::Unperturbed && trial.is_multiple_of(2))
    }

    /// The modulators `R_b − R̄_b` of a delivery into `out` (with `R̄` as before it), and moves
    /// the baseline on. Returns `false` (and leaves `out` empty) for an unperturbed trial,
    /// whose reward only becomes the next trial's `R̄`; a perturbed trial of a pair whose
    /// unperturbed trial delivered nothing uses `R̄ = 0`.
    pub fn deliver(&mut self, reward: &Reward<'_>, out: &mut Vec<f64>) -> bool {
        out.clear();
        if self.kind == PerturbationBaselineKind::Unperturbed {
            if !self.perturbed(reward.trial) {
                self.clean.clear();
                self.clean.extend_from_slice(reward.rewards);
                return false;
            }
            for (b, r) in reward.rewards.iter().enumerate() {
                out.push(r - self.clean.get(b).copied().unwrap_or(0.0));
            }
            self.clean.clear();
            return true;
        }
        self.running
            .modulators(reward.rewards, reward.contexts, out);
        self.running.update(reward.rewards, reward.contexts);
        true
    }

    /// The current `R̄` of the first batch column (no context), for recording.
    pub fn value(&self) -> f64 {
        match self.kind {
            PerturbationBaselineKind::Unperturbed => self.clean.first().copied().unwrap_or(0.0),
            _ => self.running.value(None),
        }
    }
}

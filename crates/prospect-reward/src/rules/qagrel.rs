//! `qagrel`: Q-AGREL in continuous time (seed 002 on seed 000's prospective network;
//! docs/equations.md, "Reward learning"). The algorithmic form is [`crate::qagrel`].
//!
//! **Nudge.** When the trial driver delivers the reward (at the readout time), the selected
//! output `s` of every batch column is nudged toward the reward it earned, the other outputs not
//! at all ([`SelectedNudge`]):
//!
//! ```text
//!     e_{L,s} = β (r − ŭ_{L,s}),      e_{L,j≠s} = 0
//! ```
//!
//! with ŭ the look-ahead voltage (u itself with `network.lookahead = false`). The nudge holds
//! from the reward to the trial's end (`trial.time − trial.readout_time`, the *window* w) and is
//! off before the reward, after the trial's end and whenever the driver switches nudging off
//! (the greedy test). The hidden layers receive it through the network's dendritic errors
//! `e_k = φ'(ŭ_k) ⊙ W_{k+1}ᵀ e_{k+1}` (symmetric feedback; `network.feedback = "random"` is
//! feedback alignment).
//!
//! **Learning.** Inside the window only, every projection learns by the local rule of
//! seed 000, averaged over the batch and scaled by the driver's rate schedule s:
//!
//! ```text
//!     dW_k/dt = η_k s (1/B) Σ_b (ŭ_k − W_k r_{k−1} − b_k) r_{k−1}ᵀ     (biases likewise)
//! ```
//!
//! Outside it the rule changes nothing, so a run without rewards learns nothing (also without
//! look-ahead, where the mismatch `u − W r − b` carries the lag −τ u̇ at every instant).
//!
//! **Why this is Q-AGREL.** With look-ahead and the exact loop treatment,
//! `ŭ_k = W_k r_{k−1} + b_k + e_k` holds at every instant, so the mismatch *is* e_k. At the
//! fixed point of the nudged network, `e_{L,s} = β/(1 + β) δ` with `δ = r − q_s` and
//! `q = W_L r_{L−1} + b_L` the un-nudged output, and `e_k = β/(1 + β) δ a_k + O(β²)`, where
//! `a_L = 1_s` and `a_k = φ'(ŭ_k) ⊙ W_{k+1}ᵀ a_{k+1}` is Q-AGREL's attention signal (ReLU:
//! φ' is the gate). Over the window, to first order in β and η w,
//!
//! ```text
//!     ΔW_k = η_k s w β/(1 + β) (1/B) Σ_b δ_b a_{k,b} r_{k−1,b}ᵀ
//! ```
//!
//! — Q-AGREL's update (the paper's eqs. 8–14) with `α = η s w β/(1 + β)`. With the vanilla loop
//! treatment the errors reach layer k after L − k steps (the direction per layer is the same);
//! without look-ahead both the readout and δ come from the lagging u, which is the ablation.

use prospect_neuron::{
    LocalErrorRule, NetworkError, OnlineTarget, OutputView, Parameters, PlasticityRule,
    RuleVariable, StepView, TrialEvent,
};
use serde::Deserialize;
use serde_json::Value;

use crate::registry::{RuleContext, RuleEntry, RuleError, parse};

/// The registry entry. The name `qagrel` on a prospective network means this rule; under the
/// command line's `network.form = "algorithmic"` it means the algorithmic form
/// ([`crate::qagrel`]), which is not a registry rule.
pub const ENTRY: RuleEntry = RuleEntry {
    name: "qagrel",
    summary: "Q-AGREL in continuous time (seed 002): from the reward on, the selected output is \
              nudged toward it, e_s = β (r − ŭ_s), the others not; the local rule \
              dW/dt = η (ŭ − W r − b) rᵀ learns during that window only",
    needs_reward: true,
    build,
};

/// The rule's own table `plasticity.qagrel`: no keys of its own. η is `plasticity.eta`, β is
/// `plasticity.beta`, the window is `trial.time − trial.readout_time`, the look-ahead switch is
/// `network.lookahead`; an empty table is accepted, any key refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QagrelParams {}

/// The nudge toward the reward on the selected outputs (see the module docs); zero everywhere
/// while `active` is false.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectedNudge {
    /// Whether the window is open (from a reward to the trial's end).
    pub active: bool,
    /// Selected output per batch column.
    pub actions: Vec<usize>,
    /// Reward per batch column: the voltage the selected output is nudged toward.
    pub rewards: Vec<f64>,
}

impl OnlineTarget for SelectedNudge {
    /// `e_{s_b, b} = β (r_b − ŭ_{s_b, b})` per column b, every other entry 0.
    fn nudge(&mut self, beta: f64, output: &OutputView<'_>, error: &mut [f64]) {
        error.fill(0.0);
        if !self.active || beta == 0.0 {
            return;
        }
        let n = output.n;
        for (b, (&s, &r)) in self.actions.iter().zip(&self.rewards).enumerate() {
            let i = b * n + s;
            if let (Some(e), Some(u)) = (error.get_mut(i), output.breve.get(i)) {
                *e = beta * (r - u);
            }
        }
    }
}

/// Q-AGREL in continuous time (see the module docs).
#[derive(Debug, Clone)]
pub struct QagrelContinuous {
    /// η per projection (1/time unit), as configured.
    eta: Vec<f64>,
    /// The local rule with the rates of the current window (η times the schedule factor).
    local: LocalErrorRule,
    batch: usize,
    n_out: usize,
    nudge: SelectedNudge,
}

impl QagrelContinuous {
    /// The rule for `cx`'s network; refuses a network with β = 0 (the selected output would
    /// never be nudged and nothing would learn), a batch of 0 and too few rates.
    pub fn new(_params: QagrelParams, cx: &RuleContext<'_>) -> Result<Self, RuleError> {
        let sizes = &cx.network.sizes;
        let l = cx.projections()?;
        if !(cx.network.beta.is_finite() && cx.network.beta > 0.0) {
            return Err(RuleError::at_model_key(
                "plasticity.beta",
                format!(
                    "{} must be > 0: the nudge β (r − ŭ_s) is the only \
                     learning signal, with β = 0 nothing would learn",
                    cx.network.beta
                ),
            ));
        }
        Ok(QagrelContinuous {
            eta: cx.eta.clone(),
            local: LocalErrorRule {
                eta: cx.eta.clone(),
                learn_biases: cx.learn_biases,
            },
            batch: cx.batch,
            n_out: sizes[l],
            nudge: SelectedNudge {
                active: false,
                actions: vec![0; cx.batch],
                rewards: vec![0.0; cx.batch],
            },
        })
    }

    /// Whether the nudge-and-learn window is open.
    pub fn window_open(&self) -> bool {
        self.nudge.active
    }

    fn reward(&mut self, r: &prospect_neuron::Reward<'_>) -> Result<(), NetworkError> {
        for (what, got) in [("rewards", r.rewards.len()), ("actions", r.actions.len())] {
            if got != self.batch {
                return Err(NetworkError::Shape {
                    what,
                    got,
                    expected: self.batch,
                });
            }
        }
        if let Some(&a) = r.actions.iter().find(|&&a| a >= self.n_out) {
            return Err(NetworkError::Shape {
                what: "selected action (index) of the reward",
                got: a,
                expected: self.n_out,
            });
        }
        self.nudge.actions.copy_from_slice(r.actions);
        self.nudge.rewards.copy_from_slice(r.rewards);
        self.nudge.active = true;
        for (rate, eta) in self.local.eta.iter_mut().zip(&self.eta) {
            *rate = eta * r.rate_scale;
        }
        Ok(())
    }
}

impl PlasticityRule for QagrelContinuous {
    fn name(&self) -> &'static str {
        ENTRY.name
    }

    /// Inside the window: `W_k += Δt η_k s/B · m_k r_{k−1}ᵀ` with the step's mismatch m (the
    /// local rule); outside it nothing.
    fn step(&mut self, view: &StepView<'_>, p: &mut Parameters<'_>) -> Result<(), NetworkError> {
        if !self.nudge.active {
            return Ok(());
        }
        if view.batch() != self.batch {
            return Err(NetworkError::Shape {
                what: "batch of the step signals",
                got: view.batch(),
                expected: self.batch,
            });
        }
        self.local.step(view, p)
    }

    /// Reward: opens the window (selected outputs, rewards, rate factor); trial start and end
    /// close it.
    fn event(
        &mut self,
        event: &TrialEvent<'_>,
        _p: &mut Parameters<'_>,
    ) -> Result<(), NetworkError> {
        match event {
            TrialEvent::Reward(r) => self.reward(r),
            TrialEvent::Start { .. } | TrialEvent::End { .. } => {
                self.nudge.active = false;
                Ok(())
            }
        }
    }

    /// The nudge of the current window (re-read by the network after every event).
    fn online_target(&self) -> Option<Box<dyn OnlineTarget>> {
        Some(Box::new(self.nudge.clone()))
    }

    /// `rule`: `window` (1 while the nudge is on, else 0), `target` (the reward the first
    /// column's selected output is nudged toward, 0 outside the window).
    fn variables(&self) -> Vec<RuleVariable> {
        ["window", "target"]
            .into_iter()
            .map(|name| RuleVariable {
                population: "rule".into(),
                name,
                len: 1,
            })
            .collect()
    }

    fn record(&self, sink: &mut dyn FnMut(&str, &'static str, &[f64])) {
        let on = self.nudge.active;
        sink("rule", "window", &[f64::from(u8::from(on))]);
        let target = if on { self.nudge.rewards[0] } else { 0.0 };
        sink("rule", "target", &[target]);
    }
}

fn build(params: &Value, cx: &RuleContext<'_>) -> Result<Box<dyn PlasticityRule>, RuleError> {
    Ok(Box::new(QagrelContinuous::new(parse(params)?, cx)?))
}

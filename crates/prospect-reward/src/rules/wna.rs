//! `wna-reward`: winner nudges all (seed 000, Kungl; docs/equations.md §2), built as the public
//! reference code (lagrangeRL) builds it.
//!
//! **Drive.** The output layer L gets a fixed lateral matrix `M` (`w` on the diagonal,
//! `−w/(n−1)` off it, `n = n_L ≥ 2`), not plastic and not part of the mismatch. Its drive is the
//! output error, computed each evaluation from the network's own output rates
//! ([`LateralDrive`]):
//!
//! ```text
//!     e_L = β α_W (M r_L),   (M r)_i = w (n r_i − Σ_j r_j) / (n − 1)
//! ```
//!
//! It pushes the most active output up and the others down; the hidden layers receive it through
//! the usual dendritic errors. Exploration noise is the network's (`NetworkConfig.noise`: the
//! reference code's OU process on the outputs, σ 1, τ_c 30, added as `β α_N ξ`), so the local
//! signal `m_l = ŭ_l − W_l r_{l−1} − b_l` that every layer's [`prospect_neuron::LayerView`]
//! carries contains this drive, the noise and the back-propagated errors.
//!
//! **Eligibility.** Per projection and batch column (units: voltage × rate × time),
//!
//! ```text
//!     dE_l/dt = −E_l/τ_e + m_l r_{l−1}ᵀ,      dε_l/dt = −ε_l/τ_e + m_l      (biases)
//! ```
//!
//! advanced once per accepted step with the step's signals held over it ([`EligibilityTrace`]).
//!
//! **Reward** (the third factor, at the readout time; the winner — arg-max of the output rates
//! low-passed with τ_r = τ_e — and R are the trial driver's):
//!
//! ```text
//!     ΔW_l = (η_l/τ_e) · s · (1/B) Σ_b (R_b − R̄_b) E_{l,b}        (biases likewise with ε)
//!     R̄   ← R̄ + γ_R (R − R̄)              after the update; R − max(R̄, 0) with clipping
//! ```
//!
//! with `s` the trial driver's learning-rate schedule factor ([`Reward::rate_scale`]).
//!
//! **Homeostasis** (the reference code's `regEligibility`, weight `kappaDecay`): a second trace
//! of `h(ŭ_l) r_{l−1}ᵀ` with `h(u) = relu(u_low − u) − relu(u − u_high)`, decaying with the same
//! τ_e and applied at each reward *without* the reward:
//! `ΔW_l += (η_l/τ_e) · s · κ · (1/B) Σ_b H_{l,b}`. It pulls voltages back into
//! `[u_low, u_high]` = [−1.25, 1.25]. `β M r` is positive feedback on the output; an independent
//! NumPy study of WNA on the Yin-Yang bandit (issue 10) found every setting without this bound ran
//! away (output spread 1e4, accuracy at chance within 5–30 k trials). The reference applies it to
//! every plastic projection (its `u` is all neurons'); `homeostasis_layers = "output"` restricts
//! it to the output projection.

use nalgebra::DMatrix;
use prospect_neuron::{
    NetworkError, OnlineTarget, OutputView, Parameters, PlasticityRule, RuleVariable, StepView,
    TrialEvent,
};
use serde::Deserialize;
use serde_json::Value;

use crate::baseline::{BaselineKind, RewardBaseline};
use crate::registry::{RuleContext, RuleEntry, RuleError, parse};
use crate::trace::{Discretisation, EligibilityTrace};

/// The registry entry.
pub const ENTRY: RuleEntry = RuleEntry {
    name: "wna-reward",
    summary: "winner nudges all (seed 000): lateral output drive β α_W M r, eligibility traces of \
              (ŭ − W r − b) rᵀ, ΔW = (η/τ_e)(R − R̄) E at the reward, homeostatic voltage bound",
    needs_reward: true,
    build,
};

/// The rule's own table `plasticity.wna-reward`; every key optional, defaults the reference
/// settings of docs/equations.md §2 (η per projection is `plasticity.eta`, 0.01 there).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WnaParams {
    /// Diagonal `w` of the lateral matrix M (dimensionless, ≥ 0; 0.8 in the reference, 0
    /// switches the drive off).
    pub lateral: f64,
    /// Weight `α_W` of the lateral drive in the output error (dimensionless, ≥ 0; 1).
    pub lateral_gain: f64,
    /// Eligibility time constant τ_e (time units, > 0; 0.1).
    pub tau_e: f64,
    /// How a step updates the traces. Default `"exact"`:
    /// `E ← E e^{−Δt/τ_e} + τ_e (1 − e^{−Δt/τ_e}) p` solves the trace ODE for any step, so the
    /// rule learns the same under adaptive and fixed-step methods and converges to the paper's
    /// integral as Δt shrinks. `"reference"` is lagrangeRL's `E ← (E + Δt p) e^{−Δt/τ_e}`, for
    /// reproducing it: at its Δt = τ_e = 0.1 a steady product reaches `Δt e^{−1}/(1 − e^{−1})
    /// ≈ 0.582 τ_e p` instead of `τ_e p`, so its η = 0.01 corresponds to η ≈ 0.0058 here.
    pub trace: Discretisation,
    /// The reward baseline R̄: `{ kind = "running", rate = 0.1 }` (γ_R; the reference: one mean
    /// over all trials), `"per-context"` (one per class of the observation), `"average"` or
    /// `"none"` (as for the other reward rules).
    pub baseline: BaselineKind,
    /// Modulate with `R − max(R̄, 0)` (true, the reference: a well-predicted failure does not
    /// stop learning; on the first trial the modulator is R).
    pub clip_baseline: bool,
    /// Whether the homeostatic traces are kept and applied (true, as in the reference).
    pub homeostasis: bool,
    /// Lower voltage bound `u_low` of the homeostatic term (voltage units; −1.25).
    pub u_low: f64,
    /// Upper voltage bound `u_high` (voltage units, > `u_low`; 1.25).
    pub u_high: f64,
    /// Weight κ of the homeostatic traces relative to η/τ_e (dimensionless, ≥ 0; the
    /// reference's `kappaDecay` = 0.5).
    pub homeostasis_rate: f64,
    /// Which projections the homeostatic term acts on (`"all"`, as the reference, or
    /// `"output"`).
    pub homeostasis_layers: HomeostasisLayers,
    /// Whether every trace returns to zero at trial start (false: the current reference code
    /// keeps them; an older variant reset them with the voltages).
    pub reset_traces: bool,
}

impl Default for WnaParams {
    fn default() -> Self {
        WnaParams {
            lateral: 0.8,
            lateral_gain: 1.0,
            tau_e: 0.1,
            trace: Discretisation::Exact,
            baseline: BaselineKind::Running { rate: 0.1 },
            clip_baseline: true,
            homeostasis: true,
            u_low: -1.25,
            u_high: 1.25,
            homeostasis_rate: 0.5,
            homeostasis_layers: HomeostasisLayers::All,
            reset_traces: false,
        }
    }
}

/// Projections that carry the homeostatic term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HomeostasisLayers {
    /// Every projection (the reference code).
    All,
    /// The output projection only.
    Output,
}

impl WnaParams {
    /// Checks every parameter against a network with `n_out` output units; the error names the
    /// key inside `plasticity.wna-reward`.
    pub fn validate(&self, n_out: usize) -> Result<(), RuleError> {
        let finite_nonneg = |key: &str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(RuleError::new(key, format!("{v} must be finite and ≥ 0")))
            }
        };
        finite_nonneg("lateral", self.lateral)?;
        finite_nonneg("lateral_gain", self.lateral_gain)?;
        finite_nonneg("homeostasis_rate", self.homeostasis_rate)?;
        if !(self.tau_e.is_finite() && self.tau_e > 0.0) {
            return Err(RuleError::new(
                "tau_e",
                format!("{} must be finite and > 0", self.tau_e),
            ));
        }
        if !self.u_low.is_finite() {
            return Err(RuleError::new(
                "u_low",
                format!("{} must be finite", self.u_low),
            ));
        }
        if !(self.u_high.is_finite() && self.u_high > self.u_low) {
            return Err(RuleError::new(
                "u_high",
                format!(
                    "{} must be finite and above u_low = {}",
                    self.u_high, self.u_low
                ),
            ));
        }
        RewardBaseline::validate(&self.baseline)
            .map_err(|(key, reason)| RuleError::new(format!("baseline.{key}"), reason))?;
        if n_out < 2 {
            return Err(RuleError::new(
                "lateral",
                format!(
                    "winner nudges all needs ≥ 2 output units (M has −w/(n−1) off the \
                     diagonal); the network has {n_out}"
                ),
            ));
        }
        Ok(())
    }
}

/// The lateral output drive `e_L = β α_W (M r_L)` (see the module docs), written each evaluation
/// from the output rates of that evaluation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LateralDrive {
    /// Diagonal `w` of M.
    pub lateral: f64,
    /// `α_W`.
    pub gain: f64,
}

impl OnlineTarget for LateralDrive {
    /// `(M r)_i = w r_i − w/(n−1) Σ_{j≠i} r_j = w (n r_i − Σ_j r_j)/(n − 1)`: one pass per
    /// column instead of the n² matrix product.
    fn nudge(&mut self, beta: f64, output: &OutputView<'_>, error: &mut [f64]) {
        let n = output.n;
        let scale = beta * self.gain * self.lateral / (n as f64 - 1.0);
        for (e, r) in error.chunks_exact_mut(n).zip(output.rate.chunks_exact(n)) {
            let sum: f64 = r.iter().sum();
            for (ei, ri) in e.iter_mut().zip(r) {
                *ei = scale * (n as f64 * ri - sum);
            }
        }
    }
}

/// One projection's traces.
#[derive(Debug, Clone)]
struct Traces {
    weights: EligibilityTrace,
    biases: Option<EligibilityTrace>,
}

impl Traces {
    fn new(p: &WnaParams, n_post: usize, n_pre: usize, batch: usize, biases: bool) -> Self {
        Traces {
            weights: EligibilityTrace::new(p.tau_e, p.trace, n_post, n_pre, batch),
            biases: biases.then(|| EligibilityTrace::new(p.tau_e, p.trace, n_post, 1, batch)),
        }
    }

    fn accumulate(&mut self, dt: f64, post: &[f64], pre: &[f64]) {
        self.weights.accumulate_outer(dt, post, pre);
        if let Some(b) = &mut self.biases {
            b.accumulate(dt, post);
        }
    }

    fn reset(&mut self) {
        self.weights.reset();
        if let Some(b) = &mut self.biases {
            b.reset();
        }
    }

    /// `W += scale Σ_b m_b E_b`, `b += scale Σ_b m_b ε_b`.
    fn apply(&self, modulators: &[f64], scale: f64, w: &mut DMatrix<f64>, b: &mut [f64]) {
        self.weights.apply(modulators, scale, w.as_mut_slice());
        if let Some(t) = &self.biases {
            t.apply(modulators, scale, b);
        }
    }
}

/// The winner-nudges-all reward rule (see the module docs).
#[derive(Debug, Clone)]
pub struct WnaReward {
    params: WnaParams,
    eta: Vec<f64>,
    batch: usize,
    sizes: Vec<usize>,
    /// Eligibility of `m r_preᵀ` per projection.
    traces: Vec<Traces>,
    /// Homeostatic eligibility of `h(ŭ) r_preᵀ` per projection (`None` where off).
    homeostatic: Vec<Option<Traces>>,
    baseline: RewardBaseline,
    /// The latest reward's modulators `R_b − R̄`.
    modulators: Vec<f64>,
    /// Scratch for `h(ŭ)`.
    h: Vec<f64>,
}

impl WnaReward {
    /// The rule for `context`'s network with parameters `params` (checked).
    pub fn new(params: WnaParams, cx: &RuleContext<'_>) -> Result<Self, RuleError> {
        let sizes = cx.network.sizes.clone();
        let l = cx.projections()?;
        params.validate(sizes[l])?;
        let traces = (0..l)
            .map(|k| Traces::new(&params, sizes[k + 1], sizes[k], cx.batch, cx.learn_biases))
            .collect();
        let homeostatic = (0..l)
            .map(|k| {
                let on = params.homeostasis
                    && (params.homeostasis_layers == HomeostasisLayers::All || k == l - 1);
                on.then(|| Traces::new(&params, sizes[k + 1], sizes[k], cx.batch, cx.learn_biases))
            })
            .collect();
        let widest = sizes.iter().max().copied().unwrap_or(0) * cx.batch;
        Ok(WnaReward {
            baseline: RewardBaseline::new(params.baseline, params.clip_baseline),
            params,
            eta: cx.eta.clone(),
            batch: cx.batch,
            sizes,
            traces,
            homeostatic,
            modulators: vec![0.0; cx.batch],
            h: vec![0.0; widest],
        })
    }

    /// The parameters.
    pub fn params(&self) -> &WnaParams {
        &self.params
    }

    /// The reward baseline R̄ (of samples without a context class).
    pub fn baseline(&self) -> f64 {
        self.baseline.value(None)
    }

    fn reward(
        &mut self,
        r: &prospect_neuron::Reward<'_>,
        p: &mut Parameters<'_>,
    ) -> Result<(), NetworkError> {
        if r.rewards.len() != self.batch {
            return Err(NetworkError::Shape {
                what: "rewards",
                got: r.rewards.len(),
                expected: self.batch,
            });
        }
        self.baseline
            .modulators(r.rewards, r.contexts, &mut self.modulators);
        let kappa = vec![self.params.homeostasis_rate; self.batch];
        for k in 0..self.traces.len() {
            let eta = *self.eta.get(k).ok_or(NetworkError::MissingLearningRate {
                projection: k,
                rates: self.eta.len(),
            })?;
            let scale = eta / self.params.tau_e * r.rate_scale / self.batch as f64;
            let (w, b) = (&mut p.weights[k], p.biases[k].as_mut_slice());
            self.traces[k].apply(&self.modulators, scale, w, b);
            if let Some(h) = &self.homeostatic[k] {
                h.apply(&kappa, scale, w, b);
            }
        }
        self.baseline.update(r.rewards, r.contexts);
        Ok(())
    }
}

/// `h(u) = relu(u_low − u) − relu(u − u_high)`: positive below the band, negative above, zero in
/// it.
fn homeostatic_drive(u_low: f64, u_high: f64, u: f64) -> f64 {
    (u_low - u).max(0.0) - (u - u_high).max(0.0)
}

impl PlasticityRule for WnaReward {
    fn name(&self) -> &'static str {
        ENTRY.name
    }

    /// Advances every trace over the step with the step's mismatch, presynaptic rates and
    /// (for the homeostatic traces) look-ahead voltages; the weights do not change here.
    fn step(&mut self, view: &StepView<'_>, _p: &mut Parameters<'_>) -> Result<(), NetworkError> {
        if view.batch() != self.batch {
            return Err(NetworkError::Shape {
                what: "batch of the step signals",
                got: view.batch(),
                expected: self.batch,
            });
        }
        let dt = view.dt();
        let (lo, hi) = (self.params.u_low, self.params.u_high);
        for k in 0..self.traces.len() {
            let layer = view.layer(k);
            self.traces[k].accumulate(dt, layer.mismatch, layer.pre);
            if let Some(t) = &mut self.homeostatic[k] {
                let h = &mut self.h[..layer.breve.len()];
                for (hv, u) in h.iter_mut().zip(layer.breve) {
                    *hv = homeostatic_drive(lo, hi, *u);
                }
                t.accumulate(dt, h, layer.pre);
            }
        }
        Ok(())
    }

    fn event(
        &mut self,
        event: &TrialEvent<'_>,
        p: &mut Parameters<'_>,
    ) -> Result<(), NetworkError> {
        match event {
            TrialEvent::Start { .. } if self.params.reset_traces => {
                self.traces.iter_mut().for_each(Traces::reset);
                self.homeostatic
                    .iter_mut()
                    .flatten()
                    .for_each(Traces::reset);
                Ok(())
            }
            TrialEvent::Reward(r) => self.reward(r, p),
            _ => Ok(()),
        }
    }

    fn online_target(&self) -> Option<Box<dyn OnlineTarget>> {
        Some(Box::new(LateralDrive {
            lateral: self.params.lateral,
            gain: self.params.lateral_gain,
        }))
    }

    /// Per projection `layer<k>`: `eligibility` (E, `n_k × n_{k−1}`), `bias_eligibility` (ε)
    /// where biases learn, `homeostatic_eligibility` (H) where homeostasis acts; `rule`:
    /// `baseline` (R̄) and `modulator` (the latest `R − R̄` of the first sample).
    fn variables(&self) -> Vec<RuleVariable> {
        let mut v = Vec::new();
        for k in 0..self.traces.len() {
            let population = format!("layer{}", k + 1);
            let (n, n_pre) = (self.sizes[k + 1], self.sizes[k]);
            let mut push = |name, len| {
                v.push(RuleVariable {
                    population: population.clone(),
                    name,
                    len,
                })
            };
            push("eligibility", n * n_pre);
            if self.traces[k].biases.is_some() {
                push("bias_eligibility", n);
            }
            if self.homeostatic[k].is_some() {
                push("homeostatic_eligibility", n * n_pre);
            }
        }
        for name in ["baseline", "modulator"] {
            v.push(RuleVariable {
                population: "rule".into(),
                name,
                len: 1,
            });
        }
        v
    }

    fn record(&self, sink: &mut dyn FnMut(&str, &'static str, &[f64])) {
        for (k, t) in self.traces.iter().enumerate() {
            let population = format!("layer{}", k + 1);
            sink(&population, "eligibility", t.weights.column(0));
            if let Some(b) = &t.biases {
                sink(&population, "bias_eligibility", b.column(0));
            }
            if let Some(h) = &self.homeostatic[k] {
                sink(&population, "homeostatic_eligibility", h.weights.column(0));
            }
        }
        sink("rule", "baseline", &[self.baseline()]);
        sink("rule", "modulator", &self.modulators[..1]);
    }
}

fn build(params: &Value, cx: &RuleContext<'_>) -> Result<Box<dyn PlasticityRule>, RuleError> {
    Ok(Box::new(WnaReward::new(parse(params)?, cx)?))
}

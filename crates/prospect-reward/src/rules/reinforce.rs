//! `reinforce`: Williams' REINFORCE with Bernoulli-logistic units (seed 001,
//! docs/equations.md §4), and the score-function term of a softmax readout.
//!
//! Rewards are maximised. Two sources of the score `∂ log P / ∂W`:
//! - **Stochastic binary units**: every layer with `NoiseKind::Bernoulli` noise and the
//!   logistic activation passes on `y ~ Bernoulli(p)`, `p = σ(ŭ)`; `∂ log P(y) / ∂ŭ = y − p`, so
//!   the eligibility of projection `k` is the time integral over the trial
//!   `E_k = ∫ (y − p) r_preᵀ dt` (units: time), per batch column, accumulated with the step's
//!   `Δt` from the step's learning evaluation (`LayerView::noise = y − p`, `LayerView::pre`).
//!   With `tau_e` finite it is the leaky integral `dE/dt = −E/τ_e + (y − p) r_preᵀ`
//!   ([`crate::trace::EligibilityTrace`], exact for any step). Normalisation: the integral, not
//!   the sum over steps, so that η keeps its unit (1 / time) and the update does not grow with
//!   the number of steps of a trial; with one step of Δt = 1 per trial it is Williams' sum.
//! - **Softmax readout**: when the reward delivery carries the policy's probabilities π (the
//!   trial driver's softmax over the output layer's signal `y_L = φ(ŭ_L)` at temperature T),
//!   the selected action `a` adds, at the readout, the output projection's score
//!   `(1{a} − π)/T · ∂ȳ/∂W_L` once (dimensionless, the one draw of the trial). The driver's
//!   softmax reads the output rates low-passed over steps, `ȳ ← a ȳ + (1 − a) r_L`,
//!   `a = e^{−Δt/τ_r}`; the rule runs the same recursion on `φ'(ŭ_L) r_preᵀ` (weights held,
//!   hidden layers' dependence on W_L ignored, not reset between trials like ȳ), with τ_r its
//!   `readout_tau`; τ_r = 0 is the latest step's `φ'(ŭ_L) r_preᵀ`. For a `[1, n]` network with
//!   input 1, a linear output, biases off and τ_r = 0 this is Sutton & Barto's gradient bandit
//!   `H_a ← H_a + α (R − R̄)(1{a=A} − π_a)` with α = η.
//!
//! Bernoulli units need the vanilla loop treatment (the exact one refuses them), whose learning
//! signals lag one step: the eligibility of a trial's first step is the previous evaluation's
//! `(y − p) r_preᵀ` and the readout's `φ'(ŭ_L)`, `r_pre` are those of the step before it; with
//! many steps per trial this shifts the window by one step.
//!
//! At the reward: `ΔW_k = η_k · rate_scale · (1/B) Σ_b (R_b − R̄_b) E_{k,b}` (biases the same with
//! `r_pre = 1`, when `learn_biases`), then the baseline moves on (before, with
//! `baseline_includes_current`). The traces restart at zero at
//! every trial start.

use prospect_neuron::{
    Activation, NetworkError, NoiseKind, Parameters, PlasticityRule, Reward, RuleVariable,
    StepView, TrialEvent,
};
use serde::Deserialize;
use serde_json::Value;

use crate::baseline::{BaselineKind, RewardBaseline};
use crate::registry::{RuleContext, RuleEntry, RuleError, parse};
use crate::trace::{Discretisation, EligibilityTrace};

/// The registry entry.
pub const ENTRY: RuleEntry = RuleEntry {
    name: "reinforce",
    summary: "REINFORCE: ΔW = η (R − R̄) ∫ (y − p) r_preᵀ dt on Bernoulli-logistic layers, plus the softmax readout's score",
    needs_reward: true,
    build,
};

/// `plasticity.reinforce`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// The baseline R̄ (default: running mean, γ_R = 0.1).
    #[serde(default = "default_baseline")]
    baseline: BaselineKind,
    /// Use `max(R̄, 0)` in the modulator.
    #[serde(default)]
    clip_baseline: bool,
    /// Decay time of the eligibility (time units, > 0; default ∞: the plain integral over the
    /// trial).
    #[serde(default = "infinite")]
    tau_e: f64,
    /// Move the baseline with this delivery's reward before forming `R − R̄` (Sutton & Barto
    /// 2018 §2.8 and their figure code: `R̄` includes the current reward); default `false`:
    /// `R̄` of the rewards before this one.
    #[serde(default)]
    baseline_includes_current: bool,
    /// The time constant τ_r (time units, ≥ 0) of the trial driver's low-pass of the output
    /// rates that the softmax reads; must equal `trial.readout_tau` (default: its default 0.1).
    #[serde(default = "default_readout_tau")]
    readout_tau: f64,
}

fn default_readout_tau() -> f64 {
    0.1
}

fn default_baseline() -> BaselineKind {
    BaselineKind::Running { rate: 0.1 }
}

fn infinite() -> f64 {
    f64::INFINITY
}

/// The eligibility of one stochastic layer.
#[derive(Debug, Clone)]
struct LayerTrace {
    /// Projection index `k` (into non-input layer `k + 1`).
    k: usize,
    weights: EligibilityTrace,
    bias: EligibilityTrace,
}

/// The REINFORCE rule (see the module documentation).
#[derive(Debug, Clone)]
pub struct Reinforce {
    eta: Vec<f64>,
    learn_biases: bool,
    batch: usize,
    sizes: Vec<usize>,
    traces: Vec<LayerTrace>,
    baseline: RewardBaseline,
    /// φ'(ŭ_L) and r_{L−1} of the latest step (for the softmax readout's score).
    /// `∂ȳ/∂W_L` and `∂ȳ/∂b_L` per batch column: the low-pass over steps of `φ'(ŭ_L) r_preᵀ`
    /// and of `φ'(ŭ_L)` with the policy's readout time constant (empty before the first step).
    readout: Vec<f64>,
    readout_bias: Vec<f64>,
    readout_tau: f64,
    modulators: Vec<f64>,
    includes_current: bool,
}

fn build(params: &Value, cx: &RuleContext<'_>) -> Result<Box<dyn PlasticityRule>, RuleError> {
    Ok(Box::new(Reinforce::new(parse(params)?, cx)?))
}

impl Reinforce {
    fn new(p: Params, cx: &RuleContext<'_>) -> Result<Self, RuleError> {
        RewardBaseline::validate(&p.baseline)
            .map_err(|(key, reason)| RuleError::new(format!("baseline.{key}"), reason))?;
        if p.tau_e.is_nan() || p.tau_e <= 0.0 {
            return Err(RuleError::new(
                "tau_e",
                format!("{} must be > 0 (inf: no decay)", p.tau_e),
            ));
        }
        if !(p.readout_tau.is_finite() && p.readout_tau >= 0.0) {
            return Err(RuleError::new(
                "readout_tau",
                format!("{} must be finite and ≥ 0", p.readout_tau),
            ));
        }
        let net = cx.network;
        let mut traces = Vec::new();
        for noise in &net.noise {
            if !matches!(noise.kind, NoiseKind::Bernoulli) {
                continue;
            }
            let k = noise.layer - 1;
            if net.activations.get(k) != Some(&Activation::Logistic) {
                return Err(RuleError::new(
                    "",
                    format!(
                        "layer{} has Bernoulli units but the activation {:?}; REINFORCE's score y − p needs the logistic one",
                        noise.layer,
                        net.activations.get(k)
                    ),
                ));
            }
            let (n, n_pre) = (net.sizes[k + 1], net.sizes[k]);
            traces.push(LayerTrace {
                k,
                weights: EligibilityTrace::new(p.tau_e, Discretisation::Exact, n, n_pre, cx.batch),
                bias: EligibilityTrace::new(p.tau_e, Discretisation::Exact, n, 1, cx.batch),
            });
        }
        traces.sort_by_key(|t| t.k);
        Ok(Reinforce {
            eta: cx.eta.clone(),
            learn_biases: cx.learn_biases,
            batch: cx.batch,
            sizes: net.sizes.clone(),
            traces,
            baseline: RewardBaseline::new(p.baseline, p.clip_baseline),
            readout: Vec::new(),
            readout_bias: Vec::new(),
            readout_tau: p.readout_tau,
            modulators: Vec::new(),
            includes_current: p.baseline_includes_current,
        })
    }

    fn eta(&self, k: usize) -> Result<f64, NetworkError> {
        self.eta
            .get(k)
            .copied()
            .ok_or(NetworkError::MissingLearningRate {
                projection: k,
                rates: self.eta.len(),
            })
    }

    fn reward(&mut self, r: &Reward<'_>, p: &mut Parameters<'_>) -> Result<(), NetworkError> {
        if self.includes_current {
            self.baseline.update(r.rewards, r.contexts);
        }
        self.baseline
            .modulators(r.rewards, r.contexts, &mut self.modulators);
        let b = self.modulators.len().min(self.batch);
        let mods = &self.modulators[..b];
        for t in &self.traces {
            let scale = self.eta(t.k)? * r.rate_scale / self.batch as f64;
            t.weights.apply(mods, scale, p.weights[t.k].as_mut_slice());
            if self.learn_biases {
                t.bias.apply(mods, scale, p.biases[t.k].as_mut_slice());
            }
        }
        if let Some(pi) = r.probabilities {
            self.softmax_score(r, pi, p)?;
        }
        if !self.includes_current {
            self.baseline.update(r.rewards, r.contexts);
        }
        Ok(())
    }

    /// The softmax readout's score on the output projection (module documentation).
    fn softmax_score(
        &self,
        r: &Reward<'_>,
        pi: &[f64],
        p: &mut Parameters<'_>,
    ) -> Result<(), NetworkError> {
        let l = self.sizes.len() - 2;
        let (n, n_pre) = (self.sizes[l + 1], self.sizes[l]);
        let batch = self.modulators.len().min(self.batch);
        if pi.len() != n * self.batch {
            return Err(NetworkError::Shape {
                what: "probabilities",
                got: pi.len(),
                expected: n * self.batch,
            });
        }
        if !(r.temperature > 0.0 && r.temperature.is_finite()) {
            return Err(NetworkError::Config {
                key: "temperature".into(),
                reason: format!("{} must be finite and > 0", r.temperature),
            });
        }
        if self.readout_bias.len() != n * self.batch {
            return Err(NetworkError::Config {
                key: "plasticity.reinforce".into(),
                reason: "a softmax reward arrived before any step of the trial".into(),
            });
        }
        let scale = self.eta(l)? * r.rate_scale / self.batch as f64 / r.temperature;
        let w = p.weights[l].as_mut_slice();
        let bias = p.biases[l].as_mut_slice();
        for b in 0..batch {
            let Some(&a) = r.actions.get(b) else { break };
            let s = scale * self.modulators[b];
            if s == 0.0 {
                continue;
            }
            let dw = &self.readout[b * n * n_pre..(b + 1) * n * n_pre];
            let db = &self.readout_bias[b * n..(b + 1) * n];
            let probs = &pi[b * n..(b + 1) * n];
            for i in 0..n {
                let score = f64::from(u8::from(i == a)) - probs[i];
                for j in 0..n_pre {
                    w[j * n + i] += s * score * dw[j * n + i];
                }
                if self.learn_biases {
                    bias[i] += s * score * db[i];
                }
            }
        }
        Ok(())
    }
}

impl PlasticityRule for Reinforce {
    fn name(&self) -> &'static str {
        "reinforce"
    }

    fn step(&mut self, view: &StepView<'_>, _p: &mut Parameters<'_>) -> Result<(), NetworkError> {
        let dt = view.dt();
        for t in &mut self.traces {
            let layer = view.layer(t.k);
            match layer.noise {
                Some(score) => {
                    t.weights.accumulate_outer(dt, score, layer.pre);
                    t.bias.accumulate(dt, score);
                }
                None => {
                    t.weights.decay(dt);
                    t.bias.decay(dt);
                }
            }
        }
        // The policy's low-pass ȳ ← a ȳ + (1 − a) r_L, differentiated: the same recursion on
        // φ'(ŭ_L) r_preᵀ (a = 0 without a low-pass: the latest step's product).
        let out = view.layer(view.layers() - 1);
        let (n, n_pre) = (out.n, out.n_pre);
        let a = if self.readout_tau > 0.0 {
            (-dt / self.readout_tau).exp()
        } else {
            0.0
        };
        if self.readout_bias.is_empty() {
            self.readout = vec![0.0; n * n_pre * self.batch];
            self.readout_bias = vec![0.0; n * self.batch];
        }
        for b in 0..self.batch {
            let slope = &out.slope[b * n..(b + 1) * n];
            let pre = &out.pre[b * n_pre..(b + 1) * n_pre];
            let dw = &mut self.readout[b * n * n_pre..(b + 1) * n * n_pre];
            for (j, x) in pre.iter().enumerate() {
                for (i, s) in slope.iter().enumerate() {
                    let d = &mut dw[j * n + i];
                    *d = a * *d + (1.0 - a) * s * x;
                }
            }
            for (d, s) in self.readout_bias[b * n..(b + 1) * n].iter_mut().zip(slope) {
                *d = a * *d + (1.0 - a) * s;
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
            TrialEvent::Start { .. } => {
                for t in &mut self.traces {
                    t.weights.reset();
                    t.bias.reset();
                }
                Ok(())
            }
            TrialEvent::Reward(r) => self.reward(r, p),
            TrialEvent::End { .. } => Ok(()),
        }
    }

    fn variables(&self) -> Vec<RuleVariable> {
        let mut v: Vec<RuleVariable> = self
            .traces
            .iter()
            .map(|t| RuleVariable {
                population: format!("layer{}", t.k + 1),
                name: "eligibility",
                len: self.sizes[t.k + 1] * self.sizes[t.k],
            })
            .collect();
        v.push(RuleVariable {
            population: "rule".into(),
            name: "baseline",
            len: 1,
        });
        v
    }

    fn record(&self, sink: &mut dyn FnMut(&str, &'static str, &[f64])) {
        for t in &self.traces {
            sink(
                &format!("layer{}", t.k + 1),
                "eligibility",
                t.weights.column(0),
            );
        }
        sink("rule", "baseline", &[self.baseline.value(None)]);
    }
}

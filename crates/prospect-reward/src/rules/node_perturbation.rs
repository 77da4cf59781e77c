//! `node-perturbation`: node perturbation in continuous time (Fiete & Seung 2006; seed 001,
//! docs/equations.md §4).
//!
//! Rewards are maximised. Every layer with additive noise (`NoiseKind::OrnsteinUhlenbeck` or
//! `NoiseKind::White` in `network.noise`) explores: its look-ahead voltage carries the injected
//! noise `n(t)` (`LayerView::noise`: `gain·ξ` for OU, `gain·σ ξ/√Δt` for white noise), and its
//! projection's eligibility is
//! `E_k = ∫ n(t) r_pre(t)ᵀ dt` over the trial (units: voltage × rate × time), per batch column,
//! from each accepted step's learning evaluation (leaky with a finite `tau_e`). At the reward
//! `ΔW_k = η_k · rate_scale · (1/B) Σ_b (R_b − R̄_b) E_{k,b} / q_k` (biases with `r_pre = 1`),
//! where `q_k` is the noise's **intensity** (voltage² × time):
//! - white noise: `q = (gain σ)²` — the injected noise integrates over a step to variance
//!   `(gain σ)² Δt`, so for a reward that reads the output at one instant
//!   `E[(R − R(0)) E] = q ∇_W R` to first order and `E[ΔW] = η ∇_W R` for any Δt;
//! - Ornstein–Uhlenbeck: `q = 2 τ_c (gain σ)²`, the integral of its autocovariance
//!   `(gain σ)² e^{−|s|/τ_c}` over all lags: the same statement holds when the trial extends
//!   several τ_c on both sides of the time the reward reads (for a trial much shorter than τ_c
//!   the noise is constant and `q = (gain σ)² T_trial` instead; set `intensity`).
//!
//! `intensity` (one number, or one per projection) overrides `q`. A layer with `q = 0` (σ = 0)
//! explores nothing and learns nothing. The traces restart at every trial start. Without the
//! noise (`Network::set_noise(false)`) the eligibility stays zero.

use prospect_neuron::{
    NetworkError, NoiseKind, Parameters, PlasticityRule, Reward, RuleVariable, StepView, TrialEvent,
};
use serde::Deserialize;
use serde_json::Value;

use super::perturbation_baseline::{PerturbationBaseline, PerturbationBaselineKind};
use crate::registry::{RuleContext, RuleEntry, RuleError, parse};
use crate::trace::{Discretisation, EligibilityTrace};

/// The registry entry.
pub const ENTRY: RuleEntry = RuleEntry {
    name: "node-perturbation",
    summary: "node perturbation: ΔW = (η/q)(R − R̄) ∫ n r_preᵀ dt with the layers' own exploration noise n",
    needs_reward: true,
    build,
};

/// `plasticity.node-perturbation`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// The baseline R̄ (default: running mean, γ_R = 0.1).
    #[serde(default)]
    baseline: PerturbationBaselineKind,
    /// Decay time of the eligibility (time units, > 0; default ∞: the integral over the trial).
    #[serde(default = "infinite")]
    tau_e: f64,
    /// Overrides the normalisation `q` (voltage² × time, > 0): one value for every noisy
    /// layer, or one per noisy layer in layer order.
    #[serde(default)]
    intensity: Option<Intensity>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Intensity {
    One(f64),
    PerLayer(Vec<f64>),
}

fn infinite() -> f64 {
    f64::INFINITY
}

/// The eligibility of one noisy layer.
#[derive(Debug, Clone)]
struct LayerTrace {
    k: usize,
    /// The normalisation `q` (voltage² × time).
    q: f64,
    weights: EligibilityTrace,
    bias: EligibilityTrace,
}

/// The node-perturbation rule (see the module documentation).
#[derive(Debug, Clone)]
pub struct NodePerturbation {
    eta: Vec<f64>,
    learn_biases: bool,
    batch: usize,
    sizes: Vec<usize>,
    traces: Vec<LayerTrace>,
    baseline: PerturbationBaseline,
    modulators: Vec<f64>,
}

fn build(params: &Value, cx: &RuleContext<'_>) -> Result<Box<dyn PlasticityRule>, RuleError> {
    Ok(Box::new(NodePerturbation::new(parse(params)?, cx)?))
}

impl NodePerturbation {
    fn new(p: Params, cx: &RuleContext<'_>) -> Result<Self, RuleError> {
        p.baseline
            .validate()
            .map_err(|(key, reason)| RuleError::new(format!("baseline.{key}"), reason))?;
        if !(p.tau_e > 0.0) || p.tau_e.is_nan() {
            return Err(RuleError::new(
                "tau_e",
                format!("{} must be > 0 (inf: no decay)", p.tau_e),
            ));
        }
        let net = cx.network;
        let mut noisy: Vec<(usize, f64)> = net
            .noise
            .iter()
            .filter_map(|c| {
                let g2 = c.gain * c.gain;
                match c.kind {
                    NoiseKind::White { sigma } => Some((c.layer - 1, g2 * sigma * sigma)),
                    NoiseKind::OrnsteinUhlenbeck { tau_c, sigma } => {
                        Some((c.layer - 1, 2.0 * tau_c * g2 * sigma * sigma))
                    }
                    NoiseKind::Bernoulli => None,
                }
            })
            .collect();
        noisy.sort_by_key(|x| x.0);
        if noisy.is_empty() {
            return Err(RuleError::new(
                "",
                "node perturbation needs additive noise (OU or white) on at least one layer (network.noise)",
            ));
        }
        match &p.intensity {
            None => {}
            Some(Intensity::One(q)) => {
                check_intensity("intensity", *q)?;
                noisy.iter_mut().for_each(|x| x.1 = *q);
            }
            Some(Intensity::PerLayer(qs)) => {
                if qs.len() != noisy.len() {
                    return Err(RuleError::new(
                        "intensity",
                        format!("{} values for {} noisy layers", qs.len(), noisy.len()),
                    ));
                }
                for (i, (x, q)) in noisy.iter_mut().zip(qs).enumerate() {
                    check_intensity(&format!("intensity[{i}]"), *q)?;
                    x.1 = *q;
                }
            }
        }
        let traces = noisy
            .into_iter()
            .map(|(k, q)| {
                let (n, n_pre) = (net.sizes[k + 1], net.sizes[k]);
                LayerTrace {
                    k,
                    q,
                    weights: EligibilityTrace::new(
                        p.tau_e,
                        Discretisation::Exact,
                        n,
                        n_pre,
                        cx.batch,
                    ),
                    bias: EligibilityTrace::new(p.tau_e, Discretisation::Exact, n, 1, cx.batch),
                }
            })
            .collect();
        Ok(NodePerturbation {
            eta: cx.eta.clone(),
            learn_biases: cx.learn_biases,
            batch: cx.batch,
            sizes: net.sizes.clone(),
            traces,
            baseline: PerturbationBaseline::new(p.baseline),
            modulators: Vec::new(),
        })
    }

    fn reward(&mut self, r: &Reward<'_>, p: &mut Parameters<'_>) -> Result<(), NetworkError> {
        if !self.baseline.deliver(r, &mut self.modulators) {
            return Ok(());
        }
        let b = self.modulators.len().min(self.batch);
        for t in &self.traces {
            if t.q == 0.0 {
                continue;
            }
            let eta = *self.eta.get(t.k).ok_or(NetworkError::MissingLearningRate {
                projection: t.k,
                rates: self.eta.len(),
            })?;
            let scale = eta * r.rate_scale / (self.batch as f64 * t.q);
            t.weights
                .apply(&self.modulators[..b], scale, p.weights[t.k].as_mut_slice());
            if self.learn_biases {
                t.bias
                    .apply(&self.modulators[..b], scale, p.biases[t.k].as_mut_slice());
            }
        }
        Ok(())
    }
}

fn check_intensity(key: &str, q: f64) -> Result<(), RuleError> {
    if q.is_finite() && q > 0.0 {
        Ok(())
    } else {
        Err(RuleError::new(key, format!("{q} must be finite and > 0")))
    }
}

impl PlasticityRule for NodePerturbation {
    fn name(&self) -> &'static str {
        "node-perturbation"
    }

    fn step(&mut self, view: &StepView<'_>, _p: &mut Parameters<'_>) -> Result<(), NetworkError> {
        let dt = view.dt();
        for t in &mut self.traces {
            let layer = view.layer(t.k);
            match layer.noise {
                Some(n) => {
                    t.weights.accumulate_outer(dt, n, layer.pre);
                    t.bias.accumulate(dt, n);
                }
                None => {
                    t.weights.decay(dt);
                    t.bias.decay(dt);
                }
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
        sink("rule", "baseline", &[self.baseline.value()]);
    }
}

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
//! where `q_k` (voltage² × time) is chosen so that, for a reward that reads the output at the
//! time of delivery and depends on this layer's noise there instantaneously (output-layer noise
//! with look-ahead), `E[(R − R(0)) E] = q ∇_W R` to first order, i.e. `E[ΔW] = η ∇_W R`:
//! `q = Σ_steps c_k Cov(n_k, n_K)`, the eligibility's weight of each step times the noise's
//! covariance with the noise of the last step K before the reward. Computed exactly per trial:
//! - white noise: `q = (gain σ)² c_K / Δt_K` — only the last step correlates; for the plain
//!   integral `c_K = Δt_K`, so `q = (gain σ)²` for any Δt;
//! - Ornstein–Uhlenbeck (held within a step, advanced exactly): `κ ← κ a_e e^{−Δt_{k−1}/τ_c} + c_k`
//!   over the trial's steps (`a_e`, `c_k` the trace's decay and weight of the step), `q = (gain σ)² κ`;
//!   for the plain integral and Δt ≪ τ_c this is `(gain σ)² τ_c (1 − e^{−T/τ_c})` for a reward
//!   at time T after the trial start: `(gain σ)² T` for a trial much shorter than τ_c,
//!   `(gain σ)² τ_c` for a much longer one (one-sided, because the eligibility ends at the reward).
//!
//! `intensity` (one number, or one per noisy layer) replaces `q` by a constant (e.g. for noise
//! on hidden layers, whose effect on the output is filtered). A layer with `q = 0` (σ = 0, or no
//! step in the trial) learns nothing. The traces restart at every trial start. Without the noise
//! (`Network::set_noise(false)`) the eligibility stays zero. With the vanilla loop treatment the
//! learning signals lag one step (the window shifts by one step).

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
    /// How `q` is formed.
    normalisation: Normalisation,
    /// The OU sum κ (time) of this trial, or for white noise the last step's `c_K / Δt_K`.
    kappa: f64,
    /// The previous step's Δt in this trial.
    last: Option<f64>,
    weights: EligibilityTrace,
    bias: EligibilityTrace,
}

/// How a layer's `q` is formed (module documentation).
#[derive(Debug, Clone, Copy)]
enum Normalisation {
    /// White noise with `(gain σ)²`.
    White { variance: f64 },
    /// OU noise with `(gain σ)²` and τ_c.
    OrnsteinUhlenbeck { variance: f64, tau_c: f64 },
    /// `intensity` given.
    Fixed(f64),
}

impl LayerTrace {
    /// `q` of the trial so far.
    fn q(&self) -> f64 {
        match self.normalisation {
            Normalisation::White { variance } => variance * self.kappa,
            Normalisation::OrnsteinUhlenbeck { variance, .. } => variance * self.kappa,
            Normalisation::Fixed(q) => q,
        }
    }

    /// Advances κ over a step Δt (after the trace's own update).
    fn advance(&mut self, dt: f64) {
        let (a, c) = self.weights.factors(dt);
        self.kappa = match self.normalisation {
            Normalisation::White { .. } => c / dt,
            Normalisation::OrnsteinUhlenbeck { tau_c, .. } => {
                let corr = self.last.map_or(0.0, |prev| (-prev / tau_c).exp());
                self.kappa * a * corr + c
            }
            Normalisation::Fixed(_) => 0.0,
        };
        self.last = Some(dt);
    }

    fn reset(&mut self) {
        self.weights.reset();
        self.bias.reset();
        self.kappa = 0.0;
        self.last = None;
    }
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
        if p.tau_e.is_nan() || p.tau_e <= 0.0 {
            return Err(RuleError::new(
                "tau_e",
                format!("{} must be > 0 (inf: no decay)", p.tau_e),
            ));
        }
        let net = cx.network;
        let mut noisy: Vec<(usize, Normalisation)> = net
            .noise
            .iter()
            .filter_map(|c| {
                let g2 = c.gain * c.gain;
                match c.kind {
                    NoiseKind::White { sigma } => Some((
                        c.layer - 1,
                        Normalisation::White {
                            variance: g2 * sigma * sigma,
                        },
                    )),
                    NoiseKind::OrnsteinUhlenbeck { tau_c, sigma } => Some((
                        c.layer - 1,
                        Normalisation::OrnsteinUhlenbeck {
                            variance: g2 * sigma * sigma,
                            tau_c,
                        },
                    )),
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
                noisy
                    .iter_mut()
                    .for_each(|x| x.1 = Normalisation::Fixed(*q));
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
                    x.1 = Normalisation::Fixed(*q);
                }
            }
        }
        let traces = noisy
            .into_iter()
            .map(|(k, normalisation)| {
                let (n, n_pre) = (net.sizes[k + 1], net.sizes[k]);
                LayerTrace {
                    k,
                    normalisation,
                    kappa: 0.0,
                    last: None,
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
            let q = t.q();
            if q == 0.0 {
                continue;
            }
            let eta = *self.eta.get(t.k).ok_or(NetworkError::MissingLearningRate {
                projection: t.k,
                rates: self.eta.len(),
            })?;
            let scale = eta * r.rate_scale / (self.batch as f64 * q);
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
            t.advance(dt);
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
                self.traces.iter_mut().for_each(LayerTrace::reset);
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

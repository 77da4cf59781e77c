//! `weight-perturbation`: weight perturbation (seed 001, docs/equations.md §4; Werfel, Xie &
//! Seung 2005).
//!
//! Rewards are maximised. At every trial start the rule draws `ψ ~ N(0, σ² I)` for every weight
//! (and every bias when `learn_biases`) from its own stream (seeded by `seed`, one stream per
//! rule, independent of the network's noise) and adds it: the whole trial runs with `W + ψ`.
//! At the reward the saved `W` is put back (copied, so it is bit-identical to the weights before
//! the trial) and
//! `ΔW = η · rate_scale · (1/σ²) · ((1/B) Σ_b (R_b − R̄_b)) · ψ`,
//! i.e. `−(η/σ²)(E(w + ψ) − E(w)) ψ` for an error `E = −R`: to first order in σ,
//! `E[ΔW] = η ∇_W R̄` with `R̄ = E(w)` (the same ψ serves every batch column, since the weights
//! are shared). η is per trial here (dimensionless × weight² / reward), not per time unit: the
//! rule integrates nothing over time.
//!
//! `R̄` is a running mean (default) or, with `baseline = { kind = "unperturbed" }`, the reward
//! of the preceding unperturbed trial on the same observation (even trials are not perturbed;
//! [`super::perturbation_baseline`]). If a trial ends without a reward, the weights are
//! restored and nothing is learnt. Clean evaluations (greedy tests) must happen between trials.

use nalgebra::{DMatrix, DVector};
use prospect_neuron::{
    NetworkError, Parameters, PlasticityRule, Reward, RuleVariable, StepView, TrialEvent,
};
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, StandardNormal};
use serde::Deserialize;
use serde_json::Value;

use super::perturbation_baseline::{PerturbationBaseline, PerturbationBaselineKind};
use crate::registry::{RuleContext, RuleEntry, RuleError, parse};

/// The registry entry.
pub const ENTRY: RuleEntry = RuleEntry {
    name: "weight-perturbation",
    summary: "weight perturbation: W + ψ for a trial, ψ ~ N(0, σ²), then ΔW = (η/σ²)(R − R̄) ψ",
    needs_reward: true,
    build,
};

/// `plasticity.weight-perturbation`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// Standard deviation σ of the perturbation (weight units, > 0).
    #[serde(default = "default_sigma")]
    sigma: f64,
    /// Seed of the rule's own random stream.
    #[serde(default)]
    seed: u64,
    /// The baseline R̄ (default: running mean, γ_R = 0.1).
    #[serde(default)]
    baseline: PerturbationBaselineKind,
}

fn default_sigma() -> f64 {
    0.01
}

/// Weights and biases of every projection, kept while the trial runs with `W + ψ`.
type Saved = (Vec<DMatrix<f64>>, Vec<DVector<f64>>);

/// The weight-perturbation rule (see the module documentation).
#[derive(Debug, Clone)]
pub struct WeightPerturbation {
    eta: Vec<f64>,
    learn_biases: bool,
    batch: usize,
    sigma: f64,
    rng: Xoshiro256PlusPlus,
    baseline: PerturbationBaseline,
    /// ψ of the current (or latest) trial, per projection; zero on unperturbed trials.
    psi_w: Vec<DMatrix<f64>>,
    psi_b: Vec<DVector<f64>>,
    /// The unperturbed parameters while a perturbation is applied.
    saved: Option<Saved>,
    modulators: Vec<f64>,
}

fn build(params: &Value, cx: &RuleContext<'_>) -> Result<Box<dyn PlasticityRule>, RuleError> {
    Ok(Box::new(WeightPerturbation::new(parse(params)?, cx)?))
}

impl WeightPerturbation {
    fn new(p: Params, cx: &RuleContext<'_>) -> Result<Self, RuleError> {
        p.baseline
            .validate()
            .map_err(|(key, reason)| RuleError::new(format!("baseline.{key}"), reason))?;
        if !(p.sigma.is_finite() && p.sigma > 0.0) {
            return Err(RuleError::new(
                "sigma",
                format!("{} must be finite and > 0", p.sigma),
            ));
        }
        let s = &cx.network.sizes;
        let l = cx.network.layers();
        Ok(WeightPerturbation {
            eta: cx.eta.clone(),
            learn_biases: cx.learn_biases,
            batch: cx.batch,
            sigma: p.sigma,
            rng: Xoshiro256PlusPlus::seed_from_u64(p.seed),
            baseline: PerturbationBaseline::new(p.baseline),
            psi_w: (0..l).map(|k| DMatrix::zeros(s[k + 1], s[k])).collect(),
            psi_b: (0..l).map(|k| DVector::zeros(s[k + 1])).collect(),
            saved: None,
            modulators: Vec::new(),
        })
    }

    /// Puts the saved, unperturbed parameters back (bit-identical).
    fn restore(&mut self, p: &mut Parameters<'_>) {
        if let Some((w, b)) = self.saved.take() {
            for (dst, src) in p.weights.iter_mut().zip(w) {
                *dst = src;
            }
            for (dst, src) in p.biases.iter_mut().zip(b) {
                *dst = src;
            }
        }
    }

    fn start(&mut self, trial: u64, p: &mut Parameters<'_>) {
        self.restore(p);
        self.psi_w.iter_mut().for_each(|m| m.fill(0.0));
        self.psi_b.iter_mut().for_each(|v| v.fill(0.0));
        if !self.baseline.perturbed(trial) {
            return;
        }
        self.saved = Some((p.weights.to_vec(), p.biases.to_vec()));
        for (k, psi) in self.psi_w.iter_mut().enumerate() {
            for (x, w) in psi.iter_mut().zip(p.weights[k].iter_mut()) {
                let z: f64 = StandardNormal.sample(&mut self.rng);
                *x = self.sigma * z;
                *w += *x;
            }
            if self.learn_biases {
                for (x, b) in self.psi_b[k].iter_mut().zip(p.biases[k].iter_mut()) {
                    let z: f64 = StandardNormal.sample(&mut self.rng);
                    *x = self.sigma * z;
                    *b += *x;
                }
            }
        }
    }

    fn reward(&mut self, r: &Reward<'_>, p: &mut Parameters<'_>) -> Result<(), NetworkError> {
        let perturbed = self.saved.is_some();
        self.restore(p);
        if !self.baseline.deliver(r, &mut self.modulators) || !perturbed {
            return Ok(());
        }
        let b = self.modulators.len().min(self.batch);
        let mean = self.modulators[..b].iter().sum::<f64>() / self.batch as f64;
        for k in 0..p.weights.len() {
            let eta = *self.eta.get(k).ok_or(NetworkError::MissingLearningRate {
                projection: k,
                rates: self.eta.len(),
            })?;
            let s = eta * r.rate_scale * mean / (self.sigma * self.sigma);
            if s == 0.0 {
                continue;
            }
            for (w, x) in p.weights[k].iter_mut().zip(self.psi_w[k].iter()) {
                *w += s * x;
            }
            if self.learn_biases {
                for (b, x) in p.biases[k].iter_mut().zip(self.psi_b[k].iter()) {
                    *b += s * x;
                }
            }
        }
        Ok(())
    }
}

impl PlasticityRule for WeightPerturbation {
    fn name(&self) -> &'static str {
        "weight-perturbation"
    }

    /// Nothing per step: the perturbation acts through the weights during the trial.
    fn step(&mut self, _view: &StepView<'_>, _p: &mut Parameters<'_>) -> Result<(), NetworkError> {
        Ok(())
    }

    fn event(
        &mut self,
        event: &TrialEvent<'_>,
        p: &mut Parameters<'_>,
    ) -> Result<(), NetworkError> {
        match event {
            TrialEvent::Start { trial, .. } => {
                self.start(*trial, p);
                Ok(())
            }
            TrialEvent::Reward(r) => self.reward(r, p),
            TrialEvent::End { .. } => {
                self.restore(p);
                Ok(())
            }
        }
    }

    fn variables(&self) -> Vec<RuleVariable> {
        let mut v: Vec<RuleVariable> = self
            .psi_w
            .iter()
            .enumerate()
            .map(|(k, m)| RuleVariable {
                population: format!("layer{}", k + 1),
                name: "perturbation",
                len: m.len(),
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
        for (k, m) in self.psi_w.iter().enumerate() {
            sink(&format!("layer{}", k + 1), "perturbation", m.as_slice());
        }
        sink("rule", "baseline", &[self.baseline.value()]);
    }
}

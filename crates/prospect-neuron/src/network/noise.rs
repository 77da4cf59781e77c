//! Exploration noise injected into chosen layers (docs/equations.md §2, §4).
//!
//! Each noisy layer holds one value per unit and batch column, drawn on the grid of accepted
//! steps and held constant within a step, so an adaptive method integrates a piecewise-smooth
//! input and a rejected step sees the same noise when it is retried. The values advance in
//! [`prospect_ode::OdeSystem::on_step_accepted`] over the step just taken; their random stream is
//! the network's own (seeded with the network), and no value is drawn while noise is off (clean
//! evaluations leave training's stream untouched), so reruns are bit-identical.

use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, StandardNormal, StandardUniform};
use serde::{Deserialize, Serialize};

/// The noise process of one layer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum NoiseKind {
    /// Ornstein–Uhlenbeck `τ_c dξ = −ξ dt + σ √(2 τ_c) dW`: stationary standard deviation `sigma`
    /// (voltage units), correlation time `tau_c` (time units). Advanced by its exact
    /// discretisation over each accepted step Δt: `ξ ← a ξ + σ √(1 − a²) N(0, 1)`, `a = e^{−Δt/τ_c}`;
    /// it starts from its stationary distribution.
    OrnsteinUhlenbeck {
        /// Correlation time τ_c (time units, > 0).
        tau_c: f64,
        /// Stationary standard deviation σ (voltage units, ≥ 0).
        sigma: f64,
    },
    /// White noise of intensity `sigma`: a fresh `σ N(0, 1) / √Δt` for every step of the
    /// nominal step Δt of a fixed-step method (its integral over a step has variance σ² Δt).
    White {
        /// Intensity σ (voltage units · √time unit, ≥ 0).
        sigma: f64,
    },
    /// Stochastic binary units (seed 001's Bernoulli-logistic units): the rate passed on is a
    /// sample `y ~ Bernoulli(p)` of the unit's rate `p = φ(ŭ)` (which must lie in [0, 1], e.g.
    /// the logistic activation), redrawn every step; the recorded noise is `y − p`.
    Bernoulli,
}

/// Noise into one non-input layer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NoiseConfig {
    /// The non-input layer, 1-based as in the trace file's `layer<k>`.
    pub layer: usize,
    /// The process.
    pub kind: NoiseKind,
    /// Factor on additive noise in the voltage: `ŭ = W r + b + e + gain · ξ` (the reference
    /// code's β·α_N on the output); unused for Bernoulli units.
    pub gain: f64,
}

impl NoiseConfig {
    /// Checks the parameters; the error names the key relative to the noise entry.
    pub fn validate(&self, layers: usize) -> Result<(), (String, String)> {
        let err = |key: &str, reason: String| Err((key.to_string(), reason));
        if self.layer == 0 || self.layer > layers {
            return err(
                "layer",
                format!("{}: the network has layers 1..={layers}", self.layer),
            );
        }
        if !self.gain.is_finite() {
            return err("gain", format!("{} must be finite", self.gain));
        }
        match self.kind {
            NoiseKind::OrnsteinUhlenbeck { tau_c, sigma } => {
                if !(tau_c.is_finite() && tau_c > 0.0) {
                    return err("tau_c", format!("{tau_c} must be finite and > 0"));
                }
                if !(sigma.is_finite() && sigma >= 0.0) {
                    return err("sigma", format!("{sigma} must be finite and ≥ 0"));
                }
            }
            NoiseKind::White { sigma } => {
                if !(sigma.is_finite() && sigma >= 0.0) {
                    return err("sigma", format!("{sigma} must be finite and ≥ 0"));
                }
            }
            NoiseKind::Bernoulli => {}
        }
        Ok(())
    }
}

/// The current values of one noisy layer's process (`n × B`): ξ for the additive kinds (before
/// the gain and, for white noise, before the 1/√Δt scale), uniforms U for Bernoulli units.
#[derive(Debug, Clone)]
pub(crate) struct NoiseProcess {
    pub config: NoiseConfig,
    pub values: Vec<f64>,
}

impl NoiseProcess {
    /// A process of `len` values, started from its stationary distribution.
    pub fn new(config: NoiseConfig, len: usize, rng: &mut Xoshiro256PlusPlus) -> Self {
        let mut p = NoiseProcess {
            config,
            values: vec![0.0; len],
        };
        p.redraw(rng);
        p
    }

    /// Fresh values: stationary N(0, σ²) for OU, N(0, 1) for white noise, U(0, 1) for Bernoulli.
    fn redraw(&mut self, rng: &mut Xoshiro256PlusPlus) {
        match self.config.kind {
            NoiseKind::OrnsteinUhlenbeck { sigma, .. } => {
                for v in &mut self.values {
                    let z: f64 = StandardNormal.sample(rng);
                    *v = sigma * z;
                }
            }
            NoiseKind::White { .. } => {
                for v in &mut self.values {
                    *v = StandardNormal.sample(rng);
                }
            }
            NoiseKind::Bernoulli => {
                for v in &mut self.values {
                    *v = StandardUniform.sample(rng);
                }
            }
        }
    }

    /// Advances over an accepted step of length `dt` (the exact OU transition; new independent
    /// values for white noise and Bernoulli units).
    pub fn advance(&mut self, dt: f64, rng: &mut Xoshiro256PlusPlus) {
        match self.config.kind {
            NoiseKind::OrnsteinUhlenbeck { tau_c, sigma } => {
                let a = (-dt / tau_c).exp();
                // √(1 − a²) without cancellation for small dt: 1 − a² = −expm1(−2 dt/τ_c).
                let s = sigma * (-(-2.0 * dt / tau_c).exp_m1()).sqrt();
                for v in &mut self.values {
                    let z: f64 = StandardNormal.sample(rng);
                    *v = a * *v + s * z;
                }
            }
            _ => self.redraw(rng),
        }
    }

    /// The additive term `gain · ξ` (white: `gain · σ ξ / √dt_nominal`) into `out`; `false`
    /// for Bernoulli units (they act on the rates).
    pub fn additive(&self, nominal_dt: f64, out: &mut [f64]) -> bool {
        let scale = match self.config.kind {
            NoiseKind::OrnsteinUhlenbeck { .. } => self.config.gain,
            NoiseKind::White { sigma } => self.config.gain * sigma / nominal_dt.sqrt(),
            NoiseKind::Bernoulli => return false,
        };
        for (o, v) in out.iter_mut().zip(&self.values) {
            *o = scale * v;
        }
        true
    }
}

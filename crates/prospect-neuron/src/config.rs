//! Network parameters in the paper's vocabulary (docs/equations.md §1).

use crate::Activation;
use crate::network::NoiseConfig;
use serde::{Deserialize, Serialize};

/// How the algebraic loop (e_l needs ŭ_{l+1}, which needs r_l = φ(ŭ_l)) is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LoopTreatment {
    /// The reference code's one-step-delayed scheme: `ŭ = u + τ u̇` with `u̇` from the previous
    /// accepted step, so signals move one layer per step. Exact only as `dt → 0`. The weights
    /// learn one step later, from the previous step's mismatch `ŭ − W r − b = e` paired with
    /// that evaluation's own rates and input (pairing them within the step collapsed 3 of 5
    /// Yin-Yang runs, docs/reproduction.md §2).
    Vanilla,
    /// The reference code's `VANILLA` variant read literally: every layer is updated from the
    /// previous step's rates and errors at once (drives `W r^prev + b`, ŭ = drive + e^prev),
    /// new errors `e = φ'(ŭ) ⊙ Wᵀ (ŭ_{l+1} − drive_{l+1})`, `e_L = β (y − ŭ_L)`, and the weights
    /// learn one step later, from the mismatch `ŭ − W r^prev − b = e^prev` of the evaluation the
    /// error entered, paired with the rates `r^prev` that formed that drive. Signals move one
    /// layer per step both ways.
    Jacobi,
    /// Solve the loop at every right-hand-side evaluation by fixed-point iteration on the
    /// dendritic errors (a few sweeps for small β): the look-ahead voltages are exactly
    /// `ŭ_l = W_l r_{l−1} + b_l + e_l` at every instant, for any integrator.
    Exact,
}

/// What the output layer is nudged toward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    /// `e_L = β (u*_L − ŭ_L)`: a voltage target (linear outputs, mean-squared error).
    Voltage,
    /// `e_L = β φ'(ŭ_L) ⊙ (r* − r_L)`: a rate target.
    Rate,
}

/// How initial weights are drawn (biases start at zero).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum WeightInit {
    /// `W_l ~ N(0, std_l²)`, one standard deviation per projection.
    Normal { std: Vec<f64> },
    /// `W_l ~ U(−a, a)` with `a = √(6 / (fan_in + fan_out))` (Glorot & Bengio 2010).
    Glorot,
}

/// What carries layer `k+1`'s error to layer `k` in the backward pass `e_k = φ'(ŭ_k) ⊙ B_k m_{k+1}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Feedback {
    /// `B_k = W_{k+1}ᵀ`: the transpose of the forward weights (the local rule then follows
    /// backprop, docs/equations.md §1).
    #[default]
    Symmetric,
    /// Separate matrices `B_k` (`n_k × n_{k+1}`), drawn at construction like the transposed
    /// forward weights (same distribution, own random stream): fixed (feedback alignment) unless
    /// a rule changes them through [`crate::Parameters::feedback`].
    Random,
}

/// Everything that defines a network's dynamics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkConfig {
    /// Layer sizes, input first: `[n_0, n_1, …, n_L]`.
    pub sizes: Vec<usize>,
    /// Activation of each non-input layer (`L` entries).
    pub activations: Vec<Activation>,
    /// Membrane time constant τ of each non-input layer (time units; `L` entries).
    pub tau: Vec<f64>,
    /// Optional per-neuron τ, overriding `tau`: one vector of length `n_l` per layer.
    pub tau_per_neuron: Option<Vec<Vec<f64>>>,
    /// Rates and errors read from the look-ahead voltage ŭ (true) or from u (the ablation).
    pub lookahead: bool,
    /// Treatment of the algebraic loop (look-ahead only).
    pub loop_treatment: LoopTreatment,
    /// Output nudging strength β (dimensionless, ≥ 0).
    pub beta: f64,
    /// Kind of output target.
    pub target: TargetKind,
    /// Initial weights.
    pub init: WeightInit,
    /// Fixed-point tolerance on the dendritic errors (exact treatment; absolute, voltage units).
    pub fixed_point_tolerance: f64,
    /// Most fixed-point sweeps per evaluation before the evaluation fails.
    pub fixed_point_max_iterations: usize,
    /// Exploration noise into chosen layers (none by default).
    #[serde(default)]
    pub noise: Vec<NoiseConfig>,
    /// The backward pass's matrices.
    #[serde(default)]
    pub feedback: Feedback,
}

impl NetworkConfig {
    /// A network of `sizes` with `tanh` hidden layers, a linear output, τ = 10 everywhere,
    /// look-ahead on, the vanilla loop treatment (the command line's and the docs' default: the
    /// reference code's scheme, one evaluation per step), β = 0.1, a voltage target and Glorot weights.
    pub fn new(sizes: &[usize]) -> Self {
        let layers = sizes.len().saturating_sub(1);
        let mut activations = vec![Activation::Tanh; layers];
        if let Some(last) = activations.last_mut() {
            *last = Activation::Linear;
        }
        NetworkConfig {
            sizes: sizes.to_vec(),
            activations,
            tau: vec![10.0; layers],
            tau_per_neuron: None,
            lookahead: true,
            loop_treatment: LoopTreatment::Vanilla,
            beta: 0.1,
            target: TargetKind::Voltage,
            init: WeightInit::Glorot,
            fixed_point_tolerance: 1e-10,
            fixed_point_max_iterations: 1000,
            noise: Vec::new(),
            feedback: Feedback::Symmetric,
        }
    }

    /// Number of non-input layers `L`.
    pub fn layers(&self) -> usize {
        self.sizes.len().saturating_sub(1)
    }

    /// Checks every parameter; the error names the key and the reason.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let err = |key: &str, reason: String| Err((key.to_string(), reason));
        if self.sizes.len() < 2 {
            return err(
                "sizes",
                format!("{:?}: need an input and at least one layer", self.sizes),
            );
        }
        if let Some(i) = self.sizes.iter().position(|&n| n == 0) {
            return err("sizes", format!("layer {i} has zero neurons"));
        }
        let l = self.layers();
        if self.activations.len() != l {
            return err(
                "activations",
                format!("{} entries for {l} layers", self.activations.len()),
            );
        }
        if self.tau.len() != l {
            return err("tau", format!("{} entries for {l} layers", self.tau.len()));
        }
        if let Some(i) = self.tau.iter().position(|t| !(t.is_finite() && *t > 0.0)) {
            return err(
                "tau",
                format!("tau[{i}] = {} must be finite and > 0", self.tau[i]),
            );
        }
        if let Some(per) = &self.tau_per_neuron {
            if per.len() != l {
                return err(
                    "tau_per_neuron",
                    format!("{} layers given, network has {l}", per.len()),
                );
            }
            for (k, v) in per.iter().enumerate() {
                if v.len() != self.sizes[k + 1] {
                    return err(
                        "tau_per_neuron",
                        format!(
                            "layer {k}: {} values for {} neurons",
                            v.len(),
                            self.sizes[k + 1]
                        ),
                    );
                }
                if v.iter().any(|t| !(t.is_finite() && *t > 0.0)) {
                    return err(
                        "tau_per_neuron",
                        format!("layer {k}: every τ must be finite and > 0"),
                    );
                }
            }
        }
        if !(self.beta.is_finite() && self.beta >= 0.0) {
            return err("beta", format!("{} must be finite and ≥ 0", self.beta));
        }
        if let WeightInit::Normal { std } = &self.init {
            if std.len() != l {
                return err(
                    "init.std",
                    format!("{} entries for {l} projections", std.len()),
                );
            }
            if std.iter().any(|s| !(s.is_finite() && *s >= 0.0)) {
                return err(
                    "init.std",
                    "every standard deviation must be finite and ≥ 0".into(),
                );
            }
        }
        if !(self.fixed_point_tolerance.is_finite() && self.fixed_point_tolerance > 0.0) {
            return err("fixed_point_tolerance", "must be finite and > 0".into());
        }
        if self.fixed_point_max_iterations == 0 {
            return err("fixed_point_max_iterations", "must be ≥ 1".into());
        }
        for (i, n) in self.noise.iter().enumerate() {
            if let Err((key, reason)) = n.validate(l) {
                return err(&format!("noise[{i}].{key}"), reason);
            }
            if self.noise[..i].iter().any(|m| m.layer == n.layer) {
                return err(
                    &format!("noise[{i}].layer"),
                    format!("layer{} has noise twice", n.layer),
                );
            }
            // A Bernoulli unit fires with probability equal to its rate: a rate outside [0, 1]
            // would fire always or never without any error.
            if matches!(n.kind, crate::NoiseKind::Bernoulli)
                && !matches!(
                    self.activations.get(n.layer - 1),
                    Some(Activation::Logistic | Activation::HardSigmoid)
                )
            {
                return err(
                    &format!("noise[{i}].kind"),
                    format!(
                        "Bernoulli units fire with probability equal to their rate, which must lie in [0, 1]; layer{} has the activation {} (use logistic or hard-sigmoid)",
                        n.layer,
                        self.activations.get(n.layer - 1).map_or("?", |a| a.name())
                    ),
                );
            }
            if self.lookahead
                && self.loop_treatment == LoopTreatment::Exact
                && matches!(n.kind, crate::NoiseKind::Bernoulli)
            {
                return err(
                    &format!("noise[{i}].kind"),
                    "Bernoulli units are not supported with the exact loop treatment (sampled rates make the error loop's fixed point discontinuous); use vanilla".into(),
                );
            }
            if self.lookahead && self.loop_treatment == LoopTreatment::Jacobi {
                return err(
                    &format!("noise[{i}]"),
                    "noise is not supported with the jacobi loop treatment (its errors and mismatches are different buffers); use vanilla or exact".into(),
                );
            }
        }
        Ok(())
    }

    /// τ of neuron `i` of non-input layer `layer` (0-based).
    pub fn tau_of(&self, layer: usize, i: usize) -> f64 {
        match &self.tau_per_neuron {
            Some(per) => per[layer][i],
            None => self.tau[layer],
        }
    }

    /// The smallest membrane time constant τ of any neuron (time units): it sets the fastest
    /// rate 1/τ_min of `τ u̇ = ŭ − u`, hence the largest stable step of explicit methods.
    pub fn min_tau(&self) -> f64 {
        let min = |v: &mut dyn Iterator<Item = &f64>| v.fold(f64::INFINITY, |m, &t| m.min(t));
        match &self.tau_per_neuron {
            Some(per) => min(&mut per.iter().flatten()),
            None => min(&mut self.tau.iter()),
        }
    }
}

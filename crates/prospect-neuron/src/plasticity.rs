//! The plasticity interface and the supervised local rule (docs/equations.md §1).
//!
//! A rule sees, once per accepted integration step and per projection, the postsynaptic
//! learning signal `ŭ_l − W_l r_{l−1} − b_l` (the dendritic mismatch) and the presynaptic rates
//! `r_{l−1}`, both `n × B` column-major over the batch, and the step length. Reward rules with
//! eligibility traces implement the same trait.

use nalgebra::{DMatrix, DVector};

use crate::NetworkError;
use crate::linalg::{MatRef, gemm};

/// What one projection's rule sees for one step.
pub struct LayerSignal<'a> {
    /// Projection index `k` (weights into non-input layer `k`, 0-based).
    pub projection: usize,
    /// `ŭ − W r − b` of the postsynaptic layer, `n_post × batch`, column-major.
    pub post: &'a [f64],
    /// Presynaptic rates `r`, `n_pre × batch`, column-major.
    pub pre: &'a [f64],
    /// Postsynaptic neurons.
    pub n_post: usize,
    /// Presynaptic neurons.
    pub n_pre: usize,
    /// Samples in the batch.
    pub batch: usize,
    /// Length of the step (time units).
    pub dt: f64,
}

/// A synaptic learning rule, applied after every accepted step (operator splitting: voltages
/// by the integrator, weights by forward Euler with the step's signals at its start).
pub trait PlasticityRule: Send {
    /// Short name for logs and trace files.
    fn name(&self) -> &'static str;
    /// Updates one projection's weights and biases; an error (e.g. no rate for the projection)
    /// stops the run.
    fn apply(
        &mut self,
        signal: &LayerSignal<'_>,
        weights: &mut DMatrix<f64>,
        bias: &mut DVector<f64>,
    ) -> Result<(), NetworkError>;
}

/// The local rule `dW_l/dt = η_l (ŭ_l − W_l r_{l−1} − b_l) r_{l−1}ᵀ`,
/// `db_l/dt = η_l (ŭ_l − W_l r_{l−1} − b_l)`, averaged over the batch.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalErrorRule {
    /// Learning rate per projection (1 / time unit).
    pub eta: Vec<f64>,
    /// Whether biases learn too (with the same rate).
    pub learn_biases: bool,
}

impl LocalErrorRule {
    /// The rule with rates `eta` for weights and biases.
    pub fn new(eta: Vec<f64>) -> Self {
        LocalErrorRule {
            eta,
            learn_biases: true,
        }
    }
}

impl PlasticityRule for LocalErrorRule {
    fn name(&self) -> &'static str {
        "local-error"
    }

    fn apply(
        &mut self,
        s: &LayerSignal<'_>,
        weights: &mut DMatrix<f64>,
        bias: &mut DVector<f64>,
    ) -> Result<(), NetworkError> {
        let eta = *self
            .eta
            .get(s.projection)
            .ok_or(NetworkError::MissingLearningRate {
                projection: s.projection,
                rates: self.eta.len(),
            })?;
        let rate = s.dt * eta / s.batch as f64;
        if rate == 0.0 {
            return Ok(());
        }
        let post = MatRef::new(s.post, s.n_post, s.batch);
        let pre = MatRef::new(s.pre, s.n_pre, s.batch);
        gemm(rate, post, pre.t(), 1.0, weights.as_mut_slice());
        if !self.learn_biases {
            return Ok(());
        }
        let bias = bias.as_mut_slice();
        for col in s.post.chunks_exact(s.n_post) {
            for (bi, p) in bias.iter_mut().zip(col) {
                *bi += rate * p;
            }
        }
        Ok(())
    }
}

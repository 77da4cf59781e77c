//! The supervised local rule (docs/equations.md §1), one implementation of
//! [`PlasticityRule`].

use nalgebra::{DMatrix, DVector};

use super::{Parameters, PlasticityRule, StepView};
use crate::NetworkError;
use crate::linalg::{MatRef, gemm};

/// The local rule `dW_l/dt = η_l (ŭ_l − W_l r_{l−1} − b_l) r_{l−1}ᵀ`,
/// `db_l/dt = η_l (ŭ_l − W_l r_{l−1} − b_l)`, averaged over the batch; forward Euler over each
/// accepted step with the mismatch and rates of the step's learning evaluation.
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

    /// One projection's update: `W += dt η/B · m preᵀ`, `b += dt η/B · Σ_b m` for a mismatch
    /// `m` (`n_post × B`) and presynaptic rates `pre` (`n_pre × B`).
    #[allow(clippy::too_many_arguments)]
    pub fn update(
        &self,
        projection: usize,
        dt: f64,
        mismatch: &[f64],
        pre: &[f64],
        batch: usize,
        weights: &mut DMatrix<f64>,
        bias: &mut DVector<f64>,
    ) -> Result<(), NetworkError> {
        let eta = *self
            .eta
            .get(projection)
            .ok_or(NetworkError::MissingLearningRate {
                projection,
                rates: self.eta.len(),
            })?;
        let rate = dt * eta / batch as f64;
        if rate == 0.0 {
            return Ok(());
        }
        let (n_post, n_pre) = weights.shape();
        let post = MatRef::new(mismatch, n_post, batch);
        let pre = MatRef::new(pre, n_pre, batch);
        gemm(rate, post, pre.t(), 1.0, weights.as_mut_slice());
        if !self.learn_biases {
            return Ok(());
        }
        let bias = bias.as_mut_slice();
        for col in mismatch.chunks_exact(n_post) {
            for (bi, p) in bias.iter_mut().zip(col) {
                *bi += rate * p;
            }
        }
        Ok(())
    }
}

impl PlasticityRule for LocalErrorRule {
    fn name(&self) -> &'static str {
        "local-error"
    }

    fn step(&mut self, view: &StepView<'_>, p: &mut Parameters<'_>) -> Result<(), NetworkError> {
        for k in 0..view.layers() {
            let layer = view.layer(k);
            self.update(
                k,
                view.dt(),
                layer.mismatch,
                layer.pre,
                view.batch(),
                &mut p.weights[k],
                &mut p.biases[k],
            )?;
        }
        Ok(())
    }
}

//! Read-only views of one evaluation's signals, handed to rules and online targets.

use crate::network::LayerBuffers;
use crate::{LoopTreatment, NetworkConfig};

/// Every layer's signals of one accepted step's learning evaluation (docs/design.md, "Rules"):
/// the evaluation at the step's start, or for the one-step-delayed schemes the previous one
/// (whose mismatch is paired with its own presynaptic rates).
pub struct StepView<'a> {
    pub(crate) config: &'a NetworkConfig,
    pub(crate) signals: &'a [LayerBuffers],
    /// The network input (`n_0 × B`) that formed the first projection's drive.
    pub(crate) input: &'a [f64],
    pub(crate) batch: usize,
    pub(crate) t: f64,
    pub(crate) dt: f64,
}

impl<'a> StepView<'a> {
    /// Start of the step (time units).
    pub fn t(&self) -> f64 {
        self.t
    }

    /// Length of the step (time units).
    pub fn dt(&self) -> f64 {
        self.dt
    }

    /// Samples in the batch (columns of every signal).
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// Number of projections (non-input layers) `L`.
    pub fn layers(&self) -> usize {
        self.signals.len()
    }

    /// The network's configuration (sizes, τ, β, …).
    pub fn config(&self) -> &'a NetworkConfig {
        self.config
    }

    /// The signals of non-input layer `k` (0-based; projection `k` into it).
    pub fn layer(&self, k: usize) -> LayerView<'a> {
        let b = &self.signals[k];
        let pre: &'a [f64] = if k == 0 {
            self.input
        } else {
            &self.signals[k - 1].rate
        };
        // The local learning signal ŭ − W r − b: the dendritic error with look-ahead (for the
        // Jacobi scheme the new error, kept in `mismatch`), the separately computed mismatch
        // u − W r − b without (where it carries the lag −τ u̇).
        let mismatch: &'a [f64] =
            if self.config.lookahead && self.config.loop_treatment != LoopTreatment::Jacobi {
                &b.error
            } else {
                &b.mismatch
            };
        LayerView {
            projection: k,
            n: self.config.sizes[k + 1],
            n_pre: self.config.sizes[k],
            batch: self.batch,
            breve: &b.breve,
            rate: &b.rate,
            slope: &b.slope,
            error: &b.error,
            mismatch,
            pre,
            noise: (!b.noise.is_empty()).then_some(&b.noise[..]),
        }
    }
}

/// One non-input layer's signals in one evaluation; every slice is `n × B` (or `n_pre × B`)
/// column-major, one column per sample.
#[derive(Debug, Clone, Copy)]
pub struct LayerView<'a> {
    /// Projection index `k` (weights into this layer, 0-based).
    pub projection: usize,
    /// Neurons of this layer.
    pub n: usize,
    /// Neurons of the presynaptic layer (inputs for `k = 0`).
    pub n_pre: usize,
    /// Samples in the batch.
    pub batch: usize,
    /// Look-ahead voltages ŭ (u itself without look-ahead).
    pub breve: &'a [f64],
    /// Rates r = φ(ŭ) as passed on (the Bernoulli sample y for stochastic binary units).
    pub rate: &'a [f64],
    /// Slopes φ'(ŭ).
    pub slope: &'a [f64],
    /// Dendritic errors e (including injected additive noise).
    pub error: &'a [f64],
    /// The local learning signal, the dendritic mismatch `ŭ − W r − b` (docs/equations.md §1).
    pub mismatch: &'a [f64],
    /// Presynaptic rates `r_{k−1}` (the input for `k = 0`) that formed this evaluation's drive.
    pub pre: &'a [f64],
    /// The noise injected into this layer in this evaluation (`g ξ` for additive noise, `y − p`
    /// for Bernoulli units), or `None` for a layer without noise.
    pub noise: Option<&'a [f64]>,
}

/// The output layer's signals, for an [`super::OnlineTarget`].
#[derive(Debug, Clone, Copy)]
pub struct OutputView<'a> {
    /// Output neurons.
    pub n: usize,
    /// Samples in the batch.
    pub batch: usize,
    /// Look-ahead voltages ŭ_L (u_L without look-ahead).
    pub breve: &'a [f64],
    /// Rates r_L.
    pub rate: &'a [f64],
    /// Slopes φ'(ŭ_L).
    pub slope: &'a [f64],
}

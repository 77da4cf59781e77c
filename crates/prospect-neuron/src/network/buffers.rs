//! Per-evaluation signal buffers and the vanilla scheme's memory.

use crate::NetworkConfig;

/// Signals of one evaluation, per non-input layer (crate-internal; rules read them through
/// [`crate::StepView`]) (`n_l × B` column-major each).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LayerBuffers {
    /// `A = W r_{l−1} + b` (basal drive).
    pub drive: Vec<f64>,
    /// `ŭ` (look-ahead voltage; `u` itself without look-ahead).
    pub breve: Vec<f64>,
    /// `r = φ(ŭ)`.
    pub rate: Vec<f64>,
    /// `φ'(ŭ)`.
    pub slope: Vec<f64>,
    /// Dendritic error `e`.
    pub error: Vec<f64>,
    /// `ŭ − A` where it differs from `e` (no look-ahead: it carries the lag `−τ u̇`).
    pub mismatch: Vec<f64>,
    /// The noise injected in this evaluation (`gain · ξ` added to e, or `y − p` of Bernoulli
    /// units); empty for a layer without noise.
    pub noise: Vec<f64>,
}

/// One evaluation's signals for every layer.
pub(crate) type Signals = Vec<LayerBuffers>;

/// Buffers of a network at rest: ŭ = 0, r = φ(0), φ'(0), no error.
pub(crate) fn at_rest(config: &NetworkConfig, batch: usize) -> Signals {
    (0..config.layers())
        .map(|k| {
            let n = config.sizes[k + 1] * batch;
            let act = config.activations[k];
            LayerBuffers {
                drive: vec![0.0; n],
                breve: vec![0.0; n],
                rate: vec![act.value(0.0); n],
                slope: vec![act.derivative(0.0); n],
                error: vec![0.0; n],
                mismatch: vec![0.0; n],
                noise: if config.noise.iter().any(|c| c.layer == k + 1) {
                    vec![0.0; n]
                } else {
                    Vec::new()
                },
            }
        })
        .collect()
}

/// The vanilla scheme's memory: the signals of the previous accepted step's start and the input
/// they were evaluated with (opaque; saved and restored around evaluations).
#[derive(Debug, Clone, PartialEq)]
pub struct SweepMemory(pub(crate) Signals, pub(crate) Vec<f64>);

/// Which buffer set holds the latest evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Latest {
    Work,
    AtStart,
    Memory,
}

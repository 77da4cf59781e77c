//! The layered network of prospective neurons as an ODE system (docs/equations.md §1).
//!
//! State layout: the membrane voltages `u` of all non-input layers in one flat vector, layer
//! after layer; each layer's block is an `n_l × B` column-major matrix with one column per
//! sample of the batch. Weights live outside the state and change in
//! [`prospect_ode::OdeSystem::on_step_accepted`] (slow weights by operator splitting: the
//! learning signals of the step-start evaluation f(t0, y0) that
//! [`prospect_ode::OdeSystem::on_step_start`] asks for, forward Euler over the step).
//!
//! - `buffers`: the signals of one evaluation (ŭ, r, φ', e, drives) and the vanilla memory;
//! - `dynamics`: the three treatments (exact fixed point, vanilla sweep, no look-ahead);
//! - `jacobian`: `∂f/∂u` in structured form (diagonal with look-ahead, a block per sample
//!   without) for the stiff methods;
//! - `system`: the [`prospect_ode::OdeSystem`] implementation and the plasticity hook.

mod buffers;
mod dynamics;
mod jacobian;
mod system;

pub use buffers::SweepMemory;
pub use dynamics::SLOPE_SWEEPS;

use buffers::{Latest, LayerBuffers, Signals, at_rest};
use nalgebra::{DMatrix, DVector};
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, Normal, Uniform};

use crate::plasticity::PlasticityRule;
use crate::{NetworkConfig, NetworkError, WeightInit};

/// Counters of the network's own work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetworkStats {
    /// Right-hand-side evaluations.
    pub evaluations: u64,
    /// Fixed-point sweeps (exact loop treatment).
    pub fixed_point_sweeps: u64,
    /// Evaluations whose fixed point did not converge (they return NaN derivatives).
    pub fixed_point_failures: u64,
    /// Accepted steps after which a plasticity update was applied.
    pub plasticity_updates: u64,
}

/// A layered rate network of prospective neurons with dendritic error compartments.
pub struct Network {
    config: NetworkConfig,
    batch: usize,
    weights: Vec<DMatrix<f64>>,
    biases: Vec<DVector<f64>>,
    /// 1/τ per neuron, per layer.
    inv_tau: Vec<Vec<f64>>,
    offsets: Vec<usize>,
    input: Vec<f64>,
    target: Vec<f64>,
    nudging: bool,
    plasticity_on: bool,
    rule: Option<Box<dyn PlasticityRule>>,
    /// Where evaluations compute.
    work: Signals,
    /// The evaluation at the start of the current step (valid while `start_recorded`).
    at_start: Signals,
    /// The previous step's start evaluation (the vanilla scheme's memory).
    memory: Signals,
    latest: Latest,
    /// `on_step_start` asked for the step-start evaluation and the next `rhs` call is it.
    awaiting_start: bool,
    /// `at_start` holds the current step's start evaluation.
    start_recorded: bool,
    /// Scratch for `Wᵀ m` and new errors in fixed-point sweeps.
    back: Vec<f64>,
    next_error: Vec<f64>,
    /// Why the network cannot go on (a fixed point that failed in the latest evaluation, a
    /// non-finite weight, a rule error); read by the trainer when the integrator stops.
    fault: Option<NetworkError>,
    stats: NetworkStats,
}

impl Network {
    /// A network for `config` processing `batch` samples at once, weights drawn with `seed`.
    pub fn new(config: NetworkConfig, batch: usize, seed: u64) -> Result<Self, NetworkError> {
        config
            .validate()
            .map_err(|(key, reason)| NetworkError::Config { key, reason })?;
        if batch == 0 {
            return Err(NetworkError::Config {
                key: "batch".into(),
                reason: "must be ≥ 1".into(),
            });
        }
        let l = config.layers();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut weights = Vec::with_capacity(l);
        for k in 0..l {
            let (n_out, n_in) = (config.sizes[k + 1], config.sizes[k]);
            let w = match &config.init {
                WeightInit::Normal { std } => {
                    let normal = Normal::new(0.0, std[k]).expect("validated std");
                    DMatrix::from_fn(n_out, n_in, |_, _| normal.sample(&mut rng))
                }
                WeightInit::Glorot => {
                    let a = (6.0 / (n_in + n_out) as f64).sqrt();
                    let uniform = Uniform::new(-a, a).expect("finite bound");
                    DMatrix::from_fn(n_out, n_in, |_, _| uniform.sample(&mut rng))
                }
            };
            weights.push(w);
        }
        let biases = (0..l)
            .map(|k| DVector::zeros(config.sizes[k + 1]))
            .collect();
        let inv_tau = (0..l)
            .map(|k| {
                (0..config.sizes[k + 1])
                    .map(|i| 1.0 / config.tau_of(k, i))
                    .collect()
            })
            .collect();
        let mut offsets = vec![0];
        for k in 0..l {
            offsets.push(offsets[k] + config.sizes[k + 1] * batch);
        }
        let widest = config.sizes.iter().max().copied().unwrap_or(0) * batch;
        let rest = at_rest(&config, batch);
        Ok(Network {
            input: vec![0.0; config.sizes[0] * batch],
            target: vec![0.0; config.sizes[l] * batch],
            batch,
            weights,
            biases,
            inv_tau,
            offsets,
            nudging: true,
            plasticity_on: true,
            rule: None,
            work: rest.clone(),
            at_start: rest.clone(),
            memory: rest,
            latest: Latest::Work,
            awaiting_start: false,
            start_recorded: false,
            back: vec![0.0; widest],
            next_error: vec![0.0; widest],
            fault: None,
            stats: NetworkStats::default(),
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &NetworkConfig {
        &self.config
    }

    /// Samples processed in parallel.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// Number of non-input layers.
    pub fn layers(&self) -> usize {
        self.weights.len()
    }

    /// Weights `W_k` into non-input layer `k` (`n_{k+1} × n_k`).
    pub fn weights(&self) -> &[DMatrix<f64>] {
        &self.weights
    }

    /// Biases of the non-input layers.
    pub fn biases(&self) -> &[DVector<f64>] {
        &self.biases
    }

    /// Replaces weights and biases (shapes must match).
    pub fn set_parameters(
        &mut self,
        weights: Vec<DMatrix<f64>>,
        biases: Vec<DVector<f64>>,
    ) -> Result<(), NetworkError> {
        if weights.len() != self.layers() || biases.len() != self.layers() {
            return Err(NetworkError::Config {
                key: "weights".into(),
                reason: format!(
                    "{} projections given, network has {}",
                    weights.len(),
                    self.layers()
                ),
            });
        }
        for (k, (w, b)) in weights.iter().zip(&biases).enumerate() {
            let want = (self.config.sizes[k + 1], self.config.sizes[k]);
            if w.shape() != want || b.len() != want.0 {
                return Err(NetworkError::Config {
                    key: format!("weights[{k}]"),
                    reason: format!("shape {:?}, expected {want:?}", w.shape()),
                });
            }
        }
        self.weights = weights;
        self.biases = biases;
        self.start_recorded = false;
        Ok(())
    }

    /// Installs the plasticity rule applied after each accepted step (while plasticity is on).
    pub fn set_rule(&mut self, rule: Box<dyn PlasticityRule>) {
        self.rule = Some(rule);
    }

    /// Sets the input batch: `n_0 × B` column-major (one column per sample); any other length
    /// is refused.
    pub fn set_input(&mut self, input: &[f64]) -> Result<(), NetworkError> {
        check_len("input", input.len(), self.input.len())?;
        self.input.copy_from_slice(input);
        self.start_recorded = false;
        Ok(())
    }

    /// Sets the target batch: `n_L × B` column-major; any other length is refused.
    pub fn set_target(&mut self, target: &[f64]) -> Result<(), NetworkError> {
        check_len("target", target.len(), self.target.len())?;
        self.target.copy_from_slice(target);
        self.start_recorded = false;
        Ok(())
    }

    /// Where state component `i` lives: (non-input layer, 1-based as in the trace file's
    /// `layer<k>`; unit; batch column), or `None` beyond the state. The integrator reports
    /// failures by component index only; this names them.
    pub fn locate(&self, i: usize) -> Option<(usize, usize, usize)> {
        let k = (0..self.layers()).find(|&k| self.layer_range(k).contains(&i))?;
        let n = self.config.sizes[k + 1];
        let j = i - self.offsets[k];
        Some((k + 1, j % n, j / n))
    }

    /// Why the network cannot go on, if it cannot: the latest evaluation's fixed point did not
    /// converge, a weight became non-finite, or the rule failed. `None` while all is well.
    pub fn fault(&self) -> Option<&NetworkError> {
        self.fault.as_ref()
    }

    /// Switches output nudging (β) on or off.
    pub fn set_nudging(&mut self, on: bool) {
        self.nudging = on;
        self.start_recorded = false;
    }

    /// Switches plasticity on or off.
    pub fn set_plasticity(&mut self, on: bool) {
        self.plasticity_on = on;
    }

    /// Forgets the current step's start evaluation (after a state reset at time `t`); the
    /// integrator's step-start hook marks the next one, so `t` is informational only.
    pub fn restart_at(&mut self, _t: f64) {
        self.awaiting_start = false;
        self.start_recorded = false;
    }

    /// The vanilla scheme's memory of the previous step (for snapshots).
    pub fn memory(&self) -> SweepMemory {
        SweepMemory(self.memory.clone())
    }

    /// Restores a memory saved by [`Network::memory`].
    pub fn set_memory(&mut self, memory: SweepMemory) {
        self.memory = memory.0;
        self.start_recorded = false;
    }

    /// Forgets the previous step: the vanilla memory returns to rest (ŭ = 0).
    pub fn reset_memory(&mut self) {
        self.memory = at_rest(&self.config, self.batch);
        self.start_recorded = false;
    }

    /// Work counters.
    pub fn stats(&self) -> NetworkStats {
        self.stats
    }

    /// Offset range of layer `k`'s block in the state vector.
    pub fn layer_range(&self, k: usize) -> std::ops::Range<usize> {
        self.offsets[k]..self.offsets[k + 1]
    }

    fn latest(&self) -> &Signals {
        match self.latest {
            Latest::Work => &self.work,
            Latest::AtStart => &self.at_start,
            Latest::Memory => &self.memory,
        }
    }

    /// Look-ahead voltages ŭ of layer `k` from the last evaluation (u without look-ahead).
    pub fn breve(&self, k: usize) -> &[f64] {
        &self.latest()[k].breve
    }

    /// Rates of layer `k` from the last evaluation.
    pub fn rate(&self, k: usize) -> &[f64] {
        &self.latest()[k].rate
    }

    /// Dendritic errors of layer `k` from the last evaluation.
    pub fn error(&self, k: usize) -> &[f64] {
        &self.latest()[k].error
    }

    /// The current target batch.
    pub fn target(&self) -> &[f64] {
        &self.target
    }

    /// The output the network reports: ŭ_L with look-ahead, u_L without (from the last
    /// evaluation), `n_L × B`.
    pub fn output(&self) -> &[f64] {
        &self.latest()[self.layers() - 1].breve
    }
}

fn check_len(what: &'static str, got: usize, expected: usize) -> Result<(), NetworkError> {
    if got == expected {
        Ok(())
    } else {
        Err(NetworkError::Shape {
            what,
            got,
            expected,
        })
    }
}

/// The local learning signal of a layer's buffers: the dendritic error with look-ahead (the
/// new error for the Jacobi scheme, kept in `mismatch`), the separately computed mismatch
/// `u − W r − b` without look-ahead (where it carries the lag `−τ u̇`).
fn learning_signal<'a>(config: &NetworkConfig, layer: &'a LayerBuffers) -> &'a [f64] {
    if config.lookahead && config.loop_treatment != crate::LoopTreatment::Jacobi {
        &layer.error
    } else {
        &layer.mismatch
    }
}

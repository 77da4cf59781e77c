//! The layered network of prospective neurons as an ODE system (docs/equations.md §1).
//!
//! State layout: the membrane voltages `u` of all non-input layers in one flat vector, layer
//! after layer; each layer's block is an `n_l × B` column-major matrix with one column per
//! sample of the batch. Weights live outside the state and change in
//! [`OdeSystem::on_step_accepted`] (slow weights by operator splitting, see `plasticity`).

use nalgebra::{DMatrix, DVector};
use prospect_ode::OdeSystem;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, Normal, Uniform};

use crate::linalg::{MatRef, gemm};
use crate::plasticity::{LayerSignal, PlasticityRule};
use crate::{LoopTreatment, NetworkConfig, NetworkError, TargetKind, WeightInit};

/// Fixed-point sweeps in which the slopes `φ'(ŭ)` follow ŭ before they are frozen
/// (see `Network::solve_exact`).
pub const SLOPE_SWEEPS: usize = 4;

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

/// Signals of one evaluation, per non-input layer (`n_l × B` column-major each).
#[derive(Debug, Clone)]
struct LayerBuffers {
    /// `A = W r_{l−1} + b` (basal drive).
    drive: Vec<f64>,
    /// `ŭ` (look-ahead voltage; `u` itself without look-ahead).
    breve: Vec<f64>,
    /// `r = φ(ŭ)`.
    rate: Vec<f64>,
    /// `φ'(ŭ)`.
    slope: Vec<f64>,
    /// Dendritic error `e`.
    error: Vec<f64>,
    /// `ŭ − A`: the local learning signal.
    mismatch: Vec<f64>,
}

impl LayerBuffers {
    fn new(len: usize) -> Self {
        let z = vec![0.0; len];
        LayerBuffers {
            drive: z.clone(),
            breve: z.clone(),
            rate: z.clone(),
            slope: z.clone(),
            error: z.clone(),
            mismatch: z,
        }
    }
}

/// The vanilla scheme's memory: ŭ, r, φ'(ŭ) and e of every layer from the previous accepted
/// step.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepMemory {
    breve: Vec<Vec<f64>>,
    rate: Vec<Vec<f64>>,
    slope: Vec<Vec<f64>>,
    error: Vec<Vec<f64>>,
}

impl SweepMemory {
    /// The memory of a network at rest: ŭ = 0 everywhere.
    fn at_rest(config: &NetworkConfig, batch: usize) -> Self {
        let l = config.layers();
        let fill = |k: usize, v: f64| vec![v; config.sizes[k + 1] * batch];
        SweepMemory {
            breve: (0..l).map(|k| fill(k, 0.0)).collect(),
            rate: (0..l)
                .map(|k| fill(k, config.activations[k].value(0.0)))
                .collect(),
            slope: (0..l)
                .map(|k| fill(k, config.activations[k].derivative(0.0)))
                .collect(),
            error: (0..l).map(|k| fill(k, 0.0)).collect(),
        }
    }
}

/// Learning signals recorded at the start of the current step, applied when it is accepted.
#[derive(Debug, Clone)]
struct StepStart {
    t: f64,
    recorded: bool,
    mismatch: Vec<Vec<f64>>,
    pre: Vec<Vec<f64>>,
    memory: SweepMemory,
}

/// A layered rate network of prospective neurons with dendritic error compartments.
pub struct Network {
    config: NetworkConfig,
    batch: usize,
    weights: Vec<DMatrix<f64>>,
    biases: Vec<DVector<f64>>,
    /// τ per neuron, per layer.
    tau: Vec<Vec<f64>>,
    offsets: Vec<usize>,
    input: Vec<f64>,
    target: Vec<f64>,
    nudging: bool,
    plasticity_on: bool,
    rule: Option<Box<dyn PlasticityRule>>,
    layers: Vec<LayerBuffers>,
    /// Scratch for `Wᵀ m` and new errors in fixed-point sweeps.
    back: Vec<f64>,
    next_error: Vec<f64>,
    /// ŭ, r, φ' of the previous accepted step (vanilla treatment).
    memory: SweepMemory,
    start: StepStart,
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
        let tau = (0..l)
            .map(|k| {
                (0..config.sizes[k + 1])
                    .map(|i| config.tau_of(k, i))
                    .collect()
            })
            .collect();
        let mut offsets = vec![0];
        for k in 0..l {
            offsets.push(offsets[k] + config.sizes[k + 1] * batch);
        }
        let widest = config.sizes.iter().max().copied().unwrap_or(0) * batch;
        let layers = (0..l)
            .map(|k| LayerBuffers::new(config.sizes[k + 1] * batch))
            .collect();
        let start = StepStart {
            t: 0.0,
            recorded: false,
            mismatch: (0..l)
                .map(|k| vec![0.0; config.sizes[k + 1] * batch])
                .collect(),
            pre: (0..l).map(|k| vec![0.0; config.sizes[k] * batch]).collect(),
            memory: SweepMemory::at_rest(&config, batch),
        };
        Ok(Network {
            input: vec![0.0; config.sizes[0] * batch],
            target: vec![0.0; config.sizes[l] * batch],
            config,
            batch,
            weights,
            biases,
            tau,
            offsets,
            nudging: true,
            plasticity_on: true,
            rule: None,
            layers,
            back: vec![0.0; widest],
            next_error: vec![0.0; widest],
            memory: start.memory.clone(),
            start,
            stats: NetworkStats::default(),
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
        for (k, (w, b)) in weights.iter().zip(&biases).enumerate() {
            let want = (self.config.sizes[k + 1], self.config.sizes[k]);
            if w.shape() != want || b.len() != want.0 || weights.len() != self.layers() {
                return Err(NetworkError::Config {
                    key: format!("weights[{k}]"),
                    reason: format!("shape {:?}, expected {want:?}", w.shape()),
                });
            }
        }
        self.weights = weights;
        self.biases = biases;
        self.start.recorded = false;
        Ok(())
    }

    /// Installs the plasticity rule applied after each accepted step (while plasticity is on).
    pub fn set_rule(&mut self, rule: Box<dyn PlasticityRule>) {
        self.rule = Some(rule);
    }

    /// Sets the input batch: `n_0 × B` column-major (one column per sample).
    pub fn set_input(&mut self, input: &[f64]) {
        self.input.copy_from_slice(input);
        self.start.recorded = false;
    }

    /// Sets the target batch: `n_L × B` column-major.
    pub fn set_target(&mut self, target: &[f64]) {
        self.target.copy_from_slice(target);
        self.start.recorded = false;
    }

    /// Switches output nudging (β) on or off.
    pub fn set_nudging(&mut self, on: bool) {
        self.nudging = on;
        self.start.recorded = false;
    }

    /// Switches plasticity on or off.
    pub fn set_plasticity(&mut self, on: bool) {
        self.plasticity_on = on;
    }

    /// Sets the time at which the next step starts (after a state reset).
    pub fn restart_at(&mut self, t: f64) {
        self.start.t = t;
        self.start.recorded = false;
    }

    /// The vanilla scheme's memory of the previous step (for snapshots).
    pub fn memory(&self) -> &SweepMemory {
        &self.memory
    }

    /// Restores a memory saved by [`Network::memory`].
    pub fn set_memory(&mut self, memory: SweepMemory) {
        self.memory = memory;
        self.start.recorded = false;
    }

    /// Forgets the previous step: the vanilla memory returns to rest (ŭ = 0).
    pub fn reset_memory(&mut self) {
        self.memory = SweepMemory::at_rest(&self.config, self.batch);
        self.start.recorded = false;
    }

    /// Work counters.
    pub fn stats(&self) -> NetworkStats {
        self.stats
    }

    /// Offset range of layer `k`'s block in the state vector.
    pub fn layer_range(&self, k: usize) -> std::ops::Range<usize> {
        self.offsets[k]..self.offsets[k + 1]
    }

    /// Look-ahead voltages ŭ of layer `k` from the last evaluation (u without look-ahead).
    pub fn breve(&self, k: usize) -> &[f64] {
        &self.layers[k].breve
    }

    /// Rates of layer `k` from the last evaluation.
    pub fn rate(&self, k: usize) -> &[f64] {
        &self.layers[k].rate
    }

    /// Dendritic errors of layer `k` from the last evaluation.
    pub fn error(&self, k: usize) -> &[f64] {
        &self.layers[k].error
    }

    /// The current target batch.
    pub fn target(&self) -> &[f64] {
        &self.target
    }

    /// The output the network reports: ŭ_L with look-ahead, u_L without (from the last
    /// evaluation), `n_L × B`.
    pub fn output(&self) -> &[f64] {
        &self.layers[self.layers() - 1].breve
    }

    fn pre(&self, k: usize) -> &[f64] {
        if k == 0 {
            &self.input
        } else {
            &self.layers[k - 1].rate
        }
    }

    /// `A_k = W_k r_{k−1} + b_k`.
    fn compute_drive(&mut self, k: usize) {
        let (n_out, n_in, b) = (self.config.sizes[k + 1], self.config.sizes[k], self.batch);
        let mut drive = std::mem::take(&mut self.layers[k].drive);
        for col in drive.chunks_exact_mut(n_out) {
            col.copy_from_slice(self.biases[k].as_slice());
        }
        let w = MatRef::new(self.weights[k].as_slice(), n_out, n_in);
        gemm(1.0, w, MatRef::new(self.pre(k), n_in, b), 1.0, &mut drive);
        self.layers[k].drive = drive;
    }

    /// Rates (and, if `slopes`, slopes) of layer `k` from its `breve`.
    fn compute_rates(&mut self, k: usize, slopes: bool) {
        let act = self.config.activations[k];
        let layer = &mut self.layers[k];
        if slopes {
            for ((r, s), v) in layer
                .rate
                .iter_mut()
                .zip(layer.slope.iter_mut())
                .zip(&layer.breve)
            {
                *r = act.value(*v);
                *s = act.derivative(*v);
            }
        } else {
            for (r, v) in layer.rate.iter_mut().zip(&layer.breve) {
                *r = act.value(*v);
            }
        }
    }

    /// Output error `e_L` from the current `breve`, rates and slopes of the top layer.
    fn output_error(&mut self) {
        let top = self.layers() - 1;
        let beta = if self.nudging { self.config.beta } else { 0.0 };
        let layer = &mut self.layers[top];
        match self.config.target {
            TargetKind::Voltage => {
                for ((e, v), y) in layer.error.iter_mut().zip(&layer.breve).zip(&self.target) {
                    *e = beta * (y - v);
                }
            }
            TargetKind::Rate => {
                for i in 0..layer.error.len() {
                    layer.error[i] = beta * layer.slope[i] * (self.target[i] - layer.rate[i]);
                }
            }
        }
    }

    /// `out = φ'(ŭ_k) ⊙ W_{k+1}ᵀ m` for a mismatch `m` of layer `k + 1`.
    fn backpropagate(&mut self, k: usize, mismatch: &[f64], out: &mut [f64]) {
        let (n_k, n_up, b) = (
            self.config.sizes[k + 1],
            self.config.sizes[k + 2],
            self.batch,
        );
        let back = &mut self.back[..n_k * b];
        let w = MatRef::new(self.weights[k + 1].as_slice(), n_up, n_k);
        gemm(1.0, w.t(), MatRef::new(mismatch, n_up, b), 0.0, back);
        for ((o, s), v) in out.iter_mut().zip(&self.layers[k].slope).zip(back.iter()) {
            *o = s * v;
        }
    }

    /// The no-look-ahead ablation: rates and errors read from u itself,
    /// `e_l = φ'(u_l) ⊙ W_{l+1}ᵀ (u_{l+1} − W_{l+1} r_l − b_{l+1})`, `e_L = β (y − u_L)`.
    fn no_lookahead_pass(&mut self, y: &[f64]) {
        let l = self.layers();
        for k in 0..l {
            let u = &y[self.offsets[k]..self.offsets[k + 1]];
            self.layers[k].breve.copy_from_slice(u);
            self.compute_rates(k, true);
        }
        for k in 0..l {
            self.compute_drive(k);
        }
        self.output_error();
        for k in 0..l {
            let layer = &mut self.layers[k];
            for ((m, v), a) in layer
                .mismatch
                .iter_mut()
                .zip(&layer.breve)
                .zip(&layer.drive)
            {
                *m = v - a;
            }
        }
        for k in (0..l.saturating_sub(1)).rev() {
            let mismatch = std::mem::take(&mut self.layers[k + 1].mismatch);
            let mut error = std::mem::take(&mut self.layers[k].error);
            self.backpropagate(k, &mismatch, &mut error);
            self.layers[k + 1].mismatch = mismatch;
            self.layers[k].error = error;
        }
    }

    /// The vanilla (one-step-delayed) treatment of the reference code: the forward pass is
    /// instantaneous (look-ahead), `ŭ_l = W_l r_{l−1} + b_l + e_l` layer after layer with the
    /// current rates, while the errors come from the previous step,
    /// `e_l = φ'(ŭ_l^prev) ⊙ W_{l+1}ᵀ e_{l+1}^prev`, `e_L = β (y − ŭ_L^prev)`: errors move one
    /// layer per step. At fixed inputs the steps converge to the exact treatment's fixed point.
    fn vanilla_sweep(&mut self) {
        let l = self.layers();
        let top = l - 1;
        let beta = if self.nudging { self.config.beta } else { 0.0 };
        {
            let prev = &self.memory;
            let layer = &mut self.layers[top];
            match self.config.target {
                TargetKind::Voltage => {
                    for i in 0..layer.error.len() {
                        layer.error[i] = beta * (self.target[i] - prev.breve[top][i]);
                    }
                }
                TargetKind::Rate => {
                    for i in 0..layer.error.len() {
                        layer.error[i] =
                            beta * prev.slope[top][i] * (self.target[i] - prev.rate[top][i]);
                    }
                }
            }
        }
        for k in (0..top).rev() {
            let (n_k, n_up, b) = (
                self.config.sizes[k + 1],
                self.config.sizes[k + 2],
                self.batch,
            );
            let back = &mut self.back[..n_k * b];
            let w = MatRef::new(self.weights[k + 1].as_slice(), n_up, n_k);
            gemm(
                1.0,
                w.t(),
                MatRef::new(&self.memory.error[k + 1], n_up, b),
                0.0,
                back,
            );
            let slope = &self.memory.slope[k];
            for ((e, s), v) in self.layers[k].error.iter_mut().zip(slope).zip(back.iter()) {
                *e = s * v;
            }
        }
        for k in 0..l {
            self.compute_drive(k);
            let layer = &mut self.layers[k];
            for ((v, a), e) in layer.breve.iter_mut().zip(&layer.drive).zip(&layer.error) {
                *v = a + e;
            }
            layer.mismatch.copy_from_slice(&layer.error);
            self.compute_rates(k, true);
        }
    }

    /// The exact treatment: fixed-point sweeps on the dendritic errors until
    /// `ŭ_l = W_l φ(ŭ_{l−1}) + b_l + e_l` holds with `e` consistent with ŭ. Returns `false`
    /// when the sweeps do not converge.
    ///
    /// For activations with kinks (ReLU, hard-sigmoid) `φ'` jumps, and a neuron sitting at a kink
    /// can make the sweeps cycle between its two slopes. The slopes are therefore updated in the
    /// first [`SLOPE_SWEEPS`] sweeps only and then frozen: the remaining map is a contraction
    /// (for β‖W‖ small), and the frozen slope is one element of the subdifferential at the kink.
    /// For smooth activations the slopes have converged by then and nothing changes.
    fn solve_exact(&mut self) -> bool {
        let l = self.layers();
        let nudged = self.nudging && self.config.beta > 0.0;
        if !nudged {
            for layer in &mut self.layers {
                layer.error.fill(0.0);
            }
        }
        let beta = self.config.beta;
        let tol = self.config.fixed_point_tolerance;
        let mut converged = !nudged;
        let sweeps = if nudged {
            self.config.fixed_point_max_iterations
        } else {
            1
        };
        for sweep in 0..sweeps {
            self.stats.fixed_point_sweeps += 1;
            // Forward: drives, ŭ = A + e, rates.
            for k in 0..l {
                self.compute_drive(k);
                let layer = &mut self.layers[k];
                if k == l - 1 && nudged && self.config.target == TargetKind::Voltage {
                    // e_L = β (y − ŭ_L) with ŭ_L = A_L + e_L, solved in closed form.
                    for ((e, a), y) in layer.error.iter_mut().zip(&layer.drive).zip(&self.target) {
                        *e = beta * (y - a) / (1.0 + beta);
                    }
                }
                for ((v, a), e) in layer.breve.iter_mut().zip(&layer.drive).zip(&layer.error) {
                    *v = a + e;
                }
                self.compute_rates(k, sweep < SLOPE_SWEEPS);
            }
            if !nudged {
                break;
            }
            // Backward: new errors from the layer above; measure the change.
            let mut change = 0.0f64;
            if self.config.target == TargetKind::Rate {
                let top = &mut self.layers[l - 1];
                for i in 0..top.error.len() {
                    let e = beta * top.slope[i] * (self.target[i] - top.rate[i]);
                    change = change.max((e - top.error[i]).abs());
                    top.error[i] = e;
                }
            }
            for k in (0..l - 1).rev() {
                let upper = std::mem::take(&mut self.layers[k + 1].error);
                let mut next = std::mem::take(&mut self.next_error);
                let len = self.layers[k].error.len();
                self.backpropagate(k, &upper, &mut next[..len]);
                self.layers[k + 1].error = upper;
                for (e, n) in self.layers[k].error.iter_mut().zip(&next[..len]) {
                    change = change.max((n - *e).abs());
                    *e = *n;
                }
                self.next_error = next;
            }
            if change <= tol {
                converged = true;
                break;
            }
        }
        for layer in &mut self.layers {
            for ((v, a), e) in layer.breve.iter_mut().zip(&layer.drive).zip(&layer.error) {
                *v = a + e;
            }
            layer.mismatch.copy_from_slice(&layer.error);
        }
        converged
    }

    fn record_step_start(&mut self) {
        let vanilla = self.is_vanilla();
        for k in 0..self.layers() {
            self.start.mismatch[k].copy_from_slice(&self.layers[k].mismatch);
            let pre = if k == 0 {
                &self.input
            } else {
                &self.layers[k - 1].rate
            };
            self.start.pre[k].copy_from_slice(pre);
            if vanilla {
                let layer = &self.layers[k];
                let memory = &mut self.start.memory;
                memory.breve[k].copy_from_slice(&layer.breve);
                memory.rate[k].copy_from_slice(&layer.rate);
                memory.slope[k].copy_from_slice(&layer.slope);
                memory.error[k].copy_from_slice(&layer.error);
            }
        }
        self.start.recorded = true;
    }

    fn is_vanilla(&self) -> bool {
        self.config.lookahead && self.config.loop_treatment == LoopTreatment::Vanilla
    }
}

impl OdeSystem for Network {
    fn dim(&self) -> usize {
        self.offsets[self.layers()]
    }

    /// `τ u̇ = ŭ − u` (exact) or `τ u̇ = W r + b − u + e` (vanilla, no look-ahead).
    fn rhs(&mut self, t: f64, y: &[f64], dy: &mut [f64]) {
        self.stats.evaluations += 1;
        let ok = match (self.config.lookahead, self.config.loop_treatment) {
            (true, LoopTreatment::Exact) => self.solve_exact(),
            (true, LoopTreatment::Vanilla) => {
                self.vanilla_sweep();
                true
            }
            (false, _) => {
                self.no_lookahead_pass(y);
                true
            }
        };
        for k in 0..self.layers() {
            let n = self.config.sizes[k + 1];
            let range = self.offsets[k]..self.offsets[k + 1];
            let layer = &self.layers[k];
            let tau = &self.tau[k];
            for (j, ((d, u), (a, e))) in dy[range.clone()]
                .iter_mut()
                .zip(&y[range])
                .zip(layer.drive.iter().zip(&layer.error))
                .enumerate()
            {
                // τ u̇ = W r + b − u + e = ŭ − u in every treatment.
                *d = (a + e - u) / tau[j % n];
            }
        }
        if !ok {
            self.stats.fixed_point_failures += 1;
            dy.fill(f64::NAN);
        }
        if t == self.start.t && !self.start.recorded {
            self.record_step_start();
        }
    }

    fn linear_diagonal(&self, lambda: &mut [f64]) -> bool {
        for k in 0..self.layers() {
            let n = self.config.sizes[k + 1];
            for (j, l) in lambda[self.offsets[k]..self.offsets[k + 1]]
                .iter_mut()
                .enumerate()
            {
                *l = -1.0 / self.tau[k][j % n];
            }
        }
        true
    }

    fn is_autonomous(&self) -> bool {
        true
    }

    fn on_step_accepted(&mut self, t0: f64, t1: f64, _y1: &[f64]) -> bool {
        let mut changed = false;
        if self.start.recorded && self.start.t == t0 {
            if self.plasticity_on
                && let Some(rule) = self.rule.as_mut()
            {
                for k in 0..self.weights.len() {
                    let signal = LayerSignal {
                        projection: k,
                        post: &self.start.mismatch[k],
                        pre: &self.start.pre[k],
                        n_post: self.config.sizes[k + 1],
                        n_pre: self.config.sizes[k],
                        batch: self.batch,
                        dt: t1 - t0,
                    };
                    rule.apply(&signal, &mut self.weights[k], &mut self.biases[k]);
                }
                self.stats.plasticity_updates += 1;
                changed = true;
            }
            if self.is_vanilla() {
                std::mem::swap(&mut self.memory, &mut self.start.memory);
                changed = true;
            }
        }
        self.start.t = t1;
        self.start.recorded = false;
        changed
    }
}

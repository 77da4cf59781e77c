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
//! - `noise`: exploration noise into chosen layers (OU, white, Bernoulli units);
//! - `jacobian`: `∂f/∂u` in structured form (diagonal with look-ahead, a block per sample
//!   without) for the stiff methods;
//! - `system`: the [`prospect_ode::OdeSystem`] implementation and the plasticity hook.

mod buffers;
mod dynamics;
mod jacobian;
mod noise;
mod system;

pub use buffers::SweepMemory;
pub use dynamics::SLOPE_SWEEPS;
pub use noise::{NoiseConfig, NoiseKind};

pub(crate) use buffers::LayerBuffers;
use buffers::{Latest, Signals, at_rest};
use nalgebra::{DMatrix, DVector};
use noise::NoiseProcess;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, Normal, Uniform};

use crate::plasticity::{OnlineTarget, Parameters, PlasticityRule, TrialEvent};
use crate::{Feedback, NetworkConfig, NetworkError, WeightInit};

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
    /// The rule's output nudging from the network's own output, replacing the external target.
    online: Option<Box<dyn OnlineTarget>>,
    /// Feedback matrices `B_k` (`n_k × n_{k+1}`) with [`Feedback::Random`]; `None`: `W_{k+1}ᵀ`.
    feedback: Option<Vec<DMatrix<f64>>>,
    /// Noise process per non-input layer (`None`: no noise there).
    noise: Vec<Option<NoiseProcess>>,
    noise_rng: Xoshiro256PlusPlus,
    /// Whether noise is injected (off for clean evaluations).
    noise_on: bool,
    /// The nominal step Δt that scales white noise (σ/√Δt); set by the driver of a fixed-step
    /// method.
    noise_dt: Option<f64>,
    /// Where evaluations compute.
    work: Signals,
    /// The evaluation at the start of the current step (valid while `start_recorded`).
    at_start: Signals,
    /// The previous step's start evaluation (the vanilla scheme's memory).
    memory: Signals,
    /// The input (`n_0 × B`) with which `at_start` was evaluated: the presynaptic rates of the
    /// first projection's drive in that evaluation.
    at_start_input: Vec<f64>,
    /// The input with which `memory` was evaluated (differs from `input` after a pattern change).
    memory_input: Vec<f64>,
    latest: Latest,
    /// A driver reads every step's start signals ([`Network::step_rate`]): ask for them.
    step_readout: bool,
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
            weights.push(initial_matrix(
                &config.init,
                k,
                n_out,
                n_in,
                n_out,
                &mut rng,
            ));
        }
        // Feedback matrices come from their own stream, so the forward weights of a seed are
        // the same with either feedback.
        let feedback = match config.feedback {
            Feedback::Symmetric => None,
            Feedback::Random => {
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0xB5AD_4ECE_DA1C_E2A9);
                Some(
                    (0..l.saturating_sub(1))
                        .map(|k| {
                            let (n_up, n_k) = (config.sizes[k + 2], config.sizes[k + 1]);
                            initial_matrix(&config.init, k + 1, n_k, n_up, n_up, &mut rng)
                        })
                        .collect(),
                )
            }
        };
        let mut noise_rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x2545_F491_4F6C_DD1D);
        let noise = (0..l)
            .map(|k| {
                config
                    .noise
                    .iter()
                    .find(|c| c.layer == k + 1)
                    .map(|c| NoiseProcess::new(*c, config.sizes[k + 1] * batch, &mut noise_rng))
            })
            .collect();
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
            online: None,
            feedback,
            noise,
            noise_rng,
            noise_on: true,
            noise_dt: None,
            work: rest.clone(),
            at_start: rest.clone(),
            memory: rest,
            at_start_input: vec![0.0; config.sizes[0] * batch],
            memory_input: vec![0.0; config.sizes[0] * batch],
            latest: Latest::Work,
            step_readout: false,
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

    /// Installs the plasticity rule applied after each accepted step (while plasticity is on)
    /// and at trial events; its online target, if it has one, replaces the external target.
    pub fn set_rule(&mut self, rule: Box<dyn PlasticityRule>) {
        self.online = rule.online_target();
        self.rule = Some(rule);
        self.start_recorded = false;
    }

    /// The installed rule (to read or record its state).
    pub fn rule(&self) -> Option<&dyn PlasticityRule> {
        self.rule.as_deref()
    }

    /// Whether the output is nudged by the rule's online target rather than the external one.
    pub fn has_online_target(&self) -> bool {
        self.online.is_some()
    }

    /// Delivers a trial event (start, reward, end) to the rule, which may change the
    /// parameters and its online target (read again afterwards); a non-finite weight afterwards, or the rule's error, is returned (and kept
    /// as the network's fault). Without a rule, or with plasticity off, nothing happens.
    pub fn deliver(&mut self, event: &TrialEvent<'_>) -> Result<(), NetworkError> {
        if !self.plasticity_on {
            return Ok(());
        }
        let Some(mut rule) = self.rule.take() else {
            return Ok(());
        };
        let t = match event {
            TrialEvent::Start { t, .. } | TrialEvent::End { t, .. } => *t,
            TrialEvent::Reward(r) => r.t,
        };
        let mut parameters = Parameters {
            weights: &mut self.weights,
            biases: &mut self.biases,
            feedback: self.feedback.as_deref_mut(),
        };
        let result = rule.event(event, &mut parameters);
        // A rule's nudging may depend on the event (Q-AGREL nudges the selected output toward
        // the reward it earned): its online target is read again after every event.
        if self.online.is_some() {
            self.online = rule.online_target();
        }
        self.rule = Some(rule);
        self.start_recorded = false;
        let result = result.and_then(|()| self.check_parameters(t));
        if let Err(e) = &result {
            self.fault.get_or_insert_with(|| e.clone());
        }
        result
    }

    /// The first non-finite weight, bias or feedback entry, as an error at time `t`.
    pub(crate) fn check_parameters(&self, t: f64) -> Result<(), NetworkError> {
        for k in 0..self.layers() {
            if let Some(e) = system::non_finite_parameter(
                t,
                k,
                self.weights[k].as_slice(),
                self.biases[k].as_slice(),
            ) {
                return Err(e);
            }
        }
        Ok(())
    }

    /// Whether the loop treatment is one of the one-step-delayed schemes (vanilla, Jacobi with
    /// look-ahead): their step signals come from the previous step's evaluation, the memory.
    pub(crate) fn delayed(&self) -> bool {
        self.config.lookahead
            && matches!(
                self.config.loop_treatment,
                crate::LoopTreatment::Vanilla | crate::LoopTreatment::Jacobi
            )
    }

    /// Makes every step evaluate the network at its start (even where no rule learns), so
    /// [`Network::step_rate`] is valid after each accepted step (e.g. for a policy's low-pass of
    /// the output).
    pub fn set_step_readout(&mut self, on: bool) {
        self.step_readout = on;
    }

    /// Rates of layer `k` in the evaluation at the start of the last accepted step (the step's
    /// learning evaluation, for the delayed schemes the one kept as memory), `n × B`. Valid
    /// after an accepted step when plasticity with a rule is on, a delayed loop treatment runs,
    /// or [`Network::set_step_readout`] is on.
    pub fn step_rate(&self, k: usize) -> &[f64] {
        if self.delayed() {
            &self.memory[k].rate
        } else {
            &self.at_start[k].rate
        }
    }

    /// Feedback matrices `B_k` (`n_k × n_{k+1}`), if the network has them ([`Feedback::Random`]).
    pub fn feedback(&self) -> Option<&[DMatrix<f64>]> {
        self.feedback.as_deref()
    }

    /// Switches noise injection on or off (off: clean evaluations; no values are drawn).
    pub fn set_noise(&mut self, on: bool) {
        self.noise_on = on;
        self.start_recorded = false;
    }

    /// The nominal step Δt of a fixed-step method, which scales white noise as σ/√Δt; white
    /// noise without it fails at the first evaluation.
    pub fn set_noise_step(&mut self, dt: f64) {
        self.noise_dt = Some(dt);
    }

    /// Whether any layer has white noise (which needs [`Network::set_noise_step`]).
    pub fn has_white_noise(&self) -> bool {
        self.config
            .noise
            .iter()
            .any(|c| matches!(c.kind, NoiseKind::White { .. }))
    }

    /// The noise injected into layer `k` (0-based) in the last evaluation (`gain · ξ`, or `y − p`
    /// for Bernoulli units), `n × B`; `None` for a layer without noise.
    pub fn noise(&self, k: usize) -> Option<&[f64]> {
        let n = &self.latest()[k].noise;
        (!n.is_empty()).then_some(&n[..])
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

    /// The error a failed integration in `epoch` stands for: the network's own reason when it
    /// has one (fixed point, weights, rule), a non-finite voltage named by layer, unit and
    /// sample, or the integrator's error as it is.
    pub fn explain(&self, epoch: usize, source: prospect_ode::OdeError) -> NetworkError {
        if let Some(fault) = self.fault() {
            return fault.clone();
        }
        match source {
            prospect_ode::OdeError::NonFiniteState { t, component } => match self.locate(component)
            {
                Some((layer, unit, sample)) => NetworkError::NonFiniteState {
                    epoch,
                    t,
                    layer,
                    unit,
                    sample,
                },
                None => NetworkError::Integration { epoch, source },
            },
            source => NetworkError::Integration { epoch, source },
        }
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
        SweepMemory(self.memory.clone(), self.memory_input.clone())
    }

    /// Restores a memory saved by [`Network::memory`].
    pub fn set_memory(&mut self, memory: SweepMemory) {
        self.memory = memory.0;
        self.memory_input = memory.1;
        self.start_recorded = false;
    }

    /// Forgets the previous step: the vanilla memory returns to rest (ŭ = 0).
    pub fn reset_memory(&mut self) {
        self.memory = at_rest(&self.config, self.batch);
        self.memory_input.fill(0.0);
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

/// A matrix of `rows × cols` for projection `k` drawn from `init` (`fan_out` neurons receive
/// it: Glorot's bound uses `fan_in + fan_out` of the forward projection).
fn initial_matrix(
    init: &WeightInit,
    k: usize,
    rows: usize,
    cols: usize,
    fan_out: usize,
    rng: &mut Xoshiro256PlusPlus,
) -> DMatrix<f64> {
    match init {
        WeightInit::Normal { std } => {
            let normal = Normal::new(0.0, std[k]).expect("validated std");
            DMatrix::from_fn(rows, cols, |_, _| normal.sample(rng))
        }
        WeightInit::Glorot => {
            let fan_in = rows * cols / fan_out;
            let a = (6.0 / (fan_in + fan_out) as f64).sqrt();
            let uniform = Uniform::new(-a, a).expect("finite bound");
            DMatrix::from_fn(rows, cols, |_, _| uniform.sample(rng))
        }
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

//! Presenting patterns in continuous time: training with nudging and plasticity on, evaluation
//! with both off, epochs, shuffling, seeds and per-epoch metrics.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use prospect_ode::{Integrator, Method, OdeError, OdeSystem, Options};
use prospect_tasks::{Dataset, Split};
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;

use crate::recording::record_weights;
use crate::{LocalErrorRule, Network, NetworkConfig, NetworkError, Recorder, TargetKind};

/// How a network is trained.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingConfig {
    /// Passes over the training set.
    pub epochs: usize,
    /// Presentation time T of each pattern (time units).
    pub presentation_time: f64,
    /// Samples presented in parallel (independent copies sharing weights; updates averaged).
    pub batch: usize,
    /// Seed of weights and shuffling.
    pub seed: u64,
    /// Shuffle the training set every epoch.
    pub shuffle: bool,
    /// Reset voltages to zero at each pattern onset (default: continuous, no reset).
    pub reset_between_patterns: bool,
    /// Learning rate per projection (1 / time unit).
    pub eta: Vec<f64>,
    /// Whether biases learn (with the weights' rate).
    pub learn_biases: bool,
    /// Integration method.
    pub method: Method,
    /// Step of fixed-step methods (time units).
    pub dt: f64,
    /// Relative tolerance of adaptive methods.
    pub rtol: f64,
    /// Absolute tolerance of adaptive methods (voltage units).
    pub atol: f64,
    /// Evaluate the test set every this many epochs (and after the last).
    pub evaluate_every: usize,
}

impl TrainingConfig {
    /// Settings of the look-ahead ablation on Yin-Yang: T = 1, Euler dt = 0.1, batch 20.
    pub fn new(epochs: usize, eta: Vec<f64>) -> Self {
        TrainingConfig {
            epochs,
            presentation_time: 1.0,
            batch: 20,
            seed: 0,
            shuffle: true,
            reset_between_patterns: false,
            eta,
            learn_biases: true,
            method: Method::Euler,
            dt: 0.1,
            rtol: 1e-6,
            atol: 1e-8,
            evaluate_every: 1,
        }
    }
}

/// Metrics of one epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochMetrics {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Accuracy on the training patterns as presented, read from the free (un-nudged) output at
    /// the end of each presentation while the network learns, if a classification.
    pub train_accuracy: Option<f64>,
    /// Mean `½‖target − output‖²` of the same free outputs.
    pub train_loss: f64,
    /// Accuracy on the test set (nudging and plasticity off), if evaluated and a classification.
    pub test_accuracy: Option<f64>,
    /// Mean test loss, if evaluated.
    pub test_loss: Option<f64>,
    /// Wall-clock seconds of the epoch (training and evaluation).
    pub seconds: f64,
    /// Integrator steps taken in the epoch's training part.
    pub steps: usize,
}

/// Trains a [`Network`] on a [`Split`] by presenting patterns in continuous time.
pub struct Trainer {
    ode: Integrator<Network>,
    split: Arc<Split>,
    config: TrainingConfig,
    rng: Xoshiro256PlusPlus,
    epoch: usize,
    stop: Arc<AtomicBool>,
    input: Vec<f64>,
    target: Vec<f64>,
    /// Whether patterns are presented for learning (nudging on) or for evaluation.
    training: bool,
}

/// Sums over presented patterns.
#[derive(Default)]
struct Tally {
    correct: usize,
    loss: f64,
    count: usize,
}

impl Trainer {
    /// A trainer for a network built from `network` on `split`.
    pub fn new(
        network: NetworkConfig,
        config: TrainingConfig,
        split: Split,
    ) -> Result<Self, NetworkError> {
        let cfg_err = |key: &str, reason: String| NetworkError::Config {
            key: key.into(),
            reason,
        };
        if !(config.presentation_time.is_finite() && config.presentation_time > 0.0) {
            return Err(cfg_err(
                "presentation_time",
                "must be finite and > 0".into(),
            ));
        }
        if config.eta.len() != network.layers() {
            return Err(cfg_err(
                "eta",
                format!(
                    "{} entries for {} projections",
                    config.eta.len(),
                    network.layers()
                ),
            ));
        }
        if config.eta.iter().any(|e| !e.is_finite()) {
            return Err(cfg_err("eta", "every learning rate must be finite".into()));
        }
        // A fixed-step method must be stable on the fastest decay −u/τ_min: with look-ahead ŭ does
        // not depend on u within an evaluation, so −1/τ are the Jacobian's eigenvalues and the
        // bound is exact; without look-ahead it is necessary, not sufficient.
        if let Some(limit) = config.method.real_axis_stability_limit()
            && config.dt > limit * network.min_tau()
        {
            return Err(cfg_err(
                "dt",
                format!(
                    "{} is unstable for {} at τ_min = {}: needs dt ≤ {limit:.4} τ_min = {}",
                    config.dt,
                    config.method,
                    network.min_tau(),
                    limit * network.min_tau()
                ),
            ));
        }
        if config.evaluate_every == 0 {
            return Err(cfg_err("evaluate_every", "must be ≥ 1".into()));
        }
        for set in [&split.train, &split.test] {
            let (n_in, n_out) = (network.sizes[0], *network.sizes.last().unwrap());
            if set.n_inputs != n_in || set.n_outputs != n_out {
                return Err(NetworkError::Data {
                    name: set.name.clone(),
                    reason: format!(
                        "{} inputs and {} outputs; the network has {n_in} and {n_out}",
                        set.n_inputs, set.n_outputs
                    ),
                });
            }
        }
        if split.train.is_empty() {
            return Err(NetworkError::Data {
                name: split.train.name.clone(),
                reason: "no samples".into(),
            });
        }
        let mut net = Network::new(network, config.batch, config.seed)?;
        net.set_rule(Box::new(LocalErrorRule {
            eta: config.eta.clone(),
            learn_biases: config.learn_biases,
        }));
        let options = if config.method.is_fixed_step() {
            Options::fixed(config.dt)
        } else {
            Options {
                max_steps: max_steps_per_presentation(net.config(), config.presentation_time),
                ..Options::adaptive(config.rtol, config.atol)
            }
        };
        let y0 = vec![0.0; net.dim()];
        let (n_in, n_out) = (net.config().sizes[0], *net.config().sizes.last().unwrap());
        let ode = Integrator::new(net, config.method, 0.0, &y0, options)
            .map_err(|source| NetworkError::Integration { epoch: 0, source })?;
        Ok(Trainer {
            input: vec![0.0; n_in * config.batch],
            target: vec![0.0; n_out * config.batch],
            rng: Xoshiro256PlusPlus::seed_from_u64(config.seed ^ 0x5851_F42D_4C95_7F2D),
            ode,
            split: Arc::new(split),
            config,
            epoch: 0,
            stop: Arc::new(AtomicBool::new(false)),
            training: true,
        })
    }

    /// A flag that stops training cleanly after the current batch when set (e.g. by Ctrl-C).
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    /// Shares an outside stop flag (e.g. one set by a Ctrl-C handler for every run).
    pub fn set_stop_flag(&mut self, flag: Arc<AtomicBool>) {
        self.stop = flag;
    }

    /// The network.
    pub fn network(&self) -> &Network {
        self.ode.system()
    }

    /// The integrator (time, state, statistics).
    pub fn integrator(&self) -> &Integrator<Network> {
        &self.ode
    }

    /// Epochs completed.
    pub fn epoch(&self) -> usize {
        self.epoch
    }

    /// The data.
    pub fn split(&self) -> &Split {
        &self.split
    }

    /// Trains for the configured number of epochs, calling `on_epoch` after each.
    pub fn run(
        &mut self,
        recorder: &mut dyn Recorder,
        on_epoch: &mut dyn FnMut(&EpochMetrics),
    ) -> Result<Vec<EpochMetrics>, NetworkError> {
        let mut all = Vec::with_capacity(self.config.epochs);
        while self.epoch < self.config.epochs {
            let m = self.train_epoch(recorder)?;
            on_epoch(&m);
            all.push(m);
        }
        Ok(all)
    }

    /// One epoch of training, then evaluation when due. Metrics go to `recorder` too.
    pub fn train_epoch(
        &mut self,
        recorder: &mut dyn Recorder,
    ) -> Result<EpochMetrics, NetworkError> {
        let start = Instant::now();
        let steps_before = self.ode.stats().accepted_steps;
        let epoch = self.epoch + 1;
        let mut order: Vec<usize> = (0..self.split.train.len()).collect();
        if self.config.shuffle {
            order.shuffle(&mut self.rng);
        }
        recorder.epoch_started(epoch, self.ode.t());
        let split = self.split.clone();
        let train = self.present_all(&split.train, &order, true, recorder, epoch)?;
        record_weights(recorder, self.ode.system().weights(), self.ode.t());
        let steps = self.ode.stats().accepted_steps - steps_before;
        self.epoch = epoch;
        let due = epoch.is_multiple_of(self.config.evaluate_every) || epoch == self.config.epochs;
        let (test_accuracy, test_loss) = if due && !self.split.test.is_empty() {
            let (acc, loss) = self.evaluate_test()?;
            (acc, Some(loss))
        } else {
            (None, None)
        };
        let classification = self.split.train.is_classification();
        let m = EpochMetrics {
            epoch,
            train_accuracy: classification.then(|| train.correct as f64 / train.count as f64),
            train_loss: train.loss / train.count as f64,
            test_accuracy,
            test_loss,
            seconds: start.elapsed().as_secs_f64(),
            steps,
        };
        if let Some(a) = m.train_accuracy {
            recorder.metric("train_accuracy", epoch, a);
        }
        recorder.metric("train_loss", epoch, m.train_loss);
        if let Some(a) = m.test_accuracy {
            recorder.metric("test_accuracy", epoch, a);
        }
        if let Some(l) = m.test_loss {
            recorder.metric("test_loss", epoch, l);
        }
        recorder.metric("wall_seconds", epoch, m.seconds);
        Ok(m)
    }

    /// Accuracy (classification sets) and mean loss on the test set, with nudging and plasticity
    /// off. The network's state is restored afterwards, so evaluation does not disturb training.
    pub fn evaluate_test(&mut self) -> Result<(Option<f64>, f64), NetworkError> {
        let split = self.split.clone();
        self.evaluate(&split.test)
    }

    /// Evaluates any data set of the right shape (see [`Trainer::evaluate_test`]); a set of
    /// another shape, or an empty one, is refused.
    pub fn evaluate(&mut self, set: &Dataset) -> Result<(Option<f64>, f64), NetworkError> {
        let sizes = &self.ode.system().config().sizes;
        let (n_in, n_out) = (sizes[0], sizes[sizes.len() - 1]);
        if set.n_inputs != n_in || set.n_outputs != n_out || set.is_empty() {
            return Err(NetworkError::Data {
                name: set.name.clone(),
                reason: format!(
                    "{} samples of {} inputs and {} outputs; the network needs ≥ 1 sample of {n_in} and {n_out}",
                    set.len(),
                    set.n_inputs,
                    set.n_outputs
                ),
            });
        }
        let (t, state) = (self.ode.t(), self.ode.state().to_vec());
        let memory = self.ode.system().memory().clone();
        {
            let net = self.ode.system_mut();
            net.set_nudging(false);
            net.set_plasticity(false);
        }
        let order: Vec<usize> = (0..set.len()).collect();
        let result = self.present_all(set, &order, false, &mut crate::NullRecorder, self.epoch);
        self.ode.set_state(t, &state).expect("same dimension");
        let net = self.ode.system_mut();
        net.set_memory(memory);
        net.restart_at(t);
        net.set_nudging(true);
        net.set_plasticity(true);
        let tally = result?;
        let accuracy = set
            .is_classification()
            .then(|| tally.correct as f64 / tally.count as f64);
        Ok((accuracy, tally.loss / tally.count as f64))
    }

    /// Presents `set` in `order`, batch by batch, each for the presentation time; tallies the
    /// outputs read at the end of each presentation.
    fn present_all(
        &mut self,
        set: &Dataset,
        order: &[usize],
        learning: bool,
        recorder: &mut dyn Recorder,
        epoch: usize,
    ) -> Result<Tally, NetworkError> {
        let b = self.config.batch;
        let mut tally = Tally::default();
        let mut batch_ids = vec![0usize; b];
        self.training = learning;
        for first in (0..order.len()).step_by(b) {
            if self.stop.load(Ordering::Relaxed) {
                return Err(NetworkError::Interrupted {
                    epoch: epoch.saturating_sub(1),
                });
            }
            // A short last batch is filled by wrapping around; only real samples count.
            let real = (order.len() - first).min(b);
            for (j, id) in batch_ids.iter_mut().enumerate() {
                *id = order[(first + j) % order.len()];
            }
            self.load_batch(set, &batch_ids);
            let t0 = self.ode.t();
            {
                let (input, target) = (&self.input, &self.target);
                let net = self.ode.system_mut();
                net.set_input(input)?;
                net.set_target(target)?;
            }
            if self.config.reset_between_patterns {
                let zeros = vec![0.0; self.ode.state().len()];
                self.ode.set_state(t0, &zeros).expect("same dimension");
                let net = self.ode.system_mut();
                net.reset_memory();
                net.restart_at(t0);
            }
            if learning {
                self.ode.system_mut().set_nudging(true);
                recorder.event(t0, batch_ids[0], set.labels.get(batch_ids[0]).copied());
            }
            let t_end = t0 + self.config.presentation_time;
            self.advance(t_end, learning, recorder, epoch)?;
            self.check_network()?;
            self.tally_outputs(set, &batch_ids[..real], &mut tally);
        }
        Ok(tally)
    }

    /// Advances to `t_end`, recording rows at the recorder's times when learning.
    fn advance(
        &mut self,
        t_end: f64,
        learning: bool,
        recorder: &mut dyn Recorder,
        epoch: usize,
    ) -> Result<(), NetworkError> {
        let t0 = self.ode.t();
        // Step by step only when the recorder wants a sample somewhere in this presentation.
        if !(learning && recorder.wants_between(t0, t_end)) {
            let done = self.ode.advance_to(t_end);
            return done.map_err(|source| self.failure(epoch, source));
        }
        // Step by step, recording after each accepted step. `step_toward` lets the method pick
        // its step (an adaptive one has none before its first step) and lands on `t_end`; the
        // integrator's step limit applies to the whole presentation, not to each one-step call.
        let steps_before = steps_taken(&self.ode);
        let max_steps =
            max_steps_per_presentation(self.ode.system().config(), self.config.presentation_time);
        while self.ode.t() < t_end {
            if self.stop.load(Ordering::Relaxed) {
                return Err(NetworkError::Interrupted {
                    epoch: epoch.saturating_sub(1),
                });
            }
            let t_prev = self.ode.t();
            let done = self.ode.step_toward(t_end);
            done.map_err(|source| self.failure(epoch, source))?;
            // An adaptive step may be longer than the recording interval (or jump a whole
            // window): record the dense output at the times the recorder wants inside it.
            let mut interpolated = false;
            if !self.config.method.is_fixed_step() {
                let mut after = t_prev;
                while let Some(tr) = recorder.next_wanted(after, self.ode.t()) {
                    if tr.is_nan() || tr <= after {
                        break;
                    }
                    self.record_interpolated(recorder, tr, epoch)?;
                    interpolated = true;
                    after = tr;
                }
            }
            if !self.config.method.is_fixed_step()
                && let Some(source) = over_step_limit(&self.ode, steps_before, max_steps)
            {
                return Err(self.failure(epoch, source));
            }
            if recorder.wants(self.ode.t()) {
                if interpolated {
                    // The network's buffers hold the last interpolated time: evaluate it at
                    // the step's end again (the integrator's cached f may not call it).
                    let (t, y) = (self.ode.t(), self.ode.state().to_vec());
                    let mut dy = vec![0.0; y.len()];
                    self.ode.system_mut().rhs(t, &y, &mut dy);
                }
                self.record_rows(recorder)?;
            }
        }
        self.check_network()
    }

    /// The error a failed integration stands for ([`Network::explain`]).
    fn failure(&self, epoch: usize, source: OdeError) -> NetworkError {
        self.ode.system().explain(epoch, source)
    }

    /// Fails when the network reports a fault after an otherwise successful advance (e.g. a
    /// weight that became non-finite in the last update).
    fn check_network(&self) -> Result<(), NetworkError> {
        match self.ode.system().fault() {
            Some(fault) => Err(fault.clone()),
            None => Ok(()),
        }
    }

    /// Emits u, ŭ, r, e of every layer (first sample of the batch) and the target. A value that
    /// is not a finite f32 (NaN, or beyond ±3.4e38, which the file cannot hold) fails the run.
    fn record_rows(&mut self, recorder: &mut dyn Recorder) -> Result<(), NetworkError> {
        crate::recording::record_now(recorder, &mut self.ode)
    }

    /// Records the rows at time `tr` inside the last accepted step: the state from the
    /// method's dense output, the network's signals evaluated on it.
    fn record_interpolated(
        &mut self,
        recorder: &mut dyn Recorder,
        tr: f64,
        epoch: usize,
    ) -> Result<(), NetworkError> {
        let mut y = vec![0.0; self.ode.state().len()];
        if let Err(source) = self.ode.interpolate(tr, &mut y) {
            return Err(self.failure(epoch, source));
        }
        let mut dy = vec![0.0; y.len()];
        self.ode.system_mut().rhs(tr, &y, &mut dy);
        self.check_network()?;
        self.emit_rows(recorder, tr, &y)
    }

    /// Emits the network's rows at time `t` ([`crate::recording::emit_rows`]).
    fn emit_rows(
        &self,
        recorder: &mut dyn Recorder,
        t: f64,
        state: &[f64],
    ) -> Result<(), NetworkError> {
        crate::recording::emit_rows(recorder, self.ode.system(), t, state)
    }

    fn load_batch(&mut self, set: &Dataset, ids: &[usize]) {
        let (n_in, n_out) = (set.n_inputs, set.n_outputs);
        for (j, &id) in ids.iter().enumerate() {
            for (dst, src) in self.input[j * n_in..(j + 1) * n_in]
                .iter_mut()
                .zip(set.input(id))
            {
                *dst = f64::from(*src);
            }
            for (dst, src) in self.target[j * n_out..(j + 1) * n_out]
                .iter_mut()
                .zip(set.target(id))
            {
                *dst = f64::from(*src);
            }
        }
    }

    /// Reads the clean free output at the current state ([`Network::evaluate_free`]: nudging off
    /// and no error memory) and tallies the first `ids.len()` columns.
    fn tally_outputs(&mut self, set: &Dataset, ids: &[usize], tally: &mut Tally) {
        // The clean free output: no nudging and no error memory from the nudged steps.
        let y = self.ode.state().to_vec();
        self.ode.system_mut().evaluate_free(&y);
        let net = self.ode.system();
        let n_out = set.n_outputs;
        let top = net.layers() - 1;
        let out = match net.config().target {
            TargetKind::Voltage => net.output(),
            TargetKind::Rate => net.rate(top),
        };
        for (j, &id) in ids.iter().enumerate() {
            let col = &out[j * n_out..(j + 1) * n_out];
            let target = set.target(id);
            tally.loss += 0.5
                * col
                    .iter()
                    .zip(target)
                    .map(|(o, y)| (o - f64::from(*y)).powi(2))
                    .sum::<f64>();
            if set.is_classification() {
                let best = (0..n_out)
                    .max_by(|&a, &b| col[a].total_cmp(&col[b]))
                    .unwrap_or(0);
                tally.correct += usize::from(best == set.labels[id]);
            }
            tally.count += 1;
        }
    }
}

/// Integrator steps taken so far, accepted and rejected.
pub fn steps_taken(ode: &Integrator<Network>) -> usize {
    let stats = ode.stats();
    stats.accepted_steps + stats.rejected_steps
}

/// The failure of a presentation or trial whose adaptive steps ran past its limit: more than
/// `max_steps` steps since the count `before` ([`steps_taken`]) gives `MaxStepsExceeded` at the
/// integrator's current time and step size; `None` within the limit.
pub fn over_step_limit(
    ode: &Integrator<Network>,
    before: usize,
    max_steps: usize,
) -> Option<OdeError> {
    (steps_taken(ode) - before > max_steps).then(|| OdeError::MaxStepsExceeded {
        t: ode.t(),
        h: ode.step_size(),
        max_steps,
    })
}

/// Most integrator steps (accepted and rejected) one presentation may take before the run
/// fails. A method that resolves the fastest time constant needs about `T / τ_min` steps; the
/// limit allows a thousand times that (at least 100 000), so only a step size that has
/// collapsed far below the dynamics' own scale (e.g. a tolerance f64 cannot meet) reaches it.
pub fn max_steps_per_presentation(network: &NetworkConfig, presentation_time: f64) -> usize {
    let tau_min = network.min_tau();
    let natural = (presentation_time / tau_min).ceil();
    if natural.is_finite() && natural < 1e12 {
        (1000.0 * natural).max(1e5) as usize
    } else {
        usize::MAX
    }
}

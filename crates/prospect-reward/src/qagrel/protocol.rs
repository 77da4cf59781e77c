//! The paper's training protocol for algorithmic Q-AGREL and its error-backprop baseline
//! (seed 002, section 3 "Experiments"; issue 11), on any [`BatchLearner`].
//!
//! Every epoch:
//! 1. The training set is shuffled (seeded) and its first `validation_size` images (1000 in
//!    the paper) are that epoch's **validation set**. They are left out of the epoch's
//!    training: the paper trains "590 batches in total" per epoch on MNIST's 60 000 images,
//!    i.e. on the 59 000 that remain. Since a new set is drawn every epoch, the network still
//!    learns from every image over the run ("the networks train effectively on the whole
//!    training dataset, so also on the validation set, throughout different epochs").
//! 2. The remaining images are presented in batches of `batch` (100); the weights change once
//!    per batch with the gradient divided by the batch size (the [`BatchLearner`] updates
//!    average over the batch; a last, smaller batch is averaged over its own size).
//!    - Q-AGREL: a max-Boltzmann policy (ε, T) selects one output per image, the reward is
//!      `reward_correct` (1) for the right class and `reward_wrong` (0) otherwise, and
//!      [`BatchLearner::update_qagrel`] learns from `δ = r − q_s`.
//!    - Backprop: [`BatchLearner::update_backprop`] on `½‖y − q‖²` to one-hot targets; the
//!      network's "selection" (for the selection and per-class curves) is its greedy choice.
//! 3. Every `validate_every` epochs (5) the greedy accuracy on the epoch's validation set is
//!    measured; the run **stops** when `stop_window` (5) consecutive validation accuracies,
//!    in percent rounded to `stop_decimals` (1) decimals, are equal ([`StopRule`]).
//! 4. Otherwise the run ends after `epochs` (1000), the learning rate divided by
//!    `lr_cut.factor` (10) after epoch `lr_cut.epoch` (500): epochs 1 … 500 at α, 501 … 1000 at
//!    α/10 ([`ProtocolConfig::learning_rate`]). The cut epoch is absolute: a run shortened by
//!    `epochs` keeps it at 500 and, below 500 epochs, never cuts, so a shortened run is exactly
//!    the first epochs of the full run with the same seed (tested).
//!
//! Pixels are converted from the data set's stored values when a batch is loaded
//! ([`Pixels`]): `unit` keeps them (the IDX loader stores `p / 255` ∈ [0, 1]), `binary` maps
//! them to `1` above a threshold and `0` otherwise.
//!
//! Randomness: the network's weights come from the learner's own seed; the shuffles and
//! validation draws come from one stream and the policy from another (both from `seed`), so
//! Q-AGREL and backprop with the same seed see the same validation sets and batches. The
//! same seed gives bit-identical metrics.
//!
//! Per-epoch metrics go to a [`Recorder`] under the trial driver's names where the meaning is
//! the same ([`ProtocolMetrics`]).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use prospect_neuron::{Recorder, record_weights};
use prospect_tasks::{Dataset, Split};
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;
use thiserror::Error;

use super::BatchLearner;
use crate::trial::{Policy, record_per_class, winner};

/// Which learning rule trains the network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    /// Q-AGREL from a reward, with an action-selection policy (max-Boltzmann in the paper).
    Qagrel {
        /// How an output is selected while learning (evaluation is always greedy).
        policy: Policy,
        /// Reward for the right class (1 in the paper).
        reward_correct: f64,
        /// Reward for a wrong class (0 in the paper).
        reward_wrong: f64,
    },
    /// Error backprop on all outputs, squared error to one-hot targets.
    Backprop,
}

/// How stored pixel values become the network's input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pixels {
    /// The stored values (`p / 255` ∈ [0, 1] for IDX files); values outside [0, 1] are refused.
    Unit,
    /// `1` where the stored value exceeds `threshold`, else `0`.
    Binary {
        /// Threshold on the stored value (0.5 by default).
        threshold: f32,
    },
}

impl Pixels {
    /// The network's input for stored value `v`.
    pub fn convert(&self, v: f32) -> f32 {
        match *self {
            Pixels::Unit => v,
            Pixels::Binary { threshold } => {
                if v > threshold {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }
}

/// The learning-rate cut: after epoch `epoch` the rate is divided by `factor`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LrCut {
    /// The last epoch at the full rate (500 in the paper).
    pub epoch: usize,
    /// The divisor (10 in the paper).
    pub factor: f64,
}

/// The early-stopping criterion: `window` consecutive validation accuracies equal when
/// rounded to `decimals` decimals of a percent (5 and 1 in the paper).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StopRule {
    /// Consecutive validations that must agree (≥ 2).
    pub window: usize,
    /// Decimals of the accuracy in percent (1: 97.8 %).
    pub decimals: u32,
}

impl StopRule {
    /// The accuracy `correct / n` in percent, rounded half up to `decimals` decimals, as an
    /// integer in units of 10^−decimals percent: `⌊(2 · correct · 100 · 10^d + n) / (2n)⌋`.
    /// Exact integer arithmetic, so that 97.85 % rounds the same way on every machine.
    pub fn key(&self, correct: usize, n: usize) -> u128 {
        let scale = 100u128 * 10u128.pow(self.decimals);
        let n = n.max(1) as u128;
        (2 * correct as u128 * scale + n) / (2 * n)
    }

    /// Whether the last `window` entries of `history` (validation keys, oldest first) agree.
    pub fn met(&self, history: &[u128]) -> bool {
        history.len() >= self.window
            && history[history.len() - self.window..]
                .windows(2)
                .all(|w| w[0] == w[1])
    }
}

/// Everything the protocol needs besides the network and the data.
#[derive(Debug, Clone, PartialEq)]
pub struct ProtocolConfig {
    /// Q-AGREL (with its policy and rewards) or backprop.
    pub method: Method,
    /// Learning rate α (0.5–1 for Q-AGREL, 0.05–0.1 for backprop in the paper).
    pub learning_rate: f64,
    /// The learning-rate cut (`None`: α throughout).
    pub lr_cut: Option<LrCut>,
    /// Epochs at most (1000 in the paper).
    pub epochs: usize,
    /// Images per batch (100).
    pub batch: usize,
    /// Pixel conversion.
    pub pixels: Pixels,
    /// Training images drawn each epoch as the validation set and left out of its training
    /// (1000; 0: no validation, every image trains).
    pub validation_size: usize,
    /// Validate every this many epochs (5).
    pub validate_every: usize,
    /// Early stopping (`None`: run all `epochs`).
    pub stop: Option<StopRule>,
    /// Seed of shuffles, validation draws and the policy.
    pub seed: u64,
}

impl ProtocolConfig {
    /// The paper's protocol for `method` at rate `learning_rate`: 1000 epochs, cut 10× after
    /// 500, batches of 100, [0, 1] pixels, 1000 validation images validated every 5 epochs,
    /// stop when 5 validations agree to one decimal of a percent, seed 0.
    pub fn paper(method: Method, learning_rate: f64) -> Self {
        ProtocolConfig {
            method,
            learning_rate,
            lr_cut: Some(LrCut {
                epoch: 500,
                factor: 10.0,
            }),
            epochs: 1000,
            batch: 100,
            pixels: Pixels::Unit,
            validation_size: 1000,
            validate_every: 5,
            stop: Some(StopRule {
                window: 5,
                decimals: 1,
            }),
            seed: 0,
        }
    }

    /// The learning rate of epoch `epoch` (from 1): α up to and including `lr_cut.epoch`,
    /// `α / lr_cut.factor` after it.
    pub fn learning_rate(&self, epoch: usize) -> f64 {
        match self.lr_cut {
            Some(cut) if epoch > cut.epoch => self.learning_rate / cut.factor,
            _ => self.learning_rate,
        }
    }

    /// Checks every parameter; the error names the field (`learning_rate`, `lr_cut.epoch`,
    /// `policy.epsilon`, …) and the reason.
    pub fn validate(&self) -> Result<(), ProtocolError> {
        let err = |key: &str, reason: String| {
            Err(ProtocolError::Config {
                key: key.into(),
                reason,
            })
        };
        let pos = |x: f64| x.is_finite() && x > 0.0;
        if !pos(self.learning_rate) {
            return err(
                "learning_rate",
                format!("{} must be finite and > 0", self.learning_rate),
            );
        }
        if let Some(cut) = self.lr_cut {
            if cut.epoch == 0 {
                return err("lr_cut.epoch", "must be ≥ 1".into());
            }
            if !pos(cut.factor) {
                return err(
                    "lr_cut.factor",
                    format!("{} must be finite and > 0", cut.factor),
                );
            }
        }
        if self.epochs == 0 {
            return err("epochs", "must be ≥ 1".into());
        }
        if self.batch == 0 {
            return err("batch", "must be ≥ 1".into());
        }
        if self.validate_every == 0 {
            return err("validate_every", "must be ≥ 1".into());
        }
        if let Pixels::Binary { threshold } = self.pixels
            && !(0.0..1.0).contains(&threshold)
        {
            return err(
                "pixels.threshold",
                format!("{threshold} must lie in [0, 1)"),
            );
        }
        if let Some(stop) = self.stop {
            if stop.window < 2 {
                return err(
                    "stop.window",
                    format!(
                        "{} must be ≥ 2 (consecutive validations that agree)",
                        stop.window
                    ),
                );
            }
            if stop.decimals > 6 {
                return err(
                    "stop.decimals",
                    format!("{} must be ≤ 6 decimals of a percent", stop.decimals),
                );
            }
            if self.validation_size == 0 {
                return err(
                    "validation_size",
                    "0 leaves nothing to validate on, but the stopping rule needs validations"
                        .into(),
                );
            }
        }
        if let Method::Qagrel {
            policy,
            reward_correct,
            reward_wrong,
        } = self.method
        {
            if let Err((k, r)) = policy.validate() {
                return err(&format!("policy.{k}"), r);
            }
            if !reward_wrong.is_finite() {
                return err("reward_wrong", format!("{reward_wrong} must be finite"));
            }
            if !reward_correct.is_finite() || reward_correct <= reward_wrong {
                return err(
                    "reward_correct",
                    format!(
                        "{reward_correct} must be finite and exceed reward_wrong = {reward_wrong}"
                    ),
                );
            }
        }
        Ok(())
    }
}

/// Which pass a non-finite Q value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// A training batch.
    Training,
    /// The epoch's validation set.
    Validation,
    /// The test set.
    Test,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Training => "training",
            Phase::Validation => "validation",
            Phase::Test => "test",
        })
    }
}

/// Why the protocol refused to start or stopped.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ProtocolError {
    /// A parameter is out of range (`key`: the [`ProtocolConfig`] field).
    #[error("{key}: {reason}")]
    Config {
        /// The field.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// The data do not fit the network or the protocol.
    #[error("data set {name}: {reason}")]
    Data {
        /// The data set.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A Q value came out NaN or infinite (the weights diverged, e.g. a learning rate too
    /// large): epoch (from 1), batch (from 0, within the pass), batch column `sample`, the
    /// sample's index in its data set, output unit.
    #[error(
        "non-finite Q value {value} in epoch {epoch}, {phase} batch {batch}, sample {sample} (data-set index {index}), output unit {unit}"
    )]
    NonFiniteQ {
        /// The pass.
        phase: Phase,
        /// Epoch, from 1.
        epoch: usize,
        /// Batch within the pass, from 0.
        batch: usize,
        /// Column within the batch.
        sample: usize,
        /// Index of the sample in its data set.
        index: usize,
        /// Output unit.
        unit: usize,
        /// The value.
        value: f64,
    },
    /// Stopped from outside (the stop flag, e.g. Ctrl-C) after `epoch` completed epochs.
    #[error("stopped after epoch {epoch}")]
    Interrupted {
        /// Completed epochs.
        epoch: usize,
    },
}

/// The metrics of one epoch; recorded under the names in brackets.
#[derive(Debug, Clone, PartialEq)]
pub struct ProtocolMetrics {
    /// Epoch, from 1.
    pub epoch: usize,
    /// The epoch's learning rate (`learning_rate`).
    pub learning_rate: f64,
    /// Mean reward of the epoch's selections, Q-AGREL only (`mean_reward`, as in the trial
    /// driver).
    pub mean_reward: Option<f64>,
    /// Fraction of the epoch's selections that were the right class (`train_accuracy`).
    pub train_accuracy: f64,
    /// Mean of `½‖y − q‖²` over the epoch's training images, backprop only (`train_loss`).
    pub train_loss: Option<f64>,
    /// Greedy accuracy on the whole test set after the epoch (`test_accuracy`; `None`
    /// without test images).
    pub test_accuracy: Option<f64>,
    /// Greedy accuracy on the epoch's validation set, when validated
    /// (`validation_accuracy`).
    pub validation_accuracy: Option<f64>,
    /// Fraction of the epoch's selections that chose each output (`selected_<a>`, Fig. 6a/c).
    pub selection: Vec<f64>,
    /// Per class, the fraction of its training images whose selection was right
    /// (`class_accuracy_<c>`, Fig. 6b/d; `None`: no image of the class this epoch).
    pub class_accuracy: Vec<Option<f64>>,
    /// Wall-clock seconds of the epoch (`wall_seconds`).
    pub seconds: f64,
}

/// The result of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct ProtocolOutcome {
    /// One entry per epoch run.
    pub epochs: Vec<ProtocolMetrics>,
    /// The epoch at which the stopping criterion was met (`None`: not met; the run went to
    /// `epochs`). Recorded as the metric `stop_epoch` at the last epoch, and `converged`
    /// (1 or 0) there.
    pub stop_epoch: Option<usize>,
}

/// The protocol's state: network, data, streams, epoch, validation history.
pub struct Protocol {
    net: Box<dyn BatchLearner>,
    split: Split,
    config: ProtocolConfig,
    order_rng: Xoshiro256PlusPlus,
    policy_rng: Xoshiro256PlusPlus,
    order: Vec<usize>,
    epoch: usize,
    history: Vec<u128>,
    stop: Arc<AtomicBool>,
    x: Vec<f32>,
    q: Vec<f64>,
    probabilities: Vec<f64>,
}

/// Evaluation batch size (does not change results; bounds the buffers).
const EVAL_BATCH: usize = 1000;

fn data_error(set: &Dataset, reason: String) -> ProtocolError {
    ProtocolError::Data {
        name: set.name.clone(),
        reason,
    }
}

impl Protocol {
    /// A protocol run of `net` on `split` (a classification set whose inputs and classes match
    /// the network's first and last layer) as `config` says.
    pub fn new(
        net: Box<dyn BatchLearner>,
        split: Split,
        config: ProtocolConfig,
    ) -> Result<Self, ProtocolError> {
        config.validate()?;
        let sizes = net.sizes().to_vec();
        let (n_in, n_out) = (sizes[0], *sizes.last().unwrap_or(&0));
        for set in [&split.train, &split.test] {
            if set.n_inputs != n_in {
                return Err(data_error(
                    set,
                    format!("{} inputs; the network has {n_in}", set.n_inputs),
                ));
            }
            if set.n_outputs != n_out {
                return Err(data_error(
                    set,
                    format!(
                        "{} classes; the network has {n_out} outputs (one per class)",
                        set.n_outputs
                    ),
                ));
            }
            if set.labels.len() != set.len() {
                return Err(data_error(
                    set,
                    "not a classification set (no class labels)".into(),
                ));
            }
            if config.pixels == Pixels::Unit
                && let Some(i) = set.inputs.iter().position(|v| !(0.0..=1.0).contains(v))
            {
                return Err(data_error(
                    set,
                    format!(
                        "value {} of sample {}, input {} is outside [0, 1] (pixels = unit)",
                        set.inputs[i],
                        i / set.n_inputs.max(1),
                        i % set.n_inputs.max(1)
                    ),
                ));
            }
        }
        if split.train.len() <= config.validation_size {
            return Err(ProtocolError::Config {
                key: "validation_size".into(),
                reason: format!(
                    "{} leaves no training image of the {} in {}",
                    config.validation_size,
                    split.train.len(),
                    split.train.name
                ),
            });
        }
        let b = config.batch.max(EVAL_BATCH);
        Ok(Protocol {
            order: (0..split.train.len()).collect(),
            order_rng: Xoshiro256PlusPlus::seed_from_u64(config.seed ^ 0x5851_F42D_4C95_7F2D),
            policy_rng: Xoshiro256PlusPlus::seed_from_u64(config.seed ^ 0x9E37_79B9_7F4A_7C15),
            x: vec![0.0; n_in * b],
            q: vec![0.0; n_out * b],
            probabilities: vec![0.0; n_out],
            net,
            split,
            config,
            epoch: 0,
            history: Vec::new(),
            stop: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Shares an outside stop flag (e.g. one set by Ctrl-C): the run stops after the current
    /// batch with [`ProtocolError::Interrupted`].
    pub fn set_stop_flag(&mut self, flag: Arc<AtomicBool>) {
        self.stop = flag;
    }

    /// The network.
    pub fn network(&self) -> &dyn BatchLearner {
        self.net.as_ref()
    }

    /// The configuration.
    pub fn config(&self) -> &ProtocolConfig {
        &self.config
    }

    /// Epochs completed.
    pub fn epoch(&self) -> usize {
        self.epoch
    }

    /// The validation accuracies so far as [`StopRule::key`]s (empty without a stop rule).
    pub fn validation_history(&self) -> &[u128] {
        &self.history
    }

    /// The training images of the current epoch's validation set (indices into the training
    /// set; valid after an epoch).
    pub fn validation_set(&self) -> &[usize] {
        &self.order[..self.config.validation_size]
    }

    /// Runs epochs until the stopping criterion is met or `epochs` are done, calling
    /// `on_epoch` after each; records `stop_epoch` (when met) and `converged` at the end.
    pub fn run(
        &mut self,
        recorder: &mut dyn Recorder,
        on_epoch: &mut dyn FnMut(&ProtocolMetrics),
    ) -> Result<ProtocolOutcome, ProtocolError> {
        let mut epochs = Vec::new();
        let mut stop_epoch = None;
        while self.epoch < self.config.epochs {
            let m = self.train_epoch(recorder)?;
            on_epoch(&m);
            epochs.push(m);
            if self.stopping_met() {
                stop_epoch = Some(self.epoch);
                break;
            }
        }
        if let Some(e) = stop_epoch {
            recorder.metric("stop_epoch", self.epoch, e as f64);
        }
        recorder.metric(
            "converged",
            self.epoch,
            if stop_epoch.is_some() { 1.0 } else { 0.0 },
        );
        Ok(ProtocolOutcome { epochs, stop_epoch })
    }

    /// Whether the stopping rule holds after the last validation.
    fn stopping_met(&self) -> bool {
        self.config.stop.is_some_and(|s| {
            self.epoch.is_multiple_of(self.config.validate_every) && s.met(&self.history)
        })
    }

    /// One epoch (module docs, steps 1–3); metrics go to `recorder`.
    pub fn train_epoch(
        &mut self,
        recorder: &mut dyn Recorder,
    ) -> Result<ProtocolMetrics, ProtocolError> {
        let start = Instant::now();
        let epoch = self.epoch + 1;
        recorder.epoch_started(epoch, self.epoch as f64);
        let alpha = self.config.learning_rate(epoch);
        self.order.shuffle(&mut self.order_rng);
        let n_out = *self.net.sizes().last().unwrap_or(&0);
        let mut selected = vec![0usize; n_out];
        let mut class_seen = vec![0usize; n_out];
        let mut class_right = vec![0usize; n_out];
        let (mut reward_sum, mut loss_sum, mut right) = (0.0, 0.0, 0usize);
        let v = self.config.validation_size;
        let train_ids: Vec<usize> = self.order[v..].to_vec();
        for (batch, ids) in train_ids.chunks(self.config.batch).enumerate() {
            if self.stop.load(Ordering::Relaxed) {
                return Err(ProtocolError::Interrupted { epoch: self.epoch });
            }
            let bsz = ids.len();
            self.forward(ids, Phase::Training, epoch, batch)?;
            let labels: Vec<usize> = ids.iter().map(|&i| self.split.train.labels[i]).collect();
            let mut actions = Vec::with_capacity(bsz);
            let policy = match self.config.method {
                Method::Qagrel { policy, .. } => policy,
                Method::Backprop => Policy::Greedy,
            };
            for col in 0..bsz {
                let values = &self.q[col * n_out..(col + 1) * n_out];
                actions.push(policy.select(values, &mut self.policy_rng, &mut self.probabilities));
            }
            for (&a, &y) in actions.iter().zip(&labels) {
                selected[a] += 1;
                class_seen[y] += 1;
                if a == y {
                    class_right[y] += 1;
                    right += 1;
                }
            }
            match self.config.method {
                Method::Qagrel {
                    reward_correct,
                    reward_wrong,
                    ..
                } => {
                    let rewards: Vec<f64> = actions
                        .iter()
                        .zip(&labels)
                        .map(|(a, y)| if a == y { reward_correct } else { reward_wrong })
                        .collect();
                    reward_sum += rewards.iter().sum::<f64>();
                    self.net.update_qagrel(&actions, &rewards, alpha);
                }
                Method::Backprop => {
                    loss_sum += self.net.update_backprop(&labels, alpha) * bsz as f64;
                }
            }
        }
        if recorder.wants_weights() {
            record_weights(recorder, &self.net.weights(), epoch as f64);
        }
        self.epoch = epoch;
        let n = train_ids.len() as f64;
        let validation_accuracy = if v > 0 && epoch.is_multiple_of(self.config.validate_every) {
            let ids = self.order[..v].to_vec();
            let correct = self.count_correct(&ids, Phase::Validation, epoch)?;
            if let Some(rule) = self.config.stop {
                self.history.push(rule.key(correct, v));
            }
            Some(correct as f64 / v as f64)
        } else {
            None
        };
        let test_accuracy = if self.split.test.is_empty() {
            None
        } else {
            let ids: Vec<usize> = (0..self.split.test.len()).collect();
            let correct = self.count_correct(&ids, Phase::Test, epoch)?;
            Some(correct as f64 / ids.len() as f64)
        };
        let qagrel = matches!(self.config.method, Method::Qagrel { .. });
        let m = ProtocolMetrics {
            epoch,
            learning_rate: alpha,
            mean_reward: qagrel.then(|| reward_sum / n),
            train_accuracy: right as f64 / n,
            train_loss: (!qagrel).then(|| loss_sum / n),
            test_accuracy,
            validation_accuracy,
            selection: selected.iter().map(|&c| c as f64 / n).collect(),
            class_accuracy: class_seen
                .iter()
                .zip(&class_right)
                .map(|(&seen, &ok)| (seen > 0).then(|| ok as f64 / seen as f64))
                .collect(),
            seconds: start.elapsed().as_secs_f64(),
        };
        record(recorder, &m);
        Ok(m)
    }

    /// Loads the images `ids` (training set for [`Phase::Training`] and
    /// [`Phase::Validation`], else the test set) with the pixel conversion and runs the
    /// forward pass into `self.q`; any non-finite Q value is an error.
    fn forward(
        &mut self,
        ids: &[usize],
        phase: Phase,
        epoch: usize,
        batch: usize,
    ) -> Result<(), ProtocolError> {
        let set = match phase {
            Phase::Test => &self.split.test,
            _ => &self.split.train,
        };
        let (n_in, n_out) = (set.n_inputs, set.n_outputs);
        let bsz = ids.len();
        let x = &mut self.x[..n_in * bsz];
        for (col, &i) in ids.iter().enumerate() {
            for (dst, &src) in x[col * n_in..(col + 1) * n_in].iter_mut().zip(set.input(i)) {
                *dst = self.config.pixels.convert(src);
            }
        }
        let q = &mut self.q[..n_out * bsz];
        self.net.forward(x, bsz, q);
        if let Some(pos) = q.iter().position(|v| !v.is_finite()) {
            return Err(ProtocolError::NonFiniteQ {
                phase,
                epoch,
                batch,
                sample: pos / n_out,
                index: ids[pos / n_out],
                unit: pos % n_out,
                value: q[pos],
            });
        }
        Ok(())
    }

    /// Greedy right answers on `ids` of the pass's set.
    fn count_correct(
        &mut self,
        ids: &[usize],
        phase: Phase,
        epoch: usize,
    ) -> Result<usize, ProtocolError> {
        let mut correct = 0;
        let n_out = *self.net.sizes().last().unwrap_or(&0);
        for (batch, chunk) in ids.chunks(EVAL_BATCH).enumerate() {
            self.forward(chunk, phase, epoch, batch)?;
            let labels = match phase {
                Phase::Test => &self.split.test.labels,
                _ => &self.split.train.labels,
            };
            for (col, &i) in chunk.iter().enumerate() {
                let values = &self.q[col * n_out..(col + 1) * n_out];
                let a = winner(values);
                correct += usize::from(a == labels[i]);
            }
        }
        Ok(correct)
    }
}

/// Writes one epoch's metrics (names as in [`ProtocolMetrics`]).
fn record(recorder: &mut dyn Recorder, m: &ProtocolMetrics) {
    let e = m.epoch;
    recorder.metric("learning_rate", e, m.learning_rate);
    if let Some(r) = m.mean_reward {
        recorder.metric("mean_reward", e, r);
    }
    recorder.metric("train_accuracy", e, m.train_accuracy);
    if let Some(l) = m.train_loss {
        recorder.metric("train_loss", e, l);
    }
    if let Some(a) = m.test_accuracy {
        recorder.metric("test_accuracy", e, a);
    }
    if let Some(a) = m.validation_accuracy {
        recorder.metric("validation_accuracy", e, a);
    }
    record_per_class(recorder, e, &m.selection, &m.class_accuracy);
    recorder.metric("wall_seconds", e, m.seconds);
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use nalgebra::DMatrix;
    use prospect_neuron::NullRecorder;

    use super::*;
    use crate::qagrel::{FeedbackMode, NetSpec, Precision, build};

    /// Metrics by name, in order.
    #[derive(Default)]
    struct Metrics(Vec<(String, usize, f64)>);

    impl Recorder for Metrics {
        fn wants(&self, _t: f64) -> bool {
            false
        }
        fn record(&mut self, _p: &str, _v: &str, _t: f64, _row: &[f32]) {}
        fn metric(&mut self, name: &str, epoch: usize, value: f64) {
            self.0.push((name.to_string(), epoch, value));
        }
        fn event(&mut self, _t: f64, _s: usize, _l: Option<usize>) {}
    }

    impl Metrics {
        fn series(&self, name: &str) -> Vec<(usize, f64)> {
            self.0
                .iter()
                .filter(|(n, _, _)| n == name)
                .map(|&(_, e, v)| (e, v))
                .collect()
        }
    }

    /// What a [`Probe`] saw: the inputs of every batch it was updated on (one entry per
    /// update, columns), and the rates it was updated with.
    #[derive(Default)]
    struct Log {
        trained: Vec<Vec<Vec<f32>>>,
        alphas: Vec<f64>,
        inputs: Vec<f32>,
    }

    /// A stand-in network: its Q values echo its first `n_out` inputs (so one-hot inputs are
    /// classified perfectly), it learns nothing and logs what it is given. `nan_at`: on that
    /// forward call (from 0), Q value `pos` is NaN.
    struct Probe {
        sizes: Vec<usize>,
        last: Vec<Vec<f32>>,
        log: Arc<Mutex<Log>>,
        calls: usize,
        nan_at: Option<(usize, usize)>,
    }

    impl Probe {
        fn plain(n_in: usize, n_out: usize) -> (Box<dyn BatchLearner>, Arc<Mutex<Log>>) {
            Probe::with_nan(n_in, n_out, None)
        }
        fn with_nan(
            n_in: usize,
            n_out: usize,
            nan_at: Option<(usize, usize)>,
        ) -> (Box<dyn BatchLearner>, Arc<Mutex<Log>>) {
            let log = Arc::new(Mutex::new(Log::default()));
            let p = Probe {
                sizes: vec![n_in, n_out],
                last: Vec::new(),
                log: log.clone(),
                calls: 0,
                nan_at,
            };
            (Box::new(p), log)
        }
        fn keep(&self, alpha: f64) {
            let mut log = self.log.lock().unwrap();
            log.trained.push(self.last.clone());
            log.alphas.push(alpha);
        }
    }

    impl BatchLearner for Probe {
        fn sizes(&self) -> &[usize] {
            &self.sizes
        }
        fn forward(&mut self, x: &[f32], batch: usize, q: &mut [f64]) {
            let (n_in, n_out) = (self.sizes[0], self.sizes[1]);
            self.last = x.chunks(n_in).take(batch).map(<[f32]>::to_vec).collect();
            self.log.lock().unwrap().inputs.extend_from_slice(x);
            for b in 0..batch {
                for o in 0..n_out {
                    q[b * n_out + o] = f64::from(x[b * n_in + o]);
                }
            }
            if let Some((call, pos)) = self.nan_at
                && call == self.calls
            {
                q[pos] = f64::NAN;
            }
            self.calls += 1;
        }
        fn update_qagrel(&mut self, _a: &[usize], _r: &[f64], alpha: f64) {
            self.keep(alpha);
        }
        fn update_backprop(&mut self, _labels: &[usize], alpha: f64) -> f64 {
            self.keep(alpha);
            0.0
        }
        fn weights(&self) -> Vec<DMatrix<f64>> {
            Vec::new()
        }
        fn feedback(&self) -> Option<Vec<DMatrix<f64>>> {
            None
        }
    }

    /// `n` samples whose first inputs are the one-hot class (`classes` of them) and whose
    /// last input is `i / n` (the sample's index, so a probe can tell which image it got).
    fn indexed(name: &str, n: usize, classes: usize) -> Dataset {
        let n_in = classes + 1;
        let mut inputs = Vec::with_capacity(n * n_in);
        let labels: Vec<usize> = (0..n).map(|i| (i * 7 + i / 3) % classes).collect();
        for (i, &c) in labels.iter().enumerate() {
            for j in 0..classes {
                inputs.push(if j == c { 1.0 } else { 0.0 });
            }
            inputs.push(i as f32 / n as f32);
        }
        Dataset::classification(name, n_in, inputs, labels, classes)
    }

    fn decode(column: &[f32], n: usize) -> usize {
        (column[column.len() - 1] * n as f32).round() as usize
    }

    fn qagrel(epsilon: f64) -> Method {
        Method::Qagrel {
            policy: Policy::MaxBoltzmann {
                epsilon,
                temperature: 1.0,
            },
            reward_correct: 1.0,
            reward_wrong: 0.0,
        }
    }

    /// The paper's rule on hand-made sequences: five validations equal to one decimal of a
    /// percent stop, four do not, and one that differs in the first decimal restarts the
    /// count; the rounding is half up in exact integers (97.85 % → 97.9, 97.849… → 97.8).
    #[test]
    fn stopping_rule_on_hand_made_sequences() {
        let rule = StopRule {
            window: 5,
            decimals: 1,
        };
        assert_eq!(rule.key(978, 1000), 978);
        assert_eq!(rule.key(1957, 2000), 979); // 97.85 % rounds up
        assert_eq!(rule.key(19_569, 20_000), 978); // 97.845 %
        assert_eq!(rule.key(1, 3), 333); // 33.33… %
        let whole = StopRule {
            window: 3,
            decimals: 0,
        };
        assert_eq!(whole.key(9_749, 10_000), 97);
        assert_eq!(whole.key(9_750, 10_000), 98);
        let cases: [(&[u128], bool); 6] = [
            (&[978, 978, 978, 978], false),
            (&[978, 978, 978, 978, 978], true),
            (&[975, 978, 978, 978, 978, 978], true),
            (&[978, 978, 977, 978, 978], false),
            (&[978, 978, 978, 978, 979], false),
            (&[], false),
        ];
        for (history, want) in cases {
            assert_eq!(rule.met(history), want, "{history:?}");
        }
        assert!(whole.met(&[97, 97, 97]));
    }

    /// In a run: a network that classifies perfectly validates at 100 % every time, so with
    /// validation every 5 epochs and a window of 5 the run stops at epoch 25 (the paper's
    /// earliest possible stop), with `stop_epoch` and `converged` recorded; without a stop
    /// rule it runs all its epochs and records `converged` = 0.
    #[test]
    fn a_run_stops_when_the_window_agrees() {
        let split = Split {
            train: indexed("train", 60, 3),
            test: indexed("test", 12, 3),
        };
        let mut config = ProtocolConfig::paper(qagrel(0.0), 0.5);
        config.validation_size = 10;
        config.batch = 10;
        config.epochs = 40;
        let (net, _) = Probe::plain(4, 3);
        let mut p = Protocol::new(net, split.clone(), config.clone()).unwrap();
        let mut rec = Metrics::default();
        let mut seen = 0;
        let out = p.run(&mut rec, &mut |_| seen += 1).unwrap();
        assert_eq!(out.stop_epoch, Some(25));
        assert_eq!((out.epochs.len(), seen), (25, 25));
        assert_eq!(rec.series("stop_epoch"), vec![(25, 25.0)]);
        assert_eq!(rec.series("converged"), vec![(25, 1.0)]);
        let validated: Vec<usize> = rec
            .series("validation_accuracy")
            .iter()
            .map(|&(e, _)| e)
            .collect();
        assert_eq!(validated, vec![5, 10, 15, 20, 25]);

        config.stop = None;
        config.epochs = 7;
        let (net, _) = Probe::plain(4, 3);
        let mut p = Protocol::new(net, split, config).unwrap();
        let mut rec = Metrics::default();
        let out = p.run(&mut rec, &mut |_| {}).unwrap();
        assert_eq!((out.stop_epoch, out.epochs.len()), (None, 7));
        assert_eq!(rec.series("converged"), vec![(7, 0.0)]);
        assert!(rec.series("stop_epoch").is_empty());
    }

    /// The rate passed to every update: α for epochs 1 … cut, α/factor after (the paper's
    /// cut after epoch 500 of 1000, here after 2 of 4), also as the `learning_rate` metric.
    #[test]
    fn the_learning_rate_is_cut_after_the_cut_epoch() {
        let split = Split {
            train: indexed("train", 40, 3),
            test: indexed("test", 5, 3),
        };
        let mut config = ProtocolConfig::paper(Method::Backprop, 0.08);
        config.validation_size = 10;
        config.batch = 10;
        config.epochs = 4;
        config.lr_cut = Some(LrCut {
            epoch: 2,
            factor: 10.0,
        });
        let (net, log) = Probe::plain(4, 3);
        let mut p = Protocol::new(net, split, config.clone()).unwrap();
        let mut rec = Metrics::default();
        p.run(&mut rec, &mut |_| {}).unwrap();
        // 30 training images per epoch in batches of 10: three updates per epoch.
        let want: Vec<f64> = [0.08, 0.08, 0.008, 0.008]
            .iter()
            .flat_map(|&a| [a; 3])
            .collect();
        assert_eq!(log.lock().unwrap().alphas, want);
        assert_eq!(
            rec.series("learning_rate"),
            vec![(1, 0.08), (2, 0.08), (3, 0.008), (4, 0.008)]
        );
        // The paper's schedule: epoch 500 still at α, 501 at α/10; no cut: α throughout.
        let paper = ProtocolConfig::paper(Method::Backprop, 0.05);
        assert_eq!(paper.learning_rate(500), 0.05);
        assert_eq!(paper.learning_rate(501), 0.005);
        config.lr_cut = None;
        assert_eq!(config.learning_rate(10_000), 0.08);
    }

    /// The validation draw: each epoch `validation_size` distinct training images, none of
    /// which the epoch trains on, all others trained exactly once; a fresh draw each epoch
    /// (two draws of 30 of 120 agree entirely with probability ~1e-28), and over 20 epochs
    /// nearly every image has been drawn at least once (an image escapes all 20 draws with
    /// probability (3/4)^20 ≈ 0.3 %, so at most a few of 120: bound 10).
    #[test]
    fn validation_images_are_drawn_each_epoch_and_left_out_of_its_training() {
        let n = 120;
        let split = Split {
            train: indexed("train", n, 3),
            test: indexed("test", 6, 3),
        };
        let mut config = ProtocolConfig::paper(qagrel(0.1), 0.5);
        config.validation_size = 30;
        config.batch = 20;
        config.epochs = 20;
        config.stop = None;
        let (net, log) = Probe::plain(4, 3);
        let mut p = Protocol::new(net, split, config).unwrap();
        let mut ever = vec![false; n];
        let mut previous: Vec<usize> = Vec::new();
        for epoch in 1..=20 {
            let before = log.lock().unwrap().trained.len();
            p.train_epoch(&mut NullRecorder).unwrap();
            let mut validation = p.validation_set().to_vec();
            validation.sort_unstable();
            validation.dedup();
            assert_eq!(validation.len(), 30, "epoch {epoch}: distinct images");
            let log = log.lock().unwrap();
            // 90 training images in batches of 20: 5 updates (the last of 10).
            assert_eq!(log.trained.len() - before, 5);
            let mut trained: Vec<usize> = log.trained[before..]
                .iter()
                .flatten()
                .map(|c| decode(c, n))
                .collect();
            trained.sort_unstable();
            let mut all = trained.clone();
            all.extend(&validation);
            all.sort_unstable();
            assert_eq!(all, (0..n).collect::<Vec<_>>(), "epoch {epoch}");
            assert!(validation.iter().all(|v| trained.binary_search(v).is_err()));
            assert_ne!(validation, previous, "epoch {epoch}: the same draw again");
            validation.iter().for_each(|&v| ever[v] = true);
            previous = validation;
        }
        assert!(ever.iter().filter(|&&e| !e).count() <= 10);
    }

    /// The validation accuracy is the greedy accuracy on exactly the epoch's drawn validation
    /// set: the images of the validation pass are those of [`Protocol::validation_set`], and
    /// with a probe that answers right on even-indexed images only, `validation_accuracy` is
    /// the fraction of even indices in that set (an exact ratio of counts; measuring on any
    /// other 30 images, e.g. training images, gives another set and, over ten epochs, another
    /// fraction).
    #[test]
    fn validation_accuracy_is_measured_on_the_drawn_validation_set() {
        let n = 120;
        let mut train = indexed("train", n, 3);
        // Odd images: the one-hot input names the next class, so the probe answers wrong.
        for i in (1..n).step_by(2) {
            let row = &mut train.inputs[i * 4..i * 4 + 3];
            row.rotate_right(1);
        }
        let split = Split {
            train,
            test: indexed("test", 6, 3),
        };
        let mut config = ProtocolConfig::paper(qagrel(0.1), 0.5);
        config.validation_size = 30;
        config.batch = 20;
        config.epochs = 10;
        config.validate_every = 1;
        config.stop = None;
        let (net, log) = Probe::plain(4, 3);
        let mut p = Protocol::new(net, split, config).unwrap();
        for epoch in 1..=10 {
            let before = log.lock().unwrap().inputs.len() / 4;
            let m = p.train_epoch(&mut NullRecorder).unwrap();
            let mut validation = p.validation_set().to_vec();
            validation.sort_unstable();
            // Forward passes of the epoch: 90 training images, then the 30 validated, then
            // the 6 test images.
            let log = log.lock().unwrap();
            let columns: Vec<&[f32]> = log.inputs.chunks(4).skip(before).collect();
            assert_eq!(columns.len(), 90 + 30 + 6, "epoch {epoch}");
            let mut validated: Vec<usize> = columns[90..120].iter().map(|c| decode(c, n)).collect();
            validated.sort_unstable();
            assert_eq!(validated, validation, "epoch {epoch}: the images validated");
            let even = validation.iter().filter(|&&i| i % 2 == 0).count();
            assert_eq!(
                m.validation_accuracy,
                Some(even as f64 / 30.0),
                "epoch {epoch}"
            );
        }
    }

    /// Binary pixels: 1 above the threshold, 0 at or below it, for every image the network
    /// sees; unit pixels pass the stored values and refuse values outside [0, 1].
    #[test]
    fn binary_pixels_threshold_the_stored_values() {
        let px = Pixels::Binary { threshold: 0.5 };
        assert_eq!(
            [0.0, 0.2, 0.5, 0.51, 1.0].map(|v| px.convert(v)),
            [0.0, 0.0, 0.0, 1.0, 1.0]
        );
        assert_eq!(Pixels::Unit.convert(0.3), 0.3);
        // Grey images: values i/255 over the whole range.
        let grey = |name: &str, n: usize| {
            let inputs: Vec<f32> = (0..n * 4).map(|i| (i % 256) as f32 / 255.0).collect();
            let labels = (0..n).map(|i| i % 3).collect();
            Dataset::classification(name, 4, inputs, labels, 3)
        };
        let split = Split {
            train: grey("train", 64),
            test: grey("test", 8),
        };
        let mut config = ProtocolConfig::paper(qagrel(0.1), 0.5);
        config.validation_size = 4;
        config.batch = 10;
        config.epochs = 1;
        config.pixels = Pixels::Binary { threshold: 0.5 };
        let (net, log) = Probe::plain(4, 3);
        Protocol::new(net, split.clone(), config.clone())
            .unwrap()
            .run(&mut NullRecorder, &mut |_| {})
            .unwrap();
        let seen = &log.lock().unwrap().inputs;
        assert!(seen.iter().all(|&v| v == 0.0 || v == 1.0));
        assert!(seen.contains(&0.0) && seen.contains(&1.0));
        // Unit: the grey levels themselves reach the network.
        config.pixels = Pixels::Unit;
        let (net, log) = Probe::plain(4, 3);
        Protocol::new(net, split.clone(), config.clone())
            .unwrap()
            .run(&mut NullRecorder, &mut |_| {})
            .unwrap();
        assert!(log.lock().unwrap().inputs.contains(&(100.0 / 255.0)));
        let mut bright = split;
        bright.test.inputs[5] = 2.0;
        let (net, _) = Probe::plain(4, 3);
        let err = Protocol::new(net, bright, config).err().unwrap();
        assert!(
            matches!(&err, ProtocolError::Data { name, reason } if name == "test" && reason.contains("sample 1, input 1")),
            "{err}"
        );
    }

    /// Three classes, each a noisy prototype (0.8 on its own input, uniform noise in
    /// [0, 0.2) on all four): linearly separable.
    fn separable(name: &str, n: usize, seed: u64) -> Dataset {
        use rand::RngExt;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let labels: Vec<usize> = (0..n).map(|i| i % 3).collect();
        let mut inputs = Vec::with_capacity(n * 4);
        for &c in &labels {
            for j in 0..4 {
                let base = if j == c { 0.8 } else { 0.0 };
                inputs.push(base + 0.2 * rng.random::<f32>());
            }
        }
        Dataset::classification(name, 4, inputs, labels, 3)
    }

    fn tiny(method: Method, alpha: f64, epochs: usize, seed: u64) -> (Protocol, Metrics) {
        let split = Split {
            train: separable("train", 300, 1),
            test: separable("test", 150, 2),
        };
        let spec = NetSpec {
            sizes: vec![4, 16, 3],
            init: 0.05,
            biases: false,
            feedback: FeedbackMode::Symmetric,
            precision: Precision::F64,
            threads: 1,
        };
        let mut config = ProtocolConfig::paper(method, alpha);
        config.validation_size = 30;
        config.batch = 10;
        config.epochs = epochs;
        config.seed = seed;
        let mut p = Protocol::new(build(&spec, seed), split, config).unwrap();
        let mut rec = Metrics::default();
        p.run(&mut rec, &mut |_| {}).unwrap();
        (p, rec)
    }

    /// A tiny run learns a separable task: chance is 1/3 and an untrained network's greedy
    /// choice is near it, so ≥ 90 % test accuracy after at most 30 epochs means both rules
    /// learned (a sign error or a missing update stays near 1/3); the selection fractions sum
    /// to 1. (ε = 0.2: with little exploration a class may stay undiscovered for long, the
    /// paper's Fig. 6 effect; at ε = 0.05 seed 3 sits at 78 % after 30 epochs.)
    #[test]
    fn a_tiny_run_learns_a_separable_task() {
        for (method, alpha) in [(qagrel(0.2), 0.5), (Method::Backprop, 0.1)] {
            let (p, rec) = tiny(method, alpha, 30, 4);
            let test = rec.series("test_accuracy");
            let (_, last) = *test.last().unwrap();
            assert!(last >= 0.9, "{method:?}: test accuracy {test:?}");
            assert!(p.epoch() >= 25);
            let e = p.epoch();
            let sum: f64 = (0..3)
                .map(|a| rec.series(&format!("selected_{a}"))[e - 1].1)
                .sum();
            assert!((sum - 1.0).abs() < 1e-12);
            let named = if matches!(method, Method::Backprop) {
                "train_loss"
            } else {
                "mean_reward"
            };
            assert_eq!(rec.series(named).len(), e);
        }
    }

    /// Same seed, bit-identical metrics and weights; a run shortened to 3 epochs is exactly the
    /// first 3 epochs of a 6-epoch run (the cut epoch stays where it is); another seed differs.
    #[test]
    fn reruns_are_bit_identical_and_a_shortened_run_is_a_prefix() {
        let strip = |rec: &Metrics| -> Vec<(String, usize, u64)> {
            rec.0
                .iter()
                .filter(|(n, _, _)| n != "wall_seconds")
                .map(|(n, e, v)| (n.clone(), *e, v.to_bits()))
                .collect()
        };
        let (a, ra) = tiny(qagrel(0.05), 0.5, 6, 7);
        let (b, rb) = tiny(qagrel(0.05), 0.5, 6, 7);
        assert_eq!(strip(&ra), strip(&rb));
        assert_eq!(a.network().weights(), b.network().weights());
        let (_, short) = tiny(qagrel(0.05), 0.5, 3, 7);
        let full = strip(&ra);
        let prefix: Vec<_> = full.iter().filter(|(_, e, _)| *e <= 3).cloned().collect();
        let short: Vec<_> = strip(&short)
            .into_iter()
            .filter(|(n, _, _)| n != "converged")
            .collect();
        assert_eq!(short, prefix);
        let (c, _) = tiny(qagrel(0.05), 0.5, 6, 8);
        assert_ne!(a.network().weights(), c.network().weights());
    }

    /// A NaN Q value is an error naming the pass, epoch, batch, column, data-set index and
    /// unit, never a success: the probe's 8th forward call (epoch 2's third training batch;
    /// epoch 1 has 4 training batches and one test pass) returns NaN at column 1, unit 2. A
    /// real network at a diverging rate (α = 1e4) ends with the same error, not a result.
    #[test]
    fn a_non_finite_q_value_stops_the_run_with_its_place() {
        let n = 50;
        let split = Split {
            train: indexed("train", n, 3),
            test: indexed("test", 6, 3),
        };
        let mut config = ProtocolConfig::paper(qagrel(0.1), 0.5);
        config.validation_size = 10;
        config.batch = 10;
        config.epochs = 3;
        let (net, log) = Probe::with_nan(4, 3, Some((7, 3 + 2)));
        let mut p = Protocol::new(net, split.clone(), config.clone()).unwrap();
        let err = p.run(&mut NullRecorder, &mut |_| {}).unwrap_err();
        let log = log.lock().unwrap();
        let column = &log.inputs[log.inputs.len() - 10 * 4..][4..8];
        let index = decode(column, n);
        let ProtocolError::NonFiniteQ {
            phase,
            epoch,
            batch,
            sample,
            index: got,
            unit,
            value,
        } = err
        else {
            panic!("{err}");
        };
        assert_eq!(
            (phase, epoch, batch, sample, got, unit),
            (Phase::Training, 2, 2, 1, index, 2)
        );
        assert!(value.is_nan());
        let (_, diverging) = {
            let spec = NetSpec {
                sizes: vec![4, 3],
                init: 0.05,
                biases: false,
                feedback: FeedbackMode::Symmetric,
                precision: Precision::F64,
                threads: 1,
            };
            config.learning_rate = 1e4;
            config.epochs = 50;
            let split = Split {
                train: separable("train", 100, 1),
                test: separable("test", 30, 2),
            };
            let mut p = Protocol::new(build(&spec, 0), split, config).unwrap();
            ((), p.run(&mut NullRecorder, &mut |_| {}))
        };
        assert!(
            matches!(diverging, Err(ProtocolError::NonFiniteQ { .. })),
            "{diverging:?}"
        );
    }

    /// The stop flag (Ctrl-C) stops the run after the current batch with `Interrupted`
    /// naming the completed epochs, never with a result.
    #[test]
    fn the_stop_flag_interrupts() {
        let split = Split {
            train: indexed("train", 40, 3),
            test: indexed("test", 5, 3),
        };
        let mut config = ProtocolConfig::paper(qagrel(0.1), 0.5);
        config.validation_size = 10;
        config.batch = 10;
        config.epochs = 5;
        let (net, _) = Probe::plain(4, 3);
        let mut p = Protocol::new(net, split, config).unwrap();
        let flag = Arc::new(AtomicBool::new(false));
        p.set_stop_flag(flag.clone());
        let result = p.run(&mut NullRecorder, &mut |m| {
            if m.epoch == 2 {
                flag.store(true, Ordering::Relaxed);
            }
        });
        assert_eq!(result.err(), Some(ProtocolError::Interrupted { epoch: 2 }));
    }
}

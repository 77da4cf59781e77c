//! The sections and keys of a model file. Unknown keys are errors.

use serde::{Deserialize, Serialize};

/// A whole model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    /// Layers, activations, time constants, look-ahead.
    pub network: Network,
    /// Nudging and learning rates.
    #[serde(default)]
    pub plasticity: Plasticity,
    /// The data.
    pub task: Task,
    /// Epochs, presentation time, batch, seed.
    #[serde(default)]
    pub training: Training,
    /// The integration method.
    #[serde(default)]
    pub integrator: Integrator,
    /// What is written to the trace file.
    #[serde(default)]
    pub record: Record,
    /// Trials of reward rules (`plasticity.rule` with a reward); absent for supervised rules.
    pub trial: Option<Trial>,
}

/// A number or one number per layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged, expecting = "expected a number or a list of numbers")]
pub enum PerLayer {
    /// The same value for every layer.
    One(f64),
    /// One value per non-input layer (or projection).
    Each(Vec<f64>),
}

impl PerLayer {
    /// Values for `n` layers.
    pub fn expand(&self, n: usize) -> Vec<f64> {
        match self {
            PerLayer::One(v) => vec![*v; n],
            PerLayer::Each(v) => v.clone(),
        }
    }
}

/// `[network]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// Layer sizes, input first.
    pub sizes: Vec<i64>,
    /// Activation per non-input layer (`tanh`, `logistic`, `relu`, `hard-sigmoid`, `softplus`,
    /// `linear`); default: `tanh` hidden, `linear` output.
    pub activations: Option<Vec<String>>,
    /// Membrane time constant τ (time units), one value or one per layer. Default 10.
    #[serde(default = "default_tau")]
    pub tau: PerLayer,
    /// Read rates and errors from the look-ahead voltage ŭ. Default true.
    #[serde(default = "yes")]
    pub lookahead: bool,
    /// Treatment of the algebraic loop: `vanilla` (default) or `exact`.
    #[serde(default = "default_loop", rename = "loop")]
    pub loop_treatment: String,
    /// Initial weights: `glorot` (default) or a standard deviation per projection.
    #[serde(default)]
    pub init_std: Option<PerLayer>,
    /// Fixed-point tolerance of the exact treatment (voltage units). Default 1e-10.
    #[serde(default = "default_fp_tol")]
    pub fixed_point_tolerance: f64,
    /// Exploration noise into layers (`[[network.noise]]`), at most one entry per layer.
    #[serde(default)]
    pub noise: Vec<Noise>,
    /// What carries errors backward: `symmetric` (Wᵀ, default) or `random` (fixed random
    /// matrices, feedback alignment); the algorithmic form also has `learned` (Q-AGREL's
    /// feedback weights learn by the forward rule from their own random start).
    #[serde(default = "default_feedback")]
    pub feedback: String,
    /// `prospective` (default: the time-continuous network of neurons) or `algorithmic`
    /// (seed 002's feed-forward ReLU network trained batch by batch by Q-AGREL or backprop
    /// under the paper's protocol; `model/algorithmic.rs`).
    #[serde(default = "default_form")]
    pub form: String,
    /// Algorithmic form: weights drawn from U[−init, init]. Default 0.05 (the paper).
    pub init: Option<f64>,
    /// Algorithmic form: with biases (zero at the start, learning). Default false (the paper).
    pub biases: Option<bool>,
    /// Algorithmic form: `f32` (default) or `f64` weights and activations.
    pub precision: Option<String>,
    /// Algorithmic form: threads of the matrix products. Default 1.
    pub threads: Option<i64>,
}

/// One `[[network.noise]]` entry: noise into one non-input layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Noise {
    /// The non-input layer, 1-based (`layer<k>` of the trace file).
    pub layer: i64,
    /// `ornstein-uhlenbeck`, `white` or `bernoulli`.
    pub kind: String,
    /// Correlation time τ_c of the Ornstein–Uhlenbeck process (time units).
    pub tau_c: Option<f64>,
    /// Stationary standard deviation (OU, voltage units) or intensity (white, voltage ·
    /// √time unit).
    pub sigma: Option<f64>,
    /// Factor on the noise added to the voltage (ŭ = W r + b + e + gain·ξ). Default 1.
    #[serde(default = "one")]
    pub gain: f64,
}

/// `[plasticity]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plasticity {
    /// The learning rule, a name of the rule registry (`prospect_reward::registry`). Default
    /// `local-error`.
    #[serde(default = "default_rule")]
    pub rule: String,
    /// The rules' own tables `[plasticity.<rule>]` (as JSON values, handed to the rule's
    /// builder). Taken out of the file before the other keys are read (see `load`).
    #[serde(skip)]
    pub rules: std::collections::BTreeMap<String, serde_json::Value>,
    /// Output nudging strength β (dimensionless). Default 0.1.
    #[serde(default = "default_beta")]
    pub beta: f64,
    /// `voltage` (default) or `rate` target.
    #[serde(default = "default_target")]
    pub target: String,
    /// Learning rate η per projection (1 / time unit).
    pub eta: Option<PerLayer>,
    /// Learning rate per presentation η·T (dimensionless); η = this / presentation_time.
    pub eta_per_presentation: Option<PerLayer>,
    /// Whether biases learn (with η). Default true.
    #[serde(default = "yes")]
    pub learn_biases: bool,
}

impl Default for Plasticity {
    fn default() -> Self {
        Plasticity {
            rule: default_rule(),
            rules: Default::default(),
            beta: default_beta(),
            target: default_target(),
            eta: None,
            eta_per_presentation: None,
            learn_biases: true,
        }
    }
}

/// `[task]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// `yin-yang`, `idx` (MNIST-format folder), `teacher-student`, `patterns` (fixed random
    /// binary patterns, one class each) or `gaussian-bandit` (reward rules).
    pub kind: String,
    /// Training samples (generated tasks) or the first that many (idx). Default: 5000 / all.
    pub n_train: Option<i64>,
    /// Test samples (generated tasks) or the first that many (idx). Default: 1000 / all.
    pub n_test: Option<i64>,
    /// MNIST-format folder (`idx`). Default: Debian's Fashion-MNIST.
    pub path: Option<String>,
    /// Teacher sizes `[inputs, hidden, outputs]` (`teacher-student`).
    pub teacher: Option<Vec<i64>>,
    /// Seed of generated data. Default: the training seed.
    pub data_seed: Option<u64>,
    /// Arms of the `gaussian-bandit` (one output per arm). Default: the output size.
    pub arms: Option<i64>,
    /// Mean of the bandit's true arm values, q*(a) ~ N(arm_mean, 1). Default 0.
    pub arm_mean: Option<f64>,
    /// Number of fixed random patterns (`patterns`). Default: the output size.
    pub n_patterns: Option<i64>,
    /// Reward for a correct class guess (reward rules on classification tasks). Default 1.
    pub reward_correct: Option<f64>,
    /// Reward for a wrong class guess. Default −1 (0 for `network.form = "algorithmic"`).
    pub reward_wrong: Option<f64>,
    /// Algorithmic form: `unit` (default; stored values, pixels / 255 ∈ [0, 1]) or `binary`
    /// (1 above `pixel_threshold`, else 0).
    pub pixels: Option<String>,
    /// Threshold of `pixels = "binary"` on the stored value. Default 0.5.
    pub pixel_threshold: Option<f64>,
}

/// `[trial]`: how a reward rule's trials run (the trial driver of `prospect_reward`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trial {
    /// Length of a trial (time units). Default 30.
    #[serde(default = "default_trial_time")]
    pub time: f64,
    /// When the action is read and the reward delivered (time units, in (0, time]). Default 25.
    #[serde(default = "default_readout_time")]
    pub readout_time: f64,
    /// Raised-cosine ramp-up of the input (time units). Default 5.
    #[serde(default = "default_ramp")]
    pub ramp_up: f64,
    /// Raised-cosine ramp-down of the input (time units). Default 5.
    #[serde(default = "default_ramp")]
    pub ramp_down: f64,
    /// Low-pass time constant τ_r of the outputs the policy reads (time units). Default 0.1.
    #[serde(default = "default_readout_tau")]
    pub readout_tau: f64,
    /// `greedy` (default), `epsilon-greedy`, `softmax` or `max-boltzmann`.
    #[serde(default = "default_policy")]
    pub policy: String,
    /// ε of `epsilon-greedy` and `max-boltzmann`.
    pub epsilon: Option<f64>,
    /// Temperature of `softmax` and `max-boltzmann`.
    pub temperature: Option<f64>,
    /// Reset voltages at each trial start. Default false.
    #[serde(default)]
    pub reset: bool,
    /// Anneal every rate as 1 / (1 + n / anneal_trials) after n trials. Default: constant.
    pub anneal_trials: Option<f64>,
    /// Trials per epoch. Default: one pass over the training set (classification tasks);
    /// required for bandits.
    pub trials_per_epoch: Option<i64>,
}

impl Default for Trial {
    fn default() -> Self {
        Trial {
            time: default_trial_time(),
            readout_time: default_readout_time(),
            ramp_up: default_ramp(),
            ramp_down: default_ramp(),
            readout_tau: default_readout_tau(),
            policy: default_policy(),
            epsilon: None,
            temperature: None,
            reset: false,
            anneal_trials: None,
            trials_per_epoch: None,
        }
    }
}

/// `[training]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Training {
    /// Passes over the training set. Default 10.
    #[serde(default = "default_epochs")]
    pub epochs: i64,
    /// Presentation time T per pattern (time units). Default 1.
    #[serde(default = "one")]
    pub presentation_time: f64,
    /// Samples presented in parallel. Default 20.
    #[serde(default = "default_batch")]
    pub batch: i64,
    /// Seed of weights and shuffling (and generated data unless `task.data_seed`). Default 0.
    #[serde(default)]
    pub seed: u64,
    /// Shuffle every epoch. Default true.
    #[serde(default = "yes")]
    pub shuffle: bool,
    /// Reset voltages at each pattern onset. Default false.
    #[serde(default)]
    pub reset_between_patterns: bool,
    /// Evaluate the test set every this many epochs. Default 1.
    #[serde(default = "default_one_i")]
    pub evaluate_every: i64,
    /// Algorithmic form: learning rate α of every update (dimensionless; required).
    pub learning_rate: Option<f64>,
    /// Algorithmic form: the last epoch at the full rate. Default 500 (the paper).
    pub lr_cut_epoch: Option<i64>,
    /// Algorithmic form: the rate is divided by this after `lr_cut_epoch`. Default 10.
    pub lr_cut_factor: Option<f64>,
    /// Algorithmic form: training images drawn each epoch as the validation set and left out
    /// of its training. Default 1000.
    pub validation_size: Option<i64>,
    /// Algorithmic form: validate every this many epochs. Default 5.
    pub validate_every: Option<i64>,
    /// Algorithmic form: stop when this many consecutive validations agree (0: never stop
    /// early). Default 5.
    pub stop_window: Option<i64>,
    /// Algorithmic form: decimals of a percent to which they must agree. Default 1.
    pub stop_decimals: Option<i64>,
}

impl Default for Training {
    fn default() -> Self {
        Training {
            epochs: default_epochs(),
            presentation_time: 1.0,
            batch: default_batch(),
            seed: 0,
            shuffle: true,
            reset_between_patterns: false,
            evaluate_every: 1,
            learning_rate: None,
            lr_cut_epoch: None,
            lr_cut_factor: None,
            validation_size: None,
            validate_every: None,
            stop_window: None,
            stop_decimals: None,
        }
    }
}

/// `[integrator]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Integrator {
    /// `euler` (default), `rk4`, `exponential-euler`, `bs3`, `dopri5`, `rodas4`.
    #[serde(default = "default_method")]
    pub method: String,
    /// Step of fixed-step methods (time units). Default 0.1.
    #[serde(default = "default_dt")]
    pub dt: f64,
    /// Relative tolerance of adaptive methods. Default 1e-6.
    #[serde(default = "default_rtol")]
    pub rtol: f64,
    /// Absolute tolerance of adaptive methods (voltage units). Default 1e-8.
    #[serde(default = "default_atol")]
    pub atol: f64,
}

impl Default for Integrator {
    fn default() -> Self {
        Integrator {
            method: default_method(),
            dt: default_dt(),
            rtol: default_rtol(),
            atol: default_atol(),
        }
    }
}

/// `[record]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// Populations (`layer1` … `layerL`). Default: all.
    pub populations: Option<Vec<String>>,
    /// Variables among `u`, `u_breve`, `r`, `e`, `target`, `noise` and the selected rule's
    /// variables. Default: all.
    pub variables: Option<Vec<String>>,
    /// Units (columns) to record of each population. Default: the first 10.
    pub units: Option<Vec<i64>>,
    /// Sampling interval (time units); 0 records every step. Default 0.
    #[serde(default)]
    pub every: f64,
    /// Epochs whose training is recorded: numbers, `"first"`, `"last"`. Default: first and
    /// last (every epoch when `windows` is given).
    pub epochs: Option<Vec<toml::Value>>,
    /// Time windows `[[t0, t1], …]` (time units) outside which nothing is recorded.
    pub windows: Option<Vec<Vec<f64>>>,
    /// Also store weight snapshots at the end of recorded epochs. Default false.
    #[serde(default)]
    pub weights: bool,
    /// Record nothing but metrics and events. Default false.
    #[serde(default)]
    pub off: bool,
}

impl Default for Record {
    fn default() -> Self {
        Record {
            populations: None,
            variables: None,
            units: None,
            every: 0.0,
            epochs: None,
            windows: None,
            weights: false,
            off: false,
        }
    }
}

fn default_rule() -> String {
    "local-error".into()
}
fn default_feedback() -> String {
    "symmetric".into()
}
fn default_form() -> String {
    "prospective".into()
}
fn default_trial_time() -> f64 {
    30.0
}
fn default_readout_time() -> f64 {
    25.0
}
fn default_ramp() -> f64 {
    5.0
}
fn default_readout_tau() -> f64 {
    0.1
}
fn default_policy() -> String {
    "greedy".into()
}
fn default_tau() -> PerLayer {
    PerLayer::One(10.0)
}
fn yes() -> bool {
    true
}
fn one() -> f64 {
    1.0
}
fn default_one_i() -> i64 {
    1
}
fn default_loop() -> String {
    "vanilla".into()
}
fn default_fp_tol() -> f64 {
    1e-10
}
fn default_beta() -> f64 {
    0.1
}
fn default_target() -> String {
    "voltage".into()
}
fn default_epochs() -> i64 {
    10
}
fn default_batch() -> i64 {
    20
}
fn default_method() -> String {
    "euler".into()
}
fn default_dt() -> f64 {
    0.1
}
fn default_rtol() -> f64 {
    1e-6
}
fn default_atol() -> f64 {
    1e-8
}

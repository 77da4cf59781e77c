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
}

/// `[plasticity]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plasticity {
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
    /// `yin-yang`, `idx` (MNIST-format folder) or `teacher-student`.
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
    /// Variables among `u`, `u_breve`, `r`, `e`, `target`. Default: all.
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

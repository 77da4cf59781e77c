//! The algorithmic form, `network.form = "algorithmic"`: seed 002's feed-forward ReLU network
//! trained batch by batch by Q-AGREL (`plasticity.rule = "qagrel"`) or its error-backprop
//! baseline (`"backprop"`) under the paper's protocol (`prospect_reward::qagrel::protocol`).
//!
//! The form, not the rule name, selects this path, so that a rule of the same name may run on
//! the prospective network in continuous time. Its keys (docs/model-files.md, "Q-AGREL"):
//!
//! - `[network]` `form`, `sizes`, `feedback` (`symmetric`, `learned`, `random`; Q-AGREL only),
//!   `init`, `biases`, `precision`, `threads`;
//! - `[plasticity]` `rule`;
//! - `[task]` `kind` (`idx`, `yin-yang`, `patterns`), `path`, `n_train`, `n_test`,
//!   `data_seed`, `n_patterns`, `pixels`, `pixel_threshold`, and (Q-AGREL) `reward_correct`,
//!   `reward_wrong`;
//! - `[trial]` `policy`, `epsilon`, `temperature` (Q-AGREL only);
//! - `[training]` `epochs`, `batch`, `seed`, `learning_rate`, `lr_cut_epoch`,
//!   `lr_cut_factor`, `validation_size`, `validate_every`, `stop_window`, `stop_decimals`;
//! - `[record]` `off`, `weights`, `epochs`.
//!
//! Every other key has no meaning here and is refused with the reason, as are the algorithmic
//! keys under the prospective form.

use prospect_reward::Policy;
use prospect_reward::qagrel::protocol::{
    LrCut, Method, Pixels, Protocol, ProtocolConfig, ProtocolError, StopRule,
};
use prospect_reward::qagrel::{FeedbackMode, NetSpec, Precision, build};

use super::load::{Model, ModelError};
use super::schema::ModelFile;

type Check = Result<(), (String, String)>;

fn fail<T>(key: &str, reason: impl Into<String>) -> Result<T, (String, String)> {
    Err((key.to_string(), reason.into()))
}

/// Keys the algorithmic form reads, per section (`None`: the whole section is refused).
const KEYS: [(&str, Option<&[&str]>); 7] = [
    (
        "network",
        Some(&[
            "form",
            "sizes",
            "feedback",
            "init",
            "biases",
            "precision",
            "threads",
        ]),
    ),
    ("plasticity", Some(&["rule"])),
    (
        "task",
        Some(&[
            "kind",
            "path",
            "n_train",
            "n_test",
            "data_seed",
            "n_patterns",
            "pixels",
            "pixel_threshold",
            "reward_correct",
            "reward_wrong",
        ]),
    ),
    ("trial", Some(&["policy", "epsilon", "temperature"])),
    (
        "training",
        Some(&[
            "epochs",
            "batch",
            "seed",
            "learning_rate",
            "lr_cut_epoch",
            "lr_cut_factor",
            "validation_size",
            "validate_every",
            "stop_window",
            "stop_decimals",
        ]),
    ),
    ("record", Some(&["off", "weights", "epochs"])),
    ("integrator", None),
];

/// Keys only the algorithmic form reads (refused under the prospective one).
const ONLY_ALGORITHMIC: [(&str, &str); 13] = [
    ("network", "init"),
    ("network", "biases"),
    ("network", "precision"),
    ("network", "threads"),
    ("task", "pixels"),
    ("task", "pixel_threshold"),
    ("training", "learning_rate"),
    ("training", "lr_cut_epoch"),
    ("training", "lr_cut_factor"),
    ("training", "validation_size"),
    ("training", "validate_every"),
    ("training", "stop_window"),
    ("training", "stop_decimals"),
];

/// Whether the model file selects the algorithmic form.
pub fn is_algorithmic(m: &ModelFile) -> bool {
    m.network.form == "algorithmic"
}

/// The keys given in `raw` (the model as written, with overrides) under `section`.
fn given_keys<'a>(raw: &'a toml::Table, section: &str) -> Vec<&'a String> {
    raw.get(section)
        .and_then(toml::Value::as_table)
        .map(|t| t.keys().collect())
        .unwrap_or_default()
}

fn given(raw: &toml::Table, section: &str, key: &str) -> bool {
    given_keys(raw, section).iter().any(|k| *k == key)
}

/// Refuses the algorithmic form's own keys under the prospective form, and an unknown form.
pub fn check_prospective(m: &ModelFile, raw: &toml::Table) -> Check {
    if m.network.form != "prospective" {
        return fail(
            "network.form",
            format!(
                "{:?}: expected \"prospective\" or \"algorithmic\"",
                m.network.form
            ),
        );
    }
    for (section, key) in ONLY_ALGORITHMIC {
        if given(raw, section, key) {
            return fail(
                &format!("{section}.{key}"),
                "only the algorithmic network reads it (network.form = \"algorithmic\")",
            );
        }
    }
    Ok(())
}

/// Why a key has no meaning under the algorithmic form.
fn why_not(section: &str, key: &str) -> &'static str {
    match (section, key) {
        ("network", "activations") => {
            "the algorithmic network has ReLU hidden layers and linear Q outputs (the paper's)"
        }
        ("network", "init_std") => "its weights are drawn from U[−init, init]: set network.init",
        ("network", _) => {
            "the algorithmic network has no time, neurons' dynamics or noise (network.form = \"algorithmic\")"
        }
        ("plasticity", "eta" | "eta_per_presentation") => {
            "its learning rate is training.learning_rate (dimensionless, per batch update)"
        }
        ("plasticity", _) => {
            "the algorithmic form's rules (qagrel, backprop) have no parameters besides training.learning_rate"
        }
        ("training", "evaluate_every") => "the protocol measures the test accuracy every epoch",
        ("training", "shuffle") => "the protocol shuffles every epoch to draw its validation set",
        ("training", _) => "the algorithmic form has no presentation time or voltages",
        ("trial", _) => {
            "the algorithmic form has no trial time: only policy, epsilon and temperature"
        }
        ("record", _) => {
            "the algorithmic form records metrics per epoch (and weights with record.weights), no time series"
        }
        ("integrator", _) => "the algorithmic form integrates no ODE",
        _ => "the algorithmic form does not read it",
    }
}

/// Every check of the algorithmic form's keys (module docs); `raw` tells given keys from
/// defaults. Ends with the memory budget.
pub fn check(m: &ModelFile, raw: &toml::Table) -> Check {
    for (section, allowed) in KEYS {
        let keys = given_keys(raw, section);
        let Some(allowed) = allowed else {
            if raw.contains_key(section) {
                return fail(section, why_not(section, ""));
            }
            continue;
        };
        for key in keys {
            if !allowed.contains(&key.as_str()) {
                return fail(&format!("{section}.{key}"), why_not(section, key));
            }
        }
    }
    let sizes = &m.network.sizes;
    if sizes.len() < 2 {
        return fail(
            "network.sizes",
            format!("{sizes:?}: need an input and at least one layer"),
        );
    }
    if let Some(i) = sizes.iter().position(|&s| s <= 0) {
        return fail(
            "network.sizes",
            format!("size {i} = {} must be > 0", sizes[i]),
        );
    }
    let backprop = match m.plasticity.rule.as_str() {
        "qagrel" => false,
        "backprop" => true,
        other => {
            return fail(
                "plasticity.rule",
                format!(
                    "{other:?}: the algorithmic network learns by \"qagrel\" or \"backprop\" (other rules run on network.form = \"prospective\")"
                ),
            );
        }
    };
    if backprop {
        for (section, key) in [
            ("network", "feedback"),
            ("task", "reward_correct"),
            ("task", "reward_wrong"),
        ] {
            if given(raw, section, key) {
                return fail(
                    &format!("{section}.{key}"),
                    "backprop learns from one-hot targets through Wᵀ: rewards and feedback are Q-AGREL's (plasticity.rule = \"qagrel\")",
                );
            }
        }
        if raw.contains_key("trial") {
            return fail(
                "trial",
                "backprop selects no action: the policy is Q-AGREL's (plasticity.rule = \"qagrel\")",
            );
        }
    }
    net_spec(m)?;
    match m.task.kind.as_str() {
        "idx" => {
            let path = m
                .task
                .path
                .as_deref()
                .unwrap_or(prospect_tasks::idx::FASHION_MNIST_DIR);
            if !std::path::Path::new(path).is_dir() {
                return fail(
                    "task.path",
                    format!(
                        "{path}: no such folder (install dataset-fashion-mnist or point to an MNIST-format folder)"
                    ),
                );
            }
        }
        "yin-yang" | "patterns" => {}
        other => {
            return fail(
                "task.kind",
                format!(
                    "{other:?}: the algorithmic network classifies: expected \"idx\", \"yin-yang\" or \"patterns\""
                ),
            );
        }
    }
    if m.task.kind != "patterns" && m.task.n_patterns.is_some() {
        return fail("task.n_patterns", "only the patterns task has it");
    }
    for (key, v) in [
        ("task.n_train", m.task.n_train),
        ("task.n_test", m.task.n_test),
    ] {
        if let Some(n) = v
            && n <= 0
        {
            return fail(key, format!("{n} must be > 0"));
        }
    }
    let config = protocol_config(m)?;
    if let Some(n) = m.task.n_train
        && config.validation_size as i64 >= n
    {
        return fail(
            "training.validation_size",
            format!(
                "{} leaves no training image of task.n_train = {n}",
                config.validation_size
            ),
        );
    }
    super::bounds::check_bounds(m)?;
    super::budget::check(m)
}

/// The network of the model file.
pub fn net_spec(m: &ModelFile) -> Result<NetSpec, (String, String)> {
    let n = &m.network;
    let feedback = match n.feedback.as_str() {
        "symmetric" => FeedbackMode::Symmetric,
        "learned" => FeedbackMode::Learned,
        "random" => FeedbackMode::Fixed,
        other => {
            return fail(
                "network.feedback",
                format!("{other:?}: expected \"symmetric\", \"learned\" or \"random\""),
            );
        }
    };
    let init = n.init.unwrap_or(0.05);
    if !(init.is_finite() && init > 0.0) {
        return fail("network.init", format!("{init} must be finite and > 0"));
    }
    let precision = match n.precision.as_deref().unwrap_or("f32") {
        "f32" => Precision::F32,
        "f64" => Precision::F64,
        other => {
            return fail(
                "network.precision",
                format!("{other:?}: expected \"f32\" or \"f64\""),
            );
        }
    };
    let threads = n.threads.unwrap_or(1);
    if !(1..=1024).contains(&threads) {
        return fail("network.threads", format!("{threads} must lie in 1 … 1024"));
    }
    Ok(NetSpec {
        sizes: n.sizes.iter().map(|&s| s.max(0) as usize).collect(),
        init,
        biases: n.biases.unwrap_or(false),
        feedback,
        precision,
        threads: threads as usize,
    })
}

/// A count key: `Some(v)` must be ≥ `min`.
fn count(key: &str, v: Option<i64>, default: usize, min: i64) -> Result<usize, (String, String)> {
    match v {
        None => Ok(default),
        Some(v) if v < min => fail(key, format!("{v} must be ≥ {min}")),
        Some(v) => Ok(v as usize),
    }
}

/// The protocol's configuration from the model file (defaults: the paper's), checked.
pub fn protocol_config(m: &ModelFile) -> Result<ProtocolConfig, (String, String)> {
    let t = &m.training;
    let method = match m.plasticity.rule.as_str() {
        "backprop" => Method::Backprop,
        _ => {
            let policy: Policy = super::reward::policy(&m.trial.clone().unwrap_or_default())?;
            Method::Qagrel {
                policy,
                reward_correct: m.task.reward_correct.unwrap_or(1.0),
                reward_wrong: m.task.reward_wrong.unwrap_or(0.0),
            }
        }
    };
    let Some(learning_rate) = t.learning_rate else {
        return fail(
            "training.learning_rate",
            "missing: the rate α of every update (paper: 0.5–1 for Q-AGREL, 0.05–0.1 for backprop)",
        );
    };
    let pixels = match m.task.pixels.as_deref().unwrap_or("unit") {
        "unit" => {
            if m.task.pixel_threshold.is_some() {
                return fail(
                    "task.pixel_threshold",
                    "only task.pixels = \"binary\" has a threshold",
                );
            }
            Pixels::Unit
        }
        "binary" => Pixels::Binary {
            threshold: m.task.pixel_threshold.unwrap_or(0.5) as f32,
        },
        other => {
            return fail(
                "task.pixels",
                format!("{other:?}: expected \"unit\" or \"binary\""),
            );
        }
    };
    let window = count("training.stop_window", t.stop_window, 5, 0)?;
    let decimals = count("training.stop_decimals", t.stop_decimals, 1, 0)?;
    if t.stop_decimals.is_some() && window == 0 {
        return fail(
            "training.stop_decimals",
            "training.stop_window = 0 switches the stopping rule off",
        );
    }
    let config = ProtocolConfig {
        method,
        learning_rate,
        lr_cut: Some(LrCut {
            epoch: count("training.lr_cut_epoch", t.lr_cut_epoch, 500, 1)?,
            factor: t.lr_cut_factor.unwrap_or(10.0),
        }),
        epochs: count("training.epochs", Some(t.epochs), 1, 1)?,
        batch: count("training.batch", Some(t.batch), 1, 1)?,
        pixels,
        validation_size: count("training.validation_size", t.validation_size, 1000, 0)?,
        validate_every: count("training.validate_every", t.validate_every, 5, 1)?,
        stop: (window > 0).then_some(StopRule {
            window,
            decimals: decimals.min(u32::MAX as usize) as u32,
        }),
        seed: t.seed,
    };
    config.validate().map_err(|e| protocol_key(&e))?;
    Ok(config)
}

/// A protocol error as `(model-file key, reason)`.
fn protocol_key(e: &ProtocolError) -> (String, String) {
    match e {
        ProtocolError::Config { key, reason } => {
            let key = match key.as_str() {
                "learning_rate" | "epochs" | "batch" | "validation_size" | "validate_every" => {
                    format!("training.{key}")
                }
                "lr_cut.epoch" => "training.lr_cut_epoch".into(),
                "lr_cut.factor" => "training.lr_cut_factor".into(),
                "stop.window" => "training.stop_window".into(),
                "stop.decimals" => "training.stop_decimals".into(),
                "pixels.threshold" => "task.pixel_threshold".into(),
                "reward_correct" => "task.reward_correct".into(),
                "policy.epsilon" => "trial.epsilon".into(),
                "policy.temperature" => "trial.temperature".into(),
                other => other.to_string(),
            };
            (key, reason.clone())
        }
        ProtocolError::Data { .. } => ("task".into(), e.to_string()),
        other => ("-".into(), other.to_string()),
    }
}

impl Model {
    /// Whether the model is of the algorithmic form ([`Model::build_protocol`]).
    pub fn is_algorithmic(&self) -> bool {
        is_algorithmic(&self.file)
    }

    /// The protocol run of an algorithmic model: data loaded, network built (seeded with
    /// `training.seed`), configuration checked against the data.
    pub fn build_protocol(&self) -> Result<Protocol, ModelError> {
        let err = |(key, reason): (String, String)| ModelError {
            file: self.path.clone(),
            key,
            reason,
        };
        let m = &self.file;
        let spec = net_spec(m).map_err(err)?;
        let config = protocol_config(m).map_err(err)?;
        let split = self.split()?;
        let net = build(&spec, m.training.seed);
        Protocol::new(net, split, config).map_err(|e| err(protocol_key(&e)))
    }
}

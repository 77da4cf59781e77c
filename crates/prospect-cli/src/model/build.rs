//! From a validated model file to the library crates' objects.

use std::path::Path;

use prospect_neuron::{
    Activation, Feedback, LoopTreatment, NetworkConfig, NoiseConfig, NoiseKind, PlasticityRule,
    TargetKind, TrainingConfig, WeightInit,
};
use prospect_reward::{TestSet, TrialConfig};
use prospect_tasks::{
    ContextualBandit, Environment, GaussianBandit, GaussianBanditConfig, Order, Rewards, Split,
    idx, patterns, teacher_student, yin_yang,
};

use super::load::{Model, ModelError};
use super::schema::{ModelFile, Noise};

/// Everything a run needs.
pub struct Built {
    /// The network.
    pub network: NetworkConfig,
    /// The training schedule.
    pub training: TrainingConfig,
    /// The data.
    pub split: Split,
}

/// The network of a validated model file: layers, activations, τ, loop treatment, initial
/// weights, nudging, noise and feedback. `(dotted key, reason)` for a noise entry that names
/// the wrong parameters for its kind.
pub(super) fn network_config(m: &ModelFile) -> Result<NetworkConfig, (String, String)> {
    let sizes: Vec<usize> = m.network.sizes.iter().map(|&s| s as usize).collect();
    let layers = sizes.len() - 1;
    let mut net = NetworkConfig::new(&sizes);
    if let Some(acts) = &m.network.activations {
        net.activations = acts
            .iter()
            .map(|a| a.parse::<Activation>())
            .collect::<Result<_, _>>()
            .map_err(|e| ("network.activations".to_string(), e))?;
    }
    net.tau = m.network.tau.expand(layers);
    net.lookahead = m.network.lookahead;
    net.loop_treatment = match m.network.loop_treatment.as_str() {
        "exact" => LoopTreatment::Exact,
        "jacobi" => LoopTreatment::Jacobi,
        _ => LoopTreatment::Vanilla,
    };
    net.init = match &m.network.init_std {
        Some(std) => WeightInit::Normal {
            std: std.expand(layers),
        },
        None => WeightInit::Glorot,
    };
    net.fixed_point_tolerance = m.network.fixed_point_tolerance;
    net.beta = m.plasticity.beta;
    net.target = if m.plasticity.target == "rate" {
        TargetKind::Rate
    } else {
        TargetKind::Voltage
    };
    net.feedback = match m.network.feedback.as_str() {
        "symmetric" => Feedback::Symmetric,
        "random" => Feedback::Random,
        other => {
            return Err((
                "network.feedback".into(),
                format!("{other:?}: expected \"symmetric\" or \"random\""),
            ));
        }
    };
    net.noise = m
        .network
        .noise
        .iter()
        .enumerate()
        .map(|(i, n)| noise_config(i, n, layers))
        .collect::<Result<_, _>>()?;
    Ok(net)
}

/// One `[[network.noise]]` entry as the library's [`NoiseConfig`].
fn noise_config(i: usize, n: &Noise, layers: usize) -> Result<NoiseConfig, (String, String)> {
    let key = |k: &str| format!("network.noise[{i}].{k}");
    if n.layer < 1 || n.layer > layers as i64 {
        return Err((
            key("layer"),
            format!(
                "{}: noise goes into a non-input layer, 1 …= {layers} (0 is the input)",
                n.layer
            ),
        ));
    }
    let need = |name: &str, v: Option<f64>, what: &str| {
        v.ok_or_else(|| {
            (
                key(name),
                format!("missing: {} needs {name} ({what})", n.kind),
            )
        })
    };
    let refuse = |name: &str, v: Option<f64>| match v {
        Some(_) => Err((key(name), format!("not a parameter of {} noise", n.kind))),
        None => Ok(()),
    };
    let kind = match n.kind.as_str() {
        "ornstein-uhlenbeck" => NoiseKind::OrnsteinUhlenbeck {
            tau_c: need("tau_c", n.tau_c, "correlation time, time units")?,
            sigma: need(
                "sigma",
                n.sigma,
                "stationary standard deviation, voltage units",
            )?,
        },
        "white" => {
            refuse("tau_c", n.tau_c)?;
            NoiseKind::White {
                sigma: need("sigma", n.sigma, "intensity, voltage · √time unit")?,
            }
        }
        "bernoulli" => {
            refuse("tau_c", n.tau_c)?;
            refuse("sigma", n.sigma)?;
            NoiseKind::Bernoulli
        }
        other => {
            return Err((
                key("kind"),
                format!("{other:?}: expected \"ornstein-uhlenbeck\", \"white\" or \"bernoulli\""),
            ));
        }
    };
    Ok(NoiseConfig {
        layer: n.layer as usize,
        kind,
        gain: n.gain,
    })
}

/// Whether the selected rule learns from a reward (runs trials) rather than from targets.
pub(super) fn needs_reward(m: &ModelFile) -> bool {
    prospect_reward::registry::find(&m.plasticity.rule).is_some_and(|r| r.needs_reward)
}

/// Learning rate η per projection (1 / time unit): `plasticity.eta`, or
/// `plasticity.eta_per_presentation` divided by the presentation time (supervised rules) or
/// the trial time (reward rules).
pub(super) fn eta(m: &ModelFile) -> Vec<f64> {
    let layers = m.network.sizes.len().saturating_sub(1);
    let period = if needs_reward(m) {
        m.trial.clone().unwrap_or_default().time
    } else {
        m.training.presentation_time
    };
    match (&m.plasticity.eta, &m.plasticity.eta_per_presentation) {
        (Some(e), _) => e.expand(layers),
        (None, Some(e)) => e.expand(layers).into_iter().map(|v| v / period).collect(),
        (None, None) => vec![0.0; layers],
    }
}

/// Everything a reward run needs.
pub struct BuiltTrials {
    /// The network.
    pub network: NetworkConfig,
    /// The selected rule, built from its table.
    pub rule: Box<dyn PlasticityRule>,
    /// How trials run.
    pub config: TrialConfig,
    /// The training environment.
    pub env: Box<dyn Environment>,
    /// The test environment of classification tasks.
    pub test: Option<TestSet>,
}

impl Model {
    /// Whether the model's rule learns from a reward ([`Model::build_trials`]) rather than from
    /// targets ([`Model::build`]).
    pub fn needs_reward(&self) -> bool {
        needs_reward(&self.file)
    }

    fn error(&self, key: &str, reason: String) -> ModelError {
        ModelError {
            file: self.path.clone(),
            key: key.into(),
            reason,
        }
    }

    /// Builds network, training and data; loads or generates the data set.
    pub fn build(&self) -> Result<Built, ModelError> {
        let m = &self.file;
        let net = network_config(m).map_err(|(k, r)| self.error(&k, r))?;
        let mut training = TrainingConfig::new(m.training.epochs as usize, eta(m));
        training.presentation_time = m.training.presentation_time;
        training.batch = m.training.batch as usize;
        training.seed = m.training.seed;
        training.learn_biases = m.plasticity.learn_biases;
        training.shuffle = m.training.shuffle;
        training.reset_between_patterns = m.training.reset_between_patterns;
        training.evaluate_every = m.training.evaluate_every as usize;
        training.method = m.integrator.method.parse().expect("validated");
        training.dt = m.integrator.dt;
        training.rtol = m.integrator.rtol;
        training.atol = m.integrator.atol;
        let split = self.split()?;
        Ok(Built {
            network: net,
            training,
            split,
        })
    }

    /// Builds network, rule, trial schedule and environments of a reward rule: a contextual
    /// bandit over the training set (test set: a sequential bandit over the test split, each
    /// sample once), or a Gaussian bandit without a test set.
    pub fn build_trials(&self) -> Result<BuiltTrials, ModelError> {
        let m = &self.file;
        let network = network_config(m).map_err(|(k, r)| self.error(&k, r))?;
        let rule = super::reward::build_rule(m, &network, &m.plasticity.rule)
            .map_err(|(k, r)| self.error(&k, r))?;
        let mut config = super::reward::trial_config(m).map_err(|(k, r)| self.error(&k, r))?;
        let batch = config.batch;
        let task = |e: prospect_tasks::TaskError| self.error("task", e.to_string());
        let (env, test): (Box<dyn Environment>, Option<TestSet>) = match m.task.kind.as_str() {
            "gaussian-bandit" => {
                let bandit = GaussianBandit::new(GaussianBanditConfig {
                    arms: *network.sizes.last().unwrap_or(&0),
                    batch,
                    q_mean: m.task.arm_mean.unwrap_or(0.0),
                    observation_size: 1,
                })
                .map_err(task)?;
                (Box::new(bandit), None)
            }
            _ => {
                let split = self.split()?;
                let rewards = Rewards {
                    correct: m.task.reward_correct.unwrap_or(1.0),
                    wrong: m.task.reward_wrong.unwrap_or(-1.0),
                };
                let order = if m.training.shuffle {
                    Order::Shuffled
                } else {
                    Order::Sequential
                };
                let samples = split.test.len();
                let train =
                    ContextualBandit::new(split.train, batch, order, rewards).map_err(task)?;
                if m.trial
                    .as_ref()
                    .is_none_or(|t| t.trials_per_epoch.is_none())
                {
                    config.trials_per_epoch = (train.samples_per_epoch() / batch).max(1);
                }
                let test = ContextualBandit::new(split.test, batch, Order::Sequential, rewards)
                    .map_err(task)?;
                (
                    Box::new(train),
                    Some(TestSet {
                        env: Box::new(test),
                        samples,
                    }),
                )
            }
        };
        Ok(BuiltTrials {
            network,
            rule,
            config,
            env,
            test,
        })
    }

    /// Loads or generates the data set of a classification or regression task.
    pub(super) fn split(&self) -> Result<Split, ModelError> {
        let err = |key: &str, reason: String| self.error(key, reason);
        let m = &self.file;
        let sizes: Vec<usize> = m.network.sizes.iter().map(|&s| s as usize).collect();
        let layers = sizes.len() - 1;
        let data_seed = m.task.data_seed.unwrap_or(m.training.seed);
        let n_train = m.task.n_train.map(|n| n as usize);
        let n_test = m.task.n_test.map(|n| n as usize);
        let split = match m.task.kind.as_str() {
            "yin-yang" => {
                yin_yang::split(n_train.unwrap_or(5000), n_test.unwrap_or(1000), data_seed)
                    .map_err(|e| err("task", e.to_string()))?
            }
            "patterns" => patterns::split(
                m.task.n_patterns.map_or(sizes[layers], |n| n as usize),
                sizes[0],
                data_seed,
            )
            .map_err(|e| err("task.n_patterns", e.to_string()))?,
            "teacher-student" => {
                let s = m.task.teacher.as_ref().expect("validated");
                teacher_student::split(
                    [s[0] as usize, s[1] as usize, s[2] as usize],
                    n_train.unwrap_or(5000),
                    n_test.unwrap_or(1000),
                    data_seed,
                )
                .map_err(|e| err("task.teacher", e.to_string()))?
            }
            _ => {
                let path = m.task.path.as_deref().unwrap_or(idx::FASHION_MNIST_DIR);
                let mut split = idx::load_mnist_dir(Path::new(path))
                    .map_err(|e| err("task.path", e.to_string()))?;
                for (key, n, set) in [
                    ("task.n_train", n_train, &mut split.train),
                    ("task.n_test", n_test, &mut split.test),
                ] {
                    if set.is_empty() {
                        return Err(err(key, format!("{path}: the set has no samples")));
                    }
                    if let Some(n) = n {
                        if n > set.len() {
                            return Err(err(
                                key,
                                format!("{n} is more than the {} samples in {path}", set.len()),
                            ));
                        }
                        *set = set.truncated(n);
                    }
                }
                if split.test.n_inputs != split.train.n_inputs
                    || split.test.n_outputs != split.train.n_outputs
                {
                    return Err(err(
                        "task.path",
                        format!(
                            "{path}: the test set has {} inputs and {} outputs, the training set {} and {}",
                            split.test.n_inputs,
                            split.test.n_outputs,
                            split.train.n_inputs,
                            split.train.n_outputs
                        ),
                    ));
                }
                split
            }
        };
        if split.train.n_inputs != sizes[0] || split.train.n_outputs != sizes[layers] {
            return Err(err(
                "network.sizes",
                format!(
                    "{:?}: the data have {} inputs and {} outputs",
                    m.network.sizes, split.train.n_inputs, split.train.n_outputs
                ),
            ));
        }
        Ok(split)
    }
}

//! From a validated model file to the library crates' objects.

use std::path::Path;

use prospect_neuron::{
    Activation, LoopTreatment, NetworkConfig, TargetKind, TrainingConfig, WeightInit,
};
use prospect_tasks::{Split, idx, teacher_student, yin_yang};

use super::load::{Model, ModelError};

/// Everything a run needs.
pub struct Built {
    /// The network.
    pub network: NetworkConfig,
    /// The training schedule.
    pub training: TrainingConfig,
    /// The data.
    pub split: Split,
}

impl Model {
    /// Builds network, training and data; loads or generates the data set.
    pub fn build(&self) -> Result<Built, ModelError> {
        let err = |key: &str, reason: String| ModelError {
            file: self.path.clone(),
            key: key.into(),
            reason,
        };
        let m = &self.file;
        let sizes: Vec<usize> = m.network.sizes.iter().map(|&s| s as usize).collect();
        let layers = sizes.len() - 1;
        let mut net = NetworkConfig::new(&sizes);
        if let Some(acts) = &m.network.activations {
            net.activations = acts
                .iter()
                .map(|a| a.parse::<Activation>().expect("validated"))
                .collect();
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

        let t = m.training.presentation_time;
        let eta = match (&m.plasticity.eta, &m.plasticity.eta_per_presentation) {
            (Some(e), _) => e.expand(layers),
            (None, Some(e)) => e.expand(layers).into_iter().map(|v| v / t).collect(),
            (None, None) => unreachable!("validated"),
        };
        let mut training = TrainingConfig::new(m.training.epochs as usize, eta);
        training.presentation_time = t;
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

        let data_seed = m.task.data_seed.unwrap_or(m.training.seed);
        let n_train = m.task.n_train.map(|n| n as usize);
        let n_test = m.task.n_test.map(|n| n as usize);
        let split = match m.task.kind.as_str() {
            "yin-yang" => {
                yin_yang::split(n_train.unwrap_or(5000), n_test.unwrap_or(1000), data_seed)
                    .map_err(|e| err("task", e.to_string()))?
            }
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
        Ok(Built {
            network: net,
            training,
            split,
        })
    }
}

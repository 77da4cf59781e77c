//! `prospect run`: one model, one trace file, a one-line JSON summary.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use prospect_neuron::{EpochMetrics, NetworkError, Trainer};
use prospect_reward::TrialDriver;
use prospect_reward::qagrel::protocol::{Protocol, ProtocolError};
use prospect_trace::{RunInfo, TraceError, TraceWriter, WriterOptions};
use serde::Serialize;

use crate::model::{Model, ModelError};
use crate::recorder::TraceRecorder;

/// What a run reports on stdout (one JSON line) and in `summary.csv`.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The trace file.
    pub trace: String,
    /// The seed.
    pub seed: u64,
    /// Epochs completed.
    pub epochs: usize,
    /// Final training accuracy (free output while learning).
    pub train_accuracy: Option<f64>,
    /// Final test accuracy.
    pub test_accuracy: Option<f64>,
    /// Final training loss.
    pub train_loss: Option<f64>,
    /// Final test loss.
    pub test_loss: Option<f64>,
    /// Mean reward of the last epoch's trials (reward rules).
    pub mean_reward: Option<f64>,
    /// Trials completed (reward rules).
    pub trials: Option<u64>,
    /// The epoch at which the algorithmic protocol's stopping criterion was met (`null`: not
    /// met, or another form).
    pub stop_epoch: Option<usize>,
    /// Wall-clock seconds of the whole run.
    pub wall_seconds: f64,
}

/// Why a run failed, with the exit code the binary returns.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Bad input (model file, key, value): exit code 2.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The trace file could not be written: exit code 1.
    #[error(transparent)]
    Trace(#[from] prospect_trace::TraceError),
    /// The simulation failed: exit code 1.
    #[error("{0}")]
    Simulation(String),
    /// Stopped by Ctrl-C or SIGTERM; the trace file is valid and marked failed: exit code 130
    /// (the binary returns 143 when SIGTERM stopped it).
    #[error("interrupted: {0}")]
    Interrupted(String),
}

impl RunError {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            RunError::Model(_) => 2,
            RunError::Trace(
                TraceError::Busy { .. } | TraceError::Exists { .. } | TraceError::NotATrace { .. },
            ) => 2,
            RunError::Interrupted(_) => 130,
            _ => 1,
        }
    }
}

/// Everything one run needs besides the model.
pub struct RunRequest<'a> {
    /// The loaded model (overrides applied).
    pub model: &'a Model,
    /// The trace file to write.
    pub out: PathBuf,
    /// The command line, stored in the trace.
    pub command_line: String,
    /// Extra root attributes (swept parameters as `param:<key>`).
    pub extra: Vec<(String, String)>,
    /// Replace an existing prospect trace file at `out` (other files are never replaced).
    pub overwrite: bool,
    /// Show a progress bar on stderr (only drawn on a terminal).
    pub progress: bool,
    /// Set by Ctrl-C.
    pub stop: Arc<AtomicBool>,
}

fn last<T>(metrics: &[EpochMetrics], f: impl Fn(&EpochMetrics) -> Option<T>) -> Option<T> {
    metrics.iter().rev().find_map(f)
}

/// The default trace path of a model: `traces/<stem>-seed<seed>.h5`.
pub fn default_out(model: &Path, seed: u64) -> PathBuf {
    let stem = model
        .file_stem()
        .map_or("run".into(), |s| s.to_string_lossy().into_owned());
    PathBuf::from("traces").join(format!("{stem}-seed{seed}.h5"))
}

/// The network error of a driver's constructor as a run error: configuration errors name the
/// model file and key (exit 2), anything else is a failed simulation.
fn setup_error(model: &Model, e: NetworkError) -> RunError {
    match e {
        NetworkError::Config { key, reason } => RunError::Model(ModelError {
            file: model.path.clone(),
            key,
            reason,
        }),
        other => RunError::Simulation(other.to_string()),
    }
}

/// The driver of a run: the supervised trainer, the trial driver of reward rules, or the
/// paper's protocol of the algorithmic form.
enum Driver {
    Supervised(Box<Trainer>),
    Trials(Box<TrialDriver>),
    Protocol(Box<Protocol>),
}

/// How a run ended without a summary.
enum Failure {
    /// Stopped from outside after this many epochs.
    Interrupted(usize),
    /// Anything else, in words.
    Failed(String),
}

impl From<NetworkError> for Failure {
    fn from(e: NetworkError) -> Self {
        match e {
            NetworkError::Interrupted { epoch } => Failure::Interrupted(epoch),
            other => Failure::Failed(other.to_string()),
        }
    }
}

impl From<ProtocolError> for Failure {
    fn from(e: ProtocolError) -> Self {
        match e {
            ProtocolError::Interrupted { epoch } => Failure::Interrupted(epoch),
            other => Failure::Failed(other.to_string()),
        }
    }
}

/// Runs a model to its end (or to Ctrl-C), writing the trace file: the supervised
/// [`Trainer`] for rules that learn from targets, the [`TrialDriver`] (one trial per step of
/// the progress bar) for rules that learn from rewards, the [`Protocol`] (one epoch per step)
/// for the algorithmic form.
pub fn execute(req: RunRequest<'_>) -> Result<Summary, RunError> {
    let start = Instant::now();
    let seed = req.model.file.training.seed;
    let (mut driver, bar_len, unit) = if req.model.is_algorithmic() {
        let mut p = req.model.build_protocol()?;
        p.set_stop_flag(req.stop.clone());
        let len = p.config().epochs as u64;
        (Driver::Protocol(Box::new(p)), len, "epoch")
    } else if req.model.needs_reward() {
        let b = req.model.build_trials()?;
        let len = (b.config.epochs * b.config.trials_per_epoch) as u64;
        let mut d = TrialDriver::new(b.network, b.rule, b.config, b.env, b.test)
            .map_err(|e| setup_error(req.model, e))?;
        d.set_stop_flag(req.stop.clone());
        (Driver::Trials(Box::new(d)), len, "trial")
    } else {
        let b = req.model.build()?;
        let len = b.training.epochs as u64;
        let mut t =
            Trainer::new(b.network, b.training, b.split).map_err(|e| setup_error(req.model, e))?;
        t.set_stop_flag(req.stop.clone());
        (Driver::Supervised(Box::new(t)), len, "epoch")
    };
    if let Some(parent) = req.out.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| RunError::Simulation(format!("{}: {e}", parent.display())))?;
    }
    let mut extra = vec![("model_effective".to_string(), req.model.text.clone())];
    extra.extend(req.extra.iter().cloned());
    let info = RunInfo {
        seed,
        model: req.model.original.clone(),
        command_line: req.command_line.clone(),
        extra,
    };
    let options = WriterOptions {
        overwrite: req.overwrite,
        ..WriterOptions::default()
    };
    let writer = TraceWriter::create(&req.out, &info, options)?;
    let mut recorder = TraceRecorder::new(writer, &req.model.file);

    let bar = crate::progress::bar(
        bar_len,
        req.progress,
        &format!(
            "{{prefix}} [{{bar:30}}] {unit} {{pos}}/{{len}} {{msg}} ({{elapsed}}, eta {{eta}})"
        ),
    );
    bar.set_prefix(
        req.out
            .file_name()
            .map_or(String::new(), |n| n.to_string_lossy().into_owned()),
    );
    let result = match &mut driver {
        Driver::Supervised(trainer) => trainer
            .run(&mut recorder, &mut |m| {
                bar.inc(1);
                if let Some(a) = m.test_accuracy {
                    bar.set_message(format!("test accuracy {:.1} %", 100.0 * a));
                }
            })
            .map(|metrics| Summary {
                trace: req.out.display().to_string(),
                seed,
                epochs: metrics.len(),
                train_accuracy: last(&metrics, |m| m.train_accuracy),
                test_accuracy: last(&metrics, |m| m.test_accuracy),
                train_loss: last(&metrics, |m| Some(m.train_loss)),
                test_loss: last(&metrics, |m| m.test_loss),
                mean_reward: None,
                trials: None,
                stop_epoch: None,
                wall_seconds: 0.0,
            })
            .map_err(Failure::from),
        Driver::Trials(trials) => trials
            .run(&mut recorder, &mut |m| {
                bar.set_position(m.trials);
                let accuracy = m.test_accuracy.map_or(String::new(), |a| {
                    format!(", test accuracy {:.1} %", 100.0 * a)
                });
                bar.set_message(format!("mean reward {:.3}{accuracy}", m.mean_reward));
            })
            .map(|metrics| Summary {
                trace: req.out.display().to_string(),
                seed,
                epochs: metrics.len(),
                train_accuracy: metrics.iter().rev().find_map(|m| m.train_accuracy),
                test_accuracy: metrics.iter().rev().find_map(|m| m.test_accuracy),
                train_loss: None,
                test_loss: None,
                mean_reward: metrics.last().map(|m| m.mean_reward),
                trials: metrics.last().map(|m| m.trials),
                stop_epoch: None,
                wall_seconds: 0.0,
            })
            .map_err(Failure::from),
        Driver::Protocol(protocol) => protocol
            .run(&mut recorder, &mut |m| {
                bar.inc(1);
                let accuracy = m.test_accuracy.map_or(String::new(), |a| {
                    format!("test accuracy {:.1} %", 100.0 * a)
                });
                bar.set_message(accuracy);
            })
            .map(|outcome| {
                let last = outcome.epochs.last();
                Summary {
                    trace: req.out.display().to_string(),
                    seed,
                    epochs: outcome.epochs.len(),
                    train_accuracy: last.map(|m| m.train_accuracy),
                    test_accuracy: last.and_then(|m| m.test_accuracy),
                    train_loss: last.and_then(|m| m.train_loss),
                    test_loss: None,
                    mean_reward: last.and_then(|m| m.mean_reward),
                    trials: None,
                    stop_epoch: outcome.stop_epoch,
                    wall_seconds: 0.0,
                }
            })
            .map_err(Failure::from),
    };
    bar.finish_and_clear();
    let (writer, record_error) = recorder.into_writer();
    match result {
        Ok(mut summary) => {
            if let Some(e) = record_error {
                writer.fail(&e.to_string())?;
                return Err(RunError::Trace(e));
            }
            writer.finish()?;
            summary.wall_seconds = start.elapsed().as_secs_f64();
            Ok(summary)
        }
        Err(Failure::Interrupted(epoch)) => {
            let msg = format!(
                "interrupted by {} after epoch {epoch}",
                crate::signals::reason()
            );
            writer.fail(&msg)?;
            Err(RunError::Interrupted(format!(
                "{}: {msg}",
                req.out.display()
            )))
        }
        Err(Failure::Failed(e)) => {
            writer.fail(&e)?;
            Err(RunError::Simulation(format!("{}: {e}", req.out.display())))
        }
    }
}

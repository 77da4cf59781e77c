//! Errors of data loading, task generation and environments.

use crate::environment::ActionSpace;
use std::path::PathBuf;
use thiserror::Error;

/// Why a data set could not be loaded or made, or why an environment refused a request.
/// Messages name the file (or the environment, the copy and the value) and the reason.
#[derive(Debug, Error)]
pub enum TaskError {
    /// A file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file is not a valid IDX file of the expected kind.
    #[error("{path}: {reason}")]
    Format { path: PathBuf, reason: String },
    /// Two files that belong together disagree (e.g. image and label counts).
    #[error("{images} and {labels}: {reason}")]
    Mismatch {
        images: PathBuf,
        labels: PathBuf,
        reason: String,
    },
    /// A generator was asked for something impossible.
    #[error("invalid task parameter {key}: {reason}")]
    Parameter { key: &'static str, reason: String },
    /// An environment cannot be built over this data set (e.g. it has no labels, or none at all).
    #[error("{env}: data set {dataset}: {reason}")]
    Dataset {
        env: String,
        dataset: String,
        reason: String,
    },
    /// A buffer handed to an environment has the wrong length (`what` says which one).
    #[error("{env}: {what} has {got} entries, expected {expected}")]
    BufferLength {
        env: String,
        what: &'static str,
        expected: usize,
        got: usize,
    },
    /// Continuous actions for a discrete environment, or the other way round.
    #[error("{env}: takes {expected:?} actions, got {got} ones")]
    ActionKind {
        env: String,
        expected: ActionSpace,
        got: &'static str,
    },
    /// A discrete action outside `0..n`.
    #[error("{env}: copy {copy}: action {action} is not one of the {n} actions 0..{n}")]
    ActionOutOfRange {
        env: String,
        copy: usize,
        action: usize,
        n: usize,
    },
    /// A continuous action component that is NaN or infinite.
    #[error("{env}: copy {copy}: action component {component} is {value}, not finite")]
    ActionNotFinite {
        env: String,
        copy: usize,
        component: usize,
        value: f64,
    },
}

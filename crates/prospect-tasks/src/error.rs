//! Errors of data loading and task generation.

use std::path::PathBuf;
use thiserror::Error;

/// Why a data set could not be loaded or made. Messages name the file and the reason.
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
}

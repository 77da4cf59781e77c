//! Trace-file errors: which file, what was being done, why.

use std::path::PathBuf;
use thiserror::Error;

/// Why a trace file could not be written or read.
#[derive(Debug, Error)]
pub enum TraceError {
    /// The HDF5 library reported an error.
    #[error("{path}: {context}: {source}")]
    Hdf5 {
        path: PathBuf,
        context: String,
        #[source]
        source: hdf5::Error,
    },
    /// The file is not a prospect trace file, or a dataset has the wrong shape.
    #[error("{path}: {reason}")]
    Format { path: PathBuf, reason: String },
    /// The caller asked for something inconsistent (e.g. a row of the wrong length).
    #[error("{path}: {reason}")]
    Usage { path: PathBuf, reason: String },
}

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
    /// Another process is writing this file (it holds the writer's lock).
    #[error("{path}: another process is writing this trace file (its writer lock is held)")]
    Busy { path: PathBuf },
    /// The output path exists and overwriting was not asked for.
    #[error("{path}: file exists; pass --overwrite to replace a prospect trace file")]
    Exists { path: PathBuf },
    /// The output path exists and is not a prospect trace file: never overwritten.
    #[error("{path}: exists and is not a prospect trace file ({reason}); refusing to overwrite it")]
    NotATrace { path: PathBuf, reason: String },
    /// A file-system operation failed.
    #[error("{path}: {context}: {source}")]
    Io {
        path: PathBuf,
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// The caller asked for something inconsistent (e.g. a row of the wrong length).
    #[error("{path}: {reason}")]
    Usage { path: PathBuf, reason: String },
}

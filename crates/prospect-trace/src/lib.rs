//! # prospect-trace — trace files
//!
//! HDF5 files of named populations × variables × time, per-epoch metrics, events and weight
//! snapshots, written as a stream and read back from Rust ([`TraceReader`]) or from Python with
//! h5py. The crate is generic: it knows no neuron. The layout is in `docs/trace-format.md`.
//!
//! Rows are buffered in memory and written, then flushed to disk, at most every
//! [`WriterOptions::flush_interval`] (and whenever a buffer reaches its bound). One writer per
//! file ([`WriterLock`]); readers tell a live writer from a killed one ([`effective_status`]).
//! What a SIGKILL during a flush may leave is in `docs/trace-format.md` (a known limit).

pub mod error;
pub mod lock;
pub mod reader;
pub mod writer;

pub use error::TraceError;
pub use lock::{WriterLock, writer_alive};
pub use reader::{Metric, RunStatus, Series, TraceReader, effective_status};
pub use writer::{RunInfo, Sampling, TraceWriter, WriterOptions};

/// Value of the root attribute `format`.
pub const FORMAT: &str = "prospect-trace";
/// Value of the root attribute `format_version`.
pub const FORMAT_VERSION: u32 = 1;

//! Errors of network construction and training.

use thiserror::Error;

/// Why a network could not be built or trained.
#[derive(Debug, Error)]
pub enum NetworkError {
    /// A parameter is out of range; `key` is its dotted name relative to the network section.
    #[error("{key}: {reason}")]
    Config { key: String, reason: String },
    /// The data do not fit the network (input or output sizes).
    #[error("data set {name}: {reason}")]
    Data { name: String, reason: String },
    /// The integrator failed (e.g. the algebraic loop's fixed point did not converge, which
    /// shows as a non-finite derivative).
    #[error("integration failed in epoch {epoch}: {source}")]
    Integration {
        epoch: usize,
        #[source]
        source: prospect_ode::OdeError,
    },
    /// The run was stopped from outside (e.g. Ctrl-C) after a completed epoch.
    #[error("stopped after epoch {epoch}")]
    Interrupted { epoch: usize },
}

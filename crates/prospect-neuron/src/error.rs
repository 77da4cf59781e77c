//! Errors of network construction and training.

use thiserror::Error;

/// Why a network could not be built or trained.
#[derive(Debug, Clone, Error)]
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
    /// A vector handed to the network has the wrong length (`what`: "input", "target").
    #[error("{what} has {got} values, the network needs {expected} (n × batch)")]
    Shape {
        what: &'static str,
        got: usize,
        expected: usize,
    },
    /// A membrane voltage became NaN or infinite: non-input layer `layer` (1-based, as in the
    /// trace file's `layer<k>`), neuron `unit` and batch column `sample`, both 0-based.
    #[error(
        "non-finite voltage u in layer{layer}, unit {unit}, sample {sample} at t = {t} (epoch {epoch})"
    )]
    NonFiniteState {
        epoch: usize,
        t: f64,
        layer: usize,
        unit: usize,
        sample: usize,
    },
    /// A weight or bias became NaN or infinite after a plasticity update: projection `w<k>`
    /// (1-based, into layer `k`), entry (`row`, `col`); `col` is `None` for the bias.
    #[error("non-finite {} of w{projection} after the plasticity update at t = {t}", entry_name(*.row, *.col))]
    NonFiniteWeight {
        t: f64,
        projection: usize,
        row: usize,
        col: Option<usize>,
    },
    /// A recorded value does not fit the trace (NaN, or beyond the f32 range of the file).
    #[error(
        "recorded {variable} of {population}, unit {unit}, is {value} at t = {t}: not a finite f32"
    )]
    NonFiniteRecord {
        t: f64,
        population: String,
        variable: &'static str,
        unit: usize,
        value: f64,
    },
    /// The exact loop treatment's fixed point did not converge within
    /// `fixed_point_max_iterations` sweeps: `residual` = max |F(e) − e| of the last sweep,
    /// largest in non-input layer `layer` (1-based).
    #[error(
        "fixed point of the error loop did not converge at t = {t}: residual {residual:e} in layer{layer} after {sweeps} sweeps (tolerance {tolerance:e})"
    )]
    FixedPointNotConverged {
        t: f64,
        layer: usize,
        residual: f64,
        sweeps: usize,
        tolerance: f64,
    },
    /// A plasticity rule has no learning rate for a projection.
    #[error("plasticity rule has {rates} learning rates, no rate for projection {projection}")]
    MissingLearningRate { projection: usize, rates: usize },
    /// The run was stopped from outside (e.g. Ctrl-C) after a completed epoch.
    #[error("stopped after epoch {epoch}")]
    Interrupted { epoch: usize },
}

fn entry_name(row: usize, col: Option<usize>) -> String {
    match col {
        Some(c) => format!("weight ({row}, {c})"),
        None => format!("bias {row}"),
    }
}

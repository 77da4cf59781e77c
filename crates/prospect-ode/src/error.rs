//! Typed integration failures. Each says at which time `t` the integration stopped and why.

use thiserror::Error;

/// Why an integration stopped. Never a panic, never a silent NaN.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum OdeError {
    /// The controller asked for a step smaller than [`crate::Options::h_min`].
    #[error("step size {h:e} fell below the minimum {h_min:e} at t = {t}")]
    StepSizeTooSmall { t: f64, h: f64, h_min: f64 },
    /// A component of the state (or of its derivative) became NaN or infinite.
    #[error("non-finite value in state component {component} at t = {t}")]
    NonFiniteState { t: f64, component: usize },
    /// A Newton iteration of an implicit method did not converge even at the minimum step.
    #[error("Newton iteration diverged at t = {t} after {iterations} iterations")]
    NewtonDivergence { t: f64, iterations: usize },
    /// The iteration matrix `I/(h·γ) − J` could not be factorised.
    #[error("singular iteration matrix at t = {t} with step {h:e}")]
    SingularMatrix { t: f64, h: f64 },
    /// More than [`crate::Options::max_steps`] steps in one call; `h` is the step size the
    /// controller proposed last (a tiny `h` says the tolerance cannot be met).
    #[error("more than {max_steps} steps in one call, stopped at t = {t} with step size {h:e}")]
    MaxStepsExceeded { t: f64, h: f64, max_steps: usize },
    /// The request itself is invalid (wrong dimension, target time behind, missing linear part).
    #[error("invalid input: {reason}")]
    InvalidInput { reason: String },
}

impl OdeError {
    /// Shorthand for [`OdeError::InvalidInput`].
    pub fn invalid(reason: impl Into<String>) -> Self {
        OdeError::InvalidInput {
            reason: reason.into(),
        }
    }
}

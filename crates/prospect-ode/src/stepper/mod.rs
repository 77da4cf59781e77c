//! Steppers: one attempted step of one method. A stepper knows nothing of step-size control,
//! tolerances beyond computing its error norm, or when to stop; [`crate::Integrator`] does that.

mod bdf;
mod explicit_rk;
mod exponential_euler;
mod rosenbrock;

pub use bdf::Bdf;
pub use explicit_rk::ExplicitRk;
pub use exponential_euler::ExponentialEuler;
pub use rosenbrock::Rosenbrock;

use crate::{OdeError, OdeSystem, Stats, Tolerances};

/// What an attempted step produced besides the new state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Attempt {
    /// Weighted RMS norm of the local error estimate (`≤ 1` accepts); `None` for fixed-step
    /// methods, which have no estimate.
    pub error_norm: Option<f64>,
    /// Whether the stepper wrote `f(t + h, y1)` into `f1` (first-same-as-last methods).
    pub f1_valid: bool,
    /// The step actually taken, for steppers that choose their own step (BDF); `None` means
    /// the requested `h`.
    pub h_taken: Option<f64>,
    /// The stepper's own proposal for the next step (BDF); `None` lets the controller decide.
    pub next_h: Option<f64>,
}

impl Attempt {
    /// An attempt of the requested size whose acceptance the controller decides.
    pub fn controlled(error_norm: Option<f64>, f1_valid: bool) -> Self {
        Attempt {
            error_norm,
            f1_valid,
            h_taken: None,
            next_h: None,
        }
    }
}

/// Inputs of one attempted step from `(t, y0)` of size `h`.
pub struct StepRequest<'a> {
    /// Start time.
    pub t: f64,
    /// Step size (positive).
    pub h: f64,
    /// State at `t`.
    pub y0: &'a [f64],
    /// `f(t, y0)`.
    pub f0: &'a [f64],
    /// Tolerances for the error norm.
    pub tolerances: &'a Tolerances,
}

/// One method's step. Implementations keep their own scratch buffers: a step of the explicit
/// Runge–Kutta and exponential Euler steppers does not allocate, nor does the factorisation and
/// solve of a diagonal or block-diagonal Jacobian ([`crate::linear`]). RODAS4 and BDF allocate
/// with a dense Jacobian: each factorisation forms a new `n × n` iteration matrix (nalgebra's LU
/// takes its matrix by value); BDF also allocates its Newton iterate each attempt and a new
/// `(order + 1) × n` history whenever the step size changes.
pub trait Stepper<S: OdeSystem + ?Sized> {
    /// The method's name, as in [`crate::Method`].
    fn name(&self) -> &'static str;
    /// Order of the propagated solution.
    fn order(&self) -> u32;
    /// Order of the embedded error estimator; `None` for fixed-step methods.
    fn error_order(&self) -> Option<u32>;
    /// Attempts one step; writes the new state into `y1` (and `f(t+h, y1)` into `f1` when it
    /// comes for free).
    fn attempt(
        &mut self,
        system: &mut S,
        request: &StepRequest<'_>,
        y1: &mut [f64],
        f1: &mut [f64],
        stats: &mut Stats,
    ) -> Result<Attempt, OdeError>;
    /// Dense output of the last *accepted* step from `y0` to `y1` of size `h`: writes
    /// `y(t0 + θh)` into `out` and returns `true`, or returns `false` when the method has none
    /// (the integrator then interpolates by cubic Hermite).
    fn dense(&self, _theta: f64, _h: f64, _y0: &[f64], _y1: &[f64], _out: &mut [f64]) -> bool {
        false
    }
    /// The state or the system changed outside a step: drop anything cached (Jacobians,
    /// multistep history).
    fn invalidate(&mut self) {}
    /// Whether the next attempt reads `f(t, y0)` (multistep methods with a history do not, so
    /// the integrator need not evaluate it).
    fn needs_derivative(&self) -> bool {
        true
    }
    /// A step was accepted: drop what belonged to its start point (by default, everything).
    fn after_accept(&mut self) {
        self.invalidate();
    }
}

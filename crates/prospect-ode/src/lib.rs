//! # prospect-ode — the integrator core
//!
//! Stiff and adaptive ODE integrators for systems `dy/dt = f(t, y)` that a training loop advances
//! piece by piece. The crate knows nothing of neurons: networks implement [`OdeSystem`].
//!
//! Three orthogonal pieces, after diffrax and DifferentialEquations.jl:
//! - the *system* ([`OdeSystem`]): the right-hand side, optionally its Jacobian and a diagonal
//!   linear part (for exponential integrators);
//! - the *stepper* ([`stepper`]): one attempted step of one method; Runge–Kutta and Rosenbrock
//!   methods are data ([`tableau`]) run by one generic stepper each;
//! - the *controller* ([`PiController`]): accepts or rejects a step and proposes the next size.
//!
//! The [`Integrator`] drives them: advance to a time (landing exactly on it, so inputs can change
//! there), read the state and its derivative, change the system, continue. Failures are typed
//! ([`OdeError`]) and say at which `t` and why.
//!
//! All arithmetic is `f64`. Time is in the system's own unit (seconds for prospect's models).

// Numerical kernels index several slices in step; iterator chains would hide the formulas.
#![allow(clippy::needless_range_loop)]

pub mod controller;
pub mod error;
pub mod integrator;
pub mod jacobian;
pub mod linear;
pub mod method;
pub mod problems;
pub mod stats;
pub mod stepper;
pub mod system;
pub mod tableau;
pub mod tolerance;

pub use controller::PiController;
pub use error::OdeError;
pub use integrator::{Integrator, Options};
pub use linear::{IterationMatrix, JacobianStructure};
pub use method::Method;
pub use stats::Stats;
pub use system::OdeSystem;
pub use tolerance::{Tolerance, Tolerances};

//! Methods as data: Butcher tableaux of explicit Runge–Kutta methods and coefficient sets of
//! Rosenbrock methods, each a `const` run by one generic stepper (see [`crate::stepper`]).

mod explicit;
mod rosenbrock;

pub use explicit::{BS3, DOPRI5, DenseOutput, EULER, EmbeddedError, ExplicitTableau, RK4};
pub use rosenbrock::{RODAS4, RosenbrockTableau};

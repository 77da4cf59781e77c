//! The system trait: what `dy/dt` is.

use crate::linear::JacobianStructure;
use nalgebra::DMatrix;

/// An ODE system `dy/dt = f(t, y)` of fixed dimension.
///
/// The integrator calls [`OdeSystem::rhs`] with a buffer it owns, so a right-hand side should not
/// allocate. Inputs of the system (e.g. the pattern a network sees) may change between integrator
/// calls through [`crate::Integrator::system_mut`].
pub trait OdeSystem {
    /// Number of state components.
    fn dim(&self) -> usize;

    /// Writes `f(t, y)` into `dy` (both of length [`OdeSystem::dim`]).
    fn rhs(&mut self, t: f64, y: &[f64], dy: &mut [f64]);

    /// Writes the Jacobian `∂f/∂y` at `(t, y)` into `jac` (dim × dim) and returns `true`, or
    /// returns `false` to let the integrator use forward finite differences (the default).
    fn jacobian(&mut self, _t: f64, _y: &[f64], _jac: &mut DMatrix<f64>) -> bool {
        false
    }

    /// The structure of `∂f/∂y`, fixed for the life of the system. Stiff methods factorise and
    /// solve their iteration matrix `a I − b J` in it and never form a dense `dim × dim` matrix
    /// unless it is [`JacobianStructure::Dense`] (the default, served by
    /// [`OdeSystem::jacobian`] or finite differences).
    fn jacobian_structure(&self) -> JacobianStructure {
        JacobianStructure::Dense
    }

    /// For [`JacobianStructure::Diagonal`]: writes `∂f_i/∂y_i` at `(t, y)` into `diag` (length
    /// `dim`). Called only when the structure says so.
    fn jacobian_diagonal(&mut self, _t: f64, _y: &[f64], _diag: &mut [f64]) {}

    /// For [`JacobianStructure::BlockDiagonal`] `{ size, index }`: writes block `k`,
    /// `J_k[p, q] = ∂f_{index[k·size+p]}/∂y_{index[k·size+q]}`, column-major at
    /// `blocks[k·size² ..]`. Called only when the structure says so.
    fn jacobian_blocks(&mut self, _t: f64, _y: &[f64], _blocks: &mut [f64]) {}

    /// Writes the diagonal `λ` of a linear part `f(t, y) = λ ⊙ y + N(t, y)` into `lambda` and
    /// returns `true`, or returns `false` when the system has none (the default). Exponential
    /// integrators treat the linear part exactly: for a leak `−y/τ`, `λ = −1/τ`.
    fn linear_diagonal(&self, _lambda: &mut [f64]) -> bool {
        false
    }

    /// Whether `f` does not depend on `t` explicitly. Rosenbrock methods then skip the
    /// finite-difference time derivative `∂f/∂t`. Defaults to `false` (always safe).
    fn is_autonomous(&self) -> bool {
        false
    }

    /// Called by the integrator at the start of every attempted step from `(t0, y0)`, for every
    /// method (also before a retry after an error-test rejection; BDF's retries after a Newton
    /// failure stay inside one attempt from the same `(t0, y0)`, so the step-start evaluation
    /// already made still holds). Return `true` to ask for the
    /// step-start evaluation: the integrator then calls [`OdeSystem::rhs`] at `(t0, y0)` as its
    /// **next** right-hand-side call, before any stage of the step, even where the method itself
    /// would not evaluate there (BDF with a history) or holds a cached `f(t0, y0)`. Systems that
    /// take signals from the state at the step's start (e.g. learning signals of slow weights,
    /// or the memory of a one-step-delayed scheme) identify that evaluation this way, not by
    /// comparing times. The default asks for nothing.
    fn on_step_start(&mut self, _t0: f64, _y0: &[f64]) -> bool {
        false
    }

    /// Called by the integrator after it accepts a step from `t0` to `t1` with new state `y1`
    /// (a discrete callback, as in DifferentialEquations.jl). Systems with slow variables kept
    /// outside the state (e.g. synaptic weights updated by operator splitting) or with memory of
    /// the previous step update them here. Return `true` if the right-hand side changed, so the
    /// integrator drops cached derivatives. The default does nothing.
    fn on_step_accepted(&mut self, _t0: f64, _t1: f64, _y1: &[f64]) -> bool {
        false
    }
}

impl<S: OdeSystem + ?Sized> OdeSystem for &mut S {
    fn dim(&self) -> usize {
        (**self).dim()
    }
    fn rhs(&mut self, t: f64, y: &[f64], dy: &mut [f64]) {
        (**self).rhs(t, y, dy)
    }
    fn jacobian(&mut self, t: f64, y: &[f64], jac: &mut DMatrix<f64>) -> bool {
        (**self).jacobian(t, y, jac)
    }
    fn jacobian_structure(&self) -> JacobianStructure {
        (**self).jacobian_structure()
    }
    fn jacobian_diagonal(&mut self, t: f64, y: &[f64], diag: &mut [f64]) {
        (**self).jacobian_diagonal(t, y, diag)
    }
    fn jacobian_blocks(&mut self, t: f64, y: &[f64], blocks: &mut [f64]) {
        (**self).jacobian_blocks(t, y, blocks)
    }
    fn linear_diagonal(&self, lambda: &mut [f64]) -> bool {
        (**self).linear_diagonal(lambda)
    }
    fn is_autonomous(&self) -> bool {
        (**self).is_autonomous()
    }
    fn on_step_start(&mut self, t0: f64, y0: &[f64]) -> bool {
        (**self).on_step_start(t0, y0)
    }
    fn on_step_accepted(&mut self, t0: f64, t1: f64, y1: &[f64]) -> bool {
        (**self).on_step_accepted(t0, t1, y1)
    }
}

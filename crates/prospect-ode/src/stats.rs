//! Work counters of an integration.

/// Work done so far, accumulated over the life of an [`crate::Integrator`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Accepted steps.
    pub accepted_steps: usize,
    /// Rejected steps (error too large or non-finite trial state).
    pub rejected_steps: usize,
    /// Right-hand-side evaluations, including those spent on finite-difference Jacobians
    /// and time derivatives (as SciPy counts them).
    pub rhs_evaluations: usize,
    /// Jacobian evaluations (analytic or by finite differences).
    pub jacobian_evaluations: usize,
    /// Jacobian evaluations that filled a dense `dim × dim` matrix (systems of
    /// [`crate::JacobianStructure::Dense`]; zero for structured ones).
    pub dense_jacobians: usize,
    /// LU factorisations of an iteration matrix.
    pub lu_factorisations: usize,
    /// Linear solves with a factorised matrix.
    pub linear_solves: usize,
}

impl Stats {
    /// Accepted plus rejected steps.
    pub fn steps(&self) -> usize {
        self.accepted_steps + self.rejected_steps
    }
}

//! Jacobians and time derivatives by forward finite differences, used when a system provides none.

use crate::{OdeSystem, Stats};
use nalgebra::DMatrix;

/// Scratch space for finite-difference Jacobians of a system of dimension `dim`.
pub struct JacobianScratch {
    work: Vec<f64>,
    f_work: Vec<f64>,
}

impl JacobianScratch {
    /// Buffers for a system of dimension `dim`.
    pub fn new(dim: usize) -> Self {
        JacobianScratch {
            work: vec![0.0; dim],
            f_work: vec![0.0; dim],
        }
    }
}

/// Fills `jac` with `∂f/∂y` at `(t, y)`: the system's own Jacobian if it has one, else forward
/// differences `(f(y + δ_j e_j) − f(y)) / δ_j` with `δ_j = √ε · max(|y_j|, 1e-5)`, costing
/// `dim` right-hand-side evaluations. `f0` must hold `f(t, y)`.
pub fn evaluate_jacobian<S: OdeSystem + ?Sized>(
    system: &mut S,
    (t, y, f0): (f64, &[f64], &[f64]),
    jac: &mut DMatrix<f64>,
    scratch: &mut JacobianScratch,
    stats: &mut Stats,
) {
    stats.jacobian_evaluations += 1;
    let JacobianScratch { work, f_work } = scratch;
    if system.jacobian(t, y, jac) {
        return;
    }
    let n = y.len();
    let sqrt_eps = f64::EPSILON.sqrt();
    work.copy_from_slice(y);
    for j in 0..n {
        let delta = sqrt_eps * y[j].abs().max(1e-5);
        // Make the step exactly representable so that (y + δ) − y = δ.
        let yj = y[j] + delta;
        let delta = yj - y[j];
        work[j] = yj;
        system.rhs(t, work, f_work);
        stats.rhs_evaluations += 1;
        for i in 0..n {
            jac[(i, j)] = (f_work[i] - f0[i]) / delta;
        }
        work[j] = y[j];
    }
}

/// Writes `∂f/∂t` at `(t, y)` into `ft`: zero for autonomous systems, else the forward difference
/// `(f(t + δ, y) − f(t, y)) / δ` with `δ = √ε · max(|t|, h)` (one right-hand-side evaluation).
/// The step size `h` sets the time scale where `t` is near zero.
pub fn evaluate_time_derivative<S: OdeSystem + ?Sized>(
    system: &mut S,
    t: f64,
    h: f64,
    y: &[f64],
    f0: &[f64],
    ft: &mut [f64],
    stats: &mut Stats,
) {
    if system.is_autonomous() {
        ft.fill(0.0);
        return;
    }
    let delta = f64::EPSILON.sqrt() * t.abs().max(h.abs()).max(f64::MIN_POSITIVE);
    let t1 = t + delta;
    let delta = t1 - t;
    system.rhs(t1, y, ft);
    stats.rhs_evaluations += 1;
    for (d, f) in ft.iter_mut().zip(f0) {
        *d = (*d - f) / delta;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// f(t, y) = (y0·y1 + t², sin y0), Jacobian [[y1, y0], [cos y0, 0]], ∂f/∂t = (2t, 0).
    struct Small;
    impl OdeSystem for Small {
        fn dim(&self) -> usize {
            2
        }
        fn rhs(&mut self, t: f64, y: &[f64], dy: &mut [f64]) {
            dy[0] = y[0] * y[1] + t * t;
            dy[1] = y[0].sin();
        }
    }

    #[test]
    fn finite_differences_match_the_analytic_jacobian() {
        let (t, y) = (0.7, [1.3, -0.4]);
        let mut f0 = [0.0; 2];
        Small.rhs(t, &y, &mut f0);
        let mut jac = DMatrix::zeros(2, 2);
        let mut stats = Stats::default();
        let mut scratch = JacobianScratch::new(2);
        evaluate_jacobian(&mut Small, (t, &y, &f0), &mut jac, &mut scratch, &mut stats);
        let exact = [[y[1], y[0]], [y[0].cos(), 0.0]];
        for i in 0..2 {
            for j in 0..2 {
                assert!(
                    (jac[(i, j)] - exact[i][j]).abs() < 1e-6,
                    "J[{i},{j}] = {}",
                    jac[(i, j)]
                );
            }
        }
        assert_eq!(stats.rhs_evaluations, 2);
        assert_eq!(stats.jacobian_evaluations, 1);

        let mut ft = [0.0; 2];
        evaluate_time_derivative(&mut Small, t, 0.1, &y, &f0, &mut ft, &mut stats);
        assert!(
            (ft[0] - 2.0 * t).abs() < 1e-6 && ft[1].abs() < 1e-12,
            "{ft:?}"
        );
    }
}

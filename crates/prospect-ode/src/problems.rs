//! Standard stiff test problems (Hairer & Wanner II; the Bari test set), shared by the tests,
//! the work–precision benchmark and anyone comparing integrators.
//!
//! Each problem carries an `analytic_jacobian` switch: when off, integrators fall back to finite
//! differences, which exercises that path and matches solvers that are given no Jacobian.

use crate::OdeSystem;
use nalgebra::DMatrix;

/// Robertson's chemical kinetics (k1 = 0.04, k2 = 3e7, k3 = 1e4), y0 = (1, 0, 0).
/// Mass `y1 + y2 + y3` is conserved exactly.
#[derive(Debug, Clone)]
pub struct Robertson {
    /// Provide the analytic Jacobian.
    pub analytic_jacobian: bool,
}

impl Robertson {
    /// Initial state.
    pub const Y0: [f64; 3] = [1.0, 0.0, 0.0];
}

impl OdeSystem for Robertson {
    fn dim(&self) -> usize {
        3
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) {
        let r1 = 0.04 * y[0];
        let r2 = 3e7 * y[1] * y[1];
        let r3 = 1e4 * y[1] * y[2];
        dy[0] = -r1 + r3;
        dy[1] = r1 - r2 - r3;
        dy[2] = r2;
    }
    fn jacobian(&mut self, _t: f64, y: &[f64], jac: &mut DMatrix<f64>) -> bool {
        if !self.analytic_jacobian {
            return false;
        }
        jac.copy_from_slice(&[
            // column-major: column 0
            -0.04,
            0.04,
            0.0,
            // column 1
            1e4 * y[2],
            -6e7 * y[1] - 1e4 * y[2],
            6e7 * y[1],
            // column 2
            1e4 * y[1],
            -1e4 * y[1],
            0.0,
        ]);
        true
    }
    fn is_autonomous(&self) -> bool {
        true
    }
}

/// Van der Pol's oscillator `y1' = y2, y2' = μ(1 − y1²) y2 − y1`, y0 = (2, 0); stiff for large μ
/// (MATLAB's `vdp1000` uses μ = 1000 on [0, 3000]).
#[derive(Debug, Clone)]
pub struct VanDerPol {
    /// Stiffness parameter μ.
    pub mu: f64,
    /// Provide the analytic Jacobian.
    pub analytic_jacobian: bool,
}

impl VanDerPol {
    /// Initial state.
    pub const Y0: [f64; 2] = [2.0, 0.0];
}

impl OdeSystem for VanDerPol {
    fn dim(&self) -> usize {
        2
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) {
        dy[0] = y[1];
        dy[1] = self.mu * (1.0 - y[0] * y[0]) * y[1] - y[0];
    }
    fn jacobian(&mut self, _t: f64, y: &[f64], jac: &mut DMatrix<f64>) -> bool {
        if !self.analytic_jacobian {
            return false;
        }
        jac[(0, 0)] = 0.0;
        jac[(0, 1)] = 1.0;
        jac[(1, 0)] = -2.0 * self.mu * y[0] * y[1] - 1.0;
        jac[(1, 1)] = self.mu * (1.0 - y[0] * y[0]);
        true
    }
    fn is_autonomous(&self) -> bool {
        true
    }
}

/// HIRES: light-induced plant physiology, eight stiff reactions (Schäfer 1975), on
/// [0, 321.8122].
#[derive(Debug, Clone)]
pub struct Hires {
    /// Provide the analytic Jacobian.
    pub analytic_jacobian: bool,
}

impl Hires {
    /// Initial state.
    pub const Y0: [f64; 8] = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0057];
    /// End of the standard interval.
    pub const T_END: f64 = 321.8122;
}

impl OdeSystem for Hires {
    fn dim(&self) -> usize {
        8
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) {
        let r = 280.0 * y[5] * y[7];
        dy[0] = -1.71 * y[0] + 0.43 * y[1] + 8.32 * y[2] + 0.0007;
        dy[1] = 1.71 * y[0] - 8.75 * y[1];
        dy[2] = -10.03 * y[2] + 0.43 * y[3] + 0.035 * y[4];
        dy[3] = 8.32 * y[1] + 1.71 * y[2] - 1.12 * y[3];
        dy[4] = -1.745 * y[4] + 0.43 * y[5] + 0.43 * y[6];
        dy[5] = -r + 0.69 * y[3] + 1.71 * y[4] - 0.43 * y[5] + 0.69 * y[6];
        dy[6] = r - 1.81 * y[6];
        dy[7] = -r + 1.81 * y[6];
    }
    fn jacobian(&mut self, _t: f64, y: &[f64], jac: &mut DMatrix<f64>) -> bool {
        if !self.analytic_jacobian {
            return false;
        }
        jac.fill(0.0);
        let entries: [(usize, usize, f64); 27] = [
            (0, 0, -1.71),
            (0, 1, 0.43),
            (0, 2, 8.32),
            (1, 0, 1.71),
            (1, 1, -8.75),
            (2, 2, -10.03),
            (2, 3, 0.43),
            (2, 4, 0.035),
            (3, 1, 8.32),
            (3, 2, 1.71),
            (3, 3, -1.12),
            (4, 4, -1.745),
            (4, 5, 0.43),
            (4, 6, 0.43),
            (5, 3, 0.69),
            (5, 4, 1.71),
            (5, 5, -0.43 - 280.0 * y[7]),
            (5, 6, 0.69),
            (5, 7, -280.0 * y[5]),
            (6, 5, 280.0 * y[7]),
            (6, 6, -1.81),
            (6, 7, 280.0 * y[5]),
            (7, 5, -280.0 * y[7]),
            (7, 6, 1.81),
            (7, 7, -280.0 * y[5]),
            (0, 3, 0.0),
            (1, 2, 0.0),
        ];
        for (i, j, v) in entries {
            jac[(i, j)] = v;
        }
        true
    }
    fn is_autonomous(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Stats;
    use crate::jacobian::{JacobianScratch, evaluate_jacobian};

    /// Each analytic Jacobian agrees with finite differences of its own right-hand side.
    fn check_jacobian<S: OdeSystem>(mut analytic: S, mut numeric: S, y: &[f64]) {
        let n = y.len();
        let mut f0 = vec![0.0; n];
        numeric.rhs(0.0, y, &mut f0);
        let (mut ja, mut jn) = (DMatrix::zeros(n, n), DMatrix::zeros(n, n));
        assert!(analytic.jacobian(0.0, y, &mut ja));
        let (mut scratch, mut st) = (JacobianScratch::new(n), Stats::default());
        evaluate_jacobian(&mut numeric, (0.0, y, &f0), &mut jn, &mut scratch, &mut st);
        for i in 0..n {
            for j in 0..n {
                let scale = 1.0 + ja[(i, j)].abs();
                assert!((ja[(i, j)] - jn[(i, j)]).abs() < 1e-5 * scale, "J[{i},{j}]");
            }
        }
    }

    #[test]
    fn analytic_jacobians_match_finite_differences() {
        check_jacobian(
            Robertson {
                analytic_jacobian: true,
            },
            Robertson {
                analytic_jacobian: false,
            },
            &[0.9, 2e-5, 0.1],
        );
        check_jacobian(
            VanDerPol {
                mu: 1000.0,
                analytic_jacobian: true,
            },
            VanDerPol {
                mu: 1000.0,
                analytic_jacobian: false,
            },
            &[1.5, -0.3],
        );
        check_jacobian(
            Hires {
                analytic_jacobian: true,
            },
            Hires {
                analytic_jacobian: false,
            },
            &[0.5, 0.1, 0.02, 0.3, 0.04, 0.5, 0.3, 0.2],
        );
    }
}

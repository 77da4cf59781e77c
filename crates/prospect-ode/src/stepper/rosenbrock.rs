//! The generic Rosenbrock stepper, run by a [`RosenbrockTableau`].

use super::{Attempt, StepRequest, Stepper};
use crate::jacobian::evaluate_time_derivative;
use crate::linear::{IterationMatrix, JacobianStructure};
use crate::tableau::RosenbrockTableau;
use crate::{OdeError, OdeSystem, Stats};

/// Linearly implicit Rosenbrock stepper for any [`RosenbrockTableau`].
///
/// One Jacobian (analytic or finite-difference) and one LU factorisation of
/// `W = I/(hγ) − J` per step, in the system's [`JacobianStructure`] (no dense matrix for a
/// diagonal or block-diagonal one). The Jacobian and `∂f/∂t` are reused when a step is rejected and
/// retried from the same point with a smaller `h` (only `W` is refactorised).
pub struct Rosenbrock {
    tableau: &'static RosenbrockTableau,
    matrix: IterationMatrix,
    jacobian_current: bool,
    time_derivative: Vec<f64>,
    stages: Vec<Vec<f64>>,
    stage_input: Vec<f64>,
    stage_rhs: Vec<f64>,
    solve_buffer: Vec<f64>,
    error: Vec<f64>,
}

impl Rosenbrock {
    /// A stepper for `tableau` on a system of dimension `dim` with a dense Jacobian.
    pub fn new(tableau: &'static RosenbrockTableau, dim: usize) -> Self {
        Self::with_structure(tableau, dim, JacobianStructure::Dense)
    }

    /// A stepper for `tableau` on a system of dimension `dim` whose Jacobian has `structure`.
    pub fn with_structure(
        tableau: &'static RosenbrockTableau,
        dim: usize,
        structure: JacobianStructure,
    ) -> Self {
        Rosenbrock {
            tableau,
            matrix: IterationMatrix::new(dim, structure),
            jacobian_current: false,
            time_derivative: vec![0.0; dim],
            stages: vec![vec![0.0; dim]; tableau.alpha.len()],
            stage_input: vec![0.0; dim],
            stage_rhs: vec![0.0; dim],
            solve_buffer: vec![0.0; dim],
            error: vec![0.0; dim],
        }
    }
}

impl<S: OdeSystem + ?Sized> Stepper<S> for Rosenbrock {
    fn name(&self) -> &'static str {
        self.tableau.name
    }

    fn order(&self) -> u32 {
        self.tableau.order
    }

    fn error_order(&self) -> Option<u32> {
        Some(self.tableau.error_order)
    }

    fn attempt(
        &mut self,
        system: &mut S,
        req: &StepRequest<'_>,
        y1: &mut [f64],
        _f1: &mut [f64],
        stats: &mut Stats,
    ) -> Result<Attempt, OdeError> {
        let tab = self.tableau;
        let (t, h, y0, f0) = (req.t, req.h, req.y0, req.f0);
        let n = y0.len();
        if !self.jacobian_current {
            self.matrix.evaluate(system, (t, y0, f0), stats);
            evaluate_time_derivative(system, t, h, y0, f0, &mut self.time_derivative, stats);
            self.jacobian_current = true;
        }
        // W = I/(hγ) − J.
        self.matrix
            .factorize(1.0 / (h * tab.gamma), 1.0, stats)
            .map_err(|_| OdeError::SingularMatrix { t, h })?;

        for s in 0..tab.alpha.len() {
            // Stage right-hand side f(t + α_s h, y0 + Σ a_sj k_j).
            if s == 0 {
                self.stage_rhs.copy_from_slice(f0);
            } else {
                self.stage_input.copy_from_slice(y0);
                for (j, &a) in tab.a[s - 1].iter().enumerate() {
                    if a != 0.0 {
                        for (u, k) in self.stage_input.iter_mut().zip(&self.stages[j]) {
                            *u += a * k;
                        }
                    }
                }
                system.rhs(t + tab.alpha[s] * h, &self.stage_input, &mut self.stage_rhs);
                stats.rhs_evaluations += 1;
            }
            // + Σ (C_sj / h) k_j + h d_s ∂f/∂t
            let b = self.solve_buffer.as_mut_slice();
            b.copy_from_slice(&self.stage_rhs);
            if s > 0 {
                for (j, &c) in tab.c[s - 1].iter().enumerate() {
                    if c != 0.0 {
                        let ch = c / h;
                        for (bi, k) in b.iter_mut().zip(&self.stages[j]) {
                            *bi += ch * k;
                        }
                    }
                }
            }
            let hd = h * tab.d[s];
            if hd != 0.0 {
                for (bi, ft) in b.iter_mut().zip(&self.time_derivative) {
                    *bi += hd * ft;
                }
            }
            self.matrix.solve(&mut self.solve_buffer, stats);
            self.stages[s].copy_from_slice(&self.solve_buffer);
        }

        y1.copy_from_slice(y0);
        self.error.fill(0.0);
        for (s, k) in self.stages.iter().enumerate() {
            let (m, e) = (tab.m[s], tab.e[s]);
            for i in 0..n {
                y1[i] += m * k[i];
                self.error[i] += e * k[i];
            }
        }
        let error_norm = req.tolerances.error_norm(&self.error, y0, y1);
        Ok(Attempt::controlled(Some(error_norm), false))
    }

    fn dense(&self, theta: f64, _h: f64, y0: &[f64], y1: &[f64], out: &mut [f64]) -> bool {
        let Some([h1, h2]) = self.tableau.dense else {
            return false;
        };
        let th1 = 1.0 - theta;
        for i in 0..out.len() {
            let (mut d1, mut d2) = (0.0, 0.0);
            for (s, k) in self.stages.iter().enumerate() {
                d1 += h1[s] * k[i];
                d2 += h2[s] * k[i];
            }
            out[i] = th1 * y0[i] + theta * (y1[i] + th1 * (d1 + theta * d2));
        }
        true
    }

    fn invalidate(&mut self) {
        self.jacobian_current = false;
    }
}

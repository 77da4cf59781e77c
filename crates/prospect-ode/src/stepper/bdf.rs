//! Variable-order (1–5) BDF in Klopfenstein–Shampine NDF form, with a modified-divided-
//! difference history (Shampine & Reichelt 1997, the method of MATLAB's `ode15s` and SciPy's
//! `BDF`), simplified Newton iterations and a Jacobian kept across steps.

use super::{Attempt, StepRequest, Stepper};
use crate::linear::{IterationMatrix, JacobianStructure};
use crate::{OdeError, OdeSystem, Stats};
use nalgebra::DMatrix;

const MAX_ORDER: usize = 5;
const NEWTON_MAXITER: usize = 4;
const MIN_FACTOR: f64 = 0.2;
const MAX_FACTOR: f64 = 10.0;
/// NDF coefficients κ_k (Shampine & Reichelt, Table 1); κ = 0 gives plain BDF.
const KAPPA: [f64; MAX_ORDER + 1] = [0.0, -0.1850, -1.0 / 9.0, -0.0823, -0.0415, 0.0];

/// `R` of Shampine & Reichelt: the matrix that rescales a difference history of `order` to
/// step-size ratio `factor`.
fn compute_r(order: usize, factor: f64) -> DMatrix<f64> {
    let mut m = DMatrix::zeros(order + 1, order + 1);
    for j in 0..=order {
        m[(0, j)] = 1.0;
    }
    for i in 1..=order {
        for j in 1..=order {
            m[(i, j)] = (i as f64 - 1.0 - factor * j as f64) / i as f64;
        }
    }
    // Cumulative product down each column.
    for i in 1..=order {
        for j in 0..=order {
            m[(i, j)] *= m[(i - 1, j)];
        }
    }
    m
}

/// Variable-order NDF/BDF stepper. It controls its own step size and order; the integrator
/// only clips the step to land on target times.
pub struct Bdf {
    n: usize,
    /// Difference history: row i is the i-th modified divided difference (i = 0..=order+2).
    d: Vec<Vec<f64>>,
    order: usize,
    h: f64,
    n_equal_steps: usize,
    gamma: [f64; MAX_ORDER + 2],
    alpha: [f64; MAX_ORDER + 2],
    error_const: [f64; MAX_ORDER + 2],
    newton_tol: f64,
    /// `I − c J` in the system's Jacobian structure; `factored` says for which `c`.
    matrix: IterationMatrix,
    factored: Option<f64>,
    jacobian_current: bool,
    have_jacobian: bool,
    started: bool,
    f_buf: Vec<f64>,
    f0: Vec<f64>,
    y_pred: Vec<f64>,
    psi: Vec<f64>,
    corr: Vec<f64>,
    rhs: Vec<f64>,
    /// Dense output: time of the last accepted point, step of the history, order, history.
    dense_t: f64,
    dense_h: f64,
    dense_order: usize,
    dense_d: Vec<Vec<f64>>,
}

impl Bdf {
    /// A stepper for a system of dimension `n` with relative tolerance `rtol` (for the Newton
    /// tolerance), with a dense Jacobian.
    pub fn new(n: usize, rtol: f64) -> Self {
        Self::with_structure(n, rtol, JacobianStructure::Dense)
    }

    /// A stepper for a system of dimension `n` whose Jacobian has `structure`.
    pub fn with_structure(n: usize, rtol: f64, structure: JacobianStructure) -> Self {
        let mut gamma = [0.0; MAX_ORDER + 2];
        for k in 1..=MAX_ORDER {
            gamma[k] = gamma[k - 1] + 1.0 / k as f64;
        }
        let mut alpha = [0.0; MAX_ORDER + 2];
        let mut error_const = [0.0; MAX_ORDER + 2];
        for k in 0..=MAX_ORDER {
            alpha[k] = (1.0 - KAPPA[k]) * gamma[k];
            error_const[k] = KAPPA[k] * gamma[k] + 1.0 / (k as f64 + 1.0);
        }
        error_const[MAX_ORDER + 1] = 1.0 / (MAX_ORDER as f64 + 2.0);
        Bdf {
            n,
            d: vec![vec![0.0; n]; MAX_ORDER + 3],
            order: 1,
            h: 0.0,
            n_equal_steps: 0,
            gamma,
            alpha,
            error_const,
            newton_tol: (10.0 * f64::EPSILON / rtol).max(0.03f64.min(rtol.sqrt())),
            matrix: IterationMatrix::new(n, structure),
            factored: None,
            jacobian_current: false,
            have_jacobian: false,
            started: false,
            f_buf: vec![0.0; n],
            f0: vec![0.0; n],
            y_pred: vec![0.0; n],
            psi: vec![0.0; n],
            corr: vec![0.0; n],
            rhs: vec![0.0; n],
            dense_t: 0.0,
            dense_h: 0.0,
            dense_order: 1,
            dense_d: Vec::new(),
        }
    }

    /// Rescales the history to a step `factor` times the current one.
    fn change_d(&mut self, factor: f64) {
        let order = self.order;
        let r = compute_r(order, factor);
        let u = compute_r(order, 1.0);
        let ru = r * u;
        let mut new = vec![vec![0.0; self.n]; order + 1];
        for (i, row) in new.iter_mut().enumerate() {
            for j in 0..=order {
                let c = ru[(j, i)];
                if c != 0.0 {
                    for (x, dj) in row.iter_mut().zip(&self.d[j]) {
                        *x += c * dj;
                    }
                }
            }
        }
        for (i, row) in new.into_iter().enumerate() {
            self.d[i] = row;
        }
        self.h *= factor;
    }

    fn norm(v: &[f64], scale: &[f64]) -> f64 {
        let s: f64 = v.iter().zip(scale).map(|(a, b)| (a / b) * (a / b)).sum();
        (s / v.len().max(1) as f64).sqrt()
    }

    /// Simplified Newton on the NDF system; returns (converged, iterations, y, d).
    fn newton<S: OdeSystem + ?Sized>(
        &mut self,
        system: &mut S,
        t_new: f64,
        c: f64,
        scale: &[f64],
        stats: &mut Stats,
    ) -> (bool, usize, Vec<f64>) {
        let mut y = self.y_pred.clone();
        self.corr.fill(0.0);
        let mut dy_norm_old: Option<f64> = None;
        for k in 0..NEWTON_MAXITER {
            system.rhs(t_new, &y, &mut self.f_buf);
            stats.rhs_evaluations += 1;
            if self.f_buf.iter().any(|v| !v.is_finite()) {
                return (false, k + 1, y);
            }
            for i in 0..self.n {
                self.rhs[i] = c * self.f_buf[i] - self.psi[i] - self.corr[i];
            }
            self.matrix.solve(&mut self.rhs, stats);
            let dy = self.rhs.as_slice();
            let dy_norm = Self::norm(dy, scale);
            let rate = dy_norm_old.map(|old| dy_norm / old);
            if let Some(rate) = rate
                && (rate >= 1.0
                    || rate.powi((NEWTON_MAXITER - k) as i32) / (1.0 - rate) * dy_norm
                        > self.newton_tol)
            {
                return (false, k + 1, y);
            }
            for i in 0..self.n {
                y[i] += dy[i];
                self.corr[i] += dy[i];
            }
            if dy_norm == 0.0
                || rate.is_some_and(|rate| rate / (1.0 - rate) * dy_norm < self.newton_tol)
            {
                return (true, k + 1, y);
            }
            dy_norm_old = Some(dy_norm);
        }
        (false, NEWTON_MAXITER, y)
    }
}

impl<S: OdeSystem + ?Sized> Stepper<S> for Bdf {
    fn name(&self) -> &'static str {
        "bdf"
    }

    fn order(&self) -> u32 {
        self.order as u32
    }

    fn error_order(&self) -> Option<u32> {
        Some(1)
    }

    fn attempt(
        &mut self,
        system: &mut S,
        req: &StepRequest<'_>,
        y1: &mut [f64],
        _f1: &mut [f64],
        stats: &mut Stats,
    ) -> Result<Attempt, OdeError> {
        let (t, y0, f0) = (req.t, req.y0, req.f0);
        let tol = req.tolerances;
        if !self.started {
            // (Re)start at order 1 from (t, y0) with the requested step.
            self.order = 1;
            self.h = req.h;
            self.d[0].copy_from_slice(y0);
            for (d, f) in self.d[1].iter_mut().zip(f0) {
                *d = f * req.h;
            }
            for row in &mut self.d[2..] {
                row.fill(0.0);
            }
            self.n_equal_steps = 0;
            self.factored = None;
            self.started = true;
        } else if req.h != self.h {
            // The integrator clipped the step (landing on a target time) or retries smaller.
            self.change_d(req.h / self.h);
            self.n_equal_steps = 0;
            self.factored = None;
        }
        if !self.have_jacobian {
            self.matrix.evaluate(system, (t, y0, f0), stats);
            self.factored = None;
            self.have_jacobian = true;
            self.jacobian_current = true;
        }
        let min_step = 10.0 * (t.abs() * f64::EPSILON).max(f64::MIN_POSITIVE);
        let mut newton_failed = false;
        loop {
            if self.h < min_step {
                return Err(if newton_failed {
                    OdeError::NewtonDivergence {
                        t,
                        iterations: NEWTON_MAXITER,
                    }
                } else {
                    OdeError::StepSizeTooSmall {
                        t,
                        h: self.h,
                        h_min: min_step,
                    }
                });
            }
            let order = self.order;
            let h = self.h;
            let t_new = t + h;
            for i in 0..self.n {
                let mut p = 0.0;
                let mut s = 0.0;
                for j in 0..=order {
                    p += self.d[j][i];
                    if j >= 1 {
                        s += self.d[j][i] * self.gamma[j];
                    }
                }
                self.y_pred[i] = p;
                self.psi[i] = s / self.alpha[order];
            }
            let scale: Vec<f64> = (0..self.n)
                .map(|i| tol.atol.get(i) + tol.rtol.get(i) * self.y_pred[i].abs())
                .collect();
            let c = h / self.alpha[order];
            let (converged, n_iter, y_new) = loop {
                if self.factored != Some(c) {
                    self.factored = None;
                    self.matrix
                        .factorize(1.0, c, stats)
                        .map_err(|_| OdeError::SingularMatrix { t, h })?;
                    self.factored = Some(c);
                }
                let (ok, it, y) = self.newton(system, t_new, c, &scale, stats);
                if ok || self.jacobian_current {
                    break (ok, it, y);
                }
                // Refresh a stale Jacobian once before cutting the step. The integrator did not
                // evaluate f(t, y0) for this step (the history made it unnecessary): do it here.
                system.rhs(t, y0, &mut self.f0);
                stats.rhs_evaluations += 1;
                let f0 = std::mem::take(&mut self.f0);
                self.matrix.evaluate(system, (t, y0, &f0), stats);
                self.f0 = f0;
                self.jacobian_current = true;
                self.factored = None;
            };
            if !converged {
                newton_failed = true;
                stats.rejected_steps += 1;
                self.change_d(0.5);
                self.n_equal_steps = 0;
                self.factored = None;
                continue;
            }
            let safety = 0.9 * (2.0 * NEWTON_MAXITER as f64 + 1.0)
                / (2.0 * NEWTON_MAXITER as f64 + n_iter as f64);
            let scale: Vec<f64> = (0..self.n)
                .map(|i| tol.atol.get(i) + tol.rtol.get(i) * y_new[i].abs())
                .collect();
            let err: Vec<f64> = self
                .corr
                .iter()
                .map(|d| self.error_const[order] * d)
                .collect();
            let error_norm = Self::norm(&err, &scale);
            if error_norm > 1.0 {
                stats.rejected_steps += 1;
                let factor = MIN_FACTOR.max(safety * error_norm.powf(-1.0 / (order as f64 + 1.0)));
                self.change_d(factor);
                self.n_equal_steps = 0;
                continue;
            }
            // Accept: update the differences (D^{j+1} y_n = D^j y_n − D^j y_{n−1}).
            let taken = h;
            self.n_equal_steps += 1;
            y1.copy_from_slice(&y_new);
            for i in 0..self.n {
                self.d[order + 2][i] = self.corr[i] - self.d[order + 1][i];
                self.d[order + 1][i] = self.corr[i];
            }
            for j in (0..=order).rev() {
                let (lo, hi) = self.d.split_at_mut(j + 1);
                for (a, b) in lo[j].iter_mut().zip(&hi[0]) {
                    *a += b;
                }
            }
            self.jacobian_current = false;
            if self.n_equal_steps > order {
                // Order and step selection from the neighbouring orders' error estimates.
                let em = if order > 1 {
                    let e: Vec<f64> = self.d[order]
                        .iter()
                        .map(|d| self.error_const[order - 1] * d)
                        .collect();
                    Self::norm(&e, &scale)
                } else {
                    f64::INFINITY
                };
                let ep = if order < MAX_ORDER {
                    let e: Vec<f64> = self.d[order + 2]
                        .iter()
                        .map(|d| self.error_const[order + 1] * d)
                        .collect();
                    Self::norm(&e, &scale)
                } else {
                    f64::INFINITY
                };
                let norms = [em, error_norm, ep];
                let mut best = (0usize, 0.0f64);
                for (i, e) in norms.iter().enumerate() {
                    let f = e.powf(-1.0 / (order + i) as f64);
                    if f > best.1 {
                        best = (i, f);
                    }
                }
                self.order = order + best.0 - 1;
                let factor = MAX_FACTOR.min(safety * best.1);
                self.change_d(factor);
                self.n_equal_steps = 0;
                self.factored = None;
            }
            // Dense output data: the history now describes the polynomial through t_new.
            self.dense_t = t_new;
            self.dense_h = self.h;
            self.dense_order = self.order;
            self.dense_d = self.d[..=self.order].to_vec();
            return Ok(Attempt {
                error_norm: Some(error_norm),
                f1_valid: false,
                h_taken: Some(taken),
                next_h: Some(self.h),
            });
        }
    }

    fn dense(&self, theta: f64, h: f64, _y0: &[f64], _y1: &[f64], out: &mut [f64]) -> bool {
        if self.dense_d.is_empty() {
            return false;
        }
        // t − t_new = (θ − 1) h; the history is in units of dense_h.
        let s = (theta - 1.0) * h / self.dense_h;
        out.copy_from_slice(&self.dense_d[0]);
        let mut p = 1.0;
        for i in 0..self.dense_order {
            p *= (s + i as f64) / (i as f64 + 1.0);
            for (o, d) in out.iter_mut().zip(&self.dense_d[i + 1]) {
                *o += p * d;
            }
        }
        true
    }

    fn invalidate(&mut self) {
        // The system or state changed: restart the history (the Jacobian is stale too).
        self.started = false;
        self.have_jacobian = false;
        self.dense_d.clear();
    }

    fn after_accept(&mut self) {}

    fn needs_derivative(&self) -> bool {
        !(self.started && self.have_jacobian)
    }
}

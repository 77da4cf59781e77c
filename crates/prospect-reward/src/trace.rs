//! Eligibility traces: `dE/dt = −E/τ_e + p(t)` for a local product `p` (docs/equations.md §2),
//! one matrix per projection and batch column, integrated for whatever step the integrator
//! takes.

use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

/// How a step of length Δt with the product `p` held over it updates the trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Discretisation {
    /// The exact solution for `p` constant over the step:
    /// `E ← E e^{−Δt/τ} + τ (1 − e^{−Δt/τ}) p` (any Δt, mixed step sizes included; with
    /// τ = ∞ the plain integral `E ← E + Δt p`).
    #[default]
    Exact,
    /// The reference code's (Kungl's lagrangeRL) `E ← (E + Δt p) e^{−Δt/τ}`: equal to the exact
    /// form to first order in Δt/τ, but at its setting Δt = τ_e = 0.1 it weighs the newest
    /// product by Δt e^{−1} ≈ 0.037 instead of τ (1 − e^{−1}) ≈ 0.063. For reproducing it.
    Reference,
}

/// Eligibility traces of one projection: `n_post × n_pre` per batch column, column-major,
/// columns of the batch one after another. Units: the product's units × time.
#[derive(Debug, Clone, PartialEq)]
pub struct EligibilityTrace {
    tau: f64,
    discretisation: Discretisation,
    n_post: usize,
    n_pre: usize,
    batch: usize,
    values: Vec<f64>,
}

impl EligibilityTrace {
    /// Zero traces with time constant `tau` (time units, > 0; `f64::INFINITY` integrates without
    /// decay) for `batch` columns of `n_post × n_pre` products.
    pub fn new(
        tau: f64,
        discretisation: Discretisation,
        n_post: usize,
        n_pre: usize,
        batch: usize,
    ) -> Self {
        EligibilityTrace {
            tau,
            discretisation,
            n_post,
            n_pre,
            batch,
            values: vec![0.0; n_post * n_pre * batch],
        }
    }

    /// The decay factor `a = e^{−Δt/τ}` and the weight `c` of the newest product for a step Δt.
    pub fn factors(&self, dt: f64) -> (f64, f64) {
        if self.tau.is_infinite() {
            return (1.0, dt);
        }
        let a = (-dt / self.tau).exp();
        match self.discretisation {
            // τ (1 − e^{−Δt/τ}) = −τ expm1(−Δt/τ), without cancellation for small Δt.
            Discretisation::Exact => (a, -self.tau * (-dt / self.tau).exp_m1()),
            Discretisation::Reference => (a, dt * a),
        }
    }

    /// Advances over a step Δt with the product `p_b = post_b pre_bᵀ` held over it, for every
    /// batch column `b` (`post`: `n_post × B`, `pre`: `n_pre × B`, column-major).
    pub fn accumulate_outer(&mut self, dt: f64, post: &[f64], pre: &[f64]) {
        let (a, c) = self.factors(dt);
        let (np, nq) = (self.n_post, self.n_pre);
        for b in 0..self.batch {
            let e = &mut self.values[b * np * nq..(b + 1) * np * nq];
            let post = &post[b * np..(b + 1) * np];
            let pre = &pre[b * nq..(b + 1) * nq];
            for (j, col) in e.chunks_exact_mut(np).enumerate() {
                let cp = c * pre[j];
                for (x, y) in col.iter_mut().zip(post) {
                    *x = a * *x + cp * y;
                }
            }
        }
    }

    /// Advances over a step Δt with a product vector `p_b` (`n_post × B`; traces of shape
    /// `n_post × 1`, e.g. for biases).
    pub fn accumulate(&mut self, dt: f64, p: &[f64]) {
        let (a, c) = self.factors(dt);
        for (x, y) in self.values.iter_mut().zip(p) {
            *x = a * *x + c * y;
        }
    }

    /// Decays without a new product over Δt.
    pub fn decay(&mut self, dt: f64) {
        let (a, _) = self.factors(dt);
        self.values.iter_mut().for_each(|x| *x *= a);
    }

    /// Back to zero.
    pub fn reset(&mut self) {
        self.values.fill(0.0);
    }

    /// The trace of batch column `b` (`n_post × n_pre`, column-major).
    pub fn column(&self, b: usize) -> &[f64] {
        let n = self.n_post * self.n_pre;
        &self.values[b * n..(b + 1) * n]
    }

    /// `out += scale Σ_b m_b E_b`: the weight change of a modulator `m_b` per batch column
    /// (e.g. `R_b − R̄`), `out` of shape `n_post × n_pre` (column-major slice).
    pub fn apply(&self, modulators: &[f64], scale: f64, out: &mut [f64]) {
        for (b, m) in modulators.iter().enumerate() {
            let s = scale * m;
            if s == 0.0 {
                continue;
            }
            for (o, e) in out.iter_mut().zip(self.column(b)) {
                *o += s * e;
            }
        }
    }

    /// The same as [`EligibilityTrace::apply`] into a matrix.
    pub fn apply_to(&self, modulators: &[f64], scale: f64, out: &mut DMatrix<f64>) {
        self.apply(modulators, scale, out.as_mut_slice());
    }

    /// Time constant τ_e (time units).
    pub fn tau(&self) -> f64 {
        self.tau
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// For a constant product p the trace is E(t) = p τ (1 − e^{−t/τ}) (the ODE's closed form):
    /// the exact discretisation reproduces it to rounding for any mix of step sizes (a
    /// first-order scheme would be off by O(Δt/τ) ≈ 1e-1 here).
    #[test]
    fn exact_trace_matches_the_closed_form_for_mixed_steps() {
        let (tau, p) = (0.7, 1.3);
        let mut e = EligibilityTrace::new(tau, Discretisation::Exact, 1, 1, 1);
        let steps = [0.1, 0.013, 0.5, 1e-6, 0.25, 2.0, 0.037, 0.3];
        let mut t = 0.0;
        for k in 0..200 {
            let dt = steps[k % steps.len()];
            e.accumulate_outer(dt, &[p], &[1.0]);
            t += dt;
            let want = p * tau * (1.0 - (-t / tau).exp());
            assert!(
                (e.column(0)[0] - want).abs() <= 1e-12 * want.abs().max(1.0),
                "t = {t}: {} vs {want}",
                e.column(0)[0]
            );
        }
    }

    /// The reference code's form at Δt = τ_e: E₁ = Δt e^{−1} p after one step.
    #[test]
    fn reference_discretisation_is_the_reference_codes() {
        let mut e = EligibilityTrace::new(0.1, Discretisation::Reference, 1, 1, 1);
        e.accumulate_outer(0.1, &[2.0], &[1.0]);
        let want = 0.1 * 2.0 * (-1.0f64).exp();
        assert!((e.column(0)[0] - want).abs() < 1e-15);
        e.accumulate_outer(0.1, &[2.0], &[1.0]);
        let want = (want + 0.2) * (-1.0f64).exp();
        assert!((e.column(0)[0] - want).abs() < 1e-15);
    }

    /// Outer products per batch column, column-major (post index fastest), and the modulated
    /// sum Σ_b m_b E_b; with τ = ∞ the trace is the plain integral Σ Δt p.
    #[test]
    fn outer_products_per_column_and_the_modulated_sum() {
        let mut e = EligibilityTrace::new(f64::INFINITY, Discretisation::Exact, 2, 3, 2);
        let post = [1.0, 2.0, -1.0, 0.5];
        let pre = [1.0, 0.0, 3.0, 2.0, 1.0, -1.0];
        e.accumulate_outer(0.5, &post, &pre);
        e.accumulate_outer(0.25, &post, &pre);
        for b in 0..2 {
            for j in 0..3 {
                for i in 0..2 {
                    let want = 0.75 * post[b * 2 + i] * pre[b * 3 + j];
                    assert_eq!(e.column(b)[j * 2 + i], want);
                }
            }
        }
        let mut out = vec![0.0; 6];
        e.apply(&[2.0, -1.0], 0.5, &mut out);
        for j in 0..3 {
            for i in 0..2 {
                let want = 0.5 * (2.0 * e.column(0)[j * 2 + i] - e.column(1)[j * 2 + i]);
                assert!((out[j * 2 + i] - want).abs() < 1e-15);
            }
        }
    }
}

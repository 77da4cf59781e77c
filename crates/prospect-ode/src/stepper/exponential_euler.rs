//! Exponential Euler: exact for the linear part, first order for the rest.

use super::{Attempt, StepRequest, Stepper};
use crate::{OdeError, OdeSystem, Stats};

/// Exponential Euler for `f(t, y) = λ ⊙ y + N(t, y)` with a diagonal linear part `λ`:
/// `y1 = e^{hλ} y0 + h φ1(hλ) N(t, y0)` with `φ1(z) = (e^z − 1)/z`. Exact for pure leaks, and
/// stable for any step on them; first order overall (Hochbruck & Ostermann 2010).
pub struct ExponentialEuler {
    lambda: Vec<f64>,
}

impl ExponentialEuler {
    /// A stepper for `system`; fails when the system reports no linear part.
    pub fn new<S: OdeSystem + ?Sized>(system: &S) -> Result<Self, OdeError> {
        let mut lambda = vec![0.0; system.dim()];
        if !system.linear_diagonal(&mut lambda) {
            return Err(OdeError::invalid(
                "exponential Euler needs a linear part: the system's linear_diagonal returned false",
            ));
        }
        Ok(ExponentialEuler { lambda })
    }
}

/// `φ1(z) = (e^z − 1)/z`, with `φ1(0) = 1`, accurate near zero.
fn phi1(z: f64) -> f64 {
    if z.abs() < 1e-8 {
        1.0 + 0.5 * z
    } else {
        z.exp_m1() / z
    }
}

impl<S: OdeSystem + ?Sized> Stepper<S> for ExponentialEuler {
    fn name(&self) -> &'static str {
        "exponential-euler"
    }

    fn order(&self) -> u32 {
        1
    }

    fn error_order(&self) -> Option<u32> {
        None
    }

    fn attempt(
        &mut self,
        system: &mut S,
        req: &StepRequest<'_>,
        y1: &mut [f64],
        _f1: &mut [f64],
        _stats: &mut Stats,
    ) -> Result<Attempt, OdeError> {
        // Re-read λ: the system (e.g. its τ) may have changed between calls.
        system.linear_diagonal(&mut self.lambda);
        let h = req.h;
        for i in 0..y1.len() {
            let l = self.lambda[i];
            let nonlinear = req.f0[i] - l * req.y0[i];
            y1[i] = (h * l).exp() * req.y0[i] + h * phi1(h * l) * nonlinear;
        }
        Ok(Attempt::controlled(None, false))
    }
}

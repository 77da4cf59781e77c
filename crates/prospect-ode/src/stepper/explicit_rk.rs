//! The generic explicit Runge–Kutta stepper, run by an [`ExplicitTableau`].

use super::{Attempt, StepRequest, Stepper};
use crate::tableau::{DenseOutput, ExplicitTableau};
use crate::{OdeError, OdeSystem, Stats};

/// Explicit Runge–Kutta stepper for any [`ExplicitTableau`].
pub struct ExplicitRk {
    tableau: &'static ExplicitTableau,
    stages: Vec<Vec<f64>>,
    stage_input: Vec<f64>,
    error: Vec<f64>,
}

impl ExplicitRk {
    /// A stepper for `tableau` on a system of dimension `dim`.
    pub fn new(tableau: &'static ExplicitTableau, dim: usize) -> Self {
        ExplicitRk {
            tableau,
            stages: vec![vec![0.0; dim]; tableau.c.len()],
            stage_input: vec![0.0; dim],
            error: vec![0.0; dim],
        }
    }
}

impl<S: OdeSystem + ?Sized> Stepper<S> for ExplicitRk {
    fn name(&self) -> &'static str {
        self.tableau.name
    }

    fn order(&self) -> u32 {
        self.tableau.order
    }

    fn error_order(&self) -> Option<u32> {
        self.tableau.error.as_ref().map(|e| e.order)
    }

    fn attempt(
        &mut self,
        system: &mut S,
        req: &StepRequest<'_>,
        y1: &mut [f64],
        f1: &mut [f64],
        stats: &mut Stats,
    ) -> Result<Attempt, OdeError> {
        let tab = self.tableau;
        let (h, y0) = (req.h, req.y0);
        // Stage 0 is f0 itself (not copied); stages[0] is unused.
        for (i, row) in tab.a.iter().enumerate() {
            let stage = i + 1;
            self.stage_input.copy_from_slice(y0);
            for (j, &a) in row.iter().enumerate() {
                if a != 0.0 {
                    let ha = h * a;
                    let k = if j == 0 { req.f0 } else { &self.stages[j][..] };
                    for (u, k) in self.stage_input.iter_mut().zip(k) {
                        *u += ha * k;
                    }
                }
            }
            let (done, rest) = self.stages.split_at_mut(stage);
            let _ = done;
            system.rhs(req.t + tab.c[stage] * h, &self.stage_input, &mut rest[0]);
            stats.rhs_evaluations += 1;
        }
        let last = tab.c.len() - 1;
        if tab.fsal {
            // The last stage was evaluated at y1 itself.
            y1.copy_from_slice(&self.stage_input);
            f1.copy_from_slice(&self.stages[last]);
        } else {
            // y1 = y0 + h b_0 f0 in one pass, then the other stages.
            let hb0 = h * tab.b[0];
            for ((y, y0), f) in y1.iter_mut().zip(y0).zip(req.f0) {
                *y = y0 + hb0 * f;
            }
            for (j, b) in tab.b.iter().enumerate().skip(1) {
                if *b != 0.0 {
                    let hb = h * b;
                    let k = if j == 0 { req.f0 } else { &self.stages[j][..] };
                    for (y, k) in y1.iter_mut().zip(k) {
                        *y += hb * k;
                    }
                }
            }
        }
        // Dense output reads stage 0 from `stages`: keep a copy for adaptive methods.
        if tab.error.is_some() {
            self.stages[0].copy_from_slice(req.f0);
        }
        let error_norm = tab.error.as_ref().map(|emb| {
            self.error.fill(0.0);
            for (e, k) in emb.e.iter().zip(&self.stages) {
                if *e != 0.0 {
                    let he = h * e;
                    for (err, k) in self.error.iter_mut().zip(k) {
                        *err += he * k;
                    }
                }
            }
            req.tolerances.error_norm(&self.error, y0, y1)
        });
        Ok(Attempt::controlled(error_norm, tab.fsal))
    }

    fn dense(&self, theta: f64, h: f64, y0: &[f64], y1: &[f64], out: &mut [f64]) -> bool {
        let DenseOutput::Dopri5 { d } = self.tableau.dense else {
            return false;
        };
        // Hairer's CONTD5: y0 + θ(Δ + (1−θ)(h k1 − Δ + θ(Δ − h k7 − (h k1 − Δ) + (1−θ) h Σ d_i k_i))).
        let last = self.stages.len() - 1;
        let th1 = 1.0 - theta;
        for i in 0..out.len() {
            let delta = y1[i] - y0[i];
            let bspl = h * self.stages[0][i] - delta;
            let r4 = delta - h * self.stages[last][i] - bspl;
            let mut r5 = 0.0;
            for (dj, k) in d.iter().zip(&self.stages) {
                r5 += dj * k[i];
            }
            r5 *= h;
            out[i] = y0[i] + theta * (delta + th1 * (bspl + theta * (r4 + th1 * r5)));
        }
        true
    }
}

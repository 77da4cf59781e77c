//! Step-size control: a proportional–integral (PI) controller.

/// PI step-size controller (Gustafsson 1991; Hairer & Wanner II, IV.2):
/// `h_new = h · safety · err^(−α) · err_prev^(β)` with `α = 0.7/k`, `β = 0.4/k` and `k` one more
/// than the order of the error estimator. The factor is clamped to `[min_factor, max_factor]`;
/// after a rejection the next accepted step may not grow.
#[derive(Debug, Clone)]
pub struct PiController {
    /// Safety factor (default 0.9).
    pub safety: f64,
    /// Smallest factor per step (default 0.2).
    pub min_factor: f64,
    /// Largest factor per step (default 6).
    pub max_factor: f64,
    alpha: f64,
    beta: f64,
    err_prev: f64,
    just_rejected: bool,
}

impl PiController {
    /// A controller for an error estimator of order `estimator_order`.
    pub fn new(estimator_order: u32) -> Self {
        let k = f64::from(estimator_order + 1);
        PiController {
            safety: 0.9,
            min_factor: 0.2,
            max_factor: 6.0,
            alpha: 0.7 / k,
            beta: 0.4 / k,
            err_prev: 1.0,
            just_rejected: false,
        }
    }

    /// Factor for the next step after accepting a step with error norm `err ≤ 1`.
    pub fn accept(&mut self, err: f64) -> f64 {
        let err = err.max(1e-10);
        let mut factor = self.safety * err.powf(-self.alpha) * self.err_prev.powf(self.beta);
        factor = factor.clamp(self.min_factor, self.max_factor);
        if self.just_rejected {
            factor = factor.min(1.0);
        }
        self.err_prev = err.max(1e-4);
        self.just_rejected = false;
        factor
    }

    /// Factor (< 1) to retry a step rejected with error norm `err > 1`.
    pub fn reject(&mut self, err: f64) -> f64 {
        self.just_rejected = true;
        let factor = self.safety * err.powf(-self.alpha / 0.7);
        factor.clamp(self.min_factor, 0.9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pure_integral_part_matches_the_asymptotic_formula() {
        // With err_prev = 1 the first factor is safety · err^(−0.7/k).
        let mut c = PiController::new(4);
        let f = c.accept(1e-3);
        assert!((f - 0.9 * 1e-3f64.powf(-0.14)).abs() < 1e-12);
        // A rejection with err = 2 shrinks by safety · 2^(−1/5).
        let r = c.reject(2.0);
        assert!((r - 0.9 * 2f64.powf(-0.2)).abs() < 1e-12);
        // After a rejection the next accepted step does not grow.
        assert!(c.accept(1e-6) <= 1.0);
    }
}

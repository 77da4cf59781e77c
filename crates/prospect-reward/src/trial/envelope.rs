//! The input envelope of a trial: raised-cosine ramps at its start and end.

use std::f64::consts::PI;

/// The factor on the observation at time `s` into a trial of length `trial` (time units):
/// `½ (1 − cos(π s / up))` for `s < up`, `½ (1 − cos(π (trial − s) / down))` for
/// `s > trial − down`, 1 between (0 outside `[0, trial]`). A ramp of length 0 is a step.
pub fn envelope(s: f64, trial: f64, up: f64, down: f64) -> f64 {
    if !(0.0..=trial).contains(&s) {
        return 0.0;
    }
    let mut f = 1.0;
    if up > 0.0 && s < up {
        f *= 0.5 * (1.0 - (PI * s / up).cos());
    }
    if down > 0.0 && s > trial - down {
        f *= 0.5 * (1.0 - (PI * (trial - s) / down).cos());
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference trial (30 time units, ramps of 5): 0 at the ends, ½ at the ramps' middles,
    /// 1 on the plateau, symmetric, and continuous at the ramp boundaries.
    #[test]
    fn raised_cosine_ramps() {
        let f = |s| envelope(s, 30.0, 5.0, 5.0);
        assert_eq!(f(0.0), 0.0);
        assert!((f(2.5) - 0.5).abs() < 1e-15);
        assert!((f(5.0) - 1.0).abs() < 1e-15);
        assert_eq!(f(15.0), 1.0);
        assert!((f(27.5) - 0.5).abs() < 1e-15);
        assert!(f(30.0).abs() < 1e-15);
        for s in [0.3, 1.0, 4.9] {
            assert!((f(s) - f(30.0 - s)).abs() < 1e-12);
        }
        assert_eq!(envelope(3.0, 30.0, 0.0, 0.0), 1.0);
        assert_eq!(envelope(31.0, 30.0, 0.0, 0.0), 0.0);
    }
}

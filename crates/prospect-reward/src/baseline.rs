//! Reward baselines R̄ and the modulator `R − R̄` (docs/equations.md §2, §4).

use serde::{Deserialize, Serialize};

/// How the baseline follows the rewards.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum BaselineKind {
    /// No baseline: the modulator is `R` itself.
    None,
    /// A running mean `R̄ ← R̄ + γ_R (R − R̄)` per delivered reward (the batch mean of one
    /// delivery counts once), starting from 0.
    Running {
        /// γ_R ∈ (0, 1].
        rate: f64,
    },
    /// The running mean kept separately for each context class (e.g. each label of a contextual
    /// bandit); samples without a context use a shared one.
    PerContext {
        /// γ_R ∈ (0, 1].
        rate: f64,
    },
    /// The sample average of all rewards so far (Sutton & Barto's incremental mean
    /// `R̄ ← R̄ + (R − R̄)/n`, the gradient bandit's baseline).
    Average,
}

/// A reward baseline and the modulators it gives.
#[derive(Debug, Clone, PartialEq)]
pub struct RewardBaseline {
    kind: BaselineKind,
    /// Use `max(R̄, 0)` in the modulator (the reference code's option).
    clip_at_zero: bool,
    shared: f64,
    count: u64,
    per: Vec<f64>,
}

impl RewardBaseline {
    /// A baseline at 0.
    pub fn new(kind: BaselineKind, clip_at_zero: bool) -> Self {
        RewardBaseline {
            kind,
            clip_at_zero,
            shared: 0.0,
            count: 0,
            per: Vec::new(),
        }
    }

    /// Checks the rate; the error is (key, reason).
    pub fn validate(kind: &BaselineKind) -> Result<(), (String, String)> {
        match kind {
            BaselineKind::Running { rate } | BaselineKind::PerContext { rate }
                if !(rate.is_finite() && *rate > 0.0 && *rate <= 1.0) =>
            {
                Err(("rate".into(), format!("{rate} must lie in (0, 1]")))
            }
            _ => Ok(()),
        }
    }

    /// The current baseline for a sample of context `context`.
    pub fn value(&self, context: Option<usize>) -> f64 {
        match (self.kind, context) {
            (BaselineKind::None, _) => 0.0,
            (BaselineKind::PerContext { .. }, Some(c)) => self.per.get(c).copied().unwrap_or(0.0),
            _ => self.shared,
        }
    }

    /// The modulators `R_b − R̄` (or `R_b − max(R̄, 0)`) of one delivery, into `out`, with the
    /// baseline as it was before this delivery.
    pub fn modulators(&self, rewards: &[f64], contexts: &[Option<usize>], out: &mut Vec<f64>) {
        out.clear();
        for (b, r) in rewards.iter().enumerate() {
            let mut base = self.value(contexts.get(b).copied().flatten());
            if self.clip_at_zero {
                base = base.max(0.0);
            }
            out.push(r - base);
        }
    }

    /// Moves the baseline toward this delivery's rewards.
    pub fn update(&mut self, rewards: &[f64], contexts: &[Option<usize>]) {
        if rewards.is_empty() {
            return;
        }
        let mean = rewards.iter().sum::<f64>() / rewards.len() as f64;
        match self.kind {
            BaselineKind::None => {}
            BaselineKind::Running { rate } => self.shared += rate * (mean - self.shared),
            BaselineKind::Average => {
                self.count += 1;
                self.shared += (mean - self.shared) / self.count as f64;
            }
            BaselineKind::PerContext { rate } => {
                for (b, r) in rewards.iter().enumerate() {
                    match contexts.get(b).copied().flatten() {
                        Some(c) => {
                            if self.per.len() <= c {
                                self.per.resize(c + 1, 0.0);
                            }
                            self.per[c] += rate * (r - self.per[c]);
                        }
                        None => self.shared += rate * (r - self.shared),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The running mean's recursion written out: after rewards 1, −1, 1 with γ = 0.1 the
    /// baseline is ((0.1)·0.9 − 0.1)·0.9 + 0.1 and the modulator uses the value before the
    /// delivery; clipping uses max(R̄, 0).
    #[test]
    fn running_mean_and_modulators() {
        let mut b = RewardBaseline::new(BaselineKind::Running { rate: 0.1 }, false);
        let mut m = Vec::new();
        b.modulators(&[1.0], &[None], &mut m);
        assert_eq!(m, vec![1.0]); // first trial: R itself
        b.update(&[1.0], &[None]);
        b.update(&[-1.0], &[None]);
        let want = 0.1 + 0.1 * (-1.0 - 0.1);
        assert!((b.value(None) - want).abs() < 1e-15);
        b.update(&[-1.0], &[None]);
        assert!(b.value(None) < 0.0);
        let mut clipped = b.clone();
        clipped.clip_at_zero = true;
        clipped.modulators(&[1.0], &[None], &mut m);
        assert_eq!(m, vec![1.0]);
        b.modulators(&[1.0], &[None], &mut m);
        assert!((m[0] - (1.0 - b.value(None))).abs() < 1e-15);
    }

    /// The sample average equals the arithmetic mean of the delivered rewards; per-context
    /// baselines move only their own class.
    #[test]
    fn average_and_per_context() {
        let mut b = RewardBaseline::new(BaselineKind::Average, false);
        let rs = [3.0, 1.0, 4.0, 1.0, 5.0];
        for r in rs {
            b.update(&[r], &[None]);
        }
        assert!((b.value(None) - rs.iter().sum::<f64>() / 5.0).abs() < 1e-15);
        let mut p = RewardBaseline::new(BaselineKind::PerContext { rate: 0.5 }, false);
        p.update(&[1.0, -1.0], &[Some(0), Some(2)]);
        assert_eq!(p.value(Some(0)), 0.5);
        assert_eq!(p.value(Some(1)), 0.0);
        assert_eq!(p.value(Some(2)), -0.5);
        assert!(RewardBaseline::validate(&BaselineKind::Running { rate: 0.0 }).is_err());
    }
}

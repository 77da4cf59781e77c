//! Action selection from the low-passed output rates (docs/design.md, "Trials").

use rand::RngExt;
use rand::rngs::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

/// How a trial's action is read from the low-passed outputs `ȳ` (one value per action).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Policy {
    /// `arg max ȳ` (the winner; ties to the lowest index).
    Greedy,
    /// The winner with probability 1 − ε, else an action uniformly at random.
    EpsilonGreedy {
        /// ε ∈ [0, 1].
        epsilon: f64,
    },
    /// A sample of `π = softmax(ȳ / T)`.
    Softmax {
        /// Temperature T > 0.
        temperature: f64,
    },
    /// Max-Boltzmann (Q-AGREL): the winner with probability 1 − ε, else a sample of
    /// `softmax(ȳ / T)`.
    MaxBoltzmann {
        /// ε ∈ [0, 1].
        epsilon: f64,
        /// Temperature T > 0.
        temperature: f64,
    },
}

impl Policy {
    /// Checks the parameters; the error is (key, reason).
    pub fn validate(&self) -> Result<(), (String, String)> {
        let eps = |e: f64| {
            if (0.0..=1.0).contains(&e) {
                Ok(())
            } else {
                Err(("epsilon".to_string(), format!("{e} must lie in [0, 1]")))
            }
        };
        let temp = |t: f64| {
            if t.is_finite() && t > 0.0 {
                Ok(())
            } else {
                Err((
                    "temperature".to_string(),
                    format!("{t} must be finite and > 0"),
                ))
            }
        };
        match *self {
            Policy::Greedy => Ok(()),
            Policy::EpsilonGreedy { epsilon } => eps(epsilon),
            Policy::Softmax { temperature } => temp(temperature),
            Policy::MaxBoltzmann {
                epsilon,
                temperature,
            } => eps(epsilon).and(temp(temperature)),
        }
    }

    /// The softmax temperature whose probabilities the rule may use as the policy's score
    /// function (pure softmax only; 1 otherwise).
    pub fn temperature(&self) -> f64 {
        match *self {
            Policy::Softmax { temperature } => temperature,
            _ => 1.0,
        }
    }

    /// Whether [`Policy::select`] fills the action probabilities `π` (pure softmax).
    pub fn has_probabilities(&self) -> bool {
        matches!(self, Policy::Softmax { .. })
    }

    /// Chooses an action from `values` (one per action); for a softmax policy also writes
    /// `π` into `probabilities` (same length). Draws from `rng` only where the policy is random.
    pub fn select(
        &self,
        values: &[f64],
        rng: &mut Xoshiro256PlusPlus,
        probabilities: &mut [f64],
    ) -> usize {
        let n = values.len();
        match *self {
            Policy::Greedy => winner(values),
            Policy::EpsilonGreedy { epsilon } => {
                if rng.random::<f64>() < epsilon {
                    rng.random_range(0..n)
                } else {
                    winner(values)
                }
            }
            Policy::Softmax { temperature } => {
                softmax(values, temperature, probabilities);
                sample(probabilities, rng)
            }
            Policy::MaxBoltzmann {
                epsilon,
                temperature,
            } => {
                if rng.random::<f64>() < epsilon {
                    softmax(values, temperature, probabilities);
                    sample(probabilities, rng)
                } else {
                    winner(values)
                }
            }
        }
    }
}

/// `arg max` with ties to the lowest index (NaN never wins).
pub fn winner(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] || values[best].is_nan() {
            best = i;
        }
    }
    best
}

/// `π = softmax(v / T)`, shifted by the maximum for range safety.
fn softmax(values: &[f64], temperature: f64, out: &mut [f64]) {
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for (o, v) in out.iter_mut().zip(values) {
        *o = ((v - max) / temperature).exp();
        sum += *o;
    }
    out.iter_mut().for_each(|o| *o /= sum);
}

/// A sample of the distribution `p` (inverse CDF of one uniform).
fn sample(p: &[f64], rng: &mut Xoshiro256PlusPlus) -> usize {
    let u: f64 = rng.random();
    let mut acc = 0.0;
    for (i, pi) in p.iter().enumerate() {
        acc += pi;
        if u < acc {
            return i;
        }
    }
    p.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// Selection frequencies over many draws against the policies' probabilities: softmax of
    /// (0, 1, 2)/T at T = 0.5, ε-greedy at ε = 0.3 (1 − ε + ε/3 on the winner), max-Boltzmann.
    /// Tolerance 4 standard errors of a frequency over 200 000 draws (≤ 0.0045).
    #[test]
    fn selection_frequencies_follow_the_policies() {
        let values = [0.0, 1.0, 2.0];
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let n = 200_000;
        let z: f64 = values.iter().map(|v| (v / 0.5f64).exp()).sum();
        let soft: Vec<f64> = values.iter().map(|v| (v / 0.5f64).exp() / z).collect();
        let cases = [
            (Policy::Greedy, vec![0.0, 0.0, 1.0]),
            (Policy::EpsilonGreedy { epsilon: 0.3 }, vec![0.1, 0.1, 0.8]),
            (Policy::Softmax { temperature: 0.5 }, soft.clone()),
            (
                Policy::MaxBoltzmann {
                    epsilon: 0.3,
                    temperature: 0.5,
                },
                vec![0.3 * soft[0], 0.3 * soft[1], 0.7 + 0.3 * soft[2]],
            ),
        ];
        for (policy, want) in cases {
            let mut counts = [0usize; 3];
            let mut p = [0.0; 3];
            for _ in 0..n {
                counts[policy.select(&values, &mut rng, &mut p)] += 1;
            }
            for a in 0..3 {
                let f = counts[a] as f64 / n as f64;
                let se = (want[a] * (1.0 - want[a]) / n as f64).sqrt();
                assert!(
                    (f - want[a]).abs() <= 4.0 * se + 1e-12,
                    "{policy:?} action {a}: {f} vs {}",
                    want[a]
                );
            }
        }
        let mut p = [0.0; 3];
        Policy::Softmax { temperature: 0.5 }.select(&values, &mut rng, &mut p);
        for a in 0..3 {
            assert!((p[a] - soft[a]).abs() < 1e-15);
        }
        assert!(Policy::EpsilonGreedy { epsilon: 1.5 }.validate().is_err());
        assert!(Policy::Softmax { temperature: 0.0 }.validate().is_err());
        assert_eq!(winner(&[1.0, 3.0, 3.0]), 1);
    }
}

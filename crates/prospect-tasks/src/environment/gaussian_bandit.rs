//! The k-armed Gaussian bandit (the "10-armed testbed", Sutton & Barto 2018, §2.3), and the
//! textbook gradient-bandit algorithm (§2.8) as an independent reference.
//!
//! Each copy is one bandit problem: at reset its true arm values are drawn,
//! `q*(a) ~ N(q_mean, 1)` (`q_mean` = 0 in §2.3, 4 for Fig. 2.5), and every pull of arm `a` pays
//! `R ~ N(q*(a), 1)`. The values stay fixed until the next reset, so a run of many acts on one
//! copy is one run of the textbook's testbed, and a batch of copies is the textbook's average
//! over independent runs (2000 in its figures).

use super::seeding::{stream_rng, stream_seed};
use super::{ActionSpace, Actions, Environment, Outcome, check_actions};
use crate::TaskError;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};

/// How to build a [`GaussianBandit`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GaussianBanditConfig {
    /// Number of arms `k` (≥ 1; 10 in the textbook).
    pub arms: usize,
    /// Independent copies (bandit problems) acted on together (≥ 1).
    pub batch: usize,
    /// Mean of the true arm values, `q*(a) ~ N(q_mean, 1)` (0 in §2.3; 4 in Fig. 2.5).
    pub q_mean: f64,
    /// 0 (nothing to observe) or 1 (a constant input 1.0, so a network with one input reads its
    /// action preferences as the weights from that input).
    pub observation_size: usize,
}

impl Default for GaussianBanditConfig {
    /// The testbed of §2.3: 10 arms, `q_mean` = 0, one copy, no observation.
    fn default() -> Self {
        GaussianBanditConfig {
            arms: 10,
            batch: 1,
            q_mean: 0.0,
            observation_size: 0,
        }
    }
}

/// A batch of k-armed Gaussian bandit problems (see the module doc).
///
/// Copy `b` draws its arm values and then its rewards from its own generator, seeded from
/// `(seed, b)`, so copy `b`'s values and rewards do not depend on how many copies run beside it.
#[derive(Debug, Clone)]
pub struct GaussianBandit {
    name: String,
    config: GaussianBanditConfig,
    /// True arm values, `arms × batch` column-major: copy `b`'s arm `a` at `b · arms + a`.
    q_star: Vec<f64>,
    /// `max_a q*(a)` per copy.
    best: Vec<f64>,
    /// One generator per copy.
    rngs: Vec<Xoshiro256PlusPlus>,
}

impl GaussianBandit {
    /// A bandit as after `reset(0)`. Errors: `arms` or `batch` 0, `q_mean` not finite,
    /// `observation_size` other than 0 or 1.
    pub fn new(config: GaussianBanditConfig) -> Result<Self, TaskError> {
        let bad = |key, reason: &str| {
            Err(TaskError::Parameter {
                key,
                reason: reason.into(),
            })
        };
        if config.arms == 0 {
            return bad("arms", "must be ≥ 1");
        }
        if config.batch == 0 {
            return bad("batch", "must be ≥ 1");
        }
        if !config.q_mean.is_finite() {
            return bad("q_mean", "must be finite");
        }
        if config.observation_size > 1 {
            return bad("observation_size", "must be 0 or 1");
        }
        let mut bandit = GaussianBandit {
            name: format!("gaussian-bandit({} arms)", config.arms),
            config,
            q_star: vec![0.0; config.arms * config.batch],
            best: vec![0.0; config.batch],
            rngs: Vec::with_capacity(config.batch),
        };
        bandit.reset(0);
        Ok(bandit)
    }

    /// The configuration it was built with.
    pub fn config(&self) -> &GaussianBanditConfig {
        &self.config
    }

    /// Copy `b`'s true arm values `q*(0..arms)`, or `None` for `b ≥ batch`.
    pub fn q_star(&self, b: usize) -> Option<&[f64]> {
        let k = self.config.arms;
        self.q_star.get(b * k..(b + 1) * k)
    }
}

impl Environment for GaussianBandit {
    fn name(&self) -> &str {
        &self.name
    }

    fn observation_size(&self) -> usize {
        self.config.observation_size
    }

    fn action_space(&self) -> ActionSpace {
        ActionSpace::Discrete(self.config.arms)
    }

    fn batch(&self) -> usize {
        self.config.batch
    }

    /// Draws every copy's arm values anew from `(seed, copy)`.
    fn reset(&mut self, seed: u64) {
        let k = self.config.arms;
        self.rngs.clear();
        for b in 0..self.config.batch {
            let mut rng = stream_rng(seed, b as u64);
            let q = &mut self.q_star[b * k..(b + 1) * k];
            for v in q.iter_mut() {
                let z: f64 = StandardNormal.sample(&mut rng);
                *v = self.config.q_mean + z;
            }
            self.best[b] = q.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            self.rngs.push(rng);
        }
    }

    /// 1.0 per copy if `observation_size` is 1, nothing if 0.
    fn observe(&self, out: &mut [f64]) {
        assert_eq!(
            out.len(),
            self.config.observation_size * self.config.batch,
            "{}: observation buffer length",
            self.name
        );
        out.fill(1.0);
    }

    /// A plain bandit has no context.
    fn context(&self, _b: usize) -> Option<usize> {
        None
    }

    /// Pays `R ~ N(q*(a), 1)` for arm `a`; every act is a finished one-step episode (`done`),
    /// the arm values stay. `regret = max q* − q*(a)`, `optimal` = `a` is an arg-max of `q*`.
    fn act(&mut self, actions: Actions<'_>, out: &mut [Outcome]) -> Result<(), TaskError> {
        let k = self.config.arms;
        check_actions(&self.name, self.action_space(), self.batch(), actions, out)?;
        let Actions::Discrete(actions) = actions else {
            unreachable!("check_actions accepts only discrete actions here")
        };
        for (b, (&a, o)) in actions.iter().zip(out.iter_mut()).enumerate() {
            let q = self.q_star[b * k + a];
            let noise: f64 = StandardNormal.sample(&mut self.rngs[b]);
            *o = Outcome {
                reward: q + noise,
                done: true,
                regret: Some(self.best[b] - q),
                optimal: Some(q == self.best[b]),
            };
        }
        Ok(())
    }
}

/// Per-step averages over the copies of a [`gradient_bandit_reference`] run.
#[derive(Debug, Clone, PartialEq)]
pub struct GradientBanditCurve {
    /// Fraction of copies whose action at step `t` (index `t − 1`) was optimal, in `[0, 1]`.
    pub optimal: Vec<f64>,
    /// Mean reward at step `t` (index `t − 1`).
    pub reward: Vec<f64>,
}

/// Stream index (under the run's seed) of the action-sampling generators, apart from the
/// bandit's own per-copy streams.
const POLICY_STREAM: u64 = 0x7072_6f73_7065_6374;

/// The textbook gradient-bandit algorithm (Sutton & Barto 2018, §2.8, eq. 2.12), written
/// independently of any network so that it can check the network's reward rules: per copy,
/// preferences `H(a)` = 0, policy `π = softmax(H)`, action `A ~ π`, reward `R`, then
///
/// `H(a) ← H(a) + α (R − R̄) (1{a = A} − π(a))` for every arm `a`,
///
/// with the baseline `R̄` the incremental mean of the rewards up to and including this step
/// (`R̄ ← R̄ + (R − R̄)/t` before the update, as in the book's text and its figure code), or
/// `R̄ = 0` when `baseline` is false. Resets `bandit` with `seed` and runs `steps` acts on all its
/// copies; actions are sampled from per-copy generators seeded from `(seed, copy)`.
///
/// Fig. 2.5 is this with 10 arms, `q_mean` = 4, 2000 copies, 1000 steps, α ∈ {0.1, 0.4}.
/// Errors: `alpha` not finite and > 0, or an error of the bandit.
pub fn gradient_bandit_reference(
    bandit: &mut GaussianBandit,
    alpha: f64,
    baseline: bool,
    steps: usize,
    seed: u64,
) -> Result<GradientBanditCurve, TaskError> {
    if !(alpha.is_finite() && alpha > 0.0) {
        return Err(TaskError::Parameter {
            key: "alpha",
            reason: format!("{alpha} is not a finite step size > 0"),
        });
    }
    let (k, n) = (bandit.config.arms, bandit.config.batch);
    bandit.reset(seed);
    let policy_seed = stream_seed(seed, POLICY_STREAM);
    let mut rngs: Vec<Xoshiro256PlusPlus> =
        (0..n).map(|b| stream_rng(policy_seed, b as u64)).collect();
    let mut h = vec![0.0; k * n];
    let mut pi = vec![0.0; k * n];
    let mut r_bar = vec![0.0; n];
    let mut actions = vec![0usize; n];
    let mut out = vec![Outcome::default(); n];
    let mut curve = GradientBanditCurve {
        optimal: Vec::with_capacity(steps),
        reward: Vec::with_capacity(steps),
    };
    for t in 1..=steps {
        for b in 0..n {
            let (hb, pb) = (&h[b * k..(b + 1) * k], &mut pi[b * k..(b + 1) * k]);
            softmax(hb, pb);
            actions[b] = sample(pb, &mut rngs[b]);
        }
        bandit.act(Actions::Discrete(&actions), &mut out)?;
        let (mut n_optimal, mut reward_sum) = (0usize, 0.0);
        for b in 0..n {
            let r = out[b].reward;
            n_optimal += usize::from(out[b].optimal == Some(true));
            reward_sum += r;
            let modulator = if baseline {
                r_bar[b] += (r - r_bar[b]) / t as f64;
                r - r_bar[b]
            } else {
                r
            };
            let (hb, pb) = (&mut h[b * k..(b + 1) * k], &pi[b * k..(b + 1) * k]);
            for (a, (ha, pa)) in hb.iter_mut().zip(pb).enumerate() {
                let chosen = if a == actions[b] { 1.0 } else { 0.0 };
                *ha += alpha * modulator * (chosen - pa);
            }
        }
        curve.optimal.push(n_optimal as f64 / n as f64);
        curve.reward.push(reward_sum / n as f64);
    }
    Ok(curve)
}

/// `π(a) = exp(H(a) − max H) / Σ_b exp(H(b) − max H)` (shifted by the maximum so no exp overflows).
fn softmax(h: &[f64], pi: &mut [f64]) {
    let max = h.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for (p, &v) in pi.iter_mut().zip(h) {
        *p = (v - max).exp();
        sum += *p;
    }
    pi.iter_mut().for_each(|p| *p /= sum);
}

/// An index drawn from the distribution `pi` by inversion of one uniform number in `[0, 1)`
/// (the last index when rounding leaves the cumulative sum just below the number).
fn sample(pi: &[f64], rng: &mut impl Rng) -> usize {
    let u: f64 = rng.random();
    let mut cumulative = 0.0;
    for (a, p) in pi.iter().enumerate() {
        cumulative += p;
        if u < cumulative {
            return a;
        }
    }
    pi.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bandit(arms: usize, batch: usize, q_mean: f64) -> GaussianBandit {
        GaussianBandit::new(GaussianBanditConfig {
            arms,
            batch,
            q_mean,
            observation_size: 0,
        })
        .unwrap()
    }

    /// Rewards of `steps` acts where copy `b` pulls arm `(b + t) % arms` at step `t`.
    fn run(env: &mut GaussianBandit, seed: u64, steps: usize) -> Vec<Outcome> {
        env.reset(seed);
        let (k, n) = (env.config.arms, env.config.batch);
        let mut all = Vec::new();
        let mut out = vec![Outcome::default(); n];
        for t in 0..steps {
            let actions: Vec<usize> = (0..n).map(|b| (b + t) % k).collect();
            env.act(Actions::Discrete(&actions), &mut out).unwrap();
            all.extend_from_slice(&out);
        }
        all
    }

    #[test]
    fn values_and_rewards_have_the_textbook_statistics() {
        // 2000 copies × 10 arms: n = 20 000 values q* ~ N(4, 1). A sample mean of n unit-variance
        // draws has standard deviation 1/√n; 4σ bounds fail by chance with probability 6e-5.
        // A wrong mean (e.g. 0 instead of 4) or a wrong spread would be off by ≥ 0.1 or more.
        let mut env = bandit(10, 2000, 4.0);
        env.reset(11);
        let q: Vec<f64> = (0..2000)
            .flat_map(|b| env.q_star(b).unwrap().to_vec())
            .collect();
        let n = q.len() as f64;
        let mean = q.iter().sum::<f64>() / n;
        let var = q.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
        assert!((mean - 4.0).abs() < 4.0 / n.sqrt(), "mean q* {mean}");
        // The sample variance of n normal draws has standard deviation √(2/(n−1)).
        assert!(
            (var - 1.0).abs() < 4.0 * (2.0 / (n - 1.0)).sqrt(),
            "var q* {var}"
        );

        // Rewards: R − q*(a) ~ N(0, 1), independent: 2000 copies × 50 steps = 100 000 residuals.
        let steps = 50;
        let outcomes = run(&mut env, 11, steps);
        let residuals: Vec<f64> = outcomes
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let (t, b) = (i / 2000, i % 2000);
                o.reward - env.q_star(b).unwrap()[(b + t) % 10]
            })
            .collect();
        let m = residuals.len() as f64;
        let r_mean = residuals.iter().sum::<f64>() / m;
        let r_var = residuals.iter().map(|v| (v - r_mean).powi(2)).sum::<f64>() / (m - 1.0);
        assert!(r_mean.abs() < 4.0 / m.sqrt(), "mean reward noise {r_mean}");
        assert!(
            (r_var - 1.0).abs() < 4.0 * (2.0 / (m - 1.0)).sqrt(),
            "var {r_var}"
        );

        // Regret and optimality from the true values.
        for (i, o) in outcomes.iter().enumerate() {
            let (t, b) = (i / 2000, i % 2000);
            let q = env.q_star(b).unwrap();
            let best = q.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let a = (b + t) % 10;
            assert_eq!(o.regret, Some(best - q[a]));
            assert_eq!(o.optimal, Some(q[a] == best));
            assert!(o.done);
        }
    }

    #[test]
    fn same_seed_repeats_bit_for_bit_and_copies_do_not_depend_on_the_batch() {
        let mut a = bandit(5, 3, 0.0);
        let mut b = bandit(5, 3, 0.0);
        let ra = run(&mut a, 7, 20);
        assert_eq!(ra, run(&mut b, 7, 20));
        assert_eq!(a.q_star, b.q_star);
        let rc = run(&mut b, 8, 20);
        assert!(ra.iter().zip(&rc).all(|(x, y)| x.reward != y.reward));
        // Copy 0..3 of a batch of 6 sees the values and rewards of a batch of 3 (same actions:
        // arm (b + t) % 5 does not depend on the batch).
        let mut wide = bandit(5, 6, 0.0);
        let rw = run(&mut wide, 7, 20);
        for t in 0..20 {
            assert_eq!(ra[t * 3..t * 3 + 3], rw[t * 6..t * 6 + 3]);
        }
        assert_eq!(wide.q_star(2), a.q_star(2));
    }

    #[test]
    fn observation_is_nothing_or_a_constant_one() {
        let env = bandit(3, 4, 0.0);
        env.observe(&mut []);
        assert_eq!(env.observation_size(), 0);
        assert_eq!(env.context(0), None);
        let env = GaussianBandit::new(GaussianBanditConfig {
            observation_size: 1,
            batch: 4,
            ..Default::default()
        })
        .unwrap();
        let mut out = [0.0; 4];
        env.observe(&mut out);
        assert_eq!(out, [1.0; 4]);
        assert_eq!(env.action_space(), ActionSpace::Discrete(10));
    }

    #[test]
    fn bad_configs_and_actions_are_refused_and_change_nothing() {
        let c = GaussianBanditConfig::default();
        for bad in [
            GaussianBanditConfig { arms: 0, ..c },
            GaussianBanditConfig { batch: 0, ..c },
            GaussianBanditConfig {
                q_mean: f64::NAN,
                ..c
            },
            GaussianBanditConfig {
                observation_size: 2,
                ..c
            },
        ] {
            assert!(matches!(
                GaussianBandit::new(bad),
                Err(TaskError::Parameter { .. })
            ));
        }
        let mut env = bandit(4, 2, 0.0);
        let mut fresh = env.clone();
        let mut out = vec![Outcome::default(); 2];
        let e = env.act(Actions::Discrete(&[1, 4]), &mut out).unwrap_err();
        assert!(matches!(
            e,
            TaskError::ActionOutOfRange {
                copy: 1,
                action: 4,
                n: 4,
                ..
            }
        ));
        assert!(e.to_string().starts_with("gaussian-bandit(4 arms): copy 1"));
        assert!(env.act(Actions::Discrete(&[1]), &mut out).is_err());
        assert!(env.act(Actions::Continuous(&[1.0, 0.0]), &mut out).is_err());
        // The refused acts drew no random numbers: the next rewards are a fresh bandit's.
        let mut o2 = out.clone();
        env.act(Actions::Discrete(&[1, 2]), &mut out).unwrap();
        fresh.act(Actions::Discrete(&[1, 2]), &mut o2).unwrap();
        assert_eq!(out, o2);
        assert!(matches!(
            gradient_bandit_reference(&mut env, 0.0, true, 1, 0),
            Err(TaskError::Parameter { key: "alpha", .. })
        ));
    }

    #[test]
    fn softmax_sampling_follows_the_probabilities() {
        let mut pi = [0.0; 3];
        softmax(&[0.0, 1000.0, 1.0f64.ln() + 1000.0], &mut pi);
        assert_eq!(pi, [0.0, 0.5, 0.5]);
        let mut rng = stream_rng(3, 0);
        let p = [0.2, 0.5, 0.3];
        let n = 100_000;
        let mut counts = [0usize; 3];
        (0..n).for_each(|_| counts[sample(&p, &mut rng)] += 1);
        for (c, p) in counts.iter().zip(p) {
            // Binomial standard deviation √(p(1−p)/n); 4σ.
            let f = *c as f64 / n as f64;
            assert!(
                (f - p).abs() < 4.0 * (p * (1.0 - p) / n as f64).sqrt(),
                "{counts:?}"
            );
        }
    }

    /// Sutton & Barto (2018) Fig. 2.5: gradient bandit, 10 arms, q*(a) ~ N(4, 1), 2000 runs ×
    /// 1000 steps. References (% optimal at step 1000), from an independent NumPy implementation
    /// of the same algorithm with 20 000 runs (benches/results/gradient-bandit-numpy.py, its
    /// output beside it; standard error ≤ 0.35 points): α = 0.1 with baseline 85.61, α = 0.4 with
    /// baseline 73.73, α = 0.1 without 48.88, α = 0.4 without 28.16. The issue asks for 5 points
    /// from Fig. 2.5 (read there as ≈ 85 and ≈ 51 for α = 0.1 with and without baseline); the
    /// bound used here is the tighter 4 standard errors of the difference between the two
    /// estimates (binomial √(p(1−p)/2000) for this run, √(p(1−p)/20000) for NumPy's), never
    /// more than 5 points. A wrong sign of the update, a missing (1{a=A} − π) term or the
    /// baseline left out moves a curve by 10–40 points.
    #[test]
    fn gradient_bandit_reproduces_sutton_barto_figure_2_5() {
        let mut env = GaussianBandit::new(GaussianBanditConfig {
            arms: 10,
            batch: 2000,
            q_mean: 4.0,
            observation_size: 0,
        })
        .unwrap();
        for (alpha, baseline, reference) in [
            (0.1, true, 0.8561),
            (0.4, true, 0.7373),
            (0.1, false, 0.4888),
            (0.4, false, 0.2816),
        ] {
            let curve = gradient_bandit_reference(&mut env, alpha, baseline, 1000, 1).unwrap();
            assert_eq!(curve.optimal.len(), 1000);
            let got = curve.optimal[999];
            let p: f64 = reference;
            let se = (p * (1.0 - p) * (1.0 / 2000.0 + 1.0 / 20000.0)).sqrt();
            let tolerance = (4.0 * se).min(0.05);
            assert!(
                (got - reference).abs() < tolerance,
                "α = {alpha}, baseline {baseline}: {got} vs {reference} ± {tolerance}"
            );
            // The target: within 5 points of the figure where it is read in the brief.
            let figure = match (alpha, baseline) {
                (0.1, true) => Some(0.85),
                (0.1, false) => Some(0.51),
                _ => None,
            };
            if let Some(f) = figure {
                assert!(
                    (got - f).abs() < 0.05,
                    "α = {alpha}: {got} vs Fig. 2.5's {f}"
                );
            }
            // At step 1 every policy is uniform: 1 in 10 copies picks its best arm.
            assert!((curve.optimal[0] - 0.1).abs() < 4.0 * (0.09f64 / 2000.0).sqrt());
        }
    }
}

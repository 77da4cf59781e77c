//! A contextual bandit over a classification data set (Sutton & Barto 2018, §2.9 "associative
//! search"): the observation is a sample's input, the action a class guess, the reward one value
//! for a correct guess and another for a wrong one. Every episode is one step.
//!
//! The copies of the batch walk one stream of sample indices together, copy `b` taking the
//! stream's entry `s + b` when the act starts at position `s`; each act advances the stream by
//! `batch` (like one mini-batch). The stream is the data set's epochs one after the other —
//! a fresh permutation per epoch ([`Order::Shuffled`]) or `0..len` ([`Order::Sequential`]) — so
//! every sample is shown exactly once per epoch and one pass is `len / batch` acts. When `batch`
//! does not divide `len`, the act that finishes an epoch also starts the next one.

use super::seeding::stream_rng;
use super::{ActionSpace, Actions, Environment, Outcome, check_actions};
use crate::{Dataset, TaskError};
use rand::seq::SliceRandom;
use std::sync::Arc;

/// The order in which samples are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Each epoch a fresh permutation of the set, drawn from `(seed, epoch)` (training).
    Shuffled,
    /// Samples `0, 1, …, len − 1`, then again from 0 (evaluation on a test set).
    Sequential,
}

/// The reward for a correct and for a wrong class guess (e.g. +1/−1 or 1/0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rewards {
    /// Paid when the guess is the sample's label.
    pub correct: f64,
    /// Paid otherwise.
    pub wrong: f64,
}

/// A batch of copies guessing the classes of a data set's samples (see the module doc).
#[derive(Debug, Clone)]
pub struct ContextualBandit {
    name: String,
    data: Arc<Dataset>,
    batch: usize,
    order: Order,
    rewards: Rewards,
    seed: u64,
    /// Stream position of copy 0's current sample (samples shown so far).
    position: u64,
    /// Data-set index of every copy's current sample.
    current: Vec<usize>,
    /// The epoch whose permutation `permutation` holds (shuffled order).
    permutation_epoch: u64,
    permutation: Vec<usize>,
    /// Epochs finished by the last act.
    last_finished: u64,
}

impl ContextualBandit {
    /// A bandit over `data` with `batch` copies, as after `reset(0)`.
    ///
    /// Errors: `data` empty or without a valid label per sample ([`TaskError::Dataset`]);
    /// `batch` 0, rewards not finite or `correct ≤ wrong` ([`TaskError::Parameter`]).
    pub fn new(
        data: impl Into<Arc<Dataset>>,
        batch: usize,
        order: Order,
        rewards: Rewards,
    ) -> Result<Self, TaskError> {
        let data = data.into();
        let name = format!("contextual-bandit({})", data.name);
        let refuse = |reason: String| {
            Err(TaskError::Dataset {
                env: name.clone(),
                dataset: data.name.clone(),
                reason,
            })
        };
        if data.is_empty() {
            return refuse("has no samples".into());
        }
        if !data.is_classification() {
            return refuse("is not a classification set (no class labels)".into());
        }
        if data.labels.len() != data.len() {
            return refuse(format!(
                "{} labels for {} samples",
                data.labels.len(),
                data.len()
            ));
        }
        if let Some((i, c)) = data
            .labels
            .iter()
            .enumerate()
            .find(|(_, c)| **c >= data.n_outputs)
        {
            return refuse(format!(
                "sample {i} has label {c}, not one of the {} classes",
                data.n_outputs
            ));
        }
        let parameter = |key, reason: String| Err(TaskError::Parameter { key, reason });
        if batch == 0 {
            return parameter("batch", "must be ≥ 1".into());
        }
        if !(rewards.correct.is_finite() && rewards.wrong.is_finite()) {
            return parameter(
                "reward",
                format!(
                    "correct {} and wrong {} must be finite",
                    rewards.correct, rewards.wrong
                ),
            );
        }
        if rewards.correct <= rewards.wrong {
            return parameter(
                "reward",
                format!(
                    "correct {} must exceed wrong {}",
                    rewards.correct, rewards.wrong
                ),
            );
        }
        let mut bandit = ContextualBandit {
            name,
            data,
            batch,
            order,
            rewards,
            seed: 0,
            position: 0,
            current: vec![0; batch],
            permutation_epoch: 0,
            permutation: Vec::new(),
            last_finished: 0,
        };
        bandit.reset(0);
        Ok(bandit)
    }

    /// The data set the samples come from.
    pub fn dataset(&self) -> &Dataset {
        &self.data
    }

    /// The order of the samples.
    pub fn order(&self) -> Order {
        self.order
    }

    /// Samples in one epoch (the data set's length); one epoch is `samples_per_epoch / batch`
    /// acts.
    pub fn samples_per_epoch(&self) -> usize {
        self.data.len()
    }

    /// Samples shown and acted on since the last reset (`batch` per act).
    pub fn samples_seen(&self) -> u64 {
        self.position
    }

    /// Whole epochs shown since the last reset.
    pub fn epochs_completed(&self) -> u64 {
        self.position / self.data.len() as u64
    }

    /// Whether the last act finished an epoch (every sample of it has now been acted on once).
    pub fn epoch_finished(&self) -> bool {
        self.last_finished > 0
    }

    /// Data-set index of copy `b`'s current sample, or `None` for `b ≥ batch`.
    pub fn current_sample(&self, b: usize) -> Option<usize> {
        self.current.get(b).copied()
    }

    /// Fills `current` with the stream's entries `position .. position + batch`.
    fn load_current(&mut self) {
        let len = self.data.len() as u64;
        for b in 0..self.batch {
            let p = self.position + b as u64;
            let (epoch, offset) = (p / len, (p % len) as usize);
            self.current[b] = match self.order {
                Order::Sequential => offset,
                Order::Shuffled => {
                    if self.permutation.is_empty() || self.permutation_epoch != epoch {
                        self.permutation = (0..self.data.len()).collect();
                        self.permutation.shuffle(&mut stream_rng(self.seed, epoch));
                        self.permutation_epoch = epoch;
                    }
                    self.permutation[offset]
                }
            };
        }
    }
}

impl Environment for ContextualBandit {
    fn name(&self) -> &str {
        &self.name
    }

    /// The data set's inputs per sample.
    fn observation_size(&self) -> usize {
        self.data.n_inputs
    }

    /// One action per class.
    fn action_space(&self) -> ActionSpace {
        ActionSpace::Discrete(self.data.n_outputs)
    }

    fn batch(&self) -> usize {
        self.batch
    }

    /// Back to the first sample of epoch 0; the shuffled order's permutations are drawn from
    /// `(seed, epoch)`.
    fn reset(&mut self, seed: u64) {
        self.seed = seed;
        self.position = 0;
        self.last_finished = 0;
        self.permutation.clear();
        self.load_current();
    }

    /// Copy `b`'s current sample's input, `f32` widened to `f64`, in column `b`.
    fn observe(&self, out: &mut [f64]) {
        let n = self.data.n_inputs;
        assert_eq!(
            out.len(),
            n * self.batch,
            "{}: observation buffer length",
            self.name
        );
        for (column, &i) in out.chunks_exact_mut(n.max(1)).zip(&self.current) {
            for (o, &x) in column.iter_mut().zip(self.data.input(i)) {
                *o = f64::from(x);
            }
        }
    }

    /// The label of copy `b`'s current sample.
    fn context(&self, b: usize) -> Option<usize> {
        self.current.get(b).map(|&i| self.data.labels[i])
    }

    /// Pays `correct` if the guess is the label, else `wrong`; `optimal` = the guess is right,
    /// `regret = correct − reward`. Every act ends a one-step episode (`done`) and moves every
    /// copy on to its next sample.
    fn act(&mut self, actions: Actions<'_>, out: &mut [Outcome]) -> Result<(), TaskError> {
        check_actions(&self.name, self.action_space(), self.batch, actions, out)?;
        let Actions::Discrete(actions) = actions else {
            unreachable!("check_actions accepts only discrete actions here")
        };
        for ((&a, &i), o) in actions.iter().zip(&self.current).zip(out.iter_mut()) {
            let right = a == self.data.labels[i];
            let reward = if right {
                self.rewards.correct
            } else {
                self.rewards.wrong
            };
            *o = Outcome {
                reward,
                done: true,
                regret: Some(self.rewards.correct - reward),
                optimal: Some(right),
            };
        }
        let len = self.data.len() as u64;
        let before = self.position / len;
        self.position += self.batch as u64;
        self.last_finished = self.position / len - before;
        self.load_current();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yin_yang;

    const PM1: Rewards = Rewards {
        correct: 1.0,
        wrong: -1.0,
    };

    /// Five samples with inputs (10 i, 10 i + 1) and labels i mod 3.
    fn tiny() -> Dataset {
        let inputs = (0..5).flat_map(|i| [10.0 * i as f32, 10.0 * i as f32 + 1.0]);
        Dataset::classification("tiny", 2, inputs.collect(), vec![0, 1, 2, 0, 1], 3)
    }

    /// Acts `acts` times with guess 0 for every copy; returns the sample index of every copy at
    /// every act and the epoch_finished flags.
    fn walk(env: &mut ContextualBandit, acts: usize) -> (Vec<usize>, Vec<bool>) {
        let mut seen = Vec::new();
        let mut finished = Vec::new();
        let mut out = vec![Outcome::default(); env.batch()];
        let guesses = vec![0; env.batch()];
        for _ in 0..acts {
            seen.extend((0..env.batch()).map(|b| env.current_sample(b).unwrap()));
            env.act(Actions::Discrete(&guesses), &mut out).unwrap();
            finished.push(env.epoch_finished());
        }
        (seen, finished)
    }

    #[test]
    fn shuffled_epochs_show_every_sample_exactly_once() {
        // 300 samples, batch 7 (does not divide 300): the stream of 7 · 129 = 903 indices holds
        // three whole epochs; each must be a permutation, and consecutive epochs must differ.
        let data = yin_yang::generate("yy", 300, 1);
        let mut env = ContextualBandit::new(data, 7, Order::Shuffled, PM1).unwrap();
        env.reset(5);
        let (seen, finished) = walk(&mut env, 129);
        let epochs: Vec<&[usize]> = seen.chunks(300).take(3).collect();
        for e in &epochs {
            let mut sorted = e.to_vec();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..300).collect::<Vec<_>>());
        }
        assert_ne!(epochs[0], epochs[1]);
        assert_ne!(epochs[0], (0..300).collect::<Vec<_>>());
        // Epoch ends after samples 300, 600, 900: acts ⌈300/7⌉ = 43, 86, 129 (1-based).
        let ends: Vec<usize> = (0..129).filter(|&t| finished[t]).map(|t| t + 1).collect();
        assert_eq!(ends, vec![43, 86, 129]);
        assert_eq!(env.epochs_completed(), 3);
        assert_eq!(env.samples_seen(), 903);
        assert_eq!(env.samples_per_epoch(), 300);
    }

    #[test]
    fn sequential_order_walks_the_set_and_wraps() {
        let mut env = ContextualBandit::new(tiny(), 2, Order::Sequential, PM1).unwrap();
        let (seen, finished) = walk(&mut env, 4);
        assert_eq!(seen, vec![0, 1, 2, 3, 4, 0, 1, 2]);
        assert_eq!(finished, vec![false, false, true, false]);
        // A batch wider than the set wraps within one act.
        let mut env = ContextualBandit::new(tiny(), 7, Order::Sequential, PM1).unwrap();
        let (seen, finished) = walk(&mut env, 2);
        assert_eq!(seen, vec![0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3]);
        assert_eq!(finished, vec![true, true]);
        assert_eq!(env.epochs_completed(), 2);
    }

    #[test]
    fn observations_contexts_and_rewards_follow_the_samples() {
        let mut env = ContextualBandit::new(tiny(), 2, Order::Sequential, PM1).unwrap();
        let mut obs = vec![0.0; 4];
        env.observe(&mut obs);
        assert_eq!(obs, [0.0, 1.0, 10.0, 11.0]);
        assert_eq!(
            (env.context(0), env.context(1), env.context(2)),
            (Some(0), Some(1), None)
        );
        let mut out = vec![Outcome::default(); 2];
        env.act(Actions::Discrete(&[0, 2]), &mut out).unwrap();
        let right = Outcome {
            reward: 1.0,
            done: true,
            regret: Some(0.0),
            optimal: Some(true),
        };
        let wrong = Outcome {
            reward: -1.0,
            done: true,
            regret: Some(2.0),
            optimal: Some(false),
        };
        assert_eq!(out, [right, wrong]);
        env.observe(&mut obs);
        assert_eq!(obs, [20.0, 21.0, 30.0, 31.0]);
        // 1/0 rewards: regret 1 for a wrong guess.
        let r01 = Rewards {
            correct: 1.0,
            wrong: 0.0,
        };
        let mut env = ContextualBandit::new(tiny(), 1, Order::Sequential, r01).unwrap();
        env.act(Actions::Discrete(&[2]), &mut out[..1]).unwrap();
        assert_eq!((out[0].reward, out[0].regret), (0.0, Some(1.0)));
        assert_eq!(env.action_space(), ActionSpace::Discrete(3));
        assert_eq!(env.observation_size(), 2);
    }

    #[test]
    fn same_seed_repeats_bit_for_bit_different_seed_differs() {
        let data = Arc::new(yin_yang::generate("yy", 50, 2));
        let mut a = ContextualBandit::new(data.clone(), 4, Order::Shuffled, PM1).unwrap();
        let mut b = ContextualBandit::new(data, 4, Order::Shuffled, PM1).unwrap();
        let record = |env: &mut ContextualBandit, seed| {
            env.reset(seed);
            let mut obs = vec![0.0; 16];
            let mut out = vec![Outcome::default(); 4];
            let mut trace = Vec::new();
            for _ in 0..30 {
                env.observe(&mut obs);
                trace.extend(obs.iter().map(|v| v.to_bits()));
                env.act(Actions::Discrete(&[0, 1, 2, 0]), &mut out).unwrap();
                trace.extend(out.iter().map(|o| o.reward.to_bits()));
            }
            trace
        };
        let first = record(&mut a, 3);
        // Same seed after other use (reset must undo it): identical bits.
        record(&mut b, 9);
        assert_eq!(first, record(&mut b, 3));
        assert_ne!(first, record(&mut b, 4));
    }

    #[test]
    fn unsuitable_sets_parameters_and_actions_are_refused() {
        let mut regression = tiny();
        regression.labels.clear();
        let e = ContextualBandit::new(regression, 1, Order::Shuffled, PM1).unwrap_err();
        assert!(matches!(e, TaskError::Dataset { .. }), "{e}");
        assert!(e.to_string().contains("not a classification set"), "{e}");
        let e = ContextualBandit::new(tiny().truncated(0), 1, Order::Shuffled, PM1).unwrap_err();
        assert!(e.to_string().contains("has no samples"), "{e}");
        let mut bad_label = tiny();
        bad_label.labels[3] = 3;
        let e = ContextualBandit::new(bad_label, 1, Order::Shuffled, PM1).unwrap_err();
        assert!(e.to_string().contains("sample 3 has label 3"), "{e}");
        let param = |batch, correct, wrong| {
            let r = Rewards { correct, wrong };
            ContextualBandit::new(tiny(), batch, Order::Sequential, r)
        };
        assert!(matches!(
            param(0, 1.0, 0.0),
            Err(TaskError::Parameter { key: "batch", .. })
        ));
        assert!(matches!(
            param(1, f64::NAN, 0.0),
            Err(TaskError::Parameter { key: "reward", .. })
        ));
        // Equal rewards would make every guess "optimal" with zero regret.
        assert!(matches!(
            param(1, 1.0, 1.0),
            Err(TaskError::Parameter { key: "reward", .. })
        ));
        assert!(matches!(
            param(1, 0.0, 1.0),
            Err(TaskError::Parameter { key: "reward", .. })
        ));

        let mut env = ContextualBandit::new(tiny(), 2, Order::Sequential, PM1).unwrap();
        let mut out = vec![Outcome::default(); 2];
        let e = env.act(Actions::Discrete(&[0, 3]), &mut out).unwrap_err();
        assert!(matches!(
            e,
            TaskError::ActionOutOfRange {
                copy: 1,
                action: 3,
                n: 3,
                ..
            }
        ));
        assert!(
            e.to_string().starts_with("contextual-bandit(tiny): copy 1"),
            "{e}"
        );
        assert!(env.act(Actions::Discrete(&[0]), &mut out).is_err());
        assert!(env.act(Actions::Discrete(&[0, 1]), &mut out[..1]).is_err());
        assert!(env.act(Actions::Continuous(&[0.0; 2]), &mut out).is_err());
        // Refused acts do not advance the stream.
        assert_eq!((env.samples_seen(), env.current_sample(0)), (0, Some(0)));
    }
}

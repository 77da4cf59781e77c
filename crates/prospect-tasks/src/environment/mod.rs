//! Environments: what a reward-learning agent observes, does and is rewarded for.
//!
//! An [`Environment`] holds a batch of independent copies of one task. A driver resets it with a
//! seed, reads every copy's observation ([`Environment::observe`]), chooses one action per copy
//! and hands them to [`Environment::act`], which returns one [`Outcome`] (reward, episode end,
//! and — where the task knows its optimum — regret and optimality) per copy. Knows no model:
//! observations are plain `f64` vectors and actions plain indices or vectors.
//!
//! Layout of batched buffers: one column per copy, column-major, i.e. component `i` of copy `b`
//! sits at `b · size + i` (the same batch-major convention as the rest of prospect).
//!
//! - [`contextual_bandit`]: one-step episodes over a classification [`crate::Dataset`]
//!   (observation = a sample's input, action = a class guess).
//! - [`gaussian_bandit`]: the k-armed Gaussian testbed of Sutton & Barto (2018) §2.3, with the
//!   textbook gradient-bandit algorithm as an independent reference ([`gradient_bandit_reference`]).

pub mod contextual_bandit;
pub mod gaussian_bandit;
mod seeding;

pub use contextual_bandit::{ContextualBandit, Order, Rewards};
pub use gaussian_bandit::{
    GaussianBandit, GaussianBanditConfig, GradientBanditCurve, gradient_bandit_reference,
};

use crate::TaskError;

/// What an agent may do: discrete choices or a continuous vector per environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionSpace {
    /// One of `n` actions `0..n` per copy.
    Discrete(usize),
    /// A real vector of this dimension per copy (every component finite).
    Continuous(usize),
}

/// Actions for a batch of environments.
#[derive(Debug, Clone, Copy)]
pub enum Actions<'a> {
    /// One action index per copy (`batch` entries).
    Discrete(&'a [usize]),
    /// One action vector per copy: `dim × batch`, column-major (copy `b`'s component `i` at
    /// `b · dim + i`).
    Continuous(&'a [f64]),
}

/// The outcome of one act for one environment of the batch.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Outcome {
    /// The reward delivered for the act (units of the task; e.g. ±1 for a class guess).
    pub reward: f64,
    /// Whether the act ended the copy's episode (the copy has moved on to its next one).
    pub done: bool,
    /// Best action's expected reward minus the chosen one's (regret, ≥ 0), if known.
    pub regret: Option<f64>,
    /// Whether the chosen action is an optimal one, if known.
    pub optimal: Option<bool>,
}

/// A batch of independent copies of one task that an agent observes and acts on.
///
/// `Send` so a driver may run environments on worker threads. Reruns with the same seed are
/// bit-identical: all randomness comes from [`Environment::reset`]'s seed.
pub trait Environment: Send {
    /// A name for messages and trace metadata, e.g. `"contextual-bandit(yin-yang/train)"`.
    fn name(&self) -> &str;
    /// Components of one copy's observation; may be 0 (a plain bandit has nothing to observe).
    fn observation_size(&self) -> usize;
    /// What one copy may do.
    fn action_space(&self) -> ActionSpace;
    /// Number of independent copies acted on together.
    fn batch(&self) -> usize;
    /// Starts over: all copies reset, all randomness reseeded (bit-identical reruns).
    fn reset(&mut self, seed: u64);
    /// Current observation of every copy into `out` (observation_size × batch, column-major).
    ///
    /// # Panics
    /// If `out.len() != observation_size() × batch()` — a driver's programming error, never a
    /// consequence of user input (drivers allocate the buffer from these two numbers).
    fn observe(&self, out: &mut [f64]);
    /// The label/context class of copy b's current observation if the task has one (per-class
    /// baselines and statistics); `None` for tasks without classes and for `b ≥ batch()`.
    fn context(&self, b: usize) -> Option<usize>;
    /// Applies actions, fills one Outcome per copy; a copy that is done moves to its next
    /// observation/episode.
    ///
    /// Errors (nothing is changed then): `actions` of the wrong kind or length, a discrete action
    /// `≥ n`, a non-finite continuous component ([`check_actions`]), `out.len() != batch()`.
    fn act(&mut self, actions: Actions<'_>, out: &mut [Outcome]) -> Result<(), TaskError>;
}

/// Checks `actions` against `space` for `batch` copies and `out` for `batch` outcomes: the kind,
/// the lengths, every discrete action `< n`, every continuous component finite. Errors name the
/// environment `env`, the copy and the offending value. Every environment calls this first in
/// [`Environment::act`], so a bad action never reaches the task's arithmetic.
pub fn check_actions(
    env: &str,
    space: ActionSpace,
    batch: usize,
    actions: Actions<'_>,
    out: &[Outcome],
) -> Result<(), TaskError> {
    let length = |what, expected, got| {
        if expected == got {
            Ok(())
        } else {
            Err(TaskError::BufferLength {
                env: env.to_string(),
                what,
                expected,
                got,
            })
        }
    };
    match (space, actions) {
        (ActionSpace::Discrete(n), Actions::Discrete(a)) => {
            length("discrete actions", batch, a.len())?;
            if let Some((copy, &action)) = a.iter().enumerate().find(|(_, a)| **a >= n) {
                return Err(TaskError::ActionOutOfRange {
                    env: env.to_string(),
                    copy,
                    action,
                    n,
                });
            }
        }
        (ActionSpace::Continuous(dim), Actions::Continuous(a)) => {
            length("continuous actions", dim * batch, a.len())?;
            if let Some((k, &value)) = a.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(TaskError::ActionNotFinite {
                    env: env.to_string(),
                    copy: k / dim,
                    component: k % dim,
                    value,
                });
            }
        }
        (expected, got) => {
            return Err(TaskError::ActionKind {
                env: env.to_string(),
                expected,
                got: match got {
                    Actions::Discrete(_) => "discrete",
                    Actions::Continuous(_) => "continuous",
                },
            });
        }
    }
    length("outcome buffer", batch, out.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcomes(n: usize) -> Vec<Outcome> {
        vec![Outcome::default(); n]
    }

    #[test]
    fn good_actions_pass() {
        let d = ActionSpace::Discrete(3);
        assert!(check_actions("e", d, 2, Actions::Discrete(&[0, 2]), &outcomes(2)).is_ok());
        let c = ActionSpace::Continuous(2);
        let a = [0.0, 1.0, -1.0, 1e300];
        assert!(check_actions("e", c, 2, Actions::Continuous(&a), &outcomes(2)).is_ok());
    }

    #[test]
    fn bad_actions_are_typed_errors_naming_env_copy_and_value() {
        let d = ActionSpace::Discrete(3);
        match check_actions("bandit", d, 3, Actions::Discrete(&[0, 1, 3]), &outcomes(3)) {
            Err(TaskError::ActionOutOfRange {
                env,
                copy: 2,
                action: 3,
                n: 3,
            }) => assert_eq!(env, "bandit"),
            other => panic!("{other:?}"),
        }
        let e = check_actions("bandit", d, 3, Actions::Discrete(&[0, 1]), &outcomes(3));
        assert!(matches!(
            e,
            Err(TaskError::BufferLength {
                expected: 3,
                got: 2,
                ..
            })
        ));
        let e = check_actions("bandit", d, 2, Actions::Discrete(&[0, 1]), &outcomes(3));
        assert!(matches!(
            e,
            Err(TaskError::BufferLength {
                what: "outcome buffer",
                expected: 2,
                got: 3,
                ..
            })
        ));
        let e = check_actions("bandit", d, 1, Actions::Continuous(&[0.0]), &outcomes(1));
        assert!(matches!(e, Err(TaskError::ActionKind { .. })));
        let c = ActionSpace::Continuous(2);
        let a = [0.0, 1.0, 2.0, f64::NAN];
        match check_actions("cart", c, 2, Actions::Continuous(&a), &outcomes(2)) {
            Err(TaskError::ActionNotFinite {
                copy: 1,
                component: 1,
                value,
                ..
            }) => assert!(value.is_nan()),
            other => panic!("{other:?}"),
        }
        let a = [f64::INFINITY, 0.0];
        let e = check_actions("cart", c, 1, Actions::Continuous(&a), &outcomes(1));
        assert!(e.unwrap_err().to_string().contains("cart: copy 0"));
    }
}

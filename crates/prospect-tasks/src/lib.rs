//! # prospect-tasks — data sets, generated tasks and environments
//!
//! Knows no model: every supervised task is a [`Dataset`] of input vectors with target vectors
//! (and class labels where the task is a classification); every reward task is an
//! [`Environment`] that is observed and acted on and pays a reward.
//! - [`yin_yang`]: the Yin-Yang classification data set (Kriener et al. 2021), generated.
//! - [`idx`]: MNIST-format IDX files (gzipped or not), e.g. Fashion-MNIST from Debian's
//!   `dataset-fashion-mnist` ([`idx::FASHION_MNIST_DIR`]).
//! - [`teacher_student`]: regression targets from a random teacher network.
//! - [`environment`]: the [`Environment`] trait (batched reset / observe / act → reward, done)
//!   and its tasks: a [`ContextualBandit`] over any classification data set and the k-armed
//!   [`GaussianBandit`] of Sutton & Barto, with the textbook gradient-bandit algorithm
//!   ([`gradient_bandit_reference`]) as an independent check.
//! - [`patterns`]: fixed random binary patterns, one class each (seed 000's WNA task).

pub mod dataset;
pub mod environment;
pub mod error;
pub mod idx;
pub mod patterns;
pub mod teacher_student;
pub mod yin_yang;

pub use dataset::{Dataset, Split};
pub use environment::{
    ActionSpace, Actions, ContextualBandit, Environment, GaussianBandit, GaussianBanditConfig,
    GradientBanditCurve, Order, Outcome, Rewards, gradient_bandit_reference,
};
pub use error::TaskError;

//! # prospect-tasks — data sets and generated tasks
//!
//! Knows no model: every task is a [`Dataset`] of input vectors with target vectors (and class
//! labels where the task is a classification).
//! - [`yin_yang`]: the Yin-Yang classification data set (Kriener et al. 2021), generated.
//! - [`idx`]: MNIST-format IDX files (gzipped or not), e.g. Fashion-MNIST from Debian's
//!   `dataset-fashion-mnist` ([`idx::FASHION_MNIST_DIR`]).
//! - [`teacher_student`]: regression targets from a random teacher network.
//! - [`patterns`]: fixed random binary patterns, one class each (seed 000's WNA task).

pub mod dataset;
pub mod error;
pub mod idx;
pub mod patterns;
pub mod teacher_student;
pub mod yin_yang;

pub use dataset::{Dataset, Split};
pub use error::TaskError;

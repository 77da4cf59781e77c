//! Teacher–student regression: targets from a fixed random teacher network.

use crate::{Dataset, Split, TaskError};
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, Normal};

/// A two-layer teacher `y = W2 tanh(W1 x)` with `W ~ N(0, 1/fan_in)`; inputs `x ~ N(0, 1)`.
#[derive(Debug, Clone)]
pub struct Teacher {
    /// Sizes `[inputs, hidden, outputs]`.
    pub sizes: [usize; 3],
    /// `hidden × inputs`, row-major.
    pub w1: Vec<f64>,
    /// `outputs × hidden`, row-major.
    pub w2: Vec<f64>,
}

impl Teacher {
    /// A random teacher with layer sizes `sizes`, seeded by `seed`.
    pub fn random(sizes: [usize; 3], seed: u64) -> Self {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut draw = |n_out: usize, n_in: usize| -> Vec<f64> {
            let normal = Normal::new(0.0, 1.0 / (n_in as f64).sqrt()).unwrap();
            (0..n_out * n_in).map(|_| normal.sample(&mut rng)).collect()
        };
        let w1 = draw(sizes[1], sizes[0]);
        let w2 = draw(sizes[2], sizes[1]);
        Teacher { sizes, w1, w2 }
    }

    /// The teacher's output for input `x`.
    pub fn output(&self, x: &[f64]) -> Vec<f64> {
        let [n_in, n_hidden, n_out] = self.sizes;
        let hidden: Vec<f64> = (0..n_hidden)
            .map(|i| {
                (0..n_in)
                    .map(|j| self.w1[i * n_in + j] * x[j])
                    .sum::<f64>()
                    .tanh()
            })
            .collect();
        (0..n_out)
            .map(|i| {
                (0..n_hidden)
                    .map(|j| self.w2[i * n_hidden + j] * hidden[j])
                    .sum()
            })
            .collect()
    }

    fn dataset(&self, name: &str, n: usize, seed: u64) -> Dataset {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let normal = Normal::new(0.0, 1.0).unwrap();
        let [n_in, _, n_out] = self.sizes;
        let mut inputs = Vec::with_capacity(n * n_in);
        let mut targets = Vec::with_capacity(n * n_out);
        for _ in 0..n {
            let x: Vec<f64> = (0..n_in).map(|_| normal.sample(&mut rng)).collect();
            targets.extend(self.output(&x).iter().map(|v| *v as f32));
            inputs.extend(x.iter().map(|v| *v as f32));
        }
        Dataset {
            name: name.into(),
            n_inputs: n_in,
            n_outputs: n_out,
            inputs,
            targets,
            labels: Vec::new(),
        }
    }
}

/// Training and test sets labelled by a random teacher of sizes `sizes`.
pub fn split(
    sizes: [usize; 3],
    n_train: usize,
    n_test: usize,
    seed: u64,
) -> Result<Split, TaskError> {
    if sizes.contains(&0) {
        return Err(TaskError::Parameter {
            key: "sizes",
            reason: format!("{sizes:?} has a zero"),
        });
    }
    let teacher = Teacher::random(sizes, seed);
    Ok(Split {
        train: teacher.dataset("teacher-student/train", n_train, seed.wrapping_add(1)),
        test: teacher.dataset("teacher-student/test", n_test, seed.wrapping_add(2)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_the_teachers_outputs() {
        let s = split([3, 5, 2], 10, 4, 1).unwrap();
        let teacher = Teacher::random([3, 5, 2], 1);
        for i in 0..s.train.len() {
            let x: Vec<f64> = s.train.input(i).iter().map(|v| f64::from(*v)).collect();
            let y = teacher.output(&x);
            for (a, b) in y.iter().zip(s.train.target(i)) {
                assert!((*a as f32 - b).abs() < 1e-4);
            }
        }
        assert!(!s.train.is_classification());
        assert!(split([3, 0, 2], 1, 1, 0).is_err());
    }
}

//! The Yin-Yang data set (Kriener, Göltz & Petrovici 2021), generated (docs/equations.md §8).
//!
//! Points `(x, y)` uniform in the disc of radius `R = 0.5` centred at `(R, R)`, classified as
//! yang (0), yin (1) or dot (2). Each sample first picks its class uniformly and rejects points
//! until one of that class appears, so the classes are balanced. The network input is
//! `(x, y, 1 − x, 1 − y)`. A backprop-trained network reaches ≈ 97–98 %, a linear classifier ≈ 64 %.

use crate::{Dataset, Split, TaskError};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

/// Radius of the big disc.
pub const R_BIG: f64 = 0.5;
/// Radius of the two dots.
pub const R_SMALL: f64 = 0.1;
/// Class names by label.
pub const CLASS_NAMES: [&str; 3] = ["yang", "yin", "dot"];

/// The class of a point inside the big disc: 0 yang, 1 yin, 2 dot.
pub fn class_of(x: f64, y: f64) -> usize {
    let d_right = ((x - 1.5 * R_BIG).powi(2) + (y - R_BIG).powi(2)).sqrt();
    let d_left = ((x - 0.5 * R_BIG).powi(2) + (y - R_BIG).powi(2)).sqrt();
    if d_right < R_SMALL || d_left < R_SMALL {
        return 2;
    }
    let yin = d_right <= R_SMALL
        || (d_left > R_SMALL && d_left <= 0.5 * R_BIG)
        || (y > R_BIG && d_right > 0.5 * R_BIG);
    usize::from(yin)
}

/// `n` balanced samples drawn with the generator seeded by `seed`.
pub fn generate(name: &str, n: usize, seed: u64) -> Dataset {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut inputs = Vec::with_capacity(4 * n);
    let mut labels = Vec::with_capacity(n);
    for _ in 0..n {
        let class = rng.random_range(0..3usize);
        let (x, y) = loop {
            let x = rng.random_range(0.0..2.0 * R_BIG);
            let y = rng.random_range(0.0..2.0 * R_BIG);
            let inside = (x - R_BIG).powi(2) + (y - R_BIG).powi(2) <= R_BIG * R_BIG;
            if inside && class_of(x, y) == class {
                break (x, y);
            }
        };
        inputs.extend([x, y, 1.0 - x, 1.0 - y].map(|v| v as f32));
        labels.push(class);
    }
    Dataset::classification(name, 4, inputs, labels, 3)
}

/// Training and test sets from independent streams derived from `seed`.
pub fn split(n_train: usize, n_test: usize, seed: u64) -> Result<Split, TaskError> {
    if n_train == 0 {
        return Err(TaskError::Parameter {
            key: "n_train",
            reason: "must be > 0".into(),
        });
    }
    Ok(Split {
        train: generate("yin-yang/train", n_train, seed),
        test: generate("yin-yang/test", n_test, seed ^ 0x9E37_79B9_7F4A_7C15),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_the_geometry() {
        // Dot centres, a point in the upper half far from the right dot (yin), lower-left (yang).
        assert_eq!(class_of(0.75, 0.5), 2);
        assert_eq!(class_of(0.25, 0.5), 2);
        assert_eq!(class_of(0.25, 0.9), 1);
        assert_eq!(class_of(0.75, 0.1), 0);
        // Around the left dot (r < d ≤ R/2) lies yin; around the right dot, yang.
        assert_eq!(class_of(0.25 + 0.2, 0.5), 1);
        assert_eq!(class_of(0.75 + 0.2, 0.5), 0);
    }

    #[test]
    fn samples_are_balanced_inside_the_disc_and_reproducible() {
        let d = generate("t", 3000, 7);
        assert_eq!(d.len(), 3000);
        for c in d.class_counts() {
            assert!(
                (850..=1150).contains(&c),
                "class counts {:?}",
                d.class_counts()
            );
        }
        for i in 0..d.len() {
            let v = d.input(i);
            let (x, y) = (f64::from(v[0]), f64::from(v[1]));
            assert!((x - 0.5).powi(2) + (y - 0.5).powi(2) <= 0.25 + 1e-6);
            assert!((v[2] - (1.0 - v[0])).abs() < 1e-6 && (v[3] - (1.0 - v[1])).abs() < 1e-6);
            assert_eq!(class_of(x, y), d.labels[i]);
        }
        assert_eq!(d, generate("t", 3000, 7));
        assert_ne!(d.inputs, generate("t", 3000, 8).inputs);
    }
}

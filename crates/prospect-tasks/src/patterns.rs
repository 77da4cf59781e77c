//! Fixed random patterns, one class each: the task of seed 000's WNA reference experiment
//! (docs/equations.md §2: a 100-100-3 network learns, from reward alone, which of three fixed
//! 10×10 patterns it sees).
//!
//! Pattern `c` has label `c`; every pixel is 0 or 1 with probability ½ each (inputs are the
//! first projection's presynaptic rates, so "on" is rate 1 and "off" silent, like the
//! reference's digit images whose background sits far below the rate function's knee). The
//! patterns are pairwise distinct (a drawn duplicate is redrawn). The training and the test
//! set are the same patterns: the task is to learn the mapping, not to generalise.

use crate::{Dataset, Split, TaskError};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

/// `n_patterns` distinct random binary patterns of `n_inputs` pixels, labels `0..n_patterns`,
/// as both the training and the test set; the same seed gives the same patterns. Needs
/// `n_patterns ≥ 1`, `n_inputs ≥ 1` and `2^{n_inputs} ≥ n_patterns` (enough distinct patterns).
pub fn split(n_patterns: usize, n_inputs: usize, seed: u64) -> Result<Split, TaskError> {
    if n_patterns == 0 {
        return Err(TaskError::Parameter {
            key: "n_patterns",
            reason: "must be ≥ 1".into(),
        });
    }
    if n_inputs == 0 {
        return Err(TaskError::Parameter {
            key: "n_inputs",
            reason: "must be ≥ 1".into(),
        });
    }
    if n_inputs < usize::BITS as usize && (1usize << n_inputs) < n_patterns {
        return Err(TaskError::Parameter {
            key: "n_patterns",
            reason: format!(
                "{n_patterns} distinct binary patterns do not exist with {n_inputs} pixels"
            ),
        });
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut patterns: Vec<Vec<f32>> = Vec::with_capacity(n_patterns);
    while patterns.len() < n_patterns {
        let p: Vec<f32> = (0..n_inputs)
            .map(|_| if rng.random_bool(0.5) { 1.0 } else { 0.0 })
            .collect();
        if !patterns.contains(&p) {
            patterns.push(p);
        }
    }
    let inputs: Vec<f32> = patterns.concat();
    let labels: Vec<usize> = (0..n_patterns).collect();
    let set = |name: &str| {
        Dataset::classification(name, n_inputs, inputs.clone(), labels.clone(), n_patterns)
    };
    Ok(Split {
        train: set("patterns/train"),
        test: set("patterns/test"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three 10×10 patterns (the reference task): labels 0, 1, 2 with one-hot targets, pixels
    /// in {0, 1}, pairwise distinct, train = test, the same for the same seed and different
    /// for another. Over 300 pixels the fraction on is 0.5 ± 0.029 (one standard deviation),
    /// so [0.35, 0.65] (5 σ) fails only if the pixels are not fair coin flips (e.g. all 0).
    #[test]
    fn fixed_distinct_labelled_reproducible_patterns() {
        let s = split(3, 100, 7).unwrap();
        assert_eq!(s.train, {
            let mut t = s.test.clone();
            t.name = s.train.name.clone();
            t
        });
        let d = &s.train;
        assert_eq!((d.len(), d.n_inputs, d.n_outputs), (3, 100, 3));
        assert_eq!(d.labels, vec![0, 1, 2]);
        for i in 0..3 {
            let mut onehot = [0.0f32; 3];
            onehot[i] = 1.0;
            assert_eq!(d.target(i), &onehot[..]);
            for j in 0..i {
                assert_ne!(d.input(i), d.input(j), "patterns {i} and {j}");
            }
        }
        assert!(d.inputs.iter().all(|&x| x == 0.0 || x == 1.0));
        let on = d.inputs.iter().filter(|&&x| x == 1.0).count() as f64 / 300.0;
        assert!((0.35..=0.65).contains(&on), "fraction on {on}");
        assert_eq!(split(3, 100, 7).unwrap(), s);
        assert_ne!(split(3, 100, 8).unwrap().train.inputs, d.inputs);
    }

    /// All 4 patterns of 2 pixels are found (duplicates redrawn); 5 cannot exist; zero sizes
    /// are refused with their key.
    #[test]
    fn distinctness_and_bad_parameters() {
        let s = split(4, 2, 1).unwrap();
        let mut all: Vec<&[f32]> = (0..4).map(|i| s.train.input(i)).collect();
        all.sort_by(|a, b| a.partial_cmp(b).unwrap());
        assert_eq!(
            all,
            vec![&[0.0, 0.0][..], &[0.0, 1.0], &[1.0, 0.0], &[1.0, 1.0]]
        );
        for (n, m, key) in [
            (5, 2, "n_patterns"),
            (0, 3, "n_patterns"),
            (3, 0, "n_inputs"),
        ] {
            match split(n, m, 1) {
                Err(TaskError::Parameter { key: k, .. }) => assert_eq!(k, key),
                other => panic!("split({n}, {m}): {other:?}"),
            }
        }
    }
}

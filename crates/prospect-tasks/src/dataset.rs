//! The one data type every task produces.

/// Samples as rows: inputs (`n_inputs` each), targets (`n_outputs` each) and, for
/// classification, class labels. Inputs are stored as `f32` to halve the memory of image sets;
/// consumers convert to `f64` per batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Human-readable name, e.g. `"yin-yang/train"`.
    pub name: String,
    /// Inputs per sample.
    pub n_inputs: usize,
    /// Target components per sample (classes for one-hot targets).
    pub n_outputs: usize,
    /// Row-major `len × n_inputs`.
    pub inputs: Vec<f32>,
    /// Row-major `len × n_outputs`.
    pub targets: Vec<f32>,
    /// Class label per sample (classification tasks), else empty.
    pub labels: Vec<usize>,
}

/// A training and a test set.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// Samples to learn from.
    pub train: Dataset,
    /// Held-out samples.
    pub test: Dataset,
}

impl Dataset {
    /// A classification set with one-hot targets from `labels` over `n_classes` classes.
    pub fn classification(
        name: impl Into<String>,
        n_inputs: usize,
        inputs: Vec<f32>,
        labels: Vec<usize>,
        n_classes: usize,
    ) -> Self {
        assert_eq!(
            inputs.len(),
            labels.len() * n_inputs,
            "inputs and labels disagree"
        );
        let mut targets = vec![0.0; labels.len() * n_classes];
        for (i, &c) in labels.iter().enumerate() {
            assert!(c < n_classes, "label {c} ≥ {n_classes} classes");
            targets[i * n_classes + c] = 1.0;
        }
        Dataset {
            name: name.into(),
            n_inputs,
            n_outputs: n_classes,
            inputs,
            targets,
            labels,
        }
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.inputs.len().checked_div(self.n_inputs).unwrap_or(0)
    }

    /// Whether the set has no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether samples carry class labels.
    pub fn is_classification(&self) -> bool {
        !self.labels.is_empty()
    }

    /// Input vector of sample `i`.
    pub fn input(&self, i: usize) -> &[f32] {
        &self.inputs[i * self.n_inputs..(i + 1) * self.n_inputs]
    }

    /// Target vector of sample `i`.
    pub fn target(&self, i: usize) -> &[f32] {
        &self.targets[i * self.n_outputs..(i + 1) * self.n_outputs]
    }

    /// The first `n` samples (all if fewer), e.g. to shorten a run.
    pub fn truncated(&self, n: usize) -> Dataset {
        let n = n.min(self.len());
        Dataset {
            name: self.name.clone(),
            n_inputs: self.n_inputs,
            n_outputs: self.n_outputs,
            inputs: self.inputs[..n * self.n_inputs].to_vec(),
            targets: self.targets[..n * self.n_outputs].to_vec(),
            labels: self.labels.iter().take(n).copied().collect(),
        }
    }

    /// Samples per class (classification sets).
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.n_outputs];
        for &c in &self.labels {
            counts[c] += 1;
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_hot_targets_follow_labels() {
        let d = Dataset::classification("t", 2, vec![0.0, 1.0, 2.0, 3.0], vec![2, 0], 3);
        assert_eq!(d.len(), 2);
        assert_eq!(d.target(0), &[0.0, 0.0, 1.0]);
        assert_eq!(d.target(1), &[1.0, 0.0, 0.0]);
        assert_eq!(d.input(1), &[2.0, 3.0]);
        assert_eq!(d.class_counts(), vec![1, 0, 1]);
        assert_eq!(d.truncated(1).len(), 1);
    }
}

//! The error-backprop baseline of Q-AGREL (seed 002's comparison): the same network trained on
//! all outputs by the squared error to one-hot targets, `L = (1/B) Σ_b ½ ‖y_b − q_b‖²`, plain
//! SGD. Written independently of the Q-AGREL update (its own backward pass), so the comparison
//! does not share code paths that could hide an error in either.

use nalgebra::DMatrix;

use super::{Activations, QagrelNet};

/// One SGD step of rate `alpha` on `L` for the forward pass `h` (from [`QagrelNet::forward`])
/// and one-hot labels `labels`; the feedback matrices are not used. Returns `L`.
pub fn backprop_step(net: &mut QagrelNet, h: &Activations, labels: &[usize], alpha: f64) -> f64 {
    let layers = net.weights.len();
    let batch = labels.len();
    let q = &h[layers];
    // dL/dq = (q − y)/B.
    let mut grad = q.clone();
    let mut loss = 0.0;
    for (b, &y) in labels.iter().enumerate() {
        grad[(y, b)] -= 1.0;
        loss += 0.5 * grad.column(b).norm_squared();
    }
    grad /= batch as f64;
    for k in (0..layers).rev() {
        let dw = &grad * h[k].transpose();
        let below = (k > 0).then(|| {
            let mut d: DMatrix<f64> = net.weights[k].transpose() * &grad;
            d.zip_apply(&h[k], |g, a| {
                if a <= 0.0 {
                    *g = 0.0;
                }
            });
            d
        });
        if let Some(biases) = &mut net.biases {
            biases[k] -= grad.column_sum() * alpha;
        }
        net.weights[k] -= dw * alpha;
        if let Some(d) = below {
            grad = d;
        }
    }
    loss / batch as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qagrel::FeedbackMode;

    /// The step against central differences of L (step 1e-6, error O(1e-10) on this small net;
    /// bound 1e-6, far below the size of any wrong term, e.g. a missing ReLU gate or a factor
    /// of B).
    #[test]
    fn backprop_step_follows_the_loss_gradient() {
        let sizes = [4, 6, 3];
        let x = DMatrix::from_fn(4, 5, |i, b| ((i * 5 + b * 3) % 7) as f64 / 7.0 - 0.2);
        let labels = [0, 2, 1, 1, 0];
        let net = QagrelNet::new(&sizes, 0.6, true, FeedbackMode::Symmetric, 9);
        let loss = |n: &QagrelNet| {
            let h = n.forward(&x);
            let q = &h[2];
            (0..5)
                .map(|b| {
                    (0..3)
                        .map(|i| {
                            let y = if labels[b] == i { 1.0 } else { 0.0 };
                            0.5 * (y - q[(i, b)]).powi(2)
                        })
                        .sum::<f64>()
                })
                .sum::<f64>()
                / 5.0
        };
        let alpha = 1.0;
        let mut stepped = net.clone();
        let h = stepped.forward(&x);
        let l = backprop_step(&mut stepped, &h, &labels, alpha);
        assert!((l - loss(&net)).abs() < 1e-12);
        let eps = 1e-6;
        for k in 0..2 {
            let (r, c) = net.weights[k].shape();
            for i in 0..r {
                for j in 0..c {
                    let mut p = net.clone();
                    p.weights[k][(i, j)] += eps;
                    let mut m = net.clone();
                    m.weights[k][(i, j)] -= eps;
                    let g = (loss(&p) - loss(&m)) / (2.0 * eps);
                    let moved = net.weights[k][(i, j)] - stepped.weights[k][(i, j)];
                    assert!(
                        (moved - alpha * g).abs() < 1e-6,
                        "W{k}[{i},{j}]: {moved} vs {g}"
                    );
                }
                let mut p = net.clone();
                p.biases.as_mut().unwrap()[k][i] += eps;
                let mut m = net.clone();
                m.biases.as_mut().unwrap()[k][i] -= eps;
                let g = (loss(&p) - loss(&m)) / (2.0 * eps);
                let moved =
                    net.biases.as_ref().unwrap()[k][i] - stepped.biases.as_ref().unwrap()[k][i];
                assert!((moved - alpha * g).abs() < 1e-6, "b{k}[{i}]");
            }
        }
    }
}

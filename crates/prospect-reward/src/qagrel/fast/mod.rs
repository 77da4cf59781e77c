//! The fast algorithmic network behind [`build`](super::build): the same forward pass,
//! Q-AGREL update and backprop step as the plain f64 [`QagrelNet`] (the reference it is tested
//! against, `tests.rs`), in f32 or f64, on flat column-major buffers, the GEMM-bound products
//! through one backend ([`product`]) on `threads` threads, and no allocation per batch (the
//! workspaces grow to the largest batch seen and stay).
//!
//! Structure used where it is exact (docs/design.md, "Q-AGREL kernels"):
//! - the output layer's attention is one-hot, `a_L = e_s`, so its change is rank-structured,
//!   `ΔW_{L−1}[s_b, ·] += (α/B) δ_b h_{L−1,b}ᵀ`, a row update per sample instead of a product;
//! - the attention it sends down is a gather, `W_{L−1}ᵀ e_s` = row `s` of `W_{L−1}` (symmetric)
//!   or column `s` of `B_{L−2}` (learned, fixed), no product;
//! - the per-sample factor `(α/B) δ_b` is folded into the top signal, so every lower signal
//!   `p_k = relu'(h_k) ⊙ (F_k p_{k+1})` already carries it (`F_k` = `W_kᵀ` or `B_{k−1}`; the
//!   gate is a 0/1 mask and `δ_b` a per-column scalar, so this equals `δ_b a_k` exactly up to
//!   rounding) and `ΔW_k = p_{k+1} h_kᵀ` is one accumulating product into `W_k`.

mod product;
mod real;
#[cfg(test)]
mod tests;

use nalgebra::{DMatrix, DVector};

use super::learner::BatchLearner;
use super::{FeedbackMode, QagrelNet};
pub use product::{Threads, View, product};
pub use real::Real;

/// A network in precision `T`: weights `W_k` (`n_{k+1} × n_k`), optional biases and feedback
/// matrices `B_k` (`n_{k+1} × n_{k+2}`), all column-major, plus the workspaces of one batch.
pub struct FastNet<T: Real> {
    sizes: Vec<usize>,
    mode: FeedbackMode,
    threads: Threads,
    /// The pool the products run on (`None` with one thread).
    pool: Option<rayon::ThreadPool>,
    w: Vec<Vec<T>>,
    bias: Option<Vec<Vec<T>>>,
    fb: Option<Vec<Vec<T>>>,
    /// Columns the workspaces hold (the largest batch seen).
    cap: usize,
    /// Columns of the last forward pass.
    batch: usize,
    /// Activations `h_0 … h_L` of the last forward pass (`n_k × cap`).
    h: Vec<Vec<T>>,
    /// Learning signals `p_k` (`n_k × cap`; `p_0` unused): Q-AGREL's `(α/B) δ ⊙ a_k`, backprop's
    /// `(α/B) ∂L/∂z_k`.
    p: Vec<Vec<T>>,
    /// Per-sample factors `(α/B) δ_b`.
    coef: Vec<T>,
    /// Weight changes `ΔW_k` for `k ≥ 1` and for the top layer (the top one's rank-structured
    /// sum; with learned feedback also the lower ones, added to `W_k` and, transposed, to
    /// `B_{k−1}`).
    dw: Vec<Vec<T>>,
}

impl<T: Real> FastNet<T> {
    /// The reference network `net` (its weights rounded to `T`), with products on `threads`
    /// threads (a dedicated rayon pool when more than one; if the pool cannot be made, the
    /// products run on the global rayon pool with the same split).
    pub fn from_reference(net: &QagrelNet, threads: usize) -> Self {
        let threads = threads.max(1);
        let to_t = |m: &DMatrix<f64>| m.iter().map(|&v| T::from_f64(v)).collect::<Vec<T>>();
        let sizes: Vec<usize> = std::iter::once(net.weights[0].ncols())
            .chain(net.weights.iter().map(|w| w.nrows()))
            .collect();
        let layers = sizes.len() - 1;
        let pool = (threads > 1)
            .then(|| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .ok()
            })
            .flatten();
        FastNet {
            mode: net.mode,
            threads: Threads(threads),
            pool,
            w: net.weights.iter().map(to_t).collect(),
            bias: net.biases.as_ref().map(|b| {
                b.iter()
                    .map(|v| v.iter().map(|&x| T::from_f64(x)).collect())
                    .collect()
            }),
            fb: net.feedback.as_ref().map(|f| f.iter().map(to_t).collect()),
            cap: 0,
            batch: 0,
            h: vec![Vec::new(); layers + 1],
            p: vec![Vec::new(); layers + 1],
            coef: Vec::new(),
            dw: (0..layers)
                .map(|k| {
                    if k >= 1 || layers == 1 {
                        vec![T::ZERO; sizes[k + 1] * sizes[k]]
                    } else {
                        Vec::new()
                    }
                })
                .collect(),
            sizes,
        }
    }

    /// Grows the workspaces to `batch` columns (only when a larger batch than ever arrives).
    fn reserve(&mut self, batch: usize) {
        if batch > self.cap {
            for (k, &n) in self.sizes.iter().enumerate() {
                self.h[k] = vec![T::ZERO; n * batch];
                self.p[k] = if k == 0 {
                    Vec::new()
                } else {
                    vec![T::ZERO; n * batch]
                };
            }
            self.coef = vec![T::ZERO; batch];
            self.cap = batch;
        }
    }

    /// Runs `f` on the network's pool (so the products' rayon split uses its threads).
    fn on_pool<R: Send>(&mut self, f: impl FnOnce(&mut Self) -> R + Send) -> R {
        match self.pool.take() {
            Some(pool) => {
                let r = pool.install(|| f(self));
                self.pool = Some(pool);
                r
            }
            None => f(self),
        }
    }

    fn forward_inner(&mut self, x: &[f32], batch: usize, q: &mut [f64]) {
        self.reserve(batch);
        self.batch = batch;
        let n = &self.sizes;
        let layers = n.len() - 1;
        for (d, &s) in self.h[0].iter_mut().zip(x) {
            *d = T::from_f32(s);
        }
        for k in 0..layers {
            let (lo, hi) = self.h.split_at_mut(k + 1);
            let out = &mut hi[0][..n[k + 1] * batch];
            product(
                self.threads,
                out,
                false,
                T::ONE,
                View::col_major(&self.w[k], n[k + 1], n[k]),
                View::col_major(&lo[k], n[k], batch),
            );
            if let Some(bias) = &self.bias {
                for col in out.chunks_exact_mut(n[k + 1]) {
                    for (v, &b) in col.iter_mut().zip(&bias[k]) {
                        *v += b;
                    }
                }
            }
            if k + 1 < layers {
                for v in out.iter_mut() {
                    *v = if *v > T::ZERO { *v } else { T::ZERO };
                }
            }
        }
        for (d, s) in q.iter_mut().zip(&self.h[layers]) {
            *d = s.to_f64();
        }
    }

    /// `p_k ← relu'(h_k) ⊙ (F p_{k+1})` with `F` = `W_kᵀ` (symmetric feedback, backprop) or
    /// `B_{k−1}`, for `1 ≤ k < L`.
    fn signal_down(&mut self, k: usize, through_feedback: bool) {
        let n = &self.sizes;
        let batch = self.batch;
        let (lo, hi) = self.p.split_at_mut(k + 1);
        let below = &mut lo[k][..n[k] * batch];
        let above = View::col_major(&hi[0], n[k + 1], batch);
        let f = match (&self.fb, through_feedback) {
            (Some(fb), true) => View::col_major(&fb[k - 1], n[k], n[k + 1]),
            _ => View::col_major(&self.w[k], n[k + 1], n[k]).t(),
        };
        product(self.threads, below, false, T::ONE, f, above);
        for (v, &a) in below.iter_mut().zip(&self.h[k]) {
            *v = if a > T::ZERO { *v } else { T::ZERO };
        }
    }

    /// `W_k ← W_k + sign · p_{k+1} h_kᵀ`, `b_k ← b_k + sign · Σ_b p_{k+1,b}`; with `transpose_into_feedback`
    /// (learned feedback, `k ≥ 1`) also `B_{k−1} ← B_{k−1} + (p_{k+1} h_kᵀ)ᵀ`.
    fn change_weights(&mut self, k: usize, sign: T, transpose_into_feedback: bool) {
        let n = &self.sizes;
        let batch = self.batch;
        let post = View::col_major(&self.p[k + 1], n[k + 1], batch);
        let pre = View::col_major(&self.h[k], n[k], batch).t();
        match (&mut self.fb, transpose_into_feedback && k >= 1) {
            (Some(fb), true) => {
                let dw = &mut self.dw[k];
                product(self.threads, dw, false, sign, post, pre);
                for (v, &d) in self.w[k].iter_mut().zip(dw.iter()) {
                    *v += d;
                }
                add_transposed(&mut fb[k - 1], dw, n[k + 1], n[k]);
            }
            _ => product(self.threads, &mut self.w[k], true, sign, post, pre),
        }
        if let Some(bias) = &mut self.bias {
            let p = &self.p[k + 1][..n[k + 1] * batch];
            for col in p.chunks_exact(n[k + 1]) {
                for (b, &v) in bias[k].iter_mut().zip(col) {
                    *b += sign * v;
                }
            }
        }
    }

    fn update_qagrel_inner(&mut self, actions: &[usize], rewards: &[f64], alpha: f64) {
        let layers = self.sizes.len() - 1;
        let batch = self.batch;
        let (top, n_top) = (self.sizes[layers], self.sizes[layers - 1]);
        let scale = alpha / batch as f64;
        for b in 0..batch {
            let q = self.h[layers][actions[b] + b * top];
            self.coef[b] = T::from_f64(scale) * (T::from_f64(rewards[b]) - q);
        }
        let learned = self.mode == FeedbackMode::Learned;
        let through_feedback = self.mode != FeedbackMode::Symmetric;
        // The signal below the output: a gather of W_{L−1}'s row s (or B_{L−2}'s column s),
        // gated, times (α/B) δ_b. Read before W_{L−1} and B_{L−2} change.
        if layers >= 2 {
            let gather_fb = match (&self.fb, through_feedback) {
                (Some(fb), true) => Some(&fb[layers - 2]),
                _ => None,
            };
            let p = &mut self.p[layers - 1];
            let h = &self.h[layers - 1];
            let w = &self.w[layers - 1];
            for (b, (&s, &c)) in actions.iter().zip(&self.coef[..batch]).enumerate() {
                let col = b * n_top..(b + 1) * n_top;
                for ((j, v), &a) in p[col.clone()].iter_mut().enumerate().zip(&h[col.clone()]) {
                    let f = match gather_fb {
                        Some(fb) => fb[j + s * n_top],
                        None => w[s + j * top],
                    };
                    *v = if a > T::ZERO { c * f } else { T::ZERO };
                }
            }
        }
        // The output layer's rank-structured change: row s_b of ΔW_{L−1} gains (α/B) δ_b h_{L−1,b}ᵀ.
        {
            let dw = &mut self.dw[layers - 1];
            dw.fill(T::ZERO);
            let h = &self.h[layers - 1];
            for b in 0..batch {
                let (s, c) = (actions[b], self.coef[b]);
                for (j, &a) in h[b * n_top..(b + 1) * n_top].iter().enumerate() {
                    dw[s + j * top] += c * a;
                }
            }
            for (v, &d) in self.w[layers - 1].iter_mut().zip(dw.iter()) {
                *v += d;
            }
            if let (Some(fb), true) = (&mut self.fb, learned && layers >= 2) {
                add_transposed(&mut fb[layers - 2], dw, top, n_top);
            }
            if let Some(bias) = &mut self.bias {
                for b in 0..batch {
                    bias[layers - 1][actions[b]] += self.coef[b];
                }
            }
        }
        for k in (0..layers - 1).rev() {
            if k >= 1 {
                self.signal_down(k, through_feedback);
            }
            self.change_weights(k, T::ONE, learned);
        }
    }

    fn update_backprop_inner(&mut self, labels: &[usize], alpha: f64) -> f64 {
        let layers = self.sizes.len() - 1;
        let top = self.sizes[layers];
        let batch = self.batch;
        let scale = T::from_f64(alpha / batch as f64);
        let mut loss = 0.0;
        let (q, p) = (&self.h[layers], &mut self.p[layers]);
        for b in 0..batch {
            for i in 0..top {
                let e = q[i + b * top] - if labels[b] == i { T::ONE } else { T::ZERO };
                loss += 0.5 * e.to_f64() * e.to_f64();
                p[i + b * top] = scale * e;
            }
        }
        for k in (0..layers).rev() {
            if k >= 1 {
                self.signal_down(k, false);
            }
            self.change_weights(k, -T::ONE, false);
        }
        loss / batch as f64
    }
}

/// `b ← b + dᵀ` for `d` column-major `rows × cols` and `b` column-major `cols × rows`.
fn add_transposed<T: Real>(b: &mut [T], d: &[T], rows: usize, cols: usize) {
    for (j, col) in d.chunks_exact(rows).enumerate().take(cols) {
        for (i, &v) in col.iter().enumerate() {
            b[j + i * cols] += v;
        }
    }
}

impl<T: Real> BatchLearner for FastNet<T> {
    fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    fn forward(&mut self, x: &[f32], batch: usize, q: &mut [f64]) {
        let (n0, nl) = (self.sizes[0], self.sizes[self.sizes.len() - 1]);
        assert!(
            x.len() == n0 * batch && q.len() == nl * batch,
            "forward: {} inputs and {} Q values for a batch of {batch} through {:?}",
            x.len(),
            q.len(),
            self.sizes
        );
        self.on_pool(|net| net.forward_inner(x, batch, q));
    }

    fn update_qagrel(&mut self, actions: &[usize], rewards: &[f64], alpha: f64) {
        let top = self.sizes[self.sizes.len() - 1];
        assert!(
            actions.len() == self.batch
                && rewards.len() == self.batch
                && actions.iter().all(|&a| a < top),
            "update: {} actions and {} rewards for a forward batch of {}",
            actions.len(),
            rewards.len(),
            self.batch
        );
        self.on_pool(|net| net.update_qagrel_inner(actions, rewards, alpha));
    }

    fn update_backprop(&mut self, labels: &[usize], alpha: f64) -> f64 {
        assert!(
            labels.len() == self.batch,
            "backprop: {} labels for a forward batch of {}",
            labels.len(),
            self.batch
        );
        self.on_pool(|net| net.update_backprop_inner(labels, alpha))
    }

    fn weights(&self) -> Vec<DMatrix<f64>> {
        let n = &self.sizes;
        self.w
            .iter()
            .enumerate()
            .map(|(k, w)| DMatrix::from_iterator(n[k + 1], n[k], w.iter().map(|v| v.to_f64())))
            .collect()
    }

    fn feedback(&self) -> Option<Vec<DMatrix<f64>>> {
        let n = &self.sizes;
        self.fb.as_ref().map(|fb| {
            fb.iter()
                .enumerate()
                .map(|(k, f)| {
                    DMatrix::from_iterator(n[k + 1], n[k + 2], f.iter().map(|v| v.to_f64()))
                })
                .collect()
        })
    }

    fn biases(&self) -> Option<Vec<DVector<f64>>> {
        self.bias.as_ref().map(|bs| {
            bs.iter()
                .map(|b| DVector::from_iterator(b.len(), b.iter().map(|v| v.to_f64())))
                .collect()
        })
    }
}

//! The network's Jacobian `∂f/∂u` in structured form, for the stiff methods (docs/design.md,
//! "Stiff methods and the network's Jacobian").
//!
//! `f_l = (A_l + e_l − u_l) / τ_l`.
//! - With look-ahead (every loop treatment) the drives `A` and errors `e` of an evaluation are
//!   built from the input, the weights, the other layers' ŭ and (vanilla, Jacobi) the previous
//!   step's memory, never from `u`: `∂f/∂u = −diag(1/τ)` exactly, a diagonal.
//! - Without look-ahead, rates and errors read `u` itself (`r = φ(u)`, `m_l = u_l − W_l φ(u_{l−1})
//!   − b_l`, `e_l = φ'(u_l) ⊙ W_{l+1}ᵀ m_{l+1}`, `e_L = β (y − u_L)` or `β φ'(u_L)(y − φ(u_L))`).
//!   Samples do not interact, so `J` is block-diagonal with one `Σ n_l × Σ n_l` block per sample:
//!   - `τ_l ∂f_l/∂u_{l−1} = W_l diag φ'(u_{l−1})`;
//!   - `τ_l ∂f_l/∂u_{l+1} = diag φ'(u_l) W_{l+1}ᵀ`;
//!   - `τ_l ∂f_l/∂u_l = −I + diag(φ''(u_l) ⊙ W_{l+1}ᵀ m_{l+1}) − diag φ'(u_l) W_{l+1}ᵀ W_{l+1}
//!     diag φ'(u_l)` (hidden), `−I − β I` (voltage target) or `−I + β diag(φ''(y − φ) − φ'²)`
//!     (rate target) at the top.

use prospect_ode::JacobianStructure;

use super::Network;
use crate::TargetKind;

impl Network {
    /// Neurons per sample in the state, `Σ n_l` over non-input layers.
    fn neurons(&self) -> usize {
        self.config.sizes[1..].iter().sum()
    }

    /// Diagonal with look-ahead, one block per sample without.
    pub(super) fn structure(&self) -> JacobianStructure {
        if self.config.lookahead {
            return JacobianStructure::Diagonal;
        }
        let size = self.neurons();
        let mut index = Vec::with_capacity(size * self.batch);
        for b in 0..self.batch {
            for k in 0..self.layers() {
                let n = self.config.sizes[k + 1];
                index.extend((0..n).map(|i| self.offsets[k] + b * n + i));
            }
        }
        JacobianStructure::BlockDiagonal { size, index }
    }

    /// `−1/τ` per state component: the look-ahead Jacobian, and the linear part (leak) of `f`
    /// for every treatment.
    pub(super) fn diagonal_jacobian(&self, diag: &mut [f64]) {
        for k in 0..self.layers() {
            let n = self.config.sizes[k + 1];
            for col in diag[self.offsets[k]..self.offsets[k + 1]].chunks_exact_mut(n) {
                for (d, it) in col.iter_mut().zip(&self.inv_tau[k]) {
                    *d = -it;
                }
            }
        }
    }

    /// The per-sample blocks of the no-look-ahead Jacobian at state `y` (module docs).
    pub(super) fn block_jacobian(&self, y: &[f64], blocks: &mut [f64]) {
        let l = self.layers();
        let size = self.neurons();
        let sizes = &self.config.sizes[1..];
        let mut pos = vec![0usize; l + 1];
        for k in 0..l {
            pos[k + 1] = pos[k] + sizes[k];
        }
        let beta = self.effective_beta();
        let (mut rate, mut slope, mut curve) = (vec![0.0; size], vec![0.0; size], vec![0.0; size]);
        let mut back = vec![0.0; size];
        for (b, block) in blocks.chunks_exact_mut(size * size).enumerate() {
            block.fill(0.0);
            let u = |k: usize, i: usize| y[self.offsets[k] + b * sizes[k] + i];
            for k in 0..l {
                let act = self.config.activations[k];
                for i in 0..sizes[k] {
                    let x = u(k, i);
                    rate[pos[k] + i] = act.value(x);
                    slope[pos[k] + i] = act.derivative(x);
                    curve[pos[k] + i] = act.second_derivative(x);
                }
            }
            // back_k = W_{k+1}ᵀ m_{k+1} for hidden layers.
            for k in 0..l - 1 {
                let w = &self.weights[k + 1];
                let bias = &self.biases[k + 1];
                back[pos[k]..pos[k + 1]].fill(0.0);
                for j in 0..sizes[k + 1] {
                    let mut m = u(k + 1, j) - bias[j];
                    for i in 0..sizes[k] {
                        m -= w[(j, i)] * rate[pos[k] + i];
                    }
                    for i in 0..sizes[k] {
                        back[pos[k] + i] += w[(j, i)] * m;
                    }
                }
            }
            let mut set = |p: usize, q: usize, v: f64| block[q * size + p] += v;
            for k in 0..l {
                let inv_tau = &self.inv_tau[k];
                for i in 0..sizes[k] {
                    set(pos[k] + i, pos[k] + i, -inv_tau[i]);
                }
                if k > 0 {
                    // Drive W_k φ(u_{k−1}).
                    let w = &self.weights[k];
                    for i in 0..sizes[k] {
                        for j in 0..sizes[k - 1] {
                            let v = w[(i, j)] * slope[pos[k - 1] + j] * inv_tau[i];
                            set(pos[k] + i, pos[k - 1] + j, v);
                        }
                    }
                }
                if k + 1 < l {
                    let w = &self.weights[k + 1];
                    for i in 0..sizes[k] {
                        let s_i = slope[pos[k] + i];
                        let c = inv_tau[i];
                        // ∂e_i/∂u_{k+1, j} = φ'_i W_{j i}.
                        for j in 0..sizes[k + 1] {
                            set(pos[k] + i, pos[k + 1] + j, s_i * w[(j, i)] * c);
                        }
                        // φ''_i (Wᵀm)_i δ_{ii'} − φ'_i (WᵀW)_{i i'} φ'_{i'}.
                        set(
                            pos[k] + i,
                            pos[k] + i,
                            curve[pos[k] + i] * back[pos[k] + i] * c,
                        );
                        for i2 in 0..sizes[k] {
                            let mut wtw = 0.0;
                            for j in 0..sizes[k + 1] {
                                wtw += w[(j, i)] * w[(j, i2)];
                            }
                            set(pos[k] + i, pos[k] + i2, -s_i * wtw * slope[pos[k] + i2] * c);
                        }
                    }
                } else if beta != 0.0 {
                    let n = sizes[k];
                    for i in 0..n {
                        let p = pos[k] + i;
                        let d = match self.config.target {
                            TargetKind::Voltage => -beta,
                            TargetKind::Rate => {
                                let target = self.target[b * n + i];
                                beta * (curve[p] * (target - rate[p]) - slope[p] * slope[p])
                            }
                        };
                        set(p, p, d * inv_tau[i]);
                    }
                }
            }
        }
    }
}

//! The three treatments of the prospective dynamics (docs/equations.md §1):
//! the exact fixed point, the reference code's vanilla sweep, and the no-look-ahead ablation.
//! Each fills the working buffers (`ŭ`, `r`, `φ'`, `e`, drives) of one evaluation.

use nalgebra::{DMatrix, DVector};

use super::Network;
use super::buffers::LayerBuffers;
use super::noise::NoiseProcess;
use crate::linalg::{MatRef, gemm};
use crate::plasticity::{OnlineTarget, OutputView};
use crate::{Activation, NetworkError, TargetKind};

/// Fixed-point sweeps in which the slopes `φ'(ŭ)` follow ŭ before they are frozen
/// (see [`Network::solve_exact`]).
pub const SLOPE_SWEEPS: usize = 4;

/// Smallest relaxation factor of the exact treatment's sweeps.
const MIN_RELAXATION: f64 = 1.0 / 64.0;

/// `out = W pre + b` for a batch (`pre`: `n_in × B`, `out`: `n_out × B`, column-major).
fn drive_into(w: &DMatrix<f64>, b: &DVector<f64>, pre: &[f64], batch: usize, out: &mut [f64]) {
    let (n_out, n_in) = w.shape();
    for col in out.chunks_exact_mut(n_out) {
        col.copy_from_slice(b.as_slice());
    }
    gemm(
        1.0,
        MatRef::new(w.as_slice(), n_out, n_in),
        MatRef::new(pre, n_in, batch),
        1.0,
        out,
    );
}

/// `r = φ(ŭ)` and (if `slopes`) `φ'(ŭ)` of a layer, from its `breve`, in one pass.
fn activate(act: Activation, layer: &mut LayerBuffers, slopes: bool) {
    let (breve, rate, slope) = (&layer.breve, &mut layer.rate, &mut layer.slope);
    macro_rules! kernel {
        ($value:expr, $deriv:expr) => {
            if slopes {
                for i in 0..breve.len() {
                    rate[i] = $value(breve[i]);
                    slope[i] = $deriv(breve[i]);
                }
            } else {
                for i in 0..breve.len() {
                    rate[i] = $value(breve[i]);
                }
            }
        };
    }
    match act {
        Activation::HardSigmoid => {
            kernel!(|x: f64| x.clamp(0.0, 1.0), |x: f64| if x > 0.0 && x < 1.0 {
                1.0
            } else {
                0.0
            })
        }
        Activation::Relu => kernel!(|x: f64| x.max(0.0), |x: f64| if x > 0.0 {
            1.0
        } else {
            0.0
        }),
        Activation::Linear => kernel!(|x: f64| x, |_x: f64| 1.0),
        // Softplus and its slope, the logistic, share one exponential e^{−|x|}:
        // ln(1 + e^x) = max(x, 0) + ln(1 + e^{−|x|}), σ(x) = 1/(1 + e^{−|x|}) for x ≥ 0, else
        // e^{−|x|}/(1 + e^{−|x|}). Bit-identical to `Activation::value`/`derivative`' forms up
        // to the logistic's rounding (tested in `activation.rs`).
        Activation::Softplus | Activation::SoftRelu if slopes => {
            let w = if act == Activation::SoftRelu {
                0.3
            } else {
                1.0
            };
            for i in 0..breve.len() {
                let x = breve[i] / w;
                let e = (-x.abs()).exp();
                rate[i] = w * (x.max(0.0) + e.ln_1p());
                let inv = 1.0 / (1.0 + e);
                slope[i] = if x >= 0.0 { inv } else { e * inv };
            }
        }
        other => kernel!(|x| other.value(x), |x| other.derivative(x)),
    }
}

/// `ŭ = A + e`, then `r = φ(ŭ)` and (if `slopes`) `φ'(ŭ)` of a layer.
fn finish(act: Activation, layer: &mut LayerBuffers, slopes: bool) {
    for ((v, a), e) in layer.breve.iter_mut().zip(&layer.drive).zip(&layer.error) {
        *v = a + e;
    }
    activate(act, layer, slopes);
}

/// The backward operator `B_k` (`n_k × n_{k+1}`) carrying layer `k+1`'s error to layer `k`:
/// the feedback matrix where the network has one, else `W_{k+1}ᵀ` (a view, no copy).
fn backward_op<'a>(
    weights: &'a [DMatrix<f64>],
    feedback: &'a Option<Vec<DMatrix<f64>>>,
    k: usize,
) -> MatRef<'a> {
    match feedback {
        Some(b) => MatRef::new(b[k].as_slice(), b[k].nrows(), b[k].ncols()),
        None => {
            let w = &weights[k + 1];
            MatRef::new(w.as_slice(), w.nrows(), w.ncols()).t()
        }
    }
}

/// `out = s ⊙ (B m)` with `B`: `n_k × n_up` (see [`backward_op`]), `m`: `n_up × B`; `back` is
/// scratch.
fn backpropagate(
    op: MatRef<'_>,
    m: &[f64],
    slope: &[f64],
    batch: usize,
    back: &mut [f64],
    out: &mut [f64],
) {
    let (n_k, n_up) = (op.rows(), op.cols());
    let back = &mut back[..n_k * batch];
    gemm(1.0, op, MatRef::new(m, n_up, batch), 0.0, back);
    for ((o, s), v) in out.iter_mut().zip(slope).zip(back.iter()) {
        *o = s * v;
    }
}

/// Output nudging from an output layer's `ŭ`, `r`, `φ'`:
/// `e = β (y − ŭ)` (voltage target) or `e = β φ' (y − r)` (rate target).
fn nudge(
    kind: TargetKind,
    beta: f64,
    target: &[f64],
    breve: &[f64],
    rate: &[f64],
    slope: &[f64],
    error: &mut [f64],
) {
    match kind {
        TargetKind::Voltage => {
            for i in 0..error.len() {
                error[i] = beta * (target[i] - breve[i]);
            }
        }
        TargetKind::Rate => {
            for i in 0..error.len() {
                error[i] = beta * slope[i] * (target[i] - rate[i]);
            }
        }
    }
}

/// The output error from the output signals: the rule's online target where there is one,
/// else the external target's nudging ([`nudge`]).
#[allow(clippy::too_many_arguments)]
fn output_error(
    online: &mut Option<Box<dyn OnlineTarget>>,
    kind: TargetKind,
    beta: f64,
    target: &[f64],
    layer: &LayerBuffers,
    n: usize,
    batch: usize,
    error: &mut [f64],
) {
    match online {
        Some(o) => {
            let view = OutputView {
                n,
                batch,
                breve: &layer.breve,
                rate: &layer.rate,
                slope: &layer.slope,
            };
            o.nudge(beta, &view, error);
        }
        None => nudge(
            kind,
            beta,
            target,
            &layer.breve,
            &layer.rate,
            &layer.slope,
            error,
        ),
    }
}

/// Additive noise of a layer: writes `gain · ξ` into `noise` and adds it to `into` (an error,
/// or a fixed-point sweep's new error); zeros while noise is off. Bernoulli layers and layers
/// without noise are left alone. Fails for white noise without a nominal step.
fn add_noise(
    process: &Option<NoiseProcess>,
    on: bool,
    nominal_dt: Option<f64>,
    noise: &mut [f64],
    into: &mut [f64],
) -> Result<(), NetworkError> {
    let Some(p) = process else { return Ok(()) };
    if !on {
        noise.fill(0.0);
        return Ok(());
    }
    let dt = match (p.config.kind, nominal_dt) {
        (super::NoiseKind::White { .. }, None) => {
            return Err(NetworkError::Config {
                key: format!("noise (layer{})", p.config.layer),
                reason: "white noise needs the fixed step Δt of a fixed-step method (σ/√Δt)".into(),
            });
        }
        (_, dt) => dt.unwrap_or(1.0),
    };
    if p.additive(dt, noise) {
        for (e, x) in into.iter_mut().zip(noise.iter()) {
            *e += x;
        }
    }
    Ok(())
}

/// Bernoulli units: replaces the rates `p` by samples `y = 1{U < p}` with the step's uniforms
/// and records `y − p` as the layer's noise (nothing while noise is off or for other kinds).
fn sample_rates(process: &Option<NoiseProcess>, on: bool, layer: &mut LayerBuffers) {
    let Some(p) = process else { return };
    if !matches!(p.config.kind, super::NoiseKind::Bernoulli) {
        return;
    }
    if !on {
        layer.noise.fill(0.0);
        return;
    }
    for ((r, x), u) in layer.rate.iter_mut().zip(&mut layer.noise).zip(&p.values) {
        let y = if *u < *r { 1.0 } else { 0.0 };
        *x = y - *r;
        *r = y;
    }
}

impl Network {
    /// Adds layer `k`'s additive noise to its working error (see [`add_noise`]); a failure is
    /// kept as the network's fault.
    fn inject_noise(&mut self, k: usize) {
        let layer = &mut self.work[k];
        if let Err(e) = add_noise(
            &self.noise[k],
            self.noise_on,
            self.noise_dt,
            &mut layer.noise,
            &mut layer.error,
        ) {
            self.fault.get_or_insert(e);
        }
    }

    /// Samples layer `k`'s Bernoulli units in the working buffers (see [`sample_rates`]).
    fn sample_units(&mut self, k: usize) {
        sample_rates(&self.noise[k], self.noise_on, &mut self.work[k]);
    }

    /// β while nudging is on, 0 while it is off.
    pub(super) fn effective_beta(&self) -> f64 {
        if self.nudging { self.config.beta } else { 0.0 }
    }

    /// For k = L−2 … 0: `to(k) = φ'(ŭ_k) ⊙ W_{k+1}ᵀ from(k+1)` on the working buffers.
    fn backward_pass(
        &mut self,
        from: fn(&LayerBuffers) -> &[f64],
        to: fn(&mut LayerBuffers) -> &mut [f64],
    ) {
        for k in (0..self.layers() - 1).rev() {
            let (lower, upper) = self.work.split_at_mut(k + 1);
            let layer = &mut lower[k];
            let slope = std::mem::take(&mut layer.slope);
            backpropagate(
                backward_op(&self.weights, &self.feedback, k),
                from(&upper[0]),
                &slope,
                self.batch,
                &mut self.back,
                to(layer),
            );
            layer.slope = slope;
        }
    }

    /// `A_k = W_k r_{k−1} + b_k` from the working rates of layer `k − 1` (or the input).
    fn compute_drive(&mut self, k: usize) {
        let (lower, upper) = self.work.split_at_mut(k);
        let pre = if k == 0 {
            &self.input
        } else {
            &lower[k - 1].rate
        };
        drive_into(
            &self.weights[k],
            &self.biases[k],
            pre,
            self.batch,
            &mut upper[0].drive,
        );
    }

    /// The no-look-ahead ablation: rates and errors read from u itself,
    /// `e_l = φ'(u_l) ⊙ W_{l+1}ᵀ (u_{l+1} − W_{l+1} r_l − b_{l+1})`, `e_L = β (y − u_L)`; the
    /// learning signal `u − W r − b` then carries the lag `−τ u̇`.
    pub(super) fn no_lookahead_pass(&mut self, y: &[f64]) {
        let l = self.layers();
        for k in 0..l {
            let layer = &mut self.work[k];
            layer
                .breve
                .copy_from_slice(&y[self.offsets[k]..self.offsets[k + 1]]);
            activate(self.config.activations[k], layer, true);
            self.sample_units(k);
        }
        for k in 0..l {
            self.compute_drive(k);
            let layer = &mut self.work[k];
            for ((m, v), a) in layer
                .mismatch
                .iter_mut()
                .zip(&layer.breve)
                .zip(&layer.drive)
            {
                *m = v - a;
            }
        }
        let beta = self.effective_beta();
        let top = &mut self.work[l - 1];
        let mut error = std::mem::take(&mut top.error);
        output_error(
            &mut self.online,
            self.config.target,
            beta,
            &self.target,
            top,
            self.config.sizes[l],
            self.batch,
            &mut error,
        );
        self.work[l - 1].error = error;
        self.backward_pass(|l| &l.mismatch, |l| &mut l.error);
        for k in 0..l {
            self.inject_noise(k);
        }
    }

    /// The vanilla (one-step-delayed) treatment of the reference code: the forward pass is
    /// instantaneous (look-ahead), `ŭ_l = W_l r_{l−1} + b_l + e_l` layer after layer with the
    /// current rates, while the errors come from the previous step,
    /// `e_l = φ'(ŭ_l^prev) ⊙ W_{l+1}ᵀ e_{l+1}^prev`, `e_L = β (y − ŭ_L^prev)`: errors move one
    /// layer per step. At fixed inputs the steps converge to the exact treatment's fixed point.
    pub(super) fn vanilla_sweep(&mut self) {
        let l = self.layers();
        let top = l - 1;
        let beta = self.effective_beta();
        output_error(
            &mut self.online,
            self.config.target,
            beta,
            &self.target,
            &self.memory[top],
            self.config.sizes[l],
            self.batch,
            &mut self.work[top].error,
        );
        for k in (0..top).rev() {
            let prev = &self.memory;
            backpropagate(
                backward_op(&self.weights, &self.feedback, k),
                &prev[k + 1].error,
                &prev[k].slope,
                self.batch,
                &mut self.back,
                &mut self.work[k].error,
            );
        }
        for k in 0..l {
            self.inject_noise(k);
            self.compute_drive(k);
            let layer = &mut self.work[k];
            finish(self.config.activations[k], layer, true);
            self.sample_units(k);
        }
    }

    /// The reference code's vanilla variant read literally ([`crate::LoopTreatment::Jacobi`]):
    /// drives from the previous step's rates, ŭ = drive + e^prev, then the new errors from this
    /// step's ŭ (stored in `mismatch`, the learning signal and the next step's e^prev).
    pub(super) fn jacobi_sweep(&mut self) {
        let l = self.layers();
        let top = l - 1;
        let beta = self.effective_beta();
        for k in 0..l {
            let pre = if k == 0 {
                &self.input
            } else {
                &self.memory[k - 1].rate
            };
            let layer = &mut self.work[k];
            drive_into(
                &self.weights[k],
                &self.biases[k],
                pre,
                self.batch,
                &mut layer.drive,
            );
            layer.error.copy_from_slice(&self.memory[k].mismatch);
            finish(self.config.activations[k], layer, true);
        }
        {
            let layer = &mut self.work[top];
            let mut mismatch = std::mem::take(&mut layer.mismatch);
            output_error(
                &mut self.online,
                self.config.target,
                beta,
                &self.target,
                layer,
                self.config.sizes[l],
                self.batch,
                &mut mismatch,
            );
            self.work[top].mismatch = mismatch;
        }
        // ŭ_{k+1} − drive_{k+1} is the error that entered layer k+1 this step.
        self.backward_pass(|l| &l.error, |l| &mut l.mismatch);
    }

    /// The free (un-nudged) network at state `y` in the working buffers, with no error memory:
    /// with look-ahead the feedforward pass `ŭ_l = W_l r_{l−1} + b_l`, `e = 0` (the free fixed
    /// point every treatment reaches); without, the no-look-ahead pass with β = 0 (ŭ = u). This
    /// is the readout of [`crate::Trainer`]'s training metrics: it must not carry the target
    /// through the delayed schemes' memory of nudged steps. The step signals are untouched.
    pub fn evaluate_free(&mut self, y: &[f64]) {
        if self.config.lookahead {
            self.free_pass();
        } else {
            let nudging = self.nudging;
            self.nudging = false;
            self.no_lookahead_pass(y);
            self.nudging = nudging;
        }
        self.latest = super::buffers::Latest::Work;
        self.awaiting_start = false;
    }

    /// The un-nudged look-ahead network: `e = 0` and `ŭ_l = W_l r_{l−1} + b_l`, rates and
    /// slopes, layer after layer (the exact fixed point at β = 0, reached in one pass).
    fn free_pass(&mut self) {
        for k in 0..self.layers() {
            self.compute_drive(k);
            let layer = &mut self.work[k];
            layer.error.fill(0.0);
            layer.noise.fill(0.0);
            finish(self.config.activations[k], layer, true);
        }
    }

    /// Whether noise enters this evaluation.
    fn noisy(&self) -> bool {
        self.noise_on && self.noise.iter().any(Option::is_some)
    }

    /// The exact treatment: fixed-point sweeps on the dendritic errors until
    /// `ŭ_l = W_l φ(ŭ_{l−1}) + b_l + e_l` holds with `e` consistent with ŭ. Returns `false`
    /// when the sweeps do not converge.
    ///
    /// For activations with kinks (ReLU, hard-sigmoid) `φ'` jumps, and a neuron sitting at a kink
    /// can make the sweeps cycle between its two slopes. Their slopes are therefore updated in
    /// the first [`SLOPE_SWEEPS`] sweeps only and then frozen: the remaining map is a contraction
    /// (for β‖W‖ small), and the frozen slope is one element of the subdifferential at the kink.
    /// Smooth activations follow ŭ in every sweep. The sweeps are relaxed (`e += ω (F(e) − e)`,
    /// ω halved whenever the residual grows), which keeps them convergent when the loop gain
    /// β‖W_{l+1} S W_{l+1}ᵀ‖ exceeds 1 (large weights), where the plain iteration diverges.
    /// Solves the error loop's fixed point; on failure, the non-input layer (1-based) with the
    /// largest residual max |F(e) − e| of the last sweep, and that residual.
    pub(super) fn solve_exact(&mut self) -> Result<(), (usize, f64)> {
        let l = self.layers();
        let beta = self.effective_beta();
        let nudged = beta > 0.0;
        if !nudged && !self.noisy() {
            self.stats.fixed_point_sweeps += 1;
            self.free_pass();
            return Ok(());
        }
        // The closed form below holds for the external voltage target; an online target is
        // swept like a rate target.
        let voltage_target = self.config.target == TargetKind::Voltage && self.online.is_none();
        let tol = self.config.fixed_point_tolerance;
        let sweeps = self.config.fixed_point_max_iterations;
        let mut omega = 1.0;
        let mut previous_change = f64::INFINITY;
        let mut worst = (l, f64::NAN);
        for sweep in 0..sweeps {
            worst = (l, 0.0);
            self.stats.fixed_point_sweeps += 1;
            // Forward: drives, ŭ = A + e, rates (the warm start is the previous evaluation's e).
            for k in 0..l {
                self.compute_drive(k);
                let layer = &mut self.work[k];
                if k == l - 1 && voltage_target {
                    // e_L = β (y − ŭ_L) + g ξ with ŭ_L = A_L + e_L, solved in closed form:
                    // e_L = (β (y − A_L) + g ξ) / (1 + β).
                    for ((e, a), y) in layer.error.iter_mut().zip(&layer.drive).zip(&self.target) {
                        *e = beta * (y - a);
                    }
                    if let Err(e) = add_noise(
                        &self.noise[k],
                        self.noise_on,
                        self.noise_dt,
                        &mut layer.noise,
                        &mut layer.error,
                    ) {
                        self.fault.get_or_insert(e);
                    }
                    for e in layer.error.iter_mut() {
                        *e /= 1.0 + beta;
                    }
                }
                let act = self.config.activations[k];
                finish(act, layer, sweep < SLOPE_SWEEPS || act.is_smooth());
            }
            // Backward: new errors F(e) from the layer above; relaxed update e += ω (F − e);
            // the residual max |F − e| decides convergence.
            let mut change = 0.0f64;
            if !voltage_target {
                let top = &mut self.work[l - 1];
                let next = &mut self.next_error[..top.error.len()];
                output_error(
                    &mut self.online,
                    self.config.target,
                    beta,
                    &self.target,
                    top,
                    self.config.sizes[l],
                    self.batch,
                    next,
                );
                if let Err(e) = add_noise(
                    &self.noise[l - 1],
                    self.noise_on,
                    self.noise_dt,
                    &mut top.noise,
                    next,
                ) {
                    self.fault.get_or_insert(e);
                }
                for (e, n) in top.error.iter_mut().zip(next.iter()) {
                    change = change.max((n - *e).abs());
                    *e += omega * (n - *e);
                }
                worst = (l, change);
            }
            for k in (0..l - 1).rev() {
                let (lower, upper) = self.work.split_at_mut(k + 1);
                let layer = &mut lower[k];
                let next = &mut self.next_error[..layer.error.len()];
                backpropagate(
                    backward_op(&self.weights, &self.feedback, k),
                    &upper[0].error,
                    &layer.slope,
                    self.batch,
                    &mut self.back,
                    next,
                );
                if let Err(e) = add_noise(
                    &self.noise[k],
                    self.noise_on,
                    self.noise_dt,
                    &mut layer.noise,
                    next,
                ) {
                    self.fault.get_or_insert(e);
                }
                let before = change;
                for (e, n) in layer.error.iter_mut().zip(next.iter()) {
                    change = change.max((n - *e).abs());
                    *e += omega * (n - *e);
                }
                if change > before || change.is_nan() {
                    worst = (k + 1, change);
                }
            }
            // The plain iteration diverges once the loop gain β‖W S Wᵀ‖ exceeds 1, although the
            // fixed point still exists (the linearised system is I + G with G ⪰ 0): halve the
            // relaxation until the residual shrinks.
            if change > previous_change && omega > MIN_RELAXATION {
                omega *= 0.5;
            }
            previous_change = change;
            if change <= tol {
                // Make ŭ, r (and smooth slopes) consistent with the final errors.
                for k in 0..l {
                    let act = self.config.activations[k];
                    let layer = &mut self.work[k];
                    finish(act, layer, act.is_smooth());
                }
                return Ok(());
            }
        }
        Err(worst)
    }
}

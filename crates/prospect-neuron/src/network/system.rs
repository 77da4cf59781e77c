//! The network as an [`OdeSystem`]: `τ u̇ = ŭ − u`, and plasticity after each accepted step.

use prospect_ode::{JacobianStructure, OdeSystem};

use super::Network;
use super::buffers::Latest;
use crate::plasticity::{Parameters, StepView};
use crate::{LoopTreatment, NetworkError};

impl OdeSystem for Network {
    fn dim(&self) -> usize {
        self.offsets[self.layers()]
    }

    /// `τ u̇ = W r + b − u + e`, i.e. `τ u̇ = ŭ − u` with look-ahead.
    fn rhs(&mut self, t: f64, y: &[f64], dy: &mut [f64]) {
        self.stats.evaluations += 1;
        let solved = match (self.config.lookahead, self.config.loop_treatment) {
            (true, LoopTreatment::Exact) => self.solve_exact(),
            (true, LoopTreatment::Vanilla) => {
                self.vanilla_sweep();
                Ok(())
            }
            (true, LoopTreatment::Jacobi) => {
                self.jacobi_sweep();
                Ok(())
            }
            (false, _) => {
                self.no_lookahead_pass(y);
                Ok(())
            }
        };
        for k in 0..self.layers() {
            let n = self.config.sizes[k + 1];
            let range = self.offsets[k]..self.offsets[k + 1];
            let layer = &self.work[k];
            let inv_tau = &self.inv_tau[k];
            for (((d, u), a), e) in dy[range.clone()]
                .chunks_exact_mut(n)
                .zip(y[range].chunks_exact(n))
                .zip(layer.drive.chunks_exact(n))
                .zip(layer.error.chunks_exact(n))
            {
                for i in 0..n {
                    d[i] = (a[i] + e[i] - u[i]) * inv_tau[i];
                }
            }
        }
        // A failed fixed point keeps its reason here (the integrator sees only the NaN
        // derivative, and an adaptive method may still recover with a smaller step); a later
        // successful evaluation clears it.
        match solved {
            Ok(()) => {
                if matches!(
                    self.fault,
                    Some(NetworkError::FixedPointNotConverged { .. })
                ) {
                    self.fault = None;
                }
            }
            Err((layer, residual)) => {
                self.stats.fixed_point_failures += 1;
                dy.fill(f64::NAN);
                if !matches!(self.fault, Some(NetworkError::NonFiniteWeight { .. })) {
                    self.fault = Some(NetworkError::FixedPointNotConverged {
                        t,
                        layer,
                        residual,
                        sweeps: self.config.fixed_point_max_iterations,
                        tolerance: self.config.fixed_point_tolerance,
                    });
                }
            }
        }
        // The step-start evaluation (the first after `on_step_start` asked for it) carries the
        // step's learning signals and, for the one-step-delayed schemes, the next step's memory:
        // keep it by swapping buffers, not copying.
        if self.awaiting_start {
            std::mem::swap(&mut self.work, &mut self.at_start);
            self.at_start_input.copy_from_slice(&self.input);
            self.awaiting_start = false;
            self.start_recorded = true;
            self.latest = Latest::AtStart;
        } else {
            self.latest = Latest::Work;
        }
    }

    /// Diagonal `−1/τ` with look-ahead, a block per sample without (`network/jacobian.rs`).
    fn jacobian_structure(&self) -> JacobianStructure {
        self.structure()
    }

    fn jacobian_diagonal(&mut self, _t: f64, _y: &[f64], diag: &mut [f64]) {
        self.diagonal_jacobian(diag);
    }

    fn jacobian_blocks(&mut self, _t: f64, y: &[f64], blocks: &mut [f64]) {
        self.block_jacobian(y, blocks);
    }

    /// The leak `−u/τ` is the linear part: the same `−1/τ` as the look-ahead Jacobian.
    fn linear_diagonal(&self, lambda: &mut [f64]) -> bool {
        self.diagonal_jacobian(lambda);
        true
    }

    fn is_autonomous(&self) -> bool {
        true
    }

    /// Asks for the step-start evaluation when this step learns or moves the delayed schemes'
    /// memory; otherwise (e.g. the exact treatment during evaluation) a cached `f` may be used.
    fn on_step_start(&mut self, _t0: f64, _y0: &[f64]) -> bool {
        let wanted =
            self.delayed() || self.step_readout || (self.plasticity_on && self.rule.is_some());
        self.awaiting_start = wanted;
        self.start_recorded = false;
        wanted
    }

    fn on_step_accepted(&mut self, t0: f64, t1: f64, _y1: &[f64]) -> bool {
        let mut changed = false;
        if self.start_recorded {
            if self.plasticity_on
                && let Some(mut rule) = self.rule.take()
            {
                // Each weight change pairs a mismatch with the presynaptic rates that formed its
                // drive. The Jacobi scheme's new error e^{n−1} (from evaluation n−1) is the
                // mismatch ŭ^n − W r^{n−1} − b of this step's evaluation n, whose drive used
                // the rates r^{n−1} of evaluation n−1 and this step's input: it learns from its
                // memory, one step after the error was formed, with the weights that formed ŭ^n.
                // The vanilla scheme's mismatch ŭ^{n−1} − W r^{n−1} − b = e^{n−1} of evaluation
                // n−1 is paired with that evaluation's own rates r^{n−1} and input (kept beside
                // the memory, since a pattern change replaces `input`): the update lags one step,
                // like Jacobi's. Pairing e^n with r^n of the same step instead is also consistent
                // but collapsed 3 of 5 Yin-Yang seeds within 200 epochs (docs/reproduction.md §2).
                let vanilla =
                    self.config.lookahead && self.config.loop_treatment == LoopTreatment::Vanilla;
                let source = if self.delayed() {
                    &self.memory
                } else {
                    &self.at_start
                };
                let input = if vanilla {
                    &self.memory_input
                } else {
                    &self.input
                };
                let view = StepView {
                    config: &self.config,
                    signals: source,
                    input,
                    batch: self.batch,
                    t: t0,
                    dt: t1 - t0,
                };
                let mut parameters = Parameters {
                    weights: &mut self.weights,
                    biases: &mut self.biases,
                    feedback: self.feedback.as_deref_mut(),
                };
                let applied = rule.step(&view, &mut parameters);
                if let Err(e) = applied {
                    self.fault.get_or_insert(e);
                } else if self.fault.is_none() {
                    self.fault = self.check_parameters(t1).err();
                }
                self.rule = Some(rule);
                self.stats.plasticity_updates += 1;
                changed = true;
            }
            if self.delayed() {
                std::mem::swap(&mut self.memory, &mut self.at_start);
                std::mem::swap(&mut self.memory_input, &mut self.at_start_input);
                if self.latest == Latest::AtStart {
                    self.latest = Latest::Memory;
                }
                changed = true;
            }
        }
        // The noise of the next step: advanced over the step just taken (held within a step).
        if self.noise_on {
            let dt = t1 - t0;
            for p in self.noise.iter_mut().flatten() {
                p.advance(dt, &mut self.noise_rng);
                changed = true;
            }
        }
        self.start_recorded = false;
        changed
    }
}

/// The first NaN or infinite entry of projection `k`'s weights (column-major `n_post × n_pre`)
/// or bias. One pass summing `x · 0` (NaN exactly for non-finite x) in the common case; the
/// entry is searched only on failure.
pub(super) fn non_finite_parameter(t: f64, k: usize, w: &[f64], b: &[f64]) -> Option<NetworkError> {
    let probe = w.iter().chain(b).fold(0.0, |acc, x| acc + x * 0.0);
    if probe == 0.0 {
        return None;
    }
    let rows = b.len();
    let (row, col) = match w.iter().position(|x| !x.is_finite()) {
        Some(i) => (i % rows, Some(i / rows)),
        None => (b.iter().position(|x| !x.is_finite())?, None),
    };
    Some(NetworkError::NonFiniteWeight {
        t,
        projection: k + 1,
        row,
        col,
    })
}

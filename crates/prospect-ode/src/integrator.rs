//! The stepping driver: advance to a time, read the state, change the system, continue.

use crate::stepper::{StepRequest, Stepper};
use crate::{Method, OdeError, OdeSystem, PiController, Stats, Tolerances};

/// Settings of an [`Integrator`].
#[derive(Debug, Clone)]
pub struct Options {
    /// Error tolerances of adaptive methods.
    pub tolerances: Tolerances,
    /// Step size of fixed-step methods (required for them, ignored by adaptive ones).
    pub dt: Option<f64>,
    /// First step of adaptive methods; chosen by Hairer's algorithm when `None`.
    pub h0: Option<f64>,
    /// Smallest step an adaptive method may take before failing (default 0: only the
    /// floating-point resolution of `t` limits it).
    pub h_min: f64,
    /// Largest step (default unbounded).
    pub h_max: f64,
    /// Most steps (accepted and rejected) in one call of `advance_to`, `step` or `save_at`.
    pub max_steps: usize,
    /// Control the step size by the error estimate (default). When `false`, an adaptive method
    /// runs at the fixed step `dt` like a fixed-step one (used to measure convergence orders).
    pub adaptive: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            tolerances: Tolerances::default(),
            dt: None,
            h0: None,
            h_min: 0.0,
            h_max: f64::INFINITY,
            max_steps: 1_000_000,
            adaptive: true,
        }
    }
}

impl Options {
    /// Options for a fixed-step method with step `dt`.
    pub fn fixed(dt: f64) -> Self {
        Options {
            dt: Some(dt),
            ..Options::default()
        }
    }

    /// Options for an adaptive method with scalar tolerances.
    pub fn adaptive(rtol: f64, atol: f64) -> Self {
        Options {
            tolerances: Tolerances::new(rtol, atol),
            ..Options::default()
        }
    }
}

/// Integrates an [`OdeSystem`] forward in time, one call at a time.
///
/// ```
/// use prospect_ode::{Integrator, Method, OdeSystem, Options};
/// struct Decay; // dy/dt = −y
/// impl OdeSystem for Decay {
///     fn dim(&self) -> usize { 1 }
///     fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) { dy[0] = -y[0]; }
/// }
/// let mut ode = Integrator::new(Decay, Method::Dopri5, 0.0, &[1.0], Options::adaptive(1e-10, 1e-12)).unwrap();
/// ode.advance_to(1.0).unwrap();
/// assert!((ode.state()[0] - (-1.0f64).exp()).abs() < 1e-9);
/// ```
pub struct Integrator<S: OdeSystem> {
    system: S,
    method: Method,
    stepper: Box<dyn Stepper<S>>,
    controller: Option<PiController>,
    options: Options,
    t: f64,
    y: Vec<f64>,
    f: Vec<f64>,
    f_current: bool,
    y_new: Vec<f64>,
    f_new: Vec<f64>,
    y_prev: Vec<f64>,
    f_prev: Vec<f64>,
    /// Start time and size of the last accepted step, for dense output.
    last_step: Option<(f64, f64)>,
    /// Proposed size of the next step (0 until the first step).
    h: f64,
    stats: Stats,
}

impl<S: OdeSystem> Integrator<S> {
    /// An integrator for `system` starting at `(t0, y0)`.
    pub fn new(
        system: S,
        method: Method,
        t0: f64,
        y0: &[f64],
        options: Options,
    ) -> Result<Self, OdeError> {
        let n = system.dim();
        if y0.len() != n {
            return Err(OdeError::invalid(format!(
                "initial state has {} components, the system {n}",
                y0.len()
            )));
        }
        if !t0.is_finite() {
            return Err(OdeError::invalid(format!(
                "initial time {t0} is not finite"
            )));
        }
        if let Some(i) = y0.iter().position(|v| !v.is_finite()) {
            return Err(OdeError::NonFiniteState {
                t: t0,
                component: i,
            });
        }
        options.tolerances.check(n).map_err(OdeError::invalid)?;
        let rtol = (0..n)
            .map(|i| options.tolerances.rtol.get(i))
            .fold(f64::INFINITY, f64::min);
        let stepper = method.stepper(
            &system,
            if rtol.is_finite() && rtol > 0.0 {
                rtol
            } else {
                1e-6
            },
        )?;
        let error_order = stepper.error_order().filter(|_| options.adaptive);
        let (controller, h) = match (error_order, options.dt) {
            (Some(q), _) => (Some(PiController::new(q)), options.h0.unwrap_or(0.0)),
            (None, Some(dt)) if dt > 0.0 && dt.is_finite() => (None, dt),
            (None, Some(dt)) => {
                return Err(OdeError::invalid(format!(
                    "dt = {dt} must be finite and > 0"
                )));
            }
            (None, None) => {
                return Err(OdeError::invalid(format!(
                    "method {method} runs at a fixed step here: set dt"
                )));
            }
        };
        if h < 0.0 || !h.is_finite() {
            return Err(OdeError::invalid(format!(
                "h0 = {h} must be finite and > 0"
            )));
        }
        Ok(Integrator {
            system,
            method,
            stepper,
            controller,
            options,
            t: t0,
            y: y0.to_vec(),
            f: vec![0.0; n],
            f_current: false,
            y_new: vec![0.0; n],
            f_new: vec![0.0; n],
            y_prev: vec![0.0; n],
            f_prev: vec![0.0; n],
            last_step: None,
            h,
            stats: Stats::default(),
        })
    }

    /// Current time.
    pub fn t(&self) -> f64 {
        self.t
    }

    /// Current state.
    pub fn state(&self) -> &[f64] {
        &self.y
    }

    /// The time derivative `f(t, y)` at the current time and state (evaluated if not known).
    pub fn derivative(&mut self) -> &[f64] {
        self.ensure_derivative();
        &self.f
    }

    /// The system, for reading.
    pub fn system(&self) -> &S {
        &self.system
    }

    /// The system, for changing its inputs between calls. Cached derivatives and Jacobians are
    /// dropped, since the right-hand side may have changed.
    pub fn system_mut(&mut self) -> &mut S {
        self.f_current = false;
        self.stepper.invalidate();
        &mut self.system
    }

    /// Gives the system back.
    pub fn into_system(self) -> S {
        self.system
    }

    /// Replaces time and state (e.g. a reset between patterns); the step size proposal is kept.
    pub fn set_state(&mut self, t: f64, y: &[f64]) -> Result<(), OdeError> {
        if y.len() != self.y.len() {
            return Err(OdeError::invalid(format!(
                "state has {} components, the system {}",
                y.len(),
                self.y.len()
            )));
        }
        self.t = t;
        self.y.copy_from_slice(y);
        self.f_current = false;
        self.last_step = None;
        self.stepper.invalidate();
        Ok(())
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// Work counters so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Size of the next step the controller proposes (or `dt`).
    pub fn step_size(&self) -> f64 {
        self.h
    }

    /// Takes one accepted step (after as many rejected attempts as needed).
    pub fn step(&mut self) -> Result<(), OdeError> {
        let mut steps = 0;
        self.step_once(None, &mut steps)
    }

    /// Takes one accepted step toward `t_end`, never past it: a step that would cross `t_end` is
    /// shortened to land on it. Lets a caller act after every step of an interval (recording)
    /// without knowing the step size, which adaptive methods choose only in their first step.
    pub fn step_toward(&mut self, t_end: f64) -> Result<(), OdeError> {
        self.check_target(t_end)?;
        if self.t >= t_end {
            return Ok(());
        }
        let mut steps = 0;
        self.step_once(Some(t_end), &mut steps)
    }

    /// Advances to exactly `t_end`: the last step is shortened to land on it, so the system's
    /// inputs may change there without smearing across a step.
    pub fn advance_to(&mut self, t_end: f64) -> Result<(), OdeError> {
        self.check_target(t_end)?;
        let mut steps = 0;
        while self.t < t_end {
            self.step_once(Some(t_end), &mut steps)?;
        }
        Ok(())
    }

    /// Advances to the last of `times` (ascending, none before the current time) and returns the
    /// state at each, from dense output: steps are not shortened to hit intermediate times.
    pub fn save_at(&mut self, times: &[f64]) -> Result<Vec<Vec<f64>>, OdeError> {
        let Some(&t_end) = times.last() else {
            return Ok(Vec::new());
        };
        self.check_target(t_end)?;
        if let Some(w) = times.windows(2).position(|w| w[1] < w[0]) {
            return Err(OdeError::invalid(format!(
                "save times not ascending at index {}",
                w + 1
            )));
        }
        if times[0] < self.t {
            return Err(OdeError::invalid(format!(
                "save time {} lies before the current time {}",
                times[0], self.t
            )));
        }
        let mut steps = 0;
        let mut out = Vec::with_capacity(times.len());
        for &ts in times {
            while self.t < ts {
                self.step_once(Some(t_end), &mut steps)?;
            }
            if ts == self.t {
                out.push(self.y.clone());
            } else {
                let mut y = vec![0.0; self.y.len()];
                self.interpolate(ts, &mut y)?;
                out.push(y);
            }
        }
        Ok(out)
    }

    /// Writes the solution at time `t` inside the last accepted step into `out`, from the
    /// method's dense output (cubic Hermite where the method has none).
    pub fn interpolate(&mut self, t: f64, out: &mut [f64]) -> Result<(), OdeError> {
        let Some((t0, h)) = self.last_step else {
            return Err(OdeError::invalid(
                "no step taken yet: nothing to interpolate",
            ));
        };
        let slack = 1e-12 * h.abs().max(t0.abs());
        if t < t0 - slack || t > self.t + slack {
            return Err(OdeError::invalid(format!(
                "t = {t} lies outside the last step [{t0}, {}]",
                self.t
            )));
        }
        let theta = ((t - t0) / h).clamp(0.0, 1.0);
        if self.stepper.dense(theta, h, &self.y_prev, &self.y, out) {
            return Ok(());
        }
        self.ensure_derivative();
        // Cubic Hermite (Hairer, Nørsett & Wanner I, II.6).
        for i in 0..out.len() {
            let (y0, y1) = (self.y_prev[i], self.y[i]);
            out[i] = (1.0 - theta) * y0
                + theta * y1
                + theta
                    * (theta - 1.0)
                    * ((1.0 - 2.0 * theta) * (y1 - y0)
                        + (theta - 1.0) * h * self.f_prev[i]
                        + theta * h * self.f[i]);
        }
        Ok(())
    }

    fn check_target(&self, t_end: f64) -> Result<(), OdeError> {
        if !t_end.is_finite() || t_end < self.t {
            return Err(OdeError::invalid(format!(
                "target time {t_end} is not finite or lies before the current time {}",
                self.t
            )));
        }
        Ok(())
    }

    fn ensure_derivative(&mut self) {
        if !self.f_current {
            self.system.rhs(self.t, &self.y, &mut self.f);
            self.stats.rhs_evaluations += 1;
            self.f_current = true;
        }
    }

    /// Hairer's starting step (Hairer, Nørsett & Wanner I, II.4, `HINIT`).
    fn initial_step(&mut self, t_limit: Option<f64>) -> f64 {
        let tol = &self.options.tolerances;
        let d0 = tol.scaled_norm(&self.y, &self.y);
        let d1 = tol.scaled_norm(&self.f, &self.y);
        let mut h0 = if d0 < 1e-5 || d1 < 1e-5 {
            1e-6
        } else {
            0.01 * d0 / d1
        };
        h0 = h0.min(self.options.h_max);
        if let Some(tl) = t_limit {
            h0 = h0.min((tl - self.t).max(f64::MIN_POSITIVE));
        }
        for i in 0..self.y.len() {
            self.y_new[i] = self.y[i] + h0 * self.f[i];
        }
        self.system.rhs(self.t + h0, &self.y_new, &mut self.f_new);
        self.stats.rhs_evaluations += 1;
        for i in 0..self.y.len() {
            self.f_new[i] -= self.f[i];
        }
        let d2 = tol.scaled_norm(&self.f_new, &self.y) / h0;
        let order = f64::from(self.stepper.order());
        let h1 = if d1.max(d2) <= 1e-15 {
            (h0 * 1e-3).max(1e-6)
        } else {
            (0.01 / d1.max(d2)).powf(1.0 / (order + 1.0))
        };
        (100.0 * h0).min(h1).min(self.options.h_max)
    }

    fn step_once(&mut self, t_limit: Option<f64>, steps: &mut usize) -> Result<(), OdeError> {
        let mut non_finite_retries = 0;
        loop {
            // The step-start contract (`OdeSystem::on_step_start`): the hook, then f(t0, y0) as
            // the next right-hand-side call when the system asks for it.
            let wants_start = self.system.on_step_start(self.t, &self.y);
            if wants_start {
                self.f_current = false;
            }
            if wants_start || self.stepper.needs_derivative() || self.h == 0.0 {
                self.ensure_derivative();
                if let Some(i) = first_non_finite(&self.f) {
                    return Err(OdeError::NonFiniteState {
                        t: self.t,
                        component: i,
                    });
                }
            }
            if self.h == 0.0 {
                self.h = self.initial_step(t_limit);
            }
            if *steps >= self.options.max_steps {
                return Err(OdeError::MaxStepsExceeded {
                    t: self.t,
                    h: self.h,
                    max_steps: self.options.max_steps,
                });
            }
            let mut h = self.h.min(self.options.h_max);
            let mut lands = false;
            if let Some(tl) = t_limit {
                let remaining = tl - self.t;
                // Land when the rest is at most a step (up to rounding in the sum of steps,
                // so that ten steps of 0.1 reach 1.0 without a sliver step after them).
                if h >= remaining - 1e-6 * h {
                    h = remaining;
                    lands = true;
                }
            }
            let h_floor = self.options.h_min.max(16.0 * f64::EPSILON * self.t.abs());
            if self.controller.is_some() && h < h_floor && !lands {
                return Err(OdeError::StepSizeTooSmall {
                    t: self.t,
                    h,
                    h_min: h_floor,
                });
            }
            let request = StepRequest {
                t: self.t,
                h,
                y0: &self.y,
                f0: &self.f,
                tolerances: &self.options.tolerances,
            };
            let attempt = self.stepper.attempt(
                &mut self.system,
                &request,
                &mut self.y_new,
                &mut self.f_new,
                &mut self.stats,
            )?;
            *steps += 1;
            if let Some(taken) = attempt.h_taken
                && taken < h
            {
                h = taken;
                lands = false;
            }
            let non_finite = first_non_finite(&self.y_new);
            let error = match (attempt.error_norm, &mut self.controller) {
                (Some(err), Some(controller)) => {
                    if let Some(i) = non_finite {
                        // An adaptive method retries with a much smaller step, a few times.
                        self.stats.rejected_steps += 1;
                        non_finite_retries += 1;
                        if non_finite_retries > 10 {
                            return Err(OdeError::NonFiniteState {
                                t: self.t,
                                component: i,
                            });
                        }
                        self.h = 0.25 * h;
                        continue;
                    }
                    if err.is_nan() || err > 1.0 {
                        self.stats.rejected_steps += 1;
                        self.h = h * controller.reject(if err.is_nan() { 1e10 } else { err });
                        continue;
                    }
                    Some(err)
                }
                _ => {
                    if let Some(i) = non_finite {
                        return Err(OdeError::NonFiniteState {
                            t: self.t + h,
                            component: i,
                        });
                    }
                    None
                }
            };
            // Accept.
            std::mem::swap(&mut self.y_prev, &mut self.y);
            std::mem::swap(&mut self.y, &mut self.y_new);
            std::mem::swap(&mut self.f_prev, &mut self.f);
            if attempt.f1_valid {
                std::mem::swap(&mut self.f, &mut self.f_new);
            }
            self.f_current = attempt.f1_valid;
            let t_start = self.t;
            self.last_step = Some((t_start, h));
            self.t = match t_limit {
                Some(tl) if lands => tl,
                _ => self.t + h,
            };
            self.stats.accepted_steps += 1;
            self.stepper.after_accept();
            if self.system.on_step_accepted(t_start, self.t, &self.y) {
                self.f_current = false;
            }
            if let Some(next) = attempt.next_h {
                self.h = next;
            } else if let (Some(err), Some(controller)) = (error, &mut self.controller) {
                let proposed = h * controller.accept(err);
                self.h = if lands && h < self.h {
                    proposed.max(self.h)
                } else {
                    proposed
                };
            }
            return Ok(());
        }
    }
}

/// Index of the first NaN or infinite value. The common all-finite case is one vectorisable
/// pass (`v · 0` is NaN exactly for non-finite `v`); the index is searched only on failure.
fn first_non_finite(v: &[f64]) -> Option<usize> {
    let probe: f64 = v.iter().fold(0.0, |acc, x| acc + x * 0.0);
    if probe == 0.0 {
        None
    } else {
        v.iter().position(|x| !x.is_finite())
    }
}

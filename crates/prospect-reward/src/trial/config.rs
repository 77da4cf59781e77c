//! How trials are run.

use prospect_ode::Method;
use serde::{Deserialize, Serialize};

use super::Policy;

/// The learning-rate schedule of the trial driver: a factor on every rule's rates, handed to the
/// rule with each reward ([`prospect_neuron::Reward::rate_scale`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum RateSchedule {
    /// Factor 1.
    Constant,
    /// `1 / (1 + n / trials)` after `n` trials (the annealing with which an independent study
    /// of winner-nudges-all on Yin-Yang stopped late dips; issue 10).
    Annealed {
        /// Trials at which the rate has halved (> 0).
        trials: f64,
    },
}

impl RateSchedule {
    /// The factor after `n` trials.
    pub fn factor(&self, n: u64) -> f64 {
        match *self {
            RateSchedule::Constant => 1.0,
            RateSchedule::Annealed { trials } => 1.0 / (1.0 + n as f64 / trials),
        }
    }
}

/// Everything the trial driver needs besides the network, rule and environments.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialConfig {
    /// Epochs (each `trials_per_epoch` trials).
    pub epochs: usize,
    /// Trials per epoch (each acts on every copy of the batch once).
    pub trials_per_epoch: usize,
    /// Length of a trial (time units).
    pub trial_time: f64,
    /// When in the trial the action is read and the reward delivered (time units, in
    /// `(0, trial_time]`).
    pub readout_time: f64,
    /// Raised-cosine ramp-up of the input at the trial's start (time units, 0: none).
    pub ramp_up: f64,
    /// Raised-cosine ramp-down at the trial's end (time units, 0: none).
    pub ramp_down: f64,
    /// Time constant τ_r of the output low-pass the policy reads (time units; 0: the rates of
    /// the last step themselves).
    pub readout_tau: f64,
    /// How the action is chosen while learning (evaluation is always greedy).
    pub policy: Policy,
    /// Reset voltages (and the low-pass) to zero at each trial start.
    pub reset_between_trials: bool,
    /// Learning-rate schedule.
    pub rate_schedule: RateSchedule,
    /// Independent environment copies acted on together (network batch).
    pub batch: usize,
    /// Seed of weights, noise, policy and environment.
    pub seed: u64,
    /// Integration method.
    pub method: Method,
    /// Step of fixed-step methods (time units).
    pub dt: f64,
    /// Relative tolerance of adaptive methods.
    pub rtol: f64,
    /// Absolute tolerance of adaptive methods (voltage units).
    pub atol: f64,
    /// Evaluate the test set every this many epochs (and after the last).
    pub evaluate_every: usize,
}

impl TrialConfig {
    /// The reference trial of seed 000's reward learning (docs/equations.md §2): 30 time units
    /// with ramps over the first and last 5, readout at 25, greedy winner of the output
    /// low-passed with τ_r = 0.1, Euler dt = 0.1, batch 1.
    pub fn reference(epochs: usize, trials_per_epoch: usize) -> Self {
        TrialConfig {
            epochs,
            trials_per_epoch,
            trial_time: 30.0,
            readout_time: 25.0,
            ramp_up: 5.0,
            ramp_down: 5.0,
            readout_tau: 0.1,
            policy: Policy::Greedy,
            reset_between_trials: false,
            rate_schedule: RateSchedule::Constant,
            batch: 1,
            seed: 0,
            method: Method::Euler,
            dt: 0.1,
            rtol: 1e-6,
            atol: 1e-8,
            evaluate_every: 1,
        }
    }

    /// Checks every parameter; the error is (key, reason) with keys as in the model file's
    /// `[trial]` section.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let err = |k: &str, r: String| Err((k.to_string(), r));
        let pos = |x: f64| x.is_finite() && x > 0.0;
        if !pos(self.trial_time) {
            return err(
                "time",
                format!("{} must be finite and > 0", self.trial_time),
            );
        }
        if !(self.readout_time > 0.0 && self.readout_time <= self.trial_time) {
            return err(
                "readout_time",
                format!(
                    "{} must lie in (0, time = {}]",
                    self.readout_time, self.trial_time
                ),
            );
        }
        for (k, v) in [("ramp_up", self.ramp_up), ("ramp_down", self.ramp_down)] {
            if !(v.is_finite() && v >= 0.0) {
                return err(k, format!("{v} must be finite and ≥ 0"));
            }
        }
        if self.ramp_up + self.ramp_down > self.trial_time {
            return err(
                "ramp_up",
                format!(
                    "ramps of {} + {} do not fit in a trial of {}",
                    self.ramp_up, self.ramp_down, self.trial_time
                ),
            );
        }
        if !(self.readout_tau.is_finite() && self.readout_tau >= 0.0) {
            return err(
                "readout_tau",
                format!("{} must be finite and ≥ 0", self.readout_tau),
            );
        }
        if let Err((k, r)) = self.policy.validate() {
            return err(&format!("policy.{k}"), r);
        }
        if let RateSchedule::Annealed { trials } = self.rate_schedule
            && !pos(trials)
        {
            return err(
                "rate_schedule.trials",
                format!("{trials} must be finite and > 0"),
            );
        }
        if self.trials_per_epoch == 0 {
            return err("trials_per_epoch", "must be ≥ 1".into());
        }
        if self.batch == 0 {
            return err("batch", "must be ≥ 1".into());
        }
        if self.evaluate_every == 0 {
            return err("evaluate_every", "must be ≥ 1".into());
        }
        Ok(())
    }
}

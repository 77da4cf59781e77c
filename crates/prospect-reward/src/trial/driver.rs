//! [`TrialDriver`]: trials of an environment on a network with a rule.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use prospect_neuron::trainer::{max_steps_per_presentation, over_step_limit, steps_taken};
use prospect_neuron::{
    Network, NetworkConfig, NetworkError, PlasticityRule, Recorder, Reward, TrialEvent,
};
use prospect_ode::{Integrator, OdeSystem, Options};
use prospect_tasks::TaskError;
use prospect_tasks::environment::{ActionSpace, Actions, Environment, Outcome};
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;

use super::TrialConfig;
use super::envelope::envelope;
use super::policy::{Policy, winner};

/// Ramp levels an adaptive step may hold: inside a ramp a step is at most 1/[`RAMP_LEVELS`] of
/// the ramp long, so the held input follows the raised cosine in at least that many levels.
pub const RAMP_LEVELS: f64 = 16.0;

/// Where an adaptive method's next step may end, from time `t` in the trial that started at
/// `trial_start`: at most `t_end`, never across a ramp's start or end (the input's kinks), and
/// inside a ramp at most a [`RAMP_LEVELS`]th of it ahead. Fixed-step methods hold the input
/// over their own steps and need none of this.
fn step_target(t: f64, t_end: f64, trial_start: f64, trial: f64, up: f64, down: f64) -> f64 {
    let s = t - trial_start;
    let mut target = t_end;
    for breakpoint in [up, trial - down] {
        let tb = trial_start + breakpoint;
        if tb > t && tb < target {
            target = tb;
        }
    }
    if up > 0.0 && s < up {
        target = target.min(t + up / RAMP_LEVELS);
    }
    if down > 0.0 && s >= trial - down {
        target = target.min(t + down / RAMP_LEVELS);
    }
    target
}

/// A held-out environment for the greedy evaluation: each of its first `samples` observations
/// (in its own, deterministic order) is presented once, with noise, nudging and plasticity off.
pub struct TestSet {
    /// The environment (e.g. a sequential contextual bandit over the test split).
    pub env: Box<dyn Environment>,
    /// Observations that count (the last batch may wrap around; wrapped ones do not count).
    pub samples: usize,
}

/// Metrics of one epoch of trials.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialMetrics {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Trials so far (each acts on every batch copy once), over the whole run.
    pub trials: u64,
    /// Mean reward of the epoch's trials.
    pub mean_reward: f64,
    /// Fraction of the epoch's acts that were optimal (e.g. the right class), if known.
    pub train_accuracy: Option<f64>,
    /// Mean regret of the epoch's acts, if known.
    pub regret: Option<f64>,
    /// Greedy accuracy on the test set (clean evaluation), when evaluated.
    pub test_accuracy: Option<f64>,
    /// Fraction of the epoch's acts that chose each action.
    pub selection: Vec<f64>,
    /// Per context class: the fraction of its acts that were optimal (`None`: class not seen).
    pub class_accuracy: Vec<Option<f64>>,
    /// Wall-clock seconds of the epoch.
    pub seconds: f64,
    /// Integrator steps of the epoch's training trials.
    pub steps: usize,
}

/// Counts over acts.
#[derive(Default)]
struct Tally {
    acts: usize,
    reward: f64,
    optimal: usize,
    optimal_known: usize,
    regret: f64,
    regret_known: usize,
    selected: Vec<usize>,
    class_optimal: Vec<(usize, usize)>,
}

impl Tally {
    fn add(&mut self, action: usize, outcome: &Outcome, context: Option<usize>) {
        self.acts += 1;
        self.reward += outcome.reward;
        if self.selected.len() <= action {
            self.selected.resize(action + 1, 0);
        }
        self.selected[action] += 1;
        if let Some(o) = outcome.optimal {
            self.optimal_known += 1;
            self.optimal += usize::from(o);
            if let Some(c) = context {
                if self.class_optimal.len() <= c {
                    self.class_optimal.resize(c + 1, (0, 0));
                }
                self.class_optimal[c].0 += usize::from(o);
                self.class_optimal[c].1 += 1;
            }
        }
        if let Some(r) = outcome.regret {
            self.regret_known += 1;
            self.regret += r;
        }
    }
}

/// Presents an environment to a network with a rule in trials (module docs of `trial`).
pub struct TrialDriver {
    ode: Integrator<Network>,
    env: Box<dyn Environment>,
    test: Option<TestSet>,
    config: TrialConfig,
    rng: Xoshiro256PlusPlus,
    epoch: usize,
    trial: u64,
    stop: Arc<AtomicBool>,
    n_actions: usize,
    observation: Vec<f64>,
    input: Vec<f64>,
    /// Output rates low-passed with τ_r, `n_L × B`.
    low_pass: Vec<f64>,
    actions: Vec<usize>,
    probabilities: Vec<f64>,
    outcomes: Vec<Outcome>,
    rewards: Vec<f64>,
    contexts: Vec<Option<usize>>,
}

fn config_error(key: &str, reason: String) -> NetworkError {
    NetworkError::Config {
        key: key.into(),
        reason,
    }
}

fn task_error(e: TaskError) -> NetworkError {
    NetworkError::Data {
        name: "environment".into(),
        reason: e.to_string(),
    }
}

impl TrialDriver {
    /// A driver for a network built from `network` (weights and noise seeded with
    /// `config.seed`) with `rule`, acting on `env` (reset with the seed); `test` for the greedy
    /// evaluation. The environment must observe `n_0` values and offer `n_L` discrete actions,
    /// one per output neuron.
    pub fn new(
        network: NetworkConfig,
        rule: Box<dyn PlasticityRule>,
        config: TrialConfig,
        mut env: Box<dyn Environment>,
        test: Option<TestSet>,
    ) -> Result<Self, NetworkError> {
        config
            .validate()
            .map_err(|(k, r)| config_error(&format!("trial.{k}"), r))?;
        let (n_in, n_out) = (network.sizes[0], *network.sizes.last().unwrap_or(&0));
        let envs = std::iter::once(&env).chain(test.iter().map(|t| &t.env));
        for e in envs {
            if e.observation_size() != n_in {
                return Err(NetworkError::Data {
                    name: e.name().to_string(),
                    reason: format!(
                        "observations of {} values; the network has {n_in} inputs",
                        e.observation_size()
                    ),
                });
            }
            match e.action_space() {
                ActionSpace::Discrete(n) if n == n_out => {}
                ActionSpace::Discrete(n) => {
                    return Err(NetworkError::Data {
                        name: e.name().to_string(),
                        reason: format!(
                            "{n} actions; the network has {n_out} outputs (one per action)"
                        ),
                    });
                }
                ActionSpace::Continuous(d) => {
                    return Err(NetworkError::Data {
                        name: e.name().to_string(),
                        reason: format!(
                            "continuous actions of dimension {d} are not read by the trial driver (discrete actions only)"
                        ),
                    });
                }
            }
            if e.batch() != config.batch {
                return Err(NetworkError::Data {
                    name: e.name().to_string(),
                    reason: format!("{} copies; the trial batch is {}", e.batch(), config.batch),
                });
            }
        }
        if let Some(limit) = config.method.real_axis_stability_limit()
            && config.dt > limit * network.min_tau()
        {
            return Err(config_error(
                "dt",
                format!(
                    "{} is unstable for {} at τ_min = {}: needs dt ≤ {}",
                    config.dt,
                    config.method,
                    network.min_tau(),
                    limit * network.min_tau()
                ),
            ));
        }
        let mut net = Network::new(network, config.batch, config.seed)?;
        if net.has_white_noise() {
            if !config.method.is_fixed_step() {
                return Err(config_error(
                    "noise",
                    format!(
                        "white noise (σ/√Δt) needs a fixed-step method, not {}",
                        config.method
                    ),
                ));
            }
            net.set_noise_step(config.dt);
        }
        net.set_rule(rule);
        net.set_step_readout(true);
        // Reward rules without an online target have no target to be nudged toward.
        let nudged = net.has_online_target();
        net.set_nudging(nudged);
        let options = if config.method.is_fixed_step() {
            Options::fixed(config.dt)
        } else {
            Options {
                max_steps: max_steps_per_presentation(net.config(), config.trial_time),
                ..Options::adaptive(config.rtol, config.atol)
            }
        };
        let y0 = vec![0.0; net.dim()];
        let ode = Integrator::new(net, config.method, 0.0, &y0, options)
            .map_err(|source| NetworkError::Integration { epoch: 0, source })?;
        env.reset(config.seed);
        let b = config.batch;
        Ok(TrialDriver {
            n_actions: n_out,
            observation: vec![0.0; n_in * b],
            input: vec![0.0; n_in * b],
            low_pass: vec![0.0; n_out * b],
            actions: vec![0; b],
            probabilities: vec![0.0; n_out * b],
            outcomes: vec![Outcome::default(); b],
            rewards: vec![0.0; b],
            contexts: vec![None; b],
            rng: Xoshiro256PlusPlus::seed_from_u64(config.seed ^ 0x9E37_79B9_7F4A_7C15),
            ode,
            env,
            test,
            config,
            epoch: 0,
            trial: 0,
            stop: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Shares an outside stop flag (e.g. one set by Ctrl-C): the run stops after the current
    /// trial with [`NetworkError::Interrupted`].
    pub fn set_stop_flag(&mut self, flag: Arc<AtomicBool>) {
        self.stop = flag;
    }

    /// The network.
    pub fn network(&self) -> &Network {
        self.ode.system()
    }

    /// The integrator (time, state, statistics).
    pub fn integrator(&self) -> &Integrator<Network> {
        &self.ode
    }

    /// Epochs completed.
    pub fn epoch(&self) -> usize {
        self.epoch
    }

    /// Trials completed.
    pub fn trials(&self) -> u64 {
        self.trial
    }

    /// The low-passed outputs ȳ the policy read last (`n_L × B`).
    pub fn low_pass(&self) -> &[f64] {
        &self.low_pass
    }

    /// Runs the configured epochs, calling `on_epoch` after each.
    pub fn run(
        &mut self,
        recorder: &mut dyn Recorder,
        on_epoch: &mut dyn FnMut(&TrialMetrics),
    ) -> Result<Vec<TrialMetrics>, NetworkError> {
        let mut all = Vec::with_capacity(self.config.epochs);
        while self.epoch < self.config.epochs {
            let m = self.train_epoch(recorder)?;
            on_epoch(&m);
            all.push(m);
        }
        Ok(all)
    }

    /// One epoch of learning trials, then the greedy evaluation when due; metrics go to
    /// `recorder` (`mean_reward`, `train_accuracy`, `regret`, `test_accuracy`, `trials`,
    /// `selected_<a>`, `class_accuracy_<c>`, `wall_seconds`).
    pub fn train_epoch(
        &mut self,
        recorder: &mut dyn Recorder,
    ) -> Result<TrialMetrics, NetworkError> {
        let start = Instant::now();
        let steps_before = self.ode.stats().accepted_steps;
        let epoch = self.epoch + 1;
        recorder.epoch_started(epoch, self.ode.t());
        let mut tally = Tally::default();
        for _ in 0..self.config.trials_per_epoch {
            if self.stop.load(Ordering::Relaxed) {
                return Err(NetworkError::Interrupted { epoch: self.epoch });
            }
            self.run_trial(true, recorder, epoch, &mut tally)?;
        }
        let steps = self.ode.stats().accepted_steps - steps_before;
        self.epoch = epoch;
        let due = epoch.is_multiple_of(self.config.evaluate_every) || epoch == self.config.epochs;
        let test_accuracy = if due && self.test.is_some() {
            self.evaluate()?
        } else {
            None
        };
        let acts = tally.acts.max(1) as f64;
        let mut selection: Vec<f64> = tally.selected.iter().map(|c| *c as f64 / acts).collect();
        selection.resize(self.n_actions, 0.0);
        let m = TrialMetrics {
            epoch,
            trials: self.trial,
            mean_reward: tally.reward / acts,
            train_accuracy: (tally.optimal_known > 0)
                .then(|| tally.optimal as f64 / tally.optimal_known as f64),
            regret: (tally.regret_known > 0).then(|| tally.regret / tally.regret_known as f64),
            test_accuracy,
            selection,
            class_accuracy: tally
                .class_optimal
                .iter()
                .map(|&(ok, n)| (n > 0).then(|| ok as f64 / n as f64))
                .collect(),
            seconds: start.elapsed().as_secs_f64(),
            steps,
        };
        recorder.metric("mean_reward", epoch, m.mean_reward);
        recorder.metric("trials", epoch, m.trials as f64);
        if let Some(a) = m.train_accuracy {
            recorder.metric("train_accuracy", epoch, a);
        }
        if let Some(r) = m.regret {
            recorder.metric("regret", epoch, r);
        }
        if let Some(a) = m.test_accuracy {
            recorder.metric("test_accuracy", epoch, a);
        }
        record_per_class(recorder, epoch, &m.selection, &m.class_accuracy);
        recorder.metric("wall_seconds", epoch, m.seconds);
        Ok(m)
    }

    /// The greedy accuracy on the test set with noise, nudging and plasticity off; the state
    /// (voltages, the delayed schemes' memory, the low-pass) is restored afterwards and the
    /// training streams (noise, policy, environment) are not drawn from.
    pub fn evaluate(&mut self) -> Result<Option<f64>, NetworkError> {
        let Some(mut test) = self.test.take() else {
            return Ok(None);
        };
        let (t, state) = (self.ode.t(), self.ode.state().to_vec());
        let memory = self.ode.system().memory();
        let low_pass = self.low_pass.clone();
        let nudged = self.ode.system().has_online_target();
        {
            let net = self.ode.system_mut();
            net.set_nudging(false);
            net.set_plasticity(false);
            net.set_noise(false);
        }
        test.env.reset(self.config.seed);
        let mut env = std::mem::replace(&mut self.env, test.env);
        let trials = test.samples.div_ceil(self.config.batch);
        let mut correct = 0usize;
        let mut counted = 0usize;
        let mut result = Ok(());
        for _ in 0..trials {
            let mut tally = Tally::default();
            if let Err(e) = self.run_trial(
                false,
                &mut prospect_neuron::NullRecorder,
                self.epoch,
                &mut tally,
            ) {
                result = Err(e);
                break;
            }
            for outcome in &self.outcomes {
                if counted < test.samples {
                    correct += usize::from(outcome.optimal == Some(true));
                    counted += 1;
                }
            }
        }
        std::mem::swap(&mut self.env, &mut env);
        test.env = env;
        self.test = Some(test);
        self.ode.set_state(t, &state).expect("same dimension");
        self.low_pass = low_pass;
        let net = self.ode.system_mut();
        net.set_memory(memory);
        net.restart_at(t);
        net.set_nudging(nudged);
        net.set_plasticity(true);
        net.set_noise(true);
        result?;
        Ok((counted > 0).then(|| correct as f64 / counted as f64))
    }

    /// One trial (module docs): observation, integration to the readout, action, reward,
    /// integration to the trial's end. `learning`: policy, rule events and recording on; else
    /// greedy and silent.
    fn run_trial(
        &mut self,
        learning: bool,
        recorder: &mut dyn Recorder,
        epoch: usize,
        tally: &mut Tally,
    ) -> Result<(), NetworkError> {
        let t0 = self.ode.t();
        let b = self.config.batch;
        self.env.observe(&mut self.observation);
        for (i, c) in self.contexts.iter_mut().enumerate() {
            *c = self.env.context(i);
        }
        if self.config.reset_between_trials {
            let zeros = vec![0.0; self.ode.state().len()];
            self.ode.set_state(t0, &zeros).expect("same dimension");
            let net = self.ode.system_mut();
            net.reset_memory();
            net.restart_at(t0);
            self.low_pass.fill(0.0);
        }
        if learning {
            let trial = self.trial;
            self.ode
                .system_mut()
                .deliver(&TrialEvent::Start { t: t0, trial })?;
        }
        self.integrate(t0, t0 + self.config.readout_time, learning, recorder, epoch)?;
        // Readout: the policy on the low-passed outputs, the environment's outcome, the reward.
        let n = self.n_actions;
        let policy = if learning {
            self.config.policy
        } else {
            Policy::Greedy
        };
        for col in 0..b {
            let values = &self.low_pass[col * n..(col + 1) * n];
            let probs = &mut self.probabilities[col * n..(col + 1) * n];
            self.actions[col] = if learning {
                policy.select(values, &mut self.rng, probs)
            } else {
                winner(values)
            };
        }
        self.env
            .act(Actions::Discrete(&self.actions), &mut self.outcomes)
            .map_err(task_error)?;
        for col in 0..b {
            self.rewards[col] = self.outcomes[col].reward;
            tally.add(self.actions[col], &self.outcomes[col], self.contexts[col]);
        }
        let t_read = self.ode.t();
        if learning {
            let reward = Reward {
                t: t_read,
                trial: self.trial,
                actions: &self.actions,
                rewards: &self.rewards,
                contexts: &self.contexts,
                probabilities: policy
                    .has_probabilities()
                    .then_some(&self.probabilities[..]),
                temperature: policy.temperature(),
                rate_scale: self.config.rate_schedule.factor(self.trial),
            };
            self.ode
                .system_mut()
                .deliver(&TrialEvent::Reward(&reward))?;
            for col in 0..b {
                recorder.outcome(
                    t_read,
                    self.trial as usize * b + col,
                    self.contexts[col],
                    self.actions[col],
                    self.rewards[col],
                );
            }
        }
        self.integrate(
            t_read,
            t0 + self.config.trial_time,
            learning,
            recorder,
            epoch,
        )?;
        if learning {
            let (t, trial) = (self.ode.t(), self.trial);
            self.ode
                .system_mut()
                .deliver(&TrialEvent::End { t, trial })?;
            self.trial += 1;
        }
        Ok(())
    }

    /// Integrates from the current time to `t_end` step by step: before each step the input is
    /// the observation times the envelope at the step's start (held over the step; an adaptive
    /// method's steps stop at the ramps' ends and take at most [`RAMP_LEVELS`] levels per ramp,
    /// [`step_target`]), after each
    /// the low-pass advances exactly with the step's output rates held,
    /// `ȳ ← ȳ e^{−Δt/τ_r} + (1 − e^{−Δt/τ_r}) r_L`, and rows are recorded where wanted.
    fn integrate(
        &mut self,
        trial_start: f64,
        t_end: f64,
        learning: bool,
        recorder: &mut dyn Recorder,
        epoch: usize,
    ) -> Result<(), NetworkError> {
        let cfg = &self.config;
        let (trial, up, down, tau_r) =
            (cfg.trial_time, cfg.ramp_up, cfg.ramp_down, cfg.readout_tau);
        let adaptive = !cfg.method.is_fixed_step();
        let max_steps = max_steps_per_presentation(self.ode.system().config(), trial);
        let steps_before = steps_taken(&self.ode);
        let top = self.ode.system().layers() - 1;
        // Fixed-step times are compared with a tolerance of a millionth of a step, so rounding in
        // t does not add a sliver of a step.
        let slack = if adaptive { 0.0 } else { 1e-6 * cfg.dt };
        let mut last_factor = f64::NAN;
        while self.ode.t() < t_end - slack {
            let t = self.ode.t();
            let factor = envelope(t - trial_start, trial, up, down);
            if factor != last_factor {
                for (i, o) in self.input.iter_mut().zip(&self.observation) {
                    *i = factor * o;
                }
                self.ode.system_mut().set_input(&self.input)?;
                last_factor = factor;
            }
            let target = if adaptive {
                step_target(t, t_end, trial_start, trial, up, down)
            } else {
                t_end
            };
            let done = self.ode.step_toward(target);
            done.map_err(|source| self.ode.system().explain(epoch, source))?;
            let dt = self.ode.t() - t;
            let rates = self.ode.system().step_rate(top);
            let a = if tau_r > 0.0 {
                (-dt / tau_r).exp()
            } else {
                0.0
            };
            for (y, r) in self.low_pass.iter_mut().zip(rates) {
                *y = a * *y + (1.0 - a) * r;
            }
            if let Some(fault) = self.ode.system().fault() {
                return Err(fault.clone());
            }
            if adaptive && let Some(source) = over_step_limit(&self.ode, steps_before, max_steps) {
                return Err(self.ode.system().explain(epoch, source));
            }
            if learning && recorder.wants(self.ode.t()) {
                prospect_neuron::recording::record_now(recorder, &mut self.ode)?;
            }
        }
        Ok(())
    }
}

/// Writes one epoch's per-class curves (seed 002's Fig. 6, drawn by `prospect plot --kind
/// classes`): `selected_<a>`, the fraction of the epoch's selections that chose action a, and
/// `class_accuracy_<c>`, the fraction of class c's samples answered right (left out where the
/// class was not seen). One writer for the trial driver and the algorithmic protocol, so the
/// names the plot reads are defined once.
pub(crate) fn record_per_class(
    recorder: &mut dyn Recorder,
    epoch: usize,
    selection: &[f64],
    class_accuracy: &[Option<f64>],
) {
    for (a, f) in selection.iter().enumerate() {
        recorder.metric(&format!("selected_{a}"), epoch, *f);
    }
    for (c, f) in class_accuracy.iter().enumerate() {
        if let Some(f) = f {
            recorder.metric(&format!("class_accuracy_{c}"), epoch, *f);
        }
    }
}

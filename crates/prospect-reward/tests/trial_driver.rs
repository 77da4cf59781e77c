//! The trial driver's contract: when events arrive and what they carry, the exact low-pass of
//! the readout, clean evaluations that do not disturb training, bit-identical reruns.

use std::sync::{Arc, Mutex};

use prospect_neuron::{
    Activation, NetworkConfig, NetworkError, NoiseConfig, NoiseKind, NullRecorder, Parameters,
    PlasticityRule, StepView, TrialEvent, WeightInit,
};
use prospect_reward::{Policy, TestSet, TrialConfig, TrialDriver};
use prospect_tasks::environment::{
    ContextualBandit, GaussianBandit, GaussianBanditConfig, Order, Rewards,
};
use prospect_tasks::yin_yang;

/// One event: kind, time, trial, actions, rewards.
type Event = (&'static str, f64, u64, Vec<usize>, Vec<f64>);

/// What a probe rule saw: (kind, t, trial, actions, rewards) per event and step counts.
#[derive(Default, Debug, Clone, PartialEq)]
struct Log {
    events: Vec<Event>,
    steps: usize,
}

/// A rule that changes nothing and logs what it sees; on a reward it moves the output bias of
/// the chosen action by the reward (so learning has an effect reruns can compare).
struct Probe(Arc<Mutex<Log>>);

impl PlasticityRule for Probe {
    fn name(&self) -> &'static str {
        "probe"
    }
    fn step(&mut self, _v: &StepView<'_>, _p: &mut Parameters<'_>) -> Result<(), NetworkError> {
        self.0.lock().unwrap().steps += 1;
        Ok(())
    }
    fn event(&mut self, e: &TrialEvent<'_>, p: &mut Parameters<'_>) -> Result<(), NetworkError> {
        let mut log = self.0.lock().unwrap();
        match e {
            TrialEvent::Start { t, trial } => {
                log.events.push(("start", *t, *trial, vec![], vec![]))
            }
            TrialEvent::End { t, trial } => log.events.push(("end", *t, *trial, vec![], vec![])),
            TrialEvent::Reward(r) => {
                log.events.push((
                    "reward",
                    r.t,
                    r.trial,
                    r.actions.to_vec(),
                    r.rewards.to_vec(),
                ));
                let top = p.biases.len() - 1;
                for (a, rew) in r.actions.iter().zip(r.rewards) {
                    p.biases[top][*a] += 0.01 * rew;
                }
            }
        }
        Ok(())
    }
}

fn yin_yang_net() -> NetworkConfig {
    let mut net = NetworkConfig::new(&[4, 20, 3]);
    net.activations = vec![Activation::HardSigmoid, Activation::Linear];
    net.init = WeightInit::Normal {
        std: vec![1.0, 0.3],
    };
    net
}

fn short_trials(epochs: usize, per_epoch: usize) -> TrialConfig {
    let mut c = TrialConfig::reference(epochs, per_epoch);
    c.trial_time = 3.0;
    c.readout_time = 2.5;
    c.ramp_up = 0.5;
    c.ramp_down = 0.5;
    c.batch = 2;
    c
}

fn bandit_driver(config: TrialConfig, log: Arc<Mutex<Log>>, with_test: bool) -> TrialDriver {
    bandit_driver_with(yin_yang_net(), config, log, with_test)
}

fn bandit_driver_with(
    net: NetworkConfig,
    config: TrialConfig,
    log: Arc<Mutex<Log>>,
    with_test: bool,
) -> TrialDriver {
    let split = yin_yang::split(40, 10, 3).unwrap();
    let rewards = Rewards {
        correct: 1.0,
        wrong: -1.0,
    };
    let env = ContextualBandit::new(split.train, config.batch, Order::Shuffled, rewards).unwrap();
    let test = with_test.then(|| TestSet {
        env: Box::new(
            ContextualBandit::new(split.test, config.batch, Order::Sequential, rewards).unwrap(),
        ),
        samples: 10,
    });
    TrialDriver::new(net, Box::new(Probe(log)), config, Box::new(env), test).unwrap()
}

/// Events come in the order start, reward, end per trial, the reward at the readout time
/// t0 + 2.5 and the end at t0 + 3 (a trial of 30 Euler steps of 0.1, readout after 25), trial
/// numbers count up, one `step` per accepted step, and the metrics' mean reward is the mean of
/// the rewards the rule received.
#[test]
fn events_arrive_at_the_trial_times_with_the_environment_outcomes() {
    let log = Arc::new(Mutex::new(Log::default()));
    let mut d = bandit_driver(short_trials(2, 5), log.clone(), false);
    let metrics = d.run(&mut NullRecorder, &mut |_| {}).unwrap();
    let log = log.lock().unwrap().clone();
    assert_eq!(log.events.len(), 3 * 10);
    assert_eq!(log.steps, 10 * 30);
    for (n, chunk) in log.events.chunks(3).enumerate() {
        let t0 = 3.0 * n as f64;
        assert_eq!(chunk[0].0, "start");
        assert_eq!(chunk[1].0, "reward");
        assert_eq!(chunk[2].0, "end");
        for e in chunk {
            assert_eq!(e.2, n as u64);
        }
        assert!((chunk[0].1 - t0).abs() < 1e-9);
        assert!((chunk[1].1 - (t0 + 2.5)).abs() < 1e-9, "{}", chunk[1].1);
        assert!((chunk[2].1 - (t0 + 3.0)).abs() < 1e-9);
        assert_eq!(chunk[1].3.len(), 2);
        assert!(chunk[1].4.iter().all(|r| *r == 1.0 || *r == -1.0));
    }
    for (e, m) in metrics.iter().enumerate() {
        let rewards: Vec<f64> = log.events[e * 15..(e + 1) * 15]
            .iter()
            .filter(|x| x.0 == "reward")
            .flat_map(|x| x.4.clone())
            .collect();
        let mean = rewards.iter().sum::<f64>() / rewards.len() as f64;
        assert!((m.mean_reward - mean).abs() < 1e-12);
        assert_eq!(m.trials, 5 * (e as u64 + 1));
        let total: f64 = m.selection.iter().sum();
        assert!((total - 1.0).abs() < 1e-12);
    }
}

/// Sets the output biases at every trial start and does nothing else.
struct SetBias(Vec<f64>);

impl PlasticityRule for SetBias {
    fn name(&self) -> &'static str {
        "set-bias"
    }
    fn step(&mut self, _v: &StepView<'_>, _p: &mut Parameters<'_>) -> Result<(), NetworkError> {
        Ok(())
    }
    fn event(&mut self, e: &TrialEvent<'_>, p: &mut Parameters<'_>) -> Result<(), NetworkError> {
        if let TrialEvent::Start { .. } = e {
            p.biases[0].as_mut_slice().copy_from_slice(&self.0);
        }
        Ok(())
    }
}

/// With output rates held at r (a linear output layer with zero weights and bias r, set at the
/// trial start: with look-ahead ŭ = W x + b = r from the first step), the low-pass read at the
/// readout time t is r (1 − e^{−t/τ_r}) to rounding, for any step (13 Euler steps of 0.1 here;
/// a first-order update ȳ += Δt/τ_r (r − ȳ) would be off by ~5 % of r).
#[test]
fn the_readout_low_pass_is_exact_for_held_rates() {
    let mut net = NetworkConfig::new(&[1, 3]);
    net.activations = vec![Activation::Linear];
    net.init = WeightInit::Normal { std: vec![0.0] };
    let mut c = TrialConfig::reference(1, 1);
    c.trial_time = 1.3;
    c.readout_time = 1.3;
    c.ramp_up = 0.0;
    c.ramp_down = 0.0;
    c.readout_tau = 0.7;
    let env = GaussianBandit::new(GaussianBanditConfig {
        arms: 3,
        batch: 1,
        q_mean: 0.0,
        observation_size: 1,
    })
    .unwrap();
    let r = vec![0.2, -0.4, 0.9];
    let rule = Box::new(SetBias(r.clone()));
    let mut d = TrialDriver::new(net, rule, c, Box::new(env), None).unwrap();
    d.run(&mut NullRecorder, &mut |_| {}).unwrap();
    let y = d.low_pass();
    for i in 0..3 {
        let want = r[i] * (1.0 - (-1.3f64 / 0.7).exp());
        assert!((y[i] - want).abs() < 1e-12, "unit {i}: {} vs {want}", y[i]);
    }
}

/// Same seed → the same trials bit for bit (rewards, weights, voltages), and a greedy
/// evaluation between epochs leaves training exactly as without it (state, memory, low-pass
/// and every random stream — noise, policy, environment — restored or untouched): a missing
/// restore changes the following trials' actions and rewards.
#[test]
fn reruns_are_identical_and_evaluation_does_not_disturb_training() {
    let run = |with_test: bool, every: usize| {
        let log = Arc::new(Mutex::new(Log::default()));
        let mut c = short_trials(3, 4);
        c.policy = Policy::Softmax { temperature: 0.5 };
        c.evaluate_every = every;
        // A low-pass slower than a trial and output noise: both must survive an evaluation.
        c.readout_tau = 2.0;
        let mut net = yin_yang_net();
        net.noise = vec![NoiseConfig {
            layer: 2,
            kind: NoiseKind::OrnsteinUhlenbeck {
                tau_c: 1.0,
                sigma: 0.5,
            },
            gain: 1.0,
        }];
        let mut d = bandit_driver_with(net, c, log.clone(), with_test);
        let m = d.run(&mut NullRecorder, &mut |_| {}).unwrap();
        let events = log.lock().unwrap().events.clone();
        (
            events,
            d.network().biases().to_vec(),
            d.integrator().state().to_vec(),
            m.iter().map(|x| x.test_accuracy).collect::<Vec<_>>(),
            d.low_pass().to_vec(),
        )
    };
    let a = run(true, 1);
    let b = run(true, 1);
    assert_eq!(a, b);
    let c = run(false, 1);
    assert_eq!(a.0, c.0);
    assert_eq!(a.1, c.1);
    assert_eq!(a.2, c.2);
    assert_eq!(a.4, c.4);
    assert!(a.3.iter().all(|x| x.is_some()));
    assert!(c.3.iter().all(|x| x.is_none()));
}

/// Keeps the start time of every accepted step.
struct StepTimes(Arc<Mutex<Vec<f64>>>);

impl PlasticityRule for StepTimes {
    fn name(&self) -> &'static str {
        "step-times"
    }
    fn step(&mut self, v: &StepView<'_>, _p: &mut Parameters<'_>) -> Result<(), NetworkError> {
        self.0.lock().unwrap().push(v.t());
        Ok(())
    }
}

/// An adaptive method holds the ramped input over its own steps: they must stop at the ramps'
/// ends (the envelope's kinks) and take at least 16 levels per ramp; a free step size would
/// cross a ramp in a few steps (the review found a 3-level staircase and a skipped ramp-down).
/// Exact loop, so each step's view is its own start evaluation.
#[test]
fn adaptive_steps_follow_the_input_ramps() {
    let mut net = yin_yang_net();
    net.loop_treatment = prospect_neuron::LoopTreatment::Exact;
    let mut c = short_trials(1, 1);
    c.batch = 1;
    c.method = prospect_ode::Method::Dopri5;
    c.trial_time = 6.0;
    c.readout_time = 5.5;
    c.ramp_up = 1.0;
    c.ramp_down = 1.0;
    let split = yin_yang::split(10, 0, 3).unwrap();
    let rewards = Rewards {
        correct: 1.0,
        wrong: -1.0,
    };
    let env = ContextualBandit::new(split.train, 1, Order::Shuffled, rewards).unwrap();
    let times = Arc::new(Mutex::new(Vec::new()));
    let rule = Box::new(StepTimes(times.clone()));
    let mut d = TrialDriver::new(net, rule, c, Box::new(env), None).unwrap();
    d.run(&mut NullRecorder, &mut |_| {}).unwrap();
    let t = times.lock().unwrap().clone();
    for kink in [1.0, 5.0] {
        assert!(
            t.iter().any(|x| (x - kink).abs() < 1e-12),
            "no step starts at {kink}: {t:?}"
        );
    }
    let up = t.iter().filter(|x| **x < 1.0).count();
    let down = t.iter().filter(|x| **x >= 5.0).count();
    assert!(
        up >= 16 && down >= 16,
        "{up} and {down} steps in the ramps: {t:?}"
    );
    assert!(t.iter().filter(|x| (1.0..5.0).contains(*x)).count() < 100);
}

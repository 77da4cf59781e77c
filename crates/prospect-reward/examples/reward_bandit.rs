//! Reward learning on classification data as a contextual bandit, for tuning and measuring the
//! rules without the command line (the model files in `models/` hold the chosen settings).
//!
//! `cargo run --release -p prospect-reward --example reward_bandit -- KEY=VALUE …`
//! keys: task (yinyang|patterns), rule, epochs, trials (per epoch), seed, hidden, beta, eta
//! (hidden,output), sigma, tau_c, noise_layers, noise (ou|white), bernoulli (layers), anneal, time, readout, ramp, tau_r, act
//! (hidden activation), out_act, init (hidden std,output std), params (the rule's JSON table),
//! policy (greedy|softmax:T|eps:E), batch, every. Prints one JSON line per epoch.

use std::collections::HashMap;

use prospect_neuron::{
    Activation, NetworkConfig, NoiseConfig, NoiseKind, NullRecorder, WeightInit,
};
use prospect_reward::registry::{self, RuleContext};
use prospect_reward::{Policy, RateSchedule, TestSet, TrialConfig, TrialDriver};
use prospect_tasks::environment::{ContextualBandit, Order, Rewards};
use prospect_tasks::yin_yang;

fn main() {
    let args: HashMap<String, String> = std::env::args()
        .skip(1)
        .filter_map(|a| {
            a.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect();
    let get = |k: &str, d: &str| args.get(k).cloned().unwrap_or_else(|| d.to_string());
    let f = |k: &str, d: &str| get(k, d).parse::<f64>().expect(k);
    let task = get("task", "yinyang");
    let seed: u64 = get("seed", "0").parse().unwrap();
    let split = match task.as_str() {
        "yinyang" => yin_yang::split(5000, 1000, seed).unwrap(),
        "patterns" => prospect_tasks::patterns::split(3, 100, seed).unwrap(),
        t => panic!("task {t}"),
    };
    let n_in = split.train.n_inputs;
    let hidden: usize = get("hidden", "120").parse().unwrap();
    let mut net = NetworkConfig::new(&[n_in, hidden, 3]);
    net.activations = vec![
        get("act", "soft-relu").parse::<Activation>().unwrap(),
        get("out_act", "soft-relu").parse::<Activation>().unwrap(),
    ];
    net.beta = f("beta", "0.01");
    let init: Vec<f64> = get("init", "")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    net.init = if init.is_empty() {
        // He-normal as in the reference code.
        WeightInit::Normal {
            std: vec![(2.0 / n_in as f64).sqrt(), (2.0 / hidden as f64).sqrt()],
        }
    } else {
        WeightInit::Normal { std: init }
    };
    let sigma = f("sigma", "1.0");
    let noise_layers: Vec<usize> = get("noise_layers", "2")
        .split(',')
        .map(|s| s.parse().unwrap())
        .collect();
    let gain = f("gain", &net.beta.to_string());
    if sigma > 0.0 {
        net.noise = noise_layers
            .iter()
            .map(|&layer| NoiseConfig {
                layer,
                kind: if get("noise", "ou") == "white" {
                    NoiseKind::White { sigma }
                } else {
                    NoiseKind::OrnsteinUhlenbeck {
                        tau_c: f("tau_c", "30"),
                        sigma,
                    }
                },
                gain,
            })
            .collect();
    }
    if let Some(b) = args.get("bernoulli") {
        for layer in b.split(',').map(|s| s.parse::<usize>().unwrap()) {
            net.noise.retain(|n| n.layer != layer);
            net.noise.push(NoiseConfig {
                layer,
                kind: NoiseKind::Bernoulli,
                gain: 1.0,
            });
        }
    }
    let eta: Vec<f64> = get("eta", "0.01,0.01")
        .split(',')
        .map(|s| s.parse().unwrap())
        .collect();
    let rule_name = get("rule", "wna-reward");
    let params: serde_json::Value = serde_json::from_str(&get("params", "{}")).unwrap();
    let batch: usize = get("batch", "1").parse().unwrap();
    let cx = RuleContext {
        network: &net,
        eta,
        learn_biases: get("biases", "true") == "true",
        batch,
    };
    let entry = registry::find(&rule_name).expect("rule");
    let rule = (entry.build)(&params, &cx).unwrap_or_else(|e| panic!("{e}"));
    let epochs: usize = get("epochs", "10").parse().unwrap();
    let mut c = TrialConfig::reference(epochs, get("trials", "1000").parse().unwrap());
    c.seed = seed;
    c.batch = batch;
    c.trial_time = f("time", "30");
    c.readout_time = f("readout", "25");
    c.ramp_up = f("ramp", "5");
    c.ramp_down = f("ramp", "5");
    c.readout_tau = f("tau_r", "0.1");
    c.evaluate_every = get("every", "1").parse().unwrap();
    let anneal = f("anneal", "0");
    if anneal > 0.0 {
        c.rate_schedule = RateSchedule::Annealed { trials: anneal };
    }
    c.policy = match get("policy", "greedy").split_once(':') {
        Some(("softmax", t)) => Policy::Softmax {
            temperature: t.parse().unwrap(),
        },
        Some(("eps", e)) => Policy::EpsilonGreedy {
            epsilon: e.parse().unwrap(),
        },
        _ => Policy::Greedy,
    };
    let rewards = Rewards {
        correct: 1.0,
        wrong: -1.0,
    };
    let env = ContextualBandit::new(split.train.clone(), batch, Order::Shuffled, rewards).unwrap();
    let n_test = split.test.len();
    let test = TestSet {
        env: Box::new(
            ContextualBandit::new(split.test.clone(), batch, Order::Sequential, rewards).unwrap(),
        ),
        samples: n_test,
    };
    let mut d =
        TrialDriver::new(net, rule, c, Box::new(env), Some(test)).unwrap_or_else(|e| panic!("{e}"));
    let result = d.run(&mut NullRecorder, &mut |m| {
        println!(
            "{{\"task\": \"{task}\", \"rule\": \"{rule_name}\", \"seed\": {seed}, \"epoch\": {}, \"trials\": {}, \"mean_reward\": {:.4}, \"train_accuracy\": {:.4}, \"test_accuracy\": {}, \"seconds\": {:.2}}}",
            m.epoch,
            m.trials,
            m.mean_reward,
            m.train_accuracy.unwrap_or(f64::NAN),
            m.test_accuracy.map_or("null".to_string(), |a| format!("{a:.4}")),
            m.seconds
        );
    });
    if let Err(e) = result {
        eprintln!("failed: {e}");
        std::process::exit(1);
    }
}

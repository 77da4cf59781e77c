//! Sutton & Barto (2018) Fig. 2.5 with the network, the trial driver and the `reinforce` rule:
//! a `[1, 10]` prospective network (linear output, exact loop, β = 0, weights from 0, biases
//! off) reads the constant observation 1 of the 10-armed Gaussian testbed (`q*(a) ~ N(4, 1)`);
//! a trial is one Euler step of Δt = 1, the softmax (temperature 1) reads the output without a
//! low-pass (`readout_tau = 0`), and `reinforce` with the sample-average baseline including the
//! current reward applies `H_a += α (R − R̄)(1{a=A} − π_a)` to the weights (α = η). One
//! independent network per run (weights are shared across a batch, so runs cannot be batch
//! copies). Prints % optimal action at step 1000 per setting, to compare with
//! `benches/results/gradient-bandit-numpy.txt` (the textbook algorithm, 20 000 runs).
//!
//! `cargo run --release -p prospect-reward --example gradient_bandit_network -- 2000 > benches/results/gradient-bandit-network.csv`

use prospect_neuron::{Activation, LoopTreatment, NetworkConfig, NullRecorder, WeightInit};
use prospect_reward::registry::find;
use prospect_reward::{Policy, RuleContext, TrialConfig, TrialDriver};
use prospect_tasks::environment::{GaussianBandit, GaussianBanditConfig};
use serde_json::json;

const STEPS: usize = 1000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(2000);
    println!(
        "# cargo run --release -p prospect-reward --example gradient_bandit_network -- {runs} > benches/results/gradient-bandit-network.csv"
    );
    println!("alpha,baseline,runs,pct_optimal_step1000,std_error_pct,pct_optimal_steps991_1000");
    for (alpha, baseline) in [(0.1, true), (0.4, true), (0.1, false), (0.4, false)] {
        let mut last = 0usize;
        let mut last10 = 0usize;
        for run in 0..runs {
            let mut net = NetworkConfig::new(&[1, 10]);
            net.activations = vec![Activation::Linear];
            net.loop_treatment = LoopTreatment::Exact;
            net.beta = 0.0;
            net.init = WeightInit::Normal { std: vec![0.0] };
            let params = if baseline {
                json!({"baseline": {"kind": "average"}, "baseline_includes_current": true, "readout_tau": 0.0})
            } else {
                json!({"baseline": {"kind": "none"}, "readout_tau": 0.0})
            };
            let cx = RuleContext {
                network: &net,
                eta: vec![alpha],
                learn_biases: false,
                batch: 1,
            };
            let rule = (find("reinforce").ok_or("reinforce")?.build)(&params, &cx)?;
            let mut c = TrialConfig::reference(STEPS, 1);
            c.trial_time = 1.0;
            c.readout_time = 1.0;
            c.ramp_up = 0.0;
            c.ramp_down = 0.0;
            c.readout_tau = 0.0;
            c.policy = Policy::Softmax { temperature: 1.0 };
            c.dt = 1.0;
            c.batch = 1;
            c.seed = run;
            c.evaluate_every = STEPS + 1;
            let env = GaussianBandit::new(GaussianBanditConfig {
                arms: 10,
                batch: 1,
                q_mean: 4.0,
                observation_size: 1,
            })?;
            let mut d = TrialDriver::new(net, rule, c, Box::new(env), None)?;
            let m = d.run(&mut NullRecorder, &mut |_| {})?;
            let optimal = |e: &prospect_reward::TrialMetrics| e.train_accuracy == Some(1.0);
            last += usize::from(optimal(&m[STEPS - 1]));
            last10 += m[STEPS - 10..].iter().filter(|e| optimal(e)).count();
        }
        let p = last as f64 / runs as f64;
        println!(
            "{alpha},{baseline},{runs},{:.2},{:.2},{:.2}",
            100.0 * p,
            100.0 * (p * (1.0 - p) / runs as f64).sqrt(),
            100.0 * last10 as f64 / (10 * runs) as f64
        );
    }
    Ok(())
}

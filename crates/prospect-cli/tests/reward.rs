//! End-to-end tests of reward learning through the real `prospect` binary: the trial driver's
//! trace (per-trial outcomes, reward metrics), the reward keys' errors, reruns, the bandit and
//! its figure. Short settings: the whole file runs in a few seconds.

mod common;
use common::{repo, run, temp, text, texts};

use std::path::Path;

/// A WNA run of 2 epochs over 60 training samples (60 trials each, batch 1), tested on 30.
const SHORT: [&str; 6] = [
    "--set",
    "training.epochs=2",
    "--set",
    "task.n_train=60",
    "--set",
    "task.n_test=30",
];

fn run_json(args: &[&str]) -> serde_json::Value {
    let o = run(args);
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{args:?}: {stderr}");
    serde_json::from_str(stdout.trim()).expect("one JSON line")
}

fn wna(out: &Path, seed: &str) -> serde_json::Value {
    let mut args = vec![
        "run",
        "crates/prospect-cli/tests/data/wna-reference.toml",
        "--out",
        out.to_str().unwrap(),
        "--seed",
        seed,
    ];
    args.extend(SHORT);
    run_json(&args)
}

#[test]
fn wna_run_records_outcomes_and_reward_metrics() {
    let dir = temp("wna");
    let out = dir.join("wna.h5");
    let summary = wna(&out, "1");
    assert_eq!(summary["epochs"], 2);
    assert_eq!(summary["trials"], 120, "one pass of 60 samples per epoch");
    let r = prospect_trace::TraceReader::open(&out).unwrap();
    assert!(r.is_complete());
    // One event per trial, carrying the action and the reward; the reward is +1 exactly when
    // the action is the label (task.reward_correct/wrong of the model), checked here from the
    // events alone.
    let (action, label, reward) = (
        r.events("action").unwrap(),
        r.events("label").unwrap(),
        r.events("reward").unwrap(),
    );
    assert_eq!(action.len(), 120);
    assert_eq!((label.len(), reward.len()), (120, 120));
    for i in 0..120 {
        let expected = if action[i] == label[i] { 1.0 } else { -1.0 };
        assert_eq!(reward[i], expected, "trial {i}");
        assert!((0.0..3.0).contains(&action[i]));
    }
    // The per-epoch mean reward is the mean of that epoch's event rewards, and the summary
    // holds the last epoch's; train accuracy is the fraction of right guesses.
    let mean = r.metric("mean_reward").unwrap();
    assert_eq!(mean.x, vec![1.0, 2.0]);
    for (e, m) in mean.values.iter().enumerate() {
        let ours = reward[60 * e..60 * (e + 1)].iter().sum::<f64>() / 60.0;
        assert!((m - ours).abs() < 1e-12, "epoch {}: {m} vs {ours}", e + 1);
    }
    assert!((summary["mean_reward"].as_f64().unwrap() - mean.values[1]).abs() < 1e-12);
    let right = (60..120).filter(|&i| action[i] == label[i]).count() as f64 / 60.0;
    assert!((summary["train_accuracy"].as_f64().unwrap() - right).abs() < 1e-12);
    // A greedy test accuracy over 30 samples: a multiple of 1/30, after every epoch.
    let test = r.metric("test_accuracy").unwrap();
    assert_eq!(test.values.len(), 2);
    let a = summary["test_accuracy"].as_f64().unwrap();
    assert!(((a * 30.0).round() - a * 30.0).abs() < 1e-9 && (0.0..=1.0).contains(&a));
    assert_eq!(r.metric("trials").unwrap().values, vec![60.0, 120.0]);
    // The model asks for voltages, noise and eligibility traces of the output layer.
    for v in ["u", "noise", "eligibility"] {
        let s = r.series("layer2", v).unwrap();
        assert!(!s.times.is_empty(), "{v} recorded");
    }
    assert!(!r.series("rule", "baseline").unwrap().times.is_empty());
    // The eligibility of two synapses across the first trial, drawn from the trace.
    let svg = dir.join("eligibility.svg");
    let o = run(&[
        "plot",
        out.to_str().unwrap(),
        "--kind",
        "traces",
        "--population",
        "layer2",
        "--variables",
        "eligibility",
        "--units",
        "0,1",
        "--window",
        "0,30",
        "--out",
        svg.to_str().unwrap(),
    ]);
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    assert!(stdout.contains(": 2 lines"), "{stdout}");
    let labels = texts(&std::fs::read_to_string(&svg).unwrap());
    assert!(labels.iter().any(|t| t == "eligibility[1]"), "{labels:?}");
    // Not a voltage: the axis says "value".
    assert!(labels.iter().any(|t| t == "value (a.u.)"), "{labels:?}");
    // A variable that was not recorded is refused with the ones that were.
    let o = run(&[
        "plot",
        out.to_str().unwrap(),
        "--kind",
        "traces",
        "--population",
        "layer2",
        "--variables",
        "perturbation",
        "--out",
        svg.to_str().unwrap(),
    ]);
    let stderr = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("not recorded in layer2 (recorded: "),
        "{stderr}"
    );
    // summary.csv of a folder keeps the reward columns.
    let o = run(&["collect", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o).1);
    let csv = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    assert_eq!(row[col("trials")], "120");
    assert!((row[col("mean_reward")].parse::<f64>().unwrap() - mean.values[1]).abs() < 1e-12);
    assert_eq!(row[col("train_loss")], "", "no loss for a reward run");
}

#[test]
fn wna_patterns_task_runs_trials_of_its_three_patterns() {
    let dir = temp("patterns");
    let out = dir.join("p.h5");
    let s = run_json(&[
        "run",
        "models/wna-patterns.toml",
        "--out",
        out.to_str().unwrap(),
        "--set",
        "training.epochs=1",
        "--set",
        "trial.trials_per_epoch=6",
    ]);
    assert_eq!(s["trials"], 6);
    // The test set is the three patterns: the greedy accuracy is 0, 1/3, 2/3 or 1.
    let a = s["test_accuracy"].as_f64().unwrap();
    assert!((a * 3.0 - (a * 3.0).round()).abs() < 1e-12, "{a}");
    // Six trials are two shuffled passes over labels 0, 1, 2: each label twice.
    let r = prospect_trace::TraceReader::open(&out).unwrap();
    let mut labels = r.events("label").unwrap();
    labels.sort_by(f64::total_cmp);
    assert_eq!(labels, vec![0.0, 0.0, 1.0, 1.0, 2.0, 2.0]);
}

#[test]
fn same_seed_gives_the_same_reward_run() {
    let dir = temp("wna-same");
    let (a, b) = (dir.join("a.h5"), dir.join("b.h5"));
    let (sa, sb) = (wna(&a, "3"), wna(&b, "3"));
    for key in [
        "mean_reward",
        "train_accuracy",
        "test_accuracy",
        "trials",
        "epochs",
    ] {
        assert_eq!(sa[key], sb[key], "{key}");
    }
    let (ra, rb) = (
        prospect_trace::TraceReader::open(&a).unwrap(),
        prospect_trace::TraceReader::open(&b).unwrap(),
    );
    for column in ["action", "reward", "time"] {
        assert_eq!(ra.events(column).unwrap(), rb.events(column).unwrap());
    }
    assert_eq!(
        ra.series("layer2", "eligibility").unwrap().data,
        rb.series("layer2", "eligibility").unwrap().data
    );
}

#[test]
fn bad_reward_keys_name_the_file_and_key() {
    let dir = temp("reward-bad");
    let model =
        std::fs::read_to_string(repo().join("crates/prospect-cli/tests/data/wna-reference.toml"))
            .unwrap();
    let supervised = std::fs::read_to_string(repo().join("models/yinyang-lookahead.toml")).unwrap();
    let cases: Vec<(&str, String, &str, &str)> = vec![
        (
            "unknown-rule",
            model.replace("rule = \"wna-reward\"", "rule = \"hebb\""),
            "plasticity.rule",
            "unknown rule; expected one of local-error, wna-reward",
        ),
        (
            "bad-rule-param",
            model.replace("tau_e = 0.1 ", "tau_e = -1.0 "),
            "plasticity.wna-reward.tau_e",
            "-1 must be finite and > 0",
        ),
        (
            // Not the selected rule, but its table is built too (a sweep over rules would
            // reach it).
            "other-rule-table",
            format!("{model}\n[plasticity.node-perturbation]\ntau_e = -1.0\n"),
            "plasticity.node-perturbation.tau_e",
            "-1 must be > 0",
        ),
        (
            "unknown-rule-table",
            model.replace("[plasticity.wna-reward]", "[plasticity.hebb]"),
            "plasticity.hebb",
            "unknown rule",
        ),
        (
            "noise-layer-0",
            model.replace("layer = 2", "layer = 0"),
            "network.noise[0].layer",
            "non-input layer",
        ),
        (
            "reinforce-without-a-stochastic-element",
            model.replace("rule = \"wna-reward\"", "rule = \"reinforce\""),
            "plasticity.rule",
            "stochastic element",
        ),
        (
            "node-perturbation-without-noise",
            model
                .replace("rule = \"wna-reward\"", "rule = \"node-perturbation\"")
                .replace("sigma = 1.0 ", "sigma = 0.0 "),
            "network.noise",
            "learns from the noise alone",
        ),
        (
            "noise-missing-sigma",
            model.replace("sigma = 1.0 ", ""),
            "network.noise[0].sigma",
            "missing",
        ),
        (
            "epsilon-2",
            model.replace(
                "policy = \"greedy\"",
                "policy = \"epsilon-greedy\"\nepsilon = 2.0",
            ),
            "trial.epsilon",
            "must lie in [0, 1]",
        ),
        (
            "readout-after-trial",
            model.replace("readout_time = 25.0", "readout_time = 31.0"),
            "trial.readout_time",
            "(0, time = 30]",
        ),
        (
            "presentation-time",
            model.replace("batch = 1\n", "batch = 1\npresentation_time = 1.0\n"),
            "training.presentation_time",
            "trial.time",
        ),
        (
            "trial-with-supervised-rule",
            format!("{supervised}\n[trial]\ntime = 30.0\n"),
            "trial",
            "for reward rules",
        ),
        (
            "rewards-with-supervised-rule",
            supervised.replace("n_test = 1000", "n_test = 1000\nreward_wrong = 0.0"),
            "task.reward_wrong",
            "reward rules",
        ),
        (
            "reinforce-readout-tau",
            std::fs::read_to_string(repo().join("models/bandit-gradient.toml"))
                .unwrap()
                .replace(
                    "readout_tau = 0.0               # = trial",
                    "readout_tau = 0.1 # trial",
                ),
            "plasticity.reinforce.readout_tau",
            "0.1 differs from trial.readout_tau = 0",
        ),
        (
            "n-patterns",
            model.replace(
                "kind = \"yin-yang\"\nn_train = 5000\nn_test = 1000",
                "kind = \"patterns\"\nn_patterns = 4",
            ),
            "task.n_patterns",
            "4 patterns but 3 outputs",
        ),
        (
            // Bernoulli units fire with probability equal to their rate: a soft-relu rate
            // above 1 would fire always, silently.
            "bernoulli-soft-relu",
            model
                .replace("kind = \"ornstein-uhlenbeck\"", "kind = \"bernoulli\"")
                .replace("tau_c = 30.0 ", "")
                .replace("sigma = 1.0 ", "")
                .replace("gain = 0.01 ", ""),
            "network.noise[0].kind",
            "must lie in [0, 1]; layer2 has the activation soft-relu",
        ),
        (
            // JSON (the rules' parameter format) has no NaN or ∞: `tau_e = inf` (the error of a
            // negative tau_e says "inf: no decay") used to fail as "invalid type: null".
            "rule-table-inf",
            format!("{model}\n[plasticity.node-perturbation]\ntau_e = inf\n"),
            "plasticity.node-perturbation.tau_e",
            "inf: a rule's table takes finite numbers; leave the key out for its default",
        ),
        (
            "rule-table-nan",
            model.replace("lateral = 0.8 ", "lateral = nan "),
            "plasticity.wna-reward.lateral",
            "NaN: a rule's table takes finite numbers",
        ),
        (
            "rule-variable",
            model.replace("\"modulator\"]", "\"modulator\", \"perturbation\"]"),
            "record.variables",
            "\"perturbation\": expected one of",
        ),
    ];
    for (name, text_of_model, key, reason) in cases {
        assert!(
            text_of_model != model && text_of_model != supervised,
            "{name}: the edit must change the model"
        );
        let path = dir.join(format!("{name}.toml"));
        std::fs::write(&path, text_of_model).unwrap();
        let out = dir.join(format!("{name}.h5"));
        let o = run(&[
            "run",
            path.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        let stderr = text(&o).1;
        assert_eq!(o.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("{name}.toml: {key}: ")) && stderr.contains(reason),
            "{name}: {stderr}"
        );
        assert!(!out.exists(), "{name}: nothing may run");
    }
    // A sweep validates every point before the first run: a bad table of the second rule
    // fails the whole sweep up front.
    let out_dir = dir.join("sweep");
    let o = run(&[
        "sweep",
        "crates/prospect-cli/tests/data/wna-reference.toml",
        "--set",
        "plasticity.rule=wna-reward,node-perturbation",
        "--set",
        "plasticity.node-perturbation.tau_e=-1.0",
        "--out-dir",
        out_dir.to_str().unwrap(),
    ]);
    let stderr = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("plasticity.node-perturbation.tau_e"),
        "{stderr}"
    );
    assert!(!out_dir.exists(), "no run started");
}

#[test]
fn gradient_bandit_runs_and_plots_against_trials() {
    let dir = temp("bandit");
    let d = dir.to_str().unwrap();
    let o = run(&[
        "sweep",
        "models/bandit-gradient.toml",
        "--set",
        "plasticity.eta=0.1,0.4",
        "--set",
        "training.epochs=30",
        "--seeds",
        "0..2",
        "--out-dir",
        d,
        "--jobs",
        "2",
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    let file = dir.join("plasticity.eta=0.1_seed=0.h5");
    let r = prospect_trace::TraceReader::open(&file).unwrap();
    // One step per epoch: train accuracy is 1 when that step's arm was optimal, else 0, and
    // the events hold one action and one reward per step.
    let acc = r.metric("train_accuracy").unwrap();
    assert_eq!(acc.values.len(), 30);
    assert!(acc.values.iter().all(|v| *v == 0.0 || *v == 1.0));
    assert_eq!(r.events("action").unwrap().len(), 30);
    assert_eq!(r.metric("trials").unwrap().values[29], 30.0);
    // Epoch i's mean reward is step i's reward.
    assert_eq!(
        r.metric("mean_reward").unwrap().values,
        r.events("reward").unwrap()
    );
    // Fig. 2.5 as an ablation: one band and one mean line per α, against trials.
    let svg = dir.join("fig.svg");
    let o = run(&[
        "plot",
        d,
        "--kind",
        "ablation",
        "--by",
        "plasticity.eta",
        "--metric",
        "train_accuracy",
        "--out",
        svg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    let text_of = std::fs::read_to_string(&svg).unwrap();
    assert_eq!(text_of.matches("<polygon").count(), 2, "a band per group");
    let labels = texts(&text_of);
    assert!(labels.iter().any(|t| t == "trials"), "{labels:?}");
    assert!(
        labels.iter().any(|t| t == "plasticity.eta = 0.4 (n = 2)"),
        "{labels:?}"
    );
    let o = run(&[
        "plot",
        d,
        "--kind",
        "ablation",
        "--by",
        "plasticity.eta",
        "--metric",
        "train_accuracy",
        "--x",
        "epoch",
        "--out",
        svg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    let labels = texts(&std::fs::read_to_string(&svg).unwrap());
    assert!(labels.iter().any(|t| t == "epoch"), "{labels:?}");
    assert!(!labels.iter().any(|t| t == "trials"), "{labels:?}");
    // Several inputs are pooled, a file named twice counted once: the folder and one of its
    // files give the same two runs per α.
    let one = dir.join("plasticity.eta=0.1_seed=0.h5");
    let o = run(&[
        "plot",
        d,
        one.to_str().unwrap(),
        "--kind",
        "ablation",
        "--by",
        "plasticity.eta",
        "--metric",
        "train_accuracy",
        "--out",
        svg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    let labels = texts(&std::fs::read_to_string(&svg).unwrap());
    assert!(
        labels.iter().any(|t| t == "plasticity.eta = 0.1 (n = 2)"),
        "{labels:?}"
    );
    // Two single files: both runs are drawn (the second input is not ignored).
    let other = dir.join("plasticity.eta=0.4_seed=1.h5");
    let o = run(&[
        "plot",
        one.to_str().unwrap(),
        other.to_str().unwrap(),
        "--kind",
        "ablation",
        "--by",
        "plasticity.eta",
        "--metric",
        "train_accuracy",
        "--out",
        svg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    let labels = texts(&std::fs::read_to_string(&svg).unwrap());
    assert!(
        labels.iter().any(|t| t == "plasticity.eta = 0.4 (n = 1)"),
        "{labels:?}"
    );
    // A traces figure draws one file.
    let o = run(&[
        "plot",
        d,
        "--kind",
        "traces",
        "--out",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o).1);
    assert!(text(&o).1.contains("one trace file"), "{}", text(&o).1);
    // Two keys group by both (Fig. 2.5's four curves): α × seed here, one run per group.
    let o = run(&[
        "plot",
        d,
        "--kind",
        "ablation",
        "--by",
        "plasticity.eta,training.seed",
        "--metric",
        "train_accuracy",
        "--out",
        svg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    let text_of = std::fs::read_to_string(&svg).unwrap();
    let labels = texts(&text_of);
    assert!(
        labels
            .iter()
            .any(|t| t == "plasticity.eta = 0.4, training.seed = 1 (n = 1)"),
        "{labels:?}"
    );
    let o = run(&[
        "plot",
        d,
        "--kind",
        "ablation",
        "--by",
        "plasticity.eta,no.such.key",
        "--out",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o).1);
    assert!(
        text(&o).1.contains("no parameter no.such.key"),
        "{}",
        text(&o).1
    );
    // Trials asked of a supervised run, which has none: refused, naming the file.
    let sup = dir.join("sup");
    std::fs::create_dir_all(&sup).unwrap();
    let o = run(&[
        "run",
        "models/yinyang-lookahead.toml",
        "--set",
        "training.epochs=1",
        "--set",
        "task.n_train=20",
        "--set",
        "task.n_test=20",
        "--set",
        "record.off=true",
        "--out",
        sup.join("s.h5").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    let o = run(&[
        "plot",
        sup.to_str().unwrap(),
        "--kind",
        "ablation",
        "--by",
        "plasticity.rule",
        "--x",
        "trials",
        "--out",
        svg.to_str().unwrap(),
    ]);
    let stderr = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("s.h5") && stderr.contains("no trials metric"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_a_reward_run_after_its_trial() {
    use std::io::Read;
    let dir = temp("reward-sigint");
    let out = dir.join("interrupted.h5");
    // The bandit at 100 000 steps runs for tens of seconds: long enough to be interrupted.
    let mut child = common::bin()
        .args([
            "run",
            "models/bandit-gradient.toml",
            "--set",
            "training.epochs=100000",
            "--out",
            out.to_str().unwrap(),
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while !prospect_trace::TraceReader::open(&out)
        .is_ok_and(|r| r.metric("trials").is_ok_and(|m| m.values.len() >= 2))
    {
        if start.elapsed().as_secs() > 60 {
            child.kill().unwrap();
            panic!("no epochs visible in the running trace after 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    let r = prospect_trace::TraceReader::open(&out).unwrap();
    assert_eq!(r.attr("status").unwrap(), "failed");
    assert!(r.attr("error").unwrap().contains("interrupted"));
    // Every finished trial left its event: one per completed epoch (one step each), at least.
    let trials = r.metric("trials").unwrap().values.len();
    assert!(r.events("action").unwrap().len() >= trials);
}

#[test]
fn eligibility_traces_count_in_the_memory_budget() {
    // A reward rule keeps traces of every weight per batch column: 100 columns × 1 M weights ×
    // 8 bytes × 3 (eligibility, homeostatic, bias) = 2.4 GB, built when the model is checked.
    // Under --max-memory 1G that is refused, naming the batch, before anything is allocated
    // (the state alone, 100 × 2003 neurons, is 38 MB). `record.variables = ["nope"]` is the
    // check after the rule is built: reaching it would mean the traces were allocated.
    let o = run(&[
        "run",
        "models/wna-patterns.toml",
        "--max-memory",
        "1G",
        "--set",
        "network.sizes=[1000, 1000, 3]",
        "--set",
        "network.init_std=0.04",
        "--set",
        "training.batch=100",
        "--set",
        "record.variables=[\"nope\"]",
    ]);
    let stderr = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("training.batch: needs"), "{stderr}");
}

//! End-to-end tests of the algorithmic form (`network.form = "algorithmic"`: Q-AGREL and its
//! backprop baseline under the paper's protocol) through the real `prospect` binary, on a tiny
//! MNIST-format folder the test writes: 200 training and 50 test images of 4 × 4 pixels, ten
//! classes. Each run takes well under a second.

mod common;
use common::{repo, run, stderr, temp, text};

use std::path::{Path, PathBuf};

use prospect_trace::TraceReader;

/// An IDX file of unsigned bytes (LeCun's format: magic 0x0000_08_nd, dimensions big-endian).
fn idx(path: &Path, dims: &[u32], data: &[u8]) {
    let mut b = vec![0, 0, 0x08, dims.len() as u8];
    for d in dims {
        b.extend(d.to_be_bytes());
    }
    b.extend(data);
    std::fs::write(path, b).unwrap();
}

/// A tiny MNIST-format folder: image i of class c = i mod 10 has pixel c at 255 and the other
/// 15 pixels at low noise (0–59, a fixed LCG), so the classes are separable.
fn tiny_idx(dir: &Path) -> PathBuf {
    let data = dir.join("idx");
    std::fs::create_dir_all(&data).unwrap();
    let mut state: u32 = 12_345;
    let mut noise = || {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        ((state >> 16) % 60) as u8
    };
    for (prefix, n) in [("train", 200u32), ("t10k", 50)] {
        let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
        let mut pixels = Vec::with_capacity(n as usize * 16);
        for &c in &labels {
            for p in 0..16u8 {
                pixels.push(if p == c { 255 } else { noise() });
            }
        }
        idx(
            &data.join(format!("{prefix}-images-idx3-ubyte")),
            &[n, 4, 4],
            &pixels,
        );
        idx(
            &data.join(format!("{prefix}-labels-idx1-ubyte")),
            &[n],
            &labels,
        );
    }
    data
}

/// A Q-AGREL (or, with `rule = "backprop"`, backprop) model of 16-12-10 on the tiny folder:
/// 4 epochs, batches of 10, 20 validation images validated every 2 epochs, no early stop.
fn model(dir: &Path, rule: &str) -> PathBuf {
    let data = tiny_idx(dir);
    let policy = if rule == "qagrel" {
        "[trial]\npolicy = \"max-boltzmann\"\nepsilon = 0.2\ntemperature = 1.0\n"
    } else {
        ""
    };
    let text = format!(
        "[network]\nform = \"algorithmic\"\nsizes = [16, 12, 10]\nprecision = \"f64\"\n\n\
         [plasticity]\nrule = \"{rule}\"\n\n\
         [task]\nkind = \"idx\"\npath = \"{}\"\n\n{policy}\n\
         [training]\nepochs = 4\nbatch = 10\nseed = 0\nlearning_rate = {}\n\
         validation_size = 20\nvalidate_every = 2\nstop_window = 0\n",
        data.display(),
        if rule == "qagrel" { 0.5 } else { 0.1 },
    );
    let path = dir.join(format!("{rule}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

fn run_json(args: &[&str]) -> serde_json::Value {
    let o = run(args);
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{args:?}: {stderr}");
    serde_json::from_str(stdout.trim()).expect("one JSON line")
}

/// A run writes the protocol's metrics per epoch (the trial driver's names where they mean
/// the same), the summary line says what they say, and the same seed gives the same values.
#[test]
fn an_algorithmic_run_writes_the_protocols_metrics() {
    let dir = temp("qagrel-metrics");
    let model = model(&dir, "qagrel");
    let out = dir.join("q.h5");
    let summary = run_json(&[
        "run",
        model.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(summary["epochs"], 4);
    assert!(summary["stop_epoch"].is_null());
    assert!(summary["train_loss"].is_null(), "Q-AGREL has no loss");
    let r = TraceReader::open(&out).unwrap();
    assert!(r.is_complete());
    let metric = |name: &str| r.metric(name).unwrap_or_else(|e| panic!("{name}: {e}"));
    let epochs = vec![1.0, 2.0, 3.0, 4.0];
    for name in [
        "mean_reward",
        "train_accuracy",
        "test_accuracy",
        "learning_rate",
        "wall_seconds",
    ] {
        assert_eq!(metric(name).x, epochs, "{name}");
    }
    assert_eq!(metric("validation_accuracy").x, vec![2.0, 4.0]);
    assert_eq!(metric("learning_rate").values, vec![0.5; 4]);
    assert_eq!(metric("converged").values, vec![0.0]);
    // Rewards 1 / 0: the mean reward is the fraction of right selections.
    assert_eq!(
        metric("mean_reward").values,
        metric("train_accuracy").values
    );
    assert_eq!(
        summary["test_accuracy"].as_f64(),
        metric("test_accuracy").values.last().copied()
    );
    // Fig. 6's curves: the selection fractions of the 180 training images of an epoch sum to
    // one; every class is seen, so each has its accuracy.
    let selected: Vec<Vec<f64>> = (0..10)
        .map(|a| metric(&format!("selected_{a}")).values)
        .collect();
    for e in 0..4 {
        let sum: f64 = selected.iter().map(|s| s[e]).sum();
        assert!((sum - 1.0).abs() < 1e-12, "epoch {}: {sum}", e + 1);
    }
    for c in 0..10 {
        assert_eq!(metric(&format!("class_accuracy_{c}")).x, epochs);
    }
    // The same seed again: the same metrics, bit for bit.
    let again = dir.join("q2.h5");
    run_json(&[
        "run",
        model.to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
    ]);
    let r2 = TraceReader::open(&again).unwrap();
    for name in ["mean_reward", "test_accuracy", "validation_accuracy"] {
        assert_eq!(metric(name), r2.metric(name).unwrap(), "{name}");
    }

    // Backprop: its loss instead of a reward, and it learns the separable classes: chance is
    // 10 %, and a run that ignored its targets would score 10 ± 4 % (one standard error on 50
    // test images), so ≥ 40 % after 20 epochs is far outside chance.
    let model = crate::model(&dir, "backprop");
    let out = dir.join("b.h5");
    let summary = run_json(&[
        "run",
        model.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--set",
        "training.epochs=20",
    ]);
    assert!(summary["mean_reward"].is_null());
    assert!(summary["train_loss"].as_f64().unwrap() > 0.0);
    assert!(
        summary["test_accuracy"].as_f64().unwrap() >= 0.4,
        "{summary}"
    );
    let r = TraceReader::open(&out).unwrap();
    assert_eq!(r.metric("train_loss").unwrap().values.len(), 20);
}

/// The stopping criterion ends a run early and the summary names the epoch: validation every
/// epoch, two validations agreeing to whole percents.
#[test]
fn the_stopping_criterion_ends_a_run_early() {
    let dir = temp("qagrel-stop");
    let model = model(&dir, "backprop");
    let out = dir.join("s.h5");
    let summary = run_json(&[
        "run",
        model.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--set",
        "training.epochs=200",
        "--set",
        "training.validate_every=1",
        "--set",
        "training.stop_window=2",
        "--set",
        "training.stop_decimals=0",
    ]);
    let stop = summary["stop_epoch"].as_u64().expect("met");
    assert_eq!(summary["epochs"].as_u64(), Some(stop));
    assert!(stop < 200);
    let r = TraceReader::open(&out).unwrap();
    assert_eq!(r.metric("stop_epoch").unwrap().values, vec![stop as f64]);
    assert_eq!(r.metric("converged").unwrap().values, vec![1.0]);
    let v = r.metric("validation_accuracy").unwrap().values;
    let n = v.len();
    assert_eq!(
        (100.0 * v[n - 1]).round(),
        (100.0 * v[n - 2]).round(),
        "{v:?}"
    );
}

/// Every bad key or value is refused before anything runs, with exit code 2 naming the file,
/// the dotted key and the reason; keys without meaning for the form are refused too.
#[test]
fn bad_algorithmic_keys_exit_2_naming_the_key() {
    let dir = temp("qagrel-bad");
    let qagrel = model(&dir, "qagrel");
    let backprop = model(&dir, "backprop");
    let cases: [(&Path, &str, &str, &str); 19] = [
        (&qagrel, "network.tau=10", "network.tau", "no time"),
        (
            &qagrel,
            "network.init_std=0.1",
            "network.init_std",
            "network.init",
        ),
        (&qagrel, "network.init=-1", "network.init", "> 0"),
        (
            &qagrel,
            "network.precision=f16",
            "network.precision",
            "\"f32\"",
        ),
        (
            &qagrel,
            "network.feedback=sideways",
            "network.feedback",
            "learned",
        ),
        (
            &qagrel,
            "network.form=cartoon",
            "network.form",
            "algorithmic",
        ),
        (
            &qagrel,
            "plasticity.rule=hebb",
            "plasticity.rule",
            "\"qagrel\" or \"backprop\"",
        ),
        (
            &qagrel,
            "plasticity.eta=0.1",
            "plasticity.eta",
            "training.learning_rate",
        ),
        (&qagrel, "integrator.dt=0.1", "integrator", "no ODE"),
        (&qagrel, "trial.time=3", "trial.time", "no trial time"),
        (&qagrel, "trial.epsilon=1.5", "trial.epsilon", "[0, 1]"),
        (
            &qagrel,
            "training.learning_rate=0",
            "training.learning_rate",
            "> 0",
        ),
        (
            &qagrel,
            "training.stop_window=1",
            "training.stop_window",
            "≥ 2",
        ),
        (
            &qagrel,
            "training.validation_size=200",
            "training.validation_size",
            "no training image",
        ),
        (&qagrel, "task.pixels=grey", "task.pixels", "\"binary\""),
        // The non-finite key is named, not its partner.
        (
            &qagrel,
            "task.reward_wrong=-inf",
            "task.reward_wrong",
            "must be finite",
        ),
        (
            &qagrel,
            "record.every=0.1",
            "record.every",
            "no time series",
        ),
        (
            &backprop,
            "network.feedback=learned",
            "network.feedback",
            "Q-AGREL",
        ),
        (
            &backprop,
            "task.reward_wrong=0",
            "task.reward_wrong",
            "Q-AGREL",
        ),
    ];
    for (model, set, key, reason) in cases {
        let o = run(&[
            "run",
            model.to_str().unwrap(),
            "--set",
            set,
            "--out",
            dir.join("never.h5").to_str().unwrap(),
        ]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{set}: {err}");
        let want = format!("{}: {key}: ", model.display());
        assert!(
            err.contains(&want) && err.contains(reason),
            "{set}: expected {want:?} … {reason:?}, got {err}"
        );
        assert!(!dir.join("never.h5").exists(), "{set}: a trace was written");
    }
    // Sizes beyond the memory available are refused naming the key that drives them
    // (model/budget.rs, the algorithmic estimate), before anything is allocated.
    for (set, key) in [
        ("network.sizes=[16, 100000000, 10]", "network.sizes"),
        ("training.batch=100000000", "training.batch"),
        ("training.epochs=1000000000000", "training.epochs"),
        ("task.n_test=1000000000000", "task.n_test"),
    ] {
        let o = run(&[
            "--max-memory",
            "4G",
            "run",
            qagrel.to_str().unwrap(),
            "--set",
            set,
        ]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{set}: {err}");
        assert!(
            err.contains(&format!("{key}: needs")) && err.contains("GB --max-memory"),
            "{set}: {err}"
        );
    }
    // The algorithmic keys mean nothing to the prospective network.
    let yinyang = repo().join("models/yinyang-lookahead.toml");
    let o = run(&[
        "run",
        yinyang.to_str().unwrap(),
        "--set",
        "training.learning_rate=0.5",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("training.learning_rate: only the algorithmic network"));
    // The continuous rule refuses β = 0 under the model key it reads, not its (empty) table.
    let continuous = repo().join("models/qagrel-continuous-yinyang.toml");
    let o = run(&[
        "run",
        continuous.to_str().unwrap(),
        "--set",
        "plasticity.beta=0",
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "{}: plasticity.beta: 0 must be > 0",
            continuous.display()
        )),
        "{err}"
    );
}

/// A diverging run (one linear layer at α = 10⁴) ends with exit code 1 and an error naming
/// the epoch, batch, sample and output unit of the first non-finite Q value; its trace is
/// marked failed, never complete.
#[test]
fn a_diverging_run_fails_naming_where() {
    let dir = temp("qagrel-nan");
    let model = model(&dir, "qagrel");
    let out = dir.join("nan.h5");
    let o = run(&[
        "run",
        model.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--set",
        "network.sizes=[16, 10]",
        "--set",
        "training.learning_rate=1e4",
        "--set",
        "training.epochs=50",
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("non-finite Q value")
            && err.contains("in epoch ")
            && err.contains("batch ")
            && err.contains("output unit "),
        "{err}"
    );
    assert!(!TraceReader::open(&out).unwrap().is_complete());
}

/// A sweep over `network.feedback` runs each mode and seed, its summary has one row per run
/// with the mode, and the ablation figure groups by it.
#[test]
fn a_sweep_groups_over_network_feedback() {
    let dir = temp("qagrel-sweep");
    let model = model(&dir, "qagrel");
    let out = dir.join("sweep");
    let o = run(&[
        "sweep",
        model.to_str().unwrap(),
        "--set",
        "network.feedback=symmetric,learned,random",
        "--seeds",
        "0..2",
        "--set",
        "training.epochs=2",
        "--jobs",
        "2",
        "--out-dir",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 6, "{csv}");
    for mode in ["symmetric", "learned", "random"] {
        let n = rows
            .iter()
            .filter(|r| r[col("network.feedback")] == mode && r[col("status")] == "complete")
            .count();
        assert_eq!(n, 2, "{mode}: {csv}");
    }
    assert!(rows.iter().all(|r| !r[col("test_accuracy")].is_empty()));
    let svg = dir.join("feedback.svg");
    let o = run(&[
        "plot",
        out.to_str().unwrap(),
        "--kind",
        "ablation",
        "--by",
        "network.feedback",
        "--metric",
        "test_accuracy",
        "--out",
        svg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let figure = std::fs::read_to_string(&svg).unwrap();
    for mode in ["symmetric", "learned", "random"] {
        assert!(figure.contains(mode), "{mode} missing from the figure");
    }
}

/// Ctrl-C stops an algorithmic run after its current batch: exit code 130, the trace marked
/// failed with the reason, the finished epochs' metrics kept.
#[test]
fn ctrl_c_stops_an_algorithmic_run() {
    use std::io::Read;
    let dir = temp("qagrel-sigint");
    let model = model(&dir, "qagrel");
    let out = dir.join("interrupted.h5");
    let mut child = common::bin()
        .args([
            "run",
            model.to_str().unwrap(),
            "--set",
            "training.epochs=10000000",
            "--out",
            out.to_str().unwrap(),
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while !TraceReader::open(&out)
        .is_ok_and(|r| r.metric("test_accuracy").is_ok_and(|m| m.values.len() >= 2))
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
    // An epoch of the tiny model takes milliseconds: 30 s without an exit is a run that
    // ignored the stop flag.
    let stopped = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if stopped.elapsed().as_secs() > 30 {
            child.kill().unwrap();
            panic!("still running 30 s after Ctrl-C");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    let r = TraceReader::open(&out).unwrap();
    assert_eq!(r.attr("status").unwrap(), "failed");
    assert!(r.attr("error").unwrap().contains("interrupted"));
    assert!(r.metric("test_accuracy").unwrap().values.len() >= 2);
}

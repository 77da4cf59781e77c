//! End-to-end tests of the real `prospect` binary on the shipped model files (short settings).

mod common;
use common::{bin, repo, run, temp, text};

use std::path::Path;
use std::process::Command;

const SHORT: [&str; 6] = [
    "--set",
    "training.epochs=2",
    "--set",
    "task.n_train=200",
    "--set",
    "task.n_test=100",
];

#[test]
fn run_writes_a_trace_with_metrics_and_prints_json() {
    let dir = temp("run");
    let out = dir.join("run.h5");
    let mut args = vec![
        "run",
        "models/yinyang-lookahead.toml",
        "--out",
        out.to_str().unwrap(),
        "--seed",
        "5",
    ];
    args.extend(SHORT);
    let o = run(&args);
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    let summary: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    assert_eq!(summary["seed"], 5);
    assert_eq!(summary["epochs"], 2);
    // Chance is 1/3. On these settings (seed 5, 200 samples, 2 epochs) the same run with
    // learning off (`plasticity.eta_per_presentation=0`) gives 0.43 and without look-ahead
    // 0.27; the run as shipped gives 0.66 (seeds 0–7: 0.55–0.78). 0.55 is 2.4 binomial σ
    // (100 test samples) above the learning-off figure: a run whose learning is broken fails.
    let accuracy = summary["test_accuracy"].as_f64().unwrap();
    assert!(accuracy >= 0.55, "test accuracy {accuracy}");
    let reader = prospect_trace::TraceReader::open(&out).unwrap();
    assert!(reader.is_complete());
    assert_eq!(reader.metric("test_accuracy").unwrap().values.len(), 2);
    assert!(
        reader
            .attr("model")
            .unwrap()
            .contains("look-ahead ablation"),
        "original text with comments"
    );
    assert!(
        reader
            .attr("model_effective")
            .unwrap()
            .contains("n_train = 200")
    );
    let inspect = run(&["inspect", out.to_str().unwrap()]);
    let (stdout, _) = text(&inspect);
    assert!(
        inspect.status.success()
            && stdout.contains("/traces/layer2/u_breve")
            && stdout.contains("test_accuracy:")
    );
}

#[test]
fn same_seed_gives_identical_trace_data() {
    let dir = temp("same");
    let data = |name: &str| {
        let out = dir.join(name);
        let mut args = vec![
            "run",
            "models/yinyang-lookahead.toml",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend(SHORT);
        assert!(run(&args).status.success());
        let r = prospect_trace::TraceReader::open(&out).unwrap();
        (
            r.series("layer2", "u_breve").unwrap(),
            r.metric("test_loss").unwrap(),
        )
    };
    let (a, b) = (data("a.h5"), data("b.h5"));
    assert_eq!(a.0.data, b.0.data);
    assert_eq!(a.0.times, b.0.times);
    assert_eq!(a.1, b.1);
}

#[test]
fn sweep_runs_the_grid_resumes_and_plots() {
    let dir = temp("sweep");
    let d = dir.to_str().unwrap();
    let mut args = vec![
        "sweep",
        "models/yinyang-lookahead.toml",
        "--set",
        "network.lookahead=true,false",
        "--seeds",
        "0..2",
        "--jobs",
        "2",
        "--out-dir",
        d,
    ];
    args.extend(SHORT);
    let o = run(&args);
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        (report["ran"].as_u64(), report["skipped"].as_u64()),
        (Some(4), Some(0))
    );
    let traces: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "h5"))
        .collect();
    assert_eq!(traces.len(), 4);
    let csv = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 5, "{csv}");
    assert!(
        lines[0].starts_with("file,status,network.lookahead,seed,train_accuracy,test_accuracy"),
        "{}",
        lines[0]
    );
    assert!(lines[1..].iter().all(|l| l.contains(",complete,")), "{csv}");

    // Resumed: every run is complete, nothing runs again.
    let o = run(&args);
    let report: serde_json::Value = serde_json::from_str(text(&o).0.trim()).unwrap();
    assert_eq!(
        (report["ran"].as_u64(), report["skipped"].as_u64()),
        (Some(0), Some(4))
    );

    // A deleted summary comes back from the traces.
    std::fs::remove_file(dir.join("summary.csv")).unwrap();
    assert!(run(&["collect", d]).status.success());
    assert_eq!(
        std::fs::read_to_string(dir.join("summary.csv")).unwrap(),
        csv
    );

    let png = dir.join("ablation.png");
    let o = run(&[
        "plot",
        d,
        "--kind",
        "ablation",
        "--by",
        "network.lookahead",
        "--out",
        png.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    assert!(std::fs::metadata(&png).unwrap().len() > 10_000);
    let svg = dir.join("learning.svg");
    assert!(
        run(&[
            "plot",
            d,
            "--kind",
            "learning",
            "--out",
            svg.to_str().unwrap()
        ])
        .status
        .success()
    );
}

#[test]
fn slurm_script_has_one_task_per_grid_point() {
    let dir = temp("slurm");
    let script = dir.join("sweep.sbatch");
    let o = run(&[
        "sweep",
        "models/yinyang-lookahead.toml",
        "--set",
        "network.lookahead=true,false",
        "--set",
        "plasticity.beta=0.05,0.1",
        "--seeds",
        "0..3",
        "--out-dir",
        dir.to_str().unwrap(),
        "--emit-slurm",
        script.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    let s = std::fs::read_to_string(&script).unwrap();
    assert!(
        s.contains("#SBATCH --array=0-11") && s.contains("--only-index \"$SLURM_ARRAY_TASK_ID\""),
        "{s}"
    );
    // Task 5 of that grid runs alone.
    let mut args = vec![
        "sweep",
        "models/yinyang-lookahead.toml",
        "--set",
        "network.lookahead=true,false",
        "--set",
        "plasticity.beta=0.05,0.1",
        "--seeds",
        "0,1,2",
        "--out-dir",
        dir.to_str().unwrap(),
        "--only-index",
        "5",
        "--jobs",
        "1",
    ];
    args.extend(SHORT);
    assert!(run(&args).status.success());
    assert!(
        dir.join("network.lookahead=true_plasticity.beta=0.1_seed=2.h5")
            .exists()
    );
}

/// Every bad-input class: the message names the file, the dotted key and the reason, and the
/// exit code is 2; nothing runs.
#[test]
fn bad_input_is_rejected_before_anything_runs() {
    let dir = temp("bad");
    let model = std::fs::read_to_string(repo().join("models/yinyang-lookahead.toml")).unwrap();
    let cases: [(&str, String, &str, &str); 8] = [
        (
            "unknown-key",
            model.replace("[network]", "[network]\ntua = 3"),
            "network",
            "unknown field `tua`",
        ),
        (
            "wrong-type",
            model.replace("lookahead = true ", "lookahead = \"yes\" "),
            "network.lookahead",
            "invalid type",
        ),
        (
            "tau-zero",
            model.replace("tau = 10.0 ", "tau = 0.0 "),
            "network.tau",
            "must be finite and > 0",
        ),
        (
            "tau-nan",
            model.replace("tau = 10.0 ", "tau = nan "),
            "network.tau",
            "must be finite and > 0",
        ),
        (
            "negative-size",
            model.replace("sizes = [4, 120, 3]", "sizes = [4, -120, 3]"),
            "network.sizes",
            "must be > 0",
        ),
        (
            "missing-data",
            model.replace(
                "kind = \"yin-yang\"",
                "kind = \"idx\"\npath = \"/nonexistent/mnist\"",
            ),
            "task.path",
            "no such folder",
        ),
        (
            "bad-method",
            model.replace("method = \"euler\"", "method = \"rk45\""),
            "integrator.method",
            "unknown method",
        ),
        (
            "bad-toml",
            model.replace("[network]", "[network"),
            "-",
            "not valid TOML",
        ),
    ];
    for (name, text_of_model, key, reason) in cases {
        let path = dir.join(format!("{name}.toml"));
        std::fs::write(&path, text_of_model).unwrap();
        let out = dir.join(format!("{name}.h5"));
        let o = run(&[
            "run",
            path.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        let (_, stderr) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("{name}.toml"))
                && stderr.contains(key)
                && stderr.contains(reason),
            "{name}: {stderr}"
        );
        assert!(!out.exists(), "{name}: nothing may run");
    }
    // --set goes through the same checks.
    let o = run(&[
        "run",
        "models/yinyang-lookahead.toml",
        "--set",
        "training.batch=0",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("training.batch"), "{}", text(&o).1);
    // A model that does not exist.
    let o = run(&["run", "models/nope.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("nope.toml"));
}

#[test]
fn shipped_models_validate() {
    for entry in std::fs::read_dir(repo().join("models")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            // An impossible epoch count fails validation *after* parsing: reaching that check
            // proves the file parsed and passed every other check.
            let o = run(&["run", path.to_str().unwrap(), "--set", "training.epochs=0"]);
            let stderr = text(&o).1;
            assert!(
                stderr.contains("training.epochs: 0 must be ≥ 1"),
                "{}: {stderr}",
                path.display()
            );
            // The algorithmic form (model/algorithmic.rs) checks the memory budget last:
            // reaching it proves every key of the form is valid.
            if std::fs::read_to_string(&path)
                .unwrap()
                .contains("form = \"algorithmic\"")
            {
                let o = run(&["--max-memory", "1", "run", path.to_str().unwrap()]);
                let stderr = text(&o).1;
                assert!(
                    stderr.contains(": needs ") && stderr.contains("--max-memory"),
                    "{}: {stderr}",
                    path.display()
                );
                continue;
            }
            // `record.variables` is the last check, after the rule and every rule table were
            // built (model/reward.rs): reaching it proves the reward keys are valid too.
            let o = run(&[
                "run",
                path.to_str().unwrap(),
                "--set",
                "record.variables=[\"nope\"]",
            ]);
            let stderr = text(&o).1;
            assert!(
                stderr.contains("record.variables: \"nope\": expected one of"),
                "{}: {stderr}",
                path.display()
            );
        }
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_cleanly_and_leaves_a_valid_file() {
    use std::io::Read;
    let dir = temp("sigint");
    let out = dir.join("interrupted.h5");
    let mut child = bin()
        .args([
            "run",
            "models/yinyang-lookahead.toml",
            "--set",
            "training.epochs=1000",
            "--out",
            out.to_str().unwrap(),
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the file exists and has some epochs in it.
    let start = std::time::Instant::now();
    while !prospect_trace::TraceReader::open(&out)
        .is_ok_and(|r| r.metric("test_accuracy").is_ok_and(|m| m.values.len() >= 2))
    {
        if start.elapsed().as_secs() > 60 {
            child.kill().unwrap();
            panic!("no epochs visible in the running trace after 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Command::new("kill")
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
    assert!(r.metric("test_accuracy").unwrap().values.len() >= 2);
}

#[test]
fn recording_follows_time_windows_and_epochs() {
    let dir = temp("windows");
    let out = dir.join("w.h5");
    // Epoch 1 spans t ∈ [0, 10] with 10 training samples at T = 1.
    let o = run(&[
        "run",
        "models/yinyang-lookahead.toml",
        "--out",
        out.to_str().unwrap(),
        "--set",
        "training.epochs=3",
        "--set",
        "task.n_train=200",
        "--set",
        "task.n_test=100",
        "--set",
        "record.windows=[[2.0, 4.0], [25.0, 26.0]]",
        "--set",
        "record.every=0.5",
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    let r = prospect_trace::TraceReader::open(&out).unwrap();
    let s = r.series("layer2", "u").unwrap();
    assert!(!s.times.is_empty());
    assert!(
        s.times
            .iter()
            .all(|t| (2.0..=4.0).contains(t) || (25.0..=26.0).contains(t)),
        "{:?}",
        s.times
    );
    assert!(
        s.times.windows(2).all(|w| w[1] - w[0] >= 0.5 - 1e-9),
        "{:?}",
        s.times
    );
    assert!(
        s.times.iter().any(|t| *t > 24.0),
        "the second window (epoch 3) is recorded"
    );
}

/// Issue 8 item 5 and issue 9 item 12: settings the integrator cannot honour are refused before
/// running (exit 2, file and key), and a run that diverges anyway fails (exit 1) naming where,
/// with its trace file marked failed — never `complete` with inf in it.
#[test]
fn divergence_fails_and_impossible_integration_is_refused() {
    let dir = temp("diverge");
    let refused: [(&[&str], &str, &str); 5] = [
        // The delayed treatments advance once per step: an adaptive controller would pick
        // their discretisation (docs/model-files.md, `integrator.method`).
        (
            &["integrator.method=dopri5"],
            "integrator.method",
            "one-step-delayed",
        ),
        (
            &["integrator.method=bdf", "network.loop=jacobi"],
            "integrator.method",
            "one-step-delayed",
        ),
        // Euler on τ u̇ = −u grows by |1 − dt/τ| = 9 per step at dt = 0.1, τ = 0.01.
        (&["network.tau=0.01"], "integrator.dt", "unstable"),
        // RK4's real-axis limit is 2.785 τ: dt = 0.1 with τ = 0.035 lies beyond it.
        (
            &["network.tau=0.035", "integrator.method=rk4"],
            "integrator.dt",
            "unstable",
        ),
        (
            &[
                "integrator.method=dopri5",
                "integrator.rtol=1e-300",
                "integrator.atol=0",
            ],
            "integrator.rtol",
            "cannot be met",
        ),
    ];
    for (i, (sets, key, reason)) in refused.iter().enumerate() {
        let out = dir.join(format!("refused{i}.h5"));
        let mut args = vec![
            "run",
            "models/yinyang-lookahead.toml",
            "--out",
            out.to_str().unwrap(),
        ];
        for s in *sets {
            args.extend(["--set", s]);
        }
        let o = run(&args);
        let (_, stderr) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{sets:?}: {stderr}");
        assert!(
            stderr.contains("yinyang-lookahead.toml")
                && stderr.contains(key)
                && stderr.contains(reason),
            "{sets:?}: {stderr}"
        );
        assert!(!out.exists(), "{sets:?}: nothing may run");
    }
    // RK4 just inside its limit runs (0.1 ≤ 2.785 · 0.036 = 0.1003).
    let out = dir.join("rk4-inside.h5");
    let o = run(&[
        "run",
        "models/yinyang-lookahead.toml",
        "--out",
        out.to_str().unwrap(),
        "--set",
        "integrator.method=rk4",
        "--set",
        "network.tau=0.036",
        "--set",
        "training.epochs=1",
        "--set",
        "task.n_train=20",
        "--set",
        "task.n_test=20",
    ]);
    assert_ne!(o.status.code(), Some(2), "{}", text(&o).1);

    // β = 5 makes the error loop blow up within the first 50 presentations.
    let out = dir.join("beta5.h5");
    let o = run(&[
        "run",
        "models/yinyang-lookahead.toml",
        "--out",
        out.to_str().unwrap(),
        "--set",
        "plasticity.beta=5",
        // Record only the last epoch (the shipped model also records the first, where the
        // recorder's f32 check would fire before the trainer's check this test is about).
        "--set",
        "record.epochs=[\"last\"]",
        "--set",
        "training.epochs=2",
        "--set",
        "task.n_train=1000",
        "--set",
        "task.n_test=100",
    ]);
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{stdout} {stderr}");
    assert!(stderr.contains("non-finite"), "{stderr}");
    assert!(
        stderr.contains("layer") && stderr.contains("unit"),
        "names the layer and unit: {stderr}"
    );
    let reader = prospect_trace::TraceReader::open(&out).unwrap();
    assert!(!reader.is_complete());
    assert!(reader.attr("error").unwrap().contains("non-finite"));
}

/// Issue 9 item 2: `--out` onto the model file is refused (exit 2, naming it), with or
/// without `--overwrite`, and the model file is left as it was.
#[test]
fn out_never_overwrites_the_model_file() {
    let dir = temp("overwrite");
    let model = dir.join("m.toml");
    std::fs::copy(repo().join("models/yinyang-lookahead.toml"), &model).unwrap();
    let before = std::fs::read(&model).unwrap();
    let m = model.to_str().unwrap();
    for extra in [&[][..], &["--overwrite"][..]] {
        let mut args = vec!["run", m, "--out", m];
        args.extend(extra);
        args.extend(SHORT);
        let o = run(&args);
        let (_, stderr) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains("m.toml"), "{stderr}");
        assert_eq!(std::fs::read(&model).unwrap(), before, "model file changed");
    }
    // An existing trace needs --overwrite.
    let out = dir.join("t.h5");
    let mut args = vec!["run", m, "--out", out.to_str().unwrap()];
    args.extend(SHORT);
    assert_eq!(run(&args).status.code(), Some(0));
    let o = run(&args);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o).1);
    assert!(text(&o).1.contains("--overwrite"), "{}", text(&o).1);
    args.push("--overwrite");
    assert_eq!(run(&args).status.code(), Some(0), "{}", text(&run(&args)).1);
    // So does any existing path, an empty file included: it is refused and left empty.
    let empty = dir.join("empty.h5");
    std::fs::write(&empty, b"").unwrap();
    let mut args = vec!["run", m, "--out", empty.to_str().unwrap()];
    args.extend(SHORT);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o).1);
    assert!(text(&o).1.contains("--overwrite"), "{}", text(&o).1);
    assert_eq!(std::fs::read(&empty).unwrap(), b"", "empty file replaced");
}

#[cfg(unix)]
fn start_long_run(out: &Path) -> std::process::Child {
    let child = bin()
        .args([
            "run",
            "models/yinyang-lookahead.toml",
            "--set",
            "training.epochs=1000",
            "--out",
            out.to_str().unwrap(),
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while !prospect_trace::TraceReader::open(out).is_ok_and(|r| {
        r.metric("test_accuracy")
            .is_ok_and(|m| !m.values.is_empty())
    }) {
        assert!(start.elapsed().as_secs() < 60, "no epoch after 60 s");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child
}

/// Issue 9 items 1 and 4: while a run writes, a second writer of its file is refused at once
/// (exit 2) and `inspect` says `running`; SIGTERM then stops it like Ctrl-C, marks the file
/// failed with the reason, and exits 143.
#[cfg(unix)]
#[test]
fn second_writer_refused_and_sigterm_marks_failed_with_143() {
    use std::io::Read;
    let dir = temp("sigterm");
    let out = dir.join("term.h5");
    let mut child = start_long_run(&out);
    let t0 = std::time::Instant::now();
    let o = run(&[
        "run",
        "models/yinyang-lookahead.toml",
        "--out",
        out.to_str().unwrap(),
        "--overwrite",
    ]);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("another process is writing"), "{stderr}");
    assert!(stderr.contains("term.h5"), "{stderr}");
    // "At once": before simulating; one epoch of this model alone takes longer.
    assert!(t0.elapsed().as_secs() < 20);
    let o = run(&["inspect", out.to_str().unwrap()]);
    assert!(text(&o).0.contains("status: running"), "{}", text(&o).0);

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
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
    assert_eq!(status.code(), Some(143), "{stderr}");
    let r = prospect_trace::TraceReader::open(&out).unwrap();
    assert_eq!(r.attr("status").unwrap(), "failed");
    assert!(
        r.attr("error").unwrap().contains("SIGTERM"),
        "{}",
        r.attr("error").unwrap()
    );
}

/// Issue 9 item 4: a run killed with SIGKILL leaves `status = running`; with its writer gone,
/// `inspect` and `collect` report it as `interrupted`.
#[cfg(unix)]
#[test]
fn killed_run_is_reported_interrupted() {
    let dir = temp("sigkill");
    let out = dir.join("killed.h5");
    let mut child = start_long_run(&out);
    child.kill().unwrap();
    child.wait().unwrap();
    let o = run(&["inspect", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    assert!(text(&o).0.contains("status: interrupted"), "{}", text(&o).0);
    let o = run(&["collect", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let stderr = text(&o).1;
    assert!(
        stderr.contains("killed.h5") && stderr.contains("interrupted"),
        "{stderr}"
    );
    let png = dir.join("t.png");
    let o = run(&[
        "plot",
        out.to_str().unwrap(),
        "--kind",
        "traces",
        "--out",
        png.to_str().unwrap(),
    ]);
    assert!(
        text(&o).1.contains("the run is interrupted"),
        "{}",
        text(&o).1
    );
}

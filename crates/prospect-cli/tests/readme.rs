//! The README's "Using it" commands, each run as written (in a scratch folder holding the
//! shipped `models/`), with short settings appended to the commands that train:
//! three epochs of 200 training patterns (10 presentations of a batch of 20, so 10 time units
//! each: the last epoch, t 20–30, lies outside the README's trace window 0–15, which only a
//! recording of the first epoch covers), 100 test patterns.

mod common;
use common::repo;

use std::path::Path;
use std::process::Command;

/// The `$P …` lines of the README's "Using it" block, comments removed.
fn using_it() -> Vec<String> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let block = readme
        .split("## Using it")
        .nth(1)
        .and_then(|s| s.split("```sh").nth(1))
        .and_then(|s| s.split("```").next())
        .expect("README has a ```sh block under \"## Using it\"");
    block
        .lines()
        .filter_map(|l| l.strip_prefix("$P "))
        .map(|l| l.split(" #").next().unwrap().trim().to_string())
        .collect()
}

#[test]
fn readme_commands_run_as_written() {
    let lines = using_it();
    assert!(lines.len() >= 8, "{lines:?}");
    let dir = std::env::temp_dir().join(format!("prospect-readme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink(repo().join("models"), dir.join("models")).unwrap();
    let short = [
        "--set",
        "training.epochs=3",
        "--set",
        "task.n_train=200",
        "--set",
        "task.n_test=100",
    ];
    for line in &lines {
        // The lines hold no quotes: words are split at spaces, as the shell does.
        let mut args: Vec<&str> = line.split_whitespace().collect();
        if line.contains("fashion-mnist")
            && !Path::new("/usr/share/datasets/fashion-mnist").is_dir()
        {
            eprintln!("skipped (no Fashion-MNIST here): {line}");
            continue;
        }
        if matches!(args[0], "run" | "sweep") {
            // Data-set sizes exist for data sets only (the patterns and bandit tasks refuse them).
            let data = line.contains("yinyang") || line.contains("fashion");
            args.extend(if data { &short[..] } else { &short[..2] });
        }
        // The algorithmic form draws 1000 validation images per epoch, which must leave some of
        // the 200 training images to train on.
        if matches!(args[0], "run" | "sweep")
            && (line.contains("qagrel-fashion-mnist") || line.contains("backprop-fashion-mnist"))
        {
            args.extend(["--set", "training.validation_size=50"]);
        }
        // Long seed ranges (the gradient bandit's hundreds of runs) shrink to two seeds.
        if let Some(i) = args.iter().position(|a| *a == "--seeds") {
            args[i + 1] = "0..2";
        }
        let o = Command::new(env!("CARGO_BIN_EXE_prospect"))
            .current_dir(&dir)
            .args(&args)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "README line failed: {line}\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    for made in [
        "traces/yinyang-lookahead-seed0.h5",
        "traces/yinyang-lookahead-seed3.h5",
        "traces.png",
        "sweep.sbatch",
        "traces/sweep-yinyang-lookahead/summary.csv",
        "classes.png",
    ] {
        assert!(dir.join(made).exists(), "{made} missing");
    }
    // A window outside the record: the message names the window and the recorded spans
    // (epoch 1, t 0.1–10, and epoch 3, t 20.1–30: samples every 0.1 after each step).
    let o = Command::new(env!("CARGO_BIN_EXE_prospect"))
        .current_dir(&dir)
        .args([
            "plot",
            "traces/yinyang-lookahead-seed0.h5",
            "--kind",
            "traces",
            "--window",
            "5900,5915",
            "--out",
            "late.png",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("window [5900, 5915]") && err.contains("[0.1, 10] ∪ [20.1, 30]"),
        "{err}"
    );
}

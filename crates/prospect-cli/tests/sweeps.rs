//! Sweeps end to end with the real binary: injective file names, resume only on the same
//! effective model, seeds only from `--seeds`, incomplete runs left out of summaries and
//! ablations, and a Slurm script that survives the shell.

mod common;
use common::{repo, run, stderr, temp};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn report(o: &Output) -> serde_json::Value {
    serde_json::from_str(String::from_utf8_lossy(&o.stdout).trim())
        .unwrap_or_else(|e| panic!("{e}: {:?} {}", o.stdout, stderr(o)))
}

fn traces(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".h5"))
        .collect();
    names.sort();
    names
}

/// Tiny runs: one epoch of 40 patterns (2 batches of 20).
const TINY: [&str; 6] = [
    "--set",
    "task.n_train=40",
    "--set",
    "task.n_test=20",
    "--set",
    "training.epochs=1",
];

fn sweep(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "sweep",
        "models/yinyang-lookahead.toml",
        "--out-dir",
        dir.to_str().unwrap(),
        "--jobs",
        "2",
        "--quiet",
    ];
    args.extend(TINY);
    args.extend(extra);
    run(&args)
}

/// Values that today's naming folded into one name (`+` and `-`, `[1, 2]` and `-1--2-`): each
/// grid point gets its own file and its own summary row, and a resume skips exactly those.
#[test]
fn values_that_differ_in_folded_characters_get_their_own_files() {
    let dir = temp("names");
    let o = sweep(
        &dir,
        &["--set", "integrator.rtol=1e-3,1e+3", "--seeds", "0"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(report(&o)["ran"], 2);
    assert_eq!(
        traces(&dir),
        vec![
            "integrator.rtol=1e%2B3_seed=0.h5".to_string(),
            "integrator.rtol=1e-3_seed=0.h5".to_string()
        ]
    );
    let csv = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    assert_eq!(
        csv.lines().count(),
        3,
        "header and one row per point:\n{csv}"
    );
    let o = sweep(
        &dir,
        &["--set", "integrator.rtol=1e-3,1e+3", "--seeds", "0"],
    );
    assert_eq!(
        (report(&o)["ran"].clone(), report(&o)["skipped"].clone()),
        (0.into(), 2.into())
    );
}

/// A resumed sweep whose settings changed reruns every point into a new file, keeps the old
/// ones and says so; the unchanged sweep then skips them all.
#[test]
fn resume_reruns_points_whose_model_changed_and_keeps_the_old_files() {
    let dir = temp("resume");
    let grid = ["--set", "network.lookahead=true,false", "--seeds", "0"];
    assert!(sweep(&dir, &grid).status.success());
    let before = traces(&dir);
    assert_eq!(before.len(), 2);
    let bytes: Vec<Vec<u8>> = before
        .iter()
        .map(|n| std::fs::read(dir.join(n)).unwrap())
        .collect();

    // Same grid, another batch size: both points are another model now.
    let mut changed = grid.to_vec();
    changed.extend(["--set", "training.batch=10"]);
    let o = sweep(&dir, &changed);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        (report(&o)["ran"].clone(), report(&o)["skipped"].clone()),
        (2.into(), 0.into())
    );
    let err = stderr(&o);
    assert!(
        err.contains("training.batch") && err.contains(".v2.h5"),
        "{err}"
    );
    let after = traces(&dir);
    assert_eq!(after.len(), 4, "{after:?}");
    for (n, b) in before.iter().zip(&bytes) {
        assert_eq!(
            &std::fs::read(dir.join(n)).unwrap(),
            b,
            "{n} kept untouched"
        );
    }
    let new =
        prospect_trace::TraceReader::open(&dir.join(before[0].replace(".h5", ".v2.h5"))).unwrap();
    assert!(new.attr("model_effective").unwrap().contains("batch = 10"));

    // Both versions are done now: nothing runs in either setting.
    for args in [&grid[..], &changed[..]] {
        let o = sweep(&dir, args);
        assert_eq!(
            (report(&o)["ran"].clone(), report(&o)["skipped"].clone()),
            (0.into(), 2.into())
        );
    }
}

/// `training.seed` in `--set` would be overridden by `--seeds` (identical runs labelled with
/// different seeds): refused with exit 2 naming the key; so is a repeated value.
#[test]
fn seeds_in_set_and_repeated_values_are_refused() {
    let dir = temp("seedset");
    for (args, key) in [
        (
            &["--set", "training.seed=1,2", "--seeds", "0..2"][..],
            "training.seed",
        ),
        (&["--set", "training.seed=1"][..], "training.seed"),
        (&["--set", "plasticity.beta=0.1,0.1"][..], "plasticity.beta"),
        (&["--seeds", "3,3"][..], "--seeds"),
    ] {
        let o = sweep(&dir, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains(key) && err.contains("yinyang-lookahead.toml"),
            "{err}"
        );
    }
    assert!(traces(&dir).is_empty(), "nothing ran");
}

/// A failed run is left out of summary.csv and of the ablation's mean, and both say so.
#[test]
fn incomplete_runs_are_left_out_of_summaries_and_ablations() {
    let dir = temp("leftout");
    let o = sweep(
        &dir,
        &["--set", "network.lookahead=true,false", "--seeds", "0..2"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // Mark one run failed, as an interrupted run leaves it.
    let victim = dir.join("network.lookahead=false_seed=1.h5");
    let status = std::process::Command::new("python3")
        .args([
            "-c",
            "import h5py,sys\nwith h5py.File(sys.argv[1],'r+') as f: f.attrs['status']='failed'",
            victim.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let o = run(&["collect", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("network.lookahead=false_seed=1.h5 (failed)"),
        "{}",
        stderr(&o)
    );
    let csv = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4, "three complete runs:\n{csv}");
    assert!(!csv.contains("failed"), "{csv}");

    let svg = dir.join("ablation.svg");
    let o = run(&[
        "plot",
        dir.to_str().unwrap(),
        "--kind",
        "ablation",
        "--by",
        "network.lookahead",
        "--out",
        svg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("left 1 runs out"), "{}", stderr(&o));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.contains("network.lookahead = false (n = 1; 1 left out, not complete)")
            && text.contains("network.lookahead = true (n = 2)"),
        "legend counts"
    );
}

/// The Slurm script quotes `$`, spaces and quotes; bash parses it, the `--output` folder
/// exists, and task 0 run locally writes grid point 0 with the literal values.
#[test]
fn slurm_script_survives_the_shell_and_runs_task_zero() {
    let base = temp("slurm");
    let dir = base.join("out dir $HOME");
    let script = base.join("sweep.sbatch");
    let mut args = vec![
        "sweep",
        "models/yinyang-lookahead.toml",
        "--set",
        "network.lookahead=true,false",
        "--seeds",
        "0",
        "--out-dir",
        dir.to_str().unwrap(),
        "--emit-slurm",
        script.to_str().unwrap(),
    ];
    args.extend(TINY);
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.is_dir(), "the --output folder is created");
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(
        text.contains(&format!(
            "#SBATCH --output=\"{}/slurm-%A_%a.out\"",
            dir.display()
        )),
        "{text}"
    );
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(syntax.status.success(), "{}", stderr(&syntax));
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_prospect"));
    let task = Command::new("bash")
        .arg(&script)
        .current_dir(repo())
        .env("SLURM_ARRAY_TASK_ID", "0")
        .env("PROSPECT", &bin)
        .output()
        .unwrap();
    assert!(task.status.success(), "{}\n{text}", stderr(&task));
    assert_eq!(
        traces(&dir),
        vec!["network.lookahead=true_seed=0.h5".to_string()]
    );
}

/// Runs the binary with `args` but kills it after `secs` seconds and fails the test: a resume
/// that loops forever must fail CI, not hang it. Output goes to files, so a chatty child cannot
/// block on a full pipe.
fn run_within(args: &[&str], secs: u64, scratch: &Path) -> Output {
    let out = std::fs::File::create(scratch.join("stdout.txt")).unwrap();
    let err = std::fs::File::create(scratch.join("stderr.txt")).unwrap();
    let mut child = common::bin()
        .args(args)
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > std::time::Duration::from_secs(secs) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("{args:?} still running after {secs} s (resume loops)");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    Output {
        status,
        stdout: std::fs::read(scratch.join("stdout.txt")).unwrap(),
        stderr: std::fs::read(scratch.join("stderr.txt")).unwrap(),
    }
}

/// A point's file that is not a readable trace (an empty file, as a kill between taking the
/// lock and creating the HDF5 file leaves it) is kept untouched, the point runs into
/// `name.v2.h5` and stderr says so (docs/model-files.md, resume). Today's code retried the same
/// name forever; the 60 s limit is ~10x what the two tiny runs take on 2 shared cores.
#[test]
fn resume_runs_past_an_unreadable_file_into_a_new_version() {
    let dir = temp("unreadable");
    let scratch = temp("unreadable-io");
    let empty = dir.join("network.lookahead=true_seed=0.h5");
    std::fs::write(&empty, b"").unwrap();
    let mut args = vec![
        "sweep",
        "models/yinyang-lookahead.toml",
        "--out-dir",
        dir.to_str().unwrap(),
        "--jobs",
        "2",
        "--quiet",
        "--set",
        "network.lookahead=true,false",
        "--seeds",
        "0",
    ];
    args.extend(TINY);
    let o = run_within(&args, 60, &scratch);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(report(&o)["ran"], 2);
    let err = stderr(&o);
    assert!(
        err.contains("network.lookahead=true_seed=0.h5")
            && err.contains("not a readable trace")
            && err.contains("network.lookahead=true_seed=0.v2.h5"),
        "{err}"
    );
    assert_eq!(std::fs::read(&empty).unwrap(), b"", "kept untouched");
    let new = prospect_trace::TraceReader::open(&dir.join("network.lookahead=true_seed=0.v2.h5"))
        .unwrap();
    assert!(new.is_complete());
}

/// After a resume with changed settings both `x.h5` (old model) and `x.v2.h5` (new) are
/// complete: summary.csv and the ablation take only the newest version per point and seed and
/// count the old one as left out, so two models are never averaged (docs/model-files.md).
#[test]
fn collect_and_ablation_use_only_the_newest_version_of_a_point() {
    let dir = temp("versions");
    let grid = ["--set", "network.lookahead=true,false", "--seeds", "0"];
    assert!(sweep(&dir, &grid).status.success());
    let mut changed = grid.to_vec();
    changed.extend(["--set", "training.batch=10"]);
    let o = sweep(&dir, &changed);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(traces(&dir).len(), 4, "two models per point, both complete");

    let o = run(&["collect", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "network.lookahead=false_seed=0.h5 (superseded by network.lookahead=false_seed=0.v2.h5)"
        ),
        "{}",
        stderr(&o)
    );
    let csv = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    let files: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(
        files,
        vec![
            "network.lookahead=false_seed=0.v2.h5",
            "network.lookahead=true_seed=0.v2.h5"
        ],
        "{csv}"
    );

    let svg = dir.join("ablation.svg");
    let o = run(&[
        "plot",
        dir.to_str().unwrap(),
        "--kind",
        "ablation",
        "--by",
        "network.lookahead",
        "--out",
        svg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("left 2 runs out"), "{}", stderr(&o));
    let text = std::fs::read_to_string(&svg).unwrap();
    // n = 2 here would be the mean of the two models.
    assert!(
        text.contains("network.lookahead = false (n = 1; 1 left out")
            && text.contains("network.lookahead = true (n = 1; 1 left out"),
        "legend counts"
    );
}

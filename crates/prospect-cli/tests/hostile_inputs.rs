//! Hostile inputs through the real binary: sizes too large for memory, numbers at the edge of
//! their types, malformed text. Each must be refused with exit code 2, the model file, the
//! dotted key and a reason — never a panic (exit 101) or an allocation abort (SIGABRT).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_prospect"));
    c.current_dir(repo());
    c
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("prospect-hostile-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const MODEL: &str = "models/yinyang-lookahead.toml";

/// Runs `prospect run MODEL --set … --out DIR/x.h5 [extra]` and checks exit 2 naming the file
/// and `key`.
fn refused(sets: &[&str], extra: &[&str], key: &str, needle: &str) {
    let dir = temp("refused");
    let out = dir.join("x.h5");
    let mut c = bin();
    c.args(["--quiet", "run", MODEL, "--out", out.to_str().unwrap()]);
    for s in sets {
        c.args(["--set", s]);
    }
    c.args(extra);
    let o = c.output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{sets:?} {extra:?}: {err}");
    assert!(
        err.contains(MODEL) && err.contains(key) && err.contains(needle),
        "{sets:?}: expected {key} and {needle:?} in: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        !out.exists(),
        "{sets:?}: nothing may be written before the refusal"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sizes_too_large_for_memory_are_refused_naming_the_key() {
    // Each value makes one allocation exceed the 4 GiB limit by orders of magnitude (the
    // estimate of model::budget): an unrefused run would abort in `Vec::with_capacity` or
    // `vec![0.0; n]`. The largest share names the key.
    let limit = ["--max-memory", "4G"];
    let table: [(&str, &str); 8] = [
        ("training.epochs=1000000000000", "training.epochs"),
        ("training.epochs=9223372036854775807", "training.epochs"),
        ("training.batch=9223372036854775807", "training.batch"),
        ("training.batch=100000000", "training.batch"),
        ("task.n_train=1000000000000", "task.n_train"),
        ("task.n_test=9223372036854775807", "task.n_test"),
        ("network.sizes=[4,100000000,3]", "network.sizes"),
        ("network.sizes=[4,9223372036854775807,3]", "network.sizes"),
    ];
    for (set, key) in table {
        refused(&[set], &limit, key, "GB --max-memory");
    }
    // Without --max-memory the machine's MemAvailable is the limit; 128 TB of per-epoch
    // metrics exceeds any machine.
    refused(
        &["training.epochs=1000000000000"],
        &[],
        "training.epochs",
        "needs",
    );
    // A stiff method's dense Jacobian grows with the square of batch × neurons.
    refused(
        &["integrator.method=rodas4", "training.batch=10000"],
        &limit,
        "integrator.method",
        "needs",
    );
}

#[test]
fn a_too_large_sweep_and_too_large_seeds_are_refused_in_words() {
    let dir = temp("sweep");
    let o = bin()
        .args(["--quiet", "--max-memory", "4G", "sweep", MODEL, "--seeds"])
        .arg("0..1000000000")
        .arg("--out-dir")
        .arg(&dir)
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--seeds") && err.contains("runs need"),
        "{err}"
    );

    let o = bin()
        .args(["--quiet", "run", MODEL, "--seed", "9223372036854775808"])
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("below 2^63"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

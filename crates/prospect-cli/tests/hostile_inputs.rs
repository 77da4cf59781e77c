//! Hostile inputs through the real binary: sizes too large for memory, numbers at the edge of
//! their types, malformed text. Each must be refused with exit code 2, the model file, the
//! dotted key and a reason — never a panic (exit 101) or an allocation abort (SIGABRT).

mod common;
use common::{bin, stderr, temp};

use std::path::{Path, PathBuf};
use std::process::Command;

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
    // Without look-ahead a stiff method keeps one Σn × Σn Jacobian block (and its LU) per
    // sample: 8 · 3 · 100000 · 123² ≈ 36 GB for 4-120-3, the largest share.
    refused(
        &[
            "integrator.method=rodas4",
            "network.lookahead=false",
            "training.batch=100000",
        ],
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

/// Runs `prospect ARGS` and checks exit 2 with every needle in stderr.
fn exit2(args: &[&str], needles: &[&str]) {
    let o = bin().arg("--quiet").args(args).output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: expected {n:?} in: {err}");
    }
}

#[test]
fn error_messages_say_what_is_wrong_in_words() {
    let dir = temp("words");
    let out = dir.join("x.h5");
    let out = out.to_str().unwrap();
    exit2(
        &["run", MODEL, "--set", "network.tau=abc", "--out", out],
        &["network.tau", "expected a number or a list of numbers"],
    );
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[network]\nsizes = [4, 3\n").unwrap();
    exit2(&["run", bad.to_str().unwrap()], &["line 2, column"]);
    exit2(
        &["sweep", MODEL, "--set", "training.epochs", "--out-dir", out],
        &[MODEL, "training.epochs", "no values"],
    );
    exit2(&["inspect", dir.to_str().unwrap()], &["is a folder"]);
    exit2(
        &["run", MODEL, "--set", "record.units=[0,5]", "--out", out],
        &[MODEL, "record.units", "beyond layer2"],
    );
    exit2(
        &[
            "run",
            MODEL,
            "--set",
            "training.epochs=3",
            "--set",
            "record.epochs=[2,4]",
            "--out",
            out,
        ],
        &[MODEL, "record.epochs", "beyond training.epochs = 3"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn idx(dims: &[u32], fill: u8) -> Vec<u8> {
    let mut b = vec![0, 0, 0x08, dims.len() as u8];
    for d in dims {
        b.extend(d.to_be_bytes());
    }
    let n: u32 = dims.iter().product();
    b.extend(std::iter::repeat_n(fill, n as usize));
    b
}

/// An MNIST-format folder with `n_train` 2×2 training images and `n_test` test images of
/// `test_side`×`test_side`; and a model file training on it.
fn idx_model(dir: &Path, n_train: u32, n_test: u32, test_side: u32) -> PathBuf {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let files = [
        ("train-images-idx3-ubyte", idx(&[n_train, 2, 2], 9)),
        ("train-labels-idx1-ubyte", idx(&[n_train], 1)),
        (
            "t10k-images-idx3-ubyte",
            idx(&[n_test, test_side, test_side], 9),
        ),
        ("t10k-labels-idx1-ubyte", idx(&[n_test], 1)),
    ];
    for (name, bytes) in files {
        std::fs::write(data.join(name), bytes).unwrap();
    }
    let model = dir.join("m.toml");
    std::fs::write(
        &model,
        format!(
            "[network]\nsizes = [4, 5, 10]\n[plasticity]\neta = 0.1\n[task]\nkind = \"idx\"\npath = {:?}\n[training]\nepochs = 1\nbatch = 2\n[record]\noff = true\n",
            data.display()
        ),
    )
    .unwrap();
    model
}

#[test]
fn data_sets_smaller_than_asked_for_empty_or_misshapen_are_refused() {
    let dir = temp("idx");
    let out = dir.join("x.h5");
    let out = out.to_str().unwrap();
    let model = idx_model(&dir, 6, 3, 2);
    let m = model.to_str().unwrap();
    // The folder works as it is: the refusals below come from the keys, not the fixture.
    let o = bin()
        .args(["--quiet", "run", m, "--out", out])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::remove_file(out).unwrap();
    exit2(
        &["run", m, "--set", "task.n_train=7", "--out", out],
        &[m, "task.n_train", "more than the 6 samples"],
    );
    exit2(
        &["run", m, "--set", "task.n_test=4", "--out", out],
        &[m, "task.n_test", "more than the 3 samples"],
    );
    let model = idx_model(&dir, 0, 3, 2);
    exit2(
        &["run", model.to_str().unwrap(), "--out", out],
        &["task.n_train", "no samples"],
    );
    let model = idx_model(&dir, 6, 3, 3);
    exit2(
        &["run", model.to_str().unwrap(), "--out", out],
        &["task.path", "the test set has 9 inputs"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The short settings of `tests/cli.rs`: a run of a fraction of a second.
const SHORT: [&str; 6] = [
    "--set",
    "training.epochs=2",
    "--set",
    "task.n_train=200",
    "--set",
    "task.n_test=100",
];

/// Writes a short trace to `out` and returns the arguments given to the binary (after its path).
fn short_trace(out: &Path) -> Vec<String> {
    let mut args: Vec<String> = ["--quiet", "run", MODEL]
        .iter()
        .chain(SHORT.iter())
        .map(|s| s.to_string())
        .collect();
    args.extend(["--out".to_string(), out.to_str().unwrap().to_string()]);
    let o = bin().args(&args).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    args
}

#[test]
fn plot_into_a_missing_folder_says_so_in_words() {
    let dir = temp("plot-out");
    let trace = dir.join("t.h5");
    short_trace(&trace);
    let missing = dir.join("no-such-dir").join("x.png");
    let missing = missing.to_str().unwrap();
    // Before: "backend error: Drawing backend error: ImageError(IoError(Os { code: 2, … }))".
    exit2(
        &[
            "plot",
            trace.to_str().unwrap(),
            "--kind",
            "learning",
            "--out",
            missing,
        ],
        &["--out", missing, "does not exist"],
    );
    // A file where the folder should be.
    let file_as_folder = trace.join("x.png");
    exit2(
        &[
            "plot",
            trace.to_str().unwrap(),
            "--kind",
            "learning",
            "--out",
            file_as_folder.to_str().unwrap(),
        ],
        &["--out", "is not a folder"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn hdf5_errors_are_printed_once() {
    let dir = temp("hdf5-once");
    let trace = dir.join("t.h5");
    short_trace(&trace);
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "not an HDF5 file\n").unwrap();
    // The first 3000 bytes of a trace: the superblock is there, the rest is cut off.
    let truncated = dir.join("truncated.h5");
    std::fs::write(&truncated, &std::fs::read(&trace).unwrap()[..3000]).unwrap();
    for (file, reason) in [
        (&notes, "file signature not found"),
        (&truncated, "truncated file"),
    ] {
        let f = file.to_str().unwrap();
        let o = bin().args(["inspect", f]).output().unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(f), "{err}");
        // Each text once: HDF5's own reason, and the function that raised it.
        assert_eq!(err.matches(reason).count(), 1, "{err}");
        assert_eq!(err.matches("H5Fopen").count(), 1, "{err}");
        // HDF5's automatic error-stack printing stays off (it would add "HDF5-DIAG" lines).
        assert!(!err.contains("HDF5-DIAG"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_stored_command_line_pastes_back_into_a_shell() {
    let dir = temp("command-line");
    // A space and a `$` in a folder name and a `'` in a file name: unquoted, the shell would
    // split the word, expand `$b` and open a quote.
    let out = dir.join("dir with space").join("a$b 'c'.h5");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let args = short_trace(&out);
    let line = prospect_trace::TraceReader::open(&out)
        .unwrap()
        .attr("command_line")
        .unwrap();
    // bash splits the stored line into words exactly as it would when pasted back.
    let o = Command::new("bash")
        .args(["-c", &format!("printf '%s\\n' {line}")])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let words: Vec<String> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(words[0], env!("CARGO_BIN_EXE_prospect"), "{line}");
    assert_eq!(words[1..], args[..], "{line}");
    let _ = std::fs::remove_dir_all(&dir);
}

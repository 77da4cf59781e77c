//! `prospect plot --kind classes` (alias `--figure classes`) through the real binary: per-class
//! curves of short reward runs, one row of panels per run in the order given, and the refusals.
//! Two WNA runs of 3 × 60 trials: about 2 s.

mod common;
use common::{run, temp, text};

use prospect_trace::{RunInfo, TraceWriter, WriterOptions};
use std::path::Path;

/// The texts of an SVG figure.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| t.split_once('>').and_then(|(_, r)| r.split_once("</text>")))
        .map(|(inner, _)| inner.trim().to_string())
        .collect()
}

/// A WNA reward run on Yin-Yang (3 classes) of 3 epochs of 60 trials, no recorded series.
fn wna(out: &Path, seed: &str) {
    let o = run(&[
        "run",
        "crates/prospect-cli/tests/data/wna-reference.toml",
        "--out",
        out.to_str().unwrap(),
        "--seed",
        seed,
        "--set",
        "training.epochs=3",
        "--set",
        "task.n_train=60",
        "--set",
        "task.n_test=30",
        "--set",
        "record.off=true",
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
}

/// Width and height of a PNG, from its IHDR chunk (bytes 16–23, big-endian).
fn png_size(bytes: &[u8]) -> (u32, u32) {
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

#[test]
fn classes_figure_draws_a_row_per_run_in_the_order_given() {
    let dir = temp("classes");
    let (a, b) = (dir.join("qagrel.h5"), dir.join("backprop.h5"));
    wna(&a, "1");
    wna(&b, "2");
    let png = dir.join("fig6.png");
    let o = run(&[
        "plot",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--figure",
        "classes",
        "--out",
        png.to_str().unwrap(),
    ]);
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    assert!(stdout.contains(": 2 runs, 3 classes"), "{stdout}");
    let bytes = std::fs::read(&png).unwrap();
    // A PNG of two rows (50 px title + 380 px a row, classes.rs) and more than blank pixels:
    // an empty 1400 × 810 white PNG compresses to a few kB.
    assert!(bytes.starts_with(b"\x89PNG"), "not a PNG");
    assert_eq!(png_size(&bytes), (1400, 50 + 2 * 380));
    assert!(bytes.len() > 20_000, "{} bytes", bytes.len());
    // SVG against epochs: the rows follow the command line (qagrel above backprop, not the
    // sorted order); per row one line per action and per class (each of the 3 Yin-Yang classes
    // is seen in every epoch of 60 samples, so none has a gap) and 3 legend samples.
    let svg = dir.join("fig6.svg");
    let o = run(&[
        "plot",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--kind",
        "classes",
        "--x",
        "epoch",
        "--out",
        svg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    let doc = std::fs::read_to_string(&svg).unwrap();
    let labels = texts(&doc);
    for t in [
        "(a) qagrel: selection frequency per action",
        "(d) backprop: fraction correct per class",
        "epoch",
    ] {
        assert!(labels.iter().any(|l| l == t), "missing {t}: {labels:?}");
    }
    assert_eq!(
        doc.matches("stroke-width=\"2\" points=").count(),
        2 * (3 + 3 + 3)
    );
    // The default x axis of reward runs is trials, as for the other figures.
    let o = run(&[
        "plot",
        a.to_str().unwrap(),
        "--kind",
        "classes",
        "--out",
        svg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    let labels = texts(&std::fs::read_to_string(&svg).unwrap());
    assert!(labels.iter().any(|l| l == "trials"), "{labels:?}");
}

#[test]
fn classes_figure_refuses_traces_without_per_class_metrics() {
    let dir = temp("classes-refused");
    // A supervised-like trace: accuracies, no selected_<a> or class_accuracy_<c>.
    let sup = dir.join("supervised.h5");
    let mut w = TraceWriter::create(&sup, &RunInfo::default(), WriterOptions::default()).unwrap();
    for e in 1..=3 {
        w.metric("test_accuracy", "epoch", f64::from(e), 0.5)
            .unwrap();
    }
    w.finish().unwrap();
    let out = dir.join("f.png");
    let o = run(&[
        "plot",
        sup.to_str().unwrap(),
        "--kind",
        "classes",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("supervised.h5") && stderr.contains("no per-class metrics"),
        "{stderr}"
    );
    assert!(!out.exists(), "no figure written");
    // Per-class metrics but no trials: --x trials is refused naming the file.
    let bare = dir.join("bare.h5");
    let mut w = TraceWriter::create(&bare, &RunInfo::default(), WriterOptions::default()).unwrap();
    w.metric("selected_0", "epoch", 1.0, 1.0).unwrap();
    w.finish().unwrap();
    let o = run(&[
        "plot",
        bare.to_str().unwrap(),
        "--kind",
        "classes",
        "--x",
        "trials",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("bare.h5") && stderr.contains("no trials metric"),
        "{stderr}"
    );
    // A missing file is named.
    let o = run(&[
        "plot",
        dir.join("nope.h5").to_str().unwrap(),
        "--kind",
        "classes",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("nope.h5: no such file"), "{stderr}");
}

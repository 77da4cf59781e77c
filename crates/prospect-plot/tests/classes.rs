//! The per-class figure (Q-AGREL's Fig. 6) from trace files written here: which curves are read,
//! their values, the gaps where a class was not seen, and what the drawing holds.

use prospect_plot::classes::{MAX_RUNS, pieces};
use prospect_plot::{ClassRun, Curve, PlotError, plot_classes};
use prospect_trace::{RunInfo, TraceReader, TraceWriter, WriterOptions};
use std::path::PathBuf;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("prospect-plot-classes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The text of every `<text>` element of an SVG.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| t.split_once('>').and_then(|(_, r)| r.split_once("</text>")))
        .map(|(inner, _)| inner.trim().to_string())
        .collect()
}

/// The value the test trace holds for action `a` at epoch `e`: distinct for every pair, so a
/// value read at the wrong epoch or for the wrong action is caught.
fn selected(a: usize, e: u32) -> f64 {
    (a as f64 + 1.0) / 100.0 + f64::from(e) / 1000.0
}

/// The value the test trace holds for class `c` at epoch `e`.
fn accuracy(c: usize, e: u32) -> f64 {
    0.5 + c as f64 / 10.0 + f64::from(e) / 100.0
}

/// A reward-like trace over epochs 1..=5: `selected_0` … `selected_10` every epoch (eleven
/// actions, so that number order, 2 before 10, differs from name order); class 0 seen every
/// epoch, class 1 not in epoch 3, class 2 only in epoch 5; `trials` 100 per epoch; and metrics
/// that are no class (`selected_01`, `selected_total`, `test_accuracy`).
fn reward_trace(name: &str) -> PathBuf {
    let path = temp(name);
    let mut w = TraceWriter::create(&path, &RunInfo::default(), WriterOptions::default()).unwrap();
    for e in 1..=5u32 {
        let x = f64::from(e);
        for a in 0..=10 {
            w.metric(&format!("selected_{a}"), "epoch", x, selected(a, e))
                .unwrap();
        }
        for c in 0..3 {
            let seen = match c {
                1 => e != 3,
                2 => e == 5,
                _ => true,
            };
            if seen {
                w.metric(&format!("class_accuracy_{c}"), "epoch", x, accuracy(c, e))
                    .unwrap();
            }
        }
        w.metric("trials", "epoch", x, 100.0 * x).unwrap();
        w.metric("selected_01", "epoch", x, 9.0).unwrap();
        w.metric("selected_total", "epoch", x, 9.0).unwrap();
        w.metric("test_accuracy", "epoch", x, 9.0).unwrap();
    }
    w.finish().unwrap();
    path
}

#[test]
fn class_runs_hold_every_class_in_number_order_with_gaps_where_unseen() {
    let path = reward_trace("reward.h5");
    let reader = TraceReader::open(&path).unwrap();
    let run = ClassRun::read(&reader, &path, "run").unwrap();
    assert_eq!(run.label, "run");
    assert_eq!(run.epochs, vec![1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(run.x, run.epochs, "against epoch until mapped");
    // Eleven actions by number (not selected_01, selected_total), each value where written.
    let indices: Vec<usize> = run.selected.iter().map(|s| s.index).collect();
    assert_eq!(indices, (0..=10).collect::<Vec<_>>());
    for s in &run.selected {
        let expected: Vec<Option<f64>> = (1..=5).map(|e| Some(selected(s.index, e))).collect();
        assert_eq!(s.values, expected, "action {}", s.index);
    }
    // Classes: a gap (None) where the class was not seen, never a zero.
    assert_eq!(run.accuracy.len(), 3);
    let a = |c: usize, e: u32| Some(accuracy(c, e));
    assert_eq!(
        run.accuracy[0].values,
        vec![a(0, 1), a(0, 2), a(0, 3), a(0, 4), a(0, 5)]
    );
    assert_eq!(
        run.accuracy[1].values,
        vec![a(1, 1), a(1, 2), None, a(1, 4), a(1, 5)]
    );
    assert_eq!(
        run.accuracy[2].values,
        vec![None, None, None, None, a(2, 5)]
    );
    assert_eq!(run.classes(), 11);
    // The drawn pieces: class 1 breaks at epoch 3 into two lines, class 2 is one dot.
    assert_eq!(
        pieces(&run.x, &run.accuracy[1].values),
        vec![
            vec![(1.0, accuracy(1, 1)), (2.0, accuracy(1, 2))],
            vec![(4.0, accuracy(1, 4)), (5.0, accuracy(1, 5))],
        ]
    );
    assert_eq!(
        pieces(&run.x, &run.accuracy[2].values),
        vec![vec![(5.0, accuracy(2, 5))]]
    );
    // Against trials: each epoch at its trial count; an epoch without one is an error.
    let trials = Curve {
        label: "trials".into(),
        x: vec![1.0, 2.0, 3.0, 4.0, 5.0],
        y: vec![100.0, 200.0, 300.0, 400.0, 500.0],
    };
    let t = run.against(&trials).unwrap();
    assert_eq!(t.x, vec![100.0, 200.0, 300.0, 400.0, 500.0]);
    assert_eq!(
        (t.epochs, t.accuracy),
        (run.epochs.clone(), run.accuracy.clone())
    );
    let short = Curve {
        x: vec![1.0, 2.0],
        y: vec![100.0, 200.0],
        ..trials
    };
    let e = run.against(&short).unwrap_err().to_string();
    assert!(e.contains("no trials at epoch 3"), "{e}");
}

#[test]
fn epochs_in_which_no_class_was_seen_stay_gaps() {
    // Class 0 seen in epochs 2 and 4 only, the run's trials in every epoch 1..=5: the grid is
    // the run's five epochs, so the two values are two dots, not a line from epoch 2 to 4.
    let path = temp("sparse.h5");
    let mut w = TraceWriter::create(&path, &RunInfo::default(), WriterOptions::default()).unwrap();
    for e in 1..=5u32 {
        let x = f64::from(e);
        if e % 2 == 0 {
            w.metric("class_accuracy_0", "epoch", x, 0.25 * x).unwrap();
        }
        w.metric("trials", "epoch", x, 10.0 * x).unwrap();
    }
    w.finish().unwrap();
    let run = ClassRun::read(&TraceReader::open(&path).unwrap(), &path, "sparse").unwrap();
    assert_eq!(run.epochs, vec![1.0, 2.0, 3.0, 4.0, 5.0]);
    assert!(run.selected.is_empty());
    assert_eq!(
        run.accuracy[0].values,
        vec![None, Some(0.5), None, Some(1.0), None]
    );
    assert_eq!(
        pieces(&run.x, &run.accuracy[0].values),
        vec![vec![(2.0, 0.5)], vec![(4.0, 1.0)]]
    );
    // Drawn: two dots, no line; the empty selection panel says why it is empty.
    let out = temp("sparse.svg");
    plot_classes(&[run], "epoch", "t", &out).unwrap();
    let svg = std::fs::read_to_string(&out).unwrap();
    assert_eq!(svg.matches("<circle").count(), 2);
    let lines = svg
        .split("stroke-width=\"2\" points=\"")
        .skip(1)
        .map(|p| p.split('"').next().unwrap_or(""))
        .collect::<Vec<_>>();
    assert_eq!(lines.len(), 1, "only the legend sample: {lines:?}");
    assert!(
        texts(&svg)
            .iter()
            .any(|t| t == "no selected_&lt;a&gt; metrics in this run"),
        "{:?}",
        texts(&svg)
    );
}

#[test]
fn class_figures_have_a_row_of_two_panels_per_run_and_a_line_per_piece() {
    let path = reward_trace("figure.h5");
    let reader = TraceReader::open(&path).unwrap();
    let a = ClassRun::read(&reader, &path, "qagrel").unwrap();
    let b = ClassRun {
        label: "backprop".into(),
        ..a.clone()
    };
    let out = temp("classes.svg");
    plot_classes(&[a.clone(), b], "epoch", "Fig. 6", &out).unwrap();
    let svg = std::fs::read_to_string(&out).unwrap();
    // Per run: 11 selection lines, class 0 one line, class 1 two (the gap), class 2 a dot;
    // 11 legend samples (indices 0–10). Series and legend samples are the only width-2 lines.
    assert_eq!(
        svg.matches("stroke-width=\"2\" points=").count(),
        2 * (11 + 1 + 2 + 11)
    );
    assert_eq!(svg.matches("<circle").count(), 2);
    let labels = texts(&svg);
    for t in [
        "(a) qagrel: selection frequency per action",
        "(b) qagrel: fraction correct per class",
        "(c) backprop: selection frequency per action",
        "(d) backprop: fraction correct per class",
        "10",
        "epoch",
        "Fig. 6",
    ] {
        assert!(labels.iter().any(|l| l == t), "missing {t}: {labels:?}");
    }
    let png = temp("classes.png");
    plot_classes(std::slice::from_ref(&a), "epoch", "Fig. 6", &png).unwrap();
    let bytes = std::fs::read(&png).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
        "{}",
        bytes.len()
    );
    // Too many rows, or none, are refused.
    let many = vec![a; MAX_RUNS + 1];
    let e = plot_classes(&many, "epoch", "t", &out)
        .unwrap_err()
        .to_string();
    assert!(e.contains("at most 16"), "{e}");
    assert!(plot_classes(&[], "epoch", "t", &out).is_err());
}

#[test]
fn traces_without_per_class_metrics_are_refused_naming_the_file() {
    let path = temp("supervised.h5");
    let mut w = TraceWriter::create(&path, &RunInfo::default(), WriterOptions::default()).unwrap();
    for e in 1..=3u32 {
        w.metric("test_accuracy", "epoch", f64::from(e), 0.5)
            .unwrap();
        // Not a class: no number after the prefix.
        w.metric("selected_total", "epoch", f64::from(e), 1.0)
            .unwrap();
    }
    w.finish().unwrap();
    let e = ClassRun::read(&TraceReader::open(&path).unwrap(), &path, "s").unwrap_err();
    assert!(matches!(e, PlotError::NoMetrics { .. }), "{e:?}");
    let e = e.to_string();
    assert!(
        e.contains("supervised.h5") && e.contains("no per-class metrics"),
        "{e}"
    );
}

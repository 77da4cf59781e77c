//! Figures from real trace files: non-empty PNG and SVG, the expected number of series (counted
//! in the SVG text), labels and units present.

use prospect_plot::{
    AblationGroup, Curve, TracePlot, plot_ablation, plot_learning, plot_traces, run_curves,
};
use prospect_trace::{RunInfo, Sampling, TraceWriter, WriterOptions};
use std::path::PathBuf;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("prospect-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn count(svg: &str, needle: &str) -> usize {
    svg.matches(needle).count()
}

/// The text of every `<text>` element of an SVG.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| t.split_once('>').and_then(|(_, r)| r.split_once("</text>")))
        .map(|(inner, _)| inner.trim().to_string())
        .collect()
}

/// A trace of three units of u, ŭ and the target over 30 time units with onsets every 10.
fn trace_file() -> PathBuf {
    let path = temp("traces.h5");
    let mut w = TraceWriter::create(&path, &RunInfo::default(), WriterOptions::default()).unwrap();
    for var in ["u", "u_breve", "target"] {
        w.declare_series(
            "layer2",
            var,
            3,
            "a.u.",
            Sampling::Grid {
                starting_time: 0.0,
                rate: 10.0,
            },
        )
        .unwrap();
    }
    for i in 0..300 {
        let t = i as f64 * 0.1;
        let pattern = (i / 100) as f32;
        let target: Vec<f32> = (0..3)
            .map(|k| if k as f32 == pattern { 1.0 } else { 0.0 })
            .collect();
        let breve: Vec<f32> = target.iter().map(|v| 0.9 * v).collect();
        let u: Vec<f32> = breve
            .iter()
            .map(|v| v * (1.0 - (-(t % 10.0) as f32 / 3.0).exp()))
            .collect();
        w.row("layer2", "u", t, &u).unwrap();
        w.row("layer2", "u_breve", t, &breve).unwrap();
        w.row("layer2", "target", t, &target).unwrap();
        if i % 100 == 0 {
            w.event(t, i as u64, Some((i / 100) as usize), None, None)
                .unwrap();
        }
    }
    w.finish().unwrap();
    path
}

#[test]
fn trace_figures_have_one_line_per_variable_and_unit() {
    let file = trace_file();
    let what = TracePlot {
        population: "layer2".into(),
        variables: vec!["u".into(), "u_breve".into(), "target".into()],
        units: vec![0, 2],
        window: Some((0.0, 25.0)),
    };
    let svg_path = temp("traces.svg");
    assert_eq!(plot_traces(&file, &what, &svg_path).unwrap(), 6);
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    for label in [
        "u[0]",
        "u_breve[2]",
        "target[0]",
        "voltage (a.u.)",
        "time (model time units)",
    ] {
        assert!(svg.contains(label), "missing {label}");
    }
    // Targets are dashed steps of width 2 (u is 1, ŭ 3): each target unit is many dashes, not
    // one polyline (a solid line would give 2 here, the old every-other-segment line none).
    let dashes = count(&svg, "stroke-width=\"2\" points=");
    assert!(dashes > 20, "{dashes} target dashes");
    let png_path = temp("traces.png");
    plot_traces(&file, &what, &png_path).unwrap();
    let png = std::fs::read(&png_path).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
    // Unknown units and formats are errors.
    let bad = TracePlot {
        units: vec![7],
        ..what.clone()
    };
    assert!(
        plot_traces(&file, &bad, &svg_path)
            .unwrap_err()
            .to_string()
            .contains("unit 7")
    );
    assert!(
        plot_traces(&file, &what, &temp("x.jpg"))
            .unwrap_err()
            .to_string()
            .contains(".png or .svg")
    );
}

#[test]
fn learning_curves_have_one_series_per_run() {
    let curves: Vec<Curve> = (0..3)
        .map(|k| Curve {
            label: format!("seed {k}"),
            x: (1..=20).map(f64::from).collect(),
            y: (1..=20)
                .map(|e| 1.0 - 0.6 / (f64::from(e) + k as f64))
                .collect(),
        })
        .collect();
    let out = temp("learning.svg");
    plot_learning(&curves, "test accuracy", "epoch", "Yin-Yang", &out).unwrap();
    let svg = std::fs::read_to_string(&out).unwrap();
    // One polyline per run plus one legend sample per run.
    // Axes and ticks are thin black polylines; series and legend samples have width 2.
    assert_eq!(count(&svg, "stroke-width=\"2\" points="), 6);
    assert!(svg.contains("seed 2") && svg.contains("test accuracy") && svg.contains("epoch"));
    // Integer epochs are labelled as integers ("10", not "10.0").
    let labels = texts(&svg);
    assert!(labels.iter().any(|t| t == "10"), "{labels:?}");
    for epoch in ["2.0", "10.0", "20.0"] {
        assert!(!labels.iter().any(|t| t == epoch), "{labels:?}");
    }
}

#[test]
fn ablation_groups_have_a_band_a_mean_line_and_a_final_bar() {
    let group = |label: &str, level: f64, left_out: usize| AblationGroup {
        label: label.into(),
        left_out,
        runs: (0..3)
            .map(|s| Curve {
                label: format!("seed {s}"),
                x: (1..=10).map(f64::from).collect(),
                y: (1..=10)
                    .map(|e| level + 0.01 * s as f64 + 0.001 * f64::from(e))
                    .collect(),
            })
            .collect(),
    };
    let groups = vec![
        group("lookahead = true", 0.95, 0),
        group("lookahead = false", 0.33, 2),
    ];
    let out = temp("ablation.svg");
    plot_ablation(&groups, "test_accuracy", "look-ahead ablation", &out).unwrap();
    let svg = std::fs::read_to_string(&out).unwrap();
    assert_eq!(count(&svg, "<polygon"), 2, "one band per group");
    assert_eq!(
        count(&svg, "stroke-width=\"2\" points="),
        4,
        "one mean line and one legend sample per group"
    );
    assert!(svg.contains("lookahead = true (n = 3)") && svg.contains("final test_accuracy"));
    // Runs left out of a mean (failed, interrupted) are counted in the legend.
    assert!(
        svg.contains("lookahead = false (n = 3; 2 left out, not complete)"),
        "legend names the runs left out"
    );
    let png = temp("ablation.png");
    plot_ablation(&groups, "test_accuracy", "look-ahead ablation", &png).unwrap();
    assert!(std::fs::metadata(&png).unwrap().len() > 10_000);
    assert!(plot_ablation(&[], "test_accuracy", "x", &out).is_err());
}

#[test]
fn mean_band_and_final_values_are_the_sample_statistics() {
    let runs = vec![
        Curve {
            label: "a".into(),
            x: vec![1.0, 2.0],
            y: vec![1.0, 4.0],
        },
        Curve {
            label: "b".into(),
            x: vec![1.0, 2.0],
            y: vec![3.0, 8.0],
        },
    ];
    let band = prospect_plot::ablation::mean_band(&runs);
    assert_eq!(band[0], (1.0, 2.0, 2f64.sqrt()));
    let (m, s) = prospect_plot::ablation::final_values(&runs);
    assert_eq!((m, s), (6.0, 8f64.sqrt()));
}

/// A trace file holding the given metrics over epochs 1..=5.
fn metrics_file(name: &str, metrics: &[&str]) -> PathBuf {
    let path = temp(name);
    let mut w = TraceWriter::create(&path, &RunInfo::default(), WriterOptions::default()).unwrap();
    for e in 1..=5u32 {
        for (k, m) in metrics.iter().enumerate() {
            w.metric(
                m,
                "epoch",
                f64::from(e),
                0.5 + 0.05 * f64::from(e) + 0.01 * k as f64,
            )
            .unwrap();
        }
    }
    w.finish().unwrap();
    path
}

#[test]
fn learning_figures_draw_train_and_test_together_when_both_exist() {
    let both = metrics_file("both.h5", &["train_accuracy", "test_accuracy", "test_loss"]);
    let reader = prospect_trace::TraceReader::open(&both).unwrap();
    let curves = run_curves(&reader, "test_accuracy", "run").unwrap();
    let out = temp("both.svg");
    plot_learning(&curves, "accuracy", "epoch", "t", &out).unwrap();
    let svg = std::fs::read_to_string(&out).unwrap();
    // Two series, each a line and a legend sample of width 2, and both named in the legend.
    assert_eq!(count(&svg, "stroke-width=\"2\" points="), 4);
    let labels = texts(&svg);
    assert!(labels.iter().any(|t| t == "run train"), "{labels:?}");
    assert!(labels.iter().any(|t| t == "run test"), "{labels:?}");
    // Asking for the train metric gives the same pair.
    assert_eq!(
        run_curves(&reader, "train_accuracy", "run").unwrap(),
        curves
    );
    // Only test_loss exists: one series.
    let one = run_curves(&reader, "test_loss", "run").unwrap();
    assert_eq!(one.len(), 1);
    plot_learning(&one, "test_loss", "epoch", "t", &out).unwrap();
    let svg = std::fs::read_to_string(&out).unwrap();
    assert_eq!(count(&svg, "stroke-width=\"2\" points="), 2);
    let only_test = metrics_file("test-only.h5", &["test_accuracy"]);
    let reader = prospect_trace::TraceReader::open(&only_test).unwrap();
    assert_eq!(
        run_curves(&reader, "test_accuracy", "run").unwrap().len(),
        1
    );
}

#[test]
fn learning_titles_with_long_paths_fit_the_figure_width() {
    let curves = vec![Curve {
        label: "run".into(),
        x: vec![1.0, 2.0],
        y: vec![0.5, 0.6],
    }];
    // Digits, '/' and '.', so that the width bound below holds: in DejaVu Sans every digit
    // advances 1303/2048 em, '/' 690/2048 em and '.' 651/2048 em (both below 0.34 em), each
    // letter of "h5" at most 1303/2048 em, and '—' and '…' 1 em; 1 em is the font-size the SVG
    // writes. A 900 px figure has 876 px inside its 12 px margins: a title wider than that is cut
    // at both edges.
    let path = (0..30).map(|k| format!("/{k:08}")).collect::<String>() + "/0123456789.h5";
    let title = format!("accuracy — {path}");
    let out = temp("long-title.svg");
    plot_learning(&curves, "accuracy", "epoch", &title, &out).unwrap();
    let svg = std::fs::read_to_string(&out).unwrap();
    let shown = texts(&svg)
        .into_iter()
        .find(|t| t.ends_with("0123456789.h5"))
        .expect("the title keeps the file name");
    assert!(shown.starts_with('…'), "{shown}");
    let upper_bound_em: f64 = shown
        .chars()
        .map(|c| match c {
            '—' | '…' => 1.0,
            '/' | '.' => 0.34,
            _ => 1303.0 / 2048.0,
        })
        .sum();
    let font_size: f64 = svg
        .split("<text")
        .find(|t| t.contains("0123456789.h5"))
        .and_then(|t| t.split("font-size=\"").nth(1))
        .and_then(|t| t.split('"').next())
        .and_then(|v| v.parse().ok())
        .expect("the title's font-size");
    // Guards the bound's use: a title font smaller than this would be unreadable.
    assert!(font_size >= 16.0, "{font_size}");
    let upper_bound_px = font_size * upper_bound_em;
    assert!(
        upper_bound_px <= 876.0,
        "{shown}: up to {upper_bound_px} px"
    );
    // A title that fits is left alone.
    plot_learning(&curves, "accuracy", "epoch", "accuracy — run.h5", &out).unwrap();
    let svg = std::fs::read_to_string(&out).unwrap();
    assert!(texts(&svg).iter().any(|t| t == "accuracy — run.h5"));
}

#[test]
fn trace_tick_labels_have_no_negative_zero() {
    // A range from -0.5 to 1.43 (as the Yin-Yang output layer's first 15 time units): plotters
    // places the tick at zero as -0.5 + 5 × 0.1 = -2.8e-17, which printed "-0".
    let path = temp("negative-zero.h5");
    let mut w = TraceWriter::create(&path, &RunInfo::default(), WriterOptions::default()).unwrap();
    w.declare_series(
        "layer2",
        "u",
        1,
        "a.u.",
        Sampling::Grid {
            starting_time: 0.0,
            rate: 10.0,
        },
    )
    .unwrap();
    for i in 0..150 {
        let v = -0.5 + 1.93 * f64::from(i) / 149.0;
        w.row("layer2", "u", f64::from(i) * 0.1, &[v as f32])
            .unwrap();
    }
    w.finish().unwrap();
    let what = TracePlot {
        population: "layer2".into(),
        variables: vec!["u".into()],
        units: vec![0],
        window: None,
    };
    let out = temp("negative-zero.svg");
    plot_traces(&path, &what, &out).unwrap();
    let labels = texts(&std::fs::read_to_string(&out).unwrap());
    assert!(labels.iter().any(|t| t == "0"), "{labels:?}");
    assert!(!labels.iter().any(|t| t == "-0"), "{labels:?}");
}

#[test]
fn learning_legends_stay_off_rising_curves() {
    // Accuracy-like curves rise to the upper right, where the legend used to sit.
    let curves: Vec<Curve> = (0..2)
        .map(|k| Curve {
            label: format!("run {k}"),
            x: (1..=10).map(f64::from).collect(),
            y: (1..=10)
                .map(|e| 0.1 * f64::from(e) + 0.01 * f64::from(k))
                .collect(),
        })
        .collect();
    let out = temp("legend.svg");
    plot_learning(&curves, "accuracy", "epoch", "t", &out).unwrap();
    let svg = std::fs::read_to_string(&out).unwrap();
    let attr = |tag: &str, name: &str| -> f64 {
        tag.split(&format!(" {name}=\""))
            .nth(1)
            .and_then(|t| t.split('"').next())
            .and_then(|v| v.parse().ok())
            .unwrap()
    };
    let frame = svg
        .split("<rect")
        .map(|r| r.split('>').next().unwrap_or(""))
        .find(|r| r.contains("stroke=\"#000000\""))
        .expect("a legend frame");
    let (lx, ly) = (attr(frame, "x"), attr(frame, "y"));
    let (lw, lh) = (attr(frame, "width"), attr(frame, "height"));
    // No point of the polylines (in pixels) lies inside the legend's frame.
    let inside = svg
        .split("stroke-width=\"2\" points=\"")
        .skip(1)
        .map(|p| {
            p.split('"')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .collect::<Vec<_>>()
        })
        // Legend samples are two-point lines; the data lines have ten points.
        .filter(|p| p.len() > 2)
        .flatten()
        .filter_map(|xy| {
            let (x, y) = xy.split_once(',')?;
            Some((x.parse::<f64>().ok()?, y.parse::<f64>().ok()?))
        })
        .filter(|(x, y)| *x > lx && *x < lx + lw && *y > ly && *y < ly + lh)
        .count();
    assert_eq!(inside, 0, "legend at ({lx}, {ly}) {lw}×{lh} covers data");
}

#[test]
fn trace_lines_break_where_the_recording_paused() {
    // u recorded over [0, 10) and [20, 30) (two recorded epochs): two lines, none across the gap.
    let path = temp("gap.h5");
    let mut w = TraceWriter::create(&path, &RunInfo::default(), WriterOptions::default()).unwrap();
    w.declare_series("layer2", "u", 1, "a.u.", Sampling::Irregular)
        .unwrap();
    for i in (0..100).chain(200..300) {
        let t = f64::from(i) * 0.1;
        w.row("layer2", "u", t, &[(t / 3.0).sin() as f32]).unwrap();
    }
    w.finish().unwrap();
    let what = TracePlot {
        population: "layer2".into(),
        variables: vec!["u".into()],
        units: vec![0],
        window: None,
    };
    let out = temp("gap.svg");
    plot_traces(&path, &what, &out).unwrap();
    let svg = std::fs::read_to_string(&out).unwrap();
    // Data lines have many points; axes, ticks and legend samples two.
    let lines = svg
        .split(" points=\"")
        .skip(1)
        .filter(|p| p.split('"').next().unwrap_or("").split_whitespace().count() > 2)
        .count();
    assert_eq!(lines, 2);
}

#[test]
fn ablations_against_trials_move_each_epoch_to_its_trial_count() {
    // Two runs whose epochs hold different numbers of trials (60 and 100 per epoch): against
    // trials, the runs' points sit at 60, 120, … and 100, 200, …, so the mean band has one x
    // per distinct trial count (here 6 of them: 60, 100, 120, 180, 200, 300).
    let run = |per: f64| {
        let curve = Curve {
            label: format!("{per} per epoch"),
            x: vec![1.0, 2.0, 3.0],
            y: vec![0.1, 0.2, 0.3],
        };
        let trials = Curve {
            label: "trials".into(),
            x: vec![1.0, 2.0, 3.0],
            y: vec![per, 2.0 * per, 3.0 * per],
        };
        curve.against(&trials).unwrap()
    };
    let (a, b) = (run(60.0), run(100.0));
    assert_eq!(a.x, vec![60.0, 120.0, 180.0]);
    assert_eq!(a.y, vec![0.1, 0.2, 0.3]);
    let band = prospect_plot::ablation::mean_band(&[a.clone(), b.clone()]);
    assert_eq!(band.len(), 6);
    // An epoch without a trial count is an error naming it, not a silent gap.
    let short = Curve {
        label: "trials".into(),
        x: vec![1.0],
        y: vec![60.0],
    };
    let e = Curve {
        label: "run".into(),
        x: vec![1.0, 2.0],
        y: vec![0.0, 0.0],
    }
    .against(&short)
    .unwrap_err();
    assert!(e.to_string().contains("no trials at epoch 2"), "{e}");
    let groups = vec![AblationGroup {
        label: "plasticity.rule = wna-reward".into(),
        runs: vec![a, b],
        left_out: 0,
    }];
    let out = temp("ablation-trials.svg");
    prospect_plot::plot_ablation_against(&groups, "mean_reward", "trials", "t", &out).unwrap();
    let svg = std::fs::read_to_string(&out).unwrap();
    assert_eq!(count(&svg, "<polygon"), 1, "one band");
    assert_eq!(
        count(&svg, "stroke-width=\"2\" points="),
        2,
        "mean line and legend"
    );
    let labels = texts(&svg);
    assert!(labels.iter().any(|t| t == "trials"), "{labels:?}");
    assert!(!labels.iter().any(|t| t == "epoch"), "{labels:?}");
    assert!(
        labels.iter().any(|t| t == "final mean_reward"),
        "{labels:?}"
    );
}

//! `prospect plot`: figures from a trace file or a folder of them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use prospect_plot::{
    AblationGroup, ClassRun, Curve, TracePlot, plot_ablation_against, plot_classes, plot_learning,
    plot_traces, run_curves, split_pair,
};
use prospect_trace::TraceReader;

use super::collect::{newest_versions, status, superseded_list, trace_files};

/// Which figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// u, ŭ and target of chosen units over a time window.
    Traces,
    /// A metric against epoch (or trials), one curve per file.
    Learning,
    /// A metric against epoch (or trials) grouped by a parameter (mean ± sd over seeds).
    Ablation,
    /// Per-action selection frequency and per-class accuracy against epoch (or trials), a row
    /// of two panels per run, in the order given (Q-AGREL's Fig. 6: `qagrel.h5 backprop.h5`).
    Classes,
}

/// The x axis of learning and ablation figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum XAxis {
    /// Epochs.
    Epoch,
    /// Trials so far (the `trials` metric of reward runs).
    Trials,
}

/// Options of `prospect plot`.
pub struct PlotRequest {
    /// A trace file or a folder of them.
    pub input: PathBuf,
    /// More trace files or folders, pooled with `input` (learning, ablation and classes
    /// figures).
    pub also: Vec<PathBuf>,
    /// Which figure.
    pub kind: Kind,
    /// Parameters that group runs (ablation): dotted model keys, comma-separated.
    pub by: Option<String>,
    /// Metric to draw (learning, ablation).
    pub metric: String,
    /// Output file (.png or .svg).
    pub out: PathBuf,
    /// Population (traces); default: the output layer.
    pub population: Option<String>,
    /// Units (traces).
    pub units: Vec<usize>,
    /// Time window (traces).
    pub window: Option<(f64, f64)>,
    /// Variables (traces); empty: `u`, `u_breve` and `target` where recorded.
    pub variables: Vec<String>,
    /// The x axis (learning, ablation); `None`: trials when every run has the `trials`
    /// metric, else epochs.
    pub x: Option<XAxis>,
}

/// The x axis a figure of `readers` uses: the requested one, or trials when every run has a
/// `trials` metric. Trials requested of a run without one is an error naming the file.
fn x_axis(requested: Option<XAxis>, readers: &[(&TraceReader, &Path)]) -> anyhow::Result<XAxis> {
    let has = |r: &TraceReader| r.metric("trials").is_ok();
    match requested {
        Some(XAxis::Trials) => {
            if let Some((_, f)) = readers.iter().find(|(r, _)| !has(r)) {
                bail!(
                    "{}: --x trials, but the run has no trials metric (a supervised run counts epochs: use --x epoch)",
                    f.display()
                );
            }
            Ok(XAxis::Trials)
        }
        Some(XAxis::Epoch) => Ok(XAxis::Epoch),
        None if !readers.is_empty() && readers.iter().all(|(r, _)| has(r)) => Ok(XAxis::Trials),
        None => Ok(XAxis::Epoch),
    }
}

/// The `trials` metric of a run as the curve [`Curve::against`] maps epochs with.
fn trials_axis(reader: &TraceReader) -> anyhow::Result<Curve> {
    let trials = reader.metric("trials").context("metric trials")?;
    Ok(Curve {
        label: "trials".into(),
        x: trials.x,
        y: trials.values,
    })
}

/// `curve` against the run's trials (x axis `Trials`) or unchanged.
fn on_axis(curve: Curve, reader: &TraceReader, x: XAxis) -> anyhow::Result<Curve> {
    match x {
        XAxis::Epoch => Ok(curve),
        XAxis::Trials => Ok(curve.against(&trials_axis(reader)?)?),
    }
}

fn axis_name(x: XAxis) -> &'static str {
    match x {
        XAxis::Epoch => "epoch",
        XAxis::Trials => "trials",
    }
}

fn inputs(path: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if path.is_dir() {
        let files = trace_files(path).with_context(|| format!("{}", path.display()))?;
        if files.is_empty() {
            bail!("{}: no trace files (*.h5)", path.display());
        }
        Ok(files)
    } else if path.is_file() {
        Ok(vec![path.to_path_buf()])
    } else {
        bail!("{}: no such file or folder", path.display())
    }
}

fn label(path: &Path) -> String {
    path.file_stem()
        .map_or(String::new(), |s| s.to_string_lossy().into_owned())
}

fn curve(reader: &TraceReader, metric: &str, label: String) -> anyhow::Result<Curve> {
    let m = reader
        .metric(metric)
        .with_context(|| format!("metric {metric}"))?;
    Ok(Curve {
        label,
        x: m.x,
        y: m.values,
    })
}

/// The value of dotted `key` in a trace: the `param:<key>` attribute, else the model text.
fn parameter(reader: &TraceReader, key: &str) -> Option<String> {
    if let Ok(v) = reader.attr(&format!("param:{key}")) {
        return Some(v);
    }
    let text = reader
        .attr("model_effective")
        .or_else(|_| reader.attr("model"))
        .ok()?;
    let model: toml::Table = text.parse().ok()?;
    let mut value = toml::Value::Table(model);
    for part in key.split('.') {
        value = value.as_table()?.get(part)?.clone();
    }
    Some(match value {
        toml::Value::String(s) => s,
        other => other.to_string(),
    })
}

/// [`parameter`], with the default of keys whose absence means a value: a model file without
/// `plasticity.rule` runs the supervised `local-error` rule.
fn parameter_or_default(reader: &TraceReader, key: &str) -> Option<String> {
    parameter(reader, key).or_else(|| (key == "plasticity.rule").then(|| "local-error".into()))
}

/// The group of a run for `--by k1,k2,…`: `k1 = v1, k2 = v2` (one key: `k1 = v1`), or the first
/// key the run lacks.
fn group_of(reader: &TraceReader, by: &str) -> Result<String, String> {
    by.split(',')
        .map(str::trim)
        .map(|key| {
            parameter_or_default(reader, key)
                .map(|v| format!("{key} = {v}"))
                .ok_or_else(|| key.to_string())
        })
        .collect::<Result<Vec<_>, _>>()
        .map(|parts| parts.join(", "))
}

/// Refuses an `--out` whose folder does not exist (or is not a folder) before any file is read,
/// in words: the drawing backend would otherwise fail only at the end, with an I/O error of the
/// image encoder that names neither the folder nor `--out`.
fn out_folder_exists(out: &Path) -> anyhow::Result<()> {
    let Some(folder) = out.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(());
    };
    if !folder.is_dir() {
        let what = if folder.exists() {
            "is not a folder"
        } else {
            "does not exist"
        };
        bail!(
            "--out {}: the folder {} {what}; create it first",
            out.display(),
            folder.display()
        );
    }
    Ok(())
}

/// Draws the requested figure; returns a one-line description for stdout.
pub fn plot(req: &PlotRequest) -> anyhow::Result<String> {
    out_folder_exists(&req.out)?;
    let mut given = inputs(&req.input)?;
    for more in &req.also {
        given.extend(inputs(more)?);
    }
    // A file named twice (a folder and a file in it) counts once.
    let mut files = given.clone();
    files.sort();
    files.dedup();
    match req.kind {
        Kind::Traces => {
            if files.len() != 1 {
                bail!("--kind traces draws one trace file; {} given", files.len());
            }
            let file = &files[0];
            let reader = TraceReader::open(file)?;
            // Say when the figure shows an unfinished run (`interrupted`: killed writer).
            let status = reader.status()?;
            if !status.is_complete() {
                eprintln!("note: {}: the run is {}", file.display(), status.word());
            }
            let population = match &req.population {
                Some(p) => p.clone(),
                None => reader
                    .populations()?
                    .into_iter()
                    .max()
                    .context("no recorded populations")?,
            };
            let units = if req.units.is_empty() {
                vec![0, 1, 2]
            } else {
                req.units.clone()
            };
            // Variables asked for by name must exist (the defaults are drawn where recorded).
            let variables = if req.variables.is_empty() {
                vec!["u".into(), "u_breve".into(), "target".into()]
            } else {
                let available = reader.variables(&population)?;
                if let Some(v) = req.variables.iter().find(|v| !available.contains(v)) {
                    bail!(
                        "{}: --variables {v}: not recorded in {population} (recorded: {})",
                        file.display(),
                        available.join(", ")
                    );
                }
                req.variables.clone()
            };
            let what = TracePlot {
                population,
                variables,
                units,
                window: req.window,
            };
            let n = plot_traces(file, &what, &req.out)?;
            Ok(format!(
                "{}: {n} lines from {}",
                req.out.display(),
                file.display()
            ))
        }
        Kind::Learning => {
            let readers = files
                .iter()
                .map(|f| Ok((TraceReader::open(f)?, f.as_path())))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let refs: Vec<(&TraceReader, &Path)> = readers.iter().map(|(r, f)| (r, *f)).collect();
            let x = x_axis(req.x, &refs)?;
            let mut curves = Vec::new();
            for (reader, f) in &readers {
                let run = run_curves(reader, &req.metric, &label(f))
                    .with_context(|| format!("{}: metric {}", f.display(), req.metric))?;
                for c in run {
                    curves.push(on_axis(c, reader, x).with_context(|| f.display().to_string())?);
                }
            }
            // Train and test drawn together share the axis name without the prefix.
            let paired = curves.len() > files.len();
            let axis = match split_pair(&req.metric) {
                Some((_, _, rest)) if paired => rest,
                _ => req.metric.clone(),
            };
            plot_learning(
                &curves,
                &axis,
                axis_name(x),
                &format!("{} — {}", axis, req.input.display()),
                &req.out,
            )?;
            Ok(format!("{}: {} curves", req.out.display(), curves.len()))
        }
        Kind::Classes => {
            // Rows in the order given (the paper: Q-AGREL above, backprop below); a file named
            // twice keeps its first place.
            let mut order: Vec<PathBuf> = Vec::new();
            for f in given {
                if !order.contains(&f) {
                    order.push(f);
                }
            }
            let readers = order
                .iter()
                .map(|f| Ok((TraceReader::open(f)?, f.as_path())))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let refs: Vec<(&TraceReader, &Path)> = readers.iter().map(|(r, f)| (r, *f)).collect();
            let x = x_axis(req.x, &refs)?;
            let mut runs = Vec::new();
            for (reader, f) in &readers {
                let run = ClassRun::read(reader, f, &label(f))?;
                runs.push(match x {
                    XAxis::Epoch => run,
                    XAxis::Trials => trials_axis(reader)
                        .and_then(|axis| Ok(run.against(&axis)?))
                        .with_context(|| f.display().to_string())?,
                });
            }
            let classes = runs.iter().map(ClassRun::classes).max().unwrap_or(0);
            plot_classes(
                &runs,
                axis_name(x),
                "selection frequency and correct choices per class",
                &req.out,
            )?;
            Ok(format!(
                "{}: {} runs, {classes} classes",
                req.out.display(),
                runs.len()
            ))
        }
        Kind::Ablation => {
            let by = req
                .by
                .as_deref()
                .context("--kind ablation needs --by KEY (e.g. network.lookahead)")?;
            // Per value: the complete runs' curves and the number of runs left out.
            let mut groups: BTreeMap<String, (Vec<Curve>, usize)> = BTreeMap::new();
            let mut left_out = Vec::new();
            // Per point and seed only the newest version: older ones hold another model.
            let (files, superseded) = newest_versions(&files);
            for (old, _) in &superseded {
                let value = group_of(&TraceReader::open(old)?, by)
                    .map_err(|key| anyhow::anyhow!("{}: no parameter {key}", old.display()))?;
                groups.entry(value).or_default().1 += 1;
            }
            if !superseded.is_empty() {
                eprintln!(
                    "left {} runs out of the ablation (superseded by a newer version of the same point and seed, another model): {}",
                    superseded.len(),
                    superseded_list(&superseded)
                );
            }
            let mut complete = Vec::new();
            for f in &files {
                let reader = TraceReader::open(f)?;
                let value = group_of(&reader, by)
                    .map_err(|key| anyhow::anyhow!("{}: no parameter {key}", f.display()))?;
                let status = status(&reader);
                if status == "complete" {
                    complete.push((value, reader, f));
                } else {
                    groups.entry(value).or_default().1 += 1;
                    left_out.push(format!("{} ({status})", label(f)));
                }
            }
            let refs: Vec<(&TraceReader, &Path)> =
                complete.iter().map(|(_, r, f)| (r, f.as_path())).collect();
            let x = x_axis(req.x, &refs)?;
            for (value, reader, f) in &complete {
                let c = curve(reader, &req.metric, label(f))
                    .and_then(|c| on_axis(c, reader, x))
                    .with_context(|| f.display().to_string())?;
                groups.entry(value.clone()).or_default().0.push(c);
            }
            if !left_out.is_empty() {
                eprintln!(
                    "left {} runs out of the ablation (not complete): {}",
                    left_out.len(),
                    left_out.join(", ")
                );
            }
            let groups: Vec<AblationGroup> = groups
                .into_iter()
                .rev()
                .filter(|(_, (runs, _))| !runs.is_empty())
                .map(|(value, (runs, left_out))| AblationGroup {
                    label: value,
                    runs,
                    left_out,
                })
                .collect();
            plot_ablation_against(
                &groups,
                &req.metric,
                axis_name(x),
                &format!("{} by {by}", req.metric),
                &req.out,
            )?;
            Ok(format!(
                "{}: {} groups from {} files",
                req.out.display(),
                groups.len(),
                files.len()
            ))
        }
    }
}

//! `prospect plot`: figures from a trace file or a folder of them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use prospect_plot::{
    AblationGroup, Curve, TracePlot, plot_ablation, plot_learning, plot_traces, run_curves,
    split_pair,
};
use prospect_trace::TraceReader;

use super::collect::{newest_versions, status, superseded_list, trace_files};

/// Which figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// u, ŭ and target of chosen units over a time window.
    Traces,
    /// A metric against epoch, one curve per file.
    Learning,
    /// A metric against epoch grouped by a parameter (mean ± sd over seeds).
    Ablation,
}

/// Options of `prospect plot`.
pub struct PlotRequest {
    /// A trace file or a folder of them.
    pub input: PathBuf,
    /// Which figure.
    pub kind: Kind,
    /// Parameter that groups runs (ablation), a dotted model key.
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
    let files = inputs(&req.input)?;
    match req.kind {
        Kind::Traces => {
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
            let what = TracePlot {
                population,
                variables: vec!["u".into(), "u_breve".into(), "target".into()],
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
            let mut curves = Vec::new();
            for f in &files {
                let run = run_curves(&TraceReader::open(f)?, &req.metric, &label(f))
                    .with_context(|| format!("{}: metric {}", f.display(), req.metric))?;
                curves.extend(run);
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
                "epoch",
                &format!("{} — {}", axis, req.input.display()),
                &req.out,
            )?;
            Ok(format!("{}: {} curves", req.out.display(), curves.len()))
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
                let value = parameter(&TraceReader::open(old)?, by)
                    .with_context(|| format!("{}: no parameter {by}", old.display()))?;
                groups.entry(value).or_default().1 += 1;
            }
            if !superseded.is_empty() {
                eprintln!(
                    "left {} runs out of the ablation (superseded by a newer version of the same point and seed, another model): {}",
                    superseded.len(),
                    superseded_list(&superseded)
                );
            }
            for f in &files {
                let reader = TraceReader::open(f)?;
                let value = parameter(&reader, by)
                    .with_context(|| format!("{}: no parameter {by}", f.display()))?;
                let group = groups.entry(value).or_default();
                let status = status(&reader);
                if status == "complete" {
                    group.0.push(curve(&reader, &req.metric, label(f))?);
                } else {
                    group.1 += 1;
                    left_out.push(format!("{} ({status})", label(f)));
                }
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
                    label: format!("{by} = {value}"),
                    runs,
                    left_out,
                })
                .collect();
            plot_ablation(
                &groups,
                &req.metric,
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

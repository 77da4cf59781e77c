//! `prospect collect`: rebuild `summary.csv` from the trace files of a folder.

use std::path::{Path, PathBuf};

use prospect_trace::TraceReader;

/// The metric columns of `summary.csv`, after the parameters and the seed: the last value of
/// each (empty where a run has none: losses for reward rules, rewards and trials for
/// supervised ones; `stop_epoch` for the algorithmic form's runs that met the stopping
/// criterion).
const METRICS: [&str; 7] = [
    "train_accuracy",
    "test_accuracy",
    "train_loss",
    "test_loss",
    "mean_reward",
    "trials",
    "stop_epoch",
];

/// One row of `summary.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Trace file name.
    pub file: String,
    /// `complete`, `running`, `failed`, `interrupted` (running, but its writer is gone).
    pub status: String,
    /// Swept parameters (`param:<key>` attributes), sorted by key.
    pub params: Vec<(String, String)>,
    /// Seed.
    pub seed: u64,
    /// Last value of each metric in [`METRICS`].
    pub metrics: Vec<Option<f64>>,
    /// Sum of the per-epoch wall times.
    pub wall_seconds: f64,
}

/// Reads the summary row of one trace file.
pub fn row(path: &Path) -> Result<Row, prospect_trace::TraceError> {
    let r = TraceReader::open(path)?;
    let mut params: Vec<(String, String)> = r
        .attr_names()?
        .into_iter()
        .filter_map(|n| n.strip_prefix("param:").map(str::to_string))
        .map(|k| {
            let v = r.attr(&format!("param:{k}")).unwrap_or_default();
            (k, v)
        })
        .collect();
    params.sort();
    let last = |name: &str| r.metric(name).ok().and_then(|m| m.values.last().copied());
    let wall = r
        .metric("wall_seconds")
        .map_or(0.0, |m| m.values.iter().sum());
    Ok(Row {
        file: path
            .file_name()
            .map_or(String::new(), |n| n.to_string_lossy().into_owned()),
        status: status(&r),
        params,
        seed: r.seed()?,
        metrics: METRICS.iter().map(|m| last(m)).collect(),
        wall_seconds: wall,
    })
}

/// Trace files (`*.h5`) of a folder, sorted by name.
pub fn trace_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "h5"))
        .collect();
    files.sort();
    Ok(files)
}

/// The point-and-seed name a trace file belongs to and its version: a resume that finds another
/// model in `x.h5` runs into `x.v2.h5`, `x.v3.h5`, … (see `sweep::resume`), so `x.v3.h5` →
/// (`x.h5`, 3) and `x.h5` → (`x.h5`, 1). A sweep name ends in `seed=N` or a `~hash`, never in
/// `.vN`, so the split is unambiguous for the files a sweep writes.
fn base_and_version(path: &Path) -> (PathBuf, u64) {
    let name = path
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    // `k.to_string() == digits` refuses `v02` and `v+2`, which resume never writes.
    if let Some((stem, digits)) = name
        .strip_suffix(".h5")
        .and_then(|stem| stem.rsplit_once(".v"))
        && let Ok(k) = digits.parse::<u64>()
        && k >= 2
        && k.to_string() == digits
    {
        return (path.with_file_name(format!("{stem}.h5")), k);
    }
    (path.to_path_buf(), 1)
}

/// Splits `files` into the ones a summary or an ablation reads and the older versions that are
/// superseded, each with the file that supersedes it. Per point and seed only the newest
/// readable version counts: two versions hold two different models (that is why the resume
/// wrote a new one), and averaging them would mix the models. Unreadable files newer than it
/// stay in the first list, so the caller reports them as before.
pub fn newest_versions(files: &[PathBuf]) -> (Vec<PathBuf>, Vec<(PathBuf, PathBuf)>) {
    let mut groups: std::collections::BTreeMap<PathBuf, Vec<(u64, PathBuf)>> =
        std::collections::BTreeMap::new();
    for f in files {
        let (base, k) = base_and_version(f);
        groups.entry(base).or_default().push((k, f.clone()));
    }
    let mut kept = Vec::new();
    let mut superseded = Vec::new();
    for (_, mut versions) in groups {
        versions.sort_by_key(|v| std::cmp::Reverse(v.0));
        let newest = versions
            .iter()
            .position(|(_, f)| TraceReader::open(f).is_ok())
            .unwrap_or(versions.len());
        for (i, (_, f)) in versions.iter().enumerate() {
            if i <= newest {
                kept.push(f.clone());
            } else {
                superseded.push((f.clone(), versions[newest].1.clone()));
            }
        }
    }
    kept.sort();
    superseded.sort();
    (kept, superseded)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The status a summary or a figure goes by: the trace's effective status (`complete`,
/// `failed`, `running`, or `interrupted` when it says `running` but no writer holds its lock;
/// see [`prospect_trace::RunStatus`]). Only `complete` runs are summarised and averaged: a failed or
/// interrupted run stopped early, and its last values are not the final ones.
pub fn status(reader: &TraceReader) -> String {
    reader
        .status()
        .map_or_else(|_| "unknown".into(), |s| s.word().to_string())
}

/// What [`collect`] found: the complete runs (the rows of `summary.csv`) and the runs left
/// out because they are not complete.
#[derive(Debug, Clone, PartialEq)]
pub struct Collected {
    /// Rows of complete runs, in file-name order.
    pub rows: Vec<Row>,
    /// Runs left out (status other than `complete`).
    pub left_out: Vec<Row>,
    /// Older versions of a point and seed left out, each with the newer file that supersedes it
    /// (see [`newest_versions`]).
    pub superseded: Vec<(PathBuf, PathBuf)>,
}

/// Writes `dir/summary.csv` from the complete trace files in `dir`. Runs that are not
/// complete are left out of the file and reported on stderr with their status; files that are
/// not traces are reported on stderr and skipped. Per point and seed only the newest version
/// (`x.vN.h5`) is summarised; the older ones hold another model and are left out and named.
pub fn collect(dir: &Path) -> anyhow::Result<Collected> {
    let mut rows = Vec::new();
    let mut left_out = Vec::new();
    let files = trace_files(dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    let (files, superseded) = newest_versions(&files);
    if !superseded.is_empty() {
        eprintln!(
            "{}: left {} runs out of summary.csv (superseded by a newer version of the same point and seed, another model): {}",
            dir.display(),
            superseded.len(),
            superseded_list(&superseded)
        );
    }
    for file in files {
        match row(&file) {
            Ok(r) if r.status == "complete" => rows.push(r),
            Ok(r) => left_out.push(r),
            Err(e) => eprintln!("skipped {e}"),
        }
    }
    if !left_out.is_empty() {
        eprintln!(
            "{}: left {} runs out of summary.csv (not complete): {}",
            dir.display(),
            left_out.len(),
            left_out
                .iter()
                .map(|r| format!("{} ({})", r.file, r.status))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let mut keys: Vec<String> = rows
        .iter()
        .flat_map(|r| r.params.iter().map(|(k, _)| k.clone()))
        .collect();
    keys.sort();
    keys.dedup();
    let mut out = String::from("file,status");
    for k in &keys {
        out.push(',');
        out.push_str(&csv_field(k));
    }
    out.push_str(",seed");
    for m in METRICS {
        out.push(',');
        out.push_str(m);
    }
    out.push_str(",wall_seconds\n");
    for r in &rows {
        out.push_str(&format!("{},{}", csv_field(&r.file), r.status));
        for k in &keys {
            let v = r
                .params
                .iter()
                .find(|(pk, _)| pk == k)
                .map_or("", |(_, v)| v.as_str());
            out.push(',');
            out.push_str(&csv_field(v));
        }
        out.push_str(&format!(",{}", r.seed));
        for m in &r.metrics {
            out.push(',');
            if let Some(v) = m {
                out.push_str(&format!("{v}"));
            }
        }
        out.push_str(&format!(",{:.3}\n", r.wall_seconds));
    }
    let path = dir.join("summary.csv");
    std::fs::write(&path, out).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(Collected {
        rows,
        left_out,
        superseded,
    })
}

/// `old.h5 (superseded by new.v2.h5), …` for stderr.
pub fn superseded_list(superseded: &[(PathBuf, PathBuf)]) -> String {
    let name = |p: &PathBuf| {
        p.file_name()
            .map_or(String::new(), |n| n.to_string_lossy().into_owned())
    };
    superseded
        .iter()
        .map(|(old, new)| format!("{} (superseded by {})", name(old), name(new)))
        .collect::<Vec<_>>()
        .join(", ")
}

//! `prospect sweep`: the grid of parameter values × seeds, in parallel, resumable; or a Slurm
//! job array that runs it on a cluster.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, bail};
use rayon::prelude::*;

use super::collect::collect;
use super::run::{RunError, RunRequest, execute};
use crate::model::{Model, parse_override};

/// One grid point: parameter assignments and a seed.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// `(dotted key, value text)` in the order given.
    pub params: Vec<(String, String)>,
    /// Seed.
    pub seed: u64,
}

impl Point {
    /// File name of the point's trace: `key=value_…_seed=N.h5`, with unsafe characters
    /// replaced.
    pub fn file_name(&self) -> String {
        let mut parts: Vec<String> = self
            .params
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        parts.push(format!("seed={}", self.seed));
        let name: String = parts
            .join("_")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "=._-".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        format!("{name}.h5")
    }
}

/// Splits `v1,v2,…` at top-level commas (commas inside `[…]`, `{…}` or quotes stay).
pub fn split_values(text: &str) -> Vec<String> {
    let (mut out, mut cur, mut depth, mut quoted) = (Vec::new(), String::new(), 0i32, false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '[' | '{' if !quoted => depth += 1,
            ']' | '}' if !quoted => depth -= 1,
            ',' if depth == 0 && !quoted => {
                out.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur.trim().to_string());
    out
}

/// Parses `a..b` (b excluded) or `s1,s2,…`.
pub fn parse_seeds(text: &str) -> anyhow::Result<Vec<u64>> {
    if let Some((a, b)) = text.split_once("..") {
        let a: u64 = a
            .trim()
            .parse()
            .with_context(|| format!("--seeds {text:?}: start"))?;
        let b: u64 = b
            .trim()
            .parse()
            .with_context(|| format!("--seeds {text:?}: end"))?;
        if b <= a {
            bail!("--seeds {text:?}: empty range (the end is excluded)");
        }
        if b > 1 << 63 {
            bail!("--seeds {text:?}: seeds must be below 2^63 (TOML integers are signed 64-bit)");
        }
        crate::model::budget::check_points(b - a, &format!("--seeds {text:?}"))
            .map_err(anyhow::Error::msg)?;
        return Ok((a..b).collect());
    }
    let seeds: Vec<u64> = text
        .split(',')
        .map(|s| {
            s.trim()
                .parse()
                .with_context(|| format!("--seeds {text:?}"))
        })
        .collect::<anyhow::Result<_>>()?;
    if let Some(s) = seeds.iter().find(|&&s| s >= 1 << 63) {
        bail!("--seeds {text:?}: seed {s} is not below 2^63 (TOML integers are signed 64-bit)");
    }
    Ok(seeds)
}

/// The grid of a sweep: overrides shared by every run (`--set` with one value) and the
/// points (every combination of the multi-valued `--set` lists, times every seed, seed
/// fastest).
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// `(dotted key, value text)` applied to every run.
    pub fixed: Vec<(String, String)>,
    /// The runs.
    pub points: Vec<Point>,
}

/// Builds the [`Grid`] of `--set` arguments and seeds.
pub fn grid(sets: &[String], seeds: &[u64]) -> anyhow::Result<Grid> {
    let mut fixed = Vec::new();
    let mut axes: Vec<(String, Vec<String>)> = Vec::new();
    for s in sets {
        let (key, values) = s
            .split_once('=')
            .with_context(|| format!("--set {s:?}: expected key=v1,v2,…"))?;
        let values = split_values(values);
        if values.len() == 1 {
            fixed.push((key.trim().to_string(), values[0].clone()));
        } else {
            axes.push((key.trim().to_string(), values));
        }
    }
    let mut points = vec![Vec::new()];
    for (key, values) in &axes {
        points = points
            .into_iter()
            .flat_map(|p: Vec<(String, String)>| {
                values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push((key.clone(), v.clone()));
                    q
                })
            })
            .collect();
    }
    let points = points
        .into_iter()
        .flat_map(|params| {
            seeds.iter().map(move |&seed| Point {
                params: params.clone(),
                seed,
            })
        })
        .collect();
    Ok(Grid { fixed, points })
}

/// Options of `prospect sweep`.
pub struct SweepRequest {
    /// The model file.
    pub model: PathBuf,
    /// `key=v1,v2` axes.
    pub sets: Vec<String>,
    /// Seeds.
    pub seeds: Vec<u64>,
    /// Parallel runs.
    pub jobs: usize,
    /// Output folder.
    pub out_dir: PathBuf,
    /// Run only grid point `i` (Slurm array task).
    pub only_index: Option<usize>,
    /// Progress bars on stderr.
    pub progress: bool,
    /// The command line, stored in each trace.
    pub command_line: String,
    /// Set by Ctrl-C.
    pub stop: Arc<AtomicBool>,
}

/// The loaded model of a grid point (validation happens here, before anything runs).
fn point_model(model: &Path, fixed: &[(String, String)], point: &Point) -> Result<Model, RunError> {
    let mut overrides = Vec::new();
    for (k, v) in fixed.iter().chain(&point.params) {
        overrides.push(parse_override(&format!("{k}={v}")).map_err(|reason| {
            RunError::Model(crate::model::ModelError {
                file: model.to_path_buf(),
                key: k.clone(),
                reason,
            })
        })?);
    }
    overrides.push((
        "training.seed".into(),
        toml::Value::Integer(point.seed as i64),
    ));
    Ok(Model::load(model, &overrides)?)
}

/// Outcome of a sweep: runs done now, runs skipped as complete, failures.
pub struct SweepOutcome {
    /// Runs executed now.
    pub ran: usize,
    /// Runs skipped because their trace file was complete.
    pub skipped: usize,
    /// Failed runs (message per run).
    pub failed: Vec<String>,
    /// Whether Ctrl-C stopped the sweep.
    pub interrupted: bool,
}

/// Runs the grid (or one point of it) and rebuilds `summary.csv`.
pub fn sweep(req: &SweepRequest) -> Result<SweepOutcome, RunError> {
    let Grid { fixed, points } =
        grid(&req.sets, &req.seeds).map_err(|e| RunError::Simulation(e.to_string()))?;
    let selected: Vec<(usize, &Point)> = match req.only_index {
        Some(i) if i >= points.len() => {
            return Err(RunError::Simulation(format!(
                "--only-index {i}: the grid has {} points",
                points.len()
            )));
        }
        Some(i) => vec![(i, &points[i])],
        None => points.iter().enumerate().collect(),
    };
    // Validate every point before running any.
    let models: Vec<Model> = selected
        .iter()
        .map(|(_, p)| point_model(&req.model, &fixed, p))
        .collect::<Result<_, _>>()?;
    std::fs::create_dir_all(&req.out_dir)
        .map_err(|e| RunError::Simulation(format!("{}: {e}", req.out_dir.display())))?;

    let todo: Vec<(&Point, &Model, PathBuf)> = selected
        .iter()
        .zip(&models)
        .map(|((_, p), m)| (*p, m, req.out_dir.join(p.file_name())))
        .filter(|(_, _, out)| {
            !prospect_trace::TraceReader::open(out).is_ok_and(|r| r.is_complete())
        })
        .collect();
    let skipped = selected.len() - todo.len();
    let bar = crate::progress::bar(
        todo.len() as u64,
        req.progress,
        "sweep [{bar:30}] {pos}/{len} runs {msg} ({elapsed}, eta {eta})",
    );
    if skipped > 0 {
        bar.println(format!("skipping {skipped} complete runs"));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(req.jobs.max(1))
        .build()
        .map_err(|e| RunError::Simulation(e.to_string()))?;
    let results: Vec<Result<(), RunError>> = pool.install(|| {
        todo.par_iter()
            .map(|(point, model, out)| {
                if req.stop.load(Ordering::Relaxed) {
                    return Err(RunError::Interrupted(format!(
                        "{} not started",
                        out.display()
                    )));
                }
                let extra = point
                    .params
                    .iter()
                    .map(|(k, v)| (format!("param:{k}"), v.clone()))
                    .collect();
                let r = execute(RunRequest {
                    model,
                    out: out.clone(),
                    command_line: req.command_line.clone(),
                    extra,
                    progress: false,
                    stop: req.stop.clone(),
                })
                .map(|_| ());
                bar.inc(1);
                r
            })
            .collect()
    });
    bar.finish_and_clear();
    let mut outcome = SweepOutcome {
        ran: 0,
        skipped,
        failed: Vec::new(),
        interrupted: false,
    };
    for r in results {
        match r {
            Ok(()) => outcome.ran += 1,
            Err(RunError::Interrupted(_)) => outcome.interrupted = true,
            Err(e) => outcome.failed.push(e.to_string()),
        }
    }
    collect(&req.out_dir).map_err(|e| RunError::Simulation(e.to_string()))?;
    Ok(outcome)
}

/// Writes a Slurm job-array script whose task `i` runs grid point `i`.
pub fn emit_slurm(req: &SweepRequest, script: &Path) -> anyhow::Result<usize> {
    let Grid { fixed, points } = grid(&req.sets, &req.seeds)?;
    for p in &points {
        point_model(&req.model, &fixed, p).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let seeds: Vec<String> = req.seeds.iter().map(u64::to_string).collect();
    let mut args = vec![format!("{:?}", req.model.display().to_string())];
    for s in &req.sets {
        args.push(format!("--set {s:?}"));
    }
    args.push(format!("--seeds {}", seeds.join(",")));
    args.push(format!("--out-dir {:?}", req.out_dir.display().to_string()));
    let text = format!(
        "#!/usr/bin/env bash\n\
         # Slurm job array for a prospect sweep: task i runs grid point i of {n}.\n\
         # Submit with: sbatch {script}; afterwards: prospect collect {dir}\n\
         #SBATCH --job-name=prospect-sweep\n\
         #SBATCH --array=0-{last}\n\
         #SBATCH --cpus-per-task=1\n\
         #SBATCH --output={dir}/slurm-%A_%a.out\n\
         set -euo pipefail\n\
         export MATMUL_NUM_THREADS=1\n\
         prospect sweep {args} --jobs 1 --quiet --only-index \"$SLURM_ARRAY_TASK_ID\"\n",
        n = points.len(),
        last = points.len().saturating_sub(1),
        script = script.display(),
        dir = req.out_dir.display(),
        args = args.join(" "),
    );
    std::fs::write(script, text).with_context(|| format!("{}", script.display()))?;
    Ok(points.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_are_all_combinations_times_seeds() {
        let Grid { fixed, points: g } = grid(
            &["a=1,2".into(), "b=[1, 2],x".into(), "c=7".into()],
            &[0, 1],
        )
        .unwrap();
        assert_eq!(fixed, vec![("c".to_string(), "7".to_string())]);
        assert_eq!(g.len(), 8);
        assert_eq!(
            g[0],
            Point {
                params: vec![("a".into(), "1".into()), ("b".into(), "[1, 2]".into())],
                seed: 0
            }
        );
        assert_eq!(g[7].params[1].1, "x");
        assert_eq!(g[0].file_name(), "a=1_b=-1--2-_seed=0.h5");
        assert_eq!(parse_seeds("0..3").unwrap(), vec![0, 1, 2]);
        assert_eq!(parse_seeds("5,7").unwrap(), vec![5, 7]);
        assert!(parse_seeds("3..3").is_err());
    }
}

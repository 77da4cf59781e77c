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
    /// File name of the point's trace: `key=value_…_seed=N.h5`.
    ///
    /// Injective, so two grid points never share a file: every byte outside `[A-Za-z0-9._-]`
    /// of a key and outside `[A-Za-z0-9.-]` of a value (so `_`, `=`, `+`, `%`, spaces, brackets)
    /// is written `%XX` (its UTF-8 byte in hex). A value then holds no `_` or `=` and a key no
    /// `=`, so the name splits back uniquely into its pairs: `1e-3` and `1e+3` give
    /// `…=1e-3` and `…=1e%2B3`. A name longer than [`MAX_NAME`] bytes keeps its first bytes
    /// and ends in `~` and the 16 hex digits of the FNV-1a hash of the whole name (`~` never
    /// occurs in an escaped name, so a shortened name cannot equal an unshortened one).
    pub fn file_name(&self) -> String {
        let mut parts: Vec<String> = self
            .params
            .iter()
            .map(|(k, v)| format!("{}={}", escape(k, "._-"), escape(v, ".-")))
            .collect();
        parts.push(format!("seed={}", self.seed));
        let name = parts.join("_");
        if name.len() <= MAX_NAME {
            return format!("{name}.h5");
        }
        // Escaped names are ASCII, so any byte index is a char boundary.
        format!(
            "{}~{:016x}.h5",
            &name[..MAX_NAME - 17],
            fnv1a(name.as_bytes())
        )
    }
}

/// Longest escaped file stem kept whole (file systems allow 255 bytes per name).
pub const MAX_NAME: usize = 200;

/// `text` with every byte outside ASCII alphanumerics and `keep` written `%XX`.
fn escape(text: &str, keep: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || keep.as_bytes().contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// 64-bit FNV-1a hash: fixed constants, so a name is the same on every machine and run
/// (unlike std's randomly keyed hasher).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
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

/// Why a sweep's `--set`/`--seeds` arguments do not make a grid (bad input, exit code 2).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{key}: {reason}")]
pub struct GridError {
    /// The dotted key (or `--set`/`--seeds`) at fault.
    pub key: String,
    /// What is wrong.
    pub reason: String,
}

/// Builds the [`Grid`] of `--set` arguments and seeds.
///
/// Refuses a grid that would run the same run twice under different labels: `training.seed`
/// in `--set` (the seeds come from `--seeds`, which would silently override it), a key given
/// twice, a value repeated in one list, a seed repeated in `--seeds`.
pub fn grid(sets: &[String], seeds: &[u64]) -> Result<Grid, GridError> {
    let mut fixed = Vec::new();
    let mut axes: Vec<(String, Vec<String>)> = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    for s in sets {
        let (key, values) = s.split_once('=').ok_or_else(|| GridError {
            key: s.trim().to_string(),
            reason: format!("--set {s:?}: expected key=v1,v2,…"),
        })?;
        let key = key.trim().to_string();
        let err = |reason: String| GridError {
            key: key.clone(),
            reason,
        };
        if key == "training.seed" {
            return Err(err(
                "a sweep takes its seeds from --seeds (which would override this); \
                 use --seeds 1,2 instead of --set training.seed=1,2"
                    .into(),
            ));
        }
        if keys.contains(&key) {
            return Err(err("given twice in --set".into()));
        }
        keys.push(key.clone());
        let values = split_values(values);
        for (i, v) in values.iter().enumerate() {
            if values[..i].contains(v) {
                return Err(err(format!(
                    "value {v:?} listed twice (the two runs would be identical)"
                )));
            }
        }
        if values.len() == 1 {
            fixed.push((key, values[0].clone()));
        } else {
            axes.push((key, values));
        }
    }
    for (i, s) in seeds.iter().enumerate() {
        if seeds[..i].contains(s) {
            return Err(GridError {
                key: "--seeds".into(),
                reason: format!("seed {s} listed twice (the two runs would be identical)"),
            });
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
    let Grid { fixed, points } = grid(&req.sets, &req.seeds).map_err(|e| {
        RunError::Model(crate::model::ModelError {
            file: req.model.clone(),
            key: e.key,
            reason: e.reason,
        })
    })?;
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

    let mut todo: Vec<(&Point, &Model, PathBuf)> = Vec::new();
    for ((_, p), m) in selected.iter().zip(&models) {
        match resume(&req.out_dir, p, m) {
            Resume::Done(_) => {}
            Resume::Run { out, set_aside } => {
                for note in set_aside {
                    eprintln!("{note}; running into {}", out.display());
                }
                todo.push((p, m, out));
            }
        }
    }
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
                    // The sweep owns its folder: an incomplete file of a point is rerun.
                    overwrite: true,
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
            Err(RunError::Trace(e @ prospect_trace::TraceError::Busy { .. })) => {
                // Another process (a second sweep into this folder) is writing this point:
                // leave it to that process and say so.
                eprintln!("skipped: {e}");
                outcome.skipped += 1;
            }
            Err(e) => outcome.failed.push(e.to_string()),
        }
    }
    collect(&req.out_dir).map_err(|e| RunError::Simulation(e.to_string()))?;
    Ok(outcome)
}

/// What a sweep does with one grid point.
#[derive(Debug, Clone, PartialEq)]
pub enum Resume {
    /// A complete trace of exactly the requested model exists: skip.
    Done(PathBuf),
    /// Run into `out`. `set_aside` says, per existing file of the point's name that is kept
    /// untouched, why it is not this run (another model, not a trace).
    Run {
        /// The file to write.
        out: PathBuf,
        /// One line per kept file, for stderr.
        set_aside: Vec<String>,
    },
}

/// The `k`-th file name of `point` in `dir`: `name.h5`, then `name.v2.h5`, `name.v3.h5`, …
fn version(dir: &Path, point: &Point, k: usize) -> PathBuf {
    let name = point.file_name();
    if k == 1 {
        dir.join(name)
    } else {
        let stem = name.strip_suffix(".h5").unwrap_or(&name);
        dir.join(format!("{stem}.v{k}.h5"))
    }
}

/// Dotted keys whose values differ between two effective models (`-` when one is not TOML).
fn differing_keys(stored: &str, requested: &str) -> Vec<String> {
    fn walk(prefix: &str, a: &toml::Value, b: Option<&toml::Value>, out: &mut Vec<String>) {
        match (a, b) {
            (toml::Value::Table(a), Some(toml::Value::Table(b))) => {
                for (k, va) in a {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, va, b.get(k), out);
                }
                for k in b.keys().filter(|k| !a.contains_key(*k)) {
                    out.push(if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    });
                }
            }
            (a, Some(b)) if a == b => {}
            _ => out.push(prefix.to_string()),
        }
    }
    match (
        stored.parse::<toml::Table>(),
        requested.parse::<toml::Table>(),
    ) {
        (Ok(a), Ok(b)) => {
            let mut out = Vec::new();
            walk(
                "",
                &toml::Value::Table(a),
                Some(&toml::Value::Table(b)),
                &mut out,
            );
            out.sort();
            out
        }
        _ => vec!["-".into()],
    }
}

/// Decides what to do with `point` whose effective model is `model`, given the files in `dir`.
///
/// A run is done only when a file of the point's name is a complete trace *and* its stored
/// effective model (`model_effective`, every override and the seed applied) equals the
/// requested one. A file of the same model that is not complete (failed, interrupted) is run
/// again in place: with the same model and seed the rerun reproduces it bit for bit and goes
/// on. A file of another model (the model file was edited, or `--set` changed a key), or a
/// file that is not a readable trace, is kept: the run goes to the next free name
/// (`name.v2.h5`, …) and the reason is returned for stderr.
pub fn resume(dir: &Path, point: &Point, model: &Model) -> Resume {
    let mut set_aside = Vec::new();
    let mut k = 1;
    loop {
        let path = version(dir, point, k);
        if !path.exists() {
            return Resume::Run {
                out: path,
                set_aside,
            };
        }
        let reader = match prospect_trace::TraceReader::open(&path) {
            Ok(r) => r,
            Err(e) => {
                set_aside.push(format!(
                    "kept {} (not a readable trace: {e})",
                    path.display()
                ));
                k += 1;
                continue;
            }
        };
        let stored = reader.attr("model_effective").unwrap_or_default();
        let keys = differing_keys(&stored, &model.text);
        if keys.is_empty() {
            if reader.is_complete() {
                return Resume::Done(path);
            }
            return Resume::Run {
                out: path,
                set_aside,
            };
        }
        set_aside.push(format!(
            "kept {}: it holds another model (differs in {})",
            path.display(),
            keys.join(", ")
        ));
        k += 1;
    }
}

/// `text` quoted for a POSIX shell: inside single quotes nothing expands (`$`, spaces, `*`,
/// newlines stay literal); a single quote is written `'\''`.
pub fn shell_quote(text: &str) -> String {
    if !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/=,:+@".contains(&b))
    {
        return text.to_string();
    }
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// Writes a Slurm job-array script whose task `i` runs grid point `i`.
///
/// Every argument is quoted for the shell ([`shell_quote`]); the `#SBATCH --output` path, which
/// Slurm (not the shell) reads, is double-quoted with `%` doubled (Slurm's own escape). The
/// output folder is created now, since Slurm does not create it and would drop the logs. The
/// script runs `$PROSPECT` (default `prospect` from `PATH`).
pub fn emit_slurm(req: &SweepRequest, script: &Path) -> anyhow::Result<usize> {
    let Grid { fixed, points } = grid(&req.sets, &req.seeds)
        .map_err(|e| anyhow::anyhow!("{}: {}: {}", req.model.display(), e.key, e.reason))?;
    for p in &points {
        point_model(&req.model, &fixed, p).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let dir = req.out_dir.display().to_string();
    for (what, text) in [
        ("--out-dir", dir.as_str()),
        ("--emit-slurm", &script.display().to_string()),
    ] {
        if text.contains(|c: char| c.is_control() || c == '"') {
            bail!(
                "{what} {text:?}: a Slurm script cannot carry a path with control characters or '\"'"
            );
        }
    }
    let seeds: Vec<String> = req.seeds.iter().map(u64::to_string).collect();
    let mut args = vec![shell_quote(&req.model.display().to_string())];
    for s in &req.sets {
        args.push(format!("--set {}", shell_quote(s)));
    }
    args.push(format!("--seeds {}", seeds.join(",")));
    args.push(format!("--out-dir {}", shell_quote(&dir)));
    let text = format!(
        "#!/usr/bin/env bash\n\
         # Slurm job array for a prospect sweep: task i runs grid point i of {n}.\n\
         # Submit with: sbatch {script}; afterwards: prospect collect {qdir}\n\
         #SBATCH --job-name=prospect-sweep\n\
         #SBATCH --array=0-{last}\n\
         #SBATCH --cpus-per-task=1\n\
         #SBATCH --output=\"{sdir}/slurm-%A_%a.out\"\n\
         set -euo pipefail\n\
         export MATMUL_NUM_THREADS=1\n\
         \"${{PROSPECT:-prospect}}\" sweep {args} --jobs 1 --quiet --only-index \"$SLURM_ARRAY_TASK_ID\"\n",
        n = points.len(),
        last = points.len().saturating_sub(1),
        script = shell_quote(&script.display().to_string()),
        qdir = shell_quote(&dir),
        sdir = dir.replace('%', "%%"),
        args = args.join(" "),
    );
    std::fs::create_dir_all(&req.out_dir).with_context(|| dir.clone())?;
    if let Some(parent) = script.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).with_context(|| format!("{}", parent.display()))?;
    }
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
        assert_eq!(g[0].file_name(), "a=1_b=%5B1%2C%202%5D_seed=0.h5");
        assert_eq!(parse_seeds("0..3").unwrap(), vec![0, 1, 2]);
        assert_eq!(parse_seeds("5,7").unwrap(), vec![5, 7]);
        assert!(parse_seeds("3..3").is_err());
    }
}

//! Reading trace files back (used by the plots, the command line and the tests).

use std::path::{Path, PathBuf};

use hdf5::types::VarLenUnicode;
use hdf5::{File, Group};
use ndarray::Array2;

use crate::{FORMAT, TraceError};

/// One recorded series: rows over time.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// `[n_time, n_units]`.
    pub data: Array2<f32>,
    /// Time of each row (from the grid attributes or the timestamps dataset).
    pub times: Vec<f64>,
    /// Unit string.
    pub unit: String,
}

/// One metric: values over an x axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// Name of the x axis (`epoch`, `trial`, `time`).
    pub x_name: String,
    /// x values.
    pub x: Vec<f64>,
    /// Metric values.
    pub values: Vec<f64>,
}

/// What state a run's file is in, as readers should treat it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunStatus {
    /// `status = "running"` and its writer still holds the lock.
    Running,
    /// `status = "complete"`: the writer finished.
    Complete,
    /// `status = "failed"`, with the `error` attribute (Ctrl-C, SIGTERM, a failed simulation).
    Failed(String),
    /// `status = "running"` but no writer holds the lock: the writer was killed (SIGKILL, a
    /// crash, a power loss). The rows flushed before that are readable.
    Interrupted,
    /// Any other status value, as written.
    Other(String),
}

impl RunStatus {
    /// The word `inspect`, `collect` and `plot` print: running, complete, failed, interrupted.
    pub fn word(&self) -> &str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Complete => "complete",
            RunStatus::Failed(_) => "failed",
            RunStatus::Interrupted => "interrupted",
            RunStatus::Other(s) => s,
        }
    }

    /// Whether the run ended normally (the only state summaries should average).
    pub fn is_complete(&self) -> bool {
        *self == RunStatus::Complete
    }
}

/// The effective status of the trace file at `path` (see [`RunStatus`]): the `status`
/// attribute, with `running` turned into `interrupted` when no writer holds the lock.
pub fn effective_status(path: &Path) -> Result<RunStatus, TraceError> {
    TraceReader::open(path)?.status()
}

/// An open trace file.
pub struct TraceReader {
    path: PathBuf,
    file: File,
}

impl TraceReader {
    /// Opens `path` read-only and checks that it is a prospect trace file.
    pub fn open(path: &Path) -> Result<Self, TraceError> {
        let file = File::with_options()
            .with_fapl(|p| p.file_locking(false))
            .open(path)
            .map_err(|source| TraceError::Hdf5 {
                path: path.to_path_buf(),
                context: "open".into(),
                source,
            })?;
        let reader = TraceReader {
            path: path.to_path_buf(),
            file,
        };
        match reader.attr("format") {
            Ok(f) if f == FORMAT => Ok(reader),
            Ok(f) => Err(TraceError::Format {
                path: path.to_path_buf(),
                reason: format!("format is {f:?}, not {FORMAT:?}"),
            }),
            Err(_) => Err(TraceError::Format {
                path: path.to_path_buf(),
                reason: "no `format` attribute: not a prospect trace file".into(),
            }),
        }
    }

    fn err(&self, context: impl Into<String>) -> impl FnOnce(hdf5::Error) -> TraceError {
        let (path, context) = (self.path.clone(), context.into());
        move |source| TraceError::Hdf5 {
            path,
            context,
            source,
        }
    }

    /// A string attribute of the root group.
    pub fn attr(&self, name: &str) -> Result<String, TraceError> {
        string_attr(&self.file, name).map_err(self.err(format!("attribute {name}")))
    }

    /// Names of the root attributes.
    pub fn attr_names(&self) -> Result<Vec<String>, TraceError> {
        self.file.attr_names().map_err(self.err("attributes"))
    }

    /// The run's seed.
    pub fn seed(&self) -> Result<u64, TraceError> {
        self.file
            .attr("seed")
            .and_then(|a| a.read_scalar::<u64>())
            .map_err(self.err("attribute seed"))
    }

    /// The effective status (see [`RunStatus`]; `running` without a live writer is
    /// [`RunStatus::Interrupted`]).
    pub fn status(&self) -> Result<RunStatus, TraceError> {
        Ok(match self.attr("status")?.as_str() {
            "running" if crate::lock::writer_alive(&self.path) => RunStatus::Running,
            "running" => RunStatus::Interrupted,
            "complete" => RunStatus::Complete,
            "failed" => RunStatus::Failed(self.attr("error").unwrap_or_default()),
            other => RunStatus::Other(other.to_string()),
        })
    }

    /// Whether the writer finished (`status = "complete"`).
    pub fn is_complete(&self) -> bool {
        self.attr("status").is_ok_and(|s| s == "complete")
    }

    fn members(&self, group: &str) -> Result<Vec<String>, TraceError> {
        let g = self
            .file
            .group(group)
            .map_err(self.err(format!("group {group}")))?;
        g.member_names()
            .map_err(self.err(format!("members of {group}")))
    }

    /// Populations with recorded series.
    pub fn populations(&self) -> Result<Vec<String>, TraceError> {
        self.members("traces")
    }

    /// Variables recorded for `population` (timestamp datasets excluded).
    pub fn variables(&self, population: &str) -> Result<Vec<String>, TraceError> {
        Ok(self
            .members(&format!("traces/{population}"))?
            .into_iter()
            .filter(|n| !n.ends_with("_timestamps"))
            .collect())
    }

    /// Reads `/traces/<population>/<variable>` with its times.
    pub fn series(&self, population: &str, variable: &str) -> Result<Series, TraceError> {
        let at = format!("traces/{population}/{variable}");
        let ds = self.file.dataset(&at).map_err(self.err(&at))?;
        let data: Array2<f32> = ds.read_2d().map_err(self.err(&at))?;
        let unit = string_attr(&ds, "unit").unwrap_or_default();
        let n = data.nrows();
        let times: Vec<f64> = match (ds.attr("starting_time"), ds.attr("rate")) {
            (Ok(start), Ok(rate)) => {
                let start: f64 = start
                    .read_scalar()
                    .map_err(self.err(format!("{at}: starting_time")))?;
                let rate: f64 = rate
                    .read_scalar()
                    .map_err(self.err(format!("{at}: rate")))?;
                (0..n).map(|i| start + i as f64 / rate).collect()
            }
            _ => {
                let ts_at = format!("{at}_timestamps");
                let ts = self.file.dataset(&ts_at).map_err(self.err(&ts_at))?;
                let times: Vec<f64> = ts.read_raw().map_err(self.err(&ts_at))?;
                // A kill between the two writes of a flush can leave them one write apart.
                times.into_iter().take(n).collect()
            }
        };
        let data = if times.len() < n {
            data.slice(ndarray::s![..times.len(), ..]).to_owned()
        } else {
            data
        };
        Ok(Series { data, times, unit })
    }

    /// Names of the recorded metrics.
    pub fn metric_names(&self) -> Result<Vec<String>, TraceError> {
        self.members("metrics")
    }

    /// Reads `/metrics/<name>`.
    pub fn metric(&self, name: &str) -> Result<Metric, TraceError> {
        let at = format!("metrics/{name}");
        let g: Group = self.file.group(&at).map_err(self.err(&at))?;
        let x_name = string_attr(&g, "x_name").map_err(self.err(format!("{at}: x_name")))?;
        let x: Vec<f64> = g
            .dataset(&x_name)
            .and_then(|d| d.read_raw())
            .map_err(self.err(format!("{at}/{x_name}")))?;
        let values: Vec<f64> = g
            .dataset("value")
            .and_then(|d| d.read_raw())
            .map_err(self.err(format!("{at}/value")))?;
        let n = x.len().min(values.len());
        Ok(Metric {
            x_name,
            x: x[..n].to_vec(),
            values: values[..n].to_vec(),
        })
    }

    /// Reads an event column (`time`, `sample`, `label`, `action`, `reward`).
    pub fn events(&self, column: &str) -> Result<Vec<f64>, TraceError> {
        let at = format!("events/{column}");
        match self.file.dataset(&at) {
            Ok(d) => d.read_raw().map_err(self.err(&at)),
            Err(_) => Ok(Vec::new()),
        }
    }

    /// Dataset paths and shapes, depth first (for `prospect inspect`).
    pub fn datasets(&self) -> Result<Vec<(String, Vec<usize>)>, TraceError> {
        let mut out = Vec::new();
        let mut stack = vec![String::from("/")];
        while let Some(path) = stack.pop() {
            let g = self.file.group(&path).map_err(self.err(&path))?;
            let mut names = g.member_names().map_err(self.err(&path))?;
            names.sort();
            for name in names.into_iter().rev() {
                let child = if path == "/" {
                    format!("/{name}")
                } else {
                    format!("{path}/{name}")
                };
                match g.dataset(&name) {
                    Ok(d) => out.push((child, d.shape())),
                    Err(_) => stack.push(child),
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

fn string_attr(location: &hdf5::Location, name: &str) -> hdf5::Result<String> {
    let a = location.attr(name)?;
    let v: VarLenUnicode = a.read_scalar()?;
    Ok(v.as_str().to_string())
}

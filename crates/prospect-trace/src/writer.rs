//! Streaming writer of trace files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hdf5::types::VarLenUnicode;
use hdf5::{Dataset, File, Group};
use ndarray::{ArrayView1, ArrayView2, ArrayView3, s};

use crate::lock::WriterLock;
use crate::{FORMAT, FORMAT_VERSION, TraceError};

/// What a run writes into the root attributes.
#[derive(Debug, Clone, Default)]
pub struct RunInfo {
    /// Seed of the run.
    pub seed: u64,
    /// The full model file text.
    pub model: String,
    /// The command line that started the run.
    pub command_line: String,
    /// Extra string attributes (e.g. the values of swept parameters), written as given.
    pub extra: Vec<(String, String)>,
}

/// How the rows of a series are placed in time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sampling {
    /// Rows at `starting_time + i / rate` (seconds or model time units; rate in Hz).
    Grid {
        /// Time of the first row.
        starting_time: f64,
        /// Rows per time unit.
        rate: f64,
    },
    /// Rows at arbitrary times, stored in a `<variable>_timestamps` dataset beside the data.
    Irregular,
}

/// Writer settings.
#[derive(Debug, Clone)]
pub struct WriterOptions {
    /// Rows per HDF5 chunk along time.
    pub chunk_rows: usize,
    /// gzip level (0–9) of weight snapshots, each written once as a whole chunk. Growing
    /// series, metrics and events are not compressed (a rewritten compressed chunk is what a
    /// kill can leave unreadable; see `growing_2d`).
    pub gzip_level: u8,
    /// Longest time between flushes to disk.
    pub flush_interval: Duration,
    /// Rows buffered per series before a flush is forced (bounds memory).
    pub max_buffered_rows: usize,
    /// Replace an existing prospect trace file at the path (never any other file).
    pub overwrite: bool,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            chunk_rows: 1024,
            gzip_level: 4,
            flush_interval: Duration::from_secs(2),
            max_buffered_rows: 8192,
            overwrite: false,
        }
    }
}

/// A growing 2-D `f32` dataset with its buffered rows (and timestamps, if irregular).
struct SeriesBuffer {
    data: Dataset,
    timestamps: Option<Dataset>,
    width: usize,
    written: usize,
    rows: Vec<f32>,
    times: Vec<f64>,
}

/// A growing 1-D `f64` dataset with buffered values.
struct Column {
    data: Dataset,
    written: usize,
    values: Vec<f64>,
}

/// Writes one trace file. Dropping it flushes; [`TraceWriter::finish`] also marks it complete.
pub struct TraceWriter {
    path: PathBuf,
    file: File,
    options: WriterOptions,
    series: BTreeMap<(String, String), SeriesBuffer>,
    columns: BTreeMap<String, Column>,
    last_flush: Instant,
    finished: bool,
    /// Held until the writer is dropped (declared after `file`, so HDF5 closes first).
    _lock: WriterLock,
}

fn now_iso8601() -> String {
    // Seconds since the epoch to a UTC civil date (Howard Hinnant's days-from-civil inverse).
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

impl TraceWriter {
    /// Creates `path` and writes the root attributes, with `status = "running"`.
    ///
    /// First takes the writer lock on `path` ([`WriterLock`]): another live writer makes this
    /// fail at once with [`TraceError::Busy`]. Any path that exists before the call (an empty
    /// file included: it may be someone's) is refused with [`TraceError::Exists`] unless
    /// `options.overwrite`; a non-empty file is never replaced unless it is a prospect trace
    /// file ([`TraceError::NotATrace`]). The file is written in place, not
    /// renamed at the end, so that it can be followed while the run goes on.
    pub fn create(path: &Path, info: &RunInfo, options: WriterOptions) -> Result<Self, TraceError> {
        // Looked at before the lock, which creates the file: afterwards every path exists.
        let existed = std::fs::symlink_metadata(path).is_ok();
        let lock = WriterLock::acquire(path)?;
        if existed && !options.overwrite {
            return Err(TraceError::Exists {
                path: path.to_path_buf(),
            });
        }
        let len = std::fs::metadata(path)
            .map_err(|source| TraceError::Io {
                path: path.to_path_buf(),
                context: "size".into(),
                source,
            })?
            .len();
        if len > 0 {
            if !options.overwrite {
                return Err(TraceError::Exists {
                    path: path.to_path_buf(),
                });
            }
            if let Err(e) = crate::TraceReader::open(path) {
                let reason = match e {
                    TraceError::Format { reason, .. } => reason,
                    _ => "not an HDF5 file".to_string(),
                };
                return Err(TraceError::NotATrace {
                    path: path.to_path_buf(),
                    reason,
                });
            }
        }
        let err = |context: &str| {
            let path = path.to_path_buf();
            let context = context.to_string();
            move |source| TraceError::Hdf5 {
                path,
                context,
                source,
            }
        };
        // No HDF5 file lock: readers (`prospect inspect`, h5py with HDF5_USE_FILE_LOCKING=FALSE)
        // may look at a running trace. The writer touches the file only in flushes, so what
        // they see between flushes is consistent.
        let file = File::with_options()
            .with_fapl(|p| p.file_locking(false))
            .create(path)
            .map_err(err("create file"))?;
        let writer = TraceWriter {
            path: path.to_path_buf(),
            file,
            options,
            series: BTreeMap::new(),
            columns: BTreeMap::new(),
            last_flush: Instant::now(),
            finished: false,
            _lock: lock,
        };
        writer.string_attr("/", "format", FORMAT)?;
        writer
            .file
            .new_attr::<u32>()
            .create("format_version")
            .and_then(|a| a.write_scalar(&FORMAT_VERSION))
            .map_err(err("format_version"))?;
        writer.string_attr(
            "/",
            "software",
            &format!("prospect {}", env!("CARGO_PKG_VERSION")),
        )?;
        writer.string_attr("/", "created", &now_iso8601())?;
        writer
            .file
            .new_attr::<u64>()
            .create("seed")
            .and_then(|a| a.write_scalar(&info.seed))
            .map_err(err("seed"))?;
        writer.string_attr("/", "model", &info.model)?;
        writer.string_attr("/", "command_line", &info.command_line)?;
        for (k, v) in &info.extra {
            writer.string_attr("/", k, v)?;
        }
        writer.string_attr("/", "status", "running")?;
        for g in ["traces", "metrics", "events", "weights"] {
            writer.file.create_group(g).map_err(err(g))?;
        }
        writer.file.flush().map_err(err("flush"))?;
        Ok(writer)
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn hdf5_err(&self, context: impl Into<String>) -> impl FnOnce(hdf5::Error) -> TraceError {
        let path = self.path.clone();
        let context = context.into();
        move |source| TraceError::Hdf5 {
            path,
            context,
            source,
        }
    }

    fn group(&self, path: &str) -> Result<Group, TraceError> {
        let g = if path == "/" {
            self.file.group("/")
        } else {
            self.file.group(path)
        };
        g.map_err(self.hdf5_err(format!("open group {path}")))
    }

    /// Writes (or replaces) a string attribute on the group at `at`.
    pub fn string_attr(&self, at: &str, name: &str, value: &str) -> Result<(), TraceError> {
        let group = self.group(at)?;
        let v: VarLenUnicode = value.parse().map_err(|_| TraceError::Usage {
            path: self.path.clone(),
            reason: format!("attribute {name} holds a NUL character"),
        })?;
        if group.attr(name).is_ok() {
            group
                .delete_attr(name)
                .map_err(self.hdf5_err(format!("replace attribute {name}")))?;
        }
        group
            .new_attr::<VarLenUnicode>()
            .create(name)
            .and_then(|a| a.write_scalar(&v))
            .map_err(self.hdf5_err(format!("attribute {name}")))
    }

    /// A growing dataset is stored without a compression filter (so are the 1-D ones below):
    /// a compressed partly filled chunk is re-compressed, grows and is moved to a new place in
    /// the file at every flush, and a SIGKILL inside a flush can leave the chunk index pointing
    /// at bytes that are no longer that chunk ("filter returned failure during read"). An
    /// uncompressed chunk keeps its size and place from its first write, so a kill leaves every
    /// chunk decodable (`scripts/kill_test.py`, docs/trace-format.md, "Crash safety").
    fn growing_2d(&self, group: &Group, name: &str, width: usize) -> Result<Dataset, TraceError> {
        group
            .new_dataset::<f32>()
            .chunk((self.options.chunk_rows, width.max(1)))
            .shape((0.., width))
            .create(name)
            .map_err(self.hdf5_err(format!("create dataset {name}")))
    }

    fn growing_1d(&self, group: &Group, name: &str) -> Result<Dataset, TraceError> {
        group
            .new_dataset::<f64>()
            .chunk(self.options.chunk_rows)
            .shape(0..)
            .create(name)
            .map_err(self.hdf5_err(format!("create dataset {name}")))
    }

    /// Declares `/traces/<population>/<variable>` with `width` units, its unit string and its
    /// sampling. Rows are added with [`TraceWriter::row`].
    pub fn declare_series(
        &mut self,
        population: &str,
        variable: &str,
        width: usize,
        unit: &str,
        sampling: Sampling,
    ) -> Result<(), TraceError> {
        let key = (population.to_string(), variable.to_string());
        if self.series.contains_key(&key) {
            return Ok(());
        }
        let traces = self.group("traces")?;
        let pop = match traces.group(population) {
            Ok(g) => g,
            Err(_) => traces
                .create_group(population)
                .map_err(self.hdf5_err(format!("group {population}")))?,
        };
        let data = self.growing_2d(&pop, variable, width)?;
        let at = format!("traces/{population}/{variable}");
        let v: VarLenUnicode = unit.parse().unwrap_or_default();
        data.new_attr::<VarLenUnicode>()
            .create("unit")
            .and_then(|a| a.write_scalar(&v))
            .map_err(self.hdf5_err(format!("{at}: unit")))?;
        let timestamps = match sampling {
            Sampling::Grid {
                starting_time,
                rate,
            } => {
                data.new_attr::<f64>()
                    .create("starting_time")
                    .and_then(|a| a.write_scalar(&starting_time))
                    .map_err(self.hdf5_err(format!("{at}: starting_time")))?;
                data.new_attr::<f64>()
                    .create("rate")
                    .and_then(|a| a.write_scalar(&rate))
                    .map_err(self.hdf5_err(format!("{at}: rate")))?;
                None
            }
            Sampling::Irregular => Some(self.growing_1d(&pop, &format!("{variable}_timestamps"))?),
        };
        self.series.insert(
            key,
            SeriesBuffer {
                data,
                timestamps,
                width,
                written: 0,
                rows: Vec::new(),
                times: Vec::new(),
            },
        );
        Ok(())
    }

    /// Appends one row at time `t` to a declared series.
    pub fn row(
        &mut self,
        population: &str,
        variable: &str,
        t: f64,
        row: &[f32],
    ) -> Result<(), TraceError> {
        let key = (population.to_string(), variable.to_string());
        let Some(series) = self.series.get_mut(&key) else {
            return Err(TraceError::Usage {
                path: self.path.clone(),
                reason: format!("series {population}/{variable} was not declared"),
            });
        };
        if row.len() != series.width {
            return Err(TraceError::Usage {
                path: self.path.clone(),
                reason: format!(
                    "{population}/{variable}: row of {} values, series has {}",
                    row.len(),
                    series.width
                ),
            });
        }
        series.rows.extend_from_slice(row);
        series.times.push(t);
        let full = series.times.len() >= self.options.max_buffered_rows;
        self.maybe_flush(full)
    }

    fn column(&mut self, group: &str, name: &str) -> Result<&mut Column, TraceError> {
        let key = format!("{group}/{name}");
        if !self.columns.contains_key(&key) {
            let g = self.group(group)?;
            let data = self.growing_1d(&g, name)?;
            self.columns.insert(
                key.clone(),
                Column {
                    data,
                    written: 0,
                    values: Vec::new(),
                },
            );
        }
        Ok(self.columns.get_mut(&key).expect("inserted"))
    }

    /// Appends a metric value: `/metrics/<name>/value` at `x` in `/metrics/<name>/<x_name>`
    /// (e.g. `x_name = "epoch"`).
    pub fn metric(
        &mut self,
        name: &str,
        x_name: &str,
        x: f64,
        value: f64,
    ) -> Result<(), TraceError> {
        let group = format!("metrics/{name}");
        if self.file.group(&group).is_err() {
            let metrics = self.group("metrics")?;
            let g = metrics
                .create_group(name)
                .map_err(self.hdf5_err(format!("group {group}")))?;
            let v: VarLenUnicode = x_name.parse().unwrap_or_default();
            g.new_attr::<VarLenUnicode>()
                .create("x_name")
                .and_then(|a| a.write_scalar(&v))
                .map_err(self.hdf5_err(format!("{group}: x_name")))?;
        }
        self.column(&group, x_name)?.values.push(x);
        self.column(&group, "value")?.values.push(value);
        self.maybe_flush(false)
    }

    /// Appends an event: a pattern onset at `time` for `sample`, with its label, the chosen
    /// action and the reward where there are any (−1 / NaN otherwise).
    pub fn event(
        &mut self,
        time: f64,
        sample: u64,
        label: Option<usize>,
        action: Option<usize>,
        reward: Option<f64>,
    ) -> Result<(), TraceError> {
        let as_f = |v: Option<usize>| v.map_or(-1.0, |x| x as f64);
        self.column("events", "time")?.values.push(time);
        self.column("events", "sample")?.values.push(sample as f64);
        self.column("events", "label")?.values.push(as_f(label));
        self.column("events", "action")?.values.push(as_f(action));
        self.column("events", "reward")?
            .values
            .push(reward.unwrap_or(f64::NAN));
        self.maybe_flush(false)
    }

    /// Writes a weight snapshot of `projection` (`rows × cols`, row-major) at `time` into
    /// `/weights/<projection>/data` `[n_snapshots, rows, cols]` and `/weights/<projection>/time`.
    pub fn weights(
        &mut self,
        projection: &str,
        time: f64,
        rows: usize,
        cols: usize,
        values: &[f32],
    ) -> Result<(), TraceError> {
        if values.len() != rows * cols {
            return Err(TraceError::Usage {
                path: self.path.clone(),
                reason: format!(
                    "weights {projection}: {} values for {rows}×{cols}",
                    values.len()
                ),
            });
        }
        let group = format!("weights/{projection}");
        let g = match self.file.group(&group) {
            Ok(g) => g,
            Err(_) => self
                .group("weights")?
                .create_group(projection)
                .map_err(self.hdf5_err(format!("group {group}")))?,
        };
        let data = match g.dataset("data") {
            Ok(d) => d,
            Err(_) => g
                .new_dataset::<f32>()
                .chunk((1, rows, cols))
                .shape((0.., rows, cols))
                .deflate(self.options.gzip_level)
                .create("data")
                .map_err(self.hdf5_err(format!("{group}/data")))?,
        };
        let n = data.shape()[0];
        let view = ArrayView3::from_shape((1, rows, cols), values).expect("checked length");
        data.resize((n + 1, rows, cols))
            .and_then(|_| data.write_slice(view, s![n..n + 1, .., ..]))
            .map_err(self.hdf5_err(format!("{group}/data")))?;
        self.column(&group, "time")?.values.push(time);
        self.maybe_flush(true)
    }

    fn maybe_flush(&mut self, force: bool) -> Result<(), TraceError> {
        if force || self.last_flush.elapsed() >= self.options.flush_interval {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the buffered rows and flushes the file to disk. Rows of one population are
    /// written only up to the count every variable of it has reached, so that its variables
    /// hold the same number of rows on disk after every flush (a kill between flushes leaves
    /// them aligned); the rest stays buffered for the next flush.
    pub fn flush(&mut self) -> Result<(), TraceError> {
        self.write_out(false)
    }

    /// Writes buffered rows (every one when `all`, else aligned per population) and flushes.
    fn write_out(&mut self, all: bool) -> Result<(), TraceError> {
        let path = self.path.clone();
        let fail = |context: String| {
            let path = path.clone();
            move |source| TraceError::Hdf5 {
                path,
                context,
                source,
            }
        };
        let max_buffered = self.options.max_buffered_rows;
        let mut aligned: BTreeMap<String, usize> = BTreeMap::new();
        for ((pop, _), s) in &self.series {
            let total = s.written + s.times.len();
            let e = aligned.entry(pop.clone()).or_insert(total);
            *e = (*e).min(total);
        }
        for ((pop, var), s) in &mut self.series {
            // A variable that stopped getting rows must not hold the others past twice the
            // buffer bound (memory stays bounded; alignment is then given up for them).
            let n = if all || s.times.len() >= 2 * max_buffered {
                s.times.len()
            } else {
                aligned[pop].saturating_sub(s.written).min(s.times.len())
            };
            if n == 0 {
                continue;
            }
            let (start, end) = (s.written, s.written + n);
            let at = format!("traces/{pop}/{var}");
            let view =
                ArrayView2::from_shape((n, s.width), &s.rows[..n * s.width]).expect("rows × width");
            s.data
                .resize((end, s.width))
                .and_then(|_| s.data.write_slice(view, s![start..end, ..]))
                .map_err(fail(at.clone()))?;
            if let Some(ts) = &s.timestamps {
                ts.resize(end)
                    .and_then(|_| ts.write_slice(ArrayView1::from(&s.times[..n]), s![start..end]))
                    .map_err(fail(format!("{at}_timestamps")))?;
            }
            s.written = end;
            s.rows.drain(..n * s.width);
            s.times.drain(..n);
        }
        for (name, c) in &mut self.columns {
            let n = c.values.len();
            if n == 0 {
                continue;
            }
            let (start, end) = (c.written, c.written + n);
            c.data
                .resize(end)
                .and_then(|_| {
                    c.data
                        .write_slice(ArrayView1::from(&c.values), s![start..end])
                })
                .map_err(fail(name.clone()))?;
            c.written = end;
            c.values.clear();
        }
        self.file.flush().map_err(fail("flush".into()))?;
        self.last_flush = Instant::now();
        Ok(())
    }

    /// Flushes and marks the file complete (`status = "complete"`).
    pub fn finish(mut self) -> Result<(), TraceError> {
        self.write_out(true)?;
        self.string_attr("/", "status", "complete")?;
        self.file.flush().map_err(self.hdf5_err("flush"))?;
        self.finished = true;
        Ok(())
    }

    /// Flushes and marks the file as failed (`status = "failed"`, `error = message`); the data
    /// written so far stay readable.
    pub fn fail(mut self, message: &str) -> Result<(), TraceError> {
        self.write_out(true)?;
        self.string_attr("/", "status", "failed")?;
        self.string_attr("/", "error", message)?;
        self.file.flush().map_err(self.hdf5_err("flush"))?;
        self.finished = true;
        Ok(())
    }
}

impl Drop for TraceWriter {
    fn drop(&mut self) {
        if !self.finished {
            // Best effort: keep whatever is buffered; the status stays "running".
            let _ = self.write_out(true);
        }
    }
}

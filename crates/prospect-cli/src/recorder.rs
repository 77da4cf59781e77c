//! The bridge from the network's [`Recorder`] to a trace file, configured by `[record]`.

use std::collections::HashSet;

use prospect_neuron::Recorder;
use prospect_trace::{Sampling, TraceError, TraceWriter};

use crate::model::ModelFile;

/// Writes what `[record]` asks for: chosen populations, variables and units, every `every`
/// time units, in the chosen epochs; metrics and events always.
pub struct TraceRecorder {
    writer: TraceWriter,
    populations: Option<Vec<String>>,
    variables: Option<Vec<String>>,
    units: Option<Vec<usize>>,
    every: f64,
    epochs: Option<Vec<usize>>,
    windows: Option<Vec<(f64, f64)>>,
    weights: bool,
    off: bool,
    recording: bool,
    last_t: f64,
    declared: HashSet<(String, String)>,
    /// The first write error; recording stops there and the run reports it at the end.
    pub error: Option<TraceError>,
}

/// Epoch numbers selected by `record.epochs` for a run of `total` epochs.
fn selected_epochs(spec: &Option<Vec<toml::Value>>, total: usize) -> Vec<usize> {
    let default = vec![
        toml::Value::String("first".into()),
        toml::Value::String("last".into()),
    ];
    spec.as_ref()
        .unwrap_or(&default)
        .iter()
        .filter_map(|v| match v {
            toml::Value::Integer(n) => Some(*n as usize),
            toml::Value::String(s) if s == "first" => Some(1),
            toml::Value::String(s) if s == "last" => Some(total),
            _ => None,
        })
        .collect()
}

impl TraceRecorder {
    /// A recorder writing into `writer` as `model`'s `[record]` says.
    pub fn new(writer: TraceWriter, model: &ModelFile) -> Self {
        let r = &model.record;
        TraceRecorder {
            writer,
            populations: r.populations.clone(),
            variables: r.variables.clone(),
            units: r
                .units
                .as_ref()
                .map(|u| u.iter().map(|&x| x as usize).collect()),
            every: r.every,
            // With time windows and no epoch list, every epoch may record.
            epochs: match (&r.epochs, &r.windows) {
                (None, Some(_)) => None,
                (spec, _) => Some(selected_epochs(spec, model.training.epochs as usize)),
            },
            windows: r
                .windows
                .as_ref()
                .map(|w| w.iter().map(|p| (p[0], p[1])).collect()),
            weights: r.weights,
            off: r.off,
            recording: false,
            last_t: f64::NEG_INFINITY,
            declared: HashSet::new(),
            error: None,
        }
    }

    /// The trace writer, for finishing the file.
    pub fn into_writer(self) -> (TraceWriter, Option<TraceError>) {
        (self.writer, self.error)
    }

    fn keep(&mut self, result: Result<(), TraceError>) {
        if let Err(e) = result
            && self.error.is_none()
        {
            self.error = Some(e);
        }
    }
}

impl Recorder for TraceRecorder {
    fn wants(&self, t: f64) -> bool {
        let in_window = self
            .windows
            .as_ref()
            .is_none_or(|w| w.iter().any(|(a, b)| t >= *a && t <= *b));
        !self.off
            && self.recording
            && in_window
            && self.error.is_none()
            && t >= self.last_t + self.every - 1e-9
    }

    fn wants_between(&self, t0: f64, t1: f64) -> bool {
        let overlaps = self
            .windows
            .as_ref()
            .is_none_or(|w| w.iter().any(|(a, b)| *a <= t1 && *b >= t0));
        !self.off
            && self.recording
            && overlaps
            && self.error.is_none()
            && t1 >= self.last_t + self.every - 1e-9
    }

    /// The next `every`-spaced time after the last row (or after `after`, where the last row is
    /// older), moved to the start of the first window that still holds it.
    fn next_wanted(&self, after: f64, until: f64) -> Option<f64> {
        if self.off
            || !self.recording
            || self.error.is_some()
            || self.every.is_nan()
            || self.every <= 0.0
        {
            return None;
        }
        let mut t = self.last_t + self.every;
        if t <= after {
            t = after + self.every;
        }
        let inside = |c: f64| c > after && c < until;
        match &self.windows {
            None => inside(t).then_some(t),
            Some(w) => w
                .iter()
                .map(|&(a, b)| (t.max(a), b))
                .filter(|&(c, b)| inside(c) && c <= b)
                .map(|(c, _)| c)
                .min_by(f64::total_cmp),
        }
    }

    fn record(&mut self, population: &str, variable: &str, t: f64, row: &[f32]) {
        if self
            .populations
            .as_ref()
            .is_some_and(|p| !p.iter().any(|x| x == population))
            || self
                .variables
                .as_ref()
                .is_some_and(|v| !v.iter().any(|x| x == variable))
        {
            return;
        }
        let values: Vec<f32> = match &self.units {
            Some(units) => units
                .iter()
                .filter(|&&u| u < row.len())
                .map(|&u| row[u])
                .collect(),
            None => row.iter().take(10).copied().collect(),
        };
        let key = (population.to_string(), variable.to_string());
        if !self.declared.contains(&key) {
            let r = self.writer.declare_series(
                population,
                variable,
                values.len(),
                "a.u.",
                Sampling::Irregular,
            );
            self.keep(r);
            self.declared.insert(key);
        }
        let r = self.writer.row(population, variable, t, &values);
        self.keep(r);
        self.last_t = t;
    }

    fn metric(&mut self, name: &str, epoch: usize, value: f64) {
        let r = self.writer.metric(name, "epoch", epoch as f64, value);
        self.keep(r);
    }

    fn event(&mut self, t: f64, sample: usize, label: Option<usize>) {
        let r = self.writer.event(t, sample as u64, label, None, None);
        self.keep(r);
    }

    fn outcome(&mut self, t: f64, sample: usize, label: Option<usize>, action: usize, reward: f64) {
        let r = self
            .writer
            .event(t, sample as u64, label, Some(action), Some(reward));
        self.keep(r);
    }

    fn epoch_started(&mut self, epoch: usize, _t: f64) {
        self.recording = self.epochs.as_ref().is_none_or(|e| e.contains(&epoch));
    }

    fn wants_weights(&self) -> bool {
        self.weights && self.recording
    }

    fn weights(&mut self, name: &str, t: f64, rows: usize, cols: usize, values: &[f32]) {
        let r = self.writer.weights(name, t, rows, cols, values);
        self.keep(r);
    }
}

//! What the network emits for recording. The network crate never knows HDF5: a [`Recorder`]
//! receives rows of `f32` per population and variable, and the trace crate (through the command
//! line) stores them.

/// A sink for recorded rows.
pub trait Recorder {
    /// Whether anything should be recorded at time `t` (seconds or model time units); lets the
    /// trainer skip building rows outside recording windows.
    fn wants(&self, t: f64) -> bool;
    /// Whether anything may be recorded at some time in `[t0, t1]` (the trainer then steps one
    /// step at a time through the interval). The default asks [`Recorder::wants`] at both ends;
    /// recorders with windows should say whether a window overlaps the interval.
    fn wants_between(&self, t0: f64, t1: f64) -> bool {
        self.wants(t0) || self.wants(t1)
    }
    /// The first time strictly inside `(after, until)` at which a row is wanted, asked after
    /// every accepted step of an adaptive method, whose steps may be longer than the recording
    /// interval: the trainer then records the method's dense output there (the state
    /// interpolated to that time and the network evaluated on it), so a window shorter than a
    /// step is still sampled. The default wants none: rows only at step ends.
    fn next_wanted(&self, _after: f64, _until: f64) -> Option<f64> {
        None
    }
    /// One row of `variable` of `population` (e.g. `"layer1"`, `"u"`) at time `t`.
    fn record(&mut self, population: &str, variable: &str, t: f64, row: &[f32]);
    /// A per-epoch metric value.
    fn metric(&mut self, name: &str, epoch: usize, value: f64);
    /// A pattern onset: time, index of the first sample of the batch, its label (if any).
    fn event(&mut self, t: f64, sample: usize, label: Option<usize>);
    /// Training epoch `epoch` (from 1) starts at time `t`.
    fn epoch_started(&mut self, _epoch: usize, _t: f64) {}
    /// Whether weight snapshots are wanted at the end of the epoch that just finished.
    fn wants_weights(&self) -> bool {
        false
    }
    /// A weight snapshot of projection `name` (`rows × cols`, row-major) at time `t`.
    fn weights(&mut self, _name: &str, _t: f64, _rows: usize, _cols: usize, _values: &[f32]) {}
}

/// Records nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullRecorder;

impl Recorder for NullRecorder {
    fn wants(&self, _t: f64) -> bool {
        false
    }
    fn record(&mut self, _population: &str, _variable: &str, _t: f64, _row: &[f32]) {}
    fn metric(&mut self, _name: &str, _epoch: usize, _value: f64) {}
    fn event(&mut self, _t: f64, _sample: usize, _label: Option<usize>) {}
}

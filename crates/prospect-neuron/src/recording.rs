//! What the network emits for recording. The network crate never knows HDF5: a [`Recorder`]
//! receives rows of `f32` per population and variable, and the trace crate (through the command
//! line) stores them.

use nalgebra::DMatrix;

use crate::{Network, NetworkError};

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
    /// A trial's outcome: at time `t`, batch column `sample`'s observation (its label, if any)
    /// led to `action` and earned `reward`. Default: recorded as a plain [`Recorder::event`].
    fn outcome(&mut self, t: f64, sample: usize, label: Option<usize>, action: usize, reward: f64) {
        let _ = (action, reward);
        self.event(t, sample, label);
    }
    /// Training epoch `epoch` (from 1) starts at time `t`.
    fn epoch_started(&mut self, _epoch: usize, _t: f64) {}
    /// Whether weight snapshots are wanted at the end of the epoch that just finished.
    fn wants_weights(&self) -> bool {
        false
    }
    /// A weight snapshot of projection `name` (`rows × cols`, row-major) at time `t`.
    fn weights(&mut self, _name: &str, _t: f64, _rows: usize, _cols: usize, _values: &[f32]) {}
}

/// Emits one row per layer and variable at time `t` from the network's last evaluation, first
/// batch column: `u` (from `state`), `u_breve`, `r`, `e`, `noise` (layers with noise), the
/// output's `target` (external targets only), and the rule's state
/// ([`crate::PlasticityRule::variables`]). A value that is not a finite f32 (NaN, or beyond
/// ±3.4e38, which the file cannot hold) fails with [`NetworkError::NonFiniteRecord`].
pub fn emit_rows(
    recorder: &mut dyn Recorder,
    net: &Network,
    t: f64,
    state: &[f64],
) -> Result<(), NetworkError> {
    let to_f32 = |population: &str, variable: &'static str, v: &[f64], n: usize| {
        let row: Vec<f32> = v[..n.min(v.len())].iter().map(|x| *x as f32).collect();
        match row.iter().position(|x| !x.is_finite()) {
            None => Ok(row),
            Some(unit) => Err(NetworkError::NonFiniteRecord {
                t,
                population: population.to_string(),
                variable,
                unit,
                value: v[unit],
            }),
        }
    };
    for k in 0..net.layers() {
        let n = net.config().sizes[k + 1];
        let p = format!("layer{}", k + 1);
        let u = &state[net.layer_range(k)];
        recorder.record(&p, "u", t, &to_f32(&p, "u", u, n)?);
        recorder.record(&p, "u_breve", t, &to_f32(&p, "u_breve", net.breve(k), n)?);
        recorder.record(&p, "r", t, &to_f32(&p, "r", net.rate(k), n)?);
        recorder.record(&p, "e", t, &to_f32(&p, "e", net.error(k), n)?);
        if let Some(noise) = net.noise(k) {
            recorder.record(&p, "noise", t, &to_f32(&p, "noise", noise, n)?);
        }
    }
    if !net.has_online_target() {
        let n_out = *net.config().sizes.last().unwrap();
        let p = format!("layer{}", net.layers());
        recorder.record(&p, "target", t, &to_f32(&p, "target", net.target(), n_out)?);
    }
    if let Some(rule) = net.rule() {
        let mut failure = None;
        rule.record(&mut |population, name, values| {
            if failure.is_some() {
                return;
            }
            match to_f32(population, name, values, values.len()) {
                Ok(row) => recorder.record(population, name, t, &row),
                Err(e) => failure = Some(e),
            }
        });
        if let Some(e) = failure {
            return Err(e);
        }
    }
    Ok(())
}

/// Evaluates the network at the integrator's current time and state and emits its rows there
/// ([`emit_rows`]); a fault of that evaluation (e.g. a fixed point that did not converge) fails
/// instead.
pub fn record_now(
    recorder: &mut dyn Recorder,
    ode: &mut prospect_ode::Integrator<Network>,
) -> Result<(), NetworkError> {
    let t = ode.t();
    ode.derivative(); // evaluates the network at (t, u)
    if let Some(fault) = ode.system().fault() {
        return Err(fault.clone());
    }
    emit_rows(recorder, ode.system(), t, ode.state())
}

/// Hands the weight matrices `weights` (`W_1, W_2, …`, each `n_out × n_in`) to `recorder` as
/// `w1`, `w2`, … at time `t`, row-major in f32 (the trace's storage type), when it wants them.
pub fn record_weights(recorder: &mut dyn Recorder, weights: &[DMatrix<f64>], t: f64) {
    if !recorder.wants_weights() {
        return;
    }
    for (k, w) in weights.iter().enumerate() {
        let (rows, cols) = w.shape();
        let row_major: Vec<f32> = (0..rows)
            .flat_map(|i| (0..cols).map(move |j| (i, j)))
            .map(|(i, j)| w[(i, j)] as f32)
            .collect();
        recorder.weights(&format!("w{}", k + 1), t, rows, cols, &row_major);
    }
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

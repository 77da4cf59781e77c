//! The trial driver: reward learning in continuous time (docs/design.md, "Trials").
//!
//! A trial presents an environment's observation as the network input for the trial time
//! (optionally ramped up and down with raised cosines), low-passes the output rates, reads the
//! action with a [`Policy`] at the readout time, hands it to the environment and delivers the
//! reward to the rule as a [`prospect_neuron::TrialEvent::Reward`], then goes on to the trial's
//! end without resetting the state unless asked. Epochs, seeds, metrics, recording and the stop
//! flag work as in the supervised [`prospect_neuron::Trainer`].
//!
//! - `config`: [`TrialConfig`] and the learning-rate [`RateSchedule`];
//! - `envelope`: the input's raised-cosine ramps;
//! - `policy`: action selection from the low-passed outputs;
//! - `driver`: [`TrialDriver`] and its per-epoch [`TrialMetrics`].

mod config;
mod driver;
mod envelope;
mod policy;

pub use config::{RateSchedule, TrialConfig};
pub(crate) use driver::record_per_class;
pub use driver::{TestSet, TrialDriver, TrialMetrics};
pub use envelope::envelope;
pub use policy::{Policy, winner};

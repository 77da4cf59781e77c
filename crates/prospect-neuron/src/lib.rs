//! # prospect-neuron — prospective neurons with dendritic errors
//!
//! The heart of prospect (seed 000; docs/equations.md §1): a layered rate network whose neurons
//! read their rates from the look-ahead voltage `ŭ = u + τ u̇`, carry a dendritic error
//! compartment `e`, and learn with the local rule `dW/dt = η (ŭ − W r − b) rᵀ`, which replicates
//! backprop in continuous time. The network is an [`prospect_ode::OdeSystem`], so any method of
//! the integrator core runs it; the [`trainer`] presents patterns in continuous time and
//! evaluates; [`backprop`] is an independent SGD baseline on the same network.

// Numerical kernels index several slices in step.
#![allow(clippy::needless_range_loop)]

pub mod activation;
pub mod backprop;
pub mod config;
pub mod error;
pub mod linalg;
pub mod network;
pub mod plasticity;
pub mod recording;
pub mod trainer;

pub use activation::Activation;
pub use config::{Feedback, LoopTreatment, NetworkConfig, TargetKind, WeightInit};
pub use error::NetworkError;
pub use network::{Network, NetworkStats, NoiseConfig, NoiseKind, SweepMemory};
pub use plasticity::{
    LayerView, LocalErrorRule, OnlineTarget, OutputView, Parameters, PlasticityRule, Reward,
    RuleVariable, StepView, TrialEvent,
};
pub use recording::{NullRecorder, Recorder, record_weights};
pub use trainer::{EpochMetrics, Trainer, TrainingConfig};

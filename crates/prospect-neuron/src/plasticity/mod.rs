//! The plasticity interface: what a learning rule sees, when, and what it may change
//! (docs/design.md, "Rules"; docs/equations.md §1, §2, §4).
//!
//! A rule is one implementation of [`PlasticityRule`]. The network calls it
//! - once per accepted integration step ([`PlasticityRule::step`]) with a read-only
//!   [`StepView`] of every layer's signals of the step's learning evaluation (ŭ, r, φ', e, the
//!   dendritic mismatch `ŭ − W r − b`, the presynaptic rates, the injected noise) and the step's
//!   start time and length, and mutable access to the [`Parameters`];
//! - at trial events ([`TrialEvent`]: trial start, reward delivered — the third factor, as an
//!   explicit typed event, never a value the rule fetches —, trial end) with the selected
//!   actions, delivered by a trial driver through [`crate::Network::deliver`].
//!
//! The rule owns its state (eligibility traces, baselines) and names it through
//! [`PlasticityRule::variables`] / [`PlasticityRule::record`], so it is recorded like a membrane
//! voltage. A rule may also replace the output's external target by a target computed from the
//! network's own output each step ([`OnlineTarget`], e.g. winner-nudges-all's lateral drive).

mod local_error;
mod view;

pub use local_error::LocalErrorRule;
pub use view::{LayerView, OutputView, StepView};

use nalgebra::{DMatrix, DVector};

use crate::NetworkError;

/// What a rule may change: the weights `W_k` (`n_{k+1} × n_k`) and biases `b_k` of every
/// projection, and the feedback matrices `B_k` (`n_k × n_{k+1}`, used instead of `W_{k+1}ᵀ` in
/// the backward pass) where the network has them.
pub struct Parameters<'a> {
    /// Feed-forward weights, one matrix per projection (projection `k` into non-input layer `k`).
    pub weights: &'a mut [DMatrix<f64>],
    /// Biases of the non-input layers.
    pub biases: &'a mut [DVector<f64>],
    /// Feedback matrices `B_k` carrying layer `k+1`'s error to layer `k` (`L − 1` of them), or
    /// `None` with symmetric feedback (the backward pass uses `W_{k+1}ᵀ`).
    pub feedback: Option<&'a mut [DMatrix<f64>]>,
}

/// A trial event, delivered to the rule by a trial driver (docs/design.md, "Trials").
#[derive(Debug, Clone, Copy)]
pub enum TrialEvent<'a> {
    /// A trial begins at time `t` (the new observation is already the network's input).
    Start {
        /// Time (time units).
        t: f64,
        /// Trial number, from 0, counted over the whole run.
        trial: u64,
    },
    /// The reward is delivered at time `t`: the third factor.
    Reward(&'a Reward<'a>),
    /// The trial ends at time `t`.
    End {
        /// Time (time units).
        t: f64,
        /// Trial number, from 0.
        trial: u64,
    },
}

/// A reward delivery: per batch column, the action that was selected, the reward it earned and
/// the context class of the observation (for per-class baselines), with the policy's selection
/// probabilities where the policy is stochastic.
#[derive(Debug, Clone, Copy)]
pub struct Reward<'a> {
    /// Time of delivery (time units).
    pub t: f64,
    /// Trial number, from 0.
    pub trial: u64,
    /// Selected action per batch column.
    pub actions: &'a [usize],
    /// Reward per batch column.
    pub rewards: &'a [f64],
    /// Context class per batch column (e.g. the label of a contextual bandit's observation).
    pub contexts: &'a [Option<usize>],
    /// The policy's probability of each action, `n_actions × B` column-major, if the policy is
    /// stochastic and differentiable (softmax); `None` for arg-max readouts.
    pub probabilities: Option<&'a [f64]>,
    /// The softmax temperature of `probabilities` (∂ log π_a / ∂y = (1{a} − π) / temperature).
    pub temperature: f64,
    /// Factor the trial driver's learning-rate schedule puts on every rate now (1 without one).
    pub rate_scale: f64,
}

/// A named piece of a rule's state, recorded like a membrane voltage: `population` is
/// `layer<k>` (1-based) for per-layer state or `rule` for global state; a row holds `len`
/// values of the first batch column (a matrix flattened column-major: post index fastest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleVariable {
    /// Where it is recorded: `layer<k>` or `rule`.
    pub population: String,
    /// Its name (e.g. `eligibility`, `baseline`).
    pub name: &'static str,
    /// Values per row.
    pub len: usize,
}

/// A synaptic learning rule (docs/design.md, "Rules").
///
/// Weights are slow variables outside the ODE state: they change after each accepted step by
/// forward Euler over the step with the signals of the step's learning evaluation (operator
/// splitting), and at trial events.
pub trait PlasticityRule: Send {
    /// The rule's model-file name (`plasticity.rule`), for logs and trace files.
    fn name(&self) -> &'static str;

    /// Once per accepted step while plasticity is on: the step's signals and the parameters. An
    /// error (e.g. no rate for a projection) stops the run.
    fn step(
        &mut self,
        view: &StepView<'_>,
        parameters: &mut Parameters<'_>,
    ) -> Result<(), NetworkError>;

    /// A trial event (start, reward, end). Rules without a third factor ignore it.
    fn event(
        &mut self,
        _event: &TrialEvent<'_>,
        _parameters: &mut Parameters<'_>,
    ) -> Result<(), NetworkError> {
        Ok(())
    }

    /// The output nudging this rule computes from the network's own output each step, replacing
    /// the external target (`None`: the external target of supervised learning). The network
    /// reads it when the rule is installed and again after every trial event, so the nudging
    /// may follow the latest event (e.g. Q-AGREL's selected output and reward); a rule that has
    /// an online target must keep having one.
    fn online_target(&self) -> Option<Box<dyn OnlineTarget>> {
        None
    }

    /// The rule's recordable state (see [`RuleVariable`]); empty by default.
    fn variables(&self) -> Vec<RuleVariable> {
        Vec::new()
    }

    /// Emits the current value of every variable of [`PlasticityRule::variables`] (first batch
    /// column), in any order: `sink(population, name, values)`.
    fn record(&self, _sink: &mut dyn FnMut(&str, &'static str, &[f64])) {}
}

/// Output nudging computed from the network's own output (docs/equations.md §2): writes the
/// output layer's error `e_L` (`n_L × B`) from the output signals of the evaluation it is
/// called in, e.g. winner-nudges-all's `e_L = β α_W M r_L`.
pub trait OnlineTarget: Send {
    /// Fills `error` (`n_L × B`, column-major) for nudging strength `beta` (0 while nudging is
    /// off).
    fn nudge(&mut self, beta: f64, output: &OutputView<'_>, error: &mut [f64]);
}

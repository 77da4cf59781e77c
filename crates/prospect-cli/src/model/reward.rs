//! The keys of reward learning, checked against each other and against the rule registry
//! (`prospect_reward::registry`): `plasticity.rule` and the rules' tables `[plasticity.<rule>]`,
//! `[trial]`, the bandit tasks and rewards, `[[network.noise]]` and `network.feedback`, and the
//! rule's recordable variables. Rules check their own parameters by being built, so a model
//! file (or every point of a sweep) fails before anything runs.

use prospect_neuron::{NetworkConfig, NoiseKind, PlasticityRule};
use prospect_reward::registry::{self, RuleContext};
use prospect_reward::{Policy, RateSchedule, TrialConfig};

use super::build::{eta, network_config};
use super::schema::{ModelFile, Trial};

type Check = Result<(), (String, String)>;

fn fail<T>(key: &str, reason: impl Into<String>) -> Result<T, (String, String)> {
    Err((key.to_string(), reason.into()))
}

/// Variables every network emits (`prospect_neuron::recording::emit_rows`).
pub const NETWORK_VARIABLES: [&str; 6] = ["u", "u_breve", "r", "e", "target", "noise"];

/// `plasticity.<rule>` joined with a rule's own dotted key (`""` is the table itself).
fn rule_key(rule: &str, key: &str) -> String {
    if key.is_empty() {
        format!("plasticity.{rule}")
    } else {
        format!("plasticity.{rule}.{key}")
    }
}

/// Builds rule `name` for `network` from its table (absent: `Null`).
pub(super) fn build_rule(
    m: &ModelFile,
    network: &NetworkConfig,
    name: &str,
) -> Result<Box<dyn PlasticityRule>, (String, String)> {
    let Some(entry) = registry::find(name) else {
        return fail(
            "plasticity.rule",
            format!(
                "{name:?}: unknown rule; expected one of {}",
                registry::names().join(", ")
            ),
        );
    };
    let context = RuleContext {
        network,
        eta: eta(m),
        learn_biases: m.plasticity.learn_biases,
        batch: m.training.batch.max(1) as usize,
    };
    let params = m
        .plasticity
        .rules
        .get(name)
        .cloned()
        .unwrap_or(serde_json::Value::Null);
    (entry.build)(&params, &context).map_err(|e| {
        let key = if e.model_key {
            e.key
        } else {
            rule_key(name, &e.key)
        };
        (key, e.reason)
    })
}

/// The policy of `[trial]` (`policy`, `epsilon`, `temperature`; keys of errors as in the
/// model file): parameters a policy does not have are refused, those it needs required.
pub(super) fn policy(t: &Trial) -> Result<Policy, (String, String)> {
    let only = |key: &str, v: Option<f64>, users: &str| match v {
        Some(_) => fail(
            &format!("trial.{key}"),
            format!("policy {:?} has no {key}: only {users} use it", t.policy),
        ),
        None => Ok(()),
    };
    let need = |key: &str, v: Option<f64>| {
        v.ok_or_else(|| {
            (
                format!("trial.{key}"),
                format!("missing: policy {:?} needs {key}", t.policy),
            )
        })
    };
    let policy = match t.policy.as_str() {
        "greedy" => {
            only("epsilon", t.epsilon, "epsilon-greedy and max-boltzmann")?;
            only("temperature", t.temperature, "softmax and max-boltzmann")?;
            Policy::Greedy
        }
        "epsilon-greedy" => {
            only("temperature", t.temperature, "softmax and max-boltzmann")?;
            Policy::EpsilonGreedy {
                epsilon: need("epsilon", t.epsilon)?,
            }
        }
        "softmax" => {
            only("epsilon", t.epsilon, "epsilon-greedy and max-boltzmann")?;
            Policy::Softmax {
                temperature: need("temperature", t.temperature)?,
            }
        }
        "max-boltzmann" => Policy::MaxBoltzmann {
            epsilon: need("epsilon", t.epsilon)?,
            temperature: need("temperature", t.temperature)?,
        },
        other => {
            return fail(
                "trial.policy",
                format!(
                    "{other:?}: expected \"greedy\", \"epsilon-greedy\", \"softmax\" or \"max-boltzmann\""
                ),
            );
        }
    };
    Ok(policy)
}

/// The trial driver's schedule from `[trial]` (defaults where absent) and `[training]`,
/// `[integrator]`; keys of errors as in the model file. `trials_per_epoch` of classification
/// tasks is set from the data when they are loaded (`Model::build_trials`).
pub(super) fn trial_config(m: &ModelFile) -> Result<TrialConfig, (String, String)> {
    let t = m.trial.clone().unwrap_or_default();
    let policy = policy(&t)?;
    let trials_per_epoch = match t.trials_per_epoch {
        Some(n) if n < 1 => return fail("trial.trials_per_epoch", format!("{n} must be ≥ 1")),
        Some(n) => n as usize,
        None if m.task.kind == "gaussian-bandit" => {
            return fail(
                "trial.trials_per_epoch",
                "missing: a bandit has no training set to pass over; give the trials per epoch \
                 (1: an epoch is one step)",
            );
        }
        None => 1,
    };
    let config = TrialConfig {
        epochs: m.training.epochs.max(1) as usize,
        trials_per_epoch,
        trial_time: t.time,
        readout_time: t.readout_time,
        ramp_up: t.ramp_up,
        ramp_down: t.ramp_down,
        readout_tau: t.readout_tau,
        policy,
        reset_between_trials: t.reset,
        rate_schedule: match t.anneal_trials {
            Some(trials) => RateSchedule::Annealed { trials },
            None => RateSchedule::Constant,
        },
        batch: m.training.batch.max(1) as usize,
        seed: m.training.seed,
        method: m
            .integrator
            .method
            .parse()
            .map_err(|e| ("integrator.method".to_string(), e))?,
        dt: m.integrator.dt,
        rtol: m.integrator.rtol,
        atol: m.integrator.atol,
        evaluate_every: m.training.evaluate_every.max(1) as usize,
    };
    config.validate().map_err(|(k, r)| {
        let key = match k.as_str() {
            "policy.epsilon" => "trial.epsilon".to_string(),
            "policy.temperature" => "trial.temperature".to_string(),
            "rate_schedule.trials" => "trial.anneal_trials".to_string(),
            "batch" | "evaluate_every" => format!("training.{k}"),
            other => format!("trial.{other}"),
        };
        (key, r)
    })?;
    Ok(config)
}

/// Every check of reward learning's keys (module docs). `raw` is the model as written (with
/// overrides), to tell keys given from defaults.
pub fn check(m: &ModelFile, raw: &toml::Table) -> Check {
    let Some(entry) = registry::find(&m.plasticity.rule) else {
        return fail(
            "plasticity.rule",
            format!(
                "{:?}: unknown rule; expected one of {}",
                m.plasticity.rule,
                registry::names().join(", ")
            ),
        );
    };
    let network = network_config(m)?;
    network
        .validate()
        .map_err(|(k, r)| (format!("network.{k}"), r))?;
    let given = |section: &str, key: &str| {
        raw.get(section)
            .and_then(toml::Value::as_table)
            .is_some_and(|t| t.contains_key(key))
    };
    let task = &m.task;
    let bandit = task.kind == "gaussian-bandit";
    for (key, v) in [
        ("task.arms", task.arms),
        ("task.arm_mean", task.arm_mean.map(|_| 0)),
    ] {
        if v.is_some() && !bandit {
            return fail(
                key,
                format!("only the gaussian-bandit task has it, not {:?}", task.kind),
            );
        }
    }
    if entry.needs_reward {
        for key in ["presentation_time", "reset_between_patterns"] {
            if given("training", key) {
                return fail(
                    &format!("training.{key}"),
                    format!(
                        "rule {:?} learns from rewards in trials, not from presentations: set \
                         trial.time, trial.readout_time and trial.reset instead",
                        entry.name
                    ),
                );
            }
        }
        if task.kind == "teacher-student" {
            return fail(
                "task.kind",
                format!(
                    "teacher-student has no classes to guess; rule {:?} needs a classification \
                     task (yin-yang, idx) or gaussian-bandit",
                    entry.name
                ),
            );
        }
        if bandit {
            for (key, v) in [("task.n_train", task.n_train), ("task.n_test", task.n_test)] {
                if v.is_some() {
                    return fail(key, "a gaussian-bandit has no data set");
                }
            }
            for (key, v) in [
                ("task.reward_correct", task.reward_correct),
                ("task.reward_wrong", task.reward_wrong),
            ] {
                if v.is_some() {
                    return fail(key, "a gaussian-bandit pays N(q*(a), 1), not class rewards");
                }
            }
            let sizes = &m.network.sizes;
            let outputs = sizes[sizes.len() - 1];
            if sizes[0] != 1 {
                return fail(
                    "network.sizes",
                    format!("{sizes:?}: a gaussian-bandit observes one constant input 1"),
                );
            }
            let arms = task.arms.unwrap_or(outputs);
            if arms != outputs {
                return fail(
                    "task.arms",
                    format!("{arms} arms but {outputs} outputs (one output per arm)"),
                );
            }
            if let Some(q) = task.arm_mean
                && !q.is_finite()
            {
                return fail("task.arm_mean", format!("{q} must be finite"));
            }
        } else {
            let correct = task.reward_correct.unwrap_or(1.0);
            let wrong = task.reward_wrong.unwrap_or(-1.0);
            if !(correct.is_finite() && wrong.is_finite() && correct > wrong) {
                return fail(
                    "task.reward_correct",
                    format!("{correct} must be finite and exceed task.reward_wrong = {wrong}"),
                );
            }
        }
        let trial = trial_config(m)?;
        // REINFORCE's readout score differentiates the driver's low-pass ȳ, so it keeps its own
        // copy of τ_r (`plasticity.reinforce.readout_tau`, default 0.1), which must be the
        // driver's: a different one would give a wrong gradient without any error.
        if entry.name == "reinforce" {
            let own = m
                .plasticity
                .rules
                .get("reinforce")
                .and_then(|t| t.get("readout_tau"))
                .and_then(serde_json::Value::as_f64)
                .unwrap_or(0.1);
            if own != trial.readout_tau {
                return fail(
                    "plasticity.reinforce.readout_tau",
                    format!(
                        "{own} differs from trial.readout_tau = {}: the rule's score is the \
                         derivative of the low-pass the policy reads, so set both alike",
                        trial.readout_tau
                    ),
                );
            }
        }
        // REINFORCE learns from the score of its stochastic elements only: Bernoulli units, or
        // a softmax readout. With neither, every update is zero and the run would "learn"
        // nothing without a word.
        if entry.name == "reinforce"
            && !trial.policy.has_probabilities()
            && !network
                .noise
                .iter()
                .any(|n| matches!(n.kind, prospect_neuron::NoiseKind::Bernoulli))
        {
            return fail(
                "plasticity.rule",
                "reinforce needs a stochastic element to learn from: Bernoulli units ([[network.noise]] kind = \"bernoulli\") or trial.policy = \"softmax\""
                    .to_string(),
            );
        }
        // Node perturbation learns from its noise alone: with every noise at σ·gain = 0 each
        // update is zero.
        if entry.name == "node-perturbation"
            && network.noise.iter().all(|n| match n.kind {
                prospect_neuron::NoiseKind::OrnsteinUhlenbeck { sigma, .. }
                | prospect_neuron::NoiseKind::White { sigma } => sigma * n.gain == 0.0,
                prospect_neuron::NoiseKind::Bernoulli => true,
            })
        {
            return fail(
                "network.noise",
                "node-perturbation needs OU or white noise with sigma · gain ≠ 0 on a layer: it learns from the noise alone".to_string(),
            );
        }
        if trial.method.is_fixed_step() && m.integrator.dt > trial.trial_time {
            return fail(
                "integrator.dt",
                format!(
                    "{} exceeds trial.time {}",
                    m.integrator.dt, trial.trial_time
                ),
            );
        }
        for (i, n) in network.noise.iter().enumerate() {
            if matches!(n.kind, NoiseKind::White { .. }) && !trial.method.is_fixed_step() {
                return fail(
                    &format!("network.noise[{i}].kind"),
                    format!(
                        "white noise (σ/√Δt) needs a fixed-step method, not {}",
                        trial.method
                    ),
                );
            }
        }
    } else {
        let why = format!(
            "rule {:?} learns from targets presented for training.presentation_time; reward \
             rules ({}) run trials",
            entry.name,
            reward_rules().join(", ")
        );
        if m.trial.is_some() {
            return fail(
                "trial",
                format!("the [trial] section is for reward rules: {why}"),
            );
        }
        if bandit {
            return fail("task.kind", format!("gaussian-bandit pays rewards: {why}"));
        }
        for (key, v) in [
            ("task.reward_correct", task.reward_correct),
            ("task.reward_wrong", task.reward_wrong),
        ] {
            if v.is_some() {
                return fail(key, format!("rewards are for reward rules: {why}"));
            }
        }
    }
    // Every rule table present must name a rule and build, so that a sweep over
    // `plasticity.rule` fails before its first run.
    for name in m.plasticity.rules.keys() {
        if registry::find(name).is_none() {
            return fail(
                &format!("plasticity.{name}"),
                format!(
                    "a table for an unknown rule; rules: {}",
                    registry::names().join(", ")
                ),
            );
        }
        if name != entry.name {
            build_rule(m, &network, name)?;
        }
    }
    let rule = build_rule(m, &network, entry.name)?;
    if let Some(vars) = &m.record.variables {
        let own: Vec<String> = rule
            .variables()
            .into_iter()
            .map(|v| v.name.to_string())
            .collect();
        for v in vars {
            if !NETWORK_VARIABLES.contains(&v.as_str()) && !own.contains(v) {
                let mut known: Vec<String> =
                    NETWORK_VARIABLES.iter().map(|s| s.to_string()).collect();
                for name in &own {
                    if !known.contains(name) {
                        known.push(name.clone());
                    }
                }
                return fail(
                    "record.variables",
                    format!(
                        "{v:?}: expected one of {} (rule {:?})",
                        known.join(", "),
                        entry.name
                    ),
                );
            }
        }
    }
    Ok(())
}

/// The names of the rules that learn from rewards.
fn reward_rules() -> Vec<&'static str> {
    registry::RULES
        .iter()
        .filter(|r| r.needs_reward)
        .map(|r| r.name)
        .collect()
}

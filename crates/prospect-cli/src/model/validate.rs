//! Range checks before anything runs. Each failure names the dotted key and the reason.

use std::path::Path;

use prospect_neuron::Activation;
use prospect_ode::Method;

use super::schema::{ModelFile, PerLayer};

type Check = Result<(), (String, String)>;

fn fail(key: &str, reason: impl Into<String>) -> Check {
    Err((key.to_string(), reason.into()))
}

fn finite_positive(key: &str, v: f64) -> Check {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        fail(key, format!("{v} must be a finite number > 0"))
    }
}

fn per_layer(key: &str, v: &PerLayer, n: usize, positive: bool) -> Check {
    let values = v.expand(n);
    if values.len() != n {
        return fail(key, format!("{} values for {n} layers", values.len()));
    }
    for (i, x) in values.iter().enumerate() {
        let ok = x.is_finite() && if positive { *x > 0.0 } else { *x >= 0.0 };
        if !ok {
            let bound = if positive { "> 0" } else { "≥ 0" };
            return fail(key, format!("value {i} = {x} must be finite and {bound}"));
        }
    }
    Ok(())
}

/// Every check of docs/model-files.md.
pub fn validate(m: &ModelFile) -> Check {
    let net = &m.network;
    if net.sizes.len() < 2 {
        return fail(
            "network.sizes",
            format!("{:?}: need an input and at least one layer", net.sizes),
        );
    }
    if let Some(i) = net.sizes.iter().position(|&s| s <= 0) {
        return fail(
            "network.sizes",
            format!("size {i} = {} must be > 0", net.sizes[i]),
        );
    }
    let layers = net.sizes.len() - 1;
    if let Some(acts) = &net.activations {
        if acts.len() != layers {
            return fail(
                "network.activations",
                format!("{} entries for {layers} layers", acts.len()),
            );
        }
        for a in acts {
            a.parse::<Activation>()
                .map_err(|e| ("network.activations".to_string(), e))?;
        }
    }
    per_layer("network.tau", &net.tau, layers, true)?;
    if !["vanilla", "jacobi", "exact"].contains(&net.loop_treatment.as_str()) {
        return fail(
            "network.loop",
            format!(
                "{:?}: expected \"vanilla\", \"jacobi\" or \"exact\"",
                net.loop_treatment
            ),
        );
    }
    if let Some(std) = &net.init_std {
        per_layer("network.init_std", std, layers, false)?;
    }
    finite_positive("network.fixed_point_tolerance", net.fixed_point_tolerance)?;

    let p = &m.plasticity;
    if !(p.beta.is_finite() && p.beta >= 0.0) {
        return fail(
            "plasticity.beta",
            format!("{} must be finite and ≥ 0", p.beta),
        );
    }
    if !["voltage", "rate"].contains(&p.target.as_str()) {
        return fail(
            "plasticity.target",
            format!("{:?}: expected \"voltage\" or \"rate\"", p.target),
        );
    }
    match (&p.eta, &p.eta_per_presentation) {
        (Some(_), Some(_)) => {
            return fail(
                "plasticity.eta",
                "give eta or eta_per_presentation, not both",
            );
        }
        (None, None) => {
            return fail(
                "plasticity.eta",
                "missing: give eta (1/time unit) or eta_per_presentation",
            );
        }
        (Some(e), None) => per_layer("plasticity.eta", e, layers, false)?,
        (None, Some(e)) => per_layer("plasticity.eta_per_presentation", e, layers, false)?,
    }

    let t = &m.task;
    match t.kind.as_str() {
        "yin-yang" => {
            if net.sizes[0] != 4 || net.sizes[layers] != 3 {
                return fail(
                    "network.sizes",
                    format!("{:?}: yin-yang needs 4 inputs and 3 outputs", net.sizes),
                );
            }
        }
        "idx" => {
            let path = t
                .path
                .as_deref()
                .unwrap_or(prospect_tasks::idx::FASHION_MNIST_DIR);
            if !Path::new(path).is_dir() {
                return fail(
                    "task.path",
                    format!(
                        "{path}: no such folder (install dataset-fashion-mnist or point to an MNIST-format folder)"
                    ),
                );
            }
        }
        "teacher-student" => {
            let Some(teacher) = &t.teacher else {
                return fail(
                    "task.teacher",
                    "missing: sizes [inputs, hidden, outputs] of the teacher",
                );
            };
            if teacher.len() != 3 || teacher.iter().any(|&s| s <= 0) {
                return fail("task.teacher", format!("{teacher:?}: need three sizes > 0"));
            }
            if teacher[0] != net.sizes[0] || teacher[2] != net.sizes[layers] {
                return fail(
                    "task.teacher",
                    format!("{teacher:?} does not match network.sizes {:?}", net.sizes),
                );
            }
        }
        // Checked with the rule (model/reward.rs).
        "gaussian-bandit" => {}
        "patterns" => {
            let outputs = net.sizes[layers];
            let n = t.n_patterns.unwrap_or(outputs);
            if n != outputs {
                return fail(
                    "task.n_patterns",
                    format!("{n} patterns but {outputs} outputs (one class per pattern)"),
                );
            }
            for (key, v) in [("task.n_train", t.n_train), ("task.n_test", t.n_test)] {
                if v.is_some() {
                    return fail(
                        key,
                        "the patterns task trains and tests on its task.n_patterns patterns",
                    );
                }
            }
        }
        other => {
            return fail(
                "task.kind",
                format!(
                    "{other:?}: expected \"yin-yang\", \"idx\", \"teacher-student\", \"patterns\" or \"gaussian-bandit\""
                ),
            );
        }
    }
    if t.n_patterns.is_some() && t.kind != "patterns" {
        return fail(
            "task.n_patterns",
            format!("only the patterns task has it, not {:?}", t.kind),
        );
    }
    for (key, v) in [("task.n_train", t.n_train), ("task.n_test", t.n_test)] {
        if let Some(n) = v
            && n <= 0
        {
            return fail(key, format!("{n} must be > 0"));
        }
    }

    let tr = &m.training;
    if tr.epochs < 1 {
        return fail("training.epochs", format!("{} must be ≥ 1", tr.epochs));
    }
    finite_positive("training.presentation_time", tr.presentation_time)?;
    if tr.batch < 1 {
        return fail("training.batch", format!("{} must be ≥ 1", tr.batch));
    }
    if tr.evaluate_every < 1 {
        return fail(
            "training.evaluate_every",
            format!("{} must be ≥ 1", tr.evaluate_every),
        );
    }

    let i = &m.integrator;
    let method: Method = i
        .method
        .parse()
        .map_err(|e| ("integrator.method".to_string(), e))?;
    // Reward rules compare the step with `trial.time` (model/reward.rs).
    let reward = super::build::needs_reward(m);
    if method.is_fixed_step() {
        finite_positive("integrator.dt", i.dt)?;
        if !reward && i.dt > tr.presentation_time {
            return fail(
                "integrator.dt",
                format!(
                    "{} exceeds training.presentation_time {}",
                    i.dt, tr.presentation_time
                ),
            );
        }
    }
    finite_positive("integrator.rtol", i.rtol)?;
    if !(i.atol.is_finite() && i.atol >= 0.0) {
        return fail(
            "integrator.atol",
            format!("{} must be finite and ≥ 0", i.atol),
        );
    }

    let r = &m.record;
    if !(r.every.is_finite() && r.every >= 0.0) {
        return fail(
            "record.every",
            format!("{} must be finite and ≥ 0", r.every),
        );
    }
    // `record.variables` is checked with the rule's own variables (model/reward.rs).
    if let Some(pops) = &r.populations {
        for p in pops {
            let ok = p
                .strip_prefix("layer")
                .and_then(|n| n.parse::<usize>().ok())
                .is_some_and(|n| n >= 1 && n <= layers);
            if !ok && p != "rule" {
                return fail(
                    "record.populations",
                    format!("{p:?}: expected layer1 … layer{layers} or rule"),
                );
            }
        }
    }
    if let Some(units) = &r.units
        && let Some(u) = units.iter().find(|&&u| u < 0)
    {
        return fail("record.units", format!("{u} must be ≥ 0"));
    }
    if let Some(windows) = &r.windows {
        for w in windows {
            let ok = w.len() == 2 && w.iter().all(|t| t.is_finite()) && w[0] <= w[1];
            if !ok {
                return fail(
                    "record.windows",
                    format!("{w:?}: expected [t0, t1] with t0 ≤ t1"),
                );
            }
        }
    }
    if let Some(epochs) = &r.epochs {
        for e in epochs {
            let ok = match e {
                toml::Value::Integer(n) => *n >= 1,
                toml::Value::String(s) => s == "first" || s == "last",
                _ => false,
            };
            if !ok {
                return fail(
                    "record.epochs",
                    format!("{e}: expected an epoch number ≥ 1, \"first\" or \"last\""),
                );
            }
        }
    }
    integration_limits(m)?;
    Ok(())
}

/// Settings the integrator cannot honour, refused before anything runs (issue 8 item 5, issue 9
/// item 12). Runs after the range checks above, so the values are finite and positive.
///
/// - A fixed step beyond the method's stability limit on the real axis,
///   `dt > c · τ_min` (c = 2 for Euler, 2.785 for RK4; [`Method::real_axis_stability_limit`]):
///   the decay `τ u̇ = −u` would grow by `|R(−dt/τ)| > 1` per step and the run diverge.
/// - `rtol` below f64's machine epsilon with `atol = 0`: the rounding of a step's own update is
///   already `ε·|y|`, so no step size meets the tolerance and the step collapses.
fn integration_limits(m: &ModelFile) -> Check {
    let i = &m.integrator;
    let Ok(method) = i.method.parse::<Method>() else {
        return Ok(());
    };
    let layers = m.network.sizes.len().saturating_sub(1);
    let tau_min = m
        .network
        .tau
        .expand(layers)
        .into_iter()
        .fold(f64::INFINITY, f64::min);
    if method.is_fixed_step()
        && let Some(limit) = method.real_axis_stability_limit()
        && i.dt > limit * tau_min
    {
        return fail(
            "integrator.dt",
            format!(
                "{} is unstable for {method} with network.tau down to {tau_min}: \
                 {method} needs dt ≤ {limit:.4} τ_min = {}",
                i.dt,
                limit * tau_min
            ),
        );
    }
    if !method.is_fixed_step() && i.atol == 0.0 && i.rtol < f64::EPSILON {
        return fail(
            "integrator.rtol",
            format!(
                "{:e} with integrator.atol = 0 cannot be met in double precision \
                 (rounding alone is {:e} relative): raise rtol or set atol > 0",
                i.rtol,
                f64::EPSILON
            ),
        );
    }
    // The vanilla and Jacobi treatments are one-step-delayed schemes: their errors move one
    // layer per step and the weights learn once per step (docs/design.md, "The algebraic
    // loop"), so they are defined by their step, not by an ODE an adaptive method could
    // approximate to a tolerance. Under an adaptive controller their result depends on the step
    // sequence it picks: on the shipped Yin-Yang model (one epoch of 200 patterns, seed 0)
    // dopri5 ends with train loss 9.2e3 against Euler's 0.23, and it diverges on longer runs.
    // Only the exact treatment is an ODE for every method.
    let delayed = matches!(m.network.loop_treatment.as_str(), "vanilla" | "jacobi");
    if m.network.lookahead && delayed && !method.is_fixed_step() {
        return fail(
            "integrator.method",
            format!(
                "{method} is adaptive, but network.loop = \"{}\" is a one-step-delayed scheme \
                 whose errors and weight updates advance once per step, so its result would \
                 depend on the steps the controller picks: use a fixed-step method (euler, \
                 exponential-euler, rk4) or network.loop = \"exact\"",
                m.network.loop_treatment
            ),
        );
    }
    Ok(())
}

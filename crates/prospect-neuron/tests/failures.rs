//! Runs that cannot go on fail with a typed reason that names where (issue 8 items 5 and 7,
//! issue 9 item 12): non-finite voltages by layer, unit and sample; non-finite weights by
//! projection and entry; a fixed point that does not converge with its residual; an unstable
//! fixed step refused before running; an unreachable tolerance stopped per presentation; and
//! inputs of the wrong shape refused instead of panicking.

use std::time::Instant;

use nalgebra::{DMatrix, DVector};
use prospect_neuron::{
    Activation, LocalErrorRule, LoopTreatment, Network, NetworkConfig, NetworkError, NullRecorder,
    Trainer, TrainingConfig, WeightInit,
};
use prospect_ode::{Method, OdeError};
use prospect_tasks::{Dataset, Split};

/// A regression set of `n` samples with `n_in` inputs and `n_out` targets, given row by row.
fn set(name: &str, n_in: usize, n_out: usize, inputs: Vec<f32>, targets: Vec<f32>) -> Dataset {
    Dataset {
        name: name.into(),
        n_inputs: n_in,
        n_outputs: n_out,
        inputs,
        targets,
        labels: Vec::new(),
    }
}

fn tiny_split() -> Split {
    let inputs = vec![0.0, 0.5, 1.0, -0.5, 0.25, 0.75];
    let targets = vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
    Split {
        train: set("tiny/train", 2, 2, inputs.clone(), targets.clone()),
        test: set("tiny/test", 2, 2, inputs, targets),
    }
}

fn tiny_network() -> NetworkConfig {
    let mut net = NetworkConfig::new(&[2, 3, 2]);
    net.loop_treatment = LoopTreatment::Vanilla;
    net.beta = 0.1;
    net
}

fn training(method: Method) -> TrainingConfig {
    let mut train = TrainingConfig::new(1, vec![0.5, 0.5]);
    train.batch = 2;
    train.method = method;
    train
}

fn run(net: NetworkConfig, train: TrainingConfig, split: Split) -> Result<(), NetworkError> {
    let mut trainer = Trainer::new(net, train, split)?;
    trainer.run(&mut NullRecorder, &mut |_| {}).map(|_| ())
}

/// `locate` inverts the state layout of docs (layer after layer, `n_l × B` column-major):
/// for sizes [2, 3, 2] and batch 2, layer 1 holds components 0..6 and layer 2 6..10.
#[test]
fn components_map_to_layer_unit_and_sample() {
    let net = Network::new(tiny_network(), 2, 0).unwrap();
    assert_eq!(net.locate(0), Some((1, 0, 0)));
    assert_eq!(net.locate(4), Some((1, 1, 1)));
    assert_eq!(net.locate(9), Some((2, 1, 1)));
    assert_eq!(net.locate(10), None);
}

/// Weights of size 1e200 in a linear 1-1-1 network give an output drive of ~1e400 = inf for the
/// sample whose input is 1, while the sample with input 0 stays at 0: the error names layer 2,
/// unit 0, sample 1 (not "state component 3").
#[test]
fn a_non_finite_voltage_is_named_by_layer_unit_and_sample() {
    let mut net = NetworkConfig::new(&[1, 1, 1]);
    net.activations = vec![Activation::Linear, Activation::Linear];
    net.beta = 0.0; // no error loop: only the forward drive overflows
    net.init = WeightInit::Normal {
        std: vec![1e200, 1e200],
    };
    let split = Split {
        train: set("x/train", 1, 1, vec![0.0, 1.0], vec![0.0, 0.0]),
        test: set("x/test", 1, 1, vec![0.0], vec![0.0]),
    };
    let err = run(net, training(Method::Euler), split).unwrap_err();
    match err {
        NetworkError::NonFiniteState {
            layer,
            unit,
            sample,
            t,
            epoch,
        } => {
            assert_eq!((layer, unit, sample, epoch), (2, 0, 1, 1), "{err}");
            assert!(t.is_finite());
            assert!(err.to_string().contains("layer2"), "{err}");
        }
        other => panic!("expected NonFiniteState, got {other:?}"),
    }
}

/// A learning rate of 1e308 makes the first update overflow: the run stops naming the
/// projection and entry, not a later NaN voltage.
#[test]
fn a_non_finite_weight_fails_naming_projection_and_entry() {
    let mut train = training(Method::Euler);
    train.eta = vec![f64::MAX, f64::MAX];
    let err = run(tiny_network(), train, tiny_split()).unwrap_err();
    assert!(
        matches!(
            err,
            NetworkError::NonFiniteWeight {
                projection: 1 | 2,
                ..
            }
        ),
        "{err:?}"
    );
}

/// With one sweep allowed, the exact treatment's fixed point cannot converge under nudging:
/// the failure keeps its reason (layer, residual) instead of becoming a NaN voltage.
#[test]
fn a_fixed_point_that_does_not_converge_keeps_its_reason() {
    let mut net = tiny_network();
    net.loop_treatment = LoopTreatment::Exact;
    net.fixed_point_max_iterations = 1;
    net.beta = 1.0;
    let err = run(net, training(Method::Euler), tiny_split()).unwrap_err();
    match err {
        NetworkError::FixedPointNotConverged {
            residual,
            tolerance,
            layer,
            ..
        } => {
            assert!(residual.is_finite() && residual > tolerance, "{err}");
            assert!((1..=2).contains(&layer), "{err}");
        }
        other => panic!("expected FixedPointNotConverged, got {other:?}"),
    }
}

/// Forward Euler on τ u̇ = −u is stable iff dt ≤ 2τ, RK4 iff dt ≤ 2.785τ (their stability
/// regions on the negative real axis): just beyond is refused before running, just inside runs.
/// Exponential Euler has no such limit.
#[test]
fn unstable_fixed_steps_are_refused_before_running() {
    for (method, limit) in [(Method::Euler, 2.0), (Method::Rk4, 2.785_293_563_405_282)] {
        let mut net = tiny_network();
        net.tau = vec![0.05, 0.04];
        let mut train = training(method);
        train.dt = 0.04 * limit * 1.001;
        let err = Trainer::new(net.clone(), train.clone(), tiny_split()).err();
        assert!(
            matches!(&err, Some(NetworkError::Config { key, .. }) if key == "dt"),
            "{method}: {err:?}"
        );
        train.dt = 0.04 * limit * 0.999;
        Trainer::new(net.clone(), train.clone(), tiny_split()).unwrap();
        train.method = Method::ExponentialEuler;
        train.dt = 1.0;
        Trainer::new(net, train, tiny_split()).unwrap();
    }
}

/// rtol = 1e-300 with atol = 0 cannot be met in f64: the step collapses at t = 0. The step
/// limit applies per presentation, so the run fails quickly (it hung before), naming t and h.
#[test]
fn an_unreachable_tolerance_fails_within_one_presentation() {
    let mut train = training(Method::Dopri5);
    train.rtol = 1e-300;
    train.atol = 0.0;
    let start = Instant::now();
    let err = run(tiny_network(), train, tiny_split()).unwrap_err();
    assert!(
        matches!(
            err,
            NetworkError::Integration {
                source: OdeError::MaxStepsExceeded { .. } | OdeError::StepSizeTooSmall { .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("step size"), "{err}");
    // 100 000 steps of a 2-3-2 network take well under a second; a minute means no limit.
    assert!(start.elapsed().as_secs() < 60, "{:?}", start.elapsed());
}

#[test]
fn wrong_lengths_are_typed_errors_not_panics() {
    let mut net = Network::new(tiny_network(), 2, 0).unwrap();
    assert!(matches!(
        net.set_input(&[0.0; 3]),
        Err(NetworkError::Shape {
            what: "input",
            got: 3,
            expected: 4
        })
    ));
    assert!(matches!(
        net.set_target(&[0.0; 5]),
        Err(NetworkError::Shape {
            what: "target",
            got: 5,
            expected: 4
        })
    ));
    let mut trainer = Trainer::new(tiny_network(), training(Method::Euler), tiny_split()).unwrap();
    let wrong = set("wide", 3, 2, vec![0.0; 6], vec![0.0; 4]);
    assert!(matches!(
        trainer.evaluate(&wrong),
        Err(NetworkError::Data { .. })
    ));
    let empty = set("empty", 2, 2, Vec::new(), Vec::new());
    assert!(matches!(
        trainer.evaluate(&empty),
        Err(NetworkError::Data { .. })
    ));

    let rule = LocalErrorRule::new(vec![0.1]);
    let (post, pre) = ([0.0; 2], [0.0; 2]);
    let (mut w, mut b) = (DMatrix::zeros(2, 2), DVector::zeros(2));
    assert!(matches!(
        rule.update(1, 0.1, &post, &pre, 1, &mut w, &mut b),
        Err(NetworkError::MissingLearningRate {
            projection: 1,
            rates: 1
        })
    ));
}

/// One application of the local rule against its equations written out here:
/// ΔW_ij = dt η / B Σ_b post_ib pre_jb, Δb_i = dt η / B Σ_b post_ib; biases stay put when
/// `learn_biases` is off. (A zeroed bias update or a wrong scale breaks it.)
#[test]
fn local_rule_updates_weights_and_biases_by_its_equations() {
    let (n_post, n_pre, batch) = (2, 3, 2);
    let post = [0.5, -1.0, 0.25, 2.0];
    let pre = [1.0, 0.0, -2.0, 0.5, 3.0, 1.5];
    let (eta, dt) = (0.3, 0.1);
    let w0 = DMatrix::from_fn(n_post, n_pre, |i, j| 0.1 * (i + 2 * j) as f64);
    let b0 = DVector::from_vec(vec![0.2, -0.3]);
    for learn_biases in [true, false] {
        let rule = LocalErrorRule {
            eta: vec![eta],
            learn_biases,
        };
        let (mut w, mut b) = (w0.clone(), b0.clone());
        rule.update(0, dt, &post, &pre, batch, &mut w, &mut b)
            .unwrap();
        let scale = dt * eta / batch as f64;
        for i in 0..n_post {
            let db: f64 = (0..batch).map(|s| post[s * n_post + i]).sum::<f64>() * scale;
            let want_b = b0[i] + if learn_biases { db } else { 0.0 };
            assert!(
                (b[i] - want_b).abs() < 1e-15,
                "bias {i}: {} vs {want_b}",
                b[i]
            );
            for j in 0..n_pre {
                let dw: f64 = (0..batch)
                    .map(|s| post[s * n_post + i] * pre[s * n_pre + j])
                    .sum::<f64>();
                let want = w0[(i, j)] + scale * dw;
                assert!((w[(i, j)] - want).abs() < 1e-15, "w {i},{j}");
            }
        }
    }
}

/// Evaluation leaves the training trajectory untouched: time, state and memory are restored,
/// so an epoch after an evaluation is bit-identical to one without it.
#[test]
fn evaluation_restores_the_state_it_found() {
    let make = || {
        let mut t = Trainer::new(tiny_network(), training(Method::Euler), tiny_split()).unwrap();
        t.train_epoch(&mut NullRecorder).unwrap();
        t
    };
    let (mut a, mut b) = (make(), make());
    let (t, state) = (a.integrator().t(), a.integrator().state().to_vec());
    a.evaluate_test().unwrap();
    assert_eq!(a.integrator().t(), t);
    assert_eq!(a.integrator().state(), &state[..]);
    a.train_epoch(&mut NullRecorder).unwrap();
    b.train_epoch(&mut NullRecorder).unwrap();
    assert_eq!(a.integrator().state(), b.integrator().state());
    assert_eq!(a.network().weights(), b.network().weights());
}

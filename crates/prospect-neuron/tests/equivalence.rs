//! The local, continuous-time updates against error backpropagation computed by hand in this
//! file (plain loops, no code shared with the crate), and the treatments against each other.

use prospect_neuron::{
    Activation, LocalErrorRule, LoopTreatment, Network, NetworkConfig, TargetKind, WeightInit,
};
use prospect_ode::{Integrator, Method, OdeSystem, Options};

const SIZES: [usize; 4] = [5, 8, 7, 3];
const BATCH: usize = 4;

fn config(treatment: LoopTreatment, beta: f64) -> NetworkConfig {
    let mut cfg = NetworkConfig::new(&SIZES);
    cfg.activations = vec![Activation::Tanh, Activation::Logistic, Activation::Linear];
    cfg.loop_treatment = treatment;
    cfg.beta = beta;
    cfg.init = WeightInit::Normal {
        std: vec![0.8, 0.6, 0.7],
    };
    cfg
}

fn inputs() -> (Vec<f64>, Vec<f64>) {
    let x = (0..SIZES[0] * BATCH)
        .map(|i| ((i * 37 % 17) as f64 / 17.0) - 0.4)
        .collect();
    let y = (0..SIZES[3] * BATCH)
        .map(|i| ((i * 11 % 7) as f64 / 7.0) - 0.3)
        .collect();
    (x, y)
}

/// −∂L/∂W_k for L = mean over the batch of ½‖y − a_L‖², by hand: forward pass, deltas, outer
/// products, all with loops over the column-major weights.
fn backprop_by_hand(net: &Network, x: &[f64], y: &[f64]) -> Vec<Vec<f64>> {
    let acts = &net.config().activations;
    let l = SIZES.len() - 1;
    let mut grads: Vec<Vec<f64>> = (0..l).map(|k| vec![0.0; SIZES[k] * SIZES[k + 1]]).collect();
    for b in 0..BATCH {
        let mut rates = vec![x[b * SIZES[0]..(b + 1) * SIZES[0]].to_vec()];
        let mut drives = Vec::new();
        for k in 0..l {
            let w = &net.weights()[k];
            let a: Vec<f64> = (0..SIZES[k + 1])
                .map(|i| {
                    net.biases()[k][i] + (0..SIZES[k]).map(|j| w[(i, j)] * rates[k][j]).sum::<f64>()
                })
                .collect();
            rates.push(a.iter().map(|v| acts[k].value(*v)).collect());
            drives.push(a);
        }
        // δ_L = y − a_L (the negative gradient of the loss w.r.t. the output voltage).
        let mut delta: Vec<f64> = (0..SIZES[l])
            .map(|i| y[b * SIZES[l] + i] - drives[l - 1][i])
            .collect();
        for k in (0..l).rev() {
            for i in 0..SIZES[k + 1] {
                for j in 0..SIZES[k] {
                    grads[k][j * SIZES[k + 1] + i] += delta[i] * rates[k][j] / BATCH as f64;
                }
            }
            if k > 0 {
                let w = &net.weights()[k];
                delta = (0..SIZES[k])
                    .map(|j| {
                        acts[k - 1].derivative(drives[k - 1][j])
                            * (0..SIZES[k + 1]).map(|i| w[(i, j)] * delta[i]).sum::<f64>()
                    })
                    .collect();
            }
        }
    }
    grads
}

fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let nb = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    dot / (na * nb)
}

/// Local update directions `e_l r_{l−1}ᵀ` (batch mean) read from the network's last evaluation.
fn local_directions(net: &Network, x: &[f64]) -> Vec<Vec<f64>> {
    let l = SIZES.len() - 1;
    (0..l)
        .map(|k| {
            let pre = if k == 0 { x } else { net.rate(k - 1) };
            let e = net.error(k);
            let (n_post, n_pre) = (SIZES[k + 1], SIZES[k]);
            let mut d = vec![0.0; n_post * n_pre];
            for b in 0..BATCH {
                for i in 0..n_post {
                    for j in 0..n_pre {
                        d[j * n_post + i] += e[b * n_post + i] * pre[b * n_pre + j] / BATCH as f64;
                    }
                }
            }
            d
        })
        .collect()
}

/// Number 1 of the issue: at the steady state of a fixed input with small β, the local update
/// direction equals the backprop gradient, with 1 − cosine falling like β² as β → 0.
#[test]
fn local_updates_at_steady_state_follow_the_backprop_gradient() {
    let (x, y) = inputs();
    let mut worst_by_beta = Vec::new();
    for beta in [1e-1, 1e-2, 1e-3] {
        let mut net = Network::new(config(LoopTreatment::Exact, beta), BATCH, 7).unwrap();
        net.set_input(&x).unwrap();
        net.set_target(&y).unwrap();
        let u = vec![0.0; net.dim()];
        let mut du = vec![0.0; net.dim()];
        net.rhs(0.0, &u, &mut du);
        let grads = backprop_by_hand(&net, &x, &y);
        let local = local_directions(&net, &x);
        let worst = grads
            .iter()
            .zip(&local)
            .map(|(g, d)| cosine(g, d))
            .fold(1.0, f64::min);
        worst_by_beta.push(worst);
    }
    // The nudged errors equal β/(1+β) times the backprop deltas up to O(β) relative terms, so
    // the direction error is O(β) and 1 − cos = O(β²): measured 8.8e-4, 1.05e-5, 1.07e-7 at
    // β = 0.1, 0.01, 0.001 (≈ 0.1 β²). A wrong term in the equations leaves an O(1) error
    // that does not vanish as β → 0; the bound 1 − cos ≤ β² (10× the measured constant) and the
    // β² scaling between the two smallest β catch it.
    for (beta, cos) in [1e-1, 1e-2, 1e-3].iter().zip(&worst_by_beta) {
        assert!(
            1.0 - cos <= beta * beta,
            "β = {beta}: cosines {worst_by_beta:?}"
        );
    }
    assert!(
        (1.0 - worst_by_beta[1]) >= 30.0 * (1.0 - worst_by_beta[2]),
        "1 − cos must fall like β²: {worst_by_beta:?}"
    );
}

/// The vanilla scheme's steps at a fixed input converge to the exact fixed point, and the
/// no-look-ahead membranes relax to the same feed-forward voltages when nothing is nudged.
#[test]
fn treatments_agree_at_steady_state() {
    let (x, y) = inputs();
    let exact = {
        let mut net = Network::new(config(LoopTreatment::Exact, 0.05), BATCH, 3).unwrap();
        net.set_input(&x).unwrap();
        net.set_target(&y).unwrap();
        let u = vec![0.0; net.dim()];
        net.rhs(0.0, &u, &mut vec![0.0; u.len()]);
        (0..3)
            .map(|k| (net.breve(k).to_vec(), net.error(k).to_vec()))
            .collect::<Vec<_>>()
    };
    for treatment in [LoopTreatment::Vanilla, LoopTreatment::Jacobi] {
        let mut net = Network::new(config(treatment, 0.05), BATCH, 3).unwrap();
        net.set_input(&x).unwrap();
        net.set_target(&y).unwrap();
        let y0 = vec![0.0; net.dim()];
        let mut ode = Integrator::new(net, Method::Euler, 0.0, &y0, Options::fixed(0.1)).unwrap();
        ode.advance_to(30.0).unwrap();
        ode.derivative();
        for (k, (breve, error)) in exact.iter().enumerate() {
            let net = ode.system();
            for (a, b) in net.breve(k).iter().zip(breve) {
                assert!(
                    (a - b).abs() < 1e-9,
                    "{treatment:?} layer {k}: ŭ {a} vs {b}"
                );
            }
            for (a, b) in net.error(k).iter().zip(error) {
                assert!(
                    (a - b).abs() < 1e-9,
                    "{treatment:?} layer {k}: e {a} vs {b}"
                );
            }
        }
    }

    // Without look-ahead and without nudging, u relaxes to the feed-forward pass (the error
    // feedback between layers adds slow modes: allow 200 τ).
    let mut cfg = config(LoopTreatment::Exact, 0.0);
    cfg.lookahead = false;
    let mut slow = Network::new(cfg, BATCH, 3).unwrap();
    slow.set_input(&x).unwrap();
    let mut ff = Network::new(config(LoopTreatment::Exact, 0.0), BATCH, 3).unwrap();
    ff.set_input(&x).unwrap();
    let u0 = vec![0.0; ff.dim()];
    ff.rhs(0.0, &u0, &mut vec![0.0; u0.len()]);
    let options = Options::adaptive(1e-10, 1e-12);
    let mut ode = Integrator::new(slow, Method::Dopri5, 0.0, &u0, options).unwrap();
    ode.advance_to(2000.0).unwrap();
    let state = ode.state().to_vec();
    for k in 0..3 {
        let range = ode.system().layer_range(k);
        for (a, b) in state[range].iter().zip(ff.breve(k)) {
            assert!((a - b).abs() < 1e-7, "layer {k}: u {a} vs feed-forward {b}");
        }
    }
}

/// With look-ahead the network answers at once, however slow τ is: after one Euler step of
/// 0.1 with τ = 1000, the output ŭ_L equals the feed-forward output (exact treatment); without
/// look-ahead, u_L has barely moved.
#[test]
fn lookahead_responds_instantly_and_its_absence_lags() {
    let (x, _) = inputs();
    let mut cfg = config(LoopTreatment::Exact, 0.0);
    cfg.tau = vec![1000.0; 3];
    let mut net = Network::new(cfg.clone(), BATCH, 5).unwrap();
    net.set_input(&x).unwrap();
    let u0 = vec![0.0; net.dim()];
    let mut ode = Integrator::new(net, Method::Euler, 0.0, &u0, Options::fixed(0.1)).unwrap();
    ode.advance_to(0.1).unwrap();
    ode.derivative();
    let fast = ode.system().output().to_vec();
    let mut reference = Network::new(config(LoopTreatment::Exact, 0.0), BATCH, 5).unwrap();
    reference.set_input(&x).unwrap();
    reference.rhs(0.0, &u0, &mut vec![0.0; u0.len()]);
    assert_eq!(fast, reference.output());
    assert!(fast.iter().any(|v| v.abs() > 0.05));

    cfg.lookahead = false;
    let mut slow = Network::new(cfg, BATCH, 5).unwrap();
    slow.set_input(&x).unwrap();
    let mut ode = Integrator::new(slow, Method::Euler, 0.0, &u0, Options::fixed(0.1)).unwrap();
    ode.advance_to(0.1).unwrap();
    ode.derivative();
    let lagging = ode.system().output();
    assert!(lagging.iter().all(|v| v.abs() < 1e-3), "{lagging:?}");
}

/// One presentation with plasticity on changes the weights along the backprop gradient, by
/// the amount of one SGD step with learning rate η T β / (1 + β) (exact treatment; the
/// dynamics are integrated by Euler, Dopri5 and exponential Euler).
#[test]
fn one_presentation_is_one_backprop_step() {
    let (x, y) = inputs();
    let (beta, eta, t) = (1e-3, 0.5, 1.0);
    for method in [Method::Euler, Method::ExponentialEuler, Method::Dopri5] {
        let mut net = Network::new(config(LoopTreatment::Exact, beta), BATCH, 11).unwrap();
        net.set_rule(Box::new(LocalErrorRule::new(vec![eta; 3])));
        net.set_input(&x).unwrap();
        net.set_target(&y).unwrap();
        let grads = backprop_by_hand(&net, &x, &y);
        let before = net.weights().to_vec();
        let u0 = vec![0.0; net.dim()];
        let options = if method.is_fixed_step() {
            Options::fixed(0.01)
        } else {
            Options::adaptive(1e-8, 1e-10)
        };
        let mut ode = Integrator::new(net, method, 0.0, &u0, options).unwrap();
        ode.advance_to(t).unwrap();
        let net = ode.system();
        for k in 0..3 {
            let dw: Vec<f64> = net.weights()[k]
                .iter()
                .zip(before[k].iter())
                .map(|(a, b)| a - b)
                .collect();
            let c = cosine(&dw, &grads[k]);
            assert!(c >= 0.999, "{method} layer {k}: cosine {c}");
            let scale = eta * t * beta / (1.0 + beta);
            let ratio = dw.iter().map(|v| v * v).sum::<f64>().sqrt()
                / (scale * grads[k].iter().map(|v| v * v).sum::<f64>().sqrt());
            assert!(
                (ratio - 1.0).abs() < 0.01,
                "{method} layer {k}: magnitude ratio {ratio}"
            );
        }
    }
}

/// A rate target nudges through φ'(ŭ_L): the exact fixed point satisfies
/// e_L = β φ'(ŭ_L)(y − φ(ŭ_L)) and ŭ_L = A_L + e_L.
#[test]
fn rate_targets_reach_a_self_consistent_fixed_point() {
    let (x, y) = inputs();
    let mut cfg = config(LoopTreatment::Exact, 0.3);
    cfg.target = TargetKind::Rate;
    cfg.activations[2] = Activation::Logistic;
    let mut net = Network::new(cfg, BATCH, 2).unwrap();
    net.set_input(&x).unwrap();
    net.set_target(&y).unwrap();
    let u = vec![0.0; net.dim()];
    net.rhs(0.0, &u, &mut vec![0.0; u.len()]);
    assert_eq!(net.stats().fixed_point_failures, 0);
    let (breve, e) = (net.breve(2), net.error(2));
    for i in 0..e.len() {
        let act = Activation::Logistic;
        let want = 0.3 * act.derivative(breve[i]) * (y[i] - act.value(breve[i]));
        assert!((e[i] - want).abs() < 1e-9, "{i}: {} vs {want}", e[i]);
    }
}

/// With large weights the loop gain β‖W S Wᵀ‖ exceeds 1 and plain sweeps diverge; the relaxed
/// sweeps still find the fixed point, which satisfies every equation of the loop.
#[test]
fn exact_fixed_point_is_found_beyond_unit_loop_gain() {
    let (x, y) = inputs();
    let mut cfg = config(LoopTreatment::Exact, 0.5);
    cfg.init = WeightInit::Normal {
        std: vec![0.8, 1.5, 4.0],
    };
    let mut net = Network::new(cfg, BATCH, 13).unwrap();
    let w = &net.weights()[2];
    // Spectral norm² of W by power iteration on WᵀW.
    let wtw = w.transpose() * w;
    let mut v = nalgebra::DVector::from_element(wtw.nrows(), 1.0);
    for _ in 0..200 {
        v = &wtw * &v;
        v /= v.norm();
    }
    let gain = 0.5 * (v.transpose() * &wtw * &v)[0];
    assert!(gain > 1.5, "test needs a loop gain above 1, got {gain}");
    net.set_input(&x).unwrap();
    net.set_target(&y).unwrap();
    let u = vec![0.0; net.dim()];
    net.rhs(0.0, &u, &mut vec![0.0; u.len()]);
    assert_eq!(net.stats().fixed_point_failures, 0, "{:?}", net.stats());
    // Output: e_L = β (y − ŭ_L).
    for (i, (e, v)) in net.error(2).iter().zip(net.breve(2)).enumerate() {
        assert!((e - 0.5 * (y[i] - v)).abs() < 1e-8, "output {i}");
    }
    // Hidden: e_1 = φ'(ŭ_1) ⊙ W_2ᵀ e_2 (logistic is smooth, so the slopes are current).
    let (n1, n2) = (SIZES[2], SIZES[3]);
    for b in 0..BATCH {
        for j in 0..n1 {
            let s = Activation::Logistic.derivative(net.breve(1)[b * n1 + j]);
            let back: f64 = (0..n2)
                .map(|i| net.weights()[2][(i, j)] * net.error(2)[b * n2 + i])
                .sum();
            assert!(
                (net.error(1)[b * n1 + j] - s * back).abs() < 1e-8,
                "hidden {b},{j}"
            );
        }
    }
}

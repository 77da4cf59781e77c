//! The network's structured Jacobian (`network/jacobian.rs`) against central differences of its
//! real right-hand side, and the stiff methods run on it against Dopri5.

use prospect_neuron::{Activation, LoopTreatment, Network, NetworkConfig, TargetKind, WeightInit};
use prospect_ode::{Integrator, JacobianStructure, Method, OdeSystem, Options};

const SIZES: [usize; 4] = [3, 5, 4, 2];
const BATCH: usize = 3;

fn network(lookahead: bool, treatment: LoopTreatment, target: TargetKind) -> Network {
    let mut cfg = NetworkConfig::new(&SIZES);
    // Smooth activations, so that central differences converge (φ'' enters without look-ahead).
    cfg.activations = vec![Activation::Tanh, Activation::Logistic, Activation::Softplus];
    cfg.lookahead = lookahead;
    cfg.loop_treatment = treatment;
    cfg.beta = 0.3;
    cfg.target = target;
    cfg.tau = vec![0.7, 1.3, 0.4];
    cfg.fixed_point_tolerance = 1e-14;
    cfg.init = WeightInit::Normal {
        std: vec![0.9, 0.8, 0.7],
    };
    let mut net = Network::new(cfg, BATCH, 11).unwrap();
    let x: Vec<f64> = (0..SIZES[0] * BATCH)
        .map(|i| (i as f64 * 0.37).sin())
        .collect();
    let y: Vec<f64> = (0..SIZES[3] * BATCH)
        .map(|i| 0.2 + 0.5 * (i as f64 * 0.9).cos())
        .collect();
    net.set_input(&x).unwrap();
    net.set_target(&y).unwrap();
    net.set_nudging(true);
    net
}

/// The dense matrix the declared structure stands for.
fn assemble(net: &mut Network, t: f64, y: &[f64]) -> Vec<Vec<f64>> {
    let n = y.len();
    let mut jac = vec![vec![0.0; n]; n];
    match net.jacobian_structure() {
        JacobianStructure::Diagonal => {
            let mut d = vec![0.0; n];
            net.jacobian_diagonal(t, y, &mut d);
            for i in 0..n {
                jac[i][i] = d[i];
            }
        }
        JacobianStructure::BlockDiagonal { size, index } => {
            let mut blocks = vec![0.0; n * size];
            net.jacobian_blocks(t, y, &mut blocks);
            for (k, idx) in index.chunks_exact(size).enumerate() {
                for q in 0..size {
                    for p in 0..size {
                        jac[idx[p]][idx[q]] = blocks[k * size * size + q * size + p];
                    }
                }
            }
        }
        JacobianStructure::Dense => panic!("the network declares a structure"),
    }
    jac
}

#[test]
fn structured_jacobian_matches_central_differences_of_the_rhs() {
    for lookahead in [true, false] {
        for treatment in [
            LoopTreatment::Vanilla,
            LoopTreatment::Jacobi,
            LoopTreatment::Exact,
        ] {
            for target in [TargetKind::Voltage, TargetKind::Rate] {
                let mut net = network(lookahead, treatment, target);
                let n = net.dim();
                let y: Vec<f64> = (0..n).map(|i| (i as f64 * 0.61).sin() * 0.8).collect();
                let t = 0.5;
                let jac = assemble(&mut net, t, &y);
                let (mut fp, mut fm) = (vec![0.0; n], vec![0.0; n]);
                let delta = 1e-5;
                let mut worst = 0.0f64;
                for j in 0..n {
                    let mut yp = y.clone();
                    yp[j] += delta;
                    net.rhs(t, &yp, &mut fp);
                    yp[j] -= 2.0 * delta;
                    net.rhs(t, &yp, &mut fm);
                    for i in 0..n {
                        let fd = (fp[i] - fm[i]) / (2.0 * delta);
                        worst = worst.max((fd - jac[i][j]).abs());
                    }
                }
                // Central differences: truncation δ²/6·|f'''| ≈ 1e-10·O(10) plus rounding
                // ε|f|/δ ≈ 1e-10, plus (exact treatment) the fixed-point residual 1e-14/δ
                // = 1e-9. A wrong term (a lost φ'' or WᵀW product, a sign) is O(0.01–1).
                assert!(
                    worst < 1e-7,
                    "lookahead {lookahead}, {treatment:?}, {target:?}: max |J − FD| = {worst:e}"
                );
            }
        }
    }
}

#[test]
fn stiff_methods_with_the_structured_jacobian_agree_with_dopri5() {
    // With look-ahead, the exact treatment (vanilla and Jacobi change f after every accepted
    // step, so their trajectories depend on the step sequence); without, any treatment.
    for lookahead in [true, false] {
        let make = || network(lookahead, LoopTreatment::Exact, TargetKind::Voltage);
        let n = make().dim();
        let y0 = vec![0.1; n];
        let t_end = 1.0;
        let mut reference = Integrator::new(
            make(),
            Method::Dopri5,
            0.0,
            &y0,
            Options::adaptive(1e-11, 1e-13),
        )
        .unwrap();
        reference.advance_to(t_end).unwrap();
        for method in [Method::Rodas4, Method::Bdf] {
            let mut ode =
                Integrator::new(make(), method, 0.0, &y0, Options::adaptive(1e-9, 1e-11)).unwrap();
            ode.advance_to(t_end).unwrap();
            let err = ode
                .state()
                .iter()
                .zip(reference.state())
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            // rtol 1e-9 on |u| ≲ 1 over one presentation of a few τ: global error ≲ 1e-7
            // (BDF's error constant is larger than RODAS4's).
            assert!(err < 1e-6, "lookahead {lookahead}, {method}: {err:e}");
            let stats = ode.stats();
            // The network is not stiff at these τ: with the right Jacobian a stiff method at
            // rtol 1e-9 needs about the steps of Dopri5 at 1e-11 (131–233 against 110–214). A
            // wrong block solve (sign flipped in the block LU's forward substitution) leaves the
            // error under the bound above, absorbed by RODAS4's step controller at 131351
            // steps; BDF's Newton iteration absorbs it at no cost, and the block solve's unit
            // test in prospect-ode (`linear.rs`) guards that case.
            assert!(
                stats.accepted_steps <= 3 * reference.stats().accepted_steps,
                "lookahead {lookahead}, {method}: {} steps against Dopri5's {}",
                stats.accepted_steps,
                reference.stats().accepted_steps
            );
            assert_eq!(stats.dense_jacobians, 0, "lookahead {lookahead}, {method}");
            assert!(stats.jacobian_evaluations > 0);
        }
    }
}

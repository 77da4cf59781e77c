//! The fast kernels against the plain f64 reference network (`mod.rs`, nalgebra), driven
//! through the same [`BatchLearner`] trait with the same inputs, actions and rewards.

use super::super::FeedbackMode;
use super::super::learner::{BatchLearner, NetSpec, Precision, build, build_reference};
use nalgebra::DMatrix;

/// Every parameter of a learner, flattened: weights, then biases, then feedback matrices.
fn params(net: &dyn BatchLearner) -> Vec<f64> {
    let mut v: Vec<f64> = net
        .weights()
        .iter()
        .flat_map(|w| w.iter().copied().collect::<Vec<_>>())
        .collect();
    if let Some(bs) = net.biases() {
        v.extend(
            bs.iter()
                .flat_map(|b| b.iter().copied().collect::<Vec<_>>()),
        );
    }
    if let Some(fs) = net.feedback() {
        v.extend(
            fs.iter()
                .flat_map(|f: &DMatrix<f64>| f.iter().copied().collect::<Vec<_>>()),
        );
    }
    v
}

/// Inputs in [0, 1) from a fixed integer hash (no RNG shared with the networks).
fn inputs(n: usize, batch: usize, step: usize) -> Vec<f32> {
    (0..n * batch)
        .map(|i| {
            let h = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ (step as u64 * 0xD1B5_4A32_D192_ED03);
            ((h >> 40) % 1000) as f32 / 1000.0
        })
        .collect()
}

/// What `drive` saw: the Q values of every forward pass, the backprop losses, the parameters
/// after the last update.
struct Run {
    q: Vec<f64>,
    losses: Vec<f64>,
    params: Vec<f64>,
}

/// `batches.len()` steps (forward, then a Q-AGREL update or a backprop step) with the given
/// batch sizes; actions and rewards are fixed functions of the sample index and step, so both
/// learners see the same ones whatever their Q values.
fn drive(net: &mut dyn BatchLearner, batches: &[usize], backprop: bool, alpha: f64) -> Run {
    let sizes = net.sizes().to_vec();
    let (n0, top) = (sizes[0], sizes[sizes.len() - 1]);
    let mut run = Run {
        q: Vec::new(),
        losses: Vec::new(),
        params: Vec::new(),
    };
    for (step, &batch) in batches.iter().enumerate() {
        let x = inputs(n0, batch, step);
        let mut q = vec![0.0; top * batch];
        net.forward(&x, batch, &mut q);
        run.q.extend(&q);
        let actions: Vec<usize> = (0..batch).map(|b| (3 * b + step) % top).collect();
        if backprop {
            run.losses.push(net.update_backprop(&actions, alpha));
        } else {
            let rewards: Vec<f64> = (0..batch).map(|b| ((b + step) % 2) as f64).collect();
            net.update_qagrel(&actions, &rewards, alpha);
        }
    }
    run.params = params(net);
    run
}

/// Largest difference of the parameters' changes, relative to the largest change of the
/// reference (`start` the common initial parameters), and the same for the Q values.
fn rel_change_error(start: &[f64], got: &Run, want: &Run) -> (f64, f64) {
    let scale = start
        .iter()
        .zip(&want.params)
        .map(|(a, b)| (b - a).abs())
        .fold(0.0, f64::max);
    let err = got
        .params
        .iter()
        .zip(&want.params)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    let q_scale = want.q.iter().map(|v| v.abs()).fold(0.0, f64::max);
    let q_err = got
        .q
        .iter()
        .zip(&want.q)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(
        scale > 1e-3 && q_scale > 1e-2,
        "the run moved nothing (change {scale}, q {q_scale})"
    );
    (err / scale, q_err / q_scale)
}

fn spec(
    sizes: &[usize],
    feedback: FeedbackMode,
    biases: bool,
    precision: Precision,
    threads: usize,
) -> NetSpec {
    NetSpec {
        sizes: sizes.to_vec(),
        init: 0.3,
        biases,
        feedback,
        precision,
        threads,
    }
}

const MODES: [FeedbackMode; 3] = [
    FeedbackMode::Symmetric,
    FeedbackMode::Learned,
    FeedbackMode::Fixed,
];

/// Small 3-layer net (so a middle layer exercises the learned feedback's transposed change and
/// the top the rank-structured one), batch sizes that grow and shrink (workspace reuse).
const SMALL: [usize; 4] = [23, 17, 13, 5];
const BATCHES: [usize; 6] = [7, 11, 3, 11, 8, 5];

/// f64 fast == reference over six updates in all three feedback modes, with and without biases.
/// Both sum the same terms in different orders: each entry is a few dot products of length
/// ≤ 23 and sums over ≤ 11 samples, so they agree to ~100 ε ≈ 1e-14 of the change; the bound
/// 1e-12 sits far below what any wrong term (a missing gate, δ, 1/B, a transpose) makes, O(1).
#[test]
fn fast_f64_qagrel_equals_the_reference_in_every_mode() {
    for mode in MODES {
        for biases in [false, true] {
            let s = spec(&SMALL, mode, biases, Precision::F64, 1);
            let start = params(build_reference(&s, 4).as_ref());
            let want = drive(build_reference(&s, 4).as_mut(), &BATCHES, false, 0.7);
            let got = drive(build(&s, 4).as_mut(), &BATCHES, false, 0.7);
            let (e, eq) = rel_change_error(&start, &got, &want);
            assert!(
                e <= 1e-12 && eq <= 1e-12,
                "{mode:?} biases {biases}: parameters {e:e}, q {eq:e}"
            );
        }
    }
}

/// Shallow nets: no hidden layer (the output layer's rank-structured change is the only one)
/// and one hidden layer (no product sends a signal down), every mode, both updates, same bound.
#[test]
fn fast_f64_equals_the_reference_without_or_with_one_hidden_layer() {
    for sizes in [&[9, 4][..], &[9, 6, 4][..]] {
        for mode in MODES {
            for backprop in [false, true] {
                let s = spec(sizes, mode, true, Precision::F64, 1);
                let start = params(build_reference(&s, 8).as_ref());
                let want = drive(build_reference(&s, 8).as_mut(), &BATCHES, backprop, 0.6);
                let got = drive(build(&s, 8).as_mut(), &BATCHES, backprop, 0.6);
                let (e, eq) = rel_change_error(&start, &got, &want);
                assert!(
                    e <= 1e-12 && eq <= 1e-12,
                    "{sizes:?} {mode:?} backprop {backprop}: parameters {e:e}, q {eq:e}"
                );
            }
        }
    }
}

/// The same for the backprop step (loss too), with and without biases.
#[test]
fn fast_f64_backprop_equals_the_reference() {
    for biases in [false, true] {
        let s = spec(&SMALL, FeedbackMode::Symmetric, biases, Precision::F64, 1);
        let start = params(build_reference(&s, 5).as_ref());
        let want = drive(build_reference(&s, 5).as_mut(), &BATCHES, true, 0.4);
        let got = drive(build(&s, 5).as_mut(), &BATCHES, true, 0.4);
        let (e, eq) = rel_change_error(&start, &got, &want);
        let el = got
            .losses
            .iter()
            .zip(&want.losses)
            .map(|(a, b)| ((a - b) / b).abs())
            .fold(0.0, f64::max);
        assert!(
            e <= 1e-12 && eq <= 1e-12 && el <= 1e-12,
            "biases {biases}: parameters {e:e}, q {eq:e}, loss {el:e}"
        );
    }
}

/// Fashion-MNIST's shapes (784-300-100-10, batch 100) on two threads, two updates of each kind:
/// the products' blocked and threaded paths (k = 784 spans several blocks) against the
/// reference, same 1e-12 bound (sums of ≤ 784 terms: ~1e-13 of the change).
#[test]
fn fast_f64_equals_the_reference_at_fashion_mnist_shapes_on_two_threads() {
    let sizes = [784, 300, 100, 10];
    for (mode, backprop) in [
        (FeedbackMode::Symmetric, false),
        (FeedbackMode::Learned, false),
        (FeedbackMode::Symmetric, true),
    ] {
        let mut s = spec(&sizes, mode, false, Precision::F64, 2);
        s.init = 0.05;
        let start = params(build_reference(&s, 6).as_ref());
        let want = drive(build_reference(&s, 6).as_mut(), &[100, 100], backprop, 0.5);
        let got = drive(build(&s, 6).as_mut(), &[100, 100], backprop, 0.5);
        let (e, eq) = rel_change_error(&start, &got, &want);
        assert!(
            e <= 1e-12 && eq <= 1e-12,
            "{mode:?} backprop {backprop}: parameters {e:e}, q {eq:e}"
        );
    }
}

/// f32 against the f64 reference. f32 rounds at u = 2⁻²⁴ ≈ 6e-8: the initial weights (u), every
/// dot product of ≤ 23 terms (≤ 23 u of its absolute sum, Higham's bound; the activations and
/// weights here are of one size, so ≈ 23 u of the result), three layers deep and again through
/// δ = r − q: ≈ 4 · 23 u ≈ 6e-6 worst case per update, and the six updates' changes add (they do
/// not multiply at this small learning step), so the bound is 1e-5 relative to the largest
/// change (measured: 3e-7). It catches a change of 1e-4 in any factor (e.g. the inputs scaled by
/// 0.9999, tried); a wrong term is O(1).
#[test]
fn fast_f32_follows_the_reference_to_rounding() {
    for mode in MODES {
        for backprop in [false, true] {
            let s = spec(&SMALL, mode, true, Precision::F32, 1);
            let start = params(build_reference(&s, 7).as_ref());
            let want = drive(build_reference(&s, 7).as_mut(), &BATCHES, backprop, 0.5);
            let got = drive(build(&s, 7).as_mut(), &BATCHES, backprop, 0.5);
            let (e, eq) = rel_change_error(&start, &got, &want);
            assert!(
                e <= 1e-5 && eq <= 1e-5,
                "{mode:?} backprop {backprop}: parameters {e:e}, q {eq:e}"
            );
        }
    }
}

/// Same seed, same result bit for bit, on one and on two threads, f32 and f64, at the shapes
/// where the products really split over threads; and the thread count does not change the
/// result either (each output element is summed by one thread in one order).
#[test]
fn same_seed_same_bits_with_threads() {
    let sizes = [784, 300, 100, 10];
    for precision in [Precision::F32, Precision::F64] {
        let runs: Vec<Run> = [1, 2, 2]
            .iter()
            .map(|&threads| {
                let s = spec(&sizes, FeedbackMode::Learned, true, precision, threads);
                let mut net = build(&s, 11);
                let mut r = drive(net.as_mut(), &[100, 100, 100], false, 0.5);
                let b = drive(net.as_mut(), &[100, 100], true, 0.05);
                r.params = b.params;
                r.q.extend(b.q);
                r
            })
            .collect();
        for r in &runs[1..] {
            assert!(
                r.params
                    .iter()
                    .zip(&runs[0].params)
                    .all(|(a, b)| a.to_bits() == b.to_bits())
                    && r.q
                        .iter()
                        .zip(&runs[0].q)
                        .all(|(a, b)| a.to_bits() == b.to_bits()),
                "{precision:?}: runs differ"
            );
        }
    }
}

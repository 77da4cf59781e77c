//! Werfel, Xie & Seung (2005) learning-time scaling, measured with prospect's own rules on a
//! linear prospective network (docs/equations.md §4; issue "Numbers").
//!
//! Task: a linear teacher `y* = W* x`, N = 32 inputs, M = 4 outputs, `x ~ N(0, I_N)` fresh every
//! iteration, `W*` entries `~ N(0, 1/N)`, student weights from 0, no biases. The error is the
//! expected squared error `E(W) = ½ |W − W*|²_F` (= `½ E_x |(W − W*) x|²`), computed from the
//! network's weights after every iteration. The network is `[32, 4]`, linear output, look-ahead
//! with the exact loop treatment, one explicit-Euler step of Δt = 1 per trial, so the output is
//! `ŭ = W x + e` (+ noise) exactly.
//! - **GD**: the `local-error` rule with the teacher's `W* x` as voltage target, β = 1: per
//!   iteration `ΔW = η Δt β/(1+β) (y* − W x) xᵀ`, i.e. a normalised rate `η β/(1+β)`.
//! - **NP**: `node-perturbation`, white noise σ = 10⁻³ on the output (`q = σ²`), reward
//!   `R = −½ |y − W* x|²` computed here; **WP**: `weight-perturbation`, σ = 10⁻³. Both with the
//!   unperturbed-trial baseline (Werfel's `E(w)`): an iteration is a pair of trials on the same
//!   `x`, the first clean (network noise off / no ψ), the second perturbed, which updates.
//!
//! Each method runs on a grid of learning rates `η = 2^{j/4}`; at each rate S seeds run in
//! lockstep and `T` is the first iteration at which the seeds' mean error is ≤ E(0)/100 (a run
//! stops early once it cannot beat the best `T` so far, or diverges past 10 E(0)). Theory
//! (contraction `1 − 2η + η² K`, best `η = 1/K`): `T = ln 100 / −ln(1 − 1/K)` with
//! `K = N + 2`, `(M + 2)(N + 2)`, `(MN + 2)(N + 2)`: ratios `T_NP/T_GD ≈ M + 2 = 6`,
//! `T_WP/T_GD ≈ MN + 2 = 130`.
//!
//! `cargo run --release -p prospect-reward --example werfel_scaling > benches/results/werfel-scaling.csv`
//! (the file's first, `#`, line is this command).

use nalgebra::{DMatrix, DVector};
use prospect_neuron::{
    Activation, LoopTreatment, Network, NetworkConfig, NoiseConfig, NoiseKind, Reward, TrialEvent,
};
use prospect_ode::{Integrator, Method, OdeSystem, Options};
use prospect_reward::RuleContext;
use prospect_reward::registry::find;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, StandardNormal};
use serde_json::json;

const N: usize = 32;
const M: usize = 4;
const SEEDS: u64 = 16;
const BETA: f64 = 1.0;
const SIGMA: f64 = 1e-3;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Gd,
    Np,
    Wp,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Gd => "gd",
            Kind::Np => "np",
            Kind::Wp => "wp",
        }
    }

    /// Werfel's K for this method.
    fn k(self) -> f64 {
        let (n, m) = (N as f64, M as f64);
        match self {
            Kind::Gd => n + 2.0,
            Kind::Np => (m + 2.0) * (n + 2.0),
            Kind::Wp => (m * n + 2.0) * (n + 2.0),
        }
    }

    /// The per-iteration normalised rate of the rule's η.
    fn normalised(self, eta: f64) -> f64 {
        match self {
            Kind::Gd => eta * BETA / (1.0 + BETA),
            _ => eta,
        }
    }
}

/// One student: network, integrator, teacher, input stream.
struct Run {
    integ: Integrator<Network>,
    teacher: DMatrix<f64>,
    inputs: Xoshiro256PlusPlus,
    trial: u64,
    kind: Kind,
}

fn gaussian(rng: &mut Xoshiro256PlusPlus, n: usize, scale: f64) -> Vec<f64> {
    (0..n)
        .map(|_| {
            let z: f64 = StandardNormal.sample(rng);
            scale * z
        })
        .collect()
}

impl Run {
    fn new(kind: Kind, eta: f64, seed: u64) -> Result<Self, Box<dyn std::error::Error>> {
        let mut c = NetworkConfig::new(&[N, M]);
        c.activations = vec![Activation::Linear];
        c.loop_treatment = LoopTreatment::Exact;
        c.beta = if kind == Kind::Gd { BETA } else { 0.0 };
        if kind == Kind::Np {
            c.noise = vec![NoiseConfig {
                layer: 1,
                kind: NoiseKind::White { sigma: SIGMA },
                gain: 1.0,
            }];
        }
        let (rule, params) = match kind {
            Kind::Gd => ("local-error", json!({})),
            Kind::Np => (
                "node-perturbation",
                json!({"baseline": {"kind": "unperturbed"}}),
            ),
            Kind::Wp => (
                "weight-perturbation",
                json!({"baseline": {"kind": "unperturbed"}, "sigma": SIGMA, "seed": seed}),
            ),
        };
        let cx = RuleContext {
            network: &c,
            eta: vec![eta],
            learn_biases: false,
            batch: 1,
        };
        let rule = (find(rule).ok_or("rule")?.build)(&params, &cx)?;
        let mut net = Network::new(c, 1, seed)?;
        net.set_parameters(vec![DMatrix::zeros(M, N)], vec![DVector::zeros(M)])?;
        net.set_rule(rule);
        net.set_noise_step(1.0);
        let mut teacher_rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let teacher = DMatrix::from_vec(
            M,
            N,
            gaussian(&mut teacher_rng, M * N, (1.0 / N as f64).sqrt()),
        );
        let y0 = vec![0.0; net.dim()];
        let integ = Integrator::new(net, Method::Euler, 0.0, &y0, Options::fixed(1.0))?;
        Ok(Run {
            integ,
            teacher,
            inputs: Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x9E37_79B9_7F4A_7C15),
            trial: 0,
            kind,
        })
    }

    /// `½ |W − W*|²_F`.
    fn error(&self) -> f64 {
        0.5 * (&self.integ.system().weights()[0] - &self.teacher).norm_squared()
    }

    /// One trial on `x`: start, one Euler step, reward `−½ |y − W* x|²`, end.
    fn trial(
        &mut self,
        x: &[f64],
        target: &[f64],
        noise: bool,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let t = self.integ.t();
        let trial = self.trial;
        self.trial += 1;
        let net = self.integ.system_mut();
        net.set_input(x)?;
        net.set_target(target)?;
        net.set_noise(noise);
        net.deliver(&TrialEvent::Start { t, trial })?;
        self.integ.advance_to(t + 1.0)?;
        let net = self.integ.system_mut();
        if let Some(e) = net.fault() {
            return Err(e.clone().into());
        }
        let r = -0.5
            * net
                .output()
                .iter()
                .zip(target)
                .map(|(y, s)| (y - s).powi(2))
                .sum::<f64>();
        let reward = Reward {
            t: t + 1.0,
            trial,
            actions: &[0],
            rewards: &[r],
            contexts: &[None],
            probabilities: None,
            temperature: 1.0,
            rate_scale: 1.0,
        };
        net.deliver(&TrialEvent::Reward(&reward))?;
        net.deliver(&TrialEvent::End { t: t + 1.0, trial })?;
        Ok(())
    }

    /// One iteration (one example, one update).
    fn iterate(&mut self) -> Result<(), Box<dyn std::error::Error>> {
        let x = gaussian(&mut self.inputs, N, 1.0);
        let target = (&self.teacher * DVector::from_column_slice(&x))
            .as_slice()
            .to_vec();
        match self.kind {
            Kind::Gd => self.trial(&x, &target, false),
            Kind::Np | Kind::Wp => {
                self.trial(&x, &target, false)?;
                self.trial(&x, &target, true)
            }
        }
    }
}

/// Iterations until the seeds' mean error is ≤ E(0)/100, or `None` (slower than `limit`, or
/// diverged).
fn iterations(
    kind: Kind,
    eta: f64,
    limit: usize,
) -> Result<Option<usize>, Box<dyn std::error::Error>> {
    let mut runs = (0..SEEDS)
        .map(|s| Run::new(kind, eta, s))
        .collect::<Result<Vec<_>, _>>()?;
    let e0: f64 = runs.iter().map(Run::error).sum::<f64>() / SEEDS as f64;
    for it in 1..=limit {
        let mut e = 0.0;
        for r in &mut runs {
            if r.iterate().is_err() {
                return Ok(None); // non-finite weights: diverged
            }
            e += r.error();
        }
        e /= SEEDS as f64;
        if e.is_nan() || e > 10.0 * e0 {
            return Ok(None);
        }
        if e <= e0 / 100.0 {
            return Ok(Some(it));
        }
    }
    Ok(None)
}

fn theory(kind: Kind) -> f64 {
    100f64.ln() / -(1.0 - 1.0 / kind.k()).ln()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!(
        "# cargo run --release -p prospect-reward --example werfel_scaling > benches/results/werfel-scaling.csv"
    );
    println!("row,method,eta,normalised_eta,iterations,theory_iterations,ratio_to_gd,theory_ratio");
    let mut best = Vec::new();
    for kind in [Kind::Gd, Kind::Np, Kind::Wp] {
        let cap = (4.0 * theory(kind)) as usize;
        let mut winner: Option<(f64, usize)> = None;
        // From large rates to small: divergent ones stop at once, slow ones at the best T.
        let j_top = match kind {
            Kind::Gd => -8,
            Kind::Np => -20,
            Kind::Wp => -36,
        };
        for j in (j_top - 20..=j_top).rev() {
            let eta = 2f64.powf(j as f64 / 4.0);
            let limit = winner.map_or(cap, |(_, t)| t);
            let t = iterations(kind, eta, limit)?;
            let shown = t.map_or("none".to_string(), |t| t.to_string());
            println!(
                "grid,{},{eta:.6e},{:.6e},{shown},{:.1},,",
                kind.name(),
                kind.normalised(eta),
                theory(kind)
            );
            if let Some(t) = t
                && winner.is_none_or(|(_, b)| t < b)
            {
                winner = Some((eta, t));
            }
        }
        let (eta, t) = winner.ok_or("no rate of the grid reached E(0)/100")?;
        best.push((kind, eta, t));
    }
    let t_gd = best[0].2 as f64;
    for (kind, eta, t) in &best {
        println!(
            "best,{},{eta:.6e},{:.6e},{t},{:.1},{:.3},{:.3}",
            kind.name(),
            kind.normalised(*eta),
            theory(*kind),
            *t as f64 / t_gd,
            theory(*kind) / theory(Kind::Gd)
        );
    }
    Ok(())
}

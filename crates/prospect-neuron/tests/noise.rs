//! Exploration noise into layers (issue 10, "Noise into units"): the OU process's stationary
//! σ and correlation time, white noise's 1/√Δt scale, Bernoulli units' samples, where the
//! noise enters the dynamics, and reproducibility.

use prospect_neuron::{Activation, Network, NetworkConfig, NoiseConfig, NoiseKind, WeightInit};
use prospect_ode::{Integrator, Method, OdeSystem, Options};

/// A linear layer of `n` units driven by nothing but its noise (zero weights), β = 0.
fn noisy(n: usize, kind: NoiseKind, activation: Activation) -> NetworkConfig {
    let mut net = NetworkConfig::new(&[1, n]);
    net.activations = vec![activation];
    net.init = WeightInit::Normal { std: vec![0.0] };
    net.beta = 0.0;
    net.noise = vec![NoiseConfig {
        layer: 1,
        kind,
        gain: 1.0,
    }];
    net
}

/// The injected noise of every step's evaluation over `steps` Euler steps of `dt`, per series
/// (unit × batch column): `series[s][step]`.
fn sample(net: NetworkConfig, batch: usize, dt: f64, steps: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut net = Network::new(net, batch, seed).unwrap();
    net.set_noise_step(dt);
    net.set_step_readout(true);
    let y0 = vec![0.0; net.dim()];
    let mut ode = Integrator::new(net, Method::Euler, 0.0, &y0, Options::fixed(dt)).unwrap();
    let n = ode.system().dim();
    let mut series = vec![Vec::with_capacity(steps); n];
    for k in 1..=steps {
        ode.step_toward(k as f64 * dt).unwrap();
        let noise = ode.system().noise(0).unwrap();
        for (s, x) in series.iter_mut().zip(noise) {
            s.push(*x);
        }
    }
    series
}

/// OU with σ = 0.8, τ_c = 0.5 on Euler steps of 0.1 (Δt/τ_c = 0.2, where the discretisation
/// matters): the sample standard deviation is σ and the correlation time, from the
/// autocorrelation at lag τ_c (ρ = e^{−1}), is τ_c, each within 3 % (the bound). The
/// run holds 64 series × 40 000 steps = 256 000 time units, ≈ 500 000 correlation times: the
/// standard errors of σ and of τ_c are below 0.5 %. A discretisation with the Euler–Maruyama
/// variance factor σ √(2Δt/τ_c) instead of σ √(1 − e^{−2Δt/τ_c}) has σ 10 % too large, one that
/// ignores Δt (a = e^{−1/τ_c}) a τ_c 5 times too short.
#[test]
fn ornstein_uhlenbeck_has_its_stationary_sigma_and_correlation_time() {
    let (sigma, tau_c, dt) = (0.8, 0.5, 0.1);
    let kind = NoiseKind::OrnsteinUhlenbeck { tau_c, sigma };
    let series = sample(noisy(16, kind, Activation::Linear), 4, dt, 40_000, 7);
    let lag = (tau_c / dt).round() as usize;
    let (mut var, mut cov, mut count, mut pairs) = (0.0, 0.0, 0usize, 0usize);
    for s in &series {
        for (i, x) in s.iter().enumerate() {
            var += x * x;
            count += 1;
            if i >= lag {
                cov += x * s[i - lag];
                pairs += 1;
            }
        }
    }
    let var = var / count as f64;
    let rho = cov / pairs as f64 / var;
    let tau_est = -(lag as f64 * dt) / rho.ln();
    assert!(
        (var.sqrt() / sigma - 1.0).abs() < 0.03,
        "σ = {} vs {sigma}",
        var.sqrt()
    );
    assert!(
        (tau_est / tau_c - 1.0).abs() < 0.03,
        "τ_c = {tau_est} vs {tau_c} (ρ = {rho})"
    );
}

/// White noise of intensity σ on steps Δt: independent values of variance σ²/Δt (its integral
/// over a step has variance σ² Δt), the lag-1 correlation ≈ 0. 8 × 20 000 values: standard
/// error of the variance √(2/N) ≈ 0.4 %, of ρ₁ ≈ 0.0025; bounds 3 % and 0.02.
#[test]
fn white_noise_is_scaled_by_one_over_root_dt() {
    let (sigma, dt) = (0.5, 0.04);
    let series = sample(
        noisy(8, NoiseKind::White { sigma }, Activation::Linear),
        1,
        dt,
        20_000,
        3,
    );
    let all: Vec<f64> = series.iter().flatten().copied().collect();
    let var = all.iter().map(|x| x * x).sum::<f64>() / all.len() as f64;
    let want = sigma * sigma / dt;
    assert!((var / want - 1.0).abs() < 0.03, "{var} vs {want}");
    let lag1: f64 = series
        .iter()
        .flat_map(|s| s.windows(2).map(|w| w[0] * w[1]))
        .sum::<f64>()
        / (series.len() * (series[0].len() - 1)) as f64
        / var;
    assert!(lag1.abs() < 0.02, "lag-1 correlation {lag1}");
}

/// Bernoulli units with logistic rates: the rate passed on is 0 or 1, its mean is p = σ(ŭ)
/// (ŭ = b set per unit), and the recorded noise is y − p. 20 000 samples per unit: standard
/// error of a frequency ≤ 0.0036; bound 0.015.
#[test]
fn bernoulli_units_pass_on_samples_with_mean_p() {
    let mut cfg = noisy(3, NoiseKind::Bernoulli, Activation::Logistic);
    cfg.init = WeightInit::Normal { std: vec![0.0] };
    let mut net = Network::new(cfg, 1, 11).unwrap();
    let b = [-1.0, 0.0, 2.0];
    net.set_parameters(
        vec![nalgebra::DMatrix::zeros(3, 1)],
        vec![nalgebra::DVector::from_row_slice(&b)],
    )
    .unwrap();
    net.set_step_readout(true);
    let y0 = vec![0.0; 3];
    let mut ode = Integrator::new(net, Method::Euler, 0.0, &y0, Options::fixed(0.1)).unwrap();
    let n = 20_000;
    let mut ones = [0usize; 3];
    for k in 1..=n {
        ode.step_toward(k as f64 * 0.1).unwrap();
        let net = ode.system();
        let (r, noise) = (net.step_rate(0), net.noise(0).unwrap());
        for i in 0..3 {
            assert!(r[i] == 0.0 || r[i] == 1.0);
            let p = 1.0 / (1.0 + (-b[i]).exp());
            assert!((noise[i] - (r[i] - p)).abs() < 1e-15);
            ones[i] += r[i] as usize;
        }
    }
    for i in 0..3 {
        let p = 1.0 / (1.0 + (-b[i]).exp());
        let f = ones[i] as f64 / n as f64;
        assert!((f - p).abs() < 0.015, "unit {i}: {f} vs {p}");
    }
}

/// Where additive noise enters: with look-ahead ŭ = W r + b + e + g ξ, so with β = 0 and zero
/// weights ŭ − b equals the recorded noise g ξ exactly; with the gain doubled the recorded
/// noise doubles (same stream). Noise switched off injects nothing and draws nothing: the
/// stream continues afterwards exactly where it stopped.
#[test]
fn additive_noise_enters_the_voltage_and_off_draws_nothing() {
    let kind = NoiseKind::OrnsteinUhlenbeck {
        tau_c: 1.0,
        sigma: 1.0,
    };
    let run = |gain: f64, pause: bool| {
        let mut cfg = noisy(2, kind, Activation::Linear);
        cfg.noise[0].gain = gain;
        let mut net = Network::new(cfg, 1, 5).unwrap();
        net.set_step_readout(true);
        let mut ode =
            Integrator::new(net, Method::Euler, 0.0, &[0.0, 0.0], Options::fixed(0.1)).unwrap();
        let mut seen = Vec::new();
        for k in 1..=20 {
            if pause && k == 10 {
                ode.system_mut().set_noise(false);
                for j in 0..5 {
                    ode.step_toward((k as f64 - 1.0) * 0.1 + 0.1 * (j as f64 + 1.0) / 5.0)
                        .unwrap();
                    assert_eq!(ode.system().noise(0).unwrap(), &[0.0, 0.0]);
                }
                ode.system_mut().set_noise(true);
            }
            let t = ode.t();
            ode.step_toward(t + 0.1).unwrap();
            let net = ode.system();
            let noise = net.noise(0).unwrap().to_vec();
            // ŭ of the step's evaluation = b + g ξ with b = 0.
            assert_eq!(net.breve(0), &noise[..]);
            seen.push(noise);
        }
        seen
    };
    let one = run(1.0, false);
    let two = run(2.0, false);
    for (a, b) in one.iter().zip(&two) {
        for (x, y) in a.iter().zip(b) {
            assert!((2.0 * x - y).abs() < 1e-14);
        }
    }
    assert_eq!(one, run(1.0, false));
    // After the pause the steps' Δt differ from the unpaused run's by rounding in t (the OU
    // factor e^{−Δt/τ_c} with them), hence 1e-12 rather than bit equality; a value drawn while
    // off would shift the whole stream (differences of order σ).
    for (a, b) in one.iter().zip(&run(1.0, true)) {
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-12, "{x} vs {y}");
        }
    }
}

/// Bernoulli units pass on a sample of their rate taken as a probability, so the rate must lie
/// in [0, 1] for every voltage: a soft-relu, ReLU, softplus, tanh or linear layer (rates above 1
/// always fire, below 0 never, silently) is refused naming the noise entry's kind, before the
/// network is built; logistic and hard-sigmoid layers are accepted.
#[test]
fn bernoulli_units_need_rates_in_the_unit_interval() {
    for activation in [
        Activation::SoftRelu,
        Activation::Relu,
        Activation::Softplus,
        Activation::Tanh,
        Activation::Linear,
    ] {
        let cfg = noisy(2, NoiseKind::Bernoulli, activation);
        let (key, reason) = cfg.validate().unwrap_err();
        assert_eq!(key, "noise[0].kind", "{activation:?}: {reason}");
        assert!(reason.contains("[0, 1]"), "{activation:?}: {reason}");
        assert!(Network::new(cfg, 1, 0).is_err(), "{activation:?}");
    }
    for activation in [Activation::Logistic, Activation::HardSigmoid] {
        let cfg = noisy(2, NoiseKind::Bernoulli, activation);
        assert_eq!(cfg.validate(), Ok(()), "{activation:?}");
    }
}

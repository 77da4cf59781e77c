//! Sutton & Barto (2018) Fig. 2.5 by the textbook gradient-bandit algorithm
//! ([`prospect_tasks::gradient_bandit_reference`]): % optimal action at steps 1..=1000 of 2000
//! runs on the 10-armed testbed with q*(a) ~ N(4, 1), for α = 0.1 and 0.4 with and without the
//! reward baseline. CSV on stdout, one row per step.
//!
//! `cargo run --release -p prospect-tasks --example gradient_bandit > benches/results/gradient-bandit-reference.csv`
//! (the file keeps this command as its first, `#`, line). Seed 1, the seed of the crate's test.

use prospect_tasks::{GaussianBandit, GaussianBanditConfig, TaskError, gradient_bandit_reference};

fn main() -> Result<(), TaskError> {
    const STEPS: usize = 1000;
    const SEED: u64 = 1;
    let mut bandit = GaussianBandit::new(GaussianBanditConfig {
        arms: 10,
        batch: 2000,
        q_mean: 4.0,
        observation_size: 0,
    })?;
    let settings = [(0.1, true), (0.4, true), (0.1, false), (0.4, false)];
    let mut curves = Vec::new();
    for (alpha, baseline) in settings {
        curves.push(gradient_bandit_reference(
            &mut bandit,
            alpha,
            baseline,
            STEPS,
            SEED,
        )?);
    }
    println!(
        "# cargo run --release -p prospect-tasks --example gradient_bandit > benches/results/gradient-bandit-reference.csv"
    );
    let header: Vec<String> = settings
        .iter()
        .map(|(a, b)| {
            format!(
                "optimal_pct_alpha{a}_{}",
                if *b { "baseline" } else { "no_baseline" }
            )
        })
        .collect();
    println!("step,{}", header.join(","));
    for t in 0..STEPS {
        let row: Vec<String> = curves
            .iter()
            .map(|c| format!("{:.2}", 100.0 * c.optimal[t]))
            .collect();
        println!("{},{}", t + 1, row.join(","));
    }
    Ok(())
}

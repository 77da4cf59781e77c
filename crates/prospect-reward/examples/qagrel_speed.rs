//! Speed benchmark of the algorithmic Q-AGREL network (issue 11; not a test): seconds per
//! epoch of Fashion-MNIST's shapes (784-300-100-10, batches of 100, 60 000 random images),
//! Q-AGREL (symmetric feedback, max-Boltzmann selection) and backprop, f32/f64 × 1/2 threads;
//! this machine's GEMM peak with the same product kernel (square 1024³, best of 20); the
//! achieved GFLOP/s (the dense count, ≈ 67.6 GFLOP per epoch) as a fraction of that
//! peak; and the NumPy peer `benches/qagrel_numpy.py` run as a subprocess, side by side.
//! Every time is given twice: the wall clock (what the targets are about) and the CPU time of
//! the process's threads (on a shared machine the wall clock also counts waiting for a core; on
//! one thread the CPU time is the undisturbed cost). Columns: `of peak` = wall GFLOP/s over the
//! wall peak, `cpu peak` = GFLOP per CPU second over the peak per CPU second; `np/ours` > 1
//! means prospect is faster.
//!
//! `cargo run --release -p prospect-reward --example qagrel_speed -- [EPOCHS] [NUMPY_SCRIPT|-]`
//! (EPOCHS timed per setting, the fastest reported; `-` skips NumPy). Driver:
//! `benches/scripts/qagrel_speed.sh`.

use std::process::Command;
use std::time::Instant;

use prospect_reward::Policy;
use prospect_reward::qagrel::{
    BatchLearner, FeedbackMode, NetSpec, Precision, Real, Threads, View, build, product,
};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

const SIZES: [usize; 4] = [784, 300, 100, 10];
const BATCH: usize = 100;
const IMAGES: usize = 60_000;
const PEAK_N: usize = 1024;

/// The dense floating-point operations of one epoch (issue 11's count): per batch the forward
/// products, the signals sent down through `W_1ᵀ, …, W_{L−1}ᵀ` and the weight changes, 2 flops
/// per multiply-add.
fn epoch_flops() -> f64 {
    let macs: usize = SIZES.windows(2).map(|w| w[0] * w[1]).sum();
    let down: usize = SIZES[1..].windows(2).map(|w| w[0] * w[1]).sum();
    2.0 * (BATCH * (2 * macs + down)) as f64 * (IMAGES / BATCH) as f64
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// CPU seconds this process's threads have run (`/proc/self/task/*/schedstat`, ns), the time
/// a shared machine cannot inflate (unlike the wall clock, it does not count waiting for a
/// core); `NaN` where unreadable.
fn cpu_seconds() -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return f64::NAN;
    };
    let mut ns = 0u64;
    for task in tasks.flatten() {
        let Ok(s) = std::fs::read_to_string(task.path().join("schedstat")) else {
            return f64::NAN;
        };
        ns += s
            .split_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
    }
    ns as f64 * 1e-9
}

/// Fastest wall-clock seconds and fastest CPU seconds of `epochs` epochs (after a 20-batch
/// warm-up) of one method.
fn time_epochs(
    net: &mut dyn BatchLearner,
    x: &[f32],
    labels: &[usize],
    qagrel: bool,
    epochs: usize,
) -> (f64, f64) {
    let policy = Policy::MaxBoltzmann {
        epsilon: 0.02,
        temperature: 1.0,
    };
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let (n0, top) = (SIZES[0], SIZES[3]);
    let mut q = vec![0.0; top * BATCH];
    let mut probs = vec![0.0; top];
    let mut actions = vec![0; BATCH];
    let mut rewards = vec![0.0; BATCH];
    let mut run = |batches: usize| {
        for i in 0..batches {
            let xb = &x[i * BATCH * n0..(i + 1) * BATCH * n0];
            let yb = &labels[i * BATCH..(i + 1) * BATCH];
            net.forward(xb, BATCH, &mut q);
            if qagrel {
                for b in 0..BATCH {
                    actions[b] = policy.select(&q[b * top..(b + 1) * top], &mut rng, &mut probs);
                    rewards[b] = f64::from(u8::from(actions[b] == yb[b]));
                }
                net.update_qagrel(&actions, &rewards, 0.5);
            } else {
                net.update_backprop(yb, 0.05);
            }
        }
    };
    run(20);
    (0..epochs)
        .map(|_| {
            let (start, cpu) = (Instant::now(), cpu_seconds());
            run(IMAGES / BATCH);
            (start.elapsed().as_secs_f64(), cpu_seconds() - cpu)
        })
        .fold((f64::INFINITY, f64::INFINITY), |a, b| {
            (a.0.min(b.0), a.1.min(b.1))
        })
}

/// GFLOP/s of the network's own product kernel on an `N × N` square product, by the wall
/// clock and by CPU time (the fastest of 20 each: a product of ~30 ms, short enough that some
/// repetitions run undisturbed on a shared machine).
fn peak<T: Real>(threads: usize) -> (f64, f64) {
    let n = PEAK_N;
    let a: Vec<T> = (0..n * n)
        .map(|i| T::from_f64((i % 7) as f64 * 0.1))
        .collect();
    let b: Vec<T> = (0..n * n)
        .map(|i| T::from_f64((i % 5) as f64 * 0.1))
        .collect();
    let mut c = vec![T::ZERO; n * n];
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    let best = (0..20)
        .map(|_| {
            let (start, cpu) = (Instant::now(), cpu_seconds());
            pool.install(|| {
                product(
                    Threads(threads),
                    &mut c,
                    false,
                    T::ONE,
                    View::col_major(&a, n, n),
                    View::col_major(&b, n, n),
                )
            });
            (start.elapsed().as_secs_f64(), cpu_seconds() - cpu)
        })
        .fold((f64::INFINITY, f64::INFINITY), |a, b| {
            (a.0.min(b.0), a.1.min(b.1))
        });
    std::hint::black_box(&c);
    let flops = 2.0 * (n * n * n) as f64;
    (flops / best.0 / 1e9, flops / best.1 / 1e9)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let epochs: usize = args.get(1).map_or(2, |a| a.parse().expect("EPOCHS"));
    let script = args
        .get(2)
        .map_or("benches/qagrel_numpy.py", String::as_str)
        .to_string();
    println!("# load average at start: {}", load());
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    let x: Vec<f32> = (0..IMAGES * SIZES[0])
        .map(|_| rng.random::<f32>())
        .collect();
    let labels: Vec<usize> = (0..IMAGES).map(|_| rng.random_range(0..10)).collect();
    let flops = epoch_flops();
    println!("# {:.1} GFLOP per epoch (dense count)", flops / 1e9);

    let mut peaks = Vec::new();
    for (precision, name) in [(Precision::F32, "f32"), (Precision::F64, "f64")] {
        for threads in [1, 2] {
            let p = match precision {
                Precision::F32 => peak::<f32>(threads),
                Precision::F64 => peak::<f64>(threads),
            };
            println!(
                "# GEMM peak {name} {threads} thread(s): {:.1} GFLOP/s wall, {:.1} per CPU second ({PEAK_N}³)",
                p.0, p.1
            );
            peaks.push((precision, threads, p));
        }
    }

    let mut ours = Vec::new();
    for (precision, _) in [(Precision::F32, "float32"), (Precision::F64, "float64")] {
        for threads in [1, 2] {
            for qagrel in [true, false] {
                let spec = NetSpec {
                    sizes: SIZES.to_vec(),
                    init: 0.05,
                    biases: false,
                    feedback: FeedbackMode::Symmetric,
                    precision,
                    threads,
                };
                let mut net = build(&spec, 0);
                let (s, cpu) = time_epochs(net.as_mut(), &x, &labels, qagrel, epochs);
                ours.push((precision, threads, qagrel, s, cpu));
            }
        }
    }

    let mut numpy: Vec<serde_json::Value> = Vec::new();
    if script != "-" {
        match Command::new("python3")
            .arg(&script)
            .arg("--epochs")
            .arg(epochs.to_string())
            .output()
        {
            Ok(out) if out.status.success() => {
                numpy = String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .filter_map(|l| serde_json::from_str(l).ok())
                    .collect();
            }
            Ok(out) => eprintln!(
                "numpy peer failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(e) => eprintln!("numpy peer not run: {e}"),
        }
    }

    println!(
        "{:9} {:7} {:8} {:>10} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9}",
        "precision",
        "threads",
        "method",
        "prospect s",
        "cpu s",
        "GFLOP/s",
        "of peak",
        "cpu peak",
        "numpy s",
        "np cpu s",
        "np/ours s",
        "np/ours cpu"
    );
    for &(precision, threads, qagrel, s, cpu) in &ours {
        let (pname, dtype) = match precision {
            Precision::F32 => ("f32", "float32"),
            Precision::F64 => ("f64", "float64"),
        };
        let method = if qagrel { "qagrel" } else { "backprop" };
        let peak = peaks
            .iter()
            .find(|p| p.0 == precision && p.1 == threads)
            .map_or((f64::NAN, f64::NAN), |p| p.2);
        let gf = flops / s / 1e9;
        let gf_cpu = flops / cpu / 1e9;
        let np = numpy.iter().find(|v| {
            v["dtype"] == dtype && v["threads"] == threads as u64 && v["method"] == method
        });
        let field = |key: &str| np.and_then(|v| v[key].as_f64()).unwrap_or(f64::NAN);
        let (np_s, np_cpu) = (field("seconds_per_epoch"), field("cpu_seconds_per_epoch"));
        println!(
            "{pname:9} {threads:7} {method:8} {s:10.3} {cpu:8.3} {gf:8.1} {:7.0}% {:7.0}% {np_s:8.3} {np_cpu:8.3} {:9.2} {:9.2}",
            100.0 * gf / peak.0,
            100.0 * gf_cpu / peak.1,
            np_s / s,
            np_cpu / cpu
        );
    }
    println!("# load average at end: {}", load());
}

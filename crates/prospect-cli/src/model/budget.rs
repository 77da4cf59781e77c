//! How much memory a run will need, estimated from the model file before anything is
//! allocated, so that a number too large for the machine is refused with the key that drives
//! it instead of aborting on a failed allocation.
//!
//! Every allocation proportional to a number in the model file is counted (bytes, upper
//! bounds; `f64` = 8 bytes, `f32` = 4):
//!
//! | key               | what grows with it                                                 |
//! |-------------------|--------------------------------------------------------------------|
//! | `network.sizes`   | weights and biases, their updates and snapshots: 8 · Σ n_l·(n_{l+1} + 1) · 6 |
//! | `training.batch`  | state u, ŭ, r, r′, e, mismatch, integrator stages, input/target: 8 · batch · Σ n_l · 24 (named by the larger factor) |
//! | `task.n_train`    | inputs and targets (`f32`), labels, the shuffled order: n · (4·(n_in + n_out) + 16) |
//! | `task.n_test`     | the same for the test set                                          |
//! | `training.epochs` | one metrics row per epoch (≤ 128 bytes) and the recorded-epoch list |
//! | `training.batch` × `network.sizes`, reward rules | eligibility traces per batch column (eligibility, homeostatic, perturbation): 8 · batch · Σ n_l·(n_{l+1} + 1) · 3, named by the batch when it is above 1; built while the model is checked |
//! | `integrator.method` | stiff methods (`rodas4`, `bdf`): Jacobian, iteration matrix and LU in the network's structure (`prospect_neuron` `network/jacobian.rs`): diagonal with look-ahead, 8 · 3 · batch · Σ n_l; one Σ n_l × Σ n_l block per sample without, 8 · 3 · batch · (Σ n_l)² |
//!
//! The algorithmic form (`network.form = "algorithmic"`, [`estimate_algorithmic`]) has no ODE
//! state or traces: weights, feedback matrices, their updates and the kernels' copies
//! 8 · Σ n_l·(n_{l+1} + 1) · 6 (`network.sizes`); activations, attention signals and inputs of
//! a batch or of an evaluation batch of 1000, 8 · max(batch, 1000) · Σ n_l · 4
//! (`training.batch` when the batch is the larger); the data sets as above; per epoch
//! (2 n_L + 10) metric values of 16 bytes (`training.epochs`).
//!
//! Record buffers are flushed in fixed-size chunks and do not grow with any key. The sum is
//! computed with saturating arithmetic: an overflow reads as "more than 16 EiB" and is refused.

use std::sync::OnceLock;

use super::schema::ModelFile;

/// Bytes used by one run beyond these estimates (binary, HDF5 library, progress bar).
const FIXED: u64 = 64 << 20;

/// A memory estimate: each key's share in bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// `(dotted key, bytes)`, one entry per key that drives an allocation.
    pub parts: Vec<(&'static str, u64)>,
}

impl Estimate {
    /// Total bytes (saturating), including a fixed overhead.
    pub fn total(&self) -> u64 {
        self.parts
            .iter()
            .fold(FIXED, |acc, &(_, b)| acc.saturating_add(b))
    }

    /// The key with the largest share.
    pub fn largest(&self) -> (&'static str, u64) {
        self.parts
            .iter()
            .copied()
            .max_by_key(|&(_, b)| b)
            .unwrap_or(("network.sizes", 0))
    }
}

fn mul(factors: &[u64]) -> u64 {
    factors.iter().fold(1u64, |acc, &f| acc.saturating_mul(f))
}

fn positive(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// The memory estimate of a validated model file (see the module table).
pub fn estimate(m: &ModelFile) -> Estimate {
    if m.network.form == "algorithmic" {
        return estimate_algorithmic(m);
    }
    let sizes: Vec<u64> = m.network.sizes.iter().map(|&s| positive(s)).collect();
    let n_in = sizes.first().copied().unwrap_or(0);
    let n_out = sizes.last().copied().unwrap_or(0);
    let neurons = sizes.iter().fold(0u64, |a, &s| a.saturating_add(s));
    let synapses = sizes.windows(2).fold(0u64, |a, w| {
        a.saturating_add(mul(&[w[0], w[1].saturating_add(1)]))
    });
    let weights = mul(&[8, synapses, 6]);
    let batch = positive(m.training.batch);
    let state = mul(&[8, batch, neurons, 24]);
    // The state is batch × neurons: blame the factor that is out of proportion.
    let state_key = if batch > neurons {
        "training.batch"
    } else {
        "network.sizes"
    };
    let dim = mul(&[batch, neurons]);
    let stiff = m
        .integrator
        .method
        .parse::<prospect_ode::Method>()
        .is_ok_and(|me| me.is_stiff());
    // The network's Jacobian is structured, never dense over the whole state: diagonal with
    // look-ahead, one block per sample without (crates/prospect-neuron/src/network/jacobian.rs).
    let jacobian = match (stiff, m.network.lookahead) {
        (false, _) => 0,
        (true, true) => mul(&[8, 3, dim]),
        (true, false) => mul(&[8, 3, batch, neurons, neurons]),
    };
    let reward =
        prospect_reward::registry::find(&m.plasticity.rule).is_some_and(|r| r.needs_reward);
    let traces = if reward {
        mul(&[8, batch, synapses, 3])
    } else {
        0
    };
    let (default_train, default_test) = match m.task.kind.as_str() {
        "idx" => (60_000, 10_000),
        _ => (5000, 1000),
    };
    let row = mul(&[4, n_in.saturating_add(n_out)]).saturating_add(16);
    let n_train = m.task.n_train.map_or(default_train, positive);
    let n_test = m.task.n_test.map_or(default_test, positive);
    let epochs = mul(&[positive(m.training.epochs), 128]);
    Estimate {
        parts: vec![
            ("network.sizes", weights),
            (state_key, state),
            // One set of traces per batch column: with more than one column, the batch is what
            // multiplies them (reward rules run one column in the reference settings).
            (
                if batch > 1 {
                    "training.batch"
                } else {
                    "network.sizes"
                },
                traces,
            ),
            ("task.n_train", mul(&[n_train, row])),
            ("task.n_test", mul(&[n_test, row])),
            ("training.epochs", epochs),
            ("integrator.method", jacobian),
        ],
    }
}

/// The memory estimate of an algorithmic model (module docs).
pub fn estimate_algorithmic(m: &ModelFile) -> Estimate {
    let sizes: Vec<u64> = m.network.sizes.iter().map(|&s| positive(s)).collect();
    let n_in = sizes.first().copied().unwrap_or(0);
    let n_out = sizes.last().copied().unwrap_or(0);
    let neurons = sizes.iter().fold(0u64, |a, &s| a.saturating_add(s));
    let synapses = sizes.windows(2).fold(0u64, |a, w| {
        a.saturating_add(mul(&[w[0], w[1].saturating_add(1)]))
    });
    let batch = positive(m.training.batch);
    let rows = batch.max(1000);
    let row = mul(&[4, n_in.saturating_add(n_out)]).saturating_add(16);
    let (default_train, default_test) = match m.task.kind.as_str() {
        "idx" => (60_000, 10_000),
        _ => (5000, 1000),
    };
    let n_train = m.task.n_train.map_or(default_train, positive);
    let n_test = m.task.n_test.map_or(default_test, positive);
    let metrics = mul(&[2, n_out]).saturating_add(10);
    Estimate {
        parts: vec![
            ("network.sizes", mul(&[8, synapses, 6])),
            (
                if batch > 1000 {
                    "training.batch"
                } else {
                    "network.sizes"
                },
                mul(&[8, rows, neurons, 4]),
            ),
            ("task.n_train", mul(&[n_train, row])),
            ("task.n_test", mul(&[n_test, row])),
            (
                "training.epochs",
                mul(&[positive(m.training.epochs), metrics, 16]),
            ),
        ],
    }
}

/// The memory a run may use: `--max-memory` when given, else `MemAvailable` of
/// `/proc/meminfo`; where that file cannot be read, 2⁴⁷ bytes (128 TiB, the user address
/// space of x86-64 Linux), so that only impossible sizes are refused.
pub fn available() -> (u64, &'static str) {
    if let Some(&Some(limit)) = LIMIT.get() {
        return (limit, "--max-memory");
    }
    match std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| mem_available(&t))
    {
        Some(b) => (b, "available"),
        None => (1 << 47, "addressable"),
    }
}

/// `MemAvailable` of a `/proc/meminfo` text, in bytes.
fn mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

static LIMIT: OnceLock<Option<u64>> = OnceLock::new();

/// Sets the `--max-memory` limit (bytes) for the whole process; call once, before any run.
pub fn set_limit(limit: Option<u64>) {
    let _ = LIMIT.set(limit);
}

/// Parses a memory size: bytes, or a number with `K`, `M`, `G`, `T` (powers of 1024,
/// optionally followed by `B` or `iB`), e.g. `512M`, `8G`, `1.5GiB`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let scale: u64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        "T" | "TB" | "TIB" => 1 << 40,
        _ => return Err(format!("{text:?}: expected a size such as 512M or 8G")),
    };
    let v: f64 = num
        .parse()
        .map_err(|_| format!("{text:?}: expected a size such as 512M or 8G"))?;
    let bytes = v * scale as f64;
    if !(1.0..1.8e19).contains(&bytes) {
        return Err(format!(
            "{text:?}: expected a size between 1 byte and 16 EiB"
        ));
    }
    Ok(bytes as u64)
}

/// Bytes in words: `13.2 GB`.
pub fn human(bytes: u64) -> String {
    if bytes == u64::MAX {
        return "more than 16 EiB".into();
    }
    let units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"];
    let mut v = bytes as f64;
    let mut i = 0;
    while v >= 1000.0 && i + 1 < units.len() {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{v:.1} {}", units[i])
    }
}

/// Refuses a model whose estimate exceeds the memory available: `(key, reason)` naming the key
/// with the largest share.
pub fn check(m: &ModelFile) -> Result<(), (String, String)> {
    let est = estimate(m);
    let (limit, what) = available();
    let total = est.total();
    if total <= limit {
        return Ok(());
    }
    let (key, share) = est.largest();
    Err((
        key.to_string(),
        format!(
            "needs {} for {key} ({} in all), {} {what}",
            human(share),
            human(total),
            human(limit)
        ),
    ))
}

/// Refuses a sweep of `points` grid points whose bookkeeping (≈ 1 KiB each: overrides, file
/// name, summary row) exceeds the memory available; `what` names the option that drives it.
pub fn check_points(points: u64, what: &str) -> Result<(), String> {
    let need = mul(&[points, 1024]).saturating_add(FIXED);
    let (limit, source) = available();
    if need <= limit {
        Ok(())
    } else {
        Err(format!(
            "{what}: {points} runs need {} of bookkeeping, {} {source}",
            human(need),
            human(limit)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meminfo_and_sizes_parse() {
        let text = "MemTotal:       16000000 kB\nMemAvailable:    9800000 kB\n";
        assert_eq!(mem_available(text), Some(9_800_000 * 1024));
        assert_eq!(parse_size("8G").unwrap(), 8 << 30);
        assert_eq!(parse_size("512MiB").unwrap(), 512 << 20);
        assert_eq!(parse_size("1000").unwrap(), 1000);
        assert!(parse_size("lots").is_err());
        assert!(parse_size("0").is_err());
        assert_eq!(human(13_200_000_000), "13.2 GB");
    }
}

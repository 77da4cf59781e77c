//! `prospect`: run, sweep, collect, plot and inspect models of time-continuous learning.
//!
//! Results go to files; stdout carries one parseable line per command (JSON for `run`);
//! progress bars and messages go to stderr. Exit codes: 0 success, 1 a run failed,
//! 2 bad input (model file, key, value, arguments), 130 interrupted by Ctrl-C, 143 stopped by
//! SIGTERM (see [`signals`]).

mod commands;
mod progress;
mod recorder;
mod signals;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::{Parser, Subcommand};

use commands::plot::{Kind, PlotRequest, XAxis};
use commands::run::{RunError, RunRequest};
use commands::sweep::SweepRequest;
use model::{Model, parse_override};
use prospect_cli::model;

#[derive(Parser)]
#[command(
    name = "prospect",
    version,
    about = "Time-continuous learning with prospective neurons: run, sweep, plot, inspect."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// No progress bars (they are also hidden when stderr is not a terminal).
    #[arg(long, global = true)]
    quiet: bool,
    /// Memory a run may use (e.g. 8G, 512M); default: MemAvailable of /proc/meminfo.
    /// Runs estimated to need more are refused before allocating.
    #[arg(long, global = true, value_name = "SIZE", value_parser = model::budget::parse_size)]
    max_memory: Option<u64>,
}

#[derive(Subcommand)]
enum Command {
    /// Run one model; writes a trace file and prints a JSON summary line.
    #[command(
        after_help = "Examples:\n  prospect run models/yinyang-lookahead.toml\n  prospect run models/yinyang-lookahead.toml --set network.lookahead=false --seed 3 --out traces/no-la.h5"
    )]
    Run {
        /// Model file (TOML).
        model: PathBuf,
        /// Override a key: --set section.key=value (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Seed (overrides training.seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Trace file (default traces/<model>-seed<N>.h5). An existing file is refused.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace an existing trace file at --out (never a file that is not a prospect trace).
        #[arg(long)]
        overwrite: bool,
    },
    /// Run the grid of parameter values × seeds in parallel; one trace per run and summary.csv.
    #[command(
        after_help = "Examples:\n  prospect sweep models/yinyang-lookahead.toml --set network.lookahead=true,false --seeds 0..3\n  prospect sweep models/yinyang-lookahead.toml --set plasticity.beta=0.05,0.1 --seeds 0..5 --jobs 2 --out-dir traces/beta\n  prospect sweep models/yinyang-lookahead.toml --set network.lookahead=true,false --seeds 0..10 --emit-slurm sweep.sbatch\n\nRuns whose trace file is complete are skipped, so a stopped sweep resumes where it was."
    )]
    Sweep {
        /// Model file (TOML).
        model: PathBuf,
        /// An axis of the grid: --set section.key=v1,v2,… (repeatable).
        #[arg(long = "set", value_name = "KEY=V1,V2")]
        sets: Vec<String>,
        /// Seeds: a..b (b excluded) or s1,s2,….
        #[arg(long, default_value = "0..1")]
        seeds: String,
        /// Parallel runs (default: the number of cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Output folder (default traces/sweep-<model>).
        #[arg(long)]
        out_dir: Option<PathBuf>,
        /// Write a Slurm job-array script instead of running.
        #[arg(long, value_name = "FILE")]
        emit_slurm: Option<PathBuf>,
        /// Run only grid point i (used by the Slurm script).
        #[arg(long, hide = true)]
        only_index: Option<usize>,
    },
    /// Rebuild summary.csv of a folder from its trace files.
    #[command(after_help = "Example:\n  prospect collect traces/sweep-yinyang-lookahead")]
    Collect {
        /// Folder of trace files.
        dir: PathBuf,
    },
    /// Draw a figure (PNG or SVG by extension) from a trace file or a folder.
    #[command(
        after_help = "Examples:\n  prospect plot traces/sweep-yinyang-lookahead --kind ablation --by network.lookahead --out ablation.png\n  prospect plot traces/yinyang-lookahead-seed0.h5 --kind traces --population layer2 --units 0,1,2 --window 0,20 --out traces.svg\n  prospect plot traces/sweep-yinyang-lookahead --kind learning --metric test_loss --out loss.png\n  prospect plot traces/sweep-wna-yinyang traces/sweep-reinforce-yinyang --kind ablation --by plasticity.rule --metric test_accuracy --out rules.png\n  prospect plot traces/bandit --kind ablation --by plasticity.eta --metric train_accuracy --out fig2.5.png\n  prospect plot qagrel.h5 backprop.h5 --kind classes --x epoch --out fig6.png"
    )]
    Plot {
        /// Trace files or folders of trace files (several for learning, ablation and classes
        /// figures, e.g. one sweep folder per model: their runs are pooled).
        #[arg(required = true, num_args = 1..)]
        inputs: Vec<PathBuf>,
        /// Figure kind (`--figure` is the same option). `classes`: per reward run, a row of two
        /// panels, the fraction of acts selecting each action and the fraction of each class's
        /// acts answered right, per epoch (metrics selected_<a>, class_accuracy_<c>; an epoch in
        /// which a class was not seen is a gap); rows in the order of the files.
        #[arg(long, value_enum, visible_alias = "figure")]
        kind: Kind,
        /// Group runs by these dotted model keys, comma-separated (ablation; e.g.
        /// plasticity.eta,plasticity.reinforce.baseline.kind).
        #[arg(long)]
        by: Option<String>,
        /// Metric (learning, ablation): test_accuracy, train_accuracy, test_loss, mean_reward,
        /// regret, … (any metric of the traces).
        #[arg(long, default_value = "test_accuracy")]
        metric: String,
        /// Output file (.png or .svg).
        #[arg(long)]
        out: PathBuf,
        /// Population (traces; default: the output layer).
        #[arg(long)]
        population: Option<String>,
        /// Units (traces), comma separated.
        #[arg(long, value_delimiter = ',')]
        units: Vec<usize>,
        /// Time window t0,t1 (traces).
        #[arg(long, value_delimiter = ',')]
        window: Option<Vec<f64>>,
        /// Variables (traces), comma separated, e.g. u,noise,eligibility (default u,u_breve,target).
        #[arg(long, value_delimiter = ',')]
        variables: Vec<String>,
        /// x axis of learning, ablation and classes figures (default: trials when every run has the
        /// trials metric of reward rules, else epoch).
        #[arg(long, value_enum)]
        x: Option<XAxis>,
    },
    /// Describe a trace file: attributes, datasets and shapes, final metrics.
    #[command(after_help = "Example:\n  prospect inspect traces/yinyang-lookahead-seed0.h5")]
    Inspect {
        /// Trace file.
        file: PathBuf,
    },
}

/// The command line as typed, each argument quoted for a POSIX shell where needed, so that
/// the `command_line` attribute of a trace can be pasted back into a shell.
fn command_line() -> String {
    std::env::args_os()
        .map(|a| shell_quote(&a.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `arg` as one POSIX shell word: unchanged when it holds only safe characters, else in
/// single quotes with each `'` written as `'\''`.
fn shell_quote(arg: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c);
    if !arg.is_empty() && arg.chars().all(safe) {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

/// An error and its causes on one line, each text once. Library errors such as
/// `TraceError::Hdf5` already print their source in their own message (`{path}: {context}:
/// {source}`), and anyhow's `{:#}` appends every source again: HDF5's reason would appear twice.
/// A cause whose text the line already holds is left out.
fn chain(e: &anyhow::Error) -> String {
    let mut line = e.to_string();
    for cause in e.chain().skip(1) {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
    }
    line
}

/// Reports a bad-input error (exit code 2).
fn bad_input(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(2)
}

fn fail(e: &RunError) -> ExitCode {
    eprintln!("error: {e}");
    match e {
        RunError::Interrupted(_) => ExitCode::from(signals::exit_code()),
        _ => ExitCode::from(e.exit_code() as u8),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    model::budget::set_limit(cli.max_memory);
    let progress = !cli.quiet && std::io::stderr().is_terminal();
    let stop = Arc::new(AtomicBool::new(false));
    signals::install(stop.clone());
    match cli.command {
        Command::Run {
            model,
            sets,
            seed,
            out,
            overwrite,
        } => {
            let mut overrides = Vec::new();
            for s in &sets {
                match parse_override(s) {
                    Ok(o) => overrides.push(o),
                    Err(e) => return bad_input(e),
                }
            }
            if let Some(seed) = seed {
                // TOML integers are signed 64-bit: a larger seed cannot be stored in the
                // effective model, so it is refused rather than wrapped to a negative number.
                let Ok(seed) = i64::try_from(seed) else {
                    return bad_input(format!(
                        "--seed {seed}: seeds must be below 2^63 = {}",
                        1u64 << 63
                    ));
                };
                overrides.push(("training.seed".into(), toml::Value::Integer(seed)));
            }
            let loaded = match Model::load(&model, &overrides) {
                Ok(m) => m,
                Err(e) => return fail(&RunError::Model(e)),
            };
            let out = out
                .unwrap_or_else(|| commands::run::default_out(&model, loaded.file.training.seed));
            let req = RunRequest {
                model: &loaded,
                out,
                command_line: command_line(),
                extra: Vec::new(),
                overwrite,
                progress,
                stop,
            };
            match commands::run::execute(req) {
                Ok(summary) => {
                    println!(
                        "{}",
                        serde_json::to_string(&summary).expect("summary serialises")
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e),
            }
        }
        Command::Sweep {
            model,
            sets,
            seeds,
            jobs,
            out_dir,
            emit_slurm,
            only_index,
        } => {
            if let Some(s) = sets.iter().find(|s| !s.contains('=')) {
                return bad_input(format!(
                    "{}: {}: --set {s:?} has no values: expected {s}=v1,v2,…",
                    model.display(),
                    s.trim()
                ));
            }
            let seeds = match commands::sweep::parse_seeds(&seeds) {
                Ok(s) => s,
                Err(e) => return bad_input(chain(&e)),
            };
            let stem = model
                .file_stem()
                .map_or("model".into(), |s| s.to_string_lossy().into_owned());
            let jobs =
                jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            if jobs > 1 {
                // SAFETY: still single-threaded here; runs in parallel must not also split
                // each matrix product across every core.
                unsafe { std::env::set_var("MATMUL_NUM_THREADS", "1") };
            }
            let req = SweepRequest {
                model,
                sets,
                seeds,
                jobs,
                out_dir: out_dir
                    .unwrap_or_else(|| PathBuf::from("traces").join(format!("sweep-{stem}"))),
                only_index,
                progress,
                command_line: command_line(),
                stop,
            };
            if let Some(script) = emit_slurm {
                return match commands::sweep::emit_slurm(&req, &script) {
                    Ok(n) => {
                        println!("{}: {n} array tasks", script.display());
                        ExitCode::SUCCESS
                    }
                    Err(e) => bad_input(chain(&e)),
                };
            }
            match commands::sweep::sweep(&req) {
                Ok(o) => {
                    println!(
                        "{{\"out_dir\": {:?}, \"ran\": {}, \"skipped\": {}, \"failed\": {}, \"summary\": {:?}}}",
                        req.out_dir.display().to_string(),
                        o.ran,
                        o.skipped,
                        o.failed.len(),
                        req.out_dir.join("summary.csv").display().to_string()
                    );
                    for f in &o.failed {
                        eprintln!("failed: {f}");
                    }
                    if o.interrupted {
                        ExitCode::from(signals::exit_code())
                    } else if o.failed.is_empty() {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(1)
                    }
                }
                Err(e) => fail(&e),
            }
        }
        Command::Collect { dir } => match commands::collect::collect(&dir) {
            Ok(c) => {
                println!(
                    "{}: {} runs ({} left out: not complete or superseded)",
                    dir.join("summary.csv").display(),
                    c.rows.len(),
                    c.left_out.len() + c.superseded.len()
                );
                ExitCode::SUCCESS
            }
            Err(e) => bad_input(chain(&e)),
        },
        Command::Plot {
            inputs,
            kind,
            by,
            metric,
            out,
            population,
            units,
            window,
            variables,
            x,
        } => {
            if window.as_ref().is_some_and(|w| w.len() != 2) {
                return bad_input("--window takes two times, t0,t1");
            }
            let req = PlotRequest {
                input: inputs[0].clone(),
                also: inputs[1..].to_vec(),
                kind,
                by,
                metric,
                out,
                population,
                units,
                window: window.map(|w| (w[0], w[1])),
                variables,
                x,
            };
            match commands::plot::plot(&req) {
                Ok(line) => {
                    println!("{line}");
                    ExitCode::SUCCESS
                }
                Err(e) => bad_input(chain(&e)),
            }
        }
        Command::Inspect { file } => match commands::inspect::describe(&file) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => bad_input(chain(&e)),
        },
    }
}

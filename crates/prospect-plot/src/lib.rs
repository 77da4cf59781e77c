//! # prospect-plot — figures from trace files
//!
//! Plots read trace files (through [`prospect_trace::TraceReader`]), never live networks:
//! - [`traces`]: u and ŭ (and the target) of chosen units over a time window, pattern onsets
//!   marked;
//! - [`learning`]: a metric against epoch for one or several runs;
//! - [`ablation`]: a metric against epoch (or trials) grouped by a parameter (mean ± standard deviation over
//!   seeds) beside the final values per group;
//! - [`classes`]: per-class selection frequency and accuracy of reward runs against epoch (or
//!   trials), a row of two panels per run (Q-AGREL's Fig. 6).
//!
//! PNG or SVG by the output file's extension. Text renders with the embedded DejaVu Sans font,
//! so a fresh machine needs no system fonts.

pub mod ablation;
pub mod classes;
pub mod learning;
pub mod output;
pub mod traces;

pub use ablation::{AblationGroup, plot_ablation, plot_ablation_against};
pub use classes::{ClassRun, ClassSeries, plot_classes};
pub use learning::{Curve, plot_learning, run_curves, split_pair};
pub use output::PlotError;
pub use traces::{TracePlot, plot_traces};

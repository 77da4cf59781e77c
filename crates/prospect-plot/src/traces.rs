//! Voltage traces: u and ŭ (and the target) of chosen units over a time window, with the
//! pattern onsets marked.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use prospect_trace::TraceReader;

use crate::PlotError;
use crate::learning::{padded_range, tick};
use crate::output::{FONT, Figure, colour, draw_legend, msg, render};

/// What to draw from a trace file.
#[derive(Debug, Clone, PartialEq)]
pub struct TracePlot {
    /// Population (e.g. `layer2`).
    pub population: String,
    /// Variables to draw (e.g. `u`, `u_breve`, `target`); missing ones are skipped.
    pub variables: Vec<String>,
    /// Units (columns) to draw.
    pub units: Vec<usize>,
    /// Time window `[t0, t1]`; the whole record when `None`.
    pub window: Option<(f64, f64)>,
}

struct Line {
    label: String,
    points: Vec<(f64, f64)>,
    colour: usize,
    dashed: bool,
    bold: bool,
}

struct Traces {
    lines: Vec<Line>,
    onsets: Vec<f64>,
    unit: String,
    title: String,
    /// The y axis's quantity: "voltage" when every variable is one (u, ŭ, e, target, noise).
    quantity: &'static str,
}

impl Figure for Traces {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let x = padded_range(self.lines.iter().flat_map(|l| l.points.iter().map(|p| p.0)));
        // Room for the legend right of the data (LEGEND_PX of the ~920 px plot width), so the
        // legend never covers a line.
        let (plot_px, legend_px) = (920.0, 150.0);
        let x = (x.0, x.1 + (x.1 - x.0) * legend_px / (plot_px - legend_px));
        let y = padded_range(self.lines.iter().flat_map(|l| l.points.iter().map(|p| p.1)));
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, (FONT, 22))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(x.0..x.1, y.0..y.1)
            .map_err(msg)?;
        chart
            .configure_mesh()
            .x_desc("time (model time units)")
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .y_desc(format!("{} ({})", self.quantity, self.unit))
            .label_style((FONT, 14))
            .draw()
            .map_err(msg)?;
        let onset_style = BLACK.mix(0.25).stroke_width(1);
        let onsets: Vec<f64> = self
            .onsets
            .iter()
            .copied()
            .filter(|t| *t >= x.0 && *t <= x.1)
            .collect();
        // More onsets than one per MIN_ONSET_PX pixels would shade the whole plot grey and hide
        // the traces; a wide window shows none (a narrower --window shows them).
        if (onsets.len() as f64) * MIN_ONSET_PX <= plot_px - legend_px {
            chart
                .draw_series(
                    onsets
                        .iter()
                        .map(|t| PathElement::new(vec![(*t, y.0), (*t, y.1)], onset_style)),
                )
                .map_err(msg)?;
        }
        for line in &self.lines {
            let c = colour(line.colour);
            let dashed = line.dashed;
            // ŭ bold, u thin, targets dashed: the look-ahead is the line that leads.
            let width = if line.bold {
                3
            } else if line.dashed {
                2
            } else {
                1
            };
            let style = c.stroke_width(width);
            let runs = recorded_runs(&line.points);
            let series = if line.dashed {
                // Targets are piecewise constant: dashed steps (hold each value until the next
                // sample), so they read apart from the solid u and ŭ of the same colour.
                let mut steps: Vec<(f64, f64)> = Vec::new();
                for run in &runs {
                    steps.extend(run.windows(2).flat_map(|w| [w[0], (w[1].0, w[0].1)]));
                    steps.extend(run.last().copied());
                    // A NaN point ends the dashes of one recorded span.
                    steps.push((f64::NAN, f64::NAN));
                }
                chart.draw_series(
                    steps
                        .split(|p| p.0.is_nan())
                        .filter(|s| s.len() > 1)
                        .flat_map(|s| DashedLineSeries::new(s.to_vec(), 8, 5, c.stroke_width(2)))
                        .collect::<Vec<_>>(),
                )
            } else if width > 1 {
                // Wide polylines get mitre spikes where the trace turns back sharply (a pattern
                // switch): draw each segment on its own so no joint is mitred.
                chart.draw_series(runs.iter().flat_map(|run| {
                    run.windows(2)
                        .map(move |w| PathElement::new(vec![w[0], w[1]], style))
                }))
            } else {
                chart.draw_series(runs.iter().map(|run| PathElement::new(run.to_vec(), style)))
            };
            series
                .map_err(msg)?
                .label(line.label.clone())
                .legend(move |(x, y)| {
                    if dashed {
                        EmptyElement::at((x, y))
                            + PathElement::new(vec![(0, 0), (8, 0)], style)
                            + PathElement::new(vec![(13, 0), (21, 0)], style)
                    } else {
                        EmptyElement::at((x, y))
                            + PathElement::new(vec![(0, 0), (21, 0)], style)
                            + PathElement::new(vec![(0, 0), (0, 0)], style)
                    }
                });
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        Ok(())
    }
}

/// Horizontal pixels per pattern onset below which onsets are not marked.
const MIN_ONSET_PX: f64 = 6.0;

/// `points` (sorted by time) cut where the recording paused: a gap wider than twice the
/// smallest sampling interval (as in [`spans`]), so that no line joins two recorded epochs.
fn recorded_runs(points: &[(f64, f64)]) -> Vec<&[(f64, f64)]> {
    let step = points
        .windows(2)
        .map(|w| w[1].0 - w[0].0)
        .filter(|d| *d > 0.0)
        .fold(f64::INFINITY, f64::min);
    let mut runs = Vec::new();
    let mut start = 0;
    for i in 1..points.len() {
        if points[i].0 - points[i - 1].0 > 2.0 * step {
            runs.push(&points[start..i]);
            start = i;
        }
    }
    runs.push(&points[start..]);
    runs
}

/// The recorded time spans of sorted sample times, `[t0, t1] ∪ …`: a new span starts where
/// the gap exceeds twice the smallest sampling interval (the recording paused between epochs
/// or windows).
fn spans(times: &[f64]) -> String {
    let step = times
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| *d > 0.0)
        .fold(f64::INFINITY, f64::min);
    let mut out: Vec<(f64, f64)> = Vec::new();
    for &t in times {
        match out.last_mut() {
            Some(last) if t - last.1 <= 2.0 * step => last.1 = t,
            _ => out.push((t, t)),
        }
    }
    // Sample times accumulate rounding (9.999999999999996); a micro-unit is finer than any dt.
    let round = |t: f64| (t * 1e6).round() / 1e6;
    out.iter()
        .map(|(a, b)| format!("[{}, {}]", round(*a), round(*b)))
        .collect::<Vec<_>>()
        .join(" ∪ ")
}

/// Draws the chosen variables and units of a trace file; returns the number of lines drawn.
pub fn plot_traces(file: &Path, what: &TracePlot, out: &Path) -> Result<usize, PlotError> {
    let reader = TraceReader::open(file)?;
    let available = reader.variables(&what.population)?;
    let mut lines = Vec::new();
    let mut unit = String::from("a.u.");
    let mut recorded: Vec<f64> = Vec::new();
    for var in &what.variables {
        if !available.contains(var) {
            continue;
        }
        let series = reader.series(&what.population, var)?;
        if recorded.is_empty() {
            recorded = series.times.clone();
        }
        if !series.unit.is_empty() {
            unit = series.unit.clone();
        }
        for (ui, &u) in what.units.iter().enumerate() {
            if u >= series.data.ncols() {
                return Err(PlotError::Empty {
                    reason: format!(
                        "{}/{var} has {} units; unit {u} requested",
                        what.population,
                        series.data.ncols()
                    ),
                });
            }
            let points: Vec<(f64, f64)> = series
                .times
                .iter()
                .zip(series.data.column(u))
                .filter(|(t, _)| what.window.is_none_or(|(a, b)| **t >= a && **t <= b))
                .map(|(t, v)| (*t, f64::from(*v)))
                .collect();
            if points.is_empty() {
                continue;
            }
            lines.push(Line {
                label: format!("{var}[{u}]"),
                points,
                colour: ui,
                dashed: var == "target",
                bold: var == "u_breve",
            });
        }
    }
    if lines.is_empty()
        && let Some((a, b)) = what.window
        && !recorded.is_empty()
    {
        return Err(PlotError::Empty {
            reason: format!(
                "{} has no samples in the window [{a}, {b}]; it was recorded at t in {} \
                 (record.epochs and record.windows of the model choose what is recorded)",
                what.population,
                spans(&recorded)
            ),
        });
    }
    if lines.is_empty() {
        return Err(PlotError::Empty {
            reason: format!(
                "no samples of {:?} in {} (has {available:?})",
                what.variables, what.population
            ),
        });
    }
    let onsets = reader.events("time")?;
    let n = lines.len();
    let title = format!("{}: {}", what.population, what.variables.join(", "));
    let voltages = ["u", "u_breve", "e", "target", "noise"];
    let quantity = if what
        .variables
        .iter()
        .all(|v| voltages.contains(&v.as_str()))
    {
        "voltage"
    } else {
        "value"
    };
    render(
        out,
        (1000, 600),
        &Traces {
            lines,
            onsets,
            unit,
            title,
            quantity,
        },
    )?;
    Ok(n)
}

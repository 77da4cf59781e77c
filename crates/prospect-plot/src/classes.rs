//! Per-class curves of reward runs (Q-AGREL's Fig. 6, seed 002): how often each action was
//! selected, and how often each context class was answered right, against epoch (or trials).
//! Under Q-AGREL the classes are discovered one by one, a step in both panels at each; under
//! error-backprop all at once.
//!
//! Reads the per-epoch metrics the reward runs write: `selected_<a>` (the fraction of the
//! epoch's acts that chose action `a`) and `class_accuracy_<c>` (the fraction of the acts in
//! context class `c` that were correct; absent for an epoch in which class `c` was not seen).
//! An absent value is a gap in its curve, never a zero.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use prospect_trace::TraceReader;

use crate::learning::{padded_range, tick};
use crate::output::{FONT, Figure, colour, msg, render};
use crate::{Curve, PlotError};

/// The metric-name prefix of the selection frequency of an action.
pub const SELECTED: &str = "selected_";
/// The metric-name prefix of the accuracy of a context class.
pub const CLASS_ACCURACY: &str = "class_accuracy_";
/// Metrics written every epoch by reward runs that fix the epoch grid when the per-class
/// metrics alone leave an epoch out (no action selected, no class seen).
const EVERY_EPOCH: [&str; 2] = ["trials", "mean_reward"];

/// The most runs one figure draws (a row of panels each, 380 px tall).
pub const MAX_RUNS: usize = 16;

/// One action's or one class's values over a run's epochs.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassSeries {
    /// The action or class number (`a` of `selected_<a>`, `c` of `class_accuracy_<c>`); the
    /// colour of its curve in both panels.
    pub index: usize,
    /// One value per epoch of [`ClassRun::epochs`]; `None` where the run wrote none (the class
    /// was not seen in that epoch), drawn as a gap.
    pub values: Vec<Option<f64>>,
}

/// The per-class curves of one run, on the run's epoch grid.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassRun {
    /// Row label (e.g. the file name).
    pub label: String,
    /// The epochs at which the run wrote any per-class metric, `trials` or `mean_reward`,
    /// ascending.
    pub epochs: Vec<f64>,
    /// The x value of each epoch: the epoch itself, or its trial count after
    /// [`ClassRun::against`].
    pub x: Vec<f64>,
    /// Selection frequency per action (`selected_<a>`), by action number.
    pub selected: Vec<ClassSeries>,
    /// Fraction correct per context class (`class_accuracy_<c>`), by class number.
    pub accuracy: Vec<ClassSeries>,
}

/// The number `n` of a metric named `<prefix><n>`; `None` for any other name (also for
/// `selected_01`, which would collide with `selected_1`).
fn index_of(name: &str, prefix: &str) -> Option<usize> {
    let rest = name.strip_prefix(prefix)?;
    let n: usize = rest.parse().ok()?;
    (n.to_string() == rest).then_some(n)
}

/// The metric names of one family, ordered by number (`selected_2` before `selected_10`).
fn family(names: &[String], prefix: &str) -> Vec<(usize, String)> {
    let mut found: Vec<(usize, String)> = names
        .iter()
        .filter_map(|n| index_of(n, prefix).map(|i| (i, n.clone())))
        .collect();
    found.sort();
    found
}

impl ClassRun {
    /// Reads the per-class metrics of the trace `reader` opened from `path` (named in errors).
    ///
    /// Fails when the trace holds neither `selected_<a>` nor `class_accuracy_<c>` metrics
    /// (a supervised run, or a reward run from before they were written).
    pub fn read(reader: &TraceReader, path: &Path, label: &str) -> Result<ClassRun, PlotError> {
        let names = reader.metric_names()?;
        let selected = family(&names, SELECTED);
        let accuracy = family(&names, CLASS_ACCURACY);
        if selected.is_empty() && accuracy.is_empty() {
            return Err(PlotError::NoMetrics {
                path: path.to_path_buf(),
                reason: format!(
                    "no per-class metrics ({SELECTED}<a>, {CLASS_ACCURACY}<c>): reward runs write them per epoch, supervised runs do not"
                ),
            });
        }
        let read = |list: &[(usize, String)]| -> Result<Vec<(usize, Curve)>, PlotError> {
            list.iter()
                .map(|(i, name)| {
                    let m = reader.metric(name)?;
                    Ok((
                        *i,
                        Curve {
                            label: name.clone(),
                            x: m.x,
                            y: m.values,
                        },
                    ))
                })
                .collect()
        };
        let (selected, accuracy) = (read(&selected)?, read(&accuracy)?);
        let mut epochs: Vec<f64> = selected
            .iter()
            .chain(&accuracy)
            .flat_map(|(_, c)| c.x.iter().copied())
            .collect();
        for name in EVERY_EPOCH {
            if names.iter().any(|n| n == name) {
                epochs.extend(reader.metric(name)?.x);
            }
        }
        epochs.retain(|e| e.is_finite());
        epochs.sort_by(f64::total_cmp);
        epochs.dedup();
        let on_grid = |list: Vec<(usize, Curve)>| -> Vec<ClassSeries> {
            list.into_iter()
                .map(|(index, c)| {
                    let mut values = vec![None; epochs.len()];
                    for (e, v) in c.x.iter().zip(&c.y) {
                        if let Ok(k) = epochs.binary_search_by(|g| g.total_cmp(e)) {
                            values[k] = v.is_finite().then_some(*v);
                        }
                    }
                    ClassSeries { index, values }
                })
                .collect()
        };
        Ok(ClassRun {
            label: label.to_string(),
            x: epochs.clone(),
            selected: on_grid(selected),
            accuracy: on_grid(accuracy),
            epochs,
        })
    }

    /// The same run against another per-epoch quantity: each epoch's x replaced by `axis`'s
    /// value at that epoch (`axis.x` epochs, `axis.y` the new x, e.g. the `trials` metric).
    /// Fails, naming the run and the epoch, when `axis` has no value there.
    pub fn against(&self, axis: &Curve) -> Result<ClassRun, PlotError> {
        let epochs = Curve {
            label: self.label.clone(),
            x: self.epochs.clone(),
            y: self.epochs.clone(),
        };
        Ok(ClassRun {
            x: epochs.against(axis)?.x,
            ..self.clone()
        })
    }

    /// The highest action or class number plus one (0 for no curves).
    pub fn classes(&self) -> usize {
        self.selected
            .iter()
            .chain(&self.accuracy)
            .map(|s| s.index + 1)
            .max()
            .unwrap_or(0)
    }
}

/// The drawn pieces of one series: runs of consecutive present values, as points; a gap
/// (an absent value) ends a piece. A piece of one point is drawn as a dot.
pub fn pieces(x: &[f64], values: &[Option<f64>]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut open = false;
    for (x, v) in x.iter().zip(values) {
        match v {
            Some(v) if open => {
                if let Some(last) = out.last_mut() {
                    last.push((*x, *v));
                }
            }
            Some(v) => {
                out.push(vec![(*x, *v)]);
                open = true;
            }
            None => open = false,
        }
    }
    out
}

/// What one panel shows: its caption, its y axis, the note drawn when the run has no series of
/// this family, and the series.
struct Panel<'a> {
    caption: String,
    y_label: &'a str,
    missing: String,
    series: &'a [ClassSeries],
}

struct Classes<'a> {
    runs: &'a [ClassRun],
    x_label: &'a str,
    title: &'a str,
}

/// Height of one run's row of panels (pixels).
const ROW_PX: u32 = 380;
/// Height of the figure's title (pixels).
const TITLE_PX: u32 = 50;
/// Width of the figure (pixels): two panels and the legend column.
const WIDTH_PX: u32 = 1400;
/// Width of the legend column right of each row's panels (pixels).
const LEGEND_PX: u32 = 150;

impl Classes<'_> {
    /// One panel: the series of one family of one run against `x` (shared range `xr`), or a
    /// note when the run has none.
    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        panel: &Panel,
        x: &[f64],
        xr: (f64, f64),
    ) -> Result<(), String> {
        let Panel {
            caption,
            y_label,
            missing,
            series,
        } = panel;
        // Fractions: the whole [0, 1] always, so that rows compare at a glance.
        let data = padded_range(
            series
                .iter()
                .flat_map(|s| s.values.iter().flatten().copied()),
        );
        let yr = (data.0.min(-0.03), data.1.max(1.03));
        let mut chart = ChartBuilder::on(area)
            .caption(caption, (FONT, 18))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(55)
            .build_cartesian_2d(xr.0..xr.1, yr.0..yr.1)
            .map_err(msg)?;
        chart
            .configure_mesh()
            .x_desc(self.x_label)
            .y_desc(*y_label)
            .x_labels(((xr.1 - xr.0).floor() as usize + 1).clamp(2, 10))
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .label_style((FONT, 13))
            .draw()
            .map_err(msg)?;
        if series.is_empty() {
            let centre = ((xr.0 + xr.1) / 2.0, 0.5);
            chart
                .draw_series(std::iter::once(Text::new(
                    missing.to_string(),
                    centre,
                    (FONT, 15).into_font().color(&BLACK.mix(0.6)).pos(
                        plotters::style::text_anchor::Pos::new(
                            plotters::style::text_anchor::HPos::Center,
                            plotters::style::text_anchor::VPos::Center,
                        ),
                    ),
                )))
                .map_err(msg)?;
        }
        for s in series.iter() {
            let c = colour(s.index);
            for piece in pieces(x, &s.values) {
                if piece.len() == 1 {
                    chart
                        .draw_series(std::iter::once(Circle::new(piece[0], 3, c.filled())))
                        .map_err(msg)?;
                } else {
                    chart
                        .draw_series(LineSeries::new(piece, c.stroke_width(2)))
                        .map_err(msg)?;
                }
            }
        }
        Ok(())
    }

    /// The legend of one row: a sample line and the number of each action/class.
    fn legend<DB: DrawingBackend>(
        area: &DrawingArea<DB, Shift>,
        run: &ClassRun,
    ) -> Result<(), String> {
        let mut indices: Vec<usize> = run
            .selected
            .iter()
            .chain(&run.accuracy)
            .map(|s| s.index)
            .collect();
        indices.sort_unstable();
        indices.dedup();
        let top = 45;
        area.draw(&Text::new("class / action", (8, top), (FONT, 14)))
            .map_err(msg)?;
        for (row, i) in indices.iter().enumerate() {
            let y = top + 24 + 20 * row as i32;
            area.draw(&PathElement::new(
                vec![(10, y + 7), (34, y + 7)],
                colour(*i).stroke_width(2),
            ))
            .map_err(msg)?;
            area.draw(&Text::new(i.to_string(), (42, y), (FONT, 14)))
                .map_err(msg)?;
        }
        Ok(())
    }
}

impl Figure for Classes<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let area = area.titled(self.title, (FONT, 22)).map_err(msg)?;
        let xr = padded_range(self.runs.iter().flat_map(|r| r.x.iter().copied()));
        let rows = area.split_evenly((self.runs.len(), 1));
        for (k, (run, row)) in self.runs.iter().zip(&rows).enumerate() {
            let (panels, legend) = row.split_horizontally(WIDTH_PX - LEGEND_PX);
            let (left, right) = panels.split_horizontally((WIDTH_PX - LEGEND_PX) / 2);
            // Panel letters as in the paper: (a) (b) for the first run, (c) (d) for the next.
            let letter = |j: usize| char::from(b'a' + ((2 * k + j) % 26) as u8);
            let selected = Panel {
                caption: format!(
                    "({}) {}: selection frequency per action",
                    letter(0),
                    run.label
                ),
                y_label: "fraction of acts selecting it",
                missing: format!("no {SELECTED}<a> metrics in this run"),
                series: &run.selected,
            };
            let accuracy = Panel {
                caption: format!("({}) {}: fraction correct per class", letter(1), run.label),
                y_label: "fraction of its acts correct",
                missing: format!("no {CLASS_ACCURACY}<c> metrics in this run"),
                series: &run.accuracy,
            };
            self.panel(&left, &selected, &run.x, xr)?;
            self.panel(&right, &accuracy, &run.x, xr)?;
            Self::legend(&legend, run)?;
        }
        Ok(())
    }
}

/// Draws the per-class figure of `runs` (one row of two panels per run: selection frequency
/// per action, fraction correct per class) against `x_label` (the runs' x values, shared by
/// every panel so that rows compare at a glance), titled `title`, to `out` (PNG or SVG).
pub fn plot_classes(
    runs: &[ClassRun],
    x_label: &str,
    title: &str,
    out: &Path,
) -> Result<(), PlotError> {
    if runs.is_empty() || runs.iter().all(|r| r.epochs.is_empty()) {
        return Err(PlotError::Empty {
            reason: "no per-class values in any run".into(),
        });
    }
    if runs.len() > MAX_RUNS {
        return Err(PlotError::Empty {
            reason: format!(
                "{} runs: a per-class figure draws at most {MAX_RUNS} (a row each); name fewer files",
                runs.len()
            ),
        });
    }
    let height = TITLE_PX + ROW_PX * runs.len() as u32;
    render(
        out,
        (WIDTH_PX, height),
        &Classes {
            runs,
            x_label,
            title,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_numbers_name_a_class() {
        assert_eq!(index_of("selected_3", SELECTED), Some(3));
        assert_eq!(index_of("selected_10", SELECTED), Some(10));
        assert_eq!(index_of("selected_01", SELECTED), None);
        assert_eq!(index_of("selected_", SELECTED), None);
        assert_eq!(index_of("selected_x", SELECTED), None);
        assert_eq!(index_of("class_accuracy_2", SELECTED), None);
    }

    #[test]
    fn gaps_end_pieces() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let v = [Some(0.1), Some(0.2), None, Some(0.4), None, None];
        assert_eq!(
            pieces(&x, &v),
            vec![vec![(1.0, 0.1), (2.0, 0.2)], vec![(4.0, 0.4)]]
        );
        assert!(pieces(&x, &[None; 6]).is_empty());
    }
}

//! Ablations: a metric against epoch grouped by a parameter, mean ± standard deviation over
//! seeds, beside the final value of each group.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::learning::{padded_range, tick};
use crate::output::{FONT, Figure, colour, draw_legend, msg, render};
use crate::{Curve, PlotError};

/// The runs (one curve per seed) of one parameter value.
#[derive(Debug, Clone, PartialEq)]
pub struct AblationGroup {
    /// Legend label, e.g. `network.lookahead = true`.
    pub label: String,
    /// One curve per seed (complete runs only).
    pub runs: Vec<Curve>,
    /// Runs of this value left out of the mean (failed or interrupted); shown in the legend.
    pub left_out: usize,
}

/// Mean and sample standard deviation per x over the runs that have that x.
pub fn mean_band(runs: &[Curve]) -> Vec<(f64, f64, f64)> {
    let mut xs: Vec<f64> = runs.iter().flat_map(|c| c.x.iter().copied()).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    xs.into_iter()
        .map(|x| {
            let ys: Vec<f64> = runs
                .iter()
                .filter_map(|c| c.x.iter().position(|v| *v == x).map(|i| c.y[i]))
                .collect();
            let n = ys.len() as f64;
            let mean = ys.iter().sum::<f64>() / n;
            let var = if ys.len() > 1 {
                ys.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / (n - 1.0)
            } else {
                0.0
            };
            (x, mean, var.sqrt())
        })
        .collect()
}

/// Mean and standard deviation of each run's last value.
pub fn final_values(runs: &[Curve]) -> (f64, f64) {
    let last: Vec<f64> = runs.iter().filter_map(|c| c.y.last().copied()).collect();
    let n = last.len() as f64;
    let mean = last.iter().sum::<f64>() / n;
    let sd = if last.len() > 1 {
        (last.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    (mean, sd)
}

struct Ablation<'a> {
    groups: &'a [AblationGroup],
    metric: &'a str,
    x_label: &'a str,
    title: &'a str,
}

impl Figure for Ablation<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let area = area.titled(self.title, (FONT, 24)).map_err(msg)?;
        let (left, right) = area.split_horizontally((68).percent_width());
        let bands: Vec<Vec<(f64, f64, f64)>> =
            self.groups.iter().map(|g| mean_band(&g.runs)).collect();
        let x = padded_range(bands.iter().flatten().map(|b| b.0));
        let y = padded_range(bands.iter().flatten().flat_map(|b| [b.1 - b.2, b.1 + b.2]));
        let mut chart = ChartBuilder::on(&left)
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(x.0..x.1, y.0..y.1)
            .map_err(msg)?;
        chart
            .configure_mesh()
            .x_desc(self.x_label)
            .y_desc(self.metric)
            .x_label_formatter(&|v| tick(*v))
            .label_style((FONT, 14))
            .draw()
            .map_err(msg)?;
        for (i, (g, band)) in self.groups.iter().zip(&bands).enumerate() {
            let upper = band.iter().map(|b| (b.0, b.1 + b.2));
            let lower = band.iter().rev().map(|b| (b.0, b.1 - b.2));
            chart
                .draw_series(std::iter::once(Polygon::new(
                    upper.chain(lower).collect::<Vec<_>>(),
                    colour(i).mix(0.2).filled(),
                )))
                .map_err(msg)?;
            let seeds = g.runs.len();
            chart
                .draw_series(LineSeries::new(
                    band.iter().map(|b| (b.0, b.1)),
                    colour(i).stroke_width(2),
                ))
                .map_err(msg)?
                .label(if g.left_out == 0 {
                    format!("{} (n = {seeds})", g.label)
                } else {
                    format!(
                        "{} (n = {seeds}; {} left out, not complete)",
                        g.label, g.left_out
                    )
                })
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], colour(i).stroke_width(2))
                });
        }
        draw_legend(&mut chart, SeriesLabelPosition::MiddleRight)?;

        // Final values per group: mean ± sd as a point with an error bar.
        let finals: Vec<(f64, f64)> = self.groups.iter().map(|g| final_values(&g.runs)).collect();
        let fy = padded_range(finals.iter().flat_map(|(m, s)| [m - s, m + s]));
        let n = self.groups.len();
        let mut bars = ChartBuilder::on(&right)
            .margin(12)
            .caption(format!("final {}", self.metric), (FONT, 16))
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d((0..n).into_segmented(), fy.0..fy.1)
            .map_err(msg)?;
        // Tick labels: the values only ("k1 = v1, k2 = v2" → "v1, v2"); the keys name the axis.
        let labels: Vec<String> = self
            .groups
            .iter()
            .map(|g| key_values(&g.label).map_or(g.label.clone(), |(_, v)| v))
            .collect();
        let axis = key_values(&self.groups[0].label).map_or("group".to_string(), |(k, _)| k);
        bars.configure_mesh()
            .disable_x_mesh()
            .x_desc(axis)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .label_style((FONT, 12))
            .draw()
            .map_err(msg)?;
        for (i, (m, s)) in finals.iter().enumerate() {
            bars.draw_series(std::iter::once(ErrorBar::new_vertical(
                SegmentValue::CenterOf(i),
                m - s,
                *m,
                m + s,
                colour(i).filled(),
                12,
            )))
            .map_err(msg)?;
        }
        Ok(())
    }
}

/// The keys and the values of a group label `k1 = v1, k2 = v2, …`, each joined with ", ";
/// `None` when a part is not `key = value`.
fn key_values(label: &str) -> Option<(String, String)> {
    let (keys, values): (Vec<&str>, Vec<&str>) = label
        .split(", ")
        .map(|part| part.split_once(" = "))
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        .unzip();
    Some((keys.join(", "), values.join(", ")))
}

/// Draws the ablation figure of `metric` against epoch for `groups`.
pub fn plot_ablation(
    groups: &[AblationGroup],
    metric: &str,
    title: &str,
    out: &Path,
) -> Result<(), PlotError> {
    plot_ablation_against(groups, metric, "epoch", title, out)
}

/// Draws the ablation figure of `metric` for `groups` against the curves' x values, named
/// `x_label` on the axis (e.g. `trials` for curves re-indexed with [`Curve::against`]).
pub fn plot_ablation_against(
    groups: &[AblationGroup],
    metric: &str,
    x_label: &str,
    title: &str,
    out: &Path,
) -> Result<(), PlotError> {
    if groups.is_empty() || groups.iter().all(|g| g.runs.iter().all(|c| c.x.is_empty())) {
        return Err(PlotError::Empty {
            reason: format!("no runs with {metric}"),
        });
    }
    render(
        out,
        (1200, 600),
        &Ablation {
            groups,
            metric,
            x_label,
            title,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Group labels of one and of several keys split into the axis name and the tick label.
    #[test]
    fn labels_split_into_keys_and_values() {
        assert_eq!(
            key_values("network.lookahead = true"),
            Some(("network.lookahead".into(), "true".into()))
        );
        assert_eq!(
            key_values("plasticity.eta = 0.1, plasticity.reinforce.baseline.kind = none"),
            Some((
                "plasticity.eta, plasticity.reinforce.baseline.kind".into(),
                "0.1, none".into()
            ))
        );
        assert_eq!(key_values("free text"), None);
    }
}

//! Learning curves: a metric against epoch for one or several runs.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use prospect_trace::TraceReader;

use crate::PlotError;
use crate::output::{FONT, Figure, colour, draw_legend, fit_left, msg, render};

/// Margin around the chart (pixels).
const MARGIN: u32 = 12;

/// One run's curve.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// Legend label (e.g. the file name or the swept value).
    pub label: String,
    /// x values (epochs).
    pub x: Vec<f64>,
    /// y values.
    pub y: Vec<f64>,
}

impl Curve {
    /// The same curve against another per-epoch quantity: each point's x (an epoch) replaced by
    /// `axis`'s value at that epoch (`axis.x` epochs, `axis.y` the new x, e.g. the `trials`
    /// metric of reward runs, so that runs with different trials per epoch share an axis).
    /// Fails, naming the epoch, when `axis` has no value there.
    pub fn against(&self, axis: &Curve) -> Result<Curve, PlotError> {
        let x = self
            .x
            .iter()
            .map(|e| {
                axis.x
                    .iter()
                    .position(|a| a == e)
                    .map(|i| axis.y[i])
                    .ok_or_else(|| PlotError::Empty {
                        reason: format!("{}: no {} at epoch {e}", self.label, axis.label),
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(Curve {
            label: self.label.clone(),
            x,
            y: self.y.clone(),
        })
    }
}

struct Learning<'a> {
    curves: &'a [Curve],
    metric: &'a str,
    x_label: &'a str,
    title: &'a str,
}

/// A tick label without a spurious fraction: `10`, not `10.0`; `2.5` stays.
pub(crate) fn tick(v: f64) -> String {
    if v == v.round() && v.abs() < 1e15 {
        // `as i64` also turns -0.0 into "0".
        format!("{}", v as i64)
    } else {
        // Rounding a tick like -2.8e-17 gives -0.0; adding 0.0 makes it +0.0, printed "0".
        format!("{}", (v * 1e6).round() / 1e6 + 0.0)
    }
}

/// The range of `values` padded by 5 % (or ±0.5 when flat).
pub(crate) fn padded_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        return (lo - 0.5, hi + 0.5);
    }
    let pad = 0.05 * (hi - lo);
    (lo - pad, hi + pad)
}

impl Figure for Learning<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let x = padded_range(self.curves.iter().flat_map(|c| c.x.iter().copied()));
        let y = padded_range(self.curves.iter().flat_map(|c| c.y.iter().copied()));
        // The caption is centred in the area less its margins; a longer one is cut at both edges.
        let font = (FONT, 24).into_font();
        let width = area.dim_in_pixel().0.saturating_sub(2 * MARGIN);
        let title = fit_left(area, self.title, &font.clone().into_text_style(area), width)?;
        let mut chart = ChartBuilder::on(area)
            .caption(title, font)
            .margin(MARGIN)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(x.0..x.1, y.0..y.1)
            .map_err(msg)?;
        chart
            .configure_mesh()
            .x_desc(self.x_label)
            .y_desc(self.metric)
            // Integer epochs: no more ticks than epochs, so none falls between two (1.2, 1.4).
            .x_labels(((x.1 - x.0).floor() as usize + 1).clamp(2, 10))
            .x_label_formatter(&|v| tick(*v))
            .label_style((FONT, 14))
            .draw()
            .map_err(msg)?;
        for (i, c) in self.curves.iter().enumerate() {
            let style = colour(i).stroke_width(2);
            chart
                .draw_series(LineSeries::new(
                    c.x.iter().copied().zip(c.y.iter().copied()),
                    style,
                ))
                .map_err(msg)?
                .label(c.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], colour(i).stroke_width(2))
                });
        }
        draw_legend(&mut chart, legend_corner(self.curves, x, y))?;
        Ok(())
    }
}

/// The train/test pair a metric belongs to: `test_accuracy` → (`train_accuracy`,
/// `test_accuracy`, `accuracy`); `None` for a metric without a `train_`/`test_` prefix.
pub fn split_pair(metric: &str) -> Option<(String, String, String)> {
    let rest = metric
        .strip_prefix("test_")
        .or_else(|| metric.strip_prefix("train_"))?;
    Some((
        format!("train_{rest}"),
        format!("test_{rest}"),
        rest.to_string(),
    ))
}

/// The curves of one run for `metric`: when the file holds both the train and the test version
/// of it (see [`split_pair`]), both, labelled `<label> train` and `<label> test`, so that a
/// learning figure shows over-fitting at a glance; otherwise the one curve, labelled `label`.
pub fn run_curves(
    reader: &TraceReader,
    metric: &str,
    label: &str,
) -> Result<Vec<Curve>, PlotError> {
    let one = |name: &str, label: String| -> Result<Curve, PlotError> {
        let m = reader.metric(name)?;
        Ok(Curve {
            label,
            x: m.x,
            y: m.values,
        })
    };
    let names = reader.metric_names()?;
    if let Some((train, test, _)) = split_pair(metric)
        && names.contains(&train)
        && names.contains(&test)
    {
        return Ok(vec![
            one(&train, format!("{label} train"))?,
            one(&test, format!("{label} test"))?,
        ]);
    }
    Ok(vec![one(metric, label.to_string())?])
}

/// The place for the legend that covers the fewest data: each candidate box (sized from the
/// labels at 14 px: ~8 px a character plus the sample, 18 px a row, in a ~816 × 490 px plot)
/// is scored by how many points of the curves, 20 per segment, fall inside it.
fn legend_corner(curves: &[Curve], x: (f64, f64), y: (f64, f64)) -> SeriesLabelPosition {
    use SeriesLabelPosition::{
        LowerLeft, LowerRight, MiddleLeft, MiddleRight, UpperLeft, UpperRight,
    };
    let chars = curves
        .iter()
        .map(|c| c.label.chars().count())
        .max()
        .unwrap_or(0);
    let w = ((40.0 + 8.0 * chars as f64) / 816.0).min(1.0);
    let h = ((10.0 + 18.0 * curves.len() as f64) / 490.0).min(1.0);
    let points: Vec<(f64, f64)> = curves
        .iter()
        .flat_map(|c| {
            let p: Vec<(f64, f64)> =
                c.x.iter()
                    .zip(&c.y)
                    .map(|(a, b)| ((a - x.0) / (x.1 - x.0), (b - y.0) / (y.1 - y.0)))
                    .collect();
            let segments: Vec<(f64, f64)> = p
                .windows(2)
                .flat_map(|s| {
                    (0..20).map(move |k| {
                        let f = f64::from(k) / 20.0;
                        (
                            s[0].0 + f * (s[1].0 - s[0].0),
                            s[0].1 + f * (s[1].1 - s[0].1),
                        )
                    })
                })
                .collect();
            segments.into_iter().chain(p)
        })
        .collect();
    let (left, right) = ((0.0, w), (1.0 - w, 1.0));
    let (low, mid, high) = ((0.0, h), (0.5 - h / 2.0, 0.5 + h / 2.0), (1.0 - h, 1.0));
    let candidates = [
        (UpperRight, right, high),
        (LowerRight, right, low),
        (UpperLeft, left, high),
        (LowerLeft, left, low),
        (MiddleRight, right, mid),
        (MiddleLeft, left, mid),
    ];
    let covered = |(bx, by): ((f64, f64), (f64, f64))| {
        points
            .iter()
            .filter(|(px, py)| *px >= bx.0 && *px <= bx.1 && *py >= by.0 && *py <= by.1)
            .count()
    };
    candidates
        .into_iter()
        .min_by_key(|(_, bx, by)| covered((*bx, *by)))
        .map_or(UpperRight, |(pos, _, _)| pos)
}

/// Draws `metric` (y axis label, with its unit if any) against `x_label` for each curve.
pub fn plot_learning(
    curves: &[Curve],
    metric: &str,
    x_label: &str,
    title: &str,
    out: &Path,
) -> Result<(), PlotError> {
    if curves.iter().all(|c| c.x.is_empty()) {
        return Err(PlotError::Empty {
            reason: format!("no values of {metric}"),
        });
    }
    render(
        out,
        (900, 600),
        &Learning {
            curves,
            metric,
            x_label,
            title,
        },
    )
}

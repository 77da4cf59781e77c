//! Learning curves: a metric against epoch for one or several runs.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::PlotError;
use crate::output::{FONT, Figure, colour, draw_legend, msg, render};

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
        format!("{}", (v * 1e6).round() / 1e6)
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
        let mut chart = ChartBuilder::on(area)
            .caption(self.title, (FONT, 24))
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
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        Ok(())
    }
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

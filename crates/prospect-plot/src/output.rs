//! Output files, fonts, errors and the shared look.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use thiserror::Error;

/// Why a figure could not be made.
#[derive(Debug, Error)]
pub enum PlotError {
    /// The output extension is neither `.png` nor `.svg`.
    #[error("{path}: unknown figure format; use a .png or .svg file name")]
    Format { path: PathBuf },
    /// Reading the trace file failed.
    #[error(transparent)]
    Trace(#[from] prospect_trace::TraceError),
    /// A trace file lacks what the figure draws (e.g. a supervised run has no per-class
    /// metrics).
    #[error("{path}: {reason}")]
    NoMetrics { path: PathBuf, reason: String },
    /// There is nothing to draw (names the missing piece).
    #[error("nothing to plot: {reason}")]
    Empty { reason: String },
    /// The drawing backend failed (e.g. the folder does not exist).
    #[error("{path}: {reason}")]
    Draw { path: PathBuf, reason: String },
}

/// The font family name under which DejaVu Sans is registered.
pub const FONT: &str = "sans-serif";

static FONTS: Once = Once::new();

/// Registers the embedded DejaVu Sans for every style plotters asks for.
pub fn register_fonts() {
    FONTS.call_once(|| {
        let regular = dejavu::sans::regular();
        for style in [FontStyle::Normal, FontStyle::Oblique, FontStyle::Italic] {
            let _ = plotters::style::register_font(FONT, style, regular);
        }
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// A colour per series index (Tableau 10).
pub fn colour(i: usize) -> RGBColor {
    const PALETTE: [(u8, u8, u8); 10] = [
        (31, 119, 180),
        (255, 127, 14),
        (44, 160, 44),
        (214, 39, 40),
        (148, 103, 189),
        (140, 86, 75),
        (227, 119, 194),
        (127, 127, 127),
        (188, 189, 34),
        (23, 190, 207),
    ];
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    RGBColor(r, g, b)
}

/// Output kind from the extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Portable Network Graphics.
    Png,
    /// Scalable Vector Graphics.
    Svg,
}

/// The output kind of `path`.
pub fn kind(path: &Path) -> Result<Kind, PlotError> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("png") => Ok(Kind::Png),
        Some("svg") => Ok(Kind::Svg),
        _ => Err(PlotError::Format {
            path: path.to_path_buf(),
        }),
    }
}

/// A figure that can draw itself on any plotters backend.
pub trait Figure {
    /// Draws on `area` (already filled white).
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// Draws `figure` on a white canvas of `size` pixels written to `path` (PNG or SVG).
pub fn render(path: &Path, size: (u32, u32), figure: &impl Figure) -> Result<(), PlotError> {
    register_fonts();
    let fail = |reason: String| PlotError::Draw {
        path: path.to_path_buf(),
        reason,
    };
    match kind(path)? {
        Kind::Svg => {
            let root = SVGBackend::new(path, size).into_drawing_area();
            root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
            figure.draw(&root).map_err(fail)?;
            root.present().map_err(|e| fail(e.to_string()))
        }
        Kind::Png => {
            let root = BitMapBackend::new(path, size).into_drawing_area();
            root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
            figure.draw(&root).map_err(fail)?;
            root.present().map_err(|e| fail(e.to_string()))
        }
    }
}

/// Draws the series legend in the house style (white box, black border, 14 px text).
pub fn draw_legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, 14))
        .position(position)
        .draw()
        .map_err(msg)
}

/// `text` shortened from the left with a leading "…" until it is at most `width` pixels wide in
/// `style`, so that a long path in a title keeps its informative end (the file name) instead of
/// running off both edges of the figure. Text that fits is returned unchanged.
pub fn fit_left<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    width: u32,
) -> Result<String, String> {
    let fits = |t: &str| -> Result<bool, String> {
        Ok(area.estimate_text_size(t, style).map_err(msg)?.0 <= width)
    };
    if fits(text)? {
        return Ok(text.to_string());
    }
    let chars: Vec<char> = text.chars().collect();
    for start in 1..chars.len() {
        let t: String = std::iter::once('…')
            .chain(chars[start..].iter().copied())
            .collect();
        if fits(&t)? {
            return Ok(t);
        }
    }
    Ok("…".to_string())
}

/// Converts any displayable drawing error into the message [`Figure::draw`] returns.
pub fn msg<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

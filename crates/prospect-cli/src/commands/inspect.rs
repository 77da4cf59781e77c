//! `prospect inspect`: what a trace file holds.

use std::fmt::Write;
use std::path::Path;

use prospect_trace::TraceReader;

/// A plain-text description: root attributes, datasets with shapes, final metric values.
pub fn describe(path: &Path) -> anyhow::Result<String> {
    if path.is_dir() {
        anyhow::bail!(
            "{}: is a folder; inspect describes one trace file (.h5) — use collect for a folder",
            path.display()
        );
    }
    let r = TraceReader::open(path)?;
    let mut out = String::new();
    writeln!(out, "file: {}", path.display())?;
    writeln!(out, "attributes:")?;
    let mut names = r.attr_names()?;
    names.sort();
    for name in names {
        let value = match name.as_str() {
            "seed" => r.seed()?.to_string(),
            "format_version" => "1".into(),
            // The effective status: `running` whose writer is gone reads `interrupted`.
            "status" => match r.status()? {
                prospect_trace::RunStatus::Interrupted => {
                    "interrupted (status running, but no process is writing it)".into()
                }
                s => s.word().to_string(),
            },
            _ => r.attr(&name).unwrap_or_default(),
        };
        let lines: Vec<&str> = value.lines().collect();
        if lines.len() > 1 {
            writeln!(out, "  {name}: ({} lines)", lines.len())?;
            for l in lines.iter().take(40) {
                writeln!(out, "    | {l}")?;
            }
        } else {
            writeln!(out, "  {name}: {value}")?;
        }
    }
    writeln!(out, "datasets:")?;
    for (name, shape) in r.datasets()? {
        writeln!(out, "  {name} {shape:?}")?;
    }
    writeln!(out, "metrics (last value):")?;
    for name in r.metric_names()? {
        let m = r.metric(&name)?;
        let last = m.values.last().map_or("-".into(), |v| format!("{v:.6}"));
        writeln!(
            out,
            "  {name}: {last} at {} {}",
            m.x_name,
            m.x.last().copied().unwrap_or(f64::NAN)
        )?;
    }
    Ok(out)
}

//! Checks of keys against each other that would otherwise turn silently into empty or smaller
//! data: recorded units beyond a layer, recorded epochs beyond the run.

use super::schema::ModelFile;

/// `(key, reason)` of the first key that points beyond what the model has.
pub fn check_bounds(m: &ModelFile) -> Result<(), (String, String)> {
    let sizes = &m.network.sizes;
    let layers = sizes.len().saturating_sub(1);
    let r = &m.record;
    if let Some(units) = &r.units {
        let populations: Vec<usize> = match &r.populations {
            Some(p) => p
                .iter()
                .filter_map(|name| name.strip_prefix("layer")?.parse().ok())
                .collect(),
            None => (1..=layers).collect(),
        };
        for &u in units {
            for &l in &populations {
                let Some(&size) = sizes.get(l) else { continue };
                if u >= size {
                    return Err((
                        "record.units".into(),
                        format!(
                            "unit {u} is beyond layer{l}, which has {size} units (0 … {})",
                            size - 1
                        ),
                    ));
                }
            }
        }
    }
    if let Some(epochs) = &r.epochs {
        for e in epochs {
            if let toml::Value::Integer(n) = e
                && *n > m.training.epochs
            {
                return Err((
                    "record.epochs".into(),
                    format!(
                        "epoch {n} is beyond training.epochs = {}",
                        m.training.epochs
                    ),
                ));
            }
        }
    }
    Ok(())
}

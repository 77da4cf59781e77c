//! Reading model files and applying `--set` overrides, with errors that name the file, the
//! dotted key and the reason.

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::schema::ModelFile;
use super::validate::validate;

/// A rejected model file: which file, which key (dotted, e.g. `network.tau`), why.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{file}: {key}: {reason}")]
pub struct ModelError {
    /// The model file.
    pub file: PathBuf,
    /// Dotted key (`-` when the whole file is at fault).
    pub key: String,
    /// What is wrong.
    pub reason: String,
}

/// A validated model: its file, the effective TOML (after overrides) and the parsed sections.
#[derive(Debug, Clone)]
pub struct Model {
    /// Where it came from.
    pub path: PathBuf,
    /// The model file's text as written (stored in traces as `model`).
    pub original: String,
    /// The effective model (the file with every override applied, as TOML; stored in traces
    /// as `model_effective`).
    pub text: String,
    /// The parsed sections.
    pub file: ModelFile,
}

/// Splits `key=value` and parses the value as a TOML value (a bare word becomes a string).
pub fn parse_override(arg: &str) -> Result<(String, toml::Value), String> {
    let (key, value) = arg.split_once('=').ok_or_else(|| {
        format!("--set {arg:?}: expected key=value, e.g. network.lookahead=false")
    })?;
    let key = key.trim();
    if key.is_empty() || key.split('.').any(str::is_empty) {
        return Err(format!("--set {arg:?}: empty key or empty part in {key:?}"));
    }
    Ok((key.to_string(), parse_value(value.trim())))
}

/// A TOML value from command-line text: numbers, booleans, arrays, inline tables, quoted
/// strings; anything else is taken as a bare string.
pub fn parse_value(text: &str) -> toml::Value {
    let doc = format!("v = {text}");
    match doc.parse::<toml::Table>() {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(text.into())),
        Err(_) => toml::Value::String(text.to_string()),
    }
}

impl Model {
    /// Loads `path`, applies `overrides` (dotted keys) in order, parses and validates.
    pub fn load(path: &Path, overrides: &[(String, toml::Value)]) -> Result<Model, ModelError> {
        let err = |key: &str, reason: String| ModelError {
            file: path.to_path_buf(),
            key: key.to_string(),
            reason,
        };
        let text =
            std::fs::read_to_string(path).map_err(|e| err("-", format!("cannot read: {e}")))?;
        Model::parse(path, text, overrides)
    }

    /// Parses model-file `text` (named `path` in errors), applies `overrides`, validates and
    /// checks the memory budget. Any text gives a model or an error, never a panic.
    pub fn parse(
        path: &Path,
        text: String,
        overrides: &[(String, toml::Value)],
    ) -> Result<Model, ModelError> {
        let err = |key: &str, reason: String| ModelError {
            file: path.to_path_buf(),
            key: key.to_string(),
            reason,
        };
        let mut table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let at = e.span().map_or(String::new(), |s| {
                let (line, column) = line_column(&text, s.start);
                format!(" at line {line}, column {column}")
            });
            err("-", format!("not valid TOML{at}: {}", e.message().trim()))
        })?;
        for (key, value) in overrides {
            set_dotted(&mut table, key, value.clone()).map_err(|reason| err(key, reason))?;
        }
        // The rules' own tables `[plasticity.<rule>]` are read by the rules' builders, not by the
        // schema: every table inside `[plasticity]` is one (no other plasticity key is a table).
        let mut parsed = table.clone();
        let rule_tables =
            take_rule_tables(&mut parsed).map_err(|(key, reason)| err(&key, reason))?;
        let mut file: ModelFile = serde_path_to_error::deserialize(toml::Value::Table(parsed))
            .map_err(|e| {
                let key = e.path().to_string();
                let key = if key == "." { "-".to_string() } else { key };
                // toml appends "in `key`" to its messages; the key is already named.
                let reason = e.into_inner().to_string();
                let reason = reason.split("\nin `").next().unwrap_or_default().trim();
                err(&key, reason.to_string())
            })?;
        file.plasticity.rules = rule_tables;
        if super::algorithmic::is_algorithmic(&file) {
            super::algorithmic::check(&file, &table).map_err(|(key, reason)| err(&key, reason))?;
        } else {
            super::algorithmic::check_prospective(&file, &table)
                .map_err(|(key, reason)| err(&key, reason))?;
            validate(&file).map_err(|(key, reason)| err(&key, reason))?;
            super::bounds::check_bounds(&file).map_err(|(key, reason)| err(&key, reason))?;
            super::budget::check(&file).map_err(|(key, reason)| err(&key, reason))?;
            super::reward::check(&file, &table).map_err(|(key, reason)| err(&key, reason))?;
        }
        let effective = toml::to_string(&table).map_err(|e| err("-", e.to_string()))?;
        Ok(Model {
            path: path.to_path_buf(),
            original: text,
            text: effective,
            file,
        })
    }
}

/// Removes the tables inside `[plasticity]` (the rules' parameter tables) from `table` and
/// returns them as JSON values by rule name.
fn take_rule_tables(
    table: &mut toml::Table,
) -> Result<std::collections::BTreeMap<String, serde_json::Value>, (String, String)> {
    let mut out = std::collections::BTreeMap::new();
    let Some(toml::Value::Table(plasticity)) = table.get_mut("plasticity") else {
        return Ok(out);
    };
    let names: Vec<String> = plasticity
        .iter()
        .filter(|(_, v)| v.is_table())
        .map(|(k, _)| k.clone())
        .collect();
    for name in names {
        let value = plasticity
            .remove(&name)
            .unwrap_or(toml::Value::Boolean(false));
        if let Some((key, v)) = non_finite(&value, &format!("plasticity.{name}")) {
            return Err((
                key,
                format!(
                    "{v}: a rule's table takes finite numbers; leave the key out for its default \
                     (e.g. tau_e = ∞ where a rule has it)"
                ),
            ));
        }
        let json = serde_json::to_value(&value)
            .map_err(|e| (format!("plasticity.{name}"), e.to_string()))?;
        out.insert(name, json);
    }
    Ok(out)
}

/// The dotted key (under `prefix`) and value of the first NaN or ±∞ in `value`: the rules'
/// parameters travel as JSON, which has neither (serde_json would turn them into `null`, and
/// the rule would report "invalid type: null" instead of the value).
fn non_finite(value: &toml::Value, prefix: &str) -> Option<(String, f64)> {
    match value {
        toml::Value::Float(v) if !v.is_finite() => Some((prefix.to_string(), *v)),
        toml::Value::Table(t) => t
            .iter()
            .find_map(|(k, v)| non_finite(v, &format!("{prefix}.{k}"))),
        toml::Value::Array(a) => a
            .iter()
            .enumerate()
            .find_map(|(i, v)| non_finite(v, &format!("{prefix}[{i}]"))),
        _ => None,
    }
}

/// 1-based line and column (in characters) of byte offset `at` in `text`.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = text.get(..at.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Sets `a.b.c = value` inside `table`, creating intermediate tables.
fn set_dotted(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<(), String> {
    let parts: Vec<&str> = key.split('.').collect();
    let mut current = table;
    for (i, part) in parts[..parts.len() - 1].iter().enumerate() {
        let entry = current
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = entry.as_table_mut().ok_or_else(|| {
            format!(
                "cannot set: {} is a value, not a section",
                parts[..=i].join(".")
            )
        })?;
    }
    current.insert(parts[parts.len() - 1].to_string(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_values_parse_as_toml_or_bare_strings() {
        assert_eq!(
            parse_override("a.b=3").unwrap(),
            ("a.b".into(), toml::Value::Integer(3))
        );
        assert_eq!(
            parse_override("x=false").unwrap().1,
            toml::Value::Boolean(false)
        );
        assert_eq!(
            parse_override("m=rodas4").unwrap().1,
            toml::Value::String("rodas4".into())
        );
        assert_eq!(
            parse_override("v=[1, 2]")
                .unwrap()
                .1
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert!(parse_override("novalue").is_err());
        assert!(parse_override("a..b=1").is_err());
    }
}

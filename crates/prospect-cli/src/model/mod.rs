//! Model files (TOML) in the paper's vocabulary: what they hold, their defaults and units.
//! Every key is documented in `docs/model-files.md`.
//!
//! - `schema`: the sections and keys (serde, unknown keys rejected);
//! - `load`: reading a file, applying `--set key=value` overrides, naming the dotted key of
//!   every error;
//! - `validate`: range checks before anything runs;
//! - `bounds`: keys checked against each other (recorded units and epochs within the run);
//! - `budget`: the memory a run will need, refused before allocating when too much;
//! - `reward`: reward learning's keys (the rule and its table, `[trial]`, bandit tasks), checked
//!   by building the rules;
//! - `build`: the network, training and data objects of the library crates;
//! - `algorithmic`: `network.form = "algorithmic"`, seed 002's Q-AGREL and backprop under the
//!   paper's protocol: its keys, checks and the protocol run.

mod algorithmic;
mod bounds;
pub mod budget;
mod build;
mod load;
mod reward;
mod schema;
mod validate;

pub use load::{Model, ModelError, parse_override};
pub use schema::ModelFile;

//! The learning rules, one file each (docs/equations.md §1, §2, §4). Each file holds its
//! parameters, its state and its equations, and exports `ENTRY` for [`crate::registry`].

pub mod local_error;
pub mod node_perturbation;
pub mod perturbation_baseline;
pub mod qagrel;
pub mod reinforce;
pub mod weight_perturbation;
pub mod wna;

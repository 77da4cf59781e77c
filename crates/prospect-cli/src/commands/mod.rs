//! One file per command.

pub mod collect;
pub mod inspect;
pub mod plot;
pub mod run;
pub mod sweep;

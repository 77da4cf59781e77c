//! The model-file layer of the `prospect` command line (parsing, `--set` overrides,
//! validation, the memory budget, building the library objects), as a library so that fuzz
//! targets and property tests can call the parser. The command line itself lives in the
//! `prospect` binary.

pub mod model;

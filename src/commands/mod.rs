//! The commands for people: each reads what the credential command reads (and `--verify` runs
//! it), never writes a cache, and returns the text for stdout with its exit code.

pub mod completions;
pub mod configure;
pub mod doctor;
pub mod man;
pub mod status;

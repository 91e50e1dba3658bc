//! In-process tests of Resource Manager: handlers called directly with a
//! `World` and the `Caller` a token check would have produced. They live in
//! the crate, not in `tests/`, because those types are the crate's own.

mod arm_providers;
mod fixtures_replay;

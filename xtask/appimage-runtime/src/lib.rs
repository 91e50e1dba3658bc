//! Empty: this package exists for its dependency's files (see Cargo.toml).

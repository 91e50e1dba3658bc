//! Restoring access: why a key is inaccessible, and the fix that matches.

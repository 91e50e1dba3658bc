//! keyblade-core

//! keyblade-azure

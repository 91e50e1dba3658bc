//! keyblade-sandbox

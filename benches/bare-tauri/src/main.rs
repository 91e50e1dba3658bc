//! The bare Tauri app `cargo xtask bench-startup` compares keyblade with.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Err(error) = tauri::Builder::default().run(tauri::generate_context!()) {
        eprintln!("bare-tauri could not start: {error}");
        std::process::exit(1);
    }
}

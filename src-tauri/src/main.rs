// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;

fn main() -> ExitCode {
    keyblade_app::rendering::paint_on_cpu_without_gpu();
    match keyblade_app::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!(
                "keyblade could not start: {error}. On Linux, check that WebKitGTK 4.1 is \
                 installed and a display is available (DISPLAY or WAYLAND_DISPLAY)."
            );
            ExitCode::FAILURE
        }
    }
}

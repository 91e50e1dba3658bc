//! How the window's web view is set up beyond what Tauri's configuration offers.
//!
//! On Linux, WebKitGTK composites every page through OpenGL by default. keyblade's pages are
//! forms and tables that never animate in 3D, and without a GPU (a virtual machine, a remote
//! desktop, Xvfb) that GL is Mesa's software renderer: measured with `cargo xtask
//! bench-startup`, it held ~120 MiB more in the web process than drawing on the CPU, and
//! the first screen painted later. Compositing is still used when a page asks for it.

use tauri::{Manager, Runtime};

/// Applies keyblade's web view settings to the main window, if there is one.
pub fn configure<R: Runtime>(app: &tauri::App<R>) {
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    if let Err(error) = window.with_webview(apply) {
        crate::log_warn!("could not adjust the web view's settings: {error}");
    }
}

#[cfg(target_os = "linux")]
fn apply(webview: tauri::webview::PlatformWebview) {
    use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
    if let Some(settings) = webview.inner().settings() {
        settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
    }
}

#[cfg(not(target_os = "linux"))]
fn apply(_webview: tauri::webview::PlatformWebview) {}

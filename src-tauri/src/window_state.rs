//! The window comes back with the size and position it was left at.
//!
//! `tauri-plugin-window-state` restores them at start-up and writes them to disk when the
//! app exits normally. Saving shortly after each move or resize as well keeps them when the
//! app is killed, crashes, or the session ends without a clean exit.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tauri::plugin::TauriPlugin;
use tauri::{Manager, Runtime, Window, WindowEvent};
use tauri_plugin_window_state::{AppHandleExt, StateFlags};

/// Size, position and maximized only: restoring visibility or decorations could bring the
/// window back hidden or frameless.
const REMEMBERED: StateFlags = StateFlags::SIZE
    .union(StateFlags::POSITION)
    .union(StateFlags::MAXIMIZED);

/// A drag or resize sends a stream of events; save once it has stopped for this long.
const SAVE_AFTER: Duration = Duration::from_millis(500);

pub fn plugin<R: Runtime>() -> TauriPlugin<R> {
    tauri_plugin_window_state::Builder::default()
        .with_state_flags(REMEMBERED)
        .build()
}

/// Counts moves and resizes, so a delayed save can tell whether a later one superseded it.
#[derive(Default)]
pub struct Changes(AtomicU64);

/// For `Builder::on_window_event`: schedules a save after the window stops changing.
pub fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    if !matches!(event, WindowEvent::Moved(_) | WindowEvent::Resized(_)) {
        return;
    }
    let app = window.app_handle().clone();
    let change = app.state::<Changes>().0.fetch_add(1, Ordering::SeqCst) + 1;
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(SAVE_AFTER).await;
        if app.state::<Changes>().0.load(Ordering::SeqCst) != change {
            return;
        }
        if let Err(error) = app.save_window_state(REMEMBERED) {
            // Not worth interrupting the user for: the window opens at its default size.
            crate::log_warn!("could not remember the window's size and position: {error}");
        }
    });
}

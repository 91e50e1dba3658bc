//! Long operations report progress to the window as `operation-progress` events, tagged with
//! the operation id the UI chose, so its notification can follow them.

use std::sync::atomic::{AtomicU32, Ordering};

use std::sync::Arc;

use keyblade_azure::arm::lro::{Progress, ProgressUpdate};
use keyblade_azure::encryption::{CancelSave, SaveOutcome, SaveWatch};
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::dto::{OperationProgress, ProgressStage, SaveSettled};
use crate::error::CommandError;
use crate::state::{AppState, Connected};

pub const OPERATION_PROGRESS: &str = "operation-progress";
/// The end of a save that returned "in progress", watched in the background.
pub const SAVE_SETTLED: &str = "save-settled";

/// Turns keyblade-azure's progress updates into events for one operation.
pub struct EventProgress<R: Runtime> {
    app: AppHandle<R>,
    operation_id: String,
    completed: AtomicU32,
}

impl<R: Runtime> EventProgress<R> {
    pub fn new(app: AppHandle<R>, operation_id: String) -> EventProgress<R> {
        EventProgress {
            app,
            operation_id,
            completed: AtomicU32::new(0),
        }
    }
}

/// The event for one update; `completed` counts steps that succeeded, this one included.
pub fn progress_event(
    operation_id: &str,
    update: ProgressUpdate,
    completed: &AtomicU32,
) -> OperationProgress {
    let (stage, step, message) = match update {
        ProgressUpdate::Submitted { operation } => (
            ProgressStage::Submitted,
            operation.clone(),
            format!("{operation}…"),
        ),
        ProgressUpdate::Running {
            operation,
            status,
            polls,
            ..
        } => (
            ProgressStage::Running,
            operation.clone(),
            format!(
                "{operation}: Azure reports {status} (checked {polls} time{}).",
                if polls == 1 { "" } else { "s" }
            ),
        ),
        ProgressUpdate::Waiting {
            operation,
            reason,
            next_check_ms,
            ..
        } => (
            ProgressStage::Running,
            operation.clone(),
            format!(
                "{operation}: {reason}. Next check in {} s.",
                next_check_ms.div_ceil(1000)
            ),
        ),
        ProgressUpdate::Succeeded { operation } => {
            completed.fetch_add(1, Ordering::SeqCst);
            (
                ProgressStage::Succeeded,
                operation.clone(),
                format!("Done: {operation}."),
            )
        }
        ProgressUpdate::Failed {
            operation, message, ..
        } => (
            ProgressStage::Failed,
            operation.clone(),
            format!("{operation} failed: {message}"),
        ),
    };
    OperationProgress {
        operation_id: operation_id.to_owned(),
        stage,
        step,
        message,
        completed_steps: completed.load(Ordering::SeqCst),
    }
}

impl<R: Runtime> Progress for EventProgress<R> {
    fn report(&self, update: ProgressUpdate) {
        let event = progress_event(&self.operation_id, update, &self.completed);
        if let Err(error) = self.app.emit(OPERATION_PROGRESS, event) {
            // The operation goes on; only its live progress is lost, its result still arrives.
            crate::log_warn!("could not report progress to the window: {error}");
        }
    }
}

/// Watches an unfinished save until it ends (see
/// [`keyblade_azure::encryption::watch_until_settled`]), hands how it ended to `on_settled`
/// (which records it in the history), and tells the window with a `save-settled` event;
/// `cancel_save` with the same operation id stops the watch.
pub fn watch_in_background<R: Runtime>(
    app: AppHandle<R>,
    connected: Arc<Connected>,
    operation_id: String,
    watch: SaveWatch,
    cancel: CancelSave,
    on_settled: impl FnOnce(&SaveOutcome) + Send + 'static,
) {
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let outcome =
            keyblade_azure::encryption::watch_until_settled(&connected.azure, &watch, &cancel)
                .await;
        state.saves.finish(&operation_id);
        if let Ok(outcome) = &outcome {
            on_settled(outcome);
        }
        let settled = SaveSettled {
            operation_id,
            outcome: outcome.map_err(|error| CommandError::from(error).to_wire()),
        };
        if let Err(error) = app.emit(SAVE_SETTLED, settled) {
            crate::log_warn!("could not report a save's end to the window: {error}");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_become_events_that_count_finished_steps() {
        let completed = AtomicU32::new(0);
        let step = "Set the registry's encryption key";
        let cases = [
            (
                ProgressUpdate::Submitted {
                    operation: step.to_owned(),
                },
                ProgressStage::Submitted,
                "Set the registry's encryption key…",
                0,
            ),
            (
                ProgressUpdate::Running {
                    operation: step.to_owned(),
                    status: "Updating".to_owned(),
                    polls: 2,
                    next_check_ms: 500,
                },
                ProgressStage::Running,
                "Set the registry's encryption key: Azure reports Updating (checked 2 times).",
                0,
            ),
            (
                ProgressUpdate::Waiting {
                    operation: step.to_owned(),
                    reason: "Waiting for the new access to take effect".to_owned(),
                    attempts: 1,
                    next_check_ms: 4500,
                },
                ProgressStage::Running,
                "Set the registry's encryption key: Waiting for the new access to take effect. \
                 Next check in 5 s.",
                0,
            ),
            (
                ProgressUpdate::Succeeded {
                    operation: step.to_owned(),
                },
                ProgressStage::Succeeded,
                "Done: Set the registry's encryption key.",
                1,
            ),
            (
                ProgressUpdate::Failed {
                    operation: "Verify".to_owned(),
                    code: "save.unverified".to_owned(),
                    message: "The key differs.".to_owned(),
                },
                ProgressStage::Failed,
                "Verify failed: The key differs.",
                1,
            ),
        ];
        for (update, stage, message, done) in cases {
            let event = progress_event("op-1", update, &completed);
            assert_eq!(event.operation_id, "op-1");
            assert_eq!(event.stage, stage);
            assert_eq!(event.message, message);
            assert_eq!(event.completed_steps, done);
        }
    }
}

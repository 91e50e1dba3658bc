//! Long operations report progress to the window as `operation-progress` events, tagged with
//! the operation id the UI chose, so its notification can follow them.

use std::sync::atomic::{AtomicU32, Ordering};

use keyblade_azure::arm::lro::{Progress, ProgressUpdate};
use tauri::{AppHandle, Emitter, Runtime};

use crate::dto::{OperationProgress, ProgressStage};

pub const OPERATION_PROGRESS: &str = "operation-progress";

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
            eprintln!("keyblade: could not report progress to the window: {error}");
        }
    }
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

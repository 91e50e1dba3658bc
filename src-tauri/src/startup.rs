//! Start-up milestones, logged once per run as `start-up: <milestone> at <ms> ms` (with
//! `(took <ms> ms)` for a step with a known start): where the time to a usable first screen
//! goes. `cargo xtask bench-startup` reads them from each run's log.

use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

static STARTED: OnceLock<Instant> = OnceLock::new();
static LOGGED: Mutex<Vec<Milestone>> = Mutex::new(Vec::new());

/// What the log names, in the order a start usually reaches them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Milestone {
    /// The window's script ran and made its first call (`app_info`).
    FirstCall,
    /// The embedded demo tenant is serving (on a first run: a new tenant, its keys made).
    DemoTenantStarted,
    /// The session is signed in (to the demo or to Azure).
    SignedIn,
    /// Home has its first page of resources.
    HomeListed,
    /// Home has checked the health of the keys it asked about first.
    HomeChecked,
}

impl Milestone {
    fn label(self) -> &'static str {
        match self {
            Milestone::FirstCall => "the window's first call",
            Milestone::DemoTenantStarted => "demo tenant started",
            Milestone::SignedIn => "signed in",
            Milestone::HomeListed => "Home listed",
            Milestone::HomeChecked => "Home checked",
        }
    }
}

/// Marks the process's start; milestones count from here. Call first thing.
pub fn begin() {
    STARTED.get_or_init(Instant::now);
}

/// Logs `milestone` the first time it is reached in this run.
pub fn reached(milestone: Milestone) {
    log_once(milestone, None);
}

/// Logs `milestone` the first time it is reached, with how long its step took.
pub fn reached_after(milestone: Milestone, took: Duration) {
    log_once(milestone, Some(took));
}

fn log_once(milestone: Milestone, took: Option<Duration>) {
    let Some(started) = STARTED.get() else {
        return;
    };
    {
        let mut logged = LOGGED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if logged.contains(&milestone) {
            return;
        }
        logged.push(milestone);
    }
    crate::log_info!("{}", line(milestone, started.elapsed(), took));
}

fn line(milestone: Milestone, at: Duration, took: Option<Duration>) -> String {
    let mut line = format!("start-up: {} at {} ms", milestone.label(), at.as_millis());
    if let Some(took) = took {
        line.push_str(&format!(" (took {} ms)", took.as_millis()));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape `cargo xtask bench-startup` parses.
    #[test]
    fn lines_name_the_milestone_and_milliseconds_since_start() {
        assert_eq!(
            line(Milestone::HomeListed, Duration::from_millis(812), None),
            "start-up: Home listed at 812 ms"
        );
        assert_eq!(
            line(
                Milestone::DemoTenantStarted,
                Duration::from_millis(95),
                Some(Duration::from_millis(60))
            ),
            "start-up: demo tenant started at 95 ms (took 60 ms)"
        );
    }
}

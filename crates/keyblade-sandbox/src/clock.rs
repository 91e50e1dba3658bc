//! Sandbox time: `start + elapsed × speed + advanced`.
//!
//! Azure-side time (key `created`/`updated`, rotation policies, auto-rotation of
//! unversioned key identifiers) follows this clock, so tests can jump forward a
//! month with the admin API. Bearer tokens do not: their `iat`/`exp` are wall-clock
//! times, because clients cache tokens by their own clock and would otherwise keep
//! sending tokens the sandbox thinks expired after every clock jump.

use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "ClockState", into = "ClockState")]
pub struct Clock {
    /// Sandbox time, in Unix milliseconds, at `anchor`.
    anchor_sandbox_ms: i64,
    anchor: Instant,
    speed: f64,
}

/// What is persisted: the sandbox time when the state was written, and the speed.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ClockState {
    now_unix_ms: i64,
    speed: f64,
}

impl From<ClockState> for Clock {
    fn from(state: ClockState) -> Self {
        Clock {
            anchor_sandbox_ms: state.now_unix_ms,
            anchor: Instant::now(),
            speed: state.speed,
        }
    }
}

impl From<Clock> for ClockState {
    fn from(clock: Clock) -> Self {
        ClockState {
            now_unix_ms: clock.now_unix_ms(),
            speed: clock.speed,
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::starting_now(1.0)
    }
}

pub fn wall_clock_unix_ms() -> i64 {
    let now = OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}

impl Clock {
    /// A clock that starts at the wall-clock time and runs `speed` times faster.
    pub fn starting_now(speed: f64) -> Self {
        Clock {
            anchor_sandbox_ms: wall_clock_unix_ms(),
            anchor: Instant::now(),
            speed: sanitize_speed(speed),
        }
    }

    /// A clock that starts at a fixed Unix time (tests).
    #[cfg(test)]
    pub fn starting_at(unix_seconds: i64, speed: f64) -> Self {
        Clock {
            anchor_sandbox_ms: unix_seconds.saturating_mul(1000),
            anchor: Instant::now(),
            speed: sanitize_speed(speed),
        }
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Changes the speed from now on, without a jump.
    pub fn set_speed(&mut self, speed: f64) {
        self.rebase();
        self.speed = sanitize_speed(speed);
    }

    /// A restored clock must not run backwards: if the wall clock is ahead of the
    /// persisted sandbox time, sandbox time resumes from the wall clock.
    pub fn resume_not_before_wall_clock(&mut self) {
        let wall = wall_clock_unix_ms();
        if self.now_unix_ms() < wall {
            self.anchor_sandbox_ms = wall;
            self.anchor = Instant::now();
        }
    }

    pub fn now_unix_ms(&self) -> i64 {
        let elapsed_ms = self.anchor.elapsed().as_secs_f64() * 1000.0 * self.speed;
        self.anchor_sandbox_ms.saturating_add(elapsed_ms as i64)
    }

    /// Sandbox time in whole Unix seconds, the unit Key Vault attributes use.
    pub fn now_unix(&self) -> i64 {
        self.now_unix_ms().div_euclid(1000)
    }

    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.now_unix_ms()) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// Jumps sandbox time forward. Time never runs backwards, so negative jumps are refused.
    pub fn advance(&mut self, by: Duration) {
        let by_ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.rebase();
        self.anchor_sandbox_ms = self.anchor_sandbox_ms.saturating_add(by_ms);
    }

    fn rebase(&mut self) {
        self.anchor_sandbox_ms = self.now_unix_ms();
        self.anchor = Instant::now();
    }
}

fn sanitize_speed(speed: f64) -> f64 {
    if speed.is_finite() && speed >= 0.0 {
        speed
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_time_forward_and_persists() {
        let mut clock = Clock::starting_at(1_000_000, 0.0);
        clock.advance(Duration::from_secs(86_400));
        assert_eq!(clock.now_unix(), 1_086_400);
        let json = serde_json::to_string(&clock).expect("clock serialises");
        let restored: Clock = serde_json::from_str(&json).expect("clock deserialises");
        assert_eq!(restored.now_unix(), 1_086_400);
    }

    #[test]
    fn speed_scales_elapsed_time() {
        let clock = Clock::starting_at(0, 1000.0);
        std::thread::sleep(Duration::from_millis(20));
        assert!(clock.now_unix_ms() >= 20_000, "{}", clock.now_unix_ms());
    }
}

//! When to send a request again: the one retry rule every client shares.
//!
//! Azure asks callers to wait as long as `Retry-After` says on 429 (throttled) and 503
//! (unavailable). Waiting longer than a person would is worse than failing, so waits are
//! capped and so is the number of retries. The SDKs' own retry policies are switched off
//! (they retry TLS failures for about 80 s, and each SDK generation has its own rules);
//! [`crate::transport`] applies this one below both.
//!
//! Pure: the caller measures nothing and sleeps itself; `now` is passed in for HTTP-date
//! `Retry-After` values.

use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

/// How many times, and how long, a request may be retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The longest single wait, whatever `Retry-After` asks for.
    pub max_wait: Duration,
    /// The first wait when the service gives no `Retry-After`; doubled per retry.
    pub base_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            max_wait: Duration::from_secs(60),
            base_backoff: Duration::from_millis(800),
        }
    }
}

/// What came back from one attempt, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome<'a> {
    /// An HTTP response with this status; `retry_after` is the raw header value, if any
    /// (`Retry-After`, or the milliseconds of `retry-after-ms` / `x-ms-retry-after-ms`).
    Response {
        status: u16,
        retry_after: Option<RetryAfter<'a>>,
    },
    /// The connection broke after the request may have reached the server.
    ConnectionLost { idempotent: bool },
    /// The server could not be reached or its certificate was refused: no retry helps.
    Unreachable,
}

/// A `Retry-After`-like header value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter<'a> {
    /// `Retry-After`: seconds or an HTTP date.
    Standard(&'a str),
    /// `retry-after-ms` / `x-ms-retry-after-ms`.
    Milliseconds(&'a str),
}

/// The decision for one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Done: hand the outcome to the caller.
    Stop,
    /// Wait this long, then try again.
    RetryAfter(Duration),
    /// It would be retried, but the retries are used up.
    GiveUp,
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// Decides after attempt number `retries_so_far + 1`.
    pub fn decide(
        &self,
        retries_so_far: u32,
        outcome: AttemptOutcome<'_>,
        now: OffsetDateTime,
    ) -> RetryDecision {
        let wait = match outcome {
            AttemptOutcome::Response {
                status,
                retry_after,
            } => match status {
                // Throttled or unavailable: the service says how long to wait.
                429 | 503 => retry_after
                    .and_then(|value| parse_retry_after(value, now))
                    .unwrap_or_else(|| self.backoff(retries_so_far)),
                408 | 500 | 502 | 504 => self.backoff(retries_so_far),
                _ => return RetryDecision::Stop,
            },
            // A lost connection may have delivered the request: only resend what is safe to
            // repeat (a resent Key Vault "create key" would make two versions).
            AttemptOutcome::ConnectionLost { idempotent: true } => self.backoff(retries_so_far),
            AttemptOutcome::ConnectionLost { idempotent: false } | AttemptOutcome::Unreachable => {
                return RetryDecision::Stop;
            }
        };
        if retries_so_far >= self.max_retries {
            return RetryDecision::GiveUp;
        }
        RetryDecision::RetryAfter(wait.min(self.max_wait))
    }

    fn backoff(&self, retries_so_far: u32) -> Duration {
        let factor = 2u32.saturating_pow(retries_so_far.min(16));
        self.base_backoff.saturating_mul(factor)
    }
}

/// Parses a `Retry-After` value; `None` when it is not understood.
pub fn parse_retry_after(value: RetryAfter<'_>, now: OffsetDateTime) -> Option<Duration> {
    match value {
        RetryAfter::Milliseconds(text) => text.trim().parse().ok().map(Duration::from_millis),
        RetryAfter::Standard(text) => {
            let text = text.trim();
            if let Ok(seconds) = text.parse::<u64>() {
                return Some(Duration::from_secs(seconds));
            }
            // RFC 7231 IMF-fixdate, e.g. `Wed, 21 Oct 2015 07:28:00 GMT`, is RFC 2822 shaped.
            let date = OffsetDateTime::parse(text, &Rfc2822).ok()?;
            let wait = date - now;
            Some(if wait.is_negative() {
                Duration::ZERO
            } else {
                wait.unsigned_abs()
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2015-10-21 07:27:00 UTC);

    fn response(status: u16, retry_after: Option<&str>) -> AttemptOutcome<'_> {
        AttemptOutcome::Response {
            status,
            retry_after: retry_after.map(RetryAfter::Standard),
        }
    }

    #[test]
    fn decisions() {
        let policy = RetryPolicy::default();
        let secs = |s| RetryDecision::RetryAfter(Duration::from_secs(s));
        let cases: Vec<(&str, u32, AttemptOutcome<'_>, RetryDecision)> = vec![
            ("success stops", 0, response(200, None), RetryDecision::Stop),
            ("404 is final", 0, response(404, None), RetryDecision::Stop),
            ("412 is final", 0, response(412, None), RetryDecision::Stop),
            ("429 honours seconds", 0, response(429, Some("7")), secs(7)),
            ("503 honours seconds", 2, response(503, Some("3")), secs(3)),
            (
                "429 capped at max wait",
                0,
                response(429, Some("3600")),
                secs(60),
            ),
            (
                "429 honours an HTTP date",
                0,
                response(429, Some("Wed, 21 Oct 2015 07:28:00 GMT")),
                secs(60),
            ),
            (
                "a past date means now",
                0,
                response(503, Some("Wed, 21 Oct 2015 07:00:00 GMT")),
                secs(0),
            ),
            (
                "milliseconds",
                0,
                AttemptOutcome::Response {
                    status: 429,
                    retry_after: Some(RetryAfter::Milliseconds("1500")),
                },
                RetryDecision::RetryAfter(Duration::from_millis(1500)),
            ),
            (
                "429 without header backs off exponentially",
                2,
                response(429, None),
                RetryDecision::RetryAfter(Duration::from_millis(3200)),
            ),
            (
                "garbage header backs off",
                0,
                response(503, Some("soon")),
                RetryDecision::RetryAfter(Duration::from_millis(800)),
            ),
            (
                "500 backs off",
                1,
                response(500, None),
                RetryDecision::RetryAfter(Duration::from_millis(1600)),
            ),
            (
                "retries used up",
                5,
                response(429, Some("1")),
                RetryDecision::GiveUp,
            ),
            (
                "lost connection on a GET retries",
                0,
                AttemptOutcome::ConnectionLost { idempotent: true },
                RetryDecision::RetryAfter(Duration::from_millis(800)),
            ),
            (
                "lost connection on a POST stops",
                0,
                AttemptOutcome::ConnectionLost { idempotent: false },
                RetryDecision::Stop,
            ),
            (
                "unreachable stops",
                0,
                AttemptOutcome::Unreachable,
                RetryDecision::Stop,
            ),
        ];
        for (name, retries, outcome, expected) in cases {
            assert_eq!(policy.decide(retries, outcome, NOW), expected, "{name}");
        }
    }

    #[test]
    fn none_gives_up_at_once() {
        assert_eq!(
            RetryPolicy::none().decide(0, response(429, Some("1")), NOW),
            RetryDecision::GiveUp
        );
    }

    #[test]
    fn backoff_saturates_instead_of_overflowing() {
        let policy = RetryPolicy {
            max_retries: u32::MAX,
            ..RetryPolicy::default()
        };
        assert_eq!(
            policy.decide(40, response(500, None), NOW),
            RetryDecision::RetryAfter(Duration::from_secs(60))
        );
    }
}

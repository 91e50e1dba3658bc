//! When to send a request again: the one retry rule every client shares.
//!
//! Azure asks callers to wait as long as `Retry-After` says on 429 (throttled) and 503
//! (unavailable). Waiting longer than a person would is worse than failing, so waits are
//! capped and so is the number of retries. The SDKs' own retry policies are switched off
//! (they retry TLS failures for about 80 s, and each SDK generation has its own rules);
//! [`crate::transport`] applies this one below both.
//!
//! Only what is safe to repeat is repeated. A 500, 502, 504 or 408, a timeout or a broken
//! connection can come *after* the service acted on the request, so only an idempotent
//! request ([`Idempotency`]) is sent again then: a resent registry PATCH could overwrite a
//! change made in between, and a resent Key Vault "create key" POST makes a second version.
//! 429 and 503 are retried for every method (see [`RetryPolicy::decide`]).
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

/// Whether sending a request twice has the same effect as sending it once (RFC 9110
/// §9.2.2): GET, HEAD, PUT, DELETE and OPTIONS are; POST and PATCH are not.
///
/// Every POST counts as a write, even Key Vault's reads by POST (`wrapKey`, ARM's
/// `checkNameAvailability`): the SDK pipelines give the transport only the method and URL,
/// so a per-request "this POST only reads" flag would have to be threaded through both
/// azure_core generations' contexts. Treating them as writes costs a retry on a 5xx (the
/// user can try again), never a duplicate write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Safe to send again whatever happened to the first attempt.
    Idempotent,
    /// May have taken effect already; sending it again could apply it twice.
    NotIdempotent,
}

impl Idempotency {
    /// The idempotency of an HTTP method, by name (case-insensitive). Unknown methods are
    /// treated as not idempotent.
    pub fn of_method(method: &str) -> Idempotency {
        const IDEMPOTENT: [&str; 5] = ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"];
        if IDEMPOTENT.iter().any(|m| m.eq_ignore_ascii_case(method)) {
            Idempotency::Idempotent
        } else {
            Idempotency::NotIdempotent
        }
    }

    /// Whether a repeat of the request is safe.
    pub fn is_idempotent(self) -> bool {
        self == Idempotency::Idempotent
    }
}

/// What came back from one attempt, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome<'a> {
    /// An HTTP response with this status; `retry_after` is the raw header value, if any
    /// (`Retry-After`, or the milliseconds of `retry-after-ms` / `x-ms-retry-after-ms`).
    Response {
        /// The HTTP status.
        status: u16,
        /// The retry hint the response carried, if any.
        retry_after: Option<RetryAfter<'a>>,
    },
    /// The connection broke after the request may have reached the server.
    ConnectionLost,
    /// The attempt did not finish within its time limit; the server may have acted on it.
    TimedOut,
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

    /// Decides after attempt number `retries_so_far + 1` of a request that is
    /// `idempotency`.
    pub fn decide(
        &self,
        retries_so_far: u32,
        idempotency: Idempotency,
        outcome: AttemptOutcome<'_>,
        now: OffsetDateTime,
    ) -> RetryDecision {
        let repeatable = idempotency.is_idempotent();
        let wait = match outcome {
            AttemptOutcome::Response {
                status,
                retry_after,
            } => match status {
                // Throttled or unavailable: the service says how long to wait. Retried for
                // every method, because Azure's throttling contract is that a 429 or 503 is
                // answered *instead of* acting on the request (Resource Manager and Key Vault
                // reject before processing), so resending a POST or PATCH cannot apply it
                // twice.
                429 | 503 => retry_after
                    .and_then(|value| parse_retry_after(value, now))
                    .unwrap_or_else(|| self.backoff(retries_so_far)),
                // A server error, gateway error or gateway timeout can come after the backend
                // applied the request: only what is safe to repeat is sent again.
                408 | 500 | 502 | 504 if repeatable => self.backoff(retries_so_far),
                _ => return RetryDecision::Stop,
            },
            // A lost connection or a timed-out attempt may have delivered the request: only
            // resend what is safe to repeat (a resent Key Vault "create key" would make two
            // versions).
            AttemptOutcome::ConnectionLost | AttemptOutcome::TimedOut if repeatable => {
                self.backoff(retries_so_far)
            }
            AttemptOutcome::ConnectionLost
            | AttemptOutcome::TimedOut
            | AttemptOutcome::Unreachable => {
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

    const ALL_METHODS: [&str; 7] = ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "POST", "PATCH"];

    #[test]
    fn methods_are_idempotent_as_rfc_9110_says() {
        for method in ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "get", "Put"] {
            assert_eq!(
                Idempotency::of_method(method),
                Idempotency::Idempotent,
                "{method}"
            );
        }
        for method in ["POST", "PATCH", "patch", "CONNECT", "TRACE-ISH", ""] {
            assert_eq!(
                Idempotency::of_method(method),
                Idempotency::NotIdempotent,
                "{method}"
            );
        }
    }

    /// Outcomes decided alike for every method: final statuses, and 429/503.
    #[test]
    fn decisions_for_every_method() {
        let policy = RetryPolicy::default();
        let secs = |s| RetryDecision::RetryAfter(Duration::from_secs(s));
        let cases: Vec<(&str, u32, AttemptOutcome<'_>, RetryDecision)> = vec![
            ("success stops", 0, response(200, None), RetryDecision::Stop),
            ("404 is final", 0, response(404, None), RetryDecision::Stop),
            ("412 is final", 0, response(412, None), RetryDecision::Stop),
            ("501 is final", 0, response(501, None), RetryDecision::Stop),
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
                "retries used up",
                5,
                response(429, Some("1")),
                RetryDecision::GiveUp,
            ),
            (
                "unreachable stops",
                0,
                AttemptOutcome::Unreachable,
                RetryDecision::Stop,
            ),
        ];
        for method in ALL_METHODS {
            let idempotency = Idempotency::of_method(method);
            for (name, retries, outcome, expected) in &cases {
                assert_eq!(
                    policy.decide(*retries, idempotency, *outcome, NOW),
                    *expected,
                    "{method}: {name}"
                );
            }
        }
    }

    /// Outcomes after which the request may have been applied: retried only when the
    /// method is safe to repeat.
    #[test]
    fn decisions_that_depend_on_the_method() {
        let policy = RetryPolicy::default();
        let ms = |ms| RetryDecision::RetryAfter(Duration::from_millis(ms));
        // (name, retries so far, outcome, decision for GET/HEAD/PUT/DELETE/OPTIONS, for
        // POST/PATCH)
        let cases: Vec<(&str, u32, AttemptOutcome<'_>, RetryDecision, RetryDecision)> = vec![
            ("500", 1, response(500, None), ms(1600), RetryDecision::Stop),
            ("502", 0, response(502, None), ms(800), RetryDecision::Stop),
            ("504", 0, response(504, None), ms(800), RetryDecision::Stop),
            ("408", 0, response(408, None), ms(800), RetryDecision::Stop),
            (
                "500 ignores Retry-After",
                0,
                response(500, Some("1")),
                ms(800),
                RetryDecision::Stop,
            ),
            (
                "500 with retries used up",
                5,
                response(500, None),
                RetryDecision::GiveUp,
                RetryDecision::Stop,
            ),
            (
                "lost connection",
                0,
                AttemptOutcome::ConnectionLost,
                ms(800),
                RetryDecision::Stop,
            ),
            (
                "timed out",
                2,
                AttemptOutcome::TimedOut,
                ms(3200),
                RetryDecision::Stop,
            ),
            (
                "timed out with retries used up",
                5,
                AttemptOutcome::TimedOut,
                RetryDecision::GiveUp,
                RetryDecision::Stop,
            ),
        ];
        for method in ALL_METHODS {
            let idempotency = Idempotency::of_method(method);
            for (name, retries, outcome, if_idempotent, if_not) in &cases {
                let expected = if idempotency.is_idempotent() {
                    if_idempotent
                } else {
                    if_not
                };
                assert_eq!(
                    policy.decide(*retries, idempotency, *outcome, NOW),
                    *expected,
                    "{method}: {name}"
                );
            }
        }
    }

    #[test]
    fn none_gives_up_at_once() {
        assert_eq!(
            RetryPolicy::none().decide(
                0,
                Idempotency::NotIdempotent,
                response(429, Some("1")),
                NOW
            ),
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
            policy.decide(40, Idempotency::Idempotent, response(500, None), NOW),
            RetryDecision::RetryAfter(Duration::from_secs(60))
        );
    }
}

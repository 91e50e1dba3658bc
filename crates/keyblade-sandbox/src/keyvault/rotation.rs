//! Rotation policies firing on the sandbox clock, and the ISO 8601 durations
//! (`P90D`, `P2Y`, `P1Y6M`, `PT12H`) they are written in.

use time::{Date, Duration, OffsetDateTime};

use super::store::{LifetimeActionType, LifetimeTrigger, StoredKey, VaultData};

/// A calendar duration: years and months are added on the calendar, as Key Vault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IsoDuration {
    pub years: i64,
    pub months: i64,
    pub days: i64,
    pub seconds: i64,
}

pub fn parse_iso_duration(text: &str) -> Option<IsoDuration> {
    let rest = text.strip_prefix('P').or_else(|| text.strip_prefix('p'))?;
    let mut duration = IsoDuration::default();
    let mut in_time = false;
    let mut number = String::new();
    let mut any = false;
    for c in rest.chars() {
        match c {
            '0'..='9' => number.push(c),
            'T' | 't' if number.is_empty() && !in_time => in_time = true,
            _ => {
                let value: i64 = number.parse().ok()?;
                number.clear();
                any = true;
                match (in_time, c.to_ascii_uppercase()) {
                    (false, 'Y') => duration.years += value,
                    (false, 'M') => duration.months += value,
                    (false, 'W') => duration.days += value * 7,
                    (false, 'D') => duration.days += value,
                    (true, 'H') => duration.seconds += value * 3600,
                    (true, 'M') => duration.seconds += value * 60,
                    (true, 'S') => duration.seconds += value,
                    _ => return None,
                }
            }
        }
    }
    (any && number.is_empty()).then_some(duration)
}

/// `unix + duration`, calendar-aware; `None` when `text` is not a duration.
pub fn add_iso_duration(unix: i64, text: &str) -> Option<i64> {
    let duration = parse_iso_duration(text)?;
    add_duration(unix, duration, 1)
}

pub fn subtract_iso_duration(unix: i64, text: &str) -> Option<i64> {
    let duration = parse_iso_duration(text)?;
    add_duration(unix, duration, -1)
}

fn add_duration(unix: i64, duration: IsoDuration, sign: i64) -> Option<i64> {
    let start = OffsetDateTime::from_unix_timestamp(unix).ok()?;
    let total_months = sign * (duration.years * 12 + duration.months);
    let month_index =
        i64::from(start.year()) * 12 + i64::from(u8::from(start.month())) - 1 + total_months;
    let year = i32::try_from(month_index.div_euclid(12)).ok()?;
    let month = time::Month::try_from(u8::try_from(month_index.rem_euclid(12) + 1).ok()?).ok()?;
    let day = start.day().min(month.length(year));
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let shifted = start.replace_date(date)
        + Duration::days(sign * duration.days)
        + Duration::seconds(sign * duration.seconds);
    Some(shifted.unix_timestamp())
}

/// When the key's rotation policy next rotates it (sandbox Unix seconds), if ever.
pub fn next_rotation_time(key: &StoredKey) -> Option<i64> {
    let policy = key.rotation_policy.as_ref()?;
    let current = key.current()?;
    policy
        .lifetime_actions
        .iter()
        .filter(|a| a.action == LifetimeActionType::Rotate)
        .filter_map(|a| match &a.trigger {
            LifetimeTrigger::TimeAfterCreate(d) => add_iso_duration(current.created, d),
            LifetimeTrigger::TimeBeforeExpiry(d) => current
                .expires
                .and_then(|exp| subtract_iso_duration(exp, d)),
        })
        // A trigger that does not move past the current version's creation
        // (e.g. expiry shorter than timeBeforeExpiry) would rotate forever.
        .filter(|at| *at > current.created)
        .min()
}

/// Applies every rotation due up to `now`. A key that was due several times
/// while the clock jumped rotates once per due time, each new version dated at
/// the moment it was due, as if the sandbox had been watching all along.
pub fn rotate_due_keys(vaults: &mut VaultData, now: i64) {
    if vaults.next_rotation_due.is_some_and(|due| due > now) {
        return;
    }
    let due: Vec<(String, String)> = vaults
        .all_keys()
        .filter(|(_, key)| next_rotation_time(key).is_some_and(|at| at <= now))
        .map(|(vault, key)| (vault.to_owned(), key.name.clone()))
        .collect();
    for (vault, name) in due {
        while let Some(at) = vaults
            .key(&vault, &name)
            .and_then(next_rotation_time)
            .filter(|at| *at <= now)
        {
            if vaults.rotate_key(&vault, &name, at).is_err() {
                break;
            }
        }
    }
    vaults.next_rotation_due = Some(
        vaults
            .all_keys()
            .filter_map(|(_, key)| next_rotation_time(key))
            .min()
            .unwrap_or(i64::MAX),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_like_iso_8601() {
        let cases = [
            (
                "P90D",
                Some(IsoDuration {
                    days: 90,
                    ..Default::default()
                }),
            ),
            (
                "P2Y",
                Some(IsoDuration {
                    years: 2,
                    ..Default::default()
                }),
            ),
            (
                "P1Y6M",
                Some(IsoDuration {
                    years: 1,
                    months: 6,
                    ..Default::default()
                }),
            ),
            (
                "PT12H",
                Some(IsoDuration {
                    seconds: 43_200,
                    ..Default::default()
                }),
            ),
            (
                "P1W",
                Some(IsoDuration {
                    days: 7,
                    ..Default::default()
                }),
            ),
            ("90D", None),
            ("P", None),
            ("P5", None),
            ("PT5D", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_iso_duration(text), expected, "{text}");
        }
    }

    #[test]
    fn months_are_added_on_the_calendar() {
        // 2024-01-31 + P1M = 2024-02-29 (leap year, day clamped).
        let jan31 = 1_706_659_200;
        assert_eq!(add_iso_duration(jan31, "P1M"), Some(1_709_164_800));
        assert_eq!(
            subtract_iso_duration(1_709_164_800, "P1M"),
            Some(1_706_659_200 - 2 * 86_400)
        );
    }
}

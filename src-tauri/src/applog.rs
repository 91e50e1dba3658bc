//! keyblade's log file: `logs/keyblade.log` in the app's data folder, rotated at
//! [`MAX_BYTES`] into `keyblade.1.log` … `keyblade.{KEEP}.log`, so it never grows past a
//! few MiB. Every line is also written to stderr, as before the log existed.
//!
//! Nothing secret is written: the shell never formats a token, secret or password into a
//! message, and [`redact`] removes anything that looks like a bearer token or a JWT
//! anyway, so a mistake elsewhere cannot put one in a bug report.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// One file's size limit before it is rotated.
pub const MAX_BYTES: u64 = 1024 * 1024;
/// How many rotated files are kept besides the current one.
pub const KEEP: usize = 3;

pub const LOG_FILE: &str = "keyblade.log";

/// The log file's folder, once the app knows its data folder.
static LOG: OnceLock<Log> = OnceLock::new();

struct Log {
    dir: PathBuf,
    /// Serialises writers: a rotation must not interleave with a write.
    lock: Mutex<()>,
}

/// Starts logging to `dir` (created if missing). Called once, at set-up; later calls
/// change nothing.
pub fn init(dir: &Path) {
    if std::fs::create_dir_all(dir).is_ok() {
        let _ = LOG.set(Log {
            dir: dir.to_owned(),
            lock: Mutex::new(()),
        });
    }
}

/// The current log file, if logging started.
pub fn path() -> Option<PathBuf> {
    LOG.get().map(|log| log.dir.join(LOG_FILE))
}

/// Writes one line (`level` is `info`, `warn` or `error`) to the log and to stderr.
pub fn write(level: &str, message: &str) {
    let message = redact(message);
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let line = format!("{now} {level:<5} {message}\n");
    eprintln!("keyblade: {message}");
    if let Some(log) = LOG.get() {
        let _guard = log
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        append(&log.dir, &line, MAX_BYTES, KEEP);
    }
}

/// Appends `line` to `dir/keyblade.log`, first rotating when it would pass `max_bytes`.
fn append(dir: &Path, line: &str, max_bytes: u64, keep: usize) {
    let current = dir.join(LOG_FILE);
    let size = std::fs::metadata(&current).map(|m| m.len()).unwrap_or(0);
    if size > 0 && size + line.len() as u64 > max_bytes {
        rotate(dir, keep);
    }
    let opened = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&current);
    if let Ok(mut file) = opened {
        // A log that cannot be written must not stop the app; stderr still has the line.
        let _ = file.write_all(line.as_bytes());
    }
}

fn rotated(dir: &Path, index: usize) -> PathBuf {
    dir.join(format!("keyblade.{index}.log"))
}

fn rotate(dir: &Path, keep: usize) {
    let _ = std::fs::remove_file(rotated(dir, keep));
    for index in (1..keep).rev() {
        let _ = std::fs::rename(rotated(dir, index), rotated(dir, index + 1));
    }
    let _ = std::fs::rename(dir.join(LOG_FILE), rotated(dir, 1));
}

/// The last `lines` lines of the current log, for Copy diagnostics.
pub fn tail(lines: usize) -> String {
    let Some(path) = path() else {
        return String::new();
    };
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// `message` with bearer tokens and JWT-shaped strings replaced by `<redacted>`.
pub fn redact(message: &str) -> String {
    let mut out = Vec::new();
    let mut after_bearer = false;
    for word in message.split(' ') {
        let looks_like_jwt = word.starts_with("eyJ") && word.matches('.').count() >= 2;
        if after_bearer || looks_like_jwt {
            out.push("<redacted>");
        } else {
            out.push(word);
        }
        after_bearer = word.eq_ignore_ascii_case("bearer");
    }
    out.join(" ")
}

/// Logs at `warn`: `log_warn!("could not … {reason}")`.
#[macro_export]
macro_rules! log_warn {
    ($($arg:tt)*) => { $crate::applog::write("warn", &format!($($arg)*)) };
}

/// Logs at `info`.
#[macro_export]
macro_rules! log_info {
    ($($arg:tt)*) => { $crate::applog::write("info", &format!($($arg)*)) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_rotates_and_keeps_a_bounded_number_of_files() {
        let dir = std::env::temp_dir().join(format!("keyblade-log-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let line = format!("{}\n", "x".repeat(99));
        for _ in 0..100 {
            append(&dir, &line, 1000, 2);
        }
        let size = |path: PathBuf| std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        assert!(size(dir.join(LOG_FILE)) <= 1000);
        assert_eq!(size(rotated(&dir, 1)), 1000);
        assert_eq!(size(rotated(&dir, 2)), 1000);
        assert!(
            !rotated(&dir, 3).exists(),
            "only two rotated files are kept"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn tokens_never_reach_the_log() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2ln";
        let redacted = redact(&format!(
            "sent Authorization: Bearer abc.def to host; also {jwt} here"
        ));
        assert!(!redacted.contains("abc.def"), "{redacted}");
        assert!(!redacted.contains(jwt), "{redacted}");
        assert!(redacted.contains("to host"), "{redacted}");
    }
}

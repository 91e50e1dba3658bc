//! Named steps with banners, timings and a closing summary.

use std::time::{Duration, Instant};

pub enum Outcome {
    Passed,
    Failed(String),
    Skipped(String),
}

pub struct Steps {
    total: usize,
    results: Vec<(String, Outcome, Duration)>,
    started: Instant,
}

impl Steps {
    pub fn new(total: usize) -> Steps {
        Steps {
            total,
            results: Vec::new(),
            started: Instant::now(),
        }
    }

    /// Runs one step, printing a banner before and the verdict after. Returns whether it passed.
    pub fn run(&mut self, name: &str, step: impl FnOnce() -> Result<(), String>) -> bool {
        self.run_or_skip(name, || step().map(|()| None))
    }

    /// Runs a step that may find out that it cannot run here: `Ok(Some(why))` is reported
    /// as skipped, with the reason, and does not fail the run. Returns whether it did not fail.
    pub fn run_or_skip(
        &mut self,
        name: &str,
        step: impl FnOnce() -> Result<Option<String>, String>,
    ) -> bool {
        let number = self.results.len() + 1;
        println!("\n━━━ [{number}/{}] {name}", self.total);
        let started = Instant::now();
        let result = step();
        let elapsed = started.elapsed();
        let passed = result.is_ok();
        let outcome = match result {
            Ok(None) => {
                println!("━━━ ✔ {name} ({})", format_duration(elapsed));
                Outcome::Passed
            }
            Ok(Some(why)) => {
                println!(
                    "━━━ - {name} ({}): skipped, {why}",
                    format_duration(elapsed)
                );
                Outcome::Skipped(why)
            }
            Err(message) => {
                println!("━━━ ✘ {name} ({}): {message}", format_duration(elapsed));
                Outcome::Failed(message)
            }
        };
        self.results.push((name.to_owned(), outcome, elapsed));
        passed
    }

    pub fn skip(&mut self, name: &str, why: &str) {
        let number = self.results.len() + 1;
        println!("\n━━━ [{number}/{}] {name}: skipped, {why}", self.total);
        self.results.push((
            name.to_owned(),
            Outcome::Skipped(why.to_owned()),
            Duration::ZERO,
        ));
    }

    /// Prints the table of steps; an error names the failed ones.
    pub fn finish(self) -> Result<(), String> {
        println!(
            "\n━━━ Summary ({} in total)",
            format_duration(self.started.elapsed())
        );
        let mut failed = Vec::new();
        let width = self
            .results
            .iter()
            .map(|(name, _, _)| name.chars().count())
            .max()
            .unwrap_or_default();
        for (name, outcome, elapsed) in &self.results {
            let elapsed = format_duration(*elapsed);
            match outcome {
                Outcome::Passed => println!("  ✔ {name:<width$}  {elapsed}"),
                Outcome::Failed(message) => {
                    println!("  ✘ {name:<width$}  {elapsed}  {message}");
                    failed.push(name.as_str());
                }
                Outcome::Skipped(why) => println!("  - {name:<width$}  skipped: {why}"),
            }
        }
        let not_run = self.total.saturating_sub(self.results.len());
        if not_run > 0 {
            println!("  ({not_run} step(s) not run after a failure)");
        }
        if failed.is_empty() && not_run == 0 {
            println!("All steps passed.");
            Ok(())
        } else if failed.is_empty() {
            Err(format!("{not_run} step(s) did not run"))
        } else {
            Err(format!("failed: {}", failed.join(", ")))
        }
    }
}

pub fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds < 60.0 {
        format!("{seconds:.1}s")
    } else {
        let whole = duration.as_secs();
        format!("{}m {:02}s", whole / 60, whole % 60)
    }
}

//! Running programs: echoing what runs, turning failures into messages, and stopping
//! background processes when their guard goes out of scope.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A command line, echoed before it runs so the log shows exactly what to re-run.
pub struct Cmd {
    command: Command,
    display: String,
}

impl Cmd {
    pub fn new(program: impl AsRef<str>, args: &[&str]) -> Cmd {
        let program = program.as_ref();
        let mut command = Command::new(program);
        command.args(args);
        command.current_dir(crate::root());
        let mut display = program.to_owned();
        for arg in args {
            display.push(' ');
            display.push_str(arg);
        }
        Cmd { command, display }
    }

    pub fn cargo(args: &[&str]) -> Cmd {
        Cmd::new(crate::cargo(), args).shown_as(format!("cargo {}", args.join(" ")))
    }

    pub fn npm(args: &[&str]) -> Cmd {
        Cmd::new(npm_program(), args)
            .dir(crate::ui_dir())
            .shown_as(format!("(cd ui && npm {})", args.join(" ")))
    }

    fn shown_as(mut self, display: String) -> Cmd {
        self.display = display;
        self
    }

    pub fn dir(mut self, dir: impl AsRef<Path>) -> Cmd {
        self.command.current_dir(dir);
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Cmd {
        self.command.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: &str) -> Cmd {
        self.command.env_remove(key);
        self
    }

    pub fn log_to(mut self, log: &Path) -> Result<Cmd, String> {
        let file = std::fs::File::create(log)
            .map_err(|error| format!("cannot create {}: {error}", log.display()))?;
        let err = file
            .try_clone()
            .map_err(|error| format!("cannot reuse {}: {error}", log.display()))?;
        self.command.stdout(file).stderr(err);
        Ok(self)
    }

    /// Runs to completion with inherited output; a non-zero exit is an error.
    pub fn run(mut self) -> Result<(), String> {
        println!("$ {}", self.display);
        let status = self
            .command
            .status()
            .map_err(|error| self.spawn_error(&error))?;
        check(status, &self.display)
    }

    /// Runs with inherited output for at most `limit`, then stops it; a non-zero exit or
    /// running out of time is an error.
    pub fn run_with_timeout(self, limit: Duration) -> Result<(), String> {
        println!("$ {}  (at most {}s)", self.display, limit.as_secs());
        let display = self.display.clone();
        let mut running = self.spawn_quietly(&display)?;
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = running.exited() {
                return check(status, &display);
            }
            if Instant::now() >= deadline {
                running.stop();
                return Err(format!(
                    "`{display}` did not finish within {}s and was stopped",
                    limit.as_secs()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn spawn_quietly(mut self, name: &str) -> Result<Background, String> {
        let child = self
            .command
            .spawn()
            .map_err(|error| self.spawn_error(&error))?;
        Ok(Background {
            name: name.to_owned(),
            child,
        })
    }

    /// Runs to completion and returns stdout; stderr passes through.
    pub fn output(mut self) -> Result<String, String> {
        let output = self
            .command
            .stderr(Stdio::inherit())
            .output()
            .map_err(|error| self.spawn_error(&error))?;
        check(output.status, &self.display)?;
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Starts in the background; the guard stops it when dropped.
    pub fn spawn(mut self, name: &str) -> Result<Background, String> {
        println!("$ {} &", self.display);
        let child = self
            .command
            .spawn()
            .map_err(|error| self.spawn_error(&error))?;
        Ok(Background {
            name: name.to_owned(),
            child,
        })
    }

    /// Starts in the background with stdout readable by us and stderr into `stderr`.
    pub fn spawn_with_stderr(
        mut self,
        stderr: std::fs::File,
        name: &str,
    ) -> Result<Background, String> {
        self.command.stdout(Stdio::piped()).stderr(stderr);
        self.spawn(name)
    }

    fn spawn_error(&self, error: &std::io::Error) -> String {
        let program = self.display.split(' ').next().unwrap_or_default();
        if error.kind() == std::io::ErrorKind::NotFound {
            format!(
                "`{program}` is not installed or not on PATH (needed for `{}`)",
                self.display
            )
        } else {
            format!("could not start `{}`: {error}", self.display)
        }
    }
}

fn check(status: ExitStatus, display: &str) -> Result<(), String> {
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{display}` failed ({status})"))
    }
}

/// npm is a `.cmd` script on Windows, which `Command` does not resolve by itself.
fn npm_program() -> &'static str {
    if cfg!(windows) { "npm.cmd" } else { "npm" }
}

/// A background process that is stopped (politely, then forcibly) when dropped.
pub struct Background {
    name: String,
    child: Child,
}

impl Background {
    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// `Some(status)` once the process has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    pub fn wait(mut self) -> Result<ExitStatus, String> {
        self.child
            .wait()
            .map_err(|error| format!("waiting for {} failed: {error}", self.name))
    }

    /// SIGTERM first so servers clean up (Xvfb removes its lock file); SIGKILL after 5 s.
    pub fn stop(&mut self) {
        if self.exited().is_some() {
            return;
        }
        if cfg!(unix) {
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .stderr(Stdio::null())
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if self.exited().is_some() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The first `program` on PATH, as the shell would find it.
pub fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(format!("{program}{}", std::env::consts::EXE_SUFFIX)))
        .find(|candidate| candidate.is_file())
}

#[cfg(all(test, unix))]
mod tests {
    use super::Cmd;
    use std::time::{Duration, Instant};

    #[test]
    fn a_command_that_outlives_its_limit_is_stopped_and_fails() {
        let started = Instant::now();
        let result = Cmd::new("sleep", &["30"]).run_with_timeout(Duration::from_secs(1));
        let message = result.expect_err("sleep 30 cannot finish in 1s");
        assert!(message.contains("did not finish within 1s"), "{message}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "it was not stopped"
        );
    }

    #[test]
    fn a_command_within_its_limit_reports_its_exit() {
        assert_eq!(
            Cmd::new("true", &[]).run_with_timeout(Duration::from_secs(10)),
            Ok(())
        );
        assert!(
            Cmd::new("false", &[])
                .run_with_timeout(Duration::from_secs(10))
                .is_err()
        );
    }
}

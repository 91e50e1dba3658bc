//! Drives keyblade's real window: a small W3C WebDriver client for `tauri-driver`, and the
//! environment `cargo xtask e2e` (or `cargo xtask test`) sets up for it.
//!
//! Run these tests through xtask only: it builds the app, starts Xvfb and tauri-driver,
//! and passes their whereabouts in `KEYBLADE_E2E_*` variables. Without them the tests
//! fail, saying so, rather than pass without having looked at anything.

mod webdriver;

pub use webdriver::{Element, Session};

use std::path::PathBuf;
use std::time::Duration;

/// How long to wait for the UI to show something before failing.
pub const UI_TIMEOUT: Duration = Duration::from_secs(30);

/// What xtask passes to the tests.
pub struct E2eEnv {
    /// The app executable, built with the UI embedded.
    pub app: PathBuf,
    /// tauri-driver's URL, e.g. `http://127.0.0.1:4444`.
    pub webdriver: String,
    /// Where screenshots go.
    pub artifacts: PathBuf,
}

impl E2eEnv {
    /// Reads the `KEYBLADE_E2E_*` variables.
    ///
    /// # Panics
    /// When one is missing, with the command that sets them: an end-to-end test that
    /// cannot reach the app must fail, not pass.
    pub fn from_env() -> E2eEnv {
        let var = |name: &str| {
            std::env::var_os(name).unwrap_or_else(|| {
                panic!(
                    "{name} is not set: the end-to-end tests need the built app, a virtual \
                     display and tauri-driver, which `cargo xtask e2e` (or `cargo xtask test`) \
                     sets up. Run one of those instead of `cargo test -p keyblade-e2e`."
                )
            })
        };
        E2eEnv {
            app: PathBuf::from(var("KEYBLADE_E2E_APP")),
            webdriver: var("KEYBLADE_E2E_WEBDRIVER").to_string_lossy().into_owned(),
            artifacts: PathBuf::from(var("KEYBLADE_E2E_ARTIFACTS")),
        }
    }

    /// Launches the app through tauri-driver.
    pub fn launch(&self) -> Result<Session, String> {
        if !self.app.is_file() {
            return Err(format!(
                "the app executable {} does not exist; build it with `cargo xtask e2e`",
                self.app.display()
            ));
        }
        Session::launch(&self.webdriver, &self.app)
    }

    /// Saves a screenshot of the whole window to `<artifacts>/<name>.png`.
    ///
    /// Under Xvfb, WebKit repaints the window only when something asks for a frame, and a
    /// screenshot returns the last frame painted before it was asked, which can be seconds
    /// old. So capture until two captures 200 ms apart agree. The whole window is captured
    /// because element screenshots come back black under Xvfb.
    pub fn save_screenshot(&self, session: &Session, name: &str) -> Result<PathBuf, String> {
        const ATTEMPTS: usize = 10;
        let mut png = session.screenshot_png()?;
        for _ in 0..ATTEMPTS {
            std::thread::sleep(Duration::from_millis(200));
            let next = session.screenshot_png()?;
            let settled = next == png;
            png = next;
            if settled {
                break;
            }
        }
        std::fs::create_dir_all(&self.artifacts)
            .map_err(|error| format!("cannot create {}: {error}", self.artifacts.display()))?;
        let path = self.artifacts.join(format!("{name}.png"));
        std::fs::write(&path, png)
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
        Ok(path)
    }
}

/// An XPath string literal for `text`, which may contain either kind of quote.
pub fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|part| format!("'{part}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

#[cfg(test)]
mod tests {
    use super::xpath_literal;

    #[test]
    fn xpath_literals_quote_any_text() {
        assert_eq!(xpath_literal("Encryption"), "'Encryption'");
        assert_eq!(xpath_literal("it's"), "\"it's\"");
        assert_eq!(
            xpath_literal("it's \"x\""),
            "concat('it', \"'\", 's \"x\"')"
        );
    }
}

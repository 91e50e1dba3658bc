//! The few W3C WebDriver commands the tests need, over plain HTTP to tauri-driver.

use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

/// The key W3C WebDriver uses for element references in JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// One running app. Dropping it ends the session, which closes the app.
pub struct Session {
    agent: ureq::Agent,
    /// `{webdriver}/session/{id}`.
    url: String,
}

/// A reference to a DOM element in the app's webview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element(String);

impl Session {
    /// Starts `application` with `args` through tauri-driver at `webdriver`.
    pub fn launch(webdriver: &str, application: &Path, args: &[String]) -> Result<Session, String> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            // WebDriver reports failures as JSON bodies with 4xx/5xx; read them, don't throw.
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        let options = json!({ "application": application, "args": args });
        // tauri-driver reads `tauri:options` from `alwaysMatch` and writes the native
        // driver's options into `desiredCapabilities`, so both are sent.
        let body = json!({
            "capabilities": { "alwaysMatch": { "tauri:options": options } },
            "desiredCapabilities": { "tauri:options": options },
        });
        let url = format!("{webdriver}/session");
        let value = retry_hung_launch(|| {
            let attempt: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(LAUNCH_TIMEOUT))
                .build()
                .into();
            request(&attempt, Method::Post, &url, Some(body.clone()))
        })?;
        let id = value["sessionId"]
            .as_str()
            .ok_or_else(|| format!("new session response has no sessionId: {value}"))?;
        Ok(Session {
            agent,
            url: format!("{webdriver}/session/{id}"),
        })
    }

    fn call(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        request(&self.agent, method, &format!("{}{path}", self.url), body)
    }

    /// The first element matching `xpath`, if any.
    pub fn find(&self, xpath: &str) -> Result<Option<Element>, String> {
        Ok(self.find_all(xpath)?.into_iter().next())
    }

    /// Every element matching `xpath`, in document order.
    pub fn find_all(&self, xpath: &str) -> Result<Vec<Element>, String> {
        let found = retry_stale_query(|| {
            self.call(
                Method::Post,
                "/elements",
                Some(json!({ "using": "xpath", "value": xpath })),
            )
        })?;
        let elements = found
            .as_array()
            .ok_or_else(|| format!("find elements returned {found}"))?;
        elements
            .iter()
            .map(|element| {
                element[ELEMENT_KEY]
                    .as_str()
                    .map(|id| Element(id.to_owned()))
                    .ok_or_else(|| format!("not an element reference: {element}"))
            })
            .collect()
    }

    /// Waits until an element matches `xpath`; the error names what was awaited.
    pub fn wait_for(&self, xpath: &str, what: &str, timeout: Duration) -> Result<Element, String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(element) = self.find(xpath)? {
                return Ok(element);
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{what} did not appear within {}s (XPath {xpath}). The page shows:\n{}",
                    timeout.as_secs(),
                    self.page_text().unwrap_or_else(|error| error)
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn click(&self, element: &Element) -> Result<(), String> {
        self.call(
            Method::Post,
            &format!("/element/{}/click", element.0),
            Some(json!({})),
        )
        .map(drop)
    }

    /// Types `text` into the element as keystrokes (WebDriver key codes such as
    /// [`keys::CONTROL`] included), so the page sees the events a person's typing makes.
    pub fn send_keys(&self, element: &Element, text: &str) -> Result<(), String> {
        self.call(
            Method::Post,
            &format!("/element/{}/value", element.0),
            Some(json!({ "text": text })),
        )
        .map(drop)
    }

    /// Whether the element is enabled (form controls: not `disabled`).
    pub fn is_enabled(&self, element: &Element) -> Result<bool, String> {
        let enabled = self.call(
            Method::Get,
            &format!("/element/{}/enabled", element.0),
            None,
        )?;
        enabled
            .as_bool()
            .ok_or_else(|| format!("element enabled state is not a boolean: {enabled}"))
    }

    /// The element's position and size in CSS pixels, as `(x, y, width, height)`.
    pub fn element_rect(&self, element: &Element) -> Result<(f64, f64, f64, f64), String> {
        let value = self.call(Method::Get, &format!("/element/{}/rect", element.0), None)?;
        let field = |name: &str| {
            value[name]
                .as_f64()
                .ok_or_else(|| format!("element rect has no {name}: {value}"))
        };
        Ok((field("x")?, field("y")?, field("width")?, field("height")?))
    }

    /// A DOM property (not attribute), e.g. an input's current `value`.
    pub fn property(&self, element: &Element, name: &str) -> Result<Value, String> {
        self.call(
            Method::Get,
            &format!("/element/{}/property/{name}", element.0),
            None,
        )
    }

    /// Whether an option, checkbox or radio button is selected.
    pub fn is_selected(&self, element: &Element) -> Result<bool, String> {
        let selected = self.call(
            Method::Get,
            &format!("/element/{}/selected", element.0),
            None,
        )?;
        selected
            .as_bool()
            .ok_or_else(|| format!("element selected state is not a boolean: {selected}"))
    }

    /// The element's rendered text.
    pub fn text(&self, element: &Element) -> Result<String, String> {
        let text = self.call(Method::Get, &format!("/element/{}/text", element.0), None)?;
        text.as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("element text is not a string: {text}"))
    }

    /// A DOM attribute, or `None` when the element does not have it.
    pub fn attribute(&self, element: &Element, name: &str) -> Result<Option<String>, String> {
        let value = self.call(
            Method::Get,
            &format!("/element/{}/attribute/{name}", element.0),
            None,
        )?;
        Ok(value.as_str().map(str::to_owned))
    }

    /// Everything the page shows as text, for failure messages.
    pub fn page_text(&self) -> Result<String, String> {
        match self.find("//body")? {
            Some(body) => self.text(&body),
            None => Ok(String::from("(no body element)")),
        }
    }

    /// The window's outer position and size, as `(x, y, width, height)`.
    pub fn window_rect(&self) -> Result<(i64, i64, i64, i64), String> {
        rect(&self.call(Method::Get, "/window/rect", None)?)
    }

    /// Moves and resizes the window as a window manager would; returns the new rect.
    pub fn set_window_rect(
        &self,
        (x, y, width, height): (i64, i64, i64, i64),
    ) -> Result<(i64, i64, i64, i64), String> {
        let body = json!({ "x": x, "y": y, "width": width, "height": height });
        rect(&self.call(Method::Post, "/window/rect", Some(body))?)
    }

    /// Presses and releases each key of `keys` in turn on the keyboard (W3C key actions), to
    /// whatever has the focus: what a keyboard user does, with no element targeted.
    pub fn press_keys(&self, keys: &str) -> Result<(), String> {
        let mut actions = Vec::new();
        for key in keys.chars() {
            actions.push(json!({ "type": "keyDown", "value": key.to_string() }));
            actions.push(json!({ "type": "keyUp", "value": key.to_string() }));
        }
        let body = json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] });
        self.call(Method::Post, "/actions", Some(body)).map(drop)
    }

    /// Runs `script` (a function body) in the page and returns what it returns.
    pub fn execute(&self, script: &str) -> Result<Value, String> {
        self.call(
            Method::Post,
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
    }

    /// Scrolls the page so that the element is in view (at the top when it can be).
    pub fn scroll_into_view(&self, element: &Element) -> Result<(), String> {
        self.call(
            Method::Post,
            "/execute/sync",
            Some(json!({
                "script": "arguments[0].scrollIntoView({ block: 'start' });",
                "args": [{ ELEMENT_KEY: element.0 }],
            })),
        )
        .map(drop)
    }

    /// Runs `script` in the page; it finishes by calling its last argument with the result.
    pub fn execute_async(&self, script: &str) -> Result<Value, String> {
        self.call(
            Method::Post,
            "/execute/async",
            Some(json!({ "script": script, "args": [] })),
        )
    }

    /// The whole window as PNG bytes.
    pub fn screenshot_png(&self) -> Result<Vec<u8>, String> {
        // WebKit answers a screenshot after the page's next paint. Painted without
        // compositing (keyblade's choice on a machine with no GPU, as under Xvfb), a page
        // with nothing changing never paints again, and the screenshot times out. A 1-pixel
        // mark in the corner, always transparent, changes colour a few times while it waits:
        // WebKit repaints it, and nothing on the screen changes.
        self.execute(SCREENSHOT_NUDGE)?;
        let encoded = self.call(Method::Get, "/screenshot", None)?;
        let encoded = encoded
            .as_str()
            .ok_or_else(|| format!("screenshot is not a string: {encoded}"))?;
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|error| format!("screenshot is not base64: {error}"))
    }
}

/// Repaints one invisible pixel a few times over the next second (see
/// [`Session::screenshot_png`]).
const SCREENSHOT_NUDGE: &str = r#"
const mark = document.createElement('div');
mark.setAttribute('aria-hidden', 'true');
mark.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none;z-index:2147483647';
document.body.appendChild(mark);
let step = 0;
const timer = setInterval(() => {
  step += 1;
  mark.style.background = step % 2 === 0 ? 'rgba(0,0,0,0)' : 'rgba(255,255,255,0)';
  if (step >= 12) { clearInterval(timer); mark.remove(); }
}, 80);
"#;

/// WebDriver's codes for keys that are not text.
pub mod keys {
    /// Releases every modifier pressed so far in the same `send_keys` text.
    pub const NULL: &str = "\u{E000}";
    pub const BACKSPACE: &str = "\u{E003}";
    pub const ESCAPE: &str = "\u{E00C}";
    pub const CONTROL: &str = "\u{E009}";
    pub const ARROW_UP: &str = "\u{E013}";
    pub const ARROW_DOWN: &str = "\u{E015}";
    pub const TAB: &str = "\u{E004}";
    pub const ENTER: &str = "\u{E007}";
    pub const SHIFT: &str = "\u{E008}";
    pub const SPACE: &str = "\u{E00D}";
}

fn rect(value: &Value) -> Result<(i64, i64, i64, i64), String> {
    let field = |name: &str| {
        value[name]
            .as_f64()
            .map(|number| number.round() as i64)
            .ok_or_else(|| format!("window rect has no {name}: {value}"))
    };
    Ok((field("x")?, field("y")?, field("width")?, field("height")?))
}

impl Drop for Session {
    fn drop(&mut self) {
        // Ends the session, which closes the app; nothing useful to do if it fails.
        let _ = request(&self.agent, Method::Delete, &self.url, None);
    }
}

#[derive(Clone, Copy)]
enum Method {
    Get,
    Post,
    Delete,
}

/// One WebDriver call: returns the response's `value`, or the WebDriver error as text.
fn request(
    agent: &ureq::Agent,
    method: Method,
    url: &str,
    body: Option<Value>,
) -> Result<Value, String> {
    let response = match (method, body) {
        (Method::Get, _) => agent.get(url).call(),
        (Method::Delete, _) => agent.delete(url).call(),
        (Method::Post, Some(body)) => agent.post(url).send_json(body),
        (Method::Post, None) => agent.post(url).send_json(json!({})),
    };
    let mut response =
        response.map_err(|error| format!("WebDriver request {url} failed: {error}"))?;
    let status = response.status();
    let json: Value = response
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_json()
        .map_err(|error| format!("WebDriver response from {url} is not JSON: {error}"))?;
    let value = json.get("value").cloned().unwrap_or(Value::Null);
    if status.is_success() {
        Ok(value)
    } else {
        Err(format!(
            "WebDriver error from {url} ({status}): {} — {}",
            value["error"].as_str().unwrap_or("unknown error"),
            value["message"].as_str().unwrap_or_default()
        ))
    }
}

/// How long one new-session request may take. The app paints in under 10 s even on a
/// loaded CI machine; a launch that has not connected after this never will.
const LAUNCH_TIMEOUT: Duration = Duration::from_secs(75);

/// New-session requests made before a hung launch counts as a failure.
const LAUNCH_ATTEMPTS: usize = 2;

/// Runs a new-session `launch`, once more when it timed out.
///
/// In one CI run of many, a new-session request got no answer within 120 s, though the
/// same test passes in about 12 s here, three runs in three. A second launch starts a new
/// app process, so one hung start does not fail a test; two in a row still do, with both
/// errors, and `cargo xtask e2e` then prints the end of the driver's log (the app's
/// output) to show why.
fn retry_hung_launch<T>(mut launch: impl FnMut() -> Result<T, String>) -> Result<T, String> {
    let mut errors = Vec::new();
    for attempt in 1..=LAUNCH_ATTEMPTS {
        match launch() {
            Err(error) if error.contains("timeout") && attempt < LAUNCH_ATTEMPTS => {
                eprintln!(
                    "keyblade-e2e: the new-session request timed out ({error}); launching \
                     the app again"
                );
                errors.push(error);
            }
            Err(error) => {
                errors.push(error);
                return Err(errors.join("; then: "));
            }
            Ok(value) => return Ok(value),
        }
    }
    Err(errors.join("; then: "))
}

/// How often a query that raced a DOM change is sent again before its error counts.
const STALE_QUERY_ATTEMPTS: usize = 20;

/// Runs a find-elements `query`, again while WebKitWebDriver answers "stale element".
///
/// A query has no element reference of its own to go stale: WebKitWebDriver says so when
/// React removed a matching node while the driver was making handles for the matches (seen
/// in CI, as Save closed the Change key panel). Asking again reads the DOM as it is now.
fn retry_stale_query<T>(mut query: impl FnMut() -> Result<T, String>) -> Result<T, String> {
    let mut attempt = 1;
    loop {
        match query() {
            Err(error) if error.contains("stale element") && attempt < STALE_QUERY_ATTEMPTS => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STALE: &str = "WebDriver error (404 Not Found): stale element reference — Stale element \
                         found when trying to create the node handle";

    #[test]
    fn a_query_that_raced_a_dom_change_is_asked_again() {
        let mut answers = vec![Err(STALE.to_owned()), Err(STALE.to_owned()), Ok(3)].into_iter();
        let mut calls = 0;
        let found = retry_stale_query(|| {
            calls += 1;
            answers.next().unwrap()
        });
        assert_eq!(found, Ok(3));
        assert_eq!(calls, 3);
    }

    #[test]
    fn a_launch_that_timed_out_is_tried_once_more() {
        const HUNG: &str = "WebDriver request http://127.0.0.1:1/session failed: timeout: global";
        let mut answers = vec![Err(HUNG.to_owned()), Ok("session")].into_iter();
        let mut calls = 0;
        let launched = retry_hung_launch(|| {
            calls += 1;
            answers.next().unwrap()
        });
        assert_eq!(launched, Ok("session"));
        assert_eq!(calls, 2);

        let mut calls = 0;
        let hung = retry_hung_launch::<()>(|| {
            calls += 1;
            Err(HUNG.to_owned())
        });
        assert_eq!(calls, LAUNCH_ATTEMPTS);
        assert_eq!(hung, Err(format!("{HUNG}; then: {HUNG}")));

        let mut calls = 0;
        let refused = retry_hung_launch::<()>(|| {
            calls += 1;
            Err("session not created: no such file".to_owned())
        });
        assert_eq!(calls, 1, "only a hang is retried: {refused:?}");
    }

    #[test]
    fn other_errors_and_endless_staleness_are_reported() {
        let mut calls = 0;
        let refused = retry_stale_query::<()>(|| {
            calls += 1;
            Err("invalid selector".to_owned())
        });
        assert_eq!(refused, Err("invalid selector".to_owned()));
        assert_eq!(calls, 1);

        let mut calls = 0;
        let stale = retry_stale_query::<()>(|| {
            calls += 1;
            Err(STALE.to_owned())
        });
        assert_eq!(stale, Err(STALE.to_owned()));
        assert_eq!(calls, STALE_QUERY_ATTEMPTS);
    }
}

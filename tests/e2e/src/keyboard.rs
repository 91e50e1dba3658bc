//! Moving through the app as a keyboard user: Tab and Shift+Tab to a control named as a
//! screen reader would name it, then Enter, Space or the arrow keys. Nothing here clicks or
//! targets an element; only the focus and the keys move.

use std::time::{Duration, Instant};

use crate::{Session, keys};

/// The furthest a control may be from the focus, in Tab presses.
const MAX_TABS: usize = 120;

/// The focused element, as a screen reader would announce it: its role (or tag) and its
/// accessible name, roughly as the accessibility tree computes it (`aria-label`, then
/// `aria-labelledby`, then the `<label>`, then the text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Focused {
    /// `role`, else the tag name with the input type (e.g. `input:radio`).
    pub role: String,
    /// The accessible name, whitespace collapsed.
    pub name: String,
}

const FOCUSED_SCRIPT: &str = r#"
const el = document.activeElement;
if (!el || el === document.body) return { role: 'body', name: '' };
const squash = (text) => (text || '').replace(/\s+/g, ' ').trim();
let name = el.getAttribute('aria-label');
if (!name && el.getAttribute('aria-labelledby')) {
  name = el.getAttribute('aria-labelledby').split(' ')
    .map((id) => document.getElementById(id)).filter(Boolean)
    .map((node) => node.textContent).join(' ');
}
// Text nodes joined by spaces: a label made of several elements reads as separate words.
const textOf = (node) => {
  const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
  const parts = [];
  while (walker.nextNode()) parts.push(walker.currentNode.textContent);
  return parts.join(' ');
};
if (!name && el.labels && el.labels.length > 0) name = textOf(el.labels[0]);
if (!name) name = textOf(el);
const tag = el.tagName.toLowerCase();
const role = el.getAttribute('role') || (tag === 'input' ? 'input:' + (el.type || 'text') : tag);
return { role, name: squash(name) };
"#;

/// What has the focus now.
pub fn focused(session: &Session) -> Result<Focused, String> {
    let value = session.execute(FOCUSED_SCRIPT)?;
    Ok(Focused {
        role: value["role"].as_str().unwrap_or_default().to_owned(),
        name: value["name"].as_str().unwrap_or_default().to_owned(),
    })
}

/// Presses Tab (or Shift+Tab when `backwards`) until the focused control's accessible name
/// satisfies `wanted`; the error lists every stop on the way, which is the page's tab order.
pub fn tab_to(
    session: &Session,
    what: &str,
    backwards: bool,
    wanted: impl Fn(&Focused) -> bool,
) -> Result<Focused, String> {
    let mut stops = Vec::new();
    for _ in 0..MAX_TABS {
        let now = focused(session)?;
        if wanted(&now) {
            if std::env::var_os("KEYBLADE_E2E_TRACE_FOCUS").is_some() {
                eprintln!(
                    "{what}: {} → {} {:?}",
                    stops.join(" → "),
                    now.role,
                    now.name
                );
            }
            return Ok(now);
        }
        stops.push(format!("{} {:?}", now.role, now.name));
        if backwards {
            session.press_keys(&format!("{}{}{}", keys::SHIFT, keys::TAB, keys::NULL))?;
        } else {
            session.press_keys(keys::TAB)?;
        }
    }
    Err(format!(
        "{what} was not reached in {MAX_TABS} Tab presses; the focus went through: {}",
        stops.join(" → ")
    ))
}

/// Tabs forward to the control whose accessible name is exactly `name`.
pub fn tab_to_named(session: &Session, name: &str) -> Result<Focused, String> {
    tab_to(session, &format!("the control {name:?}"), false, |f| {
        f.name == name
    })
}

/// Tabs to the control named `name` and presses Enter on it.
pub fn activate(session: &Session, name: &str) -> Result<(), String> {
    tab_to_named(session, name)?;
    session.press_keys(keys::ENTER)
}

/// Waits until the focus is on a control that satisfies `wanted` (a dialog moving the
/// focus into itself when it opens, say).
pub fn wait_focus(
    session: &Session,
    what: &str,
    timeout: Duration,
    wanted: impl Fn(&Focused) -> bool,
) -> Result<Focused, String> {
    let deadline = Instant::now() + timeout;
    loop {
        let now = focused(session)?;
        if wanted(&now) {
            return Ok(now);
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the focus did not reach {what} within {}s; it is on {} {:?}",
                timeout.as_secs(),
                now.role,
                now.name
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The text of the option selected in the focused drop-down, if the focus is on one.
fn selected_option(session: &Session) -> Result<Option<String>, String> {
    let value = session.execute(
        "const el = document.activeElement; \
         if (!el || el.tagName !== 'SELECT') return null; \
         const option = el.selectedOptions[0]; \
         return option ? option.textContent.replace(/\\s+/g, ' ').trim() : '';",
    )?;
    Ok(value.as_str().map(str::to_owned))
}

/// In the focused drop-down, moves the selection with the arrow keys until the selected
/// option starts with `option`: down first, then up.
pub fn choose_option(session: &Session, option: &str) -> Result<(), String> {
    for arrow in [keys::ARROW_DOWN, keys::ARROW_UP] {
        let mut seen = Vec::new();
        loop {
            let Some(selected) = selected_option(session)? else {
                return Err(format!(
                    "the focus is not on a drop-down while choosing {option:?}"
                ));
            };
            if selected.starts_with(option) {
                return Ok(());
            }
            if seen.contains(&selected) || seen.len() > 200 {
                break;
            }
            seen.push(selected);
            session.press_keys(arrow)?;
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    Err(format!(
        "no option of the focused drop-down starts with {option:?}"
    ))
}

/// In the focused radio group, moves with the arrow keys (which also select) until the
/// focused radio's name satisfies `wanted`: down first, then up.
pub fn arrow_to(
    session: &Session,
    what: &str,
    wanted: impl Fn(&Focused) -> bool,
) -> Result<Focused, String> {
    for arrow in [keys::ARROW_DOWN, keys::ARROW_UP] {
        let mut seen = Vec::new();
        loop {
            let now = focused(session)?;
            if wanted(&now) {
                return Ok(now);
            }
            if seen.contains(&now.name) || seen.len() > 200 {
                break;
            }
            seen.push(now.name);
            session.press_keys(arrow)?;
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    Err(format!("the arrow keys did not reach {what}"))
}

//! The app as a person sees it: everything is found by its role, its label or its visible
//! text (XPath over the accessibility attributes the UI sets), never by test IDs, and
//! every step waits for the UI with a deadline instead of sleeping.

use std::time::{Duration, Instant};

use crate::{Element, Session, UI_TIMEOUT, keys, with_text, xpath_literal};

/// How long a save may take from Save to its notification's verdict: the registry's
/// long-running operation, retries after `Retry-After`, and the verifying read-back.
pub const SAVE_TIMEOUT: Duration = Duration::from_secs(90);

const POLL: Duration = Duration::from_millis(150);

/// The resource menu on the left.
pub const RESOURCE_MENU: &str = "//*[@aria-label='Resource menu']";

/// The open side panel or dialog titled `title` (Fluent drawers are `role=dialog`, titled
/// by their heading).
pub fn dialog(title: &str) -> String {
    format!(
        "//*[@role='dialog'][.//*[self::h1 or self::h2 or self::h3][{}]]",
        with_text(title)
    )
}

/// The open confirmation (`role=alertdialog`) titled `title`.
pub fn alert_dialog(title: &str) -> String {
    format!(
        "//*[@role='alertdialog'][.//*[self::h1 or self::h2 or self::h3][{}]]",
        with_text(title)
    )
}

/// A button inside `scope` (an XPath, or "" for the whole page) whose text or accessible
/// name is `label`.
pub fn button(scope: &str, label: &str) -> String {
    let label = xpath_literal(label);
    format!("{scope}//button[normalize-space()={label} or @aria-label={label}]")
}

/// The form control inside `scope` that the field label `label` belongs to (`<label for>`;
/// Fluent appends the required asterisk after the label's own text).
pub fn field(scope: &str, label: &str) -> String {
    format!(
        "{scope}//*[(self::select or self::input or self::textarea) and @id = \
         //label[normalize-space(text()[1])={}]/@for]",
        xpath_literal(label)
    )
}

/// The radio button or checkbox inside `scope` whose label starts with `label`.
pub fn choice(scope: &str, label: &str) -> String {
    format!(
        "{scope}//input[(@type='radio' or @type='checkbox') and @id = \
         //label[starts-with(normalize-space(), {})]/@for]",
        xpath_literal(label)
    )
}

/// Any element inside `scope` whose whole visible text is `text`.
pub fn text(scope: &str, text: &str) -> String {
    format!("{scope}//*[{}]", with_text(text))
}

/// The innermost element inside `scope` whose visible text contains `part`.
pub fn text_containing(scope: &str, part: &str) -> String {
    let part = xpath_literal(part);
    format!(
        "{scope}//*[contains(normalize-space(), {part}) and not(*[contains(normalize-space(), {part})])]"
    )
}

/// Waits until `xpath` matches an enabled element.
pub fn wait_enabled(
    session: &Session,
    xpath: &str,
    what: &str,
    timeout: Duration,
) -> Result<Element, String> {
    let deadline = Instant::now() + timeout;
    loop {
        let element = session.wait_for(xpath, what, remaining(deadline))?;
        match session.is_enabled(&element) {
            Ok(true)
                if session.attribute(&element, "aria-disabled")?.as_deref() != Some("true") =>
            {
                return Ok(element);
            }
            Ok(_) => {}
            Err(error) if is_stale(&error) => {}
            Err(error) => return Err(error),
        }
        if Instant::now() > deadline {
            return Err(format!(
                "{what} stayed disabled for {}s. The page shows:\n{}",
                timeout.as_secs(),
                session.page_text().unwrap_or_else(|error| error)
            ));
        }
        std::thread::sleep(POLL);
    }
}

/// Whether the element at `xpath` is enabled right now (it must be there). Looks again
/// when React replaced the element between finding and asking.
pub fn is_enabled(session: &Session, xpath: &str, what: &str) -> Result<bool, String> {
    let deadline = Instant::now() + UI_TIMEOUT;
    loop {
        let element = session.wait_for(xpath, what, remaining(deadline))?;
        let enabled = session.is_enabled(&element).and_then(|enabled| {
            Ok(enabled && session.attribute(&element, "aria-disabled")?.as_deref() != Some("true"))
        });
        match enabled {
            Err(error) if is_stale(&error) && Instant::now() < deadline => {
                std::thread::sleep(POLL);
            }
            other => return other,
        }
    }
}

/// The visible text of the element at `xpath`, once it is there; looks again when React
/// replaced the element between finding and reading it.
pub fn text_of(session: &Session, xpath: &str, what: &str) -> Result<String, String> {
    let deadline = Instant::now() + UI_TIMEOUT;
    loop {
        let element = session.wait_for(xpath, what, remaining(deadline))?;
        match session.text(&element) {
            Err(error) if is_stale(&error) && Instant::now() < deadline => {
                std::thread::sleep(POLL);
            }
            other => return other,
        }
    }
}

/// Waits until nothing matches `xpath`.
pub fn wait_gone(
    session: &Session,
    xpath: &str,
    what: &str,
    timeout: Duration,
) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    while session.find(xpath)?.is_some() {
        if Instant::now() > deadline {
            return Err(format!(
                "{what} was still there after {}s (XPath {xpath})",
                timeout.as_secs()
            ));
        }
        std::thread::sleep(POLL);
    }
    Ok(())
}

/// Clicks the element at `xpath` once it is there and enabled. React may replace the
/// element between finding and clicking it, and a drawer may still be sliding in: both
/// are retried until the deadline.
pub fn click(session: &Session, xpath: &str, what: &str) -> Result<(), String> {
    let deadline = Instant::now() + UI_TIMEOUT;
    loop {
        let element = wait_enabled(session, xpath, what, remaining(deadline))?;
        match session.click(&element) {
            Ok(()) => return Ok(()),
            Err(error)
                if (is_stale(&error) || is_intercepted(&error)) && Instant::now() < deadline =>
            {
                std::thread::sleep(POLL);
            }
            Err(error) => return Err(format!("clicking {what}: {error}")),
        }
    }
}

/// Clicks `xpath` until `opens` appears (up to three clicks, 10 s apart), and returns it. A
/// click that lands while a dialog that just closed still fades out can reach its fading
/// backdrop instead, and WebKitWebDriver reports no error for that (seen once in CI, after
/// Create a key vault closed); a person would click again, and so does this.
pub fn click_to_open(
    session: &Session,
    xpath: &str,
    opens: &str,
    what: &str,
) -> Result<Element, String> {
    const CLICKS: usize = 3;
    for attempt in 1..=CLICKS {
        click(session, xpath, what)?;
        match session.wait_for(opens, what, Duration::from_secs(10)) {
            Ok(opened) => return Ok(opened),
            Err(error) if attempt == CLICKS => return Err(error),
            Err(_) => {}
        }
    }
    Err(format!("{what} did not open"))
}

/// Selects the radio button at `xpath` (see [`choice`]) and waits until it is selected: a
/// click that lands while a panel still renders can be lost, so it clicks again until the
/// choice holds or the deadline passes.
pub fn select_choice(session: &Session, xpath: &str, what: &str) -> Result<(), String> {
    let deadline = Instant::now() + UI_TIMEOUT;
    loop {
        click(session, xpath, what)?;
        let settle = Instant::now() + Duration::from_secs(2);
        while Instant::now() < settle {
            if let Some(element) = session.find(xpath)?
                && session.is_selected(&element).unwrap_or(false)
            {
                return Ok(());
            }
            std::thread::sleep(POLL);
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "{what} was clicked but did not become selected within {}s",
                UI_TIMEOUT.as_secs()
            ));
        }
    }
}

/// Picks the option starting with `option` in the drop-down at `select` from the keyboard,
/// with the arrow keys, as a keyboard user would. (WebKitWebDriver refuses to click the
/// options of a closed drop-down: "element not interactable".) Each key press changes the
/// selection, and the UI may re-render the options in between (a placeholder option goes
/// away once something is chosen), so it presses one key at a time and looks again, until
/// the option is selected and stays so.
pub fn choose(session: &Session, select: &str, option: &str, what: &str) -> Result<(), String> {
    let described = format!("the option {option:?} of {what}");
    let deadline = Instant::now() + UI_TIMEOUT;
    let mut settled = false;
    loop {
        let element = wait_enabled(session, select, what, remaining(deadline))?;
        match step_towards(session, select, &element, option) {
            Ok(Step::Selected) if settled => return Ok(()),
            Ok(Step::Selected) => settled = true,
            Ok(Step::Pressed | Step::NoSuchOption) => settled = false,
            Err(error) if is_stale(&error) => settled = false,
            Err(error) => return Err(format!("choosing {described}: {error}")),
        }
        if Instant::now() > deadline {
            return Err(format!(
                "{described} did not become selected. The page shows:\n{}",
                session.page_text().unwrap_or_else(|error| error)
            ));
        }
        std::thread::sleep(POLL);
    }
}

enum Step {
    Selected,
    Pressed,
    NoSuchOption,
}

/// Presses Up or Down once on `select` if the option starting with `option` is not the
/// selected one.
fn step_towards(
    session: &Session,
    select_xpath: &str,
    select: &Element,
    option: &str,
) -> Result<Step, String> {
    let mut target = None;
    let options = session.find_all(&format!("{select_xpath}/option"))?;
    for (index, element) in options.iter().enumerate() {
        let label = session.property(element, "textContent")?;
        if label
            .as_str()
            .is_some_and(|label| label.trim().starts_with(option))
        {
            target = Some(index);
            break;
        }
    }
    let Some(target) = target else {
        return Ok(Step::NoSuchOption);
    };
    let current = session.property(select, "selectedIndex")?;
    let current = current
        .as_u64()
        .and_then(|index| usize::try_from(index).ok())
        .ok_or_else(|| format!("selectedIndex is not an index: {current}"))?;
    if current == target {
        return Ok(Step::Selected);
    }
    let key = if target > current {
        keys::ARROW_DOWN
    } else {
        keys::ARROW_UP
    };
    session.send_keys(select, key)?;
    Ok(Step::Pressed)
}

/// Replaces the text in the input at `xpath` by typing, as a person would: select all,
/// delete, type.
pub fn type_into(session: &Session, xpath: &str, text: &str, what: &str) -> Result<(), String> {
    let input = wait_enabled(session, xpath, what, UI_TIMEOUT)?;
    session.click(&input)?;
    session.send_keys(
        &input,
        &format!("{}a{}{}", keys::CONTROL, keys::NULL, keys::BACKSPACE),
    )?;
    session.send_keys(&input, text)?;
    let typed = session.property(&input, "value")?;
    if typed.as_str() == Some(text) {
        Ok(())
    } else {
        Err(format!(
            "typed {text:?} into {what}, but it holds {typed:?}"
        ))
    }
}

/// The value a term has in the blade's facts (`<dt>term</dt><dd>value</dd>`).
pub fn fact(session: &Session, term: &str) -> Result<Option<String>, String> {
    let xpath = format!("//main//dt[{}]/following-sibling::dd[1]", with_text(term));
    match session.find(&xpath)? {
        None => Ok(None),
        Some(element) => match session.text(&element) {
            Ok(text) => Ok(Some(text)),
            Err(error) if is_stale(&error) => Ok(None),
            Err(error) => Err(error),
        },
    }
}

/// Waits until the blade's fact `term` satisfies `expected` (say what in `wanted`).
pub fn wait_fact(
    session: &Session,
    term: &str,
    wanted: &str,
    expected: impl Fn(&str) -> bool,
    timeout: Duration,
) -> Result<String, String> {
    let deadline = Instant::now() + timeout;
    let mut last = None;
    loop {
        if let Some(value) = fact(session, term)? {
            if expected(&value) {
                return Ok(value);
            }
            last = Some(value);
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the blade's {term:?} is {last:?} after {}s; wanted {wanted}. The page shows:\n{}",
                timeout.as_secs(),
                session.page_text().unwrap_or_else(|error| error)
            ));
        }
        std::thread::sleep(POLL);
    }
}

/// Waits until the blade's fact `term` reads exactly `value`.
pub fn wait_exact_fact(session: &Session, term: &str, value: &str) -> Result<String, String> {
    wait_fact(session, term, value, |shown| shown == value, UI_TIMEOUT)
}

/// Waits for the header's session button to say `label` (e.g. "Demo tenant"), or to start
/// with it.
pub fn wait_session(session: &Session, label: &str) -> Result<Element, String> {
    let name = xpath_literal(&format!("Account: {label}"));
    session.wait_for(
        &format!("//header//button[starts-with(@aria-label, {name})]"),
        &format!("the session button saying {label:?}"),
        // Signing in may start a demo tenant or read a cloud's metadata first.
        Duration::from_secs(60),
    )
}

/// Opens the resource picker from the header, picks `subscription` and then `resource`.
pub fn select_resource(
    session: &Session,
    subscription: &str,
    resource: &str,
) -> Result<(), String> {
    click(
        session,
        &button("//header", "Select resource"),
        "the Select resource button",
    )?;
    let picker = dialog("Select a resource");
    session.wait_for(&picker, "the resource picker", UI_TIMEOUT)?;
    choose(
        session,
        &field(&picker, "Subscription"),
        subscription,
        "the picker's Subscription",
    )?;
    // A resource is a radio button whose label starts with the resource's name.
    let radio = format!(
        "{picker}//input[@type='radio' and @id = //label[.//*[{}]]/@for]",
        with_text(resource)
    );
    click(session, &radio, &format!("the resource {resource}"))?;
    click(
        session,
        &button(&picker, "Select"),
        "the picker's Select button",
    )?;
    wait_gone(session, &picker, "the resource picker", UI_TIMEOUT)
}

/// Opens a blade from the resource menu (e.g. "Encryption").
pub fn open_blade(session: &Session, title: &str) -> Result<(), String> {
    let item = format!(
        "{RESOURCE_MENU}//*[self::button or self::a or @role='menuitem' or @role='treeitem' or \
         @role='link'][{}]",
        with_text(title)
    );
    click(session, &item, &format!("the menu item {title}"))
}

/// Opens `resource`'s Encryption blade and waits until it shows the registry's key.
pub fn open_encryption(
    session: &Session,
    subscription: &str,
    resource: &str,
) -> Result<(), String> {
    select_resource(session, subscription, resource)?;
    open_blade(session, "Encryption")?;
    session.wait_for(
        &format!("//h1[{}]", with_text(&format!("{resource} | Encryption"))),
        "the Encryption blade's title",
        UI_TIMEOUT,
    )?;
    wait_fact(
        session,
        "Encryption type",
        "a key source",
        |v| !v.is_empty(),
        UI_TIMEOUT,
    )
    .map(drop)
}

/// The blade's command bar button `label`.
pub fn command(label: &str) -> String {
    format!("//*[@role='toolbar']//button[{}]", with_text(label))
}

/// Opens the Change key panel; returns its XPath.
pub fn open_change_key(session: &Session) -> Result<String, String> {
    click(session, &command("Change key"), "the Change key command")?;
    let panel = dialog("Change key");
    session.wait_for(&panel, "the Change key panel", UI_TIMEOUT)?;
    Ok(panel)
}

/// Scrolls the Change key panel to its Review (findings, grant, plan), e.g. before a
/// screenshot.
pub fn show_review(session: &Session, panel: &str) -> Result<(), String> {
    let review = session.wait_for(
        &format!("{panel}//h3[{}]", with_text("Review")),
        "the Review section",
        UI_TIMEOUT,
    )?;
    session.scroll_into_view(&review)
}

/// Clicks Save in the Change key panel once preflight allows it, and waits for the panel to
/// close.
pub fn save_change(session: &Session, panel: &str) -> Result<(), String> {
    click(session, &button(panel, "Save"), "Save")?;
    wait_gone(session, panel, "the Change key panel", UI_TIMEOUT)
}

/// Opens the notifications panel and waits until the notification titled `title` has
/// finished; returns its text.
pub fn wait_notification(
    session: &Session,
    title: &str,
    timeout: Duration,
) -> Result<String, String> {
    let panel = dialog("Notifications");
    if session.find(&panel)?.is_none() {
        click(
            session,
            "//header//button[starts-with(@aria-label, 'Notifications')]",
            "the notifications bell",
        )?;
        session.wait_for(&panel, "the notifications panel", UI_TIMEOUT)?;
    }
    // A finished notification can be dismissed; one in progress cannot.
    let finished = format!(
        "{panel}//li[.//p[{}]][.//button[starts-with(@aria-label, 'Dismiss notification')]]",
        with_text(title)
    );
    let item = session.wait_for(
        &finished,
        &format!("the finished notification {title:?}"),
        timeout,
    )?;
    // While the panel slides in, WebKit reports its text as empty: wait until it shows.
    let deadline = Instant::now() + UI_TIMEOUT;
    loop {
        let text = session.text(&item)?;
        if !text.trim().is_empty() || Instant::now() >= deadline {
            return Ok(text);
        }
        std::thread::sleep(POLL);
    }
}

/// Closes the notifications panel.
pub fn close_notifications(session: &Session) -> Result<(), String> {
    let panel = dialog("Notifications");
    click(
        session,
        &button(&panel, "Close notifications"),
        "Close notifications",
    )?;
    wait_gone(session, &panel, "the notifications panel", UI_TIMEOUT)
}

fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

fn is_stale(error: &str) -> bool {
    error.contains("stale element")
}

fn is_intercepted(error: &str) -> bool {
    error.contains("element click intercepted") || error.contains("not interactable")
}

//! The webview's security baseline, checked in the running app rather than in the config
//! file: the CSP is enforced, remote content cannot load, and the Tauri API is not global.

use keyblade_e2e::{E2eEnv, UI_TIMEOUT};
use serde_json::json;

#[test]
fn webview_enforces_the_security_baseline() {
    let env = E2eEnv::from_env();
    let session = env.launch().expect("the app starts under tauri-driver");
    session
        .wait_for(
            "//*[@aria-label='Resource menu']",
            "the app shell",
            UI_TIMEOUT,
        )
        .expect("the app shell renders");

    // The UI comes from the app itself, not from a server.
    let origin = session.execute("return location.origin;").unwrap();
    assert_eq!(origin, json!("tauri://localhost"));

    // No `unsafe-eval`: string evaluation is refused.
    let eval = session
        .execute("try { eval('1'); return 'allowed'; } catch (e) { return e.name; }")
        .unwrap();
    assert_eq!(eval, json!("EvalError"), "eval must be blocked by the CSP");

    // `withGlobalTauri` is off: page scripts cannot reach the API through a global.
    let global = session.execute("return typeof window.__TAURI__;").unwrap();
    assert_eq!(global, json!("undefined"));

    // Remote content is refused by the CSP itself (not just by a missing network): the
    // browser reports a violation of the directive that blocked it.
    let violations = session
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const seen = [];
             document.addEventListener('securitypolicyviolation',
               (event) => seen.push(event.violatedDirective));
             const script = document.createElement('script');
             script.src = 'https://example.com/remote.js';
             const settle = () => setTimeout(() => done(seen), 100);
             script.onerror = settle;
             script.onload = settle;
             document.head.appendChild(script);
             fetch('https://example.com/').then(settle, settle);",
        )
        .unwrap();
    let violations = violations.as_array().expect("a list of directives");
    assert!(
        violations
            .iter()
            .any(|d| d == "script-src-elem" || d == "script-src"),
        "a remote script must violate script-src: {violations:?}"
    );
}

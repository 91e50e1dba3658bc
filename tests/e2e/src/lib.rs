//! Drives keyblade's real window: a small W3C WebDriver client for `tauri-driver`, and the
//! environment `cargo xtask e2e` (or `cargo xtask test`) sets up for it.
//!
//! Run these tests through xtask only: it builds the app, starts Xvfb and tauri-driver,
//! and passes their whereabouts in `KEYBLADE_E2E_*` variables. Without them the tests
//! fail, saying so, rather than pass without having looked at anything.
//!
//! Each test that changes something starts its own `keyblade-sandbox` (a fresh demo
//! tenant, [`E2eEnv::start_sandbox`]) and launches the app with its own `XDG_*` folders
//! ([`E2eEnv::profile`]), pointed at that sandbox through the environment variables the
//! README documents ([`Tenant::Sandbox`]), so no test sees another's changes. [`portal`]
//! finds things the way a person does, by role, label and visible text.

pub mod demo;
pub mod keyboard;
pub mod portal;
mod sandbox;
mod webdriver;

pub use sandbox::{Sandbox, status_fault_once};
pub use webdriver::{Element, Session, keys};

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
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
    /// The `keyblade-sandbox` executable, for tests that start their own sandbox.
    pub sandbox: Option<PathBuf>,
    /// This run's folder for profiles and sandbox logs.
    pub run_dir: PathBuf,
}

/// The folders (`XDG_*`) one app launch keeps its settings, data and caches in. Two
/// launches with the same profile see each other's remembered state; tests that must
/// not, get a fresh one each.
pub struct Profile {
    root: PathBuf,
}

/// Where the app signs in at start-up.
pub enum Tenant<'a> {
    /// No Azure settings in its environment: the app starts its own embedded demo tenant.
    EmbeddedDemo,
    /// Pointed at this sandbox with `KEYBLADE_CLOUD_METADATA` and the `AZURE_*` variables.
    Sandbox(&'a Sandbox),
    /// This sandbox's cloud (`KEYBLADE_CLOUD_METADATA`, `KEYBLADE_CA_FILE`) without the
    /// `AZURE_*` variables: the app opens its Sign in to Azure dialog for that cloud.
    SignInTo(&'a Sandbox),
}

/// Variables that would point the app at some cloud: removed from every launch, so a
/// developer's own Azure settings cannot leak into a test.
const CLOUD_VARIABLES: [&str; 5] = [
    "KEYBLADE_CLOUD_METADATA",
    "KEYBLADE_CA_FILE",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
];

/// Numbers folders so that a test can make several without clashing.
static NEXT_FOLDER: AtomicUsize = AtomicUsize::new(1);

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
            sandbox: std::env::var_os("KEYBLADE_E2E_SANDBOX").map(PathBuf::from),
            run_dir: std::env::var_os("KEYBLADE_E2E_RUN_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| std::env::temp_dir().join("keyblade-e2e")),
        }
    }

    /// Launches the app through tauri-driver on the embedded demo tenant, with the `XDG_*`
    /// folders xtask gave tauri-driver for the whole run.
    pub fn launch(&self) -> Result<Session, String> {
        self.launch_with(None, &Tenant::EmbeddedDemo, &[])
    }

    /// Launches the app with its own `profile` folders, signing in to `tenant`.
    pub fn launch_app(&self, profile: &Profile, tenant: &Tenant) -> Result<Session, String> {
        self.launch_with(Some(profile), tenant, &[])
    }

    /// [`E2eEnv::launch_app`] with `extra` variables besides (e.g. a `PATH` whose
    /// `xdg-open` plays the browser).
    pub fn launch_app_with(
        &self,
        profile: &Profile,
        tenant: &Tenant,
        extra: &[(String, String)],
    ) -> Result<Session, String> {
        self.launch_with(Some(profile), tenant, extra)
    }

    /// tauri-driver cannot set the app's environment, so the app is started through
    /// `env`, which sets the variables and then becomes the app (same process, so the
    /// driver still ends it).
    fn launch_with(
        &self,
        profile: Option<&Profile>,
        tenant: &Tenant,
        extra: &[(String, String)],
    ) -> Result<Session, String> {
        if !self.app.is_file() {
            return Err(format!(
                "the app executable {} does not exist; build it with `cargo xtask e2e`",
                self.app.display()
            ));
        }
        let env = env_executable()?;
        let mut args: Vec<String> = Vec::new();
        for variable in CLOUD_VARIABLES {
            args.push("-u".to_owned());
            args.push(variable.to_owned());
        }
        let mut variables = Vec::new();
        if let Some(profile) = profile {
            variables.extend(profile.environment());
        }
        match tenant {
            Tenant::EmbeddedDemo => {}
            Tenant::Sandbox(sandbox) => variables.extend(sandbox.app_environment()?),
            Tenant::SignInTo(sandbox) => variables.extend(sandbox.cloud_environment()?),
        }
        variables.extend(extra.iter().cloned());
        args.extend(
            variables
                .into_iter()
                .map(|(name, value)| format!("{name}={value}")),
        );
        args.push(self.app.to_string_lossy().into_owned());
        Session::launch(&self.webdriver, &env, &args)
    }

    /// A new, empty profile; `name` says which test it is for.
    pub fn profile(&self, name: &str) -> Result<Profile, String> {
        let root = self.fresh_folder("profiles", name)?;
        for folder in Profile::FOLDERS.map(|(_, folder)| folder) {
            let dir = root.join(folder);
            std::fs::create_dir_all(&dir)
                .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // The XDG spec requires the runtime folder to be private; GLib warns otherwise.
            let runtime = root.join("runtime");
            std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700))
                .map_err(|error| format!("cannot restrict {}: {error}", runtime.display()))?;
        }
        Ok(Profile { root })
    }

    /// Starts a fresh demo sandbox for one test; its log is kept in the run folder.
    pub fn start_sandbox(&self, name: &str) -> Result<Sandbox, String> {
        let binary = self.sandbox.as_deref().ok_or(
            "KEYBLADE_E2E_SANDBOX is not set: `cargo xtask e2e` builds keyblade-sandbox and \
             passes its path",
        )?;
        Sandbox::start(binary, &self.fresh_folder("sandboxes", name)?)
    }

    fn fresh_folder(&self, kind: &str, name: &str) -> Result<PathBuf, String> {
        let number = NEXT_FOLDER.fetch_add(1, Ordering::Relaxed);
        let dir = self
            .run_dir
            .join(kind)
            .join(format!("{name}-{}-{number}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .map_err(|error| format!("cannot empty {}: {error}", dir.display()))?;
        }
        std::fs::create_dir_all(&dir)
            .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
        Ok(dir)
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
        self.write_artifact(name, &png)
    }

    /// Saves the whole window as `<name>.png` and the part showing the element at `xpath`
    /// as `<name>-crop.png`, cut from the same capture (element screenshots come back
    /// black under Xvfb). Returns both paths.
    pub fn save_screenshot_cropped(
        &self,
        session: &Session,
        name: &str,
        xpath: &str,
    ) -> Result<(PathBuf, PathBuf), String> {
        let whole = self.save_screenshot(session, name)?;
        let element = session
            .find(xpath)?
            .ok_or_else(|| format!("nothing to crop: no element matches {xpath}"))?;
        let rect = session.element_rect(&element)?;
        let viewport = session.execute("return window.innerWidth;")?;
        let viewport = viewport
            .as_f64()
            .ok_or_else(|| format!("window.innerWidth is not a number: {viewport}"))?;
        let png = std::fs::read(&whole)
            .map_err(|error| format!("cannot read {}: {error}", whole.display()))?;
        let cropped = crop_png(&png, rect, viewport)?;
        let crop = self.write_artifact(&format!("{name}-crop"), &cropped)?;
        Ok((whole, crop))
    }

    fn write_artifact(&self, name: &str, png: &[u8]) -> Result<PathBuf, String> {
        std::fs::create_dir_all(&self.artifacts)
            .map_err(|error| format!("cannot create {}: {error}", self.artifacts.display()))?;
        let path = self.artifacts.join(format!("{name}.png"));
        std::fs::write(&path, png)
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
        Ok(path)
    }
}

impl Profile {
    const FOLDERS: [(&'static str, &'static str); 5] = [
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_RUNTIME_DIR", "runtime"),
    ];

    pub fn path(&self) -> &Path {
        &self.root
    }

    fn environment(&self) -> Vec<(String, String)> {
        Self::FOLDERS
            .iter()
            .map(|(variable, folder)| {
                (
                    (*variable).to_owned(),
                    self.root.join(folder).to_string_lossy().into_owned(),
                )
            })
            .collect()
    }
}

fn env_executable() -> Result<PathBuf, String> {
    let candidates = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default();
    [PathBuf::from("/usr/bin"), PathBuf::from("/bin")]
        .into_iter()
        .chain(candidates)
        .map(|dir| dir.join("env"))
        .find(|env| env.is_file())
        .ok_or_else(|| "cannot find `env` (coreutils) to start the app with".to_owned())
}

/// Cuts `rect` (CSS pixels: x, y, width, height) out of a PNG of a viewport `viewport_width`
/// CSS pixels wide.
fn crop_png(
    png: &[u8],
    rect: (f64, f64, f64, f64),
    viewport_width: f64,
) -> Result<Vec<u8>, String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder
        .read_info()
        .map_err(|error| format!("the screenshot is not a PNG: {error}"))?;
    let size = reader
        .output_buffer_size()
        .ok_or("the screenshot is too large to decode")?;
    let mut pixels = vec![0; size];
    let info = reader
        .next_frame(&mut pixels)
        .map_err(|error| format!("cannot decode the screenshot: {error}"))?;
    let bytes_per_pixel = info.color_type.samples();
    let scale = f64::from(info.width) / viewport_width.max(1.0);
    let (x, y, width, height) = rect;
    let clamp =
        |value: f64, limit: u32| (value * scale).round().clamp(0.0, f64::from(limit)) as u32;
    let (left, top) = (clamp(x, info.width), clamp(y, info.height));
    let (right, bottom) = (clamp(x + width, info.width), clamp(y + height, info.height));
    if right <= left || bottom <= top {
        return Err(format!("the element {rect:?} is outside the screenshot"));
    }
    let row_bytes = (right - left) as usize * bytes_per_pixel;
    let mut cropped = Vec::with_capacity(row_bytes * (bottom - top) as usize);
    for row in top..bottom {
        let start = row as usize * info.line_size + left as usize * bytes_per_pixel;
        cropped.extend_from_slice(&pixels[start..start + row_bytes]);
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, right - left, bottom - top);
    encoder.set_color(info.color_type);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder
        .write_header()
        .map_err(|error| format!("cannot encode the crop: {error}"))?;
    writer
        .write_image_data(&cropped)
        .map_err(|error| format!("cannot encode the crop: {error}"))?;
    writer
        .finish()
        .map_err(|error| format!("cannot encode the crop: {error}"))?;
    Ok(out)
}

/// An XPath predicate: the element's visible text, whitespace-normalised, is `text`.
pub fn with_text(text: &str) -> String {
    format!("normalize-space()={}", xpath_literal(text))
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

//! One `keyblade-sandbox` process per test, and the admin API the tests check results with.
//!
//! The sandbox is the oracle: after the app says it saved, the tests read the registry as
//! the sandbox stores it (`/_sandbox/resource`) and ask the sandbox whether the registry's
//! identity can really use its key (`/_sandbox/health`), instead of trusting the window.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

/// How long a fresh demo sandbox may take to print `ready` (debug build, busy machine).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running sandbox; dropping it stops the process.
pub struct Sandbox {
    child: Child,
    /// `https://localhost:P`, from the `ready` line.
    url: String,
    ca_file: PathBuf,
    log: PathBuf,
    info: Value,
    /// Trusts the sandbox's CA and nothing else.
    agent: ureq::Agent,
}

impl Sandbox {
    /// Starts `binary` on a free port with the demo scenario, its CA and log in `dir`.
    pub fn start(binary: &Path, dir: &Path) -> Result<Sandbox, String> {
        if !binary.is_file() {
            return Err(format!(
                "the sandbox executable {} does not exist; `cargo xtask e2e` builds it",
                binary.display()
            ));
        }
        std::fs::create_dir_all(dir)
            .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
        let ca_file = dir.join("sandbox-ca.pem");
        let log = dir.join("sandbox.log");
        let stderr = File::create(&log)
            .map_err(|error| format!("cannot create {}: {error}", log.display()))?;
        let mut child = Command::new(binary)
            .args(["--scenario", "demo", "--port", "0", "--ca-out"])
            .arg(&ca_file)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(|error| format!("cannot start {}: {error}", binary.display()))?;
        let url = match read_ready_line(&mut child) {
            Ok(url) => url,
            Err(error) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{error}; see {}", log.display()));
            }
        };
        let pem = std::fs::read(&ca_file)
            .map_err(|error| format!("cannot read the CA {}: {error}", ca_file.display()))?;
        let ca = ureq::tls::Certificate::from_pem(&pem)
            .map_err(|error| format!("{} is not a PEM certificate: {error}", ca_file.display()))?;
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::new_with_certs(&[ca]))
            .build();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let mut sandbox = Sandbox {
            child,
            url,
            ca_file,
            log,
            info: Value::Null,
            agent,
        };
        sandbox.info = sandbox.admin_get("/info", &[])?;
        Ok(sandbox)
    }

    /// The Resource Manager (and admin API) URL, `https://localhost:P`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The sandbox's log (stderr).
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// `https://{vault}.vault.localhost:P/`, as Key Vault and the app write vault URIs.
    pub fn vault_uri(&self, vault: &str) -> Result<String, String> {
        let suffix = self.info["keyVaultDnsSuffix"]
            .as_str()
            .ok_or_else(|| format!("the sandbox info has no keyVaultDnsSuffix: {}", self.info))?;
        Ok(format!("https://{vault}.{suffix}/"))
    }

    /// The environment that points keyblade at this sandbox as the demo service principal:
    /// what the README documents for running the app against any cloud.
    pub fn app_environment(&self) -> Result<Vec<(String, String)>, String> {
        let field = |path: &[&str]| {
            let mut value = &self.info;
            for key in path {
                value = &value[*key];
            }
            value
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("the sandbox info has no {}: {}", path.join("."), self.info))
        };
        Ok(vec![
            ("KEYBLADE_CLOUD_METADATA".to_owned(), field(&["metadata"])?),
            (
                "KEYBLADE_CA_FILE".to_owned(),
                self.ca_file.to_string_lossy().into_owned(),
            ),
            ("AZURE_TENANT_ID".to_owned(), field(&["demo", "tenantId"])?),
            ("AZURE_CLIENT_ID".to_owned(), field(&["demo", "clientId"])?),
            (
                "AZURE_CLIENT_SECRET".to_owned(),
                field(&["demo", "clientSecret"])?,
            ),
        ])
    }

    /// What the sandbox says about itself (`GET /_sandbox/info`): endpoints, demo identities.
    pub fn info(&self) -> &Value {
        &self.info
    }

    /// Only the sandbox's cloud (metadata URL and CA), no credentials: the README's
    /// contract for opening the Sign in to Azure dialog on that cloud.
    pub fn cloud_environment(&self) -> Result<Vec<(String, String)>, String> {
        let mut variables = self.app_environment()?;
        variables.retain(|(name, _)| name.starts_with("KEYBLADE_"));
        Ok(variables)
    }

    /// The sandbox's CA certificate file (PEM).
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// Approves a device-code sign-in, as the user would on another device.
    pub fn approve_device_code(&self, user_code: &str) -> Result<(), String> {
        let url = format!("{}/_sandbox/devicecode/approve", self.url);
        let response = self
            .agent
            .post(&url)
            .send_json(serde_json::json!({ "userCode": user_code }));
        read_json(&url, response).map(|_| ())
    }

    /// The versions of `vault`'s key `key`, oldest first, as the sandbox's Key Vault holds
    /// them.
    pub fn key_versions(&self, vault: &str, key: &str) -> Result<Vec<String>, String> {
        let state = self.admin_get("/state", &[])?;
        let versions = state["vaults"]["vaults"][vault]["keys"][key]["versions"]
            .as_array()
            .ok_or_else(|| format!("the sandbox has no key {vault}/{key}"))?;
        Ok(versions
            .iter()
            .filter_map(|v| v["version"].as_str().map(str::to_owned))
            .collect())
    }

    /// The sandbox's whole state (`GET /_sandbox/state`).
    pub fn state(&self) -> Result<Value, String> {
        self.admin_get("/state", &[])
    }

    /// A Resource Manager resource exactly as the sandbox stores it.
    pub fn resource(&self, id: &str) -> Result<Value, String> {
        self.admin_get("/resource", &[("id", id)])
    }

    /// The sandbox's own verdict on a resource's customer-managed key: `health` is
    /// `accessible`, or `inaccessible: <reason>`.
    pub fn health(&self, id: &str) -> Result<Value, String> {
        self.admin_get("/health", &[("resourceId", id)])
    }

    /// Adds a fault rule (`{"match", "effect", "count"}`); returns its id.
    pub fn add_fault(&self, rule: Value) -> Result<u64, String> {
        let url = format!("{}/_sandbox/faults", self.url);
        let response = self.agent.post(&url).send_json(&rule);
        let added = read_json(&url, response)?;
        added["id"]
            .as_u64()
            .ok_or_else(|| format!("adding a fault answered {added}"))
    }

    /// The fault rules still armed (spent ones disappear).
    pub fn fault_rules(&self) -> Result<Vec<Value>, String> {
        let faults = self.admin_get("/faults", &[])?;
        faults["rules"]
            .as_array()
            .cloned()
            .ok_or_else(|| format!("the sandbox's faults have no rules list: {faults}"))
    }

    /// Moves the sandbox's clock forward by an ISO 8601 `duration` (e.g. `PT2H`), as an admin
    /// would: rotation policies and the services' hourly check for new key versions run on it.
    pub fn advance_clock(&self, duration: &str) -> Result<Value, String> {
        let url = format!("{}/_sandbox/clock/advance", self.url);
        let response = self
            .agent
            .post(&url)
            .send_json(serde_json::json!({ "duration": duration }));
        read_json(&url, response)
    }

    /// The rotation policy of `vault`'s key `key` as the sandbox's Key Vault stores it
    /// (`null` when it never had one).
    pub fn rotation_policy(&self, vault: &str, key: &str) -> Result<Value, String> {
        let state = self.admin_get("/state", &[])?;
        let stored = &state["vaults"]["vaults"][vault]["keys"][key];
        if stored.is_null() {
            return Err(format!("the sandbox has no key {vault}/{key}"));
        }
        Ok(stored["rotation_policy"].clone())
    }

    fn admin_get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, String> {
        let url = format!("{}/_sandbox{path}", self.url);
        let mut request = self.agent.get(&url);
        for (name, value) in query {
            request = request.query(*name, *value);
        }
        read_json(&url, request.call())
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // Only this test's own sandbox, by its handle; it keeps no state worth saving.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads stdout until `ready https://localhost:P`, within [`START_TIMEOUT`].
fn read_ready_line(child: &mut Child) -> Result<String, String> {
    let stdout = child
        .stdout
        .take()
        .ok_or("the sandbox's stdout was not captured")?;
    let (sender, receiver) = mpsc::channel();
    // The reader keeps draining stdout after `ready`, so a later line cannot block the sandbox.
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if !sent {
                sent = sender.send(line).is_ok();
            }
        }
    });
    let line = receiver
        .recv_timeout(START_TIMEOUT)
        .map_err(|_| match child.try_wait() {
            Ok(Some(status)) => format!("the sandbox exited ({status}) before it was ready"),
            _ => format!(
                "the sandbox did not print `ready` within {}s",
                START_TIMEOUT.as_secs()
            ),
        })?;
    line.strip_prefix("ready ")
        .map(|url| url.trim().to_owned())
        .ok_or_else(|| format!("the sandbox's first line is not `ready <url>`: {line}"))
}

fn read_json(
    url: &str,
    response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<Value, String> {
    let mut response = response.map_err(|error| format!("{url}: {error}"))?;
    let status = response.status();
    let body = response
        .body_mut()
        .read_to_string()
        .map_err(|error| format!("{url}: cannot read the answer: {error}"))?;
    if !status.is_success() {
        return Err(format!("{url} answered {status}: {body}"));
    }
    serde_json::from_str(&body)
        .map_err(|error| format!("{url} answered non-JSON ({error}): {body}"))
}

/// A fault rule that answers the next `method` request whose path matches `path_regex` with
/// `status` and `Retry-After: retry_after` seconds, once.
pub fn status_fault_once(method: &str, path_regex: &str, status: u16, retry_after: u32) -> Value {
    json!({
        "match": { "method": method, "service": "arm", "pathRegex": path_regex },
        "effect": { "kind": "status", "status": status, "retryAfter": retry_after },
        "count": 1,
    })
}

//! Which Azure cloud keyblade talks to, and which hosts may see its tokens.
//!
//! A [`CloudSettings`] is either one of the built-in clouds or is read from a cloud's
//! Resource Manager metadata (`GET {arm}/metadata/endpoints`), which is how Azure Stack,
//! air-gapped clouds and the local sandbox describe themselves. Fetching that document is
//! I/O and lives elsewhere; this module only interprets it.
//!
//! The security invariant kept here: a bearer token is sent only to a host of the active
//! cloud ([`CloudSettings::is_trusted_host`]).

use keyblade_core::{PortRule, VaultKind, VaultSuffix, VaultSuffixes};
use serde_json::Value;
use url::Url;

use crate::error::AzureError;

/// The endpoints and trust settings of one Azure cloud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudSettings {
    name: String,
    arm_endpoint: Url,
    authority_host: Url,
    arm_audience: String,
    key_vault_suffix: VaultSuffix,
    managed_hsm_suffix: Option<VaultSuffix>,
    extra_trusted_ca_pems: Vec<String>,
}

/// Why a `/metadata/endpoints` document could not be used. Messages name the field and
/// say what to check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloudMetadataError {
    /// The document is not JSON.
    #[error(
        "The cloud metadata is not valid JSON ({reason}). Check that the metadata URL points at \
         Resource Manager's /metadata/endpoints and returns JSON, not a sign-in or proxy page."
    )]
    InvalidJson {
        /// The parser's message.
        reason: String,
    },

    /// The JSON is neither one cloud nor a list of clouds.
    #[error(
        "The cloud metadata is neither an object nor a list of clouds. Check that the metadata \
         URL points at Resource Manager's /metadata/endpoints."
    )]
    UnexpectedShape,

    /// The document is an empty list.
    #[error("The cloud metadata lists no clouds. Check the metadata URL and its api-version.")]
    NoClouds,

    /// Several clouds and nothing to choose between them.
    #[error(
        "The cloud metadata lists several clouds ({}) and does not say which one is wanted. \
         Fetch it from the cloud's own Resource Manager with api-version=2022-09-01, which \
         returns just that cloud.",
        names.join(", ")
    )]
    AmbiguousClouds {
        /// The clouds' names.
        names: Vec<String>,
    },

    /// No listed cloud has the expected Resource Manager.
    #[error(
        "The cloud metadata lists {} but none whose Resource Manager is `{arm_endpoint}`. Check \
         that the metadata URL belongs to that Resource Manager.",
        names.join(", ")
    )]
    NoMatchingCloud {
        /// The Resource Manager endpoint looked for.
        arm_endpoint: String,
        /// The clouds' names.
        names: Vec<String>,
    },

    /// A required field is absent.
    #[error(
        "The cloud metadata has no `{field}`, which keyblade needs to reach the cloud. The \
         document may be from an old api-version: use api-version=2022-09-01."
    )]
    MissingField {
        /// The field's JSON path.
        field: &'static str,
    },

    /// An endpoint is not an `https://` URL with a host.
    #[error(
        "The cloud metadata's `{field}` is `{value}`, which is not an https:// URL with a host \
         ({reason}). keyblade sends credentials only over HTTPS: fix the cloud's metadata."
    )]
    InvalidEndpoint {
        /// The field's JSON path.
        field: &'static str,
        /// The value found.
        value: String,
        /// Why it is not usable.
        reason: String,
    },

    /// A Key Vault or Managed HSM suffix is not a usable DNS suffix.
    #[error("The cloud metadata's `{field}` is not usable: {source}")]
    InvalidSuffix {
        /// The field's JSON path.
        field: &'static str,
        /// Why it is not usable.
        source: keyblade_core::InvalidVaultSuffix,
    },

    /// The metadata puts Resource Manager or sign-in on hosts other than its own, unconfirmed.
    #[error(
        "The cloud metadata read from {metadata_host} puts its Resource Manager or sign-in \
         endpoint on {} ({}). keyblade would send your client secret and tokens there, so it \
         does not use this cloud unless you confirm {}. If you trust {}, set \
         KEYBLADE_CLOUD_TRUSTED_HOSTS={} and start keyblade again; otherwise check the \
         metadata URL.",
        if hosts.len() == 1 { "another host" } else { "other hosts" },
        hosts.join(", "),
        if hosts.len() == 1 { "it" } else { "them" },
        if hosts.len() == 1 { "it" } else { "them" },
        hosts.join(",")
    )]
    ForeignEndpoints {
        /// The metadata URL's `host[:port]`.
        metadata_host: String,
        /// The endpoints' hosts that are neither it nor confirmed, as `host[:port]`.
        hosts: Vec<String>,
    },
}

impl CloudMetadataError {
    /// A stable identifier for the UI, e.g. `cloud.missingField`.
    pub fn code(&self) -> &'static str {
        match self {
            CloudMetadataError::InvalidJson { .. } => "cloud.invalidJson",
            CloudMetadataError::UnexpectedShape => "cloud.unexpectedShape",
            CloudMetadataError::NoClouds => "cloud.noClouds",
            CloudMetadataError::AmbiguousClouds { .. } => "cloud.ambiguousClouds",
            CloudMetadataError::NoMatchingCloud { .. } => "cloud.noMatchingCloud",
            CloudMetadataError::MissingField { .. } => "cloud.missingField",
            CloudMetadataError::InvalidEndpoint { .. } => "cloud.invalidEndpoint",
            CloudMetadataError::InvalidSuffix { .. } => "cloud.invalidSuffix",
            CloudMetadataError::ForeignEndpoints { .. } => "cloud.foreignEndpoints",
        }
    }
}

/// Built-in values, as Azure CLI hard-codes them and ARM's metadata reports them.
struct BuiltIn {
    name: &'static str,
    arm_endpoint: &'static str,
    authority_host: &'static str,
    arm_audience: &'static str,
    key_vault_suffix: &'static str,
    managed_hsm_suffix: &'static str,
}

const AZURE_CLOUD: BuiltIn = BuiltIn {
    name: "AzureCloud",
    arm_endpoint: "https://management.azure.com/",
    authority_host: "https://login.microsoftonline.com/",
    arm_audience: "https://management.core.windows.net/",
    key_vault_suffix: "vault.azure.net",
    managed_hsm_suffix: "managedhsm.azure.net",
};

const AZURE_CHINA_CLOUD: BuiltIn = BuiltIn {
    name: "AzureChinaCloud",
    arm_endpoint: "https://management.chinacloudapi.cn/",
    authority_host: "https://login.chinacloudapi.cn/",
    arm_audience: "https://management.core.chinacloudapi.cn/",
    key_vault_suffix: "vault.azure.cn",
    managed_hsm_suffix: "managedhsm.azure.cn",
};

const AZURE_US_GOVERNMENT: BuiltIn = BuiltIn {
    name: "AzureUSGovernment",
    arm_endpoint: "https://management.usgovcloudapi.net/",
    authority_host: "https://login.microsoftonline.us/",
    arm_audience: "https://management.core.usgovcloudapi.net/",
    key_vault_suffix: "vault.usgovcloudapi.net",
    managed_hsm_suffix: "managedhsm.usgovcloudapi.net",
};

const BUILT_INS: [&BuiltIn; 3] = [&AZURE_CLOUD, &AZURE_CHINA_CLOUD, &AZURE_US_GOVERNMENT];

impl BuiltIn {
    fn settings(&self) -> CloudSettings {
        CloudSettings {
            name: self.name.to_owned(),
            arm_endpoint: Url::parse(self.arm_endpoint).expect("built-in ARM endpoint is a URL"),
            authority_host: Url::parse(self.authority_host)
                .expect("built-in authority host is a URL"),
            arm_audience: self.arm_audience.to_owned(),
            key_vault_suffix: VaultSuffix::parse(self.key_vault_suffix, VaultKind::KeyVault)
                .expect("built-in Key Vault suffix is a domain"),
            managed_hsm_suffix: Some(
                VaultSuffix::parse(self.managed_hsm_suffix, VaultKind::ManagedHsm)
                    .expect("built-in Managed HSM suffix is a domain"),
            ),
            extra_trusted_ca_pems: Vec::new(),
        }
    }
}

impl CloudSettings {
    /// Azure's public cloud.
    pub fn azure_cloud() -> CloudSettings {
        AZURE_CLOUD.settings()
    }

    /// Azure operated by 21Vianet (China).
    pub fn azure_china_cloud() -> CloudSettings {
        AZURE_CHINA_CLOUD.settings()
    }

    /// Azure US Government.
    pub fn azure_us_government() -> CloudSettings {
        AZURE_US_GOVERNMENT.settings()
    }

    /// All built-in clouds, public first.
    pub fn built_in() -> Vec<CloudSettings> {
        BUILT_INS.iter().map(|cloud| cloud.settings()).collect()
    }

    /// A built-in cloud by its Azure name (`AzureCloud`, `AzureChinaCloud`,
    /// `AzureUSGovernment`), ignoring case as Azure CLI does.
    pub fn built_in_named(name: &str) -> Option<CloudSettings> {
        BUILT_INS
            .iter()
            .find(|cloud| cloud.name.eq_ignore_ascii_case(name))
            .map(|cloud| cloud.settings())
    }

    /// Reads Resource Manager's `/metadata/endpoints` response.
    ///
    /// Accepts the object of api-version 2022-09-01 and later, and the older list of clouds
    /// when it has exactly one entry (use [`from_metadata_for`](Self::from_metadata_for)
    /// for a list of several). `ca_pems` are extra CA certificates to trust for this cloud,
    /// e.g. the sandbox's or an Azure Stack's private CA.
    pub fn from_metadata(
        json: &str,
        ca_pems: Vec<String>,
    ) -> Result<CloudSettings, CloudMetadataError> {
        match parse_document(json)? {
            Value::Array(clouds) => match clouds.as_slice() {
                [] => Err(CloudMetadataError::NoClouds),
                [cloud] => settings_from_entry(cloud, ca_pems),
                several => Err(CloudMetadataError::AmbiguousClouds {
                    names: several.iter().map(entry_name).collect(),
                }),
            },
            object @ Value::Object(_) => settings_from_entry(&object, ca_pems),
            _ => Err(CloudMetadataError::UnexpectedShape),
        }
    }

    /// Like [`from_metadata`](Self::from_metadata), but picks from a list of clouds the one
    /// whose `resourceManager` has the host and port of `arm_endpoint` (the Resource Manager
    /// the document was fetched from). An object-shaped document is used as it is.
    pub fn from_metadata_for(
        json: &str,
        arm_endpoint: &Url,
        ca_pems: Vec<String>,
    ) -> Result<CloudSettings, CloudMetadataError> {
        match parse_document(json)? {
            Value::Array(clouds) => {
                if clouds.is_empty() {
                    return Err(CloudMetadataError::NoClouds);
                }
                let wanted = authority_of(arm_endpoint);
                let matching = clouds.iter().find(|cloud| {
                    cloud["resourceManager"]
                        .as_str()
                        .and_then(|text| Url::parse(text).ok())
                        .is_some_and(|url| authority_of(&url) == wanted)
                });
                match matching {
                    Some(cloud) => settings_from_entry(cloud, ca_pems),
                    None => Err(CloudMetadataError::NoMatchingCloud {
                        arm_endpoint: arm_endpoint.to_string(),
                        names: clouds.iter().map(entry_name).collect(),
                    }),
                }
            }
            object @ Value::Object(_) => settings_from_entry(&object, ca_pems),
            _ => Err(CloudMetadataError::UnexpectedShape),
        }
    }

    /// The same cloud, trusting these extra CA certificates (PEM) as well.
    pub fn with_extra_trusted_ca_pems(mut self, ca_pems: Vec<String>) -> CloudSettings {
        self.extra_trusted_ca_pems.extend(ca_pems);
        self
    }

    /// The cloud's name, e.g. `AzureCloud`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Resource Manager, e.g. `https://management.azure.com/`.
    pub fn arm_endpoint(&self) -> &Url {
        &self.arm_endpoint
    }

    /// Entra ID's authority host, e.g. `https://login.microsoftonline.com/`.
    pub fn authority_host(&self) -> &Url {
        &self.authority_host
    }

    /// The token audience (resource) Resource Manager accepts, e.g.
    /// `https://management.core.windows.net/`.
    pub fn arm_audience(&self) -> &str {
        &self.arm_audience
    }

    /// The OAuth scope for Resource Manager tokens: the audience plus `/.default`, as Azure
    /// CLI forms it (a trailing slash is kept, so `https://management.core.windows.net//.default`).
    pub fn arm_scope(&self) -> String {
        format!("{}/.default", self.arm_audience)
    }

    /// Key Vault's DNS suffix, e.g. `vault.azure.net`.
    pub fn key_vault_suffix(&self) -> &VaultSuffix {
        &self.key_vault_suffix
    }

    /// Managed HSM's DNS suffix, if the cloud has Managed HSM.
    pub fn managed_hsm_suffix(&self) -> Option<&VaultSuffix> {
        self.managed_hsm_suffix.as_ref()
    }

    /// Extra CA certificates (PEM) the transport trusts for this cloud, e.g. a private cloud's.
    pub fn extra_trusted_ca_pems(&self) -> &[String] {
        &self.extra_trusted_ca_pems
    }

    /// The vault suffixes of this cloud only, for [`keyblade_core::KeyUri::parse_with_suffixes`]:
    /// a key in another cloud's vault could not be reached with this cloud's tokens.
    pub fn vault_suffixes(&self) -> VaultSuffixes {
        let mut suffixes = vec![self.key_vault_suffix.clone()];
        suffixes.extend(self.managed_hsm_suffix.clone());
        VaultSuffixes::new(suffixes)
    }

    /// Whether a bearer token may be sent to `host`, given as `host` or `host:port` (the
    /// authority of the request URL, without user info).
    ///
    /// Trusted are, case-insensitively: the Resource Manager host, the authority host, and
    /// `{one-label}.{Key Vault suffix}` / `{one-label}.{Managed HSM suffix}`. The port must
    /// match too: a missing port means 443, and Azure's endpoints have no other. For a cloud
    /// on a non-default port (the sandbox: `localhost:P`, `vault.localhost:P`) only that
    /// port is trusted, because another port on the same machine is another program, which
    /// must not receive the token. Nested labels (`a.b.vault.azure.net`) are not vaults and
    /// are not trusted; neither are IP literals unless an endpoint names them exactly.
    pub fn is_trusted_host(&self, host: &str) -> bool {
        let Some((host, port)) = split_authority(host) else {
            return false;
        };
        let matches_endpoint = |url: &Url| {
            url.host_str() == Some(host.as_str()) && url.port_or_known_default() == Some(port)
        };
        if matches_endpoint(&self.arm_endpoint) || matches_endpoint(&self.authority_host) {
            return true;
        }
        let arm_port = self.arm_endpoint.port_or_known_default();
        [
            Some(&self.key_vault_suffix),
            self.managed_hsm_suffix.as_ref(),
        ]
        .into_iter()
        .flatten()
        .any(|suffix| is_vault_host(&host, port, suffix, arm_port))
    }

    /// Whether a token for `audience` (its `aud` claim) may go to `url`: a Resource Manager
    /// token only to Resource Manager, a Key Vault token only to vaults, a Managed HSM token
    /// only to HSMs. `None` when the audience is none of this cloud's, so no host may have it.
    pub fn audience_allows(&self, audience: &str, url: &Url) -> Option<bool> {
        let trimmed = |text: &str| text.trim_end_matches('/').to_ascii_lowercase();
        let audience = trimmed(audience);
        let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
            return Some(false);
        };
        let host = host.to_ascii_lowercase();
        // Resource Manager accepts its audience (`https://management.core.windows.net/`)
        // and its own endpoint as the resource.
        if audience == trimmed(&self.arm_audience)
            || audience == trimmed(self.arm_endpoint.as_str())
        {
            return Some(
                self.arm_endpoint.host_str() == Some(host.as_str())
                    && self.arm_endpoint.port_or_known_default() == Some(port),
            );
        }
        let arm_port = self.arm_endpoint.port_or_known_default();
        // A Key Vault token's audience is `https://{suffix}`, e.g. `https://vault.azure.net`.
        [
            Some(&self.key_vault_suffix),
            self.managed_hsm_suffix.as_ref(),
        ]
        .into_iter()
        .flatten()
        .find(|suffix| {
            Url::parse(&audience)
                .ok()
                .and_then(|aud| {
                    aud.host_str()
                        .map(|h| h.eq_ignore_ascii_case(suffix.domain()))
                })
                .unwrap_or(false)
        })
        .map(|suffix| is_vault_host(&host, port, suffix, arm_port))
    }

    /// A key vault's (or Managed HSM's) URI as the user gave it, checked to be a vault of
    /// this cloud before anything is sent to it, and returned as keyblade sends it
    /// (`https://{vault-name}.{suffix}[:port]/`, lower-case).
    ///
    /// Key Vault's client first sends an unauthenticated request to learn where to get a
    /// token, so a vault URI from the UI is checked here, not only by the token-host guard:
    /// a foreign host must not even learn that keyblade exists.
    pub fn vault_url(&self, input: &str) -> Result<Url, AzureError> {
        let input = input.trim();
        let invalid = |reason: String| AzureError::InvalidInput {
            what: format!("The vault URI `{input}`"),
            reason,
        };
        let shape = format!("https://{{vault-name}}.{}/", self.key_vault_suffix);
        let url = Url::parse(input).map_err(|e| {
            invalid(format!(
                "it is not a URL ({e}); a vault URI looks like {shape}"
            ))
        })?;
        if url.scheme() != "https" {
            return Err(invalid(format!(
                "it starts with `{}:`, and Key Vault is reached only over https://, as in {shape}",
                url.scheme()
            )));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(
                "it contains a user name or password (text before `@`); remove it".to_owned(),
            ));
        }
        if url.query().is_some() || url.fragment().is_some() || !matches!(url.path(), "" | "/") {
            return Err(invalid(format!(
                "a vault URI ends after the host, as in {shape}; remove what follows it"
            )));
        }
        let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
            return Err(invalid(format!(
                "it has no host; a vault URI looks like {shape}"
            )));
        };
        let arm_port = self.arm_endpoint.port_or_known_default();
        let is_vault = [
            Some(&self.key_vault_suffix),
            self.managed_hsm_suffix.as_ref(),
        ]
        .into_iter()
        .flatten()
        .any(|suffix| is_vault_host(host, port, suffix, arm_port));
        if !is_vault {
            return Err(AzureError::UntrustedVaultHost {
                host: display_authority(host, port),
                cloud: self.name.clone(),
                suffixes: self
                    .vault_suffixes()
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
            });
        }
        let mut vault = url;
        vault.set_path("/");
        Ok(vault)
    }

    /// Checks that this cloud's Resource Manager and sign-in endpoints are on the host (and
    /// port) of `metadata_url`, the document they were read from, or on a host in
    /// `confirmed` (`host` or `host:port`; a missing port means 443).
    ///
    /// Whoever serves the metadata decides where keyblade sends the client secret and every
    /// token. A document that names its own host for both keeps them with whoever the user
    /// chose to trust by typing the URL; any other host the user must name explicitly.
    pub fn check_endpoints_on_host(
        &self,
        metadata_url: &Url,
        confirmed: &[String],
    ) -> Result<(), CloudMetadataError> {
        let own = url_authority(metadata_url);
        let confirmed: Vec<(String, u16)> = confirmed
            .iter()
            .filter_map(|entry| confirmed_authority(entry))
            .collect();
        let mut foreign: Vec<String> = Vec::new();
        for endpoint in [&self.arm_endpoint, &self.authority_host] {
            let Some(authority) = url_authority(endpoint) else {
                continue;
            };
            if Some(&authority) == own.as_ref() || confirmed.contains(&authority) {
                continue;
            }
            let shown = display_authority(&authority.0, authority.1);
            if !foreign.contains(&shown) {
                foreign.push(shown);
            }
        }
        if foreign.is_empty() {
            return Ok(());
        }
        Err(CloudMetadataError::ForeignEndpoints {
            metadata_host: own.map_or_else(
                || metadata_url.to_string(),
                |(host, port)| display_authority(&host, port),
            ),
            hosts: foreign,
        })
    }

    /// [`is_trusted_host`](Self::is_trusted_host) for a whole URL, which must also be https.
    pub fn is_trusted_url(&self, url: &Url) -> bool {
        if url.scheme() != "https" || !url.username().is_empty() || url.password().is_some() {
            return false;
        }
        match (url.host_str(), url.port_or_known_default()) {
            (Some(host), Some(port)) => self.is_trusted_host(&format!("{host}:{port}")),
            _ => false,
        }
    }
}

fn parse_document(json: &str) -> Result<Value, CloudMetadataError> {
    // Some ARM front ends prefix a byte-order mark.
    let json = json.strip_prefix('\u{feff}').unwrap_or(json);
    serde_json::from_str(json).map_err(|error| CloudMetadataError::InvalidJson {
        reason: error.to_string(),
    })
}

fn entry_name(entry: &Value) -> String {
    entry["name"].as_str().unwrap_or("(unnamed)").to_owned()
}

/// `(host, port)` of a URL, the host lower-cased.
fn url_authority(url: &Url) -> Option<(String, u16)> {
    Some((
        url.host_str()?.to_ascii_lowercase(),
        url.port_or_known_default()?,
    ))
}

/// `host`, or `host:port` when the port is not 443: how a user writes it.
fn display_authority(host: &str, port: u16) -> String {
    if port == 443 {
        host.to_owned()
    } else {
        format!("{host}:{port}")
    }
}

/// A confirmed host as the user wrote it: `host`, `host:port`, or a URL.
fn confirmed_authority(entry: &str) -> Option<(String, u16)> {
    let entry = entry.trim();
    if entry.contains("://") {
        return Url::parse(entry).ok().as_ref().and_then(url_authority);
    }
    split_authority(entry.trim_end_matches('/'))
}

fn authority_of(url: &Url) -> (Option<String>, Option<u16>) {
    (
        url.host_str().map(str::to_ascii_lowercase),
        url.port_or_known_default(),
    )
}

fn settings_from_entry(
    entry: &Value,
    ca_pems: Vec<String>,
) -> Result<CloudSettings, CloudMetadataError> {
    let text = |value: &Value, field: &'static str| -> Result<String, CloudMetadataError> {
        value
            .as_str()
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .map(str::to_owned)
            .ok_or(CloudMetadataError::MissingField { field })
    };
    let name = text(&entry["name"], "name")?;
    let arm_endpoint = https_url(
        text(&entry["resourceManager"], "resourceManager")?,
        "resourceManager",
    )?;
    let authentication = &entry["authentication"];
    let authority_host = https_url(
        text(
            &authentication["loginEndpoint"],
            "authentication.loginEndpoint",
        )?,
        "authentication.loginEndpoint",
    )?;
    // Azure CLI uses the first audience as the token resource for Resource Manager.
    let arm_audience = text(&authentication["audiences"][0], "authentication.audiences")?;
    let suffixes = &entry["suffixes"];
    let key_vault_suffix = VaultSuffix::parse(
        &text(&suffixes["keyVaultDns"], "suffixes.keyVaultDns")?,
        VaultKind::KeyVault,
    )
    .map_err(|source| CloudMetadataError::InvalidSuffix {
        field: "suffixes.keyVaultDns",
        source,
    })?;
    // The pre-2022 list shape has no `mhsmDns`; Azure CLI then falls back to its hard-coded
    // value for a known cloud name, and so do we. An unknown cloud without it has no HSM.
    let managed_hsm_suffix = match suffixes["mhsmDns"].as_str().map(str::trim) {
        Some(text) if !text.is_empty() => Some(
            VaultSuffix::parse(text, VaultKind::ManagedHsm).map_err(|source| {
                CloudMetadataError::InvalidSuffix {
                    field: "suffixes.mhsmDns",
                    source,
                }
            })?,
        ),
        _ => CloudSettings::built_in_named(&name).and_then(|built_in| built_in.managed_hsm_suffix),
    };
    Ok(CloudSettings {
        name,
        arm_endpoint,
        authority_host,
        arm_audience,
        key_vault_suffix,
        managed_hsm_suffix,
        extra_trusted_ca_pems: ca_pems,
    })
}

fn https_url(text: String, field: &'static str) -> Result<Url, CloudMetadataError> {
    let invalid = |reason: &str| CloudMetadataError::InvalidEndpoint {
        field,
        value: text.clone(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(&text).map_err(|error| invalid(&error.to_string()))?;
    if url.scheme() != "https" {
        return Err(invalid("the scheme is not https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("there is no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("it carries a user name or password"));
    }
    Ok(url)
}

/// Splits `host[:port]`, lower-casing the host; the port defaults to 443. IPv6 literals
/// come bracketed, as in a URL.
fn split_authority(authority: &str) -> Option<(String, u16)> {
    let authority = authority.trim();
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let port = match after {
            "" => 443,
            _ => after.strip_prefix(':')?.parse().ok()?,
        };
        (format!("[{inside}]"), port)
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host.to_owned(), port.parse().ok()?),
            None => (authority.to_owned(), 443),
        }
    };
    if host.is_empty() || port == 0 {
        return None;
    }
    Some((host.to_ascii_lowercase(), port))
}

fn is_vault_host(host: &str, port: u16, suffix: &VaultSuffix, arm_port: Option<u16>) -> bool {
    let Some(label) = host
        .strip_suffix(suffix.domain())
        .and_then(|rest| rest.strip_suffix('.'))
    else {
        return false;
    };
    let label_ok = !label.is_empty()
        && label.len() <= 63
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let port_ok = match suffix.port_rule() {
        PortRule::HttpsDefault => port == 443,
        PortRule::Exactly(expected) => port == expected,
        // Only the sandbox suffix has no fixed port, and the sandbox serves vaults on the
        // same port as its Resource Manager.
        PortRule::Required => Some(port) == arm_port,
    };
    label_ok && port_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arm_scope_appends_default_to_the_audience() {
        assert_eq!(
            CloudSettings::azure_cloud().arm_scope(),
            "https://management.core.windows.net//.default"
        );
    }

    #[test]
    fn built_in_lookup_ignores_case() {
        let gov = CloudSettings::built_in_named("azureusgovernment").unwrap();
        assert_eq!(
            gov.arm_endpoint().as_str(),
            "https://management.usgovcloudapi.net/"
        );
        assert!(CloudSettings::built_in_named("AzureGermanCloud").is_none());
    }

    fn sandbox_cloud(port: u16) -> CloudSettings {
        let json =
            include_str!("../tests/data/metadata/sandbox.json").replace("8443", &port.to_string());
        CloudSettings::from_metadata(&json, Vec::new()).unwrap()
    }

    #[test]
    fn vault_urls_of_the_cloud_are_accepted_and_normalized() {
        let public = CloudSettings::azure_cloud();
        let cases = [
            (
                "https://MyVault.vault.azure.net",
                "https://myvault.vault.azure.net/",
            ),
            (
                " https://myvault.vault.azure.net/ ",
                "https://myvault.vault.azure.net/",
            ),
            (
                "https://myvault.vault.azure.net:443/",
                "https://myvault.vault.azure.net/",
            ),
            (
                "https://contoso.managedhsm.azure.net/",
                "https://contoso.managedhsm.azure.net/",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(
                public.vault_url(input).unwrap().as_str(),
                expected,
                "{input}"
            );
        }
        assert_eq!(
            sandbox_cloud(8443)
                .vault_url("https://kb-demo.vault.localhost:8443/")
                .unwrap()
                .as_str(),
            "https://kb-demo.vault.localhost:8443/"
        );
    }

    #[test]
    fn vault_urls_elsewhere_are_refused_before_anything_is_sent() {
        let public = CloudSettings::azure_cloud();
        for input in [
            "https://evil.example/",
            "https://cn-vault.vault.azure.cn/",
            "https://a.b.vault.azure.net/",
            "https://vault.azure.net/",
            "https://myvault.vault.azure.net:8443/",
            "https://management.azure.com/",
            "https://127.0.0.1/",
            "https://[::1]/",
        ] {
            let error = public.vault_url(input).unwrap_err();
            assert_eq!(error.code(), "azure.untrustedVaultHost", "{input}");
            let message = error.to_string();
            assert!(
                message
                    .contains("{vault-name}.vault.azure.net or {vault-name}.managedhsm.azure.net"),
                "{input}: {message}"
            );
            assert!(message.contains("AzureCloud"), "{message}");
        }
        let error = sandbox_cloud(8443)
            .vault_url("https://kb-demo.vault.localhost:9443/")
            .unwrap_err();
        assert_eq!(error.code(), "azure.untrustedVaultHost");
        assert!(
            error.to_string().contains("kb-demo.vault.localhost:9443"),
            "{error}"
        );
    }

    #[test]
    fn vault_urls_that_are_not_a_vault_root_say_why() {
        let public = CloudSettings::azure_cloud();
        for (input, says) in [
            ("myvault.vault.azure.net", "not a URL"),
            ("http://myvault.vault.azure.net/", "https://"),
            ("https://user@myvault.vault.azure.net/", "user name"),
            (
                "https://myvault.vault.azure.net/keys/k",
                "ends after the host",
            ),
            (
                "https://myvault.vault.azure.net/?x=1",
                "ends after the host",
            ),
        ] {
            let error = public.vault_url(input).unwrap_err();
            assert_eq!(error.code(), "azure.invalidInput", "{input}");
            assert!(error.to_string().contains(says), "{input}: {error}");
        }
    }

    /// An Azure Stack Hub whose sign-in is Entra ID's public authority.
    const STACK_WITH_ENTRA: &str = r#"{
        "name": "AzureStack",
        "resourceManager": "https://management.local.azurestack.external/",
        "authentication": {
            "loginEndpoint": "https://login.microsoftonline.com/",
            "audiences": ["https://management.azurestackci.onmicrosoft.com/x"]
        },
        "suffixes": { "keyVaultDns": "vault.local.azurestack.external" }
    }"#;

    #[test]
    fn endpoints_on_the_metadata_host_need_no_confirmation() {
        let sandbox = sandbox_cloud(8443);
        let url = Url::parse("https://LOCALHOST:8443/metadata/endpoints?api-version=1").unwrap();
        assert_eq!(sandbox.check_endpoints_on_host(&url, &[]), Ok(()));
    }

    #[test]
    fn endpoints_on_other_hosts_are_refused_unless_confirmed() {
        let stack = CloudSettings::from_metadata(STACK_WITH_ENTRA, Vec::new()).unwrap();
        let url =
            Url::parse("https://management.local.azurestack.external/metadata/endpoints").unwrap();
        let error = stack.check_endpoints_on_host(&url, &[]).unwrap_err();
        assert_eq!(error.code(), "cloud.foreignEndpoints");
        assert_eq!(
            error,
            CloudMetadataError::ForeignEndpoints {
                metadata_host: "management.local.azurestack.external".to_owned(),
                hosts: vec!["login.microsoftonline.com".to_owned()],
            }
        );
        assert!(
            error
                .to_string()
                .contains("KEYBLADE_CLOUD_TRUSTED_HOSTS=login.microsoftonline.com"),
            "{error}"
        );
        for confirmed in [
            "login.microsoftonline.com",
            " LOGIN.microsoftonline.com:443 ",
            "https://login.microsoftonline.com/",
        ] {
            assert_eq!(
                stack.check_endpoints_on_host(
                    &url,
                    &["other.example".to_owned(), confirmed.to_owned()]
                ),
                Ok(()),
                "{confirmed}"
            );
        }
        // Another port is another program: confirming the host on one port is not the other.
        assert!(
            stack
                .check_endpoints_on_host(&url, &["login.microsoftonline.com:8443".to_owned()])
                .is_err()
        );
    }

    #[test]
    fn a_metadata_url_on_another_port_or_host_lists_every_foreign_endpoint_once() {
        let sandbox = sandbox_cloud(8443);
        let url = Url::parse("https://127.0.0.1:8443/metadata/endpoints").unwrap();
        let Err(CloudMetadataError::ForeignEndpoints {
            hosts,
            metadata_host,
        }) = sandbox.check_endpoints_on_host(&url, &[])
        else {
            panic!("expected a refusal");
        };
        assert_eq!(metadata_host, "127.0.0.1:8443");
        assert_eq!(hosts, vec!["localhost:8443".to_owned()]);
        let other_port = Url::parse("https://localhost:9443/metadata/endpoints").unwrap();
        assert!(sandbox.check_endpoints_on_host(&other_port, &[]).is_err());
        assert_eq!(
            sandbox.check_endpoints_on_host(&other_port, &["localhost:8443".to_owned()]),
            Ok(())
        );
    }

    #[test]
    fn split_authority_handles_ports_and_ipv6() {
        assert_eq!(
            split_authority("Example.COM"),
            Some(("example.com".into(), 443))
        );
        assert_eq!(
            split_authority("localhost:8443"),
            Some(("localhost".into(), 8443))
        );
        assert_eq!(split_authority("[::1]:8443"), Some(("[::1]".into(), 8443)));
        assert_eq!(split_authority("host:"), None);
        assert_eq!(split_authority("host:0"), None);
        assert_eq!(split_authority("user@host"), None);
    }

    /// Each token only to its audience's hosts: Resource Manager's to Resource Manager,
    /// Key Vault's to vaults, Managed HSM's to HSMs; an audience of no service of this cloud
    /// to nowhere.
    #[test]
    fn tokens_go_only_to_their_audiences_hosts() {
        let cloud = CloudSettings::azure_cloud();
        let url = |text: &str| Url::parse(text).unwrap();
        let arm = url("https://management.azure.com/subscriptions");
        let vault = url("https://kv-prod.vault.azure.net/keys/k");
        let hsm = url("https://hsm1.managedhsm.azure.net/keys/k");
        for audience in [
            "https://management.core.windows.net/",
            "https://management.azure.com",
            "HTTPS://MANAGEMENT.CORE.WINDOWS.NET",
        ] {
            assert_eq!(
                cloud.audience_allows(audience, &arm),
                Some(true),
                "{audience}"
            );
            assert_eq!(
                cloud.audience_allows(audience, &vault),
                Some(false),
                "{audience}"
            );
        }
        for audience in ["https://vault.azure.net", "https://vault.azure.net/"] {
            assert_eq!(
                cloud.audience_allows(audience, &vault),
                Some(true),
                "{audience}"
            );
            assert_eq!(
                cloud.audience_allows(audience, &arm),
                Some(false),
                "{audience}"
            );
            assert_eq!(
                cloud.audience_allows(audience, &hsm),
                Some(false),
                "{audience}"
            );
        }
        assert_eq!(
            cloud.audience_allows("https://managedhsm.azure.net", &hsm),
            Some(true)
        );
        assert_eq!(
            cloud.audience_allows("https://graph.microsoft.com", &arm),
            None
        );
        assert_eq!(
            cloud.audience_allows("https://vault.azure.cn", &url("https://kv.vault.azure.cn/")),
            None,
            "another cloud's audience"
        );
    }
}

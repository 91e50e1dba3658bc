//! Key Vault and Managed HSM key identifiers, parsed from what a user types or pastes.
//!
//! A [`KeyUri`] is only ever built by parsing, so holding one means the text named a key
//! (not a secret or certificate) on a host that is a vault of a known cloud, with names
//! and version that Key Vault itself would accept.
//!
//! Normalisation follows Key Vault:
//! - the scheme and host are case-insensitive and are lower-cased;
//! - the `keys` collection segment is case-insensitive and is written `keys`;
//! - key names are case-insensitive in Key Vault (`MyKey` and `mykey` are one key), so the
//!   user's spelling is kept for display but [`PartialEq`] and [`Hash`] ignore ASCII case;
//! - versions are 32 hexadecimal digits and are lower-cased, as Key Vault returns them;
//! - one trailing slash is accepted and dropped; leading and trailing whitespace is trimmed.
//!
//! Ports: Key Vault and Managed HSM serve HTTPS on 443 only, so a cloud vault URI may spell
//! `:443` (it is dropped) but no other port. The local sandbox (`*.vault.localhost`) runs on
//! a port chosen at start-up, so there the port is required and kept. A suffix learnt from
//! a cloud's metadata may pin an exact port (`vault.localhost:8443`).

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// Which Azure service hosts the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum VaultKind {
    /// A key vault (`{name}.vault.azure.net` in the public cloud).
    KeyVault,
    /// A Managed HSM pool (`{name}.managedhsm.azure.net` in the public cloud).
    ManagedHsm,
}

/// Which ports a vault DNS suffix is served on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortRule {
    /// Only the HTTPS default, 443 (Azure's clouds). An explicit `:443` is dropped.
    HttpsDefault,
    /// A port must be given, any port (the sandbox, whose port is picked at start-up).
    Required,
    /// Exactly this port (a suffix like `vault.localhost:8443` from a cloud's metadata).
    Exactly(u16),
}

/// One DNS suffix under which vaults live, e.g. `vault.azure.net` for Key Vault in
/// Azure's public cloud: a vault's host is `{vault-name}.{suffix}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VaultSuffix {
    domain: String,
    kind: VaultKind,
    port: PortRule,
}

/// Why a vault DNS suffix was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidVaultSuffix {
    /// Not a domain of two or more valid labels (with an optional port).
    #[error(
        "`{suffix}` is not a usable vault DNS suffix: it must be a domain of at least two labels \
         (letters, digits and hyphens), like `vault.azure.net`, optionally followed by `:PORT`. \
         Check the `keyVaultDns`/`mhsmDns` values in the cloud's metadata."
    )]
    NotADomain {
        /// The suffix as given.
        suffix: String,
    },
    /// The text after the `:` is not a port from 1 to 65535.
    #[error(
        "the vault DNS suffix `{suffix}` has an invalid port `{port}`: a port is a number from 1 \
         to 65535. Check the cloud's metadata."
    )]
    InvalidPort {
        /// The suffix as given.
        suffix: String,
        /// The text after the `:`.
        port: String,
    },
}

impl VaultSuffix {
    /// Parses a suffix as Azure's `/metadata/endpoints` reports it: `vault.azure.net`,
    /// `.vault.azure.net` (Azure CLI's spelling) or `vault.localhost:8443`.
    ///
    /// At least two labels are required so that a mistaken suffix like `net` cannot make
    /// every host under a top-level domain count as a vault.
    pub fn parse(suffix: &str, kind: VaultKind) -> Result<VaultSuffix, InvalidVaultSuffix> {
        let trimmed = suffix.trim();
        let without_dot = trimmed.strip_prefix('.').unwrap_or(trimmed);
        let (domain, port) = match without_dot.rsplit_once(':') {
            Some((domain, port_text)) => {
                let port =
                    parse_port(port_text).ok_or_else(|| InvalidVaultSuffix::InvalidPort {
                        suffix: suffix.to_owned(),
                        port: port_text.to_owned(),
                    })?;
                (domain, PortRule::Exactly(port))
            }
            None => (without_dot, PortRule::HttpsDefault),
        };
        let domain = domain.to_ascii_lowercase();
        let labels: Vec<&str> = domain.split('.').collect();
        let labels_valid = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            });
        if !labels_valid {
            return Err(InvalidVaultSuffix::NotADomain {
                suffix: suffix.to_owned(),
            });
        }
        Ok(VaultSuffix { domain, kind, port })
    }

    /// The local sandbox: `{vault}.vault.localhost:PORT`, any port, port required.
    pub fn sandbox() -> VaultSuffix {
        VaultSuffix {
            domain: "vault.localhost".to_owned(),
            kind: VaultKind::KeyVault,
            port: PortRule::Required,
        }
    }

    fn builtin(domain: &str, kind: VaultKind) -> VaultSuffix {
        VaultSuffix {
            domain: domain.to_owned(),
            kind,
            port: PortRule::HttpsDefault,
        }
    }

    /// The lower-case domain without a leading dot or port, e.g. `vault.azure.net`.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// Whether vaults under this suffix are key vaults or Managed HSM pools.
    pub fn kind(&self) -> VaultKind {
        self.kind
    }

    /// Which ports a vault under this suffix may be addressed on.
    pub fn port_rule(&self) -> PortRule {
        self.port
    }
}

impl fmt::Display for VaultSuffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port {
            PortRule::HttpsDefault => f.write_str(&self.domain),
            PortRule::Required => write!(f, "{}:PORT", self.domain),
            PortRule::Exactly(port) => write!(f, "{}:{port}", self.domain),
        }
    }
}

/// The vault DNS suffixes a key URI may use: data, so a custom cloud's suffixes (from its
/// `/metadata/endpoints`) can be accepted alongside or instead of the built-in clouds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultSuffixes {
    suffixes: Vec<VaultSuffix>,
}

impl VaultSuffixes {
    /// Exactly these suffixes, e.g. only a custom cloud's (see [`builtin`](Self::builtin) for
    /// Azure's clouds and the sandbox).
    pub fn new(suffixes: Vec<VaultSuffix>) -> VaultSuffixes {
        VaultSuffixes { suffixes }
    }

    /// Azure public, Azure China and Azure US Government (Key Vault and Managed HSM),
    /// plus the local sandbox. This is what [`KeyUri::parse`] accepts.
    pub fn builtin() -> VaultSuffixes {
        VaultSuffixes::new(vec![
            VaultSuffix::builtin("vault.azure.net", VaultKind::KeyVault),
            VaultSuffix::builtin("managedhsm.azure.net", VaultKind::ManagedHsm),
            VaultSuffix::builtin("vault.azure.cn", VaultKind::KeyVault),
            VaultSuffix::builtin("managedhsm.azure.cn", VaultKind::ManagedHsm),
            VaultSuffix::builtin("vault.usgovcloudapi.net", VaultKind::KeyVault),
            VaultSuffix::builtin("managedhsm.usgovcloudapi.net", VaultKind::ManagedHsm),
            VaultSuffix::sandbox(),
        ])
    }

    /// Adds one more suffix, e.g. a custom cloud's Key Vault suffix.
    pub fn with(mut self, suffix: VaultSuffix) -> VaultSuffixes {
        self.suffixes.push(suffix);
        self
    }

    /// The suffixes in the order they were given.
    pub fn iter(&self) -> impl Iterator<Item = &VaultSuffix> {
        self.suffixes.iter()
    }

    /// The suffix `host` ends in, preferring the longest so a more specific suffix wins
    /// over one it contains.
    fn matching(&self, host: &str) -> Option<&VaultSuffix> {
        self.suffixes
            .iter()
            .filter(|suffix| {
                host.len() > suffix.domain.len()
                    && host.ends_with(suffix.domain.as_str())
                    && host.as_bytes()[host.len() - suffix.domain.len() - 1] == b'.'
            })
            .max_by_key(|suffix| suffix.domain.len())
    }

    fn domains(&self) -> Vec<String> {
        self.suffixes.iter().map(ToString::to_string).collect()
    }
}

/// What is wrong with a vault or key name, in Key Vault's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameProblem {
    /// Fewer characters than the service allows.
    TooShort {
        /// The fewest allowed.
        min: usize,
        /// How many the name has.
        actual: usize,
    },
    /// More characters than the service allows.
    TooLong {
        /// The most allowed.
        max: usize,
        /// How many the name has.
        actual: usize,
    },
    /// A character other than an ASCII letter, digit or hyphen (the first one found).
    InvalidCharacter(char),
    /// A key vault name starts with a digit or a hyphen.
    MustStartWithLetter,
    /// A key vault name ends with a hyphen.
    MustEndWithLetterOrDigit,
    /// A key vault name has `--`.
    ConsecutiveHyphens,
}

impl fmt::Display for NameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameProblem::TooShort { min, actual } => {
                write!(f, "it has {actual} characters and needs at least {min}")
            }
            NameProblem::TooLong { max, actual } => {
                write!(f, "it has {actual} characters and may have at most {max}")
            }
            NameProblem::InvalidCharacter(c) => write!(
                f,
                "it contains `{}`, and only letters, digits and hyphens are allowed",
                c.escape_default()
            ),
            NameProblem::MustStartWithLetter => f.write_str("it must start with a letter"),
            NameProblem::MustEndWithLetterOrDigit => {
                f.write_str("it must end with a letter or a digit")
            }
            NameProblem::ConsecutiveHyphens => {
                f.write_str("it contains two hyphens in a row, which is not allowed")
            }
        }
    }
}

/// What is wrong with a key version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionProblem {
    /// Not exactly 32 characters long.
    WrongLength {
        /// How many characters it has.
        actual: usize,
    },
    /// A character that is not a hexadecimal digit (the first one found).
    NotHex(char),
}

impl fmt::Display for VersionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionProblem::WrongLength { actual } => {
                write!(
                    f,
                    "it has {actual} characters, and a version has exactly 32"
                )
            }
            VersionProblem::NotHex(c) => write!(
                f,
                "it contains `{}`, and a version has only the hexadecimal digits 0-9 and a-f",
                c.escape_default()
            ),
        }
    }
}

const KEY_URI_SHAPE: &str = "https://{vault-name}.vault.azure.net/keys/{key-name}";
const COPY_HINT: &str =
    "Copy the key identifier from the key's page in Key Vault (Keys > key > Key Identifier).";

/// Why text is not a usable key URI. Each variant has a stable [`code`](Self::code) for
/// the UI; the message says what is wrong, why, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyUriError {
    /// Nothing was entered (or only whitespace).
    #[error("The key URI is empty. Paste the key's URI, which looks like {KEY_URI_SHAPE}.")]
    Empty,

    /// Whitespace inside the URI, often from a copy that split it across lines.
    #[error(
        "The key URI contains whitespace at character {position}; a URI cannot contain spaces, \
         tabs or line breaks. Remove it (copying a long URI sometimes splits it across lines)."
    )]
    Whitespace {
        /// 1-based character position of the first whitespace, after trimming.
        position: usize,
    },

    /// No `scheme://` at the start.
    #[error(
        "`{input}` is not a URL: a key URI starts with `https://` and looks like \
         {KEY_URI_SHAPE}. {COPY_HINT}"
    )]
    NotAUrl {
        /// The trimmed input.
        input: String,
    },

    /// `http://`: Key Vault is HTTPS only.
    #[error(
        "The key URI uses `{scheme}://`, which is not encrypted. Key Vault accepts only HTTPS: \
         change the start of the URI to `https://`."
    )]
    InsecureScheme {
        /// The scheme, lower-cased.
        scheme: String,
    },

    /// A scheme other than `https` or `http`.
    #[error(
        "The key URI uses the `{scheme}:` scheme; Key Vault keys are addressed only by `https://` \
         URIs like {KEY_URI_SHAPE}. {COPY_HINT}"
    )]
    UnsupportedScheme {
        /// The scheme, lower-cased.
        scheme: String,
    },

    /// Credentials (`user:password@`) before the host.
    #[error(
        "The key URI contains a user name or password (text before `@` in the host). Key Vault \
         URIs never carry credentials: remove everything between `https://` and `@`."
    )]
    UserInfo,

    /// A `?query` after the path.
    #[error(
        "The key URI has a query string (`?{query}`). Key Vault key identifiers have none, and \
         it would be ignored or rejected: remove `?` and everything after it."
    )]
    Query {
        /// The text after `?`.
        query: String,
    },

    /// A `#fragment` at the end.
    #[error(
        "The key URI has a fragment (`#{fragment}`). Key Vault key identifiers have none: remove \
         `#` and everything after it."
    )]
    Fragment {
        /// The text after `#`.
        fragment: String,
    },

    /// Nothing between `https://` and the path or port.
    #[error("The key URI has no host. It should look like {KEY_URI_SHAPE}.")]
    MissingHost,

    /// The text after the host's `:` is not a port from 1 to 65535.
    #[error(
        "`{port}` is not a valid port: a port is a number from 1 to 65535. Check the URI after \
         the `:` that follows the host."
    )]
    InvalidPort {
        /// The text after the `:`.
        port: String,
    },

    /// A port other than 443 on a cloud vault host, which serves HTTPS on 443 only.
    #[error(
        "The key URI names port {port} on `{host}`, but Key Vault and Managed HSM serve HTTPS on \
         the standard port only. Remove `:{port}` from the URI."
    )]
    PortNotAllowed {
        /// The lower-cased host.
        host: String,
        /// The port given.
        port: u16,
    },

    /// A sandbox vault host without a port: the sandbox's port is chosen at start-up.
    #[error(
        "The key URI for `{host}` needs a port: this vault is served by the local sandbox, whose \
         port is chosen when it starts. Use https://{host}:PORT/keys/{{key-name}} with the \
         sandbox's port."
    )]
    PortRequired {
        /// The lower-cased host.
        host: String,
    },

    /// A port other than the one the suffix pins (a custom cloud's `vault.localhost:8443`).
    #[error(
        "The key URI names port {actual} on `{host}`, but this cloud serves its vaults on port \
         {expected}. Use `:{expected}`."
    )]
    WrongPort {
        /// The lower-cased host.
        host: String,
        /// The port given, as text.
        actual: String,
        /// The port the suffix requires.
        expected: u16,
    },

    /// The host is under none of the accepted vault suffixes (or is an IP literal).
    #[error(
        "`{host}` is not a Key Vault or Managed HSM host: a key URI's host is \
         {{vault-name}}.{{vault domain}}, where the domain is one of {}. {COPY_HINT}",
        accepted.join(", ")
    )]
    NotKeyVaultHost {
        /// The lower-cased host.
        host: String,
        /// The accepted suffixes, as displayed, for the message.
        accepted: Vec<String>,
    },

    /// The host is a vault suffix itself, with no vault name in front of it.
    #[error(
        "The host `{host}` is missing the vault name: it should be https://{{vault-name}}.{host}/. \
         {COPY_HINT}"
    )]
    MissingVaultName {
        /// The lower-cased host.
        host: String,
    },

    /// The vault name breaks Key Vault's (or Managed HSM's) naming rules.
    #[error(
        "`{name}` is not a valid {} name: {problem}. {}",
        if *is_managed_hsm { "Managed HSM" } else { "key vault" },
        if *is_managed_hsm { "Managed HSM names are 3-24 letters, digits and hyphens." }
        else { "Vault names are 3-24 letters, digits and hyphens, start with a letter, end with a letter or digit, and have no two hyphens in a row." }
    )]
    InvalidVaultName {
        /// The lower-cased vault name.
        name: String,
        /// Whether the suffix is a Managed HSM one, whose rules differ.
        is_managed_hsm: bool,
        /// Which rule it breaks.
        problem: NameProblem,
    },

    /// A vault URI with no path: it names no key.
    #[error(
        "The URI names a vault but no key: add the key's path, so it looks like \
         {vault_url}keys/{{key-name}}."
    )]
    MissingKeyPath {
        /// `https://{host}[:port]/`, to show the URI to use.
        vault_url: String,
    },

    /// A `/secrets/` (or `/deletedsecrets/`) URI: customer-managed keys need a key.
    #[error(
        "This is a secret URI (…/secrets/…), not a key URI. Customer-managed keys need a key: use \
         the key's URI, {vault_url}keys/{{key-name}}."
    )]
    SecretUri {
        /// `https://{host}[:port]/`, to show the URI to use.
        vault_url: String,
    },

    /// A `/certificates/` (or `/deletedcertificates/`) URI: the key behind the certificate is
    /// what to use.
    #[error(
        "This is a certificate URI (…/certificates/…), not a key URI. Use the URI of the key \
         behind it, {vault_url}keys/{{key-name}} (a certificate's key has the certificate's name)."
    )]
    CertificateUri {
        /// `https://{host}[:port]/`, to show the URI to use.
        vault_url: String,
    },

    /// A `/deletedkeys/` URI: a deleted key encrypts nothing until it is recovered.
    #[error(
        "This is the URI of a deleted key (…/deletedkeys/…). A deleted key cannot encrypt \
         anything: recover it first, then use its URI, {vault_url}keys/{{key-name}}."
    )]
    DeletedKeyUri {
        /// `https://{host}[:port]/`, to show the URI to use.
        vault_url: String,
    },

    /// A path that starts with some other collection than `keys`.
    #[error(
        "The URI's path starts with `/{segment}/`, but key URIs start with `/keys/`: use \
         {vault_url}keys/{{key-name}}."
    )]
    NotAKeyPath {
        /// The path's first segment.
        segment: String,
        /// `https://{host}[:port]/`, to show the URI to use.
        vault_url: String,
    },

    /// `/keys/` with no key name after it.
    #[error(
        "The key URI has no key name after `/keys/`: add it, so the URI looks like \
         {vault_url}keys/{{key-name}}."
    )]
    MissingKeyName {
        /// `https://{host}[:port]/`, to show the URI to use.
        vault_url: String,
    },

    /// The key name breaks Key Vault's naming rules.
    #[error(
        "`{name}` is not a valid key name: {problem}. Key names are 1-127 letters, digits and \
         hyphens."
    )]
    InvalidKeyName {
        /// The key name as given.
        name: String,
        /// Which rule it breaks.
        problem: NameProblem,
    },

    /// The version is not 32 hexadecimal digits.
    #[error(
        "`{version}` is not a key version: {problem}. Use the key URI without a version for \
         automatic rotation, or copy the version's identifier from the key's Versions list."
    )]
    InvalidVersion {
        /// The version as given.
        version: String,
        /// What is wrong with it.
        problem: VersionProblem,
    },

    /// An empty path segment (`//`).
    #[error(
        "The key URI has an empty path segment (`//`). Remove the extra `/`: a key URI is \
         …/keys/{{key-name}} or …/keys/{{key-name}}/{{version}}."
    )]
    EmptySegment,

    /// More path after the version.
    #[error(
        "The key URI has extra path segments after the version (`/{extra}`). A key URI ends with \
         the key name or the version: remove `/{extra}`."
    )]
    ExtraSegments {
        /// The path after the version, without its leading `/`.
        extra: String,
    },
}

impl KeyUriError {
    /// A stable identifier for the UI, e.g. `keyUri.insecureScheme`.
    pub fn code(&self) -> &'static str {
        match self {
            KeyUriError::Empty => "keyUri.empty",
            KeyUriError::Whitespace { .. } => "keyUri.whitespace",
            KeyUriError::NotAUrl { .. } => "keyUri.notAUrl",
            KeyUriError::InsecureScheme { .. } => "keyUri.insecureScheme",
            KeyUriError::UnsupportedScheme { .. } => "keyUri.unsupportedScheme",
            KeyUriError::UserInfo => "keyUri.userInfo",
            KeyUriError::Query { .. } => "keyUri.query",
            KeyUriError::Fragment { .. } => "keyUri.fragment",
            KeyUriError::MissingHost => "keyUri.missingHost",
            KeyUriError::InvalidPort { .. } => "keyUri.invalidPort",
            KeyUriError::PortNotAllowed { .. } => "keyUri.portNotAllowed",
            KeyUriError::PortRequired { .. } => "keyUri.portRequired",
            KeyUriError::WrongPort { .. } => "keyUri.wrongPort",
            KeyUriError::NotKeyVaultHost { .. } => "keyUri.notKeyVaultHost",
            KeyUriError::MissingVaultName { .. } => "keyUri.missingVaultName",
            KeyUriError::InvalidVaultName { .. } => "keyUri.invalidVaultName",
            KeyUriError::MissingKeyPath { .. } => "keyUri.missingKeyPath",
            KeyUriError::SecretUri { .. } => "keyUri.secretUri",
            KeyUriError::CertificateUri { .. } => "keyUri.certificateUri",
            KeyUriError::DeletedKeyUri { .. } => "keyUri.deletedKeyUri",
            KeyUriError::NotAKeyPath { .. } => "keyUri.notKeyPath",
            KeyUriError::MissingKeyName { .. } => "keyUri.missingKeyName",
            KeyUriError::InvalidKeyName { .. } => "keyUri.invalidKeyName",
            KeyUriError::InvalidVersion { .. } => "keyUri.invalidVersion",
            KeyUriError::EmptySegment => "keyUri.emptySegment",
            KeyUriError::ExtraSegments { .. } => "keyUri.extraSegments",
        }
    }
}

/// A key version: 32 lower-case hexadecimal digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyVersion(String);

impl KeyVersion {
    /// Parses 32 hexadecimal digits in either case; stored lower-cased, as Key Vault returns it.
    pub fn parse(text: &str) -> Result<KeyVersion, KeyUriError> {
        let problem = if let Some(c) = text.chars().find(|c| !c.is_ascii_hexdigit()) {
            Some(VersionProblem::NotHex(c))
        } else if text.len() != 32 {
            Some(VersionProblem::WrongLength { actual: text.len() })
        } else {
            None
        };
        match problem {
            Some(problem) => Err(KeyUriError::InvalidVersion {
                version: text.to_owned(),
                problem,
            }),
            None => Ok(KeyVersion(text.to_ascii_lowercase())),
        }
    }

    /// The 32 lower-case hexadecimal digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for KeyVersion {
    type Err = KeyUriError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        KeyVersion::parse(text)
    }
}

/// Whether the URI pins a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum KeyUriKind {
    /// `…/keys/{name}/{version}`: the service keeps using this version until someone
    /// changes the URI.
    Versioned,
    /// `…/keys/{name}`: the service follows the key's latest version.
    Unversioned,
}

/// How a service picks up new key versions, which follows from [`KeyUriKind`]. The one
/// rotation type in every layer, IPC included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Rotation {
    /// The service checks for a new version of the key regularly and moves to it
    /// (for Container Registry, within an hour).
    Automatic,
    /// The key stays on the pinned version until the URI is updated.
    Manual,
}

impl KeyUriKind {
    /// Unversioned URIs rotate automatically; versioned ones stay pinned (manual).
    pub fn rotation(self) -> Rotation {
        match self {
            KeyUriKind::Versioned => Rotation::Manual,
            KeyUriKind::Unversioned => Rotation::Automatic,
        }
    }
}

/// A validated key identifier: `https://{vault}.{suffix}[:port]/keys/{name}[/{version}]`.
///
/// Equality and hashing ignore the ASCII case of the key name, as Key Vault does; the
/// host is stored lower-cased and the version lower-cased, so they compare exactly.
#[derive(Debug, Clone)]
pub struct KeyUri {
    /// Lower-case host, `{vault}.{suffix domain}`.
    host: String,
    /// Length of the vault name at the start of `host`.
    vault_name_len: usize,
    vault_kind: VaultKind,
    /// Only set where the suffix's rule keeps a port (sandbox and pinned ports other than 443).
    port: Option<u16>,
    key_name: String,
    version: Option<KeyVersion>,
}

impl KeyUri {
    /// Parses against the built-in clouds and the local sandbox ([`VaultSuffixes::builtin`]).
    pub fn parse(input: &str) -> Result<KeyUri, KeyUriError> {
        KeyUri::parse_with_suffixes(input, &VaultSuffixes::builtin())
    }

    /// Parses against the given vault DNS suffixes, e.g. a custom cloud's.
    pub fn parse_with_suffixes(
        input: &str,
        suffixes: &VaultSuffixes,
    ) -> Result<KeyUri, KeyUriError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(KeyUriError::Empty);
        }
        if let Some(position) = input.chars().position(char::is_whitespace) {
            return Err(KeyUriError::Whitespace {
                position: position + 1,
            });
        }

        let (scheme, after_scheme) = split_scheme(input).ok_or_else(|| KeyUriError::NotAUrl {
            input: input.to_owned(),
        })?;
        let scheme = scheme.to_ascii_lowercase();
        match scheme.as_str() {
            "https" => {}
            "http" => return Err(KeyUriError::InsecureScheme { scheme }),
            _ => return Err(KeyUriError::UnsupportedScheme { scheme }),
        }

        let (before_fragment, fragment) = match after_scheme.split_once('#') {
            Some((before, fragment)) => (before, Some(fragment)),
            None => (after_scheme, None),
        };
        if let Some(fragment) = fragment {
            return Err(KeyUriError::Fragment {
                fragment: fragment.to_owned(),
            });
        }
        if let Some((_, query)) = before_fragment.split_once('?') {
            return Err(KeyUriError::Query {
                query: query.to_owned(),
            });
        }

        let (authority, path) = match before_fragment.find('/') {
            Some(slash) => before_fragment.split_at(slash),
            None => (before_fragment, ""),
        };
        if authority.contains('@') {
            return Err(KeyUriError::UserInfo);
        }
        if authority.starts_with('[') {
            // An IPv6 literal: never a vault, and its colons are not a port separator.
            return Err(KeyUriError::NotKeyVaultHost {
                host: authority.to_ascii_lowercase(),
                accepted: suffixes.domains(),
            });
        }
        let (host, port_text) = match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        if host.is_empty() {
            return Err(KeyUriError::MissingHost);
        }
        let host = host.to_ascii_lowercase();
        let port = match port_text {
            Some(text) => Some(parse_port(text).ok_or_else(|| KeyUriError::InvalidPort {
                port: text.to_owned(),
            })?),
            None => None,
        };

        let suffix = suffixes.matching(&host).ok_or_else(|| {
            if suffixes.iter().any(|suffix| suffix.domain == host) {
                KeyUriError::MissingVaultName { host: host.clone() }
            } else {
                KeyUriError::NotKeyVaultHost {
                    host: host.clone(),
                    accepted: suffixes.domains(),
                }
            }
        })?;
        let vault_name_len = host.len() - suffix.domain.len() - 1;
        let vault_name = &host[..vault_name_len];
        check_vault_name(vault_name, suffix.kind).map_err(|problem| {
            KeyUriError::InvalidVaultName {
                name: vault_name.to_owned(),
                is_managed_hsm: suffix.kind == VaultKind::ManagedHsm,
                problem,
            }
        })?;
        let port = apply_port_rule(&host, port, port_text, suffix.port)?;

        let vault_url = base_url(&host, port);
        let (key_name, version) = parse_path(path, &vault_url)?;
        Ok(KeyUri {
            vault_name_len,
            vault_kind: suffix.kind,
            host,
            port,
            key_name,
            version,
        })
    }

    /// The vault (or Managed HSM) name: the first label of the host, lower-cased.
    pub fn vault_name(&self) -> &str {
        &self.host[..self.vault_name_len]
    }

    /// The lower-cased host, without the port.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The vault's DNS suffix, e.g. `vault.azure.net`.
    pub fn vault_dns_suffix(&self) -> &str {
        &self.host[self.vault_name_len + 1..]
    }

    /// The port, if the URI keeps one (only the sandbox and clouds on non-default ports).
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// `https://{host}[:port]/`, as Key Vault writes a vault's URI.
    pub fn vault_url(&self) -> String {
        base_url(&self.host, self.port)
    }

    /// The key name as the user spelled it.
    pub fn key_name(&self) -> &str {
        &self.key_name
    }

    /// The pinned version, if the URI has one.
    pub fn version(&self) -> Option<&KeyVersion> {
        self.version.as_ref()
    }

    /// Versioned or unversioned: whether the URI pins a version.
    pub fn kind(&self) -> KeyUriKind {
        match self.version {
            Some(_) => KeyUriKind::Versioned,
            None => KeyUriKind::Unversioned,
        }
    }

    /// How the service will pick up new versions of this key (see [`KeyUriKind::rotation`]).
    pub fn rotation(&self) -> Rotation {
        self.kind().rotation()
    }

    /// Whether the key is in a key vault or a Managed HSM, from the host's suffix.
    pub fn vault_kind(&self) -> VaultKind {
        self.vault_kind
    }

    /// Whether the key is in a Managed HSM (whose access is by local RBAC, not access policies).
    pub fn is_managed_hsm(&self) -> bool {
        self.vault_kind == VaultKind::ManagedHsm
    }

    /// The same key, unversioned: what a resource follows for automatic rotation.
    pub fn without_version(&self) -> KeyUri {
        KeyUri {
            version: None,
            ..self.clone()
        }
    }

    /// The same key pinned to `version`.
    pub fn with_version(&self, version: KeyVersion) -> KeyUri {
        KeyUri {
            version: Some(version),
            ..self.clone()
        }
    }

    /// Whether both URIs name the same key in the same vault, whatever their versions.
    pub fn is_same_key(&self, other: &KeyUri) -> bool {
        self.host == other.host
            && self.port == other.port
            && self.key_name.eq_ignore_ascii_case(&other.key_name)
    }
}

impl fmt::Display for KeyUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}keys/{}", self.vault_url(), self.key_name)?;
        if let Some(version) = &self.version {
            write!(f, "/{version}")?;
        }
        Ok(())
    }
}

impl PartialEq for KeyUri {
    fn eq(&self, other: &KeyUri) -> bool {
        self.is_same_key(other) && self.version == other.version
    }
}

impl Eq for KeyUri {}

impl Hash for KeyUri {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.host.hash(state);
        self.port.hash(state);
        for byte in self.key_name.bytes() {
            state.write_u8(byte.to_ascii_lowercase());
        }
        self.version.hash(state);
    }
}

impl FromStr for KeyUri {
    type Err = KeyUriError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        KeyUri::parse(text)
    }
}

/// Serialised as the canonical string. Deserialising accepts the built-in clouds and the
/// sandbox only; a custom cloud's URIs are read as strings and parsed with
/// [`KeyUri::parse_with_suffixes`].
impl serde::Serialize for KeyUri {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for KeyUri {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        KeyUri::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for KeyVersion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for KeyVersion {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        KeyVersion::parse(&text).map_err(serde::de::Error::custom)
    }
}

fn base_url(host: &str, port: Option<u16>) -> String {
    match port {
        Some(port) => format!("https://{host}:{port}/"),
        None => format!("https://{host}/"),
    }
}

/// Splits `scheme://rest`. The scheme follows RFC 3986 (a letter, then letters, digits,
/// `+`, `-`, `.`), so `myvault.vault.azure.net:443/keys/a` is not mistaken for one.
fn split_scheme(input: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = input.split_once(':')?;
    let mut chars = scheme.chars();
    let first_is_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let scheme_valid =
        first_is_letter && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let rest = rest.strip_prefix("//")?;
    scheme_valid.then_some((scheme, rest))
}

fn parse_port(text: &str) -> Option<u16> {
    if text.is_empty() || text.len() > 5 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u16>().ok().filter(|port| *port != 0)
}

fn apply_port_rule(
    host: &str,
    port: Option<u16>,
    port_text: Option<&str>,
    rule: PortRule,
) -> Result<Option<u16>, KeyUriError> {
    match (rule, port) {
        (PortRule::HttpsDefault, None | Some(443)) => Ok(None),
        (PortRule::HttpsDefault, Some(port)) => Err(KeyUriError::PortNotAllowed {
            host: host.to_owned(),
            port,
        }),
        (PortRule::Required, None) => Err(KeyUriError::PortRequired {
            host: host.to_owned(),
        }),
        (PortRule::Required, Some(port)) => Ok(Some(port)),
        (PortRule::Exactly(expected), Some(port)) if port == expected => {
            Ok((expected != 443).then_some(expected))
        }
        (PortRule::Exactly(443), None) => Ok(None),
        (PortRule::Exactly(expected), _) => Err(KeyUriError::WrongPort {
            host: host.to_owned(),
            actual: port_text.unwrap_or("none").to_owned(),
            expected,
        }),
    }
}

/// Key Vault: 3-24 characters, letters, digits and hyphens, starting with a letter, ending
/// with a letter or digit, no consecutive hyphens. Managed HSM: 3-24 letters, digits and
/// hyphens (its ARM name pattern).
fn check_vault_name(name: &str, kind: VaultKind) -> Result<(), NameProblem> {
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Err(NameProblem::InvalidCharacter(c));
    }
    let len = name.len();
    if len < 3 {
        return Err(NameProblem::TooShort {
            min: 3,
            actual: len,
        });
    }
    if len > 24 {
        return Err(NameProblem::TooLong {
            max: 24,
            actual: len,
        });
    }
    if kind == VaultKind::KeyVault {
        if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Err(NameProblem::MustStartWithLetter);
        }
        if name.ends_with('-') {
            return Err(NameProblem::MustEndWithLetterOrDigit);
        }
        if name.contains("--") {
            return Err(NameProblem::ConsecutiveHyphens);
        }
    }
    Ok(())
}

/// Checks a key name given on its own (typed for a new key, or sent back by the UI to
/// list a key's versions) by the same rule as a key URI's: Key Vault object names are
/// 1-127 letters, digits and hyphens (`^[0-9a-zA-Z-]+$`).
pub fn validate_key_name(name: &str) -> Result<(), KeyUriError> {
    check_key_name(name).map_err(|problem| KeyUriError::InvalidKeyName {
        name: name.to_owned(),
        problem,
    })
}

/// Key Vault object names: 1-127 letters, digits and hyphens.
fn check_key_name(name: &str) -> Result<(), NameProblem> {
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Err(NameProblem::InvalidCharacter(c));
    }
    if name.is_empty() {
        return Err(NameProblem::TooShort { min: 1, actual: 0 });
    }
    if name.len() > 127 {
        return Err(NameProblem::TooLong {
            max: 127,
            actual: name.len(),
        });
    }
    Ok(())
}

fn parse_path(path: &str, vault_url: &str) -> Result<(String, Option<KeyVersion>), KeyUriError> {
    let missing_path = || KeyUriError::MissingKeyPath {
        vault_url: vault_url.to_owned(),
    };
    let relative = path.strip_prefix('/').ok_or_else(missing_path)?;
    let relative = relative.strip_suffix('/').unwrap_or(relative);
    if relative.is_empty() {
        return Err(missing_path());
    }
    let segments: Vec<&str> = relative.split('/').collect();
    let collection = segments[0];
    let vault_url = vault_url.to_owned();
    if !collection.eq_ignore_ascii_case("keys") {
        return Err(match collection.to_ascii_lowercase().as_str() {
            "secrets" | "deletedsecrets" => KeyUriError::SecretUri { vault_url },
            "certificates" | "deletedcertificates" => KeyUriError::CertificateUri { vault_url },
            "deletedkeys" => KeyUriError::DeletedKeyUri { vault_url },
            "" => KeyUriError::EmptySegment,
            _ => KeyUriError::NotAKeyPath {
                segment: collection.to_owned(),
                vault_url,
            },
        });
    }
    let key_name = match segments.get(1) {
        None | Some(&"") => return Err(KeyUriError::MissingKeyName { vault_url }),
        Some(name) => *name,
    };
    check_key_name(key_name).map_err(|problem| KeyUriError::InvalidKeyName {
        name: key_name.to_owned(),
        problem,
    })?;
    if segments.len() > 3 {
        if segments[2..].iter().any(|segment| segment.is_empty()) {
            return Err(KeyUriError::EmptySegment);
        }
        return Err(KeyUriError::ExtraSegments {
            extra: segments[3..].join("/"),
        });
    }
    let version = match segments.get(2) {
        None => None,
        Some(&"") => return Err(KeyUriError::EmptySegment),
        Some(version) => Some(KeyVersion::parse(version)?),
    };
    Ok((key_name.to_owned(), version))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn key_names_on_their_own_follow_key_vault_rules() {
        let longest = "k".repeat(127);
        for name in ["k", "cmk-key-1", "A0-", &longest] {
            assert_eq!(validate_key_name(name), Ok(()), "{name}");
        }
        let too_long = "k".repeat(128);
        let cases: [(&str, NameProblem); 6] = [
            ("", NameProblem::TooShort { min: 1, actual: 0 }),
            (
                &too_long,
                NameProblem::TooLong {
                    max: 127,
                    actual: 128,
                },
            ),
            ("cmk_key", NameProblem::InvalidCharacter('_')),
            ("cmk key", NameProblem::InvalidCharacter(' ')),
            ("../keys", NameProblem::InvalidCharacter('.')),
            ("clé", NameProblem::InvalidCharacter('é')),
        ];
        for (name, problem) in cases {
            let error = validate_key_name(name).unwrap_err();
            assert_eq!(error.code(), "keyUri.invalidKeyName", "{name}");
            assert_eq!(
                error,
                KeyUriError::InvalidKeyName {
                    name: name.to_owned(),
                    problem
                }
            );
        }
    }

    #[test]
    fn key_names_compare_case_insensitively_but_display_as_typed() {
        let a = KeyUri::parse("https://MyVault.vault.azure.net/keys/MyKey").unwrap();
        let b = KeyUri::parse("https://myvault.vault.azure.net/keys/mykey").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "https://myvault.vault.azure.net/keys/MyKey");
        let set: HashSet<KeyUri> = [a, b].into_iter().collect();
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn different_versions_are_different_uris_of_the_same_key() {
        let a = KeyUri::parse(
            "https://myvault.vault.azure.net/keys/k/0123456789abcdef0123456789abcdef",
        )
        .unwrap();
        let b = KeyUri::parse("https://myvault.vault.azure.net/keys/K").unwrap();
        assert_ne!(a, b);
        assert!(a.is_same_key(&b));
        assert_eq!(a.without_version(), b);
        assert_eq!(b.with_version(a.version().unwrap().clone()), a);
    }

    #[test]
    fn accessors_describe_the_parts() {
        let uri = KeyUri::parse(
            "https://contoso-hsm.managedhsm.azure.net/keys/cmk/0123456789ABCDEF0123456789ABCDEF/",
        )
        .unwrap();
        assert_eq!(uri.vault_name(), "contoso-hsm");
        assert_eq!(uri.vault_url(), "https://contoso-hsm.managedhsm.azure.net/");
        assert_eq!(uri.vault_dns_suffix(), "managedhsm.azure.net");
        assert_eq!(uri.key_name(), "cmk");
        assert_eq!(
            uri.version().map(KeyVersion::as_str),
            Some("0123456789abcdef0123456789abcdef")
        );
        assert_eq!(uri.kind(), KeyUriKind::Versioned);
        assert_eq!(uri.rotation(), Rotation::Manual);
        assert!(uri.is_managed_hsm());
        assert_eq!(uri.port(), None);
    }

    #[test]
    fn sandbox_keeps_its_port() {
        let uri = KeyUri::parse("https://kv1.vault.localhost:8443/keys/k").unwrap();
        assert_eq!(uri.port(), Some(8443));
        assert_eq!(uri.vault_url(), "https://kv1.vault.localhost:8443/");
        assert_eq!(uri.rotation(), Rotation::Automatic);
    }

    #[test]
    fn custom_cloud_suffix_is_accepted_only_when_given() {
        let input = "https://kv1.vault.contoso.example/keys/k";
        assert_eq!(
            KeyUri::parse(input).unwrap_err().code(),
            "keyUri.notKeyVaultHost"
        );
        let suffixes = VaultSuffixes::builtin()
            .with(VaultSuffix::parse(".vault.contoso.example", VaultKind::KeyVault).unwrap());
        let uri = KeyUri::parse_with_suffixes(input, &suffixes).unwrap();
        assert_eq!(uri.vault_dns_suffix(), "vault.contoso.example");
    }

    #[test]
    fn suffix_with_pinned_port_requires_that_port() {
        let suffixes = VaultSuffixes::new(vec![
            VaultSuffix::parse("vault.localhost:8443", VaultKind::KeyVault).unwrap(),
        ]);
        assert!(
            KeyUri::parse_with_suffixes("https://kv1.vault.localhost:8443/keys/k", &suffixes)
                .is_ok()
        );
        let wrong =
            KeyUri::parse_with_suffixes("https://kv1.vault.localhost:9000/keys/k", &suffixes);
        assert_eq!(wrong.unwrap_err().code(), "keyUri.wrongPort");
        let missing = KeyUri::parse_with_suffixes("https://kv1.vault.localhost/keys/k", &suffixes);
        assert_eq!(missing.unwrap_err().code(), "keyUri.wrongPort");
    }

    #[test]
    fn suffix_parsing_rejects_single_labels_and_bad_ports() {
        assert!(VaultSuffix::parse("net", VaultKind::KeyVault).is_err());
        assert!(VaultSuffix::parse("vault..net", VaultKind::KeyVault).is_err());
        assert!(VaultSuffix::parse("vault.localhost:0", VaultKind::KeyVault).is_err());
        assert!(VaultSuffix::parse("vault.localhost:x", VaultKind::KeyVault).is_err());
        let ok = VaultSuffix::parse(".Vault.Azure.Net", VaultKind::KeyVault).unwrap();
        assert_eq!(ok.domain(), "vault.azure.net");
        assert_eq!(ok.port_rule(), PortRule::HttpsDefault);
    }

    #[test]
    fn longest_suffix_wins() {
        let suffixes = VaultSuffixes::new(vec![
            VaultSuffix::parse("azure.net", VaultKind::KeyVault).unwrap(),
            VaultSuffix::parse("managedhsm.azure.net", VaultKind::ManagedHsm).unwrap(),
        ]);
        let uri =
            KeyUri::parse_with_suffixes("https://hsm1.managedhsm.azure.net/keys/k", &suffixes)
                .unwrap();
        assert!(uri.is_managed_hsm());
    }

    #[test]
    fn serde_uses_the_canonical_string() {
        let uri = KeyUri::parse(" HTTPS://KV1.Vault.Azure.Net/KEYS/Key1/ ").unwrap();
        let json = serde_json::to_string(&uri).unwrap();
        assert_eq!(json, "\"https://kv1.vault.azure.net/keys/Key1\"");
        let back: KeyUri = serde_json::from_str(&json).unwrap();
        assert_eq!(back, uri);
        let bad: Result<KeyUri, _> = serde_json::from_str("\"http://kv1.vault.azure.net/keys/k\"");
        assert!(bad.unwrap_err().to_string().contains("https://"));
    }

    #[test]
    fn error_messages_say_what_to_do() {
        let secret = KeyUri::parse("https://kv1.vault.azure.net/secrets/s").unwrap_err();
        assert_eq!(
            secret.to_string(),
            "This is a secret URI (…/secrets/…), not a key URI. Customer-managed keys need a key: \
             use the key's URI, https://kv1.vault.azure.net/keys/{key-name}."
        );
        let host = KeyUri::parse("https://example.com/keys/a").unwrap_err();
        assert!(
            host.to_string()
                .contains("vault.azure.net, managedhsm.azure.net")
        );
        assert!(host.to_string().contains("vault.localhost:PORT"));
    }
}

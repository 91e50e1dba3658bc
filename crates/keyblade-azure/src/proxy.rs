//! Which HTTP proxy keyblade's one transport goes through.
//!
//! Corporate networks often reach the internet only through a proxy, announced the way
//! curl, the Azure CLI and the Azure SDKs read it: `HTTPS_PROXY` for `https://` URLs (every
//! Azure call), `HTTP_PROXY` for `http://` ones, and `NO_PROXY` for the hosts to reach
//! directly; each also in lower case. [`ProxySettings::from_env`] reads them once, so the
//! About view can say what is in use ([`ProxySettings::describe`]) and tests can give
//! their own without touching the process environment ([`ProxySettings::from_lookup`],
//! [`ProxySettings::explicit`]).
//!
//! With none of those variables set, Windows and macOS use the system's proxy settings
//! (Internet Options / WinHTTP, and the network preferences): reqwest reads them when its
//! `system-proxy` feature is on, which keyblade-azure enables for those two targets only
//! (on Linux there is no system setting beyond the variables).
//!
//! HTTPS goes through the proxy as a `CONNECT` tunnel: the proxy sees host names, never
//! tokens or bodies. A proxy URL may carry `user:password@`; reqwest sends it as
//! `Proxy-Authorization: Basic`, and [`ProxySettings::describe`] never shows it.

use url::Url;

use crate::error::AzureError;

/// The proxy settings of [`crate::HttpSettings::proxy`]. See the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxySettings {
    /// The proxy for `https://` URLs.
    https: Option<ProxyUrl>,
    /// The proxy for `http://` URLs.
    http: Option<ProxyUrl>,
    /// Hosts reached directly (NO_PROXY's syntax: `host`, `.domain`, `10.0.0.0/8`, `*`).
    no_proxy: Option<Sourced>,
    /// With no proxy above, use the operating system's settings (Windows and macOS).
    system: bool,
}

/// A setting and where it came from, for [`ProxySettings::describe`].
#[derive(Clone, PartialEq, Eq)]
struct Sourced {
    value: String,
    source: &'static str,
}

/// A proxy URL as given; its `Debug` redacts credentials.
#[derive(Clone, PartialEq, Eq)]
struct ProxyUrl(Sourced);

impl std::fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", redacted(&self.0.value), self.0.source)
    }
}

impl std::fmt::Debug for Sourced {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.value, self.source)
    }
}

/// Where [`ProxySettings::explicit`] settings come from, in messages.
const EXPLICIT: &str = "keyblade's settings";

/// Whether reqwest here reads the operating system's proxy settings.
const SYSTEM_PROXY: bool = cfg!(any(windows, target_os = "macos"));

impl ProxySettings {
    /// No proxy at all, whatever the environment says (tests; a sandbox on loopback).
    pub fn none() -> ProxySettings {
        ProxySettings {
            https: None,
            http: None,
            no_proxy: None,
            system: false,
        }
    }

    /// The proxy the environment announces (see the [module docs](self)), read now. An
    /// invalid value is reported when a transport is built with it, naming the variable.
    pub fn from_env() -> ProxySettings {
        let mut settings = ProxySettings::from_lookup(|name| std::env::var(name).ok());
        settings.system = SYSTEM_PROXY && settings.https.is_none() && settings.http.is_none();
        settings
    }

    /// As [`Self::from_env`], reading the variables through `lookup` (for tests, which
    /// must not change the process environment that parallel tests share), and never the
    /// operating system's settings.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> ProxySettings {
        let read = |names: [&'static str; 2]| {
            names.into_iter().find_map(|name| {
                lookup(name)
                    .map(|value| value.trim().to_owned())
                    .filter(|value| !value.is_empty())
                    .map(|value| Sourced {
                        value,
                        source: name,
                    })
            })
        };
        ProxySettings {
            https: read(["HTTPS_PROXY", "https_proxy"]).map(ProxyUrl),
            http: read(["HTTP_PROXY", "http_proxy"]).map(ProxyUrl),
            no_proxy: read(["NO_PROXY", "no_proxy"]),
            system: false,
        }
    }

    /// One proxy for every URL, except the hosts in `no_proxy` (NO_PROXY's syntax), e.g.
    /// from the app's own settings. Checked now.
    pub fn explicit(url: &str, no_proxy: Option<&str>) -> Result<ProxySettings, AzureError> {
        let proxy = ProxyUrl(Sourced {
            value: url.trim().to_owned(),
            source: EXPLICIT,
        });
        proxy.parse()?;
        Ok(ProxySettings {
            https: Some(proxy.clone()),
            http: Some(proxy),
            no_proxy: no_proxy
                .map(str::trim)
                .filter(|list| !list.is_empty())
                .map(|list| Sourced {
                    value: list.to_owned(),
                    source: EXPLICIT,
                }),
            system: false,
        })
    }

    /// What is in use, in a line for the About view, credentials shown as `***`: e.g.
    /// `http://***@proxy.corp:3128 (from HTTPS_PROXY), not for localhost,127.0.0.1
    /// (NO_PROXY)`, or `No proxy`.
    pub fn describe(&self) -> String {
        let shown =
            |proxy: &ProxyUrl| format!("{} (from {})", redacted(&proxy.0.value), proxy.0.source);
        let mut text = match (&self.https, &self.http) {
            (Some(https), Some(http)) if https.0.value == http.0.value => shown(https),
            (Some(https), Some(http)) => {
                format!("{}; for http:// URLs {}", shown(https), shown(http))
            }
            (Some(https), None) => shown(https),
            (None, Some(http)) => format!(
                "No proxy for Azure (https://); for http:// URLs {}",
                shown(http)
            ),
            (None, None) if self.system => {
                return "The system's proxy settings (no HTTPS_PROXY or HTTP_PROXY set)".to_owned();
            }
            (None, None) => return "No proxy".to_owned(),
        };
        if let Some(no_proxy) = &self.no_proxy {
            text.push_str(&format!(
                ", not for {} ({})",
                no_proxy.value, no_proxy.source
            ));
        }
        text
    }

    /// Applies the settings to a reqwest client being built.
    pub(crate) fn apply(
        &self,
        builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, AzureError> {
        if self.https.is_none() && self.http.is_none() {
            // reqwest's own default reads the OS settings (and the variables again, which
            // are unset here); otherwise nothing is proxied.
            return Ok(if self.system {
                builder
            } else {
                builder.no_proxy()
            });
        }
        let no_proxy = || {
            self.no_proxy
                .as_ref()
                .and_then(|list| reqwest::NoProxy::from_string(&list.value))
        };
        let mut builder = builder;
        if let Some(https) = &self.https {
            let proxy = reqwest::Proxy::https(https.parse()?.as_str())
                .map_err(|error| https.invalid(&error.to_string()))?;
            builder = builder.proxy(proxy.no_proxy(no_proxy()));
        }
        if let Some(http) = &self.http {
            let proxy = reqwest::Proxy::http(http.parse()?.as_str())
                .map_err(|error| http.invalid(&error.to_string()))?;
            builder = builder.proxy(proxy.no_proxy(no_proxy()));
        }
        Ok(builder)
    }
}

impl Default for ProxySettings {
    /// [`ProxySettings::from_env`].
    fn default() -> Self {
        ProxySettings::from_env()
    }
}

impl ProxyUrl {
    /// The URL, `http://` assumed when no scheme is given (as curl does).
    fn parse(&self) -> Result<Url, AzureError> {
        let value = &self.0.value;
        let with_scheme = if value.contains("://") {
            value.clone()
        } else {
            format!("http://{value}")
        };
        let url = Url::parse(&with_scheme).map_err(|error| self.invalid(&error.to_string()))?;
        match url.scheme() {
            "http" | "https" if url.host_str().is_some() => Ok(url),
            "http" | "https" => Err(self.invalid("it names no host")),
            other => Err(self.invalid(&format!(
                "its scheme `{other}` is not one keyblade can use (http or https)"
            ))),
        }
    }

    fn invalid(&self, reason: &str) -> AzureError {
        let fix = if self.0.source == EXPLICIT {
            "correct it in keyblade's settings".to_owned()
        } else {
            format!(
                "correct or unset {} and start keyblade again",
                self.0.source
            )
        };
        AzureError::InvalidInput {
            what: format!(
                "The proxy `{}` (from {})",
                redacted(&self.0.value),
                self.0.source
            ),
            reason: format!("{reason}; {fix}"),
        }
    }
}

/// A proxy URL with its user name and password (if any) shown as `***`.
fn redacted(value: &str) -> String {
    let (scheme, rest) = match value.find("://") {
        Some(end) => value.split_at(end + 3),
        None => ("", value),
    };
    // Everything up to the last `@` is hidden: a mistyped password may hold an unencoded
    // `@` or `/`, and a proxy URL has no use for `@` after its userinfo.
    match rest.rfind('@') {
        Some(at) => format!("{scheme}***@{}", &rest[at + 1..]),
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        }
    }

    #[test]
    fn describe_says_what_is_used_and_hides_credentials() {
        assert_eq!(ProxySettings::none().describe(), "No proxy");
        assert_eq!(ProxySettings::from_lookup(env(&[])).describe(), "No proxy");
        let settings = ProxySettings::from_lookup(env(&[
            ("HTTPS_PROXY", "https://proxy.corp:3128"),
            ("no_proxy", "localhost,127.0.0.1"),
        ]));
        assert_eq!(
            settings.describe(),
            "https://proxy.corp:3128 (from HTTPS_PROXY), not for localhost,127.0.0.1 (no_proxy)"
        );
        let secret = ProxySettings::from_lookup(env(&[(
            "https_proxy",
            "http://ada:s3cr3t@proxy.corp:3128/",
        )]));
        let described = secret.describe();
        assert_eq!(described, "http://***@proxy.corp:3128/ (from https_proxy)");
        let debug = format!("{secret:?}");
        assert!(
            !debug.contains("s3cr3t") && !debug.contains("ada"),
            "{debug}"
        );
        for (url, shown) in [
            ("proxy.corp:8080", "proxy.corp:8080"),
            ("user@proxy.corp", "***@proxy.corp"),
            ("http://u:p@ss@proxy.corp:1", "http://***@proxy.corp:1"),
            ("http://u:pa/ss@proxy.corp:1", "http://***@proxy.corp:1"),
            ("http://proxy.corp:1", "http://proxy.corp:1"),
        ] {
            assert_eq!(redacted(url), shown, "{url}");
        }
        // Upper case wins, as curl reads it; empty values are unset.
        let both = ProxySettings::from_lookup(env(&[
            ("HTTPS_PROXY", "http://upper:1"),
            ("https_proxy", "http://lower:1"),
            ("HTTP_PROXY", ""),
            ("http_proxy", "http://plain:2"),
        ]));
        assert_eq!(
            both.describe(),
            "http://upper:1 (from HTTPS_PROXY); for http:// URLs http://plain:2 (from http_proxy)"
        );
        let explicit = ProxySettings::explicit("http://proxy:1", Some("localhost")).unwrap();
        assert_eq!(
            explicit.describe(),
            "http://proxy:1 (from keyblade's settings), not for localhost (keyblade's settings)"
        );
    }

    #[test]
    fn a_bad_proxy_is_an_error_naming_where_it_came_from() {
        let error = ProxySettings::explicit("ftp://x:y@proxy:1", None).unwrap_err();
        assert_eq!(error.code(), "azure.invalidInput");
        let message = error.to_string();
        assert!(
            message.contains("ftp") && !message.contains("x:y"),
            "{message}"
        );
        let from_env = ProxySettings::from_lookup(env(&[("HTTPS_PROXY", "http://[::1")]));
        let error = from_env
            .apply(reqwest::Client::builder())
            .expect_err("an invalid URL");
        assert!(error.to_string().contains("unset HTTPS_PROXY"), "{error}");
    }
}

//! Who signed in, read from a token's claims.
//!
//! The signature is not checked, on purpose: OpenID Connect Core 1.0 §3.1.3.7 lets a client
//! skip it for an ID token received directly from the token endpoint over TLS, which is the
//! only way keyblade gets one, and the claims are used to *name* the account (display, the
//! token-store key), never to authorize anything. Resource Manager and Key Vault check the
//! access tokens themselves.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

/// The account a token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountClaims {
    /// `preferred_username` (ID token), else `upn` / `unique_name` / `email`.
    pub username: String,
    /// `tid`.
    pub tenant_id: String,
    /// `oid`.
    pub object_id: String,
    /// `name`, e.g. `Ada Lovelace`, when the token has it.
    pub display_name: Option<String>,
}

impl AccountClaims {
    /// Reads the payload of a compact JWT (`header.payload.signature`); `None` when it is
    /// not one or lacks the claims.
    pub fn from_jwt(jwt: &str) -> Option<AccountClaims> {
        let claims = payload(jwt)?;
        let text = |name: &str| {
            claims
                .get(name)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .map(str::to_owned)
        };
        Some(AccountClaims {
            username: text("preferred_username")
                .or_else(|| text("upn"))
                .or_else(|| text("unique_name"))
                .or_else(|| text("email"))?,
            tenant_id: text("tid")?.to_ascii_lowercase(),
            object_id: text("oid")?.to_ascii_lowercase(),
            display_name: text("name"),
        })
    }
}

/// A compact JWT's payload as JSON.
pub(crate) fn payload(jwt: &str) -> Option<serde_json::Map<String, Value>> {
    let mut parts = jwt.split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    // Some issuers pad; base64url without padding is the JWT rule.
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(claims) => Some(claims),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256"}"#),
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    #[test]
    fn id_and_access_tokens_name_the_account() {
        let id = jwt(
            r#"{"preferred_username":"ada@contoso.com","tid":"T-1","oid":"O-1","upn":"other"}"#,
        );
        assert_eq!(
            AccountClaims::from_jwt(&id),
            Some(AccountClaims {
                username: "ada@contoso.com".to_owned(),
                tenant_id: "t-1".to_owned(),
                object_id: "o-1".to_owned(),
                display_name: None,
            })
        );
        let access = jwt(r#"{"upn":"bob@contoso.com","tid":"t","oid":"o"}"#);
        assert_eq!(
            AccountClaims::from_jwt(&access).map(|c| c.username),
            Some("bob@contoso.com".to_owned())
        );
    }

    #[test]
    fn anything_else_names_nobody() {
        for text in [
            "",
            "a.b",
            "a.b.c.d",
            "a.!!!.c",
            &jwt("[1]"),
            &jwt(r#"{"tid":"t","oid":"o"}"#),
            &jwt(r#"{"preferred_username":"  ","tid":"t","oid":"o"}"#),
        ] {
            assert_eq!(AccountClaims::from_jwt(text), None, "{text}");
        }
    }
}

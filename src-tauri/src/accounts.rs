//! The accounts keyblade remembers between runs: who signed in, to which cloud and tenant,
//! how, and each account's subscription filter. Never a secret: client secrets,
//! certificate passwords and refresh tokens live in the system keyring
//! ([`crate::secrets`]), and this file only says which entry to look for.
//!
//! The file is `accounts.json` in the app's configuration folder, replaced whole on every
//! change (written beside it, then renamed), so a crash never leaves half of it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::dto::{AccountMethod, AccountSummary, CloudChoice};

pub const ACCOUNTS_FILE: &str = "accounts.json";
/// What keyblade 0.1 wrote for its one service principal sign-in; read once, then replaced.
const LEGACY_FILE: &str = "azure-sign-in.json";

/// How a remembered account signs in again, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "method",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum RememberedSignIn {
    /// A person (browser or device code): the refresh token is in the keyring under
    /// [`keyblade_azure::Account::store_key`].
    Person {
        account: keyblade_azure::Account,
    },
    /// Whoever `az login` signed in; `username` as its token named them.
    AzureCli {
        username: String,
        /// The tenant asked of `az` (`--tenant`), if not its default one.
        requested_tenant: Option<String>,
    },
    ClientSecret {
        client_id: String,
    },
    ClientCertificate {
        client_id: String,
        /// The PEM or PFX file, read again at each start.
        certificate_file: String,
        /// A PFX password is in the keyring.
        has_password: bool,
    },
}

/// One account in [`AccountsFile`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RememberedAccount {
    pub id: String,
    pub cloud: CloudChoice,
    /// The cloud's name as keyblade loaded it (custom clouds name themselves).
    pub cloud_name: String,
    /// The tenant in use: the one signed in to, or the one switched to since.
    pub tenant_id: String,
    pub sign_in: RememberedSignIn,
    /// The subscriptions the resource picker loads; `None`: all of them.
    #[serde(default)]
    pub subscription_filter: Option<Vec<String>>,
}

impl RememberedAccount {
    /// A stable ID: the same person, app or CLI sign-in in the same cloud is one account
    /// (signing in again replaces it rather than adding a twin).
    pub fn id_for(cloud_name: &str, sign_in: &RememberedSignIn) -> String {
        let who = match sign_in {
            RememberedSignIn::Person { account } => {
                format!("person/{}/{}", account.tenant_id, account.username)
            }
            RememberedSignIn::AzureCli { .. } => "azure-cli".to_owned(),
            RememberedSignIn::ClientSecret { client_id }
            | RememberedSignIn::ClientCertificate { client_id, .. } => {
                format!("app/{client_id}")
            }
        };
        format!("{cloud_name}/{who}").to_ascii_lowercase()
    }

    pub fn method(&self) -> AccountMethod {
        match &self.sign_in {
            RememberedSignIn::Person { account } => match account.method {
                keyblade_azure::signin::InteractiveMethod::Browser => AccountMethod::Browser,
                keyblade_azure::signin::InteractiveMethod::DeviceCode => AccountMethod::DeviceCode,
            },
            RememberedSignIn::AzureCli { .. } => AccountMethod::AzureCli,
            RememberedSignIn::ClientSecret { .. } => AccountMethod::ClientSecret,
            RememberedSignIn::ClientCertificate { .. } => AccountMethod::ClientCertificate,
        }
    }

    /// Who, in the header's words.
    pub fn label(&self) -> String {
        match &self.sign_in {
            RememberedSignIn::Person { account } => account.username.clone(),
            RememberedSignIn::AzureCli { username, .. } => format!("{username} (Azure CLI)"),
            RememberedSignIn::ClientSecret { client_id }
            | RememberedSignIn::ClientCertificate { client_id, .. } => {
                format!("service principal {client_id}")
            }
        }
    }

    pub fn summary(&self, active: bool) -> AccountSummary {
        AccountSummary {
            id: self.id.clone(),
            label: self.label(),
            display_name: match &self.sign_in {
                RememberedSignIn::Person { account } => account.display_name.clone(),
                _ => None,
            },
            tenant_id: self.tenant_id.clone(),
            cloud_name: self.cloud_name.clone(),
            method: self.method(),
            active,
        }
    }
}

/// Every remembered account, and which one keyblade signs in as at start.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountsFile {
    /// `None`: the local demo tenant.
    pub active: Option<String>,
    pub accounts: Vec<RememberedAccount>,
    /// The demo tenant's subscription filter (it has no account entry).
    #[serde(default)]
    pub demo_subscription_filter: Option<Vec<String>>,
}

impl AccountsFile {
    pub fn get(&self, id: &str) -> Option<&RememberedAccount> {
        self.accounts.iter().find(|a| a.id == id)
    }

    pub fn active_account(&self) -> Option<&RememberedAccount> {
        self.active.as_deref().and_then(|id| self.get(id))
    }

    /// Adds the account, or replaces the one with its ID (keeping that one's subscription
    /// filter: signing in again is not a reason to forget the user's choice), and makes it
    /// the active one.
    pub fn upsert_active(&mut self, mut account: RememberedAccount) {
        if let Some(existing) = self.accounts.iter_mut().find(|a| a.id == account.id) {
            if account.subscription_filter.is_none() {
                account.subscription_filter = existing.subscription_filter.take();
            }
            *existing = account.clone();
        } else {
            self.accounts.push(account.clone());
        }
        self.active = Some(account.id);
    }

    /// Removes the account; the active one becomes the next remembered account, or the demo.
    pub fn remove(&mut self, id: &str) -> Option<RememberedAccount> {
        let index = self.accounts.iter().position(|a| a.id == id)?;
        let removed = self.accounts.remove(index);
        if self.active.as_deref() == Some(id) {
            self.active = self.accounts.first().map(|a| a.id.clone());
        }
        Some(removed)
    }

    /// The filter of `account_id`, or of the demo tenant for `None`.
    pub fn subscription_filter(&self, account_id: Option<&str>) -> Option<&Vec<String>> {
        match account_id {
            Some(id) => self.get(id)?.subscription_filter.as_ref(),
            None => self.demo_subscription_filter.as_ref(),
        }
    }

    pub fn set_subscription_filter(
        &mut self,
        account_id: Option<&str>,
        filter: Option<Vec<String>>,
    ) -> bool {
        let filter = filter.map(|ids| {
            let mut ids: Vec<String> = ids.into_iter().map(|id| id.to_ascii_lowercase()).collect();
            ids.sort();
            ids.dedup();
            ids
        });
        match account_id {
            Some(id) => match self.accounts.iter_mut().find(|a| a.id == id) {
                Some(account) => {
                    account.subscription_filter = filter;
                    true
                }
                None => false,
            },
            None => {
                self.demo_subscription_filter = filter;
                true
            }
        }
    }

    pub fn summaries(&self) -> Vec<AccountSummary> {
        self.accounts
            .iter()
            .map(|a| a.summary(self.active.as_deref() == Some(a.id.as_str())))
            .collect()
    }

    /// Reads the file in `dir`; a missing or unreadable one is no accounts (an unreadable
    /// one is set aside, so the user's next sign-in does not fail on it).
    pub fn load(dir: &Path) -> AccountsFile {
        let path = dir.join(ACCOUNTS_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => match serde_json::from_str(&text) {
                Ok(file) => file,
                Err(error) => {
                    let aside = path.with_extension("json.unreadable");
                    let _ = std::fs::rename(&path, &aside);
                    crate::log_warn!(
                        "the remembered accounts in {} could not be read ({error}); \
                         the file was moved to {}",
                        path.display(),
                        aside.display()
                    );
                    AccountsFile::default()
                }
            },
            Err(_) => AccountsFile::from_legacy(dir).unwrap_or_default(),
        }
    }

    /// keyblade 0.1's one remembered service principal, as an account.
    fn from_legacy(dir: &Path) -> Option<AccountsFile> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Legacy {
            cloud: CloudChoice,
            tenant_id: String,
            client_id: String,
        }
        let text = std::fs::read_to_string(dir.join(LEGACY_FILE)).ok()?;
        let legacy: Legacy = serde_json::from_str(&text).ok()?;
        let cloud_name = legacy_cloud_name(&legacy.cloud);
        let sign_in = RememberedSignIn::ClientSecret {
            client_id: legacy.client_id,
        };
        let mut file = AccountsFile::default();
        file.upsert_active(RememberedAccount {
            id: RememberedAccount::id_for(&cloud_name, &sign_in),
            cloud: legacy.cloud,
            cloud_name,
            tenant_id: legacy.tenant_id,
            sign_in,
            subscription_filter: None,
        });
        Some(file)
    }

    /// Writes the file to `dir`, creating it; replaces the old file whole.
    pub fn save(&self, dir: &Path) -> Result<(), String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let path = dir.join(ACCOUNTS_FILE);
        let partial: PathBuf = dir.join(format!("{ACCOUNTS_FILE}.partial"));
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        std::fs::write(&partial, text)
            .map_err(|e| format!("cannot write {}: {e}", partial.display()))?;
        std::fs::rename(&partial, &path)
            .map_err(|e| format!("cannot replace {}: {e}", path.display()))?;
        let _ = std::fs::remove_file(dir.join(LEGACY_FILE));
        Ok(())
    }
}

fn legacy_cloud_name(cloud: &CloudChoice) -> String {
    match cloud {
        CloudChoice::AzureCloud => "AzureCloud".to_owned(),
        CloudChoice::AzureChinaCloud => "AzureChinaCloud".to_owned(),
        CloudChoice::AzureUsGovernment => "AzureUSGovernment".to_owned(),
        CloudChoice::Custom { metadata_url, .. } => url::Url::parse(metadata_url)
            .ok()
            .and_then(|url| url.host_str().map(str::to_owned))
            .unwrap_or_else(|| metadata_url.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyblade_azure::signin::InteractiveMethod;

    /// A fresh folder for one test, removed when dropped.
    struct TempDir(PathBuf);
    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir = std::env::temp_dir()
                .join(format!("keyblade-accounts-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
        fn path(&self) -> &Path {
            &self.0
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn person(username: &str) -> RememberedAccount {
        let sign_in = RememberedSignIn::Person {
            account: keyblade_azure::Account {
                username: username.to_owned(),
                tenant_id: "t1".to_owned(),
                object_id: "o".to_owned(),
                display_name: Some("Ada".to_owned()),
                cloud: "AzureCloud".to_owned(),
                client_id: "c".to_owned(),
                method: InteractiveMethod::DeviceCode,
            },
        };
        RememberedAccount {
            id: RememberedAccount::id_for("AzureCloud", &sign_in),
            cloud: CloudChoice::AzureCloud,
            cloud_name: "AzureCloud".to_owned(),
            tenant_id: "t1".to_owned(),
            sign_in,
            subscription_filter: None,
        }
    }

    #[test]
    fn signing_in_again_replaces_the_account_and_keeps_its_filter() {
        let mut file = AccountsFile::default();
        file.upsert_active(person("ada@contoso.com"));
        let id = file.active.clone().unwrap();
        assert!(file.set_subscription_filter(Some(&id), Some(vec!["B".into(), "a".into()])));
        file.upsert_active(person("ADA@contoso.com"));
        assert_eq!(file.accounts.len(), 1, "same person, one account");
        assert_eq!(
            file.subscription_filter(Some(&id)),
            Some(&vec!["a".to_owned(), "b".to_owned()])
        );
    }

    #[test]
    fn removing_the_active_account_activates_the_next_or_the_demo() {
        let mut file = AccountsFile::default();
        file.upsert_active(person("ada@contoso.com"));
        file.upsert_active(person("bob@contoso.com"));
        let bob = file.active.clone().unwrap();
        file.remove(&bob);
        assert_eq!(file.active_account().unwrap().label(), "ada@contoso.com");
        let ada = file.active.clone().unwrap();
        file.remove(&ada);
        assert_eq!(file.active, None);
    }

    #[test]
    fn the_file_holds_no_secret_and_round_trips() {
        let dir = TempDir::new("t1");
        let mut file = AccountsFile::default();
        file.upsert_active(person("ada@contoso.com"));
        file.save(dir.path()).unwrap();
        let text = std::fs::read_to_string(dir.path().join(ACCOUNTS_FILE)).unwrap();
        assert!(!text.to_ascii_lowercase().contains("secret"), "{text}");
        assert!(!text.contains("token"), "{text}");
        assert_eq!(AccountsFile::load(dir.path()), file);
    }

    #[test]
    fn the_old_service_principal_sign_in_becomes_an_account() {
        let dir = TempDir::new("t2");
        std::fs::write(
            dir.path().join(LEGACY_FILE),
            r#"{"cloud":{"kind":"azureCloud"},"tenantId":"t","clientId":"C"}"#,
        )
        .unwrap();
        let file = AccountsFile::load(dir.path());
        let account = file.active_account().unwrap();
        assert_eq!(account.label(), "service principal C");
        assert_eq!(account.tenant_id, "t");
        assert_eq!(account.method(), AccountMethod::ClientSecret);
    }

    #[test]
    fn an_unreadable_file_is_set_aside() {
        let dir = TempDir::new("t3");
        std::fs::write(dir.path().join(ACCOUNTS_FILE), "{not json").unwrap();
        assert_eq!(AccountsFile::load(dir.path()), AccountsFile::default());
        assert!(dir.path().join("accounts.json.unreadable").exists());
    }
}

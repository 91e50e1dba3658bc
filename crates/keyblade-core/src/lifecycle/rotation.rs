//! A new key version, and the key's rotation policy.
//!
//! [`plan_new_version`] and [`plan_set_policy`] are pure: the caller passes what it read
//! ([`RotationFacts`]) and gets a [`LifecyclePlan`] with one Key Vault step, its `az`
//! equivalent, and findings that say what the resource will do with the new versions: a
//! resource that follows the key unversioned picks a new version up by itself (within an
//! hour for registries and storage accounts), one that pins a version stays on it, and an
//! Azure AI services account never follows (it needs Update key version).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{AffectedResource, Confirmation, LifecycleAction, LifecyclePlan};
use crate::kind::{KindRules, ResourceKind};
use crate::preflight::{AzCommand, Finding, FindingCode, HttpMethod, PlanStep, Severity, StepKind};

pub use crate::preflight::KEY_VAULT_DATA_API_VERSION;

/// A key's rotation policy in Key Vault's terms (`lifetimeActions` and
/// `attributes.expiryTime`), with ISO 8601 durations such as `P90D`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RotationPolicy {
    /// Rotate this long after a version is created (`timeAfterCreate` on a Rotate action).
    #[serde(default)]
    pub rotate_after_create: Option<String>,
    /// Rotate this long before a version expires (`timeBeforeExpiry` on a Rotate action).
    #[serde(default)]
    pub rotate_before_expiry: Option<String>,
    /// Notify this long before a version expires (`timeBeforeExpiry` on a Notify action).
    #[serde(default)]
    pub notify_before_expiry: Option<String>,
    /// New versions expire this long after they are created (`attributes.expiryTime`).
    #[serde(default)]
    pub expiry_time: Option<String>,
}

impl RotationPolicy {
    /// The policy as Key Vault's `PUT .../rotationpolicy` takes it.
    pub fn to_key_vault(&self) -> Value {
        let mut actions = Vec::new();
        if let Some(d) = &self.rotate_after_create {
            actions.push(
                json!({ "trigger": { "timeAfterCreate": d }, "action": { "type": "Rotate" } }),
            );
        }
        if let Some(d) = &self.rotate_before_expiry {
            actions.push(
                json!({ "trigger": { "timeBeforeExpiry": d }, "action": { "type": "Rotate" } }),
            );
        }
        if let Some(d) = &self.notify_before_expiry {
            actions.push(
                json!({ "trigger": { "timeBeforeExpiry": d }, "action": { "type": "Notify" } }),
            );
        }
        let mut attributes = serde_json::Map::new();
        if let Some(expiry) = &self.expiry_time {
            attributes.insert("expiryTime".to_owned(), json!(expiry));
        }
        json!({ "lifetimeActions": actions, "attributes": attributes })
    }

    /// The policy from Key Vault's JSON (a `GET .../rotationpolicy` answer). Unknown action
    /// types are ignored; action types compare case-insensitively, as Key Vault's do.
    pub fn from_key_vault(value: &Value) -> RotationPolicy {
        let mut policy = RotationPolicy {
            expiry_time: value
                .pointer("/attributes/expiryTime")
                .and_then(Value::as_str)
                .map(str::to_owned),
            ..RotationPolicy::default()
        };
        for action in value
            .get("lifetimeActions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let kind = action
                .pointer("/action/type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_ascii_lowercase();
            let after_create = action
                .pointer("/trigger/timeAfterCreate")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let before_expiry = action
                .pointer("/trigger/timeBeforeExpiry")
                .and_then(Value::as_str)
                .map(str::to_owned);
            match kind.as_str() {
                "rotate" if after_create.is_some() => policy.rotate_after_create = after_create,
                "rotate" => policy.rotate_before_expiry = before_expiry,
                "notify" => policy.notify_before_expiry = before_expiry,
                _ => {}
            }
        }
        policy
    }

    /// Whether two policies say the same thing (durations compared by value, so `p90d`
    /// equals `P90D`).
    pub fn same_as(&self, other: &RotationPolicy) -> bool {
        let same = |a: &Option<String>, b: &Option<String>| match (a, b) {
            (None, None) => true,
            (Some(a), Some(b)) => match (IsoDuration::parse(a), IsoDuration::parse(b)) {
                (Ok(a), Ok(b)) => a == b,
                _ => a.eq_ignore_ascii_case(b),
            },
            _ => false,
        };
        same(&self.rotate_after_create, &other.rotate_after_create)
            && same(&self.rotate_before_expiry, &other.rotate_before_expiry)
            && same(&self.notify_before_expiry, &other.notify_before_expiry)
            && same(&self.expiry_time, &other.expiry_time)
    }

    /// Whether the policy creates new versions by itself.
    pub fn rotates(&self) -> bool {
        self.rotate_after_create.is_some() || self.rotate_before_expiry.is_some()
    }
}

/// An ISO 8601 duration as Key Vault takes it: `P[nY][nM][nW][nD][T[nH][nM][nS]]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IsoDuration {
    /// Years.
    pub years: u32,
    /// Months.
    pub months: u32,
    /// Weeks.
    pub weeks: u32,
    /// Days.
    pub days: u32,
    /// Hours.
    pub hours: u32,
    /// Minutes.
    pub minutes: u32,
    /// Seconds.
    pub seconds: u32,
}

impl IsoDuration {
    /// Parses `text`; the error says what is wrong in a sentence fragment.
    pub fn parse(text: &str) -> Result<IsoDuration, String> {
        let upper = text.trim().to_ascii_uppercase();
        let Some(rest) = upper.strip_prefix('P') else {
            return Err(format!(
                "\"{text}\" is not an ISO 8601 duration: it must start with P, e.g. P90D (90 days), P3M (3 months) or P1Y (1 year)"
            ));
        };
        let mut duration = IsoDuration::default();
        let mut in_time = false;
        let mut number = String::new();
        let mut any = false;
        for c in rest.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            if c == 'T' && !in_time && number.is_empty() {
                in_time = true;
                continue;
            }
            let value: u32 = number.parse().map_err(|_| {
                format!("\"{text}\" is not an ISO 8601 duration: each unit needs a whole number before it, e.g. P90D")
            })?;
            number.clear();
            let slot = match (in_time, c) {
                (false, 'Y') => &mut duration.years,
                (false, 'M') => &mut duration.months,
                (false, 'W') => &mut duration.weeks,
                (false, 'D') => &mut duration.days,
                (true, 'H') => &mut duration.hours,
                (true, 'M') => &mut duration.minutes,
                (true, 'S') => &mut duration.seconds,
                _ => {
                    return Err(format!(
                        "\"{text}\" is not an ISO 8601 duration: \"{c}\" is not a unit here (use Y, M, W or D, and H, M or S after T)"
                    ));
                }
            };
            *slot = value;
            any = true;
        }
        if !number.is_empty() || !any {
            return Err(format!(
                "\"{text}\" is not an ISO 8601 duration: a number must be followed by its unit, e.g. P90D"
            ));
        }
        Ok(duration)
    }

    /// The shortest this can be in days (a month counts 28 days, a year 365), for Key
    /// Vault's minimums: a duration that passes with these counts passes in any calendar.
    pub fn min_days(&self) -> f64 {
        f64::from(self.years) * 365.0
            + f64::from(self.months) * 28.0
            + f64::from(self.weeks) * 7.0
            + f64::from(self.days)
            + f64::from(self.hours) / 24.0
            + f64::from(self.minutes) / 1440.0
            + f64::from(self.seconds) / 86_400.0
    }

    /// About how many days this is (a month counts 30.44 days, a year 365.25), to compare two
    /// durations.
    pub fn approx_days(&self) -> f64 {
        self.min_days() + f64::from(self.years) * 0.25 + f64::from(self.months) * 2.44
    }

    /// In words, e.g. "90 days", "1 year and 6 months".
    pub fn words(&self) -> String {
        let parts: Vec<String> = [
            (self.years, "year"),
            (self.months, "month"),
            (self.weeks, "week"),
            (self.days, "day"),
            (self.hours, "hour"),
            (self.minutes, "minute"),
            (self.seconds, "second"),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}{}", if n == 1 { "" } else { "s" }))
        .collect();
        match parts.as_slice() {
            [] => "0 days".to_owned(),
            [one] => one.clone(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        }
    }
}

fn duration_words(text: &str) -> String {
    IsoDuration::parse(text).map_or_else(|_| text.to_owned(), |d| d.words())
}

/// The policy in plain words, one sentence per line, e.g. "Rotates every 90 days".
pub fn describe_policy(policy: &RotationPolicy) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(d) = &policy.rotate_after_create {
        lines.push(format!("Rotates every {}", duration_words(d)));
    }
    if let Some(d) = &policy.rotate_before_expiry {
        lines.push(format!(
            "Rotates {} before the current version expires",
            duration_words(d)
        ));
    }
    if !policy.rotates() && (policy.notify_before_expiry.is_some() || policy.expiry_time.is_some())
    {
        lines.push("Does not rotate automatically".to_owned());
    }
    if let Some(d) = &policy.notify_before_expiry {
        lines.push(format!("Notifies {} before it expires", duration_words(d)));
    }
    if let Some(d) = &policy.expiry_time {
        lines.push(format!(
            "New versions expire {} after they are created",
            duration_words(d)
        ));
    }
    if lines.is_empty() {
        lines.push("No rotation policy".to_owned());
    }
    lines
}

/// A Key Vault key permission the rotation actions need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum KeyPermission {
    /// Create a new version (`rotate`).
    Rotate,
    /// Read the rotation policy (`getrotationpolicy`).
    GetRotationPolicy,
    /// Replace the rotation policy (`setrotationpolicy`).
    SetRotationPolicy,
}

impl KeyPermission {
    /// Its name in a vault access policy's key permissions.
    pub fn access_policy_name(self) -> &'static str {
        match self {
            KeyPermission::Rotate => "rotate",
            KeyPermission::GetRotationPolicy => "getrotationpolicy",
            KeyPermission::SetRotationPolicy => "setrotationpolicy",
        }
    }

    /// Its data action in Azure RBAC (vaults with the RBAC permission model).
    pub fn data_action(self) -> &'static str {
        match self {
            KeyPermission::Rotate => "Microsoft.KeyVault/vaults/keys/rotate/action",
            KeyPermission::GetRotationPolicy => {
                "Microsoft.KeyVault/vaults/keyrotationpolicies/read"
            }
            KeyPermission::SetRotationPolicy => {
                "Microsoft.KeyVault/vaults/keyrotationpolicies/write"
            }
        }
    }

    /// What to do when it is missing, as an instruction.
    pub fn how_to_get(self, vault_name: &str) -> String {
        format!(
            "Ask someone who manages key vault {vault_name} to give your account the key permission \"{}\" (an access policy), or on a vault that uses Azure RBAC a role with {} such as Key Vault Crypto Officer; then try again.",
            self.access_policy_name(),
            self.data_action()
        )
    }
}

/// Whether the signed-in account may do what the plan needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "status",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum CallerPermission {
    /// It may.
    Granted,
    /// It may not, e.g. "no access policy of vault kv1 names your account".
    Missing {
        /// Why not, as a sentence fragment.
        reason: String,
    },
    /// keyblade could not tell, e.g. the vault could not be read.
    Unknown {
        /// Why, as a sentence fragment.
        reason: String,
    },
}

/// The key's state, as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum KeyState {
    /// Enabled.
    Enabled,
    /// Disabled: it can get no new versions and no policy can rotate it.
    Disabled,
    /// Deleted or never there.
    NotFound,
    /// keyblade could not read it.
    Unreadable,
}

/// The key the resource uses, as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RotationKey {
    /// `https://{host}/`, with the trailing slash.
    pub vault_url: String,
    /// The vault's name.
    pub vault_name: String,
    /// The key's name.
    pub key_name: String,
    /// The version the resource's key URI names; `None` when it follows the key unversioned.
    pub pinned_version: Option<String>,
    /// Whether the key can be used.
    pub state: KeyState,
}

/// What the rotation planners need to know, as the caller read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RotationFacts {
    /// The resource's kind.
    pub kind: ResourceKind,
    /// The resource's name.
    pub resource_name: String,
    /// The key it uses; `None` with Microsoft-managed keys.
    pub key: Option<RotationKey>,
    /// Whether the signed-in account holds the permission the action needs.
    pub permission: CallerPermission,
    /// Other resources that follow this key unversioned (they pick up new versions too).
    #[serde(default)]
    pub affected: Vec<AffectedResource>,
}

/// Plans a new version of the key the resource uses.
pub fn plan_new_version(facts: &RotationFacts) -> LifecyclePlan {
    let rules = KindRules::of(facts.kind);
    let noun = rules.short_name;
    let name = &facts.resource_name;
    let mut plan = LifecyclePlan {
        action: LifecycleAction::NewKeyVersion,
        title: "New key version".to_owned(),
        summary: String::new(),
        steps: Vec::new(),
        findings: Vec::new(),
        confirmation: Confirmation::Review,
        affected: facts.affected.clone(),
    };
    let Some(key) = &facts.key else {
        plan.summary = format!("The {noun} {name} does not use a customer-managed key.");
        plan.findings
            .push(no_cmk(noun, name, "create a new key version"));
        return plan;
    };
    plan.title = format!("New version of key {}", key.key_name);
    plan.summary = format!(
        "Creates a new version of key {} in key vault {}; it becomes the key's latest version. \
         Older versions stay enabled, so data they protect stays readable.",
        key.key_name, key.vault_name
    );
    key_state_findings(&mut plan.findings, key, "create a new version of it");
    permission_findings(
        &mut plan.findings,
        &facts.permission,
        KeyPermission::Rotate,
        key,
        "create a new version of key",
    );
    follow_findings(&mut plan.findings, facts, key, rules);
    plan.steps.push(rotate_step(key));
    plan.sort_findings();
    plan
}

/// Plans replacing the rotation policy of the key the resource uses with `policy`.
pub fn plan_set_policy(facts: &RotationFacts, policy: &RotationPolicy) -> LifecyclePlan {
    let rules = KindRules::of(facts.kind);
    let noun = rules.short_name;
    let name = &facts.resource_name;
    let mut plan = LifecyclePlan {
        action: LifecycleAction::SetRotationPolicy {
            policy: policy.clone(),
        },
        title: "Rotation policy".to_owned(),
        summary: String::new(),
        steps: Vec::new(),
        findings: validate_policy(policy),
        confirmation: Confirmation::Review,
        affected: facts.affected.clone(),
    };
    let Some(key) = &facts.key else {
        plan.summary = format!("The {noun} {name} does not use a customer-managed key.");
        plan.findings
            .push(no_cmk(noun, name, "set a rotation policy"));
        plan.sort_findings();
        return plan;
    };
    plan.title = format!("Rotation policy of key {}", key.key_name);
    plan.summary = format!(
        "Replaces the rotation policy of key {} in key vault {}: {}.",
        key.key_name,
        key.vault_name,
        describe_policy(policy)
            .iter()
            .map(|line| lowercase_first(line))
            .collect::<Vec<_>>()
            .join("; ")
    );
    key_state_findings(&mut plan.findings, key, "set its rotation policy");
    permission_findings(
        &mut plan.findings,
        &facts.permission,
        KeyPermission::SetRotationPolicy,
        key,
        "set the rotation policy of key",
    );
    if policy.rotates() {
        follow_findings(&mut plan.findings, facts, key, rules);
    } else if !plan.findings.iter().any(|f| f.severity == Severity::Error) {
        plan.findings.push(info(
            FindingCode::RotationPolicyNoRotation,
            format!(
                "With this policy Key Vault creates no new versions of key {} by itself; only New key version does.",
                key.key_name
            ),
        ));
    }
    plan.steps.push(set_policy_step(key, policy));
    plan.sort_findings();
    plan
}

/// Key Vault's rules for a rotation policy, as errors (empty when the policy is valid).
pub fn validate_policy(policy: &RotationPolicy) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut check =
        |value: &Option<String>, label: &str, min_days: f64, min_text: &str| {
            let text = value.as_deref()?;
            match IsoDuration::parse(text) {
                Err(reason) => {
                    findings.push(invalid(format!("{label}: {reason}."), format!(
                    "Enter {label} as an ISO 8601 duration of at least {min_text}, e.g. P90D."
                )));
                    None
                }
                Ok(d) if d.min_days() < min_days => {
                    findings.push(invalid(
                        format!(
                            "{label} is {}, but Key Vault requires at least {min_text}.",
                            d.words()
                        ),
                        format!("Enter {label} of at least {min_text}."),
                    ));
                    None
                }
                Ok(d) => Some(d),
            }
        };
    let after_create = check(
        &policy.rotate_after_create,
        "The time to rotate after creation",
        7.0,
        "7 days (P7D)",
    );
    let before_expiry = check(
        &policy.rotate_before_expiry,
        "The time to rotate before expiry",
        7.0,
        "7 days (P7D)",
    );
    let notify = check(
        &policy.notify_before_expiry,
        "The time to notify before expiry",
        7.0,
        "7 days (P7D)",
    );
    let expiry = check(
        &policy.expiry_time,
        "The expiry time",
        28.0,
        "28 days (P28D)",
    );
    if policy.rotate_after_create.is_some() && policy.rotate_before_expiry.is_some() {
        findings.push(invalid(
            "A rotation policy rotates either some time after creation or some time before expiry, not both.".to_owned(),
            "Keep one of the two rotation times.".to_owned(),
        ));
    }
    if policy.rotate_before_expiry.is_some() && policy.expiry_time.is_none() {
        findings.push(invalid(
            "Rotating before expiry needs an expiry time: without one, versions never expire and the policy never rotates.".to_owned(),
            "Set an expiry time (e.g. P1Y), or rotate some time after creation instead.".to_owned(),
        ));
    }
    if let Some(expiry) = expiry {
        for (value, label) in [
            (before_expiry, "The time to rotate before expiry"),
            (notify, "The time to notify before expiry"),
        ] {
            if let Some(d) = value
                && d.approx_days() >= expiry.approx_days()
            {
                findings.push(invalid(
                    format!(
                        "{label} ({}) is not shorter than the expiry time ({}): it would fire as soon as a version is created.",
                        d.words(),
                        expiry.words()
                    ),
                    "Make the expiry time longer, or the time before expiry shorter.".to_owned(),
                ));
            }
        }
        if let Some(d) = after_create
            && d.approx_days() >= expiry.approx_days()
        {
            findings.push(Finding {
                severity: Severity::Warning,
                code: FindingCode::RotationPolicyInvalid,
                message: format!(
                    "New versions expire after {} but the policy rotates only after {}: each version would expire before the next one is created.",
                    expiry.words(),
                    d.words()
                ),
                fix: Some("Rotate sooner than versions expire, e.g. rotate after 90 days with an expiry of 1 year.".to_owned()),
            });
        }
    }
    findings
}

fn invalid(message: String, fix: String) -> Finding {
    Finding {
        severity: Severity::Error,
        code: FindingCode::RotationPolicyInvalid,
        message,
        fix: Some(fix),
    }
}

fn info(code: FindingCode, message: String) -> Finding {
    Finding {
        severity: Severity::Info,
        code,
        message,
        fix: None,
    }
}

fn no_cmk(noun: &str, name: &str, what: &str) -> Finding {
    Finding {
        severity: Severity::Error,
        code: FindingCode::RotationNoCustomerManagedKey,
        message: format!(
            "The {noun} {name} is encrypted with a Microsoft-managed key, so there is no key of yours to {what} for."
        ),
        fix: Some(format!(
            "Choose a customer-managed key first with Change key; then {what} from here."
        )),
    }
}

fn key_state_findings(findings: &mut Vec<Finding>, key: &RotationKey, what: &str) {
    let k = &key.key_name;
    let v = &key.vault_name;
    let finding = match key.state {
        KeyState::Enabled => return,
        KeyState::Disabled => Finding {
            severity: Severity::Error,
            code: FindingCode::KeyDisabled,
            message: format!("Key {k} in key vault {v} is disabled, so keyblade cannot {what}."),
            fix: Some(format!(
                "Enable the key first: az keyvault key set-attributes --vault-name {v} --name {k} --enabled true"
            )),
        },
        KeyState::NotFound => Finding {
            severity: Severity::Error,
            code: FindingCode::KeyNotFound,
            message: format!(
                "Key {k} is not in key vault {v}: it was deleted (or never existed), so keyblade cannot {what}."
            ),
            fix: Some(format!(
                "Recover the deleted key (az keyvault key recover --vault-name {v} --name {k}) or choose another key with Change key."
            )),
        },
        KeyState::Unreadable => Finding {
            severity: Severity::Warning,
            code: FindingCode::KeyUnreadable,
            message: format!(
                "keyblade could not read key {k} in key vault {v}, so it cannot tell whether it is enabled."
            ),
            fix: Some(format!(
                "Check that your account may read keys in key vault {v} (key permission \"get\"); Key Vault refuses the change if the key cannot take it."
            )),
        },
    };
    findings.push(finding);
}

fn permission_findings(
    findings: &mut Vec<Finding>,
    permission: &CallerPermission,
    needed: KeyPermission,
    key: &RotationKey,
    what: &str,
) {
    match permission {
        CallerPermission::Granted => {}
        CallerPermission::Missing { reason } => findings.push(Finding {
            severity: Severity::Error,
            code: FindingCode::RotationPermissionMissing,
            message: format!(
                "You may not {what} {}: your account lacks the key permission \"{}\" in key vault {} ({reason}).",
                key.key_name,
                needed.access_policy_name(),
                key.vault_name
            ),
            fix: Some(needed.how_to_get(&key.vault_name)),
        }),
        CallerPermission::Unknown { reason } => findings.push(Finding {
            severity: Severity::Warning,
            code: FindingCode::RotationPermissionUnverified,
            message: format!(
                "keyblade could not check that your account has the key permission \"{}\" in key vault {} ({reason}); Key Vault refuses the change if it does not.",
                needed.access_policy_name(),
                key.vault_name
            ),
            fix: Some(needed.how_to_get(&key.vault_name)),
        }),
    }
}

fn follow_findings(
    findings: &mut Vec<Finding>,
    facts: &RotationFacts,
    key: &RotationKey,
    rules: &KindRules,
) {
    let noun = rules.short_name;
    let name = &facts.resource_name;
    if !rules.follows_new_versions {
        findings.push(info(
            FindingCode::RotationNeedsVersionUpdate,
            format!(
                "An {noun} never follows new key versions by itself: {name} stays on its version until you use Update key version (or Change key) to move it to the new one."
            ),
        ));
        return;
    }
    match &key.pinned_version {
        None => findings.push(info(
            FindingCode::RotationFollowsNewVersion,
            format!(
                "The {noun} {name} uses key {} without a version, so it picks up the new version by itself, usually within an hour.",
                key.key_name
            ),
        )),
        Some(version) => findings.push(Finding {
            severity: Severity::Warning,
            code: FindingCode::RotationPinnedVersion,
            message: format!(
                "The {noun} {name} pins version {version} of key {}, so it will NOT pick up new versions.",
                key.key_name
            ),
            fix: Some(
                "After the new version exists, use \"Rotate to this version now\" to move to it, or Change key with \"Always use the latest version\" to follow new versions."
                    .to_owned(),
            ),
        }),
    }
}

fn rotate_step(key: &RotationKey) -> PlanStep {
    PlanStep {
        kind: StepKind::CreateKeyVersion,
        title: format!(
            "Create a new version of key {} in key vault {}",
            key.key_name, key.vault_name
        ),
        method: HttpMethod::Post,
        path: format!(
            "{}keys/{}/rotate?api-version={KEY_VAULT_DATA_API_VERSION}",
            with_slash(&key.vault_url),
            key.key_name
        ),
        body: Value::Null,
        body_summary: "no body: Key Vault copies the key's type, size and operations".to_owned(),
        az_command: AzCommand::new(&["az", "keyvault", "key", "rotate"])
            .option("--vault-name", &key.vault_name)
            .option("--name", &key.key_name)
            .render(),
        placeholders: Vec::new(),
    }
}

fn set_policy_step(key: &RotationKey, policy: &RotationPolicy) -> PlanStep {
    let body = policy.to_key_vault();
    PlanStep {
        kind: StepKind::SetRotationPolicy,
        title: format!(
            "Set the rotation policy of key {} in key vault {}",
            key.key_name, key.vault_name
        ),
        method: HttpMethod::Put,
        path: format!(
            "{}keys/{}/rotationpolicy?api-version={KEY_VAULT_DATA_API_VERSION}",
            with_slash(&key.vault_url),
            key.key_name
        ),
        body_summary: describe_policy(policy).join("; "),
        az_command: AzCommand::new(&["az", "keyvault", "key", "rotation-policy", "update"])
            .option("--vault-name", &key.vault_name)
            .option("--name", &key.key_name)
            .option("--value", &body.to_string())
            .render(),
        body,
        placeholders: Vec::new(),
    }
}

fn with_slash(url: &str) -> String {
    if url.ends_with('/') {
        url.to_owned()
    } else {
        format!("{url}/")
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_read_in_words() {
        let cases = [
            ("P90D", "90 days", 90.0),
            ("p1y", "1 year", 365.0),
            ("P2M", "2 months", 56.0),
            ("P1Y6M", "1 year and 6 months", 365.0 + 168.0),
            ("PT48H", "48 hours", 2.0),
            ("P2W", "2 weeks", 14.0),
        ];
        for (text, words, min_days) in cases {
            let d = IsoDuration::parse(text).unwrap();
            assert_eq!(d.words(), words, "{text}");
            assert!((d.min_days() - min_days).abs() < 1e-9, "{text}");
        }
        for bad in ["90D", "P", "PD", "P90", "P1H", "PT1D", "P1.5D", ""] {
            assert!(IsoDuration::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn policies_round_trip_through_key_vault_json() {
        let policy = RotationPolicy {
            rotate_after_create: Some("P90D".into()),
            rotate_before_expiry: None,
            notify_before_expiry: Some("P30D".into()),
            expiry_time: Some("P2Y".into()),
        };
        let json = policy.to_key_vault();
        assert_eq!(
            json,
            json!({
                "lifetimeActions": [
                    { "trigger": { "timeAfterCreate": "P90D" }, "action": { "type": "Rotate" } },
                    { "trigger": { "timeBeforeExpiry": "P30D" }, "action": { "type": "Notify" } }
                ],
                "attributes": { "expiryTime": "P2Y" }
            })
        );
        assert_eq!(RotationPolicy::from_key_vault(&json), policy);
        let lower = RotationPolicy {
            rotate_after_create: Some("p90d".into()),
            ..policy.clone()
        };
        assert!(lower.same_as(&policy));
        assert!(!RotationPolicy::default().same_as(&policy));
    }

    #[test]
    fn policies_in_words() {
        let policy = RotationPolicy {
            rotate_after_create: Some("P90D".into()),
            rotate_before_expiry: None,
            notify_before_expiry: Some("P30D".into()),
            expiry_time: Some("P2Y".into()),
        };
        assert_eq!(
            describe_policy(&policy),
            [
                "Rotates every 90 days",
                "Notifies 30 days before it expires",
                "New versions expire 2 years after they are created"
            ]
        );
        assert_eq!(
            describe_policy(&RotationPolicy::default()),
            ["No rotation policy"]
        );
        let notify_only = RotationPolicy {
            notify_before_expiry: Some("P30D".into()),
            ..RotationPolicy::default()
        };
        assert_eq!(
            describe_policy(&notify_only),
            [
                "Does not rotate automatically",
                "Notifies 30 days before it expires"
            ]
        );
    }
}

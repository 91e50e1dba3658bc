//! Resource IDs and request paths as ARM routes them.
//!
//! ARM treats every segment case-insensitively and keeps the casing a resource
//! was created with. The sandbox therefore keys everything by the lower-cased
//! ID ([`key`]) and stores the canonical ID inside the resource JSON.

/// The lower-cased form every map in the store is keyed by.
pub fn key(id: &str) -> String {
    let trimmed = id.trim_end_matches('/');
    let with_slash = if trimmed.starts_with('/') {
        trimmed.to_owned()
    } else {
        format!("/{trimmed}")
    };
    with_slash.to_ascii_lowercase()
}

/// A scope: where a role assignment applies, or what a request addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// `/` (tenant root): built-in role definitions live here.
    Root,
    Subscription {
        subscription: String,
    },
    ResourceGroup {
        subscription: String,
        group: String,
    },
    /// `/subscriptions/{s}/resourceGroups/{g}/providers/{ns}/{type}/{name}[/{type}/{name}]*`
    Resource {
        subscription: String,
        group: String,
        namespace: String,
        /// Type and name pairs; the first pair is the top-level resource.
        types_names: Vec<(String, String)>,
    },
}

impl Scope {
    /// Parses path segments (empty ones already dropped). `None` when the segments
    /// are not a scope ARM would accept.
    pub fn parse(segments: &[&str]) -> Option<Scope> {
        match segments {
            [] => Some(Scope::Root),
            [s, subscription] if s.eq_ignore_ascii_case("subscriptions") => {
                Some(Scope::Subscription {
                    subscription: (*subscription).to_owned(),
                })
            }
            [s, subscription, g, group] if is_subscriptions(s) && is_resource_groups(g) => {
                Some(Scope::ResourceGroup {
                    subscription: (*subscription).to_owned(),
                    group: (*group).to_owned(),
                })
            }
            [s, subscription, g, group, p, namespace, rest @ ..]
                if is_subscriptions(s)
                    && is_resource_groups(g)
                    && p.eq_ignore_ascii_case("providers")
                    && !rest.is_empty()
                    && rest.len() % 2 == 0 =>
            {
                Some(Scope::Resource {
                    subscription: (*subscription).to_owned(),
                    group: (*group).to_owned(),
                    namespace: (*namespace).to_owned(),
                    types_names: rest
                        .chunks(2)
                        .map(|pair| (pair[0].to_owned(), pair[1].to_owned()))
                        .collect(),
                })
            }
            _ => None,
        }
    }

    pub fn parse_str(scope: &str) -> Option<Scope> {
        let segments: Vec<&str> = scope.split('/').filter(|s| !s.is_empty()).collect();
        Scope::parse(&segments)
    }

    pub fn subscription(&self) -> Option<&str> {
        match self {
            Scope::Root => None,
            Scope::Subscription { subscription }
            | Scope::ResourceGroup { subscription, .. }
            | Scope::Resource { subscription, .. } => Some(subscription),
        }
    }

    pub fn group(&self) -> Option<&str> {
        match self {
            Scope::ResourceGroup { group, .. } | Scope::Resource { group, .. } => Some(group),
            _ => None,
        }
    }

    /// The path as given (not canonicalised), `""` for the root.
    pub fn path(&self) -> String {
        match self {
            Scope::Root => String::new(),
            Scope::Subscription { subscription } => format!("/subscriptions/{subscription}"),
            Scope::ResourceGroup {
                subscription,
                group,
            } => {
                format!("/subscriptions/{subscription}/resourceGroups/{group}")
            }
            Scope::Resource {
                subscription,
                group,
                namespace,
                types_names,
            } => {
                let mut path = format!(
                    "/subscriptions/{subscription}/resourceGroups/{group}/providers/{namespace}"
                );
                for (t, n) in types_names {
                    path.push('/');
                    path.push_str(t);
                    path.push('/');
                    path.push_str(n);
                }
                path
            }
        }
    }

    /// `Microsoft.KeyVault/vaults` for a resource scope.
    pub fn full_type(&self) -> Option<String> {
        match self {
            Scope::Resource {
                namespace,
                types_names,
                ..
            } => {
                let mut t = namespace.clone();
                for (ty, _) in types_names {
                    t.push('/');
                    t.push_str(ty);
                }
                Some(t)
            }
            _ => None,
        }
    }
}

fn is_subscriptions(s: &str) -> bool {
    s.eq_ignore_ascii_case("subscriptions")
}

fn is_resource_groups(s: &str) -> bool {
    s.eq_ignore_ascii_case("resourceGroups")
}

/// A parsed top-level resource ID of a known shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceId {
    pub subscription: String,
    pub group: String,
    pub namespace: String,
    pub resource_type: String,
    pub name: String,
}

impl ResourceId {
    pub fn parse(id: &str) -> Option<ResourceId> {
        match Scope::parse_str(id)? {
            Scope::Resource {
                subscription,
                group,
                namespace,
                types_names,
            } if types_names.len() == 1 => {
                let (resource_type, name) = types_names.into_iter().next()?;
                Some(ResourceId {
                    subscription,
                    group,
                    namespace,
                    resource_type,
                    name,
                })
            }
            _ => None,
        }
    }

    pub fn full_type(&self) -> String {
        format!("{}/{}", self.namespace, self.resource_type)
    }

    pub fn to_id(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/{}/{}/{}",
            self.subscription, self.group, self.namespace, self.resource_type, self.name
        )
    }
}

/// Whether `scope` is `target` or one of its ancestors (role assignments inherit
/// downwards). Both are compared case-insensitively; `/` and `""` are the root.
pub fn scope_covers(scope: &str, target: &str) -> bool {
    let scope = key(scope);
    let target = key(target);
    if scope == "/" {
        return true;
    }
    target == scope || target.starts_with(&format!("{scope}/"))
}

/// A GUID in its canonical lower-case, hyphenated form, if `s` is one.
pub fn parse_guid(s: &str) -> Option<String> {
    uuid::Uuid::parse_str(s)
        .ok()
        .map(|u| u.hyphenated().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_case_insensitively_and_keep_the_given_casing() {
        let scope = Scope::parse_str(
            "/SUBSCRIPTIONS/abc/ResourceGroups/My-RG/providers/Microsoft.KeyVault/vaults/Kv1",
        )
        .expect("a resource scope");
        assert_eq!(scope.subscription(), Some("abc"));
        assert_eq!(scope.group(), Some("My-RG"));
        assert_eq!(
            scope.full_type().as_deref(),
            Some("Microsoft.KeyVault/vaults")
        );
        assert_eq!(Scope::parse_str("/"), Some(Scope::Root));
        assert_eq!(Scope::parse_str("/subscriptions/abc/resourceGroups"), None);
        assert_eq!(
            Scope::parse_str(
                "/subscriptions/a/resourceGroups/g/providers/Microsoft.KeyVault/vaults"
            ),
            None
        );
    }

    #[test]
    fn scope_coverage_is_by_whole_segments() {
        assert!(scope_covers(
            "/subscriptions/a",
            "/subscriptions/A/resourceGroups/g"
        ));
        assert!(scope_covers("/", "/subscriptions/a"));
        assert!(scope_covers("", "/subscriptions/a"));
        assert!(!scope_covers("/subscriptions/a", "/subscriptions/ab"));
        assert!(!scope_covers(
            "/subscriptions/a/resourceGroups/g",
            "/subscriptions/a"
        ));
    }

    #[test]
    fn keys_are_lower_case_with_a_leading_slash_and_no_trailing_one() {
        assert_eq!(key("subscriptions/A/"), "/subscriptions/a");
        assert_eq!(key("/"), "/");
    }
}

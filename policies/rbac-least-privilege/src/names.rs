//! Naming roles in settings (`exemptRoles`, `impersonatorRoles`,
//! `protectedRoles`): an exact name or a `system:`-style prefix, of a
//! ClusterRole (`name`) or of a Role in one namespace (`namespace/name`).
//!
//! RBAC object names are case-sensitive path segments, so a pattern matches
//! byte for byte: `System:` is not `system:`. A ClusterRole and a Role of
//! the same name are different objects, which is why a bare name never
//! matches a namespaced Role: a tenant's Role named `admin` must not
//! inherit the exemption of the built-in ClusterRole `admin`.

use std::fmt;

use shared::quote::quote;

/// A role as an object or a `roleRef` identifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleId<'a> {
    Cluster(&'a str),
    Namespaced { namespace: &'a str, name: &'a str },
}

impl RoleId<'_> {
    pub fn name(&self) -> &str {
        match self {
            RoleId::Cluster(name) | RoleId::Namespaced { name, .. } => name,
        }
    }
}

impl fmt::Display for RoleId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RoleId::Cluster(name) => write!(f, "ClusterRole {}", quote(name)),
            RoleId::Namespaced { namespace, name } => {
                write!(f, "Role {} in namespace {}", quote(name), quote(namespace))
            }
        }
    }
}

/// One entry of a role list of the settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolePattern {
    /// `None`: a ClusterRole; `Some(ns)`: a Role of namespace `ns`.
    namespace: Option<String>,
    /// The exact name, or the prefix (ending in `:`).
    name: String,
}

impl RolePattern {
    /// Parses `name`, `prefix:`, `namespace/name` or `namespace/prefix:`.
    pub fn parse(text: &str) -> Result<RolePattern, String> {
        let fail = |why: &str| Err(format!("{} {why}", quote(text)));
        if text.is_empty() {
            return fail("is empty; name a role");
        }
        if text.chars().any(char::is_whitespace) {
            return fail("contains whitespace, which no role name has");
        }
        if text.contains('*') {
            return fail(
                "contains \"*\": entries are exact names or prefixes ending in \":\" (\"system:\"), never wildcards",
            );
        }
        if text.contains('%') {
            return fail("contains \"%\", which no role name has");
        }
        let (namespace, name) = match text.split_once('/') {
            None => (None, text),
            Some((namespace, name)) => {
                if namespace.is_empty() || name.is_empty() || name.contains('/') {
                    return fail("must be \"name\" (a ClusterRole) or \"namespace/name\" (a Role)");
                }
                (Some(namespace.to_string()), name)
            }
        };
        if name == "." || name == ".." || name == ":" {
            return fail("is not a role name");
        }
        Ok(RolePattern {
            namespace,
            name: name.to_string(),
        })
    }

    fn is_prefix(&self) -> bool {
        self.name.ends_with(':')
    }

    pub fn matches(&self, role: RoleId<'_>) -> bool {
        let (namespace, name) = match role {
            RoleId::Cluster(name) => (None, name),
            RoleId::Namespaced { namespace, name } => (Some(namespace), name),
        };
        if self.namespace.as_deref() != namespace || name.is_empty() {
            return false;
        }
        if self.is_prefix() {
            name.starts_with(self.name.as_str())
        } else {
            name == self.name
        }
    }
}

/// The canonical spelling, which parses back to the same pattern.
impl fmt::Display for RolePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(namespace) = &self.namespace {
            write!(f, "{namespace}/")?;
        }
        f.write_str(&self.name)
    }
}

/// Whether any pattern of `patterns` names `role`.
pub fn any_matches(patterns: &[RolePattern], role: RoleId<'_>) -> bool {
    patterns.iter().any(|p| p.matches(role))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const CLUSTER_ADMIN: RoleId<'static> = RoleId::Cluster("cluster-admin");

    #[rstest]
    #[case("cluster-admin", CLUSTER_ADMIN, true)]
    #[case("cluster-admin", RoleId::Cluster("cluster-admin2"), false)]
    #[case("Cluster-Admin", CLUSTER_ADMIN, false)]
    #[case("system:", RoleId::Cluster("system:node"), true)]
    #[case("system:", RoleId::Cluster("system"), false)]
    #[case("system:", RoleId::Cluster("System:node"), false)]
    #[case("system:controller:", RoleId::Cluster("system:controller:x"), true)]
    #[case("system:controller:", RoleId::Cluster("system:node"), false)]
    #[case("admin", RoleId::Namespaced { namespace: "vdi", name: "admin" }, false)]
    #[case("vdi/admin", RoleId::Namespaced { namespace: "vdi", name: "admin" }, true)]
    #[case("vdi/admin", RoleId::Namespaced { namespace: "other", name: "admin" }, false)]
    #[case("vdi/admin", RoleId::Cluster("admin"), false)]
    #[case("vdi/qlkube:", RoleId::Namespaced { namespace: "vdi", name: "qlkube:reader" }, true)]
    fn patterns_match_exactly_or_by_prefix(
        #[case] pattern: &str,
        #[case] role: RoleId<'_>,
        #[case] expected: bool,
    ) {
        assert_eq!(RolePattern::parse(pattern).unwrap().matches(role), expected);
    }

    #[rstest]
    #[case("", "is empty")]
    #[case("*", "never wildcards")]
    #[case("system:*", "never wildcards")]
    #[case("cluster admin", "whitespace")]
    #[case("/admin", "namespace/name")]
    #[case("vdi/", "namespace/name")]
    #[case("a/b/c", "namespace/name")]
    #[case(":", "not a role name")]
    #[case("..", "not a role name")]
    #[case("a%2Fb", "\"%\"")]
    fn bad_patterns_say_why(#[case] pattern: &str, #[case] fragment: &str) {
        let err = RolePattern::parse(pattern).unwrap_err();
        assert!(err.contains(fragment), "{err}");
    }

    #[test]
    fn nothing_matches_a_role_without_a_name() {
        let p = RolePattern::parse("system:").unwrap();
        assert!(!p.matches(RoleId::Cluster("")));
    }

    #[test]
    fn roles_display_their_kind_and_namespace() {
        assert_eq!(CLUSTER_ADMIN.to_string(), r#"ClusterRole "cluster-admin""#);
        let role = RoleId::Namespaced {
            namespace: "vdi",
            name: "reader",
        };
        assert_eq!(role.to_string(), r#"Role "reader" in namespace "vdi""#);
    }
}

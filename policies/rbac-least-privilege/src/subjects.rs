//! Who a binding subject is, compared as the RBAC authorizer compares it
//! (`appliesToUser` in `pkg/registry/rbac/validation/rule.go`): a `User`
//! subject matches the username, a `Group` subject one of the groups, and
//! a `ServiceAccount` subject the username
//! `system:serviceaccount:<namespace>:<name>`. So `ServiceAccount
//! vdi-system/vdi-operator` and `User system:serviceaccount:vdi-system:vdi-operator`
//! are one identity, and both spellings of it match each other here.

use std::fmt;

use shared::quote::quote;

/// The username prefix of ServiceAccounts.
pub const SERVICE_ACCOUNT_USER_PREFIX: &str = "system:serviceaccount:";

/// A subject as the authorizer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    User(String),
    Group(String),
}

impl Identity {
    pub fn service_account(namespace: &str, name: &str) -> Identity {
        Identity::User(format!("{SERVICE_ACCOUNT_USER_PREFIX}{namespace}:{name}"))
    }

    pub fn name(&self) -> &str {
        match self {
            Identity::User(name) | Identity::Group(name) => name,
        }
    }

    /// The settings spelling (`User:<name>`, `Group:<name>`,
    /// `ServiceAccount:<namespace>:<name>`), for messages.
    pub fn setting(&self) -> String {
        match self {
            Identity::User(name) => match service_account_of(name) {
                Some((namespace, sa)) => format!("ServiceAccount:{namespace}:{sa}"),
                None => format!("User:{name}"),
            },
            Identity::Group(name) => format!("Group:{name}"),
        }
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Identity::User(name) => match service_account_of(name) {
                Some((namespace, sa)) => {
                    write!(f, "ServiceAccount {}", quote(&format!("{namespace}/{sa}")))
                }
                None => write!(f, "User {}", quote(name)),
            },
            Identity::Group(name) => write!(f, "Group {}", quote(name)),
        }
    }
}

/// `(namespace, name)` of a ServiceAccount username.
fn service_account_of(username: &str) -> Option<(&str, &str)> {
    username
        .strip_prefix(SERVICE_ACCOUNT_USER_PREFIX)?
        .split_once(':')
        .filter(|(ns, name)| !ns.is_empty() && !name.is_empty() && !name.contains(':'))
}

/// The names that stand for everyone (or every request without
/// credentials), whether the authenticator makes them a group, and what
/// binding them means. Every authenticated request is in the group
/// `system:authenticated`; every anonymous one is the user
/// `system:anonymous` in the group `system:unauthenticated`.
pub const EVERYONE: &[(&str, bool, &str)] = &[
    (
        "system:anonymous",
        false,
        "the user of every request without credentials",
    ),
    (
        "system:unauthenticated",
        true,
        "the group of every request without credentials",
    ),
    (
        "system:authenticated",
        true,
        "the group of every authenticated user, every OIDC user of the dashboard included",
    ),
];

/// What binding `name` means, when it is one of [`EVERYONE`].
pub fn everyone(name: &str) -> Option<&'static str> {
    EVERYONE
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, _, why)| *why)
}

/// When `identity` names one of [`EVERYONE`] with the other kind (a Group
/// `system:anonymous`), the kind it really is: such a subject matches no
/// one, but reads as everyone.
pub fn wrong_kind(identity: &Identity) -> Option<&'static str> {
    let (name, is_group) = match identity {
        Identity::User(name) => (name, false),
        Identity::Group(name) => (name, true),
    };
    EVERYONE
        .iter()
        .find(|(n, group, _)| n == name && *group != is_group)
        .map(|(_, group, _)| if *group { "Group" } else { "User" })
}

/// Parses an `allowedBindingSubjects` entry: `User:<name>`,
/// `Group:<name>` or `ServiceAccount:<namespace>:<name>` (kubectl's
/// `--serviceaccount` spelling).
pub fn parse_setting(text: &str) -> Result<Identity, String> {
    let fail = |why: &str| {
        Err(format!(
            "{} {why}; write \"User:<name>\", \"Group:<name>\" or \"ServiceAccount:<namespace>:<name>\"",
            quote(text)
        ))
    };
    let Some((kind, rest)) = text.split_once(':') else {
        return fail("names no subject kind");
    };
    if rest.is_empty() {
        return fail("has no name");
    }
    if rest.trim() != rest {
        return fail("has whitespace around the name, which would be part of it");
    }
    let identity = match kind {
        "User" => Identity::User(rest.to_string()),
        "Group" => Identity::Group(rest.to_string()),
        "ServiceAccount" => match rest.split_once(':') {
            Some((ns, name))
                if !ns.is_empty()
                    && !name.is_empty()
                    && !name.contains(':')
                    && !rest.chars().any(|c| c.is_whitespace() || c == '/') =>
            {
                Identity::service_account(ns, name)
            }
            _ => return fail("is not a ServiceAccount namespace and name"),
        },
        other
            if ["User", "Group", "ServiceAccount"]
                .iter()
                .any(|k| k.eq_ignore_ascii_case(other)) =>
        {
            return fail("spells the kind in the wrong case: subject kinds are case-sensitive");
        }
        _ => return fail("has an unknown subject kind"),
    };
    if let Some(why) = everyone(identity.name()) {
        return Err(format!(
            "{} is {why}: allowing it would let everyone hold the protected roles",
            quote(text)
        ));
    }
    if identity == Identity::Group("system:serviceaccounts".into()) {
        return Err(format!(
            "{} is every ServiceAccount of the cluster: allowing it would let every pod's token hold the protected roles",
            quote(text)
        ));
    }
    Ok(identity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("Group:system:masters", Identity::Group("system:masters".into()))]
    #[case("User:oidc:alice", Identity::User("oidc:alice".into()))]
    #[case(
        "ServiceAccount:kube-system:helm-traefik",
        Identity::service_account("kube-system", "helm-traefik")
    )]
    #[case(
        "User:system:serviceaccount:kube-system:helm-traefik",
        Identity::service_account("kube-system", "helm-traefik")
    )]
    fn settings_spellings_parse_to_one_identity(#[case] text: &str, #[case] expected: Identity) {
        assert_eq!(parse_setting(text).unwrap(), expected);
    }

    #[rstest]
    #[case("system:masters", "unknown subject kind")]
    #[case("masters", "names no subject kind")]
    #[case("group:system:masters", "wrong case")]
    #[case("Group:", "has no name")]
    #[case("Group: system:masters", "whitespace")]
    #[case("ServiceAccount:kube-system", "namespace and name")]
    #[case("ServiceAccount:kube-system/helm", "namespace and name")]
    #[case("ServiceAccount::helm", "namespace and name")]
    #[case("Group:system:authenticated", "everyone")]
    #[case("Group:system:unauthenticated", "everyone")]
    #[case("User:system:anonymous", "everyone")]
    #[case("Group:system:serviceaccounts", "every ServiceAccount")]
    fn bad_settings_subjects_say_why(#[case] text: &str, #[case] fragment: &str) {
        let err = parse_setting(text).unwrap_err();
        assert!(err.contains(fragment), "{err}");
    }

    #[test]
    fn everyone_names_and_their_kinds() {
        assert!(everyone("system:authenticated").is_some());
        assert!(everyone("System:authenticated").is_none());
        assert_eq!(
            wrong_kind(&Identity::Group("system:anonymous".into())),
            Some("User")
        );
        assert_eq!(
            wrong_kind(&Identity::User("system:authenticated".into())),
            Some("Group")
        );
        assert_eq!(
            wrong_kind(&Identity::Group("system:authenticated".into())),
            None
        );
        assert_eq!(wrong_kind(&Identity::User("oidc:bob".into())), None);
    }

    #[test]
    fn service_accounts_display_as_service_accounts() {
        assert_eq!(
            Identity::service_account("vdi-system", "vdi-operator").to_string(),
            r#"ServiceAccount "vdi-system/vdi-operator""#
        );
        assert_eq!(
            Identity::User("oidc:bob".into()).to_string(),
            r#"User "oidc:bob""#
        );
        assert_eq!(Identity::Group("g".into()).setting(), "Group:g");
        assert_eq!(
            Identity::service_account("kube-system", "helm").setting(),
            "ServiceAccount:kube-system:helm"
        );
    }
}

//! Who is asking: which VDI user a requester is, whether it is privileged,
//! and the name rules a VDI user and an object name follow.
//!
//! The dashboard impersonates the OIDC user, so the API server reports the
//! user as `<usernamePrefix><name>` (for example `oidc:alice`). Only the part
//! after the prefix names a VDI user, and only when the prefix is there: a
//! local account or ServiceAccount called `alice` is not the OIDC user
//! `alice`. Names are compared exactly; folding case would merge distinct
//! identities of the identity provider.

use std::collections::BTreeSet;

use crate::quote::quote;
use crate::request::UserInfo;

/// The VDI operator reconciles sessions and templates, so the policies that
/// name privileged requesters privilege it unless their settings say otherwise.
pub const OPERATOR_SERVICE_ACCOUNT: &str = "system:serviceaccount:vdi-system:vdi-operator";

/// Groups that every (or every unauthenticated, or every ServiceAccount)
/// requester belongs to: naming one as privileged would switch a policy off.
pub const CATCH_ALL_GROUPS: &[&str] = &[
    "system:authenticated",
    "system:unauthenticated",
    "system:serviceaccounts",
];

/// The default `privilegedUsers`: the operator alone.
pub fn default_privileged_users() -> BTreeSet<String> {
    BTreeSet::from([OPERATOR_SERVICE_ACCOUNT.to_string()])
}

/// Settings that say who is privileged and how usernames name VDI users.
pub trait Privileges {
    /// The prefix the API server puts on OIDC usernames (may be empty).
    fn username_prefix(&self) -> &str;
    fn privileged_users(&self) -> &BTreeSet<String>;
    fn privileged_groups(&self) -> &BTreeSet<String>;

    /// The settings checks every policy with privileged requesters makes:
    /// no empty names, no catch-all group, no whitespace in the prefix.
    fn check_privileges(&self) -> Result<(), String> {
        if self.privileged_users().iter().any(|u| u.trim().is_empty()) {
            return Err("privilegedUsers must not contain an empty username".into());
        }
        if self.privileged_groups().iter().any(|g| g.trim().is_empty()) {
            return Err("privilegedGroups must not contain an empty group".into());
        }
        if let Some(group) = self
            .privileged_groups()
            .iter()
            .find(|g| CATCH_ALL_GROUPS.contains(&g.as_str()))
        {
            return Err(format!(
                "privilegedGroups must not contain {group:?}: every such requester would be privileged and the policy would check nothing"
            ));
        }
        if self.username_prefix().chars().any(char::is_whitespace) {
            return Err(format!(
                "usernamePrefix {:?} must not contain whitespace",
                self.username_prefix()
            ));
        }
        Ok(())
    }
}

/// The requester as a policy sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester<'a> {
    pub username: &'a str,
    /// The VDI user this requester is, if any.
    pub vdi_user: Option<&'a str>,
    /// A privileged requester may act on every session.
    pub privileged: bool,
    prefix: &'a str,
}

impl<'a> Requester<'a> {
    pub fn new(info: &'a UserInfo<'_>, settings: &'a impl Privileges) -> Self {
        let username = info.username.as_ref();
        let prefix = settings.username_prefix();
        Requester {
            username,
            vdi_user: username
                .strip_prefix(prefix)
                .filter(|user| !user.is_empty()),
            privileged: info.is_any_of(settings.privileged_users(), settings.privileged_groups()),
            prefix,
        }
    }

    /// True when the requester is the VDI user `user`.
    pub fn owns(&self, user: &str) -> bool {
        self.vdi_user == Some(user)
    }

    /// True when the requester may act on a session of `user`.
    pub fn may_act_for(&self, user: &str) -> bool {
        self.privileged || self.owns(user)
    }

    /// `"oidc:alice" (VDI user "alice")`, or why this requester is no VDI
    /// user and so owns no session or route; names quoted shortened.
    pub fn describe(&self) -> String {
        let name = quote(self.username);
        match self.vdi_user {
            Some(user) => format!("{name} (VDI user {})", quote(user)),
            None if self.prefix.is_empty() => format!("{name} (no VDI user)"),
            None => format!(
                "{name}, which owns no sessions (only usernames starting with {} name a VDI user)",
                quote(self.prefix)
            ),
        }
    }
}

/// Why `name` is not an RFC 1123 DNS label, if it is not one. A VDI user
/// name ends up in `Host(`{user}.vdi.example.com`)` routes and object
/// names, so anything else could break out of the rule or collide with
/// another host.
pub fn dns_label_problem(name: &str) -> Option<&'static str> {
    let bytes = name.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return Some("it is empty");
    };
    if bytes.len() > 63 {
        return Some("it is longer than 63 characters");
    }
    if let Some(c) = bytes
        .iter()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || **c == b'-'))
    {
        return Some(if c.is_ascii_uppercase() {
            "it contains an uppercase letter"
        } else {
            "it contains a character other than a-z, 0-9 and '-'"
        });
    }
    if *first == b'-' || *last == b'-' {
        return Some("it starts or ends with '-'");
    }
    None
}

/// The longest Kubernetes object name (an RFC 1123 subdomain).
pub const MAX_OBJECT_NAME: usize = 253;

/// Why `name` is not an RFC 1123 subdomain, the rule for most object names.
pub fn subdomain_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("it is empty");
    }
    if name.len() > MAX_OBJECT_NAME {
        return Some("it is too long");
    }
    for label in name.split('.') {
        let bytes = label.as_bytes();
        let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
            return Some("it has an empty part between dots");
        };
        if let Some(c) = bytes
            .iter()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || **c == b'-'))
        {
            return Some(if c.is_ascii_uppercase() {
                "it contains an uppercase letter"
            } else {
                "it contains a character other than a-z, 0-9, '-' and '.'"
            });
        }
        if *first == b'-' || *last == b'-' {
            return Some("a part starts or ends with '-'");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use std::borrow::Cow;

    struct Settings {
        prefix: String,
        users: BTreeSet<String>,
        groups: BTreeSet<String>,
    }

    impl Privileges for Settings {
        fn username_prefix(&self) -> &str {
            &self.prefix
        }
        fn privileged_users(&self) -> &BTreeSet<String> {
            &self.users
        }
        fn privileged_groups(&self) -> &BTreeSet<String> {
            &self.groups
        }
    }

    fn settings(prefix: &str) -> Settings {
        Settings {
            prefix: prefix.into(),
            users: default_privileged_users(),
            groups: ["vdi-admins".to_string()].into(),
        }
    }

    fn info(username: &str, groups: &[&'static str]) -> UserInfo<'static> {
        UserInfo {
            username: Cow::Owned(username.into()),
            groups: groups.iter().map(|g| Cow::Borrowed(*g)).collect(),
        }
    }

    #[rstest]
    #[case::prefixed("oidc:", "oidc:alice", Some("alice"))]
    #[case::missing_prefix("oidc:", "alice", None)]
    #[case::prefix_only("oidc:", "oidc:", None)]
    #[case::other_prefix("oidc:", "ldap:alice", None)]
    #[case::prefix_is_case_sensitive("oidc:", "OIDC:alice", None)]
    #[case::no_prefix_configured("", "alice", Some("alice"))]
    #[case::no_prefix_keeps_colons("", "oidc:alice", Some("oidc:alice"))]
    #[case::empty_username("", "", None)]
    fn vdi_user_is_the_username_minus_the_prefix(
        #[case] prefix: &str,
        #[case] username: &str,
        #[case] expected: Option<&str>,
    ) {
        let s = settings(prefix);
        let i = info(username, &[]);
        let r = Requester::new(&i, &s);
        assert_eq!(r.vdi_user, expected);
        assert!(!r.privileged);
        assert_eq!(r.owns("alice"), expected == Some("alice"));
    }

    #[rstest]
    #[case::operator(OPERATOR_SERVICE_ACCOUNT, &[], true)]
    #[case::admin_group("oidc:carol", &["system:authenticated", "vdi-admins"], true)]
    #[case::plain_user("oidc:alice", &["system:authenticated", "vdi-users"], false)]
    #[case::lookalike_account("system:serviceaccount:vdi:vdi-operator", &[], false)]
    fn privilege_comes_from_settings(
        #[case] username: &str,
        #[case] groups: &[&'static str],
        #[case] privileged: bool,
    ) {
        let s = settings("oidc:");
        let i = info(username, groups);
        let r = Requester::new(&i, &s);
        assert_eq!(r.privileged, privileged);
        assert_eq!(r.may_act_for("bob"), privileged);
    }

    #[test]
    fn descriptions_explain_ownership() {
        let s = settings("oidc:");
        let alice = info("oidc:alice", &[]);
        assert_eq!(
            Requester::new(&alice, &s).describe(),
            r#""oidc:alice" (VDI user "alice")"#
        );
        let bare = info("alice", &[]);
        assert!(Requester::new(&bare, &s).describe().contains(
            r#"owns no sessions (only usernames starting with "oidc:" name a VDI user)"#
        ));
    }

    #[rstest]
    #[case("alice")]
    #[case("a")]
    #[case("0")]
    #[case("alice-smith-2")]
    #[case("x23456789012345678901234567890123456789012345678901234567890123")]
    fn dns_labels_pass(#[case] name: &str) {
        assert_eq!(dns_label_problem(name), None);
    }

    #[rstest]
    #[case::empty("", "empty")]
    #[case::too_long(
        "x234567890123456789012345678901234567890123456789012345678901234",
        "longer than 63"
    )]
    #[case::uppercase("Alice", "uppercase")]
    #[case::dotted("alice.evil", "other than a-z")]
    #[case::backtick("alice`) || Host(`evil", "other than a-z")]
    #[case::pipes("alice||bob", "other than a-z")]
    #[case::space("alice bob", "other than a-z")]
    #[case::underscore("alice_b", "other than a-z")]
    #[case::unicode("al\u{0131}ce", "other than a-z")]
    #[case::leading_dash("-alice", "starts or ends")]
    #[case::trailing_dash("alice-", "starts or ends")]
    #[case::colon("oidc:alice", "other than a-z")]
    fn non_labels_are_named(#[case] name: &str, #[case] fragment: &str) {
        let problem = dns_label_problem(name).expect("must be refused");
        assert!(problem.contains(fragment), "{problem}");
    }
}

//! Who is asking, and which VDI user that makes them — the same rules as
//! session-ownership: the API server reports an OIDC user as
//! `<usernamePrefix><name>` (`oidc:alice`), only the part after the prefix
//! names a VDI user, and only when the prefix is there. Names are compared
//! exactly.

use shared::request::UserInfo;

use crate::settings::Settings;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester<'a> {
    pub username: &'a str,
    /// The VDI user this requester is, if any.
    pub vdi_user: Option<&'a str>,
    /// A privileged requester may publish every user's session route.
    pub privileged: bool,
    prefix: &'a str,
}

impl<'a> Requester<'a> {
    pub fn new(info: &'a UserInfo<'_>, settings: &'a Settings) -> Self {
        let username = info.username.as_ref();
        Requester {
            username,
            vdi_user: username
                .strip_prefix(settings.username_prefix.as_str())
                .filter(|user| !user.is_empty()),
            privileged: info.is_any_of(&settings.privileged_users, &settings.privileged_groups),
            prefix: &settings.username_prefix,
        }
    }

    /// True when the requester may act on a session route of `user`.
    pub fn may_act_for(&self, user: &str) -> bool {
        self.privileged || self.vdi_user == Some(user)
    }

    /// `"oidc:alice" (VDI user "alice")`, or why this requester owns nothing.
    pub fn describe(&self) -> String {
        let name = shared::quote::quote(self.username);
        match self.vdi_user {
            Some(user) => format!("{name} (VDI user {})", shared::quote::quote(user)),
            None if self.prefix.is_empty() => format!("{name} (no VDI user)"),
            None => format!(
                "{name}, which is no VDI user (only usernames starting with {:?} are)",
                self.prefix
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use std::borrow::Cow;

    fn info(username: &str, groups: &[&'static str]) -> UserInfo<'static> {
        UserInfo {
            username: Cow::Owned(username.into()),
            groups: groups.iter().map(|g| Cow::Borrowed(*g)).collect(),
        }
    }

    fn settings(prefix: &str) -> Settings {
        Settings {
            username_prefix: prefix.into(),
            privileged_groups: ["vdi-admins".to_string()].into(),
            ..Settings::default()
        }
    }

    #[rstest]
    #[case::prefixed("oidc:", "oidc:alice", &[], Some("alice"), false)]
    #[case::missing_prefix("oidc:", "alice", &[], None, false)]
    #[case::prefix_only("oidc:", "oidc:", &[], None, false)]
    #[case::case_sensitive("oidc:", "OIDC:alice", &[], None, false)]
    #[case::no_prefix("", "alice", &[], Some("alice"), false)]
    #[case::operator("oidc:", crate::settings::OPERATOR_SERVICE_ACCOUNT, &[], None, true)]
    #[case::admin_group("oidc:", "oidc:carol", &["vdi-admins"], Some("carol"), true)]
    fn requesters(
        #[case] prefix: &str,
        #[case] username: &str,
        #[case] groups: &[&'static str],
        #[case] user: Option<&str>,
        #[case] privileged: bool,
    ) {
        let s = settings(prefix);
        let i = info(username, groups);
        let r = Requester::new(&i, &s);
        assert_eq!(r.vdi_user, user);
        assert_eq!(r.privileged, privileged);
        assert_eq!(r.may_act_for("alice"), privileged || user == Some("alice"));
        assert!(!r.may_act_for("bob") || privileged);
    }

    #[test]
    fn descriptions_explain_ownership() {
        let s = settings("oidc:");
        let bob = info("oidc:bob", &[]);
        assert_eq!(
            Requester::new(&bob, &s).describe(),
            r#""oidc:bob" (VDI user "bob")"#
        );
        let bare = info("bob", &[]);
        assert!(
            Requester::new(&bare, &s)
                .describe()
                .contains("is no VDI user")
        );
    }
}

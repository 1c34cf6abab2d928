//! Who is asking, and which VDI user that makes them: the shared rules
//! (`shared::identity`, as in session-ownership), with this policy's
//! settings as the privileges.

pub use shared::identity::Requester;

use std::collections::BTreeSet;

use shared::identity::Privileges;

use crate::settings::Settings;

impl Privileges for Settings {
    fn username_prefix(&self) -> &str {
        &self.username_prefix
    }

    fn privileged_users(&self) -> &BTreeSet<String> {
        &self.privileged_users
    }

    fn privileged_groups(&self) -> &BTreeSet<String> {
        &self.privileged_groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use shared::request::UserInfo;
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
                .contains("owns no sessions")
        );
    }
}

//! Settings: who is privileged, how usernames map to VDI users, and how long
//! a session may run.

use std::collections::BTreeSet;

use serde::Deserialize;
use shared::duration::Duration;
use shared::identity::Privileges;
use shared::settings::PolicySettings;

pub use shared::identity::OPERATOR_SERVICE_ACCOUNT;

#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Settings {
    /// The prefix the API server puts on OIDC usernames (`--oidc-username-prefix`,
    /// e.g. `oidc:`). A requester owns the VDI user named by the rest of its
    /// username; a username without the prefix owns no session. Empty means
    /// usernames are compared as they are.
    pub username_prefix: String,
    /// Usernames that may act on every session (exact match).
    pub privileged_users: BTreeSet<String>,
    /// Groups whose members may act on every session.
    pub privileged_groups: BTreeSet<String>,
    /// The longest `spec.timeout` a session may ask for.
    pub max_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            username_prefix: String::new(),
            privileged_users: shared::identity::default_privileged_users(),
            privileged_groups: BTreeSet::new(),
            max_timeout: Duration::from_hours(12),
        }
    }
}

impl PolicySettings for Settings {
    fn validate(&self) -> Result<(), String> {
        if !self.max_timeout.is_positive() {
            return Err(format!(
                "maxTimeout must be a positive Go duration such as \"12h\", not {}",
                self.max_timeout
            ));
        }
        self.check_privileges()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use shared::settings::check;

    #[test]
    fn defaults_follow_the_design() {
        let s: Settings = check(b"{}").unwrap();
        assert_eq!(s.username_prefix, "");
        assert!(s.privileged_users.contains(OPERATOR_SERVICE_ACCOUNT));
        assert_eq!(s.privileged_users.len(), 1);
        assert!(s.privileged_groups.is_empty());
        assert_eq!(s.max_timeout.to_string(), "12h0m0s");
    }

    #[test]
    fn full_settings_decode() {
        let s: Settings = check(
            br#"{"usernamePrefix":"oidc:","privilegedUsers":["admin"],
                 "privilegedGroups":["vdi-admins"],"maxTimeout":"8h30m"}"#,
        )
        .unwrap();
        assert_eq!(s.username_prefix, "oidc:");
        assert_eq!(
            s.privileged_users.iter().collect::<Vec<_>>(),
            ["admin"],
            "a configured list replaces the default"
        );
        assert!(s.privileged_groups.contains("vdi-admins"));
        assert_eq!(s.max_timeout.to_string(), "8h30m0s");
    }

    #[rstest]
    #[case::typo(r#"{"maxTimout":"1h"}"#, "unknown field `maxTimout`")]
    #[case::not_a_duration(r#"{"maxTimeout":"12 hours"}"#, "unknown unit")]
    #[case::days(r#"{"maxTimeout":"1d"}"#, "unknown unit \"d\"")]
    #[case::number(r#"{"maxTimeout":43200}"#, "invalid type: integer")]
    #[case::zero(r#"{"maxTimeout":"0s"}"#, "maxTimeout must be a positive Go duration")]
    #[case::negative(r#"{"maxTimeout":"-1h"}"#, "maxTimeout must be a positive Go duration")]
    #[case::empty_user(
        r#"{"privilegedUsers":[""]}"#,
        "privilegedUsers must not contain an empty"
    )]
    #[case::empty_group(
        r#"{"privilegedGroups":[" "]}"#,
        "privilegedGroups must not contain an empty"
    )]
    #[case::everyone(
        r#"{"privilegedGroups":["system:authenticated"]}"#,
        "must not contain \"system:authenticated\""
    )]
    #[case::all_service_accounts(
        r#"{"privilegedGroups":["system:serviceaccounts"]}"#,
        "policy would check nothing"
    )]
    #[case::prefix_space(
        r#"{"usernamePrefix":"oidc: "}"#,
        "usernamePrefix \"oidc: \" must not contain whitespace"
    )]
    #[case::users_not_list(r#"{"privilegedUsers":"admin"}"#, "invalid type: string")]
    fn invalid_settings_name_the_field(#[case] json: &str, #[case] fragment: &str) {
        let err = check::<Settings>(json.as_bytes()).unwrap_err();
        assert!(err.contains(fragment), "{err}");
    }
}

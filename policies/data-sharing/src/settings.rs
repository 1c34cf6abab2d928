//! Settings: which templates may share on which channel, and who may change
//! the sharing of an existing template.

use std::collections::BTreeSet;

use serde::Deserialize;
use shared::identity::{MAX_OBJECT_NAME as MAX_NAME, Privileges, subdomain_problem};
use shared::request::UserInfo;
use shared::settings::PolicySettings;
use shared::views::nullable;

use crate::sharing::Channel;

pub use shared::identity::OPERATOR_SERVICE_ACCOUNT;

#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Settings {
    /// Per channel, the templates that may turn it on.
    #[serde(deserialize_with = "nullable")]
    pub allow_sharing: AllowSharing,
    /// Usernames (exact match) that may change the sharing of an existing
    /// template.
    #[serde(deserialize_with = "nullable")]
    pub privileged_users: BTreeSet<String>,
    /// Groups whose members may change the sharing of an existing template.
    #[serde(deserialize_with = "nullable")]
    pub privileged_groups: BTreeSet<String>,
}

/// `{clipboard: [names], drives: [names]}`. Only the channels the policy
/// knows are keys: a misspelt or unknown channel is a settings error, never
/// a silently ignored allowance. An object only: serde would otherwise read
/// `[[...], [...]]` positionally as `{clipboard, drives}`.
#[derive(Deserialize, Debug, Clone, Default, PartialEq, Eq)]
#[serde(remote = "Self", default, deny_unknown_fields)]
pub struct AllowSharing {
    #[serde(deserialize_with = "nullable")]
    pub clipboard: BTreeSet<String>,
    #[serde(deserialize_with = "nullable")]
    pub drives: BTreeSet<String>,
}

shared::map_only!(AllowSharing);

impl AllowSharing {
    /// The templates listed for `channel`.
    pub fn listed(&self, channel: Channel) -> &BTreeSet<String> {
        match channel {
            Channel::Clipboard => &self.clipboard,
            Channel::Drives => &self.drives,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            allow_sharing: AllowSharing::default(),
            privileged_users: shared::identity::default_privileged_users(),
            privileged_groups: BTreeSet::new(),
        }
    }
}

impl Settings {
    /// Whether the template `name` may turn `channel` on.
    pub fn allows(&self, channel: Channel, name: &str) -> bool {
        self.allow_sharing.listed(channel).contains(name)
    }

    /// Whether the requester may change the sharing of a stored template.
    pub fn is_privileged(&self, user: &UserInfo<'_>) -> bool {
        user.is_any_of(&self.privileged_users, &self.privileged_groups)
    }
}

/// data-sharing has no VDI users, only privileged requesters.
impl Privileges for Settings {
    fn username_prefix(&self) -> &str {
        ""
    }

    fn privileged_users(&self) -> &BTreeSet<String> {
        &self.privileged_users
    }

    fn privileged_groups(&self) -> &BTreeSet<String> {
        &self.privileged_groups
    }
}

impl PolicySettings for Settings {
    fn validate(&self) -> Result<(), String> {
        for channel in Channel::ALL {
            for name in self.allow_sharing.listed(channel) {
                check_template_name(channel, name)?;
            }
        }
        self.check_privileges()?;
        Ok(())
    }
}

/// `VDITemplate` is cluster-scoped, so an entry is a bare object name. An
/// entry that no object can be named (a namespace prefix, uppercase, a
/// glob) would never match, which hides a typo; it is refused at load.
fn check_template_name(channel: Channel, name: &str) -> Result<(), String> {
    let field = format!("allowSharing.{}", channel.key());
    if name.contains('/') {
        return Err(format!(
            "{field} entry {name:?} contains '/': VDITemplate is cluster-scoped, so list the template by its name alone"
        ));
    }
    if let Some(problem) = subdomain_problem(name) {
        return Err(format!(
            "{field} entry {name:?} is not a VDITemplate name ({problem}): names are lowercase RFC 1123 subdomains of at most {MAX_NAME} characters (a-z, 0-9, '-' and '.', starting and ending with a letter or digit); there are no wildcards"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use shared::settings::check;

    #[test]
    fn defaults_allow_nothing_and_privilege_the_operator() {
        let s: Settings = check(b"{}").unwrap();
        assert!(s.allow_sharing.clipboard.is_empty());
        assert!(s.allow_sharing.drives.is_empty());
        assert_eq!(
            s.privileged_users.iter().collect::<Vec<_>>(),
            [OPERATOR_SERVICE_ACCOUNT]
        );
        assert!(s.privileged_groups.is_empty());
    }

    #[test]
    fn full_settings_decode() {
        let s: Settings = check(
            br#"{"allowSharing":{"clipboard":["design-tools","cad.workstation"],"drives":["data-science"]},
                 "privilegedUsers":["admin"],"privilegedGroups":["oidc:vdi-admins"]}"#,
        )
        .unwrap();
        assert!(s.allows(Channel::Clipboard, "design-tools"));
        assert!(s.allows(Channel::Clipboard, "cad.workstation"));
        assert!(!s.allows(Channel::Drives, "design-tools"));
        assert!(s.allows(Channel::Drives, "data-science"));
        assert_eq!(
            s.privileged_users.iter().collect::<Vec<_>>(),
            ["admin"],
            "a configured list replaces the default"
        );
    }

    #[test]
    fn null_means_unset() {
        let s: Settings =
            check(br#"{"allowSharing":{"clipboard":null},"privilegedGroups":null}"#).unwrap();
        assert!(s.allow_sharing.clipboard.is_empty());
        let s: Settings = check(br#"{"allowSharing":null}"#).unwrap();
        assert_eq!(s.allow_sharing, AllowSharing::default());
    }

    #[rstest]
    #[case::typo(r#"{"allowSharings":{}}"#, "unknown field `allowSharings`")]
    #[case::unknown_channel(
        r#"{"allowSharing":{"printing":["x"]}}"#,
        "unknown field `printing`, expected `clipboard` or `drives`"
    )]
    #[case::misspelt_channel(
        r#"{"allowSharing":{"clipbaord":["x"]}}"#,
        "unknown field `clipbaord`"
    )]
    #[case::namespaced(
        r#"{"allowSharing":{"clipboard":["vdi/design-tools"]}}"#,
        "allowSharing.clipboard entry \"vdi/design-tools\" contains '/': VDITemplate is cluster-scoped"
    )]
    #[case::uppercase(
        r#"{"allowSharing":{"drives":["Design"]}}"#,
        "allowSharing.drives entry \"Design\" is not a VDITemplate name (it contains an uppercase letter)"
    )]
    #[case::glob(r#"{"allowSharing":{"drives":["*"]}}"#, "there are no wildcards")]
    #[case::empty_name(r#"{"allowSharing":{"clipboard":[""]}}"#, "(it is empty)")]
    #[case::leading_dash(r#"{"allowSharing":{"clipboard":["-x"]}}"#, "starts or ends with '-'")]
    #[case::double_dot(
        r#"{"allowSharing":{"clipboard":["a..b"]}}"#,
        "empty part between dots"
    )]
    #[case::too_long(
        &format!(r#"{{"allowSharing":{{"clipboard":["{}"]}}}}"#, "a".repeat(254)),
        "it is too long"
    )]
    #[case::not_a_list(
        r#"{"allowSharing":{"clipboard":"design-tools"}}"#,
        "invalid type: string"
    )]
    #[case::not_a_map(
        r#"{"allowSharing":["design-tools"]}"#,
        "invalid type: sequence, expected an object"
    )]
    #[case::positional(
        r#"{"allowSharing":[["design-tools"],[]]}"#,
        "invalid type: sequence, expected an object"
    )]
    #[case::empty_user(
        r#"{"privilegedUsers":[" "]}"#,
        "privilegedUsers must not contain an empty"
    )]
    #[case::empty_group(
        r#"{"privilegedGroups":[""]}"#,
        "privilegedGroups must not contain an empty"
    )]
    #[case::everyone(
        r#"{"privilegedGroups":["system:authenticated"]}"#,
        "must not contain \"system:authenticated\""
    )]
    #[case::all_service_accounts(
        r#"{"privilegedGroups":["system:serviceaccounts"]}"#,
        "every such requester would be privileged"
    )]
    fn invalid_settings_name_the_field(#[case] json: &str, #[case] fragment: &str) {
        let err = check::<Settings>(json.as_bytes()).unwrap_err();
        assert!(err.contains(fragment), "{err}");
    }

    #[rstest]
    #[case("design-tools")]
    #[case("a")]
    #[case("0")]
    #[case("cad.workstation-2")]
    #[case(&"a".repeat(253))]
    fn valid_names_load(#[case] name: &str) {
        let json = format!(r#"{{"allowSharing":{{"clipboard":["{name}"]}}}}"#);
        assert!(check::<Settings>(json.as_bytes()).is_ok(), "{name}");
    }
}

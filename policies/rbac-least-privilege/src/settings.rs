//! Settings: which roles are exempt or may impersonate, which verbs and
//! grants are refused, who the aggregation controller is, and who may hold
//! the protected roles.
//!
//! The lists are kept as the strings the user wrote and parsed by
//! [`Settings::compile`], which `validate_settings` runs when the policy
//! loads (so a bad entry stops the policy, naming the field and index) and
//! each request runs again (so a request never sees unchecked settings).

use serde::Deserialize;
use shared::quote::quote;
use shared::settings::PolicySettings;

use crate::grants::{DEFAULT_SENSITIVE_GRANTS, Grant};
use crate::names::RolePattern;
use crate::subjects::{Identity, parse_setting};

/// The user the kube-controller-manager's aggregation controller writes
/// aggregated ClusterRoles as (with `--use-service-account-credentials`,
/// which K3s and kubeadm set).
pub const AGGREGATION_CONTROLLER: &str =
    "system:serviceaccount:kube-system:clusterrole-aggregation-controller";

/// The roles Kubernetes itself creates and reconciles at every API server
/// start: `cluster-admin` (which is `*` on everything by design), the
/// user-facing aggregated roles and every `system:` role.
pub const DEFAULT_EXEMPT_ROLES: &[&str] = &["cluster-admin", "admin", "edit", "view", "system:"];

/// The verbs that let a holder exceed its own grant: `escalate` writes
/// roles with permissions the writer lacks, `bind` binds them.
pub const DEFAULT_DENIED_VERBS: &[&str] = &["escalate", "bind"];

/// Who `cluster-admin` is bound to out of the box (`system:masters`, the
/// group of the cluster's admin credentials).
pub const DEFAULT_ALLOWED_BINDING_SUBJECTS: &[&str] = &["Group:system:masters"];

#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Settings {
    /// Roles whose rules are not judged: exact names or `system:`-style
    /// prefixes, `namespace/name` for a Role.
    pub exempt_roles: Vec<String>,
    /// Verbs no rule may grant.
    pub denied_verbs: Vec<String>,
    /// `<verb> <resource>[.<group>][/<subresource>]` grants no rule may make.
    pub sensitive_grants: Vec<String>,
    /// The only roles that may grant impersonation (the dashboard's qlkube).
    pub impersonator_roles: Vec<String>,
    /// The username whose writes of aggregated ClusterRoles are accepted;
    /// empty: nobody's.
    pub aggregation_controller: String,
    /// ClusterRoles (or `namespace/name` Roles) only the subjects below may
    /// be bound to.
    pub protected_roles: Vec<String>,
    /// `User:<name>`, `Group:<name>`, `ServiceAccount:<namespace>:<name>`.
    pub allowed_binding_subjects: Vec<String>,
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            exempt_roles: strings(DEFAULT_EXEMPT_ROLES),
            denied_verbs: strings(DEFAULT_DENIED_VERBS),
            sensitive_grants: strings(DEFAULT_SENSITIVE_GRANTS),
            impersonator_roles: Vec::new(),
            aggregation_controller: AGGREGATION_CONTROLLER.to_string(),
            protected_roles: vec!["cluster-admin".to_string()],
            allowed_binding_subjects: strings(DEFAULT_ALLOWED_BINDING_SUBJECTS),
        }
    }
}

/// The settings with every entry parsed.
#[derive(Debug)]
pub struct Compiled<'s> {
    pub exempt_roles: Vec<RolePattern>,
    pub denied_verbs: &'s [String],
    pub sensitive_grants: Vec<Grant>,
    pub impersonator_roles: Vec<RolePattern>,
    pub aggregation_controller: &'s str,
    pub protected_roles: Vec<RolePattern>,
    pub allowed_binding_subjects: Vec<Identity>,
}

fn parse_all<T>(
    field: &str,
    items: &[String],
    parse: fn(&str) -> Result<T, String>,
    errors: &mut Vec<String>,
) -> Vec<T> {
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            parse(item)
                .map_err(|e| errors.push(format!("{field}[{i}] {e}")))
                .ok()
        })
        .collect()
}

fn check_verb(verb: &str) -> Result<(), String> {
    if verb.is_empty() || verb.chars().any(char::is_whitespace) {
        return Err(format!("{} is not a verb", quote(verb)));
    }
    if verb.contains('*') {
        return Err(format!(
            "{} contains \"*\": wildcards are always refused, list exact verbs here",
            quote(verb)
        ));
    }
    if verb.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(format!(
            "{} has upper-case letters: RBAC verbs are case-sensitive and lower-case, so it would match nothing; write {}",
            quote(verb),
            quote(&verb.to_ascii_lowercase())
        ));
    }
    Ok(())
}

impl Settings {
    /// Parses every entry, reporting all bad ones at once.
    pub fn compile(&self) -> Result<Compiled<'_>, String> {
        let mut errors = Vec::new();
        let compiled = Compiled {
            exempt_roles: parse_all(
                "exemptRoles",
                &self.exempt_roles,
                RolePattern::parse,
                &mut errors,
            ),
            denied_verbs: &self.denied_verbs,
            sensitive_grants: parse_all(
                "sensitiveGrants",
                &self.sensitive_grants,
                Grant::parse,
                &mut errors,
            ),
            impersonator_roles: parse_all(
                "impersonatorRoles",
                &self.impersonator_roles,
                RolePattern::parse,
                &mut errors,
            ),
            aggregation_controller: &self.aggregation_controller,
            protected_roles: parse_all(
                "protectedRoles",
                &self.protected_roles,
                RolePattern::parse,
                &mut errors,
            ),
            allowed_binding_subjects: parse_all(
                "allowedBindingSubjects",
                &self.allowed_binding_subjects,
                parse_setting,
                &mut errors,
            ),
        };
        for (i, verb) in self.denied_verbs.iter().enumerate() {
            if let Err(e) = check_verb(verb) {
                errors.push(format!("deniedVerbs[{i}] {e}"));
            }
        }
        let controller = &self.aggregation_controller;
        if controller.chars().any(char::is_whitespace) {
            errors.push(format!(
                "aggregationController {} contains whitespace; write the controller's username ({AGGREGATION_CONTROLLER:?}), or \"\" to trust no one",
                quote(controller)
            ));
        } else if crate::subjects::everyone(controller).is_some() {
            errors.push(format!(
                "aggregationController {} is not a controller: every anonymous request would write aggregated roles unjudged",
                quote(controller)
            ));
        }
        if errors.is_empty() {
            Ok(compiled)
        } else {
            Err(errors.join("; "))
        }
    }
}

impl PolicySettings for Settings {
    fn validate(&self) -> Result<(), String> {
        self.compile().map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use shared::settings::check;

    #[test]
    fn defaults_follow_the_issue() {
        let s: Settings = check(b"{}").unwrap();
        assert_eq!(s, Settings::default());
        assert_eq!(
            s.exempt_roles,
            ["cluster-admin", "admin", "edit", "view", "system:"]
        );
        assert_eq!(s.denied_verbs, ["escalate", "bind"]);
        assert!(s.impersonator_roles.is_empty());
        assert_eq!(s.aggregation_controller, AGGREGATION_CONTROLLER);
        assert_eq!(s.protected_roles, ["cluster-admin"]);
        assert_eq!(s.allowed_binding_subjects, ["Group:system:masters"]);
        let c = s.compile().unwrap();
        assert_eq!(c.sensitive_grants.len(), DEFAULT_SENSITIVE_GRANTS.len());
    }

    #[test]
    fn a_list_replaces_its_default() {
        let s: Settings =
            check(br#"{"deniedVerbs": [], "impersonatorRoles": ["qlkube"]}"#).unwrap();
        assert!(s.denied_verbs.is_empty());
        assert_eq!(s.impersonator_roles, ["qlkube"]);
        assert_eq!(s.exempt_roles.len(), DEFAULT_EXEMPT_ROLES.len());
    }

    #[rstest]
    #[case::typo(r#"{"exemptRole": []}"#, "unknown field `exemptRole`")]
    #[case::not_a_list(r#"{"deniedVerbs": "escalate"}"#, "invalid type: string")]
    #[case::null_list(r#"{"protectedRoles": null}"#, "invalid type: null")]
    #[case::wildcard_exempt(r#"{"exemptRoles": ["*"]}"#, "exemptRoles[0] \"*\" contains \"*\"")]
    #[case::bad_impersonator(r#"{"impersonatorRoles": ["vdi/"]}"#, "impersonatorRoles[0]")]
    #[case::bad_protected(r#"{"protectedRoles": ["cluster admin"]}"#, "protectedRoles[0]")]
    #[case::upper_verb(
        r#"{"deniedVerbs": ["bind", "Escalate"]}"#,
        "deniedVerbs[1] \"Escalate\" has upper-case letters"
    )]
    #[case::wildcard_verb(r#"{"deniedVerbs": ["*"]}"#, "wildcards are always refused")]
    #[case::empty_verb(r#"{"deniedVerbs": [""]}"#, "deniedVerbs[0] \"\" is not a verb")]
    #[case::bad_grant(r#"{"sensitiveGrants": ["pods/exec"]}"#, "sensitiveGrants[0]")]
    #[case::everyone_allowed(
        r#"{"allowedBindingSubjects": ["Group:system:authenticated"]}"#,
        "allowedBindingSubjects[0]"
    )]
    #[case::controller_space(
        r#"{"aggregationController": "system:serviceaccount:kube-system: x"}"#,
        "whitespace"
    )]
    #[case::controller_anonymous(
        r#"{"aggregationController": "system:anonymous"}"#,
        "not a controller"
    )]
    #[case::array("[]", "JSON object")]
    fn invalid_settings_name_the_field(#[case] json: &str, #[case] fragment: &str) {
        let err = check::<Settings>(json.as_bytes()).unwrap_err();
        assert!(err.contains(fragment), "{err}");
    }

    #[test]
    fn every_bad_entry_is_reported_together() {
        let err = check::<Settings>(
            br#"{"exemptRoles": ["", "ok"], "deniedVerbs": ["BIND"], "sensitiveGrants": ["x"]}"#,
        )
        .unwrap_err();
        for fragment in ["exemptRoles[0]", "deniedVerbs[0]", "sensitiveGrants[0]"] {
            assert!(err.contains(fragment), "{err}");
        }
    }

    #[test]
    fn an_empty_controller_trusts_no_one() {
        let s: Settings = check(br#"{"aggregationController": ""}"#).unwrap();
        assert_eq!(s.compile().unwrap().aggregation_controller, "");
    }
}

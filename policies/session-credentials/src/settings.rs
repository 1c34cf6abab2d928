//! Settings: what a credential is called, how session pods and their
//! Secrets are named, which ConfigMaps are exempt, and whether kubectl's
//! last-applied copy is read.

use serde::Deserialize;
use shared::settings::PolicySettings;

use crate::names::{Names, check_pattern};

/// The placeholder of `sessionSecretName`.
pub const SESSION_PLACEHOLDER: &str = "{session}";

#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Settings {
    /// Globs (case- and separator-insensitive, `*` only) naming
    /// credentials: env vars, ConfigMap keys, labels, annotations and fields.
    pub credential_env_names: Vec<String>,
    /// The label that marks a pod as a session's and names the session.
    pub session_label: String,
    /// The name of a session's own Secret, `{session}` standing for the
    /// session label's value.
    pub session_secret_name: String,
    /// ConfigMaps (`namespace/name`) whose keys and values are not judged.
    pub exempt_config_maps: Vec<String>,
    /// Read `kubectl.kubernetes.io/last-applied-configuration` too.
    pub check_last_applied: bool,
}

impl Default for Settings {
    fn default() -> Self {
        let strings = |items: &[&str]| items.iter().map(|s| s.to_string()).collect();
        Settings {
            credential_env_names: strings(&[
                crate::env::SELKIES_PASSWORD,
                "VNC_PW",
                "*PASSWORD*",
                "*PASSWD*",
                "*SECRET*",
                "*TOKEN*",
                "*API_KEY*",
                "*PRIVATE_KEY*",
            ]),
            session_label: shared::vdi::SESSION_LABEL.to_string(),
            session_secret_name: format!("{SESSION_PLACEHOLDER}-credentials"),
            exempt_config_maps: Vec::new(),
            check_last_applied: true,
        }
    }
}

impl Settings {
    pub fn names(&self) -> Names {
        Names::new(self.credential_env_names.iter().map(String::as_str))
    }

    /// The Secret session `session` must take its password from.
    pub fn session_secret(&self, session: &str) -> String {
        self.session_secret_name
            .replace(SESSION_PLACEHOLDER, session)
    }

    /// Whether the ConfigMap `namespace/name` is exempt.
    pub fn is_exempt(&self, namespace: &str, name: &str) -> bool {
        self.exempt_config_maps.iter().any(|entry| {
            entry
                .split_once('/')
                .is_some_and(|(ns, n)| ns == namespace && n == name)
        })
    }
}

fn is_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// RFC 1123 label: what a namespace is.
fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| is_alnum(*c) || *c == b'-')
        && b.first().is_some_and(|c| is_alnum(*c))
        && b.last().is_some_and(|c| is_alnum(*c))
}

/// RFC 1123 subdomain: what a ConfigMap or Secret name is.
fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// A label key: an optional DNS-subdomain prefix and `/`, then a name of
/// 1–63 alphanumerics, `-`, `_` and `.`, starting and ending alphanumeric.
fn is_label_key(s: &str) -> bool {
    let (prefix, name) = match s.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, s),
    };
    let b = name.as_bytes();
    let name_ok = !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric);
    name_ok && prefix.is_none_or(is_dns_subdomain)
}

fn check_secret_name(template: &str) -> Result<(), String> {
    if !template.contains(SESSION_PLACEHOLDER) {
        return Err(format!(
            "sessionSecretName: {template:?} does not contain {SESSION_PLACEHOLDER}, so every session would share one Secret; e.g. {SESSION_PLACEHOLDER}-credentials"
        ));
    }
    // A session label value is a DNS label in practice; "a" stands in for it.
    let sample = template.replace(SESSION_PLACEHOLDER, "a");
    if sample.contains(['{', '}']) {
        return Err(format!(
            "sessionSecretName: {template:?} has a placeholder other than {SESSION_PLACEHOLDER}"
        ));
    }
    if !is_dns_subdomain(&sample) {
        return Err(format!(
            "sessionSecretName: {template:?} does not make a Secret name (lowercase letters, digits, '-' and '.'); e.g. {SESSION_PLACEHOLDER}-credentials"
        ));
    }
    Ok(())
}

fn check_config_map(entry: &str) -> Result<(), String> {
    match entry.split_once('/') {
        Some((namespace, name)) if is_dns_label(namespace) && is_dns_subdomain(name) => Ok(()),
        _ => Err(format!(
            "exemptConfigMaps: {entry:?} must be namespace/name (no wildcards), e.g. vdi-system/vdi-operator-config"
        )),
    }
}

impl PolicySettings for Settings {
    fn validate(&self) -> Result<(), String> {
        let mut errors = Vec::new();
        if self.credential_env_names.is_empty() {
            errors.push(
                "credentialEnvNames is empty: list the names of credentials, e.g. *PASSWORD*"
                    .to_string(),
            );
        }
        errors.extend(
            self.credential_env_names
                .iter()
                .filter_map(|p| check_pattern(p).err()),
        );
        if !is_label_key(&self.session_label) {
            errors.push(format!(
                "sessionLabel: {:?} is not a label key, e.g. {}",
                self.session_label,
                shared::vdi::SESSION_LABEL
            ));
        }
        if let Err(e) = check_secret_name(&self.session_secret_name) {
            errors.push(e);
        }
        errors.extend(
            self.exempt_config_maps
                .iter()
                .filter_map(|e| check_config_map(e).err()),
        );
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn check(json: &str) -> Result<Settings, String> {
        shared::settings::check::<Settings>(json.as_bytes())
    }

    #[test]
    fn defaults_are_valid() {
        let s = check("{}").unwrap();
        assert_eq!(s, Settings::default());
        assert!(s.check_last_applied);
        assert_eq!(s.session_secret("alice-1"), "alice-1-credentials");
    }

    #[rstest]
    #[case::unknown(r#"{"credentialEnvName": []}"#, "unknown field `credentialEnvName`")]
    #[case::empty_names(r#"{"credentialEnvNames": []}"#, "credentialEnvNames is empty")]
    #[case::star(r#"{"credentialEnvNames": ["*"]}"#, "matches every name")]
    #[case::label(r#"{"sessionLabel": "vdi.kasm.io/"}"#, "sessionLabel")]
    #[case::label_space(r#"{"sessionLabel": "my session"}"#, "sessionLabel")]
    #[case::no_placeholder(
        r#"{"sessionSecretName": "vdi-credentials"}"#,
        "does not contain {session}"
    )]
    #[case::typo(
        r#"{"sessionSecretName": "{sesion}-{session}"}"#,
        "placeholder other than"
    )]
    #[case::upper(
        r#"{"sessionSecretName": "{session}-Creds"}"#,
        "does not make a Secret name"
    )]
    #[case::exempt_no_slash(r#"{"exemptConfigMaps": ["kasm-config"]}"#, "must be namespace/name")]
    #[case::exempt_wildcard(r#"{"exemptConfigMaps": ["vdi/*"]}"#, "must be namespace/name")]
    #[case::exempt_two_slashes(r#"{"exemptConfigMaps": ["vdi/a/b"]}"#, "must be namespace/name")]
    #[case::bool(r#"{"checkLastApplied": "yes"}"#, "invalid type")]
    fn invalid(#[case] json: &str, #[case] fragment: &str) {
        let err = check(json).unwrap_err();
        assert!(err.contains(fragment), "{err}");
    }

    #[test]
    fn all_errors_are_reported_together() {
        let err = check(
            r#"{"credentialEnvNames": ["*"], "sessionLabel": "", "exemptConfigMaps": ["x"]}"#,
        )
        .unwrap_err();
        for field in ["credentialEnvNames", "sessionLabel", "exemptConfigMaps"] {
            assert!(err.contains(field), "{err}");
        }
    }

    #[test]
    fn exemptions_match_exactly() {
        let s = check(r#"{"exemptConfigMaps": ["vdi-system/vdi-operator-config"]}"#).unwrap();
        assert!(s.is_exempt("vdi-system", "vdi-operator-config"));
        assert!(!s.is_exempt("vdi", "vdi-operator-config"));
        assert!(!s.is_exempt("vdi-system", "vdi-operator-config2"));
    }

    #[test]
    fn custom_settings() {
        let s = check(
            r#"{"credentialEnvNames": ["KASM_*_PW"], "sessionLabel": "session", "sessionSecretName": "creds.{session}", "checkLastApplied": false}"#,
        )
        .unwrap();
        assert_eq!(s.session_secret("s1"), "creds.s1");
        assert!(s.names().matches("kasm-db-pw"));
        assert!(!s.check_last_applied);
    }
}

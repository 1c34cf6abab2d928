//! Settings: which TLSOptions and hosts routes may use, which entry points
//! are plain HTTP, and who may publish a session's route.
//!
//! Everything is checked and canonicalized once ([`Settings::compile`]), at
//! load (`validate_settings`) and again per request (policy-server decodes
//! the settings for every request), so a route is only ever compared with
//! canonical values.

use std::collections::BTreeSet;

use serde::Deserialize;
use shared::settings::PolicySettings;

use crate::hosts::{self, dns_label_problem};
use crate::reference::Reference;

pub use shared::identity::OPERATOR_SERVICE_ACCOUNT;
use shared::identity::Privileges;

/// The entry in `allowedTlsOptions` that vouches for Traefik's default
/// TLS options (the ones a route that names none gets).
pub const DEFAULT_OPTION: &str = "default";

#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Settings {
    /// TLSOptions known to be TLS 1.3: `namespace/name`, `name@provider`
    /// (e.g. an option of the file provider), or `default`.
    pub allowed_tls_options: Vec<String>,
    /// TLSOption objects (`namespace/name`) that may keep an older TLS
    /// version; routes still cannot use them.
    pub exempt_tls_options: Vec<String>,
    /// Read a route's TLSOption through the Kubernetes host capability when
    /// it is not in `allowedTlsOptions`.
    pub lookup_tls_options: bool,
    /// Entry points that serve plain HTTP.
    pub plain_entry_points: Vec<String>,
    /// Middlewares (`namespace/name` or `name@provider`) that redirect to
    /// HTTPS: the only ones a plain-HTTP route may use.
    pub redirect_middlewares: Vec<String>,
    /// IngressRouteTCPs (`namespace/name`) that may pass TLS through.
    pub passthrough_routes: Vec<String>,
    /// Domains (with their subdomains) routes may serve.
    pub allowed_domains: Vec<String>,
    /// The domain session hosts live under: `{user}.<sessionDomain>`.
    pub session_domain: String,
    /// The label that makes a route a session's route and names its user.
    pub session_label: String,
    /// Accept `HostRegexp`/`HostSNIRegexp` whose pattern provably stays
    /// under an allowed domain.
    pub allow_host_regexp: bool,
    /// The prefix the API server puts on OIDC usernames (`oidc:`).
    pub username_prefix: String,
    pub privileged_users: BTreeSet<String>,
    pub privileged_groups: BTreeSet<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            allowed_tls_options: Vec::new(),
            exempt_tls_options: Vec::new(),
            lookup_tls_options: false,
            plain_entry_points: vec!["web".into()],
            redirect_middlewares: Vec::new(),
            passthrough_routes: Vec::new(),
            allowed_domains: Vec::new(),
            session_domain: String::new(),
            session_label: shared::vdi::USER_LABEL.into(),
            allow_host_regexp: false,
            username_prefix: String::new(),
            privileged_users: shared::identity::default_privileged_users(),
            privileged_groups: BTreeSet::new(),
        }
    }
}

/// The settings in canonical form, as the checks use them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compiled {
    pub allowed_tls_options: Vec<Reference>,
    /// `default` is in `allowedTlsOptions`.
    pub default_option_allowed: bool,
    pub exempt_tls_options: Vec<Reference>,
    pub lookup_tls_options: bool,
    pub plain_entry_points: Vec<String>,
    pub redirect_middlewares: Vec<Reference>,
    pub passthrough_routes: Vec<Reference>,
    pub allowed_domains: Vec<String>,
    pub session_domain: Option<String>,
    pub session_label: String,
    pub allow_host_regexp: bool,
}

fn references(
    field: &str,
    entries: &[String],
    objects_only: bool,
) -> Result<Vec<Reference>, String> {
    entries
        .iter()
        .map(|entry| {
            let reference = Reference::parse_setting(entry).map_err(|e| format!("{field}: {e}"))?;
            if objects_only && reference.object_parts().is_none() {
                return Err(format!(
                    "{field}: {} must be `namespace/name` of an object",
                    shared::quote::quote(entry)
                ));
            }
            Ok(reference)
        })
        .collect()
}

/// Why `key` is not a Kubernetes label key (`[prefix/]name`).
fn label_key_problem(key: &str) -> Option<String> {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        if prefix.len() > 253 {
            return Some("its prefix is longer than 253 characters".into());
        }
        if let Some(problem) = prefix.split('.').find_map(dns_label_problem) {
            return Some(format!("its prefix is not a DNS subdomain ({problem})"));
        }
    }
    let bytes = name.as_bytes();
    let alnum = |b: &u8| b.is_ascii_alphanumeric();
    if bytes.is_empty() || bytes.len() > 63 {
        return Some("its name must be 1-63 characters".into());
    }
    if !bytes.first().is_some_and(alnum) || !bytes.last().is_some_and(alnum) {
        return Some("its name must start and end with a letter or digit".into());
    }
    if !bytes
        .iter()
        .all(|b| alnum(b) || matches!(b, b'-' | b'_' | b'.'))
    {
        return Some("its name may hold only letters, digits, '-', '_' and '.'".into());
    }
    None
}

impl Settings {
    /// Checks every field and returns the canonical form.
    pub fn compile(&self) -> Result<Compiled, String> {
        let mut allowed = Vec::new();
        let mut default_option_allowed = false;
        for entry in &self.allowed_tls_options {
            if entry == DEFAULT_OPTION {
                default_option_allowed = true;
            } else {
                allowed.extend(references(
                    "allowedTlsOptions",
                    std::slice::from_ref(entry),
                    false,
                )?);
            }
        }
        let exempt = references("exemptTlsOptions", &self.exempt_tls_options, true)?;
        if let Some(both) = exempt.iter().find(|e| allowed.contains(e)) {
            return Err(format!(
                "{both} is in both allowedTlsOptions and exemptTlsOptions: an option routes rely on for TLS 1.3 cannot be exempt from being TLS 1.3"
            ));
        }
        for ep in &self.plain_entry_points {
            if ep.is_empty() || ep.contains(|c: char| c.is_whitespace() || c.is_control()) {
                return Err(format!(
                    "plainEntryPoints: {} is not an entry point name",
                    shared::quote::quote(ep)
                ));
            }
        }
        let redirects = references("redirectMiddlewares", &self.redirect_middlewares, false)?;
        let passthrough = references("passthroughRoutes", &self.passthrough_routes, true)?;
        let mut domains = Vec::new();
        for domain in &self.allowed_domains {
            if domain.starts_with("*.") {
                return Err(format!(
                    "allowedDomains: write {} without `*.`: a domain includes its subdomains",
                    shared::quote::quote(domain.trim_start_matches("*."))
                ));
            }
            let canonical = hosts::canonical(domain).map_err(|e| {
                format!(
                    "allowedDomains: {} is not a domain name: {e}",
                    shared::quote::quote(domain)
                )
            })?;
            domains.push(canonical);
        }
        let session_domain = if self.session_domain.is_empty() {
            None
        } else {
            let canonical = hosts::canonical(&self.session_domain).map_err(|e| {
                format!(
                    "sessionDomain {} is not a domain name: {e}",
                    shared::quote::quote(&self.session_domain)
                )
            })?;
            if !domains.iter().any(|d| hosts::is_under(&canonical, d)) {
                return Err(format!(
                    "sessionDomain {canonical:?} is not under allowedDomains {domains:?}: add it (or a parent domain) to allowedDomains"
                ));
            }
            Some(canonical)
        };
        if let Some(problem) = label_key_problem(&self.session_label) {
            return Err(format!(
                "sessionLabel {} is not a label key: {problem}",
                shared::quote::quote(&self.session_label)
            ));
        }
        self.check_privileges()?;
        Ok(Compiled {
            allowed_tls_options: allowed,
            default_option_allowed,
            exempt_tls_options: exempt,
            lookup_tls_options: self.lookup_tls_options,
            plain_entry_points: self.plain_entry_points.clone(),
            redirect_middlewares: redirects,
            passthrough_routes: passthrough,
            allowed_domains: domains,
            session_domain,
            session_label: self.session_label.clone(),
            allow_host_regexp: self.allow_host_regexp,
        })
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
    fn defaults_are_valid_and_strict() {
        let s: Settings = check(b"{}").unwrap();
        let c = s.compile().unwrap();
        assert_eq!(c.plain_entry_points, ["web"]);
        assert!(c.allowed_tls_options.is_empty());
        assert!(!c.default_option_allowed);
        assert!(!c.lookup_tls_options);
        assert!(c.allowed_domains.is_empty());
        assert_eq!(c.session_domain, None);
        assert_eq!(c.session_label, "vdi.kasm.io/user");
        assert!(!c.allow_host_regexp);
        assert!(s.privileged_users.contains(OPERATOR_SERVICE_ACCOUNT));
    }

    #[test]
    fn values_are_canonicalized() {
        let s: Settings = check(
            br#"{"allowedDomains":["Kasm.Example.com.","vdi.example.com"],
                 "sessionDomain":"VDI.example.com",
                 "allowedTlsOptions":["traefik/tls13","tls13@file","default"],
                 "redirectMiddlewares":["kasm/https-redirect","redirect@file"],
                 "exemptTlsOptions":["legacy/tls12"],
                 "passthroughRoutes":["db/postgres"]}"#,
        )
        .unwrap();
        let c = s.compile().unwrap();
        assert_eq!(c.allowed_domains, ["kasm.example.com", "vdi.example.com"]);
        assert_eq!(c.session_domain.as_deref(), Some("vdi.example.com"));
        assert!(c.default_option_allowed);
        let shown: Vec<String> = c
            .allowed_tls_options
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(shown, ["traefik/tls13", "tls13@file"]);
        let shown: Vec<String> = c
            .redirect_middlewares
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(shown, ["kasm/https-redirect", "redirect@file"]);
    }

    #[rstest]
    #[case::typo(r#"{"allowedDomain":["a.com"]}"#, "unknown field `allowedDomain`")]
    #[case::not_a_list(r#"{"allowedDomains":"a.com"}"#, "invalid type: string")]
    #[case::bad_domain(
        r#"{"allowedDomains":["a_b.com"]}"#,
        "allowedDomains: \"a_b.com\" is not a domain name"
    )]
    #[case::wildcard_domain(
        r#"{"allowedDomains":["*.example.com"]}"#,
        "write \"example.com\" without `*.`"
    )]
    #[case::session_outside(
        r#"{"allowedDomains":["kasm.example.com"],"sessionDomain":"vdi.example.com"}"#,
        "sessionDomain \"vdi.example.com\" is not under allowedDomains"
    )]
    #[case::session_lookalike(
        r#"{"allowedDomains":["vdi.example.com"],"sessionDomain":"evilvdi.example.com"}"#,
        "is not under allowedDomains"
    )]
    #[case::session_without_domains(
        r#"{"sessionDomain":"vdi.example.com"}"#,
        "is not under allowedDomains []"
    )]
    #[case::bad_session_domain(
        r#"{"allowedDomains":["example.com"],"sessionDomain":"*.example.com"}"#,
        "wildcard"
    )]
    #[case::option_without_namespace(
        r#"{"allowedTlsOptions":["tls13"]}"#,
        "allowedTlsOptions: \"tls13\" names no namespace"
    )]
    #[case::option_mixed(r#"{"allowedTlsOptions":["traefik/tls13@file"]}"#, "mixes")]
    #[case::exempt_provider(r#"{"exemptTlsOptions":["old@file"]}"#, "must be `namespace/name`")]
    #[case::exempt_and_allowed(
        r#"{"allowedTlsOptions":["traefik/tls13"],"exemptTlsOptions":["traefik/tls13"]}"#,
        "in both allowedTlsOptions and exemptTlsOptions"
    )]
    #[case::redirect_without_namespace(
        r#"{"redirectMiddlewares":["https-redirect"]}"#,
        "redirectMiddlewares: \"https-redirect\" names no namespace"
    )]
    #[case::passthrough_provider(r#"{"passthroughRoutes":["x@file"]}"#, "passthroughRoutes")]
    #[case::empty_entry_point(
        r#"{"plainEntryPoints":[""]}"#,
        "plainEntryPoints: \"\" is not an entry point name"
    )]
    #[case::spaced_entry_point(r#"{"plainEntryPoints":["web "]}"#, "is not an entry point name")]
    #[case::empty_label(r#"{"sessionLabel":""}"#, "sessionLabel \"\" is not a label key")]
    #[case::bad_label(r#"{"sessionLabel":"vdi.kasm.io/user name"}"#, "is not a label key")]
    #[case::bad_label_prefix(r#"{"sessionLabel":"VDI/user"}"#, "prefix is not a DNS subdomain")]
    #[case::everyone(
        r#"{"privilegedGroups":["system:authenticated"]}"#,
        "must not contain \"system:authenticated\""
    )]
    #[case::empty_user(
        r#"{"privilegedUsers":[" "]}"#,
        "privilegedUsers must not contain an empty"
    )]
    #[case::prefix_space(r#"{"usernamePrefix":"oidc: "}"#, "must not contain whitespace")]
    #[case::lookup_not_bool(r#"{"lookupTlsOptions":"yes"}"#, "invalid type: string")]
    fn invalid_settings_name_the_field(#[case] json: &str, #[case] fragment: &str) {
        let err = check::<Settings>(json.as_bytes()).unwrap_err();
        assert!(err.contains(fragment), "{json}: {err}");
    }

    #[rstest]
    #[case("vdi.kasm.io/user")]
    #[case("owner")]
    #[case("example.com/session.user_name-1")]
    fn label_keys_pass(#[case] key: &str) {
        assert_eq!(label_key_problem(key), None);
    }
}

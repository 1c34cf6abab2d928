//! `sensitiveGrants`: permissions that amount to exceeding one's own grant,
//! written `<verb> <resource>[.<group>][/<subresource>]` like `kubectl create
//! role --resource` spells resources (`create serviceaccounts/token`,
//! `update certificatesigningrequests.certificates.k8s.io/approval`). The
//! verb `*` means any verb.

use std::fmt;

use shared::quote::quote;

/// The grants rejected by default, and why each is one.
pub const DEFAULT_SENSITIVE_GRANTS: &[&str] = &[
    "create serviceaccounts/token",
    "* nodes/proxy",
    "create pods/exec",
    "get pods/exec",
    "create pods/attach",
    "get pods/attach",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// `None` for `*` (any verb).
    verb: Option<String>,
    group: String,
    /// `resource` or `resource/subresource`, as a rule lists it.
    resource: String,
}

fn is_name(text: &str, extra: &[char]) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || extra.contains(&c))
}

impl Grant {
    pub fn parse(text: &str) -> Result<Grant, String> {
        let fail = |why: &str| {
            Err(format!(
                "{} {why}; write \"<verb> <resource>[.<group>][/<subresource>]\", e.g. \"create serviceaccounts/token\"",
                quote(text)
            ))
        };
        let mut words = text.split_whitespace();
        let (Some(verb), Some(resource), None) = (words.next(), words.next(), words.next()) else {
            return fail("is not a verb and a resource");
        };
        let verb = if verb == "*" {
            None
        } else if verb.contains('*') {
            return fail("has a verb with \"*\" in it (only \"*\" alone, meaning any verb)");
        } else if verb.chars().any(|c| c.is_ascii_uppercase()) {
            return fail(
                "has an upper-case verb: RBAC verbs are case-sensitive and lower-case, so it would match nothing",
            );
        } else {
            Some(verb.to_string())
        };
        let (base, sub) = match resource.split_once('/') {
            Some((base, sub)) => (base, Some(sub)),
            None => (resource, None),
        };
        let (name, group) = base.split_once('.').unwrap_or((base, ""));
        if !is_name(name, &[]) {
            return fail("has a resource that is not a lower-case plural (\"pods\")");
        }
        if base.contains('.') && !is_name(group, &['.']) {
            return fail("has an API group that is not a lower-case DNS name (\"apps\")");
        }
        if let Some(sub) = sub
            && !is_name(sub, &[])
        {
            return fail("has a subresource that is not a lower-case name (\"exec\")");
        }
        Ok(Grant {
            verb,
            group: group.to_string(),
            resource: match sub {
                Some(sub) => format!("{name}/{sub}"),
                None => name.to_string(),
            },
        })
    }

    /// Whether the (non-wildcard) verb of a rule is this grant's verb.
    pub fn verb_matches(&self, verb: &str) -> bool {
        self.verb.as_deref().is_none_or(|v| v == verb)
    }

    pub fn group(&self) -> &str {
        &self.group
    }

    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// What the grant lets its holder do, for the message.
    pub fn why(&self) -> &'static str {
        match (self.group.as_str(), self.resource.as_str()) {
            ("", "serviceaccounts/token") => {
                "mints tokens for the ServiceAccounts in its reach and so acts as any of them"
            }
            ("", "nodes/proxy") => {
                "reaches the kubelet API, which runs commands in every container of the node (a GET is enough)"
            }
            ("", "pods/exec") => {
                "runs commands in the pods' containers (over WebSocket a GET is enough before Kubernetes 1.35)"
            }
            ("", "pods/attach") => "attaches to the pods' running processes and their terminals",
            _ => "is listed in sensitiveGrants",
        }
    }
}

/// The canonical spelling, which parses back to the same grant.
impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.verb.as_deref().unwrap_or("*"))?;
        let (name, sub) = match self.resource.split_once('/') {
            Some((name, sub)) => (name, Some(sub)),
            None => (self.resource.as_str(), None),
        };
        write!(f, " {name}")?;
        if !self.group.is_empty() {
            write!(f, ".{}", self.group)?;
        }
        if let Some(sub) = sub {
            write!(f, "/{sub}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(
        "create serviceaccounts/token",
        Some("create"),
        "",
        "serviceaccounts/token"
    )]
    #[case("* nodes/proxy", None, "", "nodes/proxy")]
    #[case("  get   pods/exec ", Some("get"), "", "pods/exec")]
    #[case(
        "update certificatesigningrequests.certificates.k8s.io/approval",
        Some("update"),
        "certificates.k8s.io",
        "certificatesigningrequests/approval"
    )]
    #[case("patch deployments.apps", Some("patch"), "apps", "deployments")]
    #[case(
        "impersonate:user-info users.authentication.k8s.io",
        Some("impersonate:user-info"),
        "authentication.k8s.io",
        "users"
    )]
    fn grants_parse(
        #[case] text: &str,
        #[case] verb: Option<&str>,
        #[case] group: &str,
        #[case] resource: &str,
    ) {
        let g = Grant::parse(text).unwrap();
        assert_eq!(g.verb.as_deref(), verb);
        assert_eq!(g.group(), group);
        assert_eq!(g.resource(), resource);
    }

    #[rstest]
    #[case("", "not a verb and a resource")]
    #[case("create", "not a verb and a resource")]
    #[case("create pods exec", "not a verb and a resource")]
    #[case("Create pods/exec", "upper-case verb")]
    #[case("get* pods", "only \"*\" alone")]
    #[case("get *", "lower-case plural")]
    #[case("get pods/*", "subresource")]
    #[case("get Pods", "lower-case plural")]
    #[case("get deployments./scale", "API group")]
    #[case("get deployments.Apps", "API group")]
    #[case("get pods/", "subresource")]
    #[case("get pods/exec/x", "subresource")]
    fn bad_grants_say_why(#[case] text: &str, #[case] fragment: &str) {
        let err = Grant::parse(text).unwrap_err();
        assert!(err.contains(fragment), "{err}");
        assert!(err.contains("<verb> <resource>"), "{err}");
    }

    #[test]
    fn the_defaults_parse_and_explain_themselves() {
        for text in DEFAULT_SENSITIVE_GRANTS {
            let g = Grant::parse(text).unwrap();
            assert_ne!(g.why(), "is listed in sensitiveGrants", "{text}");
        }
    }

    #[test]
    fn any_verb_matches_every_verb() {
        let g = Grant::parse("* nodes/proxy").unwrap();
        assert!(g.verb_matches("get") && g.verb_matches("create"));
        let g = Grant::parse("create pods/exec").unwrap();
        assert!(g.verb_matches("create") && !g.verb_matches("Create"));
    }
}

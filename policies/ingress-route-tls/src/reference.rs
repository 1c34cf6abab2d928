//! References from a route to a TLSOption or a Middleware, resolved the way
//! Traefik's Kubernetes CRD provider resolves them (`resolveReference`): a
//! name containing `@` is provider-qualified (`redirect@file`,
//! `kasm-https-redirect@kubernetescrd`) and used verbatim, its namespace
//! ignored; any other name is a CRD object in the given namespace or, when
//! none is given, in the route's own namespace.

use std::fmt;

use crate::hosts::dns_label_problem;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reference {
    /// A CRD object, `namespace/name`.
    Object { namespace: String, name: String },
    /// A provider-qualified name, `name@provider`, compared verbatim: the
    /// policy cannot see other providers, and the CRD provider's internal
    /// names (`<namespace>-<name>[-<hash>]@kubernetescrd`) do not map back
    /// to one object.
    Provider(String),
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reference::Object { namespace, name } => write!(f, "{namespace}/{name}"),
            Reference::Provider(name) => f.write_str(name),
        }
    }
}

impl Reference {
    /// Resolves a route's `{name, namespace}` reference. `Err` says what is
    /// wrong with it.
    pub fn resolve(
        name: &str,
        namespace: Option<&str>,
        route_namespace: &str,
    ) -> Result<Reference, String> {
        if name.contains('@') {
            return provider(name).map(|()| Reference::Provider(name.to_string()));
        }
        let namespace = namespace
            .filter(|n| !n.is_empty())
            .unwrap_or(route_namespace);
        object(namespace, name)
    }

    /// Reads a settings entry: `namespace/name` or `name@provider`.
    pub fn parse_setting(text: &str) -> Result<Reference, String> {
        if text.contains('@') {
            if text.contains('/') {
                return Err(format!(
                    "{} mixes `namespace/name` and `name@provider`; write one of them",
                    shared::quote::quote(text)
                ));
            }
            return provider(text).map(|()| Reference::Provider(text.to_string()));
        }
        match text.split_once('/') {
            Some((namespace, name)) => object(namespace, name),
            None => Err(format!(
                "{} names no namespace; write `namespace/name` (or `name@provider` for another Traefik provider)",
                shared::quote::quote(text)
            )),
        }
    }

    /// The namespace and name of an object reference.
    pub fn object_parts(&self) -> Option<(&str, &str)> {
        match self {
            Reference::Object { namespace, name } => Some((namespace, name)),
            Reference::Provider(_) => None,
        }
    }
}

fn provider(text: &str) -> Result<(), String> {
    match text.rsplit_once('@') {
        Some((name, provider))
            if !name.is_empty()
                && !provider.is_empty()
                && !text.contains(|c: char| c.is_whitespace() || c.is_control()) =>
        {
            Ok(())
        }
        _ => Err(format!(
            "{} is not `name@provider`",
            shared::quote::quote(text)
        )),
    }
}

fn object(namespace: &str, name: &str) -> Result<Reference, String> {
    if let Some(problem) = dns_label_problem(namespace) {
        return Err(format!(
            "namespace {} is not a namespace name ({problem})",
            shared::quote::quote(namespace)
        ));
    }
    if let Some(problem) = object_name_problem(name) {
        return Err(format!(
            "name {} is not an object name ({problem})",
            shared::quote::quote(name)
        ));
    }
    Ok(Reference::Object {
        namespace: namespace.to_string(),
        name: name.to_string(),
    })
}

/// Why `name` is not a Kubernetes object name (an RFC 1123 subdomain).
fn object_name_problem(name: &str) -> Option<&'static str> {
    if name.len() > 253 {
        return Some("it is longer than 253 characters");
    }
    name.split('.').find_map(dns_label_problem)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn obj(namespace: &str, name: &str) -> Reference {
        Reference::Object {
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    #[rstest]
    #[case::own_namespace("tls13", None, obj("kasm", "tls13"))]
    #[case::empty_namespace_is_own("tls13", Some(""), obj("kasm", "tls13"))]
    #[case::other_namespace("tls13", Some("traefik"), obj("traefik", "tls13"))]
    #[case::provider("tls13@file", None, Reference::Provider("tls13@file".into()))]
    #[case::provider_ignores_namespace("tls13@file", Some("traefik"), Reference::Provider("tls13@file".into()))]
    #[case::crd_provider(
        "traefik-tls13@kubernetescrd",
        None,
        Reference::Provider("traefik-tls13@kubernetescrd".into())
    )]
    fn routes_resolve_like_traefik(
        #[case] name: &str,
        #[case] namespace: Option<&str>,
        #[case] expected: Reference,
    ) {
        assert_eq!(Reference::resolve(name, namespace, "kasm"), Ok(expected));
    }

    #[rstest]
    #[case::empty_name("", None, "not an object name")]
    #[case::uppercase("TLS13", None, "uppercase")]
    #[case::slash("a/b", None, "not an object name")]
    #[case::bad_namespace("tls13", Some("Kasm"), "not a namespace name")]
    #[case::dangling_at("tls13@", None, "not `name@provider`")]
    #[case::leading_at("@file", None, "not `name@provider`")]
    fn odd_references_are_named(
        #[case] name: &str,
        #[case] namespace: Option<&str>,
        #[case] fragment: &str,
    ) {
        let err = Reference::resolve(name, namespace, "kasm").unwrap_err();
        assert!(err.contains(fragment), "{err}");
    }

    #[rstest]
    #[case("traefik/tls13", obj("traefik", "tls13"))]
    #[case("kasm/https-redirect", obj("kasm", "https-redirect"))]
    #[case("redirect-to-https@file", Reference::Provider("redirect-to-https@file".into()))]
    fn settings_entries_parse(#[case] text: &str, #[case] expected: Reference) {
        assert_eq!(Reference::parse_setting(text), Ok(expected.clone()));
        assert_eq!(expected.to_string(), text);
    }

    #[rstest]
    #[case("tls13", "names no namespace")]
    #[case("traefik/tls13@file", "mixes")]
    #[case("traefik/", "not an object name")]
    #[case("/tls13", "not a namespace name")]
    #[case("a b@file", "not `name@provider`")]
    #[case("traefik/tls13/x", "not an object name")]
    fn bad_settings_entries_are_named(#[case] text: &str, #[case] fragment: &str) {
        let err = Reference::parse_setting(text).unwrap_err();
        assert!(err.contains(fragment), "{text}: {err}");
    }
}

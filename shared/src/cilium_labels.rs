//! Cilium label keys, read the way Cilium reads the keys of an endpoint
//! selector (`matchLabels` and `matchExpressions[].key`).
//!
//! Cilium does not match selector keys as text. It splits each key into a
//! *source* and a *key* (its `labels` package, `parseSource` and
//! `GetExtendedKeyFrom`) and matches those against an identity's labels:
//!
//! - a leading `$` is the `reserved` source: `$world` is `reserved:world`;
//! - otherwise the text up to the first `:` is the source (`k8s:app`,
//!   `reserved:world`, `cidr:10.0.0.0/8`);
//! - a key without `:` that starts with `reserved.` is in the `reserved`
//!   source too (`reserved.world`); releases before the `labels/v2` rewrite
//!   read every colon-less key starting with `reserved` that way;
//! - an empty or missing source is `any`, which matches a label of that key
//!   from every source, `reserved` included;
//! - a value after `=` is dropped from the key.
//!
//! The pair is then joined into the "extended key" `source.key` and split
//! again at its first `.` when matching, so a source with a dot
//! (`reserved.x:world`) ends up as source `reserved`, key `x.world`.
//! [`SelectorKey::parse`] returns the pair after that round trip: two keys
//! with equal pairs select the same identities.

use std::borrow::Cow;

/// The source of Cilium's reserved identities (world, host, ...).
pub const RESERVED: &str = "reserved";
/// The source that matches labels of any source.
pub const ANY: &str = "any";
/// The source of labels taken from Kubernetes.
pub const K8S: &str = "k8s";

/// A selector key as Cilium matches it: source and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorKey<'a> {
    pub source: &'a str,
    pub name: Cow<'a, str>,
}

impl<'a> SelectorKey<'a> {
    /// Reads `text` as Cilium reads a selector key.
    pub fn parse(text: &'a str) -> SelectorKey<'a> {
        // GetExtendedKeyFrom: source, then the key up to a `=`.
        let (source, rest) = split_source(text);
        let name = rest.split_once('=').map_or(rest, |(name, _)| name);
        let source = if source.is_empty() { ANY } else { source };
        // Matching splits `source.key` again at its first `.`; only a
        // source with a dot changes, and its tail joins the key, which is
        // cut at a `=` once more (for `reserved`, a leading `=` is skipped).
        let Some((head, tail)) = source.split_once('.') else {
            return SelectorKey {
                source,
                name: Cow::Borrowed(name),
            };
        };
        let source = if head.is_empty() { ANY } else { head };
        let joined = format!("{tail}.{name}");
        let name = match joined.find('=') {
            None => joined,
            Some(0) if source == RESERVED => joined[1..].to_string(),
            Some(i) => joined[..i].to_string(),
        };
        SelectorKey {
            source,
            name: Cow::Owned(name),
        }
    }

    pub fn is_reserved(&self) -> bool {
        self.source == RESERVED
    }

    /// `source:key`, the spelling Cilium prints.
    pub fn canonical(&self) -> String {
        format!("{}:{}", self.source, self.name)
    }
}

/// `parseSource` with `:` as the delimiter, the union of the readings of the
/// releases: the `$` shorthand, `source:key`, and a colon-less key starting
/// with `reserved` in the reserved source.
fn split_source(text: &str) -> (&str, &str) {
    if let Some(rest) = text.strip_prefix('$') {
        return (RESERVED, rest);
    }
    match text.split_once(':') {
        Some((source, rest)) => (source, rest),
        None if text.starts_with(RESERVED) => {
            (RESERVED, text.strip_prefix("reserved.").unwrap_or(text))
        }
        None => ("", text),
    }
}

/// What a key of the reserved source names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reserved {
    /// `world`: everything outside the cluster.
    World,
    /// `world-ipv4` (dual-stack clusters): IPv4 outside the cluster.
    WorldIpv4,
    /// `world-ipv6` (dual-stack clusters): IPv6 outside the cluster.
    WorldIpv6,
    /// `all`: a selecting label that matches every identity.
    All,
    /// An identity inside the cluster: `host`, `remote-node`,
    /// `kube-apiserver`, `health`, `init`, `ingress`, `unmanaged`,
    /// `cluster`, `none`, `encrypted-overlay`.
    Inside,
    /// A name this crate does not know (a newer release, a typo, `unknown`):
    /// it may select anything.
    Unknown,
}

/// Reserved names of identities inside the cluster.
pub const INSIDE_RESERVED: [&str; 10] = [
    "host",
    "remote-node",
    "kube-apiserver",
    "health",
    "init",
    "ingress",
    "unmanaged",
    "cluster",
    "none",
    "encrypted-overlay",
];

impl Reserved {
    /// Classifies a reserved name; names are case-sensitive, as in Cilium.
    pub fn of(name: &str) -> Reserved {
        match name {
            "world" => Reserved::World,
            "world-ipv4" => Reserved::WorldIpv4,
            "world-ipv6" => Reserved::WorldIpv6,
            "all" => Reserved::All,
            _ if INSIDE_RESERVED.contains(&name) => Reserved::Inside,
            _ => Reserved::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    #[rstest]
    #[case("reserved:world", "reserved", "world")]
    #[case("$world", "reserved", "world")]
    #[case("$world-ipv4", "reserved", "world-ipv4")]
    #[case("reserved.world", "reserved", "world")]
    #[case("reserved:world=", "reserved", "world")]
    #[case("$all=x", "reserved", "all")]
    #[case("$", "reserved", "")]
    #[case("reservedworld", "reserved", "reservedworld")]
    #[case("reserved.x:world", "reserved", "x.world")]
    #[case("k8s:app", "k8s", "app")]
    #[case(
        "k8s:io.kubernetes.pod.namespace",
        "k8s",
        "io.kubernetes.pod.namespace"
    )]
    #[case("app", "any", "app")]
    #[case("any:world", "any", "world")]
    #[case(":world", "any", "world")]
    #[case("world", "any", "world")]
    #[case("cidr:169.254.169.254/32", "cidr", "169.254.169.254/32")]
    #[case("app.kubernetes.io/name", "any", "app.kubernetes.io/name")]
    #[case("Reserved:world", "Reserved", "world")]
    #[case("k8s.io:x", "k8s", "io.x")]
    #[case(".x:y", "any", "x.y")]
    #[case(".=:", "any", "")]
    #[case("reserved.=a:b", "reserved", "a.b")]
    #[case("k8s.a=b:c", "k8s", "a")]
    #[case("", "any", "")]
    fn keys_read_as_cilium_reads_them(
        #[case] text: &str,
        #[case] source: &str,
        #[case] name: &str,
    ) {
        let key = SelectorKey::parse(text);
        assert_eq!((key.source, key.name.as_ref()), (source, name), "{text}");
    }

    #[rstest]
    #[case("world", Reserved::World)]
    #[case("world-ipv6", Reserved::WorldIpv6)]
    #[case("all", Reserved::All)]
    #[case("host", Reserved::Inside)]
    #[case("kube-apiserver", Reserved::Inside)]
    #[case("unknown", Reserved::Unknown)]
    #[case("World", Reserved::Unknown)]
    #[case("", Reserved::Unknown)]
    fn reserved_names(#[case] name: &str, #[case] expected: Reserved) {
        assert_eq!(Reserved::of(name), expected);
    }

    proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,40}") {
            let key = SelectorKey::parse(&text);
            let _ = (key.canonical(), Reserved::of(&key.name));
        }

        /// The canonical spelling reads back as itself, so it can stand for
        /// every spelling of the key.
        #[test]
        fn canonical_spelling_is_a_fixed_point(text in "[$a-z.:=-]{0,16}") {
            let key = SelectorKey::parse(&text);
            // `reserved.=a=b:c` is key `a=b.c` to Cilium, which no
            // `source:key` spelling reproduces.
            prop_assume!(!key.name.contains('='));
            let canonical = key.canonical();
            prop_assert_eq!(SelectorKey::parse(&canonical), key);
        }
    }
}

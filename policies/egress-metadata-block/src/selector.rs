//! Which identities outside the cluster's pods a Cilium endpoint selector
//! (`toEndpoints[]`) selects, and so which addresses it allows.
//!
//! Cilium matches a selector against the labels of *identities*, and a
//! packet to a metadata address carries one of the identities outside the
//! cluster: `reserved:world` (or `reserved:world-ipv4`/`world-ipv6` in a
//! dual-stack cluster), or an identity Cilium generated for a CIDR, an FQDN
//! or a CIDR group, which carries `cidr:`, `fqdn:` or `cidrgroup:` labels
//! next to the world label. A selector selects such an identity when every
//! one of its terms holds for that identity's labels.
//!
//! Keys are read as Cilium reads them (`shared::cilium_labels`): `$world`,
//! `reserved.world` and `reserved:world` are one key, a key without a source
//! (`world`, `any:world`) matches the reserved label too, and a reserved
//! name this policy does not know may select anything (fail closed). A
//! selector of a namespaced policy is confined to the policy's namespace —
//! which no outside identity is in — unless it names a reserved key or the
//! namespace itself, or the rule's `endpointSelector` names `reserved:init`
//! (Cilium then confines none of the rule's peers, so that initializing
//! pods can match); a clusterwide selector is treated as unconfined (older
//! Cilium releases do not confine it), and so is one with a `cidr:`,
//! `fqdn:` or `cidrgroup:` key (Cilium would confine it and match nothing;
//! rejecting it guards against a release that does not). Label values are not compared: a
//! term on an outside key is assumed to match (only ever more rejections).

use shared::cidr::{NetSet, all_ipv4, all_ipv6};
use shared::cilium_labels::{ANY, RESERVED, Reserved, SelectorKey};
use shared::quote::quote;

/// How a term tests its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `matchLabels`, `In`, `Exists`: the label must be there.
    Present,
    /// `DoesNotExist`: the label must not be there.
    Absent,
    /// `NotIn` (holds for any identity whose value differs) and operators
    /// Cilium would refuse: assumed to hold.
    Other,
}

impl Op {
    pub fn of_operator(operator: &str) -> Op {
        match operator {
            "In" | "Exists" => Op::Present,
            "DoesNotExist" => Op::Absent,
            _ => Op::Other,
        }
    }
}

/// One requirement of a selector, with the key as written (for messages)
/// and as Cilium reads it.
pub struct Term<'a> {
    pub written: &'a str,
    pub key: SelectorKey<'a>,
    pub op: Op,
}

impl<'a> Term<'a> {
    pub fn new(written: &'a str, op: Op) -> Self {
        Term {
            written,
            key: SelectorKey::parse(written),
            op,
        }
    }
}

/// Address families an outside identity stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Both,
    V4,
    V6,
}

/// An identity a packet to a metadata address may carry: its reserved
/// labels, and whether it is a generated CIDR/FQDN/CIDR-group identity
/// (whose other labels are from those sources). Both readings of a
/// dual-stack generated identity (with and without `reserved:world`) are
/// listed, so a `DoesNotExist` term cannot hide one of them.
struct Outside {
    reserved: &'static [&'static str],
    generated: bool,
    family: Family,
}

const OUTSIDE: [Outside; 8] = [
    Outside {
        reserved: &["world"],
        generated: false,
        family: Family::Both,
    },
    Outside {
        reserved: &["world-ipv4"],
        generated: false,
        family: Family::V4,
    },
    Outside {
        reserved: &["world-ipv6"],
        generated: false,
        family: Family::V6,
    },
    Outside {
        reserved: &["world"],
        generated: true,
        family: Family::Both,
    },
    Outside {
        reserved: &["world-ipv4"],
        generated: true,
        family: Family::V4,
    },
    Outside {
        reserved: &["world-ipv6"],
        generated: true,
        family: Family::V6,
    },
    Outside {
        reserved: &["world", "world-ipv4"],
        generated: true,
        family: Family::V4,
    },
    Outside {
        reserved: &["world", "world-ipv6"],
        generated: true,
        family: Family::V6,
    },
];

/// Sources of the labels of generated identities.
const GENERATED_SOURCES: [&str; 3] = ["cidr", "fqdn", "cidrgroup"];

impl Outside {
    /// May the identity carry a label matching `key`?
    fn may_have(&self, key: &SelectorKey<'_>) -> bool {
        let name = key.name.as_ref();
        match key.source {
            RESERVED => match Reserved::of(name) {
                Reserved::World | Reserved::WorldIpv4 | Reserved::WorldIpv6 => {
                    self.reserved.contains(&name)
                }
                // `reserved:all` selects every identity; an unknown name
                // may be one this identity has.
                Reserved::All | Reserved::Unknown => true,
                Reserved::Inside => false,
            },
            ANY => self.reserved.contains(&name) || (self.generated && is_cidr_label(name)),
            source => self.generated && GENERATED_SOURCES.contains(&source),
        }
    }

    /// Must the identity carry a label matching `key`?
    fn must_have(&self, key: &SelectorKey<'_>) -> bool {
        matches!(key.source, RESERVED | ANY) && self.reserved.contains(&key.name.as_ref())
    }

    fn holds(&self, term: &Term<'_>) -> bool {
        match term.op {
            Op::Present => self.may_have(&term.key),
            Op::Absent => !self.must_have(&term.key),
            Op::Other => true,
        }
    }
}

/// A CIDR label's key (`169.254.169.254/32`, IPv6 with `-` for `:`), which
/// a key without a source also matches.
fn is_cidr_label(name: &str) -> bool {
    name.contains('/')
        && name
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || matches!(b, b'.' | b'/' | b':' | b'-'))
}

/// Does a key confine the selector to namespaces, so Cilium does not add
/// the policy's own namespace? The namespace label, or a namespace's labels
/// (any source, which is at least as broad as Cilium's check).
fn names_namespace(key: &SelectorKey<'_>) -> bool {
    key.name.ends_with("io.kubernetes.pod.namespace")
        || key.name.contains("io.cilium.k8s.namespace.labels")
}

/// True when a rule's `endpointSelector` has the key `reserved:init` (in
/// any spelling, with any operator: Cilium's `HasKey`), which makes Cilium
/// leave the rule's peer selectors unconfined.
pub fn matches_init<'k>(keys: impl IntoIterator<Item = &'k str>) -> bool {
    keys.into_iter().any(|k| {
        let key = SelectorKey::parse(k);
        key.is_reserved() && key.name == "init"
    })
}

/// What a selector allows beyond the cluster's pods: `None` when it selects
/// no outside identity, else the addresses and why (for the message).
/// `unconfined` is true when Cilium adds no namespace to any selector of
/// the rule (a clusterwide policy, or [`matches_init`]).
pub fn outside_reach(terms: &[Term<'_>], unconfined: bool) -> Option<(NetSet, String)> {
    // Cilium leaves a selector with a reserved key unconfined; one with a
    // key of the generated identities' sources is treated so too (broader
    // than Cilium, whose namespace term makes it select nothing: no release
    // difference can turn it into a bypass).
    let unconfined = unconfined
        || terms.iter().any(|t| {
            t.key.is_reserved()
                || GENERATED_SOURCES.contains(&t.key.source)
                || names_namespace(&t.key)
        });
    if !unconfined {
        return None;
    }
    let (mut v4, mut v6) = (false, false);
    for identity in &OUTSIDE {
        if terms.iter().all(|t| identity.holds(t)) {
            let (a, b) = match identity.family {
                Family::Both => (true, true),
                Family::V4 => (true, false),
                Family::V6 => (false, true),
            };
            v4 |= a;
            v6 |= b;
        }
    }
    let reach = match (v4, v6) {
        (true, true) => NetSet::everything(),
        (true, false) => NetSet::of(vec![all_ipv4()]),
        (false, true) => NetSet::of(vec![all_ipv6()]),
        (false, false) => return None,
    };
    Some((reach, why(terms)))
}

/// The reason, naming the first key that selects outside identities as
/// Cilium reads it, or the absence of any confining term.
fn why(terms: &[Term<'_>]) -> String {
    let selecting = terms
        .iter()
        .find(|t| t.op == Op::Present && OUTSIDE.iter().any(|identity| identity.may_have(&t.key)));
    match selecting {
        Some(t) => {
            let canonical = t.key.canonical();
            if canonical == t.written {
                format!("key {} selects them", quote(t.written))
            } else {
                format!(
                    "key {} is {}, which selects them",
                    quote(t.written),
                    quote(&canonical)
                )
            }
        }
        None => {
            "it requires no pod label and is not confined to the policy's namespace".to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn reach(terms: &[(&str, Op)], clusterwide: bool) -> Option<String> {
        let terms: Vec<Term> = terms.iter().map(|(k, op)| Term::new(k, *op)).collect();
        outside_reach(&terms, clusterwide).map(|(r, _)| {
            r.nets
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        })
    }

    const ALL: Option<&str> = Some("0.0.0.0/0,::/0");
    const V4: Option<&str> = Some("0.0.0.0/0");
    const V6: Option<&str> = Some("::/0");
    use Op::{Absent, Other, Present};

    #[rstest]
    #[case::reserved_world(&[("reserved:world", Present)], false, ALL)]
    #[case::dollar_world(&[("$world", Present)], false, ALL)]
    #[case::dotted_world(&[("reserved.world", Present)], false, ALL)]
    #[case::dollar_world_ipv4(&[("$world-ipv4", Present)], false, V4)]
    #[case::dollar_world_ipv6(&[("$world-ipv6", Present)], true, V6)]
    #[case::dollar_all(&[("$all", Present)], false, ALL)]
    #[case::unknown_reserved(&[("$internet", Present)], false, ALL)]
    #[case::unknown_reserved_dotted(&[("reserved.World", Present)], false, ALL)]
    #[case::reserved_host(&[("reserved:host", Present)], true, None)]
    #[case::dollar_kube_apiserver(&[("$kube-apiserver", Present)], true, None)]
    #[case::any_world_namespaced(&[("any:world", Present)], false, None)]
    #[case::any_world_clusterwide(&[("any:world", Present)], true, ALL)]
    #[case::bare_world_clusterwide(&[("world", Present)], true, ALL)]
    #[case::k8s_world_clusterwide(&[("k8s:world", Present)], true, None)]
    #[case::pod_label_clusterwide(&[("app", Present)], true, None)]
    #[case::cidr_label(&[("cidr:169.254.169.254/32", Present)], false, ALL)]
    #[case::bare_cidr_label_clusterwide(&[("169.254.169.254/32", Present)], true, ALL)]
    #[case::fqdn_label(&[("fqdn:metadata.google.internal", Present)], false, ALL)]
    #[case::empty_namespaced(&[], false, None)]
    #[case::empty_clusterwide(&[], true, ALL)]
    #[case::host_excluded_namespaced(&[("$host", Absent)], false, ALL)]
    #[case::world_excluded_with_pod_label(&[("$world", Absent), ("app", Present)], true, None)]
    #[case::world_excluded_alone(&[("$world", Absent)], true, ALL)]
    #[case::world_and_ipv4_excluded(&[("$world", Absent), ("$world-ipv6", Absent)], true, V4)]
    #[case::namespace_not_in(&[("k8s:io.kubernetes.pod.namespace", Other)], false, ALL)]
    #[case::namespace_labels_absent(&[("k8s:io.cilium.k8s.namespace.labels.team", Absent)], false, ALL)]
    #[case::pod_label_not_in(&[("app", Other)], false, None)]
    #[case::world_and_pod_label(&[("$world", Present), ("app", Present)], false, None)]
    fn selectors(
        #[case] terms: &[(&str, Op)],
        #[case] clusterwide: bool,
        #[case] expected: Option<&str>,
    ) {
        assert_eq!(reach(terms, clusterwide).as_deref(), expected);
    }

    #[rstest]
    #[case(&["$init"], true)]
    #[case(&["reserved.init"], true)]
    #[case(&["app", "reserved:init"], true)]
    #[case(&["k8s:init"], false)]
    #[case(&["init"], false)]
    #[case(&["$host"], false)]
    fn init_endpoint_selectors(#[case] keys: &[&str], #[case] expected: bool) {
        assert_eq!(matches_init(keys.iter().copied()), expected);
    }

    #[test]
    fn messages_show_how_cilium_reads_the_key() {
        let terms = [Term::new("$world", Op::Present)];
        let (_, why) = outside_reach(&terms, false).unwrap();
        assert_eq!(
            why,
            r#"key "$world" is "reserved:world", which selects them"#
        );
    }
}

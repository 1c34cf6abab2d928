//! The dialect-independent core: what a rule allows, what shields it, and
//! the message when a metadata endpoint stays reachable.
//!
//! Each dialect judges its egress rules' grants (destinations a rule or
//! peer allows, on the metadata ports its ports can match) against
//! [`Shield`]s (destinations that deny or pass rules take out of the same
//! policy before the grant applies). A grant exposes an endpoint on a port
//! when some part of the endpoint is in the grant and in no shield for that
//! port.
//!
//! Nearly every grant exposes nothing, so nothing of a message is formatted
//! for it: a grant's field path and description are closures, called only
//! for a grant that exposes something (formatting them for every rule cost
//! more than the check itself).

use ipnet::IpNet;
use shared::cidr::{NetSet, overlaps, parse_net};
use shared::violations::Violations;

use crate::ports;
use crate::shields::{Shields, reach_within};
use shared::quote::quote;

/// Destinations taken out of later grants, on some metadata ports.
pub struct Shield {
    pub covers: NetSet,
    pub ports: Vec<u16>,
}

/// How to repair a grant, per dialect and rule shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fix {
    /// Kubernetes ipBlock or Cilium toCIDRSet.
    AddExcept,
    /// Kubernetes egress rule or peer without a destination.
    NameDestinations,
    /// Cilium toCIDR (no except field).
    CiliumToCidr,
    /// Cilium entities and L4-only rules: name the CIDRs, or deny.
    CiliumDeny,
    /// Cilium selectors, FQDNs and CIDR groups, whose addresses are not in
    /// the policy: only a deny rule fixes them.
    CiliumDenyOnly,
    /// Calico Allow rule.
    CalicoNotNets,
}

impl Fix {
    fn describe(self, targets: &str) -> String {
        match self {
            Fix::AddExcept => format!("add {targets} to except"),
            Fix::NameDestinations => format!(
                "list the destinations in `to`, e.g. an ipBlock with cidr 0.0.0.0/0 and except [{targets}]"
            ),
            Fix::CiliumToCidr => format!(
                "move it to toCIDRSet with except [{targets}], or add an egressDeny rule with toCIDR [{targets}] to this policy"
            ),
            Fix::CiliumDeny => format!(
                "allow toCIDRSet with cidr 0.0.0.0/0 and except [{targets}] instead, or add an egressDeny rule with toCIDR [{targets}] to this policy"
            ),
            Fix::CiliumDenyOnly => {
                format!("add an egressDeny rule with toCIDR [{targets}] to this policy")
            }
            Fix::CalicoNotNets => format!(
                "add {targets} to destination.notNets, or put a Deny rule with destination.nets [{targets}] before this rule"
            ),
        }
    }
}

/// How a grant is named in its message.
pub struct Label {
    /// Field path of the rule or peer, e.g. `spec.egress[0].to[0].ipBlock`.
    pub path: String,
    /// What it allows, completing "`path` ...", e.g. `allows 0.0.0.0/0`.
    pub allows: String,
}

/// Judges the grants of one rule, which share its metadata ports and the
/// shields before it. Messages wait in the judge until [`Judge::report`],
/// so a rule's exposures follow the parse errors found while reading it.
pub struct Judge<'a> {
    ports: &'a [u16],
    shields: &'a Shields<'a>,
    exposed: Vec<String>,
}

impl<'a> Judge<'a> {
    /// The blocked endpoints are the shields'.
    pub fn new(ports: &'a [u16], shields: &'a Shields<'a>) -> Self {
        Judge {
            ports,
            shields,
            exposed: Vec::new(),
        }
    }

    /// Judges one grant of the rule: `reach`, repaired by `fix`, named by
    /// `label` (called only when the grant exposes something).
    pub fn grant(&mut self, reach: &NetSet, fix: Fix, label: impl FnOnce() -> Label) {
        let message = assess(reach, self.ports, self.shields, fix, label);
        self.exposed.extend(message);
    }

    /// Pushes the rule's exposures, in the order its grants were judged.
    pub fn report(self, violations: &mut Violations) {
        for message in self.exposed {
            violations.push(message);
        }
    }
}

/// A blocked endpoint a grant reaches.
#[derive(Debug, PartialEq, Eq)]
struct Exposed {
    endpoint: IpNet,
    /// The first piece of the endpoint left open (the endpoint itself when
    /// all of it is).
    piece: IpNet,
    /// The metadata ports it is open on.
    ports: Vec<u16>,
}

/// Checks a grant (`reach` on `ports`) against every blocked destination
/// and returns the one message naming everything it exposes, if anything.
fn assess(
    reach: &NetSet,
    ports: &[u16],
    shields: &Shields<'_>,
    fix: Fix,
    label: impl FnOnce() -> Label,
) -> Option<String> {
    let exposed = exposures(reach, ports, shields);
    (!exposed.is_empty()).then(|| message(&exposed, &label(), fix))
}

/// Every blocked endpoint the grant exposes; empty (and unallocated) for
/// nearly every grant. Not generic over the label, so each dialect's many
/// label closures share one copy of the search.
fn exposures(reach: &NetSet, ports: &[u16], shields: &Shields<'_>) -> Vec<Exposed> {
    if ports.is_empty() {
        return Vec::new();
    }
    shields
        .blocked()
        .iter()
        .enumerate()
        .filter_map(|(at, &endpoint)| exposure(at, endpoint, reach, ports, shields))
        .collect()
}

/// How `reach` exposes blocked endpoint number `at` on `ports`, despite the
/// shields.
fn exposure(
    at: usize,
    endpoint: IpNet,
    reach: &NetSet,
    ports: &[u16],
    shields: &Shields<'_>,
) -> Option<Exposed> {
    // Most grants do not touch the endpoint at all; they need no search.
    if !reach.nets.iter().any(|net| overlaps(net, &endpoint)) {
        return None;
    }
    let spans = reach_within(reach, &endpoint);
    let mut piece = None;
    let mut open = Vec::new();
    for &port in ports {
        if let Some(found) = shields.exposed(at, reach, &spans, port) {
            piece.get_or_insert(found);
            open.push(port);
        }
    }
    Some(Exposed {
        endpoint,
        piece: piece?,
        ports: open,
    })
}

/// "`path` `allows`, which reaches the metadata endpoint(s) ... on TCP ...:
/// fix", endpoints grouped by the ports they are open on.
fn message(exposed: &[Exposed], label: &Label, fix: Fix) -> String {
    let mut groups: Vec<(&[u16], Vec<String>)> = Vec::new();
    for e in exposed {
        let what = if e.piece == e.endpoint {
            e.endpoint.to_string()
        } else {
            format!("{} (part of {})", e.piece, e.endpoint)
        };
        match groups.iter_mut().find(|(ports, _)| *ports == e.ports) {
            Some((_, whats)) => whats.push(what),
            None => groups.push((&e.ports, vec![what])),
        }
    }
    let reached: Vec<String> = groups
        .iter()
        .map(|(open, whats)| format!("{} on {}", whats.join(", "), ports::describe(open)))
        .collect();
    let targets: Vec<String> = exposed.iter().map(|e| e.piece.to_string()).collect();
    let noun = if targets.len() == 1 {
        "the metadata endpoint"
    } else {
        "the metadata endpoints"
    };
    format!(
        "{} {}, which reaches {noun} {}: {}",
        label.path,
        label.allows,
        reached.join(" and "),
        fix.describe(&targets.join(", "))
    )
}

/// Parses a CIDR from a rule; a bad one is a violation naming the field
/// (`path`, formatted only then), because the policy cannot tell what an
/// unreadable rule allows.
pub fn parse_at(
    path: impl FnOnce() -> String,
    text: &str,
    violations: &mut Violations,
) -> Option<IpNet> {
    match parse_net(text) {
        Ok(net) => Some(net),
        Err(e) => {
            violations.push(format!(
                "{} {} {e}; write an unambiguous CIDR such as 169.254.169.254/32",
                path(),
                quote(text)
            ));
            None
        }
    }
}

/// `text`, followed by the network it denotes when that reads differently
/// (host bits cleared, IPv4-mapped folded), so users see what is evaluated.
pub fn show(text: &str, net: &IpNet) -> String {
    let canonical = net.to_string();
    if canonical == text {
        canonical
    } else {
        format!("{text} (the network {canonical})")
    }
}

/// A `cidr` with `except` entries (Kubernetes ipBlock, Cilium toCIDRSet).
/// Only an except inside its cidr counts: Kubernetes rejects the others and
/// Cilium refuses to import the policy, so they protect nothing.
pub struct CidrExcept<'t, T> {
    cidr: &'t str,
    net: IpNet,
    except: &'t [T],
    /// What it allows: the cidr minus the excepts inside it.
    pub reach: NetSet,
}

impl<'t, T: AsRef<str>> CidrExcept<'t, T> {
    /// Parses the cidr and every except, reporting bad ones under `path`;
    /// `None` when the cidr does not parse.
    pub fn parse(
        path: &impl Fn() -> String,
        cidr: &'t str,
        except: &'t [T],
        violations: &mut Violations,
    ) -> Option<Self> {
        let net = parse_at(|| format!("{}.cidr", path()), cidr, violations);
        let mut counted = Vec::new();
        for (i, text) in except.iter().enumerate() {
            let at = || format!("{}.except[{i}]", path());
            if let Some(e) = parse_at(at, text.as_ref(), violations)
                && net.is_some_and(|n| n.contains(&e))
            {
                counted.push(e);
            }
        }
        let net = net?;
        Some(CidrExcept {
            cidr,
            net,
            except,
            reach: NetSet {
                nets: vec![net],
                except: counted,
            },
        })
    }

    /// "allows `cidr` except ...", naming excepts outside the cidr as not
    /// counting. Reads the except texts again: only a message needs them,
    /// and an entry that did not parse was reported already.
    pub fn allows(&self) -> String {
        let mut inside = Vec::new();
        let mut outside = Vec::new();
        for text in self.except {
            let text = text.as_ref();
            let Ok(e) = parse_net(text) else { continue };
            if self.net.contains(&e) {
                inside.push(show(text, &e));
            } else {
                outside.push(show(text, &e));
            }
        }
        let mut allows = format!("allows {}", show(self.cidr, &self.net));
        if !inside.is_empty() {
            allows.push_str(&format!(" except {}", inside.join(", ")));
        }
        if !outside.is_empty() {
            allows.push_str(&format!(
                " (except {} is not inside the cidr and does not count)",
                outside.join(", ")
            ));
        }
        allows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;
    use shared::cidr::NetSet;

    fn blocked() -> Vec<IpNet> {
        ["169.254.169.254/32", "fd00:ec2::254/128"]
            .iter()
            .map(|t| parse_net(t).unwrap())
            .collect()
    }

    /// What a dialect hands [`assess`]: destinations on metadata ports.
    struct Grant {
        reach: NetSet,
        ports: Vec<u16>,
    }

    fn grant(nets: &[&str], ports: &[u16]) -> Grant {
        Grant {
            reach: NetSet::of(nets.iter().map(|t| parse_net(t).unwrap()).collect()),
            ports: ports.to_vec(),
        }
    }

    fn label() -> Label {
        Label {
            path: "spec.egress[0]".into(),
            allows: "allows test".into(),
        }
    }

    fn shield(nets: &[&str], ports: &[u16]) -> Shield {
        Shield {
            covers: NetSet::of(nets.iter().map(|t| parse_net(t).unwrap()).collect()),
            ports: ports.to_vec(),
        }
    }

    fn merged<'b>(blocked: &'b [IpNet], shields: &[Shield]) -> Shields<'b> {
        let mut merged = Shields::new(blocked);
        for shield in shields {
            merged.add(shield);
        }
        merged
    }

    fn run(grant: &Grant, shields: &[Shield]) -> Option<String> {
        let blocked = blocked();
        assess(
            &grant.reach,
            &grant.ports,
            &merged(&blocked, shields),
            Fix::AddExcept,
            label,
        )
    }

    #[test]
    fn message_names_rule_endpoint_ports_and_fix() {
        let msg = run(&grant(&["0.0.0.0/0", "::/0"], &[80, 443]), &[]).unwrap();
        assert_eq!(
            msg,
            "spec.egress[0] allows test, which reaches the metadata endpoints 169.254.169.254/32, \
             fd00:ec2::254/128 on TCP 80, 443: add 169.254.169.254/32, fd00:ec2::254/128 to except"
        );
    }

    #[rstest]
    #[case::no_ports(grant(&["0.0.0.0/0"], &[]), vec![], None)]
    #[case::shield_all_ports(grant(&["0.0.0.0/0"], &[80, 443]), vec![shield(&["169.254.0.0/16"], &[80, 443])], None)]
    #[case::shield_one_port(grant(&["0.0.0.0/0"], &[80, 443]), vec![shield(&["169.254.0.0/16"], &[80])], Some("169.254.169.254/32 on TCP 443"))]
    #[case::shield_elsewhere(grant(&["0.0.0.0/0"], &[80]), vec![shield(&["10.0.0.0/8"], &[80])], Some("169.254.169.254/32 on TCP 80"))]
    #[case::ports_differ_per_endpoint(grant(&["0.0.0.0/0", "::/0"], &[80, 443]), vec![shield(&["169.254.0.0/16"], &[80])], Some("endpoints 169.254.169.254/32 on TCP 443 and fd00:ec2::254/128 on TCP 80, 443"))]
    #[case::ipv6_only(grant(&["::/0"], &[443]), vec![], Some("fd00:ec2::254/128 on TCP 443"))]
    fn shields_and_ports(
        #[case] grant: Grant,
        #[case] shields: Vec<Shield>,
        #[case] fragment: Option<&str>,
    ) {
        let msg = run(&grant, &shields);
        match fragment {
            None => assert_eq!(msg, None),
            Some(f) => assert!(msg.as_deref().unwrap_or("").contains(f), "{msg:?}"),
        }
    }

    #[test]
    fn the_label_is_built_only_for_an_exposure() {
        let unrelated = grant(&["10.0.0.0/8"], &[80, 443]);
        let blocked = blocked();
        let msg = assess(
            &unrelated.reach,
            &unrelated.ports,
            &Shields::new(&blocked),
            Fix::AddExcept,
            || unreachable!("nothing is exposed"),
        );
        assert_eq!(msg, None);
    }

    #[test]
    fn a_judge_reports_after_the_rules_parse_errors() {
        let mut v = Violations::new();
        let blocked = blocked();
        let shields = Shields::new(&blocked);
        let mut judge = Judge::new(&[80], &shields);
        judge.grant(&NetSet::everything(), Fix::AddExcept, label);
        v.push("spec.egress[0].to[1].ipBlock.cidr \"x\" is bad");
        judge.report(&mut v);
        let all: Vec<&str> = v.iter().collect();
        assert_eq!(all.len(), 2);
        assert!(all[0].ends_with("is bad"), "{all:?}");
        assert!(all[1].starts_with("spec.egress[0] allows test"), "{all:?}");
    }

    #[test]
    fn partial_exposure_of_a_blocked_range_names_the_piece() {
        let range = vec![parse_net("169.254.0.0/16").unwrap()];
        let g = grant(&["169.254.169.0/24"], &[80]);
        let shields = Shields::new(&range);
        let msg = assess(&g.reach, &g.ports, &shields, Fix::AddExcept, label).unwrap();
        assert!(
            msg.contains(
                "reaches the metadata endpoint 169.254.169.0/24 (part of 169.254.0.0/16) on TCP 80"
            ),
            "{msg}"
        );
    }

    #[test]
    fn except_outside_the_cidr_does_not_count() {
        let mut v = Violations::new();
        let path = || "p".to_string();
        let cidr =
            CidrExcept::parse(&path, "169.254.169.0/24", &["169.254.0.0/16"], &mut v).unwrap();
        assert!(v.is_empty());
        assert!(cidr.reach.except.is_empty());
        let allows = cidr.allows();
        assert!(
            allows.contains("except 169.254.0.0/16 is not inside the cidr"),
            "{allows}"
        );
    }

    #[test]
    fn bad_cidrs_are_violations_with_the_field_path() {
        let mut v = Violations::new();
        let (p, q) = (|| "p".to_string(), || "q".to_string());
        let cidr = CidrExcept::parse(&p, "0.0.0.0/0", &["169.254.169.0254/32"], &mut v).unwrap();
        assert_eq!(cidr.allows(), "allows 0.0.0.0/0");
        assert!(CidrExcept::parse(&q, "10.0.0.0/33", &[] as &[&str], &mut v).is_none());
        let all: Vec<&str> = v.iter().collect();
        assert!(
            all[0].starts_with("p.except[0] \"169.254.169.0254/32\" has a leading zero"),
            "{all:?}"
        );
        assert!(all[1].starts_with("q.cidr \"10.0.0.0/33\""), "{all:?}");
    }

    /// The search before the shields were merged: every grant against every
    /// shield on its port, through the reference search. The oracle of
    /// [`Shields`].
    fn reference(
        reach: &NetSet,
        ports: &[u16],
        shields: &[Shield],
        blocked: &[IpNet],
    ) -> Vec<Exposed> {
        if ports.is_empty() {
            return Vec::new();
        }
        blocked
            .iter()
            .filter_map(|&endpoint| {
                if !reach.nets.iter().any(|net| overlaps(net, &endpoint)) {
                    return None;
                }
                let mut piece = None;
                let mut open = Vec::new();
                for &port in ports {
                    let denied: Vec<&NetSet> = shields
                        .iter()
                        .filter(|s| s.ports.contains(&port))
                        .map(|s| &s.covers)
                        .collect();
                    if let Some(found) = shared::cidr::first_exposed(endpoint, reach, &denied) {
                        piece.get_or_insert(found);
                        open.push(port);
                    }
                }
                Some(Exposed {
                    endpoint,
                    piece: piece?,
                    ports: open,
                })
            })
            .collect()
    }

    /// Networks around 10.0.0.0/24 and fd00::/120, at every prefix from the
    /// whole family down to one address, so nets nest, meet and miss.
    fn any_net() -> impl Strategy<Value = IpNet> {
        prop_oneof![
            4 => (any::<u8>(), 20u8..=32).prop_map(|(last, prefix)| {
                IpNet::V4(ipnet::Ipv4Net::new(std::net::Ipv4Addr::new(10, 0, 0, last), prefix).unwrap()).trunc()
            }),
            1 => (0u8..=8).prop_map(|prefix| {
                IpNet::V4(ipnet::Ipv4Net::new(std::net::Ipv4Addr::new(10, 0, 0, 0), prefix).unwrap()).trunc()
            }),
            1 => (any::<u8>(), 116u8..=128).prop_map(|(last, prefix)| {
                let address = std::net::Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, last.into());
                IpNet::V6(ipnet::Ipv6Net::new(address, prefix).unwrap()).trunc()
            }),
        ]
    }

    fn any_set() -> impl Strategy<Value = NetSet> {
        (
            proptest::collection::vec(any_net(), 0..4),
            proptest::collection::vec(any_net(), 0..4),
        )
            .prop_map(|(nets, except)| NetSet { nets, except })
    }

    fn any_ports() -> impl Strategy<Value = Vec<u16>> {
        proptest::sample::subsequence(vec![80, 443], 0..=2)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

        /// The merged shields find what the rule-by-rule search finds: the
        /// same endpoints, the same piece of each, on the same ports.
        #[test]
        fn merged_shields_agree_with_the_rule_by_rule_search(
            blocked in proptest::collection::vec(any_net(), 1..4),
            shields in proptest::collection::vec((any_set(), any_ports()), 0..8),
            grants in proptest::collection::vec((any_set(), any_ports()), 1..4),
        ) {
            let shields: Vec<Shield> = shields
                .into_iter()
                .map(|(covers, ports)| Shield { covers, ports })
                .collect();
            let merged = merged(&blocked, &shields);
            for (reach, ports) in &grants {
                prop_assert_eq!(
                    exposures(reach, ports, &merged),
                    reference(reach, ports, &shields, &blocked)
                );
            }
        }
    }

    #[test]
    fn show_reveals_normalization() {
        let net = parse_net("169.254.169.254/16").unwrap();
        assert_eq!(
            show("169.254.169.254/16", &net),
            "169.254.169.254/16 (the network 169.254.0.0/16)"
        );
        let net = parse_net("10.0.0.0/8").unwrap();
        assert_eq!(show("10.0.0.0/8", &net), "10.0.0.0/8");
    }
}

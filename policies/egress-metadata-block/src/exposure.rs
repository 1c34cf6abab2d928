//! The dialect-independent core: what a rule allows, what shields it, and
//! the message when a metadata endpoint stays reachable.
//!
//! Each dialect turns its egress rules into [`Grant`]s (destinations a rule
//! allows, on which metadata ports) and [`Shield`]s (destinations that deny
//! or pass rules take out of the same policy before the grant applies). A
//! grant exposes an endpoint on a port when some part of the endpoint is in
//! the grant and in no shield for that port.

use ipnet::IpNet;
use shared::cidr::{NetSet, first_exposed, parse_net};
use shared::violations::Violations;

use crate::ports;

/// Destinations one rule (or one peer of a rule) allows.
pub struct Grant {
    /// Field path of the rule or peer, e.g. `spec.egress[0].to[0].ipBlock`.
    pub path: String,
    /// What it allows, completing "`path` ...", e.g. `allows 0.0.0.0/0`.
    pub allows: String,
    pub reach: NetSet,
    /// The metadata ports the rule's ports and protocol can match.
    pub ports: Vec<u16>,
    pub fix: Fix,
}

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

/// Checks one grant against every blocked destination and pushes at most one
/// violation naming everything it exposes.
pub fn assess(grant: &Grant, shields: &[Shield], blocked: &[IpNet], violations: &mut Violations) {
    // (ports, what) per exposed endpoint, grouped by port list for the message.
    let mut groups: Vec<(Vec<u16>, Vec<String>)> = Vec::new();
    let mut targets = Vec::new();
    for &endpoint in blocked {
        let mut first = None;
        let mut open_ports = Vec::new();
        for &port in &grant.ports {
            let denied: Vec<&NetSet> = shields
                .iter()
                .filter(|s| s.ports.contains(&port))
                .map(|s| &s.covers)
                .collect();
            if let Some(found) = first_exposed(endpoint, &grant.reach, &denied) {
                first.get_or_insert(found);
                open_ports.push(port);
            }
        }
        let Some(found) = first else { continue };
        let what = if found == endpoint {
            endpoint.to_string()
        } else {
            format!("{found} (part of {endpoint})")
        };
        match groups.iter_mut().find(|(ports, _)| *ports == open_ports) {
            Some((_, whats)) => whats.push(what),
            None => groups.push((open_ports, vec![what])),
        }
        targets.push(found.to_string());
    }
    if targets.is_empty() {
        return;
    }
    let reached: Vec<String> = groups
        .iter()
        .map(|(open, whats)| format!("{} on {}", whats.join(", "), ports::describe(open)))
        .collect();
    let noun = if targets.len() == 1 {
        "the metadata endpoint"
    } else {
        "the metadata endpoints"
    };
    violations.push(format!(
        "{} {}, which reaches {noun} {}: {}",
        grant.path,
        grant.allows,
        reached.join(" and "),
        grant.fix.describe(&targets.join(", "))
    ));
}

/// Parses a CIDR from a rule; a bad one is a violation naming the field,
/// because the policy cannot tell what an unreadable rule allows.
pub fn parse_at(path: &str, text: &str, violations: &mut Violations) -> Option<IpNet> {
    match parse_net(text) {
        Ok(net) => Some(net),
        Err(e) => {
            violations.push(format!(
                "{path} {text:?} {e}; write an unambiguous CIDR such as 169.254.169.254/32"
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
/// Cilium refuses to import the policy, so they protect nothing. Returns
/// `None` when a CIDR does not parse (already reported).
pub fn cidr_except(
    path: &str,
    cidr: &str,
    except: &[impl AsRef<str>],
    violations: &mut Violations,
) -> Option<(NetSet, String)> {
    let net = parse_at(&format!("{path}.cidr"), cidr, violations);
    let mut counted = Vec::new();
    let mut shown = Vec::new();
    let mut outside = Vec::new();
    for (i, text) in except.iter().enumerate() {
        let text = text.as_ref();
        let Some(e) = parse_at(&format!("{path}.except[{i}]"), text, violations) else {
            continue;
        };
        match net {
            Some(n) if n.contains(&e) => {
                counted.push(e);
                shown.push(show(text, &e));
            }
            _ => outside.push(show(text, &e)),
        }
    }
    let net = net?;
    let mut allows = format!("allows {}", show(cidr, &net));
    if !shown.is_empty() {
        allows.push_str(&format!(" except {}", shown.join(", ")));
    }
    if !outside.is_empty() {
        allows.push_str(&format!(
            " (except {} is not inside the cidr and does not count)",
            outside.join(", ")
        ));
    }
    Some((
        NetSet {
            nets: vec![net],
            except: counted,
        },
        allows,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use shared::cidr::NetSet;

    fn blocked() -> Vec<IpNet> {
        ["169.254.169.254/32", "fd00:ec2::254/128"]
            .iter()
            .map(|t| parse_net(t).unwrap())
            .collect()
    }

    fn grant(nets: &[&str], ports: &[u16]) -> Grant {
        Grant {
            path: "spec.egress[0]".into(),
            allows: "allows test".into(),
            reach: NetSet::of(nets.iter().map(|t| parse_net(t).unwrap()).collect()),
            ports: ports.to_vec(),
            fix: Fix::AddExcept,
        }
    }

    fn shield(nets: &[&str], ports: &[u16]) -> Shield {
        Shield {
            covers: NetSet::of(nets.iter().map(|t| parse_net(t).unwrap()).collect()),
            ports: ports.to_vec(),
        }
    }

    fn run(grant: &Grant, shields: &[Shield]) -> Option<String> {
        let mut v = Violations::new();
        assess(grant, shields, &blocked(), &mut v);
        v.iter().next().map(str::to_string)
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
    fn partial_exposure_of_a_blocked_range_names_the_piece() {
        let mut v = Violations::new();
        let range = vec![parse_net("169.254.0.0/16").unwrap()];
        assess(&grant(&["169.254.169.0/24"], &[80]), &[], &range, &mut v);
        let msg = v.iter().next().unwrap();
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
        let (set, allows) =
            cidr_except("p", "169.254.169.0/24", &["169.254.0.0/16"], &mut v).unwrap();
        assert!(v.is_empty());
        assert!(set.except.is_empty());
        assert!(
            allows.contains("except 169.254.0.0/16 is not inside the cidr"),
            "{allows}"
        );
    }

    #[test]
    fn bad_cidrs_are_violations_with_the_field_path() {
        let mut v = Violations::new();
        assert!(cidr_except("p", "0.0.0.0/0", &["169.254.169.0254/32"], &mut v).is_some());
        assert!(cidr_except("q", "10.0.0.0/33", &[] as &[&str], &mut v).is_none());
        let all: Vec<&str> = v.iter().collect();
        assert!(
            all[0].starts_with("p.except[0] \"169.254.169.0254/32\" has a leading zero"),
            "{all:?}"
        );
        assert!(all[1].starts_with("q.cidr \"10.0.0.0/33\""), "{all:?}");
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

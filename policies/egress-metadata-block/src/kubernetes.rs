//! `networking.k8s.io/v1` NetworkPolicy.
//!
//! Egress rules only allow, and a rule allows traffic to any of its `to`
//! peers on any of its `ports`. No `to` means every destination; a peer with
//! an `ipBlock` allows `cidr` minus `except`; pod and namespace selectors
//! select pods, never a link-local or cloud address.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::IgnoredAny;
use shared::cidr::NetSet;
use shared::violations::Violations;

use crate::exposure::{CidrExcept, Fix, Judge, Label};
use crate::ports::{IntOrString, PortSel, Reading, carries_tcp, reached};
use crate::settings::Compiled;
use crate::shields::Shields;
use shared::text::Text;
use shared::views::nullable;

#[derive(Deserialize)]
pub struct NetworkPolicy<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    spec: Spec<'a>,
}

#[derive(Deserialize, Default)]
struct Spec<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    egress: Vec<EgressRule<'a>>,
}

#[derive(Deserialize)]
struct EgressRule<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    to: Vec<Peer<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    ports: Vec<Port<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Peer<'a> {
    #[serde(default, borrow)]
    ip_block: Option<IpBlock<'a>>,
    #[serde(default)]
    pod_selector: Option<IgnoredAny>,
    #[serde(default)]
    namespace_selector: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct IpBlock<'a> {
    #[serde(borrow)]
    cidr: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    except: Vec<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Port<'a> {
    #[serde(default, borrow)]
    protocol: Option<Text<'a>>,
    #[serde(default, borrow)]
    port: Option<IntOrString<'a>>,
    #[serde(default)]
    end_port: Option<i64>,
}

/// Reports every egress rule of the policy that reaches a blocked destination.
pub fn check(policy: &NetworkPolicy<'_>, settings: &Compiled, violations: &mut Violations) {
    // Kubernetes egress rules only allow: nothing shields anything.
    let shields = Shields::new(&settings.blocked);
    for (i, rule) in policy.spec.egress.iter().enumerate() {
        let path = || format!("spec.egress[{i}]");
        let ports = rule_ports(rule, &settings.ports);
        let mut judge = Judge::new(&ports, &shields);
        if rule.to.is_empty() {
            judge.grant(&NetSet::everything(), Fix::NameDestinations, || Label {
                path: path(),
                allows: "has no `to`, so it allows every destination".into(),
            });
        }
        for (j, peer) in rule.to.iter().enumerate() {
            if let Some(block) = &peer.ip_block {
                let at = || format!("{}.to[{j}].ipBlock", path());
                if let Some(cidr) = CidrExcept::parse(&at, &block.cidr, &block.except, violations) {
                    judge.grant(&cidr.reach, Fix::AddExcept, || Label {
                        path: at(),
                        allows: cidr.allows(),
                    });
                }
            } else if peer.pod_selector.is_none() && peer.namespace_selector.is_none() {
                judge.grant(&NetSet::everything(), Fix::NameDestinations, || Label {
                    path: format!("{}.to[{j}]", path()),
                    allows: "is an empty peer, which does not restrict the destination".into(),
                });
            }
        }
        judge.report(violations);
    }
}

/// No `ports` means every port; otherwise the TCP entries (protocol defaults
/// to TCP) decide.
fn rule_ports(rule: &EgressRule<'_>, metadata_ports: &[u16]) -> Vec<u16> {
    if rule.ports.is_empty() {
        return reached(None, metadata_ports, Reading::May);
    }
    let selections: Vec<PortSel> = rule
        .ports
        .iter()
        .filter(|p| carries_tcp(p.protocol.as_deref(), Reading::May))
        .map(|p| PortSel::kubernetes(p.port.as_ref(), p.end_port))
        .collect();
    reached(Some(&selections), metadata_ports, Reading::May)
}

//! `projectcalico.org/v3` NetworkPolicy and GlobalNetworkPolicy (and the
//! same objects written directly as `crd.projectcalico.org/v1`).
//!
//! Calico evaluates a policy's rules in order and the first Allow, Deny or
//! Pass that matches decides. An Allow therefore exposes only what no
//! earlier Deny or Pass of the same policy has taken (Pass hands the packet
//! to the next tier, so this policy's later Allow never sees it). Log rules
//! only log.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::IgnoredAny;
use shared::cidr::{NetSet, all_ipv4, all_ipv6, parse_net};
use shared::violations::Violations;

use crate::exposure::{Fix, Judge, Label, Shield, parse_at, show};
use crate::keys::Keys;
use crate::ports::{IntOrString, PortSel, Reading, carries_tcp, reached};
use crate::settings::Compiled;
use crate::shields::Shields;
use shared::quote::quote;
use shared::text::Text;
use shared::views::nullable;

#[derive(Deserialize)]
pub struct CalicoPolicy<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    spec: Spec<'a>,
}

#[derive(Deserialize, Default)]
struct Spec<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    egress: Vec<Rule<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    #[serde(default, borrow)]
    action: Cow<'a, str>,
    #[serde(default, borrow)]
    protocol: Option<IntOrString<'a>>,
    #[serde(default, borrow)]
    not_protocol: Option<IntOrString<'a>>,
    #[serde(default)]
    ip_version: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    source: Keys,
    #[serde(default, borrow, deserialize_with = "nullable")]
    destination: Destination<'a>,
    #[serde(default)]
    http: Option<IgnoredAny>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Destination<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    nets: Vec<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    not_nets: Vec<Text<'a>>,
    #[serde(default, borrow)]
    selector: Option<Text<'a>>,
    #[serde(default, borrow)]
    not_selector: Option<Text<'a>>,
    #[serde(default, borrow)]
    namespace_selector: Option<Text<'a>>,
    #[serde(default)]
    service_accounts: Option<IgnoredAny>,
    #[serde(default)]
    services: Option<IgnoredAny>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    ports: Vec<IntOrString<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    not_ports: Vec<IntOrString<'a>>,
}

fn present(selector: &Option<Text<'_>>) -> bool {
    selector.as_deref().is_some_and(|s| !s.trim().is_empty())
}

impl Destination<'_> {
    /// Selectors, service accounts and services confine the rule to
    /// endpoints (pods, host endpoints, services), which are not addresses
    /// this policy can judge; network sets are the documented gap.
    fn confined_to_endpoints(&self) -> bool {
        present(&self.selector)
            || present(&self.namespace_selector)
            || self.service_accounts.is_some()
            || self.services.is_some()
    }

    /// What an Allow rule with this destination allows, completing
    /// "`path` ...". Reads `nets` and `notNets` again: only a message needs
    /// their text, and a rule is judged only when all of them parsed.
    fn allows(&self) -> String {
        let shown = |texts: &[Text<'_>]| {
            let shown: Vec<String> = texts
                .iter()
                .filter_map(|text| parse_net(text).ok().map(|net| show(text, &net)))
                .collect();
            shown.join(", ")
        };
        let mut allows = if self.nets.is_empty() {
            "has no destination.nets, so it allows every destination".to_string()
        } else {
            format!("allows destination.nets {}", shown(&self.nets))
        };
        if !self.not_nets.is_empty() {
            allows.push_str(&format!(" except notNets {}", shown(&self.not_nets)));
        }
        allows
    }
}

/// Reports every Allow rule that reaches a blocked destination not taken
/// by an earlier Deny or Pass of the same policy.
pub fn check(policy: &CalicoPolicy<'_>, settings: &Compiled, violations: &mut Violations) {
    let mut shields = Shields::new(&settings.blocked);
    for (i, rule) in policy.spec.egress.iter().enumerate() {
        let path = || format!("spec.egress[{i}]");
        let action = rule.action.as_ref();
        let allow = action.eq_ignore_ascii_case("Allow");
        let stop = action.eq_ignore_ascii_case("Deny") || action.eq_ignore_ascii_case("Pass");
        if !allow && !stop && !action.eq_ignore_ascii_case("Log") {
            violations.push(format!(
                "{}.action {} is not a Calico action (Allow, Deny, Pass, Log)",
                path(),
                quote(action)
            ));
            continue;
        }
        let nets = destination_nets(&path, rule, violations);
        let reading = if allow { Reading::May } else { Reading::Sure };
        let ports = rule_ports(rule, &settings.ports, reading);
        let Some(reach) = nets else {
            continue;
        };
        if rule.destination.confined_to_endpoints() {
            continue;
        }
        if allow {
            let mut judge = Judge::new(&ports, &shields);
            judge.grant(&reach, Fix::CalicoNotNets, || Label {
                path: path(),
                allows: rule.destination.allows(),
            });
            judge.report(violations);
        } else if stop && shields_everything_it_names(rule) {
            shields.add(&Shield {
                covers: reach,
                ports,
            });
        }
    }
}

/// A Deny or Pass takes its destinations out of later rules only when it
/// matches every packet to them: no source, HTTP or notSelector condition
/// that could let some packets through.
fn shields_everything_it_names(rule: &Rule<'_>) -> bool {
    rule.source.is_empty() && rule.http.is_none() && !present(&rule.destination.not_selector)
}

/// `nets` (none: every address) minus `notNets`, limited to `ipVersion`;
/// `None` when an entry does not parse (reported under `path`).
fn destination_nets(
    path: &impl Fn() -> String,
    rule: &Rule<'_>,
    violations: &mut Violations,
) -> Option<NetSet> {
    let dest = &rule.destination;
    let mut ok = true;
    let mut parse_all = |field: &str, texts: &[Text<'_>]| {
        let mut nets = Vec::with_capacity(texts.len());
        for (j, text) in texts.iter().enumerate() {
            let at = || format!("{}.destination.{field}[{j}]", path());
            match parse_at(at, text, violations) {
                Some(net) => nets.push(net),
                None => ok = false,
            }
        }
        nets
    };
    let mut nets = parse_all("nets", &dest.nets);
    let except = parse_all("notNets", &dest.not_nets);
    if !ok {
        return None;
    }
    if dest.nets.is_empty() {
        nets = vec![all_ipv4(), all_ipv6()];
    }
    match rule.ip_version {
        Some(4) => nets.retain(|n| matches!(n, ipnet::IpNet::V4(_))),
        Some(6) => nets.retain(|n| matches!(n, ipnet::IpNet::V6(_))),
        _ => {}
    }
    Some(NetSet { nets, except })
}

fn is_tcp(protocol: &IntOrString<'_>) -> bool {
    match protocol {
        IntOrString::Int(n) => *n == 6,
        IntOrString::Str(s) => s.eq_ignore_ascii_case("TCP") || s == "6",
    }
}

/// Whether a protocol (name or number) carries TCP under `reading`.
fn protocol_carries_tcp(protocol: &IntOrString<'_>, reading: Reading) -> bool {
    match protocol {
        IntOrString::Int(_) => is_tcp(protocol),
        IntOrString::Str(s) if s.bytes().all(|b| b.is_ascii_digit()) => is_tcp(protocol),
        IntOrString::Str(s) => carries_tcp(Some(s), reading),
    }
}

/// The metadata ports the rule matches: TCP must be possible (protocol
/// absent or TCP, notProtocol not TCP), then `ports` (none: all) minus
/// `notPorts`. Allows are read for what they may match, Deny and Pass for
/// what they surely match.
fn rule_ports(rule: &Rule<'_>, metadata_ports: &[u16], reading: Reading) -> Vec<u16> {
    let protocol_ok = rule
        .protocol
        .as_ref()
        .is_none_or(|p| protocol_carries_tcp(p, reading));
    let excludes_tcp = rule.not_protocol.as_ref().is_some_and(|p| match reading {
        Reading::May => is_tcp(p),
        Reading::Sure => protocol_carries_tcp(p, Reading::May),
    });
    if !protocol_ok || excludes_tcp {
        return Vec::new();
    }
    let dest = &rule.destination;
    let selections: Vec<PortSel> = dest.ports.iter().map(PortSel::calico).collect();
    let mut ports = reached(
        (!selections.is_empty()).then_some(selections.as_slice()),
        metadata_ports,
        reading,
    );
    // An excluded port leaves an allow only when surely excluded, and a
    // deny whenever it may be.
    let exclusion = match reading {
        Reading::May => Reading::Sure,
        Reading::Sure => Reading::May,
    };
    let excluded: Vec<PortSel> = dest.not_ports.iter().map(PortSel::calico).collect();
    ports.retain(|p| !excluded.iter().any(|s| s.includes(*p, exclusion)));
    ports
}

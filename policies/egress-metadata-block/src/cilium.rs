//! `cilium.io/v2` CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy.
//!
//! A policy carries one rule in `spec` and/or several in `specs`. Within a
//! rule, `egressDeny` beats `egress`, so a deny covering the metadata
//! endpoints shields every allow of the same rule. An egress rule with only
//! `toPorts` applies to every destination; an empty rule allows nothing.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::IgnoredAny;
use shared::cidr::{NetSet, all_ipv4, all_ipv6};
use shared::violations::Violations;

use crate::exposure::{CidrExcept, Fix, Judge, Label, Shield, parse_at, show};
use crate::keys::Keys;
use crate::ports::{IntOrString, PortSel, Reading, carries_tcp, reached};
use crate::selector::{Op, Term, matches_init, outside_reach};
use crate::settings::Compiled;
use crate::shields::Shields;
use shared::quote::quote;
use shared::text::Text;
use shared::views::nullable;

/// Lists and maps read `null` as absent, as the API server prunes a `null`
/// from a CRD field before the object is stored or admitted.
#[derive(Deserialize)]
pub struct CiliumPolicy<'a> {
    #[serde(default, borrow)]
    spec: Option<Rule<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    specs: Vec<Rule<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    /// Only its keys matter: `reserved:init` among them unconfines the
    /// rule's peer selectors.
    #[serde(default, borrow)]
    endpoint_selector: Option<Selector<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    egress: Vec<EgressRule<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    egress_deny: Vec<EgressRule<'a>>,
}

/// The fields of `EgressRule` and `EgressDenyRule` (the deny rule has a
/// subset of them).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EgressRule<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    to_endpoints: Vec<Selector<'a>>,
    #[serde(default, borrow, rename = "toCIDR", deserialize_with = "nullable")]
    to_cidr: Vec<Text<'a>>,
    #[serde(default, borrow, rename = "toCIDRSet", deserialize_with = "nullable")]
    to_cidr_set: Vec<CidrRule<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    to_entities: Vec<Text<'a>>,
    #[serde(default, borrow, rename = "toFQDNs", deserialize_with = "nullable")]
    to_fqdns: Vec<FqdnSelector<'a>>,
    #[serde(default, deserialize_with = "nullable")]
    to_services: Vec<IgnoredAny>,
    #[serde(default, deserialize_with = "nullable")]
    to_groups: Vec<IgnoredAny>,
    #[serde(default, deserialize_with = "nullable")]
    to_nodes: Vec<IgnoredAny>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    to_ports: Vec<PortRule<'a>>,
    #[serde(default, deserialize_with = "nullable")]
    icmps: Vec<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CidrRule<'a> {
    #[serde(default, borrow)]
    cidr: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    except: Vec<Text<'a>>,
    #[serde(default, borrow)]
    cidr_group_ref: Option<Text<'a>>,
    #[serde(default)]
    cidr_group_selector: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Selector<'a> {
    #[serde(default, deserialize_with = "nullable")]
    match_labels: Keys,
    #[serde(default, borrow, deserialize_with = "nullable")]
    match_expressions: Vec<Expression<'a>>,
}

impl Selector<'_> {
    /// Every term, keys as Cilium reads them.
    fn terms(&self) -> Vec<Term<'_>> {
        let labels = self.match_labels.iter().map(|k| Term::new(k, Op::Present));
        let expressions = self
            .match_expressions
            .iter()
            .map(|e| Term::new(&e.key, Op::of_operator(&e.operator)));
        labels.chain(expressions).collect()
    }

    fn keys(&self) -> impl Iterator<Item = &str> {
        self.match_labels
            .iter()
            .chain(self.match_expressions.iter().map(|e| e.key.as_ref()))
    }
}

#[derive(Deserialize)]
struct Expression<'a> {
    #[serde(borrow)]
    key: Cow<'a, str>,
    #[serde(borrow)]
    operator: Cow<'a, str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FqdnSelector<'a> {
    #[serde(default, borrow)]
    match_name: Option<Text<'a>>,
    #[serde(default, borrow)]
    match_pattern: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct PortRule<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    ports: Vec<PortProtocol<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PortProtocol<'a> {
    #[serde(default, borrow)]
    port: Option<IntOrString<'a>>,
    #[serde(default)]
    end_port: Option<i64>,
    #[serde(default, borrow)]
    protocol: Option<Text<'a>>,
}

/// Entities that are neither the outside world nor unknown.
const INSIDE_ENTITIES: [&str; 9] = [
    "host",
    "remote-node",
    "kube-apiserver",
    "ingress",
    "cluster",
    "init",
    "health",
    "unmanaged",
    "none",
];

/// DNS names of metadata services, and wildcard-DNS services that resolve
/// any name with an embedded address (`169-254-169-254.nip.io`).
const METADATA_NAMES: [&str; 5] = [
    "metadata.google.internal",
    "metadata.goog",
    "metadata",
    "instance-data",
    "instance-data.ec2.internal",
];
const WILDCARD_DNS: [&str; 3] = ["nip.io", "sslip.io", "xip.io"];

/// Reports every egress rule of every rule in the policy that reaches a
/// blocked destination not denied by the same rule.
pub fn check(
    policy: &CiliumPolicy<'_>,
    clusterwide: bool,
    settings: &Compiled,
    violations: &mut Violations,
) {
    if let Some(rule) = &policy.spec {
        check_rule("spec", rule, clusterwide, settings, violations);
    }
    for (k, rule) in policy.specs.iter().enumerate() {
        check_rule(
            &format!("specs[{k}]"),
            rule,
            clusterwide,
            settings,
            violations,
        );
    }
}

fn check_rule(
    prefix: &str,
    rule: &Rule<'_>,
    clusterwide: bool,
    settings: &Compiled,
    violations: &mut Violations,
) {
    let mut shields = Shields::new(&settings.blocked);
    for (i, deny) in rule.egress_deny.iter().enumerate() {
        let path = || format!("{prefix}.egressDeny[{i}]");
        for shield in deny_shields(&path, deny, &settings.ports, violations) {
            shields.add(&shield);
        }
    }
    // Cilium confines no peer selector of a clusterwide policy (in older
    // releases) or of a rule whose endpointSelector names reserved:init.
    let unconfined = clusterwide
        || rule
            .endpoint_selector
            .as_ref()
            .is_some_and(|es| matches_init(es.keys()));
    for (i, allow) in rule.egress.iter().enumerate() {
        let path = || format!("{prefix}.egress[{i}]");
        let ports = rule_ports(allow, &settings.ports, Reading::May);
        let mut judge = Judge::new(&ports, &shields);
        judge_grants(&path, allow, unconfined, &mut judge, violations);
        judge.report(violations);
    }
}

fn has_destination(rule: &EgressRule<'_>) -> bool {
    !(rule.to_endpoints.is_empty()
        && rule.to_cidr.is_empty()
        && rule.to_cidr_set.is_empty()
        && rule.to_entities.is_empty()
        && rule.to_fqdns.is_empty()
        && rule.to_services.is_empty()
        && rule.to_groups.is_empty()
        && rule.to_nodes.is_empty())
}

/// No `toPorts` means every port, unless the rule is ICMP-only; otherwise
/// the TCP entries (protocol defaults to ANY) decide. Allows are read for
/// what they may match, denies for what they surely match.
fn rule_ports(rule: &EgressRule<'_>, metadata_ports: &[u16], reading: Reading) -> Vec<u16> {
    if rule.to_ports.is_empty() {
        if rule.icmps.is_empty() {
            return reached(None, metadata_ports, reading);
        }
        return Vec::new();
    }
    let mut selections = Vec::new();
    for port_rule in &rule.to_ports {
        if port_rule.ports.is_empty() {
            selections.push(PortSel::Any);
        }
        for p in &port_rule.ports {
            if carries_tcp(p.protocol.as_deref(), reading) {
                selections.push(PortSel::cilium(p.port.as_ref(), p.end_port));
            }
        }
    }
    reached(Some(&selections), metadata_ports, reading)
}

fn entity_reach(entity: &str) -> Option<NetSet> {
    match entity {
        "world" | "all" => Some(NetSet::everything()),
        "world-ipv4" => Some(NetSet::of(vec![all_ipv4()])),
        "world-ipv6" => Some(NetSet::of(vec![all_ipv6()])),
        _ => None,
    }
}

/// Judges every destination of an egress rule; `path` names the rule.
fn judge_grants(
    path: &impl Fn() -> String,
    rule: &EgressRule<'_>,
    unconfined: bool,
    judge: &mut Judge<'_>,
    violations: &mut Violations,
) {
    if !has_destination(rule) && !rule.to_ports.is_empty() {
        judge.grant(&NetSet::everything(), Fix::CiliumDeny, || Label {
            path: path(),
            allows: "has toPorts but no destination (toEndpoints, toCIDR, toCIDRSet, toEntities, ...), so it allows every destination on those ports".into(),
        });
    }
    for (j, selector) in rule.to_endpoints.iter().enumerate() {
        if let Some((reach, why)) = outside_reach(&selector.terms(), unconfined) {
            judge.grant(&reach, Fix::CiliumDenyOnly, || Label {
                path: format!("{}.toEndpoints[{j}]", path()),
                allows: format!(
                    "selects identities outside the cluster's pods (the world, CIDR or FQDN identities: {why})"
                ),
            });
        }
    }
    for (j, text) in rule.to_cidr.iter().enumerate() {
        let at = || format!("{}.toCIDR[{j}]", path());
        if let Some(net) = parse_at(at, text, violations) {
            judge.grant(&NetSet::of(vec![net]), Fix::CiliumToCidr, || Label {
                path: at(),
                allows: format!("allows {}", show(text, &net)),
            });
        }
    }
    for (j, set) in rule.to_cidr_set.iter().enumerate() {
        let at = || format!("{}.toCIDRSet[{j}]", path());
        if let Some(group) = &set.cidr_group_ref {
            judge.grant(&NetSet::everything(), Fix::CiliumDenyOnly, || Label {
                path: at(),
                allows: format!(
                    "allows the CiliumCIDRGroup {}, whose CIDRs cannot be checked at admission and may change later",
                    quote(group)
                ),
            });
        } else if set.cidr_group_selector.is_some() {
            judge.grant(&NetSet::everything(), Fix::CiliumDenyOnly, || Label {
                path: at(),
                allows: "allows the CiliumCIDRGroups its cidrGroupSelector matches, whose CIDRs cannot be checked at admission".into(),
            });
        } else if let Some(cidr) = &set.cidr {
            if let Some(cidr) = CidrExcept::parse(&at, cidr, &set.except, violations) {
                judge.grant(&cidr.reach, Fix::AddExcept, || Label {
                    path: at(),
                    allows: cidr.allows(),
                });
            }
        } else {
            violations.push(format!(
                "{} has no cidr, cidrGroupRef or cidrGroupSelector; Cilium refuses such a rule",
                at()
            ));
        }
    }
    for (j, entity) in rule.to_entities.iter().enumerate() {
        let at = || format!("{}.toEntities[{j}]", path());
        if let Some(reach) = entity_reach(entity) {
            judge.grant(&reach, Fix::CiliumDeny, || Label {
                path: at(),
                allows: format!("allows the entity {}", quote(entity)),
            });
        } else if !INSIDE_ENTITIES.contains(&entity.as_ref()) {
            violations.push(format!(
                "{} {} is not a Cilium entity this policy knows (world, world-ipv4, world-ipv6, all, {})",
                at(),
                quote(entity),
                INSIDE_ENTITIES.join(", ")
            ));
        }
    }
    for (j, fqdn) in rule.to_fqdns.iter().enumerate() {
        let risky = fqdn
            .match_name
            .iter()
            .chain(fqdn.match_pattern.iter())
            .find(|p| fqdn_may_resolve_to_metadata(p));
        if let Some(pattern) = risky {
            judge.grant(&NetSet::everything(), Fix::CiliumDenyOnly, || Label {
                path: format!("{}.toFQDNs[{j}]", path()),
                allows: format!(
                    "allows {}, which matches names that resolve to metadata endpoints",
                    quote(pattern)
                ),
            });
        }
    }
}

/// Deny rules shield what they name on the ports they name. A deny that
/// cannot be read as addresses (selectors, FQDNs, groups) shields nothing.
fn deny_shields(
    path: &impl Fn() -> String,
    rule: &EgressRule<'_>,
    metadata_ports: &[u16],
    violations: &mut Violations,
) -> Vec<Shield> {
    let ports = rule_ports(rule, metadata_ports, Reading::Sure);
    let mut covers = Vec::new();
    if !has_destination(rule) && !rule.to_ports.is_empty() {
        covers.push(NetSet::everything());
    }
    for (j, text) in rule.to_cidr.iter().enumerate() {
        if let Some(net) = parse_at(|| format!("{}.toCIDR[{j}]", path()), text, violations) {
            covers.push(NetSet::of(vec![net]));
        }
    }
    for (j, set) in rule.to_cidr_set.iter().enumerate() {
        if let Some(cidr) = &set.cidr {
            let at = || format!("{}.toCIDRSet[{j}]", path());
            if let Some(cidr) = CidrExcept::parse(&at, cidr, &set.except, violations) {
                covers.push(cidr.reach);
            }
        }
    }
    covers.extend(rule.to_entities.iter().filter_map(|e| entity_reach(e)));
    covers
        .into_iter()
        .map(|covers| Shield {
            covers,
            ports: ports.clone(),
        })
        .collect()
}

/// A `toFQDNs` name or pattern may reach a metadata endpoint when it matches
/// a metadata service's DNS name, or a wildcard-DNS service that answers
/// with whatever address is embedded in the name.
fn fqdn_may_resolve_to_metadata(pattern: &str) -> bool {
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    METADATA_NAMES.iter().any(|name| glob(&pattern, name))
        || WILDCARD_DNS
            .iter()
            .any(|domain| pattern == *domain || pattern.ends_with(&format!(".{domain}")))
}

/// `*` matches any run of characters (Cilium limits it to one DNS label;
/// matching more is the conservative reading). Linear-time, no recursion.
fn glob(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.as_bytes(), name.as_bytes());
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while let Some(&c) = n.get(ni) {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(&pc) if pc == c => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|c| *c == b'*'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("*", "metadata.google.internal", true)]
    #[case("*.google.internal", "metadata.google.internal", true)]
    #[case("metadata.*.internal", "metadata.google.internal", true)]
    #[case("*.github.com", "metadata.google.internal", false)]
    #[case("metadata.google.internal", "metadata.google.internal", true)]
    #[case("metadata", "metadata.google.internal", false)]
    #[case("**", "x", true)]
    #[case("a*b*c", "aXbYc", true)]
    #[case("a*b*c", "aXbY", false)]
    fn glob_matches(#[case] pattern: &str, #[case] name: &str, #[case] expected: bool) {
        assert_eq!(glob(pattern, name), expected);
    }

    #[rstest]
    #[case("*", true)]
    #[case("metadata.google.internal.", true)]
    #[case("METADATA.GOOGLE.INTERNAL", true)]
    #[case("*.nip.io", true)]
    #[case("sslip.io", true)]
    #[case("api.github.com", false)]
    #[case("*.ubuntu.com", false)]
    fn fqdn_patterns(#[case] pattern: &str, #[case] expected: bool) {
        assert_eq!(fqdn_may_resolve_to_metadata(pattern), expected);
    }

    fn reach(json: &str, clusterwide: bool) -> bool {
        let selector: Selector = serde_json::from_str(json).unwrap();
        outside_reach(&selector.terms(), clusterwide).is_some()
    }

    #[rstest]
    #[case::empty_in_namespace("{}", false, false)]
    #[case::empty_clusterwide("{}", true, true)]
    #[case::null_lists_in_namespace(
        r#"{"matchLabels": null, "matchExpressions": null}"#,
        false,
        false
    )]
    #[case::pod_labels_clusterwide(r#"{"matchLabels": {"app": "coturn"}}"#, true, false)]
    #[case::world_label(r#"{"matchLabels": {"reserved:world": ""}}"#, false, true)]
    #[case::dollar_world_label(r#"{"matchLabels": {"$world": ""}}"#, false, true)]
    #[case::cidr_label(r#"{"matchLabels": {"cidr:169.254.169.254/32": ""}}"#, false, true)]
    #[case::world_expression(
        r#"{"matchExpressions": [{"key": "reserved:all", "operator": "Exists"}]}"#,
        false,
        true
    )]
    #[case::dollar_all_expression(
        r#"{"matchExpressions": [{"key": "$all", "operator": "In", "values": [""]}]}"#,
        false,
        true
    )]
    #[case::world_excluded(r#"{"matchExpressions": [{"key": "reserved:world", "operator": "DoesNotExist"}, {"key": "app", "operator": "Exists"}]}"#, true, false)]
    #[case::negative_namespace(r#"{"matchExpressions": [{"key": "k8s:io.kubernetes.pod.namespace", "operator": "NotIn", "values": ["kube-system"]}]}"#, false, true)]
    #[case::negative_clusterwide(
        r#"{"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["x"]}]}"#,
        true,
        true
    )]
    #[case::negative_in_namespace(
        r#"{"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["x"]}]}"#,
        false,
        false
    )]
    fn endpoint_selectors(#[case] json: &str, #[case] clusterwide: bool, #[case] expected: bool) {
        assert_eq!(reach(json, clusterwide), expected);
    }
}

//! Equivalent spellings get equal verdicts (issue 15).
//!
//! Policies are generated as meanings — selector keys as (source, key),
//! entities, CIDRs as networks — and written twice: in a plain spelling and
//! in a random equivalent one (`$world` / `reserved.world` /
//! `reserved:world=` for `reserved:world`, `any:app` / `:app` / `app`,
//! CIDRs with host bits, IPv4-mapped IPv6, uppercase or uncompressed IPv6,
//! bare addresses), inside a request whose object keys come in another
//! order and whose absent lists may be `null`. The verdict must not change.
//! A second property swaps `toEntities: [X]` for the selector of the same
//! reserved identity (`toEndpoints: [{matchLabels: {$X: ""}}]`): same
//! verdict too.

use proptest::prelude::*;
use serde_json::{Value, json};

/// A selector key by meaning.
#[derive(Debug, Clone, Copy)]
enum Key {
    Reserved(&'static str),
    Any(&'static str),
    K8s(&'static str),
    Cidr(&'static str),
}

const KEYS: [Key; 14] = [
    Key::Reserved("world"),
    Key::Reserved("world-ipv4"),
    Key::Reserved("world-ipv6"),
    Key::Reserved("all"),
    Key::Reserved("host"),
    Key::Reserved("kube-apiserver"),
    Key::Reserved("internet"),
    Key::Any("world"),
    Key::Any("app"),
    Key::Any("169.254.169.254/32"),
    Key::K8s("app"),
    Key::K8s("world"),
    Key::K8s("io.kubernetes.pod.namespace"),
    Key::Cidr("169.254.169.254/32"),
];

/// Operators: matchLabels, or a matchExpressions operator.
const OPS: [&str; 5] = ["matchLabels", "In", "Exists", "NotIn", "DoesNotExist"];

/// CIDR meanings, each with the spellings the policy reads as that network.
const CIDRS: [&[&str]; 8] = [
    &[
        "169.254.169.254/32",
        "169.254.169.254",
        "::ffff:169.254.169.254/128",
        "::ffff:a9fe:a9fe/128",
    ],
    &["0.0.0.0/0", "::ffff:0.0.0.0/96", "0.0.0.0/0"],
    &[
        "169.254.0.0/16",
        "169.254.169.254/16",
        "::ffff:169.254.0.0/112",
    ],
    &[
        "fd00:ec2::254/128",
        "FD00:EC2::254/128",
        "fd00:ec2:0:0:0:0:0:254/128",
        "fd00:ec2::254",
    ],
    &["10.0.0.0/8", "10.1.2.3/8", "::ffff:10.0.0.0/104"],
    &["::/0", "0::/0", "0:0:0:0:0:0:0:0/0"],
    &[
        "100.100.100.200/32",
        "100.100.100.200",
        "::ffff:6464:64c8/128",
    ],
    &[
        "169.254.170.2/32",
        "169.254.170.2",
        "::ffff:169.254.170.2/128",
    ],
];

const ENTITIES: [&str; 6] = [
    "world",
    "world-ipv4",
    "world-ipv6",
    "all",
    "host",
    "cluster",
];

#[derive(Debug, Clone)]
enum Dest {
    Endpoints(Vec<(Key, &'static str)>),
    Entity(&'static str),
    Cidr(usize),
    CidrSet(usize, Vec<usize>),
}

#[derive(Debug, Clone)]
struct RuleM {
    dests: Vec<Dest>,
    /// 0: no toPorts, 1: TCP 443, 2: UDP 53, 3: TCP 8080.
    ports: u8,
}

#[derive(Debug, Clone)]
struct PolicyM {
    clusterwide: bool,
    init: bool,
    egress: Vec<RuleM>,
    deny: Vec<usize>,
}

fn dest() -> impl Strategy<Value = Dest> {
    let term = (
        prop::sample::select(KEYS.to_vec()),
        prop::sample::select(OPS.to_vec()),
    );
    prop_oneof![
        3 => prop::collection::vec(term, 0..3).prop_map(Dest::Endpoints),
        1 => prop::sample::select(ENTITIES.to_vec()).prop_map(Dest::Entity),
        1 => (0..CIDRS.len()).prop_map(Dest::Cidr),
        1 => (0..CIDRS.len(), prop::collection::vec(0..CIDRS.len(), 0..3))
            .prop_map(|(c, e)| Dest::CidrSet(c, e)),
    ]
}

fn policy() -> impl Strategy<Value = PolicyM> {
    let rule = (prop::collection::vec(dest(), 1..3), 0u8..4)
        .prop_map(|(dests, ports)| RuleM { dests, ports });
    (
        any::<bool>(),
        prop::bool::weighted(0.15),
        prop::collection::vec(rule, 1..3),
        prop::collection::vec(0..CIDRS.len(), 0..4),
    )
        .prop_map(|(clusterwide, init, egress, deny)| PolicyM {
            clusterwide,
            init,
            egress,
            deny,
        })
}

/// Random choices a spelling draws from, one per spelled item.
#[derive(Debug, Clone)]
struct Choices(Vec<u8>);

impl Choices {
    fn at(&self, i: usize) -> usize {
        usize::from(self.0.get(i % self.0.len().max(1)).copied().unwrap_or(0))
    }
}

/// Spells every item: `None` for the plain spelling.
struct Writer<'c> {
    choices: Option<&'c Choices>,
    next: usize,
}

impl Writer<'_> {
    fn pick(&mut self, n: usize) -> usize {
        self.next += 1;
        match self.choices {
            None => 0,
            Some(c) => c.at(self.next) % n.max(1),
        }
    }

    fn key(&mut self, key: Key) -> String {
        match key {
            Key::Reserved(name) => match self.pick(4) {
                0 => format!("reserved:{name}"),
                1 => format!("${name}"),
                2 => format!("reserved.{name}"),
                _ => format!("reserved:{name}="),
            },
            Key::Any(name) => match self.pick(3) {
                0 => format!("any:{name}"),
                1 => format!(":{name}"),
                _ => name.to_string(),
            },
            Key::K8s(name) => match self.pick(2) {
                0 => format!("k8s:{name}"),
                _ => format!("k8s:{name}=x"),
            },
            Key::Cidr(name) => format!("cidr:{name}"),
        }
    }

    fn cidr(&mut self, meaning: usize) -> String {
        let spellings = CIDRS.get(meaning).copied().unwrap_or(&["0.0.0.0/0"]);
        let i = self.pick(spellings.len());
        spellings.get(i).copied().unwrap_or("0.0.0.0/0").to_string()
    }

    fn selector(&mut self, terms: &[(Key, &str)]) -> Value {
        let mut labels = serde_json::Map::new();
        let mut expressions = Vec::new();
        for &(key, op) in terms {
            let key = self.key(key);
            if op == "matchLabels" {
                labels.insert(key, json!(""));
            } else {
                let mut e = json!({"key": key, "operator": op});
                if matches!(op, "In" | "NotIn") {
                    e["values"] = json!([""]);
                }
                expressions.push(e);
            }
        }
        let mut selector = serde_json::Map::new();
        if !labels.is_empty() {
            selector.insert("matchLabels".into(), Value::Object(labels));
        }
        if !expressions.is_empty() {
            selector.insert("matchExpressions".into(), Value::from(expressions));
        }
        Value::Object(selector)
    }

    fn rule(&mut self, rule: &RuleM) -> Value {
        let mut out = serde_json::Map::new();
        let mut push = |field: &str, item: Value| {
            if let Some(Value::Array(items)) = out.get_mut(field) {
                items.push(item);
            } else {
                out.insert(field.to_string(), json!([item]));
            }
        };
        for d in &rule.dests {
            match d {
                Dest::Endpoints(terms) => push("toEndpoints", self.selector(terms)),
                Dest::Entity(e) => push("toEntities", json!(e)),
                Dest::Cidr(c) => push("toCIDR", json!(self.cidr(*c))),
                Dest::CidrSet(c, except) => {
                    let cidr = self.cidr(*c);
                    let except: Vec<String> = except.iter().map(|e| self.cidr(*e)).collect();
                    push("toCIDRSet", json!({"cidr": cidr, "except": except}));
                }
            }
        }
        let ports = match rule.ports {
            1 => Some(json!([{"ports": [{"port": "443", "protocol": "TCP"}]}])),
            2 => Some(json!([{"ports": [{"port": "53", "protocol": "UDP"}]}])),
            3 => Some(json!([{"ports": [{"port": "8080", "protocol": "TCP"}]}])),
            _ => None,
        };
        if let Some(ports) = ports {
            out.insert("toPorts".into(), ports);
        }
        Value::Object(out)
    }

    fn policy(&mut self, p: &PolicyM) -> Value {
        let mut endpoint = json!({"matchLabels": {"app.kubernetes.io/name": "vdi-session"}});
        if p.init {
            let init = self.key(Key::Reserved("init"));
            endpoint = json!({"matchExpressions": [{"key": init, "operator": "Exists"}]});
        }
        let egress: Vec<Value> = p.egress.iter().map(|r| self.rule(r)).collect();
        let mut spec = json!({"endpointSelector": endpoint, "egress": egress});
        if !p.deny.is_empty() {
            let cidrs: Vec<String> = p.deny.iter().map(|c| self.cidr(*c)).collect();
            spec["egressDeny"] = json!([{"toCIDR": cidrs}]);
        }
        let (kind, metadata) = if p.clusterwide {
            (
                "CiliumClusterwideNetworkPolicy",
                json!({"name": "generated"}),
            )
        } else {
            (
                "CiliumNetworkPolicy",
                json!({"name": "generated", "namespace": "vdi"}),
            )
        };
        json!({"apiVersion": "cilium.io/v2", "kind": kind, "metadata": metadata, "spec": spec})
    }
}

/// Absent lists written as `null`, where the API server prunes them.
fn add_nulls(object: &mut Value, choices: &Choices) {
    let mut n = 0;
    if let Some(spec) = object.get_mut("spec") {
        for field in ["egressDeny", "ingress"] {
            n += 1;
            if spec.get(field).is_none() && choices.at(n).is_multiple_of(2) {
                spec[field] = Value::Null;
            }
        }
        if let Some(Value::Array(rules)) = spec.get_mut("egress") {
            for rule in rules {
                for field in ["toPorts", "toCIDR", "toFQDNs", "toServices", "icmps"] {
                    n += 1;
                    if rule.get(field).is_none() && choices.at(n).is_multiple_of(2) {
                        rule[field] = Value::Null;
                    }
                }
                if let Some(Value::Array(selectors)) = rule.get_mut("toEndpoints") {
                    for selector in selectors {
                        for field in ["matchLabels", "matchExpressions"] {
                            n += 1;
                            if selector.get(field).is_none() && choices.at(n).is_multiple_of(2) {
                                selector[field] = Value::Null;
                            }
                        }
                    }
                }
            }
        }
    }
    if object.get("specs").is_none() && choices.at(0).is_multiple_of(3) {
        object["specs"] = Value::Null;
    }
}

fn payload(object: &Value, seed: u64) -> String {
    let api_version = object["apiVersion"].as_str().unwrap_or("");
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let payload = json!({
        "request": {
            "uid": "equivalence",
            "kind": {"group": group, "version": version, "kind": object["kind"]},
            "operation": "CREATE",
            "name": object["metadata"]["name"],
            "namespace": object["metadata"]["namespace"],
            "userInfo": {"username": "kubernetes-admin"},
            "object": object,
        },
        "settings": {},
    });
    shared::key_order::write(&payload, seed)
}

fn verdict(payload: &str) -> (bool, String) {
    let raw =
        (egress_metadata_block::NATIVE.validate)(payload.as_bytes(), &shared::policy::NoCluster)
            .unwrap_or_else(|e| panic!("validate returned an error instead of a verdict: {e}"));
    let response: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    (
        response["accepted"].as_bool().unwrap_or(false),
        response["message"].as_str().unwrap_or_default().to_string(),
    )
}

/// Kubernetes NetworkPolicy ipBlocks and Calico nets, as CIDR meanings.
fn other_dialect(
    calico: bool,
    cidrs: &[(usize, Vec<usize>)],
    ports: bool,
    w: &mut Writer<'_>,
) -> Value {
    if calico {
        let rules: Vec<Value> = cidrs
            .iter()
            .map(|(c, not)| {
                let mut destination = json!({"nets": [w.cidr(*c)]});
                if !not.is_empty() {
                    destination["notNets"] =
                        json!(not.iter().map(|n| w.cidr(*n)).collect::<Vec<_>>());
                }
                if ports {
                    destination["ports"] = json!([443]);
                }
                json!({"action": "Allow", "protocol": "TCP", "destination": destination})
            })
            .collect();
        json!({"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy",
               "metadata": {"name": "generated"},
               "spec": {"selector": "all()", "types": ["Egress"], "egress": rules}})
    } else {
        let peers: Vec<Value> = cidrs
            .iter()
            .map(|(c, except)| {
                let except: Vec<String> = except.iter().map(|e| w.cidr(*e)).collect();
                json!({"ipBlock": {"cidr": w.cidr(*c), "except": except}})
            })
            .collect();
        let mut rule = json!({"to": peers});
        if ports {
            rule["ports"] = json!([{"protocol": "TCP", "port": 443}]);
        }
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
               "metadata": {"name": "generated", "namespace": "vdi"},
               "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [rule]}})
    }
}

/// Replaces every `toEntities` entry of the egress rules with the
/// selector of the same reserved identity, spelled by `w`.
fn entities_as_selectors(p: &PolicyM) -> PolicyM {
    let mut q = p.clone();
    for rule in &mut q.egress {
        for d in &mut rule.dests {
            if let Dest::Entity(e) = d {
                // `cluster` is an entity, not one reserved label.
                if *e != "cluster" {
                    *d = Dest::Endpoints(vec![(Key::Reserved(e), "matchLabels")]);
                }
            }
        }
    }
    q
}

fn choices() -> impl Strategy<Value = Choices> {
    prop::collection::vec(any::<u8>(), 64).prop_map(Choices)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn cilium_spellings_get_equal_verdicts(p in policy(), c in choices(), seed in any::<u64>()) {
        let plain = Writer { choices: None, next: 0 }.policy(&p);
        let mut respelled = Writer { choices: Some(&c), next: 0 }.policy(&p);
        add_nulls(&mut respelled, &c);
        let (a, message_a) = verdict(&payload(&plain, 0));
        let (b, message_b) = verdict(&payload(&respelled, seed));
        prop_assert_eq!(a, b, "\nplain:     {}\n  -> {}\nrespelled: {}\n  -> {}", plain, message_a, respelled, message_b);
    }

    #[test]
    fn entities_and_their_selectors_get_equal_verdicts(p in policy(), c in choices()) {
        let q = entities_as_selectors(&p);
        let entities = Writer { choices: None, next: 0 }.policy(&p);
        let selectors = Writer { choices: Some(&c), next: 0 }.policy(&q);
        let (a, message_a) = verdict(&payload(&entities, 0));
        let (b, message_b) = verdict(&payload(&selectors, 0));
        prop_assert_eq!(a, b, "\nentities:  {}\n  -> {}\nselectors: {}\n  -> {}", entities, message_a, selectors, message_b);
    }

    #[test]
    fn cidr_spellings_get_equal_verdicts_in_every_dialect(
        calico in any::<bool>(),
        cidrs in prop::collection::vec((0..CIDRS.len(), prop::collection::vec(0..CIDRS.len(), 0..3)), 1..3),
        ports in any::<bool>(),
        c in choices(),
        seed in any::<u64>(),
    ) {
        let plain = other_dialect(calico, &cidrs, ports, &mut Writer { choices: None, next: 0 });
        let respelled = other_dialect(calico, &cidrs, ports, &mut Writer { choices: Some(&c), next: 0 });
        let (a, message_a) = verdict(&payload(&plain, 0));
        let (b, message_b) = verdict(&payload(&respelled, seed));
        prop_assert_eq!(a, b, "\nplain:     {}\n  -> {}\nrespelled: {}\n  -> {}", plain, message_a, respelled, message_b);
    }
}

//! Equivalent spellings get equal verdicts (issue 15).
//!
//! Pods are generated as meanings — per container the effective
//! `runAsNonRoot` and seccomp profile, `allowPrivilegeEscalation`, dropping
//! `ALL`, an added capability, a read-only root filesystem, a host port —
//! and written twice: plainly, and in random spellings the kubelet and Pod
//! Security Admission read alike:
//!
//! - a pod-level `runAsNonRoot: true` or `seccompProfile` for containers
//!   that leave theirs unset, instead of setting it on every container;
//! - `null` for an absent field, list or `securityContext`, and `{}` for an
//!   empty `securityContext` or `seLinuxOptions`;
//! - API server defaults written out: `privileged: false`, `hostNetwork:
//!   false`, `procMount: Default`, `hostPort: 0`;
//! - `ALL` among other dropped capabilities, a repeated added one;
//! - app containers in another order, object keys in another order.
//!
//! Capability names are not respelled: PSA compares them exactly
//! (`CAP_NET_BIND_SERVICE` is not `NET_BIND_SERVICE` to it, nor to this
//! policy), so they are no equivalence to test.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// What a container ends up with for a setting the pod can also set.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Effective {
    /// The restricted value (`runAsNonRoot: true`, `RuntimeDefault`).
    Good,
    /// Unset in the container and the pod.
    Missing,
    /// A value that fails (`runAsNonRoot: false`, `Unconfined`).
    Bad,
}

fn effective() -> impl Strategy<Value = Effective> {
    prop_oneof![
        6 => Just(Effective::Good),
        1 => Just(Effective::Missing),
        1 => Just(Effective::Bad),
    ]
}

#[derive(Debug, Clone)]
struct ContainerM {
    non_root: Effective,
    seccomp: Effective,
    /// 0: false, 1: unset, 2: true.
    escalation: u8,
    drop_all: bool,
    /// 0: none, 1: NET_BIND_SERVICE, 2: SYS_ADMIN.
    add: u8,
    read_only_root: bool,
    host_port: bool,
}

#[derive(Debug, Clone)]
struct PodM {
    containers: Vec<ContainerM>,
    init: Vec<ContainerM>,
    no_token: bool,
    host_network: bool,
}

fn container() -> impl Strategy<Value = ContainerM> {
    (
        effective(),
        effective(),
        prop_oneof![6 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)],
        prop::bool::weighted(0.85),
        prop_oneof![4 => Just(0u8), 2 => Just(1u8), 1 => Just(2u8)],
        prop::bool::weighted(0.85),
        prop::bool::weighted(0.1),
    )
        .prop_map(
            |(non_root, seccomp, escalation, drop_all, add, read_only_root, host_port)| {
                ContainerM {
                    non_root,
                    seccomp,
                    escalation,
                    drop_all,
                    add,
                    read_only_root,
                    host_port,
                }
            },
        )
}

fn pod() -> impl Strategy<Value = PodM> {
    (
        prop::collection::vec(container(), 1..4),
        prop::collection::vec(container(), 0..3),
        prop::bool::weighted(0.85),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(containers, init, no_token, host_network)| PodM {
            containers,
            init,
            no_token,
            host_network,
        })
}

/// Spells each item: the plain spelling, or one drawn from `choices`.
struct Writer<'c> {
    choices: Option<&'c [u8]>,
    next: usize,
}

impl Writer<'_> {
    fn pick(&mut self, n: usize) -> usize {
        self.next += 1;
        match self.choices {
            None => 0,
            Some(c) => {
                usize::from(c.get(self.next % c.len().max(1)).copied().unwrap_or(0)) % n.max(1)
            }
        }
    }

    fn flag(&mut self) -> bool {
        self.pick(2) == 1
    }

    /// Sets `key` to `value`, or for an unset value (`None`) leaves it out
    /// or writes `null`.
    fn set(&mut self, map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
        match value {
            Some(v) => {
                map.insert(key.into(), v);
            }
            None if self.flag() => {
                map.insert(key.into(), Value::Null);
            }
            None => {}
        }
    }

    /// A default the API server would fill in, written out or not.
    fn default(&mut self, map: &mut Map<String, Value>, key: &str, value: Value) {
        let value = self.flag().then_some(value);
        self.set(map, key, value);
    }

    /// A list that means "none": absent, `null` or `[]`.
    fn none(&mut self, map: &mut Map<String, Value>, key: &str) {
        match self.pick(3) {
            1 => {
                map.insert(key.into(), Value::Null);
            }
            2 => {
                map.insert(key.into(), json!([]));
            }
            _ => {}
        }
    }

    /// `inherited`: the pod sets the good value, so a container with the
    /// good value may leave it unset.
    fn pod_level(
        &mut self,
        sc: &mut Map<String, Value>,
        key: &str,
        effective: Effective,
        good: Value,
        bad: Value,
        inherited: bool,
    ) {
        match effective {
            Effective::Good if inherited && self.flag() => self.set(sc, key, None),
            Effective::Good => self.set(sc, key, Some(good)),
            Effective::Missing => self.set(sc, key, None),
            Effective::Bad => self.set(sc, key, Some(bad)),
        }
    }

    fn container(&mut self, c: &ContainerM, name: String, pod: (bool, bool)) -> Value {
        let mut sc = Map::new();
        self.pod_level(
            &mut sc,
            "runAsNonRoot",
            c.non_root,
            json!(true),
            json!(false),
            pod.0,
        );
        self.pod_level(
            &mut sc,
            "seccompProfile",
            c.seccomp,
            json!({"type": "RuntimeDefault"}),
            json!({"type": "Unconfined"}),
            pod.1,
        );
        match c.escalation {
            0 => self.set(&mut sc, "allowPrivilegeEscalation", Some(json!(false))),
            1 => self.set(&mut sc, "allowPrivilegeEscalation", None),
            _ => self.set(&mut sc, "allowPrivilegeEscalation", Some(json!(true))),
        }
        let mut caps = Map::new();
        if c.drop_all {
            let mut drop = vec!["ALL"];
            if self.flag() {
                drop.push("NET_RAW");
            }
            if self.flag() {
                drop.reverse();
            }
            caps.insert("drop".into(), json!(drop));
        } else {
            self.none(&mut caps, "drop");
        }
        let added = match c.add {
            1 => Some("NET_BIND_SERVICE"),
            2 => Some("SYS_ADMIN"),
            _ => None,
        };
        match added {
            Some(cap) if self.flag() => {
                caps.insert("add".into(), json!([cap, cap]));
            }
            Some(cap) => {
                caps.insert("add".into(), json!([cap]));
            }
            None => self.none(&mut caps, "add"),
        }
        if caps.is_empty() && self.flag() {
            self.set(&mut sc, "capabilities", None);
        } else {
            sc.insert("capabilities".into(), Value::Object(caps));
        }
        if c.read_only_root {
            sc.insert("readOnlyRootFilesystem".into(), json!(true));
        } else {
            let value = self.flag().then_some(json!(false));
            self.set(&mut sc, "readOnlyRootFilesystem", value);
        }
        self.default(&mut sc, "privileged", json!(false));
        self.default(&mut sc, "procMount", json!("Default"));
        self.default(&mut sc, "seLinuxOptions", json!({}));
        let mut out = json!({
            "name": name,
            "image": "registry.vdi.example.com/desktops/ubuntu-jammy:1.16.0",
        });
        if sc.is_empty() && self.flag() {
            out["securityContext"] = if self.flag() { Value::Null } else { json!({}) };
        } else if !sc.is_empty() {
            out["securityContext"] = Value::Object(sc);
        }
        if c.host_port {
            out["ports"] = json!([{"containerPort": 8080, "hostPort": 8080}]);
        } else {
            match self.pick(3) {
                1 => out["ports"] = json!([{"containerPort": 8080}]),
                2 => out["ports"] = json!([{"containerPort": 8080, "hostPort": 0}]),
                _ => {}
            }
        }
        out
    }

    fn pod(&mut self, p: &PodM) -> Value {
        let all = || p.containers.iter().chain(&p.init);
        // The pod may carry a setting for the containers only when none of
        // them is meant to leave it unset.
        let non_root = all().all(|c| c.non_root != Effective::Missing) && self.flag();
        let seccomp = all().all(|c| c.seccomp != Effective::Missing) && self.flag();
        let mut containers: Vec<Value> = p
            .containers
            .iter()
            .enumerate()
            .map(|(i, c)| self.container(c, format!("app-{i}"), (non_root, seccomp)))
            .collect();
        if self.flag() {
            containers.reverse();
        }
        let init: Vec<Value> = p
            .init
            .iter()
            .enumerate()
            .map(|(i, c)| self.container(c, format!("init-{i}"), (non_root, seccomp)))
            .collect();
        let mut spec = Map::new();
        spec.insert("containers".into(), Value::from(containers));
        if init.is_empty() {
            self.none(&mut spec, "initContainers");
        } else {
            spec.insert("initContainers".into(), Value::from(init));
        }
        let mut sc = Map::new();
        if non_root {
            sc.insert("runAsNonRoot".into(), json!(true));
        }
        if seccomp {
            sc.insert("seccompProfile".into(), json!({"type": "RuntimeDefault"}));
        }
        if sc.is_empty() {
            match self.pick(3) {
                1 => {
                    spec.insert("securityContext".into(), Value::Null);
                }
                2 => {
                    spec.insert("securityContext".into(), json!({}));
                }
                _ => {}
            }
        } else {
            spec.insert("securityContext".into(), Value::Object(sc));
        }
        let token = (p.no_token).then_some(json!(false));
        self.set(&mut spec, "automountServiceAccountToken", token);
        if p.host_network {
            spec.insert("hostNetwork".into(), json!(true));
        } else {
            self.default(&mut spec, "hostNetwork", json!(false));
        }
        self.default(&mut spec, "hostPID", json!(false));
        self.none(&mut spec, "volumes");
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "session", "namespace": "vdi"}, "spec": spec})
    }
}

fn verdict(object: &Value, seed: u64) -> (bool, String) {
    let payload = json!({
        "request": {
            "uid": "equivalence",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "operation": "CREATE",
            "namespace": "vdi",
            "userInfo": {"username": "oidc:alice"},
            "object": object,
        },
        "settings": {},
    });
    let text = shared::key_order::write(&payload, seed);
    let raw =
        (restricted_security_context::NATIVE.validate)(text.as_bytes(), &shared::policy::NoCluster)
            .unwrap_or_else(|e| panic!("validate returned an error instead of a verdict: {e}"));
    let response: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    (
        response["accepted"].as_bool().unwrap_or(false),
        response["message"].as_str().unwrap_or_default().to_string(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn equivalent_spellings_get_equal_verdicts(
        p in pod(),
        choices in prop::collection::vec(any::<u8>(), 64),
        seed in any::<u64>(),
    ) {
        let plain = Writer { choices: None, next: 0 }.pod(&p);
        let respelled = Writer { choices: Some(&choices), next: 0 }.pod(&p);
        let (a, message_a) = verdict(&plain, 0);
        let (b, message_b) = verdict(&respelled, seed);
        prop_assert_eq!(a, b, "\nplain:     {}\n  -> {}\nrespelled: {}\n  -> {}", plain, message_a, respelled, message_b);
    }

    /// The generator reaches both verdicts, so the property is not vacuous.
    #[test]
    fn meanings_decide(p in pod()) {
        let plain = Writer { choices: None, next: 0 }.pod(&p);
        let good = |c: &ContainerM| {
            c.non_root == Effective::Good && c.seccomp == Effective::Good && c.escalation == 0
                && c.drop_all && c.add != 2 && c.read_only_root && !c.host_port
        };
        let expected = p.containers.iter().chain(&p.init).all(good) && p.no_token && !p.host_network;
        let (accepted, message) = verdict(&plain, 0);
        prop_assert_eq!(accepted, expected, "{}\n  -> {}", plain, message);
    }
}

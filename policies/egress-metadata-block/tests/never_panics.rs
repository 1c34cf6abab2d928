//! Whatever a policy object holds, `validate` answers with a verdict: a
//! panic would trap the module and fail the request with an opaque error.

use proptest::prelude::*;
use serde_json::{Value, json};

fn cidr() -> impl Strategy<Value = String> {
    prop_oneof![
        (any::<[u8; 4]>(), 0u8..=40)
            .prop_map(|(a, p)| format!("{}.{}.{}.{}/{p}", a[0], a[1], a[2], a[3])),
        (any::<u128>(), 0u8..=130)
            .prop_map(|(a, p)| format!("{}/{p}", std::net::Ipv6Addr::from(a))),
        (any::<u32>(), 90u8..=130)
            .prop_map(|(a, p)| format!("::ffff:{}/{p}", std::net::Ipv4Addr::from(a))),
        Just("169.254.169.254/32".to_string()),
        Just("0.0.0.0/0".to_string()),
        "[0-9a-f:./% ]{0,24}",
    ]
}

fn port() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        (0i64..70000).prop_map(Value::from),
        "[a-z0-9:]{0,8}".prop_map(Value::from),
    ]
}

fn protocol() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        prop::sample::select(vec!["TCP", "UDP", "SCTP", "ANY", "ICMP", "tcp", "", "QUIC"])
            .prop_map(Value::from),
        (0i64..300).prop_map(Value::from),
    ]
}

fn kubernetes() -> impl Strategy<Value = Value> {
    let peer = (cidr(), prop::collection::vec(cidr(), 0..3), any::<bool>()).prop_map(
        |(cidr, except, selector)| {
            if selector {
                json!({"podSelector": {}})
            } else {
                json!({"ipBlock": {"cidr": cidr, "except": except}})
            }
        },
    );
    let port =
        (protocol(), port(), prop::option::of(0i64..70000)).prop_map(|(protocol, port, end)| {
            let protocol = if protocol.is_number() {
                Value::Null
            } else {
                protocol
            };
            json!({"protocol": protocol, "port": port, "endPort": end})
        });
    let rule = (
        prop::collection::vec(peer, 0..3),
        prop::collection::vec(port, 0..3),
    )
        .prop_map(|(to, ports)| json!({"to": to, "ports": ports}));
    prop::collection::vec(rule, 0..4).prop_map(|egress| {
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
               "metadata": {"name": "p", "namespace": "vdi"},
               "spec": {"podSelector": {}, "egress": egress}})
    })
}

fn cilium_rule() -> impl Strategy<Value = Value> {
    let entity = prop::sample::select(vec![
        "world",
        "all",
        "world-ipv6",
        "host",
        "cluster",
        "bogus",
    ]);
    let port =
        (port(), protocol(), prop::option::of(any::<i64>())).prop_map(|(port, protocol, end)| {
            let port = match port {
                Value::Number(n) => Value::from(n.to_string()),
                other => other,
            };
            let protocol = if protocol.is_number() {
                Value::Null
            } else {
                protocol
            };
            json!({"port": port, "protocol": protocol, "endPort": end})
        });
    (
        prop::collection::vec(cidr(), 0..2),
        prop::collection::vec((cidr(), prop::collection::vec(cidr(), 0..3)), 0..2),
        prop::collection::vec(entity, 0..2),
        prop::collection::vec(port, 0..3),
        prop::collection::vec("[a-z*.]{0,12}", 0..2),
        any::<bool>(),
    )
        .prop_map(|(to_cidr, sets, entities, ports, fqdns, clusterwide_selector)| {
            let sets: Vec<Value> = sets.into_iter().map(|(c, e)| json!({"cidr": c, "except": e})).collect();
            let fqdns: Vec<Value> = fqdns.into_iter().map(|p| json!({"matchPattern": p})).collect();
            let mut rule = json!({"toCIDR": to_cidr, "toCIDRSet": sets, "toEntities": entities, "toFQDNs": fqdns});
            if !ports.is_empty() {
                rule["toPorts"] = json!([{"ports": ports}]);
            }
            if clusterwide_selector {
                rule["toEndpoints"] = json!([{}]);
            }
            rule
        })
}

fn cilium() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec(cilium_rule(), 0..3),
        prop::collection::vec(cilium_rule(), 0..3),
        any::<bool>(),
    )
        .prop_map(|(egress, deny, clusterwide)| {
            let kind = if clusterwide { "CiliumClusterwideNetworkPolicy" } else { "CiliumNetworkPolicy" };
            let deny: Vec<Value> = deny
                .into_iter()
                .map(|mut r| {
                    if let Some(o) = r.as_object_mut() {
                        o.remove("toFQDNs");
                    }
                    r
                })
                .collect();
            json!({"apiVersion": "cilium.io/v2", "kind": kind, "metadata": {"name": "p", "namespace": "vdi"},
                   "specs": [{"endpointSelector": {}, "egress": egress, "egressDeny": deny}]})
        })
}

fn calico() -> impl Strategy<Value = Value> {
    let action = prop::sample::select(vec!["Allow", "Deny", "Pass", "Log", "allow", "Nope"]);
    let rule = (
        action,
        protocol(),
        prop::collection::vec(cidr(), 0..3),
        prop::collection::vec(cidr(), 0..3),
        prop::collection::vec(port(), 0..3),
        prop::collection::vec(port(), 0..2),
        prop::option::of(0i64..8),
    )
        .prop_map(|(action, protocol, nets, not_nets, ports, not_ports, ip_version)| {
            json!({"action": action, "protocol": protocol, "ipVersion": ip_version,
                   "destination": {"nets": nets, "notNets": not_nets, "ports": ports, "notPorts": not_ports}})
        });
    prop::collection::vec(rule, 0..5).prop_map(|egress| {
        json!({"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy",
               "metadata": {"name": "p"}, "spec": {"egress": egress}})
    })
}

fn settings() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!({})),
        (
            prop::collection::vec(cidr(), 1..4),
            prop::collection::vec(port(), 1..3)
        )
            .prop_map(|(b, p)| json!({"blockedDestinations": b, "metadataPorts": p})),
    ]
}

fn verdict(manifest: &Value, settings: &Value) -> Value {
    let api_version = manifest["apiVersion"].as_str().unwrap_or("");
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let payload = json!({
        "request": {"uid": "p", "kind": {"group": group, "version": version, "kind": manifest["kind"]},
                    "operation": "CREATE", "name": "p", "object": manifest},
        "settings": settings,
    });
    let answer = (egress_metadata_block::NATIVE.validate)(
        &serde_json::to_vec(&payload).unwrap(),
        &shared::policy::NoCluster,
    )
    .expect("validate returns a response");
    serde_json::from_slice(&answer).expect("the response is JSON")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_policy_gets_a_verdict(
        manifest in prop_oneof![kubernetes(), cilium(), calico()],
        settings in settings(),
    ) {
        let answer = verdict(&manifest, &settings);
        prop_assert!(answer["accepted"].is_boolean());
        let message = answer["message"].as_str().unwrap_or("");
        prop_assert!(!message.contains("cannot be decoded"), "undecodable object generated: {}", message);
        if answer["accepted"] == false {
            prop_assert!(answer["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
    }

    #[test]
    fn arbitrary_bytes_are_a_rejection(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let answer = (egress_metadata_block::NATIVE.validate)(&bytes, &shared::policy::NoCluster).unwrap();
        let answer: Value = serde_json::from_slice(&answer).unwrap();
        prop_assert_eq!(&answer["accepted"], &Value::Bool(false));
    }
}

//! Property tests on `validate`: whatever a Traefik object holds, the
//! answer is a verdict (a panic would trap the module), and what the policy
//! exists to stop is never admitted.

mod common;

use proptest::prelude::*;
use serde_json::{Value, json};
use shared::policy::NoCluster;

const KINDS: &[(&str, &str)] = &[
    ("traefik.io/v1alpha1", "IngressRoute"),
    ("traefik.io/v1alpha1", "IngressRouteTCP"),
    ("traefik.io/v1alpha1", "TLSOption"),
    ("traefik.containo.us/v1alpha1", "IngressRoute"),
    ("traefik.containo.us/v1alpha1", "IngressRouteTCP"),
    ("traefik.containo.us/v1alpha1", "TLSOption"),
    ("traefik.io/v1alpha1", "Middleware"),
    ("v1", "Pod"),
];

fn text() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "Host(`kasm.example.com`)",
            "HostSNI(`*`)",
            "Host(`alice.vdi.example.com`) || PathPrefix(`/`)",
            "!Host(`a`)",
            "HostRegexp(`^.+\\.kasm\\.example\\.com$`)",
            "Host(`kasm.example.com`,`evil.net`)",
            "host(\"\\x6basm.example.com\")",
            "tls13",
            "kasm/https-redirect",
            "tls13@file",
            "VersionTLS13",
            "VersionTLS12",
            "websecure",
            "web",
            "alice",
            "",
        ]).prop_map(Value::from),
        1 => "\\PC{0,30}".prop_map(Value::from),
        1 => "[(`)!&|\"\\\\a-z.]{0,30}".prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => Just(Value::Null),
        1 => Just(json!([])),
        1 => Just(json!({})),
    ]
}

fn maybe_list() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => prop::collection::vec(text(), 0..3).prop_map(Value::from),
        1 => text(),
    ]
}

fn named() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => (text(), text()).prop_map(|(name, namespace)| json!({"name": name, "namespace": namespace})),
        1 => text().prop_map(|name| json!({"name": name})),
        1 => text(),
    ]
}

fn object() -> impl Strategy<Value = Value> {
    let route = (text(), prop::collection::vec(named(), 0..3)).prop_map(
        |(rule, middlewares)| json!({"match": rule, "kind": "Rule", "middlewares": middlewares}),
    );
    let tls = prop_oneof![
        Just(Value::Null),
        Just(json!({})),
        (named(), any::<bool>()).prop_map(
            |(options, passthrough)| json!({"options": options, "passthrough": passthrough})
        ),
        text(),
    ];
    let labels = prop_oneof![
        Just(Value::Null),
        text().prop_map(|user| json!({"vdi.kasm.io/user": user})),
        Just(json!({"app": "x"})),
        text(),
    ];
    (
        maybe_list(),
        prop::collection::vec(route, 0..3),
        tls,
        labels,
        text(),
        text(),
    )
        .prop_map(|(entry_points, routes, tls, labels, min, max)| {
            json!({
                "metadata": {"name": "r", "namespace": "kasm", "labels": labels},
                "spec": {
                    "entryPoints": entry_points,
                    "routes": routes,
                    "tls": tls,
                    "minVersion": min,
                    "maxVersion": max,
                },
            })
        })
}

fn payload(
    kind: (&str, &str),
    operation: &str,
    user: &str,
    mut object: Value,
    old: Value,
) -> Vec<u8> {
    object["apiVersion"] = json!(kind.0);
    object["kind"] = json!(kind.1);
    let (group, version) = kind.0.split_once('/').unwrap_or(("", kind.0));
    json!({
        "request": {
            "uid": "1",
            "kind": {"group": group, "version": version, "kind": kind.1},
            "namespace": "kasm",
            "operation": operation,
            "userInfo": {"username": user},
            "object": object,
            "oldObject": old,
        },
        "settings": common::settings(),
    })
    .to_string()
    .into_bytes()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn any_object_gets_a_verdict(
        kind in prop::sample::select(KINDS.to_vec()),
        operation in prop::sample::select(vec!["CREATE", "UPDATE", "DELETE", "CONNECT"]),
        user in prop::sample::select(vec!["oidc:alice", "oidc:bob", "system:serviceaccount:vdi-system:vdi-operator", ""]),
        object in object(),
        old in prop_oneof![object(), Just(Value::Null)],
    ) {
        common::verdict_raw(&payload(kind, operation, user, object, old), &NoCluster);
    }

    #[test]
    fn any_bytes_get_a_verdict(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        common::verdict_raw(&bytes, &NoCluster);
    }

    #[test]
    fn a_route_without_a_tls13_option_is_never_admitted(object in object(), kind in 0usize..2) {
        // Whatever else it holds: on websecure, with TLS options other than
        // the allowed ones and no cluster to look them up in.
        let mut object = object;
        object["spec"]["entryPoints"] = json!(["websecure"]);
        let tls = object["spec"]["tls"].clone();
        let allowed = tls["options"]["name"] == "tls13"
            && (tls["options"]["namespace"].is_null() || tls["options"]["namespace"] == "kasm" || tls["options"]["namespace"] == "");
        let kinds = [("traefik.io/v1alpha1", "IngressRoute"), ("traefik.io/v1alpha1", "IngressRouteTCP")];
        let (accepted, message) = common::verdict_raw(&payload(kinds[kind], "CREATE", "oidc:alice", object, Value::Null), &NoCluster);
        if accepted {
            prop_assert!(allowed, "admitted with tls {}: {}", tls, message);
        }
    }
}

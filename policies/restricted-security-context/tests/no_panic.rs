//! Any object, however malformed, gets an answer: accepted or a rejection
//! with a message. A trap would fail the request with an opaque error.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Field names the views read, so generated objects reach deep into them.
const KEYS: &[&str] = &[
    "spec",
    "metadata",
    "annotations",
    "template",
    "jobTemplate",
    "containers",
    "initContainers",
    "ephemeralContainers",
    "securityContext",
    "capabilities",
    "add",
    "drop",
    "privileged",
    "allowPrivilegeEscalation",
    "runAsNonRoot",
    "runAsUser",
    "seccompProfile",
    "appArmorProfile",
    "type",
    "seLinuxOptions",
    "user",
    "role",
    "windowsOptions",
    "hostProcess",
    "procMount",
    "readOnlyRootFilesystem",
    "ports",
    "hostPort",
    "livenessProbe",
    "lifecycle",
    "preStop",
    "httpGet",
    "tcpSocket",
    "host",
    "volumes",
    "name",
    "hostPath",
    "projected",
    "sources",
    "serviceAccountToken",
    "sysctls",
    "hostNetwork",
    "hostPID",
    "hostUsers",
    "os",
    "image",
    "automountServiceAccountToken",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        prop::sample::select(vec![
            "ALL",
            "Unconfined",
            "windows",
            "Default",
            "",
            "x",
            "NET_RAW"
        ])
        .prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::String),
    ]
}

fn tree() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(6, 96, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|pairs| {
                Value::Object(
                    pairs
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

fn kind() -> impl Strategy<Value = (&'static str, &'static str)> {
    prop::sample::select(vec![
        ("", "Pod"),
        ("", "PodTemplate"),
        ("apps", "Deployment"),
        ("batch", "CronJob"),
        ("", "Service"),
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn every_object_gets_an_answer(
        object in tree(),
        old in tree(),
        (group, kind) in kind(),
        update in any::<bool>(),
        subresource in prop::sample::select(vec!["", "ephemeralcontainers", "status"]),
    ) {
        let payload = json!({
            "request": {
                "uid": "1",
                "kind": {"group": group, "version": "v1", "kind": kind},
                "operation": if update { "UPDATE" } else { "CREATE" },
                "subResource": subresource,
                "object": object,
                "oldObject": old,
            },
            "settings": {"allowedCapabilities": ["SYS_PTRACE"]},
        });
        let answer = (restricted_security_context::NATIVE.validate)(payload.to_string().as_bytes(), &shared::policy::NoCluster)
            .expect("validate answers");
        let response: Value = serde_json::from_slice(&answer).expect("a ValidationResponse");
        let accepted = response["accepted"].as_bool().expect("accepted is a bool");
        prop_assert!(accepted || response["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

//! Property tests: whatever a workload holds, `validate` answers with a
//! verdict (a panic would trap the module), and an image outside the trusted
//! registry is never admitted, wherever in the pod it hides.

use proptest::prelude::*;
use serde_json::{Value, json};

const KINDS: &[(&str, &str, &str)] = &[
    ("", "v1", "Pod"),
    ("", "v1", "PodTemplate"),
    ("apps", "v1", "Deployment"),
    ("batch", "v1", "CronJob"),
    ("vdi.kasm.io", "v1alpha1", "VDITemplate"),
    ("", "v1", "Service"),
];

fn answer(payload: &[u8]) -> (bool, String) {
    let raw = (trusted_registries::NATIVE.validate)(payload, &shared::policy::NoCluster)
        .unwrap_or_else(|e| panic!("validate returned an error instead of a verdict: {e}"));
    let response: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    let accepted = response["accepted"].as_bool();
    let message = response["message"].as_str().unwrap_or_default().to_string();
    assert!(accepted.is_some(), "malformed response {response}");
    let accepted = accepted.unwrap_or(false);
    assert!(
        accepted || !message.trim().is_empty(),
        "rejection without a message"
    );
    (accepted, message)
}

fn payload(kind: (&str, &str, &str), operation: &str, object: Value) -> Vec<u8> {
    json!({
        "request": {
            "uid": "1",
            "kind": {"group": kind.0, "version": kind.1, "kind": kind.2},
            "operation": operation,
            "userInfo": {"username": "alice"},
            "object": object,
        },
        "settings": {"registries": {"allow": ["registry.vdi.example.com"]}},
    })
    .to_string()
    .into_bytes()
}

/// Image references, well-formed or not, trusted or not.
fn image() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => Just(json!("registry.vdi.example.com/desktops/ubuntu:1")),
        1 => Just(json!("REGISTRY.vdi.example.com:443/desktops/ubuntu:1")),
        1 => Just(json!("registry.vdi.example.com.evil.net/x:1")),
        1 => Just(json!(
            "evil.net/x@sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1"
        )),
        1 => "[a-zA-Z0-9./:@_-]{0,40}".prop_map(Value::from),
        1 => "\\PC{0,20}".prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => Just(Value::Null),
        1 => Just(json!([])),
    ]
}

fn container() -> impl Strategy<Value = Value> {
    (image(), any::<bool>()).prop_map(|(image, sidecar)| {
        let mut c = json!({"name": "c", "image": image});
        if sidecar {
            c["restartPolicy"] = json!("Always");
        }
        c
    })
}

fn pod_spec() -> impl Strategy<Value = Value> {
    let list = || {
        prop_oneof![
            prop::collection::vec(container(), 0..3).prop_map(Value::from),
            Just(Value::Null),
            Just(json!({}))
        ]
    };
    (list(), list(), list(), prop::collection::vec(image(), 0..2)).prop_map(
        |(containers, init, ephemeral, volumes)| {
            let volumes: Vec<Value> = volumes
                .into_iter()
                .map(|r| json!({"name": "v", "image": {"reference": r}}))
                .collect();
            json!({"containers": containers, "initContainers": init,
                   "ephemeralContainers": ephemeral, "volumes": volumes})
        },
    )
}

fn wrap(kind: &str, spec: Value) -> Value {
    match kind {
        "Pod" => {
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec})
        }
        "PodTemplate" => {
            json!({"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "t"}, "template": {"spec": spec}})
        }
        "Deployment" => {
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": spec}}})
        }
        "CronJob" => {
            json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"}, "spec": {"jobTemplate": {"spec": {"template": {"spec": spec}}}}})
        }
        _ => {
            json!({"apiVersion": "vdi.kasm.io/v1alpha1", "kind": kind, "metadata": {"name": "x"}, "spec": {"image": spec["containers"][0]["image"]}})
        }
    }
}

/// Every image string anywhere in the object.
fn images(spec: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    for list in ["containers", "initContainers", "ephemeralContainers"] {
        if let Some(items) = spec[list].as_array() {
            out.extend(items.iter().map(|c| &c["image"]));
        }
    }
    if let Some(volumes) = spec["volumes"].as_array() {
        out.extend(volumes.iter().map(|v| &v["image"]["reference"]));
    }
    out
}

fn trusted(image: &Value) -> bool {
    image.as_str().is_some_and(|s| {
        shared::image::ImageRef::parse(s)
            .is_ok_and(|r| r.host == "registry.vdi.example.com" && r.port.is_none_or(|p| p == 443))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_workload_gets_a_verdict_and_untrusted_images_never_pass(
        kind in prop::sample::select(KINDS),
        operation in prop::sample::select(vec!["CREATE", "UPDATE", "DELETE", "CONNECT"]),
        spec in pod_spec(),
    ) {
        let object = wrap(kind.2, spec.clone());
        let (accepted, _) = answer(&payload(kind, operation, object));
        let judged = matches!(kind.2, "Pod" | "PodTemplate" | "Deployment" | "CronJob")
            && matches!(operation, "CREATE" | "UPDATE");
        if accepted && judged {
            prop_assert!(images(&spec).into_iter().all(trusted), "admitted {spec}");
        }
    }

    #[test]
    fn arbitrary_bytes_get_a_verdict(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        answer(&bytes);
    }

    #[test]
    fn arbitrary_json_objects_get_a_verdict(object in any::<String>().prop_map(|s| json!({"spec": s}))) {
        answer(&payload(("", "v1", "Pod"), "CREATE", object));
    }
}

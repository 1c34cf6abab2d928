//! No message repeats a judged value — on every path, malformed input
//! included — and `validate` answers every input with a verdict.
//!
//! Each request below carries the canary in the place a credential would
//! sit (or in the place a decoder would choke on); the message must contain
//! no four characters of it.

use proptest::prelude::*;
use rstest::rstest;
use serde_json::{Value, json};

const CANARY: &str = "Zq8vKx3WmT7pLr";

fn answer_payload(payload: &[u8]) -> (bool, String) {
    let raw = (session_credentials::NATIVE.validate)(payload, &shared::policy::NoCluster)
        .expect("validate always answers");
    let response: Value = serde_json::from_slice(&raw).expect("a ValidationResponse");
    (
        response["accepted"].as_bool().expect("accepted is a bool"),
        response["message"].as_str().unwrap_or_default().to_string(),
    )
}

fn answer(request: Value) -> (bool, String) {
    answer_payload(&serde_json::to_vec(&json!({"request": request, "settings": {}})).unwrap())
}

fn request(group: &str, kind: &str, object: Value) -> Value {
    let version = if group.is_empty() || group == "apps" || group == "batch" {
        "v1"
    } else {
        "v1alpha1"
    };
    json!({
        "uid": "1",
        "kind": {"group": group, "version": version, "kind": kind},
        "operation": "CREATE",
        "namespace": "vdi",
        "name": "x",
        "userInfo": {"username": "oidc:alice"},
        "object": object,
    })
}

fn pod_with_env(env: Value) -> Value {
    request(
        "",
        "Pod",
        json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "env": env}]}}),
    )
}

fn annotated(group: &str, kind: &str, last_applied: Value, rest: Value) -> Value {
    let mut object = rest;
    object["metadata"] = json!({"name": "x", "annotations": {"kubectl.kubernetes.io/last-applied-configuration": last_applied}});
    request(group, kind, object)
}

fn assert_hidden(message: &str) {
    let chars: Vec<char> = CANARY.chars().collect();
    for window in chars.windows(4) {
        let piece: String = window.iter().collect();
        assert!(
            !message.contains(&piece),
            "message repeats {piece:?}: {message}"
        );
    }
}

fn c() -> String {
    CANARY.to_string()
}

fn applied_pod(env: Value) -> String {
    json!({"spec": {"containers": [{"name": "c", "env": env}]}}).to_string()
}

#[rstest]
// Env values, every shape.
#[case::literal(pod_with_env(json!([{"name": "DB_PASSWORD", "value": c()}])))]
#[case::literal_number(pod_with_env(json!([{"name": "DB_PASSWORD", "value": 31_337_123_u64}])))]
#[case::literal_object(pod_with_env(json!([{"name": "DB_PASSWORD", "value": {"k": c()}}])))]
#[case::both(pod_with_env(json!([{"name": "DB_PASSWORD", "value": c(), "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}])))]
#[case::value_from_string(pod_with_env(json!([{"name": "DB_PASSWORD", "valueFrom": c()}])))]
#[case::value_from_list(pod_with_env(json!([{"name": "DB_PASSWORD", "valueFrom": [c()]}])))]
#[case::secret_key_ref_string(pod_with_env(json!([{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": c()}}])))]
#[case::secret_key_ref_name_number(pod_with_env(json!([{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": 31_337_123_u64}}}])))]
#[case::config_map_key_ref_string(pod_with_env(json!([{"name": "DB_PASSWORD", "valueFrom": {"configMapKeyRef": c()}}])))]
#[case::env_string(pod_with_env(json!(format!("DB_PASSWORD={CANARY}"))))]
#[case::env_entry_string(pod_with_env(json!([c()])))]
#[case::env_name_number(pod_with_env(json!([{"name": 31_337_123_u64, "value": c()}])))]
#[case::containers_string(request("", "Pod", json!({"spec": {"containers": c()}})))]
#[case::spec_string(request("", "Pod", json!({"spec": c()})))]
#[case::label_number(request("", "Pod", json!({"metadata": {"labels": {"vdi.kasm.io/session": 31_337_123_u64}}, "spec": {}})))]
#[case::label_object(request("", "Pod", json!({"metadata": {"labels": {"a": {"b": c()}}}, "spec": {}})))]
#[case::template_string(request("apps", "Deployment", json!({"spec": {"template": c()}})))]
#[case::cron_string(request("batch", "CronJob", json!({"spec": {"jobTemplate": {"spec": c()}}})))]
// Last-applied copies of workloads.
#[case::applied_literal(annotated("", "Pod", json!(applied_pod(json!([{"name": "API_TOKEN", "value": c()}]))), json!({"spec": {}})))]
#[case::applied_not_json(annotated("", "Pod", json!(format!("{{\"password\": \"{CANARY}")), json!({"spec": {}})))]
#[case::applied_bad_escape(annotated("", "Pod", json!(format!("{{\"password\": \"{CANARY}\\q\"}}")), json!({"spec": {}})))]
#[case::applied_trailing(annotated("", "Pod", json!(format!("{{}} {CANARY}")), json!({"spec": {}})))]
#[case::applied_not_object(annotated("", "Pod", json!(format!("\"{CANARY}\"")), json!({"spec": {}})))]
#[case::applied_plain_text(annotated("", "Pod", json!(CANARY), json!({"spec": {}})))]
#[case::applied_wrong_shape(annotated("", "Pod", json!(applied_pod(json!(c()))), json!({"spec": {}})))]
#[case::applied_object(annotated("", "Pod", json!({"password": c()}), json!({"spec": {}})))]
#[case::applied_huge(annotated("", "Pod", json!(format!("{{\"x\": \"{}\"}}", CANARY.repeat(30_000))), json!({"spec": {}})))]
// ConfigMaps.
#[case::config_map_key(request("", "ConfigMap", json!({"data": {"db-password": c()}})))]
#[case::config_map_pem(request("", "ConfigMap", json!({"data": {"tls.key": format!("-----BEGIN PRIVATE KEY-----\n{CANARY}\n")}})))]
#[case::config_map_number(request("", "ConfigMap", json!({"data": {"db-password": 31_337_123_u64}})))]
#[case::config_map_list(request("", "ConfigMap", json!({"data": {"a": [c()]}})))]
#[case::config_map_data_string(request("", "ConfigMap", json!({"data": c()})))]
#[case::binary_not_base64(request("", "ConfigMap", json!({"binaryData": {"k": format!("{CANARY}!")}})))]
#[case::binary_pem(request("", "ConfigMap", json!({"binaryData": {"k": "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tClpxOHZLeDNXbVQ3cExyCg=="}})))]
#[case::config_map_applied(annotated("", "ConfigMap", json!(json!({"data": {"api-key": c()}}).to_string()), json!({})))]
#[case::config_map_applied_wrong(annotated("", "ConfigMap", json!(json!({"data": {"k": [c()]}}).to_string()), json!({})))]
#[case::config_map_applied_bad(annotated("", "ConfigMap", json!(format!("{{\"data\": {CANARY}}}")), json!({})))]
// VDI objects.
#[case::session_field(request("vdi.kasm.io", "VDISession", json!({"spec": {"password": c()}})))]
#[case::session_number(request("vdi.kasm.io", "VDISession", json!({"spec": {"vncPw": 31_337_123_u64}})))]
#[case::session_label(request("vdi.kasm.io", "VDISession", json!({"metadata": {"labels": {"password": c()}}})))]
#[case::session_annotation(request("vdi.kasm.io", "VDITemplate", json!({"metadata": {"annotations": {"api-token": c()}}})))]
#[case::session_env(request("vdi.kasm.io", "VDITemplate", json!({"spec": {"env": [{"name": "A_SECRET", "value": c()}]}})))]
#[case::session_list(request("vdi.kasm.io", "VDISession", json!([c()])))]
#[case::session_string(request("vdi.kasm.io", "VDISession", json!(c())))]
#[case::session_deep(request("vdi.kasm.io", "VDISession", json!({"spec": (0..200).fold(json!(c()), |v, _| json!([v]))})))]
#[case::session_applied(annotated("vdi.kasm.io", "VDISession", json!(json!({"spec": {"password": c()}}).to_string()), json!({})))]
#[case::session_applied_bad(annotated("vdi.kasm.io", "VDISession", json!(format!("{{\"spec\": {{\"password\": {CANARY}}}}}")), json!({})))]
#[case::session_applied_deep(annotated("vdi.kasm.io", "VDISession", json!((0..200).fold(json!(c()), |v, _| json!({"a": v})).to_string()), json!({})))]
#[case::session_applied_list(annotated("vdi.kasm.io", "VDISession", json!(json!([c()]).to_string()), json!({})))]
#[case::session_applied_number(annotated("vdi.kasm.io", "VDISession", json!(31_337_123_u64), json!({})))]
fn rejected_without_the_value(#[case] request: Value) {
    let (accepted, message) = answer(request);
    assert!(!accepted, "accepted");
    assert!(!message.is_empty());
    assert_hidden(&message);
    assert!(!message.contains("31337123"), "{message}");
}

#[rstest]
#[case::bad_escape_in_object(format!(r#"{{"request":{{"uid":"1","kind":{{"group":"","version":"v1","kind":"Pod"}},"operation":"CREATE","object":{{"spec":{{"containers":[{{"env":[{{"name":"P","value":"{CANARY}\q"}}]}}]}}}}}}}}"#))]
#[case::truncated(format!(r#"{{"request":{{"uid":"1","kind":{{"group":"","version":"v1","kind":"Pod"}},"operation":"CREATE","object":{{"spec":"{CANARY}"#))]
#[case::control_character(format!("{{\"request\":{{\"uid\":\"1\",\"kind\":{{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"}},\"operation\":\"CREATE\",\"object\":{{\"a\":\"{CANARY}\u{1}\"}}}}}}"))]
#[case::lone_surrogate(format!(r#"{{"request":{{"uid":"1","kind":{{"group":"","version":"v1","kind":"ConfigMap"}},"operation":"CREATE","object":{{"data":{{"k":"{CANARY}\ud800"}}}}}}}}"#))]
fn malformed_payloads_are_rejected_without_the_value(#[case] payload: String) {
    let (accepted, message) = answer_payload(payload.as_bytes());
    assert!(!accepted);
    assert_hidden(&message);
}

/// Arbitrary JSON with canaries in its strings.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[a-zA-Z_./-]{0,12}".prop_map(|s| json!(format!("{s}{CANARY}"))),
        Just(json!("")),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec(
                (
                    prop_oneof![
                        Just("name".to_string()),
                        Just("value".to_string()),
                        Just("env".to_string()),
                        Just("valueFrom".to_string()),
                        Just("secretKeyRef".to_string()),
                        Just("password".to_string()),
                        Just("data".to_string()),
                        Just("spec".to_string()),
                        Just("containers".to_string()),
                        Just("metadata".to_string()),
                        Just("annotations".to_string()),
                        Just("kubectl.kubernetes.io/last-applied-configuration".to_string()),
                        "[a-zA-Z_-]{1,10}",
                    ],
                    inner
                ),
                0..5
            )
            .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

fn kinds() -> impl Strategy<Value = (&'static str, &'static str)> {
    prop_oneof![
        Just(("", "Pod")),
        Just(("apps", "Deployment")),
        Just(("batch", "CronJob")),
        Just(("", "PodTemplate")),
        Just(("", "ConfigMap")),
        Just(("vdi.kasm.io", "VDISession")),
        Just(("vdi.kasm.io", "VDITemplate")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_get_a_verdict(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let (accepted, _) = answer_payload(&bytes);
        prop_assert!(!accepted);
    }

    #[test]
    fn arbitrary_objects_never_echo_a_canary(
        (group, kind) in kinds(),
        object in json_value(),
        applied in json_value(),
        as_text in any::<bool>(),
        update in any::<bool>(),
    ) {
        let mut object = object;
        if let Value::Object(map) = &mut object {
            let applied = if as_text { json!(applied.to_string()) } else { applied };
            map.insert("metadata".into(), json!({"name": "x", "annotations": {"kubectl.kubernetes.io/last-applied-configuration": applied}}));
        }
        let mut request = request(group, kind, object.clone());
        if update {
            request["operation"] = json!("UPDATE");
            request["oldObject"] = object;
        }
        let (accepted, message) = answer(request);
        prop_assert_eq!(accepted, message.is_empty());
        let chars: Vec<char> = CANARY.chars().collect();
        for window in chars.windows(4) {
            let piece: String = window.iter().collect();
            prop_assert!(!message.contains(&piece), "{}", message);
        }
    }

    #[test]
    fn pod_env_of_any_shape_never_echoes(env in json_value()) {
        let (_, message) = answer(pod_with_env(env));
        let chars: Vec<char> = CANARY.chars().collect();
        for window in chars.windows(4) {
            let piece: String = window.iter().collect();
            prop_assert!(!message.contains(&piece), "{}", message);
        }
    }
}

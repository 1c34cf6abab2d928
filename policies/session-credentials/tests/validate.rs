//! The real entry point on whole admission payloads: equivalent spellings
//! get equal verdicts, and the operation semantics hold.

use proptest::prelude::*;
use rstest::rstest;
use serde_json::{Value, json};

fn run(request: Value, settings: Value) -> (bool, String) {
    let payload = serde_json::to_vec(&json!({"request": request, "settings": settings})).unwrap();
    run_payload(&payload)
}

fn run_payload(payload: &[u8]) -> (bool, String) {
    let raw = (session_credentials::NATIVE.validate)(payload, &shared::policy::NoCluster).unwrap();
    let response: Value = serde_json::from_slice(&raw).unwrap();
    (
        response["accepted"].as_bool().unwrap(),
        response["message"].as_str().unwrap_or_default().to_string(),
    )
}

fn pod(labels: Value, spec: Value) -> Value {
    json!({
        "uid": "1",
        "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "operation": "CREATE",
        "namespace": "vdi",
        "userInfo": {"username": "system:serviceaccount:vdi-system:vdi-operator"},
        "object": {"metadata": {"name": "vdi-session-alice", "labels": labels}, "spec": spec},
    })
}

fn one_env(var: Value) -> Value {
    json!({"containers": [{"name": "desktop", "env": [var]}]})
}

fn session_labels() -> Value {
    json!({"vdi.kasm.io/session": "alice-1"})
}

fn from_secret(name: &str, secret: &str) -> Value {
    json!({"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": "password"}}})
}

#[rstest]
#[case::absent_lists(json!({}))]
#[case::null_lists(json!({"containers": null, "initContainers": null, "ephemeralContainers": null}))]
#[case::null_env(json!({"containers": [{"name": "desktop", "env": null, "envFrom": null}]}))]
#[case::null_value(one_env(json!({"name": "LANG", "value": null})))]
#[case::null_value_from_source(one_env(json!({"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "k"}, "configMapKeyRef": null}})))]
#[case::own_secret(one_env(from_secret("SELKIES_BASIC_AUTH_PASSWORD", "alice-1-credentials")))]
#[case::prefix_cannot_make_the_password(json!({"containers": [{"name": "d", "envFrom": [{"prefix": "SELKIES_BASIC_AUTH_PASSWORD_", "secretRef": {"name": "shared"}}]}]}))]
fn accepted_in_a_session_pod(#[case] spec: Value) {
    let (accepted, message) = run(pod(session_labels(), spec), json!({}));
    assert!(accepted, "{message}");
}

#[rstest]
#[case::prefix_can_make_the_password(
    json!({"containers": [{"name": "d", "envFrom": [{"prefix": "SELKIES_", "secretRef": {"name": "shared"}}]}]}),
    "imports the keys of Secret \"shared\" with prefix \"SELKIES_\""
)]
#[case::repeated_entry_later_literal(
    json!({"containers": [{"name": "d", "env": [from_secret("SELKIES_BASIC_AUTH_PASSWORD", "alice-1-credentials"), {"name": "SELKIES_BASIC_AUTH_PASSWORD", "value": "x"}]}]}),
    "env[1] \"SELKIES_BASIC_AUTH_PASSWORD\" is a literal value"
)]
#[case::empty_secret_name(
    one_env(json!({"name": "SELKIES_BASIC_AUTH_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "", "key": "password"}}})),
    "names no Secret"
)]
#[case::empty_value_from(one_env(json!({"name": "DB_PASSWORD", "valueFrom": {}})), "has a valueFrom without a source")]
#[case::all_null_value_from(one_env(json!({"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": null}})), "without a source")]
fn rejected_in_a_session_pod(#[case] spec: Value, #[case] fragment: &str) {
    let (accepted, message) = run(pod(session_labels(), spec), json!({}));
    assert!(!accepted);
    assert!(message.contains(fragment), "{message}");
}

#[test]
fn json_escapes_do_not_change_the_verdict() {
    let plain = r#"{"request":{"uid":"1","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","object":{"spec":{"containers":[{"name":"c","env":[{"name":"DB_PASSWORD","value":"x"}]}]}}}}"#;
    let escaped = plain.replace("DB_PASSWORD", r"DB_PASS\u0057ORD");
    let (a, ma) = run_payload(plain.as_bytes());
    let (b, mb) = run_payload(escaped.as_bytes());
    assert!(!a && !b);
    assert_eq!(ma, mb);
}

#[test]
fn the_list_a_container_sits_in_changes_only_the_location() {
    let var = json!([{"name": "API_TOKEN", "value": "t"}]);
    for list in ["containers", "initContainers", "ephemeralContainers"] {
        let spec = json!({list: [{"name": "c", "env": var}]});
        let (accepted, message) = run(pod(json!({}), spec), json!({}));
        assert!(!accepted);
        assert!(
            message.contains(&format!("(spec.{list}[0]) env[0] \"API_TOKEN\"")),
            "{message}"
        );
    }
}

#[test]
fn a_config_map_exemption_skips_everything() {
    let request = json!({
        "uid": "1",
        "kind": {"group": "", "version": "v1", "kind": "ConfigMap"},
        "operation": "CREATE",
        "namespace": "vdi-system",
        "name": "vdi-operator-config",
        "userInfo": {"username": "admin"},
        "object": {"metadata": {"name": "vdi-operator-config", "namespace": "vdi-system"}, "data": {"sessionTokenTTL": "8h", "tls.key": "-----BEGIN PRIVATE KEY-----"}},
    });
    let settings = json!({"exemptConfigMaps": ["vdi-system/vdi-operator-config"]});
    assert!(run(request.clone(), settings).0);
    let (accepted, message) = run(request, json!({}));
    assert!(!accepted);
    assert!(
        message.contains("sessionTokenTTL") && message.contains("PEM private key"),
        "{message}"
    );
}

#[test]
fn long_lists_of_findings_are_cut() {
    let containers: Vec<Value> = (0..200)
        .map(|i| json!({"name": format!("c{i}"), "env": [{"name": "API_TOKEN", "value": "t"}]}))
        .collect();
    let (accepted, message) = run(pod(json!({}), json!({"containers": containers})), json!({}));
    assert!(!accepted);
    assert!(
        message.ends_with("and 170 more like these"),
        "{}",
        &message[message.len() - 80..]
    );
    assert!(message.len() < 10_000, "{}", message.len());
}

#[test]
fn huge_names_are_quoted_short() {
    let name = format!("API_TOKEN_{}", "X".repeat(1 << 20));
    let (accepted, message) = run(
        pod(json!({}), one_env(json!({"name": name, "value": "t"}))),
        json!({}),
    );
    assert!(!accepted);
    assert!(message.len() < 1000, "{}", message.len());
    assert!(message.contains("(1048586 characters)"), "{message}");
}

#[test]
fn update_rejects_only_what_it_writes() {
    let stored = json!({"metadata": {"name": "p"}, "spec": one_env(json!({"name": "API_TOKEN", "value": "old"}))});
    let update = |object: Value| {
        json!({
            "uid": "1",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "operation": "UPDATE",
            "userInfo": {"username": "admin"},
            "object": object,
            "oldObject": stored,
        })
    };
    assert!(run(update(stored.clone()), json!({})).0);
    let changed = json!({"metadata": {"name": "p"}, "spec": one_env(json!({"name": "API_TOKEN", "value": "new"}))});
    assert!(!run(update(changed), json!({})).0);
    let renamed = json!({"metadata": {"name": "p"}, "spec": one_env(json!({"name": "API_KEY", "value": "old"}))});
    assert!(!run(update(renamed), json!({})).0);
}

proptest! {
    #[test]
    fn spellings_of_a_name_get_one_verdict(
        words in proptest::collection::vec("[a-z]{1,8}", 1..4),
        separator in prop_oneof![Just("_"), Just("-"), Just("."), Just("")],
        upper in any::<bool>(),
    ) {
        let canonical = words.join("_").to_ascii_uppercase();
        let mut spelt = words.join(separator);
        if upper {
            spelt = spelt.to_ascii_uppercase();
        }
        let verdict = |name: &str| {
            run(pod(json!({}), one_env(json!({"name": name, "value": "v"}))), json!({})).0
        };
        prop_assert_eq!(verdict(&canonical), verdict(&spelt));
        let key_verdict = |key: &str| {
            let request = json!({
                "uid": "1",
                "kind": {"group": "", "version": "v1", "kind": "ConfigMap"},
                "operation": "CREATE",
                "userInfo": {"username": "admin"},
                "object": {"metadata": {"name": "c"}, "data": {key: "v"}},
            });
            run(request, json!({})).0
        };
        prop_assert_eq!(key_verdict(&canonical), key_verdict(&spelt));
        prop_assert_eq!(verdict(&canonical), key_verdict(&canonical));
    }

    #[test]
    fn admitted_session_pods_use_their_own_secret(
        session in "[a-z0-9]{1,6}(-[a-z0-9]{1,6})?",
        secret in prop_oneof!["[a-z0-9-]{1,16}", Just(String::new())],
        labelled in any::<bool>(),
        own in any::<bool>(),
    ) {
        let secret = if own { format!("{session}-credentials") } else { secret };
        let labels = if labelled { json!({"vdi.kasm.io/session": session}) } else { json!({}) };
        let (accepted, _) = run(pod(labels, one_env(from_secret("SELKIES_BASIC_AUTH_PASSWORD", &secret))), json!({}));
        prop_assert_eq!(accepted, labelled && secret == format!("{session}-credentials"));
    }
}

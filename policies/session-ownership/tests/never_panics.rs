//! Property tests: `validate` answers every input with a verdict (never a
//! trap), and whatever a non-privileged requester gets admitted satisfies
//! the ownership and shape rules.

use proptest::prelude::*;
use serde_json::{Value, json};
use shared::host::{GetResource, KubernetesHost};

/// A host whose every pod belongs to `owner` (or fails when `None`).
struct AnyPod(Option<String>);

impl KubernetesHost for AnyPod {
    fn get_resource(&self, request: &GetResource<'_>) -> Result<Vec<u8>, String> {
        match &self.0 {
            Some(owner) => Ok(
                json!({"metadata": {"name": request.name, "labels": {"vdi.kasm.io/user": owner}}})
                    .to_string()
                    .into_bytes(),
            ),
            None => Err("unavailable".into()),
        }
    }
}

fn answer(payload: &[u8], host: &AnyPod) -> (bool, String) {
    let raw = (session_ownership::NATIVE.validate)(payload, host).expect("validate always answers");
    let v: Value = serde_json::from_slice(&raw).expect("a ValidationResponse");
    (
        v["accepted"].as_bool().expect("accepted is a bool"),
        v["message"].as_str().unwrap_or_default().to_string(),
    )
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9-]{0,8}",
        "\\PC{0,12}",
        Just("alice".to_string()),
        Just("bob".to_string()),
    ]
}

fn optional(value: Option<String>) -> Value {
    value.map_or(Value::Null, Value::String)
}

proptest! {
    #[test]
    fn arbitrary_bytes_get_a_verdict(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let (accepted, _) = answer(&bytes, &AnyPod(None));
        prop_assert!(!accepted);
    }

    #[test]
    fn session_requests_get_a_verdict_and_only_owners_create(
        operation in prop_oneof![Just("CREATE"), Just("UPDATE"), Just("DELETE"), Just("CONNECT")],
        username in prop_oneof![text(), text().prop_map(|t| format!("oidc:{t}"))],
        user in proptest::option::of(text()),
        old_user in proptest::option::of(text()),
        timeout in proptest::option::of(prop_oneof!["[0-9.]{0,4}(h|m|s|ms|d|)", "\\PC{0,6}"]),
        with_old in any::<bool>(),
        subresource in prop_oneof![Just(""), Just("status"), Just("scale")],
    ) {
        let session = |user: &Option<String>| json!({
            "metadata": {"name": "s", "finalizers": ["vdi.kasm.io/session-cleanup"]},
            "spec": {"user": optional(user.clone()), "timeout": optional(timeout.clone())}
        });
        let request = json!({
            "kind": {"group": "vdi.kasm.io", "version": "v1alpha1", "kind": "VDISession"},
            "operation": operation,
            "subResource": subresource,
            "userInfo": {"username": username},
            "object": if operation == "DELETE" { Value::Null } else { session(&user) },
            "oldObject": if with_old { session(&old_user) } else { Value::Null },
        });
        let payload = json!({"request": request, "settings": {"usernamePrefix": "oidc:"}}).to_string();
        let (accepted, message) = answer(payload.as_bytes(), &AnyPod(None));
        prop_assert_eq!(accepted, message.is_empty());
        if accepted && operation == "CREATE" {
            let user = user.expect("an admitted session names its user");
            prop_assert_eq!(Some(user.as_str()), username.strip_prefix("oidc:"));
            prop_assert!(user.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-'));
        }
        // The API server has no DELETE of a subresource; the operation table
        // accepts an undeclared DELETE, which removes nothing here.
        if accepted && (operation == "UPDATE" || (operation == "DELETE" && subresource.is_empty())) {
            prop_assert_eq!(old_user.as_deref(), username.strip_prefix("oidc:"));
        }
    }

    #[test]
    fn connect_is_admitted_only_for_the_labelled_user(
        username in prop_oneof![text(), text().prop_map(|t| format!("oidc:{t}"))],
        owner in proptest::option::of(text()),
        name in "\\PC{0,20}",
    ) {
        let request = json!({
            "kind": {"group": "", "version": "v1", "kind": "PodExecOptions"},
            "subResource": "exec",
            "name": name,
            "namespace": "vdi",
            "operation": "CONNECT",
            "userInfo": {"username": username},
            "object": {"kind": "PodExecOptions", "command": ["sh"]},
        });
        let payload = json!({"request": request, "settings": {"usernamePrefix": "oidc:"}}).to_string();
        let (accepted, _) = answer(payload.as_bytes(), &AnyPod(owner.clone()));
        if accepted {
            prop_assert!(owner.is_some());
            prop_assert_eq!(owner.as_deref(), username.strip_prefix("oidc:"));
        }
    }
}

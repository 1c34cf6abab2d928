//! Payload building and verdict reading shared by the native tests.

#![allow(dead_code)]

use std::path::Path;

use serde_json::{Value, json};

/// A fixture of the e2e suites, as JSON.
pub fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("suites/fixtures")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The AdmissionRequest the API server would send for `object`.
pub fn request(object: &Value, operation: &str, user: &str) -> Value {
    let api_version = object["apiVersion"].as_str().unwrap_or("v1");
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let kind = object["kind"].as_str().unwrap_or("");
    let mut request = json!({
        "uid": "1",
        "kind": {"group": group, "version": version, "kind": kind},
        "operation": operation,
        "userInfo": {"username": user, "groups": ["system:authenticated"]},
        "object": object,
    });
    if let Some(name) = object.pointer("/metadata/name") {
        request["name"] = name.clone();
    }
    if let Some(namespace) = object.pointer("/metadata/namespace") {
        request["namespace"] = namespace.clone();
    }
    if operation == "UPDATE" {
        request["oldObject"] = object.clone();
    }
    request
}

pub fn payload(request: &Value, settings: &Value) -> Vec<u8> {
    json!({"request": request, "settings": settings})
        .to_string()
        .into_bytes()
}

/// `(accepted, message)` of the native `validate`; a rejection always has
/// a message, and `validate` never fails instead of answering.
pub fn answer(payload: &[u8]) -> (bool, String) {
    let raw = (rbac_least_privilege::NATIVE.validate)(payload, &shared::policy::NoCluster)
        .unwrap_or_else(|e| panic!("validate returned an error instead of a verdict: {e}"));
    let response: Value = serde_json::from_slice(&raw).expect("a ValidationResponse");
    let accepted = response["accepted"]
        .as_bool()
        .unwrap_or_else(|| panic!("malformed response {response}"));
    let message = response["message"].as_str().unwrap_or_default().to_string();
    assert!(
        accepted || !message.trim().is_empty(),
        "rejection without a message"
    );
    (accepted, message)
}

/// The verdict on `object` written by `user` with `settings`.
pub fn judge(object: &Value, operation: &str, user: &str, settings: &Value) -> (bool, String) {
    answer(&payload(&request(object, operation, user), settings))
}

/// The verdict on a CREATE by the cluster admin with default settings.
pub fn create(object: &Value) -> (bool, String) {
    judge(object, "CREATE", "kubernetes-admin", &json!({}))
}

/// `validate_settings` on `settings`: `Ok` or the message.
pub fn settings_verdict(settings: &Value) -> Result<(), String> {
    let raw = (rbac_least_privilege::NATIVE.validate_settings)(settings.to_string().as_bytes())
        .unwrap_or_else(|e| panic!("validate_settings failed: {e}"));
    let response: Value = serde_json::from_slice(&raw).expect("a SettingsValidationResponse");
    match response["valid"].as_bool() {
        Some(true) => Ok(()),
        _ => Err(response["message"].as_str().unwrap_or_default().to_string()),
    }
}

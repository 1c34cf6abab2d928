//! Payloads from the suite fixtures, a fake cluster, and the verdict of the
//! native entry point.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use shared::host::{GetResource, KubernetesHost, ListResources};

pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// A YAML file of the crate as JSON.
pub fn read(file: &str) -> Value {
    let path = dir().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn fixture(name: &str) -> Value {
    read(&format!("suites/fixtures/{name}"))
}

pub fn settings() -> Value {
    read("settings.yaml")
}

/// Cluster objects answering `get_resource` and `list_resources_all`.
#[derive(Default)]
pub struct Cluster(pub Vec<Value>);

fn field<'v>(object: &'v Value, path: &[&str]) -> &'v str {
    path.iter()
        .try_fold(object, |v, k| v.get(k))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

impl KubernetesHost for Cluster {
    fn get_resource(&self, request: &GetResource<'_>) -> Result<Vec<u8>, String> {
        self.0
            .iter()
            .find(|o| {
                field(o, &["apiVersion"]) == request.api_version
                    && field(o, &["kind"]) == request.kind
                    && field(o, &["metadata", "namespace"]) == request.namespace.unwrap_or_default()
                    && field(o, &["metadata", "name"]) == request.name
            })
            .map(|o| o.to_string().into_bytes())
            .ok_or_else(|| format!("{} not found", request.describe()))
    }

    fn list_resources(&self, request: &ListResources<'_>) -> Result<Vec<u8>, String> {
        let items: Vec<&Value> = self
            .0
            .iter()
            .filter(|o| {
                field(o, &["apiVersion"]) == request.api_version
                    && field(o, &["kind"]) == request.kind
            })
            .collect();
        Ok(json!({"apiVersion": "v1", "kind": "List", "items": items})
            .to_string()
            .into_bytes())
    }
}

/// The AdmissionRequest for `manifest`, as the API server sends it.
pub fn request(manifest: &Value, operation: &str, user: &str, old: Option<&Value>) -> Value {
    let api_version = field(manifest, &["apiVersion"]);
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let mut request = json!({
        "uid": "1",
        "kind": {"group": group, "version": version, "kind": field(manifest, &["kind"])},
        "name": field(manifest, &["metadata", "name"]),
        "namespace": field(manifest, &["metadata", "namespace"]),
        "operation": operation,
        "userInfo": {"username": user, "groups": ["system:authenticated"]},
        "object": manifest,
    });
    match (operation, old) {
        ("UPDATE", Some(old)) => request["oldObject"] = old.clone(),
        ("UPDATE", None) => request["oldObject"] = manifest.clone(),
        _ => {}
    }
    request
}

/// Runs the native `validate`; (accepted, message). A panic or an error
/// instead of a verdict fails the test.
pub fn verdict(request: &Value, settings: &Value, cluster: &dyn KubernetesHost) -> (bool, String) {
    let payload = json!({"request": request, "settings": settings}).to_string();
    verdict_raw(payload.as_bytes(), cluster)
}

pub fn verdict_raw(payload: &[u8], cluster: &dyn KubernetesHost) -> (bool, String) {
    let raw = (ingress_route_tls::NATIVE.validate)(payload, cluster)
        .unwrap_or_else(|e| panic!("validate returned an error instead of a verdict: {e}"));
    let response: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
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

/// `validate_settings` on JSON settings: Ok or the message.
pub fn settings_verdict(settings: &Value) -> Result<(), String> {
    let raw = (ingress_route_tls::NATIVE.validate_settings)(settings.to_string().as_bytes())
        .unwrap_or_else(|e| panic!("validate_settings returned an error: {e}"));
    let response: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    if response["valid"] == Value::Bool(true) {
        Ok(())
    } else {
        Err(response["message"].as_str().unwrap_or_default().to_string())
    }
}

//! Turning plain manifests into AdmissionRequests, and requests into the
//! exact shape policy-server forwards.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// policy-server deserializes the AdmissionReview into its own typed request
/// and serializes that again for the module: unknown fields are dropped,
/// duplicate keys collapse to the last one, and absent optionals are omitted.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PolicyServerRequest {
    uid: String,
    kind: Gvk,
    resource: Gvr,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_resource: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_kind: Option<Gvk>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_resource: Option<Gvr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_sub_resource: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
    operation: String,
    user_info: UserInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    object: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    old_object: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dry_run: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    options: Option<Value>,
}

#[derive(Serialize, Deserialize)]
struct Gvk {
    group: String,
    version: String,
    kind: String,
}

#[derive(Serialize, Deserialize)]
struct Gvr {
    group: String,
    version: String,
    resource: String,
}

#[derive(Serialize, Deserialize, Default)]
struct UserInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    groups: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    extra: Option<Value>,
}

/// Accepts an AdmissionReview or a bare AdmissionRequest and returns the
/// request as policy-server would forward it.
pub fn as_policy_server_request(request: &Value) -> Result<Value, String> {
    into_policy_server_request(request.clone())
}

/// The fields policy-server passes through as any JSON value (`null` being
/// absent): the typed round trip would only copy them.
const CARRIED: [&str; 3] = ["object", "oldObject", "options"];

/// [`as_policy_server_request`] on a request the caller gives up, which
/// saves copying it (the browser build forwards every request it wraps):
/// the objects are set aside while the envelope makes the typed round trip,
/// then put back unless `null`, exactly what the round trip does with them.
pub fn into_policy_server_request(mut request: Value) -> Result<Value, String> {
    let mut inner = match request.get("kind").and_then(Value::as_str) {
        Some("AdmissionReview") => request
            .get_mut("request")
            .map(Value::take)
            .ok_or("AdmissionReview has no request")?,
        _ => request,
    };
    let carried: Vec<(&str, Value)> = match inner.as_object_mut() {
        Some(map) => CARRIED
            .iter()
            .filter_map(|key| map.remove(*key).map(|value| (*key, value)))
            .collect(),
        None => Vec::new(),
    };
    let typed: PolicyServerRequest = serde_json::from_value(inner).map_err(|e| e.to_string())?;
    let mut forwarded = serde_json::to_value(typed).map_err(|e| e.to_string())?;
    if let Some(map) = forwarded.as_object_mut() {
        for (key, value) in carried {
            if !value.is_null() {
                map.insert(key.to_string(), value);
            }
        }
    }
    Ok(forwarded)
}

/// How a manifest is presented to the policy.
#[derive(Debug, Clone)]
pub struct WrapOptions {
    pub operation: String,
    pub user: String,
    pub groups: Vec<String>,
    pub sub_resource: Option<String>,
    pub old_object: Option<Value>,
}

impl Default for WrapOptions {
    fn default() -> Self {
        WrapOptions {
            operation: "CREATE".into(),
            user: "kubernetes-admin".into(),
            groups: vec!["system:authenticated".into()],
            sub_resource: None,
            old_object: None,
        }
    }
}

/// The plural resource name the API server uses for a kind.
pub fn resource_for_kind(kind: &str) -> String {
    const IRREGULAR: &[(&str, &str)] = &[("Endpoints", "endpoints")];
    if let Some((_, plural)) = IRREGULAR.iter().find(|(k, _)| *k == kind) {
        return plural.to_string();
    }
    let lower = kind.to_ascii_lowercase();
    if let Some(stem) = lower.strip_suffix('y') {
        format!("{stem}ies")
    } else if lower.ends_with('s') {
        format!("{lower}es")
    } else {
        format!("{lower}s")
    }
}

/// Splits `apiVersion` into group and version.
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.split_once('/').unwrap_or(("", api_version))
}

/// Wraps a manifest into an AdmissionRequest, as `kubectl apply` would
/// produce it. For DELETE the manifest becomes `oldObject`; an UPDATE
/// without an old manifest gets the manifest itself as `oldObject`.
pub fn wrap(manifest: &Value, options: &WrapOptions) -> Result<Value, String> {
    let api_version = manifest
        .get("apiVersion")
        .and_then(Value::as_str)
        .ok_or("the manifest has no apiVersion")?;
    let kind = manifest
        .get("kind")
        .and_then(Value::as_str)
        .ok_or("the manifest has no kind")?;
    let (group, version) = split_api_version(api_version);
    let meta = |field: &str| manifest.pointer(&format!("/metadata/{field}")).cloned();
    let (object, old_object) = match options.operation.as_str() {
        "DELETE" => (
            Value::Null,
            Some(
                options
                    .old_object
                    .clone()
                    .unwrap_or_else(|| manifest.clone()),
            ),
        ),
        // The API server always sends the stored object with an UPDATE;
        // without one given, the update changes nothing.
        "UPDATE" => (
            manifest.clone(),
            Some(
                options
                    .old_object
                    .clone()
                    .unwrap_or_else(|| manifest.clone()),
            ),
        ),
        _ => (manifest.clone(), options.old_object.clone()),
    };
    let mut request = json!({
        "uid": "00000000-0000-0000-0000-000000000000",
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": resource_for_kind(kind)},
        "operation": options.operation,
        "userInfo": {"username": options.user, "groups": options.groups},
        "object": object,
        "dryRun": false,
    });
    let fields = [
        ("name", meta("name")),
        ("namespace", meta("namespace")),
        (
            "subResource",
            options.sub_resource.clone().map(Value::String),
        ),
        ("oldObject", old_object),
    ];
    if let Some(map) = request.as_object_mut() {
        for (key, value) in fields {
            if let Some(value) = value {
                map.insert(key.to_string(), value);
            }
        }
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("Pod", "pods")]
    #[case("NetworkPolicy", "networkpolicies")]
    #[case("CiliumClusterwideNetworkPolicy", "ciliumclusterwidenetworkpolicies")]
    #[case("VDISession", "vdisessions")]
    #[case("Ingress", "ingresses")]
    fn plurals(#[case] kind: &str, #[case] plural: &str) {
        assert_eq!(resource_for_kind(kind), plural);
    }

    #[test]
    fn wraps_a_deployment_and_round_trips_through_policy_server_shape() {
        let manifest = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "vdi"}, "spec": {}});
        let request = wrap(&manifest, &WrapOptions::default()).unwrap();
        let forwarded = as_policy_server_request(&request).unwrap();
        assert_eq!(forwarded["kind"]["group"], "apps");
        assert_eq!(forwarded["resource"]["resource"], "deployments");
        assert_eq!(forwarded["namespace"], "vdi");
        assert_eq!(forwarded["object"], manifest);
        assert!(forwarded.get("oldObject").is_none());
    }

    #[test]
    fn delete_moves_the_manifest_to_old_object() {
        let manifest = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}});
        let options = WrapOptions {
            operation: "DELETE".into(),
            ..WrapOptions::default()
        };
        let forwarded = as_policy_server_request(&wrap(&manifest, &options).unwrap()).unwrap();
        assert!(forwarded.get("object").is_none());
        assert_eq!(forwarded["oldObject"], manifest);
    }

    /// The typed round trip of the whole request, as policy-server does it.
    fn round_trip(request: &Value) -> Result<Value, String> {
        let typed: PolicyServerRequest =
            serde_json::from_value(request.clone()).map_err(|e| e.to_string())?;
        serde_json::to_value(typed).map_err(|e| e.to_string())
    }

    #[rstest]
    #[case::objects_kept_nulls_dropped(json!({"uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod", "x": 1},
        "resource": {"group": "", "version": "v1", "resource": "pods"}, "operation": "UPDATE",
        "userInfo": {"username": "a", "extra": {"k": ["v"]}, "junk": true},
        "object": {"spec": {"a": [1, 2.5, null]}}, "oldObject": null, "options": {"kind": "UpdateOptions"},
        "dryRun": null, "unknown": {"dropped": true}}))]
    #[case::scalars_as_objects(json!({"uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"}, "operation": "CREATE",
        "userInfo": {}, "object": "text", "oldObject": [1], "options": 0}))]
    #[case::missing_uid(json!({"kind": {"group": "", "version": "v1", "kind": "Pod"}, "object": {}}))]
    #[case::wrong_type(json!({"uid": 7, "object": {}}))]
    #[case::not_an_object(json!(["uid"]))]
    fn setting_the_objects_aside_is_the_typed_round_trip(#[case] request: Value) {
        assert_eq!(as_policy_server_request(&request), round_trip(&request));
    }

    #[test]
    fn admission_review_is_unwrapped() {
        let review = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
            "uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "operation": "CREATE", "userInfo": {"username": "a"}, "object": {}, "extraField": 1}});
        let forwarded = as_policy_server_request(&review).unwrap();
        assert_eq!(forwarded["uid"], "u");
        assert!(forwarded.get("extraField").is_none());
    }
}

//! The API server's own decoding of built-in kinds, before any policy
//! sees them: a manifest with a field of the wrong type (a string for
//! `replicas`, a map for `containers`) never reaches admission in a
//! cluster, so it is reported as invalid with the field's path instead of
//! being judged, or admitted, as if it were an object.
//!
//! Unknown fields are not an error here (the API server drops or warns
//! about them depending on the client's field validation); kinds outside
//! the table (custom resources, other versions) are left to the policies.

use k8s_openapi::api::{apps, batch, core, networking, policy, rbac, storage};
use serde::de::DeserializeOwned;
use serde_json::Value;

fn decode<T: DeserializeOwned>(object: &Value) -> Result<(), String> {
    serde_path_to_error::deserialize::<_, T>(object)
        .map(drop)
        .map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner().to_string();
            if path == "." {
                inner
            } else {
                format!("{path}: {inner}")
            }
        })
}

type Check = fn(&Value) -> Result<(), String>;

/// The built-in kinds the policies judge, and those that commonly sit
/// beside them in a chart.
const BUILTIN: &[(&str, &str, Check)] = &[
    ("v1", "Pod", decode::<core::v1::Pod>),
    ("v1", "PodTemplate", decode::<core::v1::PodTemplate>),
    (
        "v1",
        "ReplicationController",
        decode::<core::v1::ReplicationController>,
    ),
    ("v1", "ConfigMap", decode::<core::v1::ConfigMap>),
    ("v1", "Secret", decode::<core::v1::Secret>),
    ("v1", "Service", decode::<core::v1::Service>),
    ("v1", "ServiceAccount", decode::<core::v1::ServiceAccount>),
    ("v1", "Namespace", decode::<core::v1::Namespace>),
    (
        "v1",
        "PersistentVolumeClaim",
        decode::<core::v1::PersistentVolumeClaim>,
    ),
    (
        "v1",
        "PersistentVolume",
        decode::<core::v1::PersistentVolume>,
    ),
    ("apps/v1", "Deployment", decode::<apps::v1::Deployment>),
    ("apps/v1", "StatefulSet", decode::<apps::v1::StatefulSet>),
    ("apps/v1", "DaemonSet", decode::<apps::v1::DaemonSet>),
    ("apps/v1", "ReplicaSet", decode::<apps::v1::ReplicaSet>),
    ("batch/v1", "Job", decode::<batch::v1::Job>),
    ("batch/v1", "CronJob", decode::<batch::v1::CronJob>),
    (
        "networking.k8s.io/v1",
        "NetworkPolicy",
        decode::<networking::v1::NetworkPolicy>,
    ),
    (
        "networking.k8s.io/v1",
        "Ingress",
        decode::<networking::v1::Ingress>,
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "Role",
        decode::<rbac::v1::Role>,
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
        decode::<rbac::v1::ClusterRole>,
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
        decode::<rbac::v1::RoleBinding>,
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
        decode::<rbac::v1::ClusterRoleBinding>,
    ),
    (
        "storage.k8s.io/v1",
        "StorageClass",
        decode::<storage::v1::StorageClass>,
    ),
    (
        "policy/v1",
        "PodDisruptionBudget",
        decode::<policy::v1::PodDisruptionBudget>,
    ),
];

/// A kustomize `Kustomization` or `Component`: a build input that never
/// reaches the API server.
pub fn is_build_file(object: &Value) -> bool {
    object
        .get("apiVersion")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with("kustomize.config.k8s.io/"))
}

/// Why the API server would refuse to decode `object`, if it would.
/// Every object needs `apiVersion`, `kind` and `metadata.name` (or
/// `generateName`) as strings.
pub fn problem(object: &Value) -> Option<String> {
    let Value::Object(map) = object else {
        return Some("not an object (a manifest is a mapping with apiVersion and kind)".into());
    };
    let text = |key: &str| {
        map.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let (Some(api_version), Some(kind)) = (text("apiVersion"), text("kind")) else {
        return Some("apiVersion and kind must be non-empty strings".into());
    };
    let named = ["name", "generateName"].iter().any(|key| {
        object
            .pointer(&format!("/metadata/{key}"))
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    });
    if !named {
        return Some("metadata.name (or generateName) must be a non-empty string".into());
    }
    BUILTIN
        .iter()
        .find(|(v, k, _)| *v == api_version && *k == kind)
        .and_then(|(_, _, check)| check(object).err())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    fn deployment(spec: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": spec})
    }

    #[rstest]
    #[case::replicas_as_string(deployment(json!({"replicas": "2", "selector": {}, "template": {}})), "spec.replicas")]
    #[case::containers_as_map(
        deployment(json!({"selector": {}, "template": {"spec": {"containers": {"name": "a"}}}})),
        "spec.template.spec.containers"
    )]
    #[case::privileged_as_string(
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "a", "securityContext": {"privileged": "true"}}]}}),
        "spec.containers[0].securityContext.privileged"
    )]
    #[case::no_name(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}), "metadata.name")]
    #[case::kind_as_number(json!({"apiVersion": "v1", "kind": 3}), "apiVersion and kind")]
    #[case::not_a_map(json!(["a"]), "not an object")]
    fn what_the_api_server_refuses_is_named_by_its_path(
        #[case] object: Value,
        #[case] fragment: &str,
    ) {
        let problem = problem(&object).expect("refused");
        assert!(problem.contains(fragment), "{problem}");
    }

    #[rstest]
    #[case::pod(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "a", "image": "x"}]}}))]
    #[case::unknown_field(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [], "madeUp": 1}}))]
    #[case::custom_resource(json!({"apiVersion": "vdi.kasm.io/v1alpha1", "kind": "VDISession", "metadata": {"name": "s"}, "spec": {"user": 5}}))]
    #[case::generate_name(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"generateName": "p-"}}))]
    fn what_the_api_server_decodes_passes(#[case] object: Value) {
        assert_eq!(problem(&object), None);
    }
}

//! `examples/vdi-namespace/`, end to end: the bundle installs `deploy/` and
//! a session namespace with its objects, and the cluster it describes
//! admits all of them. Each object of the bundle is sent, as a CREATE by the
//! requester that creates it in the platform, to every ClusterAdmissionPolicy
//! of `deploy/` whose rules route it and whose `namespaceSelector` selects
//! its namespace (by the labels of the bundle's own Namespace), with that
//! manifest's settings, and the built module must accept. Namespaced objects
//! must sit in a namespace the policies guard, or the bundle would prove
//! nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use e2e::host::PolicyModule;
use e2e::replay::Replay;
use e2e::wrap::{WrapOptions, resource_for_kind, split_api_version, wrap};
use serde_json::Value;

const BUNDLE: &str = "examples/vdi-namespace";

fn str_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn kustomization(dir: &Path) -> Vec<PathBuf> {
    let path = dir.join("kustomization.yaml");
    let k = e2e::read_document(&path).unwrap_or_else(|e| panic!("{e}"));
    k.get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|r| dir.join(r))
        .collect()
}

/// The documents a kustomization's resources hold, directories followed.
fn build(dir: &Path) -> Vec<Value> {
    let mut out = Vec::new();
    for resource in kustomization(dir) {
        if resource.is_dir() {
            out.extend(build(&resource));
        } else {
            out.extend(e2e::read_documents(&resource).unwrap_or_else(|e| panic!("{e}")));
        }
    }
    out
}

/// A label selector (`matchLabels`, `matchExpressions`) against labels.
fn selects(selector: Option<&Value>, labels: &BTreeMap<String, String>) -> bool {
    let Some(selector) = selector.filter(|s| !s.is_null()) else {
        return true;
    };
    let exact = selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .all(|(k, v)| labels.get(k).map(String::as_str) == v.as_str());
    let expressions = selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .all(|e| {
            let value = labels.get(str_at(e, "/key"));
            let values: Vec<&str> = e
                .get("values")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            match str_at(e, "/operator") {
                "In" => value.is_some_and(|v| values.contains(&v.as_str())),
                "NotIn" => value.is_none_or(|v| !values.contains(&v.as_str())),
                "Exists" => value.is_some(),
                "DoesNotExist" => value.is_none(),
                _ => false,
            }
        });
    exact && expressions
}

/// Whether a policy's rules route a CREATE of this resource.
fn routes(policy: &Value, group: &str, version: &str, resource: &str) -> bool {
    let has = |rule: &Value, key: &str, want: &str| {
        rule.get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .any(|v| v == want || v == "*")
    };
    policy
        .pointer("/spec/rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|rule| {
            has(rule, "apiGroups", group)
                && has(rule, "apiVersions", version)
                && has(rule, "resources", resource)
                && has(rule, "operations", "CREATE")
        })
}

fn labels(object: &Value) -> BTreeMap<String, String> {
    object
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
        .collect()
}

/// Who creates each kind in the platform: users ask for sessions through
/// the dashboard, which impersonates them; the operator creates their pods;
/// platform admins the rest.
fn requester(kind: &str) -> (String, Vec<String>) {
    match kind {
        "VDISession" => (
            "oidc:alice".into(),
            vec!["oidc:vdi-users".into(), "system:authenticated".into()],
        ),
        "Pod" => (
            "system:serviceaccount:vdi-system:vdi-operator".into(),
            vec![
                "system:serviceaccounts".into(),
                "system:authenticated".into(),
            ],
        ),
        _ => (
            "oidc:dana".into(),
            vec!["oidc:vdi-admins".into(), "system:authenticated".into()],
        ),
    }
}

#[test]
fn every_object_of_the_namespace_bundle_is_admitted_where_the_policies_apply() {
    let root = e2e::workspace_root();
    let dir = root.join(BUNDLE);
    let resources = kustomization(&dir);
    let deploy = root.join("deploy").canonicalize().ok();
    assert!(
        resources
            .iter()
            .any(|r| r.is_dir() && r.canonicalize().ok() == deploy),
        "the bundle installs deploy/"
    );
    let installed = build(&dir);
    let policies: Vec<&Value> = installed
        .iter()
        .filter(|o| str_at(o, "/kind") == "ClusterAdmissionPolicy")
        .collect();
    assert!(policies.len() >= 6, "deploy/ brings the policies");
    let own: Vec<Value> = resources
        .iter()
        .filter(|r| r.is_file())
        .flat_map(|r| e2e::read_documents(r).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let namespaces: BTreeMap<String, BTreeMap<String, String>> = own
        .iter()
        .filter(|o| str_at(o, "/kind") == "Namespace")
        .map(|o| (str_at(o, "/metadata/name").to_owned(), labels(o)))
        .collect();
    assert!(!namespaces.is_empty(), "the bundle has its namespace");
    let replay = Arc::new(Replay::from_objects(own.clone()).unwrap_or_else(|e| panic!("{e}")));
    let mut problems = Vec::new();
    let mut evaluations = 0;
    for object in &own {
        let kind = str_at(object, "/kind");
        let name = format!("{kind}/{}", str_at(object, "/metadata/name"));
        let (group, version) = split_api_version(str_at(object, "/apiVersion"));
        let resource = resource_for_kind(kind);
        let namespace = str_at(object, "/metadata/namespace");
        let scope = if kind == "Namespace" {
            Some(labels(object))
        } else if namespace.is_empty() {
            None
        } else {
            match namespaces.get(namespace) {
                Some(l) => Some(l.clone()),
                None => {
                    problems.push(format!(
                        "{name}: namespace {namespace:?} is not in the bundle"
                    ));
                    continue;
                }
            }
        };
        let (user, groups) = requester(kind);
        let options = WrapOptions {
            user,
            groups,
            ..WrapOptions::default()
        };
        let request = wrap(object, &options).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut judged = 0;
        for policy in &policies {
            let selected = match &scope {
                Some(l) => selects(policy.pointer("/spec/namespaceSelector"), l),
                None => true,
            };
            if !selected || !routes(policy, group, version, &resource) {
                continue;
            }
            let Some((module_name, _)) =
                xtask::kubewarden::vdi_guard_module(str_at(policy, "/spec/module"))
            else {
                continue;
            };
            let module = PolicyModule::cached(module_name).unwrap_or_else(|e| panic!("{e}"));
            let settings = policy
                .pointer("/spec/settings")
                .cloned()
                .unwrap_or_else(|| Value::Object(Default::default()));
            let (verdict, _) = module.validate(&request, &settings, replay.clone());
            judged += 1;
            evaluations += 1;
            if !verdict.accepted {
                problems.push(format!(
                    "{name}: {} rejects it: {:?}",
                    str_at(policy, "/metadata/name"),
                    verdict.message
                ));
            }
        }
        if judged == 0 && kind != "Namespace" {
            problems.push(format!(
                "{name}: no policy of deploy/ sees it (is its namespace labelled {}=true?)",
                xtask::deploy::SESSION_LABEL
            ));
        }
    }
    assert!(evaluations >= 10, "only {evaluations} evaluations");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn selectors_match_like_the_api_server() {
    let labels: BTreeMap<String, String> =
        [("vdi.kasm.io/sessions".to_owned(), "true".to_owned())].into();
    let sel = |v: Value| selects(Some(&v), &labels);
    assert!(sel(
        serde_json::json!({"matchExpressions": [{"key": "vdi.kasm.io/sessions", "operator": "In", "values": ["true"]}]})
    ));
    assert!(!sel(
        serde_json::json!({"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["gpu-operator"]}]})
    ));
    assert!(sel(
        serde_json::json!({"matchLabels": {"vdi.kasm.io/sessions": "true"}})
    ));
    assert!(!sel(
        serde_json::json!({"matchLabels": {"vdi.kasm.io/sessions": "false"}})
    ));
    assert!(sel(
        serde_json::json!({"matchExpressions": [{"key": "x", "operator": "DoesNotExist"}]})
    ));
    assert!(selects(None, &BTreeMap::new()));
}

//! The cluster a context-aware check sees in the browser: the context
//! objects the caller passed, nothing else. Lookups follow the e2e harness
//! (`e2e/src/replay.rs` and the host of `e2e/src/host.rs`) word for word, so
//! a verdict here is the verdict of the module on the same objects: objects
//! are keyed by apiVersion, kind, namespace and name; a policy may read only
//! its `contextAwareResources`; lists are unfiltered; and a failed lookup
//! reaches the policy as waPC's `Host error: ...`.

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde_json::{Value, json};
use shared::host::{GetResource, KubernetesHost, ListResources};

use crate::catalog::Entry;

type Key = (String, String, String, String);

/// The context objects, indexed.
#[derive(Default, Debug)]
pub struct Cluster {
    objects: BTreeMap<Key, Value>,
}

impl Cluster {
    /// Indexes objects by apiVersion, kind, namespace and name; a later
    /// object with the same key replaces an earlier one.
    pub fn from_objects(objects: Vec<Value>) -> Result<Cluster, String> {
        let mut cluster = Cluster::default();
        for (index, object) in objects.into_iter().enumerate() {
            let field = |path: &[&str]| {
                path.iter()
                    .try_fold(&object, |v, k| v.get(k))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            let key = (
                field(&["apiVersion"]),
                field(&["kind"]),
                field(&["metadata", "namespace"]),
                field(&["metadata", "name"]),
            );
            if key.0.is_empty() || key.1.is_empty() || key.3.is_empty() {
                return Err(format!(
                    "context object {}: a context object needs apiVersion, kind and metadata.name",
                    index + 1
                ));
            }
            cluster.objects.insert(key, object);
        }
        Ok(cluster)
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// This cluster as one policy may see it.
    pub fn for_policy<'a>(&'a self, entry: &'a Entry) -> Scoped<'a> {
        Scoped {
            cluster: self,
            entry,
            lookups: RefCell::default(),
        }
    }
}

/// The cluster restricted to one policy's `contextAwareResources`; records
/// every lookup, as the harness's call log does, so the playground can show
/// what a verdict depended on.
pub struct Scoped<'a> {
    cluster: &'a Cluster,
    entry: &'a Entry,
    lookups: RefCell<Vec<String>>,
}

impl Scoped<'_> {
    /// The lookups made so far (`v1 Pod vdi/session-alice`, `v1 Pod (list)`).
    pub fn lookups(&self) -> Vec<String> {
        self.lookups.borrow().clone()
    }

    fn record(&self, lookup: String) {
        self.lookups.borrow_mut().push(lookup);
    }

    fn granted(&self, api_version: &str, kind: &str) -> Result<(), String> {
        if self.entry.may_read(api_version, kind) {
            Ok(())
        } else {
            Err(host_error(format!(
                "Policy has not been granted access to Kubernetes {api_version}/{kind} resources. The violation has been reported."
            )))
        }
    }
}

/// What the guest's `host_call` returns when the host answers with an error.
fn host_error(message: String) -> String {
    format!("Host error: {message}")
}

impl KubernetesHost for Scoped<'_> {
    fn get_resource(&self, request: &GetResource<'_>) -> Result<Vec<u8>, String> {
        let ns = request.namespace.unwrap_or_default();
        self.record(format!(
            "{} {} {ns}/{}",
            request.api_version, request.kind, request.name
        ));
        self.granted(request.api_version, request.kind)?;
        let key = (
            request.api_version.to_string(),
            request.kind.to_string(),
            ns.to_string(),
            request.name.to_string(),
        );
        match self.cluster.objects.get(&key) {
            Some(object) => serde_json::to_vec(object).map_err(|e| host_error(e.to_string())),
            None => Err(host_error(format!(
                "{} {} {ns}/{} not found",
                request.api_version, request.kind, request.name
            ))),
        }
    }

    fn list_resources(&self, request: &ListResources<'_>) -> Result<Vec<u8>, String> {
        self.record(format!("{} {} (list)", request.api_version, request.kind));
        self.granted(request.api_version, request.kind)?;
        if request.label_selector.is_some() || request.field_selector.is_some() {
            return Err(host_error(
                "the context objects answer unfiltered lists only".into(),
            ));
        }
        let items: Vec<&Value> = self
            .cluster
            .objects
            .iter()
            .filter(|((v, k, _, _), _)| v == request.api_version && k == request.kind)
            .map(|(_, object)| object)
            .collect();
        serde_json::to_vec(
            &json!({"apiVersion": "v1", "kind": "List", "metadata": {}, "items": items}),
        )
        .map_err(|e| host_error(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::find;

    fn pod(ns: &str, name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": ns, "name": name}})
    }

    fn get<'a>(kind: &'a str, ns: Option<&'a str>, name: &'a str) -> GetResource<'a> {
        GetResource {
            api_version: "v1",
            kind,
            name,
            namespace: ns,
            disable_cache: true,
        }
    }

    #[test]
    fn answers_granted_lookups_from_the_objects() {
        let cluster = Cluster::from_objects(vec![pod("vdi", "a"), pod("vdi", "b")]).unwrap();
        let entry = find("session-ownership").unwrap();
        let host = cluster.for_policy(entry);
        let answer = host.get_resource(&get("Pod", Some("vdi"), "a")).unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(&answer).unwrap(),
            pod("vdi", "a")
        );
        assert_eq!(
            host.get_resource(&get("Pod", Some("other"), "a")),
            Err("Host error: v1 Pod other/a not found".into())
        );
        let list = ListResources {
            api_version: "v1",
            kind: "Pod",
            label_selector: None,
            field_selector: None,
        };
        let items: Value = serde_json::from_slice(&host.list_resources(&list).unwrap()).unwrap();
        assert_eq!(items["items"].as_array().map(Vec::len), Some(2));
        let filtered = ListResources {
            label_selector: Some("a=b"),
            ..list
        };
        assert!(host.list_resources(&filtered).is_err());
        assert_eq!(
            host.lookups(),
            [
                "v1 Pod vdi/a",
                "v1 Pod other/a",
                "v1 Pod (list)",
                "v1 Pod (list)"
            ]
        );
    }

    #[test]
    fn kinds_outside_context_aware_resources_are_refused() {
        let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"namespace": "vdi", "name": "s"}});
        let cluster = Cluster::from_objects(vec![secret]).unwrap();
        let host = cluster.for_policy(find("session-ownership").unwrap());
        let err = host
            .get_resource(&get("Secret", Some("vdi"), "s"))
            .unwrap_err();
        assert!(
            err.contains("has not been granted access to Kubernetes v1/Secret"),
            "{err}"
        );
        let host = cluster.for_policy(find("trusted-registries").unwrap());
        assert!(host.get_resource(&get("Pod", Some("vdi"), "a")).is_err());
    }

    #[test]
    fn objects_without_identity_are_refused() {
        let err = Cluster::from_objects(vec![pod("vdi", "a"), json!({"kind": "Pod"})]).unwrap_err();
        assert!(err.starts_with("context object 2:"), "{err}");
    }
}

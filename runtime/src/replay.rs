//! Recorded Kubernetes objects that answer a policy's `get_resource` host
//! calls, so context-aware behaviour can be tested offline.

use std::collections::BTreeMap;

use serde_json::Value;

type Key = (String, String, String, String);

#[derive(Default, Debug, Clone)]
pub struct Replay {
    objects: BTreeMap<Key, Value>,
}

impl Replay {
    /// Indexes objects by apiVersion, kind, namespace and name.
    pub fn from_objects(objects: Vec<Value>) -> Result<Replay, String> {
        let mut replay = Replay::default();
        for object in objects {
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
                return Err("a context object needs apiVersion, kind and metadata.name".into());
            }
            replay.objects.insert(key, object);
        }
        Ok(replay)
    }

    /// Every object of a kind, as a `List` (what `list_resources_all` answers).
    pub fn list(&self, api_version: &str, kind: &str) -> Value {
        let items: Vec<Value> = self
            .objects
            .iter()
            .filter(|((v, k, _, _), _)| v == api_version && k == kind)
            .map(|(_, object)| object.clone())
            .collect();
        serde_json::json!({"apiVersion": "v1", "kind": "List", "metadata": {}, "items": items})
    }

    pub fn get(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Option<&Value> {
        self.objects.get(&(
            api_version.to_string(),
            kind.to_string(),
            namespace.to_string(),
            name.to_string(),
        ))
    }
}

//! What the browser build knows about each policy: its native entry points
//! and, generated from its `metadata.yml` by `just package` (see
//! `registry.rs`), the admission rules that decide which requests reach it
//! and the kinds it may look up. The rules and lookups are constants so an
//! evaluation parses no YAML; the files themselves are embedded for
//! [`list`] only. (The example manifests are not in the module: the
//! playground fetches them, listed in the generated `www/examples.json`.)

use serde_json::{Map, Value, json};
use shared::policy::Native;

use crate::registry::POLICIES;

/// One policy of the build.
pub struct Entry {
    pub native: Native,
    /// `policies/<name>/metadata.yml`, verbatim.
    pub metadata: &'static str,
    /// `policies/<name>/settings.yaml`, verbatim: the example settings.
    pub settings: &'static str,
    /// The same settings as JSON, what a request without settings runs with.
    pub settings_json: &'static str,
    pub rules: &'static [Rule],
    pub lookups: &'static [Lookup],
}

/// A rule of `metadata.yml` (what the API server routes to the policy).
pub struct Rule {
    pub api_groups: &'static [&'static str],
    pub api_versions: &'static [&'static str],
    pub resources: &'static [&'static str],
    pub operations: &'static [&'static str],
}

/// A `contextAwareResources` entry: a kind the policy may read.
pub struct Lookup {
    pub api_version: &'static str,
    pub kind: &'static str,
}

fn matches_any(list: &[&str], value: &str) -> bool {
    list.iter().any(|item| *item == "*" || *item == value)
}

impl Entry {
    pub fn name(&self) -> &'static str {
        self.native.name
    }

    /// Whether the API server would send this request to the policy, as
    /// `vdi-guard check` decides it from `metadata.yml`; `resource` includes the
    /// subresource (`pods/exec`).
    pub fn handles(&self, group: &str, version: &str, resource: &str, operation: &str) -> bool {
        self.rules.iter().any(|r| {
            matches_any(r.api_groups, group)
                && matches_any(r.api_versions, version)
                && matches_any(r.resources, resource)
                && matches_any(r.operations, operation)
        })
    }

    /// Whether the policy was granted lookups of this kind
    /// (`contextAwareResources`), as policy-server enforces it.
    pub fn may_read(&self, api_version: &str, kind: &str) -> bool {
        self.lookups
            .iter()
            .any(|l| l.api_version == api_version && l.kind == kind)
    }

    /// The example settings (`{}` when the file is empty).
    pub fn example_settings(&self) -> Result<Value, String> {
        match serde_json::from_str(self.settings_json) {
            Ok(Value::Null) => Ok(Value::Object(Map::new())),
            Ok(settings) => Ok(settings),
            Err(e) => Err(format!("{}: settings.yaml: {e}", self.name())),
        }
    }

    fn describe(&self) -> Value {
        let rules: Vec<Value> = self
            .rules
            .iter()
            .map(|r| {
                json!({
                    "apiGroups": r.api_groups,
                    "apiVersions": r.api_versions,
                    "resources": r.resources,
                    "operations": r.operations,
                })
            })
            .collect();
        let lookups: Vec<Value> = self
            .lookups
            .iter()
            .map(|l| json!({"apiVersion": l.api_version, "kind": l.kind}))
            .collect();
        let mut out = Map::new();
        out.insert("name".into(), self.name().into());
        out.insert("rules".into(), rules.into());
        out.insert("contextAwareResources".into(), lookups.into());
        out.insert("settingsYaml".into(), self.settings.into());
        match self.example_settings() {
            Ok(settings) => out.insert("settings".into(), settings),
            Err(e) => out.insert("settingsError".into(), e.into()),
        };
        match single_document(self.metadata) {
            Ok(metadata) => {
                let annotation = |key: &str| metadata.pointer(key).cloned().unwrap_or(Value::Null);
                out.insert(
                    "title".into(),
                    annotation("/annotations/io.artifacthub.displayName"),
                );
                out.insert(
                    "description".into(),
                    annotation("/annotations/io.kubewarden.policy.description"),
                );
                out.insert(
                    "version".into(),
                    annotation("/annotations/io.kubewarden.policy.version"),
                );
                out.insert("mutating".into(), annotation("/mutating"));
                out.insert("metadata".into(), metadata);
            }
            Err(e) => {
                out.insert(
                    "metadataError".into(),
                    format!("{}: metadata.yml: {e}", self.name()).into(),
                );
            }
        }
        Value::Object(out)
    }
}

/// One document of YAML or JSON text; no document at all is `{}`.
pub fn single_document(text: &str) -> Result<Value, String> {
    let mut docs = admission::documents(text)?;
    match docs.len() {
        0 => Ok(Value::Object(Map::new())),
        1 => Ok(docs.remove(0)),
        n => Err(format!("expected one document, found {n}")),
    }
}

/// The policy of that name.
pub fn find(name: &str) -> Option<&'static Entry> {
    POLICIES.iter().find(|e| e.name() == name)
}

/// Every policy's name, rules, lookups, metadata and example settings.
pub fn list() -> Value {
    Value::Array(POLICIES.iter().map(Entry::describe).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_policy_has_parseable_metadata_and_example_settings_that_validate() {
        assert!(!POLICIES.is_empty());
        for entry in POLICIES {
            let described = entry.describe();
            assert!(described.get("metadataError").is_none(), "{described}");
            let settings = entry.example_settings().unwrap();
            let answer = (entry.native.validate_settings)(settings.to_string().as_bytes()).unwrap();
            let answer: Value = serde_json::from_slice(&answer).unwrap();
            assert_eq!(answer["valid"], true, "{}: {answer}", entry.name());
        }
    }

    #[test]
    fn the_generated_settings_are_the_settings_file() {
        for entry in POLICIES {
            let file = single_document(entry.settings).unwrap();
            assert_eq!(entry.example_settings().unwrap(), file, "{}", entry.name());
        }
    }

    #[test]
    fn the_generated_rules_are_the_metadata_rules() {
        for entry in POLICIES {
            let metadata = single_document(entry.metadata).unwrap();
            let rules = entry.describe()["rules"].clone();
            assert_eq!(metadata["rules"], rules, "{}", entry.name());
            let lookups = entry.describe()["contextAwareResources"].clone();
            let declared = metadata
                .get("contextAwareResources")
                .cloned()
                .unwrap_or_else(|| json!([]));
            assert_eq!(declared, lookups, "{}", entry.name());
        }
    }

    #[test]
    fn rules_match_like_vdi_check() {
        let entry = find("trusted-registries").unwrap();
        assert!(entry.handles("", "v1", "pods", "CREATE"));
        assert!(entry.handles("apps", "v1", "deployments", "UPDATE"));
        assert!(!entry.handles("", "v1", "services", "CREATE"));
        assert!(find("no-such-policy").is_none());
        let ownership = find("session-ownership").unwrap();
        assert!(ownership.may_read("v1", "Pod"));
        assert!(!ownership.may_read("v1", "Secret"));
    }
}

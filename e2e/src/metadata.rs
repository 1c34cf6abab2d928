//! The Kubewarden `metadata.yml` of a policy: which requests reach it and
//! which Kubernetes resources it may read.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metadata {
    pub rules: Vec<Rule>,
    #[serde(default)]
    pub mutating: bool,
    #[serde(default)]
    pub context_aware_resources: Vec<ContextAwareResource>,
    #[serde(default)]
    pub execution_mode: Option<String>,
    #[serde(default)]
    pub background_audit: Option<bool>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rule {
    pub api_groups: Vec<String>,
    pub api_versions: Vec<String>,
    pub resources: Vec<String>,
    pub operations: Vec<String>,
}

#[derive(Deserialize, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContextAwareResource {
    pub api_version: String,
    pub kind: String,
}

fn matches_any(list: &[String], value: &str) -> bool {
    list.iter().any(|item| item == "*" || item == value)
}

impl Metadata {
    pub fn load(path: &Path) -> Result<Metadata, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Whether the API server would send this request to the policy.
    /// `resource` includes the subresource (`pods/ephemeralcontainers`).
    pub fn handles(&self, group: &str, version: &str, resource: &str, operation: &str) -> bool {
        self.rules.iter().any(|r| {
            matches_any(&r.api_groups, group)
                && matches_any(&r.api_versions, version)
                && matches_any(&r.resources, resource)
                && matches_any(&r.operations, operation)
        })
    }

    /// Whether the policy was granted `get_resource` on this kind.
    pub fn may_read(&self, api_version: &str, kind: &str) -> bool {
        self.context_aware_resources
            .iter()
            .any(|r| r.api_version == api_version && r.kind == kind)
    }
}

//! `metadata.yml` (what the policy authors write) and the JSON that
//! policy-server and `kwctl inspect` read from the module's
//! `io.kubewarden.metadata` custom section (policy-evaluator's
//! `policy_metadata::Metadata`: camelCase, `protocolVersion: v1`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const TITLE: &str = "io.kubewarden.policy.title";
pub const VERSION: &str = "io.kubewarden.policy.version";
pub const DESCRIPTION: &str = "io.kubewarden.policy.description";
pub const USAGE: &str = "io.kubewarden.policy.usage";
pub const OCI_URL: &str = "io.kubewarden.policy.ociUrl";
pub const DISPLAY_NAME: &str = "io.artifacthub.displayName";
pub const RESOURCES: &str = "io.artifacthub.resources";
pub const KEYWORDS: &str = "io.artifacthub.keywords";
pub const HIDDEN_UI: &str = "io.kubewarden.hidden-ui";
pub const LICENSE: &str = "io.kubewarden.policy.license";

/// Annotations every published policy carries: `kwctl inspect` and Artifact
/// Hub show them, and the generators below read them.
const REQUIRED_ANNOTATIONS: [&str; 10] = [
    TITLE,
    VERSION,
    DESCRIPTION,
    "io.kubewarden.policy.author",
    "io.kubewarden.policy.url",
    "io.kubewarden.policy.source",
    LICENSE,
    DISPLAY_NAME,
    RESOURCES,
    KEYWORDS,
];

const OPERATIONS: [&str; 5] = ["CREATE", "UPDATE", "DELETE", "CONNECT", "*"];

#[derive(Deserialize, Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rule {
    pub api_groups: Vec<String>,
    pub api_versions: Vec<String>,
    pub resources: Vec<String>,
    pub operations: Vec<String>,
}

#[derive(Deserialize, Serialize, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContextAwareResource {
    pub api_version: String,
    pub kind: String,
}

/// `metadata.yml`. `rules`, `mutating` and `annotations` are required (as
/// kwctl requires them); the rest default like policy-evaluator.
#[derive(Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metadata {
    pub rules: Vec<Rule>,
    pub mutating: bool,
    #[serde(default)]
    pub context_aware_resources: Vec<ContextAwareResource>,
    #[serde(default = "wapc")]
    pub execution_mode: String,
    #[serde(default = "yes")]
    pub background_audit: bool,
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub minimum_kubewarden_version: Option<String>,
}

fn wapc() -> String {
    "kubewarden-wapc".into()
}

fn yes() -> bool {
    true
}

/// The custom-section JSON, field for field as policy-evaluator reads it.
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Embedded {
    pub protocol_version: String,
    pub rules: Vec<Rule>,
    pub annotations: BTreeMap<String, String>,
    pub mutating: bool,
    pub background_audit: bool,
    pub execution_mode: String,
    pub policy_type: String,
    pub context_aware_resources: Vec<ContextAwareResource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_kubewarden_version: Option<String>,
}

/// A module's own section read back as metadata (what the CLI routes by
/// when it loads a module it did not build).
impl From<Embedded> for Metadata {
    fn from(embedded: Embedded) -> Metadata {
        Metadata {
            rules: embedded.rules,
            mutating: embedded.mutating,
            context_aware_resources: embedded.context_aware_resources,
            execution_mode: embedded.execution_mode,
            background_audit: embedded.background_audit,
            annotations: embedded.annotations,
            minimum_kubewarden_version: embedded.minimum_kubewarden_version,
        }
    }
}

fn matches_any(list: &[String], value: &str) -> bool {
    list.iter().any(|item| item == "*" || item == value)
}

impl Metadata {
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

    /// Parses and checks `metadata.yml` of policy `name` at crate `version`.
    pub fn parse(text: &str, name: &str, version: &str) -> Result<Metadata, String> {
        let metadata: Metadata = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
        metadata.check(name, version)?;
        Ok(metadata)
    }

    fn check(&self, name: &str, version: &str) -> Result<(), String> {
        if self.rules.is_empty() {
            return Err(
                "rules: at least one rule is needed, or the policy never sees a request".into(),
            );
        }
        for (index, rule) in self.rules.iter().enumerate() {
            let lists = [
                ("apiGroups", &rule.api_groups),
                ("apiVersions", &rule.api_versions),
                ("resources", &rule.resources),
                ("operations", &rule.operations),
            ];
            if let Some((field, _)) = lists.iter().find(|(_, list)| list.is_empty()) {
                return Err(format!(
                    "rules[{index}].{field} is empty; list at least one value"
                ));
            }
            if let Some(op) = rule
                .operations
                .iter()
                .find(|op| !OPERATIONS.contains(&op.as_str()))
            {
                return Err(format!(
                    "rules[{index}].operations: unknown operation {op:?}; use one of {OPERATIONS:?}"
                ));
            }
        }
        if self.execution_mode != "kubewarden-wapc" {
            return Err(format!(
                "executionMode: {:?} is not supported; vdi-guard modules are kubewarden-wapc",
                self.execution_mode
            ));
        }
        for key in REQUIRED_ANNOTATIONS {
            if self
                .annotations
                .get(key)
                .is_none_or(|v| v.trim().is_empty())
            {
                return Err(format!("annotations: missing `{key}`"));
            }
        }
        let expect = [(TITLE, name), (VERSION, version)];
        for (key, want) in expect {
            let got = self.annotation(key);
            if got != want {
                return Err(format!(
                    "annotations: `{key}` is {got:?} but must be {want:?} (the crate name and Cargo.toml version)"
                ));
            }
        }
        if let Some(version) = &self.minimum_kubewarden_version {
            // policy-evaluator reads it as a semver::Version and policy-server
            // compares major.minor with its own release.
            let parts: Vec<&str> = version.split('.').collect();
            let numeric = parts.len() == 3
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
            if !numeric {
                return Err(format!(
                    "minimumKubewardenVersion: {version:?} must be MAJOR.MINOR.PATCH (e.g. \"1.37.0\"), as policy-server parses it"
                ));
            }
        }
        for kind in self.annotation(RESOURCES).split(',').map(str::trim) {
            let is_kind = kind.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && kind.chars().all(|c| c.is_ascii_alphanumeric());
            if !is_kind {
                return Err(format!(
                    "annotations: `{RESOURCES}` lists kinds (PascalCase, comma-separated), not {kind:?}; Artifact Hub shows them as the resources the policy evaluates"
                ));
            }
        }
        if self.annotations.contains_key(USAGE) {
            return Err(format!(
                "annotations: remove `{USAGE}`; it is filled from README.md"
            ));
        }
        Ok(())
    }

    pub fn annotation(&self, key: &str) -> &str {
        self.annotations.get(key).map_or("", String::as_str)
    }

    /// The section content: metadata.yml plus the README as usage and the
    /// OCI repository as `ociUrl` (what `kwctl scaffold artifacthub` reads).
    pub fn embedded(&self, readme: &str, oci_url: &str) -> Embedded {
        let mut annotations = self.annotations.clone();
        annotations.insert(USAGE.into(), readme.into());
        annotations
            .entry(OCI_URL.into())
            .or_insert_with(|| oci_url.into());
        Embedded {
            protocol_version: "v1".into(),
            rules: self.rules.clone(),
            annotations,
            mutating: self.mutating,
            background_audit: self.background_audit,
            execution_mode: self.execution_mode.clone(),
            policy_type: "kubernetes".into(),
            context_aware_resources: self.context_aware_resources.clone(),
            minimum_kubewarden_version: self.minimum_kubewarden_version.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const RULES: &str = r#"rules:
  - apiGroups: [""]
    apiVersions: ["v1"]
    resources: ["pods"]
    operations: ["CREATE", "UPDATE"]
"#;
    const MIDDLE: &str = "mutating: false\ncontextAwareResources: [{apiVersion: v1, kind: Pod}]\n";
    const ANNOTATIONS: &str = "annotations:
  io.kubewarden.policy.title: demo
  io.kubewarden.policy.version: 0.1.0
  io.kubewarden.policy.description: d
  io.kubewarden.policy.author: a
  io.kubewarden.policy.url: https://example.com
  io.kubewarden.policy.source: https://example.com
  io.kubewarden.policy.license: Apache-2.0
  io.artifacthub.displayName: Demo
  io.artifacthub.resources: Pod
  io.artifacthub.keywords: a, b
";

    fn valid() -> String {
        format!("{RULES}{MIDDLE}{ANNOTATIONS}")
    }

    #[test]
    fn minimum_kubewarden_version_is_embedded() {
        let text = valid().replace(
            "mutating: false\n",
            "mutating: false\nminimumKubewardenVersion: 1.37.0\n",
        );
        let metadata = Metadata::parse(&text, "demo", "0.1.0").unwrap();
        let json = serde_json::to_value(metadata.embedded("", "x")).unwrap();
        assert_eq!(json["minimumKubewardenVersion"], "1.37.0");
    }

    #[test]
    fn valid_metadata_defaults_like_policy_evaluator() {
        let metadata = Metadata::parse(&valid(), "demo", "0.1.0").unwrap();
        assert!(metadata.background_audit);
        assert_eq!(metadata.execution_mode, "kubewarden-wapc");
        let embedded = metadata.embedded("# Demo\n", "ghcr.io/x/demo");
        assert_eq!(embedded.protocol_version, "v1");
        assert_eq!(embedded.annotations[USAGE], "# Demo\n");
        assert_eq!(embedded.annotations[OCI_URL], "ghcr.io/x/demo");
        let json = serde_json::to_value(&embedded).unwrap();
        assert_eq!(json["contextAwareResources"][0]["apiVersion"], "v1");
        assert_eq!(json["policyType"], "kubernetes");
        assert!(json.get("minimumKubewardenVersion").is_none());
    }

    #[rstest]
    #[case::no_rules(RULES, "", "missing field `rules`")]
    #[case::no_mutating("mutating: false\n", "", "missing field `mutating`")]
    #[case::no_annotations(ANNOTATIONS, "", "missing field `annotations`")]
    #[case::missing_title(
        "  io.kubewarden.policy.title: demo\n",
        "",
        "missing `io.kubewarden.policy.title`"
    )]
    #[case::empty_license("Apache-2.0", "\"\"", "missing `io.kubewarden.policy.license`")]
    #[case::wrong_title("title: demo", "title: other", "must be \"demo\"")]
    #[case::version_drift("version: 0.1.0", "version: 0.2.0", "must be \"0.1.0\"")]
    #[case::no_rule_at_all(RULES, "rules: []\n", "at least one rule")]
    #[case::empty_resources("[\"pods\"]", "[]", "rules[0].resources is empty")]
    #[case::bad_operation("\"UPDATE\"]", "\"PATCH\"]", "unknown operation \"PATCH\"")]
    #[case::typo(
        "mutating: false\n",
        "mutating: false\nbackgroundAudits: true\n",
        "unknown field `backgroundAudits`"
    )]
    #[case::wasi(
        "mutating: false\n",
        "mutating: false\nexecutionMode: wasi\n",
        "not supported"
    )]
    #[case::subresource_as_resource(
        "resources: Pod",
        "resources: Pod, Pod/ephemeralcontainers",
        "not \"Pod/ephemeralcontainers\""
    )]
    #[case::plural_as_resource("resources: Pod", "resources: pods", "not \"pods\"")]
    #[case::short_minimum_version(
        "mutating: false\n",
        "mutating: false\nminimumKubewardenVersion: \"1.37\"\n",
        "must be MAJOR.MINOR.PATCH"
    )]
    #[case::prefixed_minimum_version(
        "mutating: false\n",
        "mutating: false\nminimumKubewardenVersion: v1.37.0\n",
        "must be MAJOR.MINOR.PATCH"
    )]
    #[case::usage_by_hand(
        "keywords: a, b\n",
        "keywords: a, b\n  io.kubewarden.policy.usage: x\n",
        "filled from README.md"
    )]
    fn bad_metadata_is_a_clear_error(#[case] from: &str, #[case] to: &str, #[case] message: &str) {
        let valid = valid();
        assert!(valid.contains(from), "case does not apply: {from}");
        let err = Metadata::parse(&valid.replacen(from, to, 1), "demo", "0.1.0").unwrap_err();
        assert!(err.contains(message), "{err}");
    }
}

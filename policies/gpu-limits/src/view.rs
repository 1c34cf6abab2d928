//! Lean serde views of the fields this policy reads, nothing more.

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use shared::containers::NamedContainer;
use shared::text::Text;
use shared::views::nullable;

pub use shared::views::Entries;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub containers: Vec<Container<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub init_containers: Vec<Container<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub ephemeral_containers: Vec<Container<'a>>,
    #[serde(default, borrow)]
    pub runtime_class_name: Option<Text<'a>>,
}
shared::pod_spec_view!(PodSpec<'a>, Container<'a>);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Container<'a> {
    #[serde(default, borrow)]
    pub name: Text<'a>,
    /// `Always` on an init container makes it a sidecar that runs for the
    /// pod's whole life, so its GPUs add to the app containers'.
    #[serde(default, borrow)]
    pub restart_policy: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub resources: Resources<'a>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub env: Vec<EnvVar<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub env_from: Vec<EnvFromSource<'a>>,
}

impl NamedContainer for Container<'_> {
    fn name(&self) -> &str {
        &self.name
    }
}

/// Quantities stay raw JSON: a count may arrive as a string (`"1"`, what the
/// API server sends) or a number (`1`, hand-written JSON), and the exact text
/// is needed to refuse `1.0` or `1e0`.
pub type ResourceList<'a> = Entries<Text<'a>, &'a RawValue>;

#[derive(Deserialize, Default)]
pub struct Resources<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub limits: ResourceList<'a>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub requests: ResourceList<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvVar<'a> {
    #[serde(default, borrow)]
    pub name: Text<'a>,
    #[serde(default, borrow)]
    pub value: Option<Text<'a>>,
    #[serde(default)]
    pub value_from: Option<IgnoredAny>,
}

#[derive(Deserialize)]
pub struct EnvFromSource<'a> {
    #[serde(default, borrow)]
    pub prefix: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
pub struct ObjectMeta<'a> {
    #[serde(default, borrow)]
    pub name: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub namespace: Option<Text<'a>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_read_as_empty() {
        let spec: PodSpec = serde_json::from_str(
            r#"{"containers":[{"name":"a","resources":{"limits":null},"env":null}],"initContainers":null}"#,
        )
        .unwrap();
        assert!(spec.init_containers.is_empty());
        let c = spec.containers.first().unwrap();
        assert!(c.resources.limits.is_empty() && c.env.is_empty());
    }

    #[test]
    fn quantities_keep_their_text() {
        let r: Resources =
            serde_json::from_str(r#"{"limits":{"nvidia.com/gpu":1.0,"memory":"8Gi"}}"#).unwrap();
        assert_eq!(r.limits.get("nvidia.com/gpu").map(|v| v.get()), Some("1.0"));
        assert_eq!(r.limits.get("memory").map(|v| v.get()), Some("\"8Gi\""));
    }

    #[test]
    fn repeated_keys_keep_the_last_value_in_first_place() {
        let r: Resources =
            serde_json::from_str(r#"{"limits":{"a/x":"1","memory":"1Gi","a/x":"2"}}"#).unwrap();
        let entries: Vec<_> = r.limits.iter().map(|(k, v)| (k, v.get())).collect();
        assert_eq!(entries, [("a/x", "\"2\""), ("memory", "\"1Gi\"")]);
    }

    #[test]
    fn a_list_is_not_a_resource_list() {
        let err = serde_json::from_str::<Resources>(r#"{"limits":["nvidia.com/gpu"]}"#)
            .err()
            .unwrap();
        assert!(err.to_string().contains("expected a map"), "{err}");
    }

    #[test]
    fn escaped_resource_names_are_unescaped() {
        let r: Resources = serde_json::from_str(r#"{"limits":{"nvidia.com\/gpu":"2"}}"#).unwrap();
        assert!(r.limits.contains_key("nvidia.com/gpu"));
    }
}

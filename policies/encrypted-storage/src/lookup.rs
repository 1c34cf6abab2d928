//! Finding the cluster's default StorageClass with `list_resources_all`.
//!
//! Kubernetes (`pkg/volume/util/storageclass.go`, `GetDefaultClass`) takes
//! as default every class whose `storageclass.kubernetes.io/is-default-class`
//! or legacy `storageclass.beta.kubernetes.io/is-default-class` annotation is
//! exactly `"true"`; with several, releases since 1.26 pick the newest
//! (before, the claim was refused). A claim admitted on "the newest default"
//! could be provisioned on another class once an annotation changes, so the
//! policy accepts a classless claim only when exactly one class is default.

use serde::Deserialize;
use shared::host::{KubernetesHost, ListResources, decode_answer};
use shared::quote::quote;
use shared::text::Text;
use shared::views::{Entries, nullable};

/// The annotation that marks the default class.
pub const IS_DEFAULT: &str = "storageclass.kubernetes.io/is-default-class";
/// Its beta spelling, still honoured by Kubernetes.
pub const IS_DEFAULT_BETA: &str = "storageclass.beta.kubernetes.io/is-default-class";

/// Which default annotation marks a class as default, if any (only the
/// exact value `"true"` does, as in Kubernetes).
pub fn default_marker(annotations: &Entries<Text<'_>, Text<'_>>) -> Option<&'static str> {
    [IS_DEFAULT, IS_DEFAULT_BETA]
        .into_iter()
        .find(|key| annotations.get(key).is_some_and(|v| &**v == "true"))
}

/// The default classes the cluster has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Defaults {
    None,
    One(String),
    Several(Vec<String>),
}

#[derive(Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
struct List<'a> {
    #[serde(default, borrow)]
    api_version: Option<Text<'a>>,
    #[serde(default, borrow)]
    kind: Option<Text<'a>>,
    /// Absent (malformed) is `None`; `null` (an empty list, as Go writes
    /// one) is `Some(None)`.
    #[serde(default, borrow, deserialize_with = "present")]
    items: Option<Option<Vec<Item<'a>>>>,
}

fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

#[derive(Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
struct Item<'a> {
    #[serde(default, borrow)]
    api_version: Option<Text<'a>>,
    #[serde(default, borrow)]
    kind: Option<Text<'a>>,
    #[serde(borrow)]
    metadata: ItemMetadata<'a>,
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct ItemMetadata<'a> {
    #[serde(borrow)]
    name: Text<'a>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    annotations: Entries<Text<'a>, Text<'a>>,
}

shared::map_only!(List<'a>, Item<'a>, ItemMetadata<'a>);

const REQUEST: ListResources<'static> = ListResources {
    api_version: "storage.k8s.io/v1",
    kind: "StorageClass",
    label_selector: None,
    field_selector: None,
};

/// Lists the StorageClasses and reports the default ones. A failed lookup or
/// an answer that is not a StorageClass list is an error (callers reject).
pub fn defaults(host: &dyn KubernetesHost) -> Result<Defaults, String> {
    let answer = host
        .list_resources(&REQUEST)
        .map_err(|e| format!("listing storage.k8s.io/v1 StorageClasses failed: {e}"))?;
    parse(&answer)
}

/// Reads a `list_resources_all` answer.
pub fn parse(answer: &[u8]) -> Result<Defaults, String> {
    let malformed = |why: &dyn std::fmt::Display| {
        format!("the host's list of StorageClasses cannot be decoded: {why}")
    };
    let list: List = decode_answer(answer).map_err(|e| malformed(&e))?;
    match (list.api_version.as_deref(), list.kind.as_deref()) {
        (Some("v1" | "storage.k8s.io/v1"), Some("List" | "StorageClassList")) => {}
        (api_version, kind) => {
            return Err(malformed(&format!(
                "it is {} {}, not a StorageClass list",
                quote(api_version.unwrap_or("(no apiVersion)")),
                quote(kind.unwrap_or("(no kind)"))
            )));
        }
    }
    let Some(items) = list.items else {
        return Err(malformed(&"it has no items"));
    };
    let mut names = Vec::new();
    for item in items.unwrap_or_default() {
        if let Some(kind) = item.kind.as_deref().filter(|k| *k != "StorageClass") {
            return Err(malformed(&format!("it holds a {}", quote(kind))));
        }
        if let Some(v) = item
            .api_version
            .as_deref()
            .filter(|v| *v != "storage.k8s.io/v1")
        {
            return Err(malformed(&format!("it holds an object of {}", quote(v))));
        }
        if item.metadata.name.is_empty() {
            return Err(malformed(&"it holds a StorageClass without a name"));
        }
        if default_marker(&item.metadata.annotations).is_some() {
            names.push(item.metadata.name.to_string());
        }
    }
    Ok(match names.len() {
        0 => Defaults::None,
        1 => Defaults::One(names.remove(0)),
        _ => Defaults::Several(names),
    })
}

/// One lookup per request, made only when a claim needs it.
pub struct Lazy<'h> {
    host: &'h dyn KubernetesHost,
    found: Option<Result<Defaults, String>>,
}

impl<'h> Lazy<'h> {
    pub fn new(host: &'h dyn KubernetesHost) -> Self {
        Lazy { host, found: None }
    }

    pub fn get(&mut self) -> &Result<Defaults, String> {
        let host = self.host;
        self.found.get_or_insert_with(|| defaults(host))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn class(name: &str, annotations: &str) -> String {
        format!(
            r#"{{"metadata":{{"name":"{name}","annotations":{annotations}}},"provisioner":"driver.longhorn.io"}}"#
        )
    }

    fn list(items: &[String]) -> String {
        format!(
            r#"{{"apiVersion":"v1","kind":"List","items":[{}]}}"#,
            items.join(",")
        )
    }

    #[rstest]
    #[case::none(list(&[class("a", "{}"), class("b", "null")]), Defaults::None)]
    #[case::one(
        list(&[class("a", "{}"), class("longhorn-crypto", r#"{"storageclass.kubernetes.io/is-default-class":"true"}"#)]),
        Defaults::One("longhorn-crypto".into())
    )]
    #[case::beta(
        list(&[class("old", r#"{"storageclass.beta.kubernetes.io/is-default-class":"true"}"#)]),
        Defaults::One("old".into())
    )]
    #[case::not_exactly_true(
        list(&[class("a", r#"{"storageclass.kubernetes.io/is-default-class":"True"}"#),
               class("b", r#"{"storageclass.kubernetes.io/is-default-class":"yes"}"#)]),
        Defaults::None
    )]
    #[case::several(
        list(&[class("a", r#"{"storageclass.kubernetes.io/is-default-class":"true"}"#),
               class("b", r#"{"storageclass.beta.kubernetes.io/is-default-class":"true"}"#)]),
        Defaults::Several(vec!["a".into(), "b".into()])
    )]
    #[case::typed_list(
        r#"{"apiVersion":"storage.k8s.io/v1","kind":"StorageClassList","metadata":{},"items":[{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"x","annotations":{"storageclass.kubernetes.io/is-default-class":"true"}}}]}"#.to_string(),
        Defaults::One("x".into())
    )]
    #[case::empty(r#"{"apiVersion":"v1","kind":"List","items":[]}"#.to_string(), Defaults::None)]
    #[case::null_items(r#"{"apiVersion":"v1","kind":"List","items":null}"#.to_string(), Defaults::None)]
    fn defaults_are_read_like_kubernetes(#[case] answer: String, #[case] expected: Defaults) {
        assert_eq!(parse(answer.as_bytes()), Ok(expected));
    }

    #[rstest]
    #[case::not_json("<html>", "cannot be decoded")]
    #[case::array("[]", "expected an object")]
    #[case::empty("", "cannot be decoded")]
    #[case::no_items(r#"{"apiVersion":"v1","kind":"List"}"#, "it has no items")]
    #[case::wrong_kind(
        r#"{"apiVersion":"v1","kind":"PodList","items":[]}"#,
        "\"v1\" \"PodList\", not a StorageClass list"
    )]
    #[case::no_kind(r#"{"items":[]}"#, "\"(no apiVersion)\" \"(no kind)\"")]
    #[case::item_kind(
        r#"{"apiVersion":"v1","kind":"List","items":[{"kind":"Pod","metadata":{"name":"p"}}]}"#,
        "it holds a \"Pod\""
    )]
    #[case::item_version(r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"storage.k8s.io/v1beta1","metadata":{"name":"p"}}]}"#, "storage.k8s.io/v1beta1")]
    #[case::no_metadata(
        r#"{"apiVersion":"v1","kind":"List","items":[{"provisioner":"x"}]}"#,
        "missing field `metadata`"
    )]
    #[case::no_name(
        r#"{"apiVersion":"v1","kind":"List","items":[{"metadata":{}}]}"#,
        "missing field `name`"
    )]
    #[case::empty_name(
        r#"{"apiVersion":"v1","kind":"List","items":[{"metadata":{"name":""}}]}"#,
        "without a name"
    )]
    #[case::annotation_not_string(r#"{"apiVersion":"v1","kind":"List","items":[{"metadata":{"name":"a","annotations":{"storageclass.kubernetes.io/is-default-class":true}}}]}"#, "invalid type: boolean")]
    #[case::item_array(
        r#"{"apiVersion":"v1","kind":"List","items":[["a"]]}"#,
        "expected an object"
    )]
    fn malformed_answers_are_errors(#[case] answer: &str, #[case] fragment: &str) {
        let err = parse(answer.as_bytes()).unwrap_err();
        assert!(err.contains(fragment), "{err}");
        assert!(
            err.starts_with("the host's list of StorageClasses cannot be decoded"),
            "{err}"
        );
    }
}

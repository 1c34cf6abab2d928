//! Reading cluster objects through Kubewarden's Kubernetes host capability.
//!
//! A context-aware policy asks policy-server for an object with a waPC host
//! call (`kubewarden` / `kubernetes` / `get_resource`). The SDK's own wrapper
//! sits behind its `cluster-context` feature, which pulls in `k8s-openapi`
//! and several hundred KB per module; this wrapper sends the same request
//! and decodes only what the caller asks for. The lookup is a trait so that
//! native tests can answer it without a host.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The `get_resource` request, serialized with the SDK's snake_case field
/// names (`GetResourceRequest`), which is what policy-server decodes.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct GetResource<'a> {
    pub api_version: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    pub namespace: Option<&'a str>,
    /// policy-server caches answers for a few seconds; ownership decisions
    /// must see the object as it is now.
    pub disable_cache: bool,
}

impl GetResource<'_> {
    /// `kind namespace/name` (or `kind name`), for messages.
    pub fn describe(&self) -> String {
        match self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }
}

/// The `list_resources_all` request (the SDK's `ListAllResourcesRequest`):
/// every object of a kind, cluster-wide.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct ListResources<'a> {
    pub api_version: &'a str,
    pub kind: &'a str,
    pub label_selector: Option<&'a str>,
    pub field_selector: Option<&'a str>,
}

/// Answers the Kubernetes host calls with the JSON policy-server would send,
/// or the host's error text.
pub trait KubernetesHost {
    /// One object (`get_resource`).
    fn get_resource(&self, request: &GetResource<'_>) -> Result<Vec<u8>, String>;

    /// A `List` of every object of a kind (`list_resources_all`). A host that
    /// cannot list answers with an error, so callers fail closed.
    fn list_resources(&self, request: &ListResources<'_>) -> Result<Vec<u8>, String> {
        Err(format!(
            "listing {} {} is not available",
            request.api_version, request.kind
        ))
    }
}

/// The real host: policy-server (or the e2e harness) behind `__host_call`.
/// Only linked into the policy modules (`wasm32-wasip1`), where the waPC
/// imports exist; a browser build of the policies has no such host.
#[cfg(all(target_arch = "wasm32", target_os = "wasi"))]
pub struct WapcHost;

#[cfg(all(target_arch = "wasm32", target_os = "wasi"))]
impl KubernetesHost for WapcHost {
    fn get_resource(&self, request: &GetResource<'_>) -> Result<Vec<u8>, String> {
        let message = serde_json::to_vec(request).map_err(|e| e.to_string())?;
        wapc_guest::host_call("kubewarden", "kubernetes", "get_resource", &message)
            .map_err(|e| e.to_string())
    }

    fn list_resources(&self, request: &ListResources<'_>) -> Result<Vec<u8>, String> {
        let message = serde_json::to_vec(request).map_err(|e| e.to_string())?;
        wapc_guest::host_call("kubewarden", "kubernetes", "list_resources_all", &message)
            .map_err(|e| e.to_string())
    }
}

/// Every Kubernetes object has `metadata`; an answer without it is not one.
#[derive(Deserialize)]
struct Object {
    metadata: Metadata,
}

#[derive(Deserialize)]
struct Metadata {
    #[serde(default)]
    labels: Option<BTreeMap<String, String>>,
}

/// Reads an object's labels (an object without labels has none). A failed
/// lookup or an answer that is not an object with metadata and string labels
/// is an error naming the object, so callers can fail closed with a clear
/// message. serde would read a JSON array as a struct, so anything but an
/// object is refused first: `[]` must not pass for "a pod without labels".
pub fn labels(
    host: &dyn KubernetesHost,
    request: &GetResource<'_>,
) -> Result<BTreeMap<String, String>, String> {
    let answer = host
        .get_resource(request)
        .map_err(|e| format!("looking up {} failed: {e}", request.describe()))?;
    let undecodable = |e: &dyn std::fmt::Display| {
        format!(
            "the host's answer for {} cannot be decoded: {e}",
            request.describe()
        )
    };
    if !answer.trim_ascii_start().starts_with(b"{") {
        return Err(undecodable(&"it is not a JSON object"));
    }
    let object: Object = decode_answer(&answer).map_err(|e| undecodable(&e))?;
    Ok(object.metadata.labels.unwrap_or_default())
}

/// Decodes a host's answer (bytes, like the request): checked to be UTF-8,
/// then read as text, as every decoder of the policies reads, so that no
/// module carries serde_json's second reader. The error is the decoder's,
/// for the caller to word.
pub fn decode_answer<'a, T: Deserialize<'a>>(answer: &'a [u8]) -> Result<T, String> {
    let text = std::str::from_utf8(answer).map_err(|e| e.to_string())?;
    serde_json::from_str(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use std::cell::RefCell;

    struct Fake {
        answer: Result<&'static str, &'static str>,
        seen: RefCell<Vec<String>>,
    }

    impl KubernetesHost for Fake {
        fn get_resource(&self, request: &GetResource<'_>) -> Result<Vec<u8>, String> {
            self.seen
                .borrow_mut()
                .push(serde_json::to_string(request).unwrap());
            self.answer
                .map(|a| a.as_bytes().to_vec())
                .map_err(str::to_string)
        }
    }

    fn pod_request() -> GetResource<'static> {
        GetResource {
            api_version: "v1",
            kind: "Pod",
            name: "session-alice",
            namespace: Some("vdi"),
            disable_cache: true,
        }
    }

    #[test]
    fn request_uses_the_sdk_field_names() {
        let fake = Fake {
            answer: Ok(r#"{"metadata":{}}"#),
            seen: RefCell::default(),
        };
        labels(&fake, &pod_request()).unwrap();
        assert_eq!(
            fake.seen.borrow().as_slice(),
            [
                r#"{"api_version":"v1","kind":"Pod","name":"session-alice","namespace":"vdi","disable_cache":true}"#
            ]
        );
    }

    #[rstest]
    #[case::labelled(
        r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"vdi.kasm.io/user":"alice","app":"x"}},"spec":{"containers":[]}}"#,
        &[("app", "x"), ("vdi.kasm.io/user", "alice")]
    )]
    #[case::no_labels(r#"{"metadata":{"name":"p"}}"#, &[])]
    #[case::null_labels(r#"{"metadata":{"labels":null}}"#, &[])]
    fn decodes_only_labels(#[case] answer: &'static str, #[case] expected: &[(&str, &str)]) {
        let fake = Fake {
            answer: Ok(answer),
            seen: RefCell::default(),
        };
        let got = labels(&fake, &pod_request()).unwrap();
        let expected: BTreeMap<String, String> = expected
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(got, expected);
    }

    #[rstest]
    #[case::host_error(
        Err("pods \"session-alice\" not found"),
        "looking up Pod vdi/session-alice failed: pods \"session-alice\" not found"
    )]
    #[case::not_json(
        Ok("<html>"),
        "the host's answer for Pod vdi/session-alice cannot be decoded"
    )]
    #[case::label_not_string(Ok(r#"{"metadata":{"labels":{"a":1}}}"#), "cannot be decoded")]
    #[case::array(Ok("[]"), "cannot be decoded: it is not a JSON object")]
    #[case::array_of_metadata(Ok(r#"[{"labels":{"vdi.kasm.io/user":"x"}}]"#), "not a JSON object")]
    #[case::no_metadata(Ok(r#"{"kind":"Pod"}"#), "missing field `metadata`")]
    #[case::empty(Ok(""), "not a JSON object")]
    fn failures_name_the_object(
        #[case] answer: Result<&'static str, &'static str>,
        #[case] fragment: &str,
    ) {
        let fake = Fake {
            answer,
            seen: RefCell::default(),
        };
        let err = labels(&fake, &pod_request()).unwrap_err();
        assert!(err.contains(fragment), "{err}");
    }

    #[test]
    fn cluster_scoped_objects_have_no_namespace() {
        let request = GetResource {
            namespace: None,
            kind: "Namespace",
            name: "vdi",
            ..pod_request()
        };
        assert_eq!(request.describe(), "Namespace vdi");
        assert!(
            serde_json::to_string(&request)
                .unwrap()
                .contains(r#""namespace":null"#)
        );
    }
}

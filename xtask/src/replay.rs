//! kwctl's host-capabilities session files (`kwctl run
//! --record-host-capabilities-interactions` writes them,
//! `--replay-host-capabilities-interactions` answers a policy's host calls
//! from them, in order): a YAML list of
//!
//! ```yaml fragment of examples/requests/<policy>/<request>.replay.yml
//! - type: Exchange
//!   request: |
//!     !KubernetesGetResource
//!     api_version: v1
//!     kind: Pod
//!     name: vdi-session-alice-desktop
//!     namespace: vdi
//!     disable_cache: true
//!   response:
//!     type: Success
//!     payload: '{"apiVersion":"v1","kind":"Pod",...}'
//! ```
//!
//! The request is policy-evaluator's `CallbackRequestType` serialized as
//! YAML (the variant as a tag); kwctl compares it field for field with what
//! the policy asks. Only the Kubernetes requests vdi-guard policies make are
//! read here; any other variant is an error.

use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct RawExchange {
    #[serde(rename = "type")]
    kind: String,
    request: String,
    response: Response,
}

/// The recorded answer.
#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum Response {
    Success { payload: String },
    Error { message: String },
}

/// The host calls of policy-evaluator's `CallbackRequestType` that
/// vdi-guard policies make.
#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub enum Request {
    KubernetesGetResource {
        api_version: String,
        kind: String,
        name: String,
        namespace: Option<String>,
        disable_cache: bool,
        #[serde(default)]
        field_masks: Option<Vec<String>>,
    },
    KubernetesListResourceAll {
        api_version: String,
        kind: String,
        label_selector: Option<String>,
        field_selector: Option<String>,
        #[serde(default)]
        field_masks: Option<Vec<String>>,
    },
}

impl Request {
    /// How the e2e harness logs the same lookup (`e2e::host::CallLog`).
    pub fn describe(&self) -> String {
        match self {
            Request::KubernetesGetResource {
                api_version,
                kind,
                name,
                namespace,
                ..
            } => format!(
                "{api_version} {kind} {}/{name}",
                namespace.as_deref().unwrap_or("")
            ),
            Request::KubernetesListResourceAll {
                api_version, kind, ..
            } => format!("{api_version} {kind} (list)"),
        }
    }
}

/// One recorded host call and its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub request: Request,
    pub response: Response,
}

impl Exchange {
    /// The objects a successful answer carries: the object of a
    /// `get_resource`, the items of a list.
    pub fn objects(&self) -> Result<Vec<Value>, String> {
        let Response::Success { payload } = &self.response else {
            return Ok(Vec::new());
        };
        let value: Value =
            serde_json::from_str(payload).map_err(|e| format!("payload is not JSON: {e}"))?;
        match &self.request {
            Request::KubernetesGetResource { .. } => Ok(vec![value]),
            Request::KubernetesListResourceAll { .. } => value
                .get("items")
                .and_then(Value::as_array)
                .cloned()
                .ok_or_else(|| "a list answer needs items".to_owned()),
        }
    }
}

/// Parses a session file.
pub fn parse(text: &str) -> Result<Vec<Exchange>, String> {
    let raw: Vec<RawExchange> = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
    raw.into_iter()
        .enumerate()
        .map(|(i, exchange)| {
            if exchange.kind != "Exchange" {
                return Err(format!(
                    "[{i}].type: {:?}, expected Exchange",
                    exchange.kind
                ));
            }
            let request: Request = serde_yaml::from_str(&exchange.request)
                .map_err(|e| format!("[{i}].request: {e}"))?;
            Ok(Exchange {
                request,
                response: exchange.response,
            })
        })
        .collect()
}

/// Writes a session file `kwctl run --replay-host-capabilities-interactions`
/// reads: the exchanges in the order the policy made them. Strings are
/// written as JSON strings, which YAML reads as the same text.
pub fn write(exchanges: &[Exchange]) -> String {
    let quote = |text: &str| Value::String(text.to_owned()).to_string();
    let optional = |text: &Option<String>| text.as_deref().map_or("null".to_owned(), quote);
    let mut out = String::new();
    for exchange in exchanges {
        let request = match &exchange.request {
            Request::KubernetesGetResource {
                api_version,
                kind,
                name,
                namespace,
                disable_cache,
                ..
            } => format!(
                "!KubernetesGetResource\napi_version: {}\nkind: {}\nname: {}\nnamespace: {}\ndisable_cache: {disable_cache}\n",
                quote(api_version),
                quote(kind),
                quote(name),
                optional(namespace)
            ),
            Request::KubernetesListResourceAll {
                api_version,
                kind,
                label_selector,
                field_selector,
                ..
            } => format!(
                "!KubernetesListResourceAll\napi_version: {}\nkind: {}\nlabel_selector: {}\nfield_selector: {}\n",
                quote(api_version),
                quote(kind),
                optional(label_selector),
                optional(field_selector)
            ),
        };
        out.push_str("- type: Exchange\n  request: |\n");
        for line in request.lines() {
            out.push_str("    ");
            out.push_str(line);
            out.push('\n');
        }
        let response = match &exchange.response {
            Response::Success { payload } => {
                format!("    type: Success\n    payload: {}\n", quote(payload))
            }
            Response::Error { message } => {
                format!("    type: Error\n    message: {}\n", quote(message))
            }
        };
        out.push_str("  response:\n");
        out.push_str(&response);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of kwctl's own test data
    /// (`crates/kwctl/tests/data/host-capabilities-sessions/`).
    const SESSION: &str = r#"- type: Exchange
  request: |
    !KubernetesGetResource
    api_version: v1
    kind: Namespace
    name: test-policy
    namespace: null
    disable_cache: false
  response:
    type: Success
    payload: '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"test-policy"}}'
- type: Exchange
  request: |
    !KubernetesListResourceAll
    api_version: networking.k8s.io/v1
    kind: Ingress
    label_selector: null
    field_selector: null
  response:
    type: Success
    payload: '{"apiVersion":"v1","kind":"List","items":[{"kind":"Ingress"}]}'
- type: Exchange
  request: |
    !KubernetesGetResource
    api_version: v1
    kind: Pod
    name: gone
    namespace: vdi
    disable_cache: true
  response:
    type: Error
    message: not found
"#;

    #[test]
    fn reads_kwctl_sessions() {
        let exchanges = parse(SESSION).unwrap();
        assert_eq!(exchanges.len(), 3);
        assert_eq!(exchanges[0].request.describe(), "v1 Namespace /test-policy");
        assert_eq!(
            exchanges[0].objects().unwrap()[0]["metadata"]["name"],
            "test-policy"
        );
        assert_eq!(
            exchanges[1].request.describe(),
            "networking.k8s.io/v1 Ingress (list)"
        );
        assert_eq!(exchanges[1].objects().unwrap().len(), 1);
        assert!(exchanges[2].objects().unwrap().is_empty());
    }

    #[test]
    fn unknown_requests_and_fields_are_errors() {
        let dns = SESSION.replacen(
            "!KubernetesGetResource\n    api_version: v1\n    kind: Namespace\n    name: test-policy\n    namespace: null\n    disable_cache: false",
            "!DNSLookupHost\n    host: example.com",
            1,
        );
        assert!(parse(&dns).unwrap_err().contains("[0].request"));
        let typo = SESSION.replacen("disable_cache: false", "disable_cach: false", 1);
        assert!(parse(&typo).unwrap_err().contains("disable_cach"));
        let kind = SESSION.replacen("type: Exchange", "type: Exchang", 1);
        assert!(parse(&kind).unwrap_err().contains("expected Exchange"));
    }

    #[test]
    fn written_sessions_parse_back_to_the_same_exchanges() {
        let exchanges = vec![
            Exchange {
                request: Request::KubernetesGetResource {
                    api_version: "v1".into(),
                    kind: "Pod".into(),
                    name: "vdi-session-alice: desktop".into(),
                    namespace: Some("vdi".into()),
                    disable_cache: true,
                    field_masks: None,
                },
                response: Response::Success {
                    payload:
                        r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"it's \"quoted\""}}"#
                            .into(),
                },
            },
            Exchange {
                request: Request::KubernetesListResourceAll {
                    api_version: "storage.k8s.io/v1".into(),
                    kind: "StorageClass".into(),
                    label_selector: None,
                    field_selector: None,
                    field_masks: None,
                },
                response: Response::Error {
                    message: "forbidden:\n no access".into(),
                },
            },
        ];
        assert_eq!(parse(&write(&exchanges)).unwrap(), exchanges);
    }
}

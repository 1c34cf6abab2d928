//! The waPC `validate` payload, decoded once into borrowed views.
//!
//! policy-server sends `{"request": <AdmissionRequest>, "settings": <settings>}`.
//! [`crate::one_pass`] reads it in one pass when the request names its kind
//! before its object (policy-server's order), decoding the object straight
//! into the route's view. [`Payload::decode`] is the general path: the object
//! stays a raw JSON slice so that each policy decodes it into its own typed
//! view, paying only for the fields it reads, at the price of a second scan.

use std::borrow::Cow;
use std::collections::BTreeSet;

use serde::Deserialize;
use serde::de::DeserializeOwned;
pub use serde_json::value::RawValue;

use crate::response::Rejection;
use crate::settings;

/// The envelope policy-server hands to `validate`.
#[derive(Deserialize)]
pub struct Payload<'a> {
    #[serde(borrow)]
    pub request: AdmissionRequest<'a>,
    #[serde(default, borrow)]
    pub settings: Option<&'a RawValue>,
}

impl<'a> Payload<'a> {
    /// The payload as text: JSON is UTF-8, checked here once for the whole
    /// request so that no decoder checks a string again.
    pub fn text(payload: &[u8]) -> Result<&str, Rejection> {
        std::str::from_utf8(payload).map_err(|e| {
            Rejection::new(format!(
                "the admission request cannot be decoded: it is not UTF-8 text ({e})"
            ))
        })
    }

    /// Decodes the envelope; any structural error is a rejection, never a trap.
    pub fn decode(payload: &'a str) -> Result<Self, Rejection> {
        serde_json::from_str(payload)
            .map_err(|e| Rejection::new(format!("the admission request cannot be decoded: {e}")))
    }

    /// Decodes the policy settings carried with the request (`null` or absent
    /// means defaults), rejecting settings that policy-server should never have
    /// accepted.
    pub fn settings<S: DeserializeOwned + Default>(&self) -> Result<S, Rejection> {
        settings::decode_raw(self.settings)
            .map_err(|e| Rejection::new(format!("the policy settings are invalid: {e}")))
    }
}

/// The part of a Kubernetes `admission.k8s.io/v1` AdmissionRequest the
/// policies read. Field names follow the API (camelCase); the snake_case
/// aliases accept what the Kubewarden SDK serializes, so requests recorded
/// with either spelling decode.
#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionRequest<'a> {
    #[serde(default, borrow)]
    pub uid: Cow<'a, str>,
    #[serde(borrow)]
    pub kind: GroupVersionKind<'a>,
    #[serde(default, borrow, alias = "sub_resource")]
    pub sub_resource: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub name: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub namespace: Option<Cow<'a, str>>,
    pub operation: Operation,
    #[serde(default, borrow, alias = "user_info")]
    pub user_info: UserInfo<'a>,
    #[serde(default, borrow)]
    pub object: Option<&'a RawValue>,
    #[serde(default, borrow, alias = "old_object")]
    pub old_object: Option<&'a RawValue>,
    /// The object's text when the one-pass decode read it into the route's
    /// view instead of capturing it: parsed and valid UTF-8, so captured as
    /// a [`RawValue`] only if a caller asks for one.
    #[serde(skip)]
    pub(crate) read_object: Option<&'a str>,
}

impl<'a> AdmissionRequest<'a> {
    /// The subresource, with the empty string (what the API server sends for
    /// "none") folded into `None`.
    pub fn subresource(&self) -> Option<&str> {
        self.sub_resource.as_deref().filter(|s| !s.is_empty())
    }

    /// The object under admission, or a rejection naming the operation when
    /// it is absent (a CREATE or UPDATE always carries one).
    pub fn object(&self) -> Result<&'a RawValue, Rejection> {
        match self.read_object {
            Some(text) => serde_json::from_str(text).map_err(|e| {
                Rejection::new(format!(
                    "the {} object cannot be decoded: {e}",
                    self.kind.kind
                ))
            }),
            None => present(self.object).ok_or_else(|| self.no_object()),
        }
    }

    /// Whether the request carries an object, without capturing one that
    /// the one-pass decode has already read.
    pub(crate) fn require_object(&self) -> Result<(), Rejection> {
        match (self.read_object, present(self.object)) {
            (None, None) => Err(self.no_object()),
            _ => Ok(()),
        }
    }

    fn no_object(&self) -> Rejection {
        Rejection::new(format!(
            "the {} request carries no object to validate",
            self.operation
        ))
    }

    /// The stored object of an UPDATE or DELETE.
    pub fn old_object(&self) -> Result<&'a RawValue, Rejection> {
        present(self.old_object).ok_or_else(|| {
            Rejection::new(format!(
                "the {} request carries no oldObject; the policy cannot tell what is being changed",
                self.operation
            ))
        })
    }

    /// Decodes the object into a typed view; a wrong type or a missing
    /// required field is a rejection that quotes the decoder.
    pub fn decode_object<T: Deserialize<'a>>(&self) -> Result<T, Rejection> {
        decode_view(self.object()?, &self.kind.kind)
    }
}

/// Decodes a raw object into a view, naming the kind in the error. Every
/// decoder of the policies reads text (`from_str`), as the envelope is read
/// once its bytes are checked to be UTF-8: serde_json's reader of bytes
/// checks every string it borrows again, and would be a second copy of the
/// whole deserializer in each module.
pub fn decode_view<'a, T: Deserialize<'a>>(raw: &'a RawValue, kind: &str) -> Result<T, Rejection> {
    serde_json::from_str(raw.get())
        .map_err(|e| Rejection::new(format!("the {kind} object cannot be decoded: {e}")))
}

/// Decodes the JSON value at the start of `text` (no leading whitespace
/// needed) and says how many bytes it took: how the one-pass decode reads a
/// value in place and goes on after it.
pub fn read_value<'a, T: Deserialize<'a>>(text: &'a str) -> Result<(T, usize), serde_json::Error> {
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<T>();
    match values.next() {
        Some(value) => value.map(|v| (v, values.byte_offset())),
        None => Err(serde::de::Error::custom("EOF while parsing a value")),
    }
}

/// JSON `null` arrives as a raw value rather than `None` inside `Option<&RawValue>`.
fn present(raw: Option<&RawValue>) -> Option<&RawValue> {
    raw.filter(|r| r.get() != "null")
}

#[derive(Deserialize, Default, Debug, Clone, PartialEq, Eq)]
pub struct GroupVersionKind<'a> {
    #[serde(default, borrow)]
    pub group: Cow<'a, str>,
    #[serde(default, borrow)]
    pub version: Cow<'a, str>,
    #[serde(borrow)]
    pub kind: Cow<'a, str>,
}

impl GroupVersionKind<'_> {
    /// `group/version` as written in manifests (`v1` for the core group).
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

impl std::fmt::Display for GroupVersionKind<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.api_version(), self.kind)
    }
}

#[derive(Deserialize, Default, Debug, Clone)]
pub struct UserInfo<'a> {
    #[serde(default, borrow)]
    pub username: Cow<'a, str>,
    #[serde(default, borrow)]
    pub groups: Vec<Cow<'a, str>>,
}

impl UserInfo<'_> {
    /// True when the requester is one of `users` or belongs to one of `groups`.
    pub fn is_any_of(&self, users: &BTreeSet<String>, groups: &BTreeSet<String>) -> bool {
        users.contains(self.username.as_ref())
            || self.groups.iter().any(|g| groups.contains(g.as_ref()))
    }
}

/// Admission operations; anything else is a decode error, so an unexpected
/// verb can never fall through a `match` into "allowed".
#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "UPPERCASE")]
pub enum Operation {
    Create,
    Update,
    Delete,
    Connect,
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Operation::Create => "CREATE",
            Operation::Update => "UPDATE",
            Operation::Delete => "DELETE",
            Operation::Connect => "CONNECT",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn payload(request: &str) -> String {
        format!(r#"{{"request": {request}, "settings": {{}}}}"#)
    }

    #[test]
    fn decodes_camel_case_request_from_policy_server() {
        let body = payload(
            r#"{"uid":"1","kind":{"group":"apps","version":"v1","kind":"Deployment"},
               "subResource":"","operation":"CREATE","namespace":"vdi",
               "userInfo":{"username":"oidc:alice","groups":["vdi-users"]},
               "object":{"spec":{}}, "oldObject": null}"#,
        );
        let p = Payload::decode(&body).unwrap();
        assert_eq!(p.request.kind.api_version(), "apps/v1");
        assert_eq!(p.request.subresource(), None);
        assert_eq!(p.request.user_info.username, "oidc:alice");
        assert_eq!(p.request.operation, Operation::Create);
        assert_eq!(p.request.object().unwrap().get(), r#"{"spec":{}}"#);
        assert!(p.request.old_object().is_err());
    }

    #[test]
    fn decodes_snake_case_aliases_from_the_sdk() {
        let body = payload(
            r#"{"kind":{"kind":"Pod","version":"v1"},"sub_resource":"ephemeralcontainers",
               "operation":"UPDATE","user_info":{"username":"bob"},"old_object":{"a":1},"object":{}}"#,
        );
        let p = Payload::decode(&body).unwrap();
        assert_eq!(p.request.subresource(), Some("ephemeralcontainers"));
        assert_eq!(p.request.user_info.username, "bob");
        assert_eq!(p.request.old_object().unwrap().get(), r#"{"a":1}"#);
    }

    #[rstest]
    #[case::not_json("not json", "cannot be decoded")]
    #[case::array("[]", "cannot be decoded")]
    #[case::unknown_operation(
        &payload(r#"{"kind":{"kind":"Pod"},"operation":"PATCH","object":{}}"#),
        "unknown variant `PATCH`"
    )]
    #[case::missing_kind(&payload(r#"{"operation":"CREATE","object":{}}"#), "missing field `kind`")]
    #[case::kind_not_string(
        &payload(r#"{"kind":{"kind":7},"operation":"CREATE"}"#),
        "invalid type: integer"
    )]
    fn rejects_malformed_envelopes(#[case] body: &str, #[case] fragment: &str) {
        let err = Payload::decode(body).err().expect("must reject");
        assert!(err.message().contains(fragment), "{}", err.message());
    }

    #[test]
    fn missing_object_is_a_rejection_naming_the_operation() {
        let body = payload(r#"{"kind":{"kind":"Pod"},"operation":"CREATE","object":null}"#);
        let p = Payload::decode(&body).unwrap();
        let err = p.request.object().err().unwrap();
        assert!(err.message().contains("CREATE request carries no object"));
    }

    #[test]
    fn escaped_strings_decode_into_owned_cows() {
        let body = payload(
            r#"{"kind":{"kind":"Pod"},"operation":"CREATE","userInfo":{"username":"a\u0062c"}}"#,
        );
        let p = Payload::decode(&body).unwrap();
        assert_eq!(p.request.user_info.username, "abc");
    }

    #[test]
    fn privileged_membership_by_user_or_group() {
        let body = payload(
            r#"{"kind":{"kind":"Pod"},"operation":"CREATE","userInfo":{"username":"u","groups":["ops"]}}"#,
        );
        let p = Payload::decode(&body).unwrap();
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert!(p.request.user_info.is_any_of(&set(&["u"]), &set(&[])));
        assert!(p.request.user_info.is_any_of(&set(&[]), &set(&["ops"])));
        assert!(!p.request.user_info.is_any_of(&set(&["v"]), &set(&["dev"])));
    }
}

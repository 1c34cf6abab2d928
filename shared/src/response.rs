//! Verdicts sent back to policy-server.
//!
//! A guest function that returns `Err` or traps makes policy-server answer
//! with an opaque internal error; every failure here is turned into an
//! ordinary rejection whose message says what to change.

use kubewarden_policy_sdk::{accept_request, reject_request};
use serde::Serialize;
use serde_json::value::RawValue;
use wapc_guest::CallResult;

/// A denied request, with the message the user sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection(String);

impl Rejection {
    pub fn new(message: impl Into<String>) -> Self {
        Rejection(message.into())
    }

    pub fn message(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The longest rejection message sent back, in bytes. Messages list every
/// violation, each quoting what it objects to; whatever a request holds,
/// the answer policy-server logs and the API server returns stays bounded.
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024;

/// Cuts `message` to [`MAX_MESSAGE_BYTES`] at a character boundary, saying
/// how much was left out.
fn bounded(mut message: String) -> String {
    if message.len() <= MAX_MESSAGE_BYTES {
        return message;
    }
    let total = message.len();
    let mut cut = MAX_MESSAGE_BYTES;
    while !message.is_char_boundary(cut) {
        cut -= 1;
    }
    message.truncate(cut);
    message.push_str(&format!("… (message cut at {cut} of {total} bytes)"));
    message
}

/// Serializes the outcome of a validation as a Kubewarden ValidationResponse.
pub fn respond(outcome: Result<(), Rejection>) -> CallResult {
    match outcome {
        Ok(()) => accept_request(),
        Err(rejection) => reject_request(Some(bounded(rejection.0)), None, None, None),
    }
}

/// The SDK's ValidationResponse with the mutated object as text: the SDK
/// takes a `Value` and encodes it again, here the object goes out as the
/// mutator encoded it. The same fields in the same order, so the bytes are
/// the SDK's (tested).
#[derive(Serialize)]
struct Mutation<'a> {
    accepted: bool,
    message: Option<()>,
    code: Option<()>,
    mutated_object: &'a RawValue,
    audit_annotations: Option<()>,
    warnings: Option<()>,
}

/// An acceptance that replaces the object by `object`.
pub fn mutate(object: &RawValue) -> CallResult {
    Ok(serde_json::to_vec(&Mutation {
        accepted: true,
        message: None,
        code: None,
        mutated_object: object,
        audit_annotations: None,
        warnings: None,
    })?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubewarden_policy_sdk::response::ValidationResponse;

    #[test]
    fn accept_and_reject_serialize_as_validation_responses() {
        let ok: ValidationResponse = serde_json::from_slice(&respond(Ok(())).unwrap()).unwrap();
        assert!(ok.accepted);
        assert_eq!(ok.message, None);

        let denied = respond(Err(Rejection::new("image is untrusted"))).unwrap();
        let denied: ValidationResponse = serde_json::from_slice(&denied).unwrap();
        assert!(!denied.accepted);
        assert_eq!(denied.message.as_deref(), Some("image is untrusted"));
    }

    #[test]
    fn a_mutation_is_the_sdks_response_byte_for_byte() {
        let object =
            serde_json::json!({"spec": {"containers": [{"name": "a\"b", "n": 1.5}]}, "z": null});
        let raw = RawValue::from_string(object.to_string()).unwrap();
        assert_eq!(
            mutate(&raw).unwrap(),
            kubewarden_policy_sdk::mutate_request(object).unwrap()
        );
    }

    #[test]
    fn long_messages_are_cut_at_a_character_boundary() {
        let long = format!("untrusted: {}", "é".repeat(MAX_MESSAGE_BYTES));
        let denied = respond(Err(Rejection::new(long.clone()))).unwrap();
        let denied: ValidationResponse = serde_json::from_slice(&denied).unwrap();
        let message = denied.message.unwrap();
        assert!(message.len() < MAX_MESSAGE_BYTES + 64, "{}", message.len());
        assert!(message.starts_with("untrusted: é"));
        assert!(
            message.ends_with(&format!("of {} bytes)", long.len())),
            "{message}"
        );
    }
}

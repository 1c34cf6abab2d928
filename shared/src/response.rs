//! Verdicts sent back to policy-server.
//!
//! A guest function that returns `Err` or traps makes policy-server answer
//! with an opaque internal error; every failure here is turned into an
//! ordinary rejection whose message says what to change.

use kubewarden_policy_sdk::{accept_request, reject_request};
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

/// Serializes the outcome of a validation as a Kubewarden ValidationResponse.
pub fn respond(outcome: Result<(), Rejection>) -> CallResult {
    match outcome {
        Ok(()) => accept_request(),
        Err(rejection) => reject_request(Some(rejection.0), None, None, None),
    }
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
}

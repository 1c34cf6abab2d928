//! The parse floor for `just bench`: a module that reads the whole payload
//! once with serde (skipping every value) and accepts. A policy must read its
//! input at least once, so this, not the no-op module, is the least a
//! policy's request can cost; the bench holds every policy against both.

use serde::de::IgnoredAny;

/// The answer to `validate` for a payload that is JSON.
const ACCEPTED: &[u8] = br#"{"accepted":true}"#;
/// The answer for one that is not: a policy rejects what it cannot read.
const REJECTED: &[u8] = br#"{"accepted":false,"message":"the request is not JSON"}"#;
/// The answer to `validate_settings`: valid, whatever the settings.
const VALID: &[u8] = br#"{"valid":true}"#;
/// The Kubewarden policy protocol the policies speak.
const PROTOCOL_VERSION: &[u8] = br#""v1""#;

fn validate(payload: &[u8]) -> wapc_guest::CallResult {
    Ok(match serde_json::from_slice::<IgnoredAny>(payload) {
        Ok(_) => ACCEPTED.to_vec(),
        Err(_) => REJECTED.to_vec(),
    })
}

fn validate_settings(_payload: &[u8]) -> wapc_guest::CallResult {
    Ok(VALID.to_vec())
}

fn protocol_version(_payload: &[u8]) -> wapc_guest::CallResult {
    Ok(PROTOCOL_VERSION.to_vec())
}

#[unsafe(no_mangle)]
pub extern "C" fn wapc_init() {
    wapc_guest::register_function("validate", validate);
    wapc_guest::register_function("validate_settings", validate_settings);
    wapc_guest::register_function("protocol_version", protocol_version);
}

//! The host floor for `just bench`: a module with the same waPC plumbing as
//! the policies (the payload is still copied into guest memory) that answers
//! every call without parsing it. Whatever a policy costs above this module
//! is its own decoding and checking.

/// The answer to `validate`: accepted, whatever the request.
const ACCEPTED: &[u8] = br#"{"accepted":true}"#;
/// The answer to `validate_settings`: valid, whatever the settings.
const VALID: &[u8] = br#"{"valid":true}"#;
/// The Kubewarden policy protocol the policies speak.
const PROTOCOL_VERSION: &[u8] = br#""v1""#;

fn validate(_payload: &[u8]) -> wapc_guest::CallResult {
    Ok(ACCEPTED.to_vec())
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

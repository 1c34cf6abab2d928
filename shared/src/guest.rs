//! The waPC entry points every policy registers.
//!
//! A policy supplies its settings type and one function from a decoded
//! request to a verdict; decoding, settings and response encoding are the
//! same for all of them and live here.

use wapc_guest::CallResult;

use crate::request::{AdmissionRequest, Payload};
use crate::response::{Rejection, respond};
use crate::settings::PolicySettings;

/// Runs a policy's validation on a raw `validate` payload. Every failure,
/// including an undecodable payload, becomes a rejection.
pub fn validate<S, F>(payload: &[u8], check: F) -> CallResult
where
    S: PolicySettings,
    F: FnOnce(&AdmissionRequest<'_>, &S) -> Result<(), Rejection>,
{
    respond(Payload::decode(payload).and_then(|p| {
        let settings = p.settings::<S>()?;
        check(&p.request, &settings)
    }))
}

/// Registers `validate`, `validate_settings` and `protocol_version` in the
/// module's `wapc_init`, the three functions policy-server calls.
#[macro_export]
macro_rules! register_policy {
    ($settings:ty, $validate:path) => {
        #[unsafe(no_mangle)]
        pub extern "C" fn wapc_init() {
            fn validate(payload: &[u8]) -> $crate::wapc_guest::CallResult {
                $crate::guest::validate::<$settings, _>(payload, $validate)
            }
            $crate::wapc_guest::register_function("validate", validate);
            $crate::wapc_guest::register_function(
                "validate_settings",
                $crate::settings::validate_settings::<$settings>,
            );
            $crate::wapc_guest::register_function(
                "protocol_version",
                $crate::kubewarden_policy_sdk::protocol_version_guest,
            );
        }
    };
}

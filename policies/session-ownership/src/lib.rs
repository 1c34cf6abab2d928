//! session-ownership: only the owner of a `VDISession` (or a privileged
//! requester such as the VDI operator) creates, changes, deletes or connects
//! to it.

pub mod identity;
pub mod pods;
pub mod session;
pub mod settings;
pub mod validate;

/// The entry point policy-server calls, with pods read through the host.
#[cfg(target_arch = "wasm32")]
fn validate_in_cluster(
    request: &shared::AdmissionRequest<'_>,
    settings: &settings::Settings,
) -> Result<(), shared::Rejection> {
    validate::validate(request, settings, &shared::host::WapcHost)
}

#[cfg(target_arch = "wasm32")]
shared::register_policy!(settings::Settings, validate_in_cluster);

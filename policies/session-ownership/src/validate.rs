//! Routing a request to the check for its kind.

use shared::host::KubernetesHost;
use shared::{AdmissionRequest, Rejection};

use crate::identity::Requester;
use crate::pods;
use crate::session;
use crate::settings::Settings;

/// API group of the VDI custom resources.
pub const VDI_GROUP: &str = "vdi.kasm.io";

/// Validates one request; `cluster` answers the pod lookups of CONNECT
/// requests. A kind the policy does not know is denied, so a scoping
/// mistake shows up as a clear error instead of silently passing.
pub fn validate(
    request: &AdmissionRequest<'_>,
    settings: &Settings,
    cluster: &impl KubernetesHost,
) -> Result<(), Rejection> {
    let requester = Requester::new(&request.user_info, settings);
    let kind = &request.kind;
    match (kind.group.as_ref(), kind.kind.as_ref()) {
        (VDI_GROUP, "VDISession") => session::validate(request, settings, &requester),
        ("", "Pod") => pods::update(request, &requester),
        ("", options) => match pods::connect_action(options) {
            Some(action) => pods::connect(request, &requester, action, cluster),
            None => Err(unhandled(request)),
        },
        _ => Err(unhandled(request)),
    }
}

fn unhandled(request: &AdmissionRequest<'_>) -> Rejection {
    Rejection::new(format!(
        "session-ownership does not handle {} requests; scope it to vdi.kasm.io VDISessions and the pods/exec, pods/attach, pods/portforward, pods/proxy and pods/ephemeralcontainers subresources",
        request.kind
    ))
}

//! session-ownership: only the owner of a `VDISession` (or a privileged
//! requester such as the VDI operator) creates, changes, deletes or connects
//! to it.

pub mod identity;
pub mod pods;
pub mod session;
pub mod settings;
pub mod validate;

use shared::Operation::{Connect, Create, Delete, Update};
use shared::policy::{Policy, Resource, Route, pod_kind};
use shared::vdi::VDI_SESSION;

/// The pod subresources a user connects through, with the kind their
/// requests carry.
pub const POD_CONNECTIONS: [(&str, &str); 4] = [
    ("exec", "PodExecOptions"),
    ("attach", "PodAttachOptions"),
    ("portforward", "PodPortForwardOptions"),
    ("proxy", "PodProxyOptions"),
];

const PODS: Resource = Resource::new("", "v1", "Pod", "pods");

pub struct SessionOwnership;

impl Policy for SessionOwnership {
    const NAME: &'static str = "session-ownership";
    type Settings = settings::Settings;

    fn routes() -> Vec<Route<settings::Settings>> {
        let mut routes = vec![
            Route::new(VDI_SESSION, &[Create, Update, Delete], validate::session),
            Route::new(
                VDI_SESSION.subresource("status", "VDISession"),
                &[Update],
                validate::session,
            ),
        ];
        routes.extend(POD_CONNECTIONS.map(|(subresource, kind)| {
            Route::new(
                PODS.subresource(subresource, kind),
                &[Connect],
                validate::pod_connect,
            )
        }));
        routes.push(Route::workload(pod_kind(), &[Update], validate::pod_update));
        routes.push(Route::workload_subresource(
            pod_kind(),
            "ephemeralcontainers",
            &[Update],
            validate::pod_update,
        ));
        routes
    }
}

shared::register_policy!(SessionOwnership);

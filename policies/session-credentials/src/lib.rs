//! session-credentials: no credential in cleartext, one Secret per VDI
//! session, and never a credential echoed back.
//!
//! - Workloads (every kind of the shared table, all three container lists):
//!   a variable named like a credential comes from `valueFrom.secretKeyRef`.
//! - Session pods (labelled `vdi.kasm.io/session`): the Selkies password
//!   comes from the session's own Secret; only session pods set it.
//! - ConfigMaps: no key named like a credential, no PEM private key.
//! - `VDISession`/`VDITemplate`: no label, annotation or field named like a
//!   credential that holds one.
//! - Everywhere: kubectl's `last-applied-configuration` copy is read too.
//!
//! No message contains a byte of a judged value: values are fingerprinted,
//! never formatted, and decoder errors are redacted (`decode`).

pub mod decode;
pub mod env;
pub mod findings;
pub mod last_applied;
pub mod names;
pub mod pem;
pub mod settings;
pub mod validate;
pub mod view;
pub mod walk;

use shared::policy::{Policy, Resource, Route, WRITES, pod_kind, workload_routes};
use shared::vdi::{VDI_SESSION, VDI_TEMPLATE};

pub const CONFIG_MAP: Resource = Resource::new("", "v1", "ConfigMap", "configmaps");

pub struct SessionCredentials;

impl Policy for SessionCredentials {
    const NAME: &'static str = "session-credentials";
    type Settings = settings::Settings;

    fn routes() -> Vec<Route<settings::Settings>> {
        let mut routes: Vec<_> = workload_routes(WRITES, validate::workload).collect();
        routes.push(Route::workload_subresource(
            pod_kind(),
            "ephemeralcontainers",
            WRITES,
            validate::workload,
        ));
        routes.push(Route::new(CONFIG_MAP, WRITES, validate::config_map));
        routes.push(Route::new(VDI_SESSION, WRITES, validate::vdi));
        routes.push(Route::new(VDI_TEMPLATE, WRITES, validate::vdi));
        routes
    }
}

shared::register_policy!(SessionCredentials);

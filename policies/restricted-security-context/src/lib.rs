//! restricted-security-context: Pod Security Admission `restricted:latest`
//! with exact parity, enforced on Pods, every workload kind, PodTemplates and
//! `pods/ephemeralcontainers`, plus VDI hardening (read-only root filesystem,
//! no service account token).

pub mod checks;
pub mod hardening;
pub mod settings;
pub mod validate;
pub mod view;

use shared::policy::{Policy, Route, WRITES, pod_kind, workload_routes};

pub struct RestrictedSecurityContext;

impl Policy for RestrictedSecurityContext {
    const NAME: &'static str = "restricted-security-context";
    type Settings = settings::Settings;

    fn routes() -> Vec<Route<settings::Settings>> {
        let mut routes: Vec<_> = workload_routes(WRITES, validate::validate).collect();
        routes.push(Route::workload_subresource(
            pod_kind(),
            "ephemeralcontainers",
            WRITES,
            validate::validate,
        ));
        routes
    }
}

shared::register_policy!(RestrictedSecurityContext);

//! restricted-security-context: Pod Security Admission `restricted:latest`
//! with exact parity, enforced on Pods, every workload kind, PodTemplates and
//! `pods/ephemeralcontainers`, plus VDI hardening (read-only root filesystem,
//! no service account token). With `mutate: true` it fills in the secure
//! defaults a pod spec leaves unset before judging it (`mutate`).

pub mod checks;
pub mod hardening;
pub mod mutate;
pub mod settings;
pub mod validate;
pub mod view;

use shared::policy::{Policy, Route, WRITES, pod_kind, template_routes};

pub struct RestrictedSecurityContext;

impl Policy for RestrictedSecurityContext {
    const NAME: &'static str = "restricted-security-context";
    type Settings = settings::Settings;

    /// Every route mutates first; with `mutate` off (the default) the
    /// mutator returns at once and the handler judges the object as sent.
    fn routes() -> Vec<Route<settings::Settings>> {
        let mutate = Some(mutate::mutate as shared::policy::TemplateMutator<_, view::Views>);
        let mut routes: Vec<_> =
            template_routes::<view::Views, _>(WRITES, validate::validate, mutate).collect();
        routes.push(Route::template_subresource::<view::Views>(
            pod_kind(),
            "ephemeralcontainers",
            WRITES,
            validate::validate,
            mutate,
        ));
        routes
    }
}

shared::register_policy!(RestrictedSecurityContext);

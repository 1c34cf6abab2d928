//! trusted-registries: every image a workload would pull must come from a
//! trusted registry or repository.

pub mod patterns;
pub mod rewrite;
pub mod settings;
pub mod validate;

use shared::policy::{Policy, Route, TemplateMutator, WRITES, pod_kind, template_routes};
use shared::vdi::VDI_TEMPLATE;

pub struct TrustedRegistries;

impl Policy for TrustedRegistries {
    const NAME: &'static str = "trusted-registries";
    type Settings = settings::Settings;

    fn routes() -> Vec<Route<settings::Settings>> {
        // With `rewrite` set, images go to their mirror first and the
        // handlers judge the rewritten references; without it the mutators
        // return at once.
        let rewrite = Some(rewrite::mutate_workload as TemplateMutator<_, validate::Views>);
        let mut routes: Vec<_> =
            template_routes::<validate::Views, _>(WRITES, validate::workload, rewrite).collect();
        routes.push(Route::template_subresource::<validate::Views>(
            pod_kind(),
            "ephemeralcontainers",
            WRITES,
            validate::workload,
            rewrite,
        ));
        routes.push(
            Route::new(VDI_TEMPLATE, WRITES, validate::vdi_template)
                .mutating(rewrite::mutate_vdi_template),
        );
        routes
    }
}

shared::register_policy!(TrustedRegistries);

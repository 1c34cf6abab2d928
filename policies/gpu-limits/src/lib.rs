//! gpu-limits: sessions share NVIDIA GPUs by time-slicing, so no session may
//! take more than its slice, reach GPUs it did not request, or run without a
//! memory cap; and the device plugin may not slice a GPU further than the
//! platform allows.

pub mod env;
pub mod pod;
pub mod resources;
pub mod settings;
pub mod time_slicing;
pub mod validate;
pub mod vdi_template;
pub mod view;

use shared::policy::{Policy, Resource, Route, WRITES, pod_kind, template_routes};
use shared::vdi::VDI_TEMPLATE;

pub const CONFIG_MAP: Resource = Resource::new("", "v1", "ConfigMap", "configmaps");

pub struct GpuLimits;

impl Policy for GpuLimits {
    const NAME: &'static str = "gpu-limits";
    type Settings = settings::Settings;

    fn routes() -> Vec<Route<settings::Settings>> {
        let mut routes: Vec<_> =
            template_routes::<validate::Views, _>(WRITES, validate::workload, None).collect();
        for subresource in ["ephemeralcontainers", "resize"] {
            routes.push(Route::template_subresource::<validate::Views>(
                pod_kind(),
                subresource,
                WRITES,
                validate::workload,
                None,
            ));
        }
        routes.push(Route::new(CONFIG_MAP, WRITES, validate::config_map));
        routes.push(Route::new(VDI_TEMPLATE, WRITES, validate::vdi_template));
        routes
    }
}

shared::register_policy!(GpuLimits);

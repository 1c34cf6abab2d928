//! trusted-registries: every image a workload would pull must come from a
//! trusted registry or repository.

pub mod patterns;
pub mod settings;
pub mod validate;

#[cfg(target_arch = "wasm32")]
shared::register_policy!(settings::Settings, validate::validate);

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

#[cfg(target_arch = "wasm32")]
shared::register_policy!(settings::Settings, validate::validate);

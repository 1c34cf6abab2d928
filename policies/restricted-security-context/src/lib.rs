//! restricted-security-context: Pod Security Admission `restricted:latest`
//! with exact parity, enforced on Pods, every workload kind, PodTemplates and
//! `pods/ephemeralcontainers`, plus VDI hardening (read-only root filesystem,
//! no service account token).

pub mod checks;
pub mod hardening;
pub mod settings;
pub mod validate;
pub mod view;

#[cfg(target_arch = "wasm32")]
shared::register_policy!(settings::Settings, validate::validate);

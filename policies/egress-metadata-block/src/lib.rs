//! egress-metadata-block: no egress rule of a network policy may let pods
//! reach a cloud metadata endpoint, in any of the dialects a K3s VDI cluster
//! runs (Kubernetes NetworkPolicy, Cilium, Calico).

pub mod calico;
pub mod cilium;
pub mod exposure;
pub mod keys;
pub mod kubernetes;
pub mod ports;
pub mod settings;
pub mod text;
pub mod validate;

#[cfg(target_arch = "wasm32")]
shared::register_policy!(settings::Settings, validate::validate);

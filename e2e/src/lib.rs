//! Host-side harness that runs the built policy modules exactly as
//! Kubewarden's policy-server does: wasmtime with WASI through waPC, a fresh
//! instance per request, `validate_settings` before `validate`, and the
//! `kubewarden` host-call binding answered (logging, Kubernetes lookups from
//! a replay table, restricted to the module's context-aware resources).

pub mod inputs;
pub mod registry;
pub mod size;
/// The runtime (module host, replay, suites, wrapping) is the library the
/// `vdi-guard` CLI uses too: one copy of policy-server's semantics.
pub use runtime::{
    Metadata, dist_module, host, policy_metadata, read_document, read_documents, replay, suite,
    workspace_root, wrap,
};

use std::path::PathBuf;

/// Every policy crate under `policies/` (with a `metadata.yml`), sorted.
pub fn policy_names() -> Result<Vec<String>, String> {
    xtask::policy::Policy::names(&workspace_root())
}

/// A policy's directory, `policies/<policy>/`.
pub fn policy_dir(policy: &str) -> PathBuf {
    workspace_root().join("policies").join(policy)
}

/// A policy's example settings (`policies/<policy>/settings.yaml`), the
/// settings its deploy manifest, `just check`, the bench and the limits use.
pub fn policy_settings(policy: &str) -> Result<serde_json::Value, String> {
    read_document(&policy_dir(policy).join("settings.yaml"))
}

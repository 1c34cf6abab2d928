//! Host-side harness that runs the built policy modules exactly as
//! Kubewarden's policy-server does: wasmtime with WASI through waPC, a fresh
//! instance per request, `validate_settings` before `validate`, and the
//! `kubewarden` host-call binding answered (logging, Kubernetes lookups from
//! a replay table, restricted to the module's context-aware resources).

pub mod host;
pub mod inputs;
pub mod registry;
pub mod replay;
pub mod size;
pub mod suite;
/// The manifest wrapping lives in the `admission` crate, which the browser
/// build (`web/`) shares.
pub use admission::wrap;

use std::path::{Path, PathBuf};

pub use xtask::metadata::Metadata;
pub use xtask::workspace_root;

/// Where `just build` puts a policy's module, or `$VDI_DIST/<policy>.wasm`
/// when set: `just test` points it at the modules pulled back from a
/// registry, so the suites run on the bytes users would pull.
pub fn dist_module(policy: &str) -> PathBuf {
    std::env::var_os("VDI_DIST")
        .map_or_else(|| workspace_root().join("dist"), PathBuf::from)
        .join(format!("{policy}.wasm"))
}

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

/// A policy's `metadata.yml`, parsed and checked as `just build` does.
pub fn policy_metadata(policy: &str) -> Result<Metadata, String> {
    xtask::policy::Policy::load(&workspace_root(), policy).map(|p| p.metadata)
}

/// Reads a YAML or JSON file into JSON values, one per document.
pub fn read_documents(path: &Path) -> Result<Vec<serde_json::Value>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    admission::documents(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Reads a file that must hold exactly one document.
pub fn read_document(path: &Path) -> Result<serde_json::Value, String> {
    let mut docs = read_documents(path)?;
    match docs.len() {
        1 => Ok(docs.remove(0)),
        n => Err(format!(
            "{}: expected one document, found {n}",
            path.display()
        )),
    }
}

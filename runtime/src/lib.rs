//! The module runtime: runs the built policy modules exactly as
//! Kubewarden's policy-server does — wasmtime with WASI through waPC, a fresh
//! instance per request, `validate_settings` before `validate`, and the
//! `kubewarden` host-call binding answered (logging, Kubernetes lookups from
//! a replay table, restricted to the module's context-aware resources).
//!
//! One copy, used by the `vdi-guard` CLI, the e2e tests and the bench, so
//! what the tests prove is what users run.

pub mod cache;
pub mod host;
pub mod replay;
pub mod suite;
/// The manifest wrapping lives in the `admission` crate, which the browser
/// build (`web/`) shares.
pub use admission::wrap;

use std::path::{Path, PathBuf};

pub use xtask::metadata::Metadata;
pub use xtask::workspace_root;

/// Where `just build` puts a policy's module in a checkout, or
/// `$VDI_DIST/<policy>.wasm` when set: `just test` points it at the modules
/// pulled back from a registry, so the suites run on the bytes users would
/// pull.
pub fn dist_module(policy: &str) -> PathBuf {
    std::env::var_os("VDI_DIST")
        .map_or_else(|| workspace_root().join("dist"), PathBuf::from)
        .join(format!("{policy}.wasm"))
}

/// A policy's `metadata.yml` in a checkout, parsed and checked as
/// `just build` does.
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

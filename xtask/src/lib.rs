//! Distribution tasks behind the justfile: embed each policy's Kubewarden
//! metadata into its module, and generate the deploy manifests and Artifact
//! Hub packages from the files the policy authors maintain (`metadata.yml`,
//! `questions-ui.yml`, `README.md`, the crate version, the example settings).
//! Everything is derived, so a drift test can regenerate and compare.

pub mod annotate;
pub mod artifacthub;
#[cfg(feature = "oci")]
pub mod cosign;
pub mod deploy;
pub mod metadata;
#[cfg(feature = "oci")]
pub mod oci;
pub mod policy;
pub mod registry;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where the modules are published; `<REGISTRY>/<policy>:v<version>`.
pub const OCI_REPOSITORY: &str = "ghcr.io/vdi-guard/vdi-guard";
/// The project's home page and source repository.
pub const HOME_URL: &str = "https://github.com/vdi-guard/vdi-guard";

/// The repository root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Every generated file (deploy manifests, Artifact Hub packages, the
/// policy lists of the harness, the fuzz workspace and the README), keyed
/// by its path relative to the repository root.
pub fn package_files(root: &Path) -> Result<BTreeMap<PathBuf, String>, String> {
    let policies = policy::Policy::load_all(root)?;
    let mut files = deploy::files(root, &policies)?;
    files.extend(artifacthub::files(root, &policies)?);
    files.extend(registry::files(root, &policies)?);
    Ok(files)
}

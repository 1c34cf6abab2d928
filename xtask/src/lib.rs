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
pub mod docs;
pub mod groups;
pub mod kubewarden;
#[cfg(feature = "oci")]
pub mod local_registry;
pub mod metadata;
#[cfg(feature = "oci")]
pub mod oci;
pub mod pattern;
pub mod policy;
pub mod policy_server;
pub mod registry;
pub mod replay;
pub mod rollout;
pub mod schema;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where the modules are published; `<REGISTRY>/<policy>:v<version>`.
pub const OCI_REPOSITORY: &str = "ghcr.io/vdi-guard/vdi-guard";
/// The project's home page and source repository.
pub const HOME_URL: &str = "https://github.com/vdi-guard/vdi-guard";

/// The Kubewarden release the set is installed and tested with: the
/// `admission-controller` Helm chart [`ADMISSION_CONTROLLER_CHART`], whose
/// CRDs `xtask/tests/data/kubewarden-crds/` vendors, and the policy-server
/// image `deploy/policy-server.yaml` runs.
pub const KUBEWARDEN_VERSION: &str = "1.37.2";
/// The chart that installs that release (it replaces the deprecated
/// `kubewarden-crds`, `kubewarden-controller` and `kubewarden-defaults`).
pub const ADMISSION_CONTROLLER_CHART: &str = "6.0.2";

/// The repository root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Every generated file (deploy manifests, the PolicyServer, the pod-policy
/// group, Artifact Hub packages, the policy lists of the harness, the fuzz
/// workspace and the README), keyed by its path relative to the repository
/// root.
pub fn package_files(root: &Path) -> Result<BTreeMap<PathBuf, String>, String> {
    let policies = policy::Policy::load_all(root)?;
    let mut files = deploy::files(root, &policies)?;
    files.extend(policy_server::files(root, &policies)?);
    files.extend(groups::files(root, &policies)?);
    files.extend(artifacthub::files(root, &policies)?);
    files.extend(registry::files(root, &policies)?);
    rollout::splice_readme(root, &policies, &mut files)?;
    Ok(files)
}

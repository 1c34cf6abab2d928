//! One policy as the distribution tasks see it: the files under
//! `policies/<name>/` plus its example settings.

use std::path::{Path, PathBuf};

use crate::metadata::Metadata;

#[derive(Debug, Clone)]
pub struct Policy {
    pub name: String,
    /// The crate version; the artifact tag is `v<version>`.
    pub version: String,
    pub metadata: Metadata,
    /// `README.md`, shipped as `io.kubewarden.policy.usage` and on Artifact Hub.
    pub readme: String,
    /// `questions-ui.yml` verbatim, for the Kubewarden UI.
    pub questions_ui: String,
    /// `policies/<name>/settings.yaml`, the settings the deploy manifest uses.
    pub settings: serde_yaml::Value,
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

impl Policy {
    /// Every directory under `policies/` that has a `metadata.yml`, sorted.
    pub fn names(root: &Path) -> Result<Vec<String>, String> {
        let dir = root.join("policies");
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().join("metadata.yml").is_file())
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        names.sort();
        Ok(names)
    }

    pub fn load_all(root: &Path) -> Result<Vec<Policy>, String> {
        Policy::names(root)?
            .iter()
            .map(|name| Policy::load(root, name))
            .collect()
    }

    pub fn load(root: &Path, name: &str) -> Result<Policy, String> {
        let dir: PathBuf = root.join("policies").join(name);
        let manifest = dir.join("Cargo.toml");
        let version =
            crate_version(&read(&manifest)?).map_err(|e| format!("{}: {e}", manifest.display()))?;
        let metadata_path = dir.join("metadata.yml");
        let metadata = Metadata::parse(&read(&metadata_path)?, name, &version)
            .map_err(|e| format!("{}: {e}", metadata_path.display()))?;
        let settings_path = dir.join("settings.yaml");
        let settings = serde_yaml::from_str(&read(&settings_path)?)
            .map_err(|e| format!("{}: {e}", settings_path.display()))?;
        Ok(Policy {
            name: name.to_owned(),
            version,
            metadata,
            readme: read(&dir.join("README.md"))?,
            questions_ui: read(&dir.join("questions-ui.yml"))?,
            settings,
        })
    }

    /// `module` with this policy's `io.kubewarden.metadata` section:
    /// metadata.yml plus the README as usage and the OCI repository, as
    /// `kwctl annotate` writes it. `just build` and the CLI's embedded
    /// modules both come from here.
    pub fn annotate(&self, module: &[u8]) -> Result<Vec<u8>, String> {
        let oci_url = format!("{}/{}", crate::OCI_REPOSITORY, self.name);
        let json = serde_json::to_vec(&self.metadata.embedded(&self.readme, &oci_url))
            .map_err(|e| e.to_string())?;
        crate::annotate::annotate(module, &json)
    }

    /// `ghcr.io/vdi-guard/vdi-guard/<name>:v<version>`.
    pub fn image(&self) -> String {
        format!("{}/{}:v{}", crate::OCI_REPOSITORY, self.name, self.version)
    }
}

/// The `version` of the `[package]` table. The artifact tag is derived from
/// it, so it must be spelled out (not inherited from the workspace).
pub fn crate_version(manifest: &str) -> Result<String, String> {
    let mut in_package = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
            continue;
        }
        if !in_package {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key == "version.workspace" {
            return Err(
                "set an explicit `version = \"x.y.z\"` in [package]: it is the artifact tag".into(),
            );
        }
        if key == "version" {
            let value = value.trim();
            return value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| {
                    format!("[package] version must be a quoted string, found {value}")
                });
        }
    }
    Err("no `version` in [package]".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::plain("[package]\nname = \"p\"\nversion = \"0.1.0\"\n", Ok("0.1.0"))]
    #[case::after_other_table(
        "[lib]\nversion = \"9\"\n[package]\nversion = \"1.2.3\"\n",
        Ok("1.2.3")
    )]
    #[case::dependency_version_ignored(
        "[package]\nname = \"p\"\n[dependencies]\nversion = \"1\"\n",
        Err("no `version`")
    )]
    #[case::inherited("[package]\nversion.workspace = true\n", Err("explicit"))]
    #[case::unquoted("[package]\nversion = 1\n", Err("quoted string"))]
    #[case::empty("[package]\nversion = \"\"\n", Err("quoted string"))]
    fn crate_version_table(#[case] manifest: &str, #[case] expected: Result<&str, &str>) {
        match (crate_version(manifest), expected) {
            (Ok(got), Ok(want)) => assert_eq!(got, want),
            (Err(got), Err(fragment)) => assert!(got.contains(fragment), "{got}"),
            (got, want) => panic!("got {got:?}, want {want:?}"),
        }
    }
}

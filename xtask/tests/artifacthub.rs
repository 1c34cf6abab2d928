//! The Artifact Hub packages and repository file are what Artifact Hub's
//! tracker accepts: its `PackageMetadata` read strictly (`yaml.UnmarshalStrict`,
//! unknown fields refused) and `ValidatePackageMetadata`'s rules for a
//! Kubewarden repository (artifacthub/hub `internal/hub/pkg.go`,
//! `internal/pkg/metadata.go`, `internal/hub/repo.go` at commit 0d8b1c0,
//! 2026-05-12), plus what Kubewarden's annotations mean
//! (`docs/kubewarden_annotations.md`: `kubewarden/resources` lists kinds).
//! These run on the checked-in files; the drift test keeps them generated.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use xtask::workspace_root;

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct PackageMetadata {
    version: String,
    name: String,
    alternative_name: Option<String>,
    category: Option<String>,
    display_name: String,
    created_at: String,
    description: String,
    logo_path: Option<String>,
    #[serde(rename = "logoURL")]
    logo_url: Option<String>,
    digest: Option<String>,
    license: Option<String>,
    #[serde(rename = "homeURL")]
    home_url: Option<String>,
    app_version: Option<String>,
    #[serde(rename = "publisherID")]
    publisher_id: Option<String>,
    #[serde(default)]
    containers_images: Vec<ContainerImage>,
    operator: Option<bool>,
    deprecated: Option<bool>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    links: Vec<Link>,
    readme: Option<String>,
    install: Option<String>,
    #[serde(default)]
    changes: Vec<Change>,
    contains_security_updates: Option<bool>,
    prerelease: Option<bool>,
    #[serde(default)]
    maintainers: Vec<Maintainer>,
    provider: Option<Provider>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    recommendations: Vec<Recommendation>,
    #[serde(default)]
    screenshots: Vec<Link>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ContainerImage {
    name: String,
    image: String,
    whitelisted: Option<bool>,
    #[serde(default)]
    platforms: Vec<String>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Link {
    #[serde(alias = "title")]
    name: String,
    url: String,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Change {
    kind: Option<String>,
    description: String,
    #[serde(default)]
    links: Vec<Link>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Maintainer {
    name: String,
    email: String,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Provider {
    name: String,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Recommendation {
    url: String,
}

/// `PackageCategoryFromName`.
const CATEGORIES: [&str; 9] = [
    "ai-machine-learning",
    "database",
    "integration-delivery",
    "monitoring-logging",
    "networking",
    "security",
    "storage",
    "streaming-messaging",
    "skip-prediction",
];

fn is_semver(version: &str) -> bool {
    let core = version.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

fn packages(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let dir = root.join("artifacthub");
    for policy in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        for version in std::fs::read_dir(policy.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let pkg = version.path().join("artifacthub-pkg.yml");
            if pkg.is_file() {
                out.push(pkg);
            }
        }
    }
    out.sort();
    out
}

fn check_package(path: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let md: PackageMetadata = match serde_yaml::from_str(&text) {
        Ok(md) => md,
        Err(e) => return vec![format!("strict read: {e}")],
    };
    if !is_semver(&md.version) {
        problems.push(format!("version {:?} is not semver", md.version));
    }
    for (field, value) in [
        ("name", &md.name),
        ("displayName", &md.display_name),
        ("description", &md.description),
    ] {
        if value.trim().is_empty() {
            problems.push(format!("{field} not provided"));
        }
    }
    if !xtask::schema::is_rfc3339(&md.created_at) {
        problems.push(format!("createdAt {:?} is not RFC 3339", md.created_at));
    }
    if let Some(category) = &md.category
        && !CATEGORIES.contains(&category.as_str())
    {
        problems.push(format!("category {category:?}"));
    }
    if md.maintainers.is_empty() {
        problems.push("no maintainers".into());
    }
    for m in &md.maintainers {
        if m.name.is_empty() || !m.email.contains('@') {
            problems.push(format!("maintainer {m:?} needs a name and an email"));
        }
    }
    if md.changes.is_empty() {
        problems.push("no changes for this version".into());
    }
    for change in &md.changes {
        let kind_ok = change
            .kind
            .as_deref()
            .is_none_or(|k| xtask::artifacthub::CHANGE_KINDS.contains(&k.to_lowercase().as_str()));
        if !kind_ok || change.description.is_empty() {
            problems.push(format!("change {change:?}"));
        }
    }
    // Kubewarden repositories: one image named `policy` (plus optionally
    // `policy-alternative-location`).
    let names: Vec<&str> = md
        .containers_images
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    if names != ["policy"] && names != ["policy", "policy-alternative-location"] {
        problems.push(format!(
            "containersImages {names:?}: Kubewarden needs one named policy"
        ));
    }
    match (&md.logo_path, &md.logo_url) {
        (Some(logo), None) => {
            let file = path.parent().map(|d| d.join(logo)).unwrap_or_default();
            match std::fs::read_to_string(&file) {
                Ok(svg) if svg.contains("<svg") && svg.contains("http://www.w3.org/2000/svg") => {}
                Ok(_) => problems.push(format!("logoPath {logo}: not an SVG")),
                Err(e) => problems.push(format!("logoPath {logo}: {e}")),
            }
        }
        other => problems.push(format!("logo: expected logoPath only, got {other:?}")),
    }
    let resources = md
        .annotations
        .get("kubewarden/resources")
        .cloned()
        .unwrap_or_default();
    for kind in resources.split(',').map(str::trim) {
        let is_kind = kind.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && kind.chars().all(|c| c.is_ascii_alphanumeric());
        if !is_kind {
            problems.push(format!("kubewarden/resources: {kind:?} is not a kind"));
        }
    }
    for key in [
        "kubewarden/mutation",
        "kubewarden/rules",
        "kubewarden/questions-ui",
    ] {
        if !md.annotations.contains_key(key) {
            problems.push(format!("annotation {key} missing"));
        }
    }
    problems
}

#[test]
fn every_package_is_what_artifact_hub_indexes() {
    let root = workspace_root();
    let packages = packages(&root);
    assert!(!packages.is_empty());
    let mut problems = Vec::new();
    for path in packages {
        for p in check_package(&path) {
            problems.push(format!(
                "{}: {p}",
                path.strip_prefix(&root).unwrap_or(&path).display()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_repository_file_is_artifact_hubs_format() {
    let root = workspace_root();
    let repo = xtask::artifacthub::repo_file(&root).unwrap_or_else(|e| panic!("{e}"));
    assert!(!repo.owners.is_empty());
}

#[test]
fn the_package_check_refuses_what_artifact_hub_refuses() {
    let root = workspace_root();
    let Some(sample) = packages(&root).into_iter().next() else {
        panic!("no package");
    };
    let text = std::fs::read_to_string(&sample).unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("vdi-guard-ah-{}", std::process::id()));
    let pkg_dir = dir.join("artifacthub/p/0.1.0");
    std::fs::create_dir_all(&pkg_dir).unwrap_or_else(|e| panic!("{e}"));
    for (from, to, fragment) in [
        ("displayName:", "displayname:", "strict read"),
        ("kind: added", "kind: feature", "change"),
        ("name: policy\n", "name: module\n", "containersImages"),
        (
            "logoPath: ../../logo.svg",
            "logoPath: ../../missing.svg",
            "logoPath",
        ),
    ] {
        assert!(text.contains(from), "sample lacks {from}");
        let path = pkg_dir.join("artifacthub-pkg.yml");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap_or_else(|e| panic!("{e}"));
        let problems = check_package(&path).join("\n");
        assert!(problems.contains(fragment), "{from} -> {to}: {problems}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

//! `cargo run -p xtask -- <task>`; see the justfile for the recipes.

use std::path::Path;
use std::process::ExitCode;

use xtask::{annotate, policy::Policy, workspace_root};

const USAGE: &str = "usage: xtask annotate   embed metadata.yml + README into dist/<policy>.wasm\n       \
                     xtask package    regenerate deploy/ manifests and artifacthub/ packages\n       \
                     xtask push REGISTRY     push dist/<policy>.wasm to REGISTRY/<policy>:v<version> (--features oci)\n       \
                     xtask pull REF [FILE]   pull a module (default FILE: <name>.wasm)          (--features oci)";

fn annotate_dist(root: &Path) -> Result<(), String> {
    for policy in Policy::load_all(root)? {
        let path = root.join("dist").join(format!("{}.wasm", policy.name));
        let module = std::fs::read(&path)
            .map_err(|e| format!("{}: {e}; run `just build`", path.display()))?;
        let oci_url = format!("{}/{}", xtask::OCI_REPOSITORY, policy.name);
        let json = serde_json::to_vec(&policy.metadata.embedded(&policy.readme, &oci_url))
            .map_err(|e| e.to_string())?;
        let annotated =
            annotate::annotate(&module, &json).map_err(|e| format!("{}: {e}", path.display()))?;
        std::fs::write(&path, &annotated).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("annotated {} ({} bytes)", path.display(), annotated.len());
    }
    Ok(())
}

fn package(root: &Path) -> Result<(), String> {
    for (relative, content) in xtask::package_files(root)? {
        let path = root.join(&relative);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(&path, content).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("wrote {}", relative.display());
    }
    Ok(())
}

#[cfg(feature = "oci")]
fn push(root: &Path, registry: &str) -> Result<(), String> {
    use xtask::metadata;
    for policy in Policy::load_all(root)? {
        let path = root.join("dist").join(format!("{}.wasm", policy.name));
        let module = std::fs::read(&path)
            .map_err(|e| format!("{}: {e}; run `just build`", path.display()))?;
        let reference = xtask::oci::parse_reference(&format!(
            "{}/{}:v{}",
            registry.trim_end_matches('/'),
            policy.name,
            policy.version
        ))?;
        let annotations = [
            ("org.opencontainers.image.title", policy.name.clone()),
            ("org.opencontainers.image.version", policy.version.clone()),
            (
                "org.opencontainers.image.source",
                xtask::HOME_URL.to_owned(),
            ),
            (
                "org.opencontainers.image.description",
                policy.metadata.annotation(metadata::DESCRIPTION).to_owned(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let url = xtask::oci::push(&module, &reference, annotations)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        println!("pushed {} -> {reference} ({url})", path.display());
    }
    Ok(())
}

#[cfg(feature = "oci")]
fn pull(reference: &str, out: Option<&str>) -> Result<(), String> {
    let parsed = xtask::oci::parse_reference(reference)?;
    let (module, _manifest) = xtask::oci::pull(&parsed)?;
    let name = parsed.repository().rsplit('/').next().unwrap_or("module");
    let out = out.map_or_else(|| format!("{name}.wasm"), str::to_owned);
    std::fs::write(&out, &module).map_err(|e| format!("{out}: {e}"))?;
    println!("pulled {parsed} -> {out} ({} bytes)", module.len());
    Ok(())
}

#[cfg(not(feature = "oci"))]
fn push(_: &Path, _: &str) -> Result<(), String> {
    Err("built without the OCI client; run `cargo run -p xtask --features oci -- push ...` (or `just push`)".into())
}

#[cfg(not(feature = "oci"))]
fn pull(_: &str, _: Option<&str>) -> Result<(), String> {
    Err("built without the OCI client; run `cargo run -p xtask --features oci -- pull ...` (or `just pull`)".into())
}

fn main() -> ExitCode {
    let root = workspace_root();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["annotate"] => annotate_dist(&root),
        ["package"] => package(&root),
        ["push", registry] => push(&root, registry),
        ["pull", reference] => pull(reference, None),
        ["pull", reference, out] => pull(reference, Some(out)),
        _ => Err(USAGE.into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

//! The policy set a run uses: the built-in release modules, or modules from
//! directories, files and OCI registries; each with its settings, validated
//! up front as policy-server validates them at start-up.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use runtime::cache::CompileCache;
use runtime::host::PolicyModule;
use serde_json::Value;

use crate::{ModuleArgs, Status};

/// A module compiled into this binary by `build.rs`.
struct Builtin {
    name: &'static str,
    module: &'static [u8],
    settings: &'static str,
}

const BUILTIN: &[Builtin] = include!(concat!(env!("OUT_DIR"), "/builtin.rs"));

/// A loaded policy with the settings it runs with.
pub struct Policy {
    pub module: PolicyModule,
    pub settings: Value,
}

impl Policy {
    pub fn name(&self) -> &str {
        &self.module.name
    }
}

/// Loads the modules `args` names (default: the built-in ones), keeps the
/// `--policy` selection, and gives each its settings from `settings`
/// (see [`parse_settings`]) or its example settings.
pub fn load(args: &ModuleArgs, settings: &[String]) -> Result<Vec<Policy>, String> {
    let cache = CompileCache::user_default();
    let mut modules = Vec::new();
    if args.sources.is_empty() {
        for builtin in BUILTIN {
            modules.push(PolicyModule::from_annotated(
                builtin.module,
                cache.as_ref(),
            )?);
        }
    } else {
        for source in &args.sources {
            for bytes in read_source(source, args.key.as_deref(), cache.as_ref())? {
                modules.push(PolicyModule::from_annotated(&bytes, cache.as_ref())?);
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some(twice) = modules.iter().find(|m| !seen.insert(m.name.clone())) {
        return Err(format!(
            "two modules are named {:?}; load each policy once",
            twice.name
        ));
    }
    let names: Vec<String> = modules.iter().map(|m| m.name.clone()).collect();
    if let Some(unknown) = args.policies.iter().find(|p| !names.contains(p)) {
        return Err(format!(
            "--policy {unknown:?}: no such policy; the modules are {}",
            names.join(", ")
        ));
    }
    let overrides = parse_settings(settings, &names)?;
    let mut policies = Vec::new();
    for module in modules {
        if !args.policies.is_empty() && !args.policies.contains(&module.name) {
            continue;
        }
        let settings = match overrides.get(&module.name) {
            Some(settings) => settings.clone(),
            None => default_settings(&module.name)?,
        };
        let verdict = module.validate_settings(&settings);
        if !verdict.valid {
            return Err(format!(
                "{}: policy-server would refuse these settings: {}",
                module.name,
                verdict.message.as_deref().unwrap_or("invalid")
            ));
        }
        policies.push(Policy { module, settings });
    }
    Ok(policies)
}

/// The example settings a built-in policy is deployed with; `{}` (the
/// policy's own defaults) for any other module.
fn default_settings(name: &str) -> Result<Value, String> {
    match BUILTIN.iter().find(|b| b.name == name) {
        Some(builtin) => serde_yaml::from_str(builtin.settings)
            .map_err(|e| format!("{name}: built-in settings: {e}")),
        None => Ok(Value::Object(Default::default())),
    }
}

fn read_source(
    source: &str,
    key: Option<&Path>,
    cache: Option<&CompileCache>,
) -> Result<Vec<Vec<u8>>, String> {
    if source.starts_with("registry://") {
        return oci::pull(source, key, cache).map(|m| vec![m]);
    }
    let path = Path::new(source);
    let read = |p: &Path| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(format!("{}: no .wasm modules in it", path.display()));
        }
        files.iter().map(|f| read(f)).collect()
    } else {
        read(path).map(|m| vec![m])
    }
}

mod oci {
    use std::path::{Path, PathBuf};

    use runtime::cache::CompileCache;

    /// Pulls `reference` (verified against `key` when given) into the cache,
    /// or takes it from there. A module pulled without a key is cached apart
    /// from verified ones, so a later `--key` run never trusts it.
    pub fn pull(
        reference: &str,
        key: Option<&Path>,
        cache: Option<&CompileCache>,
    ) -> Result<Vec<u8>, String> {
        let parsed = xtask::oci::parse_reference(reference)?;
        let public = key
            .map(|path| {
                let pem = std::fs::read_to_string(path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                xtask::cosign::verifying_key(&pem).map(|k| (pem, k))
            })
            .transpose()?;
        let entry = cache.map(|c| entry(c.dir(), &parsed.whole(), public.as_ref().map(|p| &p.0)));
        if let Some(bytes) = entry.as_ref().and_then(|e| std::fs::read(e).ok()) {
            return Ok(bytes);
        }
        let (bytes, _, _) = match &public {
            Some((_, key)) => xtask::oci::pull_verified(&parsed, key),
            None => {
                eprintln!(
                    "vdi-guard: {reference}: pulled without signature verification (give --key cosign.pub to verify)"
                );
                xtask::oci::pull(&parsed)
            }
        }
        .map_err(|e| format!("{reference}: {e}"))?;
        if let Some(entry) = entry
            && let Some(parent) = entry.parent()
            && std::fs::create_dir_all(parent).is_ok()
        {
            let _ = std::fs::write(&entry, &bytes);
        }
        Ok(bytes)
    }

    /// `<cache>/oci/<trust>/<reference>.wasm`, both parts SHA-256 digests:
    /// the trust is the public key (or `unverified`) so a pull verified with
    /// one key is never served to a run that trusts another, and the
    /// reference is hashed rather than made path-safe, since folding
    /// characters would give `a/b` and `a_b` one entry.
    fn entry(dir: &Path, reference: &str, key: Option<&String>) -> PathBuf {
        use sha2::{Digest, Sha256};
        let trust = key.map_or_else(
            || "unverified".to_owned(),
            |pem| format!("key-{:x}", Sha256::digest(pem.trim().as_bytes())),
        );
        let name = format!("{:x}.wasm", Sha256::digest(reference.as_bytes()));
        dir.join("oci").join(trust).join(name)
    }
}

/// Settings named on the command line, by policy. Each entry is
/// `POLICY=FILE`, a directory of `<policy>.yaml|yml|json` files, or a
/// file holding either Kubewarden policy manifests (`ClusterAdmissionPolicy`, `AdmissionPolicy`: `spec.settings`, the
/// policy named by `spec.module`) or a map from policy names to
/// settings. A name that is not a loaded policy is an error, so a typo
/// never silently leaves a policy on its defaults.
fn parse_settings(entries: &[String], names: &[String]) -> Result<BTreeMap<String, Value>, String> {
    let mut out = BTreeMap::new();
    let known = |name: &str, origin: &str| {
        if names.iter().any(|n| n == name) {
            Ok(())
        } else {
            Err(format!(
                "{origin}: no policy {name:?}; the policies are {}",
                names.join(", ")
            ))
        }
    };
    for entry in entries {
        let path = Path::new(entry);
        if let Some((policy, file)) = entry.split_once('=')
            && !path.exists()
        {
            known(policy, entry)?;
            out.insert(policy.to_owned(), one_document(Path::new(file))?);
        } else if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension()
                        .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
                })
                .collect();
            files.sort();
            for file in files {
                let policy = file
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default()
                    .to_owned();
                known(&policy, &file.display().to_string())?;
                out.insert(policy, one_document(&file)?);
            }
        } else {
            for (policy, settings) in from_file(path)? {
                known(&policy, &path.display().to_string())?;
                out.insert(policy, settings);
            }
        }
    }
    Ok(out)
}

fn one_document(path: &Path) -> Result<Value, String> {
    runtime::read_document(path).map(|v| {
        if v.is_null() {
            Value::Object(Default::default())
        } else {
            v
        }
    })
}

/// Kubewarden policy manifests, or one map of policy names to settings.
fn from_file(path: &Path) -> Result<Vec<(String, Value)>, String> {
    let docs = runtime::read_documents(path)?;
    let is_policy = |doc: &Value| {
        matches!(
            doc.get("kind").and_then(Value::as_str),
            Some("ClusterAdmissionPolicy" | "AdmissionPolicy")
        )
    };
    if docs.iter().any(is_policy) {
        return docs
            .iter()
            .filter(|doc| is_policy(doc))
            .map(|doc| {
                let module = doc
                    .pointer("/spec/module")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("{}: a policy without spec.module", path.display()))?;
                let settings = doc
                    .pointer("/spec/settings")
                    .cloned()
                    .unwrap_or_else(|| Value::Object(Default::default()));
                Ok((policy_of_module(module), settings))
            })
            .collect();
    }
    match docs.as_slice() {
        [Value::Object(map)] => Ok(map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        _ => Err(format!(
            "{}: expected Kubewarden policy manifests or one map of policy names to settings",
            path.display()
        )),
    }
}

/// `registry://ghcr.io/vdi-guard/vdi-guard/gpu-limits:v0.2.0` names
/// `gpu-limits`: the repository's last path component.
fn policy_of_module(module: &str) -> String {
    let last = module.rsplit('/').next().unwrap_or(module);
    let last = last.split_once('@').map_or(last, |(name, _)| name);
    last.split_once(':')
        .map_or(last, |(name, _)| name)
        .to_owned()
}

/// `vdi-guard policies`: what is loaded.
pub fn list(args: &ModuleArgs) -> Result<Status, String> {
    let policies = load(args, &[])?;
    println!(
        "{:<30} {:<9} {:<9} RESOURCES",
        "POLICY", "VERSION", "MUTATING"
    );
    for policy in &policies {
        let metadata = policy.module.metadata();
        let resources: Vec<String> = metadata
            .rules
            .iter()
            .flat_map(|r| r.resources.iter().cloned())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        println!(
            "{:<30} {:<9} {:<9} {}",
            policy.name(),
            metadata.annotation(xtask::metadata::VERSION),
            metadata.mutating,
            resources.join(",")
        );
    }
    Ok(Status::Admitted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(
        "registry://ghcr.io/vdi-guard/vdi-guard/gpu-limits:v0.2.0",
        "gpu-limits"
    )]
    #[case("ghcr.io/org/trusted-registries@sha256:abc", "trusted-registries")]
    #[case("localhost:5000/session-ownership", "session-ownership")]
    fn module_references_name_their_policy(#[case] module: &str, #[case] name: &str) {
        assert_eq!(policy_of_module(module), name);
    }

    #[test]
    fn every_builtin_module_carries_its_metadata_and_valid_settings() {
        assert!(!BUILTIN.is_empty());
        for builtin in BUILTIN {
            let module = PolicyModule::from_annotated(builtin.module, None).unwrap();
            assert_eq!(module.name, builtin.name);
            let settings = default_settings(builtin.name).unwrap();
            assert!(
                module.validate_settings(&settings).valid,
                "{}",
                builtin.name
            );
        }
    }
}

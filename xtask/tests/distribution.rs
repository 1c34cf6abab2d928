//! The checked-in distribution files match their generator, and the built
//! modules carry exactly the metadata the manifests promise.
//! The module checks read `dist/`, which `just build` fills and annotates.

use std::path::{Path, PathBuf};

use xtask::annotate;
use xtask::deploy::{self, ClusterAdmissionPolicy};
use xtask::metadata::Embedded;
use xtask::policy::Policy;
use xtask::workspace_root;

fn policies() -> Vec<Policy> {
    Policy::load_all(&workspace_root()).unwrap_or_else(|e| panic!("{e}"))
}

fn embedded_in_dist(policy: &Policy) -> Embedded {
    let path = workspace_root()
        .join("dist")
        .join(format!("{}.wasm", policy.name));
    let module = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run `just build` first", path.display()));
    let section = annotate::read(&module).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(section)
        .unwrap_or_else(|e| panic!("{}: section is not metadata JSON: {e}", path.display()))
}

#[test]
fn checked_in_files_match_the_generator() {
    let root = workspace_root();
    let generated = xtask::package_files(&root).unwrap_or_else(|e| panic!("{e}"));
    let mut drift = Vec::new();
    for (relative, want) in &generated {
        match std::fs::read_to_string(root.join(relative)) {
            Ok(got) if &got == want => {}
            Ok(_) => drift.push(format!("{} differs", relative.display())),
            Err(e) => drift.push(format!("{}: {e}", relative.display())),
        }
    }
    let policies_dir = root.join("deploy/policies");
    let on_disk = std::fs::read_dir(&policies_dir)
        .unwrap_or_else(|e| panic!("{}: {e}", policies_dir.display()));
    for entry in on_disk.filter_map(Result::ok) {
        let relative = PathBuf::from("deploy/policies").join(entry.file_name());
        if !generated.contains_key(&relative) {
            drift.push(format!(
                "{} is not generated any more; delete it",
                relative.display()
            ));
        }
    }
    assert!(
        drift.is_empty(),
        "run `cargo run -p xtask -- package`:\n{}",
        drift.join("\n")
    );
}

#[test]
fn every_module_embeds_its_metadata_yml_and_readme() {
    for policy in policies() {
        let embedded = embedded_in_dist(&policy);
        let oci_url = format!("{}/{}", xtask::OCI_REPOSITORY, policy.name);
        assert_eq!(
            embedded,
            policy.metadata.embedded(&policy.readme, &oci_url),
            "{}",
            policy.name
        );
        assert_eq!(embedded.protocol_version, "v1");
        assert_eq!(
            embedded.annotations["io.kubewarden.policy.usage"],
            policy.readme
        );
        assert_eq!(
            embedded.annotations["io.kubewarden.policy.version"],
            policy.version
        );
    }
}

fn load_manifest(path: &Path) -> ClusterAdmissionPolicy {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn deploy_manifests_match_the_modules() {
    let root = workspace_root();
    for policy in policies() {
        let module = embedded_in_dist(&policy);
        let main = load_manifest(&root.join(format!("deploy/policies/{}.yaml", policy.name)));
        assert_eq!(main.spec.rules, module.rules, "{}: rules", policy.name);
        assert_eq!(main.spec.module, format!("registry://{}", policy.image()));
        // A validating manifest stays among the validating webhooks; only
        // settings that mutate need (and get) `mutating: true`.
        assert_eq!(
            main.spec.mutating,
            deploy::settings_mutate(&policy.settings),
            "{}: mutating",
            policy.name
        );
        assert!(
            !main.spec.mutating || module.mutating,
            "{}: the manifest mutates but the module's metadata says mutating: false",
            policy.name
        );
        assert_eq!(main.spec.background_audit, module.background_audit);
        assert_eq!(
            main.spec.context_aware_resources,
            module.context_aware_resources
        );
        assert_eq!(
            main.spec.settings, policy.settings,
            "{}: settings",
            policy.name
        );
        assert_eq!(
            (main.spec.mode.as_str(), main.spec.failure_policy.as_str()),
            ("protect", "Fail")
        );
        let label = main.spec.namespace_selector["matchExpressions"][0]["key"].as_str();
        assert_eq!(label, Some(deploy::SESSION_LABEL), "{}", policy.name);
    }
}

#[test]
fn scoped_extra_policies_only_narrow_the_module_rules() {
    let root = workspace_root();
    for policy in policies() {
        let module = embedded_in_dist(&policy);
        for extra in deploy::manifests(&policy)
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .skip(1)
        {
            let manifest =
                load_manifest(&root.join(format!("deploy/policies/{}.yaml", extra.metadata.name)));
            for rule in &manifest.spec.rules {
                let covered = module.rules.iter().any(|m| {
                    m.api_groups == rule.api_groups
                        && m.api_versions == rule.api_versions
                        && rule.resources.iter().all(|r| m.resources.contains(r))
                        && rule.operations.iter().all(|o| m.operations.contains(o))
                });
                assert!(
                    covered,
                    "{}: rule {rule:?} is not in the module's metadata",
                    extra.metadata.name
                );
            }
        }
    }
}

#[test]
fn kustomization_installs_crds_and_every_policy() {
    let root = workspace_root();
    let text = std::fs::read_to_string(root.join("deploy/kustomization.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let kustomization: serde_yaml::Value =
        serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let resources: Vec<&str> = kustomization["resources"]
        .as_sequence()
        .map(|s| s.iter().filter_map(serde_yaml::Value::as_str).collect())
        .unwrap_or_default();
    for resource in &resources {
        assert!(
            root.join("deploy").join(resource).is_file(),
            "{resource} is listed but missing"
        );
    }
    for policy in policies() {
        assert!(
            resources.contains(&format!("policies/{}.yaml", policy.name).as_str()),
            "{}",
            policy.name
        );
    }
    assert!(resources.iter().filter(|r| r.starts_with("crds/")).count() >= 2);
}

#[test]
fn mutating_variants_are_the_same_policy_with_mutate_on() {
    let root = workspace_root();
    let mut variants = 0;
    for policy in policies() {
        let module = embedded_in_dist(&policy);
        for generated in deploy::manifests(&policy).unwrap_or_else(|e| panic!("{e}")) {
            let name = &generated.metadata.name;
            if deploy::in_kustomization(&policy, &generated) {
                continue;
            }
            variants += 1;
            let manifest = load_manifest(&root.join(format!("deploy/policies/{name}.yaml")));
            assert_eq!(
                name,
                &format!("{}{}", policy.name, deploy::MUTATING_VARIANT)
            );
            assert!(manifest.spec.mutating && module.mutating, "{name}");
            assert_eq!(manifest.spec.rules, module.rules, "{name}: rules");
            assert_eq!(
                manifest.spec.module,
                format!("registry://{}", policy.image())
            );
            let mut expected = policy.settings.clone();
            expected["mutate"] = true.into();
            assert_eq!(manifest.spec.settings, expected, "{name}: settings");
            assert_eq!(policy.settings["mutate"], serde_yaml::Value::Bool(false));
        }
    }
    assert_eq!(variants, 1, "restricted-security-context-mutating");
}

//! The policy contract, checked for every policy directory: its
//! `metadata.yml` rules are exactly its routing table (a rule without a
//! route is a guaranteed rejection in-cluster, a route without a rule is
//! dead code), it is in the generated registry, and it keeps every input the
//! harness discovers from its directory.

use std::collections::BTreeSet;

use e2e::inputs::{Bench, Limit};

type Row = (String, String, String, String);

/// Every (group, version, resource, operation) `metadata.yml` registers.
fn metadata_rows(policy: &str) -> Result<BTreeSet<Row>, String> {
    let metadata = e2e::policy_metadata(policy)?;
    let mut rows = BTreeSet::new();
    for rule in &metadata.rules {
        for group in &rule.api_groups {
            for version in &rule.api_versions {
                for resource in &rule.resources {
                    for operation in &rule.operations {
                        for wildcard in [group, version, resource, operation] {
                            if wildcard.contains('*') {
                                return Err(format!(
                                    "{policy}: metadata.yml rule uses the wildcard {wildcard:?}; name what the policy handles"
                                ));
                            }
                        }
                        rows.insert((
                            group.clone(),
                            version.clone(),
                            resource.clone(),
                            operation.clone(),
                        ));
                    }
                }
            }
        }
    }
    Ok(rows)
}

fn native(policy: &str) -> Option<&'static shared::policy::Native> {
    e2e::registry::POLICIES.iter().find(|n| n.name == policy)
}

#[test]
fn the_registry_lists_every_policy_directory() {
    let dirs = e2e::policy_names().unwrap_or_else(|e| panic!("{e}"));
    let registered: Vec<&str> = e2e::registry::POLICIES.iter().map(|n| n.name).collect();
    assert_eq!(
        registered, dirs,
        "e2e/src/registry.rs is stale; run `just package`"
    );
}

#[test]
fn metadata_rules_equal_the_routing_table_both_ways() {
    let mut problems = Vec::new();
    for policy in e2e::policy_names().unwrap_or_else(|e| panic!("{e}")) {
        let Some(native) = native(&policy) else {
            problems.push(format!("{policy}: not in the registry; run `just package`"));
            continue;
        };
        let from_metadata = match metadata_rows(&policy) {
            Ok(rows) => rows,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        let from_table: BTreeSet<Row> = (native.rule_rows)()
            .into_iter()
            .map(|r| {
                (
                    r.api_group.to_string(),
                    r.api_version.to_string(),
                    r.resource,
                    r.operation.to_string(),
                )
            })
            .collect();
        for row in from_metadata.difference(&from_table) {
            problems.push(format!(
                "{policy}: metadata.yml registers {row:?}, which no route handles (every such request would be rejected)"
            ));
        }
        for row in from_table.difference(&from_metadata) {
            problems.push(format!(
                "{policy}: the routing table handles {row:?}, which metadata.yml never sends"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_policy_keeps_its_inputs_in_its_directory() {
    let mut problems = Vec::new();
    for policy in e2e::policy_names().unwrap_or_else(|e| panic!("{e}")) {
        let dir = e2e::policy_dir(&policy);
        for file in ["README.md", "questions-ui.yml", "settings.yaml"] {
            if !dir.join(file).is_file() {
                problems.push(format!("{policy}: no {file}"));
            }
        }
        let suites = dir.join("suites");
        let has_suite = std::fs::read_dir(&suites).is_ok_and(|entries| {
            entries
                .filter_map(Result::ok)
                .any(|e| e.path().extension().is_some_and(|x| x == "yaml"))
        });
        if !has_suite {
            problems.push(format!(
                "{policy}: no suites/*.yaml (the e2e suites and fuzz seeds)"
            ));
        }
        if let Err(e) = e2e::policy_settings(&policy) {
            problems.push(e);
        }
        match Bench::load(&policy) {
            Ok(bench) => {
                for path in bench.files() {
                    if let Err(e) = e2e::read_document(path) {
                        problems.push(format!("{policy}: bench.yml: {e}"));
                    }
                }
            }
            Err(e) => problems.push(e),
        }
        match Limit::load_all(&policy) {
            Ok(limits) if limits.is_empty() => {
                problems.push(format!("{policy}: limits.yml lists nothing"))
            }
            Ok(limits) => {
                // The grown requests need a big stack; limits.rs builds them.
                for limit in limits {
                    if let Err(e) = e2e::read_document(&limit.manifest) {
                        problems.push(format!("{policy}: limits.yml: {e}"));
                    }
                }
            }
            Err(e) => problems.push(e),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

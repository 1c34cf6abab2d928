//! The files beside the crate agree with it: `metadata.yml`'s rules are the
//! routing table both ways, and every settings default the UI or the
//! example settings feed back passes `validate_settings`.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};

fn read(file: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(|v| {
            v.as_str()
                .unwrap_or_else(|| panic!("not a string: {v}"))
                .to_string()
        })
        .collect()
}

#[test]
fn metadata_rules_are_the_routing_table() {
    let metadata = read("metadata.yml");
    let mut from_metadata = BTreeSet::new();
    for rule in metadata["rules"]
        .as_array()
        .unwrap_or_else(|| panic!("no rules"))
    {
        for group in strings(&rule["apiGroups"]) {
            for version in strings(&rule["apiVersions"]) {
                for resource in strings(&rule["resources"]) {
                    for operation in strings(&rule["operations"]) {
                        from_metadata.insert((
                            group.clone(),
                            version.clone(),
                            resource.clone(),
                            operation,
                        ));
                    }
                }
            }
        }
    }
    let from_table: BTreeSet<_> = (rbac_least_privilege::NATIVE.rule_rows)()
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
    assert_eq!(from_metadata, from_table);
    assert_eq!(from_table.len(), 8, "four kinds, CREATE and UPDATE");
    assert_eq!(
        metadata["annotations"]["io.kubewarden.policy.title"],
        "rbac-least-privilege"
    );
    assert_eq!(metadata["contextAwareResources"], json!([]));
}

#[test]
fn the_ui_defaults_are_the_settings_defaults_and_valid() {
    let questions = read("questions-ui.yml");
    let mut settings = serde_json::Map::new();
    for q in questions["questions"]
        .as_array()
        .unwrap_or_else(|| panic!("no questions"))
    {
        let variable = q["variable"]
            .as_str()
            .unwrap_or_else(|| panic!("no variable: {q}"));
        if q["type"] == "array[" {
            strings(&q["default"]);
        }
        settings.insert(variable.to_string(), q["default"].clone());
    }
    let settings = Value::Object(settings);
    assert_eq!(common::settings_verdict(&settings), Ok(()));
    let defaults = serde_json::to_value(default_settings()).unwrap_or_default();
    assert_eq!(
        settings, defaults,
        "questions-ui.yml defaults differ from Settings::default()"
    );
}

/// `Settings::default()` as the JSON the UI would send.
fn default_settings() -> Value {
    let s = rbac_least_privilege::settings::Settings::default();
    json!({
        "exemptRoles": s.exempt_roles,
        "deniedVerbs": s.denied_verbs,
        "sensitiveGrants": s.sensitive_grants,
        "impersonatorRoles": s.impersonator_roles,
        "aggregationController": s.aggregation_controller,
        "protectedRoles": s.protected_roles,
        "allowedBindingSubjects": s.allowed_binding_subjects,
    })
}

#[test]
fn the_example_settings_are_valid() {
    assert_eq!(common::settings_verdict(&read("settings.yaml")), Ok(()));
}

#[test]
fn the_example_settings_accept_the_seed_operator_role() {
    let (accepted, message) = common::judge(
        &common::fixture("clusterrole-vdi-operator.yaml"),
        "CREATE",
        "kubernetes-admin",
        &read("settings.yaml"),
    );
    assert!(accepted, "{message}");
}

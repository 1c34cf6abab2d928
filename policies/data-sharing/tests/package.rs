//! The files beside the crate agree with it: `metadata.yml`'s rules are the
//! routing table (both ways), `settings.yaml` and the UI defaults load, and
//! the bench requests are accepted with `settings.yaml`.

mod common;

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;
use shared::request::Operation;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    rules: Vec<Rule>,
    context_aware_resources: Vec<Value>,
    mutating: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Rule {
    api_groups: Vec<String>,
    api_versions: Vec<String>,
    resources: Vec<String>,
    operations: Vec<Operation>,
}

#[test]
fn metadata_rules_are_the_routing_table() {
    let metadata: Metadata = serde_json::from_value(yaml(&dir().join("metadata.yml"))).unwrap();
    let mut declared: Vec<(String, String, String, Operation)> = Vec::new();
    for rule in &metadata.rules {
        for g in &rule.api_groups {
            for v in &rule.api_versions {
                for r in &rule.resources {
                    for o in &rule.operations {
                        declared.push((g.clone(), v.clone(), r.clone(), *o));
                    }
                }
            }
        }
    }
    declared.sort();
    let table: Vec<(String, String, String, Operation)> = (data_sharing::NATIVE.rule_rows)()
        .into_iter()
        .map(|r| {
            (
                r.api_group.into(),
                r.api_version.into(),
                r.resource,
                r.operation,
            )
        })
        .collect();
    assert_eq!(declared, table);
    assert!(
        metadata.context_aware_resources.is_empty(),
        "the policy looks nothing up"
    );
    assert!(!metadata.mutating);
}

fn settings_verdict(settings: &Value) -> (bool, String) {
    let raw = (data_sharing::NATIVE.validate_settings)(settings.to_string().as_bytes()).unwrap();
    let answer: Value = serde_json::from_slice(&raw).unwrap();
    (
        answer["valid"].as_bool().unwrap_or(false),
        answer["message"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn the_example_settings_load_and_match_the_tests() {
    let settings = yaml(&dir().join("settings.yaml"));
    assert_eq!(settings_verdict(&settings), (true, String::new()));
    assert_eq!(settings, common::settings());
}

/// Feeds every question's default back as settings, the way the UI does
/// (dotted variables become nested keys).
#[test]
fn the_ui_defaults_load() {
    let questions = yaml(&dir().join("questions-ui.yml"));
    let mut settings = serde_json::json!({});
    let list = questions["questions"].as_array().expect("questions");
    assert_eq!(list.len(), 4);
    for q in list {
        let variable = q["variable"].as_str().expect("variable");
        let mut at = &mut settings;
        let mut parts = variable.split('.').peekable();
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                at[part] = q["default"].clone();
            } else {
                at = &mut at[part];
            }
        }
        if q["type"] == "array[" {
            assert!(
                q["default"]
                    .as_array()
                    .is_some_and(|d| d.iter().all(Value::is_string)),
                "{variable}"
            );
        }
    }
    assert_eq!(settings_verdict(&settings), (true, String::new()));
    let defaults = settings_verdict(&serde_json::json!({}));
    assert!(defaults.0);
}

#[test]
fn the_bench_requests_are_accepted_full_checks() {
    let bench = yaml(&dir().join("bench.yml"));
    assert_eq!(bench["family"], "VDITemplate");
    let settings = yaml(&dir().join("settings.yaml"));
    for size in ["small", "large"] {
        let path = dir().join(bench[size].as_str().expect("path"));
        let request: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let bytes = std::fs::metadata(&path).unwrap().len();
        let payload = serde_json::json!({"request": request, "settings": settings});
        let (accepted, message) = common::answer(payload.to_string().as_bytes());
        assert!(accepted, "{}: {message}", path.display());
        match size {
            "small" => assert!((3_500..=5_500).contains(&bytes), "{bytes}"),
            _ => assert!((100_000..=112_000).contains(&bytes), "{bytes}"),
        }
    }
}

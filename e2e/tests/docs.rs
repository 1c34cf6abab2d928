//! The settings users are shown load: every settings snippet of a policy's
//! README, the settings of every policy object in the docs, `deploy/` and
//! `examples/` that runs a vdi-guard module, and what the Kubewarden UI
//! sends when every question of `questions-ui.yml` keeps its default — each
//! through the policy's own `validate_settings` (the native entry point of
//! `e2e::registry::POLICIES`, the code the module runs). Suite examples in
//! the docs parse as suites. The objects themselves are schema-checked by
//! `xtask/tests/docs_yaml.rs`.

use serde::Deserialize;
use serde_json::{Map, Value};
use xtask::docs::{Label, collect};

fn native(policy: &str) -> Result<&'static shared::policy::Native, String> {
    e2e::registry::POLICIES
        .iter()
        .find(|n| n.name == policy)
        .ok_or_else(|| format!("{policy} is not in e2e/src/registry.rs; run `just package`"))
}

/// `validate_settings` as policy-server calls it at load.
fn settings_verdict(policy: &str, settings: &Value) -> Result<(), String> {
    let native = native(policy)?;
    let raw = (native.validate_settings)(settings.to_string().as_bytes())
        .map_err(|e| format!("validate_settings failed instead of answering: {e}"))?;
    let answer: Value = serde_json::from_slice(&raw).map_err(|e| e.to_string())?;
    if answer.get("valid").and_then(Value::as_bool) == Some(true) {
        Ok(())
    } else {
        Err(format!(
            "{policy} refuses these settings: {}",
            answer.get("message").and_then(Value::as_str).unwrap_or("?")
        ))
    }
}

#[test]
fn settings_shown_in_the_docs_and_manifests_load() {
    let root = e2e::workspace_root();
    let policies = xtask::policy::Policy::load_all(&root).unwrap_or_else(|e| panic!("{e}"));
    let (snippets, errors) = collect(&root);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let mut problems = Vec::new();
    let mut checked = 0;
    for snippet in &snippets {
        for (index, doc) in snippet.documents.iter().enumerate() {
            let at = if snippet.documents.len() > 1 {
                format!("{} (document {})", snippet.origin, index + 1)
            } else {
                snippet.origin.clone()
            };
            match &snippet.label {
                Label::Settings(policy) => {
                    checked += 1;
                    if let Err(e) = settings_verdict(policy, doc) {
                        problems.push(format!("{at}: {e}"));
                    }
                }
                Label::Objects => {
                    let (runs, _) = xtask::kubewarden::vdi_guard_checks(doc, &policies);
                    for (policy, pointer) in runs {
                        checked += 1;
                        let settings = doc
                            .pointer(&pointer)
                            .filter(|v| !v.is_null())
                            .cloned()
                            .unwrap_or_else(|| Value::Object(Map::new()));
                        if let Err(e) = settings_verdict(&policy, &settings) {
                            problems.push(format!("{at}: {pointer}: {e}"));
                        }
                    }
                }
                Label::Suite => {
                    checked += 1;
                    if let Err(e) = serde_json::from_value::<e2e::suite::SuiteFile>(doc.clone()) {
                        problems.push(format!("{at}: not a suite file: {e}"));
                    }
                }
                _ => {}
            }
        }
    }
    assert!(
        checked > 20,
        "only {checked} settings found; is the scan broken?"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// One question of the Rancher questions format as the Kubewarden UI reads it.
#[derive(Deserialize, Debug)]
struct Question {
    variable: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    default: Option<serde_yaml::Value>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    options: Vec<serde_yaml::Value>,
    #[serde(default)]
    subquestions: Vec<Question>,
}

#[derive(Deserialize, Debug)]
struct Questions {
    questions: Vec<Question>,
}

/// Sets `a.b.c` in `settings`, as the UI does for a dotted variable.
fn set_path(settings: &mut Map<String, Value>, path: &str, value: Value) -> Result<(), String> {
    let mut parts = path.split('.').peekable();
    let mut at = settings;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            at.insert(part.to_owned(), value);
            return Ok(());
        }
        let next = at
            .entry(part.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        at = next
            .as_object_mut()
            .ok_or_else(|| format!("{path}: {part} is set as a value and as a map"))?;
    }
    Ok(())
}

/// What the UI sends for a question left at its default, or why the
/// default cannot be what the question type edits.
fn ui_value(question: &Question) -> Result<Option<Value>, String> {
    let Some(default) = &question.default else {
        return if question.required {
            Err("required but has no default".into())
        } else {
            Ok(None)
        };
    };
    let value: Value = serde_json::to_value(default).map_err(|e| e.to_string())?;
    let kind = question.kind.as_str();
    let ok = match kind {
        "string" | "multiline" | "password" | "hostname" => value.is_string(),
        "int" => value.is_i64() || value.is_u64(),
        "float" => value.is_number(),
        "boolean" => value.is_boolean(),
        "enum" => {
            let options: Vec<Value> = question
                .options
                .iter()
                .filter_map(|o| serde_json::to_value(o).ok())
                .collect();
            options.contains(&value)
        }
        _ if kind.starts_with("array[") => value
            .as_array()
            .is_some_and(|items| items.iter().all(Value::is_string)),
        _ if kind.starts_with("map[") => value
            .as_object()
            .is_some_and(|m| m.values().all(Value::is_string)),
        _ => true,
    };
    if !ok {
        return Err(format!(
            "default {value} is not what a `{kind}` question edits (`array[` items and `map[` values are strings in the UI)"
        ));
    }
    if question.required && value.as_array().is_some_and(Vec::is_empty) {
        return Err("required, so its default must not be empty".into());
    }
    Ok(Some(value))
}

fn fill(questions: &[Question], settings: &mut Map<String, Value>, problems: &mut Vec<String>) {
    for question in questions {
        match ui_value(question) {
            Ok(Some(value)) => {
                if let Err(e) = set_path(settings, &question.variable, value) {
                    problems.push(e);
                }
            }
            Ok(None) => {}
            Err(e) => problems.push(format!("{}: {e}", question.variable)),
        }
        fill(&question.subquestions, settings, problems);
    }
}

#[test]
fn questions_ui_defaults_are_settings_the_policy_loads() {
    let mut problems = Vec::new();
    for policy in e2e::policy_names().unwrap_or_else(|e| panic!("{e}")) {
        let path = e2e::policy_dir(&policy).join("questions-ui.yml");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        let questions: Questions = match serde_yaml::from_str(&text) {
            Ok(q) => q,
            Err(e) => {
                problems.push(format!("{policy}/questions-ui.yml: {e}"));
                continue;
            }
        };
        let mut settings = Map::new();
        let mut own = Vec::new();
        fill(&questions.questions, &mut settings, &mut own);
        problems.extend(
            own.into_iter()
                .map(|e| format!("{policy}/questions-ui.yml: {e}")),
        );
        if let Err(e) = settings_verdict(&policy, &Value::Object(settings.clone())) {
            problems.push(format!(
                "{policy}/questions-ui.yml: the UI's defaults {}: {e}",
                Value::Object(settings)
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_questions_check_refuses_what_the_ui_cannot_send() {
    let question = |kind: &str, default: &str, required: bool| Question {
        variable: "x".into(),
        kind: kind.into(),
        default: Some(serde_yaml::from_str(default).unwrap_or(serde_yaml::Value::Null)),
        required,
        options: Vec::new(),
        subquestions: Vec::new(),
    };
    assert!(ui_value(&question("array[", "[80, 443]", false)).is_err());
    assert!(ui_value(&question("array[", "[\"80\"]", false)).is_ok());
    assert!(ui_value(&question("array[", "[]", true)).is_err());
    assert!(ui_value(&question("int", "\"8\"", false)).is_err());
    assert!(ui_value(&question("boolean", "false", false)).is_ok());
    let mut settings = Map::new();
    set_path(&mut settings, "registries.allow", Value::from(vec!["a"])).unwrap();
    set_path(&mut settings, "registries.reject", Value::from(vec!["b"])).unwrap();
    assert_eq!(
        Value::Object(settings),
        serde_json::json!({"registries": {"allow": ["a"], "reject": ["b"]}})
    );
}

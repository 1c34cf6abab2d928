//! The e2e suites (`suites/*.yaml`) run natively through the real entry
//! point, for two things the Wasm run cannot say: that no message of any
//! case repeats a credential, and quick feedback without building the module.
//!
//! Every credential value in the fixtures contains `CANARY`; no rejection
//! message may contain it, nor any six characters of what follows it. The
//! request is built the way the API server would send the manifest; the e2e
//! harness (`cargo test -p e2e --test suites -- session-credentials`) runs the
//! same cases on the built module.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

fn suites_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("suites")
}

fn read(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn resolve(dir: &Path, source: &Value) -> Value {
    match source {
        Value::String(path) => read(&dir.join(path)),
        other => other.clone(),
    }
}

fn plural(kind: &str) -> String {
    format!("{}s", kind.to_ascii_lowercase())
}

fn request(dir: &Path, case: &Value) -> Value {
    if let Some(request) = case.get("request") {
        return resolve(dir, request);
    }
    let object = match (case.get("manifest"), case.get("object")) {
        (Some(path), _) => resolve(dir, path),
        (_, Some(object)) => object.clone(),
        _ => panic!("case without manifest, object or request: {case}"),
    };
    let old = match (case.get("oldManifest"), case.get("oldObject")) {
        (Some(path), _) => Some(resolve(dir, path)),
        (_, Some(object)) => Some(object.clone()),
        _ => None,
    };
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let kind = object["kind"].as_str().unwrap_or_default();
    let operation = case["operation"].as_str().unwrap_or("CREATE");
    let mut request = json!({
        "uid": "00000000-0000-0000-0000-000000000001",
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": plural(kind)},
        "name": object["metadata"]["name"],
        "namespace": object["metadata"]["namespace"],
        "operation": operation,
        "userInfo": {
            "username": case["user"].as_str().unwrap_or("kubernetes-admin"),
            "groups": case.get("groups").cloned().unwrap_or(json!(["system:authenticated"])),
        },
        "object": object,
        "oldObject": old,
    });
    if let Some(sub) = case.get("subResource") {
        request["subResource"] = sub.clone();
    }
    request
}

fn fragments(case: &Value) -> Vec<String> {
    match case.get("message") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// Every string of `value` that holds a canary.
fn canaries(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) if s.contains("CANARY") => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| canaries(v, out)),
        Value::Object(map) => map.values().for_each(|v| canaries(v, out)),
        _ => {}
    }
}

/// Fails when `message` repeats any part of a canary value.
fn assert_never_echoed(name: &str, message: &str, request: &Value) {
    assert!(
        !message.contains("CANARY"),
        "{name}: message echoes a canary: {message}"
    );
    let mut found = Vec::new();
    canaries(request, &mut found);
    for canary in found {
        // The annotation text of a last-applied copy holds its canary inside
        // JSON; what follows CANARY up to a quote is the secret part.
        for (at, _) in canary.match_indices("CANARY") {
            let tail: String = canary[at + 6..]
                .chars()
                .take_while(|c| *c != '"' && *c != '\n')
                .collect();
            let chars: Vec<char> = tail.chars().collect();
            for window in chars.windows(6) {
                let piece: String = window.iter().collect();
                assert!(
                    !message.contains(&piece),
                    "{name}: message repeats {piece:?}: {message}"
                );
            }
        }
    }
}

fn validate(request: &Value, settings: &Value) -> (bool, String) {
    let payload = serde_json::to_vec(&json!({"request": request, "settings": settings})).unwrap();
    let raw = (session_credentials::NATIVE.validate)(&payload, &shared::policy::NoCluster).unwrap();
    let response: Value = serde_json::from_slice(&raw).unwrap();
    (
        response["accepted"].as_bool().unwrap(),
        response["message"].as_str().unwrap_or_default().to_string(),
    )
}

fn validate_settings(settings: &Value) -> (bool, String) {
    let raw =
        (session_credentials::NATIVE.validate_settings)(settings.to_string().as_bytes()).unwrap();
    let response: Value = serde_json::from_slice(&raw).unwrap();
    (
        response["valid"].as_bool().unwrap(),
        response["message"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn every_suite_case_gets_its_verdict_and_no_message_echoes_a_credential() {
    let dir = suites_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut counts = (0usize, 0usize, 0usize);
    for file in files {
        let suite = read(&file);
        let stem = file.file_stem().unwrap().to_string_lossy().to_string();
        let suite_settings = suite.get("settings").cloned().unwrap_or(json!({}));
        for case in suite["cases"].as_array().into_iter().flatten() {
            let name = format!("{stem}::{}", case["name"].as_str().unwrap_or("?"));
            let settings = case
                .get("settings")
                .cloned()
                .unwrap_or(suite_settings.clone());
            let (valid, why) = validate_settings(&settings);
            assert!(valid, "{name}: settings refused: {why}");
            let request = request(&dir, case);
            let (accepted, message) = validate(&request, &settings);
            assert_never_echoed(&name, &message, &request);
            if std::env::var_os("SHOW_MESSAGES").is_some() {
                println!("{name}: {message}");
            }
            let expect_accept = case["expect"] == "accept";
            if expect_accept {
                counts.0 += 1;
            } else {
                counts.1 += 1;
            }
            match (expect_accept, accepted) {
                (true, true) => {}
                (false, false) => {
                    let missing: Vec<String> = fragments(case)
                        .into_iter()
                        .filter(|f| !message.contains(f.as_str()))
                        .collect();
                    if !missing.is_empty() {
                        failures.push(format!("{name}: {message:?} lacks {missing:?}"));
                    }
                }
                (true, false) => failures.push(format!("{name}: expected accept, got {message:?}")),
                (false, true) => failures.push(format!("{name}: expected reject, got accept")),
            }
        }
        for case in suite["settings_cases"].as_array().into_iter().flatten() {
            counts.2 += 1;
            let name = format!("{stem}::settings::{}", case["name"].as_str().unwrap_or("?"));
            let (valid, message) = validate_settings(&case["settings"]);
            if Some(valid) != case["valid"].as_bool() {
                failures.push(format!("{name}: valid={valid} ({message})"));
            }
            let missing: Vec<String> = fragments(case)
                .into_iter()
                .filter(|f| !message.contains(f.as_str()))
                .collect();
            if !valid && !missing.is_empty() {
                failures.push(format!("{name}: {message:?} lacks {missing:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(counts.0 >= 30 && counts.1 >= 60, "suite shrank: {counts:?}");
    println!(
        "accept {}, reject {}, settings {}",
        counts.0, counts.1, counts.2
    );
}

#[test]
fn the_example_settings_and_the_ui_defaults_are_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let settings = read(&root.join("settings.yaml"));
    assert_eq!(validate_settings(&settings), (true, String::new()));
    let questions = read(&root.join("questions-ui.yml"));
    let mut defaults = serde_json::Map::new();
    for q in questions["questions"].as_array().unwrap() {
        defaults.insert(
            q["variable"].as_str().unwrap().to_string(),
            q["default"].clone(),
        );
    }
    let defaults = Value::Object(defaults);
    assert_eq!(
        validate_settings(&defaults),
        (true, String::new()),
        "{defaults}"
    );
    // The UI defaults are the built-in defaults.
    let built_in: session_credentials::settings::Settings =
        serde_json::from_value(defaults).unwrap();
    assert_eq!(built_in, session_credentials::settings::Settings::default());
}

#[test]
fn metadata_rules_equal_the_routes_table() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let metadata = read(&root.join("metadata.yml"));
    let mut declared = Vec::new();
    for rule in metadata["rules"].as_array().unwrap() {
        for group in rule["apiGroups"].as_array().unwrap() {
            for version in rule["apiVersions"].as_array().unwrap() {
                for resource in rule["resources"].as_array().unwrap() {
                    for operation in rule["operations"].as_array().unwrap() {
                        declared.push(
                            format!("{group} {version} {resource} {operation}").replace('"', ""),
                        );
                    }
                }
            }
        }
    }
    declared.sort();
    let mut table: Vec<String> = (session_credentials::NATIVE.rule_rows)()
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {}",
                r.api_group, r.api_version, r.resource, r.operation
            )
        })
        .collect();
    table.sort();
    assert_eq!(declared, table);
    assert_eq!(metadata["contextAwareResources"], json!([]));
}

/// `limits.yml` grown like e2e/tests/limits.rs does, run natively: each input
/// gets its verdict, and no message repeats a canary. Deep inputs recurse in
/// serde_json's serializer and in `Value`'s drop on the test's side, so the
/// check runs on a thread with room.
#[test]
fn the_limits_inputs_get_their_verdicts_natively() {
    std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(check_limits)
        .unwrap()
        .join()
        .unwrap();
}

fn check_limits() {
    fn at<'v>(value: &'v mut Value, path: &str) -> &'v mut Value {
        path.split('.').fold(value, |v, segment| match v {
            Value::Array(items) => &mut items[segment.parse::<usize>().unwrap()],
            Value::Object(map) => map.entry(segment.to_string()).or_insert(Value::Null),
            other => panic!("{path}: {other} at {segment}"),
        })
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let settings = read(&root.join("settings.yaml"));
    let limits = read(&root.join("limits.yml"));
    for limit in limits.as_array().unwrap() {
        let begin = std::time::Instant::now();
        let label = limit["label"].as_str().unwrap();
        let seed = read(&root.join(limit["manifest"].as_str().unwrap()));
        let mut grown = seed.clone();
        let grow = &limit["grow"];
        if let Some(repeat) = grow.get("repeat") {
            let list = at(&mut grown, repeat["path"].as_str().unwrap())
                .as_array_mut()
                .unwrap();
            let count = repeat["count"].as_u64().unwrap() as usize;
            let mut copies = vec![list[0].clone(); count - list.len()];
            copies.append(list);
            *list = copies;
        } else if let Some(inflate) = grow.get("inflate") {
            let value = at(&mut grown, inflate["path"].as_str().unwrap());
            let text = value.as_str().unwrap().to_string();
            let pad = text.chars().last().unwrap_or('a');
            let missing = inflate["bytes"].as_u64().unwrap() as usize - text.len();
            *value = Value::String(format!(
                "{}{text}",
                pad.to_string().repeat(missing / pad.len_utf8())
            ));
        } else if let Some(nest) = grow.get("nest") {
            let mut nested = json!({});
            for _ in 0..nest["depth"].as_u64().unwrap() {
                // Moved, not cloned: `json!` would serialize `nested` again.
                let mut map = serde_json::Map::new();
                map.insert("x".into(), nested);
                nested = Value::Object(map);
            }
            *at(&mut grown, nest["path"].as_str().unwrap()) = nested;
        }
        let case = json!({
            "object": grown,
            "oldObject": if limit["operation"] == "UPDATE" { seed } else { Value::Null },
            "operation": limit.get("operation").cloned().unwrap_or(json!("CREATE")),
            "user": limit.get("user").cloned().unwrap_or(json!("oidc:alice")),
        });
        let mut request = request(&root.join("suites"), &case);
        if request["oldObject"].is_null() {
            request.as_object_mut().unwrap().remove("oldObject");
        }
        let start = std::time::Instant::now();
        let (accepted, message) = validate(&request, &settings);
        println!(
            "{label}: accepted={accepted} in {:?} ({:?} with building), {} bytes of message",
            start.elapsed(),
            begin.elapsed(),
            message.len()
        );
        assert!(!message.contains("CANARY"), "{label}: {message}");
        assert!(message.len() < 20_000, "{label}: {} bytes", message.len());
        if limit["want"] == "reject" {
            assert!(!accepted, "{label}: accepted");
        }
        assert_eq!(accepted, message.is_empty(), "{label}");
    }
}

/// The bench requests are accepted with the example settings (so the bench
/// measures the whole check), and the examples get the verdicts their
/// comments promise.
#[test]
fn bench_requests_are_accepted_and_examples_get_their_verdicts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let settings = read(&root.join("settings.yaml"));
    let bench = read(&root.join("bench.yml"));
    for size in ["small", "large"] {
        let request: Value = serde_json::from_str(
            &std::fs::read_to_string(root.join(bench[size].as_str().unwrap())).unwrap(),
        )
        .unwrap();
        assert_eq!(request["kind"]["kind"], bench["family"]);
        assert_eq!(
            validate(&request, &settings),
            (true, String::new()),
            "{size}"
        );
    }
    for (file, accepted) in [
        ("session-pod-password-from-secret.yaml", true),
        ("session-pod-literal-password.yaml", false),
    ] {
        let request = request(&root.join("examples"), &json!({"manifest": file}));
        let (got, message) = validate(&request, &settings);
        assert_eq!(got, accepted, "{file}: {message}");
        assert!(!message.contains("Summer2026"), "{message}");
    }
}

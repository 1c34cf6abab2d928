//! `limits.yml` natively: each seed grown as e2e/tests/limits.rs grows it
//! (which runs the same inputs on the built module) gets the verdict the
//! file asks for. A failure here is a wrong `want:` or a missed finding.

mod common;

use std::path::Path;

use serde_json::{Value, json};

fn at<'v>(value: &'v mut Value, path: &str) -> &'v mut Value {
    path.split('.').fold(value, |v, segment| match v {
        Value::Array(items) => {
            let i: usize = segment
                .parse()
                .unwrap_or_else(|_| panic!("{path}: {segment}"));
            &mut items[i]
        }
        _ => {
            if v.is_null() {
                *v = json!({});
            }
            v.as_object_mut()
                .unwrap_or_else(|| panic!("{path}: not an object at {segment}"))
                .entry(segment)
                .or_insert(Value::Null)
        }
    })
}

fn grow(manifest: &mut Value, how: &Value) {
    if let Some(r) = how.get("repeat") {
        let list = at(manifest, r["path"].as_str().unwrap_or_default())
            .as_array_mut()
            .unwrap_or_else(|| panic!("not a list: {r}"));
        let count = r["count"].as_u64().unwrap_or_default() as usize;
        let mut grown = vec![list[0].clone(); count.saturating_sub(list.len())];
        grown.append(list);
        *list = grown;
    } else if let Some(i) = how.get("inflate") {
        let value = at(manifest, i["path"].as_str().unwrap_or_default());
        let text = value
            .as_str()
            .unwrap_or_else(|| panic!("not a string: {i}"))
            .to_string();
        let pad = text.chars().last().unwrap_or('a');
        let bytes = i["bytes"].as_u64().unwrap_or_default() as usize;
        let missing = bytes.saturating_sub(text.len()) / pad.len_utf8();
        *value = json!(format!("{}{text}", pad.to_string().repeat(missing)));
    } else if let Some(n) = how.get("nest") {
        // Built by hand: `json!` would serialize the inner value again at
        // every level.
        let mut nested = json!({});
        for _ in 0..n["depth"].as_u64().unwrap_or_default() {
            let mut map = serde_json::Map::new();
            map.insert("x".into(), nested);
            nested = Value::Object(map);
        }
        *at(manifest, n["path"].as_str().unwrap_or_default()) = nested;
    } else {
        panic!("unknown grow {how}");
    }
}

fn check_all() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(dir.join("limits.yml")).unwrap_or_else(|e| panic!("{e}"));
    let limits: Vec<Value> = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let settings: Value = serde_yaml::from_str(
        &std::fs::read_to_string(dir.join("settings.yaml")).unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(!limits.is_empty());
    let mut failures = Vec::new();
    for limit in &limits {
        let label = limit["label"].as_str().unwrap_or_default();
        let seed_file = dir.join(limit["manifest"].as_str().unwrap_or_default());
        let seed: Value = serde_yaml::from_str(
            &std::fs::read_to_string(&seed_file).unwrap_or_else(|e| panic!("{label}: {e}")),
        )
        .unwrap_or_else(|e| panic!("{label}: {e}"));
        let mut grown = seed.clone();
        grow(&mut grown, &limit["grow"]);
        let operation = limit["operation"].as_str().unwrap_or("CREATE");
        let mut request = common::request(&grown, operation, "oidc:alice");
        if operation == "UPDATE" {
            request["oldObject"] = seed;
        }
        let start = std::time::Instant::now();
        let (accepted, message) = common::answer(&common::payload(&request, &settings));
        eprintln!("{label}: accepted={accepted} in {:?}", start.elapsed());
        if limit["want"] == "reject" && accepted {
            failures.push(format!("{label}: accepted"));
        }
        if message.len() > 4096 {
            failures.push(format!("{label}: a {} byte message", message.len()));
        }
    }
    failures
}

#[test]
fn every_limit_gets_its_verdict() {
    let failures = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(check_all)
        .unwrap_or_else(|e| panic!("{e}"))
        .join()
        .unwrap_or_else(|_| panic!("the check panicked"));
    assert!(failures.is_empty(), "{failures:#?}");
}

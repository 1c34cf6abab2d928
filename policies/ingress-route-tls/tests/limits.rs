//! The inputs of `limits.yml`, grown the way e2e/tests/limits.rs grows
//! them (on a big stack: the seeds are built as JSON values), through the
//! native entry point: each gets the verdict it lists,
//! quickly (the e2e test runs the same inputs on the module).

mod common;

use std::time::{Duration, Instant};

use serde_json::{Map, Value};
use shared::policy::NoCluster;

fn at<'v>(value: &'v mut Value, path: &str) -> &'v mut Value {
    path.split('.').fold(value, |v, segment| match v {
        Value::Array(items) => {
            let i: usize = segment.parse().unwrap_or_else(|e| panic!("{path}: {e}"));
            items
                .get_mut(i)
                .unwrap_or_else(|| panic!("{path}: no element {i}"))
        }
        Value::Null => {
            *v = Value::Object(Map::new());
            match v {
                Value::Object(map) => map.entry(segment).or_insert(Value::Null),
                _ => unreachable!(),
            }
        }
        Value::Object(map) => map.entry(segment).or_insert(Value::Null),
        other => panic!("{path}: {other} at {segment}"),
    })
}

fn grow(manifest: &mut Value, how: &Value) {
    if let Some(repeat) = how.get("repeat") {
        let count = repeat["count"].as_u64().unwrap_or_default() as usize;
        let list = at(manifest, repeat["path"].as_str().unwrap_or_default());
        let items = list.as_array_mut().unwrap_or_else(|| panic!("not a list"));
        let first = items
            .first()
            .cloned()
            .unwrap_or_else(|| panic!("empty list"));
        let mut grown = vec![first; count.saturating_sub(items.len())];
        grown.append(items);
        *items = grown;
    } else if let Some(inflate) = how.get("inflate") {
        let bytes = inflate["bytes"].as_u64().unwrap_or_default() as usize;
        let value = at(manifest, inflate["path"].as_str().unwrap_or_default());
        let text = value
            .as_str()
            .unwrap_or_else(|| panic!("not a string"))
            .to_string();
        let pad = text.chars().last().unwrap_or('a');
        *value = Value::String(format!(
            "{}{text}",
            pad.to_string().repeat(bytes.saturating_sub(text.len()))
        ));
    } else if let Some(nest) = how.get("nest") {
        let depth = nest["depth"].as_u64().unwrap_or_default() as usize;
        let mut nested = Value::from(1);
        for _ in 0..depth {
            let mut map = Map::new();
            map.insert("a".into(), nested);
            nested = Value::Object(map);
        }
        *at(manifest, nest["path"].as_str().unwrap_or_default()) = nested;
    }
}

#[test]
fn every_limit_gets_its_verdict() {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(run)
        .unwrap_or_else(|e| panic!("{e}"))
        .join()
        .unwrap_or_else(|_| panic!("the limits run panicked"));
}

fn run() {
    let limits = common::read("limits.yml");
    let limits = limits
        .as_array()
        .unwrap_or_else(|| panic!("limits.yml is not a list"));
    assert!(limits.len() >= 8);
    for limit in limits {
        let label = limit["label"].as_str().unwrap_or_default();
        let mut manifest = common::read(limit["manifest"].as_str().unwrap_or_default());
        let seed = manifest.clone();
        grow(&mut manifest, &limit["grow"]);
        let operation = limit["operation"].as_str().unwrap_or("CREATE");
        let user = limit["user"].as_str().unwrap_or("oidc:alice");
        let request = common::request(&manifest, operation, user, Some(&seed));
        let payload =
            serde_json::json!({"request": request, "settings": common::settings()}).to_string();
        let started = Instant::now();
        let (accepted, message) = common::verdict_raw(payload.as_bytes(), &NoCluster);
        let took = started.elapsed();
        if limit["want"] == "reject" {
            assert!(!accepted, "{label}: accepted");
        }
        assert!(
            message.len() < 8192,
            "{label}: a {} byte message",
            message.len()
        );
        assert!(took < Duration::from_secs(5), "{label}: {took:?}");
    }
}

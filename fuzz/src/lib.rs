//! Shared pieces of the fuzz targets: seed admission requests built from each
//! policy's suite fixtures, a structure-aware JSON mutator driven by the fuzzer's bytes,
//! and the one property every policy must keep — whatever the payload, the
//! `validate` entry point answers with a well-formed ValidationResponse.

use std::sync::OnceLock;

use arbitrary::Unstructured;
use serde_json::{Map, Value, json};

/// A seed manifest, as the e2e suites keep it.
pub fn manifest(yaml: &str) -> Value {
    serde_yaml::from_str(yaml).unwrap_or(Value::Null)
}

/// Settings in the YAML form of a policy's `settings.yaml`.
pub fn settings(yaml: &str) -> Value {
    serde_yaml::from_str(yaml).unwrap_or_else(|_| json!({}))
}

/// Wraps a manifest into an AdmissionRequest the way the e2e harness does.
pub fn request(manifest: &Value, operation: &str, user: &str, old: Option<&Value>) -> Value {
    let api_version = manifest["apiVersion"].as_str().unwrap_or("v1");
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let kind = manifest["kind"].as_str().unwrap_or("Pod");
    let mut request = json!({
        "uid": "fuzz",
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": format!("{}s", kind.to_ascii_lowercase())},
        "name": manifest["metadata"]["name"],
        "namespace": manifest["metadata"]["namespace"],
        "operation": operation,
        "userInfo": {"username": user, "groups": ["system:authenticated"]},
    });
    if operation == "DELETE" {
        request["oldObject"] = manifest.clone();
    } else {
        request["object"] = manifest.clone();
        if let Some(old) = old {
            request["oldObject"] = old.clone();
        }
    }
    request
}

/// Strings that tend to matter to these policies.
const INTERESTING: &[&str] = &[
    "",
    " ",
    "0",
    "-1",
    "1",
    "2",
    "1.5",
    "1e3",
    "0.5",
    "100m",
    "1Gi",
    "8h",
    "99999999999999999999h",
    "ALL",
    "all",
    "NET_RAW",
    "CAP_SYS_ADMIN",
    "privileged",
    "Unconfined",
    "RuntimeDefault",
    "Localhost",
    "docker.io/library/nginx:latest",
    "DOCKER.IO/library/nginx",
    "registry.vdi.example.com:443/desktops/ubuntu:1",
    "registry.vdi.example.com.evil.net/x:1",
    "evil.example.net/x@sha256:0000000000000000000000000000000000000000000000000000000000000000",
    "0.0.0.0/0",
    "::/0",
    "169.254.169.254/32",
    "::ffff:169.254.169.254/128",
    "fd00:ec2::254/128",
    "world",
    "TCP",
    "UDP",
    "SCTP",
    "nvidia.com/gpu",
    "nvidia.com/mig-1g.5gb",
    "NVIDIA_VISIBLE_DEVICES",
    "alice",
    "bob",
    "oidc:alice",
    "oidc:bob",
    "vdi.kasm.io/user",
    "vdi.kasm.io/session-cleanup",
    "system:serviceaccount:vdi-system:vdi-operator",
    "CREATE",
    "UPDATE",
    "DELETE",
    "CONNECT",
    "ephemeralcontainers",
    "status",
    "exec",
    "\u{0}",
    "é",
];

/// The API server refuses request bodies over 3 MiB, so no policy is ever
/// sent more; repeated duplication would otherwise grow a seed geometrically
/// (64 copies a round, 8 rounds) and the fuzzer would measure its own
/// allocator instead of the policy.
pub const MAX_PAYLOAD: usize = 3 << 20;

/// About the length of `value` as JSON, counting no further than `limit`.
pub fn weight(value: &Value, limit: usize) -> usize {
    fn walk(value: &Value, total: &mut usize, limit: usize) {
        if *total > limit {
            return;
        }
        match value {
            Value::Null | Value::Bool(_) | Value::Number(_) => *total += 5,
            Value::String(s) => *total += s.len() + 2,
            Value::Array(items) => {
                *total += 2;
                for item in items {
                    *total += 1;
                    walk(item, total, limit);
                }
            }
            Value::Object(map) => {
                *total += 2;
                for (key, item) in map {
                    *total += key.len() + 4;
                    walk(item, total, limit);
                }
            }
        }
    }
    let mut total = 0;
    walk(value, &mut total, limit);
    total
}

fn interesting_value(
    u: &mut Unstructured<'_>,
    donor: &Value,
    room: usize,
) -> arbitrary::Result<Value> {
    let donated = weight(donor, room);
    Ok(match u.int_in_range(0u8..=12)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => json!(u.arbitrary::<i64>()?),
        3 => json!(u.arbitrary::<f64>()?),
        4 => json!(u.int_in_range(-2i64..=70000)?),
        5 => json!(u.arbitrary::<String>()?),
        6 => json!(u.choose(INTERESTING)?),
        7 => json!([]),
        8 => json!({}),
        9 => json!([u.choose(INTERESTING)?]),
        10 if donated <= room => donor.clone(),
        11 if donated * 2 <= room => json!([donor.clone(), donor.clone()]),
        10 | 11 => Value::Null,
        _ => json!(u.choose(INTERESTING)?.to_string() + &u.arbitrary::<String>()?),
    })
}

/// Walks to a random node and changes it: replaces it, deletes or adds a key,
/// duplicates or drops an array element, or retypes a leaf.
/// `room` is how much the value may still grow.
fn mutate_once(u: &mut Unstructured<'_>, root: &mut Value, room: usize) -> arbitrary::Result<()> {
    let donor = pick(u, root)?.clone();
    let path = path(u, root)?;
    let Some(node) = follow(root, &path) else {
        return Ok(());
    };
    match (u.int_in_range(0u8..=5)?, node) {
        (0, Value::Object(map)) if !map.is_empty() => {
            let i = u.choose_index(map.len())?;
            if let Some(key) = map.keys().nth(i).cloned() {
                map.remove(&key);
            }
        }
        (1, Value::Object(map)) => {
            let key = if u.arbitrary()? {
                u.choose(INTERESTING)?.to_string()
            } else {
                u.arbitrary::<String>()?
            };
            map.insert(key, interesting_value(u, &donor, room)?);
        }
        (2, Value::Array(items)) if !items.is_empty() => {
            let i = u.choose_index(items.len())?;
            if let Some(item) = items.get(i).cloned() {
                let fits = room / weight(&item, room).max(1);
                let copies = u.int_in_range(1usize..=64)?.min(fits);
                items.extend(std::iter::repeat_n(item, copies));
            }
        }
        (3, Value::Array(items)) if !items.is_empty() => {
            let i = u.choose_index(items.len())?;
            items.remove(i);
        }
        (4, Value::String(s)) => {
            let extra: String = u.arbitrary()?;
            match u.int_in_range(0u8..=3)? {
                0 => *s = s.to_uppercase(),
                1 => s.push_str(&extra),
                2 => s.insert_str(0, &extra),
                _ => *s = s.chars().rev().collect(),
            }
        }
        (_, node) => *node = interesting_value(u, &donor, room)?,
    }
    Ok(())
}

/// A random path from `node` down, stopping at random or at a leaf.
fn path(u: &mut Unstructured<'_>, mut node: &Value) -> arbitrary::Result<Vec<usize>> {
    let mut path = Vec::new();
    while u.ratio(7u8, 8u8)? {
        let next = match node {
            Value::Object(map) if !map.is_empty() => {
                let i = u.choose_index(map.len())?;
                map.values().nth(i).map(|child| (i, child))
            }
            Value::Array(items) if !items.is_empty() => {
                let i = u.choose_index(items.len())?;
                items.get(i).map(|child| (i, child))
            }
            _ => None,
        };
        match next {
            Some((i, child)) => {
                path.push(i);
                node = child;
            }
            None => break,
        }
    }
    Ok(path)
}

fn follow<'v>(mut node: &'v mut Value, path: &[usize]) -> Option<&'v mut Value> {
    for &i in path {
        node = match node {
            Value::Object(map) => map.values_mut().nth(i)?,
            Value::Array(items) => items.get_mut(i)?,
            _ => return None,
        };
    }
    Some(node)
}

/// A random node of `root`, used as material for other mutations.
fn pick<'v>(u: &mut Unstructured<'_>, root: &'v Value) -> arbitrary::Result<&'v Value> {
    let mut node = root;
    for _ in 0..u.int_in_range(0u8..=8)? {
        node = match node {
            Value::Object(map) if !map.is_empty() => {
                let i = u.choose_index(map.len())?;
                map.values().nth(i).unwrap_or(node)
            }
            Value::Array(items) if !items.is_empty() => {
                items.get(u.choose_index(items.len())?).unwrap_or(node)
            }
            _ => break,
        };
    }
    Ok(node)
}

/// Applies up to 8 mutations chosen by `data` to `seed`, growing it no
/// further than [`MAX_PAYLOAD`].
pub fn mutate(data: &[u8], seed: &Value) -> Value {
    let mut value = seed.clone();
    let mut u = Unstructured::new(data);
    let rounds = u.int_in_range(1u8..=8).unwrap_or(1);
    for _ in 0..rounds {
        let room = MAX_PAYLOAD.saturating_sub(weight(&value, MAX_PAYLOAD));
        if mutate_once(&mut u, &mut value, room).is_err() {
            break;
        }
    }
    value
}

/// The `validate` payload policy-server sends.
pub fn payload(request: &Value, settings: &Value) -> Value {
    let mut map = Map::new();
    map.insert("request".into(), request.clone());
    map.insert("settings".into(), settings.clone());
    Value::Object(map)
}

/// One fuzz input as a `validate` payload.
pub struct Payload {
    pub bytes: Vec<u8>,
    /// The payload as a JSON value, when it was built from one (mutations
    /// of a seed): raw bytes may repeat keys or spell numbers in ways a
    /// value does not keep, so only these can be respelled and compared.
    pub value: Option<Value>,
}

/// Splits the input: the first byte selects the mode (raw bytes as the whole
/// payload, or mutations of a seed request), the rest drives it.
pub enum Mode<'a> {
    Raw(&'a [u8]),
    Mutate { seed: usize, data: &'a [u8] },
}

pub fn mode(data: &[u8], seeds: usize) -> Mode<'_> {
    match data.split_first() {
        Some((b, rest)) if b % 4 == 0 => Mode::Raw(rest),
        Some((b, rest)) => Mode::Mutate {
            seed: usize::from(*b / 4) % seeds.max(1),
            data: rest,
        },
        None => Mode::Raw(data),
    }
}

pub mod registry;

/// The policy a `validate_<policy>` target drives, by the target's name. A
/// target without a policy is a build out of step with `just package`.
pub fn native(target: &str) -> &'static shared::policy::Native {
    let ident = target.strip_prefix("validate_").unwrap_or(target);
    registry::POLICIES
        .iter()
        .find(|n| n.name.replace('-', "_") == ident)
        .unwrap_or_else(|| panic!("{target}: no such policy; run `just package`"))
}

/// A policy's seed requests: every manifest under its `suites/`, wrapped as
/// a CREATE by an ordinary user.
fn seeds(policy: &str) -> Vec<Value> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../policies")
        .join(policy)
        .join("suites");
    let mut files = Vec::new();
    collect_yaml(&dir, &mut files);
    files.sort();
    files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .map(|text| manifest(&text))
        .filter(|m| m.get("apiVersion").is_some() && m.get("kind").is_some())
        .map(|m| request(&m, "CREATE", "oidc:alice", None))
        .collect()
}

fn collect_yaml(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            collect_yaml(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
}

/// The policy's example settings, `policies/<policy>/settings.yaml`.
fn example_settings(policy: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../policies")
        .join(policy)
        .join("settings.yaml");
    settings(&std::fs::read_to_string(path).unwrap_or_default())
}

/// The `validate` payload for one fuzz input: the input itself, or mutations
/// of one of the seed requests with the policy's example settings. Seeds and
/// settings are read once per process (each target is its own binary, so the
/// cache holds one policy's seeds): YAML parsing would dominate each run.
pub fn fuzz_payload(data: &[u8], policy: &str) -> Option<Payload> {
    static SEEDS: OnceLock<(Vec<Value>, Value)> = OnceLock::new();
    match mode(data, 64) {
        Mode::Raw(bytes) => Some(Payload {
            bytes: bytes.to_vec(),
            value: None,
        }),
        Mode::Mutate { seed, data } => {
            let (requests, example) =
                SEEDS.get_or_init(|| (seeds(policy), example_settings(policy)));
            let request = requests.get(seed % requests.len().max(1))?;
            let value = payload(&mutate(data, request), example);
            Some(Payload {
                bytes: value.to_string().into_bytes(),
                value: Some(value),
            })
        }
    }
}

/// The invariant: an answer, not an error, and a well-formed one. A rejection
/// carries a message telling the user what to change. Returns whether the
/// request was accepted.
pub fn check_answer(answer: Result<Vec<u8>, Box<dyn std::error::Error + Sync + Send>>) -> bool {
    let raw = match answer {
        Ok(raw) => raw,
        Err(e) => panic!("validate returned an error instead of a verdict: {e}"),
    };
    let response: Value = match serde_json::from_slice(&raw) {
        Ok(v) => v,
        Err(e) => panic!("malformed ValidationResponse: {e}"),
    };
    match response.get("accepted").and_then(Value::as_bool) {
        Some(true) => true,
        Some(false) => {
            let message = response
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("");
            assert!(
                !message.trim().is_empty(),
                "rejection without a message: {response}"
            );
            false
        }
        None => panic!("no `accepted` in {response}"),
    }
}

//! The inputs a policy keeps in its own directory for the bench and the
//! limits test, so a new policy is picked up without editing the harness:
//! `policies/<policy>/bench.yml` and `policies/<policy>/limits.yml`.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::wrap::{WrapOptions, wrap};

/// `bench.yml`: the two AdmissionRequests `just bench` measures the policy
/// on with `settings.yaml`, and variants measured with other settings.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct Bench {
    /// What the requests hold, for the tables (`Pod`, `NetworkPolicy`).
    pub family: String,
    /// About 4.5 KB; relative to `bench.yml`.
    pub small: PathBuf,
    /// About 110 KB; relative to `bench.yml`.
    pub large: PathBuf,
    /// Paths that only some settings take (a mutating mode), each measured
    /// on its own pair of requests.
    #[serde(default)]
    pub variants: Vec<Variant>,
}

/// One `variants` entry of `bench.yml`.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// Names the variant in the tables (`mutate`).
    pub label: String,
    /// Top-level settings that replace those of `settings.yaml`.
    pub settings: Map<String, Value>,
    /// Relative to `bench.yml`, like the policy's own pair.
    pub small: PathBuf,
    pub large: PathBuf,
    /// The answer both requests must get, so the variant measures the path
    /// it is named for.
    pub expect: Expect,
}

/// The answer a bench request must get.
#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    /// Admitted as sent.
    Accept,
    /// Admitted with a changed object.
    Mutate,
}

fn read_yaml<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

impl Bench {
    /// Reads `policies/<policy>/bench.yml`, paths made absolute.
    pub fn load(policy: &str) -> Result<Bench, String> {
        let dir = crate::policy_dir(policy);
        let mut bench: Bench = read_yaml(&dir.join("bench.yml"))?;
        bench.small = dir.join(&bench.small);
        bench.large = dir.join(&bench.large);
        for variant in &mut bench.variants {
            variant.small = dir.join(&variant.small);
            variant.large = dir.join(&variant.large);
        }
        Ok(bench)
    }

    /// Every request file the bench reads: the policy's pair, then each
    /// variant's.
    pub fn files(&self) -> Vec<&Path> {
        let mut files = vec![self.small.as_path(), self.large.as_path()];
        for variant in &self.variants {
            files.extend([variant.small.as_path(), variant.large.as_path()]);
        }
        files
    }
}

impl Variant {
    /// `base` (the policy's `settings.yaml`) with this variant's settings
    /// put over it, key by key.
    pub fn settings_over(&self, base: &Value) -> Result<Value, String> {
        let mut merged = match base {
            Value::Object(map) => map.clone(),
            Value::Null => Map::new(),
            other => return Err(format!("settings are not a map: {other}")),
        };
        for (key, value) in &self.settings {
            merged.insert(key.clone(), value.clone());
        }
        Ok(Value::Object(merged))
    }
}

/// What a limits input must get back.
#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Want {
    /// A rejection: the violation sits past the bulk and must be found.
    Reject,
    /// Any answer that is not a trap or a timeout.
    Verdict,
}

/// How a seed manifest is blown up.
#[derive(Debug, Clone)]
pub enum Grow {
    /// Puts copies of the first element of the list at `path` in front of
    /// it until the list has `count` elements, so a violation kept last in
    /// the seed sits behind the bulk.
    Repeat { path: String, count: usize },
    /// Pads the string at `path` to `bytes` bytes (repeating its last character).
    Inflate { path: String, bytes: usize },
    /// Sets `path` to objects nested `depth` deep.
    Nest { path: String, depth: usize },
}

/// `grow:` as written: exactly one of `repeat`, `inflate`, `nest`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GrowSpec {
    repeat: Option<PathCount>,
    inflate: Option<PathBytes>,
    nest: Option<PathDepth>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PathCount {
    path: String,
    count: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PathBytes {
    path: String,
    bytes: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PathDepth {
    path: String,
    depth: usize,
}

impl<'de> Deserialize<'de> for Grow {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spec = GrowSpec::deserialize(deserializer)?;
        match (spec.repeat, spec.inflate, spec.nest) {
            (Some(PathCount { path, count }), None, None) => Ok(Grow::Repeat { path, count }),
            (None, Some(PathBytes { path, bytes }), None) => Ok(Grow::Inflate { path, bytes }),
            (None, None, Some(PathDepth { path, depth })) => Ok(Grow::Nest { path, depth }),
            _ => Err(serde::de::Error::custom(
                "grow needs exactly one of repeat, inflate, nest",
            )),
        }
    }
}

/// One entry of `limits.yml`.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    pub label: String,
    /// The seed manifest, relative to `limits.yml`.
    pub manifest: PathBuf,
    #[serde(default = "create")]
    pub operation: String,
    #[serde(default = "alice")]
    pub user: String,
    pub grow: Grow,
    pub want: Want,
}

fn create() -> String {
    "CREATE".into()
}

fn alice() -> String {
    "oidc:alice".into()
}

impl Limit {
    /// Reads `policies/<policy>/limits.yml`.
    pub fn load_all(policy: &str) -> Result<Vec<Limit>, String> {
        let dir = crate::policy_dir(policy);
        let mut limits: Vec<Limit> = read_yaml(&dir.join("limits.yml"))?;
        for limit in &mut limits {
            limit.manifest = dir.join(&limit.manifest);
        }
        Ok(limits)
    }

    /// The AdmissionRequest: the seed grown, wrapped for the operation. An
    /// UPDATE's stored object is the seed before growing.
    pub fn request(&self) -> Result<Value, String> {
        let seed = crate::read_document(&self.manifest)?;
        let mut grown = seed.clone();
        grow(&mut grown, &self.grow).map_err(|e| format!("{}: {e}", self.label))?;
        let options = WrapOptions {
            operation: self.operation.clone(),
            user: self.user.clone(),
            old_object: (self.operation == "UPDATE").then_some(seed),
            ..WrapOptions::default()
        };
        wrap(&grown, &options)
    }
}

/// The value at a dotted path (`spec.containers.0.image`); numbers index
/// lists, and missing object members are created.
fn at<'v>(value: &'v mut Value, path: &str) -> Result<&'v mut Value, String> {
    path.split('.').try_fold(value, |v, segment| match v {
        Value::Array(items) => segment
            .parse::<usize>()
            .ok()
            .and_then(|i| items.get_mut(i))
            .ok_or_else(|| format!("{path}: no element {segment}")),
        Value::Object(map) => Ok(map.entry(segment.to_string()).or_insert(Value::Null)),
        Value::Null => {
            *v = Value::Object(Map::new());
            match v {
                Value::Object(map) => Ok(map.entry(segment.to_string()).or_insert(Value::Null)),
                _ => Err(format!("{path}: not an object at {segment}")),
            }
        }
        _ => Err(format!("{path}: not an object or list at {segment}")),
    })
}

pub fn grow(manifest: &mut Value, how: &Grow) -> Result<(), String> {
    match how {
        Grow::Repeat { path, count } => {
            let list = at(manifest, path)?
                .as_array_mut()
                .ok_or_else(|| format!("{path} is not a list"))?;
            let first = list
                .first()
                .cloned()
                .ok_or_else(|| format!("{path} is empty"))?;
            let mut grown = vec![first; count.saturating_sub(list.len())];
            grown.append(list);
            *list = grown;
        }
        Grow::Inflate { path, bytes } => {
            let value = at(manifest, path)?;
            let text = value
                .as_str()
                .ok_or_else(|| format!("{path} is not a string"))?;
            let pad = text.chars().last().unwrap_or('a');
            let missing = bytes.saturating_sub(text.len()) / pad.len_utf8();
            let inflated = format!("{}{text}", pad.to_string().repeat(missing));
            *value = Value::String(inflated);
        }
        Grow::Nest { path, depth } => {
            // Built by moving each level into the next: `json!` would
            // serialize the whole value again at every level.
            let mut nested = Value::Object(Map::new());
            for _ in 0..*depth {
                let mut level = Map::new();
                level.insert("x".to_string(), nested);
                nested = Value::Object(level);
            }
            *at(manifest, path)? = nested;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn variant_settings_replace_top_level_keys_only() {
        let variant: Variant = serde_yaml::from_str(
            "{label: mutate, settings: {mutate: true, rewrite: [{from: a.io, to: b.io}]}, small: s.json, large: l.json, expect: mutate}",
        )
        .unwrap();
        let base = json!({"mutate": false, "allowedCapabilities": ["SYS_PTRACE"]});
        assert_eq!(
            variant.settings_over(&base).unwrap(),
            json!({
                "mutate": true,
                "allowedCapabilities": ["SYS_PTRACE"],
                "rewrite": [{"from": "a.io", "to": "b.io"}],
            })
        );
        assert_eq!(
            variant.settings_over(&Value::Null).unwrap()["mutate"],
            json!(true)
        );
        assert!(variant.settings_over(&json!([1])).is_err());
        assert_eq!(variant.expect, Expect::Mutate);
    }

    #[test]
    fn repeat_copies_the_first_element_and_keeps_the_last_last() {
        let mut m = json!({"spec": {"rules": [{"a": 1}, {"a": 2}]}});
        grow(
            &mut m,
            &Grow::Repeat {
                path: "spec.rules".into(),
                count: 5,
            },
        )
        .unwrap();
        let rules = m["spec"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), 5);
        assert!(rules[..4].iter().all(|r| r == &json!({"a": 1})));
        assert_eq!(rules[4], json!({"a": 2}));
    }

    #[test]
    fn inflate_and_nest_reach_their_sizes() {
        let mut m = json!({"spec": {"containers": [{"image": "evil.example.net/x:1"}]}});
        grow(
            &mut m,
            &Grow::Inflate {
                path: "spec.containers.0.image".into(),
                bytes: 1000,
            },
        )
        .unwrap();
        let image = m["spec"]["containers"][0]["image"].as_str().unwrap();
        assert_eq!(image.len(), 1000);
        assert!(image.ends_with("evil.example.net/x:1"));
        grow(
            &mut m,
            &Grow::Nest {
                path: "spec.deep".into(),
                depth: 3,
            },
        )
        .unwrap();
        assert_eq!(m["spec"]["deep"], json!({"x": {"x": {"x": {}}}}));
    }

    #[test]
    fn bad_paths_are_errors() {
        let mut m = json!({"spec": {"rules": []}});
        assert!(
            grow(
                &mut m,
                &Grow::Repeat {
                    path: "spec.rules".into(),
                    count: 2
                }
            )
            .is_err()
        );
        assert!(
            grow(
                &mut m,
                &Grow::Repeat {
                    path: "spec.rules.3".into(),
                    count: 2
                }
            )
            .is_err()
        );
        assert!(
            grow(
                &mut m,
                &Grow::Inflate {
                    path: "spec".into(),
                    bytes: 2
                }
            )
            .is_err()
        );
    }
}

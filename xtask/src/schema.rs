//! Structural-schema validation of custom resources, as the API server does
//! it on `kubectl apply --validate=strict`: every field of the object must
//! be in the CRD version's `openAPIV3Schema` (unless a node says
//! `x-kubernetes-preserve-unknown-fields`), with the right type, `required`
//! fields present, `enum`, `pattern`, bounds and `format` respected, `set`
//! and `map` lists free of duplicates. `metadata` is checked as ObjectMeta.
//!
//! Not evaluated: CEL rules (`x-kubernetes-validations`), defaulting, and
//! admission webhooks; the checks of the Kubewarden controller's webhook are
//! in [`crate::kubewarden`]. A schema keyword this validator does not know
//! is an error when the CRD is loaded, so a new upstream keyword is noticed
//! rather than ignored.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::pattern::Pattern;

/// The schema keywords understood (or deliberately ignored: documentation,
/// defaults, CEL).
const KEYWORDS: &[&str] = &[
    "type",
    "description",
    "title",
    "example",
    "default",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "format",
    "pattern",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "nullable",
    "anyOf",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-int-or-string",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type",
    "x-kubernetes-validations",
];

/// One served version of a CRD.
#[derive(Debug, Clone)]
pub struct CrdVersion {
    /// `plural.group`, the CRD's name.
    pub crd: String,
    pub group: String,
    pub version: String,
    pub kind: String,
    pub namespaced: bool,
    schema: Value,
}

/// The CRDs objects are checked against, keyed by (apiVersion, kind).
#[derive(Debug, Default, Clone)]
pub struct Catalog {
    versions: BTreeMap<(String, String), CrdVersion>,
    /// Where each CRD came from, for messages.
    pub sources: BTreeMap<String, String>,
}

fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(value, |v, k| v.get(k))
        .and_then(Value::as_str)
}

/// Every sub-schema uses only known keywords, and its patterns parse.
fn check_keywords(schema: &Value, path: &str) -> Result<(), String> {
    let Some(map) = schema.as_object() else {
        return Err(format!("{path}: a schema must be an object"));
    };
    for key in map.keys() {
        if !KEYWORDS.contains(&key.as_str()) {
            return Err(format!(
                "{path}: schema keyword `{key}` is not supported by the validator"
            ));
        }
    }
    if let Some(pattern) = map.get("pattern").and_then(Value::as_str) {
        Pattern::parse(pattern).map_err(|e| format!("{path}: {e}"))?;
    }
    if let Some(props) = map.get("properties").and_then(Value::as_object) {
        for (name, sub) in props {
            check_keywords(sub, &format!("{path}.{name}"))?;
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(sub) = map.get(key).filter(|s| s.is_object()) {
            check_keywords(sub, &format!("{path}.{key}"))?;
        }
    }
    if let Some(branches) = map.get("anyOf").and_then(Value::as_array) {
        for (i, sub) in branches.iter().enumerate() {
            check_keywords(sub, &format!("{path}.anyOf[{i}]"))?;
        }
    }
    Ok(())
}

impl Catalog {
    /// Adds every CustomResourceDefinition in a YAML stream (other
    /// documents are ignored). `source` names the file in messages.
    pub fn add_yaml(&mut self, source: &str, text: &str) -> Result<usize, String> {
        let mut added = 0;
        for document in serde_yaml::Deserializer::from_str(text) {
            let crd: Value =
                serde::Deserialize::deserialize(document).map_err(|e| format!("{source}: {e}"))?;
            if str_at(&crd, &["kind"]) != Some("CustomResourceDefinition") {
                continue;
            }
            added += self.add(source, &crd)?;
        }
        Ok(added)
    }

    fn add(&mut self, source: &str, crd: &Value) -> Result<usize, String> {
        let name = str_at(crd, &["metadata", "name"]).unwrap_or("?").to_owned();
        let fail = |what: &str| format!("{source}: CRD {name}: {what}");
        let group = str_at(crd, &["spec", "group"]).ok_or_else(|| fail("no spec.group"))?;
        let kind =
            str_at(crd, &["spec", "names", "kind"]).ok_or_else(|| fail("no spec.names.kind"))?;
        let namespaced = match str_at(crd, &["spec", "scope"]) {
            Some("Namespaced") => true,
            Some("Cluster") => false,
            other => return Err(fail(&format!("scope {other:?}"))),
        };
        let versions = crd
            .pointer("/spec/versions")
            .and_then(Value::as_array)
            .ok_or_else(|| fail("no spec.versions"))?;
        let mut added = 0;
        for version in versions {
            if version.get("served").and_then(Value::as_bool) != Some(true) {
                continue;
            }
            let v = str_at(version, &["name"]).ok_or_else(|| fail("a version without name"))?;
            let schema = version
                .pointer("/schema/openAPIV3Schema")
                .ok_or_else(|| fail(&format!("{v}: no schema.openAPIV3Schema")))?;
            check_keywords(schema, &format!("{source}: {name} {v}"))?;
            let api_version = format!("{group}/{v}");
            let entry = CrdVersion {
                crd: name.clone(),
                group: group.to_owned(),
                version: v.to_owned(),
                kind: kind.to_owned(),
                namespaced,
                schema: schema.clone(),
            };
            if self
                .versions
                .insert((api_version.clone(), kind.to_owned()), entry)
                .is_some()
            {
                return Err(fail(&format!("{api_version} {kind} is defined twice")));
            }
            added += 1;
        }
        self.sources.insert(name, source.to_owned());
        Ok(added)
    }

    pub fn get(&self, api_version: &str, kind: &str) -> Option<&CrdVersion> {
        self.versions
            .get(&(api_version.to_owned(), kind.to_owned()))
    }

    /// Whether any CRD defines this group (an unknown version of a known
    /// group is an error, not a built-in kind).
    pub fn knows_group(&self, group: &str) -> bool {
        self.versions.values().any(|v| v.group == group)
    }

    /// Every (apiVersion, kind) in the catalog.
    pub fn kinds(&self) -> Vec<(String, String)> {
        self.versions.keys().cloned().collect()
    }
}

/// What validating one object found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// Validated against this CRD version.
    Schema { crd: String, version: String },
    /// Not a custom resource of the catalog: apiVersion, kind and metadata
    /// were checked; the rest has no schema here.
    MetadataOnly,
}

/// Validates one object (a JSON value). `Err` lists every problem with its
/// field path.
pub fn validate(catalog: &Catalog, object: &Value) -> Result<Checked, Vec<String>> {
    let mut errors = Vec::new();
    let Some(map) = object.as_object() else {
        return Err(vec!["the document is not an object".into()]);
    };
    let api_version = map.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = map.get("kind").and_then(Value::as_str).unwrap_or("");
    if api_version.is_empty() || kind.is_empty() {
        return Err(vec!["apiVersion and kind are required strings".into()]);
    }
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let Some(crd) = catalog.get(api_version, kind) else {
        if catalog.knows_group(group) {
            let known: Vec<String> = catalog
                .kinds()
                .into_iter()
                .filter(|(v, _)| v.starts_with(&format!("{group}/")))
                .map(|(v, k)| format!("{v} {k}"))
                .collect();
            return Err(vec![format!(
                "{api_version} {kind} is not served by the CRDs of {group} (served: {})",
                known.join(", ")
            )]);
        }
        match map.get("metadata") {
            Some(meta) => object_meta(meta, "metadata", &mut errors),
            None => errors.push("metadata: required".into()),
        }
        return if errors.is_empty() {
            Ok(Checked::MetadataOnly)
        } else {
            Err(errors)
        };
    };
    let root = &crd.schema;
    let props = root.get("properties").and_then(Value::as_object);
    for (key, value) in map {
        match key.as_str() {
            "apiVersion" | "kind" => {}
            "metadata" => object_meta(value, "metadata", &mut errors),
            _ => match props.and_then(|p| p.get(key)) {
                Some(schema) => check(schema, value, key, &mut errors),
                None => errors.push(format!("{key}: unknown field")),
            },
        }
    }
    if !map.contains_key("metadata") {
        errors.push("metadata: required".into());
    }
    required(root, map, "", &mut errors);
    let namespace = map
        .get("metadata")
        .and_then(|m| m.get("namespace"))
        .and_then(Value::as_str);
    if let Some(ns) = namespace
        && !crd.namespaced
    {
        errors.push(format!(
            "metadata.namespace {ns:?}: {kind} is cluster-scoped; remove the namespace"
        ));
    }
    if errors.is_empty() {
        Ok(Checked::Schema {
            crd: crd.crd.clone(),
            version: crd.version.clone(),
        })
    } else {
        Err(errors)
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn is_nullable(schema: &Value) -> bool {
    schema.get("nullable").and_then(Value::as_bool) == Some(true)
}

fn required(
    schema: &Value,
    map: &serde_json::Map<String, Value>,
    path: &str,
    errors: &mut Vec<String>,
) {
    let props = schema.get("properties").and_then(Value::as_object);
    for name in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        // A null that is not nullable is pruned before validation, so it
        // counts as absent.
        let nullable = props.and_then(|p| p.get(name)).is_some_and(is_nullable);
        match map.get(name) {
            None => errors.push(format!("{}: required", join(path, name))),
            Some(Value::Null) if !nullable => {
                errors.push(format!("{}: required (null is pruned)", join(path, name)))
            }
            Some(_) => {}
        }
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Validates `value` at `path` against `schema`.
fn check(schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    if value.is_null() {
        // Nullable: accepted. Otherwise the API server prunes the null
        // (required fields are checked by the parent).
        return;
    }
    let int_or_string = schema
        .get("x-kubernetes-int-or-string")
        .and_then(Value::as_bool)
        == Some(true);
    let got = type_name(value);
    let want = schema.get("type").and_then(Value::as_str);
    let type_ok = if int_or_string {
        matches!(got, "integer" | "string")
    } else {
        match want {
            None => true,
            Some("number") => matches!(got, "integer" | "number"),
            Some(want) => want == got,
        }
    };
    if !type_ok {
        let want = if int_or_string {
            "integer or string"
        } else {
            want.unwrap_or("?")
        };
        errors.push(format!(
            "{path}: must be {want}, not {got} {}",
            short(value)
        ));
        return;
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        let shown: Vec<String> = options.iter().map(short).collect();
        errors.push(format!(
            "{path}: {} is not one of {}",
            short(value),
            shown.join(", ")
        ));
    }
    if let Some(branches) = schema.get("anyOf").and_then(Value::as_array) {
        let ok = branches.iter().any(|b| {
            let mut sub = Vec::new();
            check(b, value, path, &mut sub);
            sub.is_empty()
        });
        if !ok {
            errors.push(format!(
                "{path}: {} matches none of the anyOf schemas",
                short(value)
            ));
        }
    }
    match value {
        Value::Object(map) => object(schema, map, path, errors),
        Value::Array(items) => array(schema, items, path, errors),
        Value::String(s) => string(schema, s, path, errors),
        Value::Number(n) => number(schema, n, path, errors),
        _ => {}
    }
}

fn object(
    schema: &Value,
    map: &serde_json::Map<String, Value>,
    path: &str,
    errors: &mut Vec<String>,
) {
    let props = schema.get("properties").and_then(Value::as_object);
    let additional = schema.get("additionalProperties");
    let preserve = schema
        .get("x-kubernetes-preserve-unknown-fields")
        .and_then(Value::as_bool)
        == Some(true);
    for (key, value) in map {
        let sub = join(path, key);
        match (props.and_then(|p| p.get(key)), additional) {
            (Some(s), _) => check(s, value, &sub, errors),
            (None, Some(s)) if s.is_object() => check(s, value, &sub, errors),
            (None, Some(Value::Bool(true))) => {}
            _ if preserve => {}
            _ => errors.push(format!("{sub}: unknown field")),
        }
    }
    required(schema, map, path, errors);
}

fn array(schema: &Value, items: &[Value], path: &str, errors: &mut Vec<String>) {
    if let Some(item_schema) = schema.get("items") {
        for (i, item) in items.iter().enumerate() {
            let sub = format!("{path}[{i}]");
            if item.is_null() && !is_nullable(item_schema) {
                errors.push(format!("{sub}: null list item"));
                continue;
            }
            check(item_schema, item, &sub, errors);
        }
    }
    let bound = |key: &str| schema.get(key).and_then(Value::as_u64);
    if bound("minItems").is_some_and(|min| (items.len() as u64) < min) {
        errors.push(format!("{path}: fewer than minItems items"));
    }
    if bound("maxItems").is_some_and(|max| (items.len() as u64) > max) {
        errors.push(format!("{path}: more than maxItems items"));
    }
    match schema.get("x-kubernetes-list-type").and_then(Value::as_str) {
        Some("set") => {
            let mut seen = BTreeSet::new();
            for item in items {
                if !seen.insert(item.to_string()) {
                    errors.push(format!("{path}: duplicate set item {}", short(item)));
                }
            }
        }
        Some("map") => {
            let keys: Vec<&str> = schema
                .get("x-kubernetes-list-map-keys")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let mut seen = BTreeSet::new();
            for item in items {
                let key: Vec<String> = keys
                    .iter()
                    .map(|k| item.get(k).map_or_else(|| "null".into(), Value::to_string))
                    .collect();
                if !seen.insert(key.clone()) {
                    errors.push(format!("{path}: duplicate map-list key {}", key.join(",")));
                }
            }
        }
        _ => {}
    }
}

fn string(schema: &Value, s: &str, path: &str, errors: &mut Vec<String>) {
    let len = s.chars().count() as u64;
    let bound = |key: &str| schema.get(key).and_then(Value::as_u64);
    if bound("minLength").is_some_and(|min| len < min) {
        errors.push(format!(
            "{path}: {} is shorter than minLength",
            short_str(s)
        ));
    }
    if bound("maxLength").is_some_and(|max| len > max) {
        errors.push(format!("{path}: {} is longer than maxLength", short_str(s)));
    }
    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
        match Pattern::parse(pattern) {
            Ok(p) if p.is_match(s) => {}
            Ok(p) => errors.push(format!(
                "{path}: {} does not match {:?}",
                short_str(s),
                p.source()
            )),
            Err(e) => errors.push(format!("{path}: {e}")),
        }
    }
    if schema.get("format").and_then(Value::as_str) == Some("date-time") && !is_rfc3339(s) {
        errors.push(format!(
            "{path}: {} is not an RFC 3339 date-time",
            short_str(s)
        ));
    }
}

fn number(schema: &Value, n: &serde_json::Number, path: &str, errors: &mut Vec<String>) {
    let Some(x) = n.as_f64() else { return };
    let range = match schema.get("format").and_then(Value::as_str) {
        Some("int32") => Some((f64::from(i32::MIN), f64::from(i32::MAX))),
        _ => None,
    };
    if range.is_some_and(|(lo, hi)| x < lo || x > hi) {
        errors.push(format!("{path}: {n} is out of the int32 range"));
    }
    if schema
        .get("minimum")
        .and_then(Value::as_f64)
        .is_some_and(|min| x < min)
    {
        errors.push(format!(
            "{path}: {n} is below the minimum {}",
            schema["minimum"]
        ));
    }
    if schema
        .get("maximum")
        .and_then(Value::as_f64)
        .is_some_and(|max| x > max)
    {
        errors.push(format!(
            "{path}: {n} is above the maximum {}",
            schema["maximum"]
        ));
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let shape = digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && matches!(b.get(10), Some(b'T' | b't'))
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16)
        && b.get(16) == Some(&b':')
        && digits(17..19);
    if !shape {
        return false;
    }
    let mut rest = &b[19..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()),
        _ => false,
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

fn short_str(s: &str) -> String {
    short(&Value::String(s.to_owned()))
}

/// An RFC 1123 DNS label: 1–63 of `a-z0-9-`, alphanumeric at both ends.
pub fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    (1..=63).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
}

/// An RFC 1123 DNS subdomain: dot-separated labels, at most 253 bytes.
pub fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// A label value: empty, or up to 63 of `A-Za-z0-9-_.`, alphanumeric at
/// both ends.
fn is_label_value(s: &str) -> bool {
    let b = s.as_bytes();
    b.is_empty()
        || (b.len() <= 63
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(c))
            && b.first().is_some_and(u8::is_ascii_alphanumeric)
            && b.last().is_some_and(u8::is_ascii_alphanumeric))
}

/// A qualified name (label and annotation keys): `[prefix/]name`, the
/// prefix a DNS subdomain, the name like a label value but non-empty.
fn is_qualified_name(s: &str) -> bool {
    let (prefix, name) = match s.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, s),
    };
    prefix.is_none_or(is_dns_subdomain) && !name.is_empty() && is_label_value(name)
}

const META_FIELDS: &[&str] = &[
    "name",
    "generateName",
    "namespace",
    "labels",
    "annotations",
    "finalizers",
    "ownerReferences",
];

/// ObjectMeta as users write it: no server-set fields, string maps for
/// labels and annotations, valid names and keys.
pub fn object_meta(meta: &Value, path: &str, errors: &mut Vec<String>) {
    let Some(map) = meta.as_object() else {
        errors.push(format!("{path}: must be an object"));
        return;
    };
    for (key, value) in map {
        let sub = join(path, key);
        match key.as_str() {
            "name" | "generateName" | "namespace" => match value.as_str() {
                Some(s) if key == "namespace" && !is_dns_label(s) => {
                    errors.push(format!("{sub}: {s:?} is not a DNS label"))
                }
                Some(s) if key == "name" && !is_dns_subdomain(s) => errors.push(format!(
                    "{sub}: {s:?} is not a DNS subdomain (lowercase a-z0-9, '-' and '.')"
                )),
                Some(_) => {}
                None => errors.push(format!("{sub}: must be a string")),
            },
            "labels" | "annotations" => match value.as_object() {
                Some(entries) => {
                    for (k, v) in entries {
                        if !is_qualified_name(k) {
                            errors.push(format!("{sub}: key {k:?} is not a qualified name"));
                        }
                        match v.as_str() {
                            Some(v) if key == "labels" && !is_label_value(v) => {
                                errors.push(format!("{sub}.{k}: {v:?} is not a label value"))
                            }
                            Some(_) => {}
                            None => errors.push(format!(
                                "{sub}.{k}: must be a string, not {} {} (quote it)",
                                type_name(v),
                                short(v)
                            )),
                        }
                    }
                }
                None => errors.push(format!("{sub}: must be a map of strings")),
            },
            "finalizers" => {
                if !value
                    .as_array()
                    .is_some_and(|a| a.iter().all(Value::is_string))
                {
                    errors.push(format!("{sub}: must be a list of strings"));
                }
            }
            "ownerReferences" => {
                if !value.is_array() {
                    errors.push(format!("{sub}: must be a list"));
                }
            }
            _ => errors.push(format!(
                "{sub}: unknown or server-set field (allowed: {})",
                META_FIELDS.join(", ")
            )),
        }
    }
    if !map.contains_key("name") && !map.contains_key("generateName") {
        errors.push(format!("{path}.name: required"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    const CRD: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Cluster
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            apiVersion: {type: string}
            kind: {type: string}
            metadata: {type: object}
            spec:
              type: object
              required: [size]
              properties:
                size: {type: integer, format: int32, minimum: 1, maximum: 10}
                mode: {type: string, enum: [protect, monitor]}
                name: {type: string, pattern: '^[a-z]+$', maxLength: 5}
                tags:
                  type: array
                  x-kubernetes-list-type: set
                  items: {type: string}
                labels:
                  type: object
                  additionalProperties: {type: string}
                settings:
                  type: object
                  nullable: true
                  x-kubernetes-preserve-unknown-fields: true
                quantity:
                  anyOf: [{type: integer}, {type: string}]
                  x-kubernetes-int-or-string: true
                  pattern: '^[0-9]+(m|Mi)?$'
    - name: v1alpha1
      served: false
      storage: false
      schema:
        openAPIV3Schema: {type: object}
"#;

    fn catalog() -> Catalog {
        let mut c = Catalog::default();
        assert_eq!(c.add_yaml("test", CRD).unwrap(), 1);
        c
    }

    fn widget(spec: Value) -> Value {
        json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": spec})
    }

    #[test]
    fn a_valid_object_names_its_crd_version() {
        let got = validate(
            &catalog(),
            &widget(
                json!({"size": 3, "mode": "monitor", "tags": ["a", "b"], "labels": {"x": "y"},
                           "settings": {"anything": [1, {"goes": true}]}, "quantity": "250m"}),
            ),
        );
        assert_eq!(
            got,
            Ok(Checked::Schema {
                crd: "widgets.example.com".into(),
                version: "v1".into()
            })
        );
    }

    #[rstest]
    #[case::missing_required(json!({}), "spec.size: required")]
    #[case::wrong_type(json!({"size": "3"}), "spec.size: must be integer, not string")]
    #[case::float_for_int(json!({"size": 1.5}), "spec.size: must be integer, not number")]
    #[case::above_maximum(json!({"size": 11}), "above the maximum")]
    #[case::below_minimum(json!({"size": 0}), "below the minimum")]
    #[case::int32(json!({"size": 5_000_000_000_u64}), "int32 range")]
    #[case::unknown_field(json!({"size": 1, "sise": 2}), "spec.sise: unknown field")]
    #[case::enum_value(json!({"size": 1, "mode": "audit"}), "\"audit\" is not one of")]
    #[case::pattern(json!({"size": 1, "name": "Ab"}), "does not match")]
    #[case::max_length(json!({"size": 1, "name": "abcdef"}), "longer than maxLength")]
    #[case::set_duplicate(json!({"size": 1, "tags": ["a", "a"]}), "duplicate set item")]
    #[case::additional_type(json!({"size": 1, "labels": {"x": 1}}), "spec.labels.x: must be string")]
    #[case::int_or_string(json!({"size": 1, "quantity": true}), "must be integer or string")]
    #[case::int_or_string_pattern(json!({"size": 1, "quantity": "1Gi"}), "does not match")]
    #[case::null_required(json!({"size": null}), "spec.size: required (null is pruned)")]
    fn schema_violations_name_the_field(#[case] spec: Value, #[case] message: &str) {
        let errors = validate(&catalog(), &widget(spec)).unwrap_err();
        assert!(errors.iter().any(|e| e.contains(message)), "{errors:?}");
    }

    #[rstest]
    #[case::unknown_root(json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 1}, "extra": 1}), "extra: unknown field")]
    #[case::no_metadata(json!({"apiVersion": "example.com/v1", "kind": "Widget", "spec": {"size": 1}}), "metadata: required")]
    #[case::unserved(json!({"apiVersion": "example.com/v1alpha1", "kind": "Widget", "metadata": {"name": "w"}}), "not served")]
    #[case::namespaced_cluster_kind(json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "x"}, "spec": {"size": 1}}), "cluster-scoped")]
    #[case::bool_label(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "vdi", "labels": {"vdi.kasm.io/sessions": true}}}), "must be a string, not boolean true (quote it)")]
    #[case::bad_label_value(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "vdi", "labels": {"a": "not ok"}}}), "is not a label value")]
    #[case::server_set(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "vdi", "uid": "x"}}), "metadata.uid: unknown or server-set")]
    #[case::uppercase_name(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "VDI"}}), "not a DNS subdomain")]
    #[case::no_name(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {}}), "metadata.name: required")]
    fn object_shape_violations(#[case] object: Value, #[case] message: &str) {
        let errors = validate(&catalog(), &object).unwrap_err();
        assert!(errors.iter().any(|e| e.contains(message)), "{errors:?}");
    }

    #[test]
    fn built_in_kinds_get_a_metadata_check() {
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "vdi", "labels": {"vdi.kasm.io/sessions": "true"}}});
        assert_eq!(validate(&catalog(), &ns), Ok(Checked::MetadataOnly));
    }

    #[test]
    fn unknown_schema_keywords_are_refused_at_load() {
        let crd = CRD.replace("maxLength: 5", "maxProperties: 5");
        let err = Catalog::default().add_yaml("test", &crd).unwrap_err();
        assert!(err.contains("`maxProperties` is not supported"), "{err}");
    }

    #[rstest]
    #[case("2026-11-27T20:55:00Z", true)]
    #[case("2026-11-27T20:55:00.123+01:00", true)]
    #[case("2026-11-27", false)]
    #[case("2026-11-27 20:55:00Z", false)]
    #[case("2026-11-27T20:55:00", false)]
    fn rfc3339(#[case] s: &str, #[case] ok: bool) {
        assert_eq!(is_rfc3339(s), ok, "{s}");
    }
}

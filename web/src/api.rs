//! The browser API on JSON values, callable natively (tests, parity) and
//! through the thin wasm-bindgen layer in `lib.rs`.
//!
//! Every entry point answers with a JSON object: `{"ok": true, ...}` or
//! `{"ok": false, "error": {"kind", "message"}}`. Nothing the caller passes
//! makes it fail otherwise: malformed JSON or YAML, unknown fields, wrong
//! types, unknown policies and oversized input are all structured errors.
//! A manifest is wrapped into an AdmissionRequest by `admission::wrap` (what
//! `vdi-guard check` and the e2e suites use), reshaped as policy-server forwards it,
//! and judged by each policy's native `validate` after its `validate_settings`,
//! as policy-server does at load and per request.

use std::collections::BTreeMap;

use admission::wrap::{WrapOptions, into_policy_server_request, wrap};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::catalog::{self, Entry};
use crate::cluster::Cluster;
use crate::registry::POLICIES;

/// The largest input accepted, in bytes of JSON: a Kubernetes request body
/// is at most 3 MiB, so this leaves room for the context objects, and keeps
/// a pasted log file from exhausting the page's memory (which would abort
/// the module instead of answering).
pub const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;

/// The most documents judged in one call.
pub const MAX_DOCUMENTS: usize = 1000;

/// A structured error answer.
pub fn error(kind: &str, message: impl Into<String>) -> Value {
    json!({"ok": false, "error": {"kind": kind, "message": message.into()}})
}

/// `input` decoded into `T`, or the error answer.
fn decode<T: for<'de> Deserialize<'de>>(input: &str) -> Result<T, Value> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(error(
            "input",
            format!(
                "the input is {} bytes; at most {MAX_INPUT_BYTES} are accepted",
                input.len()
            ),
        ));
    }
    if !input.trim_start().starts_with('{') {
        return Err(error(
            "input",
            "the input must be a JSON object (see the EvaluateInput type)",
        ));
    }
    serde_json::from_str(input).map_err(|e| error("input", format!("the input: {e}")))
}

/// A string of YAML/JSON text, one object, or a list of objects.
fn documents(value: Value, field: &str) -> Result<Vec<Value>, Value> {
    let docs = match value {
        Value::String(text) => {
            admission::documents(&text).map_err(|e| error("input", format!("{field}: {e}")))?
        }
        Value::Array(items) => items,
        Value::Object(_) => vec![value],
        other => {
            return Err(error(
                "input",
                format!(
                    "{field}: expected YAML or JSON text, an object or a list of objects, found {}",
                    type_name(&other)
                ),
            ));
        }
    };
    if docs.len() > MAX_DOCUMENTS {
        return Err(error(
            "input",
            format!(
                "{field}: {} documents; at most {MAX_DOCUMENTS} are judged at once",
                docs.len()
            ),
        ));
    }
    Ok(docs)
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A present field, `null` included, is `Some`.
fn explicit<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

/// What every evaluation takes besides the objects.
struct Common {
    /// Policy names; absent means every policy.
    policies: Option<Vec<String>>,
    /// Settings per policy (an object, or YAML/JSON text); a policy not
    /// named gets its example settings.
    settings: BTreeMap<String, Value>,
    /// Objects the policies may look up (YAML/JSON text or a list).
    context: Option<Value>,
    /// Judge every selected policy, even those whose rules would not route
    /// the request to them (they answer "does not handle").
    ignore_rules: bool,
}

/// `evaluate`'s input (the fields of [`Common`] are spelled out in both
/// inputs: serde's `flatten` does not work with `deny_unknown_fields`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ManifestInput {
    manifest: Value,
    #[serde(default)]
    operation: Option<String>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    groups: Option<Vec<String>>,
    #[serde(default)]
    sub_resource: Option<String>,
    /// The stored object for UPDATE (or the object deleted for DELETE):
    /// text, an object, or `null` for a request without one.
    #[serde(default, deserialize_with = "explicit")]
    old_manifest: Option<Value>,
    #[serde(default)]
    policies: Option<Vec<String>>,
    #[serde(default)]
    settings: BTreeMap<String, Value>,
    #[serde(default)]
    context: Option<Value>,
    #[serde(default)]
    ignore_rules: bool,
}

/// `evaluateRequest`'s input.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RequestInput {
    /// An AdmissionRequest or AdmissionReview (object or JSON/YAML text).
    request: Value,
    #[serde(default)]
    policies: Option<Vec<String>>,
    #[serde(default)]
    settings: BTreeMap<String, Value>,
    #[serde(default)]
    context: Option<Value>,
    #[serde(default)]
    ignore_rules: bool,
}

/// A policy with the settings it runs with (as JSON text, serialized once
/// per call), or why it cannot run.
struct Selected {
    entry: &'static Entry,
    settings: Result<String, String>,
}

fn select(common: &Common) -> Result<(Vec<Selected>, Vec<Value>), Value> {
    if let Some(unknown) = common.settings.keys().find(|k| catalog::find(k).is_none()) {
        return Err(error(
            "input",
            format!(
                "settings: no policy named {unknown:?}; the policies are {}",
                names()
            ),
        ));
    }
    let entries: Vec<&'static Entry> = match &common.policies {
        None => POLICIES.iter().collect(),
        Some(names_given) => {
            let mut entries = Vec::new();
            for name in names_given {
                let entry = catalog::find(name).ok_or_else(|| {
                    error(
                        "input",
                        format!(
                            "policies: no policy named {name:?}; the policies are {}",
                            names()
                        ),
                    )
                })?;
                if !entries.iter().any(|e: &&Entry| e.name() == entry.name()) {
                    entries.push(entry);
                }
            }
            entries
        }
    };
    let mut selected = Vec::new();
    let mut report = Vec::new();
    for entry in entries {
        let settings = match common.settings.get(entry.name()) {
            None => Ok(entry.settings_json.to_string()),
            Some(Value::String(text)) => catalog::single_document(text).and_then(|s| json_text(&s)),
            Some(value) => json_text(value),
        }
        .and_then(|settings| check_settings(entry, &settings).map(|()| settings));
        report.push(match &settings {
            Ok(_) => json!({"policy": entry.name(), "valid": true}),
            Err(message) => json!({"policy": entry.name(), "valid": false, "message": message}),
        });
        selected.push(Selected { entry, settings });
    }
    Ok((selected, report))
}

fn names() -> String {
    POLICIES
        .iter()
        .map(Entry::name)
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Deserialize)]
struct SettingsAnswer {
    valid: bool,
    #[serde(default)]
    message: Option<String>,
}

/// JSON text of a value (serde_json's writer; `Display` is slower).
fn json_text(value: &Value) -> Result<String, String> {
    serde_json::to_string(value).map_err(|e| e.to_string())
}

/// `validate_settings` on settings JSON, as policy-server calls it before
/// loading the policy.
fn check_settings(entry: &Entry, settings: &str) -> Result<(), String> {
    let answer = (entry.native.validate_settings)(settings.as_bytes())
        .map_err(|e| format!("settings validation failed: {e}"))?;
    let answer: SettingsAnswer = serde_json::from_slice(&answer)
        .map_err(|e| format!("settings validation answered something else: {e}"))?;
    if answer.valid {
        Ok(())
    } else {
        Err(answer
            .message
            .unwrap_or_else(|| "the settings are not valid".into()))
    }
}

#[derive(Deserialize)]
struct ValidationAnswer {
    accepted: bool,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    code: Option<u16>,
    #[serde(default)]
    mutated_object: Option<Value>,
}

fn context(common: &mut Common) -> Result<Cluster, Value> {
    let objects = match common.context.take() {
        None | Some(Value::Null) => Vec::new(),
        Some(value) => documents(value, "context")?,
    };
    Cluster::from_objects(objects).map_err(|e| error("input", format!("context: {e}")))
}

/// The request as policy-server forwards it, or why the API server would
/// not send it.
fn forwarded(request: Value) -> Result<Value, String> {
    into_policy_server_request(request)
        .map_err(|e| format!("the API server would not send this request: {e}"))
}

/// Group, version, `resource[/subresource]` and operation of a forwarded request.
fn route_of(request: &Value) -> (String, String, String, String) {
    let text = |pointer: &str| {
        request
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let mut resource = text("/resource/resource");
    let sub = text("/subResource");
    if !sub.is_empty() {
        resource = format!("{resource}/{sub}");
    }
    (
        text("/resource/group"),
        text("/resource/version"),
        resource,
        text("/operation"),
    )
}

/// One policy's answer to one request (`request_json` is `request`
/// serialized, once for all policies).
fn judge(
    selected: &Selected,
    request: &Value,
    request_json: &str,
    cluster: &Cluster,
    ignore_rules: bool,
) -> Value {
    let entry = selected.entry;
    let (group, version, resource, operation) = route_of(request);
    let in_scope = entry.handles(&group, &version, &resource, &operation);
    let mut out = Map::new();
    out.insert("policy".into(), entry.name().into());
    out.insert("inScope".into(), in_scope.into());
    let settings = match &selected.settings {
        Err(message) => {
            out.insert("verdict".into(), "error".into());
            out.insert(
                "message".into(),
                format!("invalid settings: {message}").into(),
            );
            return Value::Object(out);
        }
        Ok(settings) => settings,
    };
    if !in_scope && !ignore_rules {
        let api_version = if group.is_empty() {
            version
        } else {
            format!("{group}/{version}")
        };
        out.insert("verdict".into(), "skip".into());
        out.insert(
            "message".into(),
            format!(
                "{} is not asked about {operation} {api_version} {resource}: no rule of its metadata.yml routes it there",
                entry.name()
            )
            .into(),
        );
        return Value::Object(out);
    }
    let host = cluster.for_policy(entry);
    // The waPC payload policy-server sends: `{"request": ..., "settings": ...}`.
    let payload = format!(r#"{{"request":{request_json},"settings":{settings}}}"#);
    match (entry.native.validate)(payload.as_bytes(), &host) {
        Err(e) => {
            out.insert("verdict".into(), "error".into());
            out.insert("message".into(), format!("the policy failed: {e}").into());
        }
        Ok(answer) => match serde_json::from_slice::<ValidationAnswer>(&answer) {
            Err(e) => {
                out.insert("verdict".into(), "error".into());
                out.insert(
                    "message".into(),
                    format!("malformed ValidationResponse: {e}").into(),
                );
            }
            Ok(answer) => {
                let verdict = if answer.accepted { "accept" } else { "reject" };
                out.insert("verdict".into(), verdict.into());
                out.insert("message".into(), answer.message.into());
                out.insert("code".into(), answer.code.into());
                if let Some(object) = answer.mutated_object {
                    out.insert("mutatedObject".into(), object);
                }
            }
        },
    }
    out.insert("lookups".into(), host.lookups().into());
    Value::Object(out)
}

/// One object of the answer: what it is, the request built, each verdict.
fn object_answer(
    index: usize,
    manifest: Option<&Value>,
    request: Result<Value, String>,
    selected: &[Selected],
    cluster: &Cluster,
    ignore_rules: bool,
) -> Value {
    let source = match (&request, manifest) {
        (_, Some(manifest)) => Some(manifest),
        (Ok(request), None) => request.get("object").or_else(|| request.get("oldObject")),
        (Err(_), None) => None,
    };
    let text = |pointer: &str| {
        source
            .and_then(|s| s.pointer(pointer))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let mut out = Map::new();
    out.insert("index".into(), index.into());
    out.insert("apiVersion".into(), text("/apiVersion"));
    out.insert("kind".into(), text("/kind"));
    out.insert("namespace".into(), text("/metadata/namespace"));
    out.insert("name".into(), text("/metadata/name"));
    match request.and_then(|r| json_text(&r).map(|text| (r, text))) {
        Err(message) => {
            out.insert("error".into(), message.into());
            out.insert("results".into(), Value::Array(Vec::new()));
        }
        Ok((request, request_json)) => {
            let results: Vec<Value> = selected
                .iter()
                .map(|s| judge(s, &request, &request_json, cluster, ignore_rules))
                .collect();
            out.insert("request".into(), request);
            out.insert("results".into(), results.into());
        }
    }
    Value::Object(out)
}

fn summary(objects: &[Value]) -> Value {
    let mut counts: BTreeMap<&str, u64> = ["accept", "reject", "skip", "error"]
        .into_iter()
        .map(|k| (k, 0))
        .collect();
    for object in objects {
        if object.get("error").is_some() {
            *counts.entry("error").or_default() += 1;
        }
        for result in object
            .get("results")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(count) = result
                .get("verdict")
                .and_then(Value::as_str)
                .and_then(|v| counts.get_mut(v))
            {
                *count += 1;
            }
        }
    }
    json!(counts)
}

fn answer(objects: Vec<Value>, settings: Vec<Value>) -> Value {
    let summary = summary(&objects);
    json!({"ok": true, "objects": objects, "settings": settings, "summary": summary})
}

/// The identity an old object is paired with its new one by.
fn identity(object: &Value) -> (Value, Value, Value, Value) {
    let field = |pointer: &str| object.pointer(pointer).cloned().unwrap_or(Value::Null);
    (
        field("/apiVersion"),
        field("/kind"),
        field("/metadata/namespace"),
        field("/metadata/name"),
    )
}

/// Evaluates manifests (see `EvaluateInput` in the TypeScript types).
pub fn evaluate(input: &str) -> Value {
    let input: ManifestInput = match decode(input) {
        Ok(input) => input,
        Err(e) => return e,
    };
    let ManifestInput {
        manifest,
        operation,
        user,
        groups,
        sub_resource,
        old_manifest,
        policies,
        settings,
        context: context_objects,
        ignore_rules,
    } = input;
    let manifests = match documents(manifest, "manifest") {
        Ok(docs) => docs,
        Err(e) => return e,
    };
    if manifests.is_empty() {
        return error("input", "manifest: no object to judge (the text is empty)");
    }
    // Old objects: one explicit value (null included) for a single
    // manifest, else paired by apiVersion, kind, namespace and name.
    let old = match old_manifest {
        None => None,
        Some(Value::Null) => Some(vec![Value::Null]),
        Some(value) => match documents(value, "oldManifest") {
            Ok(docs) => Some(docs),
            Err(e) => return e,
        },
    };
    let mut common = Common {
        policies,
        settings,
        context: context_objects,
        ignore_rules,
    };
    let cluster = match context(&mut common) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let (selected, settings) = match select(&common) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let defaults = WrapOptions::default();
    let mut objects = Vec::new();
    for (index, manifest) in manifests.iter().enumerate() {
        // An AdmissionReview (`kwctl run --request-path`, examples/requests/)
        // carries its own operation, user and objects.
        if is_review(manifest) {
            objects.push(object_answer(
                index,
                None,
                forwarded(with_uid(manifest.clone())),
                &selected,
                &cluster,
                common.ignore_rules,
            ));
            continue;
        }
        let old_object = match &old {
            None => Ok(None),
            Some(olds) if olds.len() == 1 && manifests.len() == 1 => Ok(olds.first().cloned()),
            Some(olds) => olds
                .iter()
                .find(|o| identity(o) == identity(manifest))
                .cloned()
                .map(Some)
                .ok_or_else(|| {
                    "oldManifest has no object with this one's apiVersion, kind, namespace and name"
                        .to_string()
                }),
        };
        let request = old_object.and_then(|old_object| {
            let options = WrapOptions {
                operation: operation
                    .clone()
                    .unwrap_or_else(|| defaults.operation.clone()),
                user: user.clone().unwrap_or_else(|| defaults.user.clone()),
                groups: groups.clone().unwrap_or_else(|| defaults.groups.clone()),
                sub_resource: sub_resource.clone(),
                old_object,
            };
            wrap(manifest, &options).and_then(forwarded)
        });
        objects.push(object_answer(
            index,
            Some(manifest),
            request,
            &selected,
            &cluster,
            common.ignore_rules,
        ));
    }
    answer(objects, settings)
}

/// An AdmissionReview document (`admission.k8s.io/*`), judged as it stands.
fn is_review(document: &Value) -> bool {
    document.get("kind").and_then(Value::as_str) == Some("AdmissionReview")
        && document
            .get("apiVersion")
            .and_then(Value::as_str)
            .is_some_and(|v| v.starts_with("admission.k8s.io/"))
}

/// A request written by hand often lacks the uid the API server always
/// sets; the e2e suites fill in the same placeholder.
fn with_uid(mut request: Value) -> Value {
    let inner = if is_review(&request) {
        request.get_mut("request")
    } else {
        Some(&mut request)
    };
    if let Some(Value::Object(map)) = inner {
        map.entry("uid")
            .or_insert_with(|| Value::String("00000000-0000-0000-0000-000000000001".into()));
    }
    request
}

/// Evaluates one AdmissionRequest or AdmissionReview as sent.
pub fn evaluate_request(input: &str) -> Value {
    let input: RequestInput = match decode(input) {
        Ok(input) => input,
        Err(e) => return e,
    };
    let request = match &input.request {
        Value::String(text) => match catalog::single_document(text) {
            Ok(request) => request,
            Err(e) => return error("input", format!("request: {e}")),
        },
        Value::Object(_) => input.request,
        other => {
            return error(
                "input",
                format!(
                    "request: expected an AdmissionRequest object or its JSON/YAML text, found {}",
                    type_name(other)
                ),
            );
        }
    };
    let request = with_uid(request);
    let mut common = Common {
        policies: input.policies,
        settings: input.settings,
        context: input.context,
        ignore_rules: input.ignore_rules,
    };
    let cluster = match context(&mut common) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let (selected, settings) = match select(&common) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let object = object_answer(
        0,
        None,
        forwarded(request),
        &selected,
        &cluster,
        common.ignore_rules,
    );
    answer(vec![object], settings)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsInput {
    policy: String,
    #[serde(default)]
    settings: Value,
}

/// `validate_settings` of one policy: `{"ok": true, "valid", "message"}`.
pub fn validate_settings(input: &str) -> Value {
    let input: SettingsInput = match decode(input) {
        Ok(input) => input,
        Err(e) => return e,
    };
    let Some(entry) = catalog::find(&input.policy) else {
        return error(
            "input",
            format!(
                "policy: no policy named {:?}; the policies are {}",
                input.policy,
                names()
            ),
        );
    };
    let settings = match &input.settings {
        Value::String(text) => catalog::single_document(text),
        other => Ok(other.clone()),
    };
    match settings
        .and_then(|s| json_text(&s))
        .and_then(|s| check_settings(entry, &s))
    {
        Ok(()) => json!({"ok": true, "policy": entry.name(), "valid": true}),
        Err(message) => {
            json!({"ok": true, "policy": entry.name(), "valid": false, "message": message})
        }
    }
}

/// Every policy with its metadata and example settings.
pub fn policies() -> Value {
    json!({"ok": true, "policies": catalog::list()})
}

/// Runs `f`, turning a panic into the error answer where the target unwinds
/// (natively; a `wasm32-unknown-unknown` build aborts on panic, so there the
/// guarantee is that no path panics, which the tests check natively).
pub fn guarded(f: impl FnOnce() -> Value) -> Value {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        error(
            "internal",
            "vdi-guard failed internally; please report the input that caused it",
        )
    })
}

//! Every YAML the repository shows a user is what the cluster accepts.
//!
//! The YAML blocks of every README and doc, and every file under `deploy/`,
//! `examples/` and `policies/*/examples/` (see `xtask::docs` for how each
//! is classified) are checked here:
//!
//! - Kubernetes objects against the structural schemas of the Kubewarden
//!   CRDs vendored in `tests/data/kubewarden-crds/` (admission-controller
//!   chart 6.0.2, Kubewarden v1.37.2) and of `deploy/crds/`, then against
//!   the Kubewarden controller's webhook rules, and, for objects that run a
//!   vdi-guard module, against that module's `metadata.yml`;
//! - verification configs against policy-server's format, created-at
//!   snippets against `artifacthub/created-at.yml`'s, replay files against
//!   kwctl's;
//! - kustomizations: every resource exists, and the monitor overlay turns
//!   every policy to `mode: monitor` and still validates.
//!
//! Settings snippets and the settings inside policy objects are checked by
//! `e2e/tests/docs.rs`, which has the policies' `validate_settings`.
//! Run with `--nocapture` for the list of what was checked against what.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;
use xtask::docs::{Label, Snippet, collect};
use xtask::kubewarden::{controller_checks, vdi_guard_checks};
use xtask::policy::Policy;
use xtask::schema::{Catalog, Checked, validate};
use xtask::workspace_root;

const VENDORED: &str = "xtask/tests/data/kubewarden-crds";

fn catalog(root: &Path) -> Catalog {
    let mut catalog = Catalog::default();
    for dir in [VENDORED, "deploy/crds"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}"));
            let shown = file
                .strip_prefix(root)
                .unwrap_or(&file)
                .display()
                .to_string();
            catalog
                .add_yaml(&shown, &text)
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
    catalog
}

fn snippets(root: &Path) -> Vec<Snippet> {
    collect(root).0
}

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

fn shown(snippet: &Snippet, index: usize) -> String {
    if snippet.documents.len() > 1 {
        format!("{} (document {})", snippet.origin, index + 1)
    } else {
        snippet.origin.clone()
    }
}

#[test]
fn vendored_crds_serve_the_kubewarden_kinds() {
    let catalog = catalog(&workspace_root());
    for (api_version, kind) in [
        ("policies.kubewarden.io/v1", "ClusterAdmissionPolicy"),
        ("policies.kubewarden.io/v1alpha2", "ClusterAdmissionPolicy"),
        ("policies.kubewarden.io/v1", "AdmissionPolicy"),
        ("policies.kubewarden.io/v1", "ClusterAdmissionPolicyGroup"),
        ("policies.kubewarden.io/v1", "AdmissionPolicyGroup"),
        ("policies.kubewarden.io/v1", "PolicyServer"),
        ("vdi.kasm.io/v1alpha1", "VDISession"),
        ("vdi.kasm.io/v1alpha1", "VDITemplate"),
    ] {
        assert!(
            catalog.get(api_version, kind).is_some(),
            "{api_version} {kind}"
        );
    }
    let readme = std::fs::read_to_string(workspace_root().join(VENDORED).join("README.md"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        readme.contains(xtask::KUBEWARDEN_VERSION),
        "the vendored CRDs' README must name Kubewarden {}",
        xtask::KUBEWARDEN_VERSION
    );
}

#[test]
fn every_yaml_shown_is_classified() {
    let (_, errors) = collect(&workspace_root());
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

/// The resources a kustomization lists exist, and it uses only the fields
/// the overlays here need (so a typo is not silently ignored by this test).
fn kustomization_checks(root: &Path, file: &Path, doc: &Value, problems: &mut Vec<String>) {
    const FIELDS: [&str; 5] = ["apiVersion", "kind", "resources", "patches", "metadata"];
    let dir = root
        .join(file)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    for key in doc.as_object().into_iter().flatten().map(|(k, _)| k) {
        if !FIELDS.contains(&key.as_str()) {
            problems.push(format!(
                "{}: kustomization field `{key}` is not checked here",
                file.display()
            ));
        }
    }
    for resource in doc
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let path = dir.join(resource.as_str().unwrap_or(""));
        let ok = path.is_file() || path.join("kustomization.yaml").is_file();
        if !ok {
            problems.push(format!(
                "{}: resource {resource} does not exist",
                file.display()
            ));
        }
    }
}

/// The shape `kwctl run --request-path` reads.
fn admission_review_checks(doc: &Value, at: &str, problems: &mut Vec<String>) {
    let request = doc.get("request").unwrap_or(&Value::Null);
    for key in ["uid", "operation"] {
        if str_of(request, key).is_empty() {
            problems.push(format!("{at}: request.{key} is required"));
        }
    }
    for key in ["kind", "resource"] {
        if !request.get(key).is_some_and(Value::is_object) {
            problems.push(format!("{at}: request.{key} is required"));
        }
    }
    if str_of(request.get("userInfo").unwrap_or(&Value::Null), "username").is_empty() {
        problems.push(format!("{at}: request.userInfo.username is required"));
    }
    let has = |key: &str| request.get(key).is_some_and(|v| !v.is_null());
    let (object, old) = match str_of(request, "operation") {
        "CREATE" | "CONNECT" => (true, false),
        "UPDATE" => (true, true),
        "DELETE" => (false, true),
        other => {
            problems.push(format!("{at}: request.operation {other:?}"));
            return;
        }
    };
    if has("object") != object || has("oldObject") != old {
        problems.push(format!(
            "{at}: a {} carries object: {object}, oldObject: {old}, as the API server sends it",
            str_of(request, "operation")
        ));
    }
}

#[test]
fn kubernetes_objects_are_what_the_cluster_accepts() {
    let root = workspace_root();
    let catalog = catalog(&root);
    let policies = Policy::load_all(&root).unwrap_or_else(|e| panic!("{e}"));
    let snippets = snippets(&root);
    let mut problems = Vec::new();
    let mut summary: BTreeMap<String, usize> = BTreeMap::new();
    let mut servers: BTreeSet<String> = BTreeSet::from(["default".to_owned()]);
    for snippet in snippets.iter().filter(|s| s.file.starts_with("deploy")) {
        for doc in &snippet.documents {
            if str_of(doc, "kind") == "PolicyServer"
                && let Some(name) = doc.pointer("/metadata/name").and_then(Value::as_str)
            {
                servers.insert(name.to_owned());
            }
        }
    }
    for snippet in &snippets {
        match &snippet.label {
            Label::Objects => {}
            Label::Settings(p) => {
                *summary
                    .entry(format!("settings of {p}: checked by e2e/tests/docs.rs"))
                    .or_default() += 1;
                continue;
            }
            other => {
                let name = match other {
                    Label::Fragment(_) => "fragments: parsed only",
                    Label::Suite => "suite examples: checked by e2e/tests/docs.rs",
                    Label::VerificationConfig => "verification configs: see verification_configs_*",
                    Label::CreatedAt => "created-at snippets: see created_at_*",
                    Label::Replay => "kwctl replay files: see replay_files_*",
                    _ => "other",
                };
                *summary.entry(name.to_owned()).or_default() += 1;
                continue;
            }
        }
        for (index, doc) in snippet.documents.iter().enumerate() {
            let at = shown(snippet, index);
            let (api_version, kind) = (str_of(doc, "apiVersion"), str_of(doc, "kind"));
            match (api_version, kind) {
                ("apiextensions.k8s.io/v1", "CustomResourceDefinition") => {
                    if !snippet.file.starts_with("deploy/crds") {
                        problems.push(format!("{at}: CRDs live in deploy/crds"));
                    }
                    *summary
                        .entry("CRDs (loaded as schemas)".into())
                        .or_default() += 1;
                    continue;
                }
                ("kustomize.config.k8s.io/v1beta1", "Kustomization") => {
                    kustomization_checks(&root, &snippet.file, doc, &mut problems);
                    *summary
                        .entry("kustomizations: resources exist".into())
                        .or_default() += 1;
                    continue;
                }
                ("audit.k8s.io/v1", "Policy") => {
                    *summary
                        .entry("audit.k8s.io/v1 Policy: skipped, an API server file (no cluster schema)".into())
                        .or_default() += 1;
                    continue;
                }
                ("admission.k8s.io/v1", "AdmissionReview") => {
                    admission_review_checks(doc, &at, &mut problems);
                    *summary
                        .entry(
                            "AdmissionReviews: request shape (verdicts: e2e/tests/requests.rs)"
                                .into(),
                        )
                        .or_default() += 1;
                    continue;
                }
                _ => {}
            }
            match validate(&catalog, doc) {
                Ok(Checked::Schema { crd, version }) => {
                    *summary
                        .entry(format!("{crd} {version}: schema"))
                        .or_default() += 1;
                }
                Ok(Checked::MetadataOnly) => {
                    *summary
                        .entry(format!(
                            "{api_version} {kind}: metadata only (built-in, no schema vendored)"
                        ))
                        .or_default() += 1;
                }
                Err(errors) => {
                    for e in errors {
                        problems.push(format!("{at}: {api_version} {kind}: {e}"));
                    }
                }
            }
            for e in controller_checks(doc) {
                problems.push(format!("{at}: {kind} (Kubewarden webhook): {e}"));
            }
            let (_runs, errors) = vdi_guard_checks(doc, &policies);
            for e in errors {
                problems.push(format!("{at}: {kind}: {e}"));
            }
            let is_policy = xtask::kubewarden::POLICY_KINDS.contains(&kind)
                || xtask::kubewarden::GROUP_KINDS.contains(&kind);
            if is_policy && api_version.starts_with("policies.kubewarden.io/") {
                let server = doc
                    .pointer("/spec/policyServer")
                    .and_then(Value::as_str)
                    .unwrap_or("default");
                if !servers.contains(server) {
                    problems.push(format!(
                        "{at}: spec.policyServer {server:?} is defined nowhere in deploy/ (known: {servers:?})"
                    ));
                }
            }
        }
    }
    println!("checked:");
    for (what, count) in &summary {
        println!("  {count:4}  {what}");
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// policy-fetcher's `VerificationConfigV1` (`crates/policy-fetcher/src/verify/config.rs`),
/// field for field, unknown fields refused as there.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct VerificationConfig {
    api_version: String,
    all_of: Option<Vec<Signature>>,
    any_of: Option<AnyOf>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct AnyOf {
    #[serde(default)]
    minimum_matches: Option<u8>,
    signatures: Vec<Signature>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase", tag = "kind", deny_unknown_fields)]
#[allow(dead_code)]
enum Signature {
    PubKey {
        owner: Option<String>,
        key: String,
        annotations: Option<BTreeMap<String, String>>,
    },
    GenericIssuer {
        issuer: String,
        subject: BTreeMap<String, String>,
        annotations: Option<BTreeMap<String, String>>,
    },
    GithubAction {
        owner: String,
        repo: Option<String>,
        annotations: Option<BTreeMap<String, String>>,
    },
}

/// The placeholder `deploy/policy-server.yaml` ships until the release key
/// is pasted in (RELEASING.md, "Signing").
const KEY_PLACEHOLDER: &str = "REPLACE WITH THE RELEASE KEY";

fn verification_config(text: &str, at: &str) -> Result<(), String> {
    let config: VerificationConfig =
        serde_yaml::from_str(text).map_err(|e| format!("{at}: not a verification config: {e}"))?;
    if config.api_version != "v1" {
        return Err(format!(
            "{at}: apiVersion {:?}, policy-server reads v1",
            config.api_version
        ));
    }
    let signatures = config
        .all_of
        .iter()
        .flatten()
        .chain(config.any_of.iter().flat_map(|a| &a.signatures));
    let mut count = 0;
    for signature in signatures {
        count += 1;
        if let Signature::PubKey { key, .. } = signature {
            let pem = key.trim();
            let framed = pem.starts_with("-----BEGIN PUBLIC KEY-----")
                && pem.ends_with("-----END PUBLIC KEY-----");
            if !framed {
                return Err(format!(
                    "{at}: a pubKey key must be a PEM public key (cosign.pub)"
                ));
            }
            let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
            let base64 = body
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c));
            if !base64 && !body.contains(KEY_PLACEHOLDER) {
                return Err(format!(
                    "{at}: the PEM body is neither base64 nor the documented placeholder"
                ));
            }
        }
    }
    if count == 0 {
        return Err(format!("{at}: names no signature, so it verifies nothing"));
    }
    Ok(())
}

#[test]
fn verification_configs_are_policy_servers_format() {
    let root = workspace_root();
    let mut problems = Vec::new();
    let mut seen = 0;
    for snippet in snippets(&root) {
        for (index, doc) in snippet.documents.iter().enumerate() {
            let at = shown(&snippet, index);
            let text = match &snippet.label {
                Label::VerificationConfig => serde_yaml::to_string(doc).unwrap_or_default(),
                Label::Objects if str_of(doc, "kind") == "ConfigMap" => {
                    match doc
                        .pointer("/data/verification-config")
                        .and_then(Value::as_str)
                    {
                        Some(text) => text.to_owned(),
                        None => continue,
                    }
                }
                _ => continue,
            };
            seen += 1;
            if let Err(e) = verification_config(&text, &at) {
                problems.push(e);
            }
        }
    }
    assert!(
        seen >= 2,
        "RELEASING.md and deploy/policy-server.yaml each show one"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn verification_config_check_refuses_what_policy_server_refuses() {
    let good = "apiVersion: v1\nallOf:\n  - kind: pubKey\n    owner: x\n    key: |\n      -----BEGIN PUBLIC KEY-----\n      MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n      -----END PUBLIC KEY-----\n";
    verification_config(good, "good").unwrap();
    for (bad, fragment) in [
        (good.replace("pubKey", "publicKey"), "unknown variant"),
        (good.replace("owner: x", "ownr: x"), "unknown field"),
        (good.replace("apiVersion: v1", "apiVersion: v2"), "reads v1"),
        (
            good.replace("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE", "not base64!"),
            "neither base64",
        ),
        ("apiVersion: v1\nallOf: []\n".to_owned(), "verifies nothing"),
    ] {
        let err = verification_config(&bad, "bad").unwrap_err();
        assert!(err.contains(fragment), "{fragment}: {err}");
    }
}

fn created_at(value: &Value, at: &str) -> Result<(), String> {
    let map: BTreeMap<String, BTreeMap<String, String>> = serde_json::from_value(value.clone())
        .map_err(|e| format!("{at}: not `policy: {{version: date}}`: {e}"))?;
    for (policy, versions) in map {
        for (version, date) in versions {
            if !xtask::schema::is_rfc3339(&date) {
                return Err(format!(
                    "{at}: {policy} {version}: {date:?} is not RFC 3339"
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn created_at_snippets_have_the_files_format() {
    let root = workspace_root();
    let file = std::fs::read_to_string(root.join(xtask::artifacthub::CREATED_AT))
        .unwrap_or_else(|e| panic!("{e}"));
    let file: Value = serde_yaml::from_str(&file).unwrap_or_else(|e| panic!("{e}"));
    created_at(&file, xtask::artifacthub::CREATED_AT).unwrap_or_else(|e| panic!("{e}"));
    let mut seen = 0;
    for snippet in snippets(&root)
        .iter()
        .filter(|s| s.label == Label::CreatedAt)
    {
        for doc in &snippet.documents {
            seen += 1;
            created_at(doc, &snippet.origin).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    assert!(seen >= 1, "RELEASING.md shows one");
}

#[test]
fn replay_files_are_kwctl_sessions() {
    let root = workspace_root();
    for snippet in snippets(&root).iter().filter(|s| s.label == Label::Replay) {
        let text =
            std::fs::read_to_string(root.join(&snippet.file)).unwrap_or_else(|e| panic!("{e}"));
        let exchanges =
            xtask::replay::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", snippet.origin));
        assert!(!exchanges.is_empty(), "{}: no exchange", snippet.origin);
        for exchange in exchanges {
            exchange
                .objects()
                .unwrap_or_else(|e| panic!("{}: {e}", snippet.origin));
        }
    }
}

/// The part of kustomize the overlays here use: `resources` (files and
/// directories with a kustomization) and `patches` with a `target`
/// (group, version, kind, name) and an inline JSON 6902 `patch` of
/// `replace`/`add` operations.
fn kustomize(dir: &Path) -> Result<Vec<Value>, String> {
    let path = dir.join("kustomization.yaml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let k: Value = serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for resource in k
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let target = dir.join(resource.as_str().unwrap_or(""));
        if target.is_dir() {
            out.extend(kustomize(&target)?);
        } else {
            let text = std::fs::read_to_string(&target)
                .map_err(|e| format!("{}: {e}", target.display()))?;
            out.extend(xtask::docs::documents(&text)?);
        }
    }
    for patch in k
        .get("patches")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let target = patch.get("target").ok_or("a patch without target")?;
        let ops: Vec<Value> =
            serde_yaml::from_str(str_of(patch, "patch")).map_err(|e| format!("patch: {e}"))?;
        for object in out.iter_mut() {
            let (group, version) = str_of(object, "apiVersion")
                .rsplit_once('/')
                .unwrap_or(("", str_of(object, "apiVersion")));
            let matches = [
                ("group", group),
                ("version", version),
                ("kind", str_of(object, "kind")),
                (
                    "name",
                    object
                        .pointer("/metadata/name")
                        .and_then(Value::as_str)
                        .unwrap_or(""),
                ),
            ]
            .iter()
            .all(|(key, value)| {
                target
                    .get(key)
                    .and_then(Value::as_str)
                    .is_none_or(|t| t == *value)
            });
            if !matches {
                continue;
            }
            for op in &ops {
                let pointer = str_of(op, "path");
                let (parent, leaf) = pointer.rsplit_once('/').ok_or("a patch path needs a /")?;
                let value = op.get("value").cloned().unwrap_or(Value::Null);
                let slot = object
                    .pointer_mut(parent)
                    .and_then(Value::as_object_mut)
                    .ok_or_else(|| format!("patch path {pointer} does not exist"))?;
                match str_of(op, "op") {
                    "replace" if slot.contains_key(leaf) => {
                        slot.insert(leaf.to_owned(), value);
                    }
                    "add" => {
                        slot.insert(leaf.to_owned(), value);
                    }
                    other => {
                        return Err(format!(
                            "patch op {other:?} on {pointer} is not simulated here"
                        ));
                    }
                }
            }
        }
    }
    Ok(out)
}

#[test]
fn the_monitor_overlay_runs_every_policy_in_monitor_mode() {
    let root = workspace_root();
    let catalog = catalog(&root);
    let base = kustomize(&root.join("deploy")).unwrap_or_else(|e| panic!("{e}"));
    let monitor = kustomize(&root.join("deploy/monitor")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        base.len(),
        monitor.len(),
        "the overlay adds and drops nothing"
    );
    let mut policies = 0;
    for (before, after) in base.iter().zip(&monitor) {
        let kind = str_of(after, "kind");
        let is_policy = xtask::kubewarden::POLICY_KINDS.contains(&kind)
            || xtask::kubewarden::GROUP_KINDS.contains(&kind);
        if is_policy {
            policies += 1;
            assert_eq!(
                after.pointer("/spec/mode"),
                Some(&Value::from("monitor")),
                "{after}"
            );
            let mut restored = after.clone();
            if let Some(spec) = restored.get_mut("spec").and_then(Value::as_object_mut) {
                spec.insert(
                    "mode".into(),
                    before.pointer("/spec/mode").cloned().unwrap_or(Value::Null),
                );
            }
            assert_eq!(&restored, before, "only spec.mode changes");
            if let Err(errors) = validate(&catalog, after) {
                panic!("{}", errors.join("\n"));
            }
        } else {
            assert_eq!(before, after, "{kind} is unchanged");
        }
    }
    assert!(
        policies >= 6,
        "every generated policy is in the overlay's output"
    );
}

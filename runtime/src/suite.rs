//! Declarative behaviour suites: `policies/<policy>/suites/*.yaml`.
//!
//! Each case names a manifest (or a full request), who sends it and how, the
//! settings, any cluster objects the policy may look up, and the expected
//! verdict with message fragments, or for a mutating policy (`expect:
//! mutate`) the fields the patched object must hold.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

use crate::host::{PolicyModule, Verdict, lookup};
use crate::replay::Replay;
use crate::wrap::{WrapOptions, wrap};

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct SuiteFile {
    /// The policy the cases run against. Suites under
    /// `policies/<policy>/suites/` may leave it out; user suites run by
    /// `vdi-guard test` name it (or the command line does).
    #[serde(default)]
    pub policy: Option<String>,
    #[serde(default)]
    pub settings: Option<Value>,
    #[serde(default)]
    pub cases: Vec<Case>,
    #[serde(default)]
    pub settings_cases: Vec<SettingsCase>,
}

/// A file or an inline value.
#[derive(Deserialize, Debug, Clone)]
#[serde(untagged)]
pub enum Source {
    Path(String),
    Inline(Value),
}

#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    /// Admitted as sent (a mutation fails the case).
    Accept,
    Reject,
    /// Admitted with a mutation that holds every `patched` field.
    Mutate,
}

/// A field the mutated object must hold: a dotted path (`spec.containers.0.image`,
/// numbers index lists) or a JSON pointer (`/metadata/annotations/a~1b`),
/// and its JSON value.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct Patched {
    pub path: String,
    pub value: Value,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(untagged)]
pub enum Fragments {
    One(String),
    Many(Vec<String>),
}

impl Fragments {
    fn list(&self) -> Vec<&str> {
        match self {
            Fragments::One(s) => vec![s.as_str()],
            Fragments::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Case {
    pub name: String,
    #[serde(default)]
    pub manifest: Option<String>,
    #[serde(default)]
    pub object: Option<Value>,
    #[serde(default)]
    pub request: Option<Source>,
    #[serde(default)]
    pub operation: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub groups: Option<Vec<String>>,
    #[serde(default)]
    pub old_manifest: Option<String>,
    /// `oldObject: null` sends an UPDATE without its stored object (absent
    /// means the manifest itself, as for a no-op update).
    #[serde(default, deserialize_with = "explicit")]
    pub old_object: Option<Value>,
    #[serde(default)]
    pub sub_resource: Option<String>,
    #[serde(default)]
    pub settings: Option<Value>,
    #[serde(default)]
    pub context: Vec<Source>,
    pub expect: Expect,
    #[serde(default)]
    pub message: Option<Fragments>,
    /// With `expect: mutate`: the fields the mutated object must hold.
    #[serde(default)]
    pub patched: Vec<Patched>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct SettingsCase {
    pub name: String,
    pub settings: Value,
    pub valid: bool,
    #[serde(default)]
    pub message: Option<Fragments>,
}

/// A present field, `null` included, is `Some`.
fn explicit<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

/// One runnable check, tied to the file it came from.
#[derive(Debug, Clone)]
pub enum Check {
    Validate { settings: Value, case: Box<Case> },
    Settings(SettingsCase),
}

#[derive(Debug, Clone)]
pub struct Loaded {
    pub policy: String,
    /// File stem, e.g. `hiding-places`.
    pub file: String,
    pub dir: PathBuf,
    pub check: Check,
}

impl Loaded {
    pub fn name(&self) -> String {
        let case = match &self.check {
            Check::Validate { case, .. } => format!("validate::{}", case.name),
            Check::Settings(s) => format!("settings::{}", s.name),
        };
        format!("{}::{}::{}", self.policy, self.file, case)
    }
}

/// Loads every suite of every policy (`policies/<policy>/suites/`) under
/// the workspace `root`.
pub fn load_all(root: &Path) -> Result<Vec<Loaded>, String> {
    let mut out = Vec::new();
    for policy in xtask::policy::Policy::names(root)? {
        let dir = root.join("policies").join(&policy).join("suites");
        if !dir.is_dir() {
            continue;
        }
        for file in suite_files(&dir)? {
            out.extend(load_file(&file, Some(&policy))?);
        }
    }
    Ok(out)
}

/// The suite files of a directory: its `.yaml` and `.yml` files (fixtures
/// live in subdirectories).
pub fn suite_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    Ok(read_dir_sorted(dir)?
        .into_iter()
        .filter(|file| {
            file.is_file() && file.extension().is_some_and(|e| e == "yaml" || e == "yml")
        })
        .collect())
}

/// The checks of one suite file. The policy is the file's `policy:`, else
/// `policy`; a file naming another policy than `policy` is an error.
pub fn load_file(file: &Path, policy: Option<&str>) -> Result<Vec<Loaded>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let suite: SuiteFile =
        serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    let policy = match (&suite.policy, policy) {
        (Some(named), Some(given)) if named != given => {
            return Err(format!(
                "{}: the suite is for {named:?}, not {given:?}",
                file.display()
            ));
        }
        (Some(named), _) => named.clone(),
        (None, Some(given)) => given.to_owned(),
        (None, None) => {
            return Err(format!(
                "{}: say which policy the suite is for (`policy: <name>` at the top)",
                file.display()
            ));
        }
    };
    let dir = file.parent().unwrap_or(Path::new(".")).to_path_buf();
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let settings = suite
        .settings
        .unwrap_or_else(|| Value::Object(Default::default()));
    let mut out = Vec::new();
    for case in suite.cases {
        out.push(Loaded {
            policy: policy.clone(),
            file: stem.clone(),
            dir: dir.clone(),
            check: Check::Validate {
                settings: case.settings.clone().unwrap_or_else(|| settings.clone()),
                case: Box::new(case),
            },
        });
    }
    for s in suite.settings_cases {
        out.push(Loaded {
            policy: policy.clone(),
            file: stem.clone(),
            dir: dir.clone(),
            check: Check::Settings(s),
        });
    }
    Ok(out)
}

fn read_dir_sorted(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    Ok(entries)
}

fn resolve(dir: &Path, source: &Source) -> Result<Value, String> {
    match source {
        Source::Path(p) => crate::read_document(&dir.join(p)),
        Source::Inline(v) => Ok(v.clone()),
    }
}

fn check_fragments(message: &str, expected: &Option<Fragments>) -> Result<(), String> {
    let missing: Vec<&str> = expected
        .as_ref()
        .map(Fragments::list)
        .unwrap_or_default()
        .into_iter()
        .filter(|f| !message.contains(f))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("message {message:?} lacks {missing:?}"))
    }
}

/// Every `patched` field holds its value in the mutated object.
fn check_patched(
    mutated: &Value,
    patched: &[Patched],
    verdict: &Verdict,
    object: &Value,
) -> Result<(), String> {
    let wrong: Vec<String> = patched
        .iter()
        .filter(|p| lookup(mutated, &p.path) != Some(&p.value))
        .map(|p| match lookup(mutated, &p.path) {
            Some(got) => format!("{} is {got}, not {}", p.path, p.value),
            None => format!("{} is absent, not {}", p.path, p.value),
        })
        .collect();
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the mutated object differs: {}; the mutation changes {}",
            wrong.join("; "),
            verdict.changes(object).join(", ")
        ))
    }
}

/// Builds the AdmissionRequest a case describes.
pub fn build_request(dir: &Path, case: &Case) -> Result<Value, String> {
    let sources = [
        case.manifest.is_some(),
        case.object.is_some(),
        case.request.is_some(),
    ];
    if sources.iter().filter(|s| **s).count() != 1 {
        return Err("a case needs exactly one of manifest, object, request".into());
    }
    if let Some(request) = &case.request {
        let mut request = resolve(dir, request)?;
        if let Some(map) = request.as_object_mut() {
            map.entry("uid")
                .or_insert_with(|| Value::String("00000000-0000-0000-0000-000000000001".into()));
        }
        return Ok(request);
    }
    let manifest = match (&case.manifest, &case.object) {
        (Some(p), _) => crate::read_document(&dir.join(p))?,
        (_, Some(v)) => v.clone(),
        _ => return Err("unreachable: no manifest".into()),
    };
    let old_object = match (&case.old_manifest, &case.old_object) {
        (Some(p), _) => Some(crate::read_document(&dir.join(p))?),
        (_, Some(v)) => Some(v.clone()),
        _ => None,
    };
    let defaults = WrapOptions::default();
    let options = WrapOptions {
        operation: case.operation.clone().unwrap_or(defaults.operation),
        user: case.user.clone().unwrap_or(defaults.user),
        groups: case.groups.clone().unwrap_or(defaults.groups),
        sub_resource: case.sub_resource.clone(),
        old_object,
    };
    wrap(&manifest, &options)
}

/// Runs one check against a compiled module, as policy-server would:
/// settings are validated first, then `validate` runs on a fresh instance.
pub fn run(module: &PolicyModule, loaded: &Loaded) -> Result<(), String> {
    match &loaded.check {
        Check::Settings(case) => {
            let verdict = module.validate_settings(&case.settings);
            if verdict.valid != case.valid {
                return Err(format!("expected valid={}, got {verdict:?}", case.valid));
            }
            if !case.valid {
                check_fragments(
                    verdict.message.as_deref().unwrap_or_default(),
                    &case.message,
                )?;
            }
            Ok(())
        }
        Check::Validate { settings, case } => {
            let settings_verdict = module.validate_settings(settings);
            if !settings_verdict.valid {
                return Err(format!(
                    "policy-server would refuse to load these settings: {settings_verdict:?}"
                ));
            }
            let request = build_request(&loaded.dir, case)?;
            let context = case
                .context
                .iter()
                .map(|s| resolve(&loaded.dir, s))
                .collect::<Result<Vec<_>, _>>()?;
            let replay = Arc::new(Replay::from_objects(context)?);
            if (case.expect == Expect::Mutate) == case.patched.is_empty() {
                return Err(
                    "`patched:` goes with `expect: mutate`, which needs at least one".into(),
                );
            }
            let (verdict, _) = module.validate(&request, settings, replay);
            if verdict.guest_error {
                return Err(format!(
                    "the module failed instead of answering: {:?}",
                    verdict.message
                ));
            }
            let object = request.get("object").unwrap_or(&Value::Null);
            match (case.expect, verdict.accepted, &verdict.mutated_object) {
                (Expect::Accept, true, None) => Ok(()),
                (Expect::Accept, true, Some(_)) => Err(format!(
                    "expected accept, got a mutation ({}); say `expect: mutate` with `patched:`",
                    verdict.changes(object).join(", ")
                )),
                (Expect::Mutate, true, Some(mutated)) => {
                    check_patched(mutated, &case.patched, &verdict, object)
                }
                (Expect::Mutate, true, None) => {
                    Err("expected a mutation, got a plain accept".into())
                }
                (Expect::Reject, false, _) => check_fragments(
                    verdict.message.as_deref().unwrap_or_default(),
                    &case.message,
                ),
                (Expect::Accept | Expect::Mutate, false, _) => Err(format!(
                    "expected {}, got rejection: {:?}",
                    if case.expect == Expect::Accept {
                        "accept"
                    } else {
                        "a mutation"
                    },
                    verdict.message
                )),
                (Expect::Reject, true, _) => Err(format!(
                    "expected rejection, got accept{}",
                    if verdict.mutated_object.is_some() {
                        format!(" with a mutation ({})", verdict.changes(object).join(", "))
                    } else {
                        String::new()
                    }
                )),
            }
        }
    }
}

//! Verdict parity: every case of every `policies/*/suites/*.yaml` through
//! the browser build (`web/pkg`, under Node) gives the verdict and message
//! the `.wasm` module gives in the e2e harness, on the same AdmissionRequest,
//! after the same cluster lookups.
//!
//! The harness side runs here (`e2e`: wasmtime, a fresh instance per request,
//! `dist/<policy>.wasm`); the web side is one `node web/tools/parity.mjs`
//! run over all cases. A manifest read from a file reaches the web build as
//! its text (so the browser's YAML parsing and wrapping are under test, and
//! the request it built is compared too); a raw request as the JSON the
//! harness sends. Settings cases compare `validate_settings`.
//!
//! Runs when `VDI_WEB_PKG` names the built package (`just test-web` sets
//! it after `just web` and `just build`); otherwise every case is listed as
//! ignored, so `cargo test --workspace` does not need Node or the package.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use e2e::host::PolicyModule;
use e2e::replay::Replay;
use e2e::suite::{Case, Check, Loaded, Source, build_request, load_all};
use e2e::wrap::as_policy_server_request;
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::{Value, json};

/// What a side answered: a verdict, or an error (settings refused, the
/// guest failed, no request could be built).
#[derive(Debug, Clone, PartialEq)]
enum Answer {
    Verdict {
        accepted: bool,
        message: Option<String>,
        /// The cluster lookups made, in order (`v1 Pod vdi/session-alice`).
        lookups: Vec<String>,
    },
    Settings {
        valid: bool,
        message: Option<String>,
    },
    Error,
}

fn resolve(dir: &Path, source: &Source) -> Result<Value, String> {
    match source {
        Source::Path(p) => e2e::read_document(&dir.join(p)),
        Source::Inline(v) => Ok(v.clone()),
    }
}

fn read(dir: &Path, file: &str) -> Result<String, String> {
    let path = dir.join(file);
    std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The harness's answer and the request it sent (policy-server's shape).
fn harness(loaded: &Loaded) -> Result<(Answer, Option<Value>), String> {
    let module = PolicyModule::cached(&loaded.policy)?;
    match &loaded.check {
        Check::Settings(case) => {
            let v = module.validate_settings(&case.settings);
            Ok((
                Answer::Settings {
                    valid: v.valid,
                    message: v.message,
                },
                None,
            ))
        }
        Check::Validate { settings, case } => {
            if !module.validate_settings(settings).valid {
                return Ok((Answer::Error, None));
            }
            let request = build_request(&loaded.dir, case)?;
            let forwarded = as_policy_server_request(&request).ok();
            let context = case
                .context
                .iter()
                .map(|s| resolve(&loaded.dir, s))
                .collect::<Result<Vec<_>, _>>()?;
            let replay = Arc::new(Replay::from_objects(context)?);
            let (verdict, log) = module.validate(&request, settings, replay);
            let answer = if verdict.guest_error {
                Answer::Error
            } else {
                Answer::Verdict {
                    accepted: verdict.accepted,
                    message: verdict.message,
                    lookups: log.lookups,
                }
            };
            Ok((answer, forwarded))
        }
    }
}

/// The call `parity.mjs` makes for a case: `{fn, input}`.
fn web_call(loaded: &Loaded) -> Result<Value, String> {
    let (settings, case): (&Value, &Case) = match &loaded.check {
        Check::Settings(case) => {
            return Ok(json!({"fn": "validateSettings",
                "input": {"policy": loaded.policy, "settings": case.settings}}));
        }
        Check::Validate { settings, case } => (settings, case),
    };
    let dir = &loaded.dir;
    let context = case
        .context
        .iter()
        .map(|s| resolve(dir, s))
        .collect::<Result<Vec<_>, _>>()?;
    let mut input = json!({
        "policies": [loaded.policy],
        "settings": {&loaded.policy: settings},
        "context": context,
        // The suites judge requests the rules would not route, too.
        "ignoreRules": true,
    });
    let fields = input.as_object_mut().ok_or("unreachable")?;
    if case.request.is_some() {
        fields.insert("request".into(), build_request(dir, case)?);
        return Ok(json!({"fn": "evaluateRequest", "input": input}));
    }
    let manifest = match (&case.manifest, &case.object) {
        (Some(file), _) => Value::String(read(dir, file)?),
        (_, Some(object)) => object.clone(),
        _ => return Err("a case needs exactly one of manifest, object, request".into()),
    };
    fields.insert("manifest".into(), manifest);
    match (&case.old_manifest, &case.old_object) {
        (Some(file), _) => {
            fields.insert("oldManifest".into(), Value::String(read(dir, file)?));
        }
        (_, Some(old)) => {
            fields.insert("oldManifest".into(), old.clone());
        }
        _ => {}
    }
    for (key, value) in [
        ("operation", case.operation.clone().map(Value::from)),
        ("user", case.user.clone().map(Value::from)),
        ("groups", case.groups.clone().map(Value::from)),
        ("subResource", case.sub_resource.clone().map(Value::from)),
    ] {
        if let Some(value) = value {
            fields.insert(key.into(), value);
        }
    }
    Ok(json!({"fn": "evaluate", "input": input}))
}

/// The web answer and the request it built.
fn web_answer(answer: &Value) -> Result<(Answer, Option<Value>), String> {
    if answer["ok"] != true {
        return Err(format!("the web build refused the input: {answer}"));
    }
    let text = |v: &Value| v.as_str().map(str::to_owned);
    if answer.get("valid").is_some() {
        return Ok((
            Answer::Settings {
                valid: answer["valid"] == true,
                message: text(&answer["message"]),
            },
            None,
        ));
    }
    let object = &answer["objects"][0];
    let request = object.get("request").cloned();
    let Some(result) = object["results"].get(0) else {
        return Ok((Answer::Error, request));
    };
    let answer = match result["verdict"].as_str() {
        Some("accept") | Some("reject") => Answer::Verdict {
            accepted: result["verdict"] == "accept",
            message: text(&result["message"]),
            lookups: result["lookups"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(text)
                .collect(),
        },
        _ => Answer::Error,
    };
    Ok((answer, request))
}

/// The value as JavaScript sees it: every number a double (the answer
/// reaches Node as a JS object, where `2.0` and `2` are one number).
fn as_js(value: &Value) -> Value {
    match value {
        Value::Number(n) => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
        Value::Array(items) => Value::Array(items.iter().map(as_js).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), as_js(v))).collect())
        }
        other => other.clone(),
    }
}

struct Prepared {
    name: String,
    policy: String,
    harness: Result<(Answer, Option<Value>), String>,
    call: Result<Value, String>,
}

/// Runs `parity.mjs` once over every call; one answer per call, in order.
fn run_node(pkg: &Path, calls: &[Value]) -> Result<Vec<Value>, String> {
    let tmp = std::env::temp_dir().join(format!("vdi-guard-parity-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| e.to_string())?;
    let input = tmp.join("calls.json");
    let output = tmp.join("answers.json");
    std::fs::write(&input, Value::from(calls.to_vec()).to_string()).map_err(|e| e.to_string())?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/parity.mjs");
    let status = std::process::Command::new("node")
        .arg(&script)
        .arg(pkg)
        .arg(&input)
        .arg(&output)
        .status()
        .map_err(|e| format!("node: {e} (Node 20 runs the web build)"))?;
    if !status.success() {
        return Err(format!("{} failed: {status}", script.display()));
    }
    let text = std::fs::read_to_string(&output).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&tmp);
    let answers: Vec<Value> = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    if answers.len() != calls.len() {
        return Err(format!(
            "{} answers for {} calls",
            answers.len(),
            calls.len()
        ));
    }
    Ok(answers)
}

fn main() {
    let args = Arguments::from_args();
    let root = e2e::workspace_root();
    let loaded = match load_all(&root) {
        Ok(all) => all,
        Err(e) => {
            let trial = Trial::test("parity::load", move || Err(e.into()));
            libtest_mimic::run(&args, vec![trial]).exit();
        }
    };
    let in_build: Vec<&str> = web::registry::POLICIES
        .iter()
        .map(|e| e.native.name)
        .collect();
    // Relative to the repository root (cargo runs tests in the crate's directory).
    let pkg = std::env::var_os("VDI_WEB_PKG").map(|p| root.join(PathBuf::from(p)));
    let Some(pkg) = pkg else {
        let trials = loaded
            .iter()
            .map(|l| Trial::test(l.name(), || Ok(())).with_ignored_flag(true))
            .collect();
        eprintln!("parity: set VDI_WEB_PKG=web/pkg (just test-web) to run");
        libtest_mimic::run(&args, trials).exit();
    };
    let filtered = |name: &str| {
        args.filter.as_deref().is_none_or(|f| {
            if args.exact {
                name == f
            } else {
                name.contains(f)
            }
        })
    };
    let prepared: Vec<Prepared> = loaded
        .iter()
        .filter(|l| filtered(&l.name()))
        .map(|l| Prepared {
            name: l.name(),
            policy: l.policy.clone(),
            harness: harness(l),
            call: web_call(l),
        })
        .collect();
    // Each input travels as JSON text, which the exported functions take as
    // it is: a JS object would turn YAML's `2e0` (a float) into the integer 2.
    let calls: Vec<Value> = prepared
        .iter()
        .map(|p| match &p.call {
            Ok(call) => json!({"fn": call["fn"], "input": call["input"].to_string()}),
            Err(_) => Value::Null,
        })
        .collect();
    let answers = match run_node(&pkg, &calls) {
        Ok(answers) => answers,
        Err(e) => {
            let trial = Trial::test("parity::node", move || Err(e.into()));
            libtest_mimic::run(&args, vec![trial]).exit();
        }
    };
    let trials = prepared
        .into_iter()
        .zip(answers)
        .map(|(p, web)| {
            let known = in_build.contains(&p.policy.as_str());
            Trial::test(p.name, move || {
                if !known {
                    return Err(Failed::from(format!(
                        "{} is not in the web build: run `just package`",
                        p.policy
                    )));
                }
                p.call?;
                let (want, want_request) = p.harness?;
                let (got, got_request) = web_answer(&web)?;
                if want != got {
                    return Err(format!("module: {want:?}\nweb:    {got:?}").into());
                }
                if let (Some(want), Some(got)) = (&want_request, &got_request)
                    && as_js(want) != as_js(got)
                {
                    return Err(
                        format!("the requests differ:\nharness: {want}\nweb:     {got}").into(),
                    );
                }
                Ok(())
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

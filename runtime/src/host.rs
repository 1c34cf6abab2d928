//! Loading a module and calling it the way policy-server does.
//!
//! policy-server compiles a module once and, for every admission request,
//! rehydrates a fresh waPC instance from a pre-instantiated template, so no
//! state survives between requests. The harness does the same, with the
//! same engine configuration (`wasmtime::Config::new()` with epoch
//! interruption, the policy timeout ticking once a second).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};
use wapc::WapcHost;
use wasmtime_provider::wasmtime;
use wasmtime_provider::{EpochDeadlines, WasmtimeEngineProviderBuilder, WasmtimeEngineProviderPre};

use xtask::metadata::Embedded;
use xtask::replay::{Exchange, Request, Response};

use crate::Metadata;
use crate::cache::CompileCache;
use crate::replay::Replay;
use crate::wrap::as_policy_server_request;

/// policy-server's default policy timeout, in epoch ticks of one second.
const TIMEOUT_TICKS: u64 = 2;

/// The process-wide engine, with an epoch ticker like policy-server's.
pub fn engine() -> &'static wasmtime::Engine {
    static ENGINE: OnceLock<wasmtime::Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = wasmtime::Config::new();
        config.epoch_interruption(true);
        let engine =
            wasmtime::Engine::new(&config).unwrap_or_else(|e| panic!("wasmtime engine: {e}"));
        let ticker = engine.clone();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_secs(1));
                ticker.increment_epoch();
            }
        });
        engine
    })
}

/// The answer to `validate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub accepted: bool,
    pub message: Option<String>,
    pub code: Option<u16>,
    /// The guest failed (trap, error return, malformed response) instead of
    /// answering; policy-server turns that into an opaque 500.
    pub guest_error: bool,
    /// A mutating policy's `mutated_object`: the whole object as it should
    /// be stored (policy-server turns it into a JSON patch). Only kept on an
    /// acceptance, as policy-server only applies it then.
    pub mutated_object: Option<Value>,
}

impl Verdict {
    /// What the mutation changes in `object` (see [`changes`]); empty
    /// without one.
    pub fn changes(&self, object: &Value) -> Vec<String> {
        self.mutated_object
            .as_ref()
            .map(|after| changes(object, after))
            .unwrap_or_default()
    }
}

#[derive(Deserialize)]
struct ValidationResponse {
    accepted: bool,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    code: Option<u16>,
    #[serde(default)]
    mutated_object: Option<Value>,
}

/// The leaves a mutation sets, changes or removes, as dotted paths (list
/// indexes are numbers): `spec.containers.0.securityContext.allowPrivilegeEscalation=false`,
/// `spec.x removed`. An added object or list is listed leaf by leaf.
pub fn changes(before: &Value, after: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk_changes(String::new(), Some(before), Some(after), &mut out);
    out
}

fn walk_changes(
    path: String,
    before: Option<&Value>,
    after: Option<&Value>,
    out: &mut Vec<String>,
) {
    let child = |key: &dyn std::fmt::Display| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    let unset = |v: Option<&Value>| v.is_none_or(Value::is_null);
    match (before, after) {
        (Some(Value::Object(b)), Some(Value::Object(a))) => {
            let keys: std::collections::BTreeSet<&String> = b.keys().chain(a.keys()).collect();
            for key in keys {
                walk_changes(child(key), b.get(key), a.get(key), out);
            }
        }
        (Some(Value::Array(b)), Some(Value::Array(a))) => {
            for i in 0..b.len().max(a.len()) {
                walk_changes(child(&i), b.get(i), a.get(i), out);
            }
        }
        (b, Some(Value::Object(a))) if unset(b) && !a.is_empty() => {
            for (key, value) in a {
                walk_changes(child(key), None, Some(value), out);
            }
        }
        (b, Some(Value::Array(a))) if unset(b) && !a.is_empty() => {
            for (i, value) in a.iter().enumerate() {
                walk_changes(child(&i), None, Some(value), out);
            }
        }
        (b, a) if b == a => {}
        (_, Some(a)) => out.push(format!("{path}={a}")),
        (_, None) => out.push(format!("{path} removed")),
    }
}

/// The value at `path` in `value`: a dotted path (`spec.containers.0.image`,
/// numbers index lists) or, for keys with dots in them, a JSON pointer
/// (`/metadata/annotations/vdi.kasm.io~1user`).
pub fn lookup<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    if path.starts_with('/') {
        return value.pointer(path);
    }
    path.split('.').try_fold(value, |node, key| match node {
        Value::Object(map) => map.get(key),
        Value::Array(list) => key.parse::<usize>().ok().and_then(|i| list.get(i)),
        _ => None,
    })
}

/// The answer to `validate_settings`.
#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct SettingsVerdict {
    pub valid: bool,
    #[serde(default)]
    pub message: Option<String>,
}

/// What one request's host calls saw.
#[derive(Default, Debug)]
pub struct CallLog {
    pub logs: Vec<String>,
    pub lookups: Vec<String>,
    /// The Kubernetes calls and their answers, in order: what `kwctl run
    /// --replay-host-capabilities-interactions` needs to replay them.
    pub exchanges: Vec<Exchange>,
}

/// A compiled policy module, ready to be instantiated per request.
pub struct PolicyModule {
    pub name: String,
    pre: WasmtimeEngineProviderPre,
    metadata: Metadata,
}

impl PolicyModule {
    /// Compiles module bytes (the expensive step policy-server does at start-up).
    pub fn from_bytes(
        name: &str,
        bytes: &[u8],
        metadata: Metadata,
    ) -> Result<PolicyModule, String> {
        let module =
            wasmtime::Module::new(engine(), bytes).map_err(|e| format!("{name}: compile: {e}"))?;
        PolicyModule::from_module(name, module, metadata)
    }

    /// A module as policy-server loads one: its routing rules and
    /// context-aware resources read from its own `io.kubewarden.metadata`
    /// section (written by `just build`, `kwctl annotate`), its name from
    /// the title annotation, compiled through `cache` when given.
    pub fn from_annotated(
        bytes: &[u8],
        cache: Option<&CompileCache>,
    ) -> Result<PolicyModule, String> {
        let section = xtask::annotate::read(bytes)?;
        let embedded: Embedded = serde_json::from_slice(section)
            .map_err(|e| format!("io.kubewarden.metadata section: {e}"))?;
        let metadata = Metadata::from(embedded);
        let name = metadata.annotation(xtask::metadata::TITLE).to_owned();
        if name.is_empty() {
            return Err(format!(
                "io.kubewarden.metadata section: no `{}` annotation to name the policy by",
                xtask::metadata::TITLE
            ));
        }
        let module = match cache {
            Some(cache) => cache.module(engine(), bytes),
            None => wasmtime::Module::new(engine(), bytes).map_err(|e| format!("compile: {e}")),
        }
        .map_err(|e| format!("{name}: {e}"))?;
        PolicyModule::from_module(&name, module, metadata)
    }

    fn from_module(
        name: &str,
        module: wasmtime::Module,
        metadata: Metadata,
    ) -> Result<PolicyModule, String> {
        let pre = WasmtimeEngineProviderBuilder::new()
            .engine(engine().clone())
            .module(module)
            .build_pre()
            .map_err(|e| format!("{name}: pre-instantiate: {e}"))?;
        Ok(PolicyModule {
            name: name.to_string(),
            pre,
            metadata,
        })
    }

    /// Loads `dist/<policy>.wasm` with `policies/<policy>/metadata.yml`.
    pub fn load_policy(policy: &str) -> Result<PolicyModule, String> {
        let path = crate::dist_module(policy);
        let bytes = std::fs::read(&path)
            .map_err(|e| format!("{}: {e} (run `just build` first)", path.display()))?;
        PolicyModule::from_bytes(policy, &bytes, crate::policy_metadata(policy)?)
    }

    /// [`PolicyModule::load_policy`] once per process and policy, as
    /// policy-server compiles each module once at start-up; a failure is
    /// remembered too, so every test of that policy reports it.
    pub fn cached(policy: &str) -> Result<Arc<PolicyModule>, String> {
        type Cache = Mutex<HashMap<String, Result<Arc<PolicyModule>, String>>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        let mut cache = CACHE
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        cache
            .entry(policy.to_owned())
            .or_insert_with(|| PolicyModule::load_policy(policy).map(Arc::new))
            .clone()
    }

    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// A fresh instance whose host calls are answered from `replay`.
    fn instance(&self, replay: Arc<Replay>, log: Arc<Mutex<CallLog>>) -> Result<WapcHost, String> {
        let provider = self
            .pre
            .rehydrate(Some(EpochDeadlines {
                wapc_init: TIMEOUT_TICKS,
                wapc_func: TIMEOUT_TICKS,
            }))
            .map_err(|e| format!("{}: instantiate: {e}", self.name))?;
        let metadata = self.metadata.clone();
        let callback =
            move |_id: u64, binding: &str, namespace: &str, operation: &str, payload: &[u8]| {
                host_call(
                    &metadata, &replay, &log, binding, namespace, operation, payload,
                )
            };
        WapcHost::new(Box::new(provider), Some(Box::new(callback)))
            .map_err(|e| format!("{}: waPC init: {e}", self.name))
    }

    /// A fresh instance with no Kubernetes objects to look up: what
    /// policy-server builds per request, for `vdi-bench` to time.
    pub fn fresh_instance(&self) -> Result<WapcHost, String> {
        self.instance(Arc::default(), Arc::default())
    }

    fn call(
        &self,
        operation: &str,
        payload: &[u8],
        replay: Arc<Replay>,
        log: Arc<Mutex<CallLog>>,
    ) -> Result<Vec<u8>, String> {
        self.instance(replay, log)?
            .call(operation, payload)
            .map_err(|e| e.to_string())
    }

    pub fn protocol_version(&self) -> Result<String, String> {
        let raw = self.call("protocol_version", &[], Arc::default(), Arc::default())?;
        serde_json::from_slice::<String>(&raw).map_err(|e| format!("protocol_version answer: {e}"))
    }

    /// Calls `validate_settings` with the settings JSON, as at policy load.
    pub fn validate_settings(&self, settings: &Value) -> SettingsVerdict {
        let payload = settings.to_string();
        match self.call(
            "validate_settings",
            payload.as_bytes(),
            Arc::default(),
            Arc::default(),
        ) {
            Ok(raw) => serde_json::from_slice(&raw).unwrap_or_else(|e| SettingsVerdict {
                valid: false,
                message: Some(format!("error: {e}")),
            }),
            Err(e) => SettingsVerdict {
                valid: false,
                message: Some(format!("Error invoking settings validation callback: {e}")),
            },
        }
    }

    /// Calls `validate` on a fresh instance. `request` is an AdmissionRequest;
    /// it is re-serialized through policy-server's request shape first.
    pub fn validate(
        &self,
        request: &Value,
        settings: &Value,
        replay: Arc<Replay>,
    ) -> (Verdict, CallLog) {
        let log = Arc::new(Mutex::new(CallLog::default()));
        let verdict = match as_policy_server_request(request) {
            Err(e) => internal_error(format!("the API server would not send this request: {e}")),
            Ok(request) => {
                let payload = json!({"request": request, "settings": settings}).to_string();
                match self.call("validate", payload.as_bytes(), replay, log.clone()) {
                    Ok(raw) => match serde_json::from_slice::<ValidationResponse>(&raw) {
                        Ok(r) => Verdict {
                            accepted: r.accepted,
                            message: r.message,
                            code: r.code,
                            guest_error: false,
                            mutated_object: r.mutated_object.filter(|_| r.accepted),
                        },
                        Err(e) => internal_error(format!("malformed ValidationResponse: {e}")),
                    },
                    Err(e) => internal_error(e),
                }
            }
        };
        let log = std::mem::take(&mut *log.lock().unwrap_or_else(|p| p.into_inner()));
        (verdict, log)
    }
}

fn internal_error(message: String) -> Verdict {
    Verdict {
        accepted: false,
        message: Some(message),
        code: Some(500),
        guest_error: true,
        mutated_object: None,
    }
}

#[derive(Deserialize)]
struct GetResource {
    api_version: String,
    kind: String,
    name: String,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    disable_cache: bool,
}

#[derive(Deserialize)]
struct ListAll {
    api_version: String,
    kind: String,
    #[serde(default)]
    label_selector: Option<String>,
    #[serde(default)]
    field_selector: Option<String>,
}

type HostResult = Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>>;

/// The `kubewarden` binding, as far as these policies use it.
fn host_call(
    metadata: &Metadata,
    replay: &Replay,
    log: &Mutex<CallLog>,
    binding: &str,
    namespace: &str,
    operation: &str,
    payload: &[u8],
) -> HostResult {
    let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
    match (binding, namespace, operation) {
        ("kubewarden", "tracing", "log") => {
            log.logs.push(String::from_utf8_lossy(payload).into_owned());
            Ok(Vec::new())
        }
        ("kubewarden", "kubernetes", "get_resource") => {
            let req: GetResource = serde_json::from_slice(payload)?;
            let ns = req.namespace.clone().unwrap_or_default();
            log.lookups.push(format!(
                "{} {} {}/{}",
                req.api_version, req.kind, ns, req.name
            ));
            let answer = if !metadata.may_read(&req.api_version, &req.kind) {
                Err(not_granted(&req.api_version, &req.kind))
            } else {
                match replay.get(&req.api_version, &req.kind, &ns, &req.name) {
                    Some(object) => Ok(serde_json::to_vec(object)?),
                    None => Err(format!(
                        "{} {} {ns}/{} not found",
                        req.api_version, req.kind, req.name
                    )),
                }
            };
            let request = Request::KubernetesGetResource {
                api_version: req.api_version,
                kind: req.kind,
                name: req.name,
                namespace: req.namespace,
                disable_cache: req.disable_cache,
                field_masks: None,
            };
            record(&mut log, request, answer)
        }
        ("kubewarden", "kubernetes", "list_resources_all") => {
            let req: ListAll = serde_json::from_slice(payload)?;
            log.lookups
                .push(format!("{} {} (list)", req.api_version, req.kind));
            let answer = if !metadata.may_read(&req.api_version, &req.kind) {
                Err(not_granted(&req.api_version, &req.kind))
            } else if req.label_selector.is_some() || req.field_selector.is_some() {
                Err("the replay answers unfiltered lists only".to_owned())
            } else {
                Ok(serde_json::to_vec(
                    &replay.list(&req.api_version, &req.kind),
                )?)
            };
            let request = Request::KubernetesListResourceAll {
                api_version: req.api_version,
                kind: req.kind,
                label_selector: req.label_selector,
                field_selector: req.field_selector,
                field_masks: None,
            };
            record(&mut log, request, answer)
        }
        ("kubewarden", _, _) => Err(format!("unknown operation: {namespace}/{operation}").into()),
        _ => Err(format!("unknown binding: {binding}").into()),
    }
}

/// policy-server's answer to a lookup outside `contextAwareResources`.
fn not_granted(api_version: &str, kind: &str) -> String {
    format!(
        "Policy has not been granted access to Kubernetes {api_version}/{kind} resources. The violation has been reported."
    )
}

/// Logs the exchange and hands the answer to the guest.
fn record(log: &mut CallLog, request: Request, answer: Result<Vec<u8>, String>) -> HostResult {
    let response = match &answer {
        Ok(payload) => Response::Success {
            payload: String::from_utf8_lossy(payload).into_owned(),
        },
        Err(message) => Response::Error {
            message: message.clone(),
        },
    };
    log.exchanges.push(Exchange { request, response });
    answer.map_err(Into::into)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_list_the_leaves_a_mutation_sets() {
        let before = json!({"spec": {"securityContext": null, "containers": [{"name": "a", "securityContext": {"capabilities": {"drop": ["NET_RAW"]}}}], "gone": 1}});
        let after = json!({"spec": {"securityContext": {"runAsNonRoot": true}, "containers": [{"name": "a", "securityContext": {"capabilities": {"drop": ["NET_RAW", "ALL"]}, "allowPrivilegeEscalation": false}}]}});
        assert_eq!(
            changes(&before, &after),
            [
                "spec.containers.0.securityContext.allowPrivilegeEscalation=false",
                "spec.containers.0.securityContext.capabilities.drop.1=\"ALL\"",
                "spec.gone removed",
                "spec.securityContext.runAsNonRoot=true",
            ]
        );
        assert!(changes(&before, &before).is_empty());
    }

    #[test]
    fn lookup_takes_dotted_paths_and_pointers() {
        let object = json!({"metadata": {"annotations": {"vdi.kasm.io/user": "alice"}}, "spec": {"containers": [{"image": "x"}]}});
        assert_eq!(
            lookup(&object, "spec.containers.0.image"),
            Some(&json!("x"))
        );
        assert_eq!(
            lookup(&object, "/metadata/annotations/vdi.kasm.io~1user"),
            Some(&json!("alice"))
        );
        assert_eq!(lookup(&object, "spec.containers.1.image"), None);
        assert_eq!(lookup(&object, "spec.containers.x"), None);
    }
}

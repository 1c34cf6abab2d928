//! `vdi-guard check`: every document against every policy whose rules
//! route it, as the API server would send it, on all cores.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use runtime::replay::Replay;
use runtime::wrap::{WrapOptions, resource_for_kind, split_api_version, wrap};
use serde_json::Value;

use crate::input::{self, Document, Origin};
use crate::modules::{self, Policy};
use crate::{CheckArgs, RequestOptions, Status, report, schema};

/// What one policy said of one object, or why nothing judged it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Accepted,
    /// Admitted with a mutation: the fields it sets.
    Mutated(Vec<String>),
    Rejected(String),
    /// The input is not an object the API server would take.
    Invalid(String),
    /// No loaded policy handles it.
    NotChecked(String),
}

/// One line of the report.
#[derive(Debug, Clone)]
pub struct Row {
    pub origin: Origin,
    /// `Kind/namespace/name`, `Kind/name` for cluster objects, `-` when
    /// the input is not an object.
    pub object: String,
    /// `None` for input errors and unrouted objects.
    pub policy: Option<String>,
    pub outcome: Outcome,
}

impl Row {
    pub fn status(&self) -> Status {
        match self.outcome {
            Outcome::Accepted | Outcome::Mutated(_) | Outcome::NotChecked(_) => Status::Admitted,
            Outcome::Rejected(_) => Status::Rejected,
            Outcome::Invalid(_) => Status::BadInput,
        }
    }
}

pub fn run(args: CheckArgs) -> Result<Status, String> {
    let policies = modules::load(&args.modules, &args.settings)?;
    let documents = input::read(&args.paths);
    let rows = evaluate(&policies, documents, &args.request)?;
    let status = rows
        .iter()
        .map(Row::status)
        .max()
        .unwrap_or(Status::Admitted);
    report::check(&rows, &policies, args.output)?;
    Ok(status)
}

/// A request to run, or a row that needs none.
enum Job {
    Done(Row),
    Run {
        origin: Origin,
        object: String,
        policy: usize,
        request: Arc<Value>,
        replay: Arc<Replay>,
    },
}

/// Builds every (object, policy) request, runs them on all cores, and
/// returns the rows in input order.
pub fn evaluate(
    policies: &[Policy],
    documents: Vec<Document>,
    options: &RequestOptions,
) -> Result<Vec<Row>, String> {
    let context = Arc::new(context(&options.context)?);
    let old = old_objects(options)?;
    let mut jobs = Vec::new();
    for document in documents {
        plan(document, policies, options, &old, &context, &mut jobs);
    }
    let pending: Vec<usize> = jobs
        .iter()
        .enumerate()
        .filter(|(_, j)| matches!(j, Job::Run { .. }))
        .map(|(i, _)| i)
        .collect();
    let done = AtomicUsize::new(0);
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    let results: Vec<(usize, Row)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers.min(pending.len().max(1)))
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let slot = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&index) = pending.get(slot) else {
                            break;
                        };
                        if let Job::Run {
                            origin,
                            object,
                            policy,
                            request,
                            replay,
                        } = &jobs[index]
                        {
                            out.push((
                                index,
                                judge(&policies[*policy], origin, object, request, replay),
                            ));
                        }
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    out
                })
            })
            .collect();
        progress(&done, pending.len(), &handles);
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut rows: Vec<Option<Row>> = jobs
        .into_iter()
        .map(|job| match job {
            Job::Done(row) => Some(row),
            Job::Run { .. } => None,
        })
        .collect();
    for (index, row) in results {
        rows[index] = Some(row);
    }
    rows.into_iter()
        .map(|row| row.ok_or_else(|| "a worker stopped before finishing its requests".to_owned()))
        .collect()
}

/// A count on stderr while workers run, when stderr is a terminal and the
/// run is long enough to need one.
fn progress<T>(done: &AtomicUsize, total: usize, handles: &[std::thread::ScopedJoinHandle<'_, T>]) {
    if total < 200 || !std::io::stderr().is_terminal() {
        return;
    }
    while handles.iter().any(|h| !h.is_finished()) {
        eprint!(
            "\rvdi-guard: {}/{total} requests",
            done.load(Ordering::Relaxed)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    eprint!("\r{:60}\r", "");
}

fn plan(
    document: Document,
    policies: &[Policy],
    options: &RequestOptions,
    old: &[Value],
    context: &Arc<Replay>,
    jobs: &mut Vec<Job>,
) {
    let origin = document.origin;
    let row = |object: String, outcome| {
        Job::Done(Row {
            origin: origin.clone(),
            object,
            policy: None,
            outcome,
        })
    };
    let manifest = match document.content {
        Ok(manifest) => manifest,
        Err(e) => return jobs.push(row("-".into(), Outcome::Invalid(e))),
    };
    let object = describe(&manifest);
    if manifest.get("kind").and_then(Value::as_str) == Some("AdmissionReview") {
        return review(&origin, &object, manifest, policies, jobs);
    }
    if schema::is_build_file(&manifest) {
        let reason = "a kustomize file, not an object; check what it builds: `kubectl kustomize DIR | vdi-guard check -`".into();
        return jobs.push(row(object, Outcome::NotChecked(reason)));
    }
    if let Some(problem) = schema::problem(&manifest) {
        return jobs.push(row(object, Outcome::Invalid(problem)));
    }
    let api_version = manifest["apiVersion"].as_str().unwrap_or_default();
    let kind = manifest["kind"].as_str().unwrap_or_default();
    let (group, version) = split_api_version(api_version);
    let resource = resource_for_kind(kind);
    let routed: Vec<usize> = (0..policies.len())
        .filter(|&i| {
            policies[i]
                .module
                .metadata()
                .handles(group, version, &resource, &options.operation)
        })
        .collect();
    if routed.is_empty() {
        let reason = format!(
            "no loaded policy handles {} {api_version} {kind}",
            options.operation
        );
        return jobs.push(row(object, Outcome::NotChecked(reason)));
    }
    let old_object = match options.operation.as_str() {
        "UPDATE" => {
            match stored(old, &manifest) {
                Some(stored) => Some(stored.clone()),
                None => {
                    let reason = "UPDATE: --old holds no object with this apiVersion, kind, namespace and name".into();
                    return jobs.push(row(object, Outcome::Invalid(reason)));
                }
            }
        }
        _ => None,
    };
    let wrapped = wrap(
        &manifest,
        &WrapOptions {
            operation: options.operation.clone(),
            user: options.user.clone(),
            groups: groups(options),
            sub_resource: None,
            old_object,
        },
    );
    let request = match wrapped {
        Ok(request) => Arc::new(request),
        Err(e) => return jobs.push(row(object, Outcome::Invalid(e))),
    };
    for policy in routed {
        jobs.push(Job::Run {
            origin: origin.clone(),
            object: object.clone(),
            policy,
            request: request.clone(),
            replay: context.clone(),
        });
    }
}

/// An AdmissionReview is judged as sent: its operation, user and
/// subresource.
fn review(origin: &Origin, object: &str, review: Value, policies: &[Policy], jobs: &mut Vec<Job>) {
    let request = review.get("request").cloned().unwrap_or(Value::Null);
    let routed = routes(policies, &request);
    let operation = request
        .get("operation")
        .and_then(Value::as_str)
        .unwrap_or("");
    let resource = routed_resource(&request);
    if routed.is_empty() {
        jobs.push(Job::Done(Row {
            origin: origin.clone(),
            object: object.to_owned(),
            policy: None,
            outcome: Outcome::NotChecked(format!(
                "no loaded policy handles {operation} {resource}"
            )),
        }));
        return;
    }
    let replay = match replay_beside(&origin.source) {
        Ok(replay) => Arc::new(replay),
        Err(e) => {
            jobs.push(Job::Done(Row {
                origin: origin.clone(),
                object: object.to_owned(),
                policy: None,
                outcome: Outcome::Invalid(e),
            }));
            return;
        }
    };
    let request = Arc::new(request);
    for policy in routed {
        jobs.push(Job::Run {
            origin: origin.clone(),
            object: object.to_owned(),
            policy,
            request: request.clone(),
            replay: replay.clone(),
        });
    }
}

/// `resource` or `resource/subResource` of an AdmissionRequest, as rules name it.
fn routed_resource(request: &Value) -> String {
    let at = |p: &str| request.pointer(p).and_then(Value::as_str).unwrap_or("");
    match at("/subResource") {
        "" => at("/resource/resource").to_owned(),
        sub => format!("{}/{sub}", at("/resource/resource")),
    }
}

/// The policies whose rules route an AdmissionRequest, by index: what the
/// API server would send it to.
pub fn routes(policies: &[Policy], request: &Value) -> Vec<usize> {
    let at = |p: &str| request.pointer(p).and_then(Value::as_str).unwrap_or("");
    let resource = routed_resource(request);
    (0..policies.len())
        .filter(|&i| {
            policies[i].module.metadata().handles(
                at("/resource/group"),
                at("/resource/version"),
                &resource,
                at("/operation"),
            )
        })
        .collect()
}

fn judge(
    policy: &Policy,
    origin: &Origin,
    object: &str,
    request: &Value,
    replay: &Arc<Replay>,
) -> Row {
    let (verdict, _) = policy
        .module
        .validate(request, &policy.settings, replay.clone());
    let outcome = match (verdict.accepted, &verdict.mutated_object) {
        (true, None) => Outcome::Accepted,
        (true, Some(_)) => {
            let before = request.get("object").unwrap_or(&Value::Null);
            Outcome::Mutated(verdict.changes(before))
        }
        (false, _) => {
            let message = verdict.message.unwrap_or_default();
            Outcome::Rejected(if verdict.guest_error {
                format!(
                    "the policy failed (policy-server answers 500 and the API server refuses): {message}"
                )
            } else {
                message
            })
        }
    };
    Row {
        origin: origin.clone(),
        object: object.to_owned(),
        policy: Some(policy.name().to_owned()),
        outcome,
    }
}

/// `Kind/namespace/name`, or `Kind/name` without a namespace.
pub fn describe(manifest: &Value) -> String {
    if manifest.get("kind").and_then(Value::as_str) == Some("AdmissionReview") {
        let at = |p: &str| manifest.pointer(p).and_then(Value::as_str).unwrap_or("?");
        let namespace = manifest
            .pointer("/request/namespace")
            .and_then(Value::as_str);
        return match namespace {
            Some(ns) if !ns.is_empty() => format!(
                "{} {}/{ns}/{}",
                at("/request/operation"),
                at("/request/kind/kind"),
                at("/request/name")
            ),
            _ => format!(
                "{} {}/{}",
                at("/request/operation"),
                at("/request/kind/kind"),
                at("/request/name")
            ),
        };
    }
    let text = |p: &str| manifest.pointer(p).and_then(Value::as_str);
    let kind = text("/kind").unwrap_or("?");
    let name = text("/metadata/name")
        .or_else(|| text("/metadata/generateName"))
        .unwrap_or("?");
    match text("/metadata/namespace") {
        Some(ns) => format!("{kind}/{ns}/{name}"),
        None => format!("{kind}/{name}"),
    }
}

pub fn groups(options: &RequestOptions) -> Vec<String> {
    if options.groups.is_empty() {
        WrapOptions::default().groups
    } else {
        options.groups.clone()
    }
}

/// The `--context` objects, as the cluster the policies look up.
pub fn context(files: &[std::path::PathBuf]) -> Result<Replay, String> {
    let mut objects = Vec::new();
    for file in files {
        objects.extend(runtime::read_documents(file)?);
    }
    Replay::from_objects(objects)
}

fn old_objects(options: &RequestOptions) -> Result<Vec<Value>, String> {
    match (&options.old, options.operation.as_str()) {
        (Some(path), "UPDATE") => runtime::read_documents(path),
        (None, "UPDATE") => Err("--operation UPDATE needs --old FILE: the objects as stored".into()),
        (Some(_), op) => Err(format!(
            "--old is for UPDATE; {op} takes the manifests themselves"
        )),
        (None, "CONNECT") => Err(
            "CONNECT requests need a subresource; write them with `vdi-guard request --sub-resource` and check the AdmissionReview"
                .into(),
        ),
        (None, _) => Ok(Vec::new()),
    }
}

/// The stored object an UPDATE replaces: same apiVersion, kind, namespace
/// and name.
fn stored<'v>(old: &'v [Value], manifest: &Value) -> Option<&'v Value> {
    let key = |v: &Value| {
        [
            "/apiVersion",
            "/kind",
            "/metadata/namespace",
            "/metadata/name",
        ]
        .map(|p| v.pointer(p).and_then(Value::as_str).map(str::to_owned))
    };
    old.iter().find(|o| key(o) == key(manifest))
}

/// The kwctl session file recorded beside a request
/// (`<what>.replay.yml` for `<what>.accept.json`, `<what>.reject.json` or
/// `<what>.json`), as the lookups it may make; none is an empty cluster.
fn replay_beside(source: &str) -> Result<Replay, String> {
    let file = Path::new(source);
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let Some(stem) = [".accept.json", ".reject.json", ".json"]
        .iter()
        .find_map(|s| name.strip_suffix(s))
    else {
        return Ok(Replay::default());
    };
    let path = file.with_file_name(format!("{stem}.replay.yml"));
    if !path.is_file() {
        return Ok(Replay::default());
    }
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut objects = Vec::new();
    for exchange in xtask::replay::parse(&text).map_err(|e| format!("{}: {e}", path.display()))? {
        objects.extend(exchange.objects()?);
    }
    Replay::from_objects(objects)
}

//! `vdi-guard request`: the AdmissionReview a manifest becomes, for
//! `kwctl run --request-path` (which `kwctl scaffold admission-request`
//! writes for CREATE only), and with `--replay` the kwctl session file that
//! answers the lookups the policies make for it
//! (`--allow-context-aware --replay-host-capabilities-interactions`).

use std::sync::Arc;

use runtime::wrap::{WrapOptions, wrap};
use serde_json::{Value, json};

use crate::check::{context, groups, routes};
use crate::{RequestArgs, Status, input, modules};

pub fn run(args: RequestArgs) -> Result<Status, String> {
    let manifest = one_document(&args.path)?;
    let old_object = match (args.request.old.as_deref(), args.request.operation.as_str()) {
        (Some(path), "UPDATE") => Some(runtime::read_document(path)?),
        (None, "UPDATE") => {
            return Err("--operation UPDATE needs --old FILE: the object as stored".into());
        }
        (Some(_), op) => return Err(format!("--old is for UPDATE, not {op}")),
        (None, _) => None,
    };
    if args.request.operation == "CONNECT" && args.sub_resource.is_none() {
        return Err(
            "--operation CONNECT needs --sub-resource (exec, attach, portforward, proxy)".into(),
        );
    }
    let options = WrapOptions {
        operation: args.request.operation.clone(),
        user: args.request.user.clone(),
        groups: groups(&args.request),
        sub_resource: args.sub_resource.clone(),
        old_object,
    };
    let request = match (options.operation.as_str(), args.sub_resource.as_deref()) {
        ("CONNECT", Some(sub)) => connect(&manifest, sub, &options)?,
        _ => wrap(&manifest, &options)?,
    };
    if let Some(path) = &args.replay {
        let exchanges = lookups(&args, &request)?;
        std::fs::write(path, xtask::replay::write(&exchanges))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!(
            "vdi-guard: wrote {} ({} lookups)",
            path.display(),
            exchanges.len()
        );
    }
    let review = json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": request,
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&review).map_err(|e| e.to_string())?
    );
    Ok(Status::Admitted)
}

/// A CONNECT to `manifest` (the target object, usually a Pod): the API
/// server sends the target's name and the subresource's options object
/// (`PodExecOptions` for `exec`), not the target itself.
fn connect(manifest: &Value, sub: &str, options: &WrapOptions) -> Result<Value, String> {
    let container = manifest
        .pointer("/spec/containers/0/name")
        .cloned()
        .unwrap_or(Value::Null);
    let (kind, object) = match sub {
        "exec" => (
            "PodExecOptions",
            json!({"stdin": true, "stdout": true, "tty": true, "container": container, "command": ["/bin/sh"]}),
        ),
        "attach" => (
            "PodAttachOptions",
            json!({"stdin": true, "stdout": true, "tty": true, "container": container}),
        ),
        "portforward" => ("PodPortForwardOptions", json!({})),
        "proxy" => ("PodProxyOptions", json!({})),
        other => {
            return Err(format!(
                "--sub-resource {other:?}: CONNECT goes to exec, attach, portforward or proxy"
            ));
        }
    };
    let mut request = wrap(manifest, options)?;
    let mut object = object;
    object["kind"] = json!(kind);
    object["apiVersion"] = json!("v1");
    request["kind"] = json!({"group": "", "version": "v1", "kind": kind});
    request["object"] = object;
    Ok(request)
}

fn one_document(path: &str) -> Result<Value, String> {
    let mut docs = input::read(&[path.to_owned()]);
    match docs.len() {
        1 => docs.remove(0).content.map_err(|e| format!("{path}: {e}")),
        n => Err(format!(
            "{path}: expected one manifest, found {n}; a request carries one object"
        )),
    }
}

/// Runs the request through every loaded policy that routes it, answering
/// lookups from `--context`, and returns the exchanges in the order made.
fn lookups(args: &RequestArgs, request: &Value) -> Result<Vec<xtask::replay::Exchange>, String> {
    let policies = modules::load(&args.modules, &args.settings)?;
    let replay = Arc::new(context(&args.request.context)?);
    let mut exchanges = Vec::new();
    for index in routes(&policies, request) {
        let policy = &policies[index];
        let (_, log) = policy
            .module
            .validate(request, &policy.settings, replay.clone());
        exchanges.extend(log.exchanges);
    }
    Ok(exchanges)
}

//! Resource limits and parser edge cases on the built modules: every policy
//! answers (accepts, or rejects with a message) and never traps, on inputs
//! too large to keep as fixture files — each policy lists its own in
//! `policies/<policy>/limits.yml` (thousands of rules or containers, a 1 MB
//! string, 10 000 levels of nesting) — and on duplicated JSON keys, which
//! policy-server collapses to the last occurrence before the module sees the
//! request.
//!
//! There is no wall-clock assertion: speed is `just bench`'s business. The
//! harness runs every call under policy-server's epoch deadline (2 s by
//! default), so a module that runs past the timeout is interrupted and
//! reported as a guest error, exactly as it would be in-cluster.

use std::sync::Arc;
use std::time::{Duration, Instant};

use e2e::host::{PolicyModule, Verdict};
use e2e::inputs::{Limit, Want};
use e2e::replay::Replay;
use e2e::wrap::{WrapOptions, wrap};
use serde_json::Value;

const TRUSTED: &str = "registry.vdi.example.com/desktops/ubuntu-jammy:1.16.0";
const UNTRUSTED: &str = "evil.example.net/keylogger:1";

fn settings(policy: &str) -> Value {
    e2e::policy_settings(policy).unwrap_or_else(|e| panic!("{e}"))
}

fn create(manifest: &Value, user: &str) -> Value {
    let options = WrapOptions {
        operation: "CREATE".into(),
        user: user.into(),
        ..WrapOptions::default()
    };
    wrap(manifest, &options).unwrap_or_else(|e| panic!("{e}"))
}

fn judge(module: &PolicyModule, request: &Value, settings: &Value) -> (Verdict, Duration) {
    let start = Instant::now();
    let (verdict, _) = module.validate(request, settings, Arc::new(Replay::default()));
    (verdict, start.elapsed())
}

fn load(policy: &str) -> Arc<PolicyModule> {
    PolicyModule::cached(policy).unwrap_or_else(|e| panic!("{e}"))
}

fn check_policy(policy: &str) -> Vec<String> {
    let limits = match Limit::load_all(policy) {
        Ok(limits) if !limits.is_empty() => limits,
        Ok(_) => return vec![format!("{policy}: limits.yml lists no input")],
        Err(e) => return vec![format!("{policy}: {e}")],
    };
    let module = load(policy);
    let settings = settings(policy);
    let mut failures = Vec::new();
    for limit in limits {
        let built = Instant::now();
        let request = match limit.request() {
            Ok(request) => request,
            Err(e) => {
                failures.push(format!("{policy}: {}: {e}", limit.label));
                continue;
            }
        };
        let (verdict, elapsed) = judge(&module, &request, &settings);
        let message = verdict.message.clone().unwrap_or_default();
        let short: String = message.chars().take(160).collect();
        eprintln!(
            "{policy}: {}: accepted={} in {elapsed:?} (built in {:?}): {short}",
            limit.label,
            verdict.accepted,
            built.elapsed() - elapsed
        );
        let problem = if verdict.guest_error {
            Some(format!("the module failed instead of answering: {short}"))
        } else if !verdict.accepted && message.trim().is_empty() {
            Some("rejected without a message".into())
        } else if limit.want == Want::Reject && verdict.accepted {
            Some("accepted, but the violation at the end must be found".into())
        } else {
            None
        };
        if let Some(problem) = problem {
            failures.push(format!("{policy}: {}: {problem}", limit.label));
        }
    }
    failures
}

/// Deep inputs recurse in serde on the host side; give the test room.
fn with_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(f)
        .unwrap_or_else(|e| panic!("spawn: {e}"))
        .join()
        .unwrap_or_else(|_| panic!("the check panicked"))
}

#[test]
fn every_policy_answers_large_inputs_in_time() {
    let failures = with_big_stack(|| {
        e2e::policy_names()
            .unwrap_or_else(|e| panic!("{e}"))
            .iter()
            .flat_map(|p| check_policy(p))
            .collect::<Vec<_>>()
    });
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The JSON policy-server hands on: duplicated keys collapse to the last
/// one (serde_json maps keep the last insertion), exactly once.
fn collapse(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap_or_else(|e| panic!("{e}"))
}

fn verdict_of(policy: &str, request: &Value) -> Verdict {
    let module = load(policy);
    let (verdict, _) = module.validate(request, &settings(policy), Arc::new(Replay::default()));
    assert!(!verdict.guest_error, "{policy}: {:?}", verdict.message);
    verdict
}

fn pod_json_with_images(first: &str, second: &str) -> String {
    format!(
        r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"p","namespace":"vdi"}},
        "spec":{{"automountServiceAccountToken":false,
        "securityContext":{{"runAsNonRoot":true,"seccompProfile":{{"type":"RuntimeDefault"}}}},
        "containers":[{{"name":"desktop","image":"{first}","image":"{second}",
        "securityContext":{{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,
        "capabilities":{{"drop":["ALL"]}}}}}}]}}}}"#
    )
}

#[test]
fn duplicated_image_key_is_judged_on_the_last_value() {
    let untrusted_last = collapse(&pod_json_with_images(TRUSTED, UNTRUSTED));
    let verdict = verdict_of("trusted-registries", &create(&untrusted_last, "oidc:alice"));
    assert!(!verdict.accepted, "untrusted image (last key) was accepted");
    let message = verdict.message.unwrap_or_default();
    assert!(message.contains("evil.example.net"), "{message}");

    let trusted_last = collapse(&pod_json_with_images(UNTRUSTED, TRUSTED));
    let verdict = verdict_of("trusted-registries", &create(&trusted_last, "oidc:alice"));
    assert!(verdict.accepted, "{:?}", verdict.message);
}

#[test]
fn duplicated_privileged_key_is_judged_on_the_last_value() {
    let raw = pod_json_with_images(TRUSTED, TRUSTED).replace(
        r#""allowPrivilegeEscalation":false"#,
        r#""privileged":false,"allowPrivilegeEscalation":false,"privileged":true"#,
    );
    let verdict = verdict_of("restricted-security-context", &create(&collapse(&raw), "x"));
    assert!(!verdict.accepted, "privileged (last key) was accepted");
}

#[test]
fn duplicated_session_user_is_judged_on_the_last_value() {
    let raw = r#"{"apiVersion":"vdi.kasm.io/v1alpha1","kind":"VDISession",
        "metadata":{"name":"s","namespace":"vdi"},
        "spec":{"user":"alice","template":"ubuntu","timeout":"8h","user":"bob"}}"#;
    let verdict = verdict_of("session-ownership", &create(&collapse(raw), "oidc:alice"));
    assert!(
        !verdict.accepted,
        "a session for bob (last key) was accepted"
    );
    let message = verdict.message.unwrap_or_default();
    assert!(message.contains("\"bob\""), "{message}");
}

#[test]
fn duplicated_gpu_limit_is_judged_on_the_last_value() {
    let raw = pod_json_with_images(TRUSTED, TRUSTED).replace(
        r#""name":"desktop","#,
        r#""name":"desktop","resources":{"limits":{"nvidia.com/gpu":"1","memory":"4Gi","nvidia.com/gpu":"4"}},"#,
    );
    let verdict = verdict_of("gpu-limits", &create(&collapse(&raw), "x"));
    assert!(!verdict.accepted, "four GPUs (last key) were accepted");
}

#[test]
fn duplicated_cidr_key_is_judged_on_the_last_value() {
    let raw = r#"{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy",
        "metadata":{"name":"n","namespace":"vdi"},
        "spec":{"podSelector":{},"policyTypes":["Egress"],
        "egress":[{"to":[{"ipBlock":{"cidr":"10.0.0.0/8","cidr":"0.0.0.0/0"}}]}]}}"#;
    let verdict = verdict_of("egress-metadata-block", &create(&collapse(raw), "x"));
    assert!(!verdict.accepted, "0.0.0.0/0 (last key) was accepted");
}

/// A payload that is not UTF-8 — only a direct caller can send one;
/// policy-server writes JSON from parsed values — is refused by every built
/// module with that reason, wherever the bad byte sits, and never traps.
#[test]
fn every_policy_refuses_a_payload_that_is_not_utf8() {
    let pod = pod_json_with_images(TRUSTED, TRUSTED);
    let request = create(&collapse(&pod), "alice").to_string();
    let mut failures = Vec::new();
    for policy in e2e::policy_names().unwrap_or_else(|e| panic!("{e}")) {
        let module = load(&policy);
        for (at, bad) in [
            ("\"namespace\":", b"\"\xff\",".as_slice()),
            ("{", b"\"\xc3(\":1,"),
        ] {
            let (before, after) = request.split_once(at).expect("the request has the place");
            let payload = [
                b"{\"request\":".as_slice(),
                before.as_bytes(),
                at.as_bytes(),
                bad,
                after.as_bytes(),
                b"}",
            ]
            .concat();
            let answer = module
                .fresh_instance()
                .and_then(|host| host.call("validate", &payload).map_err(|e| e.to_string()));
            let answer: Value = match answer.map(|a| serde_json::from_slice(&a)) {
                Ok(Ok(answer)) => answer,
                other => {
                    failures.push(format!("{policy}: {other:?}"));
                    continue;
                }
            };
            let message = answer["message"].as_str().unwrap_or_default();
            if answer["accepted"] != Value::Bool(false) || !message.contains("it is not UTF-8 text")
            {
                failures.push(format!("{policy}, bad bytes after {at:?}: {answer}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

//! Resource limits and parser edge cases on the built modules: every policy
//! answers (accepts, or rejects with a message) and never traps, on inputs too large to keep as fixture
//! files — 5000 containers, a 1 MB image string, 10 000 levels of nesting,
//! 5000 egress rules — and on duplicated JSON keys, which policy-server
//! collapses to the last occurrence before the module sees the request.
//!
//! There is no wall-clock assertion: speed is `just bench`'s business. The
//! harness runs every call under policy-server's epoch deadline (2 s by
//! default), so a module that runs past the timeout is interrupted and
//! reported as a guest error, exactly as it would be in-cluster.

use std::sync::Arc;
use std::time::{Duration, Instant};

use e2e::host::{PolicyModule, Verdict};
use e2e::replay::Replay;
use e2e::wrap::{WrapOptions, wrap};
use serde_json::{Value, json};

const CONTAINERS: usize = 5000;
const NESTING: usize = 10_000;
const HUGE: usize = 1 << 20;

const TRUSTED: &str = "registry.vdi.example.com/desktops/ubuntu-jammy:1.16.0";
const UNTRUSTED: &str = "evil.example.net/keylogger:1";

fn settings(policy: &str) -> Value {
    let path = e2e::workspace_root()
        .join("examples/settings")
        .join(format!("{policy}.yaml"));
    e2e::read_document(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn container(name: &str, image: &str, gpus: u32) -> Value {
    json!({
        "name": name,
        "image": image,
        "resources": {"limits": {"nvidia.com/gpu": gpus.to_string(), "memory": "4Gi"}},
        "securityContext": {
            "allowPrivilegeEscalation": false,
            "readOnlyRootFilesystem": true,
            "runAsNonRoot": true,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"}
        }
    })
}

fn pod(containers: Vec<Value>) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "vdi-session-alice-desktop", "namespace": "vdi",
                     "labels": {"vdi.kasm.io/user": "alice"}},
        "spec": {
            "automountServiceAccountToken": false,
            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": containers
        }
    })
}

/// 5000 compliant containers followed by one that every Pod policy rejects:
/// untrusted image, two GPUs, privileged.
fn pod_with_many_containers() -> Value {
    let mut containers: Vec<Value> = (0..CONTAINERS)
        .map(|i| container(&format!("c{i}"), TRUSTED, 0))
        .collect();
    let mut last = container("last", UNTRUSTED, 2);
    last["securityContext"]["privileged"] = json!(true);
    containers.push(last);
    pod(containers)
}

fn pod_with_huge_image() -> Value {
    let image = format!("registry.vdi.example.com/{}:1", "a".repeat(HUGE));
    pod(vec![container("desktop", &image, 0)])
}

fn deeply_nested() -> Value {
    let mut nested = json!("bottom");
    for _ in 0..NESTING {
        nested = json!([nested]);
    }
    nested
}

fn pod_with_deep_nesting() -> Value {
    let mut p = pod(vec![container("desktop", TRUSTED, 0)]);
    p["spec"]["containers"][0]["x-nested"] = deeply_nested();
    p
}

fn netpol(egress: Vec<Value>) -> Value {
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "session-egress", "namespace": "vdi"},
        "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": egress}
    })
}

/// 5000 harmless rules, then one that opens the metadata endpoint.
fn netpol_with_many_rules() -> Value {
    let mut egress: Vec<Value> = (0..CONTAINERS)
        .map(|i| {
            json!({"to": [{"ipBlock": {"cidr": format!("10.{}.{}.0/24", i / 256, i % 256)}}],
                   "ports": [{"protocol": "TCP", "port": 443}]})
        })
        .collect();
    egress.push(json!({"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}));
    netpol(egress)
}

fn netpol_with_huge_cidr() -> Value {
    netpol(vec![
        json!({"to": [{"ipBlock": {"cidr": format!("10.0.0.0/8{}", "0".repeat(HUGE))}}]}),
    ])
}

fn netpol_with_deep_nesting() -> Value {
    let mut n = netpol(vec![json!({"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]})]);
    n["spec"]["egress"][0]["x-nested"] = deeply_nested();
    n
}

fn session(user: &str, timeout: &str) -> Value {
    json!({
        "apiVersion": "vdi.kasm.io/v1alpha1",
        "kind": "VDISession",
        "metadata": {"name": "alice-desktop", "namespace": "vdi",
                     "finalizers": ["vdi.kasm.io/session-cleanup"]},
        "spec": {"user": user, "template": "ubuntu", "timeout": timeout}
    })
}

fn create(manifest: &Value, user: &str) -> Value {
    request(manifest, "CREATE", user, None)
}

fn request(manifest: &Value, operation: &str, user: &str, old: Option<Value>) -> Value {
    let options = WrapOptions {
        operation: operation.into(),
        user: user.into(),
        old_object: old,
        ..WrapOptions::default()
    };
    wrap(manifest, &options).unwrap_or_else(|e| panic!("{e}"))
}

/// What a large input must produce.
#[derive(Clone, Copy, Debug)]
enum Want {
    /// A verdict either way, as long as it is one.
    Verdict,
    /// The bad part (at the end) must be found.
    Reject,
}

struct Input {
    label: &'static str,
    request: Value,
    want: Want,
}

/// The large inputs each policy is exposed to, in the shape it handles.
fn inputs(policy: &str) -> Vec<Input> {
    let alice = "oidc:alice";
    let bob = "oidc:bob";
    match policy {
        "egress-metadata-block" => vec![
            Input {
                label: "5000 egress rules",
                request: create(&netpol_with_many_rules(), alice),
                want: Want::Reject,
            },
            Input {
                label: "1 MB CIDR",
                request: create(&netpol_with_huge_cidr(), alice),
                want: Want::Reject,
            },
            Input {
                label: "10k-deep nesting",
                request: create(&netpol_with_deep_nesting(), alice),
                want: Want::Verdict,
            },
        ],
        "session-ownership" => {
            let old = pod(vec![container("desktop", TRUSTED, 0)]);
            vec![
                Input {
                    label: "5000-container pod update by another user",
                    request: request(
                        &pod_with_many_containers(),
                        "UPDATE",
                        bob,
                        Some(old.clone()),
                    ),
                    want: Want::Reject,
                },
                Input {
                    label: "pod update with a 1 MB image",
                    request: request(&pod_with_huge_image(), "UPDATE", bob, Some(old.clone())),
                    want: Want::Reject,
                },
                Input {
                    label: "pod update with 10k-deep nesting",
                    request: request(&pod_with_deep_nesting(), "UPDATE", bob, Some(old)),
                    want: Want::Verdict,
                },
                Input {
                    label: "session with a 1 MB user",
                    request: create(&session(&"a".repeat(HUGE), "8h"), alice),
                    want: Want::Reject,
                },
                Input {
                    label: "session with a 1 MB timeout",
                    request: create(&session("alice", &"9".repeat(HUGE)), alice),
                    want: Want::Reject,
                },
            ]
        }
        _ => vec![
            Input {
                label: "5000-container pod",
                request: create(&pod_with_many_containers(), alice),
                want: Want::Reject,
            },
            Input {
                label: "1 MB image",
                request: create(&pod_with_huge_image(), alice),
                want: Want::Verdict,
            },
            Input {
                label: "10k-deep nesting",
                request: create(&pod_with_deep_nesting(), alice),
                want: Want::Verdict,
            },
        ],
    }
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
    let module = load(policy);
    let settings = settings(policy);
    let mut failures = Vec::new();
    for input in inputs(policy) {
        let (verdict, elapsed) = judge(&module, &input.request, &settings);
        let message = verdict.message.clone().unwrap_or_default();
        let short: String = message.chars().take(160).collect();
        eprintln!(
            "{policy}: {}: accepted={} in {elapsed:?}: {short}",
            input.label, verdict.accepted
        );
        let problem = if verdict.guest_error {
            Some(format!("the module failed instead of answering: {short}"))
        } else if !verdict.accepted && message.trim().is_empty() {
            Some("rejected without a message".into())
        } else if matches!(input.want, Want::Reject) && verdict.accepted {
            Some("accepted, but the violation at the end must be found".into())
        } else {
            None
        };
        if let Some(problem) = problem {
            failures.push(format!("{policy}: {}: {problem}", input.label));
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

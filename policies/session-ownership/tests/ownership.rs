//! Behaviour tables for session-ownership, run through the real `validate`
//! entry point (payload decoding, settings, response encoding) with a fake
//! Kubernetes host for the pod lookups of CONNECT requests.

use std::cell::RefCell;

use rstest::rstest;
use serde_json::{Value, json};
use shared::host::{GetResource, KubernetesHost};

const OPERATOR: &str = "system:serviceaccount:vdi-system:vdi-operator";
const FINALIZER: &str = "vdi.kasm.io/session-cleanup";

/// Answers pod lookups from a fixed list and records every request.
#[derive(Default)]
struct Cluster {
    pods: Vec<Value>,
    calls: RefCell<Vec<String>>,
}

impl Cluster {
    fn with(pods: Vec<Value>) -> Self {
        Cluster {
            pods,
            calls: RefCell::default(),
        }
    }
}

impl KubernetesHost for Cluster {
    fn get_resource(&self, request: &GetResource<'_>) -> Result<Vec<u8>, String> {
        self.calls
            .borrow_mut()
            .push(serde_json::to_string(request).unwrap());
        self.pods
            .iter()
            .find(|p| {
                p["metadata"]["name"] == request.name
                    && Some(p["metadata"]["namespace"].as_str().unwrap_or_default())
                        == request.namespace
                    && request.kind == "Pod"
            })
            .map(|p| p.to_string().into_bytes())
            .ok_or_else(|| format!("pods {:?} not found", request.name))
    }
}

fn prefixed() -> Value {
    json!({"usernamePrefix": "oidc:", "privilegedGroups": ["vdi-admins"]})
}

/// Runs the entry point; returns (accepted, message).
fn run(request: Value, settings: Value, cluster: &Cluster) -> (bool, String) {
    let payload = json!({"request": request, "settings": settings}).to_string();
    let answer = (session_ownership::NATIVE.validate)(payload.as_bytes(), cluster).unwrap();
    let answer: Value = serde_json::from_slice(&answer).unwrap();
    (
        answer["accepted"].as_bool().unwrap(),
        answer["message"].as_str().unwrap_or_default().to_string(),
    )
}

fn session(user: Option<&str>, timeout: Option<&str>) -> Value {
    let mut spec = json!({"template": "ubuntu-desktop"});
    if let Some(user) = user {
        spec["user"] = json!(user);
    }
    if let Some(timeout) = timeout {
        spec["timeout"] = json!(timeout);
    }
    json!({
        "apiVersion": "vdi.kasm.io/v1alpha1",
        "kind": "VDISession",
        "metadata": {"name": "desk-1", "namespace": "vdi", "finalizers": [FINALIZER]},
        "spec": spec
    })
}

fn session_request(
    operation: &str,
    object: Value,
    old: Value,
    username: &str,
    groups: &[&str],
) -> Value {
    json!({
        "uid": "1",
        "kind": {"group": "vdi.kasm.io", "version": "v1alpha1", "kind": "VDISession"},
        "resource": {"group": "vdi.kasm.io", "version": "v1alpha1", "resource": "vdisessions"},
        "name": "desk-1",
        "namespace": "vdi",
        "operation": operation,
        "userInfo": {"username": username, "groups": groups},
        "object": object,
        "oldObject": old
    })
}

fn assert_verdict((accepted, message): (bool, String), accept: bool, fragments: &[&str]) {
    assert_eq!(accepted, accept, "message: {message}");
    for fragment in fragments {
        assert!(
            message.contains(fragment),
            "{fragment:?} not in {message:?}"
        );
    }
}

#[rstest]
#[case::owner("oidc:alice", &[], Some("alice"), Some("8h"), prefixed(), true, &[])]
#[case::exact_max("oidc:alice", &[], Some("alice"), Some("12h"), prefixed(), true, &[])]
#[case::max_in_minutes("oidc:alice", &[], Some("alice"), Some("720m"), prefixed(), true, &[])]
#[case::spoofed_user("oidc:alice", &[], Some("bob"), Some("8h"), prefixed(), false,
    &["VDISession \"desk-1\" denied", "spec.user \"bob\" is not the requester \"oidc:alice\"", "set spec.user to \"alice\""])]
#[case::username_without_prefix("alice", &[], Some("alice"), Some("8h"), prefixed(), false,
    &["\"alice\", which owns no sessions (only usernames starting with \"oidc:\" name a VDI user)"])]
#[case::other_prefix("ldap:alice", &[], Some("alice"), Some("8h"), prefixed(), false, &["owns no sessions"])]
#[case::no_prefix_configured("alice", &[], Some("alice"), Some("8h"), json!({}), true, &[])]
#[case::no_prefix_configured_spoof("alice", &[], Some("bob"), Some("8h"), json!({}), false,
    &["spec.user \"bob\" is not the requester \"alice\""])]
#[case::uppercase("oidc:Alice", &[], Some("Alice"), Some("8h"), prefixed(), false,
    &["spec.user \"Alice\" is not a DNS label (it contains an uppercase letter)"])]
#[case::dotted("oidc:alice.evil", &[], Some("alice.evil"), Some("8h"), prefixed(), false,
    &["not a DNS label (it contains a character other than a-z, 0-9 and '-')"])]
#[case::backtick_injection("oidc:alice`) || Host(`bank.example.com", &[],
    Some("alice`) || Host(`bank.example.com"), Some("8h"), prefixed(), false, &["not a DNS label"])]
#[case::pipes("oidc:a||b", &[], Some("a||b"), Some("8h"), prefixed(), false, &["not a DNS label"])]
#[case::too_long("oidc:a", &[], Some("a234567890123456789012345678901234567890123456789012345678901234"), Some("8h"), prefixed(), false, &["longer than 63 characters"])]
#[case::empty_user("oidc:alice", &[], Some(""), Some("8h"), prefixed(), false, &["spec.user \"\" is not a DNS label (it is empty)"])]
#[case::missing_user("oidc:alice", &[], None, Some("8h"), prefixed(), false, &["spec.user is required: set it to \"alice\""])]
#[case::missing_timeout("oidc:alice", &[], Some("alice"), None, prefixed(), false,
    &["spec.timeout is required: set a Go duration of at most 12h0m0s"])]
#[case::excessive_timeout("oidc:alice", &[], Some("alice"), Some("13h"), prefixed(), false,
    &["spec.timeout \"13h\" (13h0m0s) exceeds the maximum session length 12h0m0s"])]
#[case::just_over("oidc:alice", &[], Some("alice"), Some("12h0m0.001s"), prefixed(), false, &["exceeds"])]
#[case::huge_timeout("oidc:alice", &[], Some("alice"), Some("9999999h"), prefixed(), false,
    &["spec.timeout \"9999999h\" is not a Go duration (time: invalid duration"])]
#[case::days("oidc:alice", &[], Some("alice"), Some("1d"), prefixed(), false, &["time: unknown unit \"d\""])]
#[case::zero("oidc:alice", &[], Some("alice"), Some("0s"), prefixed(), false, &["must be longer than zero"])]
#[case::negative("oidc:alice", &[], Some("alice"), Some("-1h"), prefixed(), false, &["must be longer than zero"])]
#[case::custom_max("oidc:alice", &[], Some("alice"), Some("3h"),
    json!({"usernamePrefix": "oidc:", "maxTimeout": "2h"}), false, &["exceeds the maximum session length 2h0m0s"])]
#[case::every_violation_at_once("oidc:alice", &[], Some("bob"), None, prefixed(), false,
    &["spec.user \"bob\" is not the requester", "; spec.timeout is required"])]
#[case::operator_for_a_user(OPERATOR, &[], Some("bob"), Some("8h"), prefixed(), true, &[])]
#[case::admin_group("oidc:carol", &["vdi-admins"], Some("bob"), Some("8h"), prefixed(), true, &[])]
#[case::operator_still_needs_a_label(OPERATOR, &[], Some("Bob"), Some("8h"), prefixed(), false, &["not a DNS label"])]
#[case::operator_still_needs_a_timeout(OPERATOR, &[], Some("bob"), Some("24h"), prefixed(), false, &["exceeds"])]
#[case::operator_lookalike("system:serviceaccount:vdi:vdi-operator", &[], Some("bob"), Some("8h"), prefixed(), false,
    &["is not the requester"])]
#[case::privileged_list_replaced(OPERATOR, &[], Some("bob"), Some("8h"),
    json!({"usernamePrefix": "oidc:", "privilegedUsers": ["oidc:root"]}), false, &["is not the requester"])]
fn create(
    #[case] username: &str,
    #[case] groups: &[&str],
    #[case] user: Option<&str>,
    #[case] timeout: Option<&str>,
    #[case] settings: Value,
    #[case] accept: bool,
    #[case] fragments: &[&str],
) {
    let request = session_request(
        "CREATE",
        session(user, timeout),
        Value::Null,
        username,
        groups,
    );
    assert_verdict(
        run(request, settings, &Cluster::default()),
        accept,
        fragments,
    );
}

#[rstest]
#[case::spec_user_wrong_type(json!({"spec": {"user": 7, "timeout": "1h"}}), "the VDISession object cannot be decoded: invalid type: integer")]
#[case::spec_not_an_object(json!({"spec": "alice"}), "the VDISession object cannot be decoded")]
#[case::finalizers_wrong_type(json!({"metadata": {"finalizers": "x"}, "spec": {"user": "alice", "timeout": "1h"}}), "cannot be decoded")]
#[case::no_object(Value::Null, "the CREATE request carries no object")]
#[case::no_spec(json!({"metadata": {"name": "x"}}), "spec.user is required")]
fn malformed_creates_are_rejected(#[case] object: Value, #[case] fragment: &str) {
    let request = session_request("CREATE", object, Value::Null, "oidc:alice", &[]);
    assert_verdict(
        run(request, prefixed(), &Cluster::default()),
        false,
        &[fragment],
    );
}

#[test]
fn malformed_envelope_is_rejected() {
    let request =
        json!({"kind": {"kind": "VDISession", "group": "vdi.kasm.io"}, "operation": "PATCH"});
    assert_verdict(
        run(request, prefixed(), &Cluster::default()),
        false,
        &["unknown variant `PATCH`"],
    );
}

fn with_labels(mut object: Value, labels: Value) -> Value {
    object["metadata"]["labels"] = labels;
    object
}

fn without_finalizer(mut object: Value) -> Value {
    object["metadata"]["finalizers"] = json!([]);
    object
}

#[rstest]
#[case::owner_metadata_only("oidc:alice", &[],
    with_labels(session(Some("alice"), Some("8h")), json!({"team": "design"})), session(Some("alice"), Some("8h")), true, &[])]
#[case::owner_extends_within_max("oidc:alice", &[], session(Some("alice"), Some("10h")), session(Some("alice"), Some("8h")), true, &[])]
#[case::owner_extends_beyond_max("oidc:alice", &[], session(Some("alice"), Some("20h")), session(Some("alice"), Some("8h")), false,
    &["VDISession \"desk-1\" update denied: spec.timeout \"20h\" (20h0m0s) exceeds"])]
#[case::owner_drops_timeout("oidc:alice", &[], session(Some("alice"), None), session(Some("alice"), Some("8h")), false,
    &["spec.timeout is required"])]
#[case::unchanged_legacy_timeout_is_not_rejudged("oidc:alice", &[],
    with_labels(session(Some("alice"), Some("99h")), json!({"a": "b"})), session(Some("alice"), Some("99h")), true, &[])]
#[case::other_user("oidc:bob", &[], session(Some("alice"), Some("1h")), session(Some("alice"), Some("8h")), false,
    &["update denied: the session belongs to \"alice\"; only its owner or a privileged requester may update it, not \"oidc:bob\" (VDI user \"bob\")"])]
#[case::owner_name_without_prefix("alice", &[], session(Some("alice"), Some("1h")), session(Some("alice"), Some("8h")), false,
    &["belongs to \"alice\"", "owns no sessions"])]
#[case::owner_changes_user("oidc:alice", &[], session(Some("bob"), Some("8h")), session(Some("alice"), Some("8h")), false,
    &["spec.user is immutable (it is \"alice\", the update sets \"bob\")"])]
#[case::owner_clears_user("oidc:alice", &[], session(None, Some("8h")), session(Some("alice"), Some("8h")), false,
    &["spec.user is immutable (it is \"alice\", the update sets \"\")"])]
#[case::operator_changes_user(OPERATOR, &[], session(Some("bob"), Some("8h")), session(Some("alice"), Some("8h")), false,
    &["spec.user is immutable"])]
#[case::owner_removes_finalizer("oidc:alice", &[], without_finalizer(session(Some("alice"), Some("8h"))), session(Some("alice"), Some("8h")), false,
    &["the vdi.kasm.io/session-cleanup finalizer may only be removed by the VDI operator"])]
#[case::owner_removes_finalizers_field("oidc:alice", &[],
    json!({"metadata": {"name": "desk-1"}, "spec": {"user": "alice", "timeout": "8h"}}), session(Some("alice"), Some("8h")), false,
    &["finalizer may only be removed"])]
#[case::operator_removes_finalizer(OPERATOR, &[], without_finalizer(session(Some("alice"), Some("8h"))), session(Some("alice"), Some("8h")), true, &[])]
#[case::admin_group_removes_finalizer("oidc:carol", &["vdi-admins"], without_finalizer(session(Some("alice"), Some("8h"))), session(Some("alice"), Some("8h")), true, &[])]
#[case::owner_adds_finalizer_back("oidc:alice", &[], session(Some("alice"), Some("8h")), without_finalizer(session(Some("alice"), Some("8h"))), true, &[])]
#[case::stored_without_user("oidc:alice", &[], session(None, Some("8h")), session(None, Some("8h")), false,
    &["the stored session has no spec.user, so only a privileged requester may update it"])]
#[case::operator_on_unchanged_legacy_object(OPERATOR, &[], without_finalizer(session(None, Some("99h"))), session(None, Some("99h")), true, &[])]
#[case::missing_old_object("oidc:alice", &[], session(Some("alice"), Some("8h")), Value::Null, false,
    &["the UPDATE request carries no oldObject"])]
#[case::stored_object_garbled("oidc:alice", &[], session(Some("alice"), Some("8h")), json!({"spec": {"user": ["alice"]}}), false,
    &["the stored VDISession object cannot be decoded"])]
fn update(
    #[case] username: &str,
    #[case] groups: &[&str],
    #[case] object: Value,
    #[case] old: Value,
    #[case] accept: bool,
    #[case] fragments: &[&str],
) {
    let request = session_request("UPDATE", object, old, username, groups);
    assert_verdict(
        run(request, prefixed(), &Cluster::default()),
        accept,
        fragments,
    );
}

#[rstest]
#[case::operator(OPERATOR, "status", true, &[])]
#[case::owner("oidc:alice", "status", false, &["status update denied: the status of a session is written by the VDI operator only"])]
#[case::other_user("oidc:bob", "status", false, &["belongs to \"alice\""])]
#[case::unknown_subresource(OPERATOR, "scale", false, &["(subresource \"scale\") UPDATE requests"])]
fn update_subresources(
    #[case] username: &str,
    #[case] subresource: &str,
    #[case] accept: bool,
    #[case] fragments: &[&str],
) {
    let mut status = session(Some("alice"), Some("1h"));
    status["status"] = json!({"phase": "Running"});
    let mut request = session_request(
        "UPDATE",
        status,
        session(Some("alice"), Some("8h")),
        username,
        &[],
    );
    request["subResource"] = json!(subresource);
    assert_verdict(
        run(request, prefixed(), &Cluster::default()),
        accept,
        fragments,
    );
}

#[rstest]
#[case::owner("oidc:alice", &[], session(Some("alice"), Some("8h")), true, &[])]
#[case::other_user("oidc:bob", &[], session(Some("alice"), Some("8h")), false,
    &["VDISession \"desk-1\" delete denied: the session belongs to \"alice\"; only its owner or a privileged requester may delete it"])]
#[case::owner_without_prefix("alice", &[], session(Some("alice"), Some("8h")), false, &["owns no sessions"])]
#[case::operator(OPERATOR, &[], session(Some("alice"), Some("8h")), true, &[])]
#[case::admin_group("oidc:carol", &["vdi-admins"], session(Some("alice"), Some("8h")), true, &[])]
#[case::invalid_stored_timeout_does_not_block_delete("oidc:alice", &[], session(Some("alice"), Some("99h")), true, &[])]
#[case::missing_old_object("oidc:alice", &[], Value::Null, false,
    &["the DELETE request carries no oldObject"])]
#[case::missing_old_object_operator(OPERATOR, &[], Value::Null, false, &["carries no oldObject"])]
fn delete(
    #[case] username: &str,
    #[case] groups: &[&str],
    #[case] old: Value,
    #[case] accept: bool,
    #[case] fragments: &[&str],
) {
    let request = session_request("DELETE", Value::Null, old, username, groups);
    assert_verdict(
        run(request, prefixed(), &Cluster::default()),
        accept,
        fragments,
    );
}

fn pod(name: &str, user: Option<&str>) -> Value {
    let mut pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "vdi", "labels": {"app.kubernetes.io/name": "vdi-session"}},
        "spec": {"containers": [{"name": "desktop", "image": "docker.io/kasmweb/ubuntu-jammy-desktop:1.16.0"}]}
    });
    if let Some(user) = user {
        pod["metadata"]["labels"]["vdi.kasm.io/user"] = json!(user);
    }
    pod
}

fn connect_request(kind: &str, subresource: &str, name: &str, username: &str) -> Value {
    json!({
        "uid": "2",
        "kind": {"group": "", "version": "v1", "kind": kind},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "subResource": subresource,
        "name": name,
        "namespace": "vdi",
        "operation": "CONNECT",
        "userInfo": {"username": username, "groups": ["system:authenticated"]},
        "object": {"kind": kind, "apiVersion": "v1", "stdin": true, "tty": true, "container": "desktop", "command": ["sh"]},
        "oldObject": null
    })
}

fn session_pods() -> Vec<Value> {
    vec![
        pod("session-alice", Some("alice")),
        pod("builder", None),
        pod("session-odd", Some("")),
    ]
}

#[rstest]
#[case::owner_exec("PodExecOptions", "exec", "session-alice", "oidc:alice", true, &[])]
#[case::other_exec("PodExecOptions", "exec", "session-alice", "oidc:bob", false,
    &["pod vdi/session-alice is the VDI session of \"alice\"; only that user or a privileged requester may exec into it, not \"oidc:bob\" (VDI user \"bob\")"])]
#[case::other_attach("PodAttachOptions", "attach", "session-alice", "oidc:bob", false, &["may attach to it"])]
#[case::other_portforward("PodPortForwardOptions", "portforward", "session-alice", "oidc:bob", false, &["may port-forward to it"])]
#[case::other_proxy("PodProxyOptions", "proxy", "https:session-alice:6901", "oidc:bob", false,
    &["pod vdi/session-alice is the VDI session of \"alice\"", "may proxy to it"])]
#[case::owner_proxy_with_port("PodProxyOptions", "proxy", "session-alice:6901", "oidc:alice", true, &[])]
#[case::owner_without_prefix("PodExecOptions", "exec", "session-alice", "alice", false, &["owns no sessions"])]
#[case::unlabelled_pod("PodExecOptions", "exec", "builder", "oidc:bob", true, &[])]
#[case::empty_owner_label("PodExecOptions", "exec", "session-odd", "oidc:bob", false, &["is the VDI session of \"\""])]
#[case::lookup_fails_closed("PodExecOptions", "exec", "session-gone", "oidc:bob", false,
    &["cannot tell whether pod vdi/session-gone is someone's VDI session, so exec into it is denied: looking up Pod vdi/session-gone failed: pods \"session-gone\" not found"])]
#[case::operator("PodExecOptions", "exec", "session-alice", OPERATOR, true, &[])]
#[case::no_name("PodExecOptions", "exec", "", "oidc:bob", false, &["does not name the pod and its namespace; denied"])]
fn connect(
    #[case] kind: &str,
    #[case] subresource: &str,
    #[case] name: &str,
    #[case] username: &str,
    #[case] accept: bool,
    #[case] fragments: &[&str],
) {
    let cluster = Cluster::with(session_pods());
    let request = connect_request(kind, subresource, name, username);
    assert_verdict(run(request, prefixed(), &cluster), accept, fragments);
}

#[test]
fn connect_reads_the_live_pod_uncached() {
    let cluster = Cluster::with(session_pods());
    let request = connect_request("PodExecOptions", "exec", "session-alice", "oidc:alice");
    assert_verdict(run(request, prefixed(), &cluster), true, &[]);
    assert_eq!(
        cluster.calls.borrow().as_slice(),
        [
            r#"{"api_version":"v1","kind":"Pod","name":"session-alice","namespace":"vdi","disable_cache":true}"#
        ]
    );
}

#[test]
fn privileged_connect_needs_no_lookup() {
    let cluster = Cluster::default();
    let request = connect_request("PodExecOptions", "exec", "session-alice", OPERATOR);
    assert_verdict(run(request, prefixed(), &cluster), true, &[]);
    assert!(cluster.calls.borrow().is_empty());
}

#[test]
fn garbled_host_answer_fails_closed() {
    let cluster = Cluster::with(vec![
        json!({"metadata": {"name": "session-alice", "namespace": "vdi", "labels": []}}),
    ]);
    let request = connect_request("PodExecOptions", "exec", "session-alice", "oidc:bob");
    assert_verdict(
        run(request, prefixed(), &cluster),
        false,
        &["cannot be decoded"],
    );
}

#[test]
fn exec_options_outside_connect_are_rejected() {
    let mut request = connect_request("PodExecOptions", "exec", "session-alice", "oidc:alice");
    request["operation"] = json!("CREATE");
    assert_verdict(
        run(request, prefixed(), &Cluster::with(session_pods())),
        false,
        &["does not handle v1 PodExecOptions (subresource \"exec\") CREATE requests"],
    );
}

fn pod_update(object: Value, old: Value, subresource: &str, username: &str) -> Value {
    json!({
        "uid": "3",
        "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "subResource": subresource,
        "name": "session-alice",
        "namespace": "vdi",
        "operation": "UPDATE",
        "userInfo": {"username": username},
        "object": object,
        "oldObject": old
    })
}

fn with_debugger(mut pod: Value) -> Value {
    pod["spec"]["ephemeralContainers"] =
        json!([{"name": "debugger", "image": "busybox", "targetContainerName": "desktop"}]);
    pod
}

fn with_image(mut pod: Value, image: &str) -> Value {
    pod["spec"]["containers"][0]["image"] = json!(image);
    pod
}

#[rstest]
#[case::other_debugs(with_debugger(pod("session-alice", Some("alice"))), pod("session-alice", Some("alice")), "ephemeralcontainers", "oidc:bob", false,
    &["pod vdi/session-alice is the VDI session of \"alice\"; only that user or a privileged requester may add ephemeral containers to it"])]
#[case::owner_debugs(with_debugger(pod("session-alice", Some("alice"))), pod("session-alice", Some("alice")), "ephemeralcontainers", "oidc:alice", true, &[])]
#[case::other_debugs_unlabelled(with_debugger(pod("session-alice", None)), pod("session-alice", None), "ephemeralcontainers", "oidc:bob", true, &[])]
#[case::other_swaps_image(with_image(pod("session-alice", Some("alice")), "evil.example.com/keylogger:1"), pod("session-alice", Some("alice")), "", "oidc:bob", false,
    &["only that user or a privileged requester may update it"])]
#[case::owner_swaps_image(with_image(pod("session-alice", Some("alice")), "docker.io/kasmweb/firefox:1.16.0"), pod("session-alice", Some("alice")), "", "oidc:alice", true, &[])]
#[case::owner_removes_label(pod("session-alice", None), pod("session-alice", Some("alice")), "", "oidc:alice", false,
    &["the vdi.kasm.io/user label (removed, it was \"alice\") may only be set, changed or removed by a privileged requester"])]
#[case::owner_hands_pod_over(pod("session-alice", Some("bob")), pod("session-alice", Some("alice")), "", "oidc:alice", false,
    &["(changed from \"alice\" to \"bob\")"])]
#[case::user_claims_unlabelled_pod(pod("session-alice", Some("bob")), pod("session-alice", None), "", "oidc:bob", false,
    &["(added as \"bob\")"])]
#[case::operator_labels(pod("session-alice", Some("alice")), pod("session-alice", None), "", OPERATOR, true, &[])]
#[case::missing_old_object(pod("session-alice", None), Value::Null, "", "oidc:bob", false,
    &["the UPDATE request carries no oldObject"])]
#[case::status_not_handled(pod("session-alice", Some("alice")), pod("session-alice", Some("alice")), "status", "oidc:alice", false,
    &["does not handle v1 Pod (subresource \"status\") UPDATE requests"])]
fn pod_updates(
    #[case] object: Value,
    #[case] old: Value,
    #[case] subresource: &str,
    #[case] username: &str,
    #[case] accept: bool,
    #[case] fragments: &[&str],
) {
    let request = pod_update(object, old, subresource, username);
    assert_verdict(
        run(request, prefixed(), &Cluster::default()),
        accept,
        fragments,
    );
}

#[rstest]
#[case::pod_create(
    "Pod",
    "",
    "CREATE",
    "session-ownership does not handle v1 Pod CREATE requests"
)]
#[case::deployment(
    "Deployment",
    "apps",
    "CREATE",
    "session-ownership does not handle apps/v1 Deployment CREATE requests"
)]
#[case::template(
    "VDITemplate",
    "vdi.kasm.io",
    "CREATE",
    "does not handle vdi.kasm.io/v1 VDITemplate"
)]
#[case::service_proxy(
    "ServiceProxyOptions",
    "",
    "CONNECT",
    "does not handle v1 ServiceProxyOptions"
)]
#[case::session_connect(
    "VDISession",
    "vdi.kasm.io",
    "CONNECT",
    "does not handle vdi.kasm.io/v1 VDISession CONNECT requests"
)]
fn unexpected_requests_are_rejected(
    #[case] kind: &str,
    #[case] group: &str,
    #[case] operation: &str,
    #[case] fragment: &str,
) {
    let request = json!({
        "kind": {"group": group, "version": "v1", "kind": kind},
        "operation": operation,
        "userInfo": {"username": OPERATOR},
        "object": {"metadata": {"name": "x"}}
    });
    assert_verdict(
        run(request, prefixed(), &Cluster::default()),
        false,
        &[fragment],
    );
}

/// A user name or timeout of any length is quoted cut short, so a megabyte
/// of `spec.user` does not come back as a megabyte of message.
#[rstest]
#[case::user(Some("u".repeat(100_000)), Some("8h".to_owned()), "spec.user \"uuuu")]
#[case::timeout(Some("alice".to_owned()), Some("9".repeat(100_000)), "spec.timeout \"9999")]
fn long_values_are_quoted_cut(
    #[case] user: Option<String>,
    #[case] timeout: Option<String>,
    #[case] start: &str,
) {
    let request = session_request(
        "CREATE",
        session(user.as_deref(), timeout.as_deref()),
        Value::Null,
        "oidc:alice",
        &[],
    );
    let (accepted, message) = run(request, prefixed(), &Cluster::default());
    assert!(!accepted);
    assert!(message.contains(start), "{message}");
    assert!(message.contains("… (100000 characters)"), "{message}");
    assert!(message.len() < 1000, "{} bytes", message.len());
}

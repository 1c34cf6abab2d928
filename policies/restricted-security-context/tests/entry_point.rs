//! The real `validate` entry point on whole waPC payloads: request routing
//! (operations, kinds, subresources, pod updates), message assembly and
//! malformed input.

use rstest::rstest;
use serde_json::{Value, json};

/// A restricted-compliant VDI session pod spec that also meets the VDI
/// hardening defaults.
fn session_spec() -> Value {
    json!({
        "automountServiceAccountToken": false,
        "securityContext": {"runAsNonRoot": true, "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{
            "name": "desktop",
            "image": "docker.io/kasmweb/ubuntu-jammy-desktop:1.16.0",
            "securityContext": {
                "allowPrivilegeEscalation": false,
                "readOnlyRootFilesystem": true,
                "capabilities": {"drop": ["ALL"]}
            }
        }],
        "volumes": [{"name": "home", "emptyDir": {}}]
    })
}

fn pod(spec: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "session-alice", "namespace": "vdi"}, "spec": spec})
}

fn request(group: &str, kind: &str, operation: &str, object: Value) -> Value {
    json!({
        "uid": "1",
        "kind": {"group": group, "version": "v1", "kind": kind},
        "operation": operation,
        "namespace": "vdi",
        "userInfo": {"username": "oidc:alice"},
        "object": object
    })
}

/// Runs the entry point; `Ok(())` for accepted, `Err(message)` for rejected.
fn run_raw(payload: &[u8]) -> Result<(), String> {
    let answer =
        (restricted_security_context::NATIVE.validate)(payload, &shared::policy::NoCluster)
            .expect("validate never errors");
    let response: Value = serde_json::from_slice(&answer).expect("response is JSON");
    if response["accepted"] == json!(true) {
        Ok(())
    } else {
        Err(response["message"].as_str().unwrap_or_default().to_string())
    }
}

fn run(request: Value, settings: Value) -> Result<(), String> {
    run_raw(
        json!({"request": request, "settings": settings})
            .to_string()
            .as_bytes(),
    )
}

fn psa_only() -> Value {
    json!({"requireReadOnlyRootFilesystem": false, "denyServiceAccountTokenAutomount": false})
}

#[test]
fn compliant_session_pod_is_accepted_with_defaults() {
    assert_eq!(
        run(request("", "Pod", "CREATE", pod(session_spec())), json!({})),
        Ok(())
    );
}

#[test]
fn every_failure_is_reported_at_once_in_psa_order() {
    let spec = json!({
        "hostNetwork": true,
        "containers": [{"name": "desktop", "securityContext": {"privileged": true, "runAsUser": 0}}]
    });
    let message = run(request("", "Pod", "CREATE", pod(spec)), json!({})).unwrap_err();
    assert_eq!(
        message,
        "violates PodSecurity \"restricted:latest\": host namespaces (hostNetwork=true), \
         privileged (container \"desktop\" must not set securityContext.privileged=true), \
         allowPrivilegeEscalation != false (container \"desktop\" must set securityContext.allowPrivilegeEscalation=false), \
         unrestricted capabilities (container \"desktop\" must set securityContext.capabilities.drop=[\"ALL\"]), \
         runAsNonRoot != true (pod or container \"desktop\" must set securityContext.runAsNonRoot=true), \
         runAsUser=0 (container \"desktop\" must not set runAsUser=0), \
         seccompProfile (pod or container \"desktop\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"); \
         violates VDI hardening: readOnlyRootFilesystem != true (container \"desktop\" must set securityContext.readOnlyRootFilesystem=true), \
         service account token (pod must set spec.automountServiceAccountToken=false)"
    );
}

#[test]
fn psa_parity_settings_drop_the_hardening_section() {
    let mut spec = session_spec();
    spec["automountServiceAccountToken"] = json!(true);
    spec["containers"][0]["securityContext"]["readOnlyRootFilesystem"] = json!(false);
    assert_eq!(
        run(request("", "Pod", "CREATE", pod(spec.clone())), psa_only()),
        Ok(())
    );
    let message = run(request("", "Pod", "CREATE", pod(spec)), json!({})).unwrap_err();
    assert!(
        message.starts_with("violates VDI hardening: readOnlyRootFilesystem != true"),
        "{message}"
    );
}

#[rstest]
#[case::deployment("apps", "Deployment", json!({"spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}), "Deployment pod template (spec.template.spec) violates")]
#[case::cron_job("batch", "CronJob", json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}}}), "CronJob pod template (spec.jobTemplate.spec.template.spec) violates")]
#[case::pod_template("", "PodTemplate", json!({"template": {"spec": {"containers": [{"name": "a"}]}}}), "PodTemplate pod template (template.spec) violates")]
fn workloads_name_the_pod_template(
    #[case] group: &str,
    #[case] kind: &str,
    #[case] object: Value,
    #[case] prefix: &str,
) {
    let message = run(request(group, kind, "CREATE", object), psa_only()).unwrap_err();
    assert!(message.starts_with(prefix), "{message}");
    assert!(
        message.contains("allowPrivilegeEscalation != false (container \"a\""),
        "{message}"
    );
}

#[test]
fn workload_template_metadata_annotations_are_checked() {
    let object = json!({"spec": {"template": {
        "metadata": {"annotations": {"container.apparmor.security.beta.kubernetes.io/desktop": "unconfined"}},
        "spec": session_spec()
    }}});
    let message = run(request("apps", "StatefulSet", "CREATE", object), json!({})).unwrap_err();
    assert!(
        message.contains(
            "forbidden AppArmor profile (annotation must not set AppArmor profile type to"
        ),
        "{message}"
    );
}

#[test]
fn nothing_is_admitted_by_delete() {
    let mut req = request("", "Pod", "DELETE", Value::Null);
    req["oldObject"] = pod(json!({"hostPID": true}));
    assert_eq!(run(req, json!({})), Ok(()));
}

#[test]
fn connect_is_not_this_policys_request() {
    let req = request("", "Pod", "CONNECT", Value::Null);
    let message = run(req, json!({})).unwrap_err();
    assert!(
        message.contains("does not handle v1 Pod CONNECT requests"),
        "{message}"
    );
}

#[rstest]
#[case::service("", "Service")]
#[case::lookalike_crd("evil.io", "Deployment")]
#[case::vdi_session("vdi.kasm.io", "VDISession")]
fn unknown_kinds_are_rejected_listing_handled_kinds(#[case] group: &str, #[case] kind: &str) {
    let message = run(
        request(group, kind, "CREATE", json!({"spec": {}})),
        json!({}),
    )
    .unwrap_err();
    assert!(
        message.contains(&format!(
            "does not handle {group}{}v1 {kind}",
            if group.is_empty() { "" } else { "/" }
        )),
        "{message}"
    );
    assert!(
        message
            .contains("v1 pods, v1 podtemplates, v1 replicationcontrollers, apps/v1 deployments"),
        "{message}"
    );
    assert!(message.contains("batch/v1 cronjobs"), "{message}");
}

fn ephemeral_update(debugger: Value) -> Value {
    let old = pod(session_spec());
    let mut new = old.clone();
    new["spec"]["ephemeralContainers"] = json!([debugger]);
    let mut req = request("", "Pod", "UPDATE", new);
    req["subResource"] = json!("ephemeralcontainers");
    req["oldObject"] = old;
    req
}

#[test]
fn debug_container_must_not_escape_the_profile() {
    let message = run(
        ephemeral_update(
            json!({"name": "debugger", "image": "busybox", "targetContainerName": "desktop"}),
        ),
        json!({}),
    )
    .unwrap_err();
    assert!(
        message.contains("allowPrivilegeEscalation != false (container \"debugger\""),
        "{message}"
    );
    assert!(
        message.contains("unrestricted capabilities (container \"debugger\""),
        "{message}"
    );
    assert!(
        message.contains("readOnlyRootFilesystem != true (container \"debugger\""),
        "{message}"
    );
}

#[test]
fn restricted_debug_container_is_accepted() {
    let debugger = json!({"name": "debugger", "image": "busybox", "securityContext": {
        "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}
    }});
    assert_eq!(run(ephemeral_update(debugger), json!({})), Ok(()));
}

/// The policy's rules name pods and pods/ephemeralcontainers only; any
/// other subresource reaching it means the rules were widened, which the
/// operation table refuses with the fix rather than guessing.
#[rstest]
#[case::status("", "Pod", "status")]
#[case::exec("", "Pod", "exec")]
#[case::binding("", "Pod", "binding")]
#[case::eviction("", "Pod", "eviction")]
#[case::resize("", "Pod", "resize")]
#[case::scale("apps", "Deployment", "scale")]
fn unrouted_subresources_are_refused_with_the_fix(
    #[case] group: &str,
    #[case] kind: &str,
    #[case] subresource: &str,
) {
    let mut req = request(group, kind, "UPDATE", pod(json!({"hostPID": true})));
    req["subResource"] = json!(subresource);
    req["oldObject"] = req["object"].clone();
    let message = run(req, json!({})).unwrap_err();
    assert!(
        message.contains(&format!("(subresource \"{subresource}\") UPDATE requests"))
            && message.contains("Scope the policy's rules"),
        "{message}"
    );
}

fn pod_update(old_spec: Value, new_spec: Value) -> Value {
    let mut req = request("", "Pod", "UPDATE", pod(new_spec));
    req["oldObject"] = pod(old_spec);
    req
}

#[test]
fn insignificant_pod_update_of_a_legacy_pod_is_accepted_like_psa() {
    let legacy = json!({"hostPID": true, "containers": [{"name": "a", "image": "x:1"}]});
    assert_eq!(run(pod_update(legacy.clone(), legacy), json!({})), Ok(()));
}

#[rstest]
#[case::image_change(json!({"containers": [{"name": "a", "image": "x:2"}]}))]
#[case::container_added(json!({"containers": [{"name": "a", "image": "x:1"}, {"name": "b", "image": "x:1"}]}))]
#[case::init_container_added(json!({"containers": [{"name": "a", "image": "x:1"}], "initContainers": [{"name": "i", "image": "x:1"}]}))]
#[case::ephemeral_added(json!({"containers": [{"name": "a", "image": "x:1"}], "ephemeralContainers": [{"name": "e", "image": "x:1"}]}))]
fn significant_pod_updates_are_evaluated(#[case] mut new_spec: Value) {
    new_spec["hostPID"] = json!(true);
    let old = json!({"hostPID": true, "containers": [{"name": "a", "image": "x:1"}]});
    let message = run(pod_update(old, new_spec), psa_only()).unwrap_err();
    assert!(
        message.contains("host namespaces (hostPID=true)"),
        "{message}"
    );
}

#[test]
fn unchanged_ephemeral_container_is_not_significant() {
    let spec = json!({"hostPID": true, "containers": [{"name": "a", "image": "x:1"}], "ephemeralContainers": [{"name": "e", "image": "busybox"}]});
    assert_eq!(run(pod_update(spec.clone(), spec), json!({})), Ok(()));
}

#[test]
fn pod_update_without_old_object_is_rejected() {
    let message = run(request("", "Pod", "UPDATE", pod(session_spec())), json!({})).unwrap_err();
    assert!(message.contains("carries no oldObject"), "{message}");
}

#[test]
fn deployment_update_is_always_evaluated() {
    let object = json!({"spec": {"template": {"spec": {"hostIPC": true, "containers": []}}}});
    let mut req = request("apps", "Deployment", "UPDATE", object.clone());
    req["oldObject"] = object;
    assert!(
        run(req, psa_only())
            .unwrap_err()
            .contains("host namespaces (hostIPC=true)")
    );
}

#[rstest]
#[case::not_json(b"{not json".as_slice(), "the admission request cannot be decoded")]
#[case::empty(b"".as_slice(), "the admission request cannot be decoded")]
fn malformed_payloads_are_rejected(#[case] payload: &[u8], #[case] fragment: &str) {
    let message = run_raw(payload).unwrap_err();
    assert!(message.contains(fragment), "{message}");
}

#[rstest]
#[case::bool_as_string(json!({"containers": [{"name": "a", "securityContext": {"privileged": "true"}}]}), "invalid type: string \"true\", expected a boolean")]
#[case::security_context_list(json!({"containers": [{"name": "a", "securityContext": []}]}), "invalid type: sequence, expected an object")]
#[case::positional_security_context(json!({"containers": [{"name": "a", "securityContext": [false]}]}), "invalid type: sequence, expected an object")]
#[case::positional_container(json!({"containers": [["a"]]}), "invalid type: sequence, expected an object")]
#[case::run_as_user_string(json!({"securityContext": {"runAsUser": "0"}}), "invalid type: string \"0\"")]
#[case::run_as_user_float(json!({"securityContext": {"runAsUser": 0.5}}), "invalid type: floating point")]
#[case::capability_number(json!({"containers": [{"name": "a", "securityContext": {"capabilities": {"add": [7]}}}]}), "invalid type: integer")]
#[case::host_port_overflow(json!({"containers": [{"name": "a", "ports": [{"hostPort": 4294967296_i64}]}]}), "invalid value")]
#[case::containers_object(json!({"containers": {"name": "a"}}), "invalid type: map, expected a sequence")]
#[case::volume_string(json!({"volumes": ["hostPath"]}), "expected a volume object")]
fn wrong_types_are_rejected_with_the_decoder_message(#[case] spec: Value, #[case] fragment: &str) {
    let message = run(request("", "Pod", "CREATE", pod(spec)), json!({})).unwrap_err();
    assert!(
        message.starts_with("the Pod object cannot be decoded"),
        "{message}"
    );
    assert!(message.contains(fragment), "{message}");
}

#[test]
fn non_string_annotation_is_rejected() {
    let object = json!({"metadata": {"annotations": {"a": 1}}, "spec": session_spec()});
    let message = run(request("", "Pod", "CREATE", object), json!({})).unwrap_err();
    assert!(
        message.contains("invalid type: integer `1`, expected a string"),
        "{message}"
    );
}

#[test]
fn pod_without_spec_is_rejected() {
    let message = run(
        request("", "Pod", "CREATE", json!({"metadata": {}})),
        json!({}),
    )
    .unwrap_err();
    assert!(message.contains("has no spec"), "{message}");
}

#[test]
fn nulls_mean_unset_like_kubernetes() {
    let mut spec = session_spec();
    spec["initContainers"] = Value::Null;
    spec["hostNetwork"] = Value::Null;
    spec["containers"][0]["ports"] = Value::Null;
    spec["containers"][0]["securityContext"]["capabilities"]["add"] = Value::Null;
    let mut object = pod(spec);
    object["metadata"]["annotations"] = Value::Null;
    assert_eq!(run(request("", "Pod", "CREATE", object), json!({})), Ok(()));
}

#[test]
fn allowed_capabilities_are_the_one_departure() {
    let mut spec = session_spec();
    spec["containers"][0]["securityContext"]["capabilities"]["add"] = json!(["SYS_PTRACE"]);
    let denied = run(request("", "Pod", "CREATE", pod(spec.clone())), json!({})).unwrap_err();
    assert!(
        denied.contains("must not include \"SYS_PTRACE\" in securityContext.capabilities.add"),
        "{denied}"
    );
    assert_eq!(
        run(
            request("", "Pod", "CREATE", pod(spec)),
            json!({"allowedCapabilities": ["SYS_PTRACE"]})
        ),
        Ok(())
    );
}

//! The browser API, natively: verdicts on the repository's examples, the
//! request it builds, context lookups, scope, settings, and structured
//! errors for every kind of malformed input.

use rstest::rstest;
use serde_json::{Value, json};

fn example(path: &str) -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    std::fs::read_to_string(format!("{root}/{path}")).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn evaluate(input: Value) -> Value {
    web::api::evaluate(&input.to_string())
}

/// The verdict of `policy` on object `index`.
fn verdict<'a>(answer: &'a Value, index: usize, policy: &str) -> &'a Value {
    answer["objects"][index]["results"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["policy"] == policy))
        .unwrap_or_else(|| panic!("no result of {policy} in {answer}"))
}

#[test]
fn an_untrusted_deployment_is_rejected_by_trusted_registries_only_where_in_scope() {
    let answer = evaluate(json!({
        "manifest": example("examples/untrusted-registry-deployment.yaml"),
        "user": "oidc:alice",
    }));
    assert_eq!(answer["ok"], true, "{answer}");
    let object = &answer["objects"][0];
    assert_eq!(object["kind"], "Deployment");
    assert_eq!(object["name"], "desktop-with-untrusted-images");
    let trusted = verdict(&answer, 0, "trusted-registries");
    assert_eq!(trusted["verdict"], "reject");
    assert_eq!(trusted["inScope"], true);
    let message = trusted["message"].as_str().unwrap_or_default();
    assert!(message.contains("ghcr.io"), "{message}");
    // A NetworkPolicy policy is not asked about Deployments.
    let egress = verdict(&answer, 0, "egress-metadata-block");
    assert_eq!(egress["verdict"], "skip");
    assert_eq!(egress["inScope"], false);
    // The request is the one the harness builds, in policy-server's shape.
    let request = &object["request"];
    assert_eq!(request["resource"]["resource"], "deployments");
    assert_eq!(request["userInfo"]["username"], "oidc:alice");
    assert_eq!(request["operation"], "CREATE");
    assert!(answer["summary"]["reject"].as_u64() >= Some(1));
}

#[test]
fn multi_document_manifests_get_one_object_each_and_explicit_settings_apply() {
    let manifest = format!(
        "{}\n---\n{}",
        example("examples/rsc-session-pod-compliant.yaml"),
        example("examples/rsc-session-pod-ptrace.yaml")
    );
    // The example settings allow SYS_PTRACE; PSA restricted (`{}`) does not.
    let example_settings = evaluate(json!({
        "manifest": manifest,
        "policies": ["restricted-security-context"],
    }));
    assert_eq!(
        verdict(&example_settings, 1, "restricted-security-context")["verdict"],
        "accept"
    );
    let answer = evaluate(json!({
        "manifest": manifest,
        "policies": ["restricted-security-context"],
        "settings": {"restricted-security-context": {}},
    }));
    let objects = answer["objects"].as_array().expect("objects");
    assert_eq!(objects.len(), 2, "{answer}");
    assert_eq!(
        verdict(&answer, 0, "restricted-security-context")["verdict"],
        "accept"
    );
    let ptrace = verdict(&answer, 1, "restricted-security-context");
    assert_eq!(ptrace["verdict"], "reject");
    assert!(
        ptrace["message"]
            .as_str()
            .is_some_and(|m| m.contains("SYS_PTRACE")),
        "{ptrace}"
    );
    assert_eq!(objects[0]["results"].as_array().map(Vec::len), Some(1));
}

#[test]
fn settings_from_yaml_text_change_the_verdict_and_bad_settings_are_an_error_result() {
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "vdi"},
        "spec": {"containers": [{"name": "c", "image": "quay.io/tools/debug:1.0"}]}});
    let trusting = evaluate(json!({
        "manifest": pod,
        "policies": ["trusted-registries"],
        "settings": {"trusted-registries": "registries:\n  allow: [quay.io]\n"},
    }));
    assert_eq!(
        verdict(&trusting, 0, "trusted-registries")["verdict"],
        "accept",
        "{trusting}"
    );
    let typo = evaluate(json!({
        "manifest": pod,
        "policies": ["trusted-registries"],
        "settings": {"trusted-registries": {"registry": {}}},
    }));
    let result = verdict(&typo, 0, "trusted-registries");
    assert_eq!(result["verdict"], "error");
    assert!(
        result["message"]
            .as_str()
            .is_some_and(|m| m.contains("unknown field")),
        "{result}"
    );
    assert_eq!(typo["settings"][0]["valid"], false);
}

#[test]
fn context_objects_answer_lookups_and_are_reported() {
    let dir = "policies/session-ownership/suites/fixtures";
    let exec = example(&format!("{dir}/exec-alice-session-by-bob.yaml"));
    let pod = example(&format!("{dir}/pod-session-alice.yaml"));
    let settings = json!({"usernamePrefix": "oidc:", "privilegedGroups": ["vdi-admins"]});
    let with_pod = web::api::evaluate_request(
        &json!({"request": exec, "context": pod, "policies": ["session-ownership"],
            "settings": {"session-ownership": settings}})
        .to_string(),
    );
    let result = verdict(&with_pod, 0, "session-ownership");
    assert_eq!(result["verdict"], "reject", "{with_pod}");
    assert!(
        result["message"]
            .as_str()
            .is_some_and(|m| m.contains("is the VDI session of \"alice\"")),
        "{result}"
    );
    assert_eq!(
        result["lookups"],
        json!(["v1 Pod vdi/vdi-session-alice-desktop"])
    );
    let without = web::api::evaluate_request(
        &json!({"request": exec, "policies": ["session-ownership"],
            "settings": {"session-ownership": settings}})
        .to_string(),
    );
    let result = verdict(&without, 0, "session-ownership");
    assert_eq!(result["verdict"], "reject");
    assert!(
        result["message"]
            .as_str()
            .is_some_and(|m| m.contains("not found")),
        "{result}"
    );
}

#[test]
fn update_pairs_old_objects_and_delete_sends_the_manifest_as_old_object() {
    let session = |user: &str| {
        json!({"apiVersion": "vdi.kasm.io/v1alpha1", "kind": "VDISession",
            "metadata": {"name": "s", "namespace": "vdi"},
            "spec": {"user": user, "template": "ubuntu", "timeout": "1h"}})
    };
    let update = evaluate(json!({
        "manifest": session("bob"),
        "oldManifest": session("alice"),
        "operation": "UPDATE",
        "user": "oidc:alice",
        "policies": ["session-ownership"],
    }));
    assert_eq!(
        update["objects"][0]["request"]["oldObject"]["spec"]["user"],
        "alice"
    );
    assert_eq!(
        verdict(&update, 0, "session-ownership")["verdict"],
        "reject",
        "{update}"
    );
    let delete = evaluate(json!({
        "manifest": session("alice"),
        "operation": "DELETE",
        "user": "oidc:alice",
        "policies": ["session-ownership"],
    }));
    let request = &delete["objects"][0]["request"];
    assert!(request.get("object").is_none(), "{request}");
    assert_eq!(request["oldObject"]["spec"]["user"], "alice");
    assert_eq!(
        verdict(&delete, 0, "session-ownership")["verdict"],
        "accept",
        "{delete}"
    );
    // Two manifests and an old object for only one of them.
    let unpaired = evaluate(json!({
        "manifest": [session("alice"), {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}}],
        "oldManifest": [session("alice")],
        "operation": "UPDATE",
    }));
    assert!(unpaired["objects"][0].get("error").is_none(), "{unpaired}");
    let error = unpaired["objects"][1]["error"].as_str().unwrap_or_default();
    assert!(error.contains("oldManifest has no object"), "{unpaired}");
}

#[test]
fn ignore_rules_judges_out_of_scope_policies() {
    let answer = evaluate(json!({
        "manifest": {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}},
        "policies": ["trusted-registries"],
        "ignoreRules": true,
    }));
    let result = verdict(&answer, 0, "trusted-registries");
    assert_eq!(result["inScope"], false);
    assert_eq!(result["verdict"], "reject");
    assert!(
        result["message"]
            .as_str()
            .is_some_and(|m| m.contains("does not handle v1 Service CREATE")),
        "{result}"
    );
}

#[test]
fn policies_are_listed_with_metadata_and_settings() {
    let policies = web::api::policies();
    let list = policies["policies"].as_array().expect("policies");
    assert!(list.iter().any(|p| p["name"] == "session-ownership"
        && p["contextAwareResources"] == json!([{"apiVersion": "v1", "kind": "Pod"}])));
    for p in list {
        assert!(
            p["settingsYaml"].is_string() && p["settings"].is_object(),
            "{p}"
        );
        assert!(p["description"].is_string(), "{p}");
    }
    let valid = web::api::validate_settings(r#"{"policy":"gpu-limits","settings":"{}"}"#);
    assert_eq!(valid["ok"], true, "{valid}");
}

/// Every malformed input is an `{ok: false, error: {kind: "input"}}`
/// answer naming what is wrong.
#[rstest]
#[case::not_json("{", "the input")]
#[case::not_an_object("[1, 2]", "must be a JSON object")]
#[case::no_manifest("{}", "missing field `manifest`")]
#[case::unknown_field(
    r#"{"manifest": "a: 1", "operaton": "UPDATE"}"#,
    "unknown field `operaton`"
)]
#[case::bad_yaml(
    r#"{"manifest": "kind: Pod\n  bad: indent\n"}"#,
    "manifest: document 1"
)]
#[case::empty_manifest(r##"{"manifest": "# nothing\n"}"##, "no object to judge")]
#[case::number_manifest(r#"{"manifest": 42}"#, "found a number")]
#[case::unknown_policy(
    r#"{"manifest": "a: 1", "policies": ["nope"]}"#,
    "no policy named \"nope\""
)]
#[case::settings_for_unknown_policy(
    r#"{"manifest": "a: 1", "settings": {"nope": {}}}"#,
    "settings: no policy named"
)]
#[case::wrong_groups_type(r#"{"manifest": "a: 1", "groups": "admins"}"#, "invalid type")]
#[case::bad_context(
    r#"{"manifest": "a: 1", "context": "kind: Pod\n"}"#,
    "context: context object 1"
)]
#[case::context_number(r#"{"manifest": "a: 1", "context": 7}"#, "context: expected")]
#[case::bad_old(
    r#"{"manifest": "a: 1", "oldManifest": "[unclosed"}"#,
    "oldManifest: document 1"
)]
fn malformed_inputs_are_structured_errors(#[case] input: &str, #[case] fragment: &str) {
    let answer = web::api::evaluate(input);
    assert_eq!(answer["ok"], false, "{answer}");
    assert_eq!(answer["error"]["kind"], "input", "{answer}");
    let message = answer["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(fragment), "{message}");
}

#[rstest]
#[case::request_number(r#"{"request": 1}"#, "found a number")]
#[case::request_text_two_docs(r#"{"request": "a: 1\n---\nb: 2\n"}"#, "expected one document")]
#[case::request_unknown_field(r#"{"request": {}, "manifest": "x"}"#, "unknown field `manifest`")]
fn malformed_requests_are_structured_errors(#[case] input: &str, #[case] fragment: &str) {
    let answer = web::api::evaluate_request(input);
    assert_eq!(answer["ok"], false, "{answer}");
    let message = answer["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(fragment), "{message}");
}

/// A document that is not a Kubernetes object, or a request the API server
/// would not send, fails that object only, with the reason.
#[test]
fn objects_that_cannot_be_wrapped_are_per_object_errors() {
    let answer = evaluate(
        json!({"manifest": "apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\n---\njust: a map\n---\n- a list\n"}),
    );
    assert_eq!(answer["ok"], true, "{answer}");
    let objects = answer["objects"].as_array().expect("objects");
    assert_eq!(objects.len(), 3);
    assert!(objects[0].get("error").is_none());
    assert_eq!(objects[1]["error"], "the manifest has no apiVersion");
    assert_eq!(objects[2]["error"], "the manifest has no apiVersion");
    assert_eq!(answer["summary"]["error"], 2);
    let request = web::api::evaluate_request(r#"{"request": {"kind": "AdmissionReview"}}"#);
    let error = request["objects"][0]["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("the API server would not send this request"),
        "{request}"
    );
}

#[test]
fn oversized_and_deeply_nested_inputs_are_refused() {
    let huge = format!(
        r#"{{"manifest": "{}"}}"#,
        "a".repeat(web::api::MAX_INPUT_BYTES)
    );
    let answer = web::api::evaluate(&huge);
    assert!(
        answer["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("at most")),
        "{}",
        answer["error"]
    );
    let deep = format!(
        r#"{{"manifest": "{}{}"}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let answer = web::api::evaluate(&deep);
    assert_eq!(answer["ok"], false);
    let deep_json = format!(
        r#"{{"manifest": {}{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert_eq!(web::api::evaluate(&deep_json)["ok"], false);
}

/// An AdmissionReview among the documents (as in examples/requests/) is
/// judged as sent, with its own operation and user; the verdict is the one
/// its file name states.
#[test]
fn admission_reviews_in_a_manifest_are_judged_as_they_stand() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/requests/session-ownership"
    );
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).expect("examples/requests/session-ownership") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let want = if name.ends_with(".accept.json") {
            "accept"
        } else if name.ends_with(".reject.json") {
            "reject"
        } else {
            continue;
        };
        if name.starts_with("connect-") {
            continue; // looks the pod up: its replay file is kwctl's, not context objects
        }
        let text = std::fs::read_to_string(&path).expect("review");
        let answer = evaluate(json!({"manifest": text, "operation": "CREATE", "user": "nobody"}));
        let result = verdict(&answer, 0, "session-ownership");
        assert_eq!(result["verdict"], want, "{name}: {answer}");
        let review: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(
            answer["objects"][0]["request"]["operation"], review["request"]["operation"],
            "{name}"
        );
        checked += 1;
    }
    assert!(checked >= 4, "{checked} reviews checked");
}

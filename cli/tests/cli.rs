//! The `vdi-guard` binary as users run it: flags, output formats, exit
//! codes and bad input, on the built-in modules.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

fn example(name: &str) -> String {
    root().join("examples").join(name).display().to_string()
}

/// Runs the binary with a private compile cache, feeding `stdin` when given.
fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let cache = std::env::temp_dir().join(format!("vdi-guard-cli-test-{}", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_vdi-guard"))
        .args(args)
        .env("VDI_GUARD_CACHE", cache)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("vdi-guard runs");
    let mut input = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        // A reader that stops early (refusing an oversized input) closes
        // the pipe; that is not the test's failure.
        let _ = input.write_all(bytes);
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// `check --output json`: the results and the exit code.
fn check_json(args: &[&str], stdin: Option<&[u8]>) -> (Vec<Value>, i32) {
    let mut all = vec!["check", "--output", "json"];
    all.extend_from_slice(args);
    let output = run(&all, stdin);
    let report: Value = serde_json::from_str(&stdout(&output))
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&output), stderr(&output)));
    (report["results"].as_array().unwrap().clone(), code(&output))
}

fn verdicts(results: &[Value]) -> Vec<(String, String, String)> {
    results
        .iter()
        .map(|r| {
            (
                r["object"].as_str().unwrap().to_owned(),
                r["policy"].as_str().unwrap_or("-").to_owned(),
                r["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn verdict_of<'r>(results: &'r [Value], object: &str, policy: &str) -> &'r str {
    results
        .iter()
        .find(|r| r["object"] == object && r["policy"] == policy)
        .unwrap_or_else(|| panic!("no row for {object} {policy}: {results:?}"))["verdict"]
        .as_str()
        .unwrap()
}

#[test]
fn a_compliant_session_pod_is_admitted_by_every_policy_that_routes_it() {
    let (results, code) = check_json(&[&fixture("session-pod-compliant.yaml")], None);
    assert_eq!(code, 0, "{results:?}");
    let policies: Vec<&str> = results
        .iter()
        .map(|r| r["policy"].as_str().unwrap())
        .collect();
    for policy in [
        "trusted-registries",
        "restricted-security-context",
        "gpu-limits",
        "session-credentials",
    ] {
        assert!(
            policies.contains(&policy),
            "{policy} did not judge the pod: {results:?}"
        );
    }
    assert!(
        results.iter().all(|r| r["verdict"] == "accept"),
        "{results:?}"
    );
}

#[test]
fn a_rejection_exits_1_and_names_the_policy_and_the_reason() {
    let output = run(
        &["check", &example("untrusted-registry-deployment.yaml")],
        None,
    );
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let table = stdout(&output);
    let row = table
        .lines()
        .find(|l| l.contains("trusted-registries"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(row.contains("REJECT"), "{row}");
    assert!(row.contains("untrusted-registry-deployment.yaml:"), "{row}");
    assert!(table.contains(" results: "), "{table}");
}

#[test]
fn stdin_lists_unrouted_objects_and_half_documents_are_all_reported() {
    let text = std::fs::read(fixture("mixed.yaml")).unwrap();
    let (results, code) = check_json(&["-"], Some(&text));
    assert_eq!(code, 2, "a broken document is bad input: {results:?}");
    let rows = verdicts(&results);
    assert!(rows.contains(&(
        "Service/vdi/vdi-session-alice".into(),
        "-".into(),
        "not-checked".into()
    )));
    assert_eq!(
        verdict_of(
            &results,
            "Deployment/vdi/desktop-from-ghcr",
            "trusted-registries"
        ),
        "reject"
    );
    let broken = results.iter().find(|r| r["verdict"] == "invalid").unwrap();
    assert_eq!(broken["file"], "-");
    assert_eq!(broken["line"], 33, "the line the broken document starts on");
    assert!(
        broken["message"]
            .as_str()
            .unwrap()
            .contains("not valid YAML"),
        "{broken}"
    );
}

#[test]
fn fields_of_the_wrong_type_are_invalid_with_their_path_not_judged() {
    let (results, code) = check_json(&[&fixture("wrong-types.yaml")], None);
    assert_eq!(code, 2);
    assert_eq!(results.len(), 2, "no policy ran on them: {results:?}");
    let messages: Vec<&str> = results
        .iter()
        .map(|r| r["message"].as_str().unwrap())
        .collect();
    assert!(messages[0].starts_with("spec.replicas:"), "{messages:?}");
    assert!(
        messages[1].starts_with("spec.containers[0].securityContext.privileged:"),
        "{messages:?}"
    );
    assert!(
        results
            .iter()
            .all(|r| r["verdict"] == "invalid" && r["policy"].is_null())
    );
}

#[test]
fn user_and_groups_are_who_sends_the_request() {
    let session = example("session-alice.yaml");
    let as_user = |user: &str| {
        let (results, code) = check_json(
            &[&session, "--user", user, "--group", "system:authenticated"],
            None,
        );
        (
            verdict_of(&results, "VDISession/vdi/alice-ubuntu", "session-ownership").to_owned(),
            code,
        )
    };
    assert_eq!(as_user("oidc:alice"), ("accept".into(), 0));
    assert_eq!(as_user("oidc:bob"), ("reject".into(), 1));
}

#[test]
fn update_compares_with_the_old_object_and_needs_one() {
    let session = fixture("session-alice-longer.yaml");
    let old = example("session-alice.yaml");
    let (results, status) = check_json(
        &[
            &session,
            "--operation",
            "UPDATE",
            "--old",
            &old,
            "--user",
            "oidc:bob",
        ],
        None,
    );
    assert_eq!(status, 1);
    assert_eq!(
        verdict_of(&results, "VDISession/vdi/alice-ubuntu", "session-ownership"),
        "reject"
    );
    let (results, status) = check_json(
        &[
            &session,
            "--operation",
            "UPDATE",
            "--old",
            &old,
            "--user",
            "oidc:alice",
        ],
        None,
    );
    assert_eq!(
        (
            verdict_of(&results, "VDISession/vdi/alice-ubuntu", "session-ownership"),
            status
        ),
        ("accept", 0)
    );
    let without = run(&["check", &session, "--operation", "UPDATE"], None);
    assert_eq!(code(&without), 2);
    assert!(
        stderr(&without).contains("needs --old"),
        "{}",
        stderr(&without)
    );
    let unmatched = run(
        &[
            "check",
            &example("session-spoofing-bob.yaml"),
            "--operation",
            "UPDATE",
            "--old",
            &old,
        ],
        None,
    );
    assert_eq!(code(&unmatched), 2, "{}", stdout(&unmatched));
    assert!(
        stdout(&unmatched).contains("--old holds no object"),
        "{}",
        stdout(&unmatched)
    );
}

#[test]
fn delete_judges_the_manifest_as_the_stored_object() {
    let (results, code) = check_json(
        &[
            &example("session-alice.yaml"),
            "--operation",
            "DELETE",
            "--user",
            "oidc:bob",
        ],
        None,
    );
    assert_eq!(
        (
            verdict_of(&results, "VDISession/vdi/alice-ubuntu", "session-ownership"),
            code
        ),
        ("reject", 1)
    );
}

#[test]
fn policy_selects_and_an_unknown_one_is_a_usage_error() {
    let (results, _) = check_json(
        &[
            &example("untrusted-registry-deployment.yaml"),
            "--policy",
            "gpu-limits",
        ],
        None,
    );
    assert!(
        results.iter().all(|r| r["policy"] == "gpu-limits"),
        "{results:?}"
    );
    let unknown = run(
        &[
            "check",
            "--policy",
            "gpu-limit",
            &example("gpu-session-pod.yaml"),
        ],
        None,
    );
    assert_eq!(code(&unknown), 2);
    assert!(
        stderr(&unknown).contains("no such policy"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn settings_forms_change_the_verdict_and_bad_settings_stop_the_run() {
    let deployment = fixture("mixed.yaml");
    let object = "Deployment/vdi/desktop-from-ghcr";
    let by_form = |settings: &str| {
        let (results, _) = check_json(&[&deployment, "--settings", settings], None);
        verdict_of(&results, object, "trusted-registries").to_owned()
    };
    let file = fixture("settings/trusted-registries.yaml");
    assert_eq!(by_form(&format!("trusted-registries={file}")), "accept");
    let dir = std::env::temp_dir().join(format!("vdi-guard-settings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&file, dir.join("trusted-registries.yaml")).unwrap();
    assert_eq!(by_form(dir.to_str().unwrap()), "accept");
    let policy_file = dir.join("policies.yaml");
    let settings: Value = serde_yaml::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let manifest = serde_json::json!({
        "apiVersion": "policies.kubewarden.io/v1", "kind": "ClusterAdmissionPolicy",
        "metadata": {"name": "vdi-trusted-registries"},
        "spec": {"module": "registry://ghcr.io/vdi-guard/vdi-guard/trusted-registries:v0.3.0", "settings": settings}
    });
    std::fs::write(&policy_file, manifest.to_string()).unwrap();
    assert_eq!(by_form(policy_file.to_str().unwrap()), "accept");
    assert_eq!(
        by_form(&format!(
            "trusted-registries={}",
            root()
                .join("policies/trusted-registries/settings.yaml")
                .display()
        )),
        "reject"
    );
    let invalid = run(
        &[
            "check",
            &deployment,
            "--settings",
            &fixture("settings/invalid.yaml"),
        ],
        None,
    );
    assert_eq!(code(&invalid), 2);
    assert!(
        stderr(&invalid).contains("trusted-registries: policy-server would refuse these settings"),
        "{}",
        stderr(&invalid)
    );
    let typo = run(
        &[
            "check",
            &deployment,
            "--settings",
            &format!("trusted-registry={file}"),
        ],
        None,
    );
    assert_eq!(code(&typo), 2);
    assert!(
        stderr(&typo).contains("no policy \"trusted-registry\""),
        "{}",
        stderr(&typo)
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn junit_counts_match_its_cases_and_failures() {
    let output = run(
        &[
            "check",
            "--output",
            "junit",
            &example("untrusted-registry-deployment.yaml"),
            &fixture("wrong-types.yaml"),
        ],
        None,
    );
    assert_eq!(code(&output), 2);
    let xml = stdout(&output);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    let top = doc.root_element();
    assert_eq!(top.tag_name().name(), "testsuites");
    let count = |node: roxmltree::Node, tag: &str| {
        node.descendants().filter(|n| n.has_tag_name(tag)).count()
    };
    let attr =
        |node: roxmltree::Node, name: &str| node.attribute(name).unwrap().parse::<usize>().unwrap();
    for node in std::iter::once(top).chain(top.children().filter(|n| n.is_element())) {
        assert!(node.has_tag_name("testsuites") || node.has_tag_name("testsuite"));
        assert_eq!(attr(node, "tests"), count(node, "testcase"));
        assert_eq!(attr(node, "failures"), count(node, "failure"));
        assert_eq!(attr(node, "errors"), count(node, "error"));
        assert_eq!(attr(node, "skipped"), count(node, "skipped"));
        for case in node.children().filter(|n| n.has_tag_name("testcase")) {
            assert!(case.attribute("name").is_some() && case.attribute("classname").is_some());
        }
    }
    assert!(
        count(top, "failure") >= 1 && count(top, "error") == 2,
        "{xml}"
    );
}

#[test]
fn sarif_is_a_valid_log_with_a_result_per_rejection() {
    let files = [
        example("untrusted-registry-deployment.yaml"),
        fixture("wrong-types.yaml"),
    ];
    let output = run(&["check", "--output", "sarif", &files[0], &files[1]], None);
    let text = stdout(&output);
    let log: serde_sarif::sarif::Sarif =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(log.version.to_string().trim_matches('"'), "2.1.0");
    let (results, _) = check_json(&[&files[0], &files[1]], None);
    let judged = results
        .iter()
        .filter(|r| r["verdict"] == "reject" || r["verdict"] == "invalid")
        .count();
    let value: Value = serde_json::from_str(&text).unwrap();
    let run = &value["runs"][0];
    let sarif_results = run["results"].as_array().unwrap();
    assert_eq!(sarif_results.len(), judged);
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for result in sarif_results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let location = &result["locations"][0]["physicalLocation"];
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(
            !location["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .is_empty()
        );
    }
}

#[rstest::rstest]
#[case::binary(b"\x7fELF\x02\x01\x01\x00\x00\x00".to_vec(), "binary data")]
#[case::not_utf8(b"kind: Caf\xe9\n".to_vec(), "not UTF-8")]
#[case::too_large(vec![b' '; 50 * 1024 * 1024], "larger than 32 MiB")]
fn bad_bytes_on_stdin_exit_2_with_a_message(#[case] bytes: Vec<u8>, #[case] fragment: &str) {
    let (results, code) = check_json(&["-"], Some(&bytes));
    assert_eq!(code, 2);
    assert_eq!(results.len(), 1);
    assert!(
        results[0]["message"].as_str().unwrap().contains(fragment),
        "{results:?}"
    );
}

#[test]
fn an_unreadable_path_is_reported_and_the_others_still_checked() {
    let dir = std::env::temp_dir().join(format!("vdi-guard-unreadable-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("gone.yaml");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(dir.join("nowhere"), &link).unwrap();
    let (results, code) = check_json(
        &[link.to_str().unwrap(), &example("gpu-session-pod.yaml")],
        None,
    );
    assert_eq!(code, 2);
    assert!(
        results[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("cannot read"),
        "{results:?}"
    );
    assert!(results.len() > 1 && results[1..].iter().all(|r| r["verdict"] != "invalid"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    assert_eq!(code(&run(&["check", "--output", "xml"], None)), 2);
    assert_eq!(code(&run(&["frobnicate"], None)), 2);
    assert_eq!(code(&run(&["check", "--operation", "PATCH"], None)), 2);
    let help = run(&["--help"], None);
    assert_eq!(code(&help), 0);
    assert!(stdout(&help).contains("Exit codes"));
}

#[test]
fn test_runs_user_suites_and_fails_a_wrong_expectation() {
    let passing = run(&["test", &fixture("suites/gpu-sessions.yaml")], None);
    assert_eq!(code(&passing), 0, "{}", stdout(&passing));
    assert!(
        stdout(&passing).contains("2 cases: 2 passed, 0 failed"),
        "{}",
        stdout(&passing)
    );
    let failing = run(&["test", "--output", "junit", &fixture("suites")], None);
    assert_eq!(code(&failing), 1);
    let xml = stdout(&failing);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let failures: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert_eq!(failures.len(), 1, "{xml}");
    assert!(
        failures[0]
            .attribute("message")
            .unwrap()
            .contains("expected accept"),
        "{xml}"
    );
}

#[test]
fn test_runs_the_projects_own_suites_with_the_builtin_modules() {
    let dir = root().join("policies/session-ownership/suites");
    let output = run(
        &[
            "test",
            dir.to_str().unwrap(),
            "--policy",
            "session-ownership",
        ],
        None,
    );
    assert_eq!(code(&output), 0, "{}", stdout(&output));
    let files = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "yaml")
        })
        .count();
    assert!(files > 0);
    let summary = stdout(&output);
    let cases: usize = summary
        .lines()
        .last()
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(cases >= files, "{summary}");
}

#[test]
fn request_writes_a_review_that_check_judges_as_sent() {
    let output = run(
        &[
            "request",
            &example("session-alice.yaml"),
            "--operation",
            "DELETE",
            "--user",
            "oidc:bob",
        ],
        None,
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let review: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(review["kind"], "AdmissionReview");
    assert_eq!(review["request"]["operation"], "DELETE");
    assert!(review["request"]["object"].is_null());
    assert_eq!(review["request"]["oldObject"]["spec"]["user"], "alice");
    let (results, code) = check_json(&["-"], Some(stdout(&output).as_bytes()));
    assert_eq!(code, 1);
    assert_eq!(
        verdict_of(
            &results,
            "DELETE VDISession/vdi/alice-ubuntu",
            "session-ownership"
        ),
        "reject"
    );
}

#[test]
fn request_connect_writes_the_replay_kwctl_needs() {
    let pod = root()
        .join("examples/vdi-namespace/session-pod.yaml")
        .display()
        .to_string();
    let replay = std::env::temp_dir().join(format!("vdi-guard-replay-{}.yml", std::process::id()));
    let output = run(
        &[
            "request",
            &pod,
            "--operation",
            "CONNECT",
            "--sub-resource",
            "exec",
            "--user",
            "oidc:bob",
            "--context",
            &pod,
            "--replay",
            replay.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let review: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(review["request"]["kind"]["kind"], "PodExecOptions");
    assert_eq!(review["request"]["subResource"], "exec");
    let exchanges = xtask::replay::parse(&std::fs::read_to_string(&replay).unwrap()).unwrap();
    assert!(!exchanges.is_empty());
    assert!(
        exchanges
            .iter()
            .all(|e| e.request.describe().starts_with("v1 Pod ")),
        "{exchanges:?}"
    );
    assert_eq!(
        exchanges[0].objects().unwrap().len(),
        1,
        "answered from --context"
    );
    std::fs::remove_file(replay).unwrap();
}

#[test]
fn policies_lists_every_builtin_module() {
    let output = run(&["policies"], None);
    assert_eq!(code(&output), 0);
    let listed = stdout(&output).lines().skip(1).count();
    let dirs = std::fs::read_dir(root().join("policies")).unwrap().count();
    assert_eq!(listed, dirs);
}

#[test]
fn modules_from_a_directory_judge_like_the_builtin_ones_and_must_be_annotated() {
    let dist = root().join("dist");
    assert!(
        dist.is_dir(),
        "run `just build` first: the test loads dist/"
    );
    let file = example("untrusted-registry-deployment.yaml");
    let (builtin, _) = check_json(&[&file], None);
    let (loaded, _) = check_json(&[&file, "--modules", dist.to_str().unwrap()], None);
    assert_eq!(verdicts(&builtin), verdicts(&loaded));
    let bare = std::env::temp_dir().join(format!("vdi-guard-bare-{}.wasm", std::process::id()));
    std::fs::write(&bare, b"\0asm\x01\0\0\0").unwrap();
    let output = run(&["check", &file, "--modules", bare.to_str().unwrap()], None);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("io.kubewarden.metadata"),
        "{}",
        stderr(&output)
    );
    std::fs::remove_file(bare).unwrap();
}

//! Parity with PSA's own fixture corpus (kubernetes/pod-security-admission,
//! `test/testdata`), which is not vendored here. Point `PSA_TESTDATA` at a
//! checkout's `test/testdata` and run:
//!
//! ```text
//! PSA_TESTDATA=~/src/pod-security-admission/test/testdata \
//!   cargo test -p restricted-security-context --test upstream_fixtures -- --ignored
//! ```
//!
//! Every `restricted/v1.37/pass` pod must be accepted and every
//! `restricted/v1.37/fail` and `baseline/v1.37/fail` pod rejected, with the
//! hardening switched off (PSA parity mode).

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

fn accepted(pod: Value) -> bool {
    let payload = json!({
        "request": {"uid": "1", "kind": {"group": "", "version": "v1", "kind": "Pod"}, "operation": "CREATE", "object": pod},
        "settings": {"requireReadOnlyRootFilesystem": false, "denyServiceAccountTokenAutomount": false},
    });
    let answer = (restricted_security_context::NATIVE.validate)(
        payload.to_string().as_bytes(),
        &shared::policy::NoCluster,
    )
    .unwrap();
    let response: Value = serde_json::from_slice(&answer).unwrap();
    response["accepted"] == json!(true)
}

#[test]
#[ignore = "needs PSA_TESTDATA pointing at pod-security-admission's test/testdata"]
fn verdicts_equal_psa_restricted_latest_on_the_upstream_corpus() {
    let root = PathBuf::from(std::env::var("PSA_TESTDATA").expect("set PSA_TESTDATA"));
    let sets = [
        ("restricted/v1.37/pass", true),
        ("restricted/v1.37/fail", false),
        ("baseline/v1.37/fail", false),
    ];
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for (dir, expect_accept) in sets {
        for file in yaml_files(&root.join(dir)) {
            let text = std::fs::read_to_string(&file).unwrap();
            let pod: Value = serde_yaml::from_str(&text).unwrap();
            checked += 1;
            if accepted(pod) != expect_accept {
                mismatches.push(file.display().to_string());
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} fixtures found under {}",
        root.display()
    );
    assert!(
        mismatches.is_empty(),
        "verdicts differ from PSA on {mismatches:#?}"
    );
}

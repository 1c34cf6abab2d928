//! The manifests in `examples/` (what `just check` shows) get the verdict
//! their comments promise under the example settings.

mod common;

use std::path::Path;

use rstest::rstest;
use serde_json::Value;

const RBAC: &str = "rbac.authorization.k8s.io/v1";

fn documents(file: &str) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::Deserializer::from_str(&text)
        .map(|doc| serde::Deserialize::deserialize(doc).unwrap_or_else(|e| panic!("{file}: {e}")))
        .collect()
}

fn settings() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("settings.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("settings.yaml: {e}"))
}

#[rstest]
#[case("rbac-vdi-operator.yaml", &[true, true])]
#[case("rbac-vdi-operator-wildcard.yaml", &[false])]
#[case("rbac-qlkube-impersonator.yaml", &[true, true])]
#[case("rbac-helpdesk-exec.yaml", &[false])]
#[case("rbac-everyone-bindings.yaml", &[false, false])]
#[case("rbac-session-reader.yaml", &[true, true])]
fn examples_get_their_verdicts(#[case] file: &str, #[case] expected: &[bool]) {
    let verdicts: Vec<bool> = documents(file)
        .iter()
        .filter(|doc| doc["apiVersion"] == RBAC)
        .map(|doc| common::judge(doc, "CREATE", "kubernetes-admin", &settings()).0)
        .collect();
    assert_eq!(verdicts, expected, "{file}");
}

#[test]
fn every_example_is_listed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let count = std::fs::read_dir(dir)
        .map(|d| d.count())
        .unwrap_or_default();
    assert_eq!(
        count, 6,
        "list the new example in examples_get_their_verdicts"
    );
}

/// The bench measures the full check: both requests are accepted.
#[rstest]
#[case("bench/small.json")]
#[case("bench/large.json")]
fn bench_requests_are_accepted(#[case] file: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let request: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let (accepted, message) = common::answer(&common::payload(&request, &settings()));
    assert!(accepted, "{file}: {message}");
}

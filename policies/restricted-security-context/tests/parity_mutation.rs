//! Mutating mode over the PSA parity suites (`suites/parity-*.yaml`): how
//! many failing fixtures the mutation repairs, and that every fixture with an
//! explicit violation is still rejected with today's findings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Value, json};

/// The failing cases whose only fault is something left unset (a missing
/// field, or `ALL` missing from `capabilities.drop`); every other failing
/// case sets a violating value explicitly.
const OMISSIONS: &[&str] = &[
    "ape-unset-fail",
    "caps-no-drop-fail",
    "caps-no-capabilities-fail",
    "caps-lowercase-all-fail",
    "run-as-non-root-unset-fail",
    "seccomp-unset-fail",
    "windows-run-as-non-root-still-required-fail",
];

/// Omissions in the pod's own fields: an ephemeral-containers UPDATE cannot
/// change those (the running pod is immutable), so they stay rejected there.
const POD_LEVEL_OMISSIONS: &[&str] = &[
    "run-as-non-root-unset-fail",
    "seccomp-unset-fail",
    "windows-run-as-non-root-still-required-fail",
];

/// The case that mixes explicit violations with one omission: mutation fills
/// in the omission, every explicit finding stays.
const MIXED: &str = "many-violations-in-psa-order-fail";

#[derive(Deserialize)]
struct Suite {
    settings: Value,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Case {
    name: String,
    manifest: String,
    #[serde(default)]
    operation: Option<String>,
    #[serde(default)]
    sub_resource: Option<String>,
    #[serde(default)]
    old_manifest: Option<String>,
    expect: String,
    #[serde(default)]
    message: Vec<String>,
}

fn suites_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("suites")
}

fn read(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn request(case: &Case) -> Value {
    let object = read(&suites_dir().join(&case.manifest));
    let api_version = object["apiVersion"].as_str().unwrap_or("v1");
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let mut request = json!({
        "uid": "1",
        "kind": {"group": group, "version": version, "kind": object["kind"]},
        "operation": case.operation.as_deref().unwrap_or("CREATE"),
        "namespace": "vdi",
        "userInfo": {"username": "oidc:alice"},
        "object": object,
    });
    if let Some(sub) = &case.sub_resource {
        request["subResource"] = json!(sub);
    }
    if let Some(old) = &case.old_manifest {
        request["oldObject"] = read(&suites_dir().join(old));
    }
    request
}

#[derive(Debug, PartialEq)]
enum Outcome {
    Accept,
    Mutate(Value),
    Reject(String),
}

fn answer(request: &Value, settings: &Value) -> Outcome {
    let payload = json!({"request": request, "settings": settings}).to_string();
    let raw = (restricted_security_context::NATIVE.validate)(
        payload.as_bytes(),
        &shared::policy::NoCluster,
    )
    .expect("validate answers");
    let response: Value = serde_json::from_slice(&raw).expect("a ValidationResponse");
    match (
        response["accepted"].as_bool(),
        response.get("mutated_object"),
    ) {
        (Some(true), None | Some(Value::Null)) => Outcome::Accept,
        (Some(true), Some(object)) => Outcome::Mutate(object.clone()),
        _ => Outcome::Reject(response["message"].as_str().unwrap_or("").into()),
    }
}

/// The findings an explicit case must still report: the suite's fragments,
/// minus the one omission of the mixed case (its capabilities).
fn still_expected(case: &Case) -> Vec<String> {
    if case.name != MIXED {
        return case.message.clone();
    }
    case.message
        .iter()
        .map(|m| match m.find("unrestricted capabilities") {
            Some(start) => {
                let end = start + m[start..].find("]), ").expect("more findings follow") + 4;
                format!("{}{}", &m[..start], &m[end..])
            }
            None => m.clone(),
        })
        .collect()
}

#[derive(Default, Debug)]
struct Counts {
    failing: usize,
    repaired: usize,
    still_rejected: usize,
    passing_untouched: usize,
}

#[test]
fn mutation_repairs_omissions_and_keeps_every_explicit_violation() {
    let mut counts: BTreeMap<String, Counts> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(suites_dir())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("parity-"))
        })
        .collect();
    paths.sort();
    assert_eq!(paths.len(), 4, "parity suites: {paths:?}");
    for path in paths {
        let variant = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let suite: Suite = serde_yaml::from_str(&text).unwrap();
        let mut mutating = suite.settings.clone();
        mutating["mutate"] = json!(true);
        let count = counts.entry(variant.clone()).or_default();
        for case in &suite.cases {
            let label = format!("{variant}::{}", case.name);
            let req = request(case);
            let outcome = answer(&req, &mutating);
            if case.expect == "accept" {
                count.passing_untouched += usize::from(outcome == Outcome::Accept);
                if outcome != Outcome::Accept {
                    problems.push(format!(
                        "{label}: compliant, but mutating mode said {outcome:?}"
                    ));
                }
                continue;
            }
            count.failing += 1;
            let omission = OMISSIONS.contains(&case.name.as_str());
            let repairable = omission
                && !(variant == "parity-ephemeral"
                    && POD_LEVEL_OMISSIONS.contains(&case.name.as_str()));
            match outcome {
                Outcome::Mutate(object) => {
                    count.repaired += 1;
                    if !repairable {
                        problems.push(format!(
                            "{label}: admitted with a mutation, but it is not a repairable omission"
                        ));
                    }
                    let mut fixed = req.clone();
                    fixed["object"] = object;
                    let judged = answer(&fixed, &suite.settings);
                    if judged != Outcome::Accept {
                        problems.push(format!(
                            "{label}: the mutated object fails validate-only mode: {judged:?}"
                        ));
                    }
                }
                Outcome::Reject(message) => {
                    count.still_rejected += 1;
                    if repairable {
                        problems.push(format!("{label}: an omission was not repaired: {message}"));
                    }
                    if !omission {
                        for fragment in still_expected(case) {
                            if !message.contains(&fragment) {
                                problems.push(format!("{label}: {message:?} lacks {fragment:?}"));
                            }
                        }
                    }
                }
                Outcome::Accept => {
                    problems.push(format!("{label}: a failing fixture was admitted unchanged"))
                }
            }
        }
    }
    for (variant, c) in &counts {
        println!(
            "{variant}: {} failing, {} repaired by mutation, {} still rejected; {} passing, none patched",
            c.failing, c.repaired, c.still_rejected, c.passing_untouched
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let summary: Vec<(&str, usize, usize, usize)> = counts
        .iter()
        .map(|(v, c)| (v.as_str(), c.failing, c.repaired, c.still_rejected))
        .collect();
    assert_eq!(
        summary,
        [
            ("parity-cronjob", 43, 7, 36),
            ("parity-deployment", 43, 7, 36),
            ("parity-ephemeral", 43, 4, 39),
            ("parity-pod", 43, 7, 36),
        ]
    );
}

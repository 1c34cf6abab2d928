//! The sample AdmissionReviews of `examples/requests/<policy>/` (for `kwctl
//! run --request-path`) get the verdict their name promises
//! (`<what>.accept.json`, `<what>.reject.json`) from the built module, with
//! `policies/<policy>/settings.yaml` (what `--settings-path` passes). A
//! request whose policy looks something up has a kwctl session file beside
//! it, `<what>.replay.yml` (`--replay-host-capabilities-interactions`): its
//! recorded answers are the cluster here, and the module must ask exactly
//! the recorded questions in order, as kwctl's replay requires.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use e2e::host::PolicyModule;
use e2e::replay::Replay;
use serde_json::Value;

struct Sample {
    policy: String,
    path: PathBuf,
    accept: bool,
    replay: Option<PathBuf>,
}

fn samples(problems: &mut Vec<String>) -> Vec<Sample> {
    let dir = e2e::workspace_root().join("examples/requests");
    let mut out = Vec::new();
    let mut policies: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    policies.sort();
    let known = e2e::policy_names().unwrap_or_else(|e| panic!("{e}"));
    for policy_dir in policies {
        let policy = policy_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !known.contains(&policy) {
            problems.push(format!("examples/requests/{policy}: no such policy"));
            continue;
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(&policy_dir)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        for path in files {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if xtask::docs::is_replay_file(&path) {
                let stem = name.trim_end_matches(".replay.yml");
                let used = [".accept.json", ".reject.json"]
                    .iter()
                    .any(|s| policy_dir.join(format!("{stem}{s}")).is_file());
                if !used {
                    problems.push(format!(
                        "{}: no request uses this replay file",
                        path.display()
                    ));
                }
                continue;
            }
            let (stem, accept) = if let Some(stem) = name.strip_suffix(".accept.json") {
                (stem, true)
            } else if let Some(stem) = name.strip_suffix(".reject.json") {
                (stem, false)
            } else {
                problems.push(format!(
                    "{}: name it <what>.accept.json or <what>.reject.json",
                    path.display()
                ));
                continue;
            };
            let replay = policy_dir.join(format!("{stem}.replay.yml"));
            out.push(Sample {
                policy: policy.clone(),
                path: path.clone(),
                accept,
                replay: replay.is_file().then_some(replay),
            });
        }
    }
    out
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn run(sample: &Sample) -> Result<(), String> {
    let module = PolicyModule::cached(&sample.policy)?;
    let settings = e2e::policy_settings(&sample.policy)?;
    let review = e2e::read_document(&sample.path)?;
    if str_at(&review, "/kind") != "AdmissionReview" {
        return Err("not an AdmissionReview (kwctl run takes one)".into());
    }
    let resource = match str_at(&review, "/request/subResource") {
        "" => str_at(&review, "/request/resource/resource").to_owned(),
        sub => format!("{}/{sub}", str_at(&review, "/request/resource/resource")),
    };
    let routed = module.metadata().handles(
        str_at(&review, "/request/resource/group"),
        str_at(&review, "/request/resource/version"),
        &resource,
        str_at(&review, "/request/operation"),
    );
    if !routed {
        return Err(format!(
            "metadata.yml does not route {} {resource}: the API server would never send it",
            str_at(&review, "/request/operation")
        ));
    }
    let (exchanges, replay) = match &sample.replay {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let exchanges =
                xtask::replay::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            let mut objects = Vec::new();
            for exchange in &exchanges {
                objects.extend(exchange.objects()?);
            }
            (exchanges, Replay::from_objects(objects)?)
        }
        None => (Vec::new(), Replay::default()),
    };
    let (verdict, log) = module.validate(&review, &settings, Arc::new(replay));
    if verdict.guest_error {
        return Err(format!(
            "the module failed instead of answering: {:?}",
            verdict.message
        ));
    }
    let asked: Vec<String> = exchanges.iter().map(|e| e.request.describe()).collect();
    if log.lookups != asked {
        return Err(format!(
            "the module looked up {:?}, the replay file records {asked:?} (kwctl replays in order)",
            log.lookups
        ));
    }
    match (sample.accept, verdict.accepted) {
        (true, true) | (false, false) => Ok(()),
        (true, false) => Err(format!("expected accept, got: {:?}", verdict.message)),
        (false, true) => Err("expected rejection, got accept".into()),
    }
}

#[test]
fn sample_requests_get_the_verdict_in_their_name() {
    let mut problems = Vec::new();
    let samples = samples(&mut problems);
    let root = e2e::workspace_root();
    let shown = |p: &Path| p.strip_prefix(&root).unwrap_or(p).display().to_string();
    for sample in &samples {
        if let Err(e) = run(sample) {
            problems.push(format!("{}: {e}", shown(&sample.path)));
        }
    }
    let operations: std::collections::BTreeSet<String> = samples
        .iter()
        .filter_map(|s| e2e::read_document(&s.path).ok())
        .map(|r| str_at(&r, "/request/operation").to_owned())
        .collect();
    for op in ["CREATE", "UPDATE", "DELETE", "CONNECT"] {
        if !operations.contains(op) {
            problems.push(format!("no sample request for {op}"));
        }
    }
    if !samples.iter().any(|s| s.replay.is_some()) {
        problems.push("no sample with a replay file (the context-aware CONNECT)".into());
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

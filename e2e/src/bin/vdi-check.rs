//! `just check`: evaluates manifests against every built policy whose rules
//! match them, with the example settings, and prints a verdict table.
//!
//! Usage: vdi-check [--user NAME] [--group NAME]... [--settings POLICY=FILE]... [PATH]...
//! PATHs are files or directories of YAML manifests (default: `examples/`
//! and every `policies/<policy>/examples/`);
//! each policy's `settings.yaml` holds its settings, unless `--settings`
//! names another file for it (e.g. `mutate: true` for
//! restricted-security-context). A mutating policy's admission with a
//! patch shows as `MUTATE`, with the fields the patch sets.
//!
//! An `AdmissionReview` (as `kwctl run --request-path` takes, e.g.
//! `examples/requests/`) is evaluated as it stands: its operation, user and
//! subresource, with the lookups answered from the kwctl session file
//! beside it (`<what>.replay.yml`), which is not itself a manifest.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use e2e::host::PolicyModule;
use e2e::replay::Replay;
use e2e::wrap::{WrapOptions, resource_for_kind, split_api_version, wrap};
use serde_json::Value;

struct Args {
    user: String,
    groups: Vec<String>,
    paths: Vec<PathBuf>,
    /// `--settings POLICY=FILE`: settings files instead of `settings.yaml`.
    settings: Vec<(String, PathBuf)>,
}

const USAGE: &str =
    "usage: vdi-check [--user NAME] [--group NAME]... [--settings POLICY=FILE]... [PATH]...";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        user: "oidc:alice".into(),
        groups: vec!["system:authenticated".into()],
        paths: Vec::new(),
        settings: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    let mut custom_groups = false;
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--user" => args.user = it.next().ok_or("--user needs a value")?,
            "--group" => {
                if !custom_groups {
                    args.groups.clear();
                    custom_groups = true;
                }
                args.groups.push(it.next().ok_or("--group needs a value")?);
            }
            "--settings" => {
                let value = it.next().ok_or("--settings needs POLICY=FILE")?;
                let (policy, file) = value
                    .split_once('=')
                    .ok_or_else(|| format!("--settings {value:?}: write POLICY=FILE"))?;
                args.settings.push((policy.to_owned(), PathBuf::from(file)));
            }
            "-h" | "--help" => return Err(USAGE.into()),
            _ => args.paths.push(PathBuf::from(arg)),
        }
    }
    if args.paths.is_empty() {
        args.paths.push(e2e::workspace_root().join("examples"));
        for policy in e2e::policy_names()? {
            let examples = e2e::policy_dir(&policy).join("examples");
            if examples.is_dir() {
                args.paths.push(examples);
            }
        }
    }
    Ok(args)
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    if path.is_dir() {
        if path.file_name().is_some_and(|n| n == "settings") {
            return Ok(());
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for entry in entries {
            collect(&entry, out)?;
        }
    } else if xtask::docs::is_replay_file(path) {
        // A kwctl session file: the lookups of the request beside it.
    } else if path
        .extension()
        .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
    {
        out.push(path.to_path_buf());
    } else if !path.exists() {
        return Err(format!("{}: no such file or directory", path.display()));
    }
    Ok(())
}

struct Policy {
    module: PolicyModule,
    settings: Value,
}

fn load_policies(overrides: &[(String, PathBuf)]) -> Result<Vec<Policy>, String> {
    let root = e2e::workspace_root();
    let names = e2e::policy_names()?;
    if let Some((unknown, _)) = overrides.iter().find(|(p, _)| !names.contains(p)) {
        return Err(format!("--settings: no policy {unknown:?}"));
    }
    names
        .into_iter()
        .map(|name| {
            let module = PolicyModule::load_policy(&name)?;
            let chosen = overrides.iter().rev().find(|(p, _)| *p == name);
            let settings_path = chosen.map_or_else(
                || root.join("policies").join(&name).join("settings.yaml"),
                |(_, file)| file.clone(),
            );
            // A file named on the command line must exist.
            let settings = if chosen.is_some() || settings_path.is_file() {
                e2e::read_document(&settings_path)?
            } else {
                Value::Object(Default::default())
            };
            let verdict = module.validate_settings(&settings);
            if !verdict.valid {
                return Err(format!(
                    "{}: invalid example settings: {:?}",
                    settings_path.display(),
                    verdict.message
                ));
            }
            Ok(Policy { module, settings })
        })
        .collect()
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The lookups recorded beside a request: `<what>.replay.yml` for
/// `<what>.accept.json`, `<what>.reject.json` or `<what>.json`.
fn replay_for(file: &Path) -> Result<Replay, String> {
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let stem = [".accept.json", ".reject.json", ".json"]
        .iter()
        .find_map(|s| name.strip_suffix(s))
        .unwrap_or(name);
    let path = file.with_file_name(format!("{stem}.replay.yml"));
    if !path.is_file() {
        return Ok(Replay::default());
    }
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut objects = Vec::new();
    for exchange in xtask::replay::parse(&text).map_err(|e| format!("{}: {e}", path.display()))? {
        objects.extend(exchange.objects()?);
    }
    Replay::from_objects(objects)
}

/// An AdmissionReview, evaluated as sent by every policy whose rules route it.
fn review(file: &Path, shown: &str, review: &Value, policies: &[Policy]) -> Result<(), String> {
    let at = |pointer: &str| {
        review
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    let resource = match at("/request/subResource") {
        "" => at("/request/resource/resource").to_owned(),
        sub => format!("{}/{sub}", at("/request/resource/resource")),
    };
    let operation = at("/request/operation");
    let object = format!(
        "{operation} {}/{}",
        at("/request/kind/kind"),
        at("/request/name")
    );
    let replay = Arc::new(replay_for(file)?);
    let mut matched = false;
    for policy in policies {
        let routed = policy.module.metadata().handles(
            at("/request/resource/group"),
            at("/request/resource/version"),
            &resource,
            operation,
        );
        if !routed {
            continue;
        }
        matched = true;
        let (verdict, _) = policy
            .module
            .validate(review, &policy.settings, replay.clone());
        let (label, reason) = match (verdict.accepted, &verdict.mutated_object) {
            (true, None) => ("accept", String::new()),
            (true, Some(_)) => ("MUTATE", "patched".to_owned()),
            (false, _) => ("REJECT", one_line(verdict.message.as_deref().unwrap_or(""))),
        };
        println!(
            "{shown:<44} {object:<40} {:<28} {label:<7} {reason}",
            policy.module.name
        );
    }
    if !matched {
        println!(
            "{shown:<44} {object:<40} {:<28} {:<7} no policy routes {operation} {resource}",
            "-", "-"
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let result = (|| -> Result<(), String> {
        let policies = load_policies(&args.settings)?;
        let mut files = Vec::new();
        for path in &args.paths {
            collect(path, &mut files)?;
        }
        let root = e2e::workspace_root();
        println!(
            "{:<44} {:<40} {:<28} {:<7} REASON",
            "FILE", "OBJECT", "POLICY", "VERDICT"
        );
        for file in files {
            let shown = file
                .strip_prefix(&root)
                .unwrap_or(&file)
                .display()
                .to_string();
            for manifest in e2e::read_documents(&file)? {
                if manifest.get("kind").and_then(Value::as_str) == Some("AdmissionReview") {
                    review(&file, &shown, &manifest, &policies)?;
                    continue;
                }
                let kind = manifest
                    .get("kind")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_string();
                let name = manifest
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                let object = format!("{kind}/{name}");
                let api_version = manifest
                    .get("apiVersion")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let (group, version) = split_api_version(api_version);
                let resource = resource_for_kind(&kind);
                let options = WrapOptions {
                    user: args.user.clone(),
                    groups: args.groups.clone(),
                    ..WrapOptions::default()
                };
                let request = wrap(&manifest, &options)?;
                let mut matched = false;
                for policy in &policies {
                    if !policy
                        .module
                        .metadata()
                        .handles(group, version, &resource, "CREATE")
                    {
                        continue;
                    }
                    matched = true;
                    let (verdict, _) =
                        policy
                            .module
                            .validate(&request, &policy.settings, Arc::default());
                    let (label, reason) = match (verdict.accepted, &verdict.mutated_object) {
                        (true, None) => ("accept", String::new()),
                        (true, Some(_)) => (
                            "MUTATE",
                            format!("sets {}", verdict.changes(&manifest).join(", ")),
                        ),
                        (false, _) => {
                            ("REJECT", one_line(verdict.message.as_deref().unwrap_or("")))
                        }
                    };
                    println!(
                        "{shown:<44} {object:<40} {:<28} {label:<7} {reason}",
                        policy.module.name
                    );
                }
                if !matched {
                    println!(
                        "{shown:<44} {object:<40} {:<28} {:<7} no policy handles {api_version} {kind}",
                        "-", "-"
                    );
                }
            }
        }
        Ok(())
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vdi-check: {e}");
            ExitCode::FAILURE
        }
    }
}

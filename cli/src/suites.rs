//! `vdi-guard test`: user-written suites (the format of the project's own
//! `policies/<policy>/suites/`) run against the loaded modules, like
//! `kyverno test` or `gator verify`.

use std::path::{Path, PathBuf};

use runtime::suite::{self, Loaded};

use crate::report::{self, Case, CaseResult};
use crate::{Status, SuiteFormat, TestArgs, modules};

pub fn run(args: TestArgs) -> Result<Status, String> {
    let mut loaded = Vec::new();
    let only = match args.modules.policies.as_slice() {
        [one] => Some(one.as_str()),
        _ => None,
    };
    for path in &args.paths {
        for file in files(path)? {
            loaded.extend(suite::load_file(&file, only)?);
        }
    }
    if loaded.is_empty() {
        return Err(
            "no suite cases found; a suite is a YAML file with `policy:` and `cases:`".into(),
        );
    }
    let policies = modules::load(&args.modules, &[])?;
    let mut cases = Vec::new();
    for check in &loaded {
        let result = match policies.iter().find(|p| p.name() == check.policy) {
            Some(policy) => match suite::run(&policy.module, check) {
                Ok(()) => CaseResult::Passed,
                Err(e) => CaseResult::Failed(e),
            },
            None => CaseResult::Error(format!(
                "no loaded policy {:?} (see `vdi-guard policies`)",
                check.policy
            )),
        };
        cases.push(Case {
            suite: format!("{}/{}", check.policy, check.file),
            name: name(check),
            result,
        });
    }
    let failed = cases
        .iter()
        .filter(|c| !matches!(c.result, CaseResult::Passed))
        .count();
    match args.output {
        SuiteFormat::Junit => print!("{}", report::junit(&cases)),
        SuiteFormat::Table => {
            for case in &cases {
                match &case.result {
                    CaseResult::Passed => println!("ok    {} {}", case.suite, case.name),
                    CaseResult::Failed(e) | CaseResult::Error(e) | CaseResult::Skipped(e) => {
                        println!("FAIL  {} {}: {e}", case.suite, case.name)
                    }
                }
            }
            println!(
                "\n{} cases: {} passed, {failed} failed",
                cases.len(),
                cases.len() - failed
            );
        }
    }
    Ok(if failed == 0 {
        Status::Admitted
    } else {
        Status::Rejected
    })
}

fn name(check: &Loaded) -> String {
    match &check.check {
        suite::Check::Validate { case, .. } => case.name.clone(),
        suite::Check::Settings(s) => format!("settings: {}", s.name),
    }
}

fn files(path: &Path) -> Result<Vec<PathBuf>, String> {
    if path.is_dir() {
        suite::suite_files(path)
    } else if path.is_file() {
        Ok(vec![path.to_path_buf()])
    } else {
        Err(format!("{}: no such file or directory", path.display()))
    }
}

//! Runs every declarative suite under `e2e/suites/` against the built
//! modules in `dist/`, one test per case, each on a fresh instance.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use e2e::host::PolicyModule;
use e2e::suite::{Loaded, load_all, run};
use libtest_mimic::{Arguments, Failed, Trial};

type ModuleCache = Mutex<HashMap<String, Result<Arc<PolicyModule>, String>>>;

/// Each module is compiled once per process, as policy-server does at start-up.
fn module(policy: &str) -> Result<Arc<PolicyModule>, String> {
    static CACHE: OnceLock<ModuleCache> = OnceLock::new();
    let mut cache = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    cache
        .entry(policy.to_string())
        .or_insert_with(|| PolicyModule::load_policy(policy).map(Arc::new))
        .clone()
}

fn trial(loaded: Loaded) -> Trial {
    Trial::test(loaded.name(), move || {
        let module = module(&loaded.policy)?;
        run(&module, &loaded).map_err(Failed::from)
    })
}

/// Every policy must have a built module, answer `protocol_version` with
/// v1, and have a suite: a policy without tests fails here, it is not skipped.
fn coverage_trials() -> Vec<Trial> {
    e2e::policy_names()
        .into_iter()
        .map(|policy| {
            Trial::test(
                format!("{policy}::module::protocol_version_and_suite"),
                move || {
                    let module = module(&policy)?;
                    let version = module.protocol_version()?;
                    if version != "v1" {
                        return Err(format!("protocol_version answered {version:?}").into());
                    }
                    let suite_dir = e2e::workspace_root().join("e2e/suites").join(&policy);
                    if !suite_dir.is_dir() {
                        return Err(format!("{} has no e2e suite", suite_dir.display()).into());
                    }
                    Ok(())
                },
            )
        })
        .collect()
}

fn main() {
    let args = Arguments::from_args();
    let root = e2e::workspace_root().join("e2e/suites");
    let mut trials = coverage_trials();
    match load_all(&root) {
        Ok(all) => trials.extend(all.into_iter().map(trial)),
        Err(e) => trials.push(Trial::test("suites::load", move || Err(e.into()))),
    }
    libtest_mimic::run(&args, trials).exit();
}

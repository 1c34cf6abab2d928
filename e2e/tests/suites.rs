//! Runs every declarative suite under `policies/*/suites/` against the built
//! modules in `dist/`, one test per case, each on a fresh instance.

use e2e::host::PolicyModule;
use e2e::suite::{Loaded, load_all, run};
use libtest_mimic::{Arguments, Failed, Trial};

fn trial(loaded: Loaded) -> Trial {
    Trial::test(loaded.name(), move || {
        let module = PolicyModule::cached(&loaded.policy)?;
        run(&module, &loaded).map_err(Failed::from)
    })
}

/// Every policy must have a built module, answer `protocol_version` with
/// v1, and have a suite: a policy without tests fails here, it is not skipped.
fn coverage_trials() -> Vec<Trial> {
    let policies = match e2e::policy_names() {
        Ok(policies) => policies,
        Err(e) => return vec![Trial::test("policies::list", move || Err(e.into()))],
    };
    policies
        .into_iter()
        .map(|policy| {
            Trial::test(
                format!("{policy}::module::protocol_version_and_suite"),
                move || {
                    let module = PolicyModule::cached(&policy)?;
                    let version = module.protocol_version()?;
                    if version != "v1" {
                        return Err(format!("protocol_version answered {version:?}").into());
                    }
                    let suite_dir = e2e::workspace_root()
                        .join("policies")
                        .join(&policy)
                        .join("suites");
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
    let root = e2e::workspace_root();
    let mut trials = coverage_trials();
    match load_all(&root) {
        Ok(all) => trials.extend(all.into_iter().map(trial)),
        Err(e) => trials.push(Trial::test("suites::load", move || Err(e.into()))),
    }
    libtest_mimic::run(&args, trials).exit();
}

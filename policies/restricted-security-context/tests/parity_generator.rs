//! The PSA parity suites are generated (`suites/generate.py`); regenerating
//! them must reproduce the checked-in files byte for byte, so a hand edit of
//! a generated fixture, or a generator change not run, fails here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const VARIANTS: [&str; 4] = ["pod", "deployment", "cronjob", "ephemeral"];

fn suites() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("suites")
}

/// Every generated file under `root`, by its path relative to `root`.
fn generated_files(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    for variant in VARIANTS {
        let suite = PathBuf::from(format!("parity-{variant}.yaml"));
        files.insert(suite.clone(), read(&root.join(&suite)));
        let dir = PathBuf::from("fixtures").join(variant);
        let entries = std::fs::read_dir(root.join(&dir))
            .unwrap_or_else(|e| panic!("{}: {e}", root.join(&dir).display()));
        for entry in entries.filter_map(Result::ok) {
            let relative = dir.join(entry.file_name());
            files.insert(relative.clone(), read(&root.join(&relative)));
        }
    }
    files
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn regenerating_the_parity_suites_reproduces_the_checked_in_files() {
    let out = std::env::temp_dir().join(format!("rsc-parity-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    let status = Command::new("python3")
        .arg(suites().join("generate.py"))
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap_or_else(|e| panic!("python3 (with PyYAML) is needed to run generate.py: {e}"));
    assert!(status.success(), "generate.py failed: {status}");
    let want = generated_files(&out);
    let got = generated_files(&suites());
    std::fs::remove_dir_all(&out).ok();
    let mut drift: Vec<String> = Vec::new();
    for (path, bytes) in &want {
        match got.get(path) {
            Some(checked_in) if checked_in == bytes => {}
            Some(_) => drift.push(format!("{} differs", path.display())),
            None => drift.push(format!("{} is missing", path.display())),
        }
    }
    for path in got.keys().filter(|p| !want.contains_key(*p)) {
        drift.push(format!("{} is no longer generated", path.display()));
    }
    assert!(
        drift.is_empty(),
        "run `python3 policies/restricted-security-context/suites/generate.py`:\n{}",
        drift.join("\n")
    );
}

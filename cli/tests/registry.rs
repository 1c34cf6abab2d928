//! `--modules registry://…` and `--key`: modules pushed to a real local
//! registry and signed with cosign keys, then pulled, verified and cached by
//! the binary. Needs `docker-registry`, so `just test` runs it in its
//! registry step (`--features registry-tests`).
#![cfg(feature = "registry-tests")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use xtask::local_registry::LocalRegistry;
use xtask::{cosign, oci};

const POLICY: &str = "trusted-registries";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A private directory for one test: keys, the compile and pull cache.
fn scratch(test: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("vdi-guard-registry-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

/// A fresh key pair: the signing key, and the public key written as
/// `<dir>/<name>.pub` the way `cosign generate-key-pair` leaves it.
fn key_pair(dir: &Path, name: &str) -> (p256::ecdsa::SigningKey, PathBuf) {
    let (private, public) = cosign::generate(b"ci").unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join(format!("{name}.pub"));
    std::fs::write(&path, public).unwrap_or_else(|e| panic!("{e}"));
    let key = cosign::signing_key(&private, b"ci").unwrap_or_else(|e| panic!("{e}"));
    (key, path)
}

/// Pushes the built module to `registry` and returns its `registry://` reference
/// and digest.
fn push(registry: &LocalRegistry, tag: &str) -> (oci_client::Reference, String, String) {
    let path = root().join("dist").join(format!("{POLICY}.wasm"));
    let module = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run `just build`", path.display()));
    let reference = registry
        .reference(POLICY, tag)
        .unwrap_or_else(|e| panic!("{e}"));
    let annotations = BTreeMap::from([(
        "org.opencontainers.image.title".to_owned(),
        POLICY.to_owned(),
    )]);
    let digest = oci::push(&module, &reference, annotations).unwrap_or_else(|e| panic!("{e}"));
    let url = format!("registry://{}/vdi-guard/{POLICY}:{tag}", registry.addr);
    (reference, digest, url)
}

fn run(cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vdi-guard"))
        .args(args)
        .env("VDI_GUARD_CACHE", cache)
        .current_dir(root())
        .output()
        .expect("vdi-guard runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `check --output json` of two examples, one from an untrusted registry:
/// (object, policy, verdict) rows.
fn check(cache: &Path, modules: &[&str]) -> (Vec<(String, String, String)>, i32, String) {
    let mut args = vec![
        "check",
        "--output",
        "json",
        "examples/untrusted-registry-deployment.yaml",
        "examples/gpu-session-pod.yaml",
    ];
    args.extend_from_slice(modules);
    let output = run(cache, &args);
    let code = output.status.code().expect("exited");
    let stderr = text(&output.stderr);
    if code == 2 {
        return (Vec::new(), code, stderr + &text(&output.stdout));
    }
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{stderr}", text(&output.stdout)));
    let rows = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["policy"].is_string())
        .map(|r| {
            (
                r["object"].as_str().unwrap().to_owned(),
                r["policy"].as_str().unwrap().to_owned(),
                r["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (rows, code, stderr)
}

/// What the pulled trusted-registries module says of the examples: the
/// Deployment with a ghcr.io container is rejected, the session pod from the
/// platform registry admitted, and no other policy runs.
fn judged_by_pulled_module(rows: &[(String, String, String)]) {
    assert!(
        rows.iter().all(|(_, policy, _)| policy == POLICY),
        "{rows:?}"
    );
    let verdict = |name: &str| {
        rows.iter()
            .find(|(object, _, _)| object.contains(name))
            .map(|(_, _, verdict)| verdict.as_str())
    };
    assert_eq!(
        verdict("desktop-with-untrusted-images"),
        Some("reject"),
        "{rows:?}"
    );
    assert_eq!(verdict("session-alice"), Some("accept"), "{rows:?}");
}

#[test]
fn signed_module_is_pulled_verified_and_then_served_from_the_cache() {
    let dir = scratch("signed");
    let registry = LocalRegistry::start().unwrap_or_else(|e| panic!("{e}"));
    let (signing, public) = key_pair(&dir, "cosign");
    let (_, stranger) = key_pair(&dir, "stranger");
    let (reference, digest, url) = push(&registry, "v1");
    oci::sign(&reference, &digest, &signing).unwrap_or_else(|e| panic!("{e}"));
    let key = public.display().to_string();
    let cache = dir.join("cache");

    let (rows, code, stderr) = check(&cache, &["--modules", &url, "--key", &key]);
    assert_eq!(code, 1, "{stderr}");
    judged_by_pulled_module(&rows);
    assert!(
        !stderr.contains("without signature verification"),
        "{stderr}"
    );

    let (_, code, stderr) = check(
        &cache,
        &["--modules", &url, "--key", &stranger.display().to_string()],
    );
    assert_eq!(code, 2, "another key must not accept the module: {stderr}");
    assert!(
        stderr.contains("no valid signature by this key"),
        "{stderr}"
    );

    drop(registry);
    let (rows, code, stderr) = check(&cache, &["--modules", &url, "--key", &key]);
    assert_eq!(
        code, 1,
        "the verified pull is cached for this key: {stderr}"
    );
    judged_by_pulled_module(&rows);
    let (_, code, stderr) = check(
        &cache,
        &["--modules", &url, "--key", &stranger.display().to_string()],
    );
    assert_eq!(
        code, 2,
        "a pull verified with one key is no pull for another: {stderr}"
    );
    let (_, code, stderr) = check(&cache, &["--modules", &url]);
    assert_eq!(
        code, 2,
        "a verified pull is not reused unverified either: {stderr}"
    );
}

#[test]
fn unsigned_module_is_refused_with_a_key_and_warned_about_without() {
    let dir = scratch("unsigned");
    let registry = LocalRegistry::start().unwrap_or_else(|e| panic!("{e}"));
    let (_, public) = key_pair(&dir, "cosign");
    let (_, digest, url) = push(&registry, "v1");
    let cache = dir.join("cache");

    let (_, code, stderr) = check(
        &cache,
        &["--modules", &url, "--key", &public.display().to_string()],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!("({digest}) is not signed")),
        "{stderr}"
    );

    let (rows, code, stderr) = check(&cache, &["--modules", &url]);
    assert_eq!(code, 1, "{stderr}");
    judged_by_pulled_module(&rows);
    assert!(
        stderr.contains("pulled without signature verification"),
        "{stderr}"
    );
    assert!(stderr.contains("--key"), "{stderr}");
}

#[test]
fn listing_pulled_modules_names_them_and_bad_references_are_errors() {
    let dir = scratch("list");
    let registry = LocalRegistry::start().unwrap_or_else(|e| panic!("{e}"));
    let (_, _, url) = push(&registry, "v1");
    let cache = dir.join("cache");

    let output = run(&cache, &["policies", "--modules", &url]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let listing = text(&output.stdout);
    assert!(listing.contains(POLICY), "{listing}");
    assert!(!listing.contains("gpu-limits"), "{listing}");

    let missing = format!("registry://{}/vdi-guard/{POLICY}:v9", registry.addr);
    let output = run(&cache, &["policies", "--modules", &missing]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains(&missing),
        "{}",
        text(&output.stderr)
    );

    let output = run(
        &cache,
        &["policies", "--modules", "registry://Not A Reference"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("is not an OCI reference"),
        "{}",
        text(&output.stderr)
    );
}

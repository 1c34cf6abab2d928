//! The distribution path end to end: every built module is pushed to a real
//! registry (Debian's `docker-registry`, distribution 2.x, on a loopback
//! port), signed with a cosign key, verified, and pulled back by digest into
//! `<target>/tmp/oci-pulled/`, where `just test` then runs the e2e suites on
//! the pulled bytes (a separate cargo run, so this HTTP stack and wasmtime
//! never share one feature-unified build). Bad input (unsigned or moved tags,
//! a stranger's key, a wrong digest, no registry) must fail with a message.
#![cfg(feature = "oci")]

use std::collections::BTreeMap;
use std::path::PathBuf;

use oci_client::Reference;
use oci_client::manifest::{WASM_CONFIG_MEDIA_TYPE, WASM_LAYER_MEDIA_TYPE};
use p256::ecdsa::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use xtask::local_registry::{LocalRegistry, free_port};
use xtask::policy::Policy;
use xtask::{cosign, oci, workspace_root};

fn start_registry() -> LocalRegistry {
    LocalRegistry::start().unwrap_or_else(|e| panic!("{e}"))
}

fn at(registry: &LocalRegistry, repository: &str, tag: &str) -> Reference {
    registry
        .reference(repository, tag)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn dist(policy: &str) -> Vec<u8> {
    let path = workspace_root().join("dist").join(format!("{policy}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}; run `just build`", path.display()))
}

fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

/// A key pair the way users get one: generated, sealed, read back.
fn key_pair() -> (SigningKey, VerifyingKey) {
    let (private, public) = cosign::generate(b"ci").unwrap_or_else(|e| panic!("{e}"));
    (
        cosign::signing_key(&private, b"ci").unwrap_or_else(|e| panic!("{e}")),
        cosign::verifying_key(&public).unwrap_or_else(|e| panic!("{e}")),
    )
}

fn push(reference: &Reference, module: &[u8]) -> String {
    let annotations = BTreeMap::from([(
        "org.opencontainers.image.title".to_owned(),
        reference.repository().to_owned(),
    )]);
    oci::push(module, reference, annotations).unwrap_or_else(|e| panic!("{e}"))
}

/// Where the pulled modules go for `just test`'s suite run (`VDI_DIST`).
fn pulled_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("oci-pulled")
}

#[test]
fn every_module_round_trips_signed() {
    let registry = start_registry();
    let (signing, verifying) = key_pair();
    let out = pulled_dir();
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    let policies = Policy::load_all(&workspace_root()).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        policies.len() >= 5,
        "expected every policy, found {}",
        policies.len()
    );
    for policy in policies {
        let name = &policy.name;
        let module = dist(name);
        let reference = at(&registry, name, &format!("v{}", policy.version));
        let digest = push(&reference, &module);
        oci::sign(&reference, &digest, &signing).unwrap_or_else(|e| panic!("{e}"));

        let (pulled, manifest, pulled_digest) =
            oci::pull_verified(&reference, &verifying).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pulled_digest, digest, "{name}: pulled another manifest");
        assert!(pulled == module, "{name}: the pulled module differs");
        assert_eq!(manifest.config.media_type, WASM_CONFIG_MEDIA_TYPE);
        let layers: Vec<(&str, &str)> = manifest
            .layers
            .iter()
            .map(|l| (l.media_type.as_str(), l.digest.as_str()))
            .collect();
        assert_eq!(layers, [(WASM_LAYER_MEDIA_TYPE, sha256(&module).as_str())]);
        let path = out.join(format!("{name}.wasm"));
        std::fs::write(&path, &pulled).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

#[test]
fn signing_twice_keeps_one_signature_and_other_signers() {
    let registry = start_registry();
    let (first, first_public) = key_pair();
    let (second, second_public) = key_pair();
    let reference = at(&registry, "session-ownership", "v0.1.0");
    let digest = push(&reference, &dist("session-ownership"));
    let counts: Vec<usize> = [&first, &second, &second]
        .into_iter()
        .map(|key| {
            oci::sign(&reference, &digest, key)
                .unwrap_or_else(|e| panic!("{e}"))
                .signatures
        })
        .collect();

    assert_eq!(counts, [1, 2, 2]);
    assert_eq!(
        oci::signature_reference(&reference, &digest).tag(),
        Some(format!("{}.sig", digest.replace(':', "-")).as_str())
    );
    for public in [&first_public, &second_public] {
        assert_eq!(oci::verify(&reference, public), Ok(digest.clone()));
    }
}

#[test]
fn unsigned_module_is_refused() {
    let registry = start_registry();
    let (_, verifying) = key_pair();
    let reference = at(&registry, "gpu-limits", "v0.1.0");
    let digest = push(&reference, &dist("gpu-limits"));
    let err = oci::pull_verified(&reference, &verifying).unwrap_err();
    assert!(err.contains(&format!("({digest}) is not signed")), "{err}");
}

#[test]
fn signature_by_another_key_is_refused() {
    let registry = start_registry();
    let (signing, _) = key_pair();
    let (_, stranger) = key_pair();
    let reference = at(&registry, "trusted-registries", "v0.1.0");
    let digest = push(&reference, &dist("trusted-registries"));
    oci::sign(&reference, &digest, &signing).unwrap_or_else(|e| panic!("{e}"));
    let err = oci::verify(&reference, &stranger).unwrap_err();
    assert!(err.contains("no valid signature by this key"), "{err}");
    assert!(err.contains("does not match the public key"), "{err}");
}

/// A tag moved to other bytes after signing (a compromised push) must not
/// inherit the signature: signatures name digests, not tags.
#[test]
fn moved_tag_is_refused() {
    let registry = start_registry();
    let (signing, verifying) = key_pair();
    let reference = at(&registry, "egress-metadata-block", "v0.1.0");
    let signed = push(&reference, &dist("egress-metadata-block"));
    oci::sign(&reference, &signed, &signing).unwrap_or_else(|e| panic!("{e}"));
    let swapped = push(&reference, &dist("session-ownership"));
    let err = oci::verify(&reference, &verifying).unwrap_err();
    assert!(err.contains(&format!("({swapped}) is not signed")), "{err}");
}

#[test]
fn wrong_digest_is_an_error() {
    let registry = start_registry();
    let reference = at(&registry, "gpu-limits", "v0.1.0");
    push(&reference, &dist("gpu-limits"));
    let wrong = oci::parse_reference(&format!(
        "{}/vdi-guard/gpu-limits@sha256:{}",
        registry.addr,
        "0".repeat(64)
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let err = oci::pull(&wrong).unwrap_err();
    assert!(err.contains("pull of"), "{err}");
}

#[test]
fn missing_tag_is_an_error() {
    let registry = start_registry();
    let err = oci::pull(&at(&registry, "nothing", "v9.9.9")).unwrap_err();
    assert!(err.contains("pull of"), "{err}");
}

#[test]
fn unreachable_registry_is_an_error() {
    let addr = format!(
        "127.0.0.1:{}",
        free_port().unwrap_or_else(|e| panic!("{e}"))
    );
    let reference = oci::parse_reference(&format!("{addr}/vdi-guard/gpu-limits:v0.1.0"))
        .unwrap_or_else(|e| panic!("{e}"));
    let err = oci::push(&dist("gpu-limits"), &reference, BTreeMap::new()).unwrap_err();
    assert!(err.contains(&format!("push to {addr}")), "{err}");
    assert!(err.contains("Connection refused"), "{err}");
}

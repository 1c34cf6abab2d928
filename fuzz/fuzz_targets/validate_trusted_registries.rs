//! trusted-registries `validate` on arbitrary payloads and on mutated seed requests:
//! always a well-formed verdict, never a panic (a trap in the module).
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use trusted_registries::settings::Settings;
use vdi_guard_fuzz::{check_answer, fuzz_payload, manifest, request};

const SETTINGS: &str = include_str!("../../examples/settings/trusted-registries.yaml");

fn seeds() -> Vec<Value> {
    vec![
        request(
            &manifest(include_str!(
                "../../e2e/suites/trusted-registries/fixtures/pod-trusted.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/trusted-registries/fixtures/pod-image-volume-untrusted.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/trusted-registries/fixtures/cronjob-untrusted.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/trusted-registries/fixtures/vditemplate-trusted.yaml"
            )),
            "UPDATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/trusted-registries/fixtures/pod-ephemeral-untrusted.yaml"
            )),
            "UPDATE",
            "oidc:alice",
            None,
        ),
    ]
}

fuzz_target!(|data: &[u8]| {
    let Some(raw) = fuzz_payload(data, seeds, SETTINGS) else {
        return;
    };
    check_answer(shared::guest::validate::<Settings, _>(
        &raw,
        trusted_registries::validate::validate,
    ));
});

//! restricted-security-context `validate` on arbitrary payloads and on mutated seed requests:
//! always a well-formed verdict, never a panic (a trap in the module).
#![no_main]

use libfuzzer_sys::fuzz_target;
use restricted_security_context::settings::Settings;
use serde_json::Value;
use vdi_guard_fuzz::{check_answer, fuzz_payload, manifest, request};

const SETTINGS: &str = include_str!("../../examples/settings/restricted-security-context.yaml");

fn seeds() -> Vec<Value> {
    vec![
        request(
            &manifest(include_str!(
                "../../e2e/suites/restricted-security-context/fixtures/pod/ape-false-pass.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/restricted-security-context/fixtures/pod/apparmor-annotation-localhost-pass.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/restricted-security-context/fixtures/pod/apparmor-runtime-default-and-localhost-pass.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/restricted-security-context/fixtures/pod/caps-drop-all-among-others-pass.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/restricted-security-context/fixtures/pod/caps-net-bind-service-pass.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/restricted-security-context/fixtures/pod/host-namespaces-false-pass.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/restricted-security-context/fixtures/deployment/ape-false-pass.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/restricted-security-context/fixtures/deployment/ape-true-init-fail.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/restricted-security-context/fixtures/cronjob/ape-false-pass.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/restricted-security-context/fixtures/cronjob/ape-true-init-fail.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/restricted-security-context/fixtures/ephemeral/ape-false-pass.old.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/restricted-security-context/fixtures/ephemeral/ape-false-pass.yaml"
            )),
            "CREATE",
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
        restricted_security_context::validate::validate,
    ));
});

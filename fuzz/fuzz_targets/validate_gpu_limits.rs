//! gpu-limits `validate` on arbitrary payloads and on mutated seed requests:
//! always a well-formed verdict, never a panic (a trap in the module).
#![no_main]

use gpu_limits::settings::Settings;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use vdi_guard_fuzz::{check_answer, fuzz_payload, manifest, request};

const SETTINGS: &str = include_str!("../../examples/settings/gpu-limits.yaml");

fn seeds() -> Vec<Value> {
    vec![
        request(
            &manifest(include_str!(
                "../../e2e/suites/gpu-limits/fixtures/pod-session-one-gpu.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/gpu-limits/fixtures/pod-init-two-gpus.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/gpu-limits/fixtures/pod-envfrom-prefix.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/gpu-limits/fixtures/deployment-session-gpu.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/gpu-limits/fixtures/vditemplate-gpu.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/gpu-limits/fixtures/configmap-time-slicing-8.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/gpu-limits/fixtures/configmap-mps-capitalised.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/gpu-limits/fixtures/cronjob-driver-capabilities.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/gpu-limits/fixtures/pod-two-mig-profiles.yaml"
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
        gpu_limits::validate::validate,
    ));
});

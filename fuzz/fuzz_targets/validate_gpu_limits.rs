//! gpu-limits `validate` on arbitrary payloads and on mutated seed requests:
//! always a well-formed verdict, never a panic (a trap in the module).
#![no_main]

use gpu_limits::settings::Settings;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use vdi_guard_fuzz::{Mode, check_answer, manifest, mode, mutate, payload, request, settings};

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
    let raw = match mode(data, 64) {
        Mode::Raw(bytes) => bytes.to_vec(),
        Mode::Mutate { seed, data } => {
            // Parsed once per process: YAML parsing would dominate each run.
            static SEEDS: OnceLock<(Vec<Value>, Value)> = OnceLock::new();
            let (seeds, settings) = SEEDS.get_or_init(|| (seeds(), settings(SETTINGS)));
            let Some(seed) = seeds.get(seed % seeds.len().max(1)) else {
                return;
            };
            payload(&mutate(data, seed), settings)
        }
    };
    check_answer(shared::guest::validate::<Settings, _>(
        &raw,
        gpu_limits::validate::validate,
    ));
});

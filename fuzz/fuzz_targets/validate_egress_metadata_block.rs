//! egress-metadata-block `validate` on arbitrary payloads and on mutated seed requests:
//! always a well-formed verdict, never a panic (a trap in the module).
#![no_main]

use egress_metadata_block::settings::Settings;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use vdi_guard_fuzz::{Mode, check_answer, manifest, mode, mutate, payload, request, settings};

const SETTINGS: &str = include_str!("../../examples/settings/egress-metadata-block.yaml");

fn seeds() -> Vec<Value> {
    vec![
        request(
            &manifest(include_str!(
                "../../e2e/suites/egress-metadata-block/fixtures/netpol-session-isolation-fixed.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/egress-metadata-block/fixtures/netpol-dual-stack-web.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/egress-metadata-block/fixtures/netpol-default-deny-with-dns.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/egress-metadata-block/fixtures/cnp-session-cidrset.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/egress-metadata-block/fixtures/cnp-session-world-with-deny.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/egress-metadata-block/fixtures/ccnp-vdi-baseline.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/egress-metadata-block/fixtures/gnp-metadata-deny-first.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/egress-metadata-block/fixtures/calico-netpol-notnets.yaml"
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
        egress_metadata_block::validate::validate,
    ));
});

//! egress-metadata-block `validate` on arbitrary payloads and on mutated seed requests:
//! always a well-formed verdict, never a panic (a trap in the module).
#![no_main]

use egress_metadata_block::settings::Settings;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use vdi_guard_fuzz::{check_answer, fuzz_payload, manifest, request};

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
    let Some(raw) = fuzz_payload(data, seeds, SETTINGS) else {
        return;
    };
    check_answer(shared::guest::validate::<Settings, _>(
        &raw,
        egress_metadata_block::validate::validate,
    ));
});

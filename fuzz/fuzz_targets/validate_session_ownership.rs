//! session-ownership `validate` on arbitrary payloads and on mutated seed
//! requests (VDISession CREATE/UPDATE/DELETE, pod UPDATE, CONNECT): always a
//! well-formed verdict, never a panic. Pod lookups are answered by a host
//! whose answer (alice's pod, a pod of the wrong shape, or an error) the
//! input chooses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use session_ownership::settings::Settings;
use shared::host::{GetResource, KubernetesHost};
use vdi_guard_fuzz::{check_answer, fuzz_payload, manifest, request};

const SETTINGS: &str = include_str!("../../examples/settings/session-ownership.yaml");

struct Cluster(u8);

impl KubernetesHost for Cluster {
    fn get_resource(&self, _request: &GetResource<'_>) -> Result<Vec<u8>, String> {
        match self.0 % 4 {
            0 => Err("pods \"x\" not found".into()),
            1 => Ok(include_bytes!(
                "../../e2e/suites/session-ownership/fixtures/pod-session-alice.yaml"
            )
            .to_vec()),
            2 => Ok(br#"{"metadata":{"labels":{"vdi.kasm.io/user":"alice"}}}"#.to_vec()),
            _ => Ok(br#"[]"#.to_vec()),
        }
    }
}

fn seeds() -> Vec<Value> {
    let alice = manifest(include_str!(
        "../../e2e/suites/session-ownership/fixtures/session-alice.yaml"
    ));
    let pod = manifest(include_str!(
        "../../e2e/suites/session-ownership/fixtures/pod-session-alice.yaml"
    ));
    vec![
        request(&alice, "CREATE", "oidc:alice", None),
        request(
            &manifest(include_str!(
                "../../e2e/suites/session-ownership/fixtures/session-spoofing-bob.yaml"
            )),
            "CREATE",
            "oidc:alice",
            None,
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/session-ownership/fixtures/session-alice-extended.yaml"
            )),
            "UPDATE",
            "oidc:alice",
            Some(&alice),
        ),
        request(
            &manifest(include_str!(
                "../../e2e/suites/session-ownership/fixtures/session-alice-no-finalizer.yaml"
            )),
            "UPDATE",
            "oidc:alice",
            Some(&alice),
        ),
        request(&alice, "DELETE", "oidc:bob", None),
        request(
            &manifest(include_str!(
                "../../e2e/suites/session-ownership/fixtures/pod-session-alice-debugged.yaml"
            )),
            "UPDATE",
            "oidc:bob",
            Some(&pod),
        ),
        manifest(include_str!(
            "../../e2e/suites/session-ownership/fixtures/exec-alice-session-by-bob.yaml"
        )),
        manifest(include_str!(
            "../../e2e/suites/session-ownership/fixtures/portforward-alice-session-by-alice.yaml"
        )),
    ]
}

fuzz_target!(|data: &[u8]| {
    let cluster = Cluster(data.last().copied().unwrap_or(0));
    let Some(raw) = fuzz_payload(data, seeds, SETTINGS) else {
        return;
    };
    check_answer(shared::guest::validate::<Settings, _>(&raw, |r, s| {
        session_ownership::validate::validate(r, s, &cluster)
    }));
});

//! The native entry point on whole requests: every container list and kind.

use rstest::rstest;
use serde_json::{Value, json};

fn run(kind: (&str, &str, &str), object: Value, settings: Value) -> (bool, String) {
    let payload = json!({
        "request": {
            "uid": "1",
            "kind": {"group": kind.0, "version": kind.1, "kind": kind.2},
            "operation": "CREATE",
            "userInfo": {"username": "alice"},
            "object": object,
        },
        "settings": settings,
    });
    let raw = (trusted_registries::NATIVE.validate)(
        payload.to_string().as_bytes(),
        &shared::policy::NoCluster,
    )
    .expect("validate never returns a guest error");
    let response: Value = serde_json::from_slice(&raw).expect("a ValidationResponse");
    (
        response["accepted"].as_bool().expect("accepted is a bool"),
        response["message"].as_str().unwrap_or_default().to_string(),
    )
}

fn settings() -> Value {
    json!({"registries": {"allow": ["registry.vdi.example.com"], "reject": ["docker.io"]}})
}

fn pod_spec(list: &str, image: &str) -> Value {
    let mut spec = json!({"containers": [{"name": "ok", "image": "registry.vdi.example.com/a:1"}]});
    spec[list] = json!([{"name": "bad", "image": image}]);
    spec
}

#[rstest]
#[case::init("initContainers", "spec.initContainers[0]")]
#[case::ephemeral("ephemeralContainers", "spec.ephemeralContainers[0]")]
#[case::regular("containers", "spec.containers[0]")]
fn every_container_list_is_checked(#[case] list: &str, #[case] location: &str) {
    let object = json!({"metadata": {"name": "p"}, "spec": pod_spec(list, "busybox:1.36")});
    let (accepted, message) = run(("", "v1", "Pod"), object, settings());
    assert!(!accepted);
    assert!(message.contains(location), "{message}");
    assert!(
        message.contains("registries.reject \"docker.io\""),
        "{message}"
    );
}

#[rstest]
#[case::deployment(("apps", "v1", "Deployment"), json!({"spec": {"template": {"spec": pod_spec("initContainers", "busybox:1")}}}), "spec.template.spec.initContainers[0]")]
#[case::cronjob(("batch", "v1", "CronJob"), json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": pod_spec("containers", "busybox:1")}}}}}), "spec.jobTemplate.spec.template.spec.containers[0]")]
#[case::pod_template(("", "v1", "PodTemplate"), json!({"template": {"spec": pod_spec("containers", "busybox:1")}}), "template.spec.containers[0]")]
fn workload_kinds_are_walked(
    #[case] kind: (&str, &str, &str),
    #[case] object: Value,
    #[case] location: &str,
) {
    let (accepted, message) = run(kind, object, settings());
    assert!(!accepted);
    assert!(message.contains(location), "{message}");
}

#[rstest]
#[case::trusted("registry.vdi.example.com/desktops/ubuntu:1.0", true)]
#[case::hub_alias("registry-1.docker.io/library/ubuntu:22.04", false)]
#[case::hub_upper("INDEX.DOCKER.IO/library/ubuntu:22.04", false)]
#[case::lookalike("registry.vdi.example.com.evil.io/a:1", false)]
#[case::ipv6("[::1]:5000/x:1", false)]
#[case::uppercase_repo("registry.vdi.example.com/Desktops/ubuntu:1", false)]
#[case::empty("", false)]
fn image_verdicts(#[case] image: &str, #[case] accepted: bool) {
    let object = json!({"spec": {"containers": [{"name": "c", "image": image}]}});
    assert_eq!(
        run(("", "v1", "Pod"), object, settings()).0,
        accepted,
        "{image}"
    );
}

#[test]
fn image_volumes_are_checked() {
    let object = json!({"spec": {
        "containers": [{"name": "c", "image": "registry.vdi.example.com/a:1"}],
        "volumes": [{"name": "scratch", "emptyDir": {}}, {"name": "tools", "image": {"reference": "quay.io/x/tools:1"}}]
    }});
    let (accepted, message) = run(("", "v1", "Pod"), object, settings());
    assert!(!accepted);
    assert!(
        message.contains("image volume \"tools\" (spec.volumes[1].image.reference)"),
        "{message}"
    );
}

#[test]
fn vditemplate_image_is_checked() {
    let object = json!({"spec": {"image": "docker.io/attacker/desktop:1"}});
    let (accepted, message) = run(
        ("vdi.kasm.io", "v1alpha1", "VDITemplate"),
        object,
        settings(),
    );
    assert!(!accepted);
    assert!(message.contains("VDITemplate spec.image"), "{message}");
}

#[test]
fn invalid_settings_at_validate_time_reject() {
    let object =
        json!({"spec": {"containers": [{"name": "c", "image": "registry.vdi.example.com/a:1"}]}});
    let (accepted, message) = run(
        ("", "v1", "Pod"),
        object,
        json!({"registries": {"allow": []}}),
    );
    assert!(!accepted);
    assert!(message.contains("nothing is trusted"), "{message}");
}

#[test]
fn undecodable_payload_rejects_instead_of_failing() {
    let raw =
        (trusted_registries::NATIVE.validate)(b"{not json", &shared::policy::NoCluster).unwrap();
    let response: Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(response["accepted"], false);
    assert!(
        response["message"]
            .as_str()
            .unwrap()
            .contains("cannot be decoded")
    );
}

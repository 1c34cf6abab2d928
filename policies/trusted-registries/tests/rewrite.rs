//! `rewrite` through the native entry point: images go to the mirror first,
//! the trust check judges the rewritten reference, tag and digest are kept.

use proptest::prelude::*;
use rstest::rstest;
use serde_json::{Value, json};

#[derive(Debug, PartialEq)]
enum Outcome {
    Accept,
    Mutate(Value),
    Reject(String),
}

fn answer(request: &Value, settings: &Value) -> Outcome {
    let payload = json!({"request": request, "settings": settings}).to_string();
    let raw = (trusted_registries::NATIVE.validate)(payload.as_bytes(), &shared::policy::NoCluster)
        .expect("validate never returns a guest error");
    let response: Value = serde_json::from_slice(&raw).expect("a ValidationResponse");
    match (
        response["accepted"].as_bool(),
        response.get("mutated_object"),
    ) {
        (Some(true), None | Some(Value::Null)) => Outcome::Accept,
        (Some(true), Some(object)) => Outcome::Mutate(object.clone()),
        _ => Outcome::Reject(response["message"].as_str().unwrap_or("").into()),
    }
}

fn request(kind: (&str, &str, &str), object: Value, old: Option<Value>) -> Value {
    let mut request = json!({
        "uid": "1",
        "kind": {"group": kind.0, "version": kind.1, "kind": kind.2},
        "operation": if old.is_some() { "UPDATE" } else { "CREATE" },
        "userInfo": {"username": "alice"},
        "object": object,
    });
    if let Some(old) = old {
        request["oldObject"] = old;
    }
    request
}

const POD: (&str, &str, &str) = ("", "v1", "Pod");
const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// The air-gapped case: only the mirror is trusted, Docker Hub's kasmweb
/// images are served from it.
fn air_gapped() -> Value {
    json!({
        "registries": {"allow": ["registry.vdi.example.com"]},
        "rewrite": [{"from": "docker.io/kasmweb", "to": "registry.vdi.example.com/kasmweb"}],
    })
}

fn pod(spec: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "session-alice", "namespace": "vdi"}, "spec": spec})
}

#[test]
fn every_image_place_goes_to_the_mirror_keeping_tag_and_digest() {
    let spec = json!({
        "initContainers": [{"name": "init", "image": "kasmweb/core-ubuntu-jammy:1.16.0"}],
        "containers": [{"name": "desktop", "image": format!("docker.io/kasmweb/chrome:1.16.0@{DIGEST}")},
                       {"name": "audio", "image": "registry.vdi.example.com/vdi/audio:2.1"}],
        "ephemeralContainers": [{"name": "debug", "image": format!("index.docker.io/kasmweb/terminal@{DIGEST}")}],
        "volumes": [{"name": "fonts", "image": {"reference": "kasmweb/fonts:2024.1"}}, {"name": "home", "emptyDir": {}}],
    });
    let Outcome::Mutate(mutated) = answer(&request(POD, pod(spec), None), &air_gapped()) else {
        panic!("expected a mutation");
    };
    let spec = &mutated["spec"];
    assert_eq!(
        spec["initContainers"][0]["image"],
        "registry.vdi.example.com/kasmweb/core-ubuntu-jammy:1.16.0"
    );
    assert_eq!(
        spec["containers"][0]["image"],
        format!("registry.vdi.example.com/kasmweb/chrome:1.16.0@{DIGEST}")
    );
    assert_eq!(
        spec["containers"][1]["image"], "registry.vdi.example.com/vdi/audio:2.1",
        "not covered: unchanged"
    );
    assert_eq!(
        spec["ephemeralContainers"][0]["image"],
        format!("registry.vdi.example.com/kasmweb/terminal@{DIGEST}")
    );
    assert_eq!(
        spec["volumes"][0]["image"]["reference"],
        "registry.vdi.example.com/kasmweb/fonts:2024.1"
    );
    assert_eq!(mutated["metadata"]["name"], "session-alice");
    // Without the rewrite the same pod is refused: Docker Hub is not trusted.
    let mut no_rewrite = air_gapped();
    no_rewrite["rewrite"] = json!([]);
    let spec = json!({"containers": [{"name": "desktop", "image": "kasmweb/chrome:1.16.0"}]});
    assert!(matches!(
        answer(&request(POD, pod(spec), None), &no_rewrite),
        Outcome::Reject(_)
    ));
}

#[rstest]
#[case::deployment(("apps", "v1", "Deployment"), json!({"spec": {"template": {"spec": {"containers": [{"name": "d", "image": "kasmweb/desktop:1"}]}}}}), "/spec/template/spec/containers/0/image")]
#[case::cronjob(("batch", "v1", "CronJob"), json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "d", "image": "kasmweb/desktop:1"}]}}}}}}), "/spec/jobTemplate/spec/template/spec/containers/0/image")]
#[case::vdi_template(("vdi.kasm.io", "v1alpha1", "VDITemplate"), json!({"spec": {"image": "kasmweb/desktop:1", "cpu": "2"}}), "/spec/image")]
fn every_kind_is_rewritten_at_its_path(
    #[case] kind: (&str, &str, &str),
    #[case] object: Value,
    #[case] pointer: &str,
) {
    let Outcome::Mutate(mutated) = answer(&request(kind, object, None), &air_gapped()) else {
        panic!("expected a mutation");
    };
    assert_eq!(
        mutated.pointer(pointer),
        Some(&json!("registry.vdi.example.com/kasmweb/desktop:1"))
    );
}

#[test]
fn the_trust_check_judges_the_rewritten_reference() {
    // The mirror is not trusted here: the rewritten image is refused, by its new name.
    let settings = json!({
        "images": {"allow": ["docker.io/kasmweb/*"]},
        "rewrite": [{"from": "docker.io/kasmweb", "to": "mirror.untrusted.example/kasmweb"}],
    });
    let spec = json!({"containers": [{"name": "desktop", "image": "kasmweb/desktop:1.16.0"}]});
    let Outcome::Reject(message) = answer(&request(POD, pod(spec), None), &settings) else {
        panic!("expected a rejection");
    };
    assert!(
        message.contains("\"mirror.untrusted.example/kasmweb/desktop:1.16.0\""),
        "{message}"
    );
    // Tags are judged on the rewritten reference too.
    let mut settings = air_gapped();
    settings["tags"] = json!({"reject": ["latest"]});
    let spec = json!({"containers": [{"name": "desktop", "image": "kasmweb/desktop"}]});
    let Outcome::Reject(message) = answer(&request(POD, pod(spec), None), &settings) else {
        panic!("expected a rejection");
    };
    assert!(
        message.contains("registry.vdi.example.com/kasmweb/desktop")
            && message.contains("tag \"latest\""),
        "{message}"
    );
}

#[test]
fn images_no_rule_covers_are_judged_as_written() {
    let spec = json!({"containers": [{"name": "desktop", "image": "ghcr.io/kasmweb/desktop:1"}]});
    let Outcome::Reject(message) = answer(&request(POD, pod(spec), None), &air_gapped()) else {
        panic!("expected a rejection");
    };
    assert!(
        message.contains("\"ghcr.io/kasmweb/desktop:1\""),
        "{message}"
    );
    let spec = json!({"containers": [{"name": "desktop", "image": "registry.vdi.example.com/kasmweb/desktop:1"}]});
    assert_eq!(
        answer(&request(POD, pod(spec), None), &air_gapped()),
        Outcome::Accept
    );
}

#[test]
fn updates_rewrite_only_the_images_they_set() {
    let legacy = json!({"containers": [{"name": "desktop", "image": "kasmweb/desktop:1.15.0"}]});
    let settings = json!({
        "images": {"allow": ["docker.io/kasmweb/*"]},
        "registries": {"allow": ["registry.vdi.example.com"]},
        "rewrite": [{"from": "docker.io/kasmweb", "to": "registry.vdi.example.com/kasmweb"}],
    });
    // A label change on a pod stored before the rewrite: no patch, no restart.
    let mut relabelled = pod(legacy.clone());
    relabelled["metadata"]["labels"] = json!({"vdi.kasm.io/idle": "true"});
    assert_eq!(
        answer(
            &request(POD, relabelled, Some(pod(legacy.clone()))),
            &settings
        ),
        Outcome::Accept
    );
    // An image change is rewritten.
    let upgraded =
        pod(json!({"containers": [{"name": "desktop", "image": "kasmweb/desktop:1.16.0"}]}));
    let Outcome::Mutate(mutated) = answer(
        &request(POD, upgraded, Some(pod(legacy.clone()))),
        &settings,
    ) else {
        panic!("expected a mutation");
    };
    assert_eq!(
        mutated["spec"]["containers"][0]["image"],
        "registry.vdi.example.com/kasmweb/desktop:1.16.0"
    );
    // kubectl debug: the new ephemeral container is rewritten, the rest stays.
    let mut debugged = pod(legacy.clone());
    debugged["spec"]["ephemeralContainers"] =
        json!([{"name": "debugger", "image": "kasmweb/terminal:1.16.0"}]);
    let mut req = request(POD, debugged, Some(pod(legacy)));
    req["subResource"] = json!("ephemeralcontainers");
    let Outcome::Mutate(mutated) = answer(&req, &settings) else {
        panic!("expected a mutation");
    };
    assert_eq!(
        mutated["spec"]["containers"][0]["image"],
        "kasmweb/desktop:1.15.0"
    );
    assert_eq!(
        mutated["spec"]["ephemeralContainers"][0]["image"],
        "registry.vdi.example.com/kasmweb/terminal:1.16.0"
    );
}

#[test]
fn a_rewrite_that_gives_no_reference_is_refused() {
    let settings = json!({
        "registries": {"allow": ["mirror.example.com"]},
        "rewrite": [{"from": "docker.io/kasmweb/desktop", "to": "mirror.example.com"}],
    });
    let spec = json!({"containers": [{"name": "desktop", "image": "kasmweb/desktop:1"}]});
    let Outcome::Reject(message) = answer(&request(POD, pod(spec), None), &settings) else {
        panic!("expected a rejection");
    };
    assert!(message.starts_with("spec.containers[0] image \"kasmweb/desktop:1\": rewrite docker.io/kasmweb/desktop -> mirror.example.com gives"), "{message}");
}

#[rstest]
#[case::no_registry(json!([{"from": "kasmweb", "to": "registry.vdi.example.com/kasmweb"}]), "rewrite[0].from: \"kasmweb\" does not start with a registry")]
#[case::chain(
    json!([{"from": "docker.io/kasmweb", "to": "mirror.example.com/kasmweb"}, {"from": "mirror.example.com", "to": "registry.vdi.example.com/mirror"}]),
    "rewrite[0].to mirror.example.com/kasmweb overlaps rewrite[1].from mirror.example.com"
)]
#[case::duplicate(
    json!([{"from": "docker.io/kasmweb", "to": "a.example.com/k"}, {"from": "docker.io:443/kasmweb", "to": "b.example.com/k"}]),
    "repeats rewrite[0].from"
)]
#[case::unknown_field(json!([{"from": "docker.io/kasmweb", "to": "a.example.com/k", "mode": "prefix"}]), "unknown field `mode`")]
fn bad_rewrite_settings_are_refused_at_load(#[case] rewrite: Value, #[case] fragment: &str) {
    let settings =
        json!({"registries": {"allow": ["registry.vdi.example.com"]}, "rewrite": rewrite});
    let raw =
        (trusted_registries::NATIVE.validate_settings)(settings.to_string().as_bytes()).unwrap();
    let response: Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(response["valid"], false);
    let message = response["message"].as_str().unwrap_or_default();
    assert!(message.contains(fragment), "{message}");
}

#[test]
fn settings_errors_of_both_kinds_are_reported_together() {
    let settings =
        json!({"rewrite": [{"from": "kasmweb", "to": "registry.vdi.example.com/kasmweb"}]});
    let raw =
        (trusted_registries::NATIVE.validate_settings)(settings.to_string().as_bytes()).unwrap();
    let message = serde_json::from_slice::<Value>(&raw).unwrap()["message"].to_string();
    assert!(
        message.contains("nothing is trusted") && message.contains("rewrite[0].from"),
        "{message}"
    );
}

fn image() -> impl Strategy<Value = String> {
    let name = prop::sample::select(vec![
        "kasmweb/desktop",
        "docker.io/kasmweb/chrome",
        "index.docker.io/kasmweb/terminal",
        "nginx",
        "docker.io/library/nginx",
        "ghcr.io/kasmweb/desktop",
        "registry.vdi.example.com/kasmweb/desktop",
        "registry.vdi.example.com/dockerhub/library/nginx",
        "kasmwebby/desktop",
        "registry-1.docker.io/kasmweb/x",
    ]);
    let tag = prop::sample::select(vec!["", ":1.16.0", ":latest"]);
    let digest = prop::sample::select(vec!["".to_string(), format!("@{DIGEST}")]);
    (name, tag, digest).prop_map(|(n, t, d)| format!("{n}{t}{d}"))
}

proptest! {
    /// Mutating the mutated object changes nothing, and the rewrite keeps
    /// the tag and digest of every image it touches.
    #[test]
    fn rewriting_is_idempotent_and_keeps_tags_and_digests(images in prop::collection::vec(image(), 1..5)) {
        let settings = json!({
            "registries": {"allow": ["registry.vdi.example.com", "docker.io", "ghcr.io", "registry-1.docker.io"]},
            "rewrite": [
                {"from": "docker.io/kasmweb", "to": "registry.vdi.example.com/kasmweb"},
                {"from": "docker.io", "to": "registry.vdi.example.com/dockerhub"},
            ],
        });
        let containers: Vec<Value> = images.iter().enumerate().map(|(i, image)| json!({"name": format!("c{i}"), "image": image})).collect();
        let original = pod(json!({"containers": containers}));
        let mutated = match answer(&request(POD, original.clone(), None), &settings) {
            Outcome::Mutate(m) => m,
            Outcome::Accept => original.clone(),
            Outcome::Reject(message) => return Err(TestCaseError::fail(message)),
        };
        prop_assert_eq!(answer(&request(POD, mutated.clone(), None), &settings), Outcome::Accept);
        for (i, before) in images.iter().enumerate() {
            let after = mutated["spec"]["containers"][i]["image"].as_str().unwrap_or_default();
            let tail = |s: &str| s.rsplit_once('/').map_or_else(|| s.to_string(), |(_, t)| t.to_string());
            let keep = |s: &str| {
                let t = tail(s);
                (t.split_once('@').map(|(_, d)| d.to_string()), t.split('@').next().and_then(|n| n.split_once(':')).map(|(_, tag)| tag.to_string()))
            };
            prop_assert_eq!(keep(before), keep(after), "{} -> {}", before, after);
            if before != after {
                prop_assert!(after.starts_with("registry.vdi.example.com/"), "{} -> {}", before, after);
            }
        }
    }
}

fn junk() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        image().prop_map(Value::String),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "name",
                        "image",
                        "reference",
                        "containers",
                        "volumes",
                        "spec",
                        "template"
                    ]),
                    inner
                ),
                0..4
            )
            .prop_map(|pairs| Value::Object(
                pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
}

proptest! {
    /// With rewrite rules on, any object shape still gets an answer (never a
    /// trap), and whatever is admitted with a patch is admitted unchanged the
    /// second time.
    #[test]
    fn any_object_gets_an_answer_with_rewrite_on(
        containers in junk(),
        volumes in junk(),
        old in junk(),
        kind in prop::sample::select(vec![POD, ("apps", "v1", "Deployment"), ("vdi.kasm.io", "v1alpha1", "VDITemplate")]),
    ) {
        let settings = json!({
            "registries": {"allow": ["registry.vdi.example.com"]},
            "rewrite": [{"from": "docker.io/kasmweb", "to": "registry.vdi.example.com/kasmweb"}, {"from": "docker.io", "to": "registry.vdi.example.com/dockerhub"}],
        });
        let spec = json!({"containers": containers, "volumes": volumes, "image": containers});
        let object = match kind.2 {
            "Deployment" => json!({"spec": {"template": {"spec": spec}}}),
            _ => json!({"spec": spec}),
        };
        let update = !old.is_null();
        let req = request(kind, object, update.then_some(json!({"spec": {"containers": old}})));
        if let Outcome::Mutate(mutated) = answer(&req, &settings) {
            let mut again = req.clone();
            again["object"] = mutated;
            prop_assert_eq!(answer(&again, &settings), Outcome::Accept);
        }
    }
}

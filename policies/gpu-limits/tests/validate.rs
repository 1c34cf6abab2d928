//! The real entry point, fed whole admission payloads.

use proptest::prelude::*;
use rstest::rstest;
use serde_json::{Value, json};

/// Runs `validate` as the guest does and returns (accepted, message).
fn run(request: Value, settings: Value) -> (bool, String) {
    let payload = serde_json::to_vec(&json!({"request": request, "settings": settings})).unwrap();
    let raw = (gpu_limits::NATIVE.validate)(&payload, &shared::policy::NoCluster).unwrap();
    let response: Value = serde_json::from_slice(&raw).unwrap();
    (
        response["accepted"].as_bool().unwrap(),
        response["message"].as_str().unwrap_or_default().to_string(),
    )
}

fn request(group: &str, version: &str, kind: &str, object: Value) -> Value {
    json!({
        "uid": "1",
        "kind": {"group": group, "version": version, "kind": kind},
        "operation": "CREATE",
        "namespace": "vdi",
        "userInfo": {"username": "oidc:alice"},
        "object": object,
    })
}

fn pod(spec: Value) -> Value {
    request(
        "",
        "v1",
        "Pod",
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "session-alice"}, "spec": spec}),
    )
}

/// A session container holding `gpus` of `resource` with a memory limit.
fn gpu(name: &str, resource: &str, gpus: Value) -> Value {
    json!({"name": name, "image": "kasmweb/desktop:1.16.0", "resources": {"limits": {resource: gpus, "memory": "8Gi"}}})
}

fn plain(name: &str) -> Value {
    json!({"name": name, "image": "kasmweb/desktop:1.16.0"})
}

fn session(containers: Vec<Value>) -> Value {
    pod(json!({"containers": containers}))
}

#[rstest]
#[case::one_gpu(session(vec![gpu("desktop", "nvidia.com/gpu", json!("1"))]))]
#[case::one_gpu_number(session(vec![gpu("desktop", "nvidia.com/gpu", json!(1)), plain("audio")]))]
#[case::no_gpu(session(vec![plain("desktop")]))]
#[case::runtime_with_gpu(pod(json!({"runtimeClassName": "nvidia", "containers": [gpu("desktop", "nvidia.com/gpu", json!("1"))]})))]
#[case::other_runtime(pod(json!({"runtimeClassName": "kata", "containers": [plain("desktop")]})))]
#[case::init_then_app(pod(json!({"initContainers": [gpu("warmup", "nvidia.com/gpu", json!(1))], "containers": [gpu("desktop", "nvidia.com/gpu", json!(1))]})))]
#[case::sidecar_no_gpu(pod(json!({"initContainers": [{"name": "proxy", "restartPolicy": "Always"}], "containers": [gpu("desktop", "nvidia.com/gpu", json!(1))]})))]
#[case::other_env(session(vec![json!({"name": "desktop", "env": [{"name": "CUDA_VISIBLE_DEVICES", "value": "0"}]})]))]
#[case::delete(json!({"kind": {"group": "", "version": "v1", "kind": "Pod"}, "operation": "DELETE", "object": null, "oldObject": {"spec": {"containers": [gpu("a", "nvidia.com/gpu", json!(9))]}}}))]
#[case::unlisted_config_map(request("", "v1", "ConfigMap", json!({"metadata": {"name": "time-slicing", "namespace": "other"}, "data": {"any": "sharing: {timeSlicing: {resources: [{replicas: 64}]}}"}})))]
#[case::unlisted_binary(request("", "v1", "ConfigMap", json!({"metadata": {"name": "logo"}, "binaryData": {"logo.png": "iVBORw0K"}})))]
#[case::listed_ok(request("", "v1", "ConfigMap", json!({"metadata": {"name": "time-slicing", "namespace": "gpu-operator"}, "data": {"any": "version: v1\nsharing:\n  timeSlicing:\n    resources:\n    - name: nvidia.com/gpu\n      replicas: 8\n"}})))]
#[case::template_ok(request("vdi.kasm.io", "v1alpha1", "VDITemplate", json!({"spec": {"image": "kasmweb/desktop:1.16.0", "resources": {"limits": {"nvidia.com/gpu": "1", "memory": "8Gi"}}}})))]
#[case::template_no_gpu(request("vdi.kasm.io", "v1alpha1", "VDITemplate", json!({"spec": {"resources": {"limits": {"cpu": "2"}}}})))]
fn accepted(#[case] request: Value) {
    let settings = json!({"timeSlicingConfigMaps": ["gpu-operator/time-slicing"]});
    let (accepted, message) = run(request, settings);
    assert!(accepted, "{message}");
}

#[rstest]
#[case::two_in_one(
    session(vec![gpu("desktop", "nvidia.com/gpu", json!("2"))]),
    &["container \"desktop\" (spec.containers[0]) requests 2 GPUs (nvidia.com/gpu: 2); at most 1 per container", "the pod would hold 2 GPUs"]
)]
#[case::one_plus_one(
    session(vec![gpu("desktop", "nvidia.com/gpu", json!(1)), gpu("encoder", "nvidia.com/gpu", json!(1))]),
    &["the pod would hold 2 GPUs (nvidia.com/gpu: 2)", "maxPerPod"]
)]
#[case::init_with_two(
    pod(json!({"initContainers": [gpu("warmup", "nvidia.com/gpu", json!("2"))], "containers": [plain("desktop")]})),
    &["init container \"warmup\" (spec.initContainers[0]) requests 2 GPUs", "the pod would hold 2 GPUs"]
)]
#[case::shared_two(session(vec![gpu("desktop", "nvidia.com/gpu.shared", json!(2))]), &["requests 2 GPUs (nvidia.com/gpu.shared: 2)"])]
#[case::two_mig(
    session(vec![json!({"name": "desktop", "resources": {"limits": {"nvidia.com/mig-1g.5gb": 1, "nvidia.com/mig-2g.10gb": 1, "memory": "8Gi"}}})]),
    &["requests 2 GPUs (nvidia.com/mig-1g.5gb: 1, nvidia.com/mig-2g.10gb: 1)"]
)]
#[case::no_memory(
    session(vec![json!({"name": "desktop", "resources": {"limits": {"nvidia.com/gpu": 1}, "requests": {"memory": "8Gi"}}})]),
    &["container \"desktop\" (spec.containers[0]) gets a GPU but sets no resources.limits.memory"]
)]
#[case::zero_memory(
    session(vec![json!({"name": "desktop", "resources": {"limits": {"nvidia.com/gpu": 1, "memory": "0"}}})]),
    &["0 means no limit"]
)]
#[case::env_without_gpu(
    session(vec![json!({"name": "miner", "env": [{"name": "NVIDIA_VISIBLE_DEVICES", "value": "all"}]})]),
    &["container \"miner\" (spec.containers[0]) env[0] sets NVIDIA_VISIBLE_DEVICES to \"all\""]
)]
#[case::runtime_without_gpu(
    pod(json!({"runtimeClassName": "nvidia", "containers": [plain("desktop")]})),
    &["spec.runtimeClassName is \"nvidia\", a GPU runtime, but no container requests a GPU"]
)]
#[case::sidecar_and_app(
    pod(json!({"initContainers": [{"name": "encoder", "restartPolicy": "Always", "resources": {"limits": {"nvidia.com/gpu": 1, "memory": "1Gi"}}}], "containers": [gpu("desktop", "nvidia.com/gpu", json!(1))]})),
    &["the pod would hold 2 GPUs"]
)]
#[case::request_differs(
    session(vec![json!({"name": "desktop", "resources": {"limits": {"nvidia.com/gpu": "1", "memory": "8Gi"}, "requests": {"nvidia.com/gpu": "0"}}})]),
    &["resources.requests[\"nvidia.com/gpu\"] to 0 but resources.limits[\"nvidia.com/gpu\"] to 1; GPU requests must equal limits"]
)]
#[case::request_only(
    session(vec![json!({"name": "desktop", "resources": {"requests": {"nvidia.com/gpu": "1"}, "limits": {"memory": "8Gi"}}})]),
    &["sets resources.requests[\"nvidia.com/gpu\"] without resources.limits[\"nvidia.com/gpu\"]"]
)]
#[case::fractional(session(vec![gpu("desktop", "nvidia.com/gpu", json!("0.5"))]), &["resources.limits[\"nvidia.com/gpu\"] \"0.5\" is fractional"])]
#[case::milli(session(vec![gpu("desktop", "nvidia.com/gpu", json!("500m"))]), &["\"500m\" has a suffix"])]
#[case::ephemeral_env(
    pod(json!({"containers": [gpu("desktop", "nvidia.com/gpu", json!(1))], "ephemeralContainers": [{"name": "debug", "env": [{"name": "NVIDIA_VISIBLE_DEVICES", "value": "all"}]}]})),
    &["ephemeral container \"debug\" (spec.ephemeralContainers[0]) env[0] sets NVIDIA_VISIBLE_DEVICES"]
)]
#[case::ephemeral_gpu(
    pod(json!({"containers": [plain("desktop")], "ephemeralContainers": [{"name": "debug", "resources": {"limits": {"nvidia.com/gpu": 1}}}]})),
    &["ephemeral containers cannot be given resources"]
)]
#[case::deployment(
    request("apps", "v1", "Deployment", json!({"spec": {"template": {"spec": {"containers": [gpu("desktop", "nvidia.com/gpu", json!(4))]}}}})),
    &["container \"desktop\" (spec.template.spec.containers[0]) requests 4 GPUs"]
)]
#[case::cronjob(
    request("batch", "v1", "CronJob", json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "render", "env": [{"name": "NVIDIA_DRIVER_CAPABILITIES", "value": "all"}]}]}}}}}})),
    &["(spec.jobTemplate.spec.template.spec.containers[0]) env[0] sets NVIDIA_DRIVER_CAPABILITIES"]
)]
#[case::pod_template(
    request("", "v1", "PodTemplate", json!({"template": {"spec": {"runtimeClassName": "nvidia", "containers": [plain("desktop")]}}})),
    &["template.spec.runtimeClassName"]
)]
#[case::template_two(
    request("vdi.kasm.io", "v1alpha1", "VDITemplate", json!({"spec": {"resources": {"limits": {"nvidia.com/gpu": 2}}}})),
    &["VDITemplate spec.resources requests 2 GPUs", "VDITemplate spec.resources gets a GPU but sets no resources.limits.memory"]
)]
#[case::template_request_only(
    request("vdi.kasm.io", "v1alpha1", "VDITemplate", json!({"spec": {"resources": {"requests": {"nvidia.com/gpu": 1}, "limits": {"memory": "8Gi"}}}})),
    &["without resources.limits[\"nvidia.com/gpu\"]"]
)]
#[case::time_slicing_sixteen(
    request("", "v1", "ConfigMap", json!({"metadata": {"name": "time-slicing", "namespace": "gpu-operator"}, "data": {"a100": "version: v1\nsharing:\n  timeSlicing:\n    resources:\n    - name: nvidia.com/gpu\n      replicas: 16\n"}})),
    &["data[\"a100\"] sharing.timeSlicing.resources[0].replicas for \"nvidia.com/gpu\" is 16; at most 8"]
)]
#[case::time_slicing_namespace_from_request(
    request("", "v1", "ConfigMap", json!({"metadata": {"name": "time-slicing"}, "data": {"any": "sharing: ["}})),
    &["data[\"any\"] does not parse"]
)]
#[case::unknown_kind(request("", "v1", "Service", json!({"spec": {}})), &["gpu-limits does not handle v1 Service CREATE requests", "vdi.kasm.io/v1alpha1 vditemplates"])]
#[case::lookalike(request("evil.io", "v1", "Deployment", json!({})), &["does not handle evil.io/v1 Deployment"])]
#[case::undecodable(session(vec![json!({"name": "desktop", "resources": {"limits": "nvidia.com/gpu=1"}})]), &["the Pod object cannot be decoded"])]
#[case::no_spec(request("apps", "v1", "Deployment", json!({"metadata": {}})), &["has no spec"])]
fn rejected(#[case] request: Value, #[case] fragments: &[&str]) {
    let settings =
        json!({"timeSlicingConfigMaps": ["gpu-operator/time-slicing", "vdi/time-slicing"]});
    let (accepted, message) = run(request, settings);
    assert!(!accepted, "accepted");
    for fragment in fragments {
        assert!(
            message.contains(fragment),
            "{fragment:?} not in {message:?}"
        );
    }
}

/// Values from the request are quoted cut short in messages (a megabyte of
/// quantity or env value must not come back as a megabyte of message).
#[rstest]
#[case::gpu_quantity(session(vec![gpu("desktop", "nvidia.com/gpu", json!("9".repeat(100_000)))]))]
#[case::memory_limit(session(vec![json!({"name": "desktop", "resources": {"limits": {"nvidia.com/gpu": "1", "memory": "x".repeat(100_000)}}})]))]
#[case::device_env(session(vec![json!({"name": "desktop", "env": [{"name": "NVIDIA_VISIBLE_DEVICES", "value": "0,".repeat(50_000)}]})]))]
fn long_values_are_quoted_cut(#[case] request: Value) {
    let (accepted, message) = run(request, json!({}));
    assert!(!accepted, "accepted");
    assert!(message.contains("… (100000 characters)"), "{message}");
    assert!(message.len() < 2000, "{} bytes", message.len());
}

#[test]
fn ephemeral_containers_subresource_is_checked() {
    let mut req = pod(
        json!({"containers": [plain("desktop")], "ephemeralContainers": [{"name": "debug", "env": [{"name": "NVIDIA_MIG_CONFIG_DEVICES", "value": "all"}]}]}),
    );
    req["subResource"] = json!("ephemeralcontainers");
    req["operation"] = json!("UPDATE");
    req["oldObject"] = req["object"].clone();
    let (accepted, message) = run(req, json!({}));
    assert!(!accepted);
    assert!(message.contains("NVIDIA_MIG_CONFIG_DEVICES"), "{message}");
}

#[test]
fn settings_raise_the_limits() {
    let req = session(vec![
        gpu("desktop", "nvidia.com/gpu", json!(1)),
        gpu("encoder", "nvidia.com/gpu", json!(1)),
    ]);
    assert!(!run(req.clone(), json!({})).0);
    assert!(run(req.clone(), json!({"maxPerPod": 2})).0);
    let (accepted, message) = run(
        req,
        json!({"resourceNames": ["amd.com/gpu"], "deniedEnv": []}),
    );
    assert!(accepted, "{message}");
}

#[test]
fn memory_limit_rule_can_be_turned_off() {
    let req = session(vec![
        json!({"name": "desktop", "resources": {"limits": {"nvidia.com/gpu": 1}}}),
    ]);
    assert!(!run(req.clone(), json!({})).0);
    assert!(run(req, json!({"requireMemoryLimit": false})).0);
}

#[test]
fn every_violation_is_in_one_message() {
    let req = pod(json!({
        "runtimeClassName": "nvidia",
        "containers": [
            {"name": "a", "resources": {"limits": {"nvidia.com/gpu": 3}}, "env": [{"name": "NVIDIA_VISIBLE_DEVICES", "value": "all"}]},
        ],
    }));
    let (accepted, message) = run(req, json!({}));
    assert!(!accepted);
    assert!(
        message.starts_with("GPU sharing rules violated: "),
        "{message}"
    );
    for fragment in [
        "requests 3 GPUs",
        "sets no resources.limits.memory",
        "env[0] sets NVIDIA_VISIBLE_DEVICES",
        "the pod would hold 3 GPUs",
    ] {
        assert!(
            message.contains(fragment),
            "{fragment:?} not in {message:?}"
        );
    }
    assert!(!message.contains("runtimeClassName"), "{message}");
}

#[test]
fn connect_is_refused_as_a_misconfiguration() {
    let req = json!({"kind": {"group": "", "version": "v1", "kind": "Pod"}, "subResource": "exec", "operation": "CONNECT"});
    let (accepted, message) = run(req, json!({}));
    assert!(!accepted);
    assert!(
        message.contains("CONNECT requests; it handles"),
        "{message}"
    );
}

#[test]
fn invalid_settings_in_the_payload_are_a_rejection() {
    let (accepted, message) = run(session(vec![plain("desktop")]), json!({"maxPerPods": 1}));
    assert!(!accepted);
    assert!(message.contains("unknown field `maxPerPods`"), "{message}");
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        "[-+.0-9eEimkKMGTP]{0,6}".prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        Just(Value::Null),
        Just(json!(true)),
        Just(json!({})),
    ]
}

fn container() -> impl Strategy<Value = Value> {
    (
        "[a-z]{1,4}",
        proptest::collection::btree_map(
            prop_oneof![Just("nvidia.com/gpu".to_string()), Just("nvidia.com/mig-1g.5gb".to_string()), Just("memory".to_string())],
            scalar(),
            0..3,
        ),
        proptest::collection::btree_map(Just("nvidia.com/gpu".to_string()), scalar(), 0..2),
        proptest::option::of(prop_oneof![Just("Always"), Just("Never")]),
        proptest::option::of("NVIDIA_[A-Z_]{0,12}"),
    )
        .prop_map(|(name, limits, requests, restart, env)| {
            let env: Vec<Value> = env.into_iter().map(|n| json!({"name": n, "value": "all"})).collect();
            json!({"name": name, "restartPolicy": restart, "resources": {"limits": limits, "requests": requests}, "env": env})
        })
}

proptest! {
    #[test]
    fn validate_never_panics_on_pods(
        init in proptest::collection::vec(container(), 0..3),
        app in proptest::collection::vec(container(), 0..3),
        ephemeral in proptest::collection::vec(container(), 0..2),
        runtime in proptest::option::of(prop_oneof![Just("nvidia"), Just("runc")]),
    ) {
        let req = pod(json!({"initContainers": init, "containers": app, "ephemeralContainers": ephemeral, "runtimeClassName": runtime}));
        let (accepted, message) = run(req, json!({}));
        prop_assert!(accepted == message.is_empty(), "{}", message);
    }

    #[test]
    fn validate_never_panics_on_config_maps(config in "\\PC{0,80}", key in "[a-z]{1,4}") {
        let req = request("", "v1", "ConfigMap", json!({"metadata": {"name": "time-slicing", "namespace": "gpu-operator"}, "data": {key: config}}));
        let (accepted, message) = run(req, json!({"timeSlicingConfigMaps": ["gpu-operator/time-slicing"]}));
        prop_assert!(accepted == message.is_empty(), "{}", message);
    }

    #[test]
    fn validate_never_panics_on_arbitrary_objects(object in "\\PC{0,40}") {
        let req = json!({"kind": {"group": "", "version": "v1", "kind": "Pod"}, "operation": "CREATE", "object": object});
        let (accepted, _) = run(req, json!({}));
        prop_assert!(!accepted);
    }
}

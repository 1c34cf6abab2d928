//! The native entry point on whole requests, with a fake cluster answering
//! the StorageClass list.

use std::cell::RefCell;

use rstest::rstest;
use serde_json::{Value, json};
use shared::host::{GetResource, KubernetesHost, ListResources};

/// A cluster whose `list_resources_all` answers with `answer`, recording
/// every request.
struct FakeCluster {
    answer: Result<String, String>,
    seen: RefCell<Vec<String>>,
}

impl FakeCluster {
    fn with_classes(classes: &[Value]) -> Self {
        let list = json!({"apiVersion": "v1", "kind": "List", "items": classes});
        FakeCluster {
            answer: Ok(list.to_string()),
            seen: RefCell::default(),
        }
    }

    fn answering(answer: Result<&str, &str>) -> Self {
        FakeCluster {
            answer: answer.map(str::to_string).map_err(str::to_string),
            seen: RefCell::default(),
        }
    }

    fn lookups(&self) -> usize {
        self.seen.borrow().len()
    }
}

impl KubernetesHost for FakeCluster {
    fn get_resource(&self, request: &GetResource<'_>) -> Result<Vec<u8>, String> {
        Err(format!("{} not found", request.describe()))
    }

    fn list_resources(&self, request: &ListResources<'_>) -> Result<Vec<u8>, String> {
        self.seen
            .borrow_mut()
            .push(serde_json::to_string(request).unwrap());
        self.answer.clone().map(String::into_bytes)
    }
}

fn class(name: &str, default: bool, provisioner: &str, parameters: Value) -> Value {
    let mut annotations = json!({});
    if default {
        annotations["storageclass.kubernetes.io/is-default-class"] = json!("true");
    }
    json!({
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": name, "annotations": annotations},
        "provisioner": provisioner,
        "parameters": parameters,
    })
}

fn settings() -> Value {
    json!({
        "encryptedStorageClasses": ["longhorn-crypto", "ebs-gp3-encrypted", "local-path-luks"],
        "nodeEncryptedClasses": ["local-path-luks"],
    })
}

fn request(
    kind: (&str, &str, &str),
    operation: &str,
    object: Value,
    old: Option<Value>,
) -> Vec<u8> {
    let mut request = json!({
        "uid": "1",
        "kind": {"group": kind.0, "version": kind.1, "kind": kind.2},
        "operation": operation,
        "userInfo": {"username": "oidc:alice"},
        "object": object,
    });
    if let Some(old) = old {
        request["oldObject"] = old;
    }
    json!({"request": request, "settings": settings()})
        .to_string()
        .into_bytes()
}

fn answer(payload: &[u8], host: &dyn KubernetesHost) -> (bool, String) {
    let raw = (encrypted_storage::NATIVE.validate)(payload, host)
        .expect("validate never returns a guest error");
    let response: Value = serde_json::from_slice(&raw).expect("a ValidationResponse");
    (
        response["accepted"].as_bool().expect("accepted is a bool"),
        response["message"].as_str().unwrap_or_default().to_string(),
    )
}

const PVC: (&str, &str, &str) = ("", "v1", "PersistentVolumeClaim");
const STS: (&str, &str, &str) = ("apps", "v1", "StatefulSet");
const SC: (&str, &str, &str) = ("storage.k8s.io", "v1", "StorageClass");

fn pvc(spec_class: Option<&str>, annotation: Option<&str>) -> Value {
    let mut object = json!({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": "home-alice", "namespace": "vdi"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}},
    });
    if let Some(c) = spec_class {
        object["spec"]["storageClassName"] = json!(c);
    }
    if let Some(a) = annotation {
        object["metadata"]["annotations"] = json!({"volume.beta.kubernetes.io/storage-class": a});
    }
    object
}

fn cluster() -> FakeCluster {
    FakeCluster::with_classes(&[
        class("local-path", false, "rancher.io/local-path", json!({})),
        class(
            "longhorn-crypto",
            true,
            "driver.longhorn.io",
            json!({"encrypted": "true"}),
        ),
    ])
}

#[rstest]
#[case::listed(pvc(Some("longhorn-crypto"), None), true, "")]
#[case::listed_by_annotation(pvc(None, Some("longhorn-crypto")), true, "")]
#[case::unlisted(
    pvc(Some("local-path"), None),
    false,
    "PersistentVolumeClaim \"home-alice\" uses StorageClass \"local-path\" (spec.storageClassName), which is not in encryptedStorageClasses; use one of \"longhorn-crypto\""
)]
#[case::annotation_overrides(
    pvc(None, Some("local-path")),
    false,
    "uses StorageClass \"local-path\" (metadata.annotations[\"volume.beta.kubernetes.io/storage-class\"])"
)]
#[case::disagreeing(
    pvc(Some("longhorn-crypto"), Some("local-path")),
    false,
    "names StorageClass \"local-path\" in the annotation volume.beta.kubernetes.io/storage-class and \"longhorn-crypto\" in spec.storageClassName"
)]
#[case::static_binding(
    pvc(Some(""), None),
    false,
    "sets spec.storageClassName: \"\" (static binding"
)]
#[case::static_by_annotation(pvc(Some("longhorn-crypto"), Some("")), false, "in the annotation")]
#[case::default_listed(pvc(None, None), true, "")]
fn claims_against_a_cluster_with_an_encrypted_default(
    #[case] object: Value,
    #[case] accepted: bool,
    #[case] fragment: &str,
) {
    let (got, message) = answer(&request(PVC, "CREATE", object, None), &cluster());
    assert_eq!(got, accepted, "{message}");
    assert!(message.contains(fragment), "{message}");
    if !accepted {
        assert!(
            message.starts_with("volume claims outside the encrypted StorageClasses: "),
            "{message}"
        );
    }
}

#[test]
fn the_default_is_looked_up_once_and_only_when_needed() {
    let host = cluster();
    answer(
        &request(PVC, "CREATE", pvc(Some("longhorn-crypto"), None), None),
        &host,
    );
    assert_eq!(host.lookups(), 0, "an explicit class needs no lookup");
    let sts = statefulset(&[None, None], &[None]);
    let (accepted, message) = answer(&request(STS, "CREATE", sts, None), &host);
    assert!(accepted, "{message}");
    assert_eq!(
        host.seen.borrow().as_slice(),
        [
            r#"{"api_version":"storage.k8s.io/v1","kind":"StorageClass","label_selector":null,"field_selector":null}"#
        ]
    );
}

#[rstest]
#[case::no_default(
    FakeCluster::with_classes(&[class("longhorn-crypto", false, "driver.longhorn.io", json!({"encrypted": "true"}))]),
    "names no StorageClass and the cluster has no default StorageClass; set spec.storageClassName to one of"
)]
#[case::unencrypted_default(
    FakeCluster::with_classes(&[class("local-path", true, "rancher.io/local-path", json!({}))]),
    "so it gets the cluster default \"local-path\", which is not in encryptedStorageClasses"
)]
#[case::several_defaults(
    FakeCluster::with_classes(&[
        class("longhorn-crypto", true, "driver.longhorn.io", json!({"encrypted": "true"})),
        class("ebs-gp3-encrypted", true, "ebs.csi.aws.com", json!({"encrypted": "true"})),
    ]),
    "2 StorageClasses are marked default (\"longhorn-crypto\", \"ebs-gp3-encrypted\"); Kubernetes would take the newest"
)]
#[case::host_error(
    FakeCluster::answering(Err(
        "Policy has not been granted access to Kubernetes storage.k8s.io/v1/StorageClass resources"
    )),
    "the cluster default cannot be determined (listing storage.k8s.io/v1 StorageClasses failed: Policy has not been granted access"
)]
#[case::garbage(
    FakeCluster::answering(Ok("<html>")),
    "the host's list of StorageClasses cannot be decoded"
)]
#[case::wrong_list(
    FakeCluster::answering(Ok(r#"{"apiVersion":"v1","kind":"PodList","items":[]}"#)),
    "not a StorageClass list"
)]
#[case::array(FakeCluster::answering(Ok("[]")), "cannot be decoded")]
fn classless_claims_fail_closed(#[case] host: FakeCluster, #[case] fragment: &str) {
    let (accepted, message) = answer(&request(PVC, "CREATE", pvc(None, None), None), &host);
    assert!(!accepted);
    assert!(message.contains(fragment), "{message}");
}

#[test]
fn without_lookups_a_class_is_required() {
    let mut payload: Value =
        serde_json::from_slice(&request(PVC, "CREATE", pvc(None, None), None)).unwrap();
    payload["settings"]["lookupDefaultClass"] = json!(false);
    let host = cluster();
    let (accepted, message) = answer(payload.to_string().as_bytes(), &host);
    assert!(!accepted);
    assert!(message.contains("lookupDefaultClass is off"), "{message}");
    assert_eq!(host.lookups(), 0);
    let (accepted, message) = answer(payload.to_string().as_bytes(), &shared::policy::NoCluster);
    assert!(
        !accepted && message.contains("lookupDefaultClass is off"),
        "{message}"
    );
}

#[test]
fn static_binding_when_allowed() {
    let mut payload: Value =
        serde_json::from_slice(&request(PVC, "CREATE", pvc(Some(""), None), None)).unwrap();
    payload["settings"]["allowStaticBinding"] = json!(true);
    assert!(answer(payload.to_string().as_bytes(), &shared::policy::NoCluster).0);
}

fn statefulset(templates: &[Option<&str>], ephemeral: &[Option<&str>]) -> Value {
    let templates: Vec<Value> = templates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut t = json!({"metadata": {"name": format!("data-{i}")}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}});
            if let Some(c) = c {
                t["spec"]["storageClassName"] = json!(c);
            }
            t
        })
        .collect();
    let volumes: Vec<Value> = ephemeral
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut t = json!({"spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}});
            if let Some(c) = c {
                t["spec"]["storageClassName"] = json!(c);
            }
            json!({"name": format!("scratch-{i}"), "ephemeral": {"volumeClaimTemplate": t}})
        })
        .collect();
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "profiles", "namespace": "vdi"},
        "spec": {
            "serviceName": "profiles",
            "selector": {"matchLabels": {"app": "profiles"}},
            "template": {"metadata": {"labels": {"app": "profiles"}}, "spec": {
                "containers": [{"name": "sync", "image": "registry.vdi.example.com/tools/profile-sync:2.1"}],
                "volumes": volumes,
            }},
            "volumeClaimTemplates": templates,
        }
    })
}

#[test]
fn statefulsets_report_every_claim_with_its_location() {
    let sts = statefulset(
        &[Some("longhorn-crypto"), Some("local-path")],
        &[Some(""), Some("local-path-luks")],
    );
    let (accepted, message) = answer(
        &request(STS, "CREATE", sts, None),
        &shared::policy::NoCluster,
    );
    assert!(!accepted);
    assert!(message.contains("volumeClaimTemplate \"data-1\" (spec.volumeClaimTemplates[1]) uses StorageClass \"local-path\" (spec.volumeClaimTemplates[1].spec.storageClassName)"), "{message}");
    assert!(message.contains("ephemeral volume \"scratch-0\" (spec.template.spec.volumes[0].ephemeral.volumeClaimTemplate) sets spec.template.spec.volumes[0].ephemeral.volumeClaimTemplate.spec.storageClassName: \"\""), "{message}");
    assert!(!message.contains("data-0"), "{message}");
    assert!(!message.contains("scratch-1"), "{message}");
}

#[rstest]
#[case::pod(("", "v1", "Pod"), "spec")]
#[case::pod_template(("", "v1", "PodTemplate"), "template.spec")]
#[case::replication_controller(("", "v1", "ReplicationController"), "spec.template.spec")]
#[case::deployment(("apps", "v1", "Deployment"), "spec.template.spec")]
#[case::replica_set(("apps", "v1", "ReplicaSet"), "spec.template.spec")]
#[case::statefulset(("apps", "v1", "StatefulSet"), "spec.template.spec")]
#[case::daemon_set(("apps", "v1", "DaemonSet"), "spec.template.spec")]
#[case::job(("batch", "v1", "Job"), "spec.template.spec")]
#[case::cron_job(("batch", "v1", "CronJob"), "spec.jobTemplate.spec.template.spec")]
fn every_workload_kind_is_searched_for_ephemeral_volumes(
    #[case] kind: (&str, &str, &str),
    #[case] spec_path: &str,
) {
    let spec = |class: &str| {
        json!({
            "containers": [{"name": "desktop", "image": "registry.vdi.example.com/desktops/ubuntu:22.04"}],
            "volumes": [{"name": "cache", "ephemeral": {"volumeClaimTemplate": {"spec": {"storageClassName": class}}}}],
        })
    };
    let wrap = |spec: Value| -> Value {
        let mut nested = spec;
        let mut segments: Vec<&str> = spec_path.split('.').collect();
        segments.reverse();
        for segment in segments {
            nested = json!({ segment: nested });
        }
        if kind.2 == "StatefulSet" {
            nested["spec"]["volumeClaimTemplates"] = json!([]);
        }
        nested
    };
    let (accepted, message) = answer(
        &request(kind, "CREATE", wrap(spec("local-path")), None),
        &shared::policy::NoCluster,
    );
    assert!(!accepted);
    assert!(message.contains(&format!("ephemeral volume \"cache\" ({spec_path}.volumes[0].ephemeral.volumeClaimTemplate) uses StorageClass \"local-path\"")), "{message}");
    let (accepted, message) = answer(
        &request(kind, "CREATE", wrap(spec("longhorn-crypto")), None),
        &shared::policy::NoCluster,
    );
    assert!(accepted, "{message}");
}

#[rstest]
#[case::unchanged_unlisted(pvc(Some("local-path"), None), pvc(Some("local-path"), None), true, "")]
#[case::unchanged_conflict(pvc(Some("a"), Some("b")), pvc(Some("a"), Some("b")), true, "")]
#[case::retroactive_default(
    pvc(None, None),
    pvc(Some("local-path"), None),
    false,
    "uses StorageClass \"local-path\""
)]
#[case::retroactive_listed(pvc(None, None), pvc(Some("longhorn-crypto"), None), true, "")]
#[case::annotation_added(
    pvc(Some("longhorn-crypto"), None),
    pvc(Some("longhorn-crypto"), Some("local-path")),
    false,
    "in the annotation"
)]
fn updates_judge_only_changed_claims(
    #[case] old: Value,
    #[case] new: Value,
    #[case] accepted: bool,
    #[case] fragment: &str,
) {
    let (got, message) = answer(
        &request(PVC, "UPDATE", new, Some(old)),
        &shared::policy::NoCluster,
    );
    assert_eq!(got, accepted, "{message}");
    assert!(message.contains(fragment), "{message}");
}

#[test]
fn a_workload_update_judges_new_claims_only() {
    let old = statefulset(&[Some("local-path")], &[Some("local-path")]);
    let same = old.clone();
    let (accepted, message) = answer(
        &request(STS, "UPDATE", same, Some(old.clone())),
        &shared::policy::NoCluster,
    );
    assert!(accepted, "{message}");
    let grown = statefulset(
        &[Some("local-path")],
        &[Some("local-path"), Some("local-path")],
    );
    let (accepted, message) = answer(
        &request(STS, "UPDATE", grown, Some(old)),
        &shared::policy::NoCluster,
    );
    assert!(!accepted);
    assert!(
        message.contains("scratch-1")
            && !message.contains("scratch-0")
            && !message.contains("data-0"),
        "{message}"
    );
}

#[rstest]
#[case::missing_old(r#"{"spec":{}}"#, "carries no oldObject")]
#[case::undecodable_old(
    r#"{"spec":{"storageClassName":5}}"#,
    "the stored PersistentVolumeClaim object cannot be decoded"
)]
fn updates_need_a_readable_old_object(#[case] old: &str, #[case] fragment: &str) {
    let old: Value = serde_json::from_str(old).unwrap();
    let old = if fragment.contains("no oldObject") {
        None
    } else {
        Some(old)
    };
    let (accepted, message) = answer(
        &request(PVC, "UPDATE", pvc(Some("longhorn-crypto"), None), old),
        &shared::policy::NoCluster,
    );
    assert!(!accepted);
    assert!(message.contains(fragment), "{message}");
}

#[rstest]
#[case::longhorn("longhorn-crypto", false, "driver.longhorn.io", json!({"encrypted": "true"}), true, "")]
#[case::longhorn_default("longhorn-crypto", true, "driver.longhorn.io", json!({"encrypted": "True"}), true, "")]
#[case::longhorn_off("longhorn-crypto", false, "driver.longhorn.io", json!({"encrypted": "false"}), false, "StorageClass \"longhorn-crypto\" is not admitted: it is in encryptedStorageClasses but provisioner \"driver.longhorn.io\" encrypts only with encrypted: \"true\"")]
#[case::ebs_true("ebs-gp3-encrypted", false, "ebs.csi.aws.com", json!({"type": "gp3", "encrypted": "true"}), true, "")]
#[case::ebs_capital("ebs-gp3-encrypted", false, "ebs.csi.aws.com", json!({"type": "gp3", "encrypted": "True"}), false, "but encrypted is \"True\"")]
#[case::unlisted_plain("local-path", false, "rancher.io/local-path", json!({}), true, "")]
#[case::unlisted_default("local-path", true, "rancher.io/local-path", json!({}), false, "it is marked default (storageclass.kubernetes.io/is-default-class: \"true\") but is not in encryptedStorageClasses")]
#[case::node_encrypted("local-path-luks", true, "rancher.io/local-path", json!({"nodePath": "/mnt/luks"}), true, "")]
#[case::listed_local_path("longhorn-crypto", false, "rancher.io/local-path", json!({}), false, "cannot encrypt volumes by itself")]
#[case::unknown("ebs-gp3-encrypted", false, "nfs.csi.k8s.io", json!({}), false, "provisioner \"nfs.csi.k8s.io\" is unknown to the policy")]
#[case::node_encrypted_unknown("local-path-luks", false, "openebs.io/local", json!({}), true, "")]
#[case::node_encrypted_still_needs_parameters("local-path-luks", false, "ebs.csi.aws.com", json!({}), false, "encrypts only with encrypted: \"true\"")]
fn storage_classes(
    #[case] name: &str,
    #[case] default: bool,
    #[case] provisioner: &str,
    #[case] parameters: Value,
    #[case] accepted: bool,
    #[case] fragment: &str,
) {
    let object = class(name, default, provisioner, parameters);
    for operation in ["CREATE", "UPDATE"] {
        let old = (operation == "UPDATE").then(|| object.clone());
        let (got, message) = answer(
            &request(SC, operation, object.clone(), old),
            &shared::policy::NoCluster,
        );
        assert_eq!(got, accepted, "{operation}: {message}");
        assert!(message.contains(fragment), "{message}");
    }
}

#[test]
fn beta_default_annotation_counts() {
    let mut object = class("local-path", false, "rancher.io/local-path", json!({}));
    object["metadata"]["annotations"] =
        json!({"storageclass.beta.kubernetes.io/is-default-class": "true"});
    let (accepted, message) = answer(
        &request(SC, "CREATE", object, None),
        &shared::policy::NoCluster,
    );
    assert!(!accepted);
    assert!(
        message.contains("storageclass.beta.kubernetes.io/is-default-class"),
        "{message}"
    );
}

#[rstest]
#[case::secret(("", "v1", "Secret"), "CREATE", "v1 Secret")]
#[case::pv(("", "v1", "PersistentVolume"), "CREATE", "v1 PersistentVolume ")]
#[case::old_storage_api(("storage.k8s.io", "v1beta1", "StorageClass"), "CREATE", "storage.k8s.io/v1beta1 StorageClass")]
#[case::connect(("", "v1", "PersistentVolumeClaim"), "CONNECT", "CONNECT")]
fn requests_outside_the_table_are_refused(
    #[case] kind: (&str, &str, &str),
    #[case] operation: &str,
    #[case] fragment: &str,
) {
    let (accepted, message) = answer(
        &request(kind, operation, json!({}), None),
        &shared::policy::NoCluster,
    );
    assert!(!accepted);
    assert!(
        message.starts_with("encrypted-storage does not handle"),
        "{message}"
    );
    assert!(message.contains(fragment), "{message}");
    assert!(
        message.contains("storage.k8s.io/v1 storageclasses"),
        "{message}"
    );
}

#[test]
fn deleting_a_claim_or_class_is_accepted() {
    for kind in [PVC, SC, STS] {
        let payload = json!({"request": {"uid": "1", "kind": {"group": kind.0, "version": kind.1, "kind": kind.2},
            "operation": "DELETE", "oldObject": {}}, "settings": settings()});
        assert!(answer(payload.to_string().as_bytes(), &shared::policy::NoCluster).0);
    }
}

#[test]
fn long_class_names_are_cut_in_messages() {
    let long = "x".repeat(100_000);
    let (accepted, message) = answer(
        &request(PVC, "CREATE", pvc(Some(&long), None), None),
        &shared::policy::NoCluster,
    );
    assert!(!accepted);
    assert!(message.len() < 1_000, "{} bytes", message.len());
    assert!(message.contains("(100000 characters)"), "{message}");
}

/// The rules of `metadata.yml` are exactly the routes, both ways.
#[test]
fn metadata_rules_equal_the_routes() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/metadata.yml")).unwrap();
    let metadata: Value = serde_yaml::from_str(&text).unwrap();
    let mut declared = Vec::new();
    for rule in metadata["rules"].as_array().unwrap() {
        for group in rule["apiGroups"].as_array().unwrap() {
            for version in rule["apiVersions"].as_array().unwrap() {
                for resource in rule["resources"].as_array().unwrap() {
                    for operation in rule["operations"].as_array().unwrap() {
                        declared.push(
                            format!("{group} {version} {resource} {operation}").replace('"', ""),
                        );
                    }
                }
            }
        }
    }
    declared.sort();
    let mut routed: Vec<String> = (encrypted_storage::NATIVE.rule_rows)()
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {}",
                r.api_group, r.api_version, r.resource, r.operation
            )
        })
        .collect();
    routed.sort();
    assert_eq!(declared, routed);
    assert_eq!(
        metadata["contextAwareResources"],
        json!([{"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass"}])
    );
}

fn settings_verdict(settings: &Value) -> Value {
    let raw = (encrypted_storage::NATIVE.validate_settings)(settings.to_string().as_bytes())
        .expect("validate_settings answers");
    serde_json::from_slice(&raw).expect("a SettingsValidationResponse")
}

/// The example settings and the UI's defaults both load.
#[test]
fn shipped_settings_are_valid() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let example: Value =
        serde_yaml::from_str(&std::fs::read_to_string(format!("{dir}/settings.yaml")).unwrap())
            .unwrap();
    assert_eq!(
        settings_verdict(&example)["valid"],
        json!(true),
        "{example}"
    );
    let questions: Value =
        serde_yaml::from_str(&std::fs::read_to_string(format!("{dir}/questions-ui.yml")).unwrap())
            .unwrap();
    let mut defaults = json!({});
    for q in questions["questions"].as_array().unwrap() {
        defaults[q["variable"].as_str().unwrap()] = q["default"].clone();
    }
    assert_eq!(
        settings_verdict(&defaults)["valid"],
        json!(true),
        "{defaults}"
    );
    assert_eq!(settings_verdict(&json!({}))["valid"], json!(false));
}

/// The `just check` examples get the verdicts they are meant to show, with
/// the shipped settings and no cluster to look up.
#[rstest]
#[case::pvc_encrypted("pvc-profile-longhorn-crypto.yaml", true)]
#[case::pvc_local_path("pvc-profile-local-path.yaml", false)]
#[case::session_scratch("session-pod-scratch-local-path.yaml", false)]
#[case::statefulset("statefulset-profile-store.yaml", true)]
#[case::statefulset_journal("statefulset-profile-store-local-path-journal.yaml", false)]
#[case::class_k3s_default("storageclass-local-path-k3s-default.yaml", false)]
#[case::class_luks("storageclass-local-path-luks.yaml", true)]
#[case::class_longhorn_off("storageclass-longhorn-crypto-encryption-off.yaml", false)]
#[case::class_longhorn("storageclass-longhorn-crypto.yaml", true)]
fn examples(#[case] file: &str, #[case] accepted: bool) {
    let dir = env!("CARGO_MANIFEST_DIR");
    let manifest: Value =
        serde_yaml::from_str(&std::fs::read_to_string(format!("{dir}/examples/{file}")).unwrap())
            .unwrap();
    let settings: Value =
        serde_yaml::from_str(&std::fs::read_to_string(format!("{dir}/settings.yaml")).unwrap())
            .unwrap();
    let api_version = manifest["apiVersion"].as_str().unwrap();
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let payload = json!({
        "request": {
            "uid": "1",
            "kind": {"group": group, "version": version, "kind": manifest["kind"]},
            "operation": "CREATE",
            "userInfo": {"username": "oidc:alice"},
            "object": manifest,
        },
        "settings": settings,
    });
    let (got, message) = answer(payload.to_string().as_bytes(), &shared::policy::NoCluster);
    assert_eq!(got, accepted, "{file}: {message}");
}

/// The bench requests are ones the policy accepts with the shipped
/// settings, so `just bench` measures the full check.
#[rstest]
#[case::small("bench/small.json")]
#[case::large("bench/large.json")]
fn bench_requests_are_accepted(#[case] file: &str) {
    let dir = env!("CARGO_MANIFEST_DIR");
    let request: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/{file}")).unwrap()).unwrap();
    let settings: Value =
        serde_yaml::from_str(&std::fs::read_to_string(format!("{dir}/settings.yaml")).unwrap())
            .unwrap();
    let payload = json!({"request": request, "settings": settings});
    let host = FakeCluster::answering(Err("no lookup expected"));
    let (accepted, message) = answer(payload.to_string().as_bytes(), &host);
    assert!(accepted, "{file}: {message}");
    assert_eq!(host.lookups(), 0);
}

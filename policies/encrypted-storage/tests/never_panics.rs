//! Property tests: whatever a request or the cluster's answer holds,
//! `validate` answers with a verdict (a panic would trap the module); a
//! claim outside the encrypted classes is never admitted, wherever it hides;
//! and spellings that mean the same get the same verdict.

use proptest::prelude::*;
use serde_json::{Value, json};
use shared::host::{GetResource, KubernetesHost, ListResources};

const LISTED: &[&str] = &["longhorn-crypto", "local-path-luks"];

/// A cluster answering the StorageClass list with fixed bytes.
struct Answer(Result<Vec<u8>, String>);

impl KubernetesHost for Answer {
    fn get_resource(&self, request: &GetResource<'_>) -> Result<Vec<u8>, String> {
        Err(format!("{} not found", request.describe()))
    }
    fn list_resources(&self, _: &ListResources<'_>) -> Result<Vec<u8>, String> {
        self.0.clone()
    }
}

fn settings(static_binding: bool) -> Value {
    json!({
        "encryptedStorageClasses": LISTED,
        "nodeEncryptedClasses": ["local-path-luks"],
        "allowStaticBinding": static_binding,
    })
}

fn answer(payload: &[u8], host: &dyn KubernetesHost) -> (bool, String) {
    let raw = (encrypted_storage::NATIVE.validate)(payload, host)
        .unwrap_or_else(|e| panic!("validate returned an error instead of a verdict: {e}"));
    let response: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    let accepted = response["accepted"].as_bool();
    assert!(accepted.is_some(), "malformed response {response}");
    let message = response["message"].as_str().unwrap_or_default().to_string();
    let accepted = accepted.unwrap_or(false);
    assert!(
        accepted || !message.trim().is_empty(),
        "rejection without a message"
    );
    (accepted, message)
}

fn payload(
    kind: (&str, &str, &str),
    operation: &str,
    object: &Value,
    static_binding: bool,
) -> Vec<u8> {
    json!({
        "request": {
            "uid": "1",
            "kind": {"group": kind.0, "version": kind.1, "kind": kind.2},
            "operation": operation,
            "userInfo": {"username": "oidc:alice"},
            "object": object,
            "oldObject": object,
        },
        "settings": settings(static_binding),
    })
    .to_string()
    .into_bytes()
}

/// Class names as a claim may spell them: listed, unlisted, empty, absent,
/// of the wrong type.
fn class_value() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        4 => prop::sample::select(LISTED).prop_map(|c| Some(json!(c))),
        2 => Just(Some(json!("local-path"))),
        1 => Just(Some(json!("Longhorn-Crypto"))),
        1 => Just(Some(json!("longhorn-crypto "))),
        1 => Just(Some(json!(""))),
        2 => Just(None),
        1 => Just(Some(Value::Null)),
        1 => "[a-z.-]{0,12}".prop_map(|s| Some(json!(s))),
        1 => Just(Some(json!(7))),
        1 => Just(Some(json!(["longhorn-crypto"]))),
    ]
}

/// A claim (template): `(object, its effective class if well-formed)`.
fn claim() -> impl Strategy<Value = Value> {
    (class_value(), class_value()).prop_map(|(spec, annotation)| {
        let mut object = json!({"metadata": {"name": "c"}, "spec": {"resources": {"requests": {"storage": "1Gi"}}}});
        if let Some(spec) = spec {
            object["spec"]["storageClassName"] = spec;
        }
        if let Some(annotation) = annotation {
            object["metadata"]["annotations"] = json!({"volume.beta.kubernetes.io/storage-class": annotation});
        }
        object
    })
}

/// What Kubernetes would provision a well-formed claim with; `None` when the
/// claim is malformed (the policy must reject it).
fn effective(claim: &Value) -> Option<Option<String>> {
    let read = |v: &Value| match v {
        Value::Null => Some(None),
        Value::String(s) => Some(Some(s.clone())),
        _ => None,
    };
    let spec = read(&claim["spec"]["storageClassName"])?;
    let annotation = match claim["metadata"].get("annotations") {
        None => None,
        Some(a) => match &a["volume.beta.kubernetes.io/storage-class"] {
            Value::String(s) => Some(s.clone()),
            _ => return None,
        },
    };
    if let (Some(a), Some(s)) = (&annotation, &spec)
        && a != s
    {
        return None;
    }
    Some(annotation.or(spec))
}

/// Whether a claim of this effective class may be admitted (the cluster in
/// these tests has no usable default).
fn admissible(class: &Option<String>, static_binding: bool) -> bool {
    match class.as_deref() {
        Some("") => static_binding,
        Some(name) => LISTED.contains(&name),
        None => false,
    }
}

fn no_default() -> Answer {
    Answer(Ok(
        br#"{"apiVersion":"v1","kind":"List","items":[]}"#.to_vec()
    ))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn claims_get_a_verdict_and_unencrypted_ones_never_pass(
        claim in claim(),
        static_binding in any::<bool>(),
    ) {
        let (accepted, _) = answer(
            &payload(("", "v1", "PersistentVolumeClaim"), "CREATE", &claim, static_binding),
            &no_default(),
        );
        let allowed = effective(&claim).is_some_and(|c| admissible(&c, static_binding));
        prop_assert_eq!(accepted, allowed, "{}", claim);
    }

    #[test]
    fn statefulset_claims_are_all_judged(
        templates in prop::collection::vec(claim(), 0..3),
        ephemeral in prop::collection::vec(claim(), 0..3),
    ) {
        let volumes: Vec<Value> = ephemeral
            .iter()
            .enumerate()
            .map(|(i, t)| json!({"name": format!("e{i}"), "ephemeral": {"volumeClaimTemplate": t}}))
            .collect();
        let object = json!({"spec": {
            "template": {"spec": {"containers": [{"name": "c", "image": "x"}], "volumes": volumes}},
            "volumeClaimTemplates": templates,
        }});
        let (accepted, _) = answer(
            &payload(("apps", "v1", "StatefulSet"), "CREATE", &object, false),
            &no_default(),
        );
        let allowed = templates
            .iter()
            .chain(&ephemeral)
            .all(|c| effective(c).is_some_and(|c| admissible(&c, false)));
        prop_assert_eq!(accepted, allowed, "{}", object);
    }

    #[test]
    fn the_spec_field_and_the_annotation_mean_the_same(class in class_value()) {
        let Some(class) = class else { return Ok(()) };
        let by_spec = json!({"spec": {"storageClassName": class}});
        let by_annotation = json!({"metadata": {"annotations": {"volume.beta.kubernetes.io/storage-class": class}}});
        let both = json!({"metadata": {"annotations": {"volume.beta.kubernetes.io/storage-class": class}}, "spec": {"storageClassName": class}});
        let kind = ("", "v1", "PersistentVolumeClaim");
        let verdicts: Vec<bool> = [by_spec, by_annotation, both]
            .iter()
            .map(|o| answer(&payload(kind, "CREATE", o, false), &no_default()).0)
            .collect();
        // `null` in the annotation is malformed (annotations are strings);
        // in the field it means "no class".
        if !class.is_null() {
            prop_assert!(verdicts.iter().all(|v| *v == verdicts[0]), "{class}: {verdicts:?}");
        }
    }

    #[test]
    fn json_escapes_do_not_change_the_verdict(class in prop::sample::select(vec!["longhorn-crypto", "local-path", ""])) {
        let plain = format!(r#"{{"spec":{{"storageClassName":"{class}"}}}}"#);
        let escaped: String = class.chars().map(|c| format!("\\u{:04x}", c as u32)).collect();
        let escaped = format!(r#"{{"spec":{{"storageClassName":"{escaped}"}}}}"#);
        let run = |object: &str| {
            let object: Value = serde_json::from_str(object).unwrap();
            answer(&payload(("", "v1", "PersistentVolumeClaim"), "CREATE", &object, false), &no_default()).0
        };
        prop_assert_eq!(run(&plain), run(&escaped));
    }

    #[test]
    fn go_true_spellings_are_one_meaning_for_longhorn(
        value in prop::sample::select(vec!["1", "t", "T", "TRUE", "true", "True"]),
    ) {
        let object = json!({"metadata": {"name": "longhorn-crypto"}, "provisioner": "driver.longhorn.io", "parameters": {"encrypted": value}});
        let (accepted, message) = answer(&payload(("storage.k8s.io", "v1", "StorageClass"), "CREATE", &object, false), &no_default());
        prop_assert!(accepted, "{}", message);
    }

    #[test]
    fn ebs_reads_parameter_names_in_any_case(
        upper in prop::collection::vec(any::<bool>(), 9),
        value in prop::sample::select(vec!["true", "True", "false", "1"]),
    ) {
        let key: String = "encrypted"
            .chars()
            .zip(upper)
            .map(|(c, u)| if u { c.to_ascii_uppercase() } else { c })
            .collect();
        let object = json!({"metadata": {"name": "longhorn-crypto"}, "provisioner": "ebs.csi.aws.com", "parameters": {key.clone(): value}});
        let (accepted, _) = answer(&payload(("storage.k8s.io", "v1", "StorageClass"), "CREATE", &object, false), &no_default());
        prop_assert_eq!(accepted, value == "true", "{} = {}", key, value);
    }

    #[test]
    fn any_list_answer_gets_a_verdict(
        answer_bytes in prop::collection::vec(any::<u8>(), 0..128),
        defaults in prop::collection::vec((prop::sample::select(vec!["longhorn-crypto", "local-path", "x"]), any::<bool>()), 0..4),
        structured in any::<bool>(),
    ) {
        let claim = json!({"spec": {}});
        let host = if structured {
            let items: Vec<Value> = defaults
                .iter()
                .map(|(name, default)| json!({"metadata": {"name": name, "annotations": {"storageclass.kubernetes.io/is-default-class": default.to_string()}}}))
                .collect();
            Answer(Ok(json!({"apiVersion": "v1", "kind": "List", "items": items}).to_string().into_bytes()))
        } else {
            Answer(Ok(answer_bytes))
        };
        let (accepted, _) = answer(&payload(("", "v1", "PersistentVolumeClaim"), "CREATE", &claim, false), &host);
        if accepted {
            let marked: Vec<&str> = defaults.iter().filter(|(_, d)| *d).map(|(n, _)| *n).collect();
            prop_assert!(structured && marked.len() == 1 && LISTED.contains(&marked[0]), "{:?}", defaults);
        }
    }

    #[test]
    fn arbitrary_bytes_get_a_verdict(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        answer(&bytes, &no_default());
    }

    #[test]
    fn arbitrary_objects_get_a_verdict(
        kind in prop::sample::select(vec![
            ("", "v1", "PersistentVolumeClaim"),
            ("", "v1", "Pod"),
            ("apps", "v1", "StatefulSet"),
            ("batch", "v1", "CronJob"),
            ("storage.k8s.io", "v1", "StorageClass"),
        ]),
        operation in prop::sample::select(vec!["CREATE", "UPDATE", "DELETE", "CONNECT"]),
        text in any::<String>(),
        field in prop::sample::select(vec!["spec", "metadata", "parameters", "provisioner", "template"]),
    ) {
        let object = json!({ field: text });
        answer(&payload(kind, operation, &object, false), &no_default());
    }
}

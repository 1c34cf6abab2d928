//! The browser module aborts on a panic (wasm32-unknown-unknown has no
//! unwinding), which the page would see as an exception and a dead module.
//! So no input may panic: arbitrary text, arbitrary JSON in every field, and
//! mutated real examples all get an answer with `ok`.

use proptest::prelude::*;
use serde_json::{Value, json};

fn answered(answer: &Value) -> bool {
    answer["ok"].is_boolean()
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-zA-Z0-9:./ -]{0,12}".prop_map(Value::from),
        Just(Value::from("apiVersion: v1\nkind: Pod\n")),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("apiVersion".to_string()),
                    Just("kind".to_string()),
                    Just("metadata".to_string()),
                    Just("spec".to_string()),
                    Just("name".to_string()),
                    "[a-z]{1,6}",
                ],
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_is_answered(text in ".{0,200}") {
        prop_assert!(answered(&web::api::guarded(|| web::api::evaluate(&text))));
        prop_assert!(answered(&web::api::guarded(|| web::api::evaluate_request(&text))));
        prop_assert!(answered(&web::api::guarded(|| web::api::validate_settings(&text))));
    }

    #[test]
    fn arbitrary_fields_are_answered(
        manifest in json_value(),
        old in json_value(),
        context in json_value(),
        settings in json_value(),
        operation in prop_oneof![Just("CREATE"), Just("UPDATE"), Just("DELETE"), Just("CONNECT"), Just("")],
    ) {
        let input = json!({
            "manifest": manifest, "oldManifest": old, "context": context,
            "operation": operation, "ignoreRules": true,
            "settings": {"trusted-registries": settings.clone(), "session-ownership": settings.clone()},
        });
        let answer = web::api::evaluate(&input.to_string());
        prop_assert!(answered(&answer), "{}", answer);
        let request = json!({"request": manifest, "context": context, "ignoreRules": true});
        prop_assert!(answered(&web::api::evaluate_request(&request.to_string())));
        let settings = json!({"policy": "gpu-limits", "settings": settings});
        prop_assert!(answered(&web::api::validate_settings(&settings.to_string())));
    }

    #[test]
    fn every_policy_answers_mutated_pods(
        image in "[a-z0-9./:@-]{0,40}",
        name in "[a-z0-9-]{0,20}",
        privileged in any::<bool>(),
        gpus in any::<i64>(),
    ) {
        let pod = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "vdi", "labels": {"vdi.kasm.io/user": name}},
            "spec": {"containers": [{"name": name, "image": image,
                "securityContext": {"privileged": privileged},
                "resources": {"limits": {"nvidia.com/gpu": gpus}}}]}});
        for operation in ["CREATE", "UPDATE", "DELETE"] {
            let answer = web::api::evaluate(
                &json!({"manifest": pod, "operation": operation, "ignoreRules": true}).to_string(),
            );
            prop_assert_eq!(&answer["ok"], &Value::Bool(true), "{}", answer);
            for result in answer["objects"][0]["results"].as_array().into_iter().flatten() {
                prop_assert!(result["verdict"] == "accept" || result["verdict"] == "reject", "{}", result);
            }
        }
    }
}

//! Mutating mode (`mutate: true`) through the real `validate` entry point:
//! what is filled in, what never is, and the properties the mode promises.

use proptest::prelude::*;
use restricted_security_context::mutate::{Scope, fill_in};
use restricted_security_context::settings::Settings;
use rstest::rstest;
use serde_json::{Map, Value, json};
use shared::kinds::{WORKLOAD_KINDS, WorkloadKind};

/// What the module answered.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Accept,
    Mutate(Value),
    Reject(String),
}

fn answer(request: &Value, settings: &Value) -> Outcome {
    let payload = json!({"request": request, "settings": settings}).to_string();
    let raw = (restricted_security_context::NATIVE.validate)(
        payload.as_bytes(),
        &shared::policy::NoCluster,
    )
    .expect("validate answers");
    let response: Value = serde_json::from_slice(&raw).expect("a ValidationResponse");
    match (
        response["accepted"].as_bool(),
        response.get("mutated_object"),
    ) {
        (Some(true), None | Some(Value::Null)) => Outcome::Accept,
        (Some(true), Some(object)) => Outcome::Mutate(object.clone()),
        (Some(false), _) => Outcome::Reject(response["message"].as_str().unwrap_or("").into()),
        _ => panic!("malformed response {response}"),
    }
}

fn request(object: &Value, operation: &str) -> Value {
    let (group, version) = split(object["apiVersion"].as_str().unwrap_or("v1"));
    let mut request = json!({
        "uid": "1",
        "kind": {"group": group, "version": version, "kind": object["kind"]},
        "operation": operation,
        "namespace": "vdi",
        "userInfo": {"username": "oidc:alice"},
        "object": object,
    });
    if operation == "UPDATE" {
        request["oldObject"] = object.clone();
    }
    request
}

fn split(api_version: &str) -> (&str, &str) {
    api_version.split_once('/').unwrap_or(("", api_version))
}

fn pod(spec: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "session-alice", "namespace": "vdi"}, "spec": spec})
}

fn with_mutate(mut settings: Value, on: bool) -> Value {
    settings["mutate"] = on.into();
    settings
}

/// The chart that forgot everything: only names and images.
fn bare_spec() -> Value {
    json!({"containers": [{"name": "desktop", "image": "registry.vdi.example.com/kasmweb/desktop:1.16.0"}],
        "initContainers": [{"name": "init-home", "image": "registry.vdi.example.com/library/busybox:1.36"}]})
}

#[test]
fn a_bare_pod_is_admitted_with_every_default_filled_in() {
    let Outcome::Mutate(mutated) = answer(
        &request(&pod(bare_spec()), "CREATE"),
        &json!({"mutate": true}),
    ) else {
        panic!("expected a mutation");
    };
    let hardened = json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": true});
    assert_eq!(
        mutated["spec"],
        json!({
            "automountServiceAccountToken": false,
            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "desktop", "image": "registry.vdi.example.com/kasmweb/desktop:1.16.0", "securityContext": hardened}],
            "initContainers": [{"name": "init-home", "image": "registry.vdi.example.com/library/busybox:1.36", "securityContext": hardened}],
        })
    );
    assert_eq!(mutated["metadata"]["name"], "session-alice");
    // The same request in validate-only mode is today's rejection.
    let Outcome::Reject(message) = answer(&request(&pod(bare_spec()), "CREATE"), &json!({})) else {
        panic!("validate-only mode must reject");
    };
    assert!(message.contains("seccompProfile"), "{message}");
}

/// `bare_spec` with everything mutating mode would fill in: compliant.
fn compliant_spec() -> Value {
    let hardened = json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": true});
    let mut spec = bare_spec();
    spec["automountServiceAccountToken"] = json!(false);
    spec["securityContext"] =
        json!({"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}});
    spec["containers"][0]["securityContext"] = hardened.clone();
    spec["initContainers"][0]["securityContext"] = hardened;
    spec
}

#[rstest]
#[case::privileged(
    "/securityContext/privileged",
    json!(true),
    r#"privileged (container "desktop" must not set securityContext.privileged=true)"#
)]
#[case::root_user("/securityContext/runAsUser", json!(0), r#"runAsUser=0 (container "desktop" must not set runAsUser=0)"#)]
#[case::escalation(
    "/securityContext/allowPrivilegeEscalation",
    json!(true),
    r#"allowPrivilegeEscalation != false (container "desktop" must set securityContext.allowPrivilegeEscalation=false)"#
)]
#[case::added_capability(
    "/securityContext/capabilities/add",
    json!(["SYS_ADMIN"]),
    r#"unrestricted capabilities (container "desktop" must not include "SYS_ADMIN" in securityContext.capabilities.add)"#
)]
#[case::unconfined(
    "/securityContext/seccompProfile",
    json!({"type": "Unconfined"}),
    r#"seccompProfile (container "desktop" must not set securityContext.seccompProfile.type to "Unconfined")"#
)]
#[case::writable_root(
    "/securityContext/readOnlyRootFilesystem",
    json!(false),
    r#"violates VDI hardening: readOnlyRootFilesystem != true (container "desktop" must set securityContext.readOnlyRootFilesystem=true)"#
)]
fn explicit_violations_are_never_rewritten(
    #[case] pointer: &str,
    #[case] value: Value,
    #[case] message: &str,
) {
    for (mut spec, otherwise_compliant) in [(bare_spec(), false), (compliant_spec(), true)] {
        let container = &mut spec["containers"][0];
        if container.get("securityContext").is_none() {
            container["securityContext"] = json!({"capabilities": {}});
        }
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        container.pointer_mut(parent).unwrap()[key] = value.clone();
        let req = request(&pod(spec), "CREATE");
        let outcome = answer(&req, &json!({"mutate": true}));
        let Outcome::Reject(got) = outcome else {
            panic!("expected a rejection, got {outcome:?}");
        };
        assert!(got.contains(message), "{got}");
        // Where nothing else is missing, the message is validate-only mode's, word for word.
        if otherwise_compliant {
            assert_eq!(answer(&req, &json!({})), Outcome::Reject(got));
        }
    }
}

#[test]
fn explicit_token_mount_is_never_rewritten() {
    let mut spec = bare_spec();
    spec["automountServiceAccountToken"] = json!(true);
    let Outcome::Reject(got) = answer(&request(&pod(spec), "CREATE"), &json!({"mutate": true}))
    else {
        panic!("expected a rejection");
    };
    assert!(
        got.contains(
            "service account token (pod must set spec.automountServiceAccountToken=false)"
        ),
        "{got}"
    );
}

#[test]
fn a_compliant_workload_update_gets_no_patch() {
    let Outcome::Mutate(mutated) = answer(
        &request(&pod(bare_spec()), "CREATE"),
        &json!({"mutate": true}),
    ) else {
        panic!("expected a mutation");
    };
    let deployment = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "desktop", "namespace": "vdi"},
        "spec": {"replicas": 1, "template": {"metadata": {"labels": {"app": "desktop"}}, "spec": mutated["spec"]}}
    });
    for operation in ["CREATE", "UPDATE"] {
        assert_eq!(
            answer(&request(&deployment, operation), &json!({"mutate": true})),
            Outcome::Accept,
            "{operation}"
        );
    }
}

#[test]
fn a_workload_template_is_filled_in_at_its_path() {
    let cronjob = json!({
        "apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": "snapshot", "namespace": "vdi"},
        "spec": {"schedule": "0 2 * * *", "jobTemplate": {"spec": {"template": {"spec": bare_spec()}}}}
    });
    let Outcome::Mutate(mutated) = answer(&request(&cronjob, "UPDATE"), &json!({"mutate": true}))
    else {
        panic!("expected a mutation");
    };
    let template = &mutated["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    assert_eq!(
        template["securityContext"]["seccompProfile"]["type"],
        "RuntimeDefault"
    );
    assert_eq!(
        template["containers"][0]["securityContext"]["capabilities"]["drop"],
        json!(["ALL"])
    );
    assert_eq!(mutated["spec"]["schedule"], "0 2 * * *");
    assert!(mutated["spec"].get("securityContext").is_none());
}

#[test]
fn a_pod_update_is_never_patched() {
    // A running pod's security fields are immutable: a patch would fail the
    // update, so an insignificant update of a legacy pod stays accepted and
    // a significant one gets today's rejection.
    let mut req = request(&pod(bare_spec()), "UPDATE");
    assert_eq!(answer(&req, &json!({"mutate": true})), Outcome::Accept);
    req["object"]["spec"]["containers"][0]["image"] =
        json!("registry.vdi.example.com/kasmweb/desktop:1.17.0");
    assert!(matches!(
        answer(&req, &json!({"mutate": true})),
        Outcome::Reject(_)
    ));
}

fn ephemeral_request(spec: Value, debugger: Value) -> Value {
    let old = pod(spec);
    let mut new = old.clone();
    new["spec"]["ephemeralContainers"] = json!([debugger]);
    let mut req = request(&new, "UPDATE");
    req["oldObject"] = old;
    req["subResource"] = json!("ephemeralcontainers");
    req
}

#[test]
fn kubectl_debug_gets_a_restricted_debug_container() {
    let compliant = json!({"automountServiceAccountToken": false,
        "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "desktop", "image": "kasmweb/desktop:1.16.0", "securityContext":
            {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": true}}]});
    let debugger =
        json!({"name": "debugger", "image": "busybox:1.36", "targetContainerName": "desktop"});
    let req = ephemeral_request(compliant.clone(), debugger);
    let Outcome::Mutate(mutated) = answer(&req, &json!({"mutate": true})) else {
        panic!("expected a mutation");
    };
    assert_eq!(
        mutated["spec"]["containers"], compliant["containers"],
        "the pod itself is immutable"
    );
    assert_eq!(
        mutated["spec"]["ephemeralContainers"][0]["securityContext"],
        json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": true})
    );
    assert!(matches!(answer(&req, &json!({})), Outcome::Reject(_)));
}

#[test]
fn kubectl_debug_on_a_legacy_pod_is_still_refused() {
    let debugger = json!({"name": "debugger", "image": "busybox:1.36"});
    let outcome = answer(
        &ephemeral_request(bare_spec(), debugger),
        &json!({"mutate": true}),
    );
    let Outcome::Reject(message) = outcome else {
        panic!("expected a rejection, got {outcome:?}");
    };
    // The debugger got its own profile; the pod's containers cannot be fixed here.
    assert!(
        message.contains(r#"pod or containers "init-home", "desktop" must set securityContext.seccompProfile.type"#),
        "{message}"
    );
}

// -- properties ---------------------------------------------------------------

/// Values for one field: absent, `null`, or one of `values`.
fn field(values: Vec<Value>) -> impl Strategy<Value = Option<Value>> {
    let mut options = vec![None, Some(Value::Null)];
    options.extend(values.into_iter().map(Some));
    prop::sample::select(options)
}

fn object(fields: Vec<(&'static str, Option<Value>)>) -> Value {
    Value::Object(
        fields
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
            .collect::<Map<_, _>>(),
    )
}

/// The values a generated pod may hold. `explicit` adds the violating ones;
/// without it every present value is compliant, so the pod can only fail on
/// what it leaves unset.
struct Palette {
    explicit: bool,
}

impl Palette {
    fn pick(
        &self,
        good: Vec<Value>,
        bad: Vec<Value>,
    ) -> impl Strategy<Value = Option<Value>> + use<> {
        let mut values = good;
        if self.explicit {
            values.extend(bad);
        }
        field(values)
    }

    fn capabilities(&self) -> impl Strategy<Value = Option<Value>> + use<> {
        let mut add = vec!["NET_BIND_SERVICE"];
        if self.explicit {
            add.extend(["SYS_PTRACE", "SYS_ADMIN"]);
        }
        let drop = prop::sample::subsequence(vec!["NET_RAW", "ALL", "all"], 0..=3);
        let add = prop::sample::subsequence(add, 0..=1);
        (drop, add, any::<bool>(), any::<bool>()).prop_flat_map(|(drop, add, has_drop, has_add)| {
            let caps = object(vec![
                ("drop", has_drop.then(|| json!(drop))),
                ("add", has_add.then(|| json!(add))),
            ]);
            field(vec![caps])
        })
    }

    fn container(&self) -> impl Strategy<Value = Option<Value>> + use<> {
        let tf = |good: bool| vec![Value::Bool(good)];
        let seccomp = self.pick(
            vec![
                json!({"type": "RuntimeDefault"}),
                json!({"type": "Localhost", "localhostProfile": "vdi.json"}),
            ],
            vec![json!({"type": "Unconfined"})],
        );
        (
            self.pick(tf(false), tf(true)),
            self.pick(tf(false), tf(true)),
            self.capabilities(),
            self.pick(tf(true), tf(false)),
            self.pick(vec![json!(1000)], vec![json!(0)]),
            seccomp,
            self.pick(tf(true), tf(false)),
        )
            .prop_map(|(ape, privileged, caps, non_root, user, seccomp, rorf)| {
                object(vec![
                    ("allowPrivilegeEscalation", ape),
                    ("privileged", privileged),
                    ("capabilities", caps),
                    ("runAsNonRoot", non_root),
                    ("runAsUser", user),
                    ("seccompProfile", seccomp),
                    ("readOnlyRootFilesystem", rorf),
                ])
            })
            .prop_flat_map(|sc| field(vec![sc]))
    }

    fn containers(
        &self,
        prefix: &'static str,
        min: usize,
    ) -> impl Strategy<Value = Option<Value>> + use<> {
        prop::collection::vec(self.container(), min..3).prop_map(move |scs| {
            let list: Vec<Value> = scs
                .into_iter()
                .enumerate()
                .map(|(i, sc)| {
                    object(vec![
                        ("name", Some(json!(format!("{prefix}{i}")))),
                        (
                            "image",
                            Some(json!("registry.vdi.example.com/kasmweb/desktop:1.16.0")),
                        ),
                        ("securityContext", sc),
                    ])
                })
                .collect();
            (!list.is_empty()).then_some(Value::Array(list))
        })
    }

    fn spec(&self) -> impl Strategy<Value = Value> + use<> {
        let pod_sc = (
            self.pick(vec![json!(true)], vec![json!(false)]),
            self.pick(vec![json!(1000)], vec![json!(0)]),
            self.pick(
                vec![
                    json!({"type": "RuntimeDefault"}),
                    json!({"type": "Localhost", "localhostProfile": "vdi.json"}),
                ],
                vec![json!({"type": "Unconfined"})],
            ),
        )
            .prop_map(|(non_root, user, seccomp)| {
                object(vec![
                    ("runAsNonRoot", non_root),
                    ("runAsUser", user),
                    ("seccompProfile", seccomp),
                ])
            })
            .prop_flat_map(|sc| field(vec![sc]));
        (
            self.containers("c", 1),
            self.containers("i", 0),
            self.containers("e", 0),
            pod_sc,
            self.pick(vec![json!(false)], vec![json!(true)]),
            field(vec![json!({"name": "linux"}), json!({"name": "windows"})]),
            field(vec![json!(false), json!(true)]),
        )
            .prop_map(
                |(containers, init, ephemeral, sc, automount, os, host_users)| {
                    object(vec![
                        ("containers", containers),
                        ("initContainers", init),
                        ("ephemeralContainers", ephemeral),
                        ("securityContext", sc),
                        ("automountServiceAccountToken", automount),
                        ("os", os),
                        ("hostUsers", host_users),
                        ("volumes", Some(json!([{"name": "home", "emptyDir": {}}]))),
                    ])
                },
            )
    }
}

/// A pod spec that passes with any settings, built directly (not by the
/// mutator): each of seccompProfile and runAsNonRoot is set either on the
/// pod or on every container, so "unset on the pod" is common here.
fn passing_spec() -> impl Strategy<Value = Value> {
    let valid_seccomp = prop::sample::select(vec![
        json!({"type": "RuntimeDefault"}),
        json!({"type": "Localhost", "localhostProfile": "vdi.json"}),
    ]);
    (
        (1..3usize, 0..3usize, 0..2usize),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        valid_seccomp,
        prop::sample::select(vec![json!(["ALL"]), json!(["NET_RAW", "ALL"])]),
        any::<bool>(),
    )
        .prop_map(
            |((n, i, e), windows, user_namespace, seccomp_on_pod, non_root_on_pod, profile, drop, null_unset)| {
                let unset = || null_unset.then_some(Value::Null);
                let container = |name: String| {
                    let sc = object(vec![
                        ("allowPrivilegeEscalation", Some(json!(false))),
                        ("capabilities", Some(json!({"drop": drop, "add": ["NET_BIND_SERVICE"]}))),
                        ("readOnlyRootFilesystem", Some(json!(true))),
                        ("seccompProfile", if seccomp_on_pod { unset() } else { Some(profile.clone()) }),
                        ("runAsNonRoot", if non_root_on_pod { unset() } else { Some(json!(true)) }),
                    ]);
                    json!({"name": name, "image": "registry.vdi.example.com/kasmweb/desktop:1.16.0", "securityContext": sc})
                };
                let list = |prefix: &str, count: usize| {
                    let items: Vec<Value> = (0..count).map(|k| container(format!("{prefix}{k}"))).collect();
                    (count > 0).then_some(Value::Array(items))
                };
                let pod_sc = object(vec![
                    ("seccompProfile", if seccomp_on_pod { Some(profile.clone()) } else { unset() }),
                    ("runAsNonRoot", if non_root_on_pod { Some(json!(true)) } else { unset() }),
                ]);
                object(vec![
                    ("containers", list("c", n)),
                    ("initContainers", list("i", i)),
                    ("ephemeralContainers", list("e", e)),
                    ("securityContext", Some(pod_sc)),
                    ("automountServiceAccountToken", Some(json!(false))),
                    ("os", windows.then(|| json!({"name": "windows"}))),
                    ("hostUsers", user_namespace.then_some(json!(false))),
                ])
            },
        )
}

/// A workload of `kind` around `spec`, as the API server would send it.
fn workload(kind: &WorkloadKind, spec: Value) -> Value {
    let api_version = if kind.group.is_empty() {
        "v1".to_string()
    } else {
        format!("{}/{}", kind.group, kind.version)
    };
    let template = json!({"metadata": {"labels": {"app": "desktop"}}, "spec": spec});
    let body = match kind.kind {
        "Pod" => json!({"spec": template["spec"]}),
        "PodTemplate" => json!({"template": template}),
        "CronJob" => {
            json!({"spec": {"schedule": "0 2 * * *", "jobTemplate": {"spec": {"template": template}}}})
        }
        _ => json!({"spec": {"replicas": 1, "template": template}}),
    };
    let mut object = json!({"apiVersion": api_version, "kind": kind.kind, "metadata": {"name": "desktop", "namespace": "vdi"}});
    if let (Some(object), Value::Object(body)) = (object.as_object_mut(), body) {
        object.extend(body);
    }
    object
}

fn settings() -> impl Strategy<Value = Value> {
    (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(rorf, token, ptrace)| {
        json!({
            "requireReadOnlyRootFilesystem": rorf,
            "denyServiceAccountTokenAutomount": token,
            "allowedCapabilities": if ptrace { json!(["SYS_PTRACE"]) } else { json!([]) },
        })
    })
}

/// A kind and an operation a mutation applies to (a Pod UPDATE never gets
/// one; it is tested above).
fn target() -> impl Strategy<Value = (&'static WorkloadKind, &'static str)> {
    (
        prop::sample::select(WORKLOAD_KINDS.iter().collect::<Vec<_>>()),
        any::<bool>(),
    )
        .prop_map(|(kind, update)| {
            let operation = if update && kind.kind != "Pod" {
                "UPDATE"
            } else {
                "CREATE"
            };
            (kind, operation)
        })
}

/// The additions mutating mode may make: a secure value where the input had
/// none. Objects it creates may only hold such additions.
fn permitted_addition(key: &str, value: &Value) -> bool {
    match key {
        "seccompProfile" => *value == json!({"type": "RuntimeDefault"}),
        "runAsNonRoot" | "readOnlyRootFilesystem" => *value == json!(true),
        "allowPrivilegeEscalation" | "automountServiceAccountToken" => *value == json!(false),
        "drop" => *value == json!(["ALL"]),
        "securityContext" | "capabilities" => value
            .as_object()
            .is_some_and(|m| m.iter().all(|(k, v)| permitted_addition(k, v))),
        _ => false,
    }
}

/// `after` is `before` plus permitted additions: every value `before` holds
/// is still there, unchanged, and `ALL` is the one thing a list may gain.
fn only_tightens(key: &str, before: &Value, after: &Value, path: &str) -> Result<(), String> {
    match (before, after) {
        (Value::Null, after) if after.is_null() || permitted_addition(key, after) => Ok(()),
        (Value::Object(b), Value::Object(a)) => {
            for (k, bv) in b {
                let av = a.get(k).unwrap_or(&Value::Null);
                only_tightens(k, bv, av, &format!("{path}.{k}"))?;
            }
            for (k, av) in a {
                if !b.contains_key(k) && !permitted_addition(k, av) {
                    return Err(format!("{path}.{k}: added {av}"));
                }
            }
            Ok(())
        }
        (Value::Array(b), Value::Array(a)) if key == "drop" && a.len() == b.len() + 1 => {
            if a[..b.len()] == b[..] && a[b.len()] == "ALL" {
                Ok(())
            } else {
                Err(format!("{path}: {before} became {after}"))
            }
        }
        (Value::Array(b), Value::Array(a)) if a.len() == b.len() => b
            .iter()
            .zip(a)
            .enumerate()
            .try_for_each(|(i, (bv, av))| only_tightens(key, bv, av, &format!("{path}[{i}]"))),
        _ if before == after => Ok(()),
        _ => Err(format!("{path}: {before} became {after}")),
    }
}

fn decoded(settings: &Value) -> Settings {
    serde_json::from_value(settings.clone()).expect("generated settings decode")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 768, ..ProptestConfig::default() })]

    /// Idempotent, only tightening, and no patch for what already passes;
    /// in mutating mode the verdict is validate-only mode's verdict on the
    /// mutated object.
    #[test]
    fn mutation_only_fills_what_is_unset(
        spec in Palette { explicit: true }.spec(),
        (kind, operation) in target(),
        settings in settings(),
    ) {
        let original = workload(kind, spec);
        let mut mutated = original.clone();
        let changed = fill_in(&mut mutated, kind, &decoded(&with_mutate(settings.clone(), true)), &Scope::Pod);
        prop_assert_eq!(changed, mutated != original);

        let mut again = mutated.clone();
        prop_assert!(!fill_in(&mut again, kind, &decoded(&with_mutate(settings.clone(), true)), &Scope::Pod), "not idempotent: {}", mutated);
        prop_assert_eq!(&again, &mutated);

        if let Err(e) = only_tightens("", &original, &mutated, "") {
            return Err(TestCaseError::fail(format!("loosened {e}")));
        }

        let validate_only = answer(&request(&original, operation), &settings);
        let mutating = answer(&request(&original, operation), &with_mutate(settings.clone(), true));
        if validate_only == Outcome::Accept {
            prop_assert!(!changed, "a compliant object was patched: {}", original);
            prop_assert_eq!(mutating, Outcome::Accept);
        } else {
            let judged = answer(&request(&mutated, operation), &settings);
            match (&mutating, judged) {
                (Outcome::Mutate(object), Outcome::Accept) => prop_assert_eq!(object, &mutated),
                (Outcome::Reject(a), Outcome::Reject(b)) => prop_assert_eq!(a, &b),
                (m, j) => return Err(TestCaseError::fail(format!("mutating mode said {m:?}, the mutated object is judged {j:?}"))),
            }
        }
    }

    /// A pod that fails only on what it leaves unset is repaired: the mutated
    /// object passes validate-only mode, and mutating mode admits it.
    #[test]
    fn omissions_are_repaired(
        spec in Palette { explicit: false }.spec(),
        (kind, operation) in target(),
        settings in settings(),
    ) {
        let original = workload(kind, spec);
        let mut mutated = original.clone();
        fill_in(&mut mutated, kind, &decoded(&with_mutate(settings.clone(), true)), &Scope::Pod);
        prop_assert_eq!(answer(&request(&mutated, operation), &settings), Outcome::Accept, "{}", mutated);
        let mutating = answer(&request(&original, operation), &with_mutate(settings, true));
        prop_assert!(matches!(mutating, Outcome::Accept | Outcome::Mutate(_)), "{:?}", mutating);
    }

    /// Nothing to fill in on an object that already passes: no patch, so
    /// re-applying a compliant workload never rolls it out again.
    #[test]
    fn compliant_objects_get_no_patch(
        spec in passing_spec(),
        (kind, operation) in target(),
        settings in settings(),
    ) {
        let original = workload(kind, spec);
        prop_assert_eq!(answer(&request(&original, operation), &settings), Outcome::Accept, "generator: {}", original);
        let mut copy = original.clone();
        prop_assert!(!fill_in(&mut copy, kind, &decoded(&with_mutate(settings.clone(), true)), &Scope::Pod), "patched {}", original);
        prop_assert_eq!(answer(&request(&original, operation), &with_mutate(settings, true)), Outcome::Accept);
    }
}

//! Property tests: `validate` answers every input with a verdict (a panic
//! would trap the module); whatever it admits grants no wildcard, denied
//! verb, sensitive grant or impersonation, and binds no one it must not;
//! equivalent spellings of one role or binding get the same verdict; the
//! settings parsers round-trip.

mod common;

use common::{answer, judge, payload, request};
use proptest::prelude::*;
use rbac_least_privilege::grants::Grant;
use rbac_least_privilege::names::RolePattern;
use rbac_least_privilege::subjects::{Identity, parse_setting};
use serde_json::{Value, json};

fn pick(options: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(options).prop_map(str::to_string)
}

fn verb() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => pick(&["get", "list", "watch", "create", "update", "patch", "delete"]),
        1 => pick(&["*", "escalate", "bind", "impersonate", "Escalate", "BIND", "get*", " *",
                    "impersonate:user-info", "impersonate:serviceaccount", "impersonate-on:user-info:get"]),
        1 => "\\PC{0,6}",
    ]
}

fn group() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => pick(&["", "vdi.kasm.io", "apps", "traefik.io", "authentication.k8s.io"]),
        1 => pick(&["*", "*.kasm.io", "Apps"]),
    ]
}

fn resource() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => pick(&["pods", "services", "vdisessions", "configmaps", "deployments", "users", "groups"]),
        2 => pick(&["pods/exec", "pods/attach", "nodes/proxy", "serviceaccounts/token", "serviceaccounts",
                    "pods/log", "deployments/scale", "Pods/Exec"]),
        1 => pick(&["*", "*/scale", "pods/*", "vdi*", "*/"]),
        1 => "\\PC{0,8}",
    ]
}

fn url() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => pick(&["/metrics", "/healthz", "/version"]),
        1 => pick(&["*", "/debug/*", "/api*", "**", "*/x"]),
    ]
}

fn list(item: impl Strategy<Value = String>) -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => prop::collection::vec(item, 0..4).prop_map(|v| json!(v)),
        1 => Just(Value::Null),
        1 => Just(json!("*")),
    ]
}

fn rule() -> impl Strategy<Value = Value> {
    prop_oneof![
        12 => (list(verb()), list(group()), list(resource()), list("\\PC{0,8}"), list(url()))
            .prop_map(|(verbs, api_groups, resources, names, urls)| json!({
                "verbs": verbs, "apiGroups": api_groups, "resources": resources,
                "resourceNames": names, "nonResourceURLs": urls,
            })),
        1 => Just(json!("*")),
        1 => Just(Value::Null),
        1 => Just(json!([])),
    ]
}

fn role_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => pick(&["vdi-operator", "qlkube-impersonator", "vdi-support"]),
        1 => pick(&["cluster-admin", "system:node", "System:node", "admin"]),
        1 => "\\PC{0,10}",
    ]
}

fn role() -> impl Strategy<Value = (Value, bool)> {
    (
        any::<bool>(),
        role_name(),
        prop_oneof![8 => prop::collection::vec(rule(), 0..5).prop_map(Value::from), 1 => Just(Value::Null), 1 => Just(json!({}))],
        any::<bool>(),
    )
        .prop_map(|(cluster, name, rules, aggregated)| {
            let mut role = json!({
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": if cluster { "ClusterRole" } else { "Role" },
                "metadata": {"name": name, "namespace": if cluster { Value::Null } else { json!("vdi") }},
                "rules": rules,
            });
            if aggregated {
                role["aggregationRule"] = json!({"clusterRoleSelectors": []});
            }
            (role, cluster)
        })
}

const EVERYONE: &[&str] = &[
    "system:anonymous",
    "system:authenticated",
    "system:unauthenticated",
];

const SETTINGS: &str = r#"{"impersonatorRoles": ["qlkube-impersonator"]}"#;

fn settings() -> Value {
    serde_json::from_str(SETTINGS).unwrap_or(Value::Null)
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|v| v.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn is_exempt(name: &str, cluster: bool) -> bool {
    cluster
        && (["cluster-admin", "admin", "edit", "view"].contains(&name)
            || name.starts_with("system:"))
}

const SENSITIVE: &[(&str, &str)] = &[
    ("create", "serviceaccounts/token"),
    ("create", "pods/exec"),
    ("get", "pods/exec"),
    ("create", "pods/attach"),
    ("get", "pods/attach"),
];

/// What an admitted rule may not contain.
fn admitted_rule_is_least_privilege(rule: &Value, impersonator: bool) -> Result<(), String> {
    let verbs = strings(&rule["verbs"]);
    let groups = strings(&rule["apiGroups"]);
    let resources = strings(&rule["resources"]);
    for field in ["verbs", "apiGroups", "resources", "nonResourceURLs"] {
        if strings(&rule[field]).iter().any(|v| v.contains('*')) {
            return Err(format!("a * in {field}"));
        }
    }
    if verbs.iter().any(|v| *v == "escalate" || *v == "bind") {
        return Err("a denied verb".into());
    }
    if groups.contains(&"") {
        for (verb, resource) in SENSITIVE {
            if verbs.contains(verb) && resources.contains(resource) {
                return Err(format!("{verb} {resource}"));
            }
        }
        if !verbs.is_empty() && resources.contains(&"nodes/proxy") {
            return Err("nodes/proxy".into());
        }
    }
    let impersonates = verbs.iter().any(|v| {
        *v == "impersonate" || v.starts_with("impersonate:") || v.starts_with("impersonate-on:")
    });
    if impersonates && (!impersonator || resources.contains(&"serviceaccounts")) {
        return Err("impersonation".into());
    }
    if impersonates && resources.contains(&"groups") {
        let names = strings(&rule["resourceNames"]);
        if names.is_empty() || names.contains(&"system:masters") {
            return Err("group impersonation".into());
        }
    }
    Ok(())
}

fn binding_subject() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => (pick(&["User", "Group"]), pick(&["oidc:alice", "oidc:vdi-users", "system:masters",
                "system:authenticated", "system:unauthenticated", "system:anonymous", "oidc:vdi-platform-admins"]))
            .prop_map(|(kind, name)| json!({"kind": kind, "apiGroup": "rbac.authorization.k8s.io", "name": name})),
        2 => (pick(&["vdi-system", "kube-system"]), pick(&["vdi-operator", "helm-traefik"]))
            .prop_map(|(ns, name)| json!({"kind": "ServiceAccount", "namespace": ns, "name": name})),
        1 => ("\\PC{0,8}", "\\PC{0,8}").prop_map(|(kind, name)| json!({"kind": kind, "name": name})),
        1 => Just(json!("system:authenticated")),
    ]
}

/// Rules a least-privilege role is made of.
fn clean_rule() -> impl Strategy<Value = Value> {
    (
        prop::sample::subsequence(&["get", "list", "watch", "create", "update", "patch", "delete"][..], 1..4),
        prop::sample::subsequence(&["", "vdi.kasm.io", "apps", "traefik.io"][..], 1..3),
        prop::sample::subsequence(&["pods", "services", "vdisessions", "deployments", "configmaps", "pods/log", "ingressroutes"][..], 1..4),
    )
        .prop_map(|(verbs, groups, resources)| json!({"verbs": verbs, "apiGroups": groups, "resources": resources}))
}

/// One rule added to a clean role, and whether it breaks least privilege.
const POISON: &[(&str, bool)] = &[
    (
        r#"{"verbs": ["*"], "apiGroups": [""], "resources": ["pods"]}"#,
        true,
    ),
    (
        r#"{"verbs": ["get"], "apiGroups": ["*"], "resources": ["pods"]}"#,
        true,
    ),
    (
        r#"{"verbs": ["get"], "apiGroups": [""], "resources": ["*"]}"#,
        true,
    ),
    (
        r#"{"verbs": ["get"], "apiGroups": ["apps"], "resources": ["*/scale"]}"#,
        true,
    ),
    (
        r#"{"verbs": ["get"], "apiGroups": [""], "resources": ["pods/*"]}"#,
        true,
    ),
    (
        r#"{"verbs": ["get"], "nonResourceURLs": ["/debug/*"]}"#,
        true,
    ),
    (r#"{"verbs": ["get"], "nonResourceURLs": ["*"]}"#, true),
    (
        r#"{"verbs": ["escalate"], "apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"]}"#,
        true,
    ),
    (
        r#"{"verbs": ["bind"], "apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles"]}"#,
        true,
    ),
    (
        r#"{"verbs": ["create"], "apiGroups": [""], "resources": ["serviceaccounts/token"]}"#,
        true,
    ),
    (
        r#"{"verbs": ["get"], "apiGroups": [""], "resources": ["nodes/proxy"]}"#,
        true,
    ),
    (
        r#"{"verbs": ["get"], "apiGroups": [""], "resources": ["pods/exec"]}"#,
        true,
    ),
    (
        r#"{"verbs": ["create"], "apiGroups": [""], "resources": ["pods/attach"]}"#,
        true,
    ),
    (
        r#"{"verbs": ["impersonate"], "apiGroups": [""], "resources": ["users"]}"#,
        true,
    ),
    (
        r#"{"verbs": ["impersonate:user-info"], "apiGroups": ["authentication.k8s.io"], "resources": ["users"]}"#,
        true,
    ),
    (
        r#"{"verbs": ["Escalate", "BIND"], "apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"]}"#,
        false,
    ),
    (
        r#"{"verbs": ["Create", "GET"], "apiGroups": [""], "resources": ["pods/exec"]}"#,
        false,
    ),
    (
        r#"{"verbs": ["create"], "apiGroups": [""], "resources": ["Pods/Exec", "NODES/proxy"]}"#,
        false,
    ),
    (
        r#"{"verbs": ["create"], "apiGroups": ["apps"], "resources": ["pods/exec"]}"#,
        false,
    ),
    (
        r#"{"verbs": ["watch"], "apiGroups": [""], "resources": ["pods/exec", "serviceaccounts/token"]}"#,
        false,
    ),
    (
        r#"{"verbs": ["get"], "apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["*"]}"#,
        false,
    ),
    (
        r#"{"verbs": ["get"], "nonResourceURLs": ["/metrics", "/healthz"]}"#,
        false,
    ),
    (
        r#"{"verbs": ["Impersonate"], "apiGroups": [""], "resources": ["users", "serviceaccounts"]}"#,
        false,
    ),
    (
        r#"{"verbs": null, "apiGroups": [""], "resources": ["pods/exec"]}"#,
        false,
    ),
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_get_a_verdict(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let (accepted, _) = answer(&bytes);
        prop_assert!(!accepted);
    }

    #[test]
    fn arbitrary_objects_under_a_valid_envelope_get_a_verdict(
        kind in pick(&["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "Pod"]),
        operation in pick(&["CREATE", "UPDATE", "DELETE", "CONNECT"]),
        object in prop_oneof![Just(Value::Null), Just(json!([])), Just(json!("x")), "\\PC{0,20}".prop_map(|s| json!({"rules": s})), Just(json!({"subjects": {}}))],
    ) {
        let body = json!({"request": {
            "kind": {"group": "rbac.authorization.k8s.io", "version": "v1", "kind": kind},
            "operation": operation, "object": object, "oldObject": object,
        }, "settings": {}});
        answer(body.to_string().as_bytes());
    }

    #[test]
    fn admitted_roles_grant_least_privilege(
        (role, cluster) in role(),
        user in pick(&["oidc:alice", "system:serviceaccount:kube-system:clusterrole-aggregation-controller"]),
    ) {
        let (accepted, message) = judge(&role, "CREATE", &user, &settings());
        prop_assert_eq!(accepted, message.is_empty());
        let name = role["metadata"]["name"].as_str().unwrap_or_default();
        let controller_wrote_aggregate = cluster
            && role.get("aggregationRule").is_some()
            && user.ends_with("clusterrole-aggregation-controller");
        if accepted && !is_exempt(name, cluster) && !controller_wrote_aggregate {
            let impersonator = cluster && name == "qlkube-impersonator";
            let rules = role["rules"].as_array().cloned().unwrap_or_default();
            for rule in &rules {
                prop_assert!(rule.is_object(), "admitted a rule that is not an object: {}", role);
                if let Err(why) = admitted_rule_is_least_privilege(rule, impersonator) {
                    prop_assert!(false, "admitted {}: {}", why, role);
                }
            }
        }
    }

    #[test]
    fn rule_order_and_escaped_spellings_do_not_change_the_verdict((role, _) in role()) {
        let (accepted, _) = judge(&role, "CREATE", "oidc:alice", &settings());
        let mut reversed = role.clone();
        if let Some(rules) = reversed["rules"].as_array_mut() {
            rules.reverse();
        }
        prop_assert_eq!(judge(&reversed, "CREATE", "oidc:alice", &settings()).0, accepted);
        // JSON escapes of every character of every string decode to the same text.
        let text = serde_json::to_string(&request(&role, "CREATE", "oidc:alice")).unwrap_or_default();
        // Splitting at quotes finds the strings only when none holds an escape.
        prop_assume!(!text.contains('\\'));
        let escaped: String = text
            .split('"')
            .enumerate()
            .map(|(i, part)| {
                if i % 2 == 1 && part.chars().all(|c| c.is_ascii_alphanumeric() || "*:/.-".contains(c)) {
                    part.chars().map(|c| format!("\\u{:04x}", c as u32)).collect()
                } else {
                    part.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\"");
        let body = format!(r#"{{"request": {escaped}, "settings": {SETTINGS}}}"#);
        prop_assert_eq!(answer(body.as_bytes()).0, accepted);
    }

    #[test]
    fn null_absent_and_empty_lists_are_one_meaning(
        field in pick(&["rules", "verbs", "apiGroups", "resources", "resourceNames", "nonResourceURLs"]),
    ) {
        let spell = |value: Option<Value>| {
            let mut role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": "vdi-x"},
                "rules": [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}]});
            let target = if field == "rules" { &mut role } else { &mut role["rules"][0] };
            match value {
                Some(v) => target[field.as_str()] = v,
                None => { if let Some(map) = target.as_object_mut() { map.remove(field.as_str()); } }
            }
            judge(&role, "CREATE", "oidc:alice", &json!({}))
        };
        let empty = spell(Some(json!([])));
        prop_assert_eq!(spell(Some(Value::Null)), empty.clone());
        prop_assert_eq!(spell(None), empty);
    }

    #[test]
    fn admitted_bindings_bind_no_one_they_must_not(
        subjects in prop::collection::vec(binding_subject(), 0..4),
        role_kind in pick(&["ClusterRole", "Role"]),
        role_name in pick(&["cluster-admin", "view", "vdi-operator", "system:discovery"]),
        cluster in any::<bool>(),
        name in pick(&["system:discovery", "vdi-binding"]),
    ) {
        let binding = json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": if cluster { "ClusterRoleBinding" } else { "RoleBinding" },
            "metadata": {"name": name, "namespace": if cluster { Value::Null } else { json!("vdi") }},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role_name},
            "subjects": subjects,
        });
        let settings = json!({"allowedBindingSubjects": ["Group:system:masters", "ServiceAccount:kube-system:helm-traefik"]});
        let (accepted, message) = judge(&binding, "CREATE", "kubernetes-admin", &settings);
        prop_assert_eq!(accepted, message.is_empty());
        if accepted {
            prop_assert!(!(cluster && role_kind == "Role"));
            let builtin = cluster && name == "system:discovery" && role_name == "system:discovery" && role_kind == "ClusterRole";
            for s in &subjects {
                let subject_name = s["name"].as_str().unwrap_or_default();
                prop_assert!(["User", "Group", "ServiceAccount"].contains(&s["kind"].as_str().unwrap_or_default()));
                if !(builtin && s["kind"] == "Group" && subject_name == "system:authenticated") {
                    prop_assert!(!EVERYONE.contains(&subject_name), "{}", binding);
                }
                if role_kind == "ClusterRole" && role_name == "cluster-admin" {
                    let allowed = (s["kind"] == "Group" && subject_name == "system:masters")
                        || (s["kind"] == "ServiceAccount" && subject_name == "helm-traefik" && s["namespace"] == "kube-system");
                    prop_assert!(allowed, "{}", binding);
                }
            }
        }
    }

    /// A clean role with one added rule is rejected exactly when that rule
    /// breaks least privilege, and the message names that rule.
    #[test]
    fn one_added_rule_decides_the_verdict(
        clean in prop::collection::vec(clean_rule(), 0..5),
        poison in 0..POISON.len(),
        position in any::<prop::sample::Index>(),
        cluster in any::<bool>(),
        name in pick(&["vdi-operator", "vdi-support", "qlkube"]),
    ) {
        let (rule, harmful) = POISON[poison];
        let mut rules = clean;
        let at = position.index(rules.len() + 1);
        rules.insert(at, serde_json::from_str(rule).map_err(|e| TestCaseError::fail(e.to_string()))?);
        let role = json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": if cluster { "ClusterRole" } else { "Role" },
            "metadata": {"name": name, "namespace": if cluster { Value::Null } else { json!("vdi") }},
            "rules": rules,
        });
        let (accepted, message) = judge(&role, "CREATE", "oidc:alice", &json!({}));
        prop_assert_eq!(accepted, !harmful, "{}: {}", rule, message);
        if harmful {
            prop_assert!(message.contains(&format!("rules[{at}]")), "{}", message);
            prop_assert_eq!(message.matches("rules[").count(), 1, "{}", message);
        }
    }

    /// A binding of clean subjects plus one more is rejected exactly when
    /// that subject is everyone, or not allowed to hold the protected role.
    #[test]
    fn one_added_subject_decides_the_verdict(
        clean in prop::collection::vec(pick(&["oidc:alice", "oidc:vdi-users"]), 0..3),
        extra in pick(&["oidc:bob", "system:authenticated", "system:unauthenticated", "system:anonymous", "system:masters"]),
        as_group in any::<bool>(),
        protected in any::<bool>(),
    ) {
        let mut subjects: Vec<Value> = clean.iter().map(|n| json!({"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": n})).collect();
        subjects.push(json!({"kind": if as_group { "Group" } else { "User" }, "apiGroup": "rbac.authorization.k8s.io", "name": extra}));
        let binding = json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": "vdi-binding"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "vdi-sessions"},
            "subjects": subjects,
        });
        let mut settings = json!({"allowedBindingSubjects": ["Group:oidc:alice", "Group:oidc:vdi-users", "Group:system:masters"]});
        if protected {
            settings["protectedRoles"] = json!(["vdi-sessions"]);
        }
        let (accepted, message) = judge(&binding, "CREATE", "kubernetes-admin", &settings);
        let everyone = EVERYONE.contains(&extra.as_str());
        let allowed = as_group && extra == "system:masters";
        let expected = !everyone && (!protected || allowed);
        prop_assert_eq!(accepted, expected, "{}", message);
        if !expected {
            prop_assert!(message.contains(&format!("subjects[{}]", clean.len())), "{}", message);
        }
    }

    #[test]
    fn role_patterns_round_trip(text in "([a-z0-9-]{1,8}/)?[a-z0-9:.-]{1,12}") {
        if let Ok(pattern) = RolePattern::parse(&text) {
            prop_assert_eq!(RolePattern::parse(&pattern.to_string()), Ok(pattern));
        }
    }

    #[test]
    fn grants_round_trip(
        verb in prop_oneof![Just("*".to_string()), "[a-z]{1,8}"],
        resource in "[a-z]{1,8}", group in prop::option::of("[a-z]{1,5}(\\.[a-z]{1,5})?"), sub in prop::option::of("[a-z]{1,6}"),
    ) {
        let mut text = format!("{verb} {resource}");
        if let Some(group) = group { text = format!("{text}.{group}"); }
        if let Some(sub) = sub { text = format!("{text}/{sub}"); }
        let grant = Grant::parse(&text).map_err(TestCaseError::fail)?;
        prop_assert_eq!(grant.to_string(), text.clone());
        prop_assert_eq!(Grant::parse(&grant.to_string()), Ok(grant));
    }

    #[test]
    fn subject_settings_round_trip(kind in pick(&["User", "Group"]), name in "[a-z][a-z0-9:@.-]{0,20}", ns in "[a-z]{1,8}", sa in "[a-z]{1,8}") {
        if let Ok(identity) = parse_setting(&format!("{kind}:{name}")) {
            prop_assert_eq!(parse_setting(&identity.setting()), Ok(identity));
        }
        let identity = Identity::service_account(&ns, &sa);
        prop_assert_eq!(parse_setting(&identity.setting()), Ok(identity.clone()));
        prop_assert_eq!(parse_setting(&format!("User:system:serviceaccount:{ns}:{sa}")), Ok(identity));
    }
}

#[test]
fn payload_helpers_build_what_the_api_server_sends() {
    let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r", "namespace": "vdi"}});
    let body: Value = serde_json::from_slice(&payload(&request(&role, "UPDATE", "u"), &json!({})))
        .unwrap_or_default();
    assert_eq!(body["request"]["namespace"], "vdi");
    assert_eq!(body["request"]["oldObject"], role);
}

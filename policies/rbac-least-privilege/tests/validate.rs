//! Native, table-driven tests of the verdicts and their messages.

mod common;

use common::{create, fixture, judge};
use rstest::rstest;
use serde_json::{Value, json};

#[test]
fn the_seed_operator_role_is_accepted() {
    assert_eq!(
        create(&fixture("clusterrole-vdi-operator.yaml")),
        (true, String::new())
    );
}

/// Every list of every rule of the seed role, turned into `["*"]`, is
/// rejected with the rule, the field and the fix; the rest of the role is
/// not reported.
#[rstest]
fn any_one_list_turned_into_a_wildcard_is_rejected(
    #[values(0, 1, 2)] rule: usize,
    #[values("apiGroups", "resources", "verbs")] field: &str,
) {
    let mut role = fixture("clusterrole-vdi-operator.yaml");
    role["rules"][rule][field] = json!(["*"]);
    let (accepted, message) = create(&role);
    assert!(!accepted);
    assert!(
        message.starts_with(&format!(
            "ClusterRole \"vdi-operator\" grants more than least privilege: rules[{rule}].{field}[0] \"*\" "
        )),
        "{message}"
    );
    assert_eq!(message.matches("rules[").count(), 1, "{message}");
}

#[test]
fn every_rule_is_judged_and_reported() {
    let mut role = fixture("clusterrole-vdi-operator.yaml");
    for rule in 0..3 {
        role["rules"][rule]["verbs"] = json!(["get", "*"]);
    }
    let (_, message) = create(&role);
    for rule in 0..3 {
        assert!(
            message.contains(&format!("rules[{rule}].verbs[1] \"*\"")),
            "{message}"
        );
    }
}

#[test]
fn a_wildcard_message_reads_whole() {
    let (_, message) = create(&fixture("clusterrole-vdi-operator-rule1-verbs-star.yaml"));
    assert_eq!(
        message,
        "ClusterRole \"vdi-operator\" grants more than least privilege: rules[1].verbs[0] \"*\" grants every verb, escalate, bind and impersonate included; list the verbs the role needs"
    );
}

#[test]
fn a_sensitive_grant_message_reads_whole() {
    let (_, message) = create(&fixture("role-session-exec.yaml"));
    assert_eq!(
        message,
        "Role \"vdi-helpdesk\" in namespace \"vdi\" grants more than least privilege: rules[1] grants \"create\", \"get\" on \"pods/exec\" (resources[0]), which runs commands in the pods' containers (over WebSocket a GET is enough before Kubernetes 1.35); remove it (a role that must keep it belongs in exemptRoles)"
    );
}

#[test]
fn a_protected_binding_message_reads_whole() {
    let (_, message) = create(&fixture("crb-cluster-admin-bob.yaml"));
    assert_eq!(
        message,
        "ClusterRoleBinding \"bob-cluster-admin\" of ClusterRole \"cluster-admin\" breaks least privilege: subjects[0] User \"oidc:bob\" may not hold the protected ClusterRole \"cluster-admin\" (protectedRoles); bind a least-privilege role instead, or add \"User:oidc:bob\" to allowedBindingSubjects"
    );
}

#[rstest]
#[case::session_reader("role-session-reader.yaml")]
#[case::named_scale("clusterrole-scale-deployments.yaml")]
#[case::listed_subresources("role-pods-and-logs.yaml")]
#[case::exact_urls("clusterrole-metrics-reader.yaml")]
#[case::resource_names_star("role-resourcenames-star.yaml")]
#[case::case_variants("clusterrole-role-manager-case-variants.yaml")]
#[case::node_metrics("clusterrole-node-metrics.yaml")]
#[case::rules_null("clusterrole-rules-null.yaml")]
#[case::cluster_admin("clusterrole-cluster-admin.yaml")]
#[case::system_prefix("clusterrole-system-aggregate-to-edit.yaml")]
#[case::aggregate_empty("clusterrole-vdi-aggregate-empty.yaml")]
#[case::builtin_binding("crb-cluster-admin.yaml")]
#[case::builtin_public("crb-system-public-info-viewer.yaml")]
#[case::builtin_discovery("crb-system-discovery.yaml")]
#[case::operator_binding("crb-vdi-operator.yaml")]
#[case::readers_binding("rb-session-reader-users.yaml")]
#[case::nobody_bound("crb-subjects-null.yaml")]
fn accepted_with_defaults(#[case] file: &str) {
    let (accepted, message) = create(&fixture(file));
    assert!(accepted, "{file}: {message}");
}

#[rstest]
#[case::subresource_wildcard(
    "clusterrole-scale-every-resource.yaml",
    r#"rules[0].resources[0] "*/scale" grants the "scale" subresource of every resource"#
)]
#[case::slash_star(
    "role-pods-all-subresources.yaml",
    r#"rules[0].resources[1] "pods/*" reads as every subresource of "pods""#
)]
#[case::url_glob(
    "clusterrole-debug-glob.yaml",
    r#"rules[0].nonResourceURLs[1] "/debug/*" matches every URL that starts with "/debug/""#
)]
#[case::url_star(
    "clusterrole-nonresource-all.yaml",
    r#"rules[0].nonResourceURLs[0] "*" matches every non-resource URL"#
)]
#[case::escalate(
    "clusterrole-role-manager-escalate.yaml",
    r#"rules[1].verbs[1] "escalate" lets the holder write roles"#
)]
#[case::bind(
    "clusterrole-role-manager-escalate.yaml",
    r#"rules[1].verbs[0] "bind" lets the holder bind roles"#
)]
#[case::token(
    "role-token-minter.yaml",
    r#"rules[0] grants "create" on "serviceaccounts/token" (resources[1])"#
)]
#[case::node_proxy(
    "clusterrole-node-proxy.yaml",
    r#"rules[0] grants "get", "list", "watch" on "nodes/proxy" (resources[3])"#
)]
#[case::attach(
    "role-session-attach-get.yaml",
    r#"rules[0] grants "get" on "pods/attach""#
)]
#[case::impersonate(
    "clusterrole-support-impersonate.yaml",
    r#"rules[1].verbs[0] "impersonate" lets the holder act as other users"#
)]
#[case::lookalikes(
    "clusterrole-star-lookalikes.yaml",
    r#"rules[0].apiGroups[0] "*.kasm.io" contains "*", which RBAC does not expand there"#
)]
#[case::padded(
    "clusterrole-padded-star.yaml",
    r#"rules[0].verbs[0] " *" contains "*""#
)]
#[case::role_named_cluster_admin(
    "role-named-cluster-admin.yaml",
    r#"Role "cluster-admin" in namespace "vdi" grants more than least privilege"#
)]
#[case::system_case(
    "clusterrole-system-case-spoof.yaml",
    r#"ClusterRole "System:vdi-operator""#
)]
#[case::rule_string(
    "clusterrole-rule-string.yaml",
    r#"invalid type: string "*", expected an object"#
)]
#[case::verbs_string("clusterrole-verbs-string.yaml", "expected a sequence")]
#[case::everyone_view(
    "crb-view-authenticated.yaml",
    r#"subjects[1] Group "system:authenticated" is the"#
)]
#[case::unauthenticated(
    "crb-unauthenticated.yaml",
    r#"subjects[0] Group "system:unauthenticated""#
)]
#[case::anonymous("rb-anonymous.yaml", r#"subjects[0] User "system:anonymous""#)]
#[case::spoofed_builtin(
    "crb-system-discovery-cluster-admin.yaml",
    r#"may not hold the protected ClusterRole "cluster-admin""#
)]
#[case::rolebinding_builtin_name(
    "rb-system-basic-user-authenticated.yaml",
    r#"subjects[0] Group "system:authenticated""#
)]
#[case::kind_case(
    "crb-subject-kind-lowercase.yaml",
    r#"kind "user" of "oidc:alice" is not User, Group or ServiceAccount"#
)]
#[case::crb_of_role(
    "crb-roleref-role.yaml",
    "a ClusterRoleBinding can only bind a ClusterRole"
)]
#[case::no_roleref("crb-no-roleref.yaml", "it has no roleRef")]
#[case::other_group(
    "crb-roleref-other-group.yaml",
    r#"roleRef.apiGroup "rbac.example.com""#
)]
#[case::sa_no_namespace(
    "crb-sa-no-namespace.yaml",
    r#"ServiceAccount "vdi-operator" has no namespace"#
)]
#[case::group_api_group("crb-group-wrong-apigroup.yaml", r#"has apiGroup "v1""#)]
#[case::cluster_admin_in_namespace(
    "rb-cluster-admin-operator.yaml",
    r#"ServiceAccount "vdi-system/vdi-operator" may not hold"#
)]
fn rejected_with_defaults(#[case] file: &str, #[case] fragment: &str) {
    let (accepted, message) = create(&fixture(file));
    assert!(!accepted, "{file} was accepted");
    assert!(message.contains(fragment), "{file}: {message}");
}

fn impersonator() -> Value {
    json!({"impersonatorRoles": ["qlkube-impersonator"]})
}

#[rstest]
#[case::qlkube("clusterrole-qlkube-impersonator.yaml", None)]
#[case::constrained("clusterrole-qlkube-constrained.yaml", None)]
#[case::serviceaccounts(
    "clusterrole-qlkube-impersonator-serviceaccounts.yaml",
    Some(r#"rules[0].resources[1] "serviceaccounts" with "impersonate""#)
)]
#[case::any_group(
    "clusterrole-qlkube-impersonator-any-group.yaml",
    Some("and no resourceNames lets the holder claim any group")
)]
#[case::masters(
    "clusterrole-qlkube-impersonator-masters.yaml",
    Some(r#"rules[1].resourceNames[1] "system:masters""#)
)]
#[case::constrained_sa(
    "clusterrole-qlkube-constrained-serviceaccount.yaml",
    Some(r#""impersonate:serviceaccount" impersonates ServiceAccounts"#)
)]
fn the_impersonator_role(#[case] file: &str, #[case] fragment: Option<&str>) {
    let (accepted, message) = judge(
        &fixture(file),
        "CREATE",
        "kubernetes-admin",
        &impersonator(),
    );
    match fragment {
        None => assert!(accepted, "{file}: {message}"),
        Some(fragment) => {
            assert!(!accepted, "{file} was accepted");
            assert!(message.contains(fragment), "{file}: {message}");
        }
    }
}

const CONTROLLER: &str = "system:serviceaccount:kube-system:clusterrole-aggregation-controller";

#[rstest]
#[case::controller_aggregate("clusterrole-vdi-aggregate.yaml", CONTROLLER, true)]
#[case::other_user_aggregate("clusterrole-vdi-aggregate.yaml", "oidc:alice", false)]
#[case::controller_plain_role("clusterrole-support-plain-exec.yaml", CONTROLLER, false)]
#[case::other_user_wildcard(
    "clusterrole-vdi-aggregate-wildcard.yaml",
    "oidc:platform-admin",
    false
)]
fn aggregated_roles_by_requester(#[case] file: &str, #[case] user: &str, #[case] accepted: bool) {
    let (got, message) = judge(&fixture(file), "UPDATE", user, &json!({}));
    assert_eq!(got, accepted, "{file} by {user}: {message}");
}

#[test]
fn allowed_subjects_match_either_spelling_of_a_service_account() {
    for allowed in [
        "ServiceAccount:kube-system:helm-traefik",
        "User:system:serviceaccount:kube-system:helm-traefik",
    ] {
        let settings = json!({"allowedBindingSubjects": [allowed]});
        for file in [
            "crb-cluster-admin-helm-sa.yaml",
            "crb-cluster-admin-helm-sa-as-user.yaml",
        ] {
            let (accepted, message) =
                judge(&fixture(file), "CREATE", "kubernetes-admin", &settings);
            assert!(accepted, "{file} with {allowed}: {message}");
        }
    }
}

#[test]
fn a_huge_value_is_quoted_cut() {
    let mut role = fixture("clusterrole-vdi-operator.yaml");
    role["rules"][0]["resources"][0] = json!(format!("{}*", "a".repeat(1 << 20)));
    let (accepted, message) = create(&role);
    assert!(!accepted);
    assert!(message.len() < 1000, "{} bytes", message.len());
    assert!(message.contains("… (1048577 characters)"), "{message}");
}

#[test]
fn settings_that_fail_validation_reject_the_request() {
    let (accepted, message) = judge(
        &fixture("role-session-reader.yaml"),
        "CREATE",
        "kubernetes-admin",
        &json!({"deniedVerbs": ["Escalate"]}),
    );
    assert!(!accepted);
    assert!(
        message.starts_with("the policy settings are invalid: deniedVerbs[0]"),
        "{message}"
    );
}

#[test]
fn an_update_is_judged_on_the_object_it_writes() {
    let good = fixture("clusterrole-vdi-operator.yaml");
    let bad = fixture("clusterrole-vdi-operator-rule2-verbs-star.yaml");
    let mut request = common::request(&good, "UPDATE", "kubernetes-admin");
    request["oldObject"] = bad.clone();
    assert!(common::answer(&common::payload(&request, &json!({}))).0);
    let mut request = common::request(&bad, "UPDATE", "kubernetes-admin");
    request["oldObject"] = good;
    assert!(!common::answer(&common::payload(&request, &json!({}))).0);
}

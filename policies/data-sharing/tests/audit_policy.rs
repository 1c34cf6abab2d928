//! `deploy/audit/vdi-audit-policy.yaml`, read as the API server reads it:
//! the fields of `audit.k8s.io/v1` `Policy` (an unknown field fails here, so
//! a misspelt selector cannot silently widen or drop a rule), and the level of a request is
//! the level of the FIRST rule that matches it — the matcher below follows
//! the API server's (`k8s.io/apiserver/pkg/audit/policy/checker.go`).

use std::path::PathBuf;

use rstest::rstest;
use serde::Deserialize;

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Policy {
    api_version: String,
    kind: String,
    #[serde(default)]
    omit_stages: Vec<Stage>,
    #[serde(default)]
    omit_managed_fields: bool,
    rules: Vec<Rule>,
}

#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    RequestReceived,
    ResponseStarted,
    ResponseComplete,
    Panic,
}

#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    None,
    Metadata,
    Request,
    RequestResponse,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Rule {
    level: Level,
    #[serde(default)]
    users: Vec<String>,
    #[serde(default)]
    user_groups: Vec<String>,
    #[serde(default)]
    verbs: Vec<String>,
    #[serde(default)]
    resources: Vec<GroupResources>,
    #[serde(default)]
    namespaces: Vec<String>,
    #[serde(default, rename = "nonResourceURLs")]
    non_resource_urls: Vec<String>,
    #[serde(default)]
    omit_stages: Vec<Stage>,
    #[serde(default)]
    omit_managed_fields: Option<bool>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GroupResources {
    #[serde(default)]
    group: String,
    #[serde(default)]
    resources: Vec<String>,
    #[serde(default)]
    resource_names: Vec<String>,
}

/// The request attributes the API server matches rules on.
struct Attrs<'a> {
    user: &'a str,
    groups: &'a [&'a str],
    verb: &'a str,
    target: Target<'a>,
}

enum Target<'a> {
    Resource {
        group: &'a str,
        resource: &'a str,
        subresource: &'a str,
        namespace: &'a str,
        name: &'a str,
    },
    Path(&'a str),
}

fn rule_matches(rule: &Rule, a: &Attrs<'_>) -> bool {
    if !rule.users.is_empty() && !rule.users.iter().any(|u| u == a.user) {
        return false;
    }
    if !rule.user_groups.is_empty()
        && !a
            .groups
            .iter()
            .any(|g| rule.user_groups.iter().any(|r| r == g))
    {
        return false;
    }
    if !rule.verbs.is_empty() && !rule.verbs.iter().any(|v| v == a.verb) {
        return false;
    }
    if !rule.namespaces.is_empty() || !rule.resources.is_empty() {
        return resource_matches(rule, a);
    }
    if !rule.non_resource_urls.is_empty() {
        return match a.target {
            Target::Path(path) => rule
                .non_resource_urls
                .iter()
                .any(|spec| path_matches(path, spec)),
            Target::Resource { .. } => false,
        };
    }
    true
}

fn path_matches(path: &str, spec: &str) -> bool {
    spec == "*"
        || spec == path
        || spec
            .strip_suffix('*')
            .is_some_and(|prefix| path.starts_with(prefix))
}

fn resource_matches(rule: &Rule, a: &Attrs<'_>) -> bool {
    let Target::Resource {
        group,
        resource,
        subresource,
        namespace,
        name,
    } = a.target
    else {
        return false;
    };
    if !rule.namespaces.is_empty() && !rule.namespaces.iter().any(|n| n == namespace) {
        return false;
    }
    if rule.resources.is_empty() {
        return true;
    }
    let combined = if subresource.is_empty() {
        resource.to_string()
    } else {
        format!("{resource}/{subresource}")
    };
    rule.resources
        .iter()
        .filter(|gr| gr.group == group)
        .any(|gr| {
            if gr.resources.is_empty() {
                return true;
            }
            gr.resources.iter().any(|res| {
                (gr.resource_names.is_empty() || gr.resource_names.iter().any(|n| n == name))
                    && (*res == combined
                        || res == "*"
                        || (!subresource.is_empty() && res.strip_prefix("*/") == Some(subresource))
                        || res.strip_suffix("/*") == Some(resource))
            })
        })
}

fn policy() -> Policy {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/audit/vdi-audit-policy.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The level of the first matching rule; no match is no event.
fn level(policy: &Policy, a: &Attrs<'_>) -> Level {
    policy
        .rules
        .iter()
        .find(|rule| rule_matches(rule, a))
        .map_or(Level::None, |rule| rule.level)
}

fn resource<'a>(
    user: &'a str,
    groups: &'a [&'a str],
    verb: &'a str,
    group: &'a str,
    resource: &'a str,
    subresource: &'a str,
    namespace: &'a str,
) -> Attrs<'a> {
    Attrs {
        user,
        groups,
        verb,
        target: Target::Resource {
            group,
            resource,
            subresource,
            namespace,
            name: "x",
        },
    }
}

const EDITOR: (&str, &[&str]) = ("oidc:carol", &["oidc:vdi-editors", "system:authenticated"]);
const ADMIN: (&str, &[&str]) = ("oidc:dana", &["oidc:vdi-admins", "system:authenticated"]);
const OPERATOR: (&str, &[&str]) = (
    "system:serviceaccount:vdi-system:vdi-operator",
    &[
        "system:serviceaccounts",
        "system:serviceaccounts:vdi-system",
        "system:authenticated",
    ],
);
const NODE: (&str, &[&str]) = (
    "system:node:server-1",
    &["system:nodes", "system:authenticated"],
);

#[test]
fn it_is_an_audit_policy_without_the_request_received_stage() {
    let p = policy();
    assert_eq!(p.api_version, "audit.k8s.io/v1");
    assert_eq!(p.kind, "Policy");
    assert!(p.omit_stages.contains(&Stage::RequestReceived));
    assert!(p.omit_managed_fields);
    assert!(
        p.rules
            .iter()
            .all(|r| r.omit_stages.is_empty() && r.omit_managed_fields.is_none())
    );
}

#[rstest]
fn every_change_to_a_template_is_recorded_with_its_bodies(
    #[values("create", "update", "patch", "delete", "deletecollection")] verb: &str,
    #[values(EDITOR, ADMIN, OPERATOR, ("system:anonymous", &["system:unauthenticated"][..]))] who: (
        &str,
        &[&str],
    ),
    #[values("", "status")] subresource: &str,
) {
    let a = resource(
        who.0,
        who.1,
        verb,
        "vdi.kasm.io",
        "vditemplates",
        subresource,
        "",
    );
    assert_eq!(level(&policy(), &a), Level::RequestResponse);
}

#[rstest]
fn reads_of_templates_are_recorded_as_metadata(#[values("get", "list", "watch")] verb: &str) {
    let a = resource(
        EDITOR.0,
        EDITOR.1,
        verb,
        "vdi.kasm.io",
        "vditemplates",
        "",
        "",
    );
    assert_eq!(level(&policy(), &a), Level::Metadata);
}

#[rstest]
fn sessions_are_recorded_as_metadata(
    #[values(
        "create",
        "update",
        "patch",
        "delete",
        "deletecollection",
        "get",
        "list",
        "watch"
    )]
    verb: &str,
    #[values(EDITOR, OPERATOR, NODE)] who: (&str, &[&str]),
    #[values("", "status")] subresource: &str,
) {
    let a = resource(
        who.0,
        who.1,
        verb,
        "vdi.kasm.io",
        "vdisessions",
        subresource,
        "vdi",
    );
    assert_eq!(level(&policy(), &a), Level::Metadata);
}

#[rstest]
#[case::secrets("", "secrets", "")]
#[case::configmaps("", "configmaps", "")]
#[case::token_request("", "serviceaccounts", "token")]
#[case::token_review("authentication.k8s.io", "tokenreviews", "")]
fn credentials_never_get_bodies(
    #[case] group: &str,
    #[case] res: &str,
    #[case] subresource: &str,
    #[values("create", "update", "patch", "get", "list", "delete")] verb: &str,
    #[values(EDITOR, OPERATOR, NODE)] who: (&str, &[&str]),
) {
    let a = resource(who.0, who.1, verb, group, res, subresource, "vdi");
    assert_eq!(level(&policy(), &a), Level::Metadata);
}

#[rstest]
#[case::pod(EDITOR, "create", "", "pods", "")]
#[case::exec(EDITOR, "create", "", "pods", "exec")]
#[case::lookalike_group(EDITOR, "create", "vdi.kasm.io.evil", "vditemplates", "")]
#[case::other_group(EDITOR, "create", "evil.io", "vditemplates", "")]
#[case::node_writes_a_pod_status(NODE, "patch", "", "pods", "status")]
#[case::lease_by_someone_else(EDITOR, "update", "coordination.k8s.io", "leases", "")]
#[case::node_deletes_a_lease(NODE, "delete", "coordination.k8s.io", "leases", "")]
fn everything_else_is_recorded_as_metadata(
    #[case] who: (&str, &[&str]),
    #[case] verb: &str,
    #[case] group: &str,
    #[case] res: &str,
    #[case] subresource: &str,
) {
    let a = resource(who.0, who.1, verb, group, res, subresource, "vdi");
    assert_eq!(level(&policy(), &a), Level::Metadata);
}

#[rstest]
#[case::node_heartbeat(NODE, "update", Target::Resource { group: "coordination.k8s.io", resource: "leases", subresource: "", namespace: "kube-node-lease", name: "server-1" }, Level::None)]
#[case::healthz(EDITOR, "get", Target::Path("/healthz"), Level::None)]
#[case::readyz_verbose(EDITOR, "get", Target::Path("/readyz/etcd"), Level::None)]
#[case::version(EDITOR, "get", Target::Path("/version"), Level::None)]
#[case::api_discovery(EDITOR, "get", Target::Path("/apis"), Level::Metadata)]
#[case::metrics(EDITOR, "get", Target::Path("/metrics"), Level::Metadata)]
fn noise_is_dropped_and_nothing_more(
    #[case] who: (&str, &[&str]),
    #[case] verb: &str,
    #[case] target: Target<'_>,
    #[case] expected: Level,
) {
    let a = Attrs {
        user: who.0,
        groups: who.1,
        verb,
        target,
    };
    assert_eq!(level(&policy(), &a), expected);
}

#[test]
fn only_the_template_rule_records_bodies_and_a_catch_all_ends_the_list() {
    let p = policy();
    let body_rules: Vec<&Rule> = p
        .rules
        .iter()
        .filter(|r| r.level >= Level::Request)
        .collect();
    assert_eq!(body_rules.len(), 1, "{body_rules:?}");
    assert!(
        body_rules[0]
            .resources
            .iter()
            .all(|gr| gr.group == "vdi.kasm.io"
                && gr.resources.iter().all(|r| r.starts_with("vditemplates")))
    );
    let last = p.rules.last().expect("rules");
    assert_eq!(last.level, Level::Metadata);
    assert!(last.users.is_empty() && last.user_groups.is_empty() && last.verbs.is_empty());
    assert!(
        last.resources.is_empty()
            && last.namespaces.is_empty()
            && last.non_resource_urls.is_empty()
    );
}

#[test]
fn the_matcher_is_first_match() {
    // The evaluator itself: an earlier None rule wins over a later body rule.
    let p: Policy = serde_yaml::from_str(
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  resources: [{group: vdi.kasm.io}]\n- level: RequestResponse\n  resources: [{group: vdi.kasm.io, resources: [vditemplates]}]\n",
    )
    .unwrap();
    let a = resource(
        EDITOR.0,
        EDITOR.1,
        "update",
        "vdi.kasm.io",
        "vditemplates",
        "",
        "",
    );
    assert_eq!(level(&p, &a), Level::None);
    // ... and an unknown (misspelt) field is an error.
    assert!(
        serde_yaml::from_str::<Policy>(
            "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\nomitStage: [RequestReceived]\n"
        )
        .is_err()
    );
}

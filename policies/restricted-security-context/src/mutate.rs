//! Mutating mode (`mutate: true`): fill in the secure values a pod spec
//! leaves **unset**, then let the handler judge the result.
//!
//! Helm charts that omit one field (no `seccompProfile`, no `drop: [ALL]`)
//! are the common reason a restricted policy cannot be adopted. Filling in
//! exactly the defaults restricted requires, and nothing else, turns those
//! objects into compliant ones without editing every chart. What is filled:
//!
//! - pod `securityContext.seccompProfile: {type: RuntimeDefault}`, when some
//!   container has no profile of its own (Linux pods only);
//! - pod `securityContext.runAsNonRoot: true`, when some container has no
//!   value of its own (not in a user namespace: `hostUsers: false` is exempt);
//! - per container of all three lists: `allowPrivilegeEscalation: false`,
//!   `ALL` added to `capabilities.drop`, and with
//!   `requireReadOnlyRootFilesystem` `readOnlyRootFilesystem: true` (Linux
//!   pods only: the API server forbids these fields on Windows pods);
//! - with `denyServiceAccountTokenAutomount`, pod
//!   `automountServiceAccountToken: false`.
//!
//! A value that is present is never rewritten, whatever it says
//! (`privileged: true`, `runAsUser: 0`, `allowPrivilegeEscalation: true`, an
//! added capability, `seccompProfile: Unconfined`): the handler then rejects
//! it with the same message as in validate-only mode. `null` is unset, as in
//! Kubernetes. A field of the wrong type is left alone for the handler to
//! refuse. Because only what a rule requires is filled in, an object that
//! already passes gets no patch (`None`), so re-applying a compliant
//! workload never rolls it out again.
//!
//! Two requests can only add, never change, what they carry: a Pod UPDATE
//! (the API server forbids changing a running pod's security fields, so a
//! patch would fail the update) gets no mutation, and a
//! `pods/ephemeralcontainers` UPDATE only has its *new* ephemeral containers
//! filled in, with the container-level `seccompProfile` and `runAsNonRoot`
//! where the pod sets none (the pod's own fields are immutable).
//!
//! The object is decoded here only when `mutate` is on, and only when the
//! handler would refuse the object as sent: validate-only mode pays nothing
//! for this module, and a compliant object in mutating mode pays one more
//! run of the (borrowed-view) checks. Even then only the fields below are
//! decoded ([`shape`]); the rest of the object (env, ports, resources) is
//! written back as the request's text.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::{Map, Value};
use shared::Input;
use shared::kinds::WorkloadKind;
use shared::policy::Template;
use shared::projection::{Projection, Shape};
use shared::request::{Operation, RawValue, decode_view};
use shared::response::Rejection;
use shared::views::nullable;

use crate::settings::Settings;
use crate::view::Views;

/// The three container lists, in PSA's order.
const LISTS: [&str; 3] = ["initContainers", "containers", "ephemeralContainers"];

/// Which containers a mutation may touch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// A pod being created, or a workload's pod template: everything.
    Pod,
    /// A `pods/ephemeralcontainers` UPDATE: only the ephemeral containers
    /// whose names are not among these (the ones the pod already had).
    NewEphemeral(BTreeSet<String>),
}

/// What [`fill_in`] reads and writes of a `kind` object: the pod spec's
/// security fields and each container's name and security context.
pub fn shape(kind: &WorkloadKind) -> Shape {
    let container = Shape::whole_keys(&["name", "securityContext"]);
    let mut spec = vec![
        ("os", Shape::Whole),
        ("hostUsers", Shape::Whole),
        ("securityContext", Shape::Whole),
        ("automountServiceAccountToken", Shape::Whole),
    ];
    spec.extend(LISTS.map(|list| (list, Shape::each(container.clone()))));
    Shape::at(kind.spec_path, Shape::Keys(spec))
}

/// The mutator of every route, given the template as sent.
pub fn mutate(
    input: &Input<'_, '_, Settings>,
    sent: Option<&Template<'_, Views>>,
) -> Result<Option<Box<RawValue>>, Rejection> {
    let settings = input.settings;
    if !settings.mutate {
        return Ok(None);
    }
    let kind = input.workload()?;
    let request = input.request;
    let scope = match (kind.kind, request.operation, request.subresource()) {
        ("Pod", Operation::Update, None) => return Ok(None),
        ("Pod", _, Some(_)) => match existing_ephemeral(input) {
            Some(names) => Scope::NewEphemeral(names),
            // The handler refuses what cannot be read.
            None => return Ok(None),
        },
        _ => Scope::Pod,
    };
    // An object the handler already accepts has nothing unset that a rule
    // needs (tested: compliant objects get no patch), so it is admitted as
    // sent without decoding the whole object: the common case stays at
    // validate-only cost.
    if sent.is_some_and(|template| crate::validate::validate(input, template).is_ok()) {
        return Ok(None);
    }
    let raw = request.object()?;
    // Every JSON text projects but for nesting deeper than serde_json's
    // limit; the handler then judges (and refuses) the request as sent, so
    // returning None never admits anything.
    let Ok(mut projection) = Projection::of(raw, &shape(kind)) else {
        return Ok(None);
    };
    if !fill_in(&mut projection.value, kind, settings, &scope) {
        return Ok(None);
    }
    projection
        .encode()
        .map(Some)
        .map_err(|e| Rejection::new(format!("the mutated object cannot be encoded: {e}")))
}

#[derive(Deserialize, Default)]
struct OldPod {
    #[serde(default)]
    spec: Option<OldSpec>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct OldSpec {
    #[serde(default, deserialize_with = "nullable")]
    ephemeral_containers: Vec<OldContainer>,
}

#[derive(Deserialize, Default)]
struct OldContainer {
    #[serde(default, deserialize_with = "nullable")]
    name: String,
}

/// The names of the ephemeral containers the pod already has.
fn existing_ephemeral(input: &Input<'_, '_, Settings>) -> Option<BTreeSet<String>> {
    let old: OldPod = decode_view(input.request.old_object().ok()?, "old Pod").ok()?;
    Some(
        old.spec
            .unwrap_or_default()
            .ephemeral_containers
            .into_iter()
            .map(|c| c.name)
            .collect(),
    )
}

/// The value at a dotted path of object keys (`spec.template.spec`), if
/// every step is an object that has the key.
pub fn at_mut<'v>(value: &'v mut Value, path: &str) -> Option<&'v mut Value> {
    path.split('.')
        .try_fold(value, |node, key| node.as_object_mut()?.get_mut(key))
}

/// Fills in the pod spec of `object` (a `kind`) in place; whether anything
/// changed. Pure, so the properties can be tested without a request.
pub fn fill_in(
    object: &mut Value,
    kind: &WorkloadKind,
    settings: &Settings,
    scope: &Scope,
) -> bool {
    let Some(Value::Object(spec)) = at_mut(object, kind.spec_path) else {
        return false;
    };
    let linux = !is_windows(spec);
    let user_namespace = spec.get("hostUsers") == Some(&Value::Bool(false));
    let pod_seccomp_unset = unset(spec, &["securityContext", "seccompProfile"]);
    let pod_non_root_unset = unset(spec, &["securityContext", "runAsNonRoot"]);
    let mut changed = false;
    if *scope == Scope::Pod {
        if linux && pod_seccomp_unset && any_container_unset(spec, "seccompProfile") {
            changed |= set_default(
                spec,
                &["securityContext", "seccompProfile"],
                runtime_default(),
            );
        }
        if !user_namespace && pod_non_root_unset && any_container_unset(spec, "runAsNonRoot") {
            changed |= set_default(spec, &["securityContext", "runAsNonRoot"], true.into());
        }
        if settings.deny_service_account_token_automount {
            changed |= set_default(spec, &["automountServiceAccountToken"], false.into());
        }
    }
    for list in LISTS {
        if matches!(scope, Scope::NewEphemeral(_)) && list != "ephemeralContainers" {
            continue;
        }
        let Some(Value::Array(containers)) = spec.get_mut(list) else {
            continue;
        };
        for container in containers.iter_mut() {
            let Value::Object(container) = container else {
                continue;
            };
            if let Scope::NewEphemeral(existing) = scope {
                let name = container.get("name").and_then(Value::as_str).unwrap_or("");
                if existing.contains(name) {
                    continue;
                }
                if linux && pod_seccomp_unset {
                    changed |= set_default(
                        container,
                        &["securityContext", "seccompProfile"],
                        runtime_default(),
                    );
                }
                if !user_namespace && pod_non_root_unset {
                    changed |=
                        set_default(container, &["securityContext", "runAsNonRoot"], true.into());
                }
            }
            if linux {
                changed |= fill_container(container, settings);
            }
        }
    }
    changed
}

/// The Linux container fields every container must set.
fn fill_container(container: &mut Map<String, Value>, settings: &Settings) -> bool {
    let mut changed = set_default(
        container,
        &["securityContext", "allowPrivilegeEscalation"],
        false.into(),
    );
    changed |= drop_all(container);
    if settings.require_read_only_root_filesystem {
        changed |= set_default(
            container,
            &["securityContext", "readOnlyRootFilesystem"],
            true.into(),
        );
    }
    changed
}

fn runtime_default() -> Value {
    Value::Object(Map::from_iter([(
        "type".to_string(),
        Value::from("RuntimeDefault"),
    )]))
}

/// `spec.os.name: windows`, as PSA and the API server read it.
fn is_windows(spec: &Map<String, Value>) -> bool {
    spec.get("os")
        .and_then(|os| os.get("name"))
        .and_then(Value::as_str)
        == Some("windows")
}

/// Whether the field at `path` is absent or `null` with every step before it
/// an object, absent or `null`. A step of another type is not "unset": the
/// object is malformed there and the handler refuses it.
fn unset(map: &Map<String, Value>, path: &[&str]) -> bool {
    let mut node = map;
    for (i, key) in path.iter().enumerate() {
        match node.get(*key) {
            None | Some(Value::Null) => return true,
            Some(Value::Object(next)) if i + 1 < path.len() => node = next,
            Some(_) => return false,
        }
    }
    false
}

/// Whether some container (any list) leaves `securityContext.<field>` unset,
/// so it would inherit the pod-level value.
fn any_container_unset(spec: &Map<String, Value>, field: &str) -> bool {
    LISTS
        .iter()
        .filter_map(|list| spec.get(*list).and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_object)
        .any(|c| unset(c, &["securityContext", field]))
}

/// Sets the field at `path` to `value` if it is unset, creating the objects
/// on the way; whether it did. Objects are only created where the field is
/// then set, so a no-op leaves the object exactly as it was.
fn set_default(map: &mut Map<String, Value>, path: &[&str], value: Value) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    if !unset(map, path) {
        return false;
    }
    let Some(node) = object_at(map, parents) else {
        return false;
    };
    node.insert((*last).to_string(), value);
    true
}

/// The object at `path`, created where absent or `null`; `None` where a
/// step has another type.
fn object_at<'m>(
    map: &'m mut Map<String, Value>,
    path: &[&str],
) -> Option<&'m mut Map<String, Value>> {
    let mut node = map;
    for key in path {
        let entry = node.entry(*key).or_insert(Value::Null);
        if entry.is_null() {
            *entry = Value::Object(Map::new());
        }
        node = entry.as_object_mut()?;
    }
    Some(node)
}

/// Adds `ALL` to `securityContext.capabilities.drop` unless it is there;
/// whatever else is dropped or added stays.
fn drop_all(container: &mut Map<String, Value>) -> bool {
    let path = ["securityContext", "capabilities", "drop"];
    if unset(container, &path) {
        return set_default(container, &path, Value::Array(vec!["ALL".into()]));
    }
    let Some(Value::Array(drop)) = container
        .get_mut("securityContext")
        .and_then(|sc| sc.get_mut("capabilities"))
        .and_then(|caps| caps.get_mut("drop"))
    else {
        return false;
    };
    if drop.iter().any(|d| d == "ALL") {
        return false;
    }
    drop.push("ALL".into());
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;
    use shared::kinds::WORKLOAD_KINDS;

    fn kind(name: &str) -> &'static WorkloadKind {
        WORKLOAD_KINDS.iter().find(|k| k.kind == name).unwrap()
    }

    fn on() -> Settings {
        Settings {
            mutate: true,
            ..Settings::default()
        }
    }

    fn filled(spec: Value, settings: &Settings, scope: &Scope) -> Option<Value> {
        let mut pod = json!({"spec": spec});
        fill_in(&mut pod, kind("Pod"), settings, scope).then(|| pod["spec"].take())
    }

    #[rstest]
    #[case::pod("Pod", json!({"spec": {"a": 1}}), "spec", Some(json!({"a": 1})))]
    #[case::cronjob(
        "CronJob",
        json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {"a": 1}}}}}}),
        "spec.jobTemplate.spec.template.spec",
        Some(json!({"a": 1}))
    )]
    #[case::missing_step("Deployment", json!({"spec": {}}), "spec.template.spec", None)]
    #[case::not_an_object("Deployment", json!({"spec": {"template": []}}), "spec.template.spec", None)]
    fn paths_follow_the_workload_table(
        #[case] kind_name: &str,
        #[case] mut object: Value,
        #[case] path: &str,
        #[case] expected: Option<Value>,
    ) {
        assert_eq!(kind(kind_name).spec_path, path);
        assert_eq!(at_mut(&mut object, path).cloned(), expected);
    }

    #[test]
    fn an_empty_pod_gets_every_default() {
        let spec = json!({"containers": [{"name": "desktop", "image": "kasmweb/desktop:1.16"}]});
        assert_eq!(
            filled(spec, &on(), &Scope::Pod),
            Some(json!({
                "automountServiceAccountToken": false,
                "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
                "containers": [{
                    "name": "desktop",
                    "image": "kasmweb/desktop:1.16",
                    "securityContext": {
                        "allowPrivilegeEscalation": false,
                        "capabilities": {"drop": ["ALL"]},
                        "readOnlyRootFilesystem": true
                    }
                }]
            }))
        );
    }

    #[test]
    fn hardening_switches_off_leave_their_fields_alone() {
        let settings = Settings {
            require_read_only_root_filesystem: false,
            deny_service_account_token_automount: false,
            ..on()
        };
        let spec = json!({"securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "Localhost"}},
            "containers": [{"name": "a"}]});
        assert_eq!(
            filled(spec, &settings, &Scope::Pod),
            Some(
                json!({"securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "Localhost"}},
                "containers": [{"name": "a", "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}]})
            )
        );
    }

    #[rstest]
    #[case::explicit_values_stay(
        json!({"securityContext": {"runAsNonRoot": false, "runAsUser": 0, "seccompProfile": {"type": "Unconfined"}},
            "automountServiceAccountToken": true,
            "containers": [{"name": "a", "securityContext": {"privileged": true, "allowPrivilegeEscalation": true,
                "readOnlyRootFilesystem": false, "capabilities": {"add": ["SYS_ADMIN"], "drop": ["NET_RAW"]}}}]}),
        Some(json!({"securityContext": {"runAsNonRoot": false, "runAsUser": 0, "seccompProfile": {"type": "Unconfined"}},
            "automountServiceAccountToken": true,
            "containers": [{"name": "a", "securityContext": {"privileged": true, "allowPrivilegeEscalation": true,
                "readOnlyRootFilesystem": false, "capabilities": {"add": ["SYS_ADMIN"], "drop": ["NET_RAW", "ALL"]}}}]}))
    )]
    #[case::null_is_unset(
        json!({"securityContext": null, "automountServiceAccountToken": null,
            "containers": [{"name": "a", "securityContext": {"capabilities": null, "allowPrivilegeEscalation": null}}]}),
        Some(json!({"securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "automountServiceAccountToken": false,
            "containers": [{"name": "a", "securityContext": {"capabilities": {"drop": ["ALL"]},
                "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true}}]}))
    )]
    #[case::containers_set_their_own(
        json!({"automountServiceAccountToken": false,
            "initContainers": [{"name": "i", "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "Localhost"},
                "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}}}],
            "containers": [{"name": "a", "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"},
                "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}}}]}),
        None
    )]
    #[case::wrong_types_are_left_for_the_handler(
        json!({"securityContext": "restricted", "automountServiceAccountToken": "no",
            "containers": [{"name": "a", "securityContext": []}, "not a container"]}),
        None
    )]
    #[case::windows_gets_only_what_windows_allows(
        json!({"os": {"name": "windows"}, "containers": [{"name": "a"}]}),
        Some(json!({"os": {"name": "windows"}, "securityContext": {"runAsNonRoot": true},
            "automountServiceAccountToken": false, "containers": [{"name": "a"}]}))
    )]
    #[case::user_namespace_needs_no_run_as_non_root(
        json!({"hostUsers": false, "automountServiceAccountToken": false, "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "a", "securityContext": {"runAsUser": 0, "allowPrivilegeEscalation": false,
                "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}}}]}),
        None
    )]
    fn only_unset_fields_are_filled(#[case] spec: Value, #[case] expected: Option<Value>) {
        assert_eq!(filled(spec, &on(), &Scope::Pod), expected);
    }

    #[test]
    fn ephemeral_updates_fill_only_the_new_debug_container() {
        let spec = json!({
            "containers": [{"name": "desktop", "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}}],
            "ephemeralContainers": [{"name": "old-debugger"}, {"name": "debugger", "image": "busybox:1.36"}]
        });
        let existing = Scope::NewEphemeral(BTreeSet::from(["old-debugger".to_string()]));
        assert_eq!(
            filled(spec, &on(), &existing),
            Some(json!({
                "containers": [{"name": "desktop", "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}}],
                "ephemeralContainers": [{"name": "old-debugger"}, {"name": "debugger", "image": "busybox:1.36",
                    "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}, "runAsNonRoot": true,
                        "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": true}}]
            }))
        );
    }

    #[test]
    fn ephemeral_updates_inherit_what_the_pod_sets() {
        let spec = json!({
            "securityContext": {"runAsNonRoot": false, "seccompProfile": {"type": "Localhost"}},
            "ephemeralContainers": [{"name": "debugger"}]
        });
        assert_eq!(
            filled(spec, &on(), &Scope::NewEphemeral(BTreeSet::new())),
            Some(json!({
                "securityContext": {"runAsNonRoot": false, "seccompProfile": {"type": "Localhost"}},
                "ephemeralContainers": [{"name": "debugger", "securityContext": {
                    "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": true}}]
            }))
        );
    }
}

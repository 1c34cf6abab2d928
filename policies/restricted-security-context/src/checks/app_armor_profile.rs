//! `appArmorProfile` (baseline 1.0): AppArmor may only be `RuntimeDefault`
//! or `Localhost`, on the pod, on any container, and in the legacy
//! `container.apparmor.security.beta.kubernetes.io/*` annotations
//! (`runtime/default`, `localhost/*` or empty).

use super::{Finding, Pod, SortedSet, containers_phrase, go_quote, join_quote, pluralize};

const ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

fn allowed_type(kind: &str) -> bool {
    matches!(kind, "RuntimeDefault" | "Localhost")
}

fn allowed_annotation(value: &str) -> bool {
    value.is_empty() || value == "runtime/default" || value.starts_with("localhost/")
}

pub fn check(pod: &Pod<'_, '_>) -> Option<Finding> {
    let mut setters = Vec::new();
    let mut bad_values = SortedSet::new();
    let pod_profile = pod
        .spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.app_armor_profile.as_ref());
    if let Some(profile) = pod_profile.filter(|p| !allowed_type(&p.kind)) {
        setters.push("pod".to_string());
        bad_values.insert(profile.kind.to_string());
    }
    let mut bad_containers = Vec::new();
    for c in pod.containers() {
        let profile = c
            .security_context
            .as_ref()
            .and_then(|sc| sc.app_armor_profile.as_ref());
        if let Some(profile) = profile.filter(|p| !allowed_type(&p.kind)) {
            bad_containers.push(c.name.as_ref());
            bad_values.insert(profile.kind.to_string());
        }
    }
    if !bad_containers.is_empty() {
        setters.push(containers_phrase(&bad_containers));
    }
    let mut values: Vec<String> = bad_values.into_iter().collect();
    let mut annotations: Vec<String> = pod
        .metadata
        .annotations
        .iter()
        .filter(|(k, v)| k.starts_with(ANNOTATION_PREFIX) && !allowed_annotation(v))
        .map(|(k, v)| format!("{k}={}", go_quote(v)))
        .collect();
    // Sorted as formatted text, like PSA (`a-b=` sorts before `a=`).
    annotations.sort_unstable();
    if !annotations.is_empty() {
        setters.push(pluralize("annotation", "annotations", annotations.len()).to_string());
        values.extend(annotations);
    }
    if setters.is_empty() {
        return None;
    }
    Some(Finding::new(
        pluralize(
            "forbidden AppArmor profile",
            "forbidden AppArmor profiles",
            values.len(),
        ),
        format!(
            "{} must not set AppArmor profile type to {}",
            setters.join(" and "),
            join_quote(&values)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{assert_outcome, pod};
    use rstest::rstest;

    #[rstest]
    #[case::nothing_set(r#"{"containers":[{"name":"a"}]}"#, "{}", None)]
    #[case::runtime_default_and_localhost(
        r#"{"securityContext":{"appArmorProfile":{"type":"RuntimeDefault"}},"containers":[{"name":"a","securityContext":{"appArmorProfile":{"type":"Localhost","localhostProfile":"p"}}}]}"#,
        "{}",
        None
    )]
    #[case::allowed_annotations(
        "{}",
        r#"{"annotations":{"container.apparmor.security.beta.kubernetes.io/a":"runtime/default","container.apparmor.security.beta.kubernetes.io/b":"localhost/p","container.apparmor.security.beta.kubernetes.io/c":"","env":"prod"}}"#,
        None
    )]
    #[case::unconfined_pod(
        r#"{"securityContext":{"appArmorProfile":{"type":"Unconfined"}}}"#,
        "{}",
        Some(r#"forbidden AppArmor profile (pod must not set AppArmor profile type to "Unconfined")"#)
    )]
    #[case::unconfined_containers_all_lists(
        r#"{"initContainers":[{"name":"i","securityContext":{"appArmorProfile":{"type":"Unconfined"}}}],"containers":[{"name":"a","securityContext":{"appArmorProfile":{"type":"Unconfined"}}}],"ephemeralContainers":[{"name":"e","securityContext":{"appArmorProfile":{"type":"Other"}}}]}"#,
        "{}",
        Some(r#"forbidden AppArmor profiles (containers "i", "a", "e" must not set AppArmor profile type to "Other", "Unconfined")"#)
    )]
    #[case::missing_type_is_forbidden(
        r#"{"containers":[{"name":"a","securityContext":{"appArmorProfile":{}}}]}"#,
        "{}",
        Some(r#"forbidden AppArmor profile (container "a" must not set AppArmor profile type to "")"#)
    )]
    #[case::pod_container_and_annotations(
        r#"{"securityContext":{"appArmorProfile":{"type":"Unconfined"}},"containers":[{"name":"a","securityContext":{"appArmorProfile":{"type":"Unconfined"}}}]}"#,
        r#"{"annotations":{"container.apparmor.security.beta.kubernetes.io/b":"unconfined","container.apparmor.security.beta.kubernetes.io/a":"x"}}"#,
        Some(r#"forbidden AppArmor profiles (pod and container "a" and annotations must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/a="x"", "container.apparmor.security.beta.kubernetes.io/b="unconfined"")"#)
    )]
    #[case::one_annotation(
        "{}",
        r#"{"annotations":{"container.apparmor.security.beta.kubernetes.io/a":"unconfined"}}"#,
        Some(r#"forbidden AppArmor profile (annotation must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/a="unconfined"")"#)
    )]
    #[case::sorted_as_text_like_psa(
        "{}",
        r#"{"annotations":{"container.apparmor.security.beta.kubernetes.io/a":"u","container.apparmor.security.beta.kubernetes.io/a-b":"u","container.apparmor.security.beta.kubernetes.io/":"bogus"}}"#,
        Some(r#"forbidden AppArmor profiles (annotations must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/="bogus"", "container.apparmor.security.beta.kubernetes.io/a-b="u"", "container.apparmor.security.beta.kubernetes.io/a="u"")"#)
    )]
    fn app_armor(#[case] spec: &str, #[case] meta: &str, #[case] expected: Option<&str>) {
        assert_outcome(pod(spec).with_metadata(meta).run(check), expected);
    }
}

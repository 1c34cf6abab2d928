//! `runAsNonRoot` (restricted 1.35): the pod must set `runAsNonRoot=true`
//! (or every container must), and nothing may set it to false. A pod in a
//! user namespace (`hostUsers: false`) is exempt.

use super::{Finding, Pod, containers_phrase};

const REASON: &str = "runAsNonRoot != true";

pub fn check(pod: &Pod<'_, '_>) -> Option<Finding> {
    if pod.spec.in_user_namespace() {
        return None;
    }
    let mut setters = Vec::new();
    let pod_value = pod
        .spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.run_as_non_root);
    if pod_value == Some(false) {
        setters.push("pod".to_string());
    }
    let mut explicitly_bad = Vec::new();
    let mut implicitly_bad = Vec::new();
    for c in pod.containers() {
        match c
            .security_context
            .as_ref()
            .and_then(|sc| sc.run_as_non_root)
        {
            Some(false) => explicitly_bad.push(c.name.as_ref()),
            Some(true) => {}
            None if pod_value != Some(true) => implicitly_bad.push(c.name.as_ref()),
            None => {}
        }
    }
    if !explicitly_bad.is_empty() {
        setters.push(containers_phrase(&explicitly_bad));
    }
    if !setters.is_empty() {
        return Some(Finding::new(
            REASON,
            format!(
                "{} must not set securityContext.runAsNonRoot=false",
                setters.join(" and ")
            ),
        ));
    }
    if !implicitly_bad.is_empty() {
        return Some(Finding::new(
            REASON,
            format!(
                "pod or {} must set securityContext.runAsNonRoot=true",
                containers_phrase(&implicitly_bad)
            ),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{assert_outcome, pod};
    use rstest::rstest;

    #[rstest]
    #[case::pod_true(
        r#"{"securityContext":{"runAsNonRoot":true},"containers":[{"name":"a"}]}"#,
        None
    )]
    #[case::containers_true(
        r#"{"initContainers":[{"name":"i","securityContext":{"runAsNonRoot":true}}],"containers":[{"name":"a","securityContext":{"runAsNonRoot":true}}]}"#,
        None
    )]
    #[case::unset_everywhere(
        r#"{"containers":[{"name":"a"}],"ephemeralContainers":[{"name":"e"}]}"#,
        Some(r#"runAsNonRoot != true (pod or containers "a", "e" must set securityContext.runAsNonRoot=true)"#)
    )]
    #[case::pod_false_overridden_by_containers_still_fails(
        r#"{"securityContext":{"runAsNonRoot":false},"containers":[{"name":"a","securityContext":{"runAsNonRoot":true}}]}"#,
        Some("runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false)")
    )]
    #[case::container_false_under_pod_true(
        r#"{"securityContext":{"runAsNonRoot":true},"containers":[{"name":"a","securityContext":{"runAsNonRoot":false}}]}"#,
        Some(r#"runAsNonRoot != true (container "a" must not set securityContext.runAsNonRoot=false)"#)
    )]
    #[case::explicit_beats_implicit(
        r#"{"securityContext":{"runAsNonRoot":false},"initContainers":[{"name":"i","securityContext":{"runAsNonRoot":false}}],"containers":[{"name":"a"}]}"#,
        Some(r#"runAsNonRoot != true (pod and container "i" must not set securityContext.runAsNonRoot=false)"#)
    )]
    #[case::user_namespace_exempt(
        r#"{"hostUsers":false,"securityContext":{"runAsNonRoot":false},"containers":[{"name":"a"}]}"#,
        None
    )]
    #[case::host_users_true_not_exempt(
        r#"{"hostUsers":true,"containers":[{"name":"a"}]}"#,
        Some(r#"runAsNonRoot != true (pod or container "a" must set securityContext.runAsNonRoot=true)"#)
    )]
    #[case::windows_not_exempt(
        r#"{"os":{"name":"windows"},"containers":[{"name":"a"}]}"#,
        Some(r#"runAsNonRoot != true (pod or container "a" must set securityContext.runAsNonRoot=true)"#)
    )]
    fn run_as_non_root(#[case] spec: &str, #[case] expected: Option<&str>) {
        assert_outcome(pod(spec).run(check), expected);
    }
}

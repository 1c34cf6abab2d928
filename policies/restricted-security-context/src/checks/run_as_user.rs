//! `runAsUser` (restricted 1.35): neither the pod nor any container may set
//! `runAsUser: 0`. A pod in a user namespace (`hostUsers: false`) is exempt.

use super::{Finding, Pod, containers_phrase};

pub fn check(pod: &Pod<'_, '_>) -> Option<Finding> {
    if pod.spec.in_user_namespace() {
        return None;
    }
    let mut setters = Vec::new();
    if pod
        .spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.run_as_user)
        == Some(0)
    {
        setters.push("pod".to_string());
    }
    let bad: Vec<&str> = pod
        .containers()
        .filter(|c| c.security_context.as_ref().and_then(|sc| sc.run_as_user) == Some(0))
        .map(|c| c.name.as_ref())
        .collect();
    if !bad.is_empty() {
        setters.push(containers_phrase(&bad));
    }
    if setters.is_empty() {
        return None;
    }
    Some(Finding::new(
        "runAsUser=0",
        format!("{} must not set runAsUser=0", setters.join(" and ")),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{assert_outcome, pod};
    use rstest::rstest;

    #[rstest]
    #[case::unset(r#"{"containers":[{"name":"a"}]}"#, None)]
    #[case::non_zero(
        r#"{"securityContext":{"runAsUser":1000},"containers":[{"name":"a","securityContext":{"runAsUser":1}}]}"#,
        None
    )]
    #[case::pod_zero(
        r#"{"securityContext":{"runAsUser":0},"containers":[{"name":"a"}]}"#,
        Some("runAsUser=0 (pod must not set runAsUser=0)")
    )]
    #[case::pod_and_containers(
        r#"{"securityContext":{"runAsUser":0},"initContainers":[{"name":"i","securityContext":{"runAsUser":0}}],"containers":[{"name":"a","securityContext":{"runAsUser":1000}}],"ephemeralContainers":[{"name":"e","securityContext":{"runAsUser":0}}]}"#,
        Some(r#"runAsUser=0 (pod and containers "i", "e" must not set runAsUser=0)"#)
    )]
    #[case::container_zero_under_pod_non_zero(
        r#"{"securityContext":{"runAsUser":1000},"containers":[{"name":"a","securityContext":{"runAsUser":0}}]}"#,
        Some(r#"runAsUser=0 (container "a" must not set runAsUser=0)"#)
    )]
    #[case::user_namespace_exempt(r#"{"hostUsers":false,"securityContext":{"runAsUser":0}}"#, None)]
    fn run_as_user(#[case] spec: &str, #[case] expected: Option<&str>) {
        assert_outcome(pod(spec).run(check), expected);
    }
}

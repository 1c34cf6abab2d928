//! `seccompProfile_restricted` (restricted 1.25, overrides
//! `seccompProfile_baseline`): the pod must set `seccompProfile.type` to
//! `RuntimeDefault` or `Localhost` (or every container must), and nothing may
//! set another type. Windows pods are exempt.

use super::{Finding, Pod, SortedSet, containers_phrase, join_quote};

const REASON: &str = "seccompProfile";

fn valid(kind: &str) -> bool {
    matches!(kind, "RuntimeDefault" | "Localhost")
}

pub fn check(pod: &Pod<'_, '_>) -> Option<Finding> {
    if pod.spec.is_windows() {
        return None;
    }
    let mut setters = Vec::new();
    let mut bad_values = SortedSet::new();
    let mut pod_set = false;
    if let Some(profile) = pod
        .spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.seccomp_profile.as_ref())
    {
        if valid(&profile.kind) {
            pod_set = true;
        } else {
            setters.push("pod".to_string());
            bad_values.insert(profile.kind.to_string());
        }
    }
    let mut explicitly_bad = Vec::new();
    let mut implicitly_bad = Vec::new();
    for c in pod.containers() {
        match c
            .security_context
            .as_ref()
            .and_then(|sc| sc.seccomp_profile.as_ref())
        {
            Some(profile) if !valid(&profile.kind) => {
                explicitly_bad.push(c.name.as_ref());
                bad_values.insert(profile.kind.to_string());
            }
            Some(_) => {}
            None if !pod_set => implicitly_bad.push(c.name.as_ref()),
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
                "{} must not set securityContext.seccompProfile.type to {}",
                setters.join(" and "),
                join_quote(&bad_values)
            ),
        ));
    }
    if !implicitly_bad.is_empty() {
        return Some(Finding::new(
            REASON,
            format!(
                r#"pod or {} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost""#,
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
    #[case::pod_runtime_default(r#"{"securityContext":{"seccompProfile":{"type":"RuntimeDefault"}},"containers":[{"name":"a"}]}"#, None)]
    #[case::containers_localhost(
        r#"{"containers":[{"name":"a","securityContext":{"seccompProfile":{"type":"Localhost","localhostProfile":"p.json"}}}],"initContainers":[{"name":"i","securityContext":{"seccompProfile":{"type":"RuntimeDefault"}}}]}"#,
        None
    )]
    #[case::unset(
        r#"{"initContainers":[{"name":"i"}],"containers":[{"name":"a"}]}"#,
        Some(r#"seccompProfile (pod or containers "i", "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#)
    )]
    #[case::pod_unconfined(
        r#"{"securityContext":{"seccompProfile":{"type":"Unconfined"}},"containers":[{"name":"a","securityContext":{"seccompProfile":{"type":"RuntimeDefault"}}}]}"#,
        Some(r#"seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")"#)
    )]
    #[case::container_unconfined_under_pod_default(
        r#"{"securityContext":{"seccompProfile":{"type":"RuntimeDefault"}},"ephemeralContainers":[{"name":"e","securityContext":{"seccompProfile":{"type":"Unconfined"}}}]}"#,
        Some(r#"seccompProfile (container "e" must not set securityContext.seccompProfile.type to "Unconfined")"#)
    )]
    #[case::explicit_beats_implicit(
        r#"{"securityContext":{"seccompProfile":{}},"initContainers":[{"name":"i","securityContext":{"seccompProfile":{"type":"Unconfined"}}}],"containers":[{"name":"a"}]}"#,
        Some(r#"seccompProfile (pod and container "i" must not set securityContext.seccompProfile.type to "", "Unconfined")"#)
    )]
    #[case::windows_exempt(r#"{"os":{"name":"windows"},"containers":[{"name":"a"}]}"#, None)]
    fn seccomp(#[case] spec: &str, #[case] expected: Option<&str>) {
        assert_outcome(pod(spec).run(check), expected);
    }
}

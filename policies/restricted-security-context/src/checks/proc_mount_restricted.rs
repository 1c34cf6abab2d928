//! `procMount_restricted` (restricted 1.35, overrides baseline `procMount`):
//! `securityContext.procMount` must be unset or `Default`, even in a user
//! namespace (baseline relaxes that case; restricted does not).

use super::{Finding, Pod, SortedSet, containers_phrase, join_quote};

pub fn check(pod: &Pod<'_, '_>) -> Option<Finding> {
    let mut bad = Vec::new();
    let mut types = SortedSet::new();
    for c in pod.containers() {
        let proc_mount = c
            .security_context
            .as_ref()
            .and_then(|sc| sc.proc_mount.as_deref());
        if let Some(value) = proc_mount.filter(|v| *v != "Default") {
            bad.push(c.name.as_ref());
            types.insert(value.to_string());
        }
    }
    if bad.is_empty() {
        return None;
    }
    Some(Finding::new(
        "procMount",
        format!(
            "{} must not set securityContext.procMount to {}",
            containers_phrase(&bad),
            join_quote(&types)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{assert_outcome, pod};
    use rstest::rstest;

    #[rstest]
    #[case::unset(r#"{"containers":[{"name":"a","securityContext":{}}]}"#, None)]
    #[case::default(r#"{"hostUsers":false,"containers":[{"name":"a","securityContext":{"procMount":"Default"}}]}"#, None)]
    #[case::unmasked(
        r#"{"containers":[{"name":"a","securityContext":{"procMount":"Unmasked"}}]}"#,
        Some(r#"procMount (container "a" must not set securityContext.procMount to "Unmasked")"#)
    )]
    #[case::unmasked_in_user_namespace_still_denied(
        r#"{"hostUsers":false,"initContainers":[{"name":"i","securityContext":{"procMount":"Unmasked"}}],"ephemeralContainers":[{"name":"e","securityContext":{"procMount":""}}]}"#,
        Some(r#"procMount (containers "i", "e" must not set securityContext.procMount to "", "Unmasked")"#)
    )]
    fn proc_mount(#[case] spec: &str, #[case] expected: Option<&str>) {
        assert_outcome(pod(spec).run(check), expected);
    }
}

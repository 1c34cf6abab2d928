//! `privileged` (baseline 1.0): no container may set
//! `securityContext.privileged=true`.

use super::{Finding, Pod, containers_phrase};

pub fn check(pod: &Pod<'_, '_>) -> Option<Finding> {
    let bad: Vec<&str> = pod
        .containers()
        .filter(|c| c.security_context.as_ref().and_then(|sc| sc.privileged) == Some(true))
        .map(|c| c.name.as_ref())
        .collect();
    if bad.is_empty() {
        return None;
    }
    Some(Finding::new(
        "privileged",
        format!(
            "{} must not set securityContext.privileged=true",
            containers_phrase(&bad)
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
    #[case::false_(
        r#"{"containers":[{"name":"a","securityContext":{"privileged":false}}]}"#,
        None
    )]
    #[case::one(
        r#"{"containers":[{"name":"a","securityContext":{"privileged":true}}]}"#,
        Some(r#"privileged (container "a" must not set securityContext.privileged=true)"#)
    )]
    #[case::every_list(
        r#"{"containers":[{"name":"a","securityContext":{"privileged":true}}],"initContainers":[{"name":"i","securityContext":{"privileged":true}}],"ephemeralContainers":[{"name":"e","securityContext":{"privileged":true}}]}"#,
        Some(r#"privileged (containers "i", "a", "e" must not set securityContext.privileged=true)"#)
    )]
    fn privileged(#[case] spec: &str, #[case] expected: Option<&str>) {
        assert_outcome(pod(spec).run(check), expected);
    }
}

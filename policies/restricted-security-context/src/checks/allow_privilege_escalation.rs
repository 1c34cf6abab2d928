//! `allowPrivilegeEscalation` (restricted 1.25): every container must set
//! `securityContext.allowPrivilegeEscalation=false`; unset counts as true.
//! Windows pods are exempt (the API server forbids the field on them).

use super::{Finding, Pod, containers_phrase};

pub fn check(pod: &Pod<'_, '_>) -> Option<Finding> {
    if pod.spec.is_windows() {
        return None;
    }
    let bad: Vec<&str> = pod
        .containers()
        .filter(|c| {
            c.security_context
                .as_ref()
                .and_then(|sc| sc.allow_privilege_escalation)
                != Some(false)
        })
        .map(|c| c.name.as_ref())
        .collect();
    if bad.is_empty() {
        return None;
    }
    Some(Finding::new(
        "allowPrivilegeEscalation != false",
        format!(
            "{} must set securityContext.allowPrivilegeEscalation=false",
            containers_phrase(&bad)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{assert_outcome, pod};
    use rstest::rstest;

    const FALSE: &str = r#"{"allowPrivilegeEscalation":false}"#;

    fn spec(init: &str, regular: &str, ephemeral: &str, os: &str) -> String {
        format!(
            r#"{{{os}"initContainers":[{{"name":"i","securityContext":{init}}}],"containers":[{{"name":"a","securityContext":{regular}}}],"ephemeralContainers":[{{"name":"e","securityContext":{ephemeral}}}]}}"#
        )
    }

    #[rstest]
    #[case::all_false(FALSE, FALSE, FALSE, "", None)]
    #[case::unset_in_init("{}", FALSE, FALSE, "", Some(r#"allowPrivilegeEscalation != false (container "i" must set securityContext.allowPrivilegeEscalation=false)"#))]
    #[case::true_in_regular(FALSE, r#"{"allowPrivilegeEscalation":true}"#, FALSE, "", Some(r#"allowPrivilegeEscalation != false (container "a" must set securityContext.allowPrivilegeEscalation=false)"#))]
    #[case::null_security_context("null", "null", FALSE, "", Some(r#"allowPrivilegeEscalation != false (containers "i", "a" must set securityContext.allowPrivilegeEscalation=false)"#))]
    #[case::unset_in_debug_container(FALSE, FALSE, "{}", "", Some(r#"allowPrivilegeEscalation != false (container "e" must set securityContext.allowPrivilegeEscalation=false)"#))]
    #[case::windows_exempt("{}", "{}", "{}", r#""os":{"name":"windows"},"#, None)]
    #[case::linux_not_exempt("{}", FALSE, FALSE, r#""os":{"name":"linux"},"#, Some(r#"allowPrivilegeEscalation != false (container "i" must set securityContext.allowPrivilegeEscalation=false)"#))]
    fn allow_privilege_escalation(
        #[case] init: &str,
        #[case] regular: &str,
        #[case] ephemeral: &str,
        #[case] os: &str,
        #[case] expected: Option<&str>,
    ) {
        assert_outcome(
            pod(&spec(init, regular, ephemeral, os)).run(check),
            expected,
        );
    }
}

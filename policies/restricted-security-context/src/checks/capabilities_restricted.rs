//! `capabilities_restricted` (restricted 1.25, overrides
//! `capabilities_baseline`): every container must drop `ALL` and may only add
//! `NET_BIND_SERVICE`, plus the `allowedCapabilities` of the settings (the
//! policy's one documented departure from PSA). Container-level
//! `securityContext` only: pods have no capabilities field. Windows pods are
//! exempt.

use super::{Finding, Pod, SortedSet, containers_phrase, join_quote};

pub fn check(pod: &Pod<'_, '_>) -> Option<Finding> {
    if pod.spec.is_windows() {
        return None;
    }
    let mut missing_drop_all = Vec::new();
    let mut adding_forbidden = Vec::new();
    let mut forbidden = SortedSet::new();
    for c in pod.containers() {
        let Some(caps) = c
            .security_context
            .as_ref()
            .and_then(|sc| sc.capabilities.as_ref())
        else {
            missing_drop_all.push(c.name.as_ref());
            continue;
        };
        if !caps.drop.iter().any(|d| d == "ALL") {
            missing_drop_all.push(c.name.as_ref());
        }
        let mut adds_forbidden = false;
        for cap in &caps.add {
            if cap != "NET_BIND_SERVICE" && !pod.extra_capabilities.iter().any(|a| a == cap) {
                adds_forbidden = true;
                forbidden.insert(cap.to_string());
            }
        }
        if adds_forbidden {
            adding_forbidden.push(c.name.as_ref());
        }
    }
    let mut details = Vec::new();
    if !missing_drop_all.is_empty() {
        details.push(format!(
            r#"{} must set securityContext.capabilities.drop=["ALL"]"#,
            containers_phrase(&missing_drop_all)
        ));
    }
    if !adding_forbidden.is_empty() {
        details.push(format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&adding_forbidden),
            join_quote(&forbidden)
        ));
    }
    if details.is_empty() {
        return None;
    }
    Some(Finding::new(
        "unrestricted capabilities",
        details.join("; "),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{assert_outcome, pod};
    use rstest::rstest;

    fn one(caps: &str) -> String {
        format!(r#"{{"containers":[{{"name":"a","securityContext":{{"capabilities":{caps}}}}}]}}"#)
    }

    #[rstest]
    #[case::drop_all(&one(r#"{"drop":["ALL"]}"#), &[], None)]
    #[case::drop_all_among_others(&one(r#"{"drop":["NET_RAW","ALL"]}"#), &[], None)]
    #[case::net_bind_service(&one(r#"{"drop":["ALL"],"add":["NET_BIND_SERVICE"]}"#), &[], None)]
    #[case::no_security_context(
        r#"{"containers":[{"name":"a"}]}"#, &[],
        Some(r#"unrestricted capabilities (container "a" must set securityContext.capabilities.drop=["ALL"])"#)
    )]
    #[case::empty_capabilities(&one("{}"), &[],
        Some(r#"unrestricted capabilities (container "a" must set securityContext.capabilities.drop=["ALL"])"#)
    )]
    #[case::lowercase_all_is_not_all(&one(r#"{"drop":["all"]}"#), &[],
        Some(r#"unrestricted capabilities (container "a" must set securityContext.capabilities.drop=["ALL"])"#)
    )]
    #[case::baseline_default_cap_is_not_enough(&one(r#"{"drop":["ALL"],"add":["CHOWN","NET_RAW","CHOWN"]}"#), &[],
        Some(r#"unrestricted capabilities (container "a" must not include "CHOWN", "NET_RAW" in securityContext.capabilities.add)"#)
    )]
    #[case::cap_prefix_is_not_the_same_name(&one(r#"{"drop":["ALL"],"add":["CAP_NET_BIND_SERVICE"]}"#), &[],
        Some(r#"unrestricted capabilities (container "a" must not include "CAP_NET_BIND_SERVICE" in securityContext.capabilities.add)"#)
    )]
    #[case::both_problems_across_lists(
        r#"{"initContainers":[{"name":"i","securityContext":{"capabilities":{"add":["SYS_ADMIN"]}}}],"containers":[{"name":"a","securityContext":{"capabilities":{"drop":["ALL"],"add":["NET_RAW"]}}}],"ephemeralContainers":[{"name":"e"}]}"#, &[],
        Some(r#"unrestricted capabilities (containers "i", "e" must set securityContext.capabilities.drop=["ALL"]; containers "i", "a" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add)"#)
    )]
    #[case::allowed_by_settings(&one(r#"{"drop":["ALL"],"add":["SYS_PTRACE","NET_BIND_SERVICE"]}"#), &["SYS_PTRACE"], None)]
    #[case::settings_do_not_relax_drop_all(&one(r#"{"add":["SYS_PTRACE"]}"#), &["SYS_PTRACE"],
        Some(r#"unrestricted capabilities (container "a" must set securityContext.capabilities.drop=["ALL"])"#)
    )]
    #[case::settings_allow_only_what_they_name(&one(r#"{"drop":["ALL"],"add":["SYS_PTRACE","SYS_ADMIN"]}"#), &["SYS_PTRACE"],
        Some(r#"unrestricted capabilities (container "a" must not include "SYS_ADMIN" in securityContext.capabilities.add)"#)
    )]
    #[case::windows_exempt(r#"{"os":{"name":"windows"},"containers":[{"name":"a"}]}"#, &[], None)]
    fn capabilities(#[case] spec: &str, #[case] extra: &[&str], #[case] expected: Option<&str>) {
        assert_outcome(pod(spec).run_with(check, extra), expected);
    }
}

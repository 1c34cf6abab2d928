//! `sysctls` (baseline 1.37): pod sysctls must come from the safe,
//! namespaced set of the latest PSA version.

use super::{Finding, Pod};

const SAFE_SYSCTLS: [&str; 14] = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

pub fn check(pod: &Pod<'_, '_>) -> Option<Finding> {
    let sysctls = pod
        .spec
        .security_context
        .as_ref()
        .map(|sc| sc.sysctls.as_slice())
        .unwrap_or_default();
    // In order of appearance and not deduplicated, like PSA.
    let forbidden: Vec<&str> = sysctls
        .iter()
        .map(|s| s.name.as_ref())
        .filter(|name| !SAFE_SYSCTLS.contains(name))
        .collect();
    if forbidden.is_empty() {
        return None;
    }
    Some(Finding::new("forbidden sysctls", forbidden.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{assert_outcome, pod};
    use rstest::rstest;

    #[rstest]
    #[case::none("{}", None)]
    #[case::empty_list(r#"{"securityContext":{"sysctls":[]}}"#, None)]
    #[case::original_safe_set(
        r#"{"securityContext":{"sysctls":[{"name":"kernel.shm_rmid_forced","value":"0"},{"name":"net.ipv4.ip_unprivileged_port_start","value":"0"}]}}"#,
        None
    )]
    #[case::added_in_1_37(
        r#"{"securityContext":{"sysctls":[{"name":"net.ipv4.tcp_slow_start_after_idle","value":"0"},{"name":"net.ipv4.tcp_notsent_lowat","value":"1"}]}}"#,
        None
    )]
    #[case::unsafe_in_order(
        r#"{"securityContext":{"sysctls":[{"name":"net.ipv4.tcp_rmem","value":"1"},{"name":"kernel.msgmax","value":"1"},{"name":"a.b","value":"1"},{"name":"kernel.msgmax","value":"2"}]}}"#,
        Some("forbidden sysctls (kernel.msgmax, a.b, kernel.msgmax)")
    )]
    #[case::slash_form_is_not_normalised(
        r#"{"securityContext":{"sysctls":[{"name":"net/ipv4/tcp_syncookies","value":"1"}]}}"#,
        Some("forbidden sysctls (net/ipv4/tcp_syncookies)")
    )]
    fn sysctls(#[case] spec: &str, #[case] expected: Option<&str>) {
        assert_outcome(pod(spec).run(check), expected);
    }
}

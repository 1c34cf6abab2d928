//! `hostNamespaces` (baseline 1.0): `hostNetwork`, `hostPID` and `hostIPC`
//! must be unset or false.

use super::{Finding, Pod};

pub fn check(pod: &Pod<'_, '_>) -> Option<Finding> {
    let spec = pod.spec;
    let shared: Vec<&str> = [
        (spec.host_network, "hostNetwork=true"),
        (spec.host_pid, "hostPID=true"),
        (spec.host_ipc, "hostIPC=true"),
    ]
    .into_iter()
    .filter(|(set, _)| *set == Some(true))
    .map(|(_, text)| text)
    .collect();
    if shared.is_empty() {
        return None;
    }
    Some(Finding::new("host namespaces", shared.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{assert_outcome, pod};
    use rstest::rstest;

    #[rstest]
    #[case::unset("{}", None)]
    #[case::all_false(r#"{"hostNetwork":false,"hostPID":false,"hostIPC":false}"#, None)]
    #[case::null(r#"{"hostNetwork":null}"#, None)]
    #[case::network(r#"{"hostNetwork":true}"#, Some("host namespaces (hostNetwork=true)"))]
    #[case::pid(r#"{"hostPID":true}"#, Some("host namespaces (hostPID=true)"))]
    #[case::ipc(r#"{"hostIPC":true}"#, Some("host namespaces (hostIPC=true)"))]
    #[case::all(
        r#"{"hostIPC":true,"hostPID":true,"hostNetwork":true}"#,
        Some("host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)")
    )]
    fn host_namespaces(#[case] spec: &str, #[case] expected: Option<&str>) {
        assert_outcome(pod(spec).run(check), expected);
    }
}

//! `hostProbesAndHostLifecycle` (baseline 1.34): probes and lifecycle
//! handlers must not set `httpGet.host` or `tcpSocket.host`; a probe aimed at
//! another host lets the kubelet reach addresses the pod cannot.

use super::{Finding, Pod, SortedSet, join_quote, pluralize};
use crate::view::Handler;

/// The non-empty hosts a handler names.
fn hosts<'h>(handler: Option<&'h Handler<'_>>) -> impl Iterator<Item = &'h str> {
    handler
        .into_iter()
        .flat_map(|h| [h.http_get.as_ref(), h.tcp_socket.as_ref()])
        .flatten()
        .map(|f| f.host.as_ref())
        .filter(|h| !h.is_empty())
}

pub fn check(pod: &Pod<'_, '_>) -> Option<Finding> {
    // Both are sets in PSA: containers are reported sorted and once.
    let mut bad_containers = SortedSet::new();
    let mut bad_hosts = SortedSet::new();
    for c in pod.containers() {
        let lifecycle = c.lifecycle.as_ref();
        let handlers = [
            c.liveness_probe.as_ref(),
            c.readiness_probe.as_ref(),
            c.startup_probe.as_ref(),
            lifecycle.and_then(|l| l.post_start.as_ref()),
            lifecycle.and_then(|l| l.pre_stop.as_ref()),
        ];
        for host in handlers.into_iter().flat_map(hosts) {
            bad_containers.insert(c.name.to_string());
            bad_hosts.insert(host.to_string());
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    Some(Finding::new(
        "probe or lifecycle host",
        format!(
            "{} {} {} {} {}",
            pluralize("container", "containers", bad_containers.len()),
            join_quote(&bad_containers),
            pluralize("uses", "use", bad_containers.len()),
            pluralize(
                "probe or lifecycle host",
                "probe or lifecycle hosts",
                bad_hosts.len()
            ),
            join_quote(&bad_hosts)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{assert_outcome, pod};
    use rstest::rstest;

    #[rstest]
    #[case::no_probes(r#"{"containers":[{"name":"a"}]}"#, None)]
    #[case::probes_without_host(
        r#"{"containers":[{"name":"a","livenessProbe":{"httpGet":{"port":8080}},"readinessProbe":{"tcpSocket":{"port":80}},"lifecycle":{"preStop":{"httpGet":{"port":1,"host":""}}}}]}"#,
        None
    )]
    #[case::exec_probe(
        r#"{"containers":[{"name":"a","startupProbe":{"exec":{"command":["true"]}}}]}"#,
        None
    )]
    #[case::liveness_http(
        r#"{"containers":[{"name":"a","livenessProbe":{"httpGet":{"host":"bad.host","port":8080}}}]}"#,
        Some(r#"probe or lifecycle host (container "a" uses probe or lifecycle host "bad.host")"#)
    )]
    #[case::readiness_tcp(
        r#"{"initContainers":[{"name":"i","readinessProbe":{"tcpSocket":{"host":"10.0.0.1","port":1}}}]}"#,
        Some(r#"probe or lifecycle host (container "i" uses probe or lifecycle host "10.0.0.1")"#)
    )]
    #[case::startup_and_lifecycle_in_ephemeral(
        r#"{"ephemeralContainers":[{"name":"e","startupProbe":{"httpGet":{"host":"b","port":1}},"lifecycle":{"postStart":{"tcpSocket":{"host":"a","port":1}},"preStop":{"httpGet":{"host":"b","port":1}}}}]}"#,
        Some(r#"probe or lifecycle host (container "e" uses probe or lifecycle hosts "a", "b")"#)
    )]
    #[case::containers_sorted_and_deduplicated(
        r#"{"containers":[{"name":"z","livenessProbe":{"httpGet":{"host":"h","port":1}},"readinessProbe":{"httpGet":{"host":"h","port":1}}},{"name":"a","lifecycle":{"preStop":{"tcpSocket":{"host":"h","port":1}}}}]}"#,
        Some(r#"probe or lifecycle host (containers "a", "z" use probe or lifecycle host "h")"#)
    )]
    fn host_probes(#[case] spec: &str, #[case] expected: Option<&str>) {
        assert_outcome(pod(spec).run(check), expected);
    }
}

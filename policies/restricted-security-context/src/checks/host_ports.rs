//! `hostPorts` (baseline 1.0): no container may set `ports[*].hostPort`
//! (unset or 0 passes).

use super::{Finding, Pod, SortedSet, containers_phrase, pluralize};

pub fn check(pod: &Pod<'_, '_>) -> Option<Finding> {
    let mut bad_containers = Vec::new();
    // PSA sorts the ports as strings ("10" before "9"); so do we.
    let mut ports = SortedSet::new();
    for c in pod.containers() {
        let mut uses_host_port = false;
        for port in c
            .ports
            .iter()
            .filter_map(|p| p.host_port)
            .filter(|&p| p != 0)
        {
            uses_host_port = true;
            ports.insert(port.to_string());
        }
        if uses_host_port {
            bad_containers.push(c.name.as_ref());
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    Some(Finding::new(
        "hostPort",
        format!(
            "{} {} {} {}",
            containers_phrase(&bad_containers),
            pluralize("uses", "use", bad_containers.len()),
            pluralize("hostPort", "hostPorts", ports.len()),
            ports.into_iter().collect::<Vec<_>>().join(", ")
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{assert_outcome, pod};
    use rstest::rstest;

    #[rstest]
    #[case::no_ports(r#"{"containers":[{"name":"a"}]}"#, None)]
    #[case::container_port_only(
        r#"{"containers":[{"name":"a","ports":[{"containerPort":80}]}]}"#,
        None
    )]
    #[case::zero(
        r#"{"containers":[{"name":"a","ports":[{"containerPort":80,"hostPort":0}]}]}"#,
        None
    )]
    #[case::one(
        r#"{"containers":[{"name":"a","ports":[{"containerPort":80,"hostPort":8080}]}]}"#,
        Some(r#"hostPort (container "a" uses hostPort 8080)"#)
    )]
    #[case::all_lists_sorted_as_text(
        r#"{"initContainers":[{"name":"i","ports":[{"hostPort":9}]}],"containers":[{"name":"a","ports":[{"hostPort":10},{"hostPort":9}]}],"ephemeralContainers":[{"name":"e","ports":[{"hostPort":8080}]}]}"#,
        Some(r#"hostPort (containers "i", "a", "e" use hostPorts 10, 8080, 9)"#)
    )]
    fn host_ports(#[case] spec: &str, #[case] expected: Option<&str>) {
        assert_outcome(pod(spec).run(check), expected);
    }
}

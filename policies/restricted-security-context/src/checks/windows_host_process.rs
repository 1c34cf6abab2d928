//! `windowsHostProcess` (baseline 1.0): neither the pod nor any container
//! may set `securityContext.windowsOptions.hostProcess=true`.

use super::{Finding, Pod, containers_phrase};
use crate::view::WindowsOptions;

fn host_process(options: Option<&WindowsOptions>) -> bool {
    options.and_then(|o| o.host_process) == Some(true)
}

pub fn check(pod: &Pod<'_, '_>) -> Option<Finding> {
    let bad: Vec<&str> = pod
        .containers()
        .filter(|c| {
            host_process(
                c.security_context
                    .as_ref()
                    .and_then(|sc| sc.windows_options.as_ref()),
            )
        })
        .map(|c| c.name.as_ref())
        .collect();
    let mut setters = Vec::new();
    if host_process(
        pod.spec
            .security_context
            .as_ref()
            .and_then(|sc| sc.windows_options.as_ref()),
    ) {
        setters.push("pod".to_string());
    }
    if !bad.is_empty() {
        setters.push(containers_phrase(&bad));
    }
    if setters.is_empty() {
        return None;
    }
    Some(Finding::new(
        "hostProcess",
        format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            setters.join(" and ")
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{assert_outcome, pod};
    use rstest::rstest;

    #[rstest]
    #[case::unset(
        r#"{"containers":[{"name":"a","securityContext":{"windowsOptions":{}}}]}"#,
        None
    )]
    #[case::false_(
        r#"{"securityContext":{"windowsOptions":{"hostProcess":false}},"containers":[{"name":"a","securityContext":{"windowsOptions":{"hostProcess":false,"runAsUserName":"x"}}}]}"#,
        None
    )]
    #[case::pod(
        r#"{"securityContext":{"windowsOptions":{"hostProcess":true}}}"#,
        Some("hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)")
    )]
    #[case::pod_and_containers(
        r#"{"securityContext":{"windowsOptions":{"hostProcess":true}},"initContainers":[{"name":"i","securityContext":{"windowsOptions":{"hostProcess":true}}}],"ephemeralContainers":[{"name":"e","securityContext":{"windowsOptions":{"hostProcess":true}}}]}"#,
        Some(r#"hostProcess (pod and containers "i", "e" must not set securityContext.windowsOptions.hostProcess=true)"#)
    )]
    fn windows_host_process(#[case] spec: &str, #[case] expected: Option<&str>) {
        assert_outcome(pod(spec).run(check), expected);
    }
}

//! `seLinuxOptions` (baseline 1.31): the SELinux type may only be empty,
//! `container_t`, `container_init_t`, `container_kvm_t` or
//! `container_engine_t`, and user and role must not be set, on the pod and
//! on every container.

use super::{Finding, Pod, SortedSet, containers_phrase, join_quote, pluralize};
use crate::view::SeLinuxOptions;

const ALLOWED_TYPES: [&str; 5] = [
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

#[derive(Default)]
struct Offences {
    bad_types: SortedSet,
    set_user: bool,
    set_role: bool,
}

impl Offences {
    /// Records what is wrong with `opts`; true when anything is.
    fn record(&mut self, opts: &SeLinuxOptions<'_>) -> bool {
        let mut valid = true;
        if !ALLOWED_TYPES.contains(&opts.kind.as_ref()) {
            valid = false;
            self.bad_types.insert(opts.kind.to_string());
        }
        if !opts.user.is_empty() {
            valid = false;
            self.set_user = true;
        }
        if !opts.role.is_empty() {
            valid = false;
            self.set_role = true;
        }
        !valid
    }
}

pub fn check(pod: &Pod<'_, '_>) -> Option<Finding> {
    let mut offences = Offences::default();
    let mut setters = Vec::new();
    let pod_opts = pod
        .spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.se_linux_options.as_ref());
    if pod_opts.is_some_and(|o| offences.record(o)) {
        setters.push("pod".to_string());
    }
    let mut bad_containers = Vec::new();
    for c in pod.containers() {
        let opts = c
            .security_context
            .as_ref()
            .and_then(|sc| sc.se_linux_options.as_ref());
        if opts.is_some_and(|o| offences.record(o)) {
            bad_containers.push(c.name.as_ref());
        }
    }
    if !bad_containers.is_empty() {
        setters.push(containers_phrase(&bad_containers));
    }
    if setters.is_empty() {
        return None;
    }
    let mut data = Vec::new();
    if !offences.bad_types.is_empty() {
        data.push(format!(
            "{} {}",
            pluralize("type", "types", offences.bad_types.len()),
            join_quote(&offences.bad_types)
        ));
    }
    if offences.set_user {
        data.push("user may not be set".to_string());
    }
    if offences.set_role {
        data.push("role may not be set".to_string());
    }
    Some(Finding::new(
        "seLinuxOptions",
        format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            setters.join(" and "),
            data.join("; ")
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{assert_outcome, pod};
    use rstest::rstest;

    #[rstest]
    #[case::unset(r#"{"containers":[{"name":"a"}]}"#, None)]
    #[case::allowed_types(
        r#"{"securityContext":{"seLinuxOptions":{"type":"container_t","level":"s0:c1,c2"}},"initContainers":[{"name":"i","securityContext":{"seLinuxOptions":{"type":"container_init_t"}}}],"containers":[{"name":"a","securityContext":{"seLinuxOptions":{"type":"container_kvm_t"}}},{"name":"b","securityContext":{"seLinuxOptions":{"type":"container_engine_t"}}},{"name":"c","securityContext":{"seLinuxOptions":{}}}]}"#,
        None
    )]
    #[case::pod_type(
        r#"{"securityContext":{"seLinuxOptions":{"type":"spc_t"}}}"#,
        Some(r#"seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type "spc_t")"#)
    )]
    #[case::pod_user_container_role(
        r#"{"securityContext":{"seLinuxOptions":{"user":"sysadm_u"}},"containers":[{"name":"a","securityContext":{"seLinuxOptions":{"role":"sysadm_r"}}}]}"#,
        Some(r#"seLinuxOptions (pod and container "a" set forbidden securityContext.seLinuxOptions: user may not be set; role may not be set)"#)
    )]
    #[case::everything(
        r#"{"initContainers":[{"name":"i","securityContext":{"seLinuxOptions":{"type":"foo","user":"u","role":"r"}}}],"ephemeralContainers":[{"name":"e","securityContext":{"seLinuxOptions":{"type":"bar"}}}]}"#,
        Some(r#"seLinuxOptions (containers "i", "e" set forbidden securityContext.seLinuxOptions: types "bar", "foo"; user may not be set; role may not be set)"#)
    )]
    fn se_linux(#[case] spec: &str, #[case] expected: Option<&str>) {
        assert_outcome(pod(spec).run(check), expected);
    }
}

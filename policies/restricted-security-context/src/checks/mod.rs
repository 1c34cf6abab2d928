//! The checks Pod Security Admission runs for `restricted:latest`, one module
//! per upstream check, in PSA's order (baseline IDs sorted, then restricted
//! IDs sorted) so messages list failures exactly as PSA does.
//!
//! PSA's restricted profile has 19 check IDs. Four baseline checks are
//! overridden at restricted by a stricter restricted check whose failures
//! are a superset of theirs, exactly as upstream: `capabilities_baseline` by
//! `capabilities_restricted`, `hostPathVolumes` by `restrictedVolumes`,
//! `procMount` by `procMount_restricted` and `seccompProfile_baseline` by
//! `seccompProfile_restricted`. So 15 functions run.

use std::collections::BTreeSet;

use crate::view::{Container, Metadata, PodSpec};

pub mod allow_privilege_escalation;
pub mod app_armor_profile;
pub mod capabilities_restricted;
pub mod host_namespaces;
pub mod host_ports;
pub mod host_probes_and_host_lifecycle;
pub mod privileged;
pub mod proc_mount_restricted;
pub mod restricted_volumes;
pub mod run_as_non_root;
pub mod run_as_user;
pub mod se_linux_options;
pub mod seccomp_profile_restricted;
pub mod sysctls;
pub mod windows_host_process;

/// What a check sees: the pod (template) metadata and spec, plus the
/// capabilities the policy settings allow beyond PSA's `NET_BIND_SERVICE`.
pub struct Pod<'v, 'a> {
    pub metadata: &'v Metadata<'a>,
    pub spec: &'v PodSpec<'a>,
    pub extra_capabilities: &'v [String],
}

impl<'v, 'a> Pod<'v, 'a> {
    pub fn containers(&self) -> impl Iterator<Item = &'v Container<'a>> {
        self.spec.all_containers()
    }
}

/// A failed check: PSA's short reason and its detail (may be empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub reason: String,
    pub detail: String,
}

impl Finding {
    pub fn new(reason: impl Into<String>, detail: impl Into<String>) -> Self {
        Finding {
            reason: reason.into(),
            detail: detail.into(),
        }
    }
}

impl std::fmt::Display for Finding {
    /// `reason (detail)`, or the bare reason when there is no detail.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.detail.is_empty() {
            f.write_str(&self.reason)
        } else {
            write!(f, "{} ({})", self.reason, self.detail)
        }
    }
}

type CheckFn = fn(&Pod<'_, '_>) -> Option<Finding>;

/// The restricted:latest checks, in PSA's reporting order.
pub const CHECKS: [(&str, CheckFn); 15] = [
    ("appArmorProfile", app_armor_profile::check),
    ("hostNamespaces", host_namespaces::check),
    ("hostPorts", host_ports::check),
    (
        "hostProbesAndHostLifecycle",
        host_probes_and_host_lifecycle::check,
    ),
    ("privileged", privileged::check),
    ("seLinuxOptions", se_linux_options::check),
    ("sysctls", sysctls::check),
    ("windowsHostProcess", windows_host_process::check),
    (
        "allowPrivilegeEscalation",
        allow_privilege_escalation::check,
    ),
    ("capabilities_restricted", capabilities_restricted::check),
    ("procMount_restricted", proc_mount_restricted::check),
    ("restrictedVolumes", restricted_volumes::check),
    ("runAsNonRoot", run_as_non_root::check),
    ("runAsUser", run_as_user::check),
    (
        "seccompProfile_restricted",
        seccomp_profile_restricted::check,
    ),
];

/// Runs every check and returns the failures in PSA's order.
pub fn evaluate(pod: &Pod<'_, '_>) -> Vec<Finding> {
    CHECKS.iter().filter_map(|(_, check)| check(pod)).collect()
}

/// PSA's `pluralize`.
pub fn pluralize<'s>(singular: &'s str, plural: &'s str, count: usize) -> &'s str {
    if count == 1 { singular } else { plural }
}

/// PSA's `joinQuote`: `"a", "b"`.
pub fn join_quote<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    let quoted: Vec<String> = items
        .into_iter()
        .map(|s| format!("\"{}\"", s.as_ref()))
        .collect();
    quoted.join(", ")
}

/// `container "a"` or `containers "a", "b"`.
pub fn containers_phrase<S: AsRef<str>>(names: &[S]) -> String {
    format!(
        "{} {}",
        pluralize("container", "containers", names.len()),
        join_quote(names)
    )
}

/// A sorted set of distinct values, like Go's `sets.String.List()`.
pub type SortedSet = BTreeSet<String>;

/// Go's `%q` for the strings PSA quotes that way (annotation values).
pub fn go_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
pub mod testing {
    //! Builds check inputs from JSON pod specs for the per-check tables.

    use super::*;

    pub struct Owned {
        json: String,
        meta: String,
    }

    /// A pod spec (JSON) with optional metadata (JSON).
    pub fn pod(spec: &str) -> Owned {
        Owned {
            json: spec.to_string(),
            meta: "{}".to_string(),
        }
    }

    impl Owned {
        pub fn with_metadata(mut self, meta: &str) -> Self {
            self.meta = meta.to_string();
            self
        }

        /// Runs `check` on the pod with the given extra capabilities.
        pub fn run_with(&self, check: CheckFn, extra: &[&str]) -> Option<Finding> {
            let spec: PodSpec = serde_json::from_str(&self.json).expect("test spec decodes");
            let metadata: Metadata =
                serde_json::from_str(&self.meta).expect("test metadata decodes");
            let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
            check(&Pod {
                metadata: &metadata,
                spec: &spec,
                extra_capabilities: &extra,
            })
        }

        pub fn run(&self, check: CheckFn) -> Option<Finding> {
            self.run_with(check, &[])
        }
    }

    /// Asserts a check's outcome: `None` means allowed, otherwise the
    /// expected `reason (detail)` text.
    pub fn assert_outcome(actual: Option<Finding>, expected: Option<&str>) {
        assert_eq!(actual.map(|f| f.to_string()).as_deref(), expected);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[test]
    fn checks_are_in_psa_order_baseline_sorted_then_restricted_sorted() {
        let ids: Vec<&str> = CHECKS.iter().map(|(id, _)| *id).collect();
        let (baseline, restricted) = ids.split_at(8);
        let mut sorted_baseline = baseline.to_vec();
        sorted_baseline.sort_unstable();
        let mut sorted_restricted = restricted.to_vec();
        sorted_restricted.sort_unstable();
        assert_eq!(baseline, sorted_baseline.as_slice());
        assert_eq!(restricted, sorted_restricted.as_slice());
    }

    #[rstest]
    #[case(&[], "")]
    #[case(&["a"], r#""a""#)]
    #[case(&["a", "b"], r#""a", "b""#)]
    fn join_quote_matches_psa(#[case] items: &[&str], #[case] expected: &str) {
        assert_eq!(join_quote(items), expected);
    }

    #[rstest]
    #[case("unconfined", r#""unconfined""#)]
    #[case("a\"b\\c", r#""a\"b\\c""#)]
    #[case("line\nbreak\u{1}", r#""line\nbreak\x01""#)]
    #[case("ünï", "\"ünï\"")]
    fn go_quote_escapes_like_go(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(go_quote(input), expected);
    }

    #[test]
    fn finding_without_detail_is_the_bare_reason() {
        assert_eq!(Finding::new("x", "").to_string(), "x");
        assert_eq!(Finding::new("x", "y").to_string(), "x (y)");
    }
}

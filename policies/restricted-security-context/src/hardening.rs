//! VDI hardening beyond PSA restricted: an immutable root filesystem and no
//! service account token in session pods. Each rule is one settings switch.

use crate::checks::{Finding, containers_phrase, join_quote, pluralize};
use crate::settings::Settings;
use crate::view::PodSpec;

/// Every container (all three lists) must set
/// `readOnlyRootFilesystem: true`. Windows pods are skipped: the API server
/// forbids the field on them, so the rule could never be met.
pub fn read_only_root_filesystem(spec: &PodSpec<'_>) -> Option<Finding> {
    if spec.is_windows() {
        return None;
    }
    let bad: Vec<&str> = spec
        .all_containers()
        .filter(|c| {
            c.security_context
                .as_ref()
                .and_then(|sc| sc.read_only_root_filesystem)
                != Some(true)
        })
        .map(|c| c.name.as_ref())
        .collect();
    if bad.is_empty() {
        return None;
    }
    Some(Finding::new(
        "readOnlyRootFilesystem != true",
        format!(
            "{} must set securityContext.readOnlyRootFilesystem=true",
            containers_phrase(&bad)
        ),
    ))
}

/// The pod must opt out of the automatic token mount, and must not mount a
/// token explicitly through a projected `serviceAccountToken` source either.
pub fn service_account_token(spec: &PodSpec<'_>, spec_path: &str) -> Option<Finding> {
    let mut details = Vec::new();
    if spec.automount_service_account_token != Some(false) {
        details.push(format!(
            "pod must set {spec_path}.automountServiceAccountToken=false"
        ));
    }
    let projecting: Vec<&str> = spec
        .volumes
        .iter()
        .filter(|v| v.projects_service_account_token)
        .map(|v| v.name.as_ref())
        .collect();
    if !projecting.is_empty() {
        details.push(format!(
            "{} {} must not project a serviceAccountToken",
            pluralize("volume", "volumes", projecting.len()),
            join_quote(&projecting)
        ));
    }
    if details.is_empty() {
        return None;
    }
    Some(Finding::new("service account token", details.join("; ")))
}

/// The hardening failures the settings switch on, in a stable order.
pub fn evaluate(spec: &PodSpec<'_>, spec_path: &str, settings: &Settings) -> Vec<Finding> {
    let mut findings = Vec::new();
    if settings.require_read_only_root_filesystem {
        findings.extend(read_only_root_filesystem(spec));
    }
    if settings.deny_service_account_token_automount {
        findings.extend(service_account_token(spec, spec_path));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn spec(json: &str) -> PodSpec<'_> {
        serde_json::from_str(json).unwrap()
    }

    #[rstest]
    #[case::all_read_only(
        r#"{"initContainers":[{"name":"i","securityContext":{"readOnlyRootFilesystem":true}}],"containers":[{"name":"a","securityContext":{"readOnlyRootFilesystem":true}}]}"#,
        None
    )]
    #[case::unset_false_and_debug(
        r#"{"initContainers":[{"name":"i"}],"containers":[{"name":"a","securityContext":{"readOnlyRootFilesystem":false}},{"name":"b","securityContext":{"readOnlyRootFilesystem":true}}],"ephemeralContainers":[{"name":"debugger","securityContext":{}}]}"#,
        Some(r#"readOnlyRootFilesystem != true (containers "i", "a", "debugger" must set securityContext.readOnlyRootFilesystem=true)"#)
    )]
    #[case::windows_skipped(r#"{"os":{"name":"windows"},"containers":[{"name":"a"}]}"#, None)]
    fn read_only_root(#[case] json: &str, #[case] expected: Option<&str>) {
        assert_eq!(
            read_only_root_filesystem(&spec(json))
                .map(|f| f.to_string())
                .as_deref(),
            expected
        );
    }

    #[rstest]
    #[case::opted_out(r#"{"automountServiceAccountToken":false,"volumes":[{"name":"p","projected":{"sources":[{"configMap":{"name":"c"}}]}}]}"#, None)]
    #[case::unset(
        "{}",
        Some(
            "service account token (pod must set spec.template.spec.automountServiceAccountToken=false)"
        )
    )]
    #[case::true_and_projected_token(
        r#"{"automountServiceAccountToken":true,"volumes":[{"name":"tok","projected":{"sources":[{"serviceAccountToken":{"path":"t"}}]}},{"name":"other","emptyDir":{}}]}"#,
        Some(r#"service account token (pod must set spec.template.spec.automountServiceAccountToken=false; volume "tok" must not project a serviceAccountToken)"#)
    )]
    #[case::projected_token_despite_opt_out(
        r#"{"automountServiceAccountToken":false,"volumes":[{"name":"a","projected":{"sources":[{"secret":{"name":"s"}},{"serviceAccountToken":{"path":"t","audience":"vault"}}]}},{"name":"b","projected":{"sources":[{"serviceAccountToken":{"path":"t"}}]}}]}"#,
        Some(r#"service account token (volumes "a", "b" must not project a serviceAccountToken)"#)
    )]
    fn token(#[case] json: &str, #[case] expected: Option<&str>) {
        assert_eq!(
            service_account_token(&spec(json), "spec.template.spec")
                .map(|f| f.to_string())
                .as_deref(),
            expected
        );
    }

    #[test]
    fn switches_turn_rules_off() {
        let s = spec(r#"{"containers":[{"name":"a"}]}"#);
        assert_eq!(evaluate(&s, "spec", &Settings::default()).len(), 2);
        let off = Settings {
            require_read_only_root_filesystem: false,
            deny_service_account_token_automount: false,
            allowed_capabilities: Vec::new(),
            mutate: false,
        };
        assert!(evaluate(&s, "spec", &off).is_empty());
    }
}

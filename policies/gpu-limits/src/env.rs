//! Device-selection environment variables.
//!
//! The NVIDIA container runtime picks the devices it mounts from
//! `NVIDIA_VISIBLE_DEVICES` (and MIG access from the `NVIDIA_MIG_*`
//! variables). The device plugin sets them for the GPUs it granted; a value
//! written in the pod spec replaces that and can expose every GPU of the node
//! (`all`) to a container that was granted none.

use shared::Violations;
use shared::quote::quote;

use crate::settings::Settings;
use crate::view::Container;

/// Reports denied variables set under `env` (by `value` or `valueFrom`) and
/// `envFrom` prefixes that could turn a ConfigMap or Secret key into one.
/// An `envFrom` without a prefix imports whatever keys the source holds when
/// the container starts; that cannot be seen at admission (see README).
pub fn check(
    container: &Container<'_>,
    place: &str,
    settings: &Settings,
    violations: &mut Violations,
) {
    for (index, var) in container.env.iter().enumerate() {
        if !settings.denied_env.iter().any(|denied| *denied == var.name) {
            continue;
        }
        let how = match (&var.value, &var.value_from) {
            (_, Some(_)) => "from valueFrom".to_string(),
            (Some(value), None) => format!("to {}", quote(value)),
            (None, None) => "to an empty value".to_string(),
        };
        violations.push(format!(
            "{place} env[{index}] sets {} {how}; remove it: the GPU device plugin sets it for the devices \
             the container was granted, and a value from the pod spec bypasses GPU isolation",
            var.name
        ));
    }
    for (index, source) in container.env_from.iter().enumerate() {
        let Some(prefix) = source.prefix.as_deref().filter(|p| !p.is_empty()) else {
            continue;
        };
        let reachable: Vec<&str> = settings
            .denied_env
            .iter()
            .filter(|denied| denied.len() > prefix.len() && denied.starts_with(prefix))
            .map(String::as_str)
            .collect();
        if !reachable.is_empty() {
            violations.push(format!(
                "{place} envFrom[{index}] uses prefix {}, so a key of the ConfigMap or Secret could \
                 become {}; choose a prefix that no denied variable starts with",
                quote(prefix),
                reachable.join(" or ")
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn violations_for(container_json: &str) -> Vec<String> {
        let container: Container = serde_json::from_str(container_json).unwrap();
        let mut v = Violations::new();
        check(&container, "container \"c\"", &Settings::default(), &mut v);
        v.iter().map(str::to_string).collect()
    }

    #[rstest]
    #[case::value(
        r#"{"env":[{"name":"NVIDIA_VISIBLE_DEVICES","value":"all"}]}"#,
        "env[0] sets NVIDIA_VISIBLE_DEVICES to \"all\""
    )]
    #[case::value_from(
        r#"{"env":[{"name":"A","value":"1"},{"name":"NVIDIA_DRIVER_CAPABILITIES","valueFrom":{"configMapKeyRef":{"name":"x","key":"caps"}}}]}"#,
        "env[1] sets NVIDIA_DRIVER_CAPABILITIES from valueFrom"
    )]
    #[case::empty(
        r#"{"env":[{"name":"NVIDIA_MIG_CONFIG_DEVICES"}]}"#,
        "to an empty value"
    )]
    #[case::void(
        r#"{"env":[{"name":"NVIDIA_MIG_MONITOR_DEVICES","value":"none"}]}"#,
        "NVIDIA_MIG_MONITOR_DEVICES to \"none\""
    )]
    #[case::prefix(
        r#"{"envFrom":[{"prefix":"NVIDIA_","configMapRef":{"name":"x"}}]}"#,
        "envFrom[0] uses prefix \"NVIDIA_\""
    )]
    #[case::short_prefix(
        r#"{"envFrom":[{"secretRef":{"name":"y"}},{"prefix":"NV","secretRef":{"name":"x"}}]}"#,
        "envFrom[1]"
    )]
    fn denied(#[case] json: &str, #[case] fragment: &str) {
        let v = violations_for(json);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v.iter().all(|m| m.contains(fragment)), "{v:?}");
    }

    #[rstest]
    #[case::other(r#"{"env":[{"name":"CUDA_VISIBLE_DEVICES","value":"0"}]}"#)]
    #[case::case_differs(r#"{"env":[{"name":"nvidia_visible_devices","value":"all"}]}"#)]
    #[case::no_prefix(r#"{"envFrom":[{"configMapRef":{"name":"x"}}]}"#)]
    #[case::unrelated_prefix(r#"{"envFrom":[{"prefix":"APP_","configMapRef":{"name":"x"}}]}"#)]
    #[case::full_name_prefix(
        r#"{"envFrom":[{"prefix":"NVIDIA_VISIBLE_DEVICES","configMapRef":{"name":"x"}}]}"#
    )]
    fn allowed(#[case] json: &str) {
        assert_eq!(violations_for(json), Vec::<String>::new());
    }

    #[test]
    fn every_occurrence_is_reported() {
        let v = violations_for(
            r#"{"env":[{"name":"NVIDIA_VISIBLE_DEVICES","value":"0"},{"name":"NVIDIA_VISIBLE_DEVICES","value":"all"}]}"#,
        );
        assert_eq!(v.len(), 2);
    }
}

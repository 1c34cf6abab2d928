//! Settings: which resources are GPUs, how many a session may hold, and
//! which device-plugin ConfigMaps set the time-slicing replica count.

use serde::Deserialize;
use shared::settings::PolicySettings;

#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Settings {
    /// Extended resources that hand out a GPU or a slice of one; a trailing
    /// `*` matches any suffix (`nvidia.com/mig-*` covers every MIG profile).
    pub resource_names: Vec<String>,
    /// Most GPU devices (summed over all GPU resource names) one container may hold.
    pub max_per_container: u64,
    /// Most GPU devices the pod may hold, by the scheduler's effective-request formula.
    pub max_per_pod: u64,
    /// A container that gets a GPU must set a memory limit greater than zero.
    pub require_memory_limit: bool,
    /// Environment variables no container may set: the NVIDIA runtime reads
    /// them to pick devices, which bypasses the device plugin.
    pub denied_env: Vec<String>,
    /// Runtime classes that expose the NVIDIA runtime; a pod using one must request a GPU.
    pub gpu_runtime_classes: Vec<String>,
    /// Highest `replicas` a time-slicing or MPS config may give one physical GPU.
    pub max_time_slicing_replicas: u64,
    /// Device-plugin config ConfigMaps, as `namespace/name`.
    pub time_slicing_config_maps: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        let strings = |items: &[&str]| items.iter().map(|s| s.to_string()).collect();
        Settings {
            resource_names: strings(&[
                "nvidia.com/gpu",
                "nvidia.com/gpu.shared",
                "nvidia.com/mig-*",
            ]),
            max_per_container: 1,
            max_per_pod: 1,
            require_memory_limit: true,
            denied_env: strings(&[
                "NVIDIA_VISIBLE_DEVICES",
                "NVIDIA_DRIVER_CAPABILITIES",
                "NVIDIA_MIG_CONFIG_DEVICES",
                "NVIDIA_MIG_MONITOR_DEVICES",
            ]),
            // The NVIDIA GPU Operator's RuntimeClasses: `nvidia`, and with CDI
            // (the default from v25.10) `nvidia-cdi` and `nvidia-legacy`.
            gpu_runtime_classes: strings(&["nvidia", "nvidia-cdi", "nvidia-legacy"]),
            max_time_slicing_replicas: 8,
            time_slicing_config_maps: Vec::new(),
        }
    }
}

impl Settings {
    /// True when `name` is one of the configured GPU resources. Matching is
    /// exact and case-sensitive, as resource names are.
    pub fn is_gpu_resource(&self, name: &str) -> bool {
        self.resource_names
            .iter()
            .any(|pattern| match pattern.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => name == pattern,
            })
    }

    /// True when `namespace/name` is one of the listed time-slicing ConfigMaps.
    pub fn is_time_slicing_config_map(&self, namespace: &str, name: &str) -> bool {
        self.time_slicing_config_maps.iter().any(|entry| {
            entry
                .split_once('/')
                .is_some_and(|(ns, n)| ns == namespace && n == name)
        })
    }
}

fn check_resource_name(pattern: &str) -> Result<(), String> {
    let fixed = pattern.strip_suffix('*').unwrap_or(pattern);
    if fixed.contains('*') {
        return Err(format!(
            "resourceNames: {pattern:?} may only use `*` as its last character, e.g. nvidia.com/mig-*"
        ));
    }
    if fixed
        .split_once('/')
        .is_none_or(|(domain, _)| domain.is_empty())
    {
        return Err(format!(
            "resourceNames: {pattern:?} must be a domain-prefixed extended resource such as nvidia.com/gpu \
             (a wildcard may only follow the domain/ part)"
        ));
    }
    if pattern.chars().any(char::is_whitespace) {
        return Err(format!("resourceNames: {pattern:?} contains whitespace"));
    }
    Ok(())
}

fn check_config_map(entry: &str) -> Result<(), String> {
    let valid_part = |part: &str| {
        !part.is_empty()
            && part.len() <= 253
            && part
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    };
    match entry.split_once('/') {
        Some((namespace, name))
            if valid_part(namespace) && valid_part(name) && !name.contains('/') =>
        {
            Ok(())
        }
        _ => Err(format!(
            "timeSlicingConfigMaps: {entry:?} must be namespace/name, e.g. gpu-operator/time-slicing-config"
        )),
    }
}

impl PolicySettings for Settings {
    fn validate(&self) -> Result<(), String> {
        let mut errors = Vec::new();
        if self.resource_names.is_empty() {
            errors.push(
                "resourceNames is empty: list the GPU resources to limit, e.g. nvidia.com/gpu"
                    .to_string(),
            );
        }
        errors.extend(
            self.resource_names
                .iter()
                .filter_map(|p| check_resource_name(p).err()),
        );
        for name in &self.denied_env {
            if name.is_empty() || name.contains('=') {
                errors.push(format!(
                    "deniedEnv: {name:?} is not an environment variable name"
                ));
            }
        }
        if self.gpu_runtime_classes.iter().any(String::is_empty) {
            errors.push("gpuRuntimeClasses: a runtime class name is empty".to_string());
        }
        if self.max_time_slicing_replicas == 0 {
            errors
                .push("maxTimeSlicingReplicas must be at least 1 (1 means no sharing)".to_string());
        }
        errors.extend(
            self.time_slicing_config_maps
                .iter()
                .filter_map(|e| check_config_map(e).err()),
        );
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use shared::settings::check;

    #[test]
    fn defaults_follow_the_design() {
        let s = check::<Settings>(b"{}").unwrap();
        assert_eq!(s, Settings::default());
        assert_eq!(
            (
                s.max_per_container,
                s.max_per_pod,
                s.max_time_slicing_replicas
            ),
            (1, 1, 8)
        );
        assert!(s.require_memory_limit);
        assert_eq!(s.denied_env.len(), 4);
        assert_eq!(
            s.gpu_runtime_classes,
            ["nvidia", "nvidia-cdi", "nvidia-legacy"]
        );
    }

    #[rstest]
    #[case("nvidia.com/gpu", true)]
    #[case("nvidia.com/gpu.shared", true)]
    #[case("nvidia.com/mig-1g.5gb", true)]
    #[case("nvidia.com/mig-", true)]
    #[case("nvidia.com/gpus", false)]
    #[case("nvidia.com/GPU", false)]
    #[case("amd.com/gpu", false)]
    #[case("nvidia.com/mig", false)]
    #[case("memory", false)]
    fn default_resource_patterns(#[case] name: &str, #[case] gpu: bool) {
        assert_eq!(Settings::default().is_gpu_resource(name), gpu);
    }

    #[test]
    fn config_maps_match_namespace_and_name() {
        let s: Settings =
            check(br#"{"timeSlicingConfigMaps": ["gpu-operator/time-slicing"]}"#).unwrap();
        assert!(s.is_time_slicing_config_map("gpu-operator", "time-slicing"));
        assert!(!s.is_time_slicing_config_map("vdi", "time-slicing"));
        assert!(!s.is_time_slicing_config_map("gpu-operator", "time-slicing-2"));
    }

    #[rstest]
    #[case(r#"{"resourceNames": ["amd.com/gpu", "nvidia.com/*"], "maxPerPod": 2, "maxPerContainer": 2}"#)]
    #[case(r#"{"maxPerContainer": 0, "maxPerPod": 0, "gpuRuntimeClasses": []}"#)]
    #[case(r#"{"timeSlicingConfigMaps": ["gpu-operator/time-slicing-config", "kube-system/nvidia.plugin"]}"#)]
    fn valid_settings(#[case] json: &str) {
        check::<Settings>(json.as_bytes()).unwrap();
    }

    #[rstest]
    #[case::unknown(r#"{"maxPerPods": 2}"#, "unknown field `maxPerPods`")]
    #[case::negative(r#"{"maxPerPod": -1}"#, "invalid value")]
    #[case::string_number(r#"{"maxPerPod": "1"}"#, "invalid type")]
    #[case::empty_names(r#"{"resourceNames": []}"#, "resourceNames is empty")]
    #[case::bare_star(r#"{"resourceNames": ["*"]}"#, "domain-prefixed")]
    #[case::no_domain(r#"{"resourceNames": ["gpu"]}"#, "domain-prefixed")]
    #[case::inner_star(r#"{"resourceNames": ["nvidia.com/mig-*.5gb"]}"#, "last character")]
    #[case::domain_star(r#"{"resourceNames": ["nvidia.*"]}"#, "domain-prefixed")]
    #[case::env(r#"{"deniedEnv": [""]}"#, "deniedEnv")]
    #[case::runtime(r#"{"gpuRuntimeClasses": [""]}"#, "gpuRuntimeClasses")]
    #[case::replicas(r#"{"maxTimeSlicingReplicas": 0}"#, "maxTimeSlicingReplicas")]
    #[case::cm_no_ns(r#"{"timeSlicingConfigMaps": ["time-slicing"]}"#, "namespace/name")]
    #[case::cm_extra(r#"{"timeSlicingConfigMaps": ["a/b/c"]}"#, "namespace/name")]
    #[case::cm_empty(r#"{"timeSlicingConfigMaps": ["gpu-operator/"]}"#, "namespace/name")]
    #[case::cm_upper(r#"{"timeSlicingConfigMaps": ["GPU/x"]}"#, "namespace/name")]
    fn invalid_settings(#[case] json: &str, #[case] fragment: &str) {
        let e = check::<Settings>(json.as_bytes()).unwrap_err();
        assert!(e.contains(fragment), "{e}");
    }

    #[test]
    fn every_error_is_reported_at_once() {
        let e = check::<Settings>(br#"{"resourceNames": ["gpu"], "maxTimeSlicingReplicas": 0}"#)
            .unwrap_err();
        assert!(
            e.contains("resourceNames") && e.contains("maxTimeSlicingReplicas"),
            "{e}"
        );
    }
}

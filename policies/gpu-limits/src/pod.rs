//! GPU rules for a pod spec: per container, per pod, runtime class and env.

use shared::Violations;
use shared::containers::{ContainerKind, walk};

use crate::env;
use crate::resources::{GpuCounts, check_memory_limit, gpu_counts};
use crate::settings::Settings;
use crate::view::PodSpec;

/// The pod's GPU count as the scheduler computes its effective request
/// (per resource name): the larger of
/// - every app container plus every restartable init container (sidecars run
///   alongside the app), and
/// - each regular init container plus the sidecars started before it.
#[derive(Default)]
struct EffectiveRequest<'r> {
    app: GpuCounts<'r>,
    sidecars: GpuCounts<'r>,
    init_peak: GpuCounts<'r>,
}

impl<'r> EffectiveRequest<'r> {
    fn add_app(&mut self, counts: &GpuCounts<'r>) {
        for (name, n) in counts.iter() {
            self.app.add(name, n);
        }
    }

    fn add_init(&mut self, counts: &GpuCounts<'r>, restartable: bool) {
        for (name, n) in counts.iter() {
            let running = self.sidecars.get(name).saturating_add(n);
            if restartable {
                self.sidecars.add(name, n);
            }
            self.init_peak.raise(name, running);
        }
    }

    fn per_resource(&self) -> GpuCounts<'r> {
        let mut result = self.init_peak.clone();
        for (name, n) in self.app.iter() {
            result.raise(name, n.saturating_add(self.sidecars.get(name)));
        }
        for (name, n) in self.sidecars.iter() {
            result.raise(name, n);
        }
        result
    }
}

/// Checks every container of `spec` and the pod as a whole.
pub fn check(
    spec: &PodSpec<'_>,
    spec_path: &'static str,
    settings: &Settings,
    violations: &mut Violations,
) {
    let mut effective = EffectiveRequest::default();
    for located in walk(spec, spec_path) {
        let container = located.container;
        let place = located.describe();
        let counts = gpu_counts(&container.resources, settings, &place, violations);
        let gpus = counts.total();
        if gpus > 0 {
            check_container(located.kind, &counts, &place, settings, violations);
            if settings.require_memory_limit && located.kind != ContainerKind::Ephemeral {
                check_memory_limit(&container.resources, &place, violations);
            }
        }
        match located.kind {
            ContainerKind::Init => {
                let restartable = container.restart_policy.as_deref() == Some("Always");
                effective.add_init(&counts, restartable);
            }
            ContainerKind::Regular => effective.add_app(&counts),
            ContainerKind::Ephemeral => {}
        }
        env::check(container, &place, settings, violations);
    }
    let pod = effective.per_resource();
    let pod_total = pod.total();
    if pod_total > settings.max_per_pod {
        violations.push(format!(
            "the pod would hold {pod_total} GPUs ({}) counting app containers plus restartable init \
             (sidecar) containers, or the largest init container if that is more; at most {} per pod \
             (maxPerPod)",
            pod.breakdown(),
            settings.max_per_pod
        ));
    }
    if let Some(class) = spec.runtime_class_name.as_deref()
        && pod_total == 0
        && settings.gpu_runtime_classes.iter().any(|c| c == class)
    {
        violations.push(format!(
            "{spec_path}.runtimeClassName is {class:?}, a GPU runtime, but no container requests a GPU; \
             the runtime would give unrequested GPU access, so request a GPU in resources.limits or \
             remove runtimeClassName"
        ));
    }
}

fn check_container(
    kind: ContainerKind,
    counts: &GpuCounts<'_>,
    place: &str,
    settings: &Settings,
    violations: &mut Violations,
) {
    if kind == ContainerKind::Ephemeral {
        violations.push(format!(
            "{place} requests GPUs ({}); ephemeral containers cannot be given resources, remove them",
            counts.breakdown()
        ));
        return;
    }
    let gpus = counts.total();
    if gpus > settings.max_per_container {
        violations.push(format!(
            "{place} requests {gpus} GPUs ({}); at most {} per container (maxPerContainer)",
            counts.breakdown(),
            settings.max_per_container
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn counts(items: &[(&'static str, u64)]) -> GpuCounts<'static> {
        let mut c = GpuCounts::default();
        for (name, n) in items {
            c.add(name, *n);
        }
        c
    }

    fn gpus(n: u64) -> GpuCounts<'static> {
        counts(&[("nvidia.com/gpu", n)])
    }

    /// (kind, restartable, gpus) in pod order.
    fn effective(containers: &[(ContainerKind, bool, u64)]) -> u64 {
        let counts: Vec<_> = containers.iter().map(|(_, _, n)| gpus(*n)).collect();
        let mut e = EffectiveRequest::default();
        for ((kind, restartable, _), c) in containers.iter().zip(&counts) {
            match kind {
                ContainerKind::Init => e.add_init(c, *restartable),
                ContainerKind::Regular => e.add_app(c),
                ContainerKind::Ephemeral => {}
            }
        }
        e.per_resource().total()
    }

    use ContainerKind::{Init, Regular};

    #[rstest]
    #[case::single(&[(Regular, false, 1)], 1)]
    #[case::two_apps(&[(Regular, false, 1), (Regular, false, 1)], 2)]
    #[case::init_larger(&[(Init, false, 2), (Regular, false, 1)], 2)]
    #[case::init_smaller(&[(Init, false, 1), (Regular, false, 1)], 1)]
    #[case::sidecar_plus_app(&[(Init, true, 1), (Regular, false, 1)], 2)]
    #[case::sidecar_then_init(&[(Init, true, 1), (Init, false, 2), (Regular, false, 0)], 3)]
    #[case::init_then_sidecar(&[(Init, false, 2), (Init, true, 1), (Regular, false, 0)], 2)]
    #[case::sidecar_only(&[(Init, true, 1), (Regular, false, 0)], 1)]
    #[case::ephemeral_ignored(&[(ContainerKind::Ephemeral, false, 5), (Regular, false, 1)], 1)]
    fn effective_request_follows_the_scheduler(
        #[case] containers: &[(ContainerKind, bool, u64)],
        #[case] expected: u64,
    ) {
        assert_eq!(effective(containers), expected);
    }

    #[test]
    fn effective_request_is_per_resource_name_then_summed() {
        let mig = counts(&[("nvidia.com/mig-1g.5gb", 1)]);
        let mut e = EffectiveRequest::default();
        e.add_init(&mig, false);
        e.add_app(&gpus(1));
        assert_eq!(
            e.per_resource().breakdown(),
            "nvidia.com/mig-1g.5gb: 1, nvidia.com/gpu: 1"
        );
    }
}

//! From an admission request to a verdict, following PSA's admission rules
//! for which updates are evaluated at all.

use shared::Input;
use shared::policy::Template;
use shared::request::{AdmissionRequest, Operation, decode_view};
use shared::response::Rejection;

use crate::checks::{self, Finding, Pod};
use crate::hardening;
use crate::settings::Settings;
use crate::view::{ContainerImage, PodImages, PodSpec, Views};

/// A pod spec, of a Pod, a workload's template or the
/// `pods/ephemeralcontainers` subresource, against PSA `restricted:latest`
/// and the VDI hardening.
pub fn validate(
    input: &Input<'_, '_, Settings>,
    template: &Template<'_, Views>,
) -> Result<(), Rejection> {
    let (request, settings) = (input.request, input.settings);
    let kind = input.workload()?;
    let is_pod = kind.kind == "Pod";
    if is_pod
        && request.operation == Operation::Update
        && !significant_pod_update(request, &template.spec)?
    {
        return Ok(());
    }
    let pod = Pod {
        metadata: &template.metadata,
        spec: &template.spec,
        extra_capabilities: &settings.allowed_capabilities,
    };
    let psa = checks::evaluate(&pod);
    let vdi = hardening::evaluate(&template.spec, template.spec_path, settings);
    if psa.is_empty() && vdi.is_empty() {
        return Ok(());
    }
    let mut sections = Vec::new();
    if !psa.is_empty() {
        sections.push(format!(
            "violates PodSecurity \"restricted:latest\": {}",
            join(&psa)
        ));
    }
    if !vdi.is_empty() {
        sections.push(format!("violates VDI hardening: {}", join(&vdi)));
    }
    let subject = if is_pod {
        String::new()
    } else {
        format!("{} pod template ({}) ", kind.kind, template.spec_path)
    };
    Err(Rejection::new(format!("{subject}{}", sections.join("; "))))
}

/// PSA joins failed checks with `", "`.
fn join(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(Finding::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// PSA re-evaluates a pod UPDATE only when it adds or removes containers,
/// changes an image, or adds an ephemeral container: every other pod spec
/// field it checks is immutable, so a label change on a running pod that
/// predates the policy is not blocked.
fn significant_pod_update(
    request: &AdmissionRequest<'_>,
    spec: &PodSpec<'_>,
) -> Result<bool, Rejection> {
    let old: PodImages = decode_view(request.old_object()?, "old Pod")?;
    let old = old.spec.unwrap_or_default();
    let changed = |new: &[crate::view::Container<'_>], old: &[ContainerImage<'_>]| {
        new.len() != old.len() || new.iter().zip(old).any(|(n, o)| n.image != o.image)
    };
    if changed(&spec.containers, &old.containers)
        || changed(&spec.init_containers, &old.init_containers)
    {
        return Ok(true);
    }
    Ok(spec.ephemeral_containers.iter().any(|new| {
        old.ephemeral_containers
            .iter()
            .find(|o| o.name == new.name)
            .is_none_or(|o| o.image != new.image)
    }))
}

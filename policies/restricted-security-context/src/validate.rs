//! From an admission request to a verdict, following PSA's admission rules
//! for which requests are evaluated at all.

use shared::kinds::{PodTemplate, workload_kind, workload_kind_names};
use shared::request::{AdmissionRequest, Operation, decode_view};
use shared::response::Rejection;

use crate::checks::{self, Finding, Pod};
use crate::hardening;
use crate::settings::Settings;
use crate::view::{ContainerImage, Metadata, PodImages, PodSpec};

/// Pod subresources PSA never evaluates: none of them can change the pod
/// spec. Any other pod subresource (`ephemeralcontainers`, `resize`, a future
/// one) carries a Pod and is evaluated, so a skewed cluster fails safe.
const IGNORED_POD_SUBRESOURCES: [&str; 8] = [
    "exec",
    "attach",
    "binding",
    "eviction",
    "log",
    "portforward",
    "proxy",
    "status",
];

pub fn validate(request: &AdmissionRequest<'_>, settings: &Settings) -> Result<(), Rejection> {
    // Nothing is admitted into a pod spec by a DELETE or a CONNECT.
    if matches!(request.operation, Operation::Delete | Operation::Connect) {
        return Ok(());
    }
    let kind = workload_kind(&request.kind).ok_or_else(|| {
        Rejection::new(format!(
            "restricted-security-context does not handle {}; it validates the pod specs of {} \
             (and the pods/ephemeralcontainers subresource). Remove this kind from the policy's rules",
            request.kind,
            workload_kind_names()
        ))
    })?;
    let is_pod = kind.kind == "Pod";
    if let Some(subresource) = request.subresource() {
        // Like PSA: workload subresources (scale, status) carry no pod template.
        if !is_pod || IGNORED_POD_SUBRESOURCES.contains(&subresource) {
            return Ok(());
        }
    }
    let template: PodTemplate<PodSpec, Metadata> = kind.decode(request.object()?)?;
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

//! Request entry point: pick the dialect from the kind, decode the object
//! into that dialect's view, and collect every rule that exposes a metadata
//! endpoint into one rejection.

use shared::request::{AdmissionRequest, GroupVersionKind, Operation, decode_view};
use shared::response::Rejection;
use shared::violations::Violations;

use crate::settings::Settings;
use crate::{calico, cilium, kubernetes};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Kubernetes,
    Cilium { clusterwide: bool },
    Calico,
}

/// (group, version, kind) of every object this policy judges.
pub const KINDS: [(&str, &str, &str, Dialect); 7] = [
    (
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        Dialect::Kubernetes,
    ),
    (
        "cilium.io",
        "v2",
        "CiliumNetworkPolicy",
        Dialect::Cilium { clusterwide: false },
    ),
    (
        "cilium.io",
        "v2",
        "CiliumClusterwideNetworkPolicy",
        Dialect::Cilium { clusterwide: true },
    ),
    ("projectcalico.org", "v3", "NetworkPolicy", Dialect::Calico),
    (
        "projectcalico.org",
        "v3",
        "GlobalNetworkPolicy",
        Dialect::Calico,
    ),
    (
        "crd.projectcalico.org",
        "v1",
        "NetworkPolicy",
        Dialect::Calico,
    ),
    (
        "crd.projectcalico.org",
        "v1",
        "GlobalNetworkPolicy",
        Dialect::Calico,
    ),
];

pub fn dialect(gvk: &GroupVersionKind<'_>) -> Option<Dialect> {
    KINDS
        .iter()
        .find(|(g, v, k, _)| gvk.group == *g && gvk.version == *v && gvk.kind == *k)
        .map(|(.., d)| *d)
}

fn supported() -> String {
    let names: Vec<String> = KINDS
        .iter()
        .map(|(g, v, k, _)| format!("{g}/{v} {k}"))
        .collect();
    names.join(", ")
}

pub fn validate(request: &AdmissionRequest<'_>, settings: &Settings) -> Result<(), Rejection> {
    // Only a created or updated policy can open a path; deleting an allow
    // rule never does.
    if !matches!(request.operation, Operation::Create | Operation::Update) {
        return Ok(());
    }
    let Some(dialect) = dialect(&request.kind) else {
        return Err(Rejection::new(format!(
            "egress-metadata-block does not handle {}; it judges {}. Remove this kind from the policy's rules",
            request.kind,
            supported()
        )));
    };
    let compiled = settings
        .compile()
        .map_err(|e| Rejection::new(format!("the policy settings are invalid: {e}")))?;
    let raw = request.object()?;
    let kind = request.kind.kind.as_ref();
    let mut violations = Violations::new();
    match dialect {
        Dialect::Kubernetes => {
            let policy = decode_view(raw, kind)?;
            kubernetes::check(&policy, &compiled, &mut violations);
        }
        Dialect::Cilium { clusterwide } => {
            let policy = decode_view(raw, kind)?;
            cilium::check(&policy, clusterwide, &compiled, &mut violations);
        }
        Dialect::Calico => {
            let policy = decode_view(raw, kind)?;
            calico::check(&policy, &compiled, &mut violations);
        }
    }
    let name = match (request.namespace.as_deref(), request.name.as_deref()) {
        (Some(ns), Some(name)) if !ns.is_empty() => format!(" {ns}/{name}"),
        (_, Some(name)) => format!(" {name}"),
        _ => String::new(),
    };
    violations.into_result(&format!(
        "{kind}{name} lets pods reach cloud metadata endpoints, which hand out the node's credentials"
    ))
}

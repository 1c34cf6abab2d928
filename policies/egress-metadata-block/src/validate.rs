//! The handlers of the policy's routes: decode the object into its
//! dialect's view and collect every rule that exposes a metadata endpoint
//! into one rejection.

use shared::Input;
use shared::policy::ObjectView;
use shared::request::AdmissionRequest;
use shared::response::Rejection;
use shared::violations::Violations;

use crate::settings::{Compiled, Settings};
use crate::{calico, cilium, kubernetes};

/// The dialects' views of the whole object, as the routes are given them.
pub struct KubernetesView;

impl ObjectView for KubernetesView {
    type Object<'a> = kubernetes::NetworkPolicy<'a>;
}

pub struct CiliumView;

impl ObjectView for CiliumView {
    type Object<'a> = cilium::CiliumPolicy<'a>;
}

pub struct CalicoView;

impl ObjectView for CalicoView {
    type Object<'a> = calico::CalicoPolicy<'a>;
}

/// Kubernetes `networking.k8s.io/v1` NetworkPolicy.
pub fn kubernetes(
    input: &Input<'_, '_, Settings>,
    policy: &kubernetes::NetworkPolicy<'_>,
) -> Result<(), Rejection> {
    judge(input, |compiled, violations| {
        kubernetes::check(policy, compiled, violations)
    })
}

/// Cilium's namespaced CiliumNetworkPolicy.
pub fn cilium_namespaced(
    input: &Input<'_, '_, Settings>,
    policy: &cilium::CiliumPolicy<'_>,
) -> Result<(), Rejection> {
    judge(input, |compiled, violations| {
        cilium::check(policy, false, compiled, violations)
    })
}

/// Cilium's CiliumClusterwideNetworkPolicy.
pub fn cilium_clusterwide(
    input: &Input<'_, '_, Settings>,
    policy: &cilium::CiliumPolicy<'_>,
) -> Result<(), Rejection> {
    judge(input, |compiled, violations| {
        cilium::check(policy, true, compiled, violations)
    })
}

/// Calico's NetworkPolicy and GlobalNetworkPolicy, in either API group.
pub fn calico(
    input: &Input<'_, '_, Settings>,
    policy: &calico::CalicoPolicy<'_>,
) -> Result<(), Rejection> {
    judge(input, |compiled, violations| {
        calico::check(policy, compiled, violations)
    })
}

/// The settings compiled, the dialect's check, one rejection for all it
/// found.
fn judge(
    input: &Input<'_, '_, Settings>,
    check: impl FnOnce(&Compiled, &mut Violations),
) -> Result<(), Rejection> {
    let compiled = input
        .settings
        .compile()
        .map_err(|e| Rejection::new(format!("the policy settings are invalid: {e}")))?;
    let request = input.request;
    let kind = request.kind.kind.as_ref();
    let mut violations = Violations::new();
    check(&compiled, &mut violations);
    violations.into_result(&format!(
        "{kind}{} lets pods reach cloud metadata endpoints, which hand out the node's credentials",
        subject(request)
    ))
}

/// ` namespace/name`, ` name` or nothing, as the request names the object.
fn subject(request: &AdmissionRequest<'_>) -> String {
    match (request.namespace.as_deref(), request.name.as_deref()) {
        (Some(ns), Some(name)) if !ns.is_empty() => format!(" {ns}/{name}"),
        (_, Some(name)) => format!(" {name}"),
        _ => String::new(),
    }
}

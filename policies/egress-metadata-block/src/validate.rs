//! The handlers of the policy's routes: decode the object into its
//! dialect's view and collect every rule that exposes a metadata endpoint
//! into one rejection.

use shared::Input;
use shared::request::{AdmissionRequest, decode_view};
use shared::response::Rejection;
use shared::violations::Violations;

use crate::settings::{Compiled, Settings};
use crate::{calico, cilium, kubernetes};

/// Kubernetes `networking.k8s.io/v1` NetworkPolicy.
pub fn kubernetes(input: &Input<'_, '_, Settings>) -> Result<(), Rejection> {
    judge(input, |raw, kind, compiled, violations| {
        kubernetes::check(&decode_view(raw, kind)?, compiled, violations);
        Ok(())
    })
}

/// Cilium's namespaced CiliumNetworkPolicy.
pub fn cilium_namespaced(input: &Input<'_, '_, Settings>) -> Result<(), Rejection> {
    judge(input, |raw, kind, compiled, violations| {
        cilium::check(&decode_view(raw, kind)?, false, compiled, violations);
        Ok(())
    })
}

/// Cilium's CiliumClusterwideNetworkPolicy.
pub fn cilium_clusterwide(input: &Input<'_, '_, Settings>) -> Result<(), Rejection> {
    judge(input, |raw, kind, compiled, violations| {
        cilium::check(&decode_view(raw, kind)?, true, compiled, violations);
        Ok(())
    })
}

/// Calico's NetworkPolicy and GlobalNetworkPolicy, in either API group.
pub fn calico(input: &Input<'_, '_, Settings>) -> Result<(), Rejection> {
    judge(input, |raw, kind, compiled, violations| {
        calico::check(&decode_view(raw, kind)?, compiled, violations);
        Ok(())
    })
}

type Dialect<'a> =
    fn(&'a shared::request::RawValue, &str, &Compiled, &mut Violations) -> Result<(), Rejection>;

fn judge<'a>(input: &Input<'_, 'a, Settings>, dialect: Dialect<'a>) -> Result<(), Rejection> {
    let compiled = input
        .settings
        .compile()
        .map_err(|e| Rejection::new(format!("the policy settings are invalid: {e}")))?;
    let request = input.request;
    let kind = request.kind.kind.as_ref();
    let mut violations = Violations::new();
    dialect(request.object()?, kind, &compiled, &mut violations)?;
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

//! egress-metadata-block: no egress rule of a network policy may let pods
//! reach a cloud metadata endpoint, in any of the dialects a K3s VDI cluster
//! runs (Kubernetes NetworkPolicy, Cilium, Calico).

pub mod calico;
pub mod cilium;
pub mod exposure;
pub mod keys;
pub mod kubernetes;
pub mod ports;
pub mod selector;
pub mod settings;
pub mod shields;
pub mod validate;

use shared::policy::{Policy, Resource, Route, WRITES};

/// Every network policy dialect a K3s VDI cluster may run.
pub const NETWORK_POLICY: Resource = Resource::new(
    "networking.k8s.io",
    "v1",
    "NetworkPolicy",
    "networkpolicies",
);
pub const CILIUM_NETWORK_POLICY: Resource = Resource::new(
    "cilium.io",
    "v2",
    "CiliumNetworkPolicy",
    "ciliumnetworkpolicies",
);
pub const CILIUM_CLUSTERWIDE_NETWORK_POLICY: Resource = Resource::new(
    "cilium.io",
    "v2",
    "CiliumClusterwideNetworkPolicy",
    "ciliumclusterwidenetworkpolicies",
);
/// Calico serves its policies under `projectcalico.org/v3` (API server)
/// and `crd.projectcalico.org/v1` (the CRDs underneath).
pub const CALICO: [Resource; 4] = [
    Resource::new(
        "projectcalico.org",
        "v3",
        "NetworkPolicy",
        "networkpolicies",
    ),
    Resource::new(
        "projectcalico.org",
        "v3",
        "GlobalNetworkPolicy",
        "globalnetworkpolicies",
    ),
    Resource::new(
        "crd.projectcalico.org",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
    ),
    Resource::new(
        "crd.projectcalico.org",
        "v1",
        "GlobalNetworkPolicy",
        "globalnetworkpolicies",
    ),
];

pub struct EgressMetadataBlock;

impl Policy for EgressMetadataBlock {
    const NAME: &'static str = "egress-metadata-block";
    type Settings = settings::Settings;

    fn routes() -> Vec<Route<settings::Settings>> {
        use validate::{CalicoView, CiliumView, KubernetesView};
        let mut routes = vec![
            Route::object::<KubernetesView>(NETWORK_POLICY, WRITES, validate::kubernetes),
            Route::object::<CiliumView>(CILIUM_NETWORK_POLICY, WRITES, validate::cilium_namespaced),
            Route::object::<CiliumView>(
                CILIUM_CLUSTERWIDE_NETWORK_POLICY,
                WRITES,
                validate::cilium_clusterwide,
            ),
        ];
        routes.extend(CALICO.map(|r| Route::object::<CalicoView>(r, WRITES, validate::calico)));
        routes
    }
}

shared::register_policy!(EgressMetadataBlock);

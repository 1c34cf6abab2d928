//! ingress-route-tls: every Traefik route is served over a TLS 1.3
//! TLSOption on hosts it pins, and a session's route serves only its
//! owner's host, `{user}.<sessionDomain>`.
//!
//! The platform's threat model asks for "TLS 1.3 for all Traefik
//! IngressRoute objects using TLSOption" and mitigates ingress spoofing with
//! ``Host(`{user}.vdi.example.com`)`` routes. Traefik accepts routes that
//! name no TLSOption (and get TLS 1.2), rules that match any host, and a
//! session label anyone may set; this policy closes those gaps.

pub mod hosts;
pub mod identity;
pub mod reference;
pub mod route;
pub mod rule;
pub mod settings;
pub mod tls_option;

use shared::Rejection;
use shared::policy::{Policy, Resource, Route, WRITES};

use crate::tls_option::{CONTAINOUS, TRAEFIK_IO};

const VERSION: &str = "v1alpha1";

/// The kinds, in both API groups: `traefik.io` (Traefik v2.10 and later)
/// and the deprecated `traefik.containo.us` (Traefik v2, as in the seed).
pub const RESOURCES: [(Resource, route::Kind); 6] = [
    (
        Resource::new(TRAEFIK_IO, VERSION, "IngressRoute", "ingressroutes"),
        route::Kind::Http,
    ),
    (
        Resource::new(TRAEFIK_IO, VERSION, "IngressRouteTCP", "ingressroutetcps"),
        route::Kind::Tcp,
    ),
    (
        Resource::new(TRAEFIK_IO, VERSION, "TLSOption", "tlsoptions"),
        route::Kind::TlsOption,
    ),
    (
        Resource::new(CONTAINOUS, VERSION, "IngressRoute", "ingressroutes"),
        route::Kind::Http,
    ),
    (
        Resource::new(CONTAINOUS, VERSION, "IngressRouteTCP", "ingressroutetcps"),
        route::Kind::Tcp,
    ),
    (
        Resource::new(CONTAINOUS, VERSION, "TLSOption", "tlsoptions"),
        route::Kind::TlsOption,
    ),
];

pub struct IngressRouteTls;

impl Policy for IngressRouteTls {
    const NAME: &'static str = "ingress-route-tls";
    type Settings = settings::Settings;

    fn routes() -> Vec<Route<settings::Settings>> {
        RESOURCES
            .iter()
            .map(|(resource, kind)| match kind {
                route::Kind::Http => {
                    Route::object::<route::RouteView>(*resource, WRITES, route::ingress_route)
                }
                route::Kind::Tcp => {
                    Route::object::<route::RouteView>(*resource, WRITES, route::ingress_route_tcp)
                }
                route::Kind::TlsOption => Route::object::<tls_option::TlsOptionView>(
                    *resource,
                    WRITES,
                    tls_option::validate,
                ),
            })
            .collect()
    }
}

/// The settings in canonical form; invalid settings (which policy-server
/// should have refused at load) reject the request.
fn compile(settings: &settings::Settings) -> Result<settings::Compiled, Rejection> {
    settings
        .compile()
        .map_err(|e| Rejection::new(format!("the policy settings are invalid: {e}")))
}

shared::register_policy!(IngressRouteTls);

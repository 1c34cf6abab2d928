//! Role and ClusterRole CREATE and UPDATE.
//!
//! An UPDATE is judged on the object it writes, like a CREATE: what a role
//! grants after the update is all that matters, whatever it granted before.

use shared::{Input, Rejection, Violations};

use crate::names::{RoleId, any_matches};
use crate::rules;
use crate::settings::{Compiled, Settings};
use crate::view::{RoleObject, text};

/// The route handler for `rbac.authorization.k8s.io/v1` `roles`.
pub fn role(input: &Input<'_, '_, Settings>, object: &RoleObject<'_>) -> Result<(), Rejection> {
    judge(input, object, true)
}

/// The route handler for `rbac.authorization.k8s.io/v1` `clusterroles`.
pub fn cluster_role(
    input: &Input<'_, '_, Settings>,
    object: &RoleObject<'_>,
) -> Result<(), Rejection> {
    judge(input, object, false)
}

/// The settings, parsed; policy-server validated them at load, so an error
/// here means they were changed behind its back: refuse, do not guess.
pub fn compile(settings: &Settings) -> Result<Compiled<'_>, Rejection> {
    settings
        .compile()
        .map_err(|e| Rejection::new(format!("the policy settings are invalid: {e}")))
}

fn judge(
    input: &Input<'_, '_, Settings>,
    object: &RoleObject<'_>,
    namespaced: bool,
) -> Result<(), Rejection> {
    let settings = compile(input.settings)?;
    let request = input.request;
    // The API server puts the (possibly generated) name and the namespace
    // into the object before validating admission; the request's are the
    // fallback for objects replayed without them.
    let name = text(&object.metadata.name)
        .or(request.name.as_deref())
        .unwrap_or_default();
    let role = if namespaced {
        RoleId::Namespaced {
            namespace: text(&object.metadata.namespace)
                .or(request.namespace.as_deref())
                .unwrap_or_default(),
            name,
        }
    } else {
        RoleId::Cluster(name)
    };
    if any_matches(&settings.exempt_roles, role) {
        return Ok(());
    }
    // An aggregated ClusterRole's rules are the union the controller
    // gathers from the ClusterRoles its selectors match, each of which
    // this policy judged when it was written (or exempted). Refusing the
    // controller's write would not undo those grants; it would only leave
    // the aggregate stale while the controller retries. Anyone else writing
    // the rules is judged like any ClusterRole writer.
    let controller = settings.aggregation_controller;
    if !namespaced
        && object.aggregation_rule.is_some()
        && !controller.is_empty()
        && request.user_info.username == controller
    {
        return Ok(());
    }
    let mut violations = Violations::new();
    rules::judge(role, &object.rules, &settings, &mut violations);
    crate::report::finish(
        violations,
        &format!("{role} grants more than least privilege"),
    )
}

//! rbac-least-privilege: no Role or ClusterRole may grant wildcards, the
//! verbs that let a holder exceed its own grant, or impersonation outside
//! the dashboard's impersonator role; no binding may grant to everyone, or
//! hand a protected role (cluster-admin) to anyone not listed.
//!
//! Every comparison follows the RBAC authorizer's own matching
//! (`pkg/apis/rbac/v1/evaluation_helpers.go`): verbs, API groups, resources
//! and names are compared exactly and case-sensitively, `*` is the wildcard
//! of `verbs`, `apiGroups`, `resources` (also as `*/<subresource>`) and
//! `nonResourceURLs` (also as a trailing glob), and `resourceNames` has no
//! wildcard at all.

pub mod bindings;
pub mod grants;
pub mod names;
pub mod report;
pub mod roles;
pub mod rules;
pub mod settings;
pub mod subjects;
pub mod view;

use shared::policy::{Policy, Resource, Route, WRITES};

/// The API group of the RBAC objects (and of `User`/`Group` subjects).
pub const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

pub const ROLE: Resource = Resource::new(RBAC_GROUP, "v1", "Role", "roles");
pub const CLUSTER_ROLE: Resource = Resource::new(RBAC_GROUP, "v1", "ClusterRole", "clusterroles");
pub const ROLE_BINDING: Resource = Resource::new(RBAC_GROUP, "v1", "RoleBinding", "rolebindings");
pub const CLUSTER_ROLE_BINDING: Resource = Resource::new(
    RBAC_GROUP,
    "v1",
    "ClusterRoleBinding",
    "clusterrolebindings",
);

pub struct RbacLeastPrivilege;

impl Policy for RbacLeastPrivilege {
    const NAME: &'static str = "rbac-least-privilege";
    type Settings = settings::Settings;

    fn routes() -> Vec<Route<settings::Settings>> {
        use view::{BindingView, RoleView};
        vec![
            Route::object::<RoleView>(ROLE, WRITES, roles::role),
            Route::object::<RoleView>(CLUSTER_ROLE, WRITES, roles::cluster_role),
            Route::object::<BindingView>(ROLE_BINDING, WRITES, bindings::role_binding),
            Route::object::<BindingView>(
                CLUSTER_ROLE_BINDING,
                WRITES,
                bindings::cluster_role_binding,
            ),
        ]
    }
}

shared::register_policy!(RbacLeastPrivilege);

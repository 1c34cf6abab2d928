//! RoleBinding and ClusterRoleBinding CREATE and UPDATE.
//!
//! Two rules, every finding in one message:
//! 1. No subject may be everyone: `system:anonymous`, `system:unauthenticated`
//!    or `system:authenticated` (whatever kind the subject claims), except in
//!    the three ClusterRoleBindings Kubernetes itself reconciles to give
//!    every client API discovery and its own identity (see
//!    [`BUILTIN_PUBLIC_BINDINGS`]).
//! 2. A binding of a protected role (`protectedRoles`, default
//!    `cluster-admin`) may bind only the subjects of `allowedBindingSubjects`.
//!
//! `exemptRoles` does not apply here: it exempts a role's rules, and a
//! binding hands those rules to someone. Exempting bindings by role name
//! would let anyone bind everyone to a `system:` role.
//!
//! Subjects and `roleRef` are read as the authorizer reads them; what it
//! would never match (an unknown subject kind, a `roleRef` to another
//! group) is refused with the fix, as the API server's validation would.

use shared::quote::quote;
use shared::{Input, Rejection, Violations};

use crate::RBAC_GROUP;
use crate::names::{RoleId, any_matches};
use crate::roles::compile;
use crate::settings::Settings;
use crate::subjects::{Identity, everyone, wrong_kind};
use crate::view::{Binding, Subject, text};

/// The route handler for `rbac.authorization.k8s.io/v1` `rolebindings`.
pub fn role_binding(
    input: &Input<'_, '_, Settings>,
    binding: &Binding<'_>,
) -> Result<(), Rejection> {
    judge(input, binding, true)
}

/// The route handler for `rbac.authorization.k8s.io/v1` `clusterrolebindings`.
pub fn cluster_role_binding(
    input: &Input<'_, '_, Settings>,
    binding: &Binding<'_>,
) -> Result<(), Rejection> {
    judge(input, binding, false)
}

/// The ClusterRoleBindings (each to the ClusterRole of its own name) that
/// the API server's bootstrap policy binds to everyone, with the groups it
/// binds: discovery, the caller's own access reviews, and health/version.
/// These roles grant only read access to public information; the API
/// server reconciles them at every start, so refusing them would only
/// fail its reconciliation.
pub const BUILTIN_PUBLIC_BINDINGS: &[(&str, &[&str])] = &[
    ("system:discovery", &["system:authenticated"]),
    ("system:basic-user", &["system:authenticated"]),
    (
        "system:public-info-viewer",
        &["system:authenticated", "system:unauthenticated"],
    ),
];

fn builtin_public(binding_name: &str, role: Option<RoleId<'_>>, identity: &Identity) -> bool {
    let (Some(RoleId::Cluster(role)), Identity::Group(group)) = (role, identity) else {
        return false;
    };
    BUILTIN_PUBLIC_BINDINGS.iter().any(|(name, groups)| {
        *name == binding_name && *name == role && groups.contains(&group.as_str())
    })
}

fn judge(
    input: &Input<'_, '_, Settings>,
    binding: &Binding<'_>,
    namespaced: bool,
) -> Result<(), Rejection> {
    let settings = compile(input.settings)?;
    let request = input.request;
    let name = text(&binding.metadata.name)
        .or(request.name.as_deref())
        .unwrap_or_default();
    let namespace = text(&binding.metadata.namespace)
        .or(request.namespace.as_deref())
        .unwrap_or_default();
    let mut violations = Violations::new();
    let role = role_ref(binding, namespaced.then_some(namespace), &mut violations);
    let protected = role.filter(|r| any_matches(&settings.protected_roles, *r));
    let cluster_binding = !namespaced;
    for (i, subject) in binding.subjects.iter().enumerate() {
        let identity = match identity(subject, namespaced.then_some(namespace)) {
            Ok(identity) => identity,
            Err(why) => {
                violations.push(format!("subjects[{i}] {why}"));
                continue;
            }
        };
        if let Some(why) = everyone(identity.name())
            && !(cluster_binding && builtin_public(name, role, &identity))
        {
            let kind = match wrong_kind(&identity) {
                Some(kind) => format!(
                    " (as a {} it matches no one, but it reads as everyone: it is a {kind})",
                    if kind == "User" { "Group" } else { "User" }
                ),
                None => String::new(),
            };
            violations.push(format!(
                "subjects[{i}] {identity} is {why}{kind}: the binding would hand its role to everyone; bind named users, groups or ServiceAccounts"
            ));
        }
        if let Some(role) = protected
            && !settings.allowed_binding_subjects.contains(&identity)
        {
            violations.push(format!(
                "subjects[{i}] {identity} may not hold the protected {role} (protectedRoles); bind a least-privilege role instead, or add {} to allowedBindingSubjects",
                quote(&identity.setting())
            ));
        }
    }
    let title = if namespaced {
        format!(
            "RoleBinding {} in namespace {}",
            quote(name),
            quote(namespace)
        )
    } else {
        format!("ClusterRoleBinding {}", quote(name))
    };
    let summary = match role {
        Some(role) => format!("{title} of {role} breaks least privilege"),
        None => format!("{title} breaks least privilege"),
    };
    crate::report::finish(violations, &summary)
}

/// The role a binding refers to; `None` (with the finding recorded) when
/// the reference is not one the authorizer resolves. `namespace` is the
/// binding's own for a RoleBinding, `None` for a ClusterRoleBinding.
fn role_ref<'b>(
    binding: &'b Binding<'_>,
    namespace: Option<&'b str>,
    out: &mut Violations,
) -> Option<RoleId<'b>> {
    let Some(role_ref) = &binding.role_ref else {
        out.push("it has no roleRef; name the Role or ClusterRole to bind");
        return None;
    };
    let group = role_ref.api_group.as_deref().unwrap_or_default();
    let kind = role_ref.kind.as_deref().unwrap_or_default();
    let mut valid = true;
    if group != RBAC_GROUP {
        out.push(format!(
            "roleRef.apiGroup {} is not {RBAC_GROUP:?}, the only group roles live in; set it to {RBAC_GROUP:?}",
            quote(group)
        ));
        valid = false;
    }
    let Some(name) = text(&role_ref.name) else {
        out.push("roleRef has no name; name the role to bind");
        return None;
    };
    let role = match (kind, namespace) {
        ("ClusterRole", _) => RoleId::Cluster(name),
        ("Role", Some(namespace)) => RoleId::Namespaced { namespace, name },
        ("Role", None) => {
            out.push(
                "roleRef.kind \"Role\": a ClusterRoleBinding can only bind a ClusterRole; use a RoleBinding in the Role's namespace",
            );
            return None;
        }
        _ => {
            out.push(format!(
                "roleRef.kind {} is neither \"Role\" nor \"ClusterRole\" (kinds are case-sensitive); fix the kind",
                quote(kind)
            ));
            return None;
        }
    };
    valid.then_some(role)
}

/// Who a subject is, or why it is no subject the authorizer would match.
/// `namespace` is the binding's own for a RoleBinding: a ServiceAccount
/// subject without a namespace is the binding's namespace's.
fn identity(subject: &Subject<'_>, namespace: Option<&str>) -> Result<Identity, String> {
    let kind = subject.kind.as_deref().unwrap_or_default();
    let group = subject.api_group.as_deref().unwrap_or_default();
    let Some(name) = text(&subject.name) else {
        return Err(format!(
            "{} has no name; name the subject to bind",
            if kind.is_empty() { "the subject" } else { kind }
        ));
    };
    let identity = match kind {
        "User" => Identity::User(name.to_string()),
        "Group" => Identity::Group(name.to_string()),
        "ServiceAccount" => {
            let Some(namespace) = text(&subject.namespace).or(namespace) else {
                return Err(format!(
                    "ServiceAccount {} has no namespace; a ClusterRoleBinding must name it",
                    quote(name)
                ));
            };
            if !group.is_empty() {
                return Err(format!(
                    "ServiceAccount {} has apiGroup {}; ServiceAccount subjects have apiGroup \"\"",
                    quote(name),
                    quote(group)
                ));
            }
            return Ok(Identity::service_account(namespace, name));
        }
        _ => {
            return Err(format!(
                "kind {} of {} is not User, Group or ServiceAccount (kinds are case-sensitive); fix the kind",
                quote(kind),
                quote(name)
            ));
        }
    };
    // The API server defaults an empty apiGroup of User and Group subjects
    // to the RBAC group; anything else is invalid.
    if !group.is_empty() && group != RBAC_GROUP {
        return Err(format!(
            "{identity} has apiGroup {}; User and Group subjects have apiGroup {RBAC_GROUP:?}",
            quote(group)
        ));
    }
    Ok(identity)
}

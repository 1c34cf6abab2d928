//! Session pods: exec, attach, port-forward and proxy into a pod labelled
//! `vdi.kasm.io/user`, ephemeral (debug) containers added to it, and changes
//! to that label.
//!
//! A session pod runs the user's desktop with their files, browser sessions
//! and tokens; a shell in it is the session. A CONNECT request carries only
//! the pod's name, so the pod is read through the Kubernetes host capability.
//! Pods without the label are not sessions and are left to RBAC.

use std::borrow::Cow;

use serde::Deserialize;
use shared::host::{self, GetResource, KubernetesHost};
use shared::quote::quote;
use shared::request::decode_view;
use shared::{AdmissionRequest, Rejection};

use crate::identity::Requester;

pub use shared::vdi::USER_LABEL;

/// What a CONNECT options kind does to a pod, for messages; `None` for kinds
/// that are not a connection to a pod.
pub fn connect_action(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "PodExecOptions" => "exec into",
        "PodAttachOptions" => "attach to",
        "PodPortForwardOptions" => "port-forward to",
        "PodProxyOptions" => "proxy to",
        _ => return None,
    })
}

/// `pods/exec`, `pods/attach`, `pods/portforward`, `pods/proxy` (CONNECT).
pub fn connect(
    request: &AdmissionRequest<'_>,
    requester: &Requester<'_>,
    action: &str,
    cluster: &dyn KubernetesHost,
) -> Result<(), Rejection> {
    if requester.privileged {
        return Ok(());
    }
    let (Some(namespace), Some(name)) = (
        non_empty(request.namespace.as_deref()),
        non_empty(request.name.as_deref()).map(pod_name),
    ) else {
        return Err(Rejection::new(format!(
            "the request to {action} a pod does not name the pod and its namespace; denied"
        )));
    };
    let lookup = GetResource {
        api_version: "v1",
        kind: "Pod",
        name,
        namespace: Some(namespace),
        disable_cache: true,
    };
    let labels = host::labels(cluster, &lookup).map_err(|e| {
        Rejection::new(format!(
            "cannot tell whether pod {namespace}/{name} is someone's VDI session, so {action} it is denied: {e}"
        ))
    })?;
    match labels.get(USER_LABEL) {
        None => Ok(()),
        Some(owner) if requester.owns(owner) => Ok(()),
        Some(owner) => Err(Rejection::new(format!(
            "pod {namespace}/{name} is the VDI session of {}; only that user or a privileged requester may {action} it, not {}",
            quote(owner),
            requester.describe()
        ))),
    }
}

/// The pod name in a proxy request's `[scheme:]name[:port]`; pod names never
/// contain ':', so other requests are unaffected.
fn pod_name(name: &str) -> &str {
    let mut parts = name.split(':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(_), Some(pod), Some(_)) => pod,
        (Some(pod), _, _) => pod,
        (None, _, _) => name,
    }
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.is_empty())
}

#[derive(Deserialize)]
struct Pod<'a> {
    #[serde(default, borrow)]
    metadata: Option<PodMetadata<'a>>,
}

#[derive(Deserialize)]
struct PodMetadata<'a> {
    #[serde(default, borrow)]
    labels: Option<Labels<'a>>,
}

/// Only the one label; every other label is skipped unread.
#[derive(Deserialize)]
struct Labels<'a> {
    #[serde(default, borrow, rename = "vdi.kasm.io/user")]
    user: Option<Cow<'a, str>>,
}

impl Pod<'_> {
    fn user(&self) -> Option<&str> {
        self.metadata
            .as_ref()
            .and_then(|m| m.labels.as_ref())
            .and_then(|l| l.user.as_deref())
    }
}

/// Pod UPDATE of a session pod: only its owner or a privileged requester
/// may change it (another user could swap the desktop's image or add an
/// ephemeral container, which is a shell in the pod like `exec`), and only
/// a privileged requester may touch the owner label (changed, it hands the
/// pod to someone else; removed, it takes the pod out of this policy).
pub fn update(request: &AdmissionRequest<'_>, requester: &Requester<'_>) -> Result<(), Rejection> {
    let stored: Pod<'_> = decode_view(request.old_object()?, "stored Pod")?;
    let name = non_empty(request.name.as_deref()).unwrap_or("(unnamed)");
    let namespace = non_empty(request.namespace.as_deref()).unwrap_or("");
    let subresource = request.subresource();
    if let Some(owner) = stored.user()
        && !requester.may_act_for(owner)
    {
        let action = match subresource {
            Some("ephemeralcontainers") => "add ephemeral containers to",
            _ => "update",
        };
        return Err(Rejection::new(format!(
            "pod {namespace}/{name} is the VDI session of {}; only that user or a privileged requester may {action} it, not {}",
            quote(owner),
            requester.describe()
        )));
    }
    // Adding an ephemeral container cannot change the labels.
    if subresource.is_some() {
        return Ok(());
    }
    let pod: Pod<'_> = request.decode_object()?;
    if pod.user() == stored.user() || requester.privileged {
        return Ok(());
    }
    Err(Rejection::new(format!(
        "pod {namespace}/{name}: the {USER_LABEL} label ({}) may only be set, changed or removed by a privileged requester, not {}",
        describe_change(stored.user(), pod.user()),
        requester.describe()
    )))
}

fn describe_change(old: Option<&str>, new: Option<&str>) -> String {
    match (old, new) {
        (Some(old), Some(new)) => format!("changed from {} to {}", quote(old), quote(new)),
        (Some(old), None) => format!("removed, it was {}", quote(old)),
        (None, Some(new)) => format!("added as {}", quote(new)),
        (None, None) => "absent".to_string(),
    }
}

//! `VDISession` CREATE, UPDATE and DELETE: only the owner touches a session.

use std::borrow::Cow;

use serde::Deserialize;
use shared::duration::{self, Duration};
use shared::quote::quote;
use shared::request::decode_view;
use shared::{AdmissionRequest, Operation, Rejection, Violations};

use crate::identity::{Requester, dns_label_problem};
use crate::settings::Settings;

/// The operator's finalizer: it deletes the session's pod, service and
/// route before the `VDISession` goes away. Dropping it orphans them (a
/// desktop left running and reachable), so only a privileged requester may.
pub const CLEANUP_FINALIZER: &str = "vdi.kasm.io/session-cleanup";

/// The fields of a `VDISession` the policy reads.
#[derive(Deserialize)]
struct Session<'a> {
    #[serde(default, borrow)]
    metadata: Metadata<'a>,
    #[serde(default, borrow)]
    spec: Option<Spec<'a>>,
}

#[derive(Deserialize, Default)]
struct Metadata<'a> {
    #[serde(default, borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    finalizers: Option<Vec<Cow<'a, str>>>,
}

#[derive(Deserialize)]
struct Spec<'a> {
    #[serde(default, borrow)]
    user: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    timeout: Option<Cow<'a, str>>,
}

impl Session<'_> {
    fn user(&self) -> Option<&str> {
        self.spec.as_ref().and_then(|s| s.user.as_deref())
    }

    fn timeout(&self) -> Option<&str> {
        self.spec.as_ref().and_then(|s| s.timeout.as_deref())
    }

    fn has_cleanup_finalizer(&self) -> bool {
        self.metadata
            .finalizers
            .iter()
            .flatten()
            .any(|f| f == CLEANUP_FINALIZER)
    }
}

pub fn validate(
    request: &AdmissionRequest<'_>,
    settings: &Settings,
    requester: &Requester<'_>,
) -> Result<(), Rejection> {
    match request.operation {
        Operation::Create => create(request, settings, requester),
        Operation::Update => update(request, settings, requester),
        Operation::Delete => delete(request, requester),
        Operation::Connect => Err(Rejection::new(
            "VDISession has no CONNECT operation; the policy denies what it does not expect",
        )),
    }
}

/// The session name for messages: from the object, else from the request
/// (a CREATE with `generateName` has neither).
fn title(request: &AdmissionRequest<'_>, session: &Session<'_>) -> String {
    match session
        .metadata
        .name
        .as_deref()
        .or(request.name.as_deref())
        .filter(|n| !n.is_empty())
    {
        Some(name) => format!("VDISession {}", quote(name)),
        None => "VDISession".to_string(),
    }
}

fn decode_stored<'a>(request: &AdmissionRequest<'a>) -> Result<Session<'a>, Rejection> {
    decode_view(request.old_object()?, "stored VDISession")
}

fn create(
    request: &AdmissionRequest<'_>,
    settings: &Settings,
    requester: &Requester<'_>,
) -> Result<(), Rejection> {
    let session: Session<'_> = request.decode_object()?;
    let mut violations = Violations::new();
    match session.user() {
        None => violations.push(match requester.vdi_user {
            Some(me) => format!("spec.user is required: set it to {}", quote(me)),
            None => "spec.user is required".to_string(),
        }),
        Some(user) => {
            if let Some(problem) = dns_label_problem(user) {
                violations.push(format!(
                    "spec.user {} is not a DNS label ({problem}): it must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit, because it becomes part of the session's host name and object names",
                    quote(user)
                ));
            } else if !requester.may_act_for(user) {
                violations.push(match requester.vdi_user {
                    Some(me) => format!(
                        "spec.user {} is not the requester {}: set spec.user to {}",
                        quote(user),
                        requester.describe(),
                        quote(me)
                    ),
                    None => format!(
                        "spec.user {} is not the requester {}",
                        quote(user),
                        requester.describe()
                    ),
                });
            }
        }
    }
    check_timeout(session.timeout(), settings.max_timeout, &mut violations);
    violations.into_result(&format!("{} denied", title(request, &session)))
}

fn update(
    request: &AdmissionRequest<'_>,
    settings: &Settings,
    requester: &Requester<'_>,
) -> Result<(), Rejection> {
    let stored = decode_stored(request)?;
    let title = title(request, &stored);
    check_may_act(requester, &stored, &title, "update")?;
    if request.subresource().is_some() {
        return update_status(requester, &title);
    }
    let session: Session<'_> = request.decode_object()?;
    let mut violations = Violations::new();
    if session.user() != stored.user() {
        violations.push(format!(
            "spec.user is immutable (it is {}, the update sets {}); create a new session for another user instead",
            quote(stored.user().unwrap_or_default()),
            quote(session.user().unwrap_or_default())
        ));
    }
    if stored.has_cleanup_finalizer() && !session.has_cleanup_finalizer() && !requester.privileged {
        violations.push(format!(
            "the {CLEANUP_FINALIZER} finalizer may only be removed by the VDI operator or another privileged requester, which removes it after cleaning up the session's pod, service and route; delete the session instead"
        ));
    }
    // An unchanged timeout was admitted before; judging it again would block
    // the operator's finalizer removal after maxTimeout is lowered.
    if !same_timeout(session.timeout(), stored.timeout()) {
        check_timeout(session.timeout(), settings.max_timeout, &mut violations);
    }
    violations.into_result(&format!("{title} update denied"))
}

/// `status` (the only subresource routed here) is the operator's record
/// of the session (phase, URL, expiry); an owner writing it could, for one,
/// move its own expiry.
fn update_status(requester: &Requester<'_>, title: &str) -> Result<(), Rejection> {
    if requester.privileged {
        return Ok(());
    }
    Err(Rejection::new(format!(
        "{title} status update denied: the status of a session is written by the VDI operator only, not by {}",
        requester.describe()
    )))
}

fn delete(request: &AdmissionRequest<'_>, requester: &Requester<'_>) -> Result<(), Rejection> {
    let stored = decode_stored(request)?;
    check_may_act(requester, &stored, &title(request, &stored), "delete")
}

/// Owner or privileged, judged on the stored object: the incoming object of
/// an UPDATE is what the requester wants, not who owns the session.
fn check_may_act(
    requester: &Requester<'_>,
    stored: &Session<'_>,
    title: &str,
    verb: &str,
) -> Result<(), Rejection> {
    if requester.privileged {
        return Ok(());
    }
    match stored.user() {
        Some(owner) if requester.owns(owner) => Ok(()),
        Some(owner) => Err(Rejection::new(format!(
            "{title} {verb} denied: the session belongs to {}; only its owner or a privileged requester may {verb} it, not {}",
            quote(owner),
            requester.describe()
        ))),
        None => Err(Rejection::new(format!(
            "{title} {verb} denied: the stored session has no spec.user, so only a privileged requester may {verb} it"
        ))),
    }
}

/// Whether two `spec.timeout` values mean the same duration: the operator
/// reads them with `time.ParseDuration`, so `13h` respelled `780m` is no
/// change. Text that does not parse is unchanged only when equal.
fn same_timeout(new: Option<&str>, stored: Option<&str>) -> bool {
    match (new, stored) {
        (Some(new), Some(stored)) => {
            new == stored
                || matches!((duration::parse(new), duration::parse(stored)), (Ok(a), Ok(b)) if a == b)
        }
        (new, stored) => new == stored,
    }
}

/// `spec.timeout` bounds how long a desktop stays up; the operator reads it
/// with Go's `time.ParseDuration`, so it is parsed the same way here.
fn check_timeout(timeout: Option<&str>, max: Duration, violations: &mut Violations) {
    let Some(text) = timeout else {
        violations.push(format!(
            "spec.timeout is required: set a Go duration of at most {max}, such as \"8h\""
        ));
        return;
    };
    match duration::parse(text) {
        Err(e) => violations.push(format!(
            "spec.timeout {} is not a Go duration ({e}); write it like \"8h\" or \"1h30m\"",
            quote(text)
        )),
        Ok(d) if !d.is_positive() => violations.push(format!(
            "spec.timeout {} must be longer than zero (at most {max})",
            quote(text)
        )),
        Ok(d) if d > max => violations.push(format!(
            "spec.timeout {} ({d}) exceeds the maximum session length {max}; ask for at most {max}",
            quote(text)
        )),
        Ok(_) => {}
    }
}

//! `VDITemplate` CREATE and UPDATE.
//!
//! Two rules, every violation in one message:
//! 1. (CREATE and UPDATE, every requester) each channel under
//!    `spec.sharing` is off, or it is a known channel the template is
//!    listed for in `allowSharing`. An unknown channel that is on cannot be
//!    listed, so it is refused; a non-boolean value is refused.
//! 2. (UPDATE) a change of what the template shares — compared as meanings,
//!    absent = `null` = `false` — needs a privileged requester. Turning a
//!    channel off is a change too: sharing is the platform team's decision
//!    either way, and the audit log records who made it.

use serde::Deserialize;
use shared::policy::ObjectView;
use shared::quote::quote;
use shared::request::decode_view;
use shared::text::Text;
use shared::views::nullable;
use shared::{Input, Operation, Rejection, Violations};

use crate::settings::Settings;
use crate::sharing::{Channel, Flag, Sharing, place};

/// The route's view: the one-pass read decodes the template in place.
pub struct TemplateView;

impl ObjectView for TemplateView {
    type Object<'a> = Template<'a>;
}

/// The fields of a `VDITemplate` the policy reads.
#[derive(Deserialize)]
#[serde(remote = "Self")]
pub struct Template<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    metadata: Metadata<'a>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    spec: Spec<'a>,
}

#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
struct Metadata<'a> {
    #[serde(default, borrow)]
    name: Option<Text<'a>>,
}

/// An absent (or `null`) spec shares nothing; the CRD requires a spec, so
/// the API server refuses such a template before this policy sees it.
#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
struct Spec<'a> {
    #[serde(default, borrow)]
    sharing: Sharing<'a>,
}

shared::map_only!(Template<'a>, Metadata<'a>, Spec<'a>);

/// The route handler for `vdi.kasm.io/v1alpha1` `vditemplates`.
pub fn vdi_template(
    input: &Input<'_, '_, Settings>,
    template: &Template<'_>,
) -> Result<(), Rejection> {
    let request = input.request;
    let settings = input.settings;
    // VDITemplate is cluster-scoped: the name alone is its identity. The
    // API server puts the (possibly generated) name into the object before
    // validating admission; the request's name is the fallback.
    let name = template
        .metadata
        .name
        .as_deref()
        .or(request.name.as_deref())
        .filter(|n| !n.is_empty());
    let title = match name {
        Some(name) => format!("VDITemplate {}", quote(name)),
        None => "VDITemplate".to_string(),
    };
    let mut violations = Violations::new();
    check_channels(&template.spec.sharing, name, settings, &mut violations);
    let summary = match request.operation {
        Operation::Update => {
            let stored: Template<'_> = decode_view(request.old_object()?, "stored VDITemplate")?;
            let changes = template.spec.sharing.changes_from(&stored.spec.sharing);
            if !changes.is_empty() && !settings.is_privileged(&request.user_info) {
                let changes: Vec<String> = changes.iter().map(ToString::to_string).collect();
                violations.push(format!(
                    "only a privileged requester (privilegedUsers, privilegedGroups) may change what an existing template shares, not {}: this update changes {}",
                    quote(&request.user_info.username),
                    changes.join(", ")
                ));
            }
            format!("{title} update denied")
        }
        _ => format!("{title} denied"),
    };
    violations.into_result(&summary)
}

/// Rule 1: every channel that is on must be a known channel listed for this
/// template; every value must be a boolean.
fn check_channels(
    sharing: &Sharing<'_>,
    name: Option<&str>,
    settings: &Settings,
    violations: &mut Violations,
) {
    let entries = match sharing {
        Sharing::Channels(entries) => entries,
        Sharing::Invalid(found) => {
            violations.push(format!(
                "spec.sharing must be an object of booleans such as {{clipboard: false, drives: false}}, not {found}"
            ));
            return;
        }
    };
    for (key, flag) in entries.iter() {
        let place = place(key);
        match (flag, Channel::from_key(key)) {
            (Flag::Off, _) => {}
            (Flag::Invalid(found), _) => violations.push(format!(
                "{place} must be a boolean (true or false), not {found}"
            )),
            (Flag::On, None) => violations.push(format!(
                "{place} is on, but it is not a sharing channel this policy knows (clipboard, drives), so no template may turn it on: set it to false or remove it"
            )),
            (Flag::On, Some(channel)) => match name {
                Some(name) if settings.allows(channel, name) => {}
                Some(name) => violations.push(format!(
                    "{place} is on, but VDITemplate {} is not listed in allowSharing.{}{}: set it to false or remove it, or have the platform team list the template for this channel",
                    quote(name),
                    channel.key(),
                    listed_elsewhere(settings, channel, name)
                )),
                None => violations.push(format!(
                    "{place} is on, but the template has no metadata.name to list in allowSharing.{}: set it to false or remove it",
                    channel.key()
                )),
            },
        }
    }
}

/// ` (it is listed for drives only)`, when a template enables a channel it
/// is not listed for but is listed for another.
fn listed_elsewhere(settings: &Settings, channel: Channel, name: &str) -> String {
    let others: Vec<&str> = Channel::ALL
        .into_iter()
        .filter(|c| *c != channel && settings.allows(*c, name))
        .map(Channel::key)
        .collect();
    if others.is_empty() {
        String::new()
    } else {
        format!(" (it is listed for {} only)", others.join(" and "))
    }
}

//! data-sharing: a `VDITemplate` shares nothing with the user's machine
//! (clipboard, drive redirection) unless the settings list that template for
//! that channel, and only a privileged requester changes what a stored
//! template shares.
//!
//! The threat is data exfiltration: a desktop with clipboard or drive
//! redirection lets a session user copy out whatever the desktop can reach.
//! Sharing is a per-template decision of the platform team, so it is listed
//! per template and per channel, and a change of it on an existing template
//! is reserved to the requesters the settings name (the operator, the
//! platform admins). `deploy/audit/vdi-audit-policy.yaml` records every such
//! change in the API server's audit log.

pub mod settings;
pub mod sharing;
pub mod validate;

use shared::policy::{Policy, Route, WRITES};
use shared::vdi::VDI_TEMPLATE;

pub struct DataSharing;

impl Policy for DataSharing {
    const NAME: &'static str = "data-sharing";
    type Settings = settings::Settings;

    fn routes() -> Vec<Route<settings::Settings>> {
        vec![Route::object::<validate::TemplateView>(
            VDI_TEMPLATE,
            WRITES,
            validate::vdi_template,
        )]
    }
}

shared::register_policy!(DataSharing);

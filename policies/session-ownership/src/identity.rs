//! Who is asking, and which VDI user that makes them: the shared rules
//! (`shared::identity`), with this policy's settings as the privileges.

pub use shared::identity::{Requester, dns_label_problem};

use shared::identity::Privileges;

use crate::settings::Settings;

impl Privileges for Settings {
    fn username_prefix(&self) -> &str {
        &self.username_prefix
    }

    fn privileged_users(&self) -> &std::collections::BTreeSet<String> {
        &self.privileged_users
    }

    fn privileged_groups(&self) -> &std::collections::BTreeSet<String> {
        &self.privileged_groups
    }
}

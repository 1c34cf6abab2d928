//! Policy settings: the VDI hardening on top of PSA restricted, and the one
//! documented departure from it (`allowedCapabilities`).

use serde::Deserialize;
use shared::settings::PolicySettings;

/// Every Linux capability name (linux/capability.h, up to
/// CAP_CHECKPOINT_RESTORE), as Kubernetes manifests spell them: uppercase,
/// without the `CAP_` prefix.
const LINUX_CAPABILITIES: [&str; 41] = [
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
];

#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Settings {
    /// Every container must set `securityContext.readOnlyRootFilesystem: true`.
    pub require_read_only_root_filesystem: bool,
    /// The pod must set `automountServiceAccountToken: false` and must not
    /// project a service account token into a volume.
    pub deny_service_account_token_automount: bool,
    /// Capabilities containers may add besides `NET_BIND_SERVICE`.
    pub allowed_capabilities: Vec<String>,
    /// Mutating mode: fill in the secure values a pod spec leaves unset
    /// (see `crate::mutate`) before judging it. Off by default, so a
    /// validating deployment never rewrites an object.
    pub mutate: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            require_read_only_root_filesystem: true,
            deny_service_account_token_automount: true,
            allowed_capabilities: Vec::new(),
            mutate: false,
        }
    }
}

impl PolicySettings for Settings {
    /// Capability names are matched exactly as PSA matches
    /// `NET_BIND_SERVICE`, so a name that could never match a container's
    /// `capabilities.add` entry the way it is meant to is refused at load.
    fn validate(&self) -> Result<(), String> {
        for (i, cap) in self.allowed_capabilities.iter().enumerate() {
            let field = format!("allowedCapabilities[{i}]");
            if cap == "ALL" {
                return Err(format!(
                    "{field}: \"ALL\" cannot be allowed; list the individual capabilities the desktop apps need"
                ));
            }
            if let Some(bare) = cap.strip_prefix("CAP_") {
                return Err(format!(
                    "{field}: write \"{cap}\" without the CAP_ prefix, as in container manifests: \"{bare}\""
                ));
            }
            if LINUX_CAPABILITIES.contains(&cap.as_str()) {
                continue;
            }
            let upper = cap.to_ascii_uppercase();
            if LINUX_CAPABILITIES.contains(&upper.as_str()) {
                return Err(format!(
                    "{field}: capability names are case-sensitive in Kubernetes; write \"{upper}\" instead of \"{cap}\""
                ));
            }
            return Err(format!(
                "{field}: \"{cap}\" is not a Linux capability; use one of {}",
                LINUX_CAPABILITIES.join(", ")
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use shared::settings::check;

    #[test]
    fn defaults_harden_and_allow_nothing_extra() {
        let s: Settings = check(b"{}").unwrap();
        assert!(s.require_read_only_root_filesystem);
        assert!(s.deny_service_account_token_automount);
        assert!(s.allowed_capabilities.is_empty());
        assert!(!s.mutate, "mutating mode is opt-in");
    }

    #[test]
    fn mutate_decodes() {
        let s: Settings = check(br#"{"mutate":true}"#).unwrap();
        assert!(s.mutate);
        assert!(s.require_read_only_root_filesystem);
    }

    #[test]
    fn psa_parity_settings_decode() {
        let s: Settings = check(
            br#"{"requireReadOnlyRootFilesystem":false,"denyServiceAccountTokenAutomount":false,"allowedCapabilities":[]}"#,
        )
        .unwrap();
        assert!(!s.require_read_only_root_filesystem);
        assert!(!s.deny_service_account_token_automount);
    }

    #[rstest]
    #[case::one(r#"{"allowedCapabilities":["SYS_PTRACE"]}"#)]
    #[case::several(r#"{"allowedCapabilities":["SYS_PTRACE","SYS_NICE","CHECKPOINT_RESTORE"]}"#)]
    #[case::redundant_net_bind_service(r#"{"allowedCapabilities":["NET_BIND_SERVICE"]}"#)]
    fn valid_capabilities(#[case] json: &str) {
        assert!(check::<Settings>(json.as_bytes()).is_ok());
    }

    #[rstest]
    #[case::typo_key(
        r#"{"allowedCapability":["SYS_PTRACE"]}"#,
        "unknown field `allowedCapability`"
    )]
    #[case::wrong_type(r#"{"requireReadOnlyRootFilesystem":"yes"}"#, "invalid type: string")]
    #[case::mutate_wrong_type(r#"{"mutate":"true"}"#, "invalid type: string")]
    #[case::all(
        r#"{"allowedCapabilities":["ALL"]}"#,
        "allowedCapabilities[0]: \"ALL\" cannot be allowed"
    )]
    #[case::cap_prefix(
        r#"{"allowedCapabilities":["SYS_PTRACE","CAP_SYS_ADMIN"]}"#,
        "allowedCapabilities[1]: write \"CAP_SYS_ADMIN\" without the CAP_ prefix, as in container manifests: \"SYS_ADMIN\""
    )]
    #[case::lowercase(
        r#"{"allowedCapabilities":["sys_ptrace"]}"#,
        "write \"SYS_PTRACE\" instead of \"sys_ptrace\""
    )]
    #[case::unknown(
        r#"{"allowedCapabilities":["SYS_PTRAC"]}"#,
        "\"SYS_PTRAC\" is not a Linux capability; use one of CHOWN,"
    )]
    #[case::empty_name(r#"{"allowedCapabilities":[""]}"#, "\"\" is not a Linux capability")]
    fn invalid_settings(#[case] json: &str, #[case] fragment: &str) {
        let err = check::<Settings>(json.as_bytes()).unwrap_err();
        assert!(err.contains(fragment), "{err}");
    }
}

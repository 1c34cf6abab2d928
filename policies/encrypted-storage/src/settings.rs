//! Settings: which StorageClasses are encrypted, which of them only because
//! the node disks are, and how claims without a class are judged.
//!
//! Everything is checked when the policy loads: a typo in a class name would
//! otherwise reject every claim on that class (or, worse, a list that names
//! no real class would be mistaken for "nothing to check").

use serde::Deserialize;
use shared::settings::PolicySettings;
use shared::views::Entries;

use crate::provisioners::{self, Known};

/// `provisioner → {parameter: required value}`.
pub type ProvisionerParameters = Entries<String, Entries<String, String>>;

#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Settings {
    /// The StorageClasses claims may use; each must encrypt (checked on the
    /// StorageClass itself). Required: an empty list is a settings error.
    pub encrypted_storage_classes: Vec<String>,
    /// Classes of the list whose provisioner cannot encrypt by itself
    /// (`rancher.io/local-path`) or is unknown to the policy, accepted on the
    /// operator's statement that the node disks beneath them are encrypted.
    pub node_encrypted_classes: Vec<String>,
    /// Admit claims with `storageClassName: ""` (static binding to a
    /// PersistentVolume without a class, which no class setting covers).
    pub allow_static_binding: bool,
    /// Resolve a claim without a class to the cluster default by listing the
    /// StorageClasses; off, such a claim is rejected.
    pub lookup_default_class: bool,
    /// Extends (per provisioner: replaces) the built-in encryption table.
    pub provisioner_parameters: ProvisionerParameters,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            encrypted_storage_classes: Vec::new(),
            node_encrypted_classes: Vec::new(),
            allow_static_binding: false,
            lookup_default_class: true,
            provisioner_parameters: Entries::default(),
        }
    }
}

impl Settings {
    pub fn is_encrypted_class(&self, name: &str) -> bool {
        self.encrypted_storage_classes.iter().any(|c| c == name)
    }

    pub fn is_node_encrypted(&self, name: &str) -> bool {
        self.node_encrypted_classes.iter().any(|c| c == name)
    }

    /// `"a", "b"`: the encrypted classes, for messages.
    pub fn class_list(&self) -> String {
        self.encrypted_storage_classes
            .iter()
            .map(|c| format!("{c:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A StorageClass name is an RFC 1123 subdomain: dot-separated labels of
/// `a-z0-9-`, each starting and ending alphanumeric, 253 characters at most.
pub fn is_class_name(name: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            let bytes = label.as_bytes();
            match (bytes.first(), bytes.last()) {
                (Some(&first), Some(&last)) => {
                    alnum(first) && alnum(last) && bytes.iter().all(|&b| alnum(b) || b == b'-')
                }
                _ => false,
            }
        })
}

fn no_space(text: &str) -> bool {
    !text.is_empty() && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

const NAME_RULE: &str =
    "a StorageClass name: lowercase a-z, 0-9, '-' and '.', starting and ending alphanumeric";

impl PolicySettings for Settings {
    fn validate(&self) -> Result<(), String> {
        if self.encrypted_storage_classes.is_empty() {
            return Err("encryptedStorageClasses is empty: list the StorageClasses whose volumes are encrypted (every claim must use one of them)".into());
        }
        for (field, list) in [
            ("encryptedStorageClasses", &self.encrypted_storage_classes),
            ("nodeEncryptedClasses", &self.node_encrypted_classes),
        ] {
            if let Some(bad) = list.iter().find(|c| !is_class_name(c)) {
                return Err(format!(
                    "{field}: {} is not {NAME_RULE}",
                    shared::quote::quote(bad)
                ));
            }
        }
        if let Some(class) = self
            .node_encrypted_classes
            .iter()
            .find(|c| !self.is_encrypted_class(c))
        {
            return Err(format!(
                "nodeEncryptedClasses: {class:?} is not in encryptedStorageClasses; a node-encrypted class is one of the encrypted classes, so list it there too"
            ));
        }
        for (provisioner, parameters) in self.provisioner_parameters.iter() {
            if !no_space(provisioner) {
                return Err(format!(
                    "provisionerParameters: {} is not a provisioner name (empty, or with whitespace)",
                    shared::quote::quote(provisioner)
                ));
            }
            if let Some(Known::NodeOnly { .. }) = provisioners::builtin(provisioner) {
                return Err(format!(
                    "provisionerParameters: {provisioner:?} cannot encrypt volumes by itself, so no parameter makes its classes encrypted; list those classes in nodeEncryptedClasses once the node disks are encrypted"
                ));
            }
            for (parameter, value) in parameters.iter() {
                if !no_space(parameter) {
                    return Err(format!(
                        "provisionerParameters.{provisioner}: {} is not a parameter name (empty, or with whitespace)",
                        shared::quote::quote(parameter)
                    ));
                }
                if value.trim().is_empty() {
                    return Err(format!(
                        "provisionerParameters.{provisioner}.{parameter}: the required value is empty; give the value that turns encryption on, or \"*\" for any non-empty value"
                    ));
                }
            }
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
    fn defaults_need_a_class_list() {
        let err = check::<Settings>(b"{}").unwrap_err();
        assert!(err.contains("encryptedStorageClasses is empty"), "{err}");
        let s: Settings = check(br#"{"encryptedStorageClasses":["longhorn-crypto"]}"#).unwrap();
        assert!(s.lookup_default_class);
        assert!(!s.allow_static_binding);
        assert!(s.node_encrypted_classes.is_empty());
    }

    #[test]
    fn full_settings_decode() {
        let s: Settings = check(
            br#"{"encryptedStorageClasses":["longhorn-crypto","local-path-luks"],
                 "nodeEncryptedClasses":["local-path-luks"],
                 "allowStaticBinding":true,"lookupDefaultClass":false,
                 "provisionerParameters":{"nfs.csi.k8s.io":{"mountOptions":"sec=krb5p"}}}"#,
        )
        .unwrap();
        assert!(s.is_encrypted_class("local-path-luks"));
        assert!(s.is_node_encrypted("local-path-luks"));
        assert!(!s.is_node_encrypted("longhorn-crypto"));
        assert_eq!(s.class_list(), r#""longhorn-crypto", "local-path-luks""#);
        assert_eq!(
            s.provisioner_parameters
                .get("nfs.csi.k8s.io")
                .and_then(|p| p.get("mountOptions"))
                .map(String::as_str),
            Some("sec=krb5p")
        );
    }

    #[rstest]
    #[case::typo(
        r#"{"encryptedStorageClass":["a"]}"#,
        "unknown field `encryptedStorageClass`"
    )]
    #[case::empty_list(
        r#"{"encryptedStorageClasses":[]}"#,
        "encryptedStorageClasses is empty"
    )]
    #[case::uppercase(
        r#"{"encryptedStorageClasses":["Longhorn"]}"#,
        "encryptedStorageClasses: \"Longhorn\" is not a StorageClass name"
    )]
    #[case::empty_name(r#"{"encryptedStorageClasses":[""]}"#, "is not a StorageClass name")]
    #[case::trailing_dash(r#"{"encryptedStorageClasses":["a-"]}"#, "is not a StorageClass name")]
    #[case::double_dot(
        r#"{"encryptedStorageClasses":["a..b"]}"#,
        "is not a StorageClass name"
    )]
    #[case::node_not_listed(
        r#"{"encryptedStorageClasses":["a"],"nodeEncryptedClasses":["local-path"]}"#,
        "nodeEncryptedClasses: \"local-path\" is not in encryptedStorageClasses"
    )]
    #[case::node_bad_name(
        r#"{"encryptedStorageClasses":["a"],"nodeEncryptedClasses":["Local"]}"#,
        "nodeEncryptedClasses: \"Local\" is not a StorageClass name"
    )]
    #[case::empty_value(
        r#"{"encryptedStorageClasses":["a"],"provisionerParameters":{"x.csi.io":{"encrypt":""}}}"#,
        "provisionerParameters.x.csi.io.encrypt: the required value is empty"
    )]
    #[case::space_parameter(
        r#"{"encryptedStorageClasses":["a"],"provisionerParameters":{"x.csi.io":{"en crypt":"yes"}}}"#,
        "is not a parameter name"
    )]
    #[case::empty_provisioner(
        r#"{"encryptedStorageClasses":["a"],"provisionerParameters":{"":{"a":"b"}}}"#,
        "is not a provisioner name"
    )]
    #[case::local_path_override(
        r#"{"encryptedStorageClasses":["a"],"provisionerParameters":{"rancher.io/local-path":{}}}"#,
        "\"rancher.io/local-path\" cannot encrypt volumes by itself"
    )]
    #[case::value_not_string(
        r#"{"encryptedStorageClasses":["a"],"provisionerParameters":{"x.csi.io":{"encrypted":true}}}"#,
        "invalid type: boolean"
    )]
    #[case::classes_not_list(r#"{"encryptedStorageClasses":"a"}"#, "invalid type: string")]
    fn invalid_settings_name_the_field(#[case] json: &str, #[case] fragment: &str) {
        let err = check::<Settings>(json.as_bytes()).unwrap_err();
        assert!(err.contains(fragment), "{err}");
    }

    #[rstest]
    #[case("longhorn-crypto", true)]
    #[case("ebs.gp3-encrypted", true)]
    #[case("a", true)]
    #[case("0", true)]
    #[case("-a", false)]
    #[case("a.", false)]
    #[case(".a", false)]
    #[case("a_b", false)]
    #[case("café", false)]
    fn class_names(#[case] name: &str, #[case] valid: bool) {
        assert_eq!(is_class_name(name), valid);
        assert!(!is_class_name(&"a".repeat(254)));
    }
}

//! How each provisioner is told to encrypt, and whether a StorageClass says so.
//!
//! A StorageClass only passes `parameters` on to its provisioner; whether a
//! volume ends up encrypted depends on how that driver reads them. Each row
//! below follows the driver's own parsing (its source is named in the row), so
//! a spelling the driver would not honour is not taken for encryption:
//!
//! | provisioner | encrypts when | parameter keys | source |
//! |---|---|---|---|
//! | `ebs.csi.aws.com` | `encrypted` is exactly `"true"` | case-insensitive | aws-ebs-csi-driver `docs/parameters.md`; `pkg/driver/controller.go` (`isTrue`: `value == "true"`, keys through `strings.ToLower`) |
//! | `kubernetes.io/aws-ebs` | as `ebs.csi.aws.com` | case-insensitive | in-tree plugin removed in Kubernetes 1.27; CSI migration (`csi-translation-lib/plugins/aws_ebs.go`) hands the parameters unchanged to `ebs.csi.aws.com` |
//! | `driver.longhorn.io` | `encrypted` is a Go `strconv.ParseBool` true (`1 t T TRUE true True`) | exact | longhorn-manager `csi/util.go` (`getVolumeOptions`); Longhorn docs "Volume Encryption" (the key Secret is named by the `csi.storage.k8s.io/*-secret-*` parameters) |
//! | `rbd.csi.ceph.com`, `<namespace>.rbd.csi.ceph.com` (Rook) | `encrypted` is a `ParseBool` true | exact | ceph-csi `docs/deploy-rbd.md`; `internal/rbd/encryption.go` (`ParseEncryptionOpts`); Rook `deploy/examples/csi/rbd/storageclass.yaml` (`rook-ceph.rbd.csi.ceph.com`) |
//! | `cephfs.csi.ceph.com`, `<namespace>.cephfs.csi.ceph.com` (Rook) | `encrypted` is a `ParseBool` true (fscrypt) | exact | ceph-csi `docs/deploy-cephfs.md`; `internal/util/crypto.go` (`FetchEncryptionKMSID`) |
//! | `pd.csi.storage.gke.io` | `disk-encryption-kms-key` is set (a customer-managed key) | case-insensitive | gcp-compute-persistent-disk-csi-driver `README.md`; `pkg/parameters/parameters.go` (keys through `strings.ToLower`) |
//! | `disk.csi.azure.com` | `diskEncryptionSetID` is set (a customer-managed key) | case-insensitive | azuredisk-csi-driver `docs/driver-parameters.md`; `pkg/azureutils/azure_disk_utils.go` (`ParseDiskParameters`, keys through `strings.ToLower`) |
//! | `rancher.io/local-path` | never by itself: directories on the node | — | rancher/local-path-provisioner `README.md` (no encryption parameter) |
//! | `kubernetes.io/no-provisioner` | never by itself: local volumes on node disks | — | Kubernetes docs, Storage Classes, "Local" |
//!
//! GCE and Azure encrypt every disk with provider-managed keys anyway; the
//! rows ask for a customer-managed key because that is what an operator can
//! show and revoke. `provisionerParameters: {pd.csi.storage.gke.io: {}}`
//! states that provider-managed keys are enough.

use shared::quote::quote;
use shared::views::Entries;

use crate::settings::ProvisionerParameters;

/// How a driver matches parameter names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keys {
    /// The driver reads `params["encrypted"]`.
    Exact,
    /// The driver lower-cases every key before matching it.
    CaseInsensitive,
}

/// What a parameter's value must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want<'s> {
    /// Exactly `"true"` (the EBS driver's `isTrue`).
    True,
    /// A true of Go's `strconv.ParseBool`.
    GoTrue,
    /// Any value but empty or blank (a key identifier).
    Set,
    /// A glob from the settings (`*` matches any run of characters); the
    /// value must also be non-empty.
    Glob(&'s str),
}

/// The strings `strconv.ParseBool` reads as true.
const GO_TRUE: &[&str] = &["1", "t", "T", "TRUE", "true", "True"];

impl Want<'_> {
    fn accepts(self, value: &str) -> bool {
        match self {
            Want::True => value == "true",
            Want::GoTrue => GO_TRUE.contains(&value),
            Want::Set => !value.trim().is_empty(),
            Want::Glob(pattern) => !value.trim().is_empty() && glob(pattern, value),
        }
    }

    fn describe(self, parameter: &str) -> String {
        match self {
            Want::True => format!("{parameter}: \"true\""),
            Want::GoTrue => format!("{parameter}: \"true\" (or 1, t, T, TRUE, True)"),
            Want::Set => format!("{parameter} set to a key"),
            Want::Glob("*") => format!("{parameter} set"),
            Want::Glob(pattern) if pattern.contains('*') => {
                format!("{parameter} matching {pattern:?}")
            }
            Want::Glob(value) => format!("{parameter}: {value:?}"),
        }
    }
}

/// One parameter a class must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirement<'s> {
    pub parameter: &'s str,
    pub want: Want<'s>,
}

const fn req(parameter: &'static str, want: Want<'static>) -> Requirement<'static> {
    Requirement { parameter, want }
}

/// A provisioner the policy knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    /// Encrypts when the class's parameters say so.
    Parameters {
        keys: Keys,
        requirements: &'static [Requirement<'static>],
        source: &'static str,
    },
    /// Cannot encrypt by itself; only the node disks can.
    NodeOnly { source: &'static str },
}

struct Row {
    /// The exact provisioner name.
    name: &'static str,
    /// Also `<anything>.` + `name` (Rook prefixes the Ceph drivers with its
    /// operator namespace).
    prefixed: bool,
    known: Known,
}

const ENCRYPTED_TRUE: &[Requirement<'static>] = &[req("encrypted", Want::True)];
const ENCRYPTED_GO_TRUE: &[Requirement<'static>] = &[req("encrypted", Want::GoTrue)];

const EBS: Known = Known::Parameters {
    keys: Keys::CaseInsensitive,
    requirements: ENCRYPTED_TRUE,
    source: "aws-ebs-csi-driver docs/parameters.md",
};

const TABLE: &[Row] = &[
    Row {
        name: "ebs.csi.aws.com",
        prefixed: false,
        known: EBS,
    },
    Row {
        name: "kubernetes.io/aws-ebs",
        prefixed: false,
        known: EBS,
    },
    Row {
        name: "driver.longhorn.io",
        prefixed: false,
        known: Known::Parameters {
            keys: Keys::Exact,
            requirements: ENCRYPTED_GO_TRUE,
            source: "Longhorn docs, Volume Encryption",
        },
    },
    Row {
        name: "rbd.csi.ceph.com",
        prefixed: true,
        known: Known::Parameters {
            keys: Keys::Exact,
            requirements: ENCRYPTED_GO_TRUE,
            source: "ceph-csi docs/deploy-rbd.md",
        },
    },
    Row {
        name: "cephfs.csi.ceph.com",
        prefixed: true,
        known: Known::Parameters {
            keys: Keys::Exact,
            requirements: ENCRYPTED_GO_TRUE,
            source: "ceph-csi docs/deploy-cephfs.md",
        },
    },
    Row {
        name: "pd.csi.storage.gke.io",
        prefixed: false,
        known: Known::Parameters {
            keys: Keys::CaseInsensitive,
            requirements: &[req("disk-encryption-kms-key", Want::Set)],
            source: "gcp-compute-persistent-disk-csi-driver README.md",
        },
    },
    Row {
        name: "disk.csi.azure.com",
        prefixed: false,
        known: Known::Parameters {
            keys: Keys::CaseInsensitive,
            requirements: &[req("diskEncryptionSetID", Want::Set)],
            source: "azuredisk-csi-driver docs/driver-parameters.md",
        },
    },
    Row {
        name: "rancher.io/local-path",
        prefixed: false,
        known: Known::NodeOnly {
            source: "rancher/local-path-provisioner README.md",
        },
    },
    Row {
        name: "kubernetes.io/no-provisioner",
        prefixed: false,
        known: Known::NodeOnly {
            source: "Kubernetes docs, Storage Classes, Local",
        },
    },
];

/// The built-in row for a provisioner name (exact; the Ceph rows also
/// with a namespace prefix, `rook-ceph.rbd.csi.ceph.com`).
pub fn builtin(provisioner: &str) -> Option<Known> {
    TABLE
        .iter()
        .find(|row| {
            provisioner == row.name
                || (row.prefixed
                    && provisioner
                        .strip_suffix(row.name)
                        .and_then(|p| p.strip_suffix('.'))
                        .is_some_and(|prefix| !prefix.is_empty() && !prefix.contains('/')))
        })
        .map(|row| row.known)
}

/// What the policy expects of a provisioner, settings first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule<'s> {
    Parameters {
        keys: Keys,
        requirements: Vec<Requirement<'s>>,
        source: &'s str,
    },
    NodeOnly {
        source: &'s str,
    },
    Unknown,
}

/// An entry of `provisionerParameters` replaces the built-in row of its
/// provisioner (keeping the driver's key matching); an empty entry states
/// that the provisioner encrypts without parameters.
pub fn rule<'s>(overrides: &'s ProvisionerParameters, provisioner: &str) -> Rule<'s> {
    let known = builtin(provisioner);
    if let Some(parameters) = overrides.get(provisioner) {
        let keys = match known {
            Some(Known::Parameters { keys, .. }) => keys,
            _ => Keys::Exact,
        };
        return Rule::Parameters {
            keys,
            requirements: parameters
                .iter()
                .map(|(parameter, value)| Requirement {
                    parameter,
                    want: Want::Glob(value),
                })
                .collect(),
            source: "provisionerParameters",
        };
    }
    match known {
        Some(Known::Parameters {
            keys,
            requirements,
            source,
        }) => Rule::Parameters {
            keys,
            requirements: requirements.to_vec(),
            source,
        },
        Some(Known::NodeOnly { source }) => Rule::NodeOnly { source },
        None => Rule::Unknown,
    }
}

/// Checks a class's parameters against the requirements; each finding is a
/// sentence for the rejection. A case-insensitive driver sees `Encrypted`
/// and `encrypted` as one key and reads whichever its map iteration meets
/// last, so every spelling present must satisfy the requirement.
pub fn check_parameters<V: AsRef<str>>(
    provisioner: &str,
    keys: Keys,
    requirements: &[Requirement<'_>],
    source: &str,
    parameters: &Entries<impl AsRef<str>, V>,
) -> Vec<String> {
    let mut findings = Vec::new();
    if keys == Keys::CaseInsensitive
        && let Some(key) = parameters.keys().find(|k| !k.is_ascii())
    {
        findings.push(format!(
            "parameter {} is not ASCII; provisioner {provisioner:?} folds the case of parameter names, so it could stand for another parameter: spell it in ASCII",
            quote(key)
        ));
    }
    for requirement in requirements {
        let matches: Vec<(&str, &str)> = parameters
            .iter()
            .filter(|(k, _)| match keys {
                Keys::Exact => *k == requirement.parameter,
                Keys::CaseInsensitive => k.eq_ignore_ascii_case(requirement.parameter),
            })
            .map(|(k, v)| (k, v.as_ref()))
            .collect();
        let wanted = requirement.want.describe(requirement.parameter);
        if matches.is_empty() {
            findings.push(format!(
                "provisioner {provisioner:?} encrypts only with {wanted} ({source}), which the class does not set"
            ));
            continue;
        }
        for (key, value) in matches {
            if !requirement.want.accepts(value) {
                findings.push(format!(
                    "provisioner {provisioner:?} encrypts only with {wanted} ({source}), but {key} is {}",
                    quote(value)
                ));
            }
        }
    }
    findings
}

/// `*` matches any run of characters, everything else itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let middle: Vec<&str> = parts.collect();
    let Some((last, middle)) = middle.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use shared::text::Text;

    fn params(json: &str) -> Entries<Text<'_>, Text<'_>> {
        serde_json::from_str(json).unwrap()
    }

    fn findings(provisioner: &str, json: &str) -> Vec<String> {
        let overrides = ProvisionerParameters::default();
        match rule(&overrides, provisioner) {
            Rule::Parameters {
                keys,
                requirements,
                source,
            } => check_parameters(provisioner, keys, &requirements, source, &params(json)),
            other => panic!("{provisioner}: {other:?}"),
        }
    }

    #[rstest]
    #[case::ebs("ebs.csi.aws.com", r#"{"type":"gp3","encrypted":"true"}"#)]
    #[case::ebs_key_case("ebs.csi.aws.com", r#"{"Encrypted":"true"}"#)]
    #[case::ebs_legacy(
        "kubernetes.io/aws-ebs",
        r#"{"encrypted":"true","kmsKeyId":"arn:aws:kms:eu-west-1:1:key/x"}"#
    )]
    #[case::longhorn("driver.longhorn.io", r#"{"encrypted":"true","numberOfReplicas":"3"}"#)]
    #[case::longhorn_go_true("driver.longhorn.io", r#"{"encrypted":"True"}"#)]
    #[case::longhorn_one("driver.longhorn.io", r#"{"encrypted":"1"}"#)]
    #[case::ceph("rbd.csi.ceph.com", r#"{"encrypted":"true"}"#)]
    #[case::rook("rook-ceph.rbd.csi.ceph.com", r#"{"encrypted":"t"}"#)]
    #[case::cephfs("rook-ceph.cephfs.csi.ceph.com", r#"{"encrypted":"TRUE"}"#)]
    #[case::gce("pd.csi.storage.gke.io", r#"{"disk-encryption-kms-key":"projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k"}"#)]
    #[case::gce_key_case(
        "pd.csi.storage.gke.io",
        r#"{"Disk-Encryption-KMS-Key":"projects/p/locations/l/keyRings/r/cryptoKeys/k"}"#
    )]
    #[case::azure("disk.csi.azure.com", r#"{"skuName":"Premium_LRS","diskEncryptionSetID":"/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/diskEncryptionSets/d"}"#)]
    #[case::azure_lower(
        "disk.csi.azure.com",
        r#"{"diskencryptionsetid":"/subscriptions/s/x"}"#
    )]
    fn encrypting_parameters_pass(#[case] provisioner: &str, #[case] json: &str) {
        assert_eq!(findings(provisioner, json), Vec::<String>::new());
    }

    #[rstest]
    #[case::ebs_absent(
        "ebs.csi.aws.com",
        r#"{"type":"gp3"}"#,
        "encrypts only with encrypted: \"true\" (aws-ebs-csi-driver docs/parameters.md), which the class does not set"
    )]
    #[case::ebs_capital_value(
        "ebs.csi.aws.com",
        r#"{"encrypted":"True"}"#,
        "but encrypted is \"True\""
    )]
    #[case::ebs_one("ebs.csi.aws.com", r#"{"encrypted":"1"}"#, "but encrypted is \"1\"")]
    #[case::ebs_spaced(
        "ebs.csi.aws.com",
        r#"{"encrypted":" true"}"#,
        "but encrypted is \" true\""
    )]
    #[case::ebs_two_spellings(
        "ebs.csi.aws.com",
        r#"{"encrypted":"true","ENCRYPTED":"false"}"#,
        "but ENCRYPTED is \"false\""
    )]
    #[case::ebs_kelvin(
        "pd.csi.storage.gke.io",
        "{\"disk-encryption-kms-key\":\"projects/p\",\"disk-encryption-\u{212A}ms-key\":\"\"}",
        "is not ASCII"
    )]
    #[case::longhorn_false(
        "driver.longhorn.io",
        r#"{"encrypted":"false"}"#,
        "but encrypted is \"false\""
    )]
    #[case::longhorn_yes(
        "driver.longhorn.io",
        r#"{"encrypted":"yes"}"#,
        "but encrypted is \"yes\""
    )]
    #[case::longhorn_key_case(
        "driver.longhorn.io",
        r#"{"Encrypted":"true"}"#,
        "which the class does not set"
    )]
    #[case::ceph_absent(
        "rbd.csi.ceph.com",
        r#"{"pool":"replicapool"}"#,
        "ceph-csi docs/deploy-rbd.md"
    )]
    #[case::gce_empty(
        "pd.csi.storage.gke.io",
        r#"{"disk-encryption-kms-key":""}"#,
        "disk-encryption-kms-key set to a key"
    )]
    #[case::gce_blank(
        "pd.csi.storage.gke.io",
        r#"{"disk-encryption-kms-key":"  "}"#,
        "but disk-encryption-kms-key is \"  \""
    )]
    #[case::azure_absent(
        "disk.csi.azure.com",
        r#"{"skuName":"Premium_LRS"}"#,
        "diskEncryptionSetID set to a key"
    )]
    fn non_encrypting_parameters_are_named(
        #[case] provisioner: &str,
        #[case] json: &str,
        #[case] fragment: &str,
    ) {
        let found = findings(provisioner, json);
        assert!(found.iter().any(|f| f.contains(fragment)), "{found:?}");
    }

    #[rstest]
    #[case("rook-ceph.rbd.csi.ceph.com", true)]
    #[case("rbd.csi.ceph.com", true)]
    #[case(".rbd.csi.ceph.com", false)]
    #[case("xrbd.csi.ceph.com", false)]
    #[case("evil/x.rbd.csi.ceph.com", false)]
    #[case("ebs.csi.aws.com.evil", false)]
    #[case("x.ebs.csi.aws.com", false)]
    #[case("EBS.CSI.AWS.COM", false)]
    fn provisioner_names(#[case] name: &str, #[case] known: bool) {
        assert_eq!(builtin(name).is_some(), known);
    }

    #[test]
    fn node_only_provisioners() {
        assert!(matches!(
            builtin("rancher.io/local-path"),
            Some(Known::NodeOnly { .. })
        ));
        let none = ProvisionerParameters::default();
        assert!(matches!(
            rule(&none, "kubernetes.io/no-provisioner"),
            Rule::NodeOnly { .. }
        ));
        assert_eq!(rule(&none, "nfs.csi.k8s.io"), Rule::Unknown);
    }

    #[test]
    fn settings_replace_a_row_and_keep_its_key_matching() {
        let overrides: ProvisionerParameters = serde_json::from_str(
            r#"{"ebs.csi.aws.com":{"encrypted":"true","kmsKeyId":"arn:aws:kms:eu-west-1:123456789012:key/*"},
                "nfs.csi.k8s.io":{"mountOptions":"*krb5p*"},
                "pd.csi.storage.gke.io":{}}"#,
        )
        .unwrap();
        let check = |provisioner: &str, json: &str| match rule(&overrides, provisioner) {
            Rule::Parameters {
                keys,
                requirements,
                source,
            } => {
                assert_eq!(source, "provisionerParameters");
                check_parameters(provisioner, keys, &requirements, source, &params(json))
            }
            other => panic!("{other:?}"),
        };
        assert!(
            check(
                "ebs.csi.aws.com",
                r#"{"encrypted":"true","KMSKEYID":"arn:aws:kms:eu-west-1:123456789012:key/abc"}"#
            )
            .is_empty()
        );
        let found = check("ebs.csi.aws.com", r#"{"encrypted":"true"}"#);
        assert!(
            found[0].contains("kmsKeyId matching \"arn:aws:kms:eu-west-1:123456789012:key/*\""),
            "{found:?}"
        );
        assert!(
            check(
                "nfs.csi.k8s.io",
                r#"{"mountOptions":"nfsvers=4.1,sec=krb5p"}"#
            )
            .is_empty()
        );
        assert!(!check("nfs.csi.k8s.io", r#"{"MountOptions":"sec=krb5p"}"#).is_empty());
        assert!(check("pd.csi.storage.gke.io", r#"{"type":"pd-ssd"}"#).is_empty());
    }

    #[rstest]
    #[case("*", "", true)]
    #[case("*", "anything", true)]
    #[case("true", "true", true)]
    #[case("true", "truer", false)]
    #[case("arn:*", "arn:aws", true)]
    #[case("arn:*", "xarn:aws", false)]
    #[case("*krb5p*", "sec=krb5p,vers=4", true)]
    #[case("*krb5p*", "sec=krb5i", false)]
    #[case("a*b*c", "abc", true)]
    #[case("a*b*c", "aXbYc", true)]
    #[case("a*b*c", "acb", false)]
    #[case("ab*ba", "aba", false)]
    #[case("**", "x", true)]
    fn globs(#[case] pattern: &str, #[case] text: &str, #[case] matches: bool) {
        assert_eq!(glob(pattern, text), matches);
    }
}

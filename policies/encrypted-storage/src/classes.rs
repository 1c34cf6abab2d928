//! StorageClass objects: the default must be an encrypted class, and a class
//! the settings call encrypted must tell its provisioner to encrypt.
//!
//! Listing a class in `encryptedStorageClasses` is only a name; this check is
//! what makes the name true. Classes outside the list may exist (claims just
//! cannot use them), except as the default, which every classless claim of a
//! Helm chart would land on. `provisioner` and `parameters` are immutable, so
//! UPDATE is judged like CREATE: a listed class that does not encrypt cannot
//! be repaired by an update, only replaced (or taken off the list).

use serde::Deserialize;
use shared::quote::quote;
use shared::text::Text;
use shared::views::{Entries, nullable};
use shared::{Input, Rejection, Violations};

use crate::lookup::default_marker;
use crate::provisioners::{Rule, check_parameters, rule};
use crate::settings::Settings;

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct StorageClass<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    metadata: Metadata<'a>,
    #[serde(default, borrow)]
    provisioner: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    parameters: Entries<Text<'a>, Text<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
struct Metadata<'a> {
    #[serde(default, borrow)]
    name: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    annotations: Entries<Text<'a>, Text<'a>>,
}

shared::map_only!(StorageClass<'a>, Metadata<'a>);

pub fn validate(input: &Input<'_, '_, Settings>) -> Result<(), Rejection> {
    let class: StorageClass = input.request.decode_object()?;
    let settings = input.settings;
    let name = class.metadata.name.as_deref().unwrap_or_default();
    let listed = settings.is_encrypted_class(name);
    let mut violations = Violations::new();
    if let Some(marker) = default_marker(&class.metadata.annotations)
        && !listed
    {
        violations.push(format!(
            "it is marked default ({marker}: \"true\") but is not in encryptedStorageClasses, so every claim without a class would get unencrypted storage: remove the annotation, or make an encrypted class the default"
        ));
    }
    if listed {
        judge_listed(name, &class, settings, &mut violations);
    }
    let what = if name.is_empty() {
        "the StorageClass is not admitted".to_string()
    } else {
        format!("StorageClass {} is not admitted", quote(name))
    };
    violations.into_result(&what)
}

/// A class of `encryptedStorageClasses` must make its provisioner encrypt.
fn judge_listed(
    name: &str,
    class: &StorageClass<'_>,
    settings: &Settings,
    violations: &mut Violations,
) {
    let Some(provisioner) = class.provisioner.as_deref().filter(|p| !p.is_empty()) else {
        violations.push("it is in encryptedStorageClasses but names no provisioner");
        return;
    };
    let node_encrypted = settings.is_node_encrypted(name);
    match rule(&settings.provisioner_parameters, provisioner) {
        Rule::Parameters {
            keys,
            requirements,
            source,
        } => {
            for finding in
                check_parameters(provisioner, keys, &requirements, source, &class.parameters)
            {
                violations.push(format!("it is in encryptedStorageClasses but {finding}"));
            }
        }
        Rule::NodeOnly { .. } | Rule::Unknown if node_encrypted => {}
        Rule::NodeOnly { source } => violations.push(format!(
            "it is in encryptedStorageClasses but provisioner {} cannot encrypt volumes by itself ({source}): list the class in nodeEncryptedClasses once the node disks beneath it are encrypted, or use an encrypting provisioner",
            quote(provisioner)
        )),
        Rule::Unknown => violations.push(format!(
            "it is in encryptedStorageClasses but provisioner {} is unknown to the policy: add it to provisionerParameters with the parameters that turn its encryption on, or list the class in nodeEncryptedClasses if the node disks beneath it are encrypted",
            quote(provisioner)
        )),
    }
}

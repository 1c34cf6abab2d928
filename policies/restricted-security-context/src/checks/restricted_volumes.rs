//! `restrictedVolumes` (restricted 1.0, overrides `hostPathVolumes`): inline
//! volumes may only be configMap, csi, downwardAPI, emptyDir, ephemeral,
//! image, persistentVolumeClaim, projected or secret. A volume with none of
//! these is forbidden, named by its first restricted type in PSA's order, or
//! `unknown` when its source is not a Kubernetes volume type (fail-safe for
//! types newer than this policy). A volume with no source at all is allowed:
//! the API server defaults it to `emptyDir` before admission, which is what
//! PSA sees (upstream fixture `restrictedvolumes0` relies on it).

use super::{Finding, Pod, SortedSet, join_quote, pluralize};

const ALLOWED: [&str; 9] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// The restricted volume types, in the order PSA names them.
const RESTRICTED: [&str; 21] = [
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
];

pub fn check(pod: &Pod<'_, '_>) -> Option<Finding> {
    let mut bad = Vec::new();
    let mut types = SortedSet::new();
    for volume in &pod.spec.volumes {
        let has = |t: &str| volume.sources.iter().any(|s| s == t);
        if volume.sources.is_empty() || ALLOWED.iter().any(|t| has(t)) {
            continue;
        }
        bad.push(volume.name.as_ref());
        let named = RESTRICTED
            .iter()
            .copied()
            .find(|t| has(t))
            .unwrap_or("unknown");
        types.insert(named.to_string());
    }
    if bad.is_empty() {
        return None;
    }
    Some(Finding::new(
        "restricted volume types",
        format!(
            "{} {} {} {} {}",
            pluralize("volume", "volumes", bad.len()),
            join_quote(&bad),
            pluralize("uses", "use", bad.len()),
            pluralize(
                "restricted volume type",
                "restricted volume types",
                types.len()
            ),
            join_quote(&types)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{assert_outcome, pod};
    use rstest::rstest;

    fn volumes(list: &str) -> String {
        format!(r#"{{"volumes":{list}}}"#)
    }

    #[rstest]
    #[case::none("[]", None)]
    #[case::every_allowed_type(
        r#"[{"name":"a","configMap":{"name":"c"}},{"name":"b","csi":{"driver":"d"}},{"name":"c","downwardAPI":{}},{"name":"d","emptyDir":{}},{"name":"e","ephemeral":{"volumeClaimTemplate":{}}},{"name":"f","image":{"reference":"r"}},{"name":"g","persistentVolumeClaim":{"claimName":"x"}},{"name":"h","projected":{"sources":[]}},{"name":"i","secret":{"secretName":"s"}}]"#,
        None
    )]
    #[case::host_path(
        r#"[{"name":"root","hostPath":{"path":"/"}}]"#,
        Some(r#"restricted volume types (volume "root" uses restricted volume type "hostPath")"#)
    )]
    #[case::several_sorted_types(
        r#"[{"name":"a","nfs":{"server":"s","path":"/"}},{"name":"b","gitRepo":{"repository":"r"}},{"name":"c","nfs":{}}]"#,
        Some(r#"restricted volume types (volumes "a", "b", "c" use restricted volume types "gitRepo", "nfs")"#)
    )]
    #[case::no_source_defaults_to_empty_dir(r#"[{"name":"a"}]"#, None)]
    #[case::unknown_source_is_unknown(
        r#"[{"name":"a","futureVolume":{}}]"#,
        Some(r#"restricted volume types (volume "a" uses restricted volume type "unknown")"#)
    )]
    #[case::null_source_is_unset(r#"[{"name":"a","hostPath":null}]"#, None)]
    #[case::null_source_beside_restricted_one(
        r#"[{"name":"a","emptyDir":null,"nfs":{"server":"s","path":"/"}}]"#,
        Some(r#"restricted volume types (volume "a" uses restricted volume type "nfs")"#)
    )]
    #[case::first_restricted_in_psa_order(
        r#"[{"name":"a","storageos":{},"hostPath":{"path":"/"}}]"#,
        Some(r#"restricted volume types (volume "a" uses restricted volume type "hostPath")"#)
    )]
    #[case::allowed_source_wins(r#"[{"name":"a","hostPath":{"path":"/"},"emptyDir":{}}]"#, None)]
    #[case::every_restricted_type(
        r#"[{"name":"1","gcePersistentDisk":{}},{"name":"2","awsElasticBlockStore":{}},{"name":"3","iscsi":{}},{"name":"4","glusterfs":{}},{"name":"5","rbd":{}},{"name":"6","flexVolume":{}},{"name":"7","cinder":{}},{"name":"8","cephfs":{}},{"name":"9","flocker":{}},{"name":"10","fc":{}},{"name":"11","azureFile":{}},{"name":"12","vsphereVolume":{}},{"name":"13","quobyte":{}},{"name":"14","azureDisk":{}},{"name":"15","photonPersistentDisk":{}},{"name":"16","portworxVolume":{}},{"name":"17","scaleIO":{}}]"#,
        Some(r#"restricted volume types (volumes "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17" use restricted volume types "awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "fc", "flexVolume", "flocker", "gcePersistentDisk", "glusterfs", "iscsi", "photonPersistentDisk", "portworxVolume", "quobyte", "rbd", "scaleIO", "vsphereVolume")"#)
    )]
    fn restricted_volumes(#[case] list: &str, #[case] expected: Option<&str>) {
        assert_outcome(pod(&volumes(list)).run(check), expected);
    }
}

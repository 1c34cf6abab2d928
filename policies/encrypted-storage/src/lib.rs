//! encrypted-storage: every volume claim a request can make lands on a
//! StorageClass the operator lists as encrypted, and a listed class really
//! tells its provisioner to encrypt.
//!
//! Checking only `PersistentVolumeClaim.spec.storageClassName` (as
//! Kubewarden's storage-class policy does) misses the claims a StatefulSet's
//! `volumeClaimTemplates` and a pod's generic ephemeral volumes stamp out, the
//! legacy class annotation that overrides the field, and the cluster default
//! a classless claim falls to. This policy reads them all, and checks the
//! StorageClass objects so that "listed as encrypted" stays true.

pub mod claims;
pub mod classes;
pub mod lookup;
pub mod provisioners;
pub mod settings;

use shared::policy::{Policy, Resource, Route, WRITES, workload_routes};

/// `v1 persistentvolumeclaims`.
pub const PERSISTENT_VOLUME_CLAIMS: Resource =
    Resource::new("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims");
/// `storage.k8s.io/v1 storageclasses`.
pub const STORAGE_CLASSES: Resource =
    Resource::new("storage.k8s.io", "v1", "StorageClass", "storageclasses");

pub struct EncryptedStorage;

impl Policy for EncryptedStorage {
    const NAME: &'static str = "encrypted-storage";
    type Settings = settings::Settings;

    /// Claims, every workload kind (generic ephemeral volumes; StatefulSets
    /// also their claim templates) and StorageClasses. `pods/ephemeralcontainers`
    /// is not routed: an ephemeral container cannot add a volume.
    fn routes() -> Vec<Route<settings::Settings>> {
        let mut routes = vec![Route::new(
            PERSISTENT_VOLUME_CLAIMS,
            WRITES,
            claims::validate,
        )];
        routes.extend(workload_routes(WRITES, claims::validate));
        routes.push(Route::new(STORAGE_CLASSES, WRITES, classes::validate));
        routes
    }
}

shared::register_policy!(EncryptedStorage);

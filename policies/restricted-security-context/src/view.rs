//! Lean serde views of the pod fields Pod Security Admission reads.
//!
//! Only the fields a check inspects are decoded, borrowed from the request
//! where possible. A field of the wrong type is a decode error and so a
//! rejection: a value the checks cannot read cannot be shown to be safe.
//! `null` is accepted wherever Kubernetes' own JSON decoding accepts it
//! (it means "unset"), so manifests converted from YAML decode the same way.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use shared::containers::{NamedContainer, PodSpecView};
use shared::policy::TemplateViews;
use shared::text::Text;
use shared::views::nullable;

// Every view decodes from JSON objects only (see `shared::map_only!`).
shared::map_only!(
    Metadata<'a>,
    PodSpec<'a>,
    PodOs<'a>,
    PodSecurityContext<'a>,
    Container<'a>,
    SecurityContext<'a>,
    Capabilities<'a>,
    ProfileType<'a>,
    SeLinuxOptions<'a>,
    WindowsOptions,
    Sysctl<'a>,
    ContainerPort,
    Handler<'a>,
    HostField<'a>,
    Lifecycle<'a>,
    Projected,
    ProjectionSource,
    PodImages<'a>,
    PodSpecImages<'a>,
    ContainerImage<'a>,
);

/// The views of a pod template the handler is given.
pub struct Views;

impl TemplateViews for Views {
    type Spec<'a> = PodSpec<'a>;
    type Metadata<'a> = Metadata<'a>;
}

/// Pod (template) metadata: only annotations matter (AppArmor's legacy
/// per-container annotations).
#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
pub struct Metadata<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub annotations: BTreeMap<Text<'a>, Text<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
#[serde(rename_all = "camelCase")]
pub struct PodSpec<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub containers: Vec<Container<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub init_containers: Vec<Container<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub ephemeral_containers: Vec<Container<'a>>,
    #[serde(default, borrow)]
    pub security_context: Option<PodSecurityContext<'a>>,
    #[serde(default)]
    pub host_network: Option<bool>,
    #[serde(default, rename = "hostPID")]
    pub host_pid: Option<bool>,
    #[serde(default, rename = "hostIPC")]
    pub host_ipc: Option<bool>,
    #[serde(default)]
    pub host_users: Option<bool>,
    #[serde(default, borrow)]
    pub os: Option<PodOs<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub volumes: Vec<Volume<'a>>,
    #[serde(default)]
    pub automount_service_account_token: Option<bool>,
}

shared::pod_spec_view!(PodSpec<'a>, Container<'a>);

impl<'a> PodSpec<'a> {
    /// Every container, in PSA's visiting order: init, regular, ephemeral.
    pub fn all_containers(&self) -> impl Iterator<Item = &Container<'a>> {
        self.container_lists()
            .into_iter()
            .flat_map(|(_, list)| list.iter())
    }

    /// `spec.os.name: windows`; PSA exempts such pods from the Linux-only
    /// restricted checks because the API server forbids those fields on them.
    pub fn is_windows(&self) -> bool {
        self.os.as_ref().is_some_and(|os| os.name == "windows")
    }

    /// `hostUsers: false` puts the pod in a user namespace, which relaxes
    /// runAsNonRoot and runAsUser (PSA 1.35+).
    pub fn in_user_namespace(&self) -> bool {
        self.host_users == Some(false)
    }
}

#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
pub struct PodOs<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub name: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
#[serde(rename_all = "camelCase")]
pub struct PodSecurityContext<'a> {
    #[serde(default)]
    pub run_as_non_root: Option<bool>,
    #[serde(default)]
    pub run_as_user: Option<i64>,
    #[serde(default, borrow)]
    pub seccomp_profile: Option<ProfileType<'a>>,
    #[serde(default, borrow)]
    pub app_armor_profile: Option<ProfileType<'a>>,
    #[serde(default, borrow, rename = "seLinuxOptions")]
    pub se_linux_options: Option<SeLinuxOptions<'a>>,
    #[serde(default)]
    pub windows_options: Option<WindowsOptions>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub sysctls: Vec<Sysctl<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
#[serde(rename_all = "camelCase")]
pub struct Container<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub name: Text<'a>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub image: Text<'a>,
    #[serde(default, borrow)]
    pub security_context: Option<SecurityContext<'a>>,
    #[serde(default, deserialize_with = "nullable")]
    pub ports: Vec<ContainerPort>,
    #[serde(default, borrow)]
    pub liveness_probe: Option<Handler<'a>>,
    #[serde(default, borrow)]
    pub readiness_probe: Option<Handler<'a>>,
    #[serde(default, borrow)]
    pub startup_probe: Option<Handler<'a>>,
    #[serde(default, borrow)]
    pub lifecycle: Option<Lifecycle<'a>>,
}

impl NamedContainer for Container<'_> {
    fn name(&self) -> &str {
        &self.name
    }
}

#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
#[serde(rename_all = "camelCase")]
pub struct SecurityContext<'a> {
    #[serde(default)]
    pub allow_privilege_escalation: Option<bool>,
    #[serde(default)]
    pub privileged: Option<bool>,
    #[serde(default, borrow)]
    pub capabilities: Option<Capabilities<'a>>,
    #[serde(default)]
    pub run_as_non_root: Option<bool>,
    #[serde(default)]
    pub run_as_user: Option<i64>,
    #[serde(default, borrow)]
    pub seccomp_profile: Option<ProfileType<'a>>,
    #[serde(default, borrow)]
    pub app_armor_profile: Option<ProfileType<'a>>,
    #[serde(default, borrow, rename = "seLinuxOptions")]
    pub se_linux_options: Option<SeLinuxOptions<'a>>,
    #[serde(default)]
    pub windows_options: Option<WindowsOptions>,
    #[serde(default, borrow)]
    pub proc_mount: Option<Text<'a>>,
    #[serde(default)]
    pub read_only_root_filesystem: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
pub struct Capabilities<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub add: Vec<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub drop: Vec<Text<'a>>,
}

/// `seccompProfile` / `appArmorProfile`: only the type is checked.
#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
pub struct ProfileType<'a> {
    #[serde(default, borrow, rename = "type", deserialize_with = "nullable")]
    pub kind: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
pub struct SeLinuxOptions<'a> {
    #[serde(default, borrow, rename = "type", deserialize_with = "nullable")]
    pub kind: Text<'a>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub user: Text<'a>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub role: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
#[serde(rename_all = "camelCase")]
pub struct WindowsOptions {
    #[serde(default)]
    pub host_process: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
pub struct Sysctl<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub name: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
#[serde(rename_all = "camelCase")]
pub struct ContainerPort {
    #[serde(default)]
    pub host_port: Option<i32>,
}

/// A probe or lifecycle handler; only the `host` of `httpGet` and
/// `tcpSocket` is checked.
#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
#[serde(rename_all = "camelCase")]
pub struct Handler<'a> {
    #[serde(default, borrow)]
    pub http_get: Option<HostField<'a>>,
    #[serde(default, borrow)]
    pub tcp_socket: Option<HostField<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
pub struct HostField<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub host: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
#[serde(rename_all = "camelCase")]
pub struct Lifecycle<'a> {
    #[serde(default, borrow)]
    pub post_start: Option<Handler<'a>>,
    #[serde(default, borrow)]
    pub pre_stop: Option<Handler<'a>>,
}

/// A pod volume, reduced to its name, the names of the volume sources it
/// sets (non-null fields other than `name`), and whether a projected source
/// carries a service account token.
#[derive(Default)]
pub struct Volume<'a> {
    pub name: Text<'a>,
    pub sources: Vec<Text<'a>>,
    pub projects_service_account_token: bool,
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct Projected {
    #[serde(default, deserialize_with = "nullable")]
    sources: Vec<ProjectionSource>,
}

#[derive(Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
struct ProjectionSource {
    #[serde(default)]
    service_account_token: Option<IgnoredAny>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Volume<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct VolumeVisitor;
        impl<'de> Visitor<'de> for VolumeVisitor {
            type Value = Volume<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a volume object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Volume<'de>, A::Error> {
                let mut volume = Volume::default();
                while let Some(key) = map.next_key::<Text<'de>>()? {
                    match key.as_ref() {
                        "name" => {
                            volume.name = map.next_value::<Option<Text<'de>>>()?.unwrap_or_default()
                        }
                        "projected" => {
                            if let Some(projected) = map.next_value::<Option<Projected>>()? {
                                volume.projects_service_account_token |= projected
                                    .sources
                                    .iter()
                                    .any(|s| s.service_account_token.is_some());
                                volume.sources.push(key);
                            }
                        }
                        _ => {
                            if map.next_value::<Option<IgnoredAny>>()?.is_some() {
                                volume.sources.push(key);
                            }
                        }
                    }
                }
                Ok(volume)
            }
        }
        deserializer.deserialize_map(VolumeVisitor)
    }
}

/// The containers of a pod as PSA compares them on UPDATE: names and images.
#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
pub struct PodImages<'a> {
    #[serde(default, borrow)]
    pub spec: Option<PodSpecImages<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
#[serde(rename_all = "camelCase")]
pub struct PodSpecImages<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub containers: Vec<ContainerImage<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub init_containers: Vec<ContainerImage<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub ephemeral_containers: Vec<ContainerImage<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
pub struct ContainerImage<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub name: Text<'a>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub image: Text<'a>,
}

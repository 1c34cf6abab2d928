//! The policy entry point: route the object to the rules for its kind.

use serde::Deserialize;
use serde::de::IgnoredAny;
use shared::kinds::{workload_kind, workload_kind_names};
use shared::request::AdmissionRequest;
use shared::{Rejection, Violations};

use crate::settings::Settings;
use crate::time_slicing::ConfigMap;
use crate::vdi_template::{self, VdiTemplate};
use crate::view::{ObjectMeta, PodSpec};
use crate::{pod, time_slicing};
use shared::views::nullable;

const SUMMARY: &str = "GPU sharing rules violated";

#[derive(Deserialize)]
struct Identity<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    metadata: ObjectMeta<'a>,
}

pub fn validate(request: &AdmissionRequest<'_>, settings: &Settings) -> Result<(), Rejection> {
    // Removing an object grants no GPU; removing a sharing config makes the
    // device plugin fall back to no sharing.
    if !request.writes_object("gpu-limits")? {
        return Ok(());
    }
    let mut violations = Violations::new();
    let gvk = &request.kind;
    if let Some(kind) = workload_kind(gvk) {
        let template = kind.decode::<PodSpec, IgnoredAny>(request.object()?)?;
        pod::check(
            &template.spec,
            template.spec_path,
            settings,
            &mut violations,
        );
    } else if gvk.group.is_empty() && gvk.version == "v1" && gvk.kind == "ConfigMap" {
        // Only the identity is read first: other ConfigMaps are not this
        // policy's business, whatever they hold.
        let identity: Identity = request.decode_object()?;
        let names = [request.name.as_deref(), identity.metadata.name.as_deref()];
        let namespaces = [
            request.namespace.as_deref(),
            identity.metadata.namespace.as_deref(),
        ];
        // Either spelling of the identity counts, so a request whose
        // metadata and envelope disagree is still checked.
        let listed = names.iter().flatten().any(|name| {
            namespaces
                .iter()
                .flatten()
                .any(|ns| settings.is_time_slicing_config_map(ns, name))
        });
        if !listed {
            return Ok(());
        }
        let config_map: ConfigMap = request.decode_object()?;
        time_slicing::check(&config_map, settings, &mut violations);
    } else if gvk.group == vdi_template::GROUP
        && gvk.version == vdi_template::VERSION
        && gvk.kind == vdi_template::KIND
    {
        let template: VdiTemplate = request.decode_object()?;
        vdi_template::check(&template, settings, &mut violations);
    } else {
        return Err(Rejection::new(format!(
            "gpu-limits does not handle {gvk}; it validates {}, v1/ConfigMap and {}/{}/{}",
            workload_kind_names(),
            vdi_template::GROUP,
            vdi_template::VERSION,
            vdi_template::KIND
        )));
    }
    violations.into_result(SUMMARY)
}

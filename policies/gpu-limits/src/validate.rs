//! The handlers of the policy's routes, one per kind of object.

use serde::Deserialize;
use serde::de::IgnoredAny;
use shared::policy::{Template, TemplateViews};
use shared::{Input, Rejection, Violations};

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

/// The views of a pod template the workload handler is given.
pub struct Views;

impl TemplateViews for Views {
    type Spec<'a> = PodSpec<'a>;
    type Metadata<'a> = IgnoredAny;
}

/// A workload's pod spec: GPU counts, memory limits, device env, runtime class.
pub fn workload(
    input: &Input<'_, '_, Settings>,
    template: &Template<'_, Views>,
) -> Result<(), Rejection> {
    let mut violations = Violations::new();
    pod::check(
        &template.spec,
        template.spec_path,
        input.settings,
        &mut violations,
    );
    violations.into_result(SUMMARY)
}

/// The device plugin's time-slicing ConfigMaps named in the settings.
pub fn config_map(input: &Input<'_, '_, Settings>) -> Result<(), Rejection> {
    let (request, settings) = (input.request, input.settings);
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
    let mut violations = Violations::new();
    time_slicing::check(&config_map, settings, &mut violations);
    violations.into_result(SUMMARY)
}

/// A `VDITemplate`'s resources, which the operator copies onto sessions.
pub fn vdi_template(input: &Input<'_, '_, Settings>) -> Result<(), Rejection> {
    let template: VdiTemplate = input.request.decode_object()?;
    let mut violations = Violations::new();
    vdi_template::check(&template, input.settings, &mut violations);
    violations.into_result(SUMMARY)
}

//! `VDITemplate.spec.resources`: the operator copies it onto the session
//! container of every session started from the template, so it is held to
//! the rules of a single-container pod.

use serde::Deserialize;
use shared::Violations;

use crate::resources::{check_memory_limit, gpu_counts};
use crate::settings::Settings;
use crate::view::Resources;
use shared::views::nullable;

#[derive(Deserialize)]
pub struct VdiTemplate<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub spec: VdiTemplateSpec<'a>,
}

#[derive(Deserialize, Default)]
pub struct VdiTemplateSpec<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub resources: Resources<'a>,
}

pub fn check(template: &VdiTemplate<'_>, settings: &Settings, violations: &mut Violations) {
    let place = "VDITemplate spec.resources";
    let resources = &template.spec.resources;
    let counts = gpu_counts(resources, settings, place, violations);
    let gpus = counts.total();
    if gpus == 0 {
        return;
    }
    let max = settings.max_per_container.min(settings.max_per_pod);
    if gpus > max {
        violations.push(format!(
            "{place} requests {gpus} GPUs ({}); every session started from it would hold them, and at most \
             {max} per session container is allowed (maxPerContainer {}, maxPerPod {})",
            counts.breakdown(),
            settings.max_per_container,
            settings.max_per_pod
        ));
    }
    if settings.require_memory_limit {
        check_memory_limit(resources, place, violations);
    }
}

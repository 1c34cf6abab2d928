//! Finding every image of an object and judging each one.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::IgnoredAny;
use shared::containers::{NamedContainer, walk};
use shared::image::ImageRef;
use shared::kinds::{workload_kind, workload_kind_names};
use shared::request::AdmissionRequest;
use shared::{Rejection, Violations};

use crate::patterns::Mode;
use crate::settings::{Compiled, Settings};

/// API group and version of the VDI custom resources.
pub const VDI_GROUP: &str = "vdi.kasm.io";
pub const VDI_VERSION: &str = "v1alpha1";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec<'a> {
    #[serde(default, borrow)]
    pub containers: Vec<Container<'a>>,
    #[serde(default, borrow)]
    pub init_containers: Vec<Container<'a>>,
    #[serde(default, borrow)]
    pub ephemeral_containers: Vec<Container<'a>>,
    #[serde(default, borrow)]
    pub volumes: Vec<Volume<'a>>,
}
shared::pod_spec_view!(PodSpec<'a>, Container<'a>);

#[derive(Deserialize)]
pub struct Container<'a> {
    #[serde(default, borrow)]
    pub name: Cow<'a, str>,
    #[serde(default, borrow)]
    pub image: Option<Cow<'a, str>>,
}

impl NamedContainer for Container<'_> {
    fn name(&self) -> &str {
        &self.name
    }
}

/// A volume; only image volumes (`volumes[].image.reference`) carry images.
#[derive(Deserialize)]
pub struct Volume<'a> {
    #[serde(default, borrow)]
    pub name: Cow<'a, str>,
    #[serde(default, borrow)]
    pub image: Option<ImageVolume<'a>>,
}

#[derive(Deserialize)]
pub struct ImageVolume<'a> {
    #[serde(default, borrow)]
    pub reference: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct VdiTemplate<'a> {
    #[serde(borrow)]
    spec: VdiTemplateSpec<'a>,
}

#[derive(Deserialize)]
struct VdiTemplateSpec<'a> {
    #[serde(default, borrow)]
    image: Option<Cow<'a, str>>,
}

/// The policy entry point: every image in the object must be trusted.
pub fn validate(request: &AdmissionRequest<'_>, settings: &Settings) -> Result<(), Rejection> {
    // Removing an object pulls no image.
    if !request.writes_object("trusted-registries")? {
        return Ok(());
    }
    let rules = settings
        .compile()
        .map_err(|e| Rejection::new(format!("the policy settings are invalid: {e}")))?;
    let mut violations = Violations::new();
    let gvk = &request.kind;
    if let Some(kind) = workload_kind(gvk) {
        let template = kind.decode::<PodSpec, IgnoredAny>(request.object()?)?;
        for c in walk(&template.spec, template.spec_path) {
            check(
                &rules,
                c.container.image.as_deref(),
                &c.describe(),
                &mut violations,
            );
        }
        for (i, v) in template.spec.volumes.iter().enumerate() {
            if let Some(image) = &v.image {
                let place = format!(
                    "image volume \"{}\" ({}.volumes[{i}].image.reference)",
                    v.name, template.spec_path
                );
                check(&rules, image.reference.as_deref(), &place, &mut violations);
            }
        }
    } else if gvk.group == VDI_GROUP && gvk.version == VDI_VERSION && gvk.kind == "VDITemplate" {
        let template: VdiTemplate = request.decode_object()?;
        check(
            &rules,
            template.spec.image.as_deref(),
            "VDITemplate spec.image",
            &mut violations,
        );
    } else {
        return Err(Rejection::new(format!(
            "trusted-registries does not handle {gvk}; it validates {}, and {VDI_GROUP}/{VDI_VERSION}/VDITemplate",
            workload_kind_names()
        )));
    }
    violations.into_result("untrusted images")
}

/// Judges one image reference and records why it is not trusted.
fn check(rules: &Compiled, reference: Option<&str>, place: &str, violations: &mut Violations) {
    let Some(reference) = reference.filter(|r| !r.is_empty()) else {
        violations.push(format!(
            "{place} has no image; set an image from a trusted registry"
        ));
        return;
    };
    let image = match ImageRef::parse(reference) {
        Ok(image) => image,
        Err(e) => {
            violations.push(format!(
                "{place} image {reference:?} cannot be parsed ({e}); fix the reference"
            ));
            return;
        }
    };
    let mut reasons = Vec::new();
    if let Some(p) = rules
        .reject_registries
        .iter()
        .find(|p| p.matches(&image, Mode::Reject))
    {
        reasons.push(format!(
            "registry {} is rejected by registries.reject {:?}",
            image.registry(),
            p.as_str()
        ));
    }
    if let Some(p) = rules
        .reject_images
        .iter()
        .find(|p| p.matches(&image, Mode::Reject))
    {
        reasons.push(format!(
            "repository {} is rejected by images.reject {:?}",
            image.name(),
            p.as_str()
        ));
    }
    let trusted = rules
        .allow_registries
        .iter()
        .any(|p| p.matches(&image, Mode::Allow))
        || rules
            .allow_images
            .iter()
            .any(|p| p.matches(&image, Mode::Allow));
    if !trusted {
        reasons.push(format!(
            "neither registry {} nor repository {} is in registries.allow or images.allow",
            image.registry(),
            image.name()
        ));
    }
    let tag = match (&image.tag, &image.digest) {
        (Some(tag), _) => Some(tag.as_str()),
        (None, None) => Some("latest"),
        (None, Some(_)) => None,
    };
    if let Some(tag) = tag.filter(|t| rules.reject_tags.iter().any(|r| r == t)) {
        reasons.push(format!(
            "tag {tag:?} is rejected by tags.reject; pin a version tag or a digest"
        ));
    }
    if rules.require_digest && image.digest.is_none() {
        reasons.push(
            "it has no digest and requireDigest is set; reference it as name@sha256:<digest>"
                .to_string(),
        );
    }
    if !reasons.is_empty() {
        violations.push(format!(
            "{place} image {reference:?} ({image}): {}",
            reasons.join(", ")
        ));
    }
}

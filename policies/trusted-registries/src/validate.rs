//! Finding every image of an object and judging each one.

use serde::Deserialize;
use serde::de::IgnoredAny;
use shared::containers::{NamedContainer, walk};
use shared::image::ImageRef;
use shared::policy::{Template, TemplateViews};
use shared::quote::quote;
use shared::text::Text;
use shared::views::nullable;
use shared::{Input, Rejection, Violations};

use crate::patterns::Mode;
use crate::settings::{Compiled, Settings};

/// The views of a pod template the workload handler is given.
pub struct Views;

impl TemplateViews for Views {
    type Spec<'a> = PodSpec<'a>;
    type Metadata<'a> = IgnoredAny;
}

/// `null` lists are absent lists, as the API server decodes them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub containers: Vec<Container<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub init_containers: Vec<Container<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub ephemeral_containers: Vec<Container<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub volumes: Vec<Volume<'a>>,
}
shared::pod_spec_view!(PodSpec<'a>, Container<'a>);

#[derive(Deserialize)]
pub struct Container<'a> {
    #[serde(default, borrow)]
    pub name: Text<'a>,
    #[serde(default, borrow)]
    pub image: Option<Text<'a>>,
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
    pub name: Text<'a>,
    #[serde(default, borrow)]
    pub image: Option<ImageVolume<'a>>,
}

#[derive(Deserialize)]
pub struct ImageVolume<'a> {
    #[serde(default, borrow)]
    pub reference: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct VdiTemplate<'a> {
    #[serde(borrow)]
    spec: VdiTemplateSpec<'a>,
}

#[derive(Deserialize)]
struct VdiTemplateSpec<'a> {
    #[serde(default, borrow)]
    image: Option<Text<'a>>,
}

/// Every image of a workload's pod spec must be trusted: all three
/// container lists and the image volumes.
pub fn workload(
    input: &Input<'_, '_, Settings>,
    template: &Template<'_, Views>,
) -> Result<(), Rejection> {
    let rules = compile(input.settings)?;
    let mut violations = Violations::new();
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
    violations.into_result(SUMMARY)
}

/// The image a `VDITemplate` starts its sessions from must be trusted.
pub fn vdi_template(input: &Input<'_, '_, Settings>) -> Result<(), Rejection> {
    let rules = compile(input.settings)?;
    let template: VdiTemplate = input.request.decode_object()?;
    let mut violations = Violations::new();
    check(
        &rules,
        template.spec.image.as_deref(),
        "VDITemplate spec.image",
        &mut violations,
    );
    violations.into_result(SUMMARY)
}

const SUMMARY: &str = "untrusted images";

fn compile(settings: &Settings) -> Result<Compiled, Rejection> {
    settings
        .compile()
        .map_err(|e| Rejection::new(format!("the policy settings are invalid: {e}")))
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
                "{place} image {} cannot be parsed ({e}); fix the reference",
                quote(reference)
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
            "{place} image {} ({image}): {}",
            quote(reference),
            reasons.join(", ")
        ));
    }
}

//! Every volume claim a request can make, and the class each one gets.
//!
//! Three objects make claims: a PersistentVolumeClaim itself, a
//! StatefulSet's `spec.volumeClaimTemplates[]` (the controller stamps out one
//! claim per replica) and `volumes[].ephemeral.volumeClaimTemplate` in any
//! pod spec (the ephemeral-volume controller creates one claim per pod). The
//! StatefulSet and ephemeral claims are checked again when their
//! PersistentVolumeClaims are created; judging the templates too makes the
//! mistake visible where it is written, not as a pod stuck pending.
//!
//! A claim's class is what Kubernetes provisions it with
//! (`GetPersistentVolumeClaimClass`): the legacy annotation
//! `volume.beta.kubernetes.io/storage-class` when present (even `""`), else
//! `spec.storageClassName`; absent both, the cluster default; `""` binds to a
//! PersistentVolume without a class.

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use shared::quote::quote;
use shared::request::decode_view;
use shared::text::Text;
use shared::views::{Entries, nullable};
use shared::{Input, Operation, Rejection, Violations};

use crate::lookup::{Defaults, Lazy};
use crate::settings::Settings;

/// The legacy claim annotation that overrides `spec.storageClassName`.
pub const BETA_CLASS: &str = "volume.beta.kubernetes.io/storage-class";

const SUMMARY: &str = "volume claims outside the encrypted StorageClasses";

#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
pub struct ClaimMetadata<'a> {
    #[serde(default, borrow)]
    pub name: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub annotations: Entries<Text<'a>, Text<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct ClaimSpec<'a> {
    #[serde(default, borrow)]
    pub storage_class_name: Option<Text<'a>>,
}

/// A PersistentVolumeClaim, or a template of one.
#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
pub struct ClaimObject<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub metadata: ClaimMetadata<'a>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub spec: ClaimSpec<'a>,
}

#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
pub struct PodSpec<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub volumes: Vec<Volume<'a>>,
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
pub struct Volume<'a> {
    #[serde(default, borrow)]
    pub name: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub ephemeral: Option<Ephemeral<'a>>,
}

#[derive(Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct Ephemeral<'a> {
    #[serde(default, borrow)]
    pub volume_claim_template: Option<ClaimObject<'a>>,
}

/// A StatefulSet, read in one pass: its claim templates and its pod spec.
#[derive(Deserialize)]
#[serde(remote = "Self")]
struct StatefulSet<'a> {
    #[serde(default, borrow)]
    spec: Option<StatefulSetSpec<'a>>,
}

#[derive(Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
struct StatefulSetSpec<'a> {
    #[serde(default, borrow)]
    template: Option<PodTemplate<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    volume_claim_templates: Vec<ClaimObject<'a>>,
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct PodTemplate<'a> {
    #[serde(default, borrow)]
    spec: Option<PodSpec<'a>>,
}

shared::map_only!(
    ClaimMetadata<'a>,
    ClaimSpec<'a>,
    ClaimObject<'a>,
    PodSpec<'a>,
    Volume<'a>,
    Ephemeral<'a>,
    StatefulSet<'a>,
    StatefulSetSpec<'a>,
    PodTemplate<'a>,
);

/// The class a claim is provisioned with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Class<'a> {
    /// No class named: the cluster default.
    Default,
    /// `""`: bind to a PersistentVolume without a class.
    Static,
    Named(Text<'a>),
}

/// Where a claim is written; places and field paths are only formatted
/// for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin<'a> {
    /// A PersistentVolumeClaim object.
    Object { name: Option<Text<'a>> },
    /// `spec.volumeClaimTemplates[index]` of a StatefulSet.
    Template {
        index: usize,
        name: Option<Text<'a>>,
    },
    /// `<spec_path>.volumes[index].ephemeral.volumeClaimTemplate`.
    Ephemeral {
        spec_path: &'static str,
        index: usize,
        name: Option<Text<'a>>,
    },
}

fn name_of(name: &Option<Text<'_>>) -> String {
    name.as_deref()
        .map_or_else(|| "(no name)".to_string(), |n| quote(n).to_string())
}

impl Origin<'_> {
    /// `volumeClaimTemplate "data" (spec.volumeClaimTemplates[0])`.
    pub fn place(&self) -> String {
        match self {
            Origin::Object { name } => match name.as_deref() {
                Some(n) if !n.is_empty() => format!("PersistentVolumeClaim {}", quote(n)),
                _ => "the PersistentVolumeClaim".to_string(),
            },
            Origin::Template { index, name } => format!(
                "volumeClaimTemplate {} (spec.volumeClaimTemplates[{index}])",
                name_of(name)
            ),
            Origin::Ephemeral {
                spec_path,
                index,
                name,
            } => format!(
                "ephemeral volume {} ({spec_path}.volumes[{index}].ephemeral.volumeClaimTemplate)",
                name_of(name)
            ),
        }
    }

    /// The field path of the claim object, with a trailing dot (empty for a
    /// PersistentVolumeClaim).
    pub fn prefix(&self) -> String {
        match self {
            Origin::Object { .. } => String::new(),
            Origin::Template { index, .. } => format!("spec.volumeClaimTemplates[{index}]."),
            Origin::Ephemeral {
                spec_path, index, ..
            } => format!("{spec_path}.volumes[{index}].ephemeral.volumeClaimTemplate."),
        }
    }

    /// The same claim across an UPDATE: the PVC itself, or a template or
    /// ephemeral volume of the same name (a nameless one is never the same).
    fn same_claim(&self, other: &Origin<'_>) -> bool {
        match (self, other) {
            (Origin::Object { .. }, Origin::Object { .. }) => true,
            (Origin::Template { name: Some(a), .. }, Origin::Template { name: Some(b), .. })
            | (Origin::Ephemeral { name: Some(a), .. }, Origin::Ephemeral { name: Some(b), .. }) => {
                a == b
            }
            _ => false,
        }
    }
}

/// One claim and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim<'a> {
    pub origin: Origin<'a>,
    pub class: Class<'a>,
    /// Whether the class came from the legacy annotation.
    pub from_annotation: bool,
    /// The annotation and `spec.storageClassName` both set, and different.
    pub conflict: Option<(Text<'a>, Text<'a>)>,
}

impl<'a> Claim<'a> {
    fn new(origin: Origin<'a>, object: &ClaimObject<'a>) -> Self {
        let annotation = object.metadata.annotations.get(BETA_CLASS).cloned();
        let spec = object.spec.storage_class_name.clone();
        let conflict = match (&annotation, &spec) {
            (Some(a), Some(s)) if a != s => Some((a.clone(), s.clone())),
            _ => None,
        };
        let from_annotation = annotation.is_some();
        let class = match annotation.or(spec) {
            None => Class::Default,
            Some(name) if name.is_empty() => Class::Static,
            Some(name) => Class::Named(name),
        };
        Claim {
            origin,
            class,
            from_annotation,
            conflict,
        }
    }

    /// The field the class was read from, for messages.
    fn field(&self) -> String {
        let prefix = self.origin.prefix();
        if self.from_annotation {
            format!("{prefix}metadata.annotations[{BETA_CLASS:?}]")
        } else {
            format!("{prefix}spec.storageClassName")
        }
    }

    /// Whether `old` holds this claim with the same class.
    fn unchanged_in(&self, old: &[Claim<'_>]) -> bool {
        old.iter().any(|o| {
            self.origin.same_claim(&o.origin)
                && o.class == self.class
                && o.conflict == self.conflict
        })
    }
}

/// The claims of an object, and what makes some of them unreadable.
#[derive(Default)]
pub struct Found<'a> {
    pub claims: Vec<Claim<'a>>,
    pub problems: Vec<String>,
}

/// A PersistentVolumeClaim object.
pub fn of_claim<'a>(object: &ClaimObject<'a>) -> Found<'a> {
    let origin = Origin::Object {
        name: object.metadata.name.clone(),
    };
    Found {
        claims: vec![Claim::new(origin, object)],
        problems: Vec::new(),
    }
}

/// The generic ephemeral volumes of a pod spec.
pub fn of_pod_spec<'a>(spec: &PodSpec<'a>, spec_path: &'static str, found: &mut Found<'a>) {
    for (index, volume) in spec.volumes.iter().enumerate() {
        let Some(ephemeral) = &volume.ephemeral else {
            continue;
        };
        match &ephemeral.volume_claim_template {
            Some(template) => found.claims.push(Claim::new(
                Origin::Ephemeral {
                    spec_path,
                    index,
                    name: volume.name.clone(),
                },
                template,
            )),
            None => found.problems.push(format!(
                "ephemeral volume {} ({spec_path}.volumes[{index}].ephemeral) has no volumeClaimTemplate; give it one on an encrypted class",
                name_of(&volume.name)
            )),
        }
    }
}

fn of_templates<'a>(templates: &[ClaimObject<'a>], found: &mut Found<'a>) {
    for (index, template) in templates.iter().enumerate() {
        let origin = Origin::Template {
            index,
            name: template.metadata.name.clone(),
        };
        found.claims.push(Claim::new(origin, template));
    }
}

fn missing(kind: &str, path: &str) -> Rejection {
    Rejection::new(format!(
        "the {kind} has no {path}; there is nothing to validate, so it is not admitted"
    ))
}

/// Reads the claims of one object of the route's kind.
fn collect<'a>(
    input: &Input<'_, 'a, Settings>,
    raw: &'a RawValue,
    what: &str,
) -> Result<Found<'a>, Rejection> {
    let kind = input.request.kind.kind.as_ref();
    if kind == "PersistentVolumeClaim" && input.workload.is_none() {
        let object: ClaimObject = decode_view(raw, what)?;
        return Ok(of_claim(&object));
    }
    let workload = input.workload()?;
    let mut found = Found::default();
    if workload.kind == "StatefulSet" {
        let set: StatefulSet = decode_view(raw, what)?;
        let spec = set.spec.ok_or_else(|| missing(what, "spec"))?;
        let template = spec
            .template
            .ok_or_else(|| missing(what, "spec.template"))?;
        let pod = template
            .spec
            .ok_or_else(|| missing(what, "spec.template.spec"))?;
        of_templates(&spec.volume_claim_templates, &mut found);
        of_pod_spec(&pod, workload.spec_path, &mut found);
    } else {
        let template = workload.decode::<PodSpec, IgnoredAny>(raw)?;
        of_pod_spec(&template.spec, template.spec_path, &mut found);
    }
    Ok(found)
}

/// The handler of PersistentVolumeClaims and of every workload kind. On
/// UPDATE a claim whose class (and name) is unchanged from `oldObject` is
/// not judged again: a claim's class is immutable once set, and re-judging
/// claims admitted before the policy (or before a settings change) would
/// block the controllers' metadata updates, finalizer removal included.
pub fn validate(input: &Input<'_, '_, Settings>) -> Result<(), Rejection> {
    let kind = input.request.kind.kind.to_string();
    let found = collect(input, input.request.object()?, &kind)?;
    let old = match input.request.operation {
        Operation::Update => {
            collect(
                input,
                input.request.old_object()?,
                &format!("stored {kind}"),
            )?
            .claims
        }
        _ => Vec::new(),
    };
    let mut violations = Violations::new();
    for problem in found.problems {
        violations.push(problem);
    }
    let mut defaults = Lazy::new(input.host);
    for claim in &found.claims {
        if !claim.unchanged_in(&old) {
            judge(claim, input.settings, &mut defaults, &mut violations);
        }
    }
    violations.into_result(SUMMARY)
}

/// Judges one claim's class; messages are built only for a violation.
pub fn judge(
    claim: &Claim<'_>,
    settings: &Settings,
    defaults: &mut Lazy<'_>,
    violations: &mut Violations,
) {
    let place = || claim.origin.place();
    let list = || settings.class_list();
    let set_class = || {
        format!(
            "set {}spec.storageClassName to one of {}",
            claim.origin.prefix(),
            list()
        )
    };
    if let Some((annotation, spec)) = &claim.conflict {
        violations.push(format!(
            "{} names StorageClass {} in the annotation {BETA_CLASS} and {} in spec.storageClassName; Kubernetes uses the annotation: remove it, or make both the same encrypted class",
            place(),
            quote(annotation),
            quote(spec)
        ));
        return;
    }
    match &claim.class {
        Class::Named(name) if settings.is_encrypted_class(name) => {}
        Class::Named(name) => violations.push(format!(
            "{} uses StorageClass {} ({}), which is not in encryptedStorageClasses; use one of {}",
            place(),
            quote(name),
            claim.field(),
            list()
        )),
        Class::Static if settings.allow_static_binding => {}
        Class::Static => violations.push(format!(
            "{} sets {}: \"\" (static binding to a PersistentVolume without a class, which no encrypted class covers) and allowStaticBinding is off; use one of {}",
            place(),
            claim.field(),
            list()
        )),
        Class::Default if !settings.lookup_default_class => violations.push(format!(
            "{} names no StorageClass and lookupDefaultClass is off, so the cluster default is not relied on; {}",
            place(),
            set_class()
        )),
        Class::Default => match defaults.get() {
            Ok(Defaults::One(name)) if settings.is_encrypted_class(name) => {}
            Ok(Defaults::One(name)) => violations.push(format!(
                "{} names no StorageClass, so it gets the cluster default {}, which is not in encryptedStorageClasses; {}",
                place(),
                quote(name),
                set_class()
            )),
            Ok(Defaults::None) => violations.push(format!(
                "{} names no StorageClass and the cluster has no default StorageClass; {}",
                place(),
                set_class()
            )),
            Ok(Defaults::Several(names)) => violations.push(format!(
                "{} names no StorageClass and {} StorageClasses are marked default ({}); Kubernetes would take the newest, so the class could change under the claim: mark exactly one class default, or {}",
                place(),
                names.len(),
                names
                    .iter()
                    .map(|n| quote(n).to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                set_class()
            )),
            Err(e) => violations.push(format!(
                "{} names no StorageClass and the cluster default cannot be determined ({e}); {}",
                place(),
                set_class()
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn claim(json: &str) -> Class<'_> {
        let object: ClaimObject = serde_json::from_str(json).unwrap();
        of_claim(&object).claims.remove(0).class
    }

    fn named(name: &str) -> Class<'_> {
        Class::Named(Text(name.into()))
    }

    #[rstest]
    #[case::spec(r#"{"spec":{"storageClassName":"fast"}}"#, named("fast"))]
    #[case::absent(r#"{"spec":{}}"#, Class::Default)]
    #[case::null(r#"{"spec":{"storageClassName":null}}"#, Class::Default)]
    #[case::no_spec(r#"{"metadata":{"name":"x"}}"#, Class::Default)]
    #[case::null_spec(r#"{"spec":null}"#, Class::Default)]
    #[case::empty(r#"{"spec":{"storageClassName":""}}"#, Class::Static)]
    #[case::annotation(
        r#"{"metadata":{"annotations":{"volume.beta.kubernetes.io/storage-class":"fast"}}}"#,
        named("fast")
    )]
    #[case::annotation_wins(r#"{"metadata":{"annotations":{"volume.beta.kubernetes.io/storage-class":"slow"}},"spec":{"storageClassName":"fast"}}"#, named("slow"))]
    #[case::annotation_empty(r#"{"metadata":{"annotations":{"volume.beta.kubernetes.io/storage-class":""}},"spec":{"storageClassName":"fast"}}"#, Class::Static)]
    #[case::other_annotation(r#"{"metadata":{"annotations":{"volume.kubernetes.io/storage-class":"slow"}},"spec":{"storageClassName":"fast"}}"#, named("fast"))]
    #[case::escaped(r#"{"spec":{"storageClassName":"f\u0061st"}}"#, named("fast"))]
    fn effective_class_follows_kubernetes(#[case] json: &str, #[case] expected: Class<'_>) {
        assert_eq!(claim(json), expected);
    }

    #[test]
    fn conflicts_are_recorded() {
        let object: ClaimObject = serde_json::from_str(
            r#"{"metadata":{"annotations":{"volume.beta.kubernetes.io/storage-class":"slow"}},"spec":{"storageClassName":"fast"}}"#,
        )
        .unwrap();
        let found = of_claim(&object);
        let (a, s) = found.claims[0].conflict.clone().unwrap();
        assert_eq!((&*a, &*s), ("slow", "fast"));
        assert_eq!(
            found.claims[0].field(),
            "metadata.annotations[\"volume.beta.kubernetes.io/storage-class\"]"
        );
    }

    #[rstest]
    #[case::class_not_string(r#"{"spec":{"storageClassName":7}}"#)]
    #[case::annotation_null(
        r#"{"metadata":{"annotations":{"volume.beta.kubernetes.io/storage-class":null}}}"#
    )]
    #[case::spec_array(r#"{"spec":["fast"]}"#)]
    #[case::metadata_array(r#"{"metadata":[]}"#)]
    // policy-server collapses repeated keys before the module sees them;
    // anything else that sends two is refused rather than guessed.
    #[case::repeated_key(r#"{"spec":{"storageClassName":"slow","storageClassName":"fast"}}"#)]
    fn malformed_claims_do_not_decode(#[case] json: &str) {
        assert!(serde_json::from_str::<ClaimObject>(json).is_err());
    }

    #[test]
    fn ephemeral_volumes_are_found_with_locations() {
        let spec: PodSpec = serde_json::from_str(
            r#"{"volumes":[{"name":"home","persistentVolumeClaim":{"claimName":"h"}},
                           {"name":"scratch","ephemeral":{"volumeClaimTemplate":{"spec":{"storageClassName":"fast"}}}},
                           {"name":"broken","ephemeral":{}},
                           {"name":"nulled","ephemeral":null}]}"#,
        )
        .unwrap();
        let mut found = Found::default();
        of_pod_spec(&spec, "spec.template.spec", &mut found);
        assert_eq!(found.claims.len(), 1);
        let c = &found.claims[0];
        assert_eq!(
            c.origin.place(),
            "ephemeral volume \"scratch\" (spec.template.spec.volumes[1].ephemeral.volumeClaimTemplate)"
        );
        assert_eq!(
            c.field(),
            "spec.template.spec.volumes[1].ephemeral.volumeClaimTemplate.spec.storageClassName"
        );
        assert_eq!(
            found.problems,
            [
                "ephemeral volume \"broken\" (spec.template.spec.volumes[2].ephemeral) has no volumeClaimTemplate; give it one on an encrypted class"
            ]
        );
    }

    fn origin(kind: &str, index: usize, name: Option<&'static str>) -> Origin<'static> {
        let name = name.map(|n| Text(n.into()));
        match kind {
            "template" => Origin::Template { index, name },
            _ => Origin::Ephemeral {
                spec_path: "spec",
                index,
                name,
            },
        }
    }

    #[test]
    fn claims_are_the_same_by_kind_and_name_not_position() {
        let object = |n: Option<&'static str>| Origin::Object {
            name: n.map(|n| Text(n.into())),
        };
        assert!(object(Some("a")).same_claim(&object(None)));
        assert!(origin("template", 0, Some("data")).same_claim(&origin(
            "template",
            3,
            Some("data")
        )));
        assert!(!origin("template", 0, Some("data")).same_claim(&origin(
            "template",
            0,
            Some("logs")
        )));
        assert!(!origin("template", 0, Some("data")).same_claim(&origin(
            "ephemeral",
            0,
            Some("data")
        )));
        assert!(!origin("template", 0, None).same_claim(&origin("template", 0, None)));
        assert!(!origin("ephemeral", 1, None).same_claim(&origin("ephemeral", 1, None)));
    }
}

//! Lean serde views of the fields this policy reads, borrowed from the
//! request, and the pod template of every workload kind.
//!
//! Values that may be credentials are never decoded into strings that a
//! message could print by accident: an env var's `value` stays a [`Hidden`]
//! raw slice, and `valueFrom` is only looked into for credential-named
//! variables.

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use shared::Rejection;
use shared::containers::NamedContainer;
use shared::kinds::WorkloadKind;
use shared::text::Text;
use shared::views::{Entries, nullable};

use crate::findings::fingerprint;

/// kubectl's copy of the applied manifest.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

shared::map_only!(
    PodSpec<'a>,
    Container<'a>,
    EnvVar<'a>,
    EnvFromSource<'a>,
    SecretRef<'a>,
    SecretKeyRef<'a>,
    ObjectMeta<'a>,
    PodLike<'a>,
    TemplateHolder<'a>,
    TemplatedObject<'a>,
    PodTemplateObject<'a>,
    CronJobObject<'a>,
    CronJobSpec<'a>,
    JobTemplate<'a>,
);

/// A value that may be a credential: its JSON text, kept only to tell
/// whether it is empty and to fingerprint it. It has no `Display`, and its
/// `Debug` shows nothing of it.
#[derive(Clone, Copy)]
pub struct Hidden<'a>(&'a RawValue);

impl<'a> Hidden<'a> {
    /// `null` means unset, as in Kubernetes' own decoding.
    fn is_null(&self) -> bool {
        self.0.get() == "null"
    }

    /// The empty string: a literal that holds no secret.
    pub fn is_empty_string(&self) -> bool {
        self.0.get() == "\"\""
    }

    pub fn fingerprint(&self) -> u64 {
        fingerprint(self.0.get().as_bytes())
    }

    /// The JSON text, for decoding a part of it; never for a message.
    pub(crate) fn text(&self) -> &'a str {
        self.0.get()
    }
}

impl fmt::Debug for Hidden<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Hidden(<redacted>)")
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Hidden<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        <&'a RawValue>::deserialize(deserializer).map(Hidden)
    }
}

/// An optional raw field: absent and `null` are both `None`.
fn present<'a>(raw: Option<Hidden<'a>>) -> Option<Hidden<'a>> {
    raw.filter(|r| !r.is_null())
}

#[derive(Deserialize, Default)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct PodSpec<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub containers: Vec<Container<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub init_containers: Vec<Container<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub ephemeral_containers: Vec<Container<'a>>,
}
shared::pod_spec_view!(PodSpec<'a>, Container<'a>);

#[derive(Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct Container<'a> {
    #[serde(default, borrow)]
    pub name: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub env: Vec<EnvVar<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub env_from: Vec<EnvFromSource<'a>>,
}

impl NamedContainer for Container<'_> {
    fn name(&self) -> &str {
        self.name.as_deref().unwrap_or_default()
    }
}

#[derive(Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct EnvVar<'a> {
    #[serde(default, borrow)]
    pub name: Option<Text<'a>>,
    #[serde(default, borrow)]
    value: Option<Hidden<'a>>,
    #[serde(default, borrow)]
    value_from: Option<Hidden<'a>>,
}

impl<'a> EnvVar<'a> {
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or_default()
    }

    pub fn value(&self) -> Option<Hidden<'a>> {
        present(self.value)
    }

    /// `valueFrom` as its sources (`secretKeyRef`, ...) with `null` ones
    /// dropped; a `valueFrom` that is not an object is an error.
    pub fn sources(&self) -> Option<Result<Vec<(String, Hidden<'a>)>, serde_json::Error>> {
        let raw = present(self.value_from)?;
        Some(
            serde_json::from_str::<Entries<Text<'a>, Hidden<'a>>>(raw.0.get()).map(|entries| {
                entries
                    .iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.to_string(), *v))
                    .collect()
            }),
        )
    }
}

#[derive(Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct EnvFromSource<'a> {
    #[serde(default, borrow)]
    pub prefix: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub secret_ref: Option<SecretRef<'a>>,
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
pub struct SecretRef<'a> {
    #[serde(default, borrow)]
    pub name: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
pub struct SecretKeyRef<'a> {
    #[serde(default, borrow)]
    pub name: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub key: Option<Text<'a>>,
    #[serde(default)]
    pub optional: Option<bool>,
}

impl<'a> SecretKeyRef<'a> {
    pub fn decode(raw: Hidden<'a>) -> Result<SecretKeyRef<'a>, serde_json::Error> {
        serde_json::from_str(raw.text())
    }
}

/// The last-applied annotation as it was found.
pub enum Captured<'a> {
    Text(Text<'a>),
    NotAString(u64),
}

/// The last-applied annotation's value, read once: the string itself (it
/// is the largest value of an applied object, and every `"` in it is
/// escaped, which makes a second scan of it the costliest part of the
/// request), `null` as absent, and anything else only fingerprinted — as
/// the walk of other objects does, a map or list by its kind alone.
struct LastApplied<'a>(Option<Captured<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for LastApplied<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LastApplied<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(LastApplied(Some(Captured::Text(Text(v.into())))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LastApplied(Some(Captured::Text(Text(v.to_owned().into())))))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(LastApplied(Some(Captured::Text(Text(v.into())))))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(LastApplied(None))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                Ok(not_a_string(&[u8::from(v)]))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(not_a_string(&v.to_le_bytes()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(not_a_string(&v.to_le_bytes()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(not_a_string(&v.to_bits().to_le_bytes()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(not_a_string(b"{}"))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(not_a_string(b"[]"))
            }
        }
        deserializer.deserialize_any(V)
    }
}

fn not_a_string<'a>(print: &[u8]) -> LastApplied<'a> {
    LastApplied(Some(Captured::NotAString(fingerprint(print))))
}

/// `metadata.annotations`, of which only the last-applied copy is kept.
#[derive(Default)]
pub struct Annotations<'a> {
    pub last_applied: Option<Captured<'a>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Annotations<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Annotations<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Annotations::default();
                while let Some(key) = map.next_key::<Text<'de>>()? {
                    if &*key == LAST_APPLIED {
                        out.last_applied = map.next_value::<LastApplied<'de>>()?.0;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(out)
            }
        }
        deserializer.deserialize_map(V(std::marker::PhantomData))
    }
}

#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
pub struct ObjectMeta<'a> {
    #[serde(default, borrow)]
    pub name: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub namespace: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub labels: Entries<Text<'a>, Text<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub annotations: Annotations<'a>,
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
pub struct PodLike<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    metadata: ObjectMeta<'a>,
    #[serde(default, borrow)]
    spec: Option<PodSpec<'a>>,
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
pub struct TemplateHolder<'a> {
    #[serde(default, borrow)]
    template: Option<PodLike<'a>>,
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
pub struct TemplatedObject<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    metadata: ObjectMeta<'a>,
    #[serde(default, borrow)]
    spec: Option<TemplateHolder<'a>>,
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
pub struct PodTemplateObject<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    metadata: ObjectMeta<'a>,
    #[serde(default, borrow)]
    template: Option<PodLike<'a>>,
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
pub struct CronJobObject<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    metadata: ObjectMeta<'a>,
    #[serde(default, borrow)]
    spec: Option<CronJobSpec<'a>>,
}

#[derive(Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct CronJobSpec<'a> {
    #[serde(default, borrow)]
    job_template: Option<JobTemplate<'a>>,
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
pub struct JobTemplate<'a> {
    #[serde(default, borrow)]
    spec: Option<TemplateHolder<'a>>,
}

/// A workload's identity (its own metadata) and its pod template.
pub struct Workload<'a> {
    /// The object's own metadata: name, namespace, annotations.
    pub metadata: ObjectMeta<'a>,
    /// The labels of the pods it creates (the pod's own for a Pod).
    pub pod_labels: Entries<Text<'a>, Text<'a>>,
    pub spec: PodSpec<'a>,
    pub spec_path: &'static str,
}

/// Where the pod template of `kind` sits, by the shared table's spec path.
enum Shape {
    Pod,
    PodTemplate,
    Template,
    CronJob,
}

fn shape(kind: &WorkloadKind) -> Option<Shape> {
    match kind.spec_path {
        "spec" => Some(Shape::Pod),
        "template.spec" => Some(Shape::PodTemplate),
        "spec.template.spec" => Some(Shape::Template),
        "spec.jobTemplate.spec.template.spec" => Some(Shape::CronJob),
        _ => None,
    }
}

/// The outcome of decoding a workload: its template, or the first level
/// missing on the way to the pod spec.
pub type Decoded<'a> = Result<Workload<'a>, &'static str>;

/// Why a workload's text could not be read.
pub enum WorkloadError {
    /// The decoder's error: never shown as it is (see `decode`).
    Json(serde_json::Error),
    /// The shared table has a shape this policy does not know.
    Shape(Rejection),
}

/// Decodes the pod template of an object of `kind` from `text`, like
/// `WorkloadKind::decode` but keeping the decoder's error for the caller to
/// redact. Outer `Err`: the text cannot be read; inner `Err`: it has no pod
/// spec, naming the missing level.
pub fn decode_workload<'a>(
    kind: &WorkloadKind,
    text: &'a str,
) -> Result<Decoded<'a>, WorkloadError> {
    fn parse<'a, T: Deserialize<'a>>(text: &'a str) -> Result<T, WorkloadError> {
        serde_json::from_str(text).map_err(WorkloadError::Json)
    }
    fn template<'a>(
        metadata: ObjectMeta<'a>,
        pod: Option<PodLike<'a>>,
        missing: &'static str,
        spec_path: &'static str,
    ) -> Decoded<'a> {
        let pod = pod.ok_or(missing)?;
        Ok(Workload {
            metadata,
            pod_labels: pod.metadata.labels,
            spec: pod.spec.ok_or(spec_path)?,
            spec_path,
        })
    }
    let path = kind.spec_path;
    let Some(shape) = shape(kind) else {
        return Err(WorkloadError::Shape(Rejection::new(format!(
            "{} keeps its pod spec at {path}, which this policy cannot read; it is not admitted",
            kind.kind
        ))));
    };
    Ok(match shape {
        Shape::Pod => {
            let pod: PodLike = parse(text)?;
            match pod.spec {
                Some(spec) => Ok(Workload {
                    pod_labels: pod.metadata.labels.clone(),
                    metadata: pod.metadata,
                    spec,
                    spec_path: path,
                }),
                None => Err("spec"),
            }
        }
        Shape::PodTemplate => {
            let object: PodTemplateObject = parse(text)?;
            template(object.metadata, object.template, "template", path)
        }
        Shape::Template => {
            let object: TemplatedObject = parse(text)?;
            match object.spec {
                Some(spec) => template(object.metadata, spec.template, "spec.template", path),
                None => Err("spec"),
            }
        }
        Shape::CronJob => {
            let object: CronJobObject = parse(text)?;
            let job = object
                .spec
                .ok_or("spec")
                .and_then(|s| s.job_template.ok_or("spec.jobTemplate"))
                .and_then(|j| j.spec.ok_or("spec.jobTemplate.spec"));
            match job {
                Ok(job) => template(
                    object.metadata,
                    job.template,
                    "spec.jobTemplate.spec.template",
                    path,
                ),
                Err(missing) => Err(missing),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use shared::kinds::WORKLOAD_KINDS;

    fn kind(name: &str) -> &'static WorkloadKind {
        WORKLOAD_KINDS.iter().find(|k| k.kind == name).unwrap()
    }

    const SPEC: &str = r#"{"containers":[{"name":"desktop","env":[{"name":"A","value":"1"}]}]}"#;
    const LABELS: &str = r#"{"labels":{"vdi.kasm.io/session":"s1"},"annotations":{"a":"b"}}"#;

    #[rstest]
    #[case("Pod", format!(r#"{{"metadata":{LABELS},"spec":{SPEC}}}"#))]
    #[case("PodTemplate", format!(r#"{{"metadata":{{"name":"t"}},"template":{{"metadata":{LABELS},"spec":{SPEC}}}}}"#))]
    #[case("ReplicationController", format!(r#"{{"spec":{{"template":{{"metadata":{LABELS},"spec":{SPEC}}}}}}}"#))]
    #[case("Deployment", format!(r#"{{"spec":{{"template":{{"metadata":{LABELS},"spec":{SPEC}}}}}}}"#))]
    #[case("ReplicaSet", format!(r#"{{"spec":{{"template":{{"metadata":{LABELS},"spec":{SPEC}}}}}}}"#))]
    #[case("StatefulSet", format!(r#"{{"spec":{{"template":{{"metadata":{LABELS},"spec":{SPEC}}}}}}}"#))]
    #[case("DaemonSet", format!(r#"{{"spec":{{"template":{{"metadata":{LABELS},"spec":{SPEC}}}}}}}"#))]
    #[case("Job", format!(r#"{{"spec":{{"template":{{"metadata":{LABELS},"spec":{SPEC}}}}}}}"#))]
    #[case("CronJob", format!(r#"{{"spec":{{"jobTemplate":{{"spec":{{"template":{{"metadata":{LABELS},"spec":{SPEC}}}}}}}}}}}"#))]
    fn every_kind_of_the_shared_table_is_read(#[case] name: &str, #[case] json: String) {
        let Ok(Ok(workload)) = decode_workload(kind(name), &json) else {
            panic!("{name} not decoded");
        };
        assert_eq!(workload.spec_path, kind(name).spec_path);
        assert_eq!(
            workload.pod_labels.get("vdi.kasm.io/session").map(|t| &**t),
            Some("s1")
        );
        assert_eq!(
            workload.spec.containers.first().map(|c| c.env.len()),
            Some(1)
        );
    }

    #[test]
    fn every_shape_of_the_shared_table_is_known() {
        for kind in WORKLOAD_KINDS {
            assert!(shape(kind).is_some(), "{}", kind.kind);
        }
    }

    #[rstest]
    #[case("Pod", "{}", "spec")]
    #[case("Deployment", r#"{"spec":{}}"#, "spec.template")]
    #[case("Deployment", r#"{"spec":{"template":{}}}"#, "spec.template.spec")]
    #[case("CronJob", r#"{"spec":{"jobTemplate":{}}}"#, "spec.jobTemplate.spec")]
    #[case("PodTemplate", r#"{"template":null}"#, "template")]
    fn missing_levels_are_named(#[case] name: &str, #[case] json: &str, #[case] missing: &str) {
        let Ok(decoded) = decode_workload(kind(name), json) else {
            panic!("{name} not decoded");
        };
        assert_eq!(decoded.err(), Some(missing));
    }

    #[test]
    fn the_last_applied_annotation_is_captured_and_others_ignored() {
        let meta: ObjectMeta = serde_json::from_str(
            r#"{"annotations":{"a":{"odd":1},"kubectl.kubernetes.io/last-applied-configuration":"{\"kind\":\"Pod\"}\n"}}"#,
        )
        .unwrap();
        match meta.annotations.last_applied {
            Some(Captured::Text(t)) => assert_eq!(&*t, "{\"kind\":\"Pod\"}\n"),
            _ => panic!("not captured"),
        }
        let meta: ObjectMeta = serde_json::from_str(
            r#"{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":{"kind":"Pod"}}}"#,
        )
        .unwrap();
        assert!(matches!(
            meta.annotations.last_applied,
            Some(Captured::NotAString(_))
        ));
    }

    #[test]
    fn env_values_are_hidden() {
        let var: EnvVar = serde_json::from_str(r#"{"name":"P","value":"hunter2"}"#).unwrap();
        let shown = format!("{:?}", var.value());
        assert!(!shown.contains("hunter2"), "{shown}");
        let null: EnvVar =
            serde_json::from_str(r#"{"name":"P","value":null,"valueFrom":null}"#).unwrap();
        assert!(null.value().is_none() && null.sources().is_none());
        let any: EnvVar = serde_json::from_str(r#"{"name":"P","value":{"x":[1]}}"#).unwrap();
        assert!(any.value().is_some());
    }

    #[test]
    fn positional_arrays_are_not_objects() {
        assert!(serde_json::from_str::<Container>(r#"["desktop"]"#).is_err());
    }
}

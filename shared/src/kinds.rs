//! Workload kinds and where each keeps its pod spec.
//!
//! One table drives every policy, so a kind added here (and to a policy's
//! `metadata.yml`) is checked everywhere. A kind that is not in the table is
//! rejected by the caller rather than waved through.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::request::{GroupVersionKind, read_value};
use crate::response::Rejection;

/// How a kind nests its pod template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `spec` is the pod spec.
    Pod,
    /// `template` is the pod template (PodTemplate).
    PodTemplate,
    /// `spec.template` is the pod template.
    Template,
    /// `spec.jobTemplate.spec.template` is the pod template.
    CronJob,
}

/// A Kubernetes kind that carries a pod spec.
#[derive(Debug, PartialEq, Eq)]
pub struct WorkloadKind {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    /// Plural resource name, as used in admission rules.
    pub resource: &'static str,
    /// Field path of the pod spec, used as the prefix of every location.
    pub spec_path: &'static str,
    shape: Shape,
}

const fn kind(
    group: &'static str,
    kind: &'static str,
    resource: &'static str,
    shape: Shape,
    spec_path: &'static str,
) -> WorkloadKind {
    WorkloadKind {
        group,
        version: "v1",
        kind,
        resource,
        spec_path,
        shape,
    }
}

/// Every kind whose objects create pods, with the path to their pod spec.
pub const WORKLOAD_KINDS: &[WorkloadKind] = &[
    kind("", "Pod", "pods", Shape::Pod, "spec"),
    kind(
        "",
        "PodTemplate",
        "podtemplates",
        Shape::PodTemplate,
        "template.spec",
    ),
    kind(
        "",
        "ReplicationController",
        "replicationcontrollers",
        Shape::Template,
        "spec.template.spec",
    ),
    kind(
        "apps",
        "Deployment",
        "deployments",
        Shape::Template,
        "spec.template.spec",
    ),
    kind(
        "apps",
        "ReplicaSet",
        "replicasets",
        Shape::Template,
        "spec.template.spec",
    ),
    kind(
        "apps",
        "StatefulSet",
        "statefulsets",
        Shape::Template,
        "spec.template.spec",
    ),
    kind(
        "apps",
        "DaemonSet",
        "daemonsets",
        Shape::Template,
        "spec.template.spec",
    ),
    kind(
        "batch",
        "Job",
        "jobs",
        Shape::Template,
        "spec.template.spec",
    ),
    kind(
        "batch",
        "CronJob",
        "cronjobs",
        Shape::CronJob,
        "spec.jobTemplate.spec.template.spec",
    ),
];

/// Looks up the request's kind; group, version and kind must all match, so a
/// look-alike CRD (`evil.io/v1 Deployment`) is not mistaken for a workload.
pub fn workload_kind(gvk: &GroupVersionKind<'_>) -> Option<&'static WorkloadKind> {
    WORKLOAD_KINDS
        .iter()
        .find(|k| k.group == gvk.group && k.version == gvk.version && k.kind == gvk.kind)
}

/// The pod template found inside a workload: its metadata view `M`, its spec
/// view `P`, and the field path of the spec.
pub struct PodTemplate<P, M> {
    pub metadata: M,
    pub spec: P,
    pub spec_path: &'static str,
}

/// A pod template read from text: the template, or the rejection of an
/// object that hides it; and the bytes the object took.
pub type TemplateRead<P, M> = (Result<PodTemplate<P, M>, Rejection>, usize);

#[derive(Deserialize)]
#[serde(bound(deserialize = "P: Deserialize<'de>, M: Deserialize<'de> + Default"))]
struct PodLike<P, M> {
    #[serde(default)]
    metadata: M,
    spec: Option<P>,
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
struct WithSpec<T> {
    spec: Option<T>,
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
struct WithTemplate<T> {
    template: Option<T>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "T: Deserialize<'de>"))]
struct WithJobTemplate<T> {
    job_template: Option<T>,
}

fn missing(kind: &WorkloadKind, path: &str) -> Rejection {
    Rejection::new(format!(
        "the {} has no {path}; there is nothing to validate, so it is not admitted",
        kind.kind
    ))
}

impl WorkloadKind {
    /// Decodes the pod template of an object of this kind straight into the
    /// caller's views. A missing spec or template is a rejection: an object
    /// that hides its pod spec cannot be shown to be safe.
    pub fn decode<'a, P, M>(
        &'static self,
        raw: &'a RawValue,
    ) -> Result<PodTemplate<P, M>, Rejection>
    where
        P: Deserialize<'a>,
        M: Deserialize<'a> + Default,
    {
        match self.read(raw.get()) {
            Ok((template, _)) => template,
            Err(e) => Err(Rejection::new(format!(
                "the {} object cannot be decoded: {e}",
                self.kind
            ))),
        }
    }

    /// Reads an object of this kind from the JSON value at the start of
    /// `text`, as [`WorkloadKind::decode`] does, and says how many bytes it
    /// took; the error is the decoder's, for the caller to word. The one
    /// reading of a workload, so that decoding the object in place (one
    /// pass with the envelope) and from its raw text share one decoder.
    pub fn read<'a, P, M>(
        &'static self,
        text: &'a str,
    ) -> Result<TemplateRead<P, M>, serde_json::Error>
    where
        P: Deserialize<'a>,
        M: Deserialize<'a> + Default,
    {
        let (pod, used) = match self.shape {
            Shape::Pod => {
                let (pod, used) = read_value::<PodLike<P, M>>(text)?;
                (Ok(pod), used)
            }
            Shape::PodTemplate => {
                let (object, used) = read_value::<WithTemplate<PodLike<P, M>>>(text)?;
                (
                    object.template.ok_or_else(|| missing(self, "template")),
                    used,
                )
            }
            Shape::Template => {
                let (object, used) = read_value::<WithSpec<WithTemplate<PodLike<P, M>>>>(text)?;
                let pod = object
                    .spec
                    .ok_or_else(|| missing(self, "spec"))
                    .and_then(|spec| spec.template.ok_or_else(|| missing(self, "spec.template")));
                (pod, used)
            }
            Shape::CronJob => {
                let (object, used) = read_value::<
                    WithSpec<WithJobTemplate<WithSpec<WithTemplate<PodLike<P, M>>>>>,
                >(text)?;
                let pod = object
                    .spec
                    .ok_or_else(|| missing(self, "spec"))
                    .and_then(|s| {
                        s.job_template
                            .ok_or_else(|| missing(self, "spec.jobTemplate"))
                    })
                    .and_then(|j| j.spec.ok_or_else(|| missing(self, "spec.jobTemplate.spec")))
                    .and_then(|s| {
                        s.template
                            .ok_or_else(|| missing(self, "spec.jobTemplate.spec.template"))
                    });
                (pod, used)
            }
        };
        let template = pod.and_then(|pod| {
            Ok(PodTemplate {
                metadata: pod.metadata,
                spec: pod.spec.ok_or_else(|| missing(self, self.spec_path))?,
                spec_path: self.spec_path,
            })
        });
        Ok((template, used))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde::de::IgnoredAny;
    use std::borrow::Cow;

    #[derive(Deserialize, Debug)]
    struct Spec<'a> {
        #[serde(borrow)]
        marker: Cow<'a, str>,
    }

    #[derive(Deserialize, Default, Debug)]
    struct Meta<'a> {
        #[serde(borrow)]
        name: Option<Cow<'a, str>>,
    }

    fn gvk<'a>(group: &'a str, version: &'a str, kind: &'a str) -> GroupVersionKind<'a> {
        GroupVersionKind {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
        }
    }

    #[rstest]
    #[case(
        "",
        "Pod",
        r#"{"metadata":{"name":"p"},"spec":{"marker":"x"}}"#,
        "spec"
    )]
    #[case(
        "",
        "PodTemplate",
        r#"{"template":{"metadata":{"name":"p"},"spec":{"marker":"x"}}}"#,
        "template.spec"
    )]
    #[case(
        "",
        "ReplicationController",
        r#"{"spec":{"replicas":1,"template":{"metadata":{"name":"p"},"spec":{"marker":"x"}}}}"#,
        "spec.template.spec"
    )]
    #[case(
        "apps",
        "Deployment",
        r#"{"spec":{"template":{"metadata":{"name":"p"},"spec":{"marker":"x"}}}}"#,
        "spec.template.spec"
    )]
    #[case(
        "apps",
        "ReplicaSet",
        r#"{"spec":{"template":{"metadata":{"name":"p"},"spec":{"marker":"x"}}}}"#,
        "spec.template.spec"
    )]
    #[case(
        "apps",
        "StatefulSet",
        r#"{"spec":{"template":{"metadata":{"name":"p"},"spec":{"marker":"x"}}}}"#,
        "spec.template.spec"
    )]
    #[case(
        "apps",
        "DaemonSet",
        r#"{"spec":{"template":{"metadata":{"name":"p"},"spec":{"marker":"x"}}}}"#,
        "spec.template.spec"
    )]
    #[case(
        "batch",
        "Job",
        r#"{"spec":{"template":{"metadata":{"name":"p"},"spec":{"marker":"x"}}}}"#,
        "spec.template.spec"
    )]
    #[case("batch", "CronJob", r#"{"spec":{"schedule":"* * * * *","jobTemplate":{"spec":{"template":{"metadata":{"name":"p"},"spec":{"marker":"x"}}}}}}"#, "spec.jobTemplate.spec.template.spec")]
    fn every_kind_reaches_its_pod_spec(
        #[case] group: &str,
        #[case] kind: &str,
        #[case] json: &str,
        #[case] path: &str,
    ) {
        let k = workload_kind(&gvk(group, "v1", kind)).expect("kind in table");
        let raw = RawValue::from_string(json.to_string()).unwrap();
        let t: PodTemplate<Spec, Meta> = k.decode(&raw).unwrap();
        assert_eq!(t.spec.marker, "x");
        assert_eq!(t.metadata.name.as_deref(), Some("p"));
        assert_eq!(t.spec_path, path);
    }

    #[rstest]
    #[case::lookalike_group("evil.io", "v1", "Deployment")]
    #[case::old_version("apps", "v1beta1", "Deployment")]
    #[case::core_deployment("", "v1", "Deployment")]
    #[case::service("", "v1", "Service")]
    #[case::lowercase("", "v1", "pod")]
    fn unknown_kinds_are_not_workloads(
        #[case] group: &str,
        #[case] version: &str,
        #[case] kind: &str,
    ) {
        assert!(workload_kind(&gvk(group, version, kind)).is_none());
    }

    #[rstest]
    #[case("apps", "Deployment", r#"{"metadata":{}}"#, "has no spec")]
    #[case(
        "apps",
        "Deployment",
        r#"{"spec":{"replicas":1}}"#,
        "has no spec.template"
    )]
    #[case(
        "apps",
        "Deployment",
        r#"{"spec":{"template":{"metadata":{}}}}"#,
        "has no spec.template.spec"
    )]
    #[case(
        "batch",
        "CronJob",
        r#"{"spec":{"jobTemplate":{}}}"#,
        "has no spec.jobTemplate.spec"
    )]
    #[case("", "Pod", r#"{"spec":null}"#, "has no spec")]
    #[case("", "Pod", r#"{"spec":{"marker":3}}"#, "cannot be decoded")]
    #[case("", "PodTemplate", r#"{"spec":{"marker":"x"}}"#, "has no template")]
    fn missing_or_malformed_templates_are_rejected(
        #[case] group: &str,
        #[case] kind: &str,
        #[case] json: &str,
        #[case] fragment: &str,
    ) {
        let k = workload_kind(&gvk(group, "v1", kind)).unwrap();
        let raw = RawValue::from_string(json.to_string()).unwrap();
        let err = k
            .decode::<Spec, IgnoredAny>(&raw)
            .err()
            .expect("must reject");
        assert!(err.message().contains(fragment), "{}", err.message());
    }
}

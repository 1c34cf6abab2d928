//! `rewrite`: send images to an internal mirror before the trust check.
//!
//! An air-gapped VDI cluster cannot pull `docker.io/kasmweb/*`; the same
//! images are served from `registry.vdi.example.com/kasmweb/*`. A rule
//! `{from: docker.io/kasmweb, to: registry.vdi.example.com/kasmweb}` rewrites
//! every matching image (all container lists, image volumes, a VDITemplate's
//! `spec.image`) to the mirror, keeping the rest of the path, the tag and
//! the digest. The route's handler then judges the *rewritten* reference,
//! which is what the node will pull.
//!
//! Rules are repository prefixes on the normalized reference (the
//! `shared::image` canonical form), matched at path boundaries:
//! `docker.io/kasmweb` covers `kasmweb/desktop` but not `kasmwebby/x`;
//! `docker.io/library/nginx` is the official nginx image; a bare registry
//! covers all of it. The most specific (longest) matching `from` wins.
//! Settings are refused when a prefix does not parse, names no registry,
//! repeats another rule's `from`, or forms a chain (a `to` inside some
//! `from`, or a `from` inside some `to`): one pass is then final, so
//! mutating a mutated object changes nothing.
//!
//! On UPDATE only images the update sets or changes are rewritten: an image
//! stored before the policy is left as it is (and judged as it is), so a
//! metadata change never rolls a workload out or restarts a pod.

use serde::Deserialize;
use serde_json::Value;
use shared::image::{ImageRef, Registry};
use shared::kinds::WorkloadKind;
use shared::policy::Template;
use shared::projection::{Projection, Shape};
use shared::quote::quote;
use shared::request::{Operation, RawValue};
use shared::{Input, Rejection};

use crate::settings::Settings;
use crate::validate::{PodSpec, Views};

/// One `rewrite` entry of the settings.
#[derive(Deserialize, Default, Debug, Clone, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Rule {
    pub from: String,
    pub to: String,
}

/// A repository prefix: a canonical registry and a path below it (empty
/// for the whole registry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefix {
    pub registry: Registry,
    pub path: String,
}

impl Prefix {
    /// Parses `registry[/path]` through the image parser, so every spelling
    /// of a registry (`index.docker.io`, `GHCR.IO:443`) means what it means
    /// in an image.
    pub fn parse(text: &str) -> Result<Prefix, String> {
        let bad = |why: String| Err(format!("{} {why}", quote(text)));
        if text.contains("://") {
            return bad(
                "has a scheme; write registry/repository, e.g. registry.vdi.example.com/kasmweb"
                    .into(),
            );
        }
        if text.contains('*') {
            return bad("has a wildcard; a prefix covers every repository below it (docker.io/kasmweb, not docker.io/kasmweb/*)".into());
        }
        if text.contains('@') {
            return bad("has a digest; rewrite rules name repositories".into());
        }
        if text
            .rsplit_once('/')
            .is_some_and(|(_, last)| last.contains(':'))
        {
            return bad("has a tag; rewrite rules name repositories (the tag is kept)".into());
        }
        if text.ends_with('/') {
            return bad("ends with /; write the prefix without it".into());
        }
        let first = text.split('/').next().unwrap_or_default();
        if !(first.contains(['.', ':']) || first.eq_ignore_ascii_case("localhost")) {
            return bad(format!(
                "does not start with a registry; write it out (docker.io/{text}, not {text})"
            ));
        }
        // A placeholder leaf keeps a one-component Docker Hub path a
        // namespace (`docker.io/kasmweb`), not an official image.
        let probe = ImageRef::parse(&format!("{text}/x/y"))
            .map_err(|e| format!("{} is not a registry/repository prefix: {e}", quote(text)))?;
        let Some(path) = probe.repository.strip_suffix("x/y") else {
            return bad("is not a registry/repository prefix".into());
        };
        Ok(Prefix {
            registry: Registry {
                host: probe.host,
                port: probe.port,
            },
            path: path.trim_end_matches('/').to_string(),
        })
    }

    /// The rest of `repository` below this prefix, if it is inside it.
    fn remainder<'r>(&self, registry: &Registry, repository: &'r str) -> Option<&'r str> {
        if *registry != self.registry {
            return None;
        }
        if self.path.is_empty() {
            return Some(repository);
        }
        match repository.strip_prefix(self.path.as_str())? {
            "" => Some(""),
            rest => rest.strip_prefix('/'),
        }
    }

    /// Whether one of the two prefixes is inside the other (or they are
    /// equal): a rewrite into one could be rewritten again by the other.
    fn overlaps(&self, other: &Prefix) -> bool {
        self.remainder(&other.registry, &other.path).is_some()
            || other.remainder(&self.registry, &self.path).is_some()
    }
}

impl std::fmt::Display for Prefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.registry)
        } else {
            write!(f, "{}/{}", self.registry, self.path)
        }
    }
}

/// The compiled rules.
#[derive(Debug, Default)]
pub struct Rewrites {
    rules: Vec<(Prefix, Prefix)>,
}

impl Rewrites {
    /// Parses and checks every rule, reporting all problems at once.
    pub fn compile(rules: &[Rule]) -> Result<Rewrites, String> {
        let mut errors = Vec::new();
        let mut parsed: Vec<(usize, Prefix, Prefix)> = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            let from = Prefix::parse(&rule.from).map_err(|e| format!("rewrite[{i}].from: {e}"));
            let to = Prefix::parse(&rule.to).map_err(|e| format!("rewrite[{i}].to: {e}"));
            match (from, to) {
                (Ok(from), Ok(to)) => parsed.push((i, from, to)),
                (from, to) => errors.extend(from.err().into_iter().chain(to.err())),
            }
        }
        for (n, (i, from, _)) in parsed.iter().enumerate() {
            if let Some((j, _, _)) = parsed[..n].iter().find(|(_, f, _)| f == from) {
                errors.push(format!(
                    "rewrite[{i}].from {from} repeats rewrite[{j}].from; keep one rule per prefix"
                ));
            }
        }
        for (i, _, to) in &parsed {
            for (j, from, _) in &parsed {
                if to.overlaps(from) {
                    errors.push(format!(
                        "rewrite[{i}].to {to} overlaps rewrite[{j}].from {from}: a rewritten image would be rewritten again; mirror into a prefix no rule rewrites"
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(Rewrites {
                rules: parsed.into_iter().map(|(_, f, t)| (f, t)).collect(),
            })
        } else {
            Err(errors.join("; "))
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The mirror reference for `reference`, or `None` when no rule covers
    /// it or it does not parse (the trust check then judges it as written).
    /// An `Err` names a rewrite that would give no valid reference.
    pub fn apply(&self, reference: &str) -> Result<Option<String>, String> {
        let Ok(image) = ImageRef::parse(reference) else {
            return Ok(None);
        };
        let registry = Registry {
            host: image.host.clone(),
            port: image.port,
        };
        let best = self
            .rules
            .iter()
            .filter_map(|(from, to)| {
                from.remainder(&registry, &image.repository)
                    .map(|rest| (from, to, rest))
            })
            .max_by_key(|(from, _, _)| from.path.len());
        let Some((from, to, rest)) = best else {
            return Ok(None);
        };
        let repository = match (to.path.as_str(), rest) {
            (path, "") => path.to_string(),
            ("", rest) => rest.to_string(),
            (path, rest) => format!("{path}/{rest}"),
        };
        let mut text = format!("{}/{repository}", to.registry);
        if let Some(tag) = &image.tag {
            text.push(':');
            text.push_str(tag);
        }
        if let Some(digest) = &image.digest {
            text.push('@');
            text.push_str(digest);
        }
        let rewritten = ImageRef::parse(&text).map_err(|e| {
            format!(
                "rewrite {from} -> {to} gives {}, which is not an image reference ({e})",
                quote(&text)
            )
        })?;
        Ok(Some(rewritten.to_string()))
    }
}

/// What the rewrite reads and writes of a `kind` object (a VDITemplate for
/// `None`): each container's and image volume's name and image.
pub fn shape(kind: Option<&WorkloadKind>) -> Shape {
    let Some(kind) = kind else {
        return Shape::at("spec", Shape::whole_keys(&["image"]));
    };
    let container = Shape::whole_keys(&["name", "image"]);
    let volume = Shape::Keys(vec![
        ("name", Shape::Whole),
        ("image", Shape::whole_keys(&["reference"])),
    ]);
    let mut spec: Vec<(&'static str, Shape)> =
        ["initContainers", "containers", "ephemeralContainers"]
            .into_iter()
            .map(|list| (list, Shape::each(container.clone())))
            .collect();
    spec.push(("volumes", Shape::each(volume)));
    Shape::at(kind.spec_path, Shape::Keys(spec))
}

/// The mutator of the workload routes, given the template as sent (`false`
/// for "covered" when it cannot be read: the handler then refuses it).
pub fn mutate_workload(
    input: &Input<'_, '_, Settings>,
    sent: Option<&Template<'_, Views>>,
) -> Result<Option<Box<RawValue>>, Rejection> {
    rewrite(input, |rules| {
        sent.is_some_and(|template| spec_covered(&template.spec, rules))
    })
}

/// The mutator of the VDITemplate route.
pub fn mutate_vdi_template(
    input: &Input<'_, '_, Settings>,
) -> Result<Option<Box<RawValue>>, Rejection> {
    rewrite(input, |rules| template_covered(input, rules))
}

/// Rewrites the object's covered images, when `covered` says some image
/// is.
fn rewrite(
    input: &Input<'_, '_, Settings>,
    covered: impl FnOnce(&Rewrites) -> bool,
) -> Result<Option<Box<RawValue>>, Rejection> {
    if input.settings.rewrite.is_empty() {
        return Ok(None);
    }
    let rules = Rewrites::compile(&input.settings.rewrite)
        .map_err(|e| Rejection::new(format!("the policy settings are invalid: {e}")))?;
    let request = input.request;
    // Most requests name no image a rule covers (once rewritten, an image
    // stays on the mirror): find that out from the borrowed view the
    // handler reads, and decode the whole object only to rewrite it.
    if !covered(&rules) {
        return Ok(None);
    }
    // Only the images and names are decoded; the rest of the object is
    // written back as sent. Beyond serde_json's nesting limit the handler
    // refuses the request as sent.
    let shape = shape(input.workload);
    let Ok(mut projection) = Projection::of(request.object()?, &shape) else {
        return Ok(None);
    };
    let old: Option<Value> = match request.operation {
        Operation::Update => request
            .old_object()
            .ok()
            .and_then(|raw| Projection::of(raw, &shape).ok())
            .map(|p| p.value),
        _ => None,
    };
    let object = &mut projection.value;
    let mut rewriter = Rewriter {
        rules: &rules,
        changed: false,
    };
    match input.workload {
        Some(kind) => {
            let old_spec = old.as_ref().and_then(|o| at(o, kind.spec_path));
            if let Some(spec) = at_mut(object, kind.spec_path) {
                rewriter.pod_spec(spec, old_spec, kind.spec_path)?;
            }
        }
        None => {
            let old_image = old.as_ref().and_then(|o| at(o, "spec.image"));
            if let Some(image) = at_mut(object, "spec.image") {
                rewriter.image(image, old_image, "VDITemplate spec.image")?;
            }
        }
    }
    if !rewriter.changed {
        return Ok(None);
    }
    projection
        .encode()
        .map(Some)
        .map_err(|e| Rejection::new(format!("the mutated object cannot be encoded: {e}")))
}

#[derive(Deserialize)]
struct TemplateImage<'a> {
    #[serde(borrow)]
    spec: Option<TemplateSpecImage<'a>>,
}

#[derive(Deserialize)]
struct TemplateSpecImage<'a> {
    #[serde(default, borrow)]
    image: Option<std::borrow::Cow<'a, str>>,
}

/// Whether some image of the pod template is covered by a rule (or would
/// give an error).
fn spec_covered(spec: &PodSpec<'_>, rules: &Rewrites) -> bool {
    let covered = |image: Option<&str>| image.is_some_and(|i| rules.apply(i) != Ok(None));
    spec.init_containers
        .iter()
        .chain(&spec.containers)
        .chain(&spec.ephemeral_containers)
        .any(|c| covered(c.image.as_deref()))
        || spec
            .volumes
            .iter()
            .any(|v| covered(v.image.as_ref().and_then(|i| i.reference.as_deref())))
}

/// Whether the VDITemplate's image is covered by a rule (or would give an
/// error); `false` too when the object cannot be read, which the handler
/// then refuses.
fn template_covered(input: &Input<'_, '_, Settings>, rules: &Rewrites) -> bool {
    let Ok(raw) = input.request.object() else {
        return false;
    };
    shared::request::decode_view::<TemplateImage>(raw, "VDITemplate")
        .ok()
        .and_then(|t| t.spec)
        .is_some_and(|s| s.image.is_some_and(|i| rules.apply(&i) != Ok(None)))
}

struct Rewriter<'r> {
    rules: &'r Rewrites,
    changed: bool,
}

impl Rewriter<'_> {
    /// Rewrites `slot` (a string) unless the update leaves it as stored.
    fn image(
        &mut self,
        slot: &mut Value,
        old: Option<&Value>,
        place: &str,
    ) -> Result<(), Rejection> {
        let Value::String(reference) = slot else {
            return Ok(());
        };
        if old.is_some_and(|o| o.as_str() == Some(reference.as_str())) {
            return Ok(());
        }
        match self.rules.apply(reference) {
            Ok(Some(rewritten)) => {
                *reference = rewritten;
                self.changed = true;
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(e) => Err(Rejection::new(format!(
                "{place} image {}: {e}; fix the rewrite settings",
                quote(reference)
            ))),
        }
    }

    /// Every container list and the image volumes of a pod spec; `old` is
    /// the stored pod spec on UPDATE (entries matched by name).
    fn pod_spec(
        &mut self,
        spec: &mut Value,
        old: Option<&Value>,
        spec_path: &str,
    ) -> Result<(), Rejection> {
        for list in ["initContainers", "containers", "ephemeralContainers"] {
            let Some(Value::Array(containers)) = spec.get_mut(list) else {
                continue;
            };
            for (i, container) in containers.iter_mut().enumerate() {
                let name = container.get("name").cloned().unwrap_or(Value::Null);
                let stored = old.and_then(|o| named(o.get(list), &name)?.get("image"));
                // An update that adds a container sets its image.
                let stored = if old.is_some() {
                    Some(stored.unwrap_or(&Value::Null))
                } else {
                    None
                };
                if let Some(slot) = container.get_mut("image") {
                    self.image(slot, stored, &format!("{spec_path}.{list}[{i}]"))?;
                }
            }
        }
        let Some(Value::Array(volumes)) = spec.get_mut("volumes") else {
            return Ok(());
        };
        for (i, volume) in volumes.iter_mut().enumerate() {
            let name = volume.get("name").cloned().unwrap_or(Value::Null);
            let stored = old.map(|o| {
                named(o.get("volumes"), &name)
                    .and_then(|v| at(v, "image.reference"))
                    .unwrap_or(&Value::Null)
            });
            if let Some(slot) = at_mut(volume, "image.reference") {
                self.image(
                    slot,
                    stored,
                    &format!("{spec_path}.volumes[{i}].image.reference"),
                )?;
            }
        }
        Ok(())
    }
}

/// The element of a list whose `name` is `name`.
fn named<'v>(list: Option<&'v Value>, name: &Value) -> Option<&'v Value> {
    list?
        .as_array()?
        .iter()
        .find(|e| e.get("name") == Some(name))
}

/// The value at a dotted path of object keys, if every step is an object
/// that has the key.
pub fn at<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.')
        .try_fold(value, |node, key| node.as_object()?.get(key))
}

/// [`at`], mutably.
pub fn at_mut<'v>(value: &'v mut Value, path: &str) -> Option<&'v mut Value> {
    path.split('.')
        .try_fold(value, |node, key| node.as_object_mut()?.get_mut(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn rules(pairs: &[(&str, &str)]) -> Result<Rewrites, String> {
        Rewrites::compile(
            &pairs
                .iter()
                .map(|(f, t)| Rule {
                    from: f.to_string(),
                    to: t.to_string(),
                })
                .collect::<Vec<_>>(),
        )
    }

    const KASM: &[(&str, &str)] = &[("docker.io/kasmweb", "registry.vdi.example.com/kasmweb")];
    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[rstest]
    #[case::namespace("docker.io", "docker.io", "")]
    #[case::hub_alias_folded("index.docker.io:443/kasmweb", "docker.io", "kasmweb")]
    #[case::case_and_port("GHCR.IO:443/org", "ghcr.io", "org")]
    #[case::official("docker.io/library/nginx", "docker.io", "library/nginx")]
    #[case::port(
        "registry.vdi.example.com:5000/kasmweb",
        "registry.vdi.example.com:5000",
        "kasmweb"
    )]
    fn prefixes_parse_to_canonical_form(
        #[case] text: &str,
        #[case] registry: &str,
        #[case] path: &str,
    ) {
        let p = Prefix::parse(text).unwrap();
        assert_eq!(p.registry.to_string(), registry);
        assert_eq!(p.path, path);
    }

    #[rstest]
    #[case::no_registry(
        "kasmweb",
        "does not start with a registry; write it out (docker.io/kasmweb"
    )]
    #[case::scheme("https://docker.io/kasmweb", "has a scheme")]
    #[case::wildcard("docker.io/kasmweb/*", "has a wildcard")]
    #[case::tag("docker.io/kasmweb/desktop:1.16", "has a tag")]
    #[case::digest("docker.io/kasmweb/desktop@sha256:00", "has a digest")]
    #[case::trailing_slash("docker.io/kasmweb/", "ends with /")]
    #[case::uppercase_path("docker.io/KasmWeb", "not a registry/repository prefix")]
    #[case::empty("", "does not start with a registry")]
    fn bad_prefixes_are_refused(#[case] text: &str, #[case] fragment: &str) {
        let e = Prefix::parse(text).unwrap_err();
        assert!(e.contains(fragment), "{e}");
    }

    #[rstest]
    #[case::duplicate(
        &[("docker.io/kasmweb", "registry.vdi.example.com/kasmweb"), ("index.docker.io/kasmweb", "mirror.example.com/kasmweb")],
        "rewrite[1].from docker.io/kasmweb repeats rewrite[0].from"
    )]
    #[case::chain(
        &[("docker.io/kasmweb", "mirror.example.com/kasmweb"), ("mirror.example.com", "registry.vdi.example.com/mirror")],
        "rewrite[0].to mirror.example.com/kasmweb overlaps rewrite[1].from mirror.example.com"
    )]
    #[case::into_itself(&[("docker.io", "docker.io/mirror")], "rewrite[0].to docker.io/mirror overlaps rewrite[0].from docker.io")]
    #[case::from_inside_a_target(
        &[("docker.io/kasmweb", "mirror.example.com"), ("mirror.example.com/kasmweb", "registry.vdi.example.com/kasmweb")],
        "rewrite[0].to mirror.example.com overlaps rewrite[1].from mirror.example.com/kasmweb"
    )]
    #[case::both_sides_reported(&[("kasmweb", "https://mirror")], "rewrite[0].from: \"kasmweb\" does not start with a registry")]
    fn bad_rule_sets_are_refused(#[case] pairs: &[(&str, &str)], #[case] fragment: &str) {
        let e = rules(pairs).unwrap_err();
        assert!(e.contains(fragment), "{e}");
    }

    #[rstest]
    #[case::tag(
        "kasmweb/ubuntu-jammy-desktop:1.16.0",
        Some("registry.vdi.example.com/kasmweb/ubuntu-jammy-desktop:1.16.0".to_string())
    )]
    #[case::digest_and_tag(
        &format!("docker.io/kasmweb/chrome:1.16.0@{DIGEST}"),
        Some(format!("registry.vdi.example.com/kasmweb/chrome:1.16.0@{DIGEST}"))
    )]
    #[case::digest_only(&format!("index.docker.io/kasmweb/chrome@{DIGEST}"), Some(format!("registry.vdi.example.com/kasmweb/chrome@{DIGEST}")))]
    #[case::no_tag("kasmweb/terminal", Some("registry.vdi.example.com/kasmweb/terminal".to_string()))]
    #[case::path_boundary("kasmwebby/desktop:1", None)]
    #[case::other_registry("ghcr.io/kasmweb/desktop:1", None)]
    #[case::alias_host_is_its_own_registry("registry-1.docker.io/kasmweb/desktop:1", None)]
    #[case::already_mirrored("registry.vdi.example.com/kasmweb/desktop:1", None)]
    #[case::unparseable("kasmweb/Desktop:1", None)]
    fn images_are_rewritten_keeping_tag_and_digest(
        #[case] image: &str,
        #[case] expected: Option<String>,
    ) {
        assert_eq!(rules(KASM).unwrap().apply(image), Ok(expected));
    }

    /// A one-label mirror on the default port stays a registry in the image
    /// written: `mirror/kasmweb/...` would be pulled from Docker Hub.
    #[rstest]
    #[case::default_port("mirror:443/kasmweb", "mirror:443/kasmweb/terminal:1.16.0")]
    #[case::padded_port("mirror:0443/kasmweb", "mirror:443/kasmweb/terminal:1.16.0")]
    #[case::other_port("mirror:5000/kasmweb", "mirror:5000/kasmweb/terminal:1.16.0")]
    #[case::localhost("localhost/kasmweb", "localhost/kasmweb/terminal:1.16.0")]
    fn a_one_label_mirror_stays_a_registry(#[case] to: &str, #[case] expected: &str) {
        let rewritten = rules(&[("docker.io/kasmweb", to)])
            .unwrap()
            .apply("kasmweb/terminal:1.16.0")
            .unwrap()
            .expect("rewritten");
        assert_eq!(rewritten, expected);
        assert!(!ImageRef::parse(&rewritten).unwrap().is_docker_hub());
    }

    #[test]
    fn the_longest_prefix_wins_and_a_bare_registry_covers_everything() {
        let r = rules(&[
            ("docker.io", "registry.vdi.example.com/dockerhub"),
            ("docker.io/kasmweb", "registry.vdi.example.com/kasmweb"),
        ])
        .unwrap();
        assert_eq!(
            r.apply("nginx:1.27").unwrap().as_deref(),
            Some("registry.vdi.example.com/dockerhub/library/nginx:1.27")
        );
        assert_eq!(
            r.apply("kasmweb/desktop:1").unwrap().as_deref(),
            Some("registry.vdi.example.com/kasmweb/desktop:1")
        );
        // A rewritten image is final.
        for image in ["nginx:1.27", "kasmweb/desktop:1"] {
            let once = r.apply(image).unwrap().unwrap();
            assert_eq!(r.apply(&once), Ok(None), "{once}");
        }
    }

    #[test]
    fn a_rewrite_to_nothing_is_an_error() {
        let r = rules(&[("docker.io/kasmweb/desktop", "mirror.example.com")]).unwrap();
        assert_eq!(
            r.apply("kasmweb/desktop/tools:1").unwrap().as_deref(),
            Some("mirror.example.com/tools:1")
        );
        let e = r.apply("kasmweb/desktop:1").unwrap_err();
        assert!(e.contains("rewrite docker.io/kasmweb/desktop -> mirror.example.com gives \"mirror.example.com/:1\""), "{e}");
    }
}

//! The NVIDIA device plugin's sharing config, kept in a ConfigMap.
//!
//! Each `data` key holds one config (YAML or JSON), e.g.
//! `sharing.timeSlicing.resources[].replicas: 4` advertises every physical
//! GPU as four. More replicas than the platform allows let more sessions
//! share one GPU than its memory and scheduling can isolate.
//!
//! The plugin decodes the config with Go's `encoding/json` rules (via
//! sigs.k8s.io/yaml), which match keys case-insensitively, so `Replicas` or
//! `REPLICAS` count too; every key that folds to `replicas`, anywhere in the
//! document, is checked rather than only the documented paths. A value
//! counts only when it is a plain decimal integer in range: the plugin's
//! YAML 1.1 reader may read `0x10`, `1_6` or `16.0` as 16, so anything
//! that is not plainly a small number is refused rather than interpreted.
//!
//! The document is read as a stream of parser events (no tree is built and
//! aliases are never expanded), which keeps the module small and a
//! billion-laughs config cheap.

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde::Deserialize;
use serde::de::IgnoredAny;
use shared::Violations;
use shared::quote::quote;

use crate::settings::Settings;
use crate::view::{Entries, ObjectMeta};
use shared::views::nullable;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigMap<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub metadata: ObjectMeta<'a>,
    #[serde(default, deserialize_with = "nullable")]
    pub data: Entries<String, String>,
    #[serde(default, deserialize_with = "nullable")]
    pub binary_data: Entries<String, IgnoredAny>,
}

/// Go's case folding maps U+017F (long s) to `s` and U+212A (Kelvin) to
/// `k`; `replicas` has no `k`, but `replicaſ` still reaches the field.
fn is_replicas_key(key: &str) -> bool {
    let folded = key.chars().map(|c| match c {
        '\u{17f}' => 's',
        c => c.to_ascii_lowercase(),
    });
    folded.eq("replicas".chars())
}

fn clip(text: &str) -> String {
    quote(text).to_string()
}

/// A scalar as written: its text, and whether it was a plain, untagged
/// scalar (the only kind that can be a number).
#[derive(Clone)]
struct Scalar {
    text: String,
    plain: bool,
    tagged: bool,
}

/// Why a `replicas` scalar is not acceptable, or `None` when it is.
fn judge(scalar: &Scalar, max: u64) -> Option<String> {
    let text = &scalar.text;
    if scalar.tagged {
        return Some(format!(
            "is the tagged value {} rather than a whole number",
            clip(text)
        ));
    }
    if !scalar.plain {
        return Some(format!(
            "is the string {} rather than a whole number",
            clip(text)
        ));
    }
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!("is {} rather than a whole number", clip(text)));
    }
    match text.parse::<u64>() {
        Ok(n) if (1..=max).contains(&n) => None,
        _ => Some(match text.trim_start_matches('0') {
            "" => "is 0".to_string(),
            digits => format!("is {digits}"),
        }),
    }
}

enum Next {
    Key,
    /// The next node is the value of this key (`None` for a complex key).
    Value(Option<String>),
}

enum Kind {
    Mapping {
        next: Next,
        /// The `name` beside the `replicas`, to say which resource it shares.
        name: Option<String>,
        /// Problems with `replicas` values, reported when the mapping ends
        /// and its `name` is known.
        findings: Vec<(String, String)>,
    },
    Sequence {
        index: usize,
    },
}

struct Frame {
    path: String,
    kind: Kind,
}

/// Where the next node sits relative to its parent.
enum Position {
    Root,
    Key,
    Child { path: String, key: Option<String> },
}

/// Walks the events of one config and collects `replicas` problems.
struct Walk {
    max: u64,
    stack: Vec<Frame>,
    /// Anchored scalars by anchor id, for aliases used as `replicas`.
    anchors: Vec<(usize, Scalar)>,
    documents: usize,
    root_seen: bool,
    problems: Vec<String>,
}

impl Walk {
    fn position(&self) -> Position {
        let Some(frame) = self.stack.last() else {
            return Position::Root;
        };
        let child = |segment: &str| {
            if frame.path.is_empty() {
                segment.to_string()
            } else {
                format!("{}.{segment}", frame.path)
            }
        };
        match &frame.kind {
            Kind::Sequence { index } => Position::Child {
                path: format!("{}[{index}]", frame.path),
                key: None,
            },
            Kind::Mapping {
                next: Next::Key, ..
            } => Position::Key,
            Kind::Mapping {
                next: Next::Value(key),
                ..
            } => Position::Child {
                path: child(key.as_deref().unwrap_or("?")),
                key: key.clone(),
            },
        }
    }

    /// Records that the current node of the top frame is finished.
    fn complete(&mut self, key: Option<String>) {
        match self.stack.last_mut().map(|f| &mut f.kind) {
            Some(Kind::Mapping { next, .. }) => {
                *next = match next {
                    Next::Key => Next::Value(key),
                    Next::Value(_) => Next::Key,
                };
            }
            Some(Kind::Sequence { index }) => *index = index.saturating_add(1),
            None => {}
        }
    }

    fn finding(&mut self, path: String, problem: String) {
        if let Some(Frame {
            kind: Kind::Mapping { findings, .. },
            ..
        }) = self.stack.last_mut()
        {
            findings.push((path, problem));
        }
    }

    /// A scalar, or an alias resolved to the scalar it names (`None` for
    /// an alias of a mapping or list).
    fn scalar(&mut self, scalar: Option<Scalar>) -> Result<(), String> {
        match self.position() {
            Position::Root => {
                return Err("is a single value rather than a device-plugin config (a mapping with version and sharing)".into());
            }
            Position::Key => {
                self.complete(scalar.map(|s| s.text));
                return Ok(());
            }
            Position::Child { path, key } => {
                let key = key.as_deref().unwrap_or_default();
                if is_replicas_key(key) {
                    let problem = match &scalar {
                        Some(s) => judge(s, self.max),
                        None => Some(
                            "is an alias of a mapping or list rather than a whole number".into(),
                        ),
                    };
                    if let Some(problem) = problem {
                        self.finding(path, problem);
                    }
                }
                if key.eq_ignore_ascii_case("name")
                    && let (
                        Some(s),
                        Some(Frame {
                            kind: Kind::Mapping { name, .. },
                            ..
                        }),
                    ) = (&scalar, self.stack.last_mut())
                {
                    *name = Some(s.text.clone());
                }
            }
        }
        self.complete(None);
        Ok(())
    }

    fn start(&mut self, mapping: bool) -> Result<(), String> {
        let path = match self.position() {
            Position::Root if !mapping => {
                return Err("is a list rather than a device-plugin config (a mapping with version and sharing)".into());
            }
            Position::Root => {
                self.root_seen = true;
                String::new()
            }
            Position::Key => String::new(),
            Position::Child { path, key } => {
                if key.as_deref().is_some_and(is_replicas_key) {
                    let what = if mapping { "a mapping" } else { "a list" };
                    self.finding(
                        path.clone(),
                        format!("is {what} rather than a whole number"),
                    );
                }
                path
            }
        };
        let kind = if mapping {
            Kind::Mapping {
                next: Next::Key,
                name: None,
                findings: Vec::new(),
            }
        } else {
            Kind::Sequence { index: 0 }
        };
        self.stack.push(Frame { path, kind });
        Ok(())
    }

    fn end(&mut self) {
        if let Some(Frame {
            kind: Kind::Mapping { name, findings, .. },
            ..
        }) = self.stack.pop()
        {
            let for_resource = name
                .map(|n| format!(" for {}", quote(&n)))
                .unwrap_or_default();
            for (path, problem) in findings {
                self.problems
                    .push(format!("{path}{for_resource} {problem}"));
            }
        }
        self.complete(None);
    }

    fn event(&mut self, event: Event<'_>) -> Result<(), String> {
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(
                        "holds more than one YAML document; keep one config per data key".into(),
                    );
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let scalar = Scalar {
                    text: text.into_owned(),
                    plain: style == ScalarStyle::Plain,
                    tagged: tag.is_some(),
                };
                if anchor != 0 {
                    self.anchors.push((anchor, scalar.clone()));
                }
                self.scalar(Some(scalar))?;
            }
            Event::Alias(id) => {
                let scalar = self
                    .anchors
                    .iter()
                    .rev()
                    .find(|(a, _)| *a == id)
                    .map(|(_, s)| s.clone());
                self.scalar(scalar)?;
            }
            Event::MappingStart(..) => self.start(true)?,
            Event::SequenceStart(..) => self.start(false)?,
            Event::MappingEnd | Event::SequenceEnd => self.end(),
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }
}

/// Reads one config; `Err` when it cannot be a device-plugin config at all,
/// otherwise the problems found with its `replicas` values.
fn replicas_problems(text: &str, max: u64) -> Result<Vec<String>, String> {
    let mut walk = Walk {
        max,
        stack: Vec::new(),
        anchors: Vec::new(),
        documents: 0,
        root_seen: false,
        problems: Vec::new(),
    };
    for event in Parser::new_from_str(text) {
        let (event, _) = event.map_err(|e| {
            format!("does not parse as a device-plugin config ({e}); fix the YAML, the device plugin cannot load it either")
        })?;
        walk.event(event)?;
    }
    if !walk.root_seen {
        return Err(
            "is empty rather than a device-plugin config (a mapping with version and sharing)"
                .into(),
        );
    }
    Ok(walk.problems)
}

/// Checks every config in a listed device-plugin ConfigMap.
pub fn check(config_map: &ConfigMap<'_>, settings: &Settings, violations: &mut Violations) {
    let max = settings.max_time_slicing_replicas;
    for (key, text) in config_map.data.iter() {
        match replicas_problems(text, max) {
            Err(e) => violations.push(format!("data[{}] {e}", quote(key))),
            Ok(problems) => {
                for problem in problems {
                    violations.push(format!(
                        "data[{}] {problem}; at most {max} sessions may share one physical GPU, set \
                         replicas between 1 and {max} (maxTimeSlicingReplicas)",
                        quote(key)
                    ));
                }
            }
        }
    }
    for key in config_map.binary_data.keys() {
        violations.push(format!(
            "binaryData[{}] cannot be checked, yet the device plugin reads it as a config file too; \
             move the config to data",
            quote(key)
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn violations_for(key_values: &[(&str, &str)], max: u64) -> Vec<String> {
        let config_map = ConfigMap {
            metadata: ObjectMeta::default(),
            data: key_values
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            binary_data: Entries::default(),
        };
        let settings = Settings {
            max_time_slicing_replicas: max,
            ..Settings::default()
        };
        let mut v = Violations::new();
        check(&config_map, &settings, &mut v);
        v.iter().map(str::to_string).collect()
    }

    const FOUR: &str = "version: v1\nsharing:\n  timeSlicing:\n    renameByDefault: false\n    resources:\n    - name: nvidia.com/gpu\n      replicas: 4\n";

    #[rstest]
    #[case::documented(FOUR)]
    #[case::at_max(
        "version: v1\nsharing:\n  timeSlicing:\n    resources:\n    - name: nvidia.com/gpu\n      replicas: 8\n"
    )]
    #[case::json(r#"{"version":"v1","sharing":{"mps":{"resources":[{"name":"nvidia.com/gpu","replicas":2}]}}}"#)]
    #[case::no_sharing("version: v1\nflags:\n  migStrategy: none\n")]
    #[case::comments(
        "# shared by the VDI pool\nversion: v1 # config\nsharing: {timeSlicing: {resources: [{name: nvidia.com/gpu, replicas: 3}]}}\n"
    )]
    fn accepted(#[case] config: &str) {
        assert_eq!(violations_for(&[("any", config)], 8), Vec::<String>::new());
    }

    #[rstest]
    #[case::sixteen(
        "version: v1\nsharing:\n  timeSlicing:\n    resources:\n    - name: nvidia.com/gpu\n      replicas: 16\n",
        "data[\"any\"] sharing.timeSlicing.resources[0].replicas for \"nvidia.com/gpu\" is 16"
    )]
    #[case::mps(
        "sharing:\n  mps:\n    resources:\n    - name: nvidia.com/gpu\n      replicas: 9\n",
        "sharing.mps.resources[0].replicas for \"nvidia.com/gpu\" is 9"
    )]
    #[case::capitalised(
        "Sharing:\n  TimeSlicing:\n    Resources:\n    - Name: nvidia.com/gpu\n      Replicas: 16\n",
        "Sharing.TimeSlicing.Resources[0].Replicas"
    )]
    #[case::long_s(
        "sharing:\n  timeSlicing:\n    resources:\n    - name: nvidia.com/gpu\n      replica\u{17f}: 16\n",
        "is 16"
    )]
    #[case::zero(
        "sharing:\n  timeSlicing:\n    resources:\n    - replicas: 0\n",
        "is 0"
    )]
    #[case::negative(
        "sharing:\n  timeSlicing:\n    resources:\n    - replicas: -4\n",
        "is \"-4\" rather than a whole number"
    )]
    #[case::string(
        "sharing:\n  timeSlicing:\n    resources:\n    - replicas: \"16\"\n",
        "the string \"16\""
    )]
    #[case::float(
        "sharing:\n  timeSlicing:\n    resources:\n    - replicas: 4.0\n",
        "is \"4.0\" rather than a whole number"
    )]
    #[case::underscore(
        "sharing:\n  timeSlicing:\n    resources:\n    - replicas: 1_6\n",
        "rather than a whole number"
    )]
    #[case::tagged(
        "sharing:\n  timeSlicing:\n    resources:\n    - replicas: !!int 16\n",
        "is the tagged value \"16\""
    )]
    #[case::tagged_string(
        "sharing:\n  timeSlicing:\n    resources:\n    - replicas: !custom \"x\"\n",
        "is the tagged value \"x\""
    )]
    #[case::anchor(
        "base: &b\n  replicas: 12\nsharing:\n  timeSlicing:\n    resources:\n    - <<: *b\n      name: nvidia.com/gpu\n",
        "base.replicas is 12"
    )]
    #[case::not_yaml("sharing: [unclosed", "does not parse as a device-plugin config")]
    #[case::duplicate_key(
        "sharing:\n  mps:\n    resources:\n    - replicas: 2\n      replicas: 16\n",
        "resources[0].replicas is 16"
    )]
    #[case::alias_scalar(
        "x: &n 16\nsharing:\n  timeSlicing:\n    resources:\n    - replicas: *n\n",
        "resources[0].replicas is 16"
    )]
    #[case::alias_mapping(
        "x: &m {a: 1}\nsharing:\n  timeSlicing:\n    resources:\n    - replicas: *m\n",
        "alias of a mapping or list"
    )]
    #[case::alias_key(
        "k: &k replicas\nsharing:\n  timeSlicing:\n    resources:\n    - *k : 16\n",
        "resources[0].replicas is 16"
    )]
    #[case::nested_list(
        "sharing:\n  timeSlicing:\n    resources:\n    - replicas: [16]\n",
        "is a list rather than a whole number"
    )]
    #[case::huge(
        "sharing:\n  timeSlicing:\n    resources:\n    - replicas: 99999999999999999999999\n",
        "is 99999999999999999999999"
    )]
    #[case::leading_zeros(
        "sharing:\n  timeSlicing:\n    resources:\n    - replicas: 0016\n",
        "is 16"
    )]
    #[case::hex(
        "sharing:\n  timeSlicing:\n    resources:\n    - replicas: 0x4\n",
        "is \"0x4\" rather than a whole number"
    )]
    #[case::complex_key("sharing:\n  ? [a, b]\n  : {replicas: 9}\n", "sharing.?.replicas is 9")]
    #[case::flow_json(r#"{"sharing": {"timeSlicing": {"resources": [{"name": "nvidia.com/gpu", "replicas": 10}]}}}"#, "for \"nvidia.com/gpu\" is 10")]
    #[case::two_documents("version: v1\n---\nversion: v1\n", "more than one YAML document")]
    #[case::scalar("just text", "is a single value rather than a device-plugin config")]
    #[case::list("- replicas: 4", "is a list rather than a device-plugin config")]
    #[case::empty("", "is empty rather than a device-plugin config")]
    #[case::comment_only("# nothing here\n", "is empty")]
    fn rejected(#[case] config: &str, #[case] fragment: &str) {
        let v = violations_for(&[("any", config)], 8);
        assert!(
            !v.is_empty() && v.iter().any(|m| m.contains(fragment)),
            "{v:?}"
        );
    }

    #[test]
    fn every_key_and_every_resource_is_checked() {
        let bad = "sharing:\n  timeSlicing:\n    resources:\n    - name: nvidia.com/gpu\n      replicas: 10\n    - name: nvidia.com/mig-1g.5gb\n      replicas: 20\n";
        let v = violations_for(&[("a100", bad), ("t4", FOUR), ("l4", bad)], 8);
        assert_eq!(v.len(), 4, "{v:?}");
        assert!(
            v.iter().any(
                |m| m.contains("data[\"l4\"]") && m.contains("\"nvidia.com/mig-1g.5gb\" is 20")
            )
        );
    }

    #[test]
    fn the_maximum_comes_from_settings() {
        assert_eq!(violations_for(&[("any", FOUR)], 4), Vec::<String>::new());
        assert_eq!(violations_for(&[("any", FOUR)], 3).len(), 1);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        #[test]
        fn yaml_syntax_never_panics(text in "[-:?&*!|>'\"#%@`{}\\[\\], \n\ta-zR0-9.]{0,64}") {
            let _ = replicas_problems(&text, 8);
        }

        #[test]
        fn well_formed_configs_report_exactly_the_excess(replicas in proptest::collection::vec(0u64..40, 0..5)) {
            let items: String = replicas.iter().map(|r| format!("    - name: nvidia.com/gpu\n      replicas: {r}\n")).collect();
            let config = format!("version: v1\nsharing:\n  timeSlicing:\n    resources:\n{items}");
            let expected = replicas.iter().filter(|r| !(1..=8).contains(*r)).count();
            let problems = if replicas.is_empty() {
                replicas_problems("version: v1\n", 8)
            } else {
                replicas_problems(&config, 8)
            };
            proptest::prop_assert_eq!(problems.map(|p| p.len()), Ok(expected));
        }
    }

    #[test]
    fn binary_data_is_refused() {
        let config_map: ConfigMap = serde_json::from_str(
            r#"{"metadata":{"name":"x"},"binaryData":{"any":"dmVyc2lvbjogdjE="}}"#,
        )
        .unwrap();
        let mut v = Violations::new();
        check(&config_map, &Settings::default(), &mut v);
        assert!(v.iter().any(|m| m.contains("binaryData[\"any\"]")), "{v:?}");
    }
}

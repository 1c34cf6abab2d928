//! The fields of the RBAC objects the policy reads, borrowed from the
//! request. `null` lists are empty, as the API server's decoder reads them
//! (`rules: null` is a role that grants nothing); every element must be an
//! object, so a rule written as a string is a decode error, never skipped.
//!
//! Rules are the bulk of a large role, so they get a decoder of their own
//! ([`Rules`]); the rest are derived views.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use shared::policy::ObjectView;
use shared::text::Text;
use shared::views::nullable;

#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
pub struct Metadata<'a> {
    #[serde(default, borrow)]
    pub name: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub namespace: Option<Text<'a>>,
}

/// The views the routes are given: a role, a binding.
pub struct RoleView;

impl ObjectView for RoleView {
    type Object<'a> = RoleObject<'a>;
}

pub struct BindingView;

impl ObjectView for BindingView {
    type Object<'a> = Binding<'a>;
}

/// A Role or a ClusterRole (`aggregationRule` exists on ClusterRoles only).
#[derive(Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct RoleObject<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub metadata: Metadata<'a>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub rules: Rules<'a>,
    /// Present (even `{}`) means the aggregation controller owns `rules`,
    /// as its `AggregationRule == nil` test reads it.
    #[serde(default)]
    pub aggregation_rule: Option<AggregationRule>,
}

/// Only its presence matters here; its selectors are not read.
#[derive(Deserialize)]
#[serde(remote = "Self")]
pub struct AggregationRule {}

/// The rules of a role, every list of every rule in one arena of strings:
/// a generated role with thousands of rules decodes with a handful of
/// allocations instead of five per rule. Each rule must be an object;
/// within it, `null` lists are empty and unknown keys are skipped, and a
/// repeated key keeps its last value, as the API server's decoder does.
#[derive(Default)]
pub struct Rules<'a> {
    strings: Vec<Text<'a>>,
    /// Per rule, the ranges of `strings` of its [`FIELDS`].
    rules: Vec<[Range<usize>; 5]>,
}

/// The lists of a `PolicyRule`, in the order [`Rules`] keeps them.
const FIELDS: [&str; 5] = [
    "verbs",
    "apiGroups",
    "resources",
    "resourceNames",
    "nonResourceURLs",
];

/// One `PolicyRule`, borrowed from [`Rules`].
#[derive(Clone, Copy)]
pub struct Rule<'r, 'a> {
    pub verbs: &'r [Text<'a>],
    pub api_groups: &'r [Text<'a>],
    pub resources: &'r [Text<'a>],
    pub resource_names: &'r [Text<'a>],
    pub non_resource_urls: &'r [Text<'a>],
}

impl<'a> Rules<'a> {
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = Rule<'_, 'a>> {
        self.rules.iter().map(|ranges| {
            let list = |i: usize| {
                ranges
                    .get(i)
                    .and_then(|r| self.strings.get(r.clone()))
                    .unwrap_or_default()
            };
            Rule {
                verbs: list(0),
                api_groups: list(1),
                resources: list(2),
                resource_names: list(3),
                non_resource_urls: list(4),
            }
        })
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Rules<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RulesVisitor<'a>(PhantomData<Rules<'a>>);
        impl<'de: 'a, 'a> Visitor<'de> for RulesVisitor<'a> {
            type Value = Rules<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut rules = Rules::default();
                while let Some(ranges) = seq.next_element_seed(RuleSeed(&mut rules.strings))? {
                    rules.rules.push(ranges);
                }
                Ok(rules)
            }
        }
        deserializer.deserialize_seq(RulesVisitor(PhantomData))
    }
}

/// One rule, its strings appended to the arena.
struct RuleSeed<'s, 'a>(&'s mut Vec<Text<'a>>);

impl<'de: 'a, 'a> DeserializeSeed<'de> for RuleSeed<'_, 'a> {
    type Value = [Range<usize>; 5];
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de: 'a, 'a> Visitor<'de> for RuleSeed<'_, 'a> {
    type Value = [Range<usize>; 5];
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut ranges: [Range<usize>; 5] = Default::default();
        while let Some(key) = map.next_key::<Text<'de>>()? {
            match FIELDS.iter().position(|f| *f == &*key) {
                Some(i) => {
                    let range = map.next_value_seed(ListSeed(&mut *self.0))?;
                    if let Some(slot) = ranges.get_mut(i) {
                        *slot = range;
                    }
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(ranges)
    }
}

/// A list of strings (`null`: empty), appended to the arena.
struct ListSeed<'s, 'a>(&'s mut Vec<Text<'a>>);

impl<'de: 'a, 'a> DeserializeSeed<'de> for ListSeed<'_, 'a> {
    type Value = Range<usize>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de: 'a, 'a> Visitor<'de> for ListSeed<'_, 'a> {
    type Value = Range<usize>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        let end = self.0.len();
        Ok(end..end)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.visit_none()
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let start = self.0.len();
        while let Some(text) = seq.next_element::<Text<'de>>()? {
            self.0.push(text);
        }
        Ok(start..self.0.len())
    }
}

/// A RoleBinding or a ClusterRoleBinding.
#[derive(Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct Binding<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub metadata: Metadata<'a>,
    #[serde(default, borrow)]
    pub role_ref: Option<RoleRef<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub subjects: Vec<Subject<'a>>,
}

#[derive(Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct RoleRef<'a> {
    #[serde(default, borrow)]
    pub api_group: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub kind: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub name: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct Subject<'a> {
    #[serde(default, borrow)]
    pub kind: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub api_group: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub name: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub namespace: Option<Text<'a>>,
}

shared::map_only!(
    Metadata<'a>,
    RoleObject<'a>,
    AggregationRule,
    Binding<'a>,
    RoleRef<'a>,
    Subject<'a>,
);

/// A present, non-empty string field.
pub fn text<'s>(field: &'s Option<Text<'_>>) -> Option<&'s str> {
    field.as_deref().filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(json: &str) -> Result<Vec<[Vec<String>; 5]>, String> {
        let r: Rules<'_> = serde_json::from_str(json).map_err(|e| e.to_string())?;
        Ok(r.iter()
            .map(|rule| {
                let own = |l: &[Text<'_>]| l.iter().map(|t| t.to_string()).collect();
                [
                    own(rule.verbs),
                    own(rule.api_groups),
                    own(rule.resources),
                    own(rule.resource_names),
                    own(rule.non_resource_urls),
                ]
            })
            .collect())
    }

    #[test]
    fn rules_keep_their_lists_apart() {
        let got = rules(
            r#"[{"verbs": ["get"], "apiGroups": [""], "resources": ["pods", "pods/log"], "x": {"y": [1]}},
                {"nonResourceURLs": ["/metrics"], "verbs": ["get"], "resourceNames": null}]"#,
        )
        .unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0][0], ["get"]);
        assert_eq!(got[0][2], ["pods", "pods/log"]);
        assert!(got[0][4].is_empty());
        assert_eq!(got[1][4], ["/metrics"]);
        assert!(got[1][3].is_empty() && got[1][1].is_empty());
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value() {
        let got = rules(r#"[{"verbs": ["*"], "verbs": ["get"]}]"#).unwrap();
        assert_eq!(got[0][0], ["get"]);
    }

    #[test]
    fn escaped_strings_are_decoded() {
        let got = rules(r#"[{"verbs": ["\u002a"]}]"#).unwrap();
        assert_eq!(got[0][0], ["*"]);
    }

    #[test]
    fn malformed_rules_are_errors() {
        for (json, fragment) in [
            (r#"["*"]"#, "invalid type: string \"*\", expected an object"),
            (r#"[null]"#, "expected an object"),
            (r#"[[["*"]]]"#, "expected an object"),
            (r#"[{"verbs": "*"}]"#, "expected a sequence"),
            (r#"[{"verbs": [null]}]"#, "expected a string"),
            (r#"[{"verbs": [7]}]"#, "expected a string"),
            (r#"{"verbs": []}"#, "expected a sequence"),
        ] {
            let err = rules(json).unwrap_err();
            assert!(err.contains(fragment), "{json}: {err}");
        }
    }
}

//! The fields of the RBAC objects the policy reads, borrowed from the
//! request. `null` lists are empty, as the API server's decoder reads them
//! (`rules: null` is a role that grants nothing); every element must be an
//! object, so a rule written as a string is a decode error, never skipped.

use serde::Deserialize;
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

/// A Role or a ClusterRole (`aggregationRule` exists on ClusterRoles only).
#[derive(Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct RoleObject<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub metadata: Metadata<'a>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub rules: Vec<Rule<'a>>,
    /// Present (even `{}`) means the aggregation controller owns `rules`,
    /// as its `AggregationRule == nil` test reads it.
    #[serde(default)]
    pub aggregation_rule: Option<AggregationRule>,
}

/// Only its presence matters here; its selectors are not read.
#[derive(Deserialize)]
#[serde(remote = "Self")]
pub struct AggregationRule {}

/// One `PolicyRule`.
#[derive(Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct Rule<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub verbs: Vec<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub api_groups: Vec<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub resources: Vec<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub resource_names: Vec<Text<'a>>,
    #[serde(
        default,
        borrow,
        deserialize_with = "nullable",
        rename = "nonResourceURLs"
    )]
    pub non_resource_urls: Vec<Text<'a>>,
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
    Rule<'a>,
    Binding<'a>,
    RoleRef<'a>,
    Subject<'a>,
);

/// A present, non-empty string field.
pub fn text<'s>(field: &'s Option<Text<'_>>) -> Option<&'s str> {
    field.as_deref().filter(|s| !s.is_empty())
}

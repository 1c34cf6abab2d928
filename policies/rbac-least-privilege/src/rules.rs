//! Judging the rules of one role. Every rule is judged, and every finding
//! of every rule goes into the one message.
//!
//! What a rule grants is read the way the RBAC authorizer reads it
//! (`VerbMatches`, `APIGroupMatches`, `ResourceMatches`,
//! `NonResourceURLMatches`): exact, case-sensitive strings, with `*` as the
//! wildcard of `verbs`, `apiGroups` and `resources`, `*/<subresource>` for
//! one subresource of every resource, and `*` or a trailing `*` glob in
//! `nonResourceURLs`. `resourceNames` has no wildcard (`"*"` there names an
//! object called `*`), so it is never judged as one. A verb spelled
//! `Escalate` is not `escalate`: it grants nothing and is not a finding.
//!
//! Any other `*` in those four fields (`pods/*`, `get*`, `*.example.com`)
//! is matched literally by RBAC and so grants nothing, but it is written as
//! a wildcard by someone who believed it was one: it is refused too, with
//! the exact names to write instead.

use std::fmt;

use shared::Violations;
use shared::quote::quote;
use shared::text::Text;

use crate::names::{RoleId, any_matches};
use crate::settings::Compiled;
use crate::view::{Rule, Rules};

/// Judges every rule of `role` and records what it finds.
pub fn judge(role: RoleId<'_>, rules: &Rules<'_>, settings: &Compiled<'_>, out: &mut Violations) {
    let impersonator = any_matches(&settings.impersonator_roles, role);
    for (index, rule) in rules.iter().enumerate() {
        let place = Place(index);
        wildcards(place, rule, out);
        denied_verbs(place, rule, settings.denied_verbs, out);
        sensitive_grants(place, rule, settings, out);
        impersonation(place, rule, impersonator, out);
    }
}

/// `rules[<index>]`, written only into a finding: most rules have none,
/// and a role can have thousands.
#[derive(Clone, Copy)]
struct Place(usize);

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rules[{}]", self.0)
    }
}

/// Entries of a list with their index that are not wildcard-like: what a
/// rule names explicitly. Wildcards are findings of their own.
fn explicit<'r>(list: &'r [Text<'_>]) -> impl Iterator<Item = (usize, &'r str)> {
    list.iter()
        .enumerate()
        .map(|(i, t)| (i, &**t))
        .filter(|(_, t)| !t.contains('*'))
}

fn literal_star(place: Place, field: &str, index: usize, value: &str, what: &str) -> String {
    format!(
        "{place}.{field}[{index}] {} contains \"*\", which RBAC does not expand there: it grants nothing but reads as a wildcard; write the exact {what}",
        quote(value)
    )
}

fn wildcards(place: Place, rule: Rule<'_, '_>, out: &mut Violations) {
    for (i, verb) in rule.verbs.iter().enumerate() {
        if &**verb == "*" {
            out.push(format!(
                "{place}.verbs[{i}] \"*\" grants every verb, escalate, bind and impersonate included; list the verbs the role needs"
            ));
        } else if verb.contains('*') {
            out.push(literal_star(place, "verbs", i, verb, "verbs"));
        }
    }
    for (i, group) in rule.api_groups.iter().enumerate() {
        if &**group == "*" {
            out.push(format!(
                "{place}.apiGroups[{i}] \"*\" covers every API group, those installed later included; list the API groups (\"\" is the core group)"
            ));
        } else if group.contains('*') {
            out.push(literal_star(
                place,
                "apiGroups",
                i,
                group,
                "API group names",
            ));
        }
    }
    for (i, resource) in rule.resources.iter().enumerate() {
        let resource: &str = resource;
        if !resource.contains('*') {
            continue;
        }
        if resource == "*" {
            out.push(format!(
                "{place}.resources[{i}] \"*\" covers every resource of its API groups, secrets and subresources such as pods/exec included; list the resources"
            ));
        } else if let Some(sub) = resource
            .strip_prefix("*/")
            .filter(|s| !s.is_empty() && !s.contains('*'))
        {
            out.push(format!(
                "{place}.resources[{i}] {} grants the {} subresource of every resource; name the resources ({})",
                quote(resource),
                quote(sub),
                quote(&format!("deployments/{sub}"))
            ));
        } else if let Some(base) = resource
            .strip_suffix("/*")
            .filter(|s| !s.is_empty() && !s.contains('*') && !s.contains('/'))
        {
            out.push(format!(
                "{place}.resources[{i}] {} reads as every subresource of {}, exec and attach included, but RBAC does not expand it: it grants nothing; list the subresources the role needs ({})",
                quote(resource),
                quote(base),
                quote(&format!("{base}/log"))
            ));
        } else {
            out.push(literal_star(
                place,
                "resources",
                i,
                resource,
                "resource names",
            ));
        }
    }
    for (i, url) in rule.non_resource_urls.iter().enumerate() {
        let url: &str = url;
        if url == "*" {
            out.push(format!(
                "{place}.nonResourceURLs[{i}] \"*\" matches every non-resource URL (/metrics, /debug/pprof, /logs...); list the exact paths"
            ));
        } else if let Some(prefix) = url.strip_suffix('*') {
            let prefix = prefix.trim_end_matches('*');
            out.push(format!(
                "{place}.nonResourceURLs[{i}] {} matches every URL that starts with {}; list the exact paths",
                quote(url),
                quote(prefix)
            ));
        } else if url.contains('*') {
            out.push(literal_star(place, "nonResourceURLs", i, url, "paths"));
        }
    }
}

fn denied_verbs(place: Place, rule: Rule<'_, '_>, denied: &[String], out: &mut Violations) {
    for (i, verb) in explicit(rule.verbs) {
        if !denied.iter().any(|d| d == verb) {
            continue;
        }
        let why = match verb {
            "escalate" => "lets the holder write roles with permissions it does not hold",
            "bind" => "lets the holder bind roles with permissions it does not hold",
            _ => "is refused by deniedVerbs",
        };
        out.push(format!(
            "{place}.verbs[{i}] {} {why}; remove it",
            quote(verb)
        ));
    }
}

/// One sensitive resource a rule grants, with the verbs that grant it.
struct Finding<'r> {
    group: &'r str,
    resource: &'r str,
    resource_index: usize,
    verbs: Vec<&'r str>,
    why: &'static str,
}

fn sensitive_grants<'r>(
    place: Place,
    rule: Rule<'r, '_>,
    settings: &'r Compiled<'_>,
    out: &mut Violations,
) {
    let mut findings: Vec<Finding<'r>> = Vec::new();
    for grant in &settings.sensitive_grants {
        if !rule.api_groups.iter().any(|g| **g == *grant.group()) {
            continue;
        }
        let Some((resource_index, resource)) =
            explicit(rule.resources).find(|(_, r)| *r == grant.resource())
        else {
            continue;
        };
        let verbs = explicit(rule.verbs)
            .map(|(_, v)| v)
            .filter(|v| grant.verb_matches(v));
        let position = findings
            .iter()
            .position(|f| f.group == grant.group() && f.resource == resource)
            .unwrap_or_else(|| {
                findings.push(Finding {
                    group: grant.group(),
                    resource,
                    resource_index,
                    verbs: Vec::new(),
                    why: grant.why(),
                });
                findings.len() - 1
            });
        let Some(finding) = findings.get_mut(position) else {
            continue;
        };
        for verb in verbs {
            if !finding.verbs.contains(&verb) {
                finding.verbs.push(verb);
            }
        }
    }
    for f in findings.iter().filter(|f| !f.verbs.is_empty()) {
        let verbs: Vec<String> = f.verbs.iter().map(|v| quote(v).to_string()).collect();
        let group = if f.group.is_empty() {
            String::new()
        } else {
            format!(" in API group {}", quote(f.group))
        };
        out.push(format!(
            "{place} grants {} on {}{group} (resources[{}]), which {}; remove it (a role that must keep it belongs in exemptRoles)",
            verbs.join(", "),
            quote(f.resource),
            f.resource_index,
            f.why
        ));
    }
}

/// The impersonation verbs: `impersonate`, and the constrained
/// impersonation verbs `impersonate:<mode>` and `impersonate-on:<mode>:<verb>`
/// (KEP-5284), whose mode says whose identity is taken.
fn impersonation_mode(verb: &str) -> Option<&str> {
    if verb == "impersonate" {
        return Some("");
    }
    if let Some(mode) = verb.strip_prefix("impersonate:") {
        return Some(mode);
    }
    verb.strip_prefix("impersonate-on:")
        .map(|rest| rest.split_once(':').map_or(rest, |(mode, _)| mode))
}

const USER_INFO: &str = "user-info";
const SYSTEM_MASTERS: &str = "system:masters";

fn impersonation(place: Place, rule: Rule<'_, '_>, impersonator: bool, out: &mut Violations) {
    let verbs: Vec<(usize, &str, &str)> = explicit(rule.verbs)
        .filter_map(|(i, v)| impersonation_mode(v).map(|mode| (i, v, mode)))
        .collect();
    if verbs.is_empty() {
        return;
    }
    if !impersonator {
        for (i, verb, _) in &verbs {
            out.push(format!(
                "{place}.verbs[{i}] {} lets the holder act as other users, groups or ServiceAccounts; remove it (only the roles in impersonatorRoles, the dashboard's, may impersonate)",
                quote(verb)
            ));
        }
        return;
    }
    for (i, verb, mode) in &verbs {
        if mode.is_empty() || *mode == USER_INFO {
            continue;
        }
        let whose = match *mode {
            "serviceaccount" => "ServiceAccounts, the VDI operator's included",
            "arbitrary-node" | "associated-node" => "nodes (the kubelet's identity)",
            _ => "identities of a mode this policy does not know",
        };
        out.push(format!(
            "{place}.verbs[{i}] {} impersonates {whose}; the dashboard impersonates OIDC users only (impersonate:user-info): remove it",
            quote(verb)
        ));
    }
    for (i, resource) in explicit(rule.resources) {
        match resource {
            "serviceaccounts" => out.push(format!(
                "{place}.resources[{i}] \"serviceaccounts\" with {} lets the holder act as any ServiceAccount, the VDI operator's included; remove it",
                quote(verbs[0].1)
            )),
            "nodes" => out.push(format!(
                "{place}.resources[{i}] \"nodes\" with {} lets the holder act as a kubelet; remove it",
                quote(verbs[0].1)
            )),
            "groups" if rule.resource_names.is_empty() => out.push(format!(
                "{place}.resources[{i}] \"groups\" with {} and no resourceNames lets the holder claim any group, system:masters included; list the groups it may claim in resourceNames",
                quote(verbs[0].1)
            )),
            "groups" => {
                for (n, name) in rule.resource_names.iter().enumerate() {
                    if &**name == SYSTEM_MASTERS {
                        out.push(format!(
                            "{place}.resourceNames[{n}] \"system:masters\" lets the holder claim the group that bypasses authorization altogether; remove it"
                        ));
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impersonation_verbs_and_their_modes() {
        assert_eq!(impersonation_mode("impersonate"), Some(""));
        assert_eq!(
            impersonation_mode("impersonate:user-info"),
            Some("user-info")
        );
        assert_eq!(
            impersonation_mode("impersonate-on:serviceaccount:list"),
            Some("serviceaccount")
        );
        assert_eq!(
            impersonation_mode("impersonate-on:user-info"),
            Some("user-info")
        );
        assert_eq!(impersonation_mode("Impersonate"), None);
        assert_eq!(impersonation_mode("impersonated"), None);
        assert_eq!(impersonation_mode("get"), None);
    }
}

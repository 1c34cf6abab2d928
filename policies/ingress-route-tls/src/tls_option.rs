//! TLSOption objects: TLS 1.3 only, and the lookups that tell whether the
//! option a route names is.
//!
//! Traefik reads `minVersion`/`maxVersion` through an exact map
//! (`VersionTLS10` … `VersionTLS13`) and silently ignores any other
//! spelling, which leaves Go's default (TLS 1.2) in place; so the spelling
//! is the meaning here, and anything but `VersionTLS13` is refused.
//!
//! Lookups read the option in both API groups: Traefik v2.10–v2.11 load
//! `traefik.io` and `traefik.containo.us` objects into one namespace, so a
//! copy in either group can be the one in effect, and every copy found must
//! be TLS 1.3. A `traefik.io` route must find its option in `traefik.io`
//! (Traefik v3 reads nothing else); a `traefik.containo.us` route — served
//! only by Traefik v2 — in either group. policy-server answers a missing
//! object with an error, so an unanswered lookup in the other group counts
//! as "no copy there"; this policy admits TLSOptions in both groups only at
//! TLS 1.3, so such a copy would predate it.

use serde::Deserialize;
use shared::host::{GetResource, KubernetesHost, ListResources};
use shared::policy::ObjectView;
use shared::text::Text;
use shared::views::nullable;
use shared::{Input, Rejection};

use crate::reference::Reference;
use crate::settings::Settings;

pub const TRAEFIK_IO: &str = "traefik.io";
pub const CONTAINOUS: &str = "traefik.containo.us";
const IO_VERSION: &str = "traefik.io/v1alpha1";
const CONTAINOUS_VERSION: &str = "traefik.containo.us/v1alpha1";

pub const TLS13: &str = "VersionTLS13";
const OLDER: &[&str] = &["VersionTLS10", "VersionTLS11", "VersionTLS12"];

/// The view the TLSOption handler is given.
pub struct TlsOptionView;

impl ObjectView for TlsOptionView {
    type Object<'a> = TlsOption<'a>;
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
pub struct TlsOption<'a> {
    #[serde(default, borrow)]
    metadata: Metadata<'a>,
    #[serde(default, borrow)]
    spec: Option<Spec<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
struct Metadata<'a> {
    #[serde(default, borrow)]
    name: Option<Text<'a>>,
    #[serde(default, borrow)]
    namespace: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(remote = "Self", rename_all = "camelCase")]
struct Spec<'a> {
    #[serde(default, borrow)]
    min_version: Option<Text<'a>>,
    #[serde(default, borrow)]
    max_version: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct List<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    items: Vec<TlsOption<'a>>,
}

shared::map_only!(TlsOption<'a>, Metadata<'a>, Spec<'a>, List<'a>);

impl TlsOption<'_> {
    fn name(&self) -> &str {
        self.metadata.name.as_deref().unwrap_or_default()
    }

    fn namespace(&self) -> &str {
        self.metadata.namespace.as_deref().unwrap_or_default()
    }

    /// What keeps this option from being TLS 1.3 only, if anything.
    fn problems(&self) -> Vec<String> {
        let empty = Spec::default();
        let spec = self.spec.as_ref().unwrap_or(&empty);
        let mut problems = Vec::new();
        match spec.min_version.as_deref() {
            None | Some("") => problems.push(format!(
                "spec.minVersion is not set, so Traefik allows its default minimum, TLS 1.2: set minVersion: {TLS13}"
            )),
            Some(TLS13) => {}
            Some(v) if OLDER.contains(&v) => problems.push(format!(
                "spec.minVersion {v} allows TLS below 1.3: set minVersion: {TLS13}"
            )),
            Some(v) => problems.push(format!(
                "spec.minVersion {} is not a version Traefik knows (it ignores it and allows TLS 1.2): set minVersion: {TLS13}",
                shared::quote::quote(v)
            )),
        }
        match spec.max_version.as_deref() {
            None | Some("") | Some(TLS13) => {}
            Some(v) if OLDER.contains(&v) => problems.push(format!(
                "spec.maxVersion {v} is below TLS 1.3: remove it or set maxVersion: {TLS13}"
            )),
            Some(v) => problems.push(format!(
                "spec.maxVersion {} is not a version Traefik knows: remove it or set maxVersion: {TLS13}",
                shared::quote::quote(v)
            )),
        }
        problems
    }
}

/// TLSOption CREATE/UPDATE (both groups): TLS 1.3 only, unless exempt.
pub fn validate(input: &Input<'_, '_, Settings>, option: &TlsOption<'_>) -> Result<(), Rejection> {
    let settings = crate::compile(input.settings)?;
    let name = option.name().to_string();
    let name = input
        .request
        .name
        .as_deref()
        .filter(|n| !n.is_empty())
        .unwrap_or(&name);
    let namespace = input
        .request
        .namespace
        .as_deref()
        .filter(|n| !n.is_empty())
        .unwrap_or(option.namespace());
    let exempt = settings
        .exempt_tls_options
        .iter()
        .any(|e| e.object_parts() == Some((namespace, name)));
    if exempt {
        return Ok(());
    }
    let mut violations = shared::Violations::new();
    for problem in option.problems() {
        violations.push(problem);
    }
    violations.into_result(&format!(
        "TLSOption {}/{} denied (every TLSOption must be TLS 1.3 only{})",
        shared::quote::quote(namespace),
        shared::quote::quote(name),
        if name == "default" {
            "; this one is what Traefik applies to routes that name none"
        } else {
            ""
        }
    ))
}

fn decode_answer<'a, T: Deserialize<'a>>(answer: &'a [u8], what: &str) -> Result<T, String> {
    if !answer.trim_ascii_start().starts_with(b"{") {
        return Err(format!("the host's answer for {what} is not a JSON object"));
    }
    shared::host::decode_answer(answer)
        .map_err(|e| format!("the host's answer for {what} cannot be decoded: {e}"))
}

/// The groups whose copies count for a route of `route_group`, and whether
/// a copy must be found in the first one.
fn groups(route_group: &str) -> ([(&'static str, &'static str); 2], bool) {
    (
        [(TRAEFIK_IO, IO_VERSION), (CONTAINOUS, CONTAINOUS_VERSION)],
        route_group == TRAEFIK_IO,
    )
}

/// The TLSOption `namespace/name` a route of `route_group` names is TLS 1.3
/// only; `Err` says why not (or why the policy cannot tell).
pub fn lookup(
    host: &dyn KubernetesHost,
    route_group: &str,
    reference: &Reference,
) -> Result<(), String> {
    let Some((namespace, name)) = reference.object_parts() else {
        return Err(format!("{reference} cannot be looked up"));
    };
    let (groups, first_required) = groups(route_group);
    let mut found = 0;
    let mut failures = Vec::new();
    for (index, (group, api_version)) in groups.iter().enumerate() {
        let request = GetResource {
            api_version,
            kind: "TLSOption",
            name,
            namespace: Some(namespace),
            disable_cache: true,
        };
        let what = format!("{group} TLSOption {namespace}/{name}");
        let answer = match host.get_resource(&request) {
            Ok(answer) => answer,
            Err(e) => {
                if index == 0 && first_required {
                    return Err(format!(
                        "looking up {what} failed ({e}), so its TLS version is unknown: create it with minVersion: {TLS13} or name a TLSOption in allowedTlsOptions"
                    ));
                }
                failures.push(format!("{what}: {e}"));
                continue;
            }
        };
        let option: TlsOption<'_> = decode_answer(&answer, &what)?;
        let problems = option.problems();
        if !problems.is_empty() {
            return Err(format!(
                "the TLSOption it names, {what}, is not TLS 1.3 only: {}",
                problems.join("; ")
            ));
        }
        found += 1;
    }
    if found == 0 {
        return Err(format!(
            "the TLSOption it names was not found ({}), so its TLS version is unknown",
            failures.join("; ")
        ));
    }
    Ok(())
}

/// Traefik applies the TLSOption named `default` (from any namespace) to
/// routes that name none. Defined more than once — in two namespaces, or in
/// both groups, which Traefik v2.10–v2.11 load together — Traefik drops
/// them all and uses its built-in default (TLS 1.2). So exactly one
/// `default` must exist, be TLS 1.3 only and, for a `traefik.io` route, be
/// a `traefik.io` object.
pub fn lookup_default(host: &dyn KubernetesHost, route_group: &str) -> Result<(), String> {
    let (groups, first_required) = groups(route_group);
    // (group index, "group namespace/default", problems)
    let mut defaults: Vec<(usize, String, Vec<String>)> = Vec::new();
    let mut failures = Vec::new();
    for (index, (group, api_version)) in groups.iter().enumerate() {
        let request = ListResources {
            api_version,
            kind: "TLSOption",
            label_selector: None,
            field_selector: None,
        };
        let what = format!("the {group} TLSOptions");
        let answer = match host.list_resources(&request) {
            Ok(answer) => answer,
            Err(e) => {
                if index == 0 && first_required {
                    return Err(format!(
                        "listing {what} failed ({e}), so the `default` TLSOption Traefik applies is unknown"
                    ));
                }
                failures.push(format!("{what}: {e}"));
                continue;
            }
        };
        let list: List<'_> = decode_answer(&answer, &what)?;
        for option in list.items.iter().filter(|o| o.name() == "default") {
            defaults.push((
                index,
                format!("{group} {}/default", option.namespace()),
                option.problems(),
            ));
        }
    }
    let unanswered = if failures.is_empty() {
        String::new()
    } else {
        format!(" ({})", failures.join("; "))
    };
    let [(index, what, problems)] = defaults.as_slice() else {
        if defaults.is_empty() {
            return Err(format!(
                "no TLSOption named `default` exists{unanswered}, so Traefik applies its built-in default, which allows TLS 1.2"
            ));
        }
        let all: Vec<&str> = defaults.iter().map(|(_, what, _)| what.as_str()).collect();
        return Err(format!(
            "TLSOptions named `default` exist more than once ({}), so Traefik ignores them and applies its built-in default, which allows TLS 1.2: keep one",
            all.join(", ")
        ));
    };
    if first_required && *index != 0 {
        return Err(format!(
            "the only TLSOption named `default` is {what}, which Traefik v3 does not read, so it applies its built-in default, which allows TLS 1.2"
        ));
    }
    if !problems.is_empty() {
        return Err(format!(
            "the `default` TLSOption Traefik applies, {what}, is not TLS 1.3 only: {}",
            problems.join("; ")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use std::cell::RefCell;

    fn option(json: &str) -> Vec<String> {
        let o: TlsOption<'_> = serde_json::from_str(json).unwrap();
        o.problems()
    }

    #[rstest]
    #[case(r#"{"spec":{"minVersion":"VersionTLS13"}}"#)]
    #[case(r#"{"spec":{"minVersion":"VersionTLS13","maxVersion":"VersionTLS13"}}"#)]
    #[case(r#"{"spec":{"minVersion":"VersionTLS13","maxVersion":""}}"#)]
    #[case(r#"{"spec":{"minVersion":"VersionTLS13","cipherSuites":["TLS_AES_128_GCM_SHA256"]}}"#)]
    fn tls13_options_pass(#[case] json: &str) {
        assert_eq!(option(json), Vec::<String>::new());
    }

    #[rstest]
    #[case::no_spec(r#"{}"#, "minVersion is not set")]
    #[case::null_spec(r#"{"spec":null}"#, "minVersion is not set")]
    #[case::no_min(r#"{"spec":{}}"#, "TLS 1.2")]
    #[case::tls12(
        r#"{"spec":{"minVersion":"VersionTLS12"}}"#,
        "VersionTLS12 allows TLS below 1.3"
    )]
    #[case::lowercase(
        r#"{"spec":{"minVersion":"versiontls13"}}"#,
        "not a version Traefik knows"
    )]
    #[case::max_below(
        r#"{"spec":{"minVersion":"VersionTLS13","maxVersion":"VersionTLS12"}}"#,
        "maxVersion VersionTLS12 is below TLS 1.3"
    )]
    #[case::max_unknown(
        r#"{"spec":{"minVersion":"VersionTLS13","maxVersion":"TLS1.3"}}"#,
        "maxVersion \"TLS1.3\" is not a version"
    )]
    fn weaker_options_are_named(#[case] json: &str, #[case] fragment: &str) {
        let problems = option(json).join("; ");
        assert!(problems.contains(fragment), "{problems}");
    }

    #[test]
    fn views_refuse_arrays() {
        assert!(serde_json::from_str::<TlsOption<'_>>("[]").is_err());
        assert!(serde_json::from_str::<TlsOption<'_>>(r#"{"spec":[]}"#).is_err());
    }

    /// Answers from a table; records what was asked.
    struct Fake {
        objects: Vec<(&'static str, &'static str, &'static str)>,
        list_fails: bool,
        asked: RefCell<Vec<String>>,
    }

    impl KubernetesHost for Fake {
        fn get_resource(&self, request: &GetResource<'_>) -> Result<Vec<u8>, String> {
            self.asked.borrow_mut().push(format!(
                "{} {}/{}",
                request.api_version,
                request.namespace.unwrap_or_default(),
                request.name
            ));
            let key = format!("{}/{}", request.namespace.unwrap_or_default(), request.name);
            self.objects
                .iter()
                .find(|(v, k, _)| *v == request.api_version && *k == key)
                .map(|(_, _, body)| body.as_bytes().to_vec())
                .ok_or_else(|| "not found".to_string())
        }

        fn list_resources(&self, request: &ListResources<'_>) -> Result<Vec<u8>, String> {
            if self.list_fails {
                return Err("forbidden".into());
            }
            let items: Vec<&str> = self
                .objects
                .iter()
                .filter(|(v, _, _)| *v == request.api_version)
                .map(|(_, _, body)| *body)
                .collect();
            Ok(format!(r#"{{"items":[{}]}}"#, items.join(",")).into_bytes())
        }
    }

    const TLS13_OPT: &str = r#"{"metadata":{"name":"tls13","namespace":"traefik"},"spec":{"minVersion":"VersionTLS13"}}"#;
    const TLS12_OPT: &str = r#"{"metadata":{"name":"tls13","namespace":"traefik"},"spec":{"minVersion":"VersionTLS12"}}"#;
    const DEFAULT13: &str = r#"{"metadata":{"name":"default","namespace":"traefik"},"spec":{"minVersion":"VersionTLS13"}}"#;
    const DEFAULT13_ELSEWHERE: &str = r#"{"metadata":{"name":"default","namespace":"kasm"},"spec":{"minVersion":"VersionTLS13"}}"#;
    const DEFAULT12: &str = r#"{"metadata":{"name":"default","namespace":"traefik"},"spec":{"minVersion":"VersionTLS12"}}"#;

    fn fake(objects: Vec<(&'static str, &'static str, &'static str)>) -> Fake {
        Fake {
            objects,
            list_fails: false,
            asked: RefCell::default(),
        }
    }

    fn tls13_ref() -> Reference {
        Reference::parse_setting("traefik/tls13").unwrap()
    }

    #[test]
    fn lookup_reads_both_groups_traefik_io_first() {
        let host = fake(vec![(IO_VERSION, "traefik/tls13", TLS13_OPT)]);
        assert_eq!(lookup(&host, TRAEFIK_IO, &tls13_ref()), Ok(()));
        assert_eq!(
            host.asked.borrow().as_slice(),
            [
                "traefik.io/v1alpha1 traefik/tls13",
                "traefik.containo.us/v1alpha1 traefik/tls13"
            ]
        );
    }

    #[rstest]
    #[case::missing(vec![], TRAEFIK_IO, "looking up traefik.io TLSOption traefik/tls13 failed (not found)")]
    #[case::only_old_group_for_new_route(
        vec![(CONTAINOUS_VERSION, "traefik/tls13", TLS13_OPT)],
        TRAEFIK_IO,
        "failed"
    )]
    #[case::weak(vec![(IO_VERSION, "traefik/tls13", TLS12_OPT)], TRAEFIK_IO, "is not TLS 1.3 only")]
    #[case::weak_shadow(
        vec![(IO_VERSION, "traefik/tls13", TLS13_OPT), (CONTAINOUS_VERSION, "traefik/tls13", TLS12_OPT)],
        TRAEFIK_IO,
        "traefik.containo.us TLSOption traefik/tls13, is not TLS 1.3 only"
    )]
    #[case::missing_for_old_route(vec![], CONTAINOUS, "was not found")]
    #[case::not_json(vec![(IO_VERSION, "traefik/tls13", "[]")], TRAEFIK_IO, "not a JSON object")]
    fn lookups_fail_closed(
        #[case] objects: Vec<(&'static str, &'static str, &'static str)>,
        #[case] group: &str,
        #[case] fragment: &str,
    ) {
        let err = lookup(&fake(objects), group, &tls13_ref()).unwrap_err();
        assert!(err.contains(fragment), "{err}");
    }

    #[test]
    fn old_routes_accept_either_group() {
        let host = fake(vec![(CONTAINOUS_VERSION, "traefik/tls13", TLS13_OPT)]);
        assert_eq!(lookup(&host, CONTAINOUS, &tls13_ref()), Ok(()));
    }

    #[test]
    fn one_tls13_default_is_accepted() {
        let host = fake(vec![
            (IO_VERSION, "traefik/default", DEFAULT13),
            (IO_VERSION, "traefik/tls13", TLS12_OPT),
        ]);
        assert_eq!(lookup_default(&host, TRAEFIK_IO), Ok(()));
    }

    #[rstest]
    #[case::none(vec![], false, "no TLSOption named `default` exists")]
    #[case::weak(vec![(IO_VERSION, "traefik/default", DEFAULT12)], false, "is not TLS 1.3 only")]
    #[case::two_namespaces(
        vec![(IO_VERSION, "traefik/default", DEFAULT13), (IO_VERSION, "kasm/default", DEFAULT13_ELSEWHERE)],
        false,
        "exist more than once (traefik.io traefik/default, traefik.io kasm/default)"
    )]
    #[case::only_in_old_group(vec![(CONTAINOUS_VERSION, "traefik/default", DEFAULT13)], false, "which Traefik v3 does not read")]
    #[case::list_fails(vec![(IO_VERSION, "traefik/default", DEFAULT13)], true, "listing the traefik.io TLSOptions failed")]
    #[case::copy_in_both_groups(
        vec![(IO_VERSION, "traefik/default", DEFAULT13), (CONTAINOUS_VERSION, "traefik/default", DEFAULT13)],
        false,
        "traefik.containo.us traefik/default"
    )]
    fn defaults_fail_closed(
        #[case] objects: Vec<(&'static str, &'static str, &'static str)>,
        #[case] list_fails: bool,
        #[case] fragment: &str,
    ) {
        let host = Fake {
            list_fails,
            ..fake(objects)
        };
        let err = lookup_default(&host, TRAEFIK_IO).unwrap_err();
        assert!(err.contains(fragment), "{err}");
    }
}

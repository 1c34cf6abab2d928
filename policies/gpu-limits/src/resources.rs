//! Reading GPU counts and the memory limit from one `resources` block.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;
use shared::Violations;
use shared::quantity::{Quantity, parse_count};
use shared::quote::quote;

use crate::settings::Settings;
use crate::view::Resources;

/// GPU devices per resource name, in the order the names were first seen.
#[derive(Default, Clone, Debug, PartialEq, Eq)]
pub struct GpuCounts<'r>(Vec<(&'r str, u64)>);

impl<'r> GpuCounts<'r> {
    pub fn get(&self, name: &str) -> u64 {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(0, |(_, count)| *count)
    }

    fn update(&mut self, name: &'r str, f: impl FnOnce(u64) -> u64) {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some((_, count)) => *count = f(*count),
            None => self.0.push((name, f(0))),
        }
    }

    /// Adds `n` devices of `name`; saturating, since a huge count must still
    /// be reported rather than wrap to a small one.
    pub fn add(&mut self, name: &'r str, n: u64) {
        self.update(name, |count| count.saturating_add(n));
    }

    /// Raises the count of `name` to at least `n`.
    pub fn raise(&mut self, name: &'r str, n: u64) {
        self.update(name, |count| count.max(n));
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'r str, u64)> + '_ {
        self.0.iter().copied()
    }

    /// Sum over all names, saturating.
    pub fn total(&self) -> u64 {
        self.0.iter().fold(0, |sum, (_, n)| sum.saturating_add(*n))
    }

    /// `nvidia.com/mig-1g.5gb: 1, nvidia.com/mig-2g.10gb: 1`, for messages.
    pub fn breakdown(&self) -> String {
        self.0
            .iter()
            .map(|(name, n)| format!("{name}: {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Deserialize)]
struct JsonString<'a>(#[serde(borrow)] Cow<'a, str>);

/// The text of a quantity written as a JSON string or a JSON number.
fn quantity_text(raw: &RawValue) -> Result<Cow<'_, str>, String> {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<JsonString>(text)
            .map(|s| s.0)
            .map_err(|e| format!("cannot be read: {e}")),
        Some(b'-' | b'0'..=b'9') => Ok(Cow::Borrowed(text)),
        Some(b'{') => Err("is an object; write a quantity such as \"1\"".into()),
        Some(b'[') => Err("is a list; write a quantity such as \"1\"".into()),
        _ => Err(format!("is {text}; write a quantity such as \"1\"")),
    }
}

/// Reads one GPU count, reporting a malformed one.
fn read_count(
    raw: &RawValue,
    field: &str,
    place: &str,
    violations: &mut Violations,
) -> Option<u64> {
    let result = quantity_text(raw)
        .and_then(|text| parse_count(&text).map_err(|e| format!("{} {e}", quote(&text))));
    result
        .map_err(|e| violations.push(format!("{place} {field} {e}")))
        .ok()
}

/// The GPUs one `resources` block asks for, by resource name. Extended
/// resources cannot be overcommitted: the API server requires a limit and
/// defaults the request to it, and a device plugin hands out the limit. A
/// request without a limit, or different from it, is reported; the larger of
/// the two is counted so a broken block never counts as fewer GPUs.
pub fn gpu_counts<'r>(
    resources: &'r Resources<'_>,
    settings: &Settings,
    place: &str,
    violations: &mut Violations,
) -> GpuCounts<'r> {
    let names = resources.limits.keys().chain(
        resources
            .requests
            .keys()
            .filter(|name| !resources.limits.contains_key(name)),
    );
    let mut counts = GpuCounts::default();
    for name in names.filter(|name| settings.is_gpu_resource(name)) {
        let limits_field = format!("resources.limits[{}]", quote(name));
        let requests_field = format!("resources.requests[{}]", quote(name));
        let limit = resources
            .limits
            .get(name)
            .map(|raw| read_count(raw, &limits_field, place, violations));
        let request = resources
            .requests
            .get(name)
            .map(|raw| read_count(raw, &requests_field, place, violations));
        match (limit, request) {
            (None, Some(_)) => violations.push(format!(
                "{place} sets {requests_field} without {limits_field}; a GPU must be requested through \
                 its limit (the request defaults to it)"
            )),
            (Some(Some(l)), Some(Some(r))) if l != r => violations.push(format!(
                "{place} sets {requests_field} to {r} but {limits_field} to {l}; GPU requests must equal \
                 limits (set only the limit)"
            )),
            _ => {}
        }
        let count = limit.flatten().max(request.flatten()).unwrap_or(0);
        if count > 0 {
            counts.add(name, count);
        }
    }
    counts
}

/// A GPU container must cap its memory: GPU sessions time-share a node, and
/// one without a limit can push the others into the OOM killer. A limit of
/// zero means "unlimited" to the container runtime, so it does not count.
pub fn check_memory_limit(resources: &Resources<'_>, place: &str, violations: &mut Violations) {
    let Some(raw) = resources.limits.get("memory") else {
        violations.push(format!(
            "{place} gets a GPU but sets no resources.limits.memory; set a memory limit such as 8Gi \
             so one session cannot exhaust the memory of a shared GPU node"
        ));
        return;
    };
    let problem = match quantity_text(raw) {
        Err(e) => e,
        Ok(text) => match Quantity::parse(&text) {
            Err(e) => format!("{} {e}", quote(&text)),
            Ok(q) if !q.is_positive() => format!(
                "{} is not greater than zero (0 means no limit); set a memory limit such as 8Gi",
                quote(&text)
            ),
            Ok(_) => return,
        },
    };
    violations.push(format!("{place} resources.limits.memory {problem}"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn counts_of(json: &str) -> (Vec<(String, u64)>, Vec<String>) {
        let resources: Resources = serde_json::from_str(json).unwrap();
        let mut v = Violations::new();
        let counts = gpu_counts(&resources, &Settings::default(), "container \"c\"", &mut v);
        (
            counts.iter().map(|(k, n)| (k.to_string(), n)).collect(),
            v.iter().map(str::to_string).collect(),
        )
    }

    #[rstest]
    #[case::string(r#"{"limits":{"nvidia.com/gpu":"2"}}"#, &[("nvidia.com/gpu", 2)])]
    #[case::number(r#"{"limits":{"nvidia.com/gpu":1}}"#, &[("nvidia.com/gpu", 1)])]
    #[case::equal_request(r#"{"limits":{"nvidia.com/gpu":1},"requests":{"nvidia.com/gpu":"1"}}"#, &[("nvidia.com/gpu", 1)])]
    #[case::two_mig(
        r#"{"limits":{"nvidia.com/mig-1g.5gb":1,"nvidia.com/mig-2g.10gb":"1","cpu":"2"}}"#,
        &[("nvidia.com/mig-1g.5gb", 1), ("nvidia.com/mig-2g.10gb", 1)]
    )]
    #[case::zero(r#"{"limits":{"nvidia.com/gpu":"0"}}"#, &[])]
    #[case::other_vendor(r#"{"limits":{"amd.com/gpu":"4"}}"#, &[])]
    fn counts_well_formed_blocks(#[case] json: &str, #[case] expected: &[(&str, u64)]) {
        let (counts, violations) = counts_of(json);
        let expected: Vec<_> = expected.iter().map(|(k, n)| (k.to_string(), *n)).collect();
        assert_eq!(counts, expected);
        assert!(violations.is_empty(), "{violations:?}");
    }

    #[rstest]
    #[case::fraction(
        r#"{"limits":{"nvidia.com/gpu":"0.5"}}"#,
        0,
        "resources.limits[\"nvidia.com/gpu\"] \"0.5\" is fractional"
    )]
    #[case::json_fraction(r#"{"limits":{"nvidia.com/gpu":1.0}}"#, 0, "\"1.0\" is fractional")]
    #[case::milli(r#"{"limits":{"nvidia.com/gpu":"1000m"}}"#, 0, "has a suffix")]
    #[case::exponent(r#"{"limits":{"nvidia.com/gpu":1e0}}"#, 0, "has a suffix")]
    #[case::negative(r#"{"limits":{"nvidia.com/gpu":-1}}"#, 0, "without a sign")]
    #[case::null(r#"{"limits":{"nvidia.com/gpu":null}}"#, 0, "is null")]
    #[case::boolean(r#"{"limits":{"nvidia.com/gpu":true}}"#, 0, "is true")]
    #[case::object(r#"{"limits":{"nvidia.com/gpu":{}}}"#, 0, "is an object")]
    #[case::request_only(
        r#"{"requests":{"nvidia.com/gpu":"2"}}"#,
        2,
        "without resources.limits[\"nvidia.com/gpu\"]"
    )]
    #[case::request_differs(
        r#"{"limits":{"nvidia.com/gpu":"1"},"requests":{"nvidia.com/gpu":"2"}}"#,
        2,
        "to 2 but resources.limits[\"nvidia.com/gpu\"] to 1"
    )]
    #[case::request_lower(
        r#"{"limits":{"nvidia.com/gpu":"3"},"requests":{"nvidia.com/gpu":"1"}}"#,
        3,
        "must equal"
    )]
    fn reports_bad_blocks_and_counts_the_larger_side(
        #[case] json: &str,
        #[case] counted: u64,
        #[case] fragment: &str,
    ) {
        let (counts, violations) = counts_of(json);
        assert_eq!(counts.iter().map(|(_, n)| n).sum::<u64>(), counted);
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert!(
            violations
                .iter()
                .all(|v| v.contains(fragment) && v.starts_with("container \"c\"")),
            "{violations:?}"
        );
    }

    #[test]
    fn totals_saturate() {
        let mut counts = GpuCounts::default();
        counts.add("a/x", u64::MAX);
        counts.add("a/y", 1);
        counts.add("a/x", 1);
        assert_eq!(counts.total(), u64::MAX);
        assert_eq!(counts.get("a/x"), u64::MAX);
        assert_eq!(counts.breakdown(), format!("a/x: {}, a/y: 1", u64::MAX));
    }

    #[rstest]
    #[case(r#"{"limits":{"memory":"8Gi"}}"#, None)]
    #[case(r#"{"limits":{"memory":1073741824}}"#, None)]
    #[case(r#"{"limits":{"memory":"1.5Gi"}}"#, None)]
    #[case(
        r#"{"requests":{"memory":"8Gi"}}"#,
        Some("sets no resources.limits.memory")
    )]
    #[case(r#"{}"#, Some("sets no resources.limits.memory"))]
    #[case(r#"{"limits":{"memory":"0"}}"#, Some("\"0\" is not greater than zero"))]
    #[case(r#"{"limits":{"memory":"0Gi"}}"#, Some("not greater than zero"))]
    #[case(r#"{"limits":{"memory":"-1Gi"}}"#, Some("not greater than zero"))]
    #[case(r#"{"limits":{"memory":"8GB"}}"#, Some("\"8GB\" is not a quantity"))]
    #[case(r#"{"limits":{"memory":""}}"#, Some("is empty"))]
    #[case(r#"{"limits":{"memory":[]}}"#, Some("is a list"))]
    fn memory_limits(#[case] json: &str, #[case] fragment: Option<&str>) {
        let resources: Resources = serde_json::from_str(json).unwrap();
        let mut v = Violations::new();
        check_memory_limit(&resources, "container \"c\"", &mut v);
        match fragment {
            None => assert!(v.is_empty(), "{v:?}"),
            Some(f) => assert!(v.len() == 1 && v.iter().all(|m| m.contains(f)), "{v:?}"),
        }
    }
}

//! Settings: which registries and repositories are trusted.

use serde::Deserialize;
use shared::image::valid_tag;
use shared::settings::PolicySettings;

use crate::patterns::{ImagePattern, RegistryPattern};

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Settings {
    pub registries: AllowReject,
    pub images: AllowReject,
    pub tags: TagRules,
    /// Every image must be pinned by digest.
    pub require_digest: bool,
    /// Mirror rewrites applied before the trust check (`crate::rewrite`).
    pub rewrite: Vec<crate::rewrite::Rule>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct AllowReject {
    pub allow: Vec<String>,
    pub reject: Vec<String>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct TagRules {
    pub reject: Vec<String>,
}

/// Settings with every pattern parsed; built once per request.
pub struct Compiled {
    pub allow_registries: Vec<RegistryPattern>,
    pub reject_registries: Vec<RegistryPattern>,
    pub allow_images: Vec<ImagePattern>,
    pub reject_images: Vec<ImagePattern>,
    pub reject_tags: Vec<String>,
    pub require_digest: bool,
}

fn compile_all<T>(
    field: &str,
    items: &[String],
    parse: fn(&str) -> Result<T, String>,
    errors: &mut Vec<String>,
) -> Vec<T> {
    items
        .iter()
        .filter_map(|item| {
            parse(item)
                .map_err(|e| errors.push(format!("{field}: {e}")))
                .ok()
        })
        .collect()
}

impl Settings {
    /// Parses every pattern, reporting all bad ones at once.
    pub fn compile(&self) -> Result<Compiled, String> {
        let mut errors = Vec::new();
        if self.registries.allow.is_empty() && self.images.allow.is_empty() {
            errors.push(
                "nothing is trusted: set registries.allow and/or images.allow (an empty allow configuration would reject every image)"
                    .to_string(),
            );
        }
        let compiled = Compiled {
            allow_registries: compile_all(
                "registries.allow",
                &self.registries.allow,
                RegistryPattern::parse,
                &mut errors,
            ),
            reject_registries: compile_all(
                "registries.reject",
                &self.registries.reject,
                RegistryPattern::parse,
                &mut errors,
            ),
            allow_images: compile_all(
                "images.allow",
                &self.images.allow,
                ImagePattern::parse,
                &mut errors,
            ),
            reject_images: compile_all(
                "images.reject",
                &self.images.reject,
                ImagePattern::parse,
                &mut errors,
            ),
            reject_tags: self.tags.reject.clone(),
            require_digest: self.require_digest,
        };
        for tag in &self.tags.reject {
            if !valid_tag(tag) {
                errors.push(format!("tags.reject: {tag:?} is not a valid tag"));
            }
        }
        if errors.is_empty() {
            Ok(compiled)
        } else {
            Err(errors.join("; "))
        }
    }
}

impl PolicySettings for Settings {
    fn validate(&self) -> Result<(), String> {
        let rewrite = crate::rewrite::Rewrites::compile(&self.rewrite).map(|_| ());
        match (self.compile().map(|_| ()), rewrite) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(a), Err(b)) => Err(format!("{a}; {b}")),
            (Err(e), _) | (_, Err(e)) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use shared::settings::check;

    #[rstest]
    #[case(r#"{"registries": {"allow": ["ghcr.io"]}}"#)]
    #[case(r#"{"images": {"allow": ["kasmweb/*"]}, "tags": {"reject": ["latest"]}}"#)]
    #[case(r#"{"registries": {"allow": ["*.corp.example", "[::1]:5000"], "reject": ["docker.io"]}, "requireDigest": true}"#)]
    fn valid_settings(#[case] json: &str) {
        check::<Settings>(json.as_bytes()).unwrap();
    }

    #[rstest]
    #[case::empty("{}", "nothing is trusted")]
    #[case::null("null", "nothing is trusted")]
    #[case::empty_lists(
        r#"{"registries": {"allow": []}, "images": {"allow": []}}"#,
        "nothing is trusted"
    )]
    #[case::unknown_top(
        r#"{"registries": {"allow": ["ghcr.io"]}, "requireDigests": true}"#,
        "unknown field `requireDigests`"
    )]
    #[case::unknown_nested(
        r#"{"registries": {"allowed": ["ghcr.io"]}}"#,
        "unknown field `allowed`"
    )]
    #[case::scheme(
        r#"{"registries": {"allow": ["https://ghcr.io"]}}"#,
        "registries.allow: registry pattern \"https://ghcr.io\" has a scheme"
    )]
    #[case::path(
        r#"{"registries": {"reject": ["docker.io/library"], "allow": ["ghcr.io"]}}"#,
        "registries.reject"
    )]
    #[case::middle_wildcard(r#"{"registries": {"allow": ["ghcr.*.io"]}}"#, "wildcard")]
    #[case::image_tag(r#"{"images": {"allow": ["nginx:1.25"]}}"#, "tag or digest")]
    #[case::bad_tag(
        r#"{"registries": {"allow": ["ghcr.io"]}, "tags": {"reject": ["-x"]}}"#,
        "tags.reject"
    )]
    #[case::wrong_type(r#"{"registries": {"allow": "ghcr.io"}}"#, "invalid type")]
    #[case::array("[]", "JSON object")]
    fn invalid_settings(#[case] json: &str, #[case] fragment: &str) {
        let e = check::<Settings>(json.as_bytes()).unwrap_err();
        assert!(e.contains(fragment), "{e}");
    }

    #[test]
    fn all_bad_patterns_are_reported_together() {
        let e =
            check::<Settings>(br#"{"registries": {"allow": ["a/b", "https://c"]}}"#).unwrap_err();
        assert!(e.contains("\"a/b\"") && e.contains("\"https://c\""), "{e}");
    }
}

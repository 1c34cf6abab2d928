//! `kubectl.kubernetes.io/last-applied-configuration`: kubectl's copy of
//! the manifest it applied, kept as a JSON string in an annotation.
//!
//! The API server prunes fields a CRD schema does not know (a VDISession's
//! `spec.password`) before admission, but the annotation is a string, so the
//! whole original manifest stays in it — password included — readable by
//! everyone who can `get` the object. Its content is checked like the object
//! itself; an annotation that cannot be read is not assumed to be harmless.

use serde::de::IgnoredAny;
use shared::quote::Redacted;

use crate::decode;
use crate::findings::{Findings, fingerprint};
use crate::view::Captured;

/// The API server's limit for all annotations of an object together
/// (`TotalAnnotationSizeLimitB`); a larger one cannot be a real object's.
pub const MAX_BYTES: usize = 256 * 1024;

/// Put before findings inside the annotation.
pub const ORIGIN: &str =
    "in the last-applied-configuration annotation (kubectl's copy of the applied manifest), ";

const FIX: &str = "apply the fixed manifest again (kubectl apply rewrites the annotation) or remove the annotation \
                   (kubectl annotate ... kubectl.kubernetes.io/last-applied-configuration-)";

/// The annotation's text when there is one worth parsing; an annotation
/// that is not a string, too large, not JSON or not an object is a finding.
pub fn text<'c>(captured: &'c Option<Captured<'_>>, findings: &mut Findings) -> Option<&'c str> {
    let problem = match captured.as_ref()? {
        Captured::NotAString(print) => {
            findings.push(
                format!(
                    "the kubectl.kubernetes.io/last-applied-configuration annotation is not a string ({Redacted}), \
                     so it cannot be shown to hold no credential; {FIX}"
                ),
                *print,
            );
            return None;
        }
        Captured::Text(text) if text.len() > MAX_BYTES => {
            "is larger than 256 KiB, the API server's limit for all annotations of an object, so it is not read"
                .to_string()
        }
        Captured::Text(text) => {
            if text.trim_start().starts_with('{') {
                return Some(text);
            }
            match serde_json::from_str::<IgnoredAny>(text) {
                Err(e) => format!("is not valid JSON: {}", decode::describe(&e)),
                Ok(_) => "is JSON but not an object, so it is no manifest".to_string(),
            }
        }
    };
    let print = match captured {
        Some(Captured::Text(text)) => fingerprint(text.as_bytes()),
        _ => 0,
    };
    findings.push(
        format!(
            "the kubectl.kubernetes.io/last-applied-configuration annotation {problem} ({Redacted}); it cannot be shown \
             to hold no credential: {FIX}"
        ),
        print,
    );
    None
}

/// The finding for an annotation whose JSON does not decode as the kind's
/// manifest.
pub fn malformed(text: &str, error: &serde_json::Error, findings: &mut Findings) {
    let problem = match error.classify() {
        serde_json::error::Category::Data => "cannot be read as a manifest",
        _ => "is not valid JSON",
    };
    findings.push(
        format!(
            "the kubectl.kubernetes.io/last-applied-configuration annotation {problem}: {} ({Redacted}); \
             it cannot be shown to hold no credential: {FIX}",
            decode::describe(error)
        ),
        fingerprint(text.as_bytes()),
    );
}

/// Added to the summary when the annotation holds a credential: fixing the
/// object is not enough, kubectl's copy must be rewritten too.
pub const SUMMARY_HINT: &str = " (kubectl keeps a copy of the applied manifest in the last-applied-configuration annotation: fix the manifest \
     and apply it again)";

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use shared::text::Text;

    const CANARY: &str = "Zq8-CANARY-hunter2";

    fn judge(captured: Option<Captured<'_>>) -> (Option<String>, Vec<String>) {
        let mut findings = Findings::new();
        let text = text(&captured, &mut findings).map(str::to_string);
        (
            text,
            findings.iter().map(|f| f.message().to_string()).collect(),
        )
    }

    fn captured(text: &str) -> Option<Captured<'_>> {
        Some(Captured::Text(Text(text.into())))
    }

    #[test]
    fn an_object_is_handed_on() {
        let (text, findings) = judge(captured(" {\"kind\":\"Pod\"}"));
        assert_eq!(text.as_deref(), Some(" {\"kind\":\"Pod\"}"));
        assert!(findings.is_empty());
        assert_eq!(judge(None), (None, vec![]));
    }

    #[rstest]
    #[case::not_json(format!("password={CANARY}"), "is not valid JSON")]
    #[case::string(format!("\"{CANARY}\""), "is JSON but not an object")]
    #[case::list(format!("[\"{CANARY}\"]"), "is JSON but not an object")]
    #[case::number("12345".to_string(), "is JSON but not an object")]
    #[case::empty(String::new(), "is not valid JSON")]
    #[case::huge(format!("{{\"password\": \"{}\"}}", CANARY.repeat(20_000)), "larger than 256 KiB")]
    fn unreadable_annotations_are_findings(#[case] text: String, #[case] fragment: &str) {
        let (handed, findings) = judge(captured(&text));
        assert!(handed.is_none());
        assert_eq!(findings.len(), 1, "{findings:?}");
        let message = &findings[0];
        assert!(message.contains(fragment), "{message}");
        assert!(
            !message.contains("CANARY") && !message.contains("12345"),
            "{message}"
        );
    }

    #[test]
    fn a_non_string_annotation_is_a_finding() {
        let (_, findings) = judge(Some(Captured::NotAString(7)));
        assert!(findings[0].contains("is not a string"), "{findings:?}");
    }
}

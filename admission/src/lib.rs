//! From manifests to the AdmissionRequests a policy sees: the one wrapping
//! that `vdi-guard check`, the e2e suites and the browser playground share.

pub mod wrap;

use serde_json::Value;

/// Parses YAML or JSON text (JSON is YAML) into one value per document;
/// empty documents (`---` with nothing after it) are skipped. The error
/// names the document and the position serde_yaml reports.
pub fn documents(text: &str) -> Result<Vec<Value>, String> {
    let mut docs = Vec::new();
    for (index, doc) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let value: Value = serde::Deserialize::deserialize(doc)
            .map_err(|e| format!("document {}: {e}", index + 1))?;
        if !value.is_null() {
            docs.push(value);
        }
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    #[test]
    fn yaml_and_json_documents_in_order_empty_ones_skipped() {
        let text = "---\napiVersion: v1\nkind: Pod\n---\n---\n{\"apiVersion\": \"v1\", \"kind\": \"Service\"}\n";
        let docs = documents(text).unwrap();
        assert_eq!(
            docs,
            vec![
                json!({"apiVersion": "v1", "kind": "Pod"}),
                json!({"apiVersion": "v1", "kind": "Service"})
            ]
        );
        assert_eq!(documents("").unwrap(), Vec::<Value>::new());
    }

    #[rstest]
    #[case::bad_indent("a: 1\n b: 2\n", "document 1:")]
    #[case::second_doc("a: 1\n---\n[unclosed\n", "document 2:")]
    #[case::unclosed_json("{\"a\": ", "document 1:")]
    #[case::billion_laughs(
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
        "repetition limit"
    )]
    fn malformed_text_is_an_error_naming_the_document(#[case] text: &str, #[case] fragment: &str) {
        let err = documents(text).unwrap_err();
        assert!(err.contains(fragment), "{err}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let err = documents(&text).unwrap_err();
        assert!(err.contains("recursion limit"), "{err}");
    }
}

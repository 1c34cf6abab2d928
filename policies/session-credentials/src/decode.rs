//! Decoding that never repeats the input.
//!
//! serde's errors quote the value they choke on (`invalid type: string
//! "hunter2", expected a sequence`), and everything this policy decodes may
//! hold a credential. So decoder errors are reduced to their category and
//! position, and the message says why the decoder's own words are missing.
//! (A candidate for `shared`: `decode_view` and `WorkloadKind::decode` pass
//! serde's text through.)

use serde::Deserialize;
use serde_json::error::Category;
use shared::Rejection;

/// What went wrong, without any byte of the input: the category and where.
pub fn describe(error: &serde_json::Error) -> String {
    let at = format!("line {}, column {}", error.line(), error.column());
    match error.classify() {
        Category::Data => format!("a field holds a value of the wrong type or shape ({at})"),
        Category::Syntax => {
            format!("it is not valid JSON, or nests deeper than the decoder allows ({at})")
        }
        Category::Eof => format!("it ends in the middle of a value ({at})"),
        Category::Io => "it could not be read".to_string(),
    }
}

/// The rejection for a `what` that does not decode.
pub fn rejection(what: &str, error: &serde_json::Error) -> Rejection {
    Rejection::new(message(what, error))
}

/// The message for a `what` that does not decode.
pub fn message(what: &str, error: &serde_json::Error) -> String {
    format!(
        "the {what} cannot be decoded: {}; the decoder's message is not shown because it would quote a value that may be a credential",
        describe(error)
    )
}

/// Decodes `text` into a view, with a redacted error.
pub fn decode<'a, T: Deserialize<'a>>(text: &'a str, what: &str) -> Result<T, Rejection> {
    serde_json::from_str(text).map_err(|e| rejection(what, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "hunter2-CANARY-7f3a";

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct View {
        env: Vec<u8>,
    }

    #[test]
    fn serde_would_quote_the_value_but_we_do_not() {
        let text = format!(r#"{{"env": "{CANARY}"}}"#);
        let raw = serde_json::from_str::<View>(&text).unwrap_err();
        assert!(raw.to_string().contains(CANARY), "serde quotes: {raw}");
        let ours = decode::<View>(&text, "Pod object").unwrap_err();
        assert!(!ours.message().contains("CANARY"), "{}", ours.message());
        assert!(
            ours.message()
                .contains("wrong type or shape (line 1, column"),
            "{}",
            ours.message()
        );
    }

    #[test]
    fn syntax_and_truncation_are_named() {
        let syntax = decode::<View>("{\"env\": [1,]}", "x").unwrap_err();
        assert!(
            syntax.message().contains("not valid JSON"),
            "{}",
            syntax.message()
        );
        let eof = decode::<View>("{\"env\": [1", "x").unwrap_err();
        assert!(
            eof.message().contains("ends in the middle"),
            "{}",
            eof.message()
        );
    }
}

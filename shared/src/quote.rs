//! Quoting request values in messages: shortened, and never a credential.
//!
//! A message quotes the value it objects to so the user can find it, but a
//! 1 MB image reference must not become a 1 MB message (policy-server logs
//! it, the API server returns it, audit stores it), and a credential must not
//! appear at all: the rejection travels to places the Secret never would.

use std::fmt;

/// Values longer than this many characters are cut in messages.
pub const MAX_QUOTED_CHARS: usize = 64;

/// A value quoted for a message: `{:?}`-style quotes and escapes, cut at
/// [`MAX_QUOTED_CHARS`] characters with the full length stated.
pub struct Quoted<'a>(pub &'a str);

/// Quotes `value` for a message (see [`Quoted`]).
pub fn quote(value: &str) -> Quoted<'_> {
    Quoted(value)
}

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let chars = self.0.chars().count();
        if chars <= MAX_QUOTED_CHARS {
            return write!(f, "{:?}", self.0);
        }
        let cut: String = self.0.chars().take(MAX_QUOTED_CHARS).collect();
        write!(f, "{cut:?}… ({chars} characters)")
    }
}

impl fmt::Debug for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Stands in for a credential value in a message: says that there was one
/// and how it was set, and nothing of its bytes (not even its length).
pub struct Redacted;

impl fmt::Display for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn short_values_are_quoted_whole() {
        assert_eq!(quote("nginx:latest").to_string(), r#""nginx:latest""#);
        assert_eq!(quote("a\"b").to_string(), r#""a\"b""#);
    }

    #[test]
    fn long_values_are_cut_with_their_length() {
        let long = "x".repeat(1 << 20);
        let text = quote(&long).to_string();
        assert!(text.len() < 100, "{text}");
        assert!(text.ends_with("… (1048576 characters)"), "{text}");
    }

    #[test]
    fn redaction_shows_nothing_of_the_value() {
        assert_eq!(Redacted.to_string(), "<redacted>");
    }

    proptest! {
        #[test]
        fn quoting_is_bounded_and_never_panics(value in ".{0,300}") {
            let text = quote(&value).to_string();
            prop_assert!(text.chars().count() <= MAX_QUOTED_CHARS * 10 + 40);
        }
    }
}

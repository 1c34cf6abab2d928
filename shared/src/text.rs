//! A string of the request, borrowed unless JSON escapes force a copy.
//!
//! `#[serde(borrow)]` borrows only a bare `Cow<str>` field; a `Cow<str>`
//! inside an `Option` or a `Vec` goes through `Cow`'s own `Deserialize`,
//! which always copies. Network policies list many short strings (CIDRs,
//! protocols), and copying them was a large share of the allocations of a
//! request.

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// Reads as the `str` it holds: `Debug` quotes it and `Display` writes it
/// like a `Cow<str>` would, so messages that show it are unchanged; it
/// compares, orders and defaults (empty) as its text.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text<'a>(pub Cow<'a, str>);

impl PartialEq<str> for Text<'_> {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Text<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<Text<'_>> for String {
    fn eq(&self, other: &Text<'_>) -> bool {
        **self == *other.0
    }
}

impl PartialEq<Text<'_>> for str {
    fn eq(&self, other: &Text<'_>) -> bool {
        *self == *other.0
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            // The same wording as `String`'s, so type errors read as before.
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrows_plain_strings_and_copies_escaped_ones() {
        let plain: Vec<Text<'_>> = serde_json::from_str(r#"["10.0.0.0/8"]"#).unwrap();
        assert!(matches!(plain[0].0, Cow::Borrowed("10.0.0.0/8")));
        let escaped: Vec<Text<'_>> = serde_json::from_str(r#"["10.0.0.0\/8"]"#).unwrap();
        assert!(matches!(&escaped[0].0, Cow::Owned(s) if s == "10.0.0.0/8"));
    }

    #[test]
    fn reads_and_fails_like_a_cow() {
        for json in [r#""TCP""#, "5", "null", "[]", r#""a\"b""#] {
            let ours = serde_json::from_str::<Text<'_>>(json);
            let cow = serde_json::from_str::<Cow<'_, str>>(json);
            match (ours, cow) {
                (Ok(t), Ok(c)) => assert_eq!(format!("{t:?}"), format!("{c:?}")),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                (a, b) => panic!("{json}: {a:?} vs {b:?}"),
            }
        }
    }
}

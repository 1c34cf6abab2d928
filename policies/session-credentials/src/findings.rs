//! What the checks found, and the judgement of an UPDATE against what was
//! already stored.
//!
//! A finding is a message (which never holds a judged value) and a
//! fingerprint of the value it is about. The fingerprint never leaves the
//! module: it only lets an UPDATE tell "this credential was already stored
//! here, unchanged" from "this update writes one". The first is reported by
//! a background audit but not blocked — blocking it would not remove the
//! credential, only stop the object's owner (or the operator removing its
//! cleanup finalizer) from touching the object, deleting included. The
//! second is rejected.

use std::hash::{DefaultHasher, Hasher};

use shared::Rejection;

/// At most this many findings are listed in one message; the rest are
/// counted. A pod with 5000 literal passwords needs one fix, not a 1 MB
/// message.
pub const MAX_LISTED: usize = 30;

/// A fingerprint of a judged value: a keyed-by-nothing SipHash, good enough
/// to compare an object with its previous version, never shown.
pub fn fingerprint(bytes: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    hasher.write(bytes);
    hasher.finish()
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    fingerprint: u64,
    message: String,
}

impl Finding {
    pub fn message(&self) -> &str {
        &self.message
    }
}

#[derive(Debug, Default)]
pub struct Findings(Vec<Finding>);

impl Findings {
    pub fn new() -> Findings {
        Findings::default()
    }

    /// A finding about a value, identified by the value's fingerprint.
    pub fn push(&mut self, message: String, fingerprint: u64) {
        self.0.push(Finding {
            fingerprint,
            message,
        });
    }

    /// A finding whose message says everything about it (names, not values).
    pub fn push_plain(&mut self, message: String) {
        self.push(message, 0);
    }

    pub fn extend(&mut self, other: Findings) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Finding> {
        self.0.iter()
    }

    /// The findings that `old` (the stored object's) does not have: same
    /// message and same value count as unchanged.
    pub fn new_since(self, old: Findings) -> Findings {
        let mut old = old.0;
        old.sort();
        Findings(
            self.0
                .into_iter()
                .filter(|f| old.binary_search(f).is_err())
                .collect(),
        )
    }

    /// Accepts when nothing was found; otherwise one rejection: `summary:
    /// first; second; ...` in document order, at most [`MAX_LISTED`] listed.
    pub fn into_result(self, summary: &str) -> Result<(), Rejection> {
        if self.0.is_empty() {
            return Ok(());
        }
        let total = self.0.len();
        let mut listed: Vec<String> = self
            .0
            .into_iter()
            .take(MAX_LISTED)
            .map(|f| f.message)
            .collect();
        if total > MAX_LISTED {
            listed.push(format!("and {} more like these", total - MAX_LISTED));
        }
        Err(Rejection::new(format!("{summary}: {}", listed.join("; "))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unchanged_findings_are_not_new() {
        let mut old = Findings::new();
        old.push("a".into(), 1);
        old.push("b".into(), 2);
        let mut new = Findings::new();
        new.push("b".into(), 2);
        new.push("a".into(), 9);
        new.push_plain("c".into());
        let left: Vec<_> = new
            .new_since(old)
            .iter()
            .map(|f| f.message().to_string())
            .collect();
        assert_eq!(left, ["a", "c"]);
    }

    #[test]
    fn long_lists_are_counted() {
        let mut f = Findings::new();
        for i in 0..100 {
            f.push_plain(format!("finding {i}"));
        }
        let err = f.into_result("summary").unwrap_err();
        assert!(err.message().starts_with("summary: finding 0; finding 1;"));
        assert!(
            err.message()
                .ends_with("finding 29; and 70 more like these"),
            "{}",
            err.message()
        );
    }

    #[test]
    fn nothing_found_accepts() {
        assert_eq!(Findings::new().into_result("x"), Ok(()));
    }
}

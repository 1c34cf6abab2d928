//! Collecting every violation of a request into one message.
//!
//! Users fix a manifest faster when one rejection lists everything wrong
//! with it, in the order the fields appear.

use crate::response::Rejection;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Violations {
    items: Vec<String>,
}

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, violation: impl Into<String>) {
        self.items.push(violation.into());
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.items.iter().map(String::as_str)
    }

    /// Accepts when nothing was found; otherwise one rejection whose message
    /// is `summary: first; second; ...` in insertion order.
    pub fn into_result(self, summary: &str) -> Result<(), Rejection> {
        self.into_result_joined(summary, "; ")
    }

    /// Like [`Violations::into_result`] with a caller-chosen separator (Pod
    /// Security Admission style messages use `", "`).
    pub fn into_result_joined(self, summary: &str, separator: &str) -> Result<(), Rejection> {
        if self.items.is_empty() {
            return Ok(());
        }
        Err(Rejection::new(format!(
            "{summary}: {}",
            self.items.join(separator)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_accepts() {
        assert_eq!(Violations::new().into_result("denied"), Ok(()));
    }

    #[test]
    fn all_violations_in_insertion_order() {
        let mut v = Violations::new();
        v.push("b is wrong");
        v.push("a is wrong");
        assert_eq!(v.len(), 2);
        let err = v.into_result("2 problems").unwrap_err();
        assert_eq!(err.message(), "2 problems: b is wrong; a is wrong");
    }

    #[test]
    fn custom_separator() {
        let mut v = Violations::new();
        v.push("x");
        v.push("y");
        let err = v.into_result_joined("psa", ", ").unwrap_err();
        assert_eq!(err.message(), "psa: x, y");
    }
}

//! The one message of a rejection, bounded.
//!
//! `shared::Violations` lists every finding, which is right for the few a
//! hand-written role has; a generated role with 5000 wildcard rules, or a
//! binding of 5000 users to cluster-admin, would make a megabyte message
//! that policy-server logs and the API server returns and audits. The
//! first findings say what to fix; the rest are counted.

use shared::{Rejection, Violations};

/// At most this many findings are spelled out.
pub const MAX_FINDINGS: usize = 20;

/// Like [`Violations::into_result`], listing the first [`MAX_FINDINGS`].
pub fn finish(violations: Violations, summary: &str) -> Result<(), Rejection> {
    let total = violations.len();
    if total <= MAX_FINDINGS {
        return violations.into_result(summary);
    }
    let mut kept = Violations::new();
    for finding in violations.iter().take(MAX_FINDINGS) {
        kept.push(finding);
    }
    kept.push(format!(
        "and {} more findings like these ({total} in all)",
        total - MAX_FINDINGS
    ));
    kept.into_result(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(n: usize) -> Violations {
        let mut v = Violations::new();
        for i in 0..n {
            v.push(format!("f{i}"));
        }
        v
    }

    #[test]
    fn few_findings_are_all_listed() {
        assert_eq!(finish(findings(0), "s"), Ok(()));
        let err = finish(findings(MAX_FINDINGS), "s").unwrap_err();
        assert!(err.message().ends_with(&format!("f{}", MAX_FINDINGS - 1)));
    }

    #[test]
    fn many_findings_are_counted() {
        let err = finish(findings(5000), "s").unwrap_err();
        assert!(err.message().starts_with("s: f0; f1;"), "{}", err.message());
        assert!(
            err.message()
                .ends_with("; and 4980 more findings like these (5000 in all)")
        );
        assert!(!err.message().contains("f20;"));
    }
}

//! Kubernetes quantities: never a panic, and a count is consistent with the
//! quantity it came from.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::quantity::{Quantity, parse_count};

fuzz_target!(|text: &str| {
    if let Ok(q) = Quantity::parse(text) {
        assert!(!(q.is_zero() && q.is_positive()), "{text:?}");
    }
    if let Ok(n) = parse_count(text) {
        let q = Quantity::parse(text);
        assert!(q.is_ok(), "{text:?} counts {n} but is no quantity");
        if let Ok(q) = q {
            assert_eq!(q.is_zero(), n == 0, "{text:?}");
        }
    }
});

//! Go durations: never a panic; a parsed duration written back (Go's
//! `String()` form) parses to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::duration::parse;

fuzz_target!(|text: &str| {
    let Ok(d) = parse(text) else {
        return;
    };
    let canonical = d.to_string();
    match parse(&canonical) {
        Ok(again) => assert_eq!(again, d, "{text:?} -> {canonical:?}"),
        Err(e) => panic!("{text:?} prints as {canonical:?}, which does not parse: {e}"),
    }
});

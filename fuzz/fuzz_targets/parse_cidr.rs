//! CIDRs: never a panic; a parsed network written back parses to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::cidr::{NetSet, first_exposed, overlaps, parse_net};

fuzz_target!(|text: &str| {
    let Ok(net) = parse_net(text) else {
        return;
    };
    let canonical = net.to_string();
    match parse_net(&canonical) {
        Ok(again) => assert_eq!(again, net, "{text:?} -> {canonical:?}"),
        Err(e) => panic!("{text:?} normalizes to {canonical:?}, which does not parse: {e}"),
    }
    assert!(overlaps(&net, &net));
    let allowed = NetSet::of(vec![net]);
    let _ = first_exposed(net, &allowed, &[]);
    let _ = first_exposed(net, &NetSet::everything(), &[&allowed]);
});

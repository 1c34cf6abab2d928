//! Image references: never a panic; a parsed reference, written back in its
//! normalized form (`Display`, what a rewritten image is written with),
//! parses to itself (so no two spellings judge differently).
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::image::{ImageRef, valid_tag};

fuzz_target!(|text: &str| {
    let _ = valid_tag(text);
    let Ok(image) = ImageRef::parse(text) else {
        return;
    };
    let _ = (image.registry(), image.name(), image.is_docker_hub());
    let canonical = image.to_string();
    match ImageRef::parse(&canonical) {
        Ok(again) => assert_eq!(again, image, "{text:?} -> {canonical:?}"),
        Err(e) => panic!("{text:?} normalizes to {canonical:?}, which does not parse: {e}"),
    }
});

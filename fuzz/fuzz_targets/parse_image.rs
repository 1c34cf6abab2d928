//! Image references: never a panic; a parsed reference, written back in its
//! normalized form, parses to itself (so no two spellings judge differently).
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::image::{ImageRef, valid_tag};

fuzz_target!(|text: &str| {
    let _ = valid_tag(text);
    let Ok(image) = ImageRef::parse(text) else {
        return;
    };
    let _ = (image.registry(), image.name(), image.is_docker_hub());
    // Like Docker, a first component without `.` or `:` is a registry host
    // only when it has uppercase letters (`SS/x` is host `ss`); written back
    // in lowercase it would be a Docker Hub repository, so keep it uppercase.
    let bare_host = !image.host.contains(['.', ':', '[']) && image.host != "localhost";
    let mut canonical = if bare_host {
        image.host.to_uppercase()
    } else {
        image.host.clone()
    };
    if let Some(port) = image.port {
        canonical.push_str(&format!(":{port}"));
    }
    canonical.push('/');
    canonical.push_str(&image.repository);
    if let Some(tag) = &image.tag {
        canonical.push_str(&format!(":{tag}"));
    }
    if let Some(digest) = &image.digest {
        canonical.push_str(&format!("@{digest}"));
    }
    match ImageRef::parse(&canonical) {
        Ok(again) => assert_eq!(again, image, "{text:?} -> {canonical:?}"),
        Err(e) => panic!("{text:?} normalizes to {canonical:?}, which does not parse: {e}"),
    }
});

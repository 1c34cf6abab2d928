//! Inputs found by the fuzz targets in `fuzz/`, kept as regression tests.

use shared::image::ImageRef;

/// `parse_image`: like Docker's `splitDockerDomain`, a first component
/// without `.` or `:` is a registry host when it has uppercase letters
/// (`SS/3` is host `ss`, not the Docker Hub repository `ss/3`). Written in
/// lowercase the same text is a Docker Hub repository: two spellings, two
/// different images, which is why allow lists compare parsed hosts.
#[test]
fn uppercase_bare_first_component_is_a_registry_host() {
    let upper = ImageRef::parse("SS/3").expect("parses");
    assert_eq!(upper.host, "ss");
    assert_eq!(upper.repository, "3");
    let lower = ImageRef::parse("ss/3").expect("parses");
    assert_eq!(lower.host, "docker.io");
    assert_eq!(lower.repository, "ss/3");
    assert_ne!(upper, lower);
}

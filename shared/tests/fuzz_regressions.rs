//! Inputs found by the fuzz targets in `fuzz/`, kept as regression tests.

use rstest::rstest;
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

/// `parse_image`: `6:443/4` is the registry `6` on its default port; written
/// with the port folded away (`6/4`) it read back as the Docker Hub
/// repository `6/4`. A one-label host keeps `:443` in every written form —
/// the rewrite writes images this way, so a mirror `mirror:443` stayed
/// `mirror/...`, which the runtime pulls from Docker Hub.
#[rstest]
#[case("6:443/4", "6:443/4")]
#[case("SS/3", "ss:443/3")]
#[case("mirror:0443/kasmweb/desktop:1.16", "mirror:443/kasmweb/desktop:1.16")]
#[case("localhost/app", "localhost/app")]
#[case("registry.vdi.example.com:443/app", "registry.vdi.example.com/app")]
#[case("[::1]:443/app", "[::1]/app")]
fn a_written_image_reads_back_as_the_same_image(#[case] text: &str, #[case] written: &str) {
    let image = ImageRef::parse(text).expect("parses");
    assert_eq!(image.to_string(), written);
    assert_eq!(ImageRef::parse(written).expect("reparses"), image);
}

//! Container image references, parsed by the OCI distribution grammar and
//! normalized the way the container runtime resolves them.
//!
//! A registry policy is only as strict as its parser: every spelling that a
//! runtime pulls from Docker Hub must normalize to `docker.io/...`, and every
//! string the grammar rejects must be reported, never skipped.
//!
//! Grammar (distribution/reference):
//! ```text
//! reference  := name [ ":" tag ] [ "@" digest ]
//! name       := [domain "/"] path-component ["/" path-component]*
//! domain     := host [":" port]      host := dns-name | IPv4 | "[" IPv6 "]"
//! path-comp  := [a-z0-9]+ (([._]|__|-+) [a-z0-9]+)*
//! tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
//! digest     := algorithm ":" hex     (sha256, sha384, sha512)
//! ```
//!
//! Normalization goes one step past the grammar, to the registry the runtime
//! actually talks to: the runtime reaches `host` at `https://host/v2/`, so
//! `host:443` is the same registry and parses to the same [`ImageRef`]
//! (port `None`); `index.docker.io` and `docker.io` are Docker Hub, with or
//! without `:443`, and a one-component Docker Hub path gains `library/`.
//! Two spellings that reach the same repository therefore parse equal, and a
//! policy that compares parsed references compares meanings.

use std::fmt;
use std::net::Ipv6Addr;

use crate::quote::quote;

/// The registry Docker Hub images normalize to.
pub const DOCKER_HUB: &str = "docker.io";

/// Hosts that serve Docker Hub content under another name. `index.docker.io`
/// is folded into `docker.io` by normalization; these are kept distinct (the
/// runtime talks to them as written) but are the same registry for a reject
/// list.
pub const DOCKER_HUB_ALIASES: &[&str] = &["registry-1.docker.io", "registry.hub.docker.com"];

/// The port a registry is reached on when none is written (HTTPS). It is
/// folded away: `host:443` parses as `host`.
pub const DEFAULT_PORT: u16 = 443;

/// True for `docker.io` and the alias hosts of [`DOCKER_HUB_ALIASES`], on
/// any port: the hosts a reject list treats as Docker Hub.
pub fn is_docker_hub_host(host: &str) -> bool {
    host == DOCKER_HUB || DOCKER_HUB_ALIASES.contains(&host)
}

/// The repository path as Docker Hub names it: a one-component path is an
/// official image under `library/` (`nginx` is `library/nginx`).
pub fn docker_hub_repository(path: &str) -> String {
    if path.contains('/') {
        path.to_string()
    } else {
        format!("library/{path}")
    }
}

/// A registry's identity: lowercase host (IPv6 canonical and bracketed), the
/// port with the default [`DEFAULT_PORT`] folded away, `index.docker.io`
/// folded into `docker.io`. Equal values are the same registry to the
/// runtime, whatever the spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    pub host: String,
    pub port: Option<u16>,
}

impl Registry {
    /// Parses `host[:port]` as the domain part of an image reference.
    pub fn parse(domain: &str) -> Result<Registry, ImageError> {
        let (host, port) = parse_domain(domain)?;
        Ok(Registry {
            host: fold_hub_alias(host, port),
            port,
        })
    }

    /// Like [`Registry::parse`] but without folding `index.docker.io`: for a
    /// domain that is only a suffix of hosts (the `corp.example` of a
    /// `*.corp.example` pattern), where folding would change which hosts
    /// end with it.
    pub fn parse_suffix(domain: &str) -> Result<Registry, ImageError> {
        let (host, port) = parse_domain(domain)?;
        Ok(Registry { host, port })
    }
}

impl fmt::Display for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&registry_string(&self.host, self.port))
    }
}

const MAX_NAME_LEN: usize = 255;
const MAX_TAG_LEN: usize = 128;

/// A parsed, normalized image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Lowercase host; IPv6 hosts are canonical and bracketed.
    pub host: String,
    pub port: Option<u16>,
    /// Repository path below the registry, e.g. `library/nginx`.
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

/// Why a reference does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageError(String);

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(message: impl Into<String>) -> Result<T, ImageError> {
    Err(ImageError(message.into()))
}

impl ImageRef {
    /// Parses and normalizes `reference`.
    pub fn parse(reference: &str) -> Result<ImageRef, ImageError> {
        if reference.is_empty() {
            return err("the image reference is empty");
        }
        if let Some(c) = reference
            .chars()
            .find(|c| c.is_whitespace() || c.is_control())
        {
            return err(format!("the image reference contains the character {c:?}"));
        }
        let (rest, digest) = match reference.split_once('@') {
            Some((rest, digest)) => (rest, Some(parse_digest(digest)?)),
            None => (reference, None),
        };
        let (name, tag) = split_tag(rest)?;
        let (host, port, repository) = split_name(name)?;
        let full_len = registry_string(&host, port).len() + 1 + repository.len();
        if full_len > MAX_NAME_LEN {
            return err(format!(
                "the repository name is {full_len} characters long; the limit is {MAX_NAME_LEN}"
            ));
        }
        Ok(ImageRef {
            host,
            port,
            repository,
            tag,
            digest,
        })
    }

    /// `host[:port]` as normalized.
    pub fn registry(&self) -> String {
        registry_string(&self.host, self.port)
    }

    /// `registry/repository`, the name patterns match against.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry(), self.repository)
    }

    /// True for `docker.io` and for the hosts that serve Docker Hub under
    /// another name.
    pub fn is_docker_hub(&self) -> bool {
        self.port.is_none()
            && (self.host == DOCKER_HUB || DOCKER_HUB_ALIASES.contains(&self.host.as_str()))
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name())?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// The registry as an image names it. A host the runtime would not take
/// for a registry on its own (one lowercase label, not `localhost`: the
/// `6` of `6:443/app`, the `ss` of `SS/app`) keeps the default port that
/// marks it as one; written bare, `6/app` is the Docker Hub repository
/// `6/app`, and a rewritten image would be pulled from there.
fn registry_string(host: &str, port: Option<u16>) -> String {
    match port {
        Some(port) => format!("{host}:{port}"),
        None if !is_domain(host) => format!("{host}:{DEFAULT_PORT}"),
        None => host.to_string(),
    }
}

fn parse_digest(digest: &str) -> Result<String, ImageError> {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return err(format!(
            "the digest {} has no algorithm (expected sha256:<hex>)",
            quote(digest)
        ));
    };
    let expected = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => {
            return err(format!(
                "the digest algorithm {} is not sha256, sha384 or sha512",
                quote(algorithm)
            ));
        }
    };
    if hex.len() != expected
        || !hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return err(format!(
            "the {algorithm} digest must be {expected} lowercase hexadecimal characters"
        ));
    }
    Ok(digest.to_string())
}

/// Splits `name[:tag]`; the tag separator is a `:` after the last `/`.
fn split_tag(rest: &str) -> Result<(&str, Option<String>), ImageError> {
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[last_slash..].rfind(':') {
        None => Ok((rest, None)),
        Some(i) => {
            let at = last_slash + i;
            let tag = &rest[at + 1..];
            if !valid_tag(tag) {
                return err(format!(
                    "the tag {} is invalid (1-{MAX_TAG_LEN} of A-Z a-z 0-9 _ . -, not starting with . or -)",
                    quote(tag)
                ));
            }
            Ok((&rest[..at], Some(tag.to_string())))
        }
    }
}

/// True for a syntactically valid tag (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`).
pub fn valid_tag(tag: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = tag.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_TAG_LEN
        && word(bytes[0])
        && bytes[1..]
            .iter()
            .all(|&b| word(b) || b == b'.' || b == b'-')
}

/// Splits a name into registry and repository, applying Docker Hub defaults.
fn split_name(name: &str) -> Result<(String, Option<u16>, String), ImageError> {
    if name.is_empty() {
        return err("the image reference has no repository name");
    }
    let (host, port, path) = match name.split_once('/') {
        Some((first, path)) if is_domain(first) => {
            let (host, port) = parse_domain(first)?;
            (host, port, path)
        }
        _ => (DOCKER_HUB.to_string(), None, name),
    };
    let host = fold_hub_alias(host, port);
    validate_path(path)?;
    let repository = if host == DOCKER_HUB && port.is_none() && !path.contains('/') {
        format!("library/{path}")
    } else {
        path.to_string()
    };
    Ok((host, port, repository))
}

/// `index.docker.io` is `docker.io` (distribution/reference's own folding);
/// on a port other than the default it is just a host.
fn fold_hub_alias(host: String, port: Option<u16>) -> String {
    if host == "index.docker.io" && port.is_none() {
        DOCKER_HUB.to_string()
    } else {
        host
    }
}

/// The runtime's rule for "is the first component a registry": it has a dot
/// or a colon, is `localhost`, or has uppercase letters (which a repository
/// path may not have).
fn is_domain(first: &str) -> bool {
    first.contains(['.', ':'])
        || first == "localhost"
        || first.bytes().any(|b| b.is_ascii_uppercase())
}

fn parse_domain(domain: &str) -> Result<(String, Option<u16>), ImageError> {
    let (host, port) = if let Some(inner) = domain.strip_prefix('[') {
        let Some((addr, after)) = inner.split_once(']') else {
            return err(format!(
                "the registry {} opens an IPv6 bracket but never closes it",
                quote(domain)
            ));
        };
        let addr: Ipv6Addr = addr.parse().map_err(|_| {
            ImageError(format!(
                "the registry {} is not a valid IPv6 address",
                quote(domain)
            ))
        })?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or_else(|| {
                ImageError(format!(
                    "the registry {} has text after its IPv6 address",
                    quote(domain)
                ))
            })?),
        };
        (format!("[{addr}]"), port)
    } else {
        let (host, port) = match domain.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (domain, None),
        };
        if !valid_dns_name(host) {
            return err(format!(
                "the registry host {} is not a valid host name",
                quote(host)
            ));
        }
        (host.to_ascii_lowercase(), port)
    };
    let port = match port {
        None => None,
        Some(p) => Some(parse_port(p).ok_or_else(|| {
            ImageError(format!(
                "the registry port {} is not a number from 1 to 65535",
                quote(p)
            ))
        })?),
    };
    Ok((host, port.filter(|&p| p != DEFAULT_PORT)))
}

fn parse_port(p: &str) -> Option<u16> {
    if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    p.parse::<u16>().ok().filter(|&n| n > 0)
}

fn valid_dns_name(host: &str) -> bool {
    !host.is_empty()
        && host.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-')
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
        })
}

fn validate_path(path: &str) -> Result<(), ImageError> {
    for component in path.split('/') {
        if component.bytes().any(|b| b.is_ascii_uppercase()) {
            return err(format!(
                "the repository {} has uppercase letters; repository names must be lowercase",
                quote(path)
            ));
        }
        if !valid_path_component(component) {
            return err(format!(
                "the repository path component {} is invalid (lowercase letters and digits, separated by ., _, __ or dashes)",
                quote(component)
            ));
        }
    }
    Ok(())
}

fn valid_path_component(component: &str) -> bool {
    let b = component.as_bytes();
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &b[start..i];
        let ok = sep == b"." || sep == b"_" || sep == b"__" || sep.iter().all(|&c| c == b'-');
        if !ok {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    const SHA: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[rstest]
    #[case("nginx", "docker.io/library/nginx")]
    #[case("nginx:1.25", "docker.io/library/nginx:1.25")]
    #[case("kasmweb/desktop:1.14.0", "docker.io/kasmweb/desktop:1.14.0")]
    #[case("docker.io/nginx", "docker.io/library/nginx")]
    #[case("index.docker.io/nginx", "docker.io/library/nginx")]
    #[case("INDEX.DOCKER.IO/library/nginx", "docker.io/library/nginx")]
    #[case("Docker.IO/kasmweb/desktop", "docker.io/kasmweb/desktop")]
    #[case(
        "registry-1.docker.io/library/nginx",
        "registry-1.docker.io/library/nginx"
    )]
    #[case("registry-1.docker.io/nginx", "registry-1.docker.io/nginx")]
    #[case("ghcr.io/org/app:v1", "ghcr.io/org/app:v1")]
    #[case("localhost/app", "localhost/app")]
    #[case("localhost:5000/app:dev", "localhost:5000/app:dev")]
    #[case("[::1]:5000/x:1", "[::1]:5000/x:1")]
    #[case("[0:0::1]/x", "[::1]/x")]
    #[case("10.0.0.1:5000/a/b/c", "10.0.0.1:5000/a/b/c")]
    #[case("registry:5000", "docker.io/library/registry:5000")]
    #[case("a__b-c---d/f_g.h", "docker.io/a__b-c---d/f_g.h")]
    #[case("docker.io.evil.com/x", "docker.io.evil.com/x")]
    #[case("ghcr.io:443/org/app:v1", "ghcr.io/org/app:v1")]
    #[case("GHCR.IO:443/org/app", "ghcr.io/org/app")]
    #[case("docker.io:443/nginx", "docker.io/library/nginx")]
    #[case("index.docker.io:443/nginx", "docker.io/library/nginx")]
    #[case("INDEX.docker.IO:443/kasmweb/desktop", "docker.io/kasmweb/desktop")]
    #[case("index.docker.io:5000/nginx", "index.docker.io:5000/nginx")]
    #[case("registry-1.docker.io:443/nginx", "registry-1.docker.io/nginx")]
    #[case("[::1]:443/x", "[::1]/x")]
    #[case("[0:0::1]:0443/x", "[::1]/x")]
    fn normalizes(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(ImageRef::parse(input).unwrap().to_string(), expected);
    }

    #[test]
    fn tag_and_digest_together() {
        let r = ImageRef::parse(&format!("ghcr.io/org/app:v1@{SHA}")).unwrap();
        assert_eq!(r.tag.as_deref(), Some("v1"));
        assert_eq!(r.digest.as_deref(), Some(SHA));
        assert_eq!(r.name(), "ghcr.io/org/app");
        assert_eq!(r.registry(), "ghcr.io");
    }

    #[rstest]
    #[case("", "empty")]
    #[case("Nginx", "uppercase")]
    #[case("docker.io/KasmWeb/desktop", "uppercase")]
    #[case("nginx:", "tag")]
    #[case("nginx:-x", "tag")]
    #[case("nginx@", "digest")]
    #[case("nginx@sha256:abc", "64 lowercase")]
    #[case("nginx@md5:0123", "algorithm")]
    #[case(":latest", "no repository")]
    #[case("https://ghcr.io/x", "port")]
    #[case("ghcr.io//x", "invalid")]
    #[case("ghcr.io/x/", "invalid")]
    #[case("ghcr.io/x..y", "invalid")]
    #[case("ghcr.io/-x", "invalid")]
    #[case("ghcr.io:0/x", "port")]
    #[case("ghcr.io:99999/x", "port")]
    #[case("ghcr.io:/x", "port")]
    #[case("[::1/x", "bracket")]
    #[case("[zz::1]/x", "IPv6")]
    #[case("[::1]x/y", "after its IPv6")]
    #[case("-bad.io/x", "host name")]
    #[case("nginx latest", "character")]
    #[case("nginx\n", "character")]
    fn rejects(#[case] input: &str, #[case] fragment: &str) {
        let e = ImageRef::parse(input).expect_err(input);
        assert!(e.to_string().contains(fragment), "{input}: {e}");
    }

    #[test]
    fn name_length_limit() {
        let long = format!("ghcr.io/{}", "a".repeat(250));
        assert!(
            ImageRef::parse(&long)
                .unwrap_err()
                .to_string()
                .contains("limit")
        );
    }

    #[rstest]
    #[case("nginx", true)]
    #[case("index.docker.io/x/y", true)]
    #[case("registry-1.docker.io/library/nginx", true)]
    #[case("registry.hub.docker.com/library/nginx", true)]
    #[case("docker.io.evil.com/x", false)]
    #[case("docker.io:5000/x", false)]
    #[case("docker.io:443/x", true)]
    #[case("registry-1.docker.io:443/x", true)]
    fn docker_hub_identity(#[case] input: &str, #[case] hub: bool) {
        assert_eq!(ImageRef::parse(input).unwrap().is_docker_hub(), hub);
    }

    #[rstest]
    #[case("ghcr.io", "ghcr.io", None)]
    #[case("GHCR.io:443", "ghcr.io", None)]
    #[case("ghcr.io:5000", "ghcr.io", Some(5000))]
    #[case("index.docker.io", "docker.io", None)]
    #[case("Index.Docker.IO:443", "docker.io", None)]
    #[case("index.docker.io:5000", "index.docker.io", Some(5000))]
    #[case("registry-1.docker.io", "registry-1.docker.io", None)]
    #[case("[0:0::1]:443", "[::1]", None)]
    fn registry_identity(#[case] text: &str, #[case] host: &str, #[case] port: Option<u16>) {
        let r = Registry::parse(text).unwrap();
        assert_eq!((r.host.as_str(), r.port), (host, port), "{text}");
    }

    #[test]
    fn suffixes_are_not_folded() {
        let r = Registry::parse_suffix("index.docker.io:443").unwrap();
        assert_eq!((r.host.as_str(), r.port), ("index.docker.io", None));
    }

    #[rstest]
    #[case("nginx", "library/nginx")]
    #[case("library/nginx", "library/nginx")]
    #[case("kasmweb/desktop", "kasmweb/desktop")]
    fn hub_repositories(#[case] path: &str, #[case] expected: &str) {
        assert_eq!(docker_hub_repository(path), expected);
    }

    #[test]
    fn long_values_are_quoted_short_in_errors() {
        let e = ImageRef::parse(&format!("{}.io/x", "-".repeat(100_000))).unwrap_err();
        assert!(e.to_string().len() < 300, "{e}");
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = ImageRef::parse(&s);
        }

        #[test]
        fn never_panics_on_reference_like_text(s in "[A-Za-z0-9:/@._\\-\\[\\]]{0,80}") {
            let _ = ImageRef::parse(&s);
        }

        #[test]
        fn normalization_is_idempotent(
            host in prop::option::of("(localhost|[a-z]{1,8}(\\.[a-z]{2,5}){1,2}|\\[::[0-9]\\])(:[1-9][0-9]{0,3})?"),
            path in "[a-z0-9]{1,6}(/[a-z0-9]{1,6}([._-][a-z0-9]{1,6}){0,2}){0,2}",
            tag in prop::option::of("[A-Za-z0-9_][A-Za-z0-9_.-]{0,10}"),
        ) {
            let mut s = match host { Some(h) => format!("{h}/{path}"), None => path };
            if let Some(t) = tag { s = format!("{s}:{t}"); }
            let once = ImageRef::parse(&s).unwrap();
            let twice = ImageRef::parse(&once.to_string()).unwrap();
            prop_assert_eq!(&once, &twice);
            prop_assert_eq!(once.to_string(), twice.to_string());
        }

        /// Case of the host, the default port and the Docker Hub aliases
        /// never change the parsed reference.
        #[test]
        fn registry_spellings_parse_equal(
            host in "(ghcr\\.io|registry\\.vdi\\.example\\.com|docker\\.io|index\\.docker\\.io|registry-1\\.docker\\.io)",
            upper in prop::collection::vec(any::<bool>(), 32),
            path in "[a-z0-9]{1,6}(/[a-z0-9]{1,6}){0,2}",
            default_port in any::<bool>(),
        ) {
            let plain = ImageRef::parse(&format!("{host}/{path}")).unwrap();
            let cased: String = host
                .chars()
                .zip(upper.iter().cycle())
                .map(|(c, &u)| if u { c.to_ascii_uppercase() } else { c })
                .collect();
            let port = if default_port { ":443" } else { "" };
            let respelled = ImageRef::parse(&format!("{cased}{port}/{path}")).unwrap();
            prop_assert_eq!(&plain, &respelled);
            if host == "docker.io" || host == "index.docker.io" {
                let hub = ImageRef::parse(&format!("docker.io/{}", docker_hub_repository(&path))).unwrap();
                prop_assert_eq!(&plain, &hub);
            }
        }
    }
}

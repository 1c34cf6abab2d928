//! Registry and repository patterns, compiled from settings.
//!
//! Patterns are normalized with the same parser as images, so `kasmweb/*`
//! and `docker.io/kasmweb/*` mean the same thing, and matching is anchored
//! at label and path boundaries: `docker.io` never matches
//! `docker.io.evil.com`.

use shared::image::{DOCKER_HUB, ImageRef};

/// Whether a pattern list grants trust or takes it away. Allow lists match
/// narrowly and reject lists broadly, so each ambiguity fails closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Allow,
    Reject,
}

/// `host`, `host:port` or `*.domain[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryPattern {
    text: String,
    /// Lowercase host, or the domain below `*.` for a wildcard.
    host: String,
    wildcard: bool,
    port: Option<u16>,
}

impl RegistryPattern {
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = |why: &str| Err(format!("registry pattern {text:?} {why}"));
        if text.contains("://") {
            return bad("has a scheme; write the host only, e.g. ghcr.io");
        }
        if text.contains('/') {
            return bad("has a path; registry patterns are hosts (use images.* for repositories)");
        }
        let (wildcard, rest) = match text.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if rest.contains('*') {
            return bad("has a wildcard that is not a leading `*.`");
        }
        let parsed = ImageRef::parse(&format!("{rest}/x"))
            .map_err(|e| format!("registry pattern {text:?} is not a valid registry: {e}"))?;
        let names_hub =
            rest.eq_ignore_ascii_case(DOCKER_HUB) || rest.eq_ignore_ascii_case("index.docker.io");
        if parsed.host == DOCKER_HUB && parsed.port.is_none() && !names_hub {
            return bad(
                "is not a registry host an image can name (a single label needs a port, or write a domain)",
            );
        }
        if wildcard && parsed.host.starts_with('[') {
            return bad("puts a wildcard in front of an IP address");
        }
        Ok(RegistryPattern {
            text: text.to_string(),
            host: parsed.host,
            wildcard,
            port: parsed.port,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn matches(&self, image: &ImageRef, mode: Mode) -> bool {
        if mode == Mode::Reject
            && !self.wildcard
            && self.port.is_none()
            && self.host == DOCKER_HUB
            && image.is_docker_hub()
        {
            return true;
        }
        let host_ok = if self.wildcard {
            image
                .host
                .strip_suffix(self.host.as_str())
                .is_some_and(|head| head.len() > 1 && head.ends_with('.'))
        } else {
            image.host == self.host
        };
        let port_ok = match (self.port, mode) {
            (Some(p), _) => image.port == Some(p),
            (None, Mode::Allow) => matches!(image.port, None | Some(443)),
            (None, Mode::Reject) => true,
        };
        host_ok && port_ok
    }
}

/// A repository: exact (`ghcr.io/org/app`), a subtree (`docker.io/kasmweb/*`)
/// or a prefix (`ghcr.io/org/app*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImagePattern {
    text: String,
    /// Normalized `registry/repository`, or its prefix for wildcards.
    name: String,
    prefix: bool,
}

impl ImagePattern {
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = |why: String| Err(format!("image pattern {text:?} {why}"));
        let (body, subtree, prefix) = if let Some(body) = text.strip_suffix("/*") {
            (body, true, true)
        } else if let Some(body) = text.strip_suffix('*') {
            (body, false, true)
        } else {
            (text, false, false)
        };
        if body.contains('*') {
            return bad("has a wildcard that is not a trailing `/*` or `*`".into());
        }
        if subtree && is_registry_only(body) {
            return bad(
                "covers a whole registry; list the registry in registries.* instead".into(),
            );
        }
        // Parse with a placeholder leaf so `kasmweb/*` normalizes as
        // `docker.io/kasmweb/...`, not as the single name `kasmweb`.
        let probe = if subtree {
            format!("{body}/x")
        } else {
            body.to_string()
        };
        let parsed = match ImageRef::parse(&probe) {
            Ok(p) => p,
            Err(e) => return bad(format!("is not a valid repository: {e}")),
        };
        if parsed.tag.is_some() || parsed.digest.is_some() {
            return bad(
                "has a tag or digest; image patterns name repositories (use tags.reject for tags)"
                    .into(),
            );
        }
        let name = parsed.name();
        let name = if subtree {
            format!("{}/", name.strip_suffix("/x").unwrap_or(&name))
        } else {
            name
        };
        Ok(ImagePattern {
            text: text.to_string(),
            name,
            prefix,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn matches(&self, image: &ImageRef, mode: Mode) -> bool {
        let hit = |name: &str| {
            if self.prefix {
                name.starts_with(&self.name)
            } else {
                name == self.name
            }
        };
        hit(&image.name()) || (mode == Mode::Reject && hub_name(image).is_some_and(|n| hit(&n)))
    }
}

/// The `docker.io` name of an image pulled through a Docker Hub alias host,
/// so a reject pattern on Docker Hub also catches `registry-1.docker.io`.
fn hub_name(image: &ImageRef) -> Option<String> {
    if !image.is_docker_hub() || image.host == DOCKER_HUB {
        return None;
    }
    Some(if image.repository.contains('/') {
        format!("{DOCKER_HUB}/{}", image.repository)
    } else {
        format!("{DOCKER_HUB}/library/{}", image.repository)
    })
}

/// `ghcr.io`, `localhost:5000`, `[::1]:5000`: text that is only a registry.
fn is_registry_only(body: &str) -> bool {
    !body.contains('/') && (body.contains(['.', ':']) || body == "localhost")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn img(s: &str) -> ImageRef {
        ImageRef::parse(s).unwrap()
    }

    #[rstest]
    #[case("docker.io", "nginx", Mode::Allow, true)]
    #[case("docker.io", "docker.io.evil.com/x", Mode::Allow, false)]
    #[case("docker.io", "registry-1.docker.io/library/nginx", Mode::Allow, false)]
    #[case("docker.io", "registry-1.docker.io/library/nginx", Mode::Reject, true)]
    #[case("docker.io", "INDEX.DOCKER.IO/library/nginx", Mode::Reject, true)]
    #[case("DOCKER.IO", "nginx", Mode::Allow, true)]
    #[case("ghcr.io", "ghcr.io:443/org/app", Mode::Allow, true)]
    #[case("ghcr.io", "ghcr.io:5000/org/app", Mode::Allow, false)]
    #[case("ghcr.io", "ghcr.io:5000/org/app", Mode::Reject, true)]
    #[case("ghcr.io:5000", "ghcr.io/org/app", Mode::Allow, false)]
    #[case("ghcr.io:5000", "ghcr.io:5000/org/app", Mode::Allow, true)]
    #[case("*.corp.example", "registry.corp.example/a", Mode::Allow, true)]
    #[case("*.corp.example", "a.b.corp.example/a", Mode::Allow, true)]
    #[case("*.corp.example", "corp.example/a", Mode::Allow, false)]
    #[case("*.corp.example", "evilcorp.example/a", Mode::Allow, false)]
    #[case(
        "*.corp.example",
        "registry.corp.example.evil.io/a",
        Mode::Allow,
        false
    )]
    #[case("[::1]:5000", "[0::1]:5000/x:1", Mode::Allow, true)]
    #[case("localhost:5000", "[::1]:5000/x:1", Mode::Allow, false)]
    #[case("localhost", "localhost/x", Mode::Allow, true)]
    fn registry_matching(
        #[case] pattern: &str,
        #[case] image: &str,
        #[case] mode: Mode,
        #[case] hit: bool,
    ) {
        assert_eq!(
            RegistryPattern::parse(pattern)
                .unwrap()
                .matches(&img(image), mode),
            hit
        );
    }

    #[rstest]
    #[case("https://ghcr.io", "scheme")]
    #[case("ghcr.io/org", "path")]
    #[case("ghcr.*.io", "wildcard")]
    #[case("*ghcr.io", "wildcard")]
    #[case("*.[::1]", "wildcard in front of an IP")]
    #[case("myregistry", "single label")]
    #[case("", "not a valid registry")]
    #[case("bad_host.io", "not a valid registry")]
    #[case("ghcr.io:99999", "port")]
    fn bad_registry_patterns(#[case] pattern: &str, #[case] fragment: &str) {
        let e = RegistryPattern::parse(pattern).unwrap_err();
        assert!(e.contains(fragment), "{pattern}: {e}");
    }

    #[rstest]
    #[case("docker.io/kasmweb/*", "kasmweb/desktop:1.14.0", Mode::Allow, true)]
    #[case("kasmweb/*", "docker.io/kasmweb/desktop:1.14.0", Mode::Allow, true)]
    #[case("kasmweb/*", "docker.io/kasmweb/a/b", Mode::Allow, true)]
    #[case("kasmweb/*", "docker.io/kasmwebevil/desktop", Mode::Allow, false)]
    #[case("kasmweb/*", "ghcr.io/kasmweb/desktop", Mode::Allow, false)]
    #[case(
        "kasmweb/*",
        "registry-1.docker.io/kasmweb/desktop",
        Mode::Allow,
        false
    )]
    #[case(
        "kasmweb/*",
        "registry-1.docker.io/kasmweb/desktop",
        Mode::Reject,
        true
    )]
    #[case("nginx", "docker.io/library/nginx:1.25", Mode::Allow, true)]
    #[case("nginx", "registry-1.docker.io/nginx", Mode::Reject, true)]
    #[case("nginx", "nginx-evil", Mode::Allow, false)]
    #[case("ghcr.io/org/app*", "ghcr.io/org/app-debug", Mode::Allow, true)]
    #[case("ghcr.io/org/app", "ghcr.io/org/app/sub", Mode::Allow, false)]
    #[case("GHCR.IO/org/app", "ghcr.io/org/app", Mode::Allow, true)]
    fn image_matching(
        #[case] pattern: &str,
        #[case] image: &str,
        #[case] mode: Mode,
        #[case] hit: bool,
    ) {
        assert_eq!(
            ImagePattern::parse(pattern)
                .unwrap()
                .matches(&img(image), mode),
            hit
        );
    }

    #[rstest]
    #[case("docker.io/*", "whole registry")]
    #[case("ghcr.io/*/app", "wildcard")]
    #[case("nginx:latest", "tag or digest")]
    #[case(
        "ghcr.io/org/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "tag or digest"
    )]
    #[case("ghcr.io/org/app@sha256:00", "not a valid repository")]
    #[case("ghcr.io/Org/app", "uppercase")]
    #[case("", "not a valid repository")]
    fn bad_image_patterns(#[case] pattern: &str, #[case] fragment: &str) {
        let e = ImagePattern::parse(pattern).unwrap_err();
        assert!(e.contains(fragment), "{pattern}: {e}");
    }
}

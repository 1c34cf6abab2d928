//! Registry and repository patterns, compiled from settings.
//!
//! Patterns are normalized with the same parser as images, so `kasmweb/*`
//! and `docker.io/kasmweb/*` mean the same thing, `GHCR.IO:443` is
//! `ghcr.io`, and matching is anchored at label and path boundaries:
//! `docker.io` never matches `docker.io.evil.com`.
//!
//! Every comparison is between canonical identities (`shared::image`): host
//! case, the default port 443, `index.docker.io` and IPv6 spellings are gone
//! before anything is matched. What is left to decide is how broad a list
//! is, and that depends on its side (see [`Mode`]).

use shared::image::{DOCKER_HUB, ImageRef, Registry, docker_hub_repository, is_docker_hub_host};

/// Whether a pattern list grants trust or takes it away. Allow lists match
/// narrowly and reject lists broadly, so each ambiguity fails closed:
///
/// | | allow | reject |
/// |---|---|---|
/// | pattern without a port | only the default port | any port |
/// | Docker Hub's names (`docker.io`, `registry-1.docker.io`, `registry.hub.docker.com`) | each its own registry | one registry |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Allow,
    Reject,
}

/// `host`, `host:port` or `*.domain[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryPattern {
    text: String,
    /// The canonical registry, or for a wildcard the domain below `*.`.
    registry: Registry,
    wildcard: bool,
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
        if !names_a_registry(rest) {
            return bad(
                "is not a registry host an image can name (a single label needs a port, or write a domain)",
            );
        }
        let parsed = if wildcard {
            Registry::parse_suffix(rest)
        } else {
            Registry::parse(rest)
        };
        let registry = parsed
            .map_err(|e| format!("registry pattern {text:?} is not a valid registry: {e}"))?;
        if wildcard && registry.host.starts_with('[') {
            return bad("puts a wildcard in front of an IP address");
        }
        Ok(RegistryPattern {
            text: text.to_string(),
            registry,
            wildcard,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    fn host_matches(&self, host: &str) -> bool {
        if self.wildcard {
            host.strip_suffix(self.registry.host.as_str())
                .is_some_and(|head| head.len() > 1 && head.ends_with('.'))
        } else {
            host == self.registry.host
        }
    }

    pub fn matches(&self, image: &ImageRef, mode: Mode) -> bool {
        match mode {
            Mode::Allow => self.host_matches(&image.host) && self.registry.port == image.port,
            Mode::Reject => {
                port_covers(self.registry.port, image.port)
                    && reject_hosts(&image.host).any(|host| self.host_matches(host))
            }
        }
    }
}

/// True for text an image reference can name as its registry: a host with
/// a dot, a port or brackets, or `localhost`. A single label such as
/// `myregistry` only names a registry when written in uppercase
/// (`MYREGISTRY/app`), so its lowercase twin would be Docker Hub; such a
/// pattern is refused whatever its case, with or without `*.`.
fn names_a_registry(text: &str) -> bool {
    text.contains(['.', ':', '[']) || text.eq_ignore_ascii_case("localhost")
}

/// A reject pattern without a port covers every port of its host; with a
/// port, that port (both canonical: `:443` is no port).
fn port_covers(pattern: Option<u16>, image: Option<u16>) -> bool {
    pattern.is_none() || pattern == image
}

/// The hosts a reject list sees an image under: its own, and for any of
/// Docker Hub's names every other name of Docker Hub.
fn reject_hosts(host: &str) -> impl Iterator<Item = &str> {
    let hub = is_docker_hub_host(host);
    std::iter::once(host).chain(
        std::iter::once(DOCKER_HUB)
            .chain(shared::image::DOCKER_HUB_ALIASES.iter().copied())
            .filter(move |h| hub && *h != host),
    )
}

/// A repository: exact (`ghcr.io/org/app`), a subtree (`docker.io/kasmweb/*`)
/// or a prefix (`ghcr.io/org/app*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImagePattern {
    text: String,
    registry: Registry,
    /// The canonical repository path, or its prefix for wildcards (ending
    /// in `/` for a subtree).
    repository: String,
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
        let repository = if subtree {
            let dir = parsed
                .repository
                .strip_suffix("/x")
                .unwrap_or(&parsed.repository);
            format!("{dir}/")
        } else {
            parsed.repository
        };
        Ok(ImagePattern {
            text: text.to_string(),
            registry: Registry {
                host: parsed.host,
                port: parsed.port,
            },
            repository,
            prefix,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    fn repository_matches(&self, pattern: &str, repository: &str) -> bool {
        if self.prefix {
            repository.starts_with(pattern)
        } else {
            repository == pattern
        }
    }

    pub fn matches(&self, image: &ImageRef, mode: Mode) -> bool {
        match mode {
            Mode::Allow => {
                self.registry.host == image.host
                    && self.registry.port == image.port
                    && self.repository_matches(&self.repository, &image.repository)
            }
            Mode::Reject => {
                if !port_covers(self.registry.port, image.port) {
                    return false;
                }
                if self.registry.host == image.host
                    && self.repository_matches(&self.repository, &image.repository)
                {
                    return true;
                }
                // Docker Hub under any of its names: compare Docker Hub's
                // own repository names, `library/` included.
                is_docker_hub_host(&self.registry.host)
                    && is_docker_hub_host(&image.host)
                    && self.hub_repositories().iter().any(|pattern| {
                        self.repository_matches(pattern, &docker_hub_repository(&image.repository))
                    })
            }
        }
    }

    /// The pattern's repository as Docker Hub names it. A prefix of an
    /// official image (`docker.io/ng*`, `registry-1.docker.io/ng*`) may
    /// also be the start of a namespace (`ngx/tools`): both.
    fn hub_repositories(&self) -> Vec<String> {
        let hub = docker_hub_repository(&self.repository);
        match hub.strip_prefix("library/") {
            Some(bare) if self.prefix && !bare.is_empty() && !bare.contains('/') => {
                let bare = bare.to_string();
                vec![hub, bare]
            }
            _ => vec![hub],
        }
    }
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
    #[case("ghcr.io:443", "ghcr.io/org/app", Mode::Allow, true)]
    #[case("ghcr.io:443", "ghcr.io/org/app", Mode::Reject, true)]
    #[case("GHCR.IO", "ghcr.io:443/org/app", Mode::Reject, true)]
    #[case("docker.io", "docker.io:443/nginx", Mode::Allow, true)]
    #[case("index.docker.io:443", "nginx", Mode::Allow, true)]
    #[case(
        "docker.io",
        "registry-1.docker.io:443/library/nginx",
        Mode::Reject,
        true
    )]
    #[case(
        "docker.io",
        "registry-1.docker.io:443/library/nginx",
        Mode::Allow,
        false
    )]
    #[case("registry-1.docker.io", "nginx", Mode::Reject, true)]
    #[case("registry-1.docker.io", "nginx", Mode::Allow, false)]
    #[case(
        "registry-1.docker.io",
        "REGISTRY-1.docker.io:443/x/y",
        Mode::Allow,
        true
    )]
    #[case("*.docker.io", "nginx", Mode::Reject, true)]
    #[case("*.docker.io", "nginx", Mode::Allow, false)]
    #[case("docker.io", "docker.io:5000/x", Mode::Reject, true)]
    #[case("docker.io:5000", "docker.io/x", Mode::Reject, false)]
    #[case("[::1]", "[0::1]:443/x", Mode::Allow, true)]
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
    #[case("", "not a registry host")]
    #[case("MYREGISTRY", "single label")]
    #[case("*.corp", "single label")]
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
    #[case(
        "registry.vdi.example.com/desktops/bad",
        "registry.vdi.example.com:443/desktops/bad",
        Mode::Reject,
        true
    )]
    #[case("ghcr.io/org/app", "ghcr.io:443/org/app", Mode::Allow, true)]
    #[case("ghcr.io:443/org/app", "ghcr.io/org/app", Mode::Allow, true)]
    #[case("ghcr.io:443/org/app", "ghcr.io/org/app", Mode::Reject, true)]
    #[case("ghcr.io/org/app", "ghcr.io:5000/org/app", Mode::Reject, true)]
    #[case("ghcr.io/org/app", "ghcr.io:5000/org/app", Mode::Allow, false)]
    #[case("ghcr.io:5000/org/app", "ghcr.io/org/app", Mode::Reject, false)]
    #[case(
        "docker.io/kasmweb/terminal",
        "registry-1.docker.io:443/kasmweb/terminal",
        Mode::Reject,
        true
    )]
    #[case(
        "docker.io/kasmweb/terminal",
        "index.docker.io:443/kasmweb/terminal",
        Mode::Reject,
        true
    )]
    #[case(
        "docker.io/kasmweb/terminal",
        "index.docker.io:443/kasmweb/terminal",
        Mode::Allow,
        true
    )]
    #[case(
        "docker.io/kasmweb/terminal",
        "docker.io:5000/kasmweb/terminal",
        Mode::Reject,
        true
    )]
    #[case(
        "docker.io/kasmweb/terminal",
        "docker.io:5000/kasmweb/terminal",
        Mode::Allow,
        false
    )]
    #[case("registry-1.docker.io/nginx", "nginx", Mode::Reject, true)]
    #[case(
        "registry-1.docker.io/library/nginx",
        "docker.io/nginx",
        Mode::Reject,
        true
    )]
    #[case("docker.io/library/nginx", "docker.io:443/nginx", Mode::Allow, true)]
    #[case("docker.io/ng*", "ngx/tools", Mode::Reject, true)]
    #[case("docker.io/library/ng*", "ngx/tools", Mode::Reject, true)]
    #[case("docker.io/ng*", "ngx/tools", Mode::Allow, false)]
    #[case("docker.io/ng*", "nginx:1", Mode::Allow, true)]
    #[case("docker.io/library/*", "kasmweb/desktop", Mode::Reject, false)]
    #[case(
        "docker.io/library/*",
        "registry-1.docker.io/nginx",
        Mode::Reject,
        true
    )]
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

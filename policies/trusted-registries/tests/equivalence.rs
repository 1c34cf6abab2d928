//! Equivalent spellings get equal verdicts (issue 15).
//!
//! Each case draws images and settings from small sets of *meanings* (a
//! registry, a repository, a tag) and writes each meaning twice: once in its
//! plain spelling and once in a random equivalent one — host case, the
//! default port `:443` (also as `:0443`), Docker Hub's names for Docker Hub
//! (`docker.io`, `index.docker.io`, none at all), `library/` on official
//! images, IPv6 forms — inside a request whose object keys come in another
//! order and whose absent lists may be `null`. The verdict must not change.
//! A second property checks the reject lists against the meanings directly:
//! an image whose registry or repository a reject list names is never
//! admitted, however either is spelled.

use proptest::prelude::*;
use serde_json::{Value, json};

/// A registry meaning and whether it is Docker Hub under one of the names
/// the runtime folds into `docker.io`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Host {
    Vdi,
    VdiDesktops,
    VdiMirror,
    VdiPort5000,
    Ghcr,
    Hub,
    HubRegistry1,
    HubRegistryHub,
    Ipv6,
    Evil,
}

const HOSTS: [Host; 10] = [
    Host::Vdi,
    Host::VdiDesktops,
    Host::VdiMirror,
    Host::VdiPort5000,
    Host::Ghcr,
    Host::Hub,
    Host::HubRegistry1,
    Host::HubRegistryHub,
    Host::Ipv6,
    Host::Evil,
];

const REPOSITORIES: [&str; 6] = [
    "desktops/ubuntu",
    "desktops/retired",
    "kasmweb/terminal",
    "kasmweb/desktop",
    "nginx",
    "vdi/desktop",
];

const TAGS: [&str; 4] = [
    ":1.16.0",
    ":latest",
    "",
    "@sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1",
];

/// Choices that turn a meaning into one of its spellings.
#[derive(Debug, Clone)]
struct Spelling {
    /// Uppercase the host's characters where true (cycled).
    upper: Vec<bool>,
    /// `None`, `:443` or `:0443` where no other port is part of the meaning.
    default_port: u8,
    /// Docker Hub: written `docker.io`, `index.docker.io` or left out.
    hub_name: u8,
    /// Docker Hub official image: `library/` written out.
    library: bool,
    /// IPv6 form of `::1`.
    ipv6: u8,
}

fn spelling() -> impl Strategy<Value = Spelling> {
    (
        prop::collection::vec(any::<bool>(), 1..8),
        0u8..3,
        0u8..3,
        any::<bool>(),
        0u8..4,
    )
        .prop_map(|(upper, default_port, hub_name, library, ipv6)| Spelling {
            upper,
            default_port,
            hub_name,
            library,
            ipv6,
        })
}

impl Spelling {
    /// The plain spelling: lowercase, no port, `docker.io` written, no
    /// `library/`, `[::1]`.
    fn plain() -> Spelling {
        Spelling {
            upper: vec![false],
            default_port: 0,
            hub_name: 1,
            library: false,
            ipv6: 0,
        }
    }

    fn case(&self, text: &str) -> String {
        text.chars()
            .zip(self.upper.iter().cycle())
            .map(|(c, &u)| if u { c.to_ascii_uppercase() } else { c })
            .collect()
    }

    fn port(&self) -> &'static str {
        ["", ":443", ":0443"][usize::from(self.default_port % 3)]
    }

    fn ipv6(&self) -> &'static str {
        ["[::1]", "[0:0::1]", "[0:0:0:0:0:0:0:1]", "[::0:1]"][usize::from(self.ipv6 % 4)]
    }

    /// The registry part of an image (or pattern), with its `/`, or nothing
    /// for Docker Hub left implicit; `prefix` is the rest of the reference.
    fn registry(&self, host: Host, rest: &str) -> String {
        let named = |name: &str| format!("{}{}/", self.case(name), self.port());
        match host {
            Host::Vdi => named("registry.vdi.example.com"),
            Host::VdiDesktops => named("desktops.registry.vdi.example.com"),
            Host::VdiMirror => named("mirror.registry.vdi.example.com"),
            Host::VdiPort5000 => format!("{}:5000/", self.case("registry.vdi.example.com")),
            Host::Ghcr => named("ghcr.io"),
            Host::HubRegistry1 => named("registry-1.docker.io"),
            Host::HubRegistryHub => named("registry.hub.docker.com"),
            Host::Evil => named("evil.example.net"),
            Host::Ipv6 => format!("{}{}/", self.ipv6(), self.port()),
            Host::Hub => match self.hub_name % 3 {
                // Left out only when the rest cannot be read as a host.
                0 if self.default_port == 0 && !rest.starts_with(['.', ':']) => String::new(),
                2 => named("index.docker.io"),
                _ => named("docker.io"),
            },
        }
    }

    fn image(&self, host: Host, repository: &str, tag: &str) -> String {
        let repository = if host == Host::Hub && self.library && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository.to_string()
        };
        format!("{}{repository}{tag}", self.registry(host, &repository))
    }
}

/// Registry patterns, as meanings: (host, wildcard).
const REGISTRY_PATTERNS: [(Host, bool); 8] = [
    (Host::Vdi, false),
    (Host::Vdi, true),
    (Host::VdiMirror, false),
    (Host::VdiPort5000, false),
    (Host::Hub, false),
    (Host::HubRegistry1, false),
    (Host::Ghcr, false),
    (Host::Ipv6, false),
];

fn registry_pattern(s: &Spelling, (host, wildcard): (Host, bool)) -> String {
    let mut text = s.registry(host, "x");
    if text.is_empty() {
        text = s.case("docker.io/");
    }
    text.pop();
    if wildcard { format!("*.{text}") } else { text }
}

/// Image patterns, as meanings: (host, repository pattern).
const IMAGE_PATTERNS: [(Host, &str); 7] = [
    (Host::Vdi, "desktops/retired"),
    (Host::Hub, "kasmweb/terminal"),
    (Host::Hub, "kasmweb/*"),
    (Host::Hub, "nginx"),
    (Host::Ghcr, "vdi/desktop"),
    (Host::Ghcr, "vdi/*"),
    (Host::HubRegistry1, "kasmweb/terminal"),
];

fn image_pattern(s: &Spelling, (host, repository): (Host, &str)) -> String {
    s.image(host, repository, "")
}

fn pick<T: Copy>(items: &[T], mask: &[bool]) -> Vec<T> {
    items
        .iter()
        .zip(mask.iter().cycle())
        .filter(|(_, keep)| **keep)
        .map(|(item, _)| *item)
        .collect()
}

/// One generated case: the meanings and two spellings of everything.
#[derive(Debug, Clone)]
struct Case {
    images: Vec<(Host, &'static str, &'static str, u8)>,
    allow_registries: Vec<(Host, bool)>,
    reject_registries: Vec<(Host, bool)>,
    allow_images: Vec<(Host, &'static str)>,
    reject_images: Vec<(Host, &'static str)>,
    spellings: Vec<Spelling>,
    key_order: u64,
    nulls: bool,
}

fn case() -> impl Strategy<Value = Case> {
    let image = (
        prop::sample::select(HOSTS.to_vec()),
        prop::sample::select(REPOSITORIES.to_vec()),
        prop::sample::select(TAGS.to_vec()),
        0u8..4,
    );
    (
        prop::collection::vec(image, 1..4),
        prop::collection::vec(any::<bool>(), 8),
        prop::collection::vec(any::<bool>(), 8),
        prop::collection::vec(any::<bool>(), 7),
        prop::collection::vec(any::<bool>(), 7),
        prop::collection::vec(spelling(), 32),
        any::<u64>(),
        any::<bool>(),
    )
        .prop_map(|(images, ar, rr, ai, ri, spellings, key_order, nulls)| {
            let mut allow_registries = pick(&REGISTRY_PATTERNS, &ar);
            let allow_images = pick(&IMAGE_PATTERNS, &ai);
            if allow_registries.is_empty() && allow_images.is_empty() {
                allow_registries.push((Host::Vdi, false));
            }
            Case {
                images,
                allow_registries,
                reject_registries: pick(&REGISTRY_PATTERNS, &rr),
                allow_images,
                reject_images: pick(&IMAGE_PATTERNS, &ri),
                spellings,
                key_order,
                nulls,
            }
        })
}

impl Case {
    /// The request and settings, every meaning spelled by `spell(i)`.
    fn render(&self, spell: &dyn Fn(usize) -> Spelling) -> (Value, Value) {
        let mut n = 0;
        let mut next = || {
            n += 1;
            spell(n)
        };
        let mut lists: [Vec<Value>; 4] = Default::default();
        for (i, (host, repository, tag, place)) in self.images.iter().enumerate() {
            let image = next().image(*host, repository, tag);
            let place = usize::from(*place % 4);
            let item = if place == 3 {
                json!({"name": format!("v{i}"), "image": {"reference": image, "pullPolicy": "IfNotPresent"}})
            } else {
                json!({"name": format!("c{i}"), "image": image})
            };
            if let Some(list) = lists.get_mut(place) {
                list.push(item);
            }
        }
        let mut spec = serde_json::Map::new();
        let names = [
            "containers",
            "initContainers",
            "ephemeralContainers",
            "volumes",
        ];
        for (name, list) in names.iter().zip(lists) {
            if !list.is_empty() {
                spec.insert(name.to_string(), Value::from(list));
            }
        }
        let settings = json!({
            "registries": {
                "allow": self.allow_registries.iter().map(|p| registry_pattern(&next(), *p)).collect::<Vec<_>>(),
                "reject": self.reject_registries.iter().map(|p| registry_pattern(&next(), *p)).collect::<Vec<_>>(),
            },
            "images": {
                "allow": self.allow_images.iter().map(|p| image_pattern(&next(), *p)).collect::<Vec<_>>(),
                "reject": self.reject_images.iter().map(|p| image_pattern(&next(), *p)).collect::<Vec<_>>(),
            },
        });
        (Value::Object(spec), settings)
    }

    fn payload(&self, spell: &dyn Fn(usize) -> Spelling, respell_keys: bool) -> String {
        let (mut spec, settings) = self.render(spell);
        if respell_keys && self.nulls {
            // Absent lists written as `null`: the API server decodes both
            // as no list.
            for name in [
                "containers",
                "initContainers",
                "ephemeralContainers",
                "volumes",
            ] {
                if spec.get(name).is_none() {
                    spec[name] = Value::Null;
                }
            }
        }
        let payload = json!({
            "request": {
                "uid": "equivalence",
                "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "resource": {"group": "", "version": "v1", "resource": "pods"},
                "operation": "CREATE",
                "userInfo": {"username": "oidc:alice"},
                "object": {"apiVersion": "v1", "kind": "Pod",
                           "metadata": {"name": "session", "namespace": "vdi-sessions"},
                           "spec": spec},
            },
            "settings": settings,
        });
        let order = if respell_keys { self.key_order } else { 0 };
        shared::key_order::write(&payload, order)
    }
}

fn verdict(payload: &str) -> (bool, String) {
    let raw = (trusted_registries::NATIVE.validate)(payload.as_bytes(), &shared::policy::NoCluster)
        .unwrap_or_else(|e| panic!("validate returned an error instead of a verdict: {e}"));
    let response: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    (
        response["accepted"].as_bool().unwrap_or(false),
        response["message"].as_str().unwrap_or_default().to_string(),
    )
}

/// The meanings of Docker Hub: every name the reject lists fold together.
fn is_hub(host: Host) -> bool {
    matches!(host, Host::Hub | Host::HubRegistry1 | Host::HubRegistryHub)
}

/// Does the reject list name the image's registry, by meaning?
fn registry_rejected(case: &Case, host: Host) -> bool {
    case.reject_registries.iter().any(|&(pattern, wildcard)| {
        if wildcard {
            // `*.registry.vdi.example.com`: its subdomains on any port.
            return pattern == Host::Vdi && matches!(host, Host::VdiDesktops | Host::VdiMirror);
        }
        pattern == host
            || (is_hub(pattern) && is_hub(host))
            // A pattern without a port covers every port of its host.
            || (pattern == Host::Vdi && host == Host::VdiPort5000)
    })
}

/// Does the reject list name the image's repository, by meaning?
fn repository_rejected(case: &Case, host: Host, repository: &str) -> bool {
    case.reject_images.iter().any(|&(pattern_host, pattern)| {
        let same_host = pattern_host == host
            || (is_hub(pattern_host) && is_hub(host))
            || (pattern_host == Host::Vdi && host == Host::VdiPort5000);
        let same_repository = match pattern.strip_suffix('*') {
            Some(prefix) => repository.starts_with(prefix),
            None => repository == pattern,
        };
        same_host && same_repository
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn equivalent_spellings_get_equal_verdicts(case in case()) {
        let plain = case.payload(&|_| Spelling::plain(), false);
        let respelled = case.payload(
            &|i| case.spellings.get(i % case.spellings.len()).cloned().unwrap_or_else(Spelling::plain),
            true,
        );
        let (a, message_a) = verdict(&plain);
        let (b, message_b) = verdict(&respelled);
        prop_assert_eq!(a, b, "\nplain:     {}\n  -> {}\nrespelled: {}\n  -> {}", plain, message_a, respelled, message_b);
    }

    #[test]
    fn reject_lists_hold_for_every_spelling(case in case()) {
        let respelled = case.payload(
            &|i| case.spellings.get(i % case.spellings.len()).cloned().unwrap_or_else(Spelling::plain),
            true,
        );
        let rejected = case.images.iter().any(|&(host, repository, _, _)| {
            registry_rejected(&case, host) || repository_rejected(&case, host, repository)
        });
        if rejected {
            let (accepted, _) = verdict(&respelled);
            prop_assert!(!accepted, "admitted although a reject list names it: {}", respelled);
        }
    }
}

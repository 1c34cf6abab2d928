//! Native table tests on the example settings (`settings.yaml`): the
//! `examples/` verdicts `just check` shows, the seed's routes, sessions and
//! the lookups through a fake cluster.

mod common;

use common::{Cluster, fixture, request, settings, verdict};
use rstest::rstest;
use serde_json::{Value, json};
use shared::policy::NoCluster;

fn example(name: &str) -> Value {
    common::read(&format!("examples/{name}"))
}

/// `just check` evaluates the examples as `oidc:alice` without a cluster.
#[rstest]
#[case::seed_https(
    "kasm-https-seed.yaml",
    false,
    "set spec.tls.options to a TLS 1.3 TLSOption (e.g. options: {name: tls13})"
)]
#[case::seed_redirect("kasm-http-redirect-seed.yaml", true, "")]
#[case::seed_https_fixed("kasm-https-tls13.yaml", true, "")]
#[case::tls13_option("tlsoption-kasm-tls13.yaml", true, "")]
#[case::session_alice("session-alice-route.yaml", true, "")]
#[case::session_labelled_bob(
    "session-alice-route-labelled-bob.yaml",
    false,
    "the session route of \"bob\" may match only Host(`bob.vdi.example.com`), not host \"alice.vdi.example.com\""
)]
fn examples_as_just_check_shows_them(
    #[case] file: &str,
    #[case] accepted: bool,
    #[case] fragment: &str,
) {
    let (got, message) = verdict(
        &request(&example(file), "CREATE", "oidc:alice", None),
        &settings(),
        &NoCluster,
    );
    assert_eq!(got, accepted, "{file}: {message}");
    assert!(message.contains(fragment), "{file}: {message}");
}

#[test]
fn the_labelled_bob_route_is_rejected_for_bob_too() {
    let (accepted, message) = verdict(
        &request(
            &example("session-alice-route-labelled-bob.yaml"),
            "CREATE",
            "oidc:bob",
            None,
        ),
        &settings(),
        &NoCluster,
    );
    assert!(!accepted);
    assert!(
        message.contains("not host \"alice.vdi.example.com\""),
        "{message}"
    );
}

#[rstest]
#[case::alice("oidc:alice", true)]
#[case::operator("system:serviceaccount:vdi-system:vdi-operator", true)]
#[case::bob("oidc:bob", false)]
#[case::unprefixed_alice("alice", false)]
#[case::anonymous("system:anonymous", false)]
fn who_may_publish_alices_route(#[case] user: &str, #[case] accepted: bool) {
    let (got, message) = verdict(
        &request(&example("session-alice-route.yaml"), "CREATE", user, None),
        &settings(),
        &NoCluster,
    );
    assert_eq!(got, accepted, "{user}: {message}");
}

#[test]
fn the_stored_owner_decides_an_update() {
    let alice = fixture("ir-session-alice.yaml");
    let bob = fixture("ir-session-bob.yaml");
    let (accepted, message) = verdict(
        &request(&bob, "UPDATE", "oidc:bob", Some(&alice)),
        &settings(),
        &NoCluster,
    );
    assert!(!accepted);
    assert!(
        message.contains("the stored route is the session route of \"alice\""),
        "{message}"
    );
    let (accepted, message) = verdict(
        &request(
            &bob,
            "UPDATE",
            "system:serviceaccount:vdi-system:vdi-operator",
            Some(&alice),
        ),
        &settings(),
        &NoCluster,
    );
    assert!(accepted, "{message}");
}

/// With the example settings, kasm/legacy is not allowed and is looked up.
#[rstest]
#[case::tls12(vec!["ctx-kasm-legacy.yaml"], false, "is not TLS 1.3 only")]
#[case::missing(vec![], false, "looking up traefik.io TLSOption kasm/legacy failed")]
fn lookups_through_the_cluster(
    #[case] objects: Vec<&str>,
    #[case] accepted: bool,
    #[case] fragment: &str,
) {
    let cluster = Cluster(objects.into_iter().map(fixture).collect());
    let (got, message) = verdict(
        &request(
            &fixture("ir-kasm-https-legacy.yaml"),
            "CREATE",
            "oidc:alice",
            None,
        ),
        &settings(),
        &cluster,
    );
    assert_eq!(got, accepted, "{message}");
    assert!(message.contains(fragment), "{message}");
}

#[test]
fn a_tls13_option_in_the_cluster_admits_the_route() {
    let mut option = fixture("ctx-kasm-legacy.yaml");
    option["spec"]["minVersion"] = json!("VersionTLS13");
    let (accepted, message) = verdict(
        &request(
            &fixture("ir-kasm-https-legacy.yaml"),
            "CREATE",
            "oidc:alice",
            None,
        ),
        &settings(),
        &Cluster(vec![option]),
    );
    assert!(accepted, "{message}");
}

#[rstest]
#[case::tls13_default(vec!["ctx-traefik-default-tls13.yaml"], true)]
#[case::tls12_default(vec!["ctx-traefik-default-tls12.yaml"], false)]
#[case::two_defaults(vec!["ctx-traefik-default-tls13.yaml", "ctx-kasm-default-tls13.yaml"], false)]
#[case::no_default(vec![], false)]
fn routes_without_options_get_the_default(#[case] objects: Vec<&str>, #[case] accepted: bool) {
    let cluster = Cluster(objects.into_iter().map(fixture).collect());
    let (got, message) = verdict(
        &request(
            &fixture("ir-kasm-https-default.yaml"),
            "CREATE",
            "oidc:alice",
            None,
        ),
        &settings(),
        &cluster,
    );
    assert_eq!(got, accepted, "{message}");
}

/// Every suite fixture gets a verdict (never a panic) under the example
/// settings, as every user, on every operation.
#[test]
fn every_fixture_gets_a_verdict() {
    let mut seen = 0;
    for entry in
        std::fs::read_dir(common::dir().join("suites/fixtures")).unwrap_or_else(|e| panic!("{e}"))
    {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let manifest = fixture(name);
        for operation in ["CREATE", "UPDATE", "DELETE"] {
            for user in [
                "oidc:alice",
                "oidc:bob",
                "system:serviceaccount:vdi-system:vdi-operator",
            ] {
                verdict(
                    &request(&manifest, operation, user, None),
                    &settings(),
                    &NoCluster,
                );
                seen += 1;
            }
        }
    }
    assert!(seen > 100, "{seen}");
}

/// `just bench` measures the full check: both bench requests are admitted
/// with the example settings and no cluster.
#[rstest]
#[case("bench/small.json", 4000..5000)]
#[case("bench/large.json", 100_000..112_000)]
fn bench_requests_are_admitted(#[case] file: &str, #[case] size: std::ops::Range<usize>) {
    let text =
        std::fs::read_to_string(common::dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    assert!(size.contains(&text.len()), "{file}: {} bytes", text.len());
    let request: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let (accepted, message) = verdict(&request, &settings(), &NoCluster);
    assert!(accepted, "{file}: {message}");
}

//! Property tests of the rule parser: it never panics, a parsed rule prints
//! back to a rule that parses to the same tree, and spellings Traefik reads
//! the same (matcher-name case, quotes, host case, trailing dot,
//! parentheses) get the same verdict from the policy.

mod common;

use ingress_route_tls::rule::{Flavor, MAX_MATCHERS, Matcher, Rule, parse};
use proptest::prelude::*;
use serde_json::json;
use shared::policy::NoCluster;

fn http_matchers() -> Vec<Matcher> {
    Matcher::ALL
        .into_iter()
        .filter(|m| m.serves(Flavor::Http))
        .collect()
}

/// Values, with the characters that decide between backticks and quotes.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z0-9.-]{1,20}",
        1 => "\\PC{0,12}",
        1 => prop::collection::vec(
            prop_oneof![Just('`'), Just('"'), Just('\\'), Just('\r'), Just('\n'), Just('\0'), Just('\u{feff}'), Just('\u{7f}'), Just('é'), Just('a')],
            0..8
        ).prop_map(|c| c.into_iter().collect()),
    ]
}

fn rule() -> impl Strategy<Value = Rule> {
    let leaf = (
        prop::sample::select(http_matchers()),
        prop::collection::vec(value(), 1..3),
    )
        .prop_map(|(m, args)| Rule::Match(m, args));
    leaf.prop_recursive(5, 40, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|r| Rule::Not(Box::new(r))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Rule::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| Rule::Or(Box::new(a), Box::new(b))),
        ]
    })
}

/// Rule-shaped text: the tokens of the language in random order.
fn rulish() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("Host".to_string()),
            Just("hostsni".to_string()),
            Just("PathPrefix".to_string()),
            Just("(".to_string()),
            Just(")".to_string()),
            Just(",".to_string()),
            Just("&&".to_string()),
            Just("||".to_string()),
            Just("!".to_string()),
            Just("`a.example.com`".to_string()),
            Just("\"\\x41\\u00e9\\101\"".to_string()),
            Just("\"\\".to_string()),
            Just("`".to_string()),
            Just("\n".to_string()),
            Just(" ".to_string()),
            Just("/*".to_string()),
            "\\PC{0,3}",
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parsing_never_panics(text in "\\PC{0,80}") {
        let _ = parse(&text, Flavor::Http);
        let _ = parse(&text, Flavor::Tcp);
    }

    #[test]
    fn parsed_rules_print_back_to_the_same_tree(text in rulish()) {
        for flavor in [Flavor::Http, Flavor::Tcp] {
            if let Ok(tree) = parse(&text, flavor) {
                let printed = tree.to_string();
                prop_assert_eq!(parse(&printed, flavor), Ok(tree), "{:?} printed as {:?}", text, printed);
            }
        }
    }

    #[test]
    fn printed_trees_parse_to_themselves(tree in rule()) {
        let printed = tree.to_string();
        prop_assert_eq!(parse(&printed, Flavor::Http), Ok(tree), "printed as {:?}", printed);
    }
}

#[test]
fn the_longest_accepted_rule_round_trips() {
    let text = vec!["Path(`/a`)"; MAX_MATCHERS].join(" && ");
    let tree = parse(&text, Flavor::Http).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parse(&tree.to_string(), Flavor::Http), Ok(tree));
}

/// Rules over the hosts that matter to the policy.
fn host_rule() -> impl Strategy<Value = Rule> {
    let hosts = prop::sample::select(vec![
        "kasm.example.com",
        "www.kasm.example.com",
        "alice.vdi.example.com",
        "bob.vdi.example.com",
        "vdi.example.com",
        "evil.example.net",
        "evilkasm.example.com",
    ]);
    let leaf = prop_oneof![
        3 => (prop::sample::select(vec![Matcher::Host, Matcher::HostHeader]), prop::collection::vec(hosts, 1..3))
            .prop_map(|(m, hs)| Rule::Match(m, hs.into_iter().map(String::from).collect())),
        1 => prop::sample::select(vec!["/", "/api", "/websockify"]).prop_map(|p| Rule::Match(Matcher::PathPrefix, vec![p.into()])),
        1 => Just(Rule::Match(Matcher::Method, vec!["GET".into()])),
    ];
    leaf.prop_recursive(4, 16, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|r| Rule::Not(Box::new(r))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Rule::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| Rule::Or(Box::new(a), Box::new(b))),
        ]
    })
}

/// The same rule spelled otherwise: names in lower or upper case, double
/// quotes, hosts in capitals with a trailing dot, every operator grouped.
fn respell(rule: &Rule, variant: u8) -> String {
    match rule {
        Rule::Match(m, args) => {
            let name = match variant % 3 {
                0 => m.name().to_ascii_lowercase(),
                1 => m.name().to_ascii_uppercase(),
                _ => m.name().to_string(),
            };
            let host = matches!(m, Matcher::Host | Matcher::HostHeader);
            let args: Vec<String> = args
                .iter()
                .map(|a| {
                    let a = if host {
                        format!("{}.", a.to_ascii_uppercase())
                    } else {
                        a.clone()
                    };
                    if variant.is_multiple_of(2) {
                        format!("{a:?}")
                    } else {
                        format!("`{a}`")
                    }
                })
                .collect();
            format!("{name} ( {} )", args.join(" , "))
        }
        Rule::Not(inner) => format!("!({})", respell(inner, variant)),
        Rule::And(a, b) => format!("(({}) && ({}))", respell(a, variant), respell(b, variant)),
        Rule::Or(a, b) => format!("(({}) || ({}))", respell(a, variant), respell(b, variant)),
    }
}

fn route_verdict(rule: &str, labelled: Option<&str>) -> (bool, String) {
    let mut manifest = json!({
        "apiVersion": "traefik.io/v1alpha1",
        "kind": "IngressRoute",
        "metadata": {"name": "r", "namespace": "vdi"},
        "spec": {
            "entryPoints": ["websecure"],
            "routes": [{"match": rule, "kind": "Rule"}],
            "tls": {"options": {"name": "tls13"}},
        },
    });
    if let Some(user) = labelled {
        manifest["metadata"]["labels"] = json!({"vdi.kasm.io/user": user});
    }
    let request = common::request(
        &manifest,
        "CREATE",
        "system:serviceaccount:vdi-system:vdi-operator",
        None,
    );
    common::verdict(&request, &common::settings(), &NoCluster)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn equivalent_spellings_get_the_same_verdict(tree in host_rule(), variant in 0u8..6, session in any::<bool>()) {
        let label = session.then_some("alice");
        let canonical = route_verdict(&tree.to_string(), label).0;
        let respelled = respell(&tree, variant);
        prop_assert_eq!(route_verdict(&respelled, label).0, canonical, "{} vs {}", tree, respelled);
    }

    #[test]
    fn respelled_rules_print_back_to_the_same_tree(tree in host_rule(), variant in 0u8..6) {
        let respelled = respell(&tree, variant);
        let parsed = parse(&respelled, Flavor::Http);
        prop_assert!(parsed.is_ok(), "{:?}", parsed);
        if let Ok(parsed) = parsed {
            prop_assert_eq!(parse(&parsed.to_string(), Flavor::Http), Ok(parsed));
        }
    }

    #[test]
    fn an_alternative_without_a_host_is_never_admitted(tree in host_rule()) {
        let rule = format!("{tree} || PathPrefix(`/metrics`)");
        prop_assert!(!route_verdict(&rule, None).0, "{}", rule);
    }

    #[test]
    fn bob_never_publishes_alices_host(tree in host_rule(), left in any::<bool>()) {
        let alice = "Host(`alice.vdi.example.com`)";
        let rule = if left { format!("{alice} && ({tree})") } else { format!("({tree}) || {alice}") };
        prop_assert!(!route_verdict(&rule, Some("bob")).0, "{}", rule);
    }

    #[test]
    fn admitted_hosts_are_under_the_allowed_domains(tree in host_rule()) {
        let (accepted, _) = route_verdict(&tree.to_string(), None);
        if accepted {
            let text = tree.to_string();
            // The only positive hosts an admitted non-session route may name.
            for host in ingress_route_tls::hosts::host_uses(&tree).iter().filter(|u| u.positive).flat_map(|u| u.values.iter()) {
                prop_assert!(
                    host == "kasm.example.com" || host == "www.kasm.example.com" || host == "vdi.example.com",
                    "{} admitted {}", text, host
                );
            }
        }
    }
}

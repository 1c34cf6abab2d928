//! The real `validate` entry point on whole requests: the e2e fixtures, and
//! one table per dialect of rule shapes that do and do not reach a metadata
//! endpoint.

use rstest::rstest;
use serde_json::{Value, json};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/suites/fixtures");

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{FIXTURES}/{name}"))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_yaml::from_str(&text).unwrap()
}

fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).unwrap()
}

/// Runs a manifest through `validate` like policy-server would and returns
/// `None` when accepted, the rejection message otherwise.
fn run_with(manifest: &Value, operation: &str, settings: Value) -> Option<String> {
    let api_version = manifest["apiVersion"].as_str().unwrap_or("");
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let payload = json!({
        "request": {
            "uid": "test",
            "kind": {"group": group, "version": version, "kind": manifest["kind"]},
            "operation": operation,
            "name": manifest["metadata"]["name"],
            "namespace": manifest["metadata"]["namespace"],
            "userInfo": {"username": "kubernetes-admin"},
            "object": manifest,
        },
        "settings": settings,
    });
    let body = serde_json::to_vec(&payload).unwrap();
    let answer =
        (egress_metadata_block::NATIVE.validate)(&body, &shared::policy::NoCluster).unwrap();
    let answer: Value = serde_json::from_slice(&answer).unwrap();
    if answer["accepted"].as_bool().unwrap() {
        None
    } else {
        Some(answer["message"].as_str().unwrap_or("").to_string())
    }
}

fn run(manifest: &Value) -> Option<String> {
    run_with(manifest, "CREATE", json!({}))
}

fn assert_outcome(manifest: &Value, fragments: &[&str]) {
    let outcome = run(manifest);
    if fragments.is_empty() {
        assert_eq!(outcome, None, "expected accept");
    } else {
        let message = outcome.expect("expected a rejection");
        for f in fragments {
            assert!(message.contains(f), "missing {f:?} in: {message}");
        }
    }
}

#[rstest]
#[case::seed_session_isolation("netpol-session-isolation.yaml", &[
    "NetworkPolicy vdi/session-isolation lets pods reach cloud metadata endpoints",
    "spec.egress[0].to[0].ipBlock allows 0.0.0.0/0 except 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16",
    "the metadata endpoints 169.254.169.254/32, 169.254.170.2/32, 100.100.100.200/32 on TCP 80, 443",
    "add 169.254.169.254/32, 169.254.170.2/32, 100.100.100.200/32 to except",
])]
#[case::seed_fixed("netpol-session-isolation-fixed.yaml", &[])]
#[case::seed_default_deny("netpol-default-deny.yaml", &[])]
#[case::seed_default_deny_with_dns("netpol-default-deny-with-dns.yaml", &[])]
#[case::seed_backup_egress_on_443("netpol-database-backup-egress.yaml", &[
    "spec.egress[1].to[0].ipBlock", "100.100.100.200/32 on TCP 443",
])]
#[case::dns_anywhere("netpol-dns-anywhere.yaml", &[])]
#[case::allow_all("netpol-allow-all-egress.yaml", &[
    "spec.egress[0] has no `to`, so it allows every destination",
    "the metadata endpoints 169.254.169.254/32, 169.254.170.2/32, fd00:ec2::254/128, 100.100.100.200/32 on TCP 80, 443",
    "list the destinations in `to`",
])]
#[case::dual_stack_named_port("netpol-dual-stack-web.yaml", &[
    "spec.egress[0].to[1].ipBlock allows ::/0 except fe80::/10",
    "the metadata endpoint fd00:ec2::254/128 on TCP 80, 443",
])]
#[case::cilium_world("cnp-session-world.yaml", &[
    "CiliumNetworkPolicy vdi/session-internet",
    "spec.egress[1].toEntities[0] allows the entity \"world\"",
    "add an egressDeny rule with toCIDR [169.254.169.254/32, 169.254.170.2/32, fd00:ec2::254/128, 100.100.100.200/32]",
])]
#[case::cilium_world_with_deny("cnp-session-world-with-deny.yaml", &[])]
#[case::cilium_cidr_set("cnp-session-cidrset.yaml", &[])]
#[case::cilium_clusterwide_specs("ccnp-vdi-baseline.yaml", &[
    "CiliumClusterwideNetworkPolicy vdi-baseline",
    "specs[1].egress[0].toCIDR[0] allows 169.254.169.254/32",
    "move it to toCIDRSet with except [169.254.169.254/32]",
])]
#[case::calico_deny_first("gnp-metadata-deny-first.yaml", &[])]
#[case::calico_allow_before_deny("gnp-allow-before-deny.yaml", &[
    "GlobalNetworkPolicy vdi-sessions-egress",
    "spec.egress[0] has no destination.nets, so it allows every destination",
    "put a Deny rule with destination.nets",
])]
#[case::calico_not_nets("calico-netpol-notnets.yaml", &[])]
#[case::unknown_kind("pod-session.yaml", &["does not handle v1 Pod", "networking.k8s.io/v1 networkpolicies"])]
fn fixtures(#[case] name: &str, #[case] fragments: &[&str]) {
    assert_outcome(&fixture(name), fragments);
}

fn netpol(egress: &str) -> Value {
    yaml(&format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: t, namespace: vdi}}\n\
         spec:\n  podSelector: {{}}\n  policyTypes: [Egress]\n  egress: {egress}\n"
    ))
}

#[rstest]
#[case::supernet("[{to: [{ipBlock: {cidr: 169.254.0.0/16}}]}]", &["allows 169.254.0.0/16", "169.254.169.254/32", "169.254.170.2/32"])]
#[case::host_bits("[{to: [{ipBlock: {cidr: 169.254.169.254/16}}]}]", &["allows 169.254.169.254/16 (the network 169.254.0.0/16)"])]
#[case::mapped("[{to: [{ipBlock: {cidr: '::ffff:169.254.169.254/128'}}]}]", &["(the network 169.254.169.254/32)", "the metadata endpoint 169.254.169.254/32"])]
#[case::leading_zeros("[{to: [{ipBlock: {cidr: 0169.254.169.254/32}}]}]", &["spec.egress[0].to[0].ipBlock.cidr \"0169.254.169.254/32\" has a leading zero"])]
#[case::leading_zero_except("[{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.0254/32]}}]}]", &["ipBlock.except[0] \"169.254.169.0254/32\" has a leading zero"])]
#[case::unparseable("[{to: [{ipBlock: {cidr: banana}}]}]", &["ipBlock.cidr \"banana\""])]
#[case::ipv6_any("[{to: [{ipBlock: {cidr: '::/0'}}]}]", &["the metadata endpoint fd00:ec2::254/128"])]
#[case::partial_except("[{to: [{ipBlock: {cidr: 169.254.169.0/24, except: [169.254.169.0/25]}}]}]", &["except 169.254.169.0/25", "169.254.169.254/32"])]
#[case::except_outside("[{to: [{ipBlock: {cidr: 169.254.169.0/24, except: [169.254.0.0/16]}}]}]", &["except 169.254.0.0/16 is not inside the cidr and does not count"])]
#[case::supernet_except("[{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.0.0/16, 100.100.100.200/32]}}]}]", &[])]
#[case::port_80("[{to: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: 80}]}]", &["on TCP 80", "169.254.169.254/32"])]
#[case::port_8080("[{to: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: 8080}]}]", &[])]
#[case::end_port_range("[{to: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: 1, endPort: 1024}]}]", &["on TCP 80, 443"])]
#[case::end_port_range_between("[{to: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: 8000, endPort: 9000}]}]", &[])]
#[case::named_port("[{to: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: http}]}]", &["on TCP 80, 443"])]
#[case::udp_only("[{to: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{protocol: UDP}]}]", &[])]
#[case::sctp_any_port("[{ports: [{protocol: SCTP}]}]", &[])]
#[case::tcp_any_port("[{ports: [{protocol: TCP}]}]", &["spec.egress[0] has no `to`"])]
#[case::selectors_only("[{to: [{podSelector: {}}, {namespaceSelector: {}}]}]", &[])]
#[case::empty_peer("[{to: [{}]}]", &["spec.egress[0].to[0] is an empty peer"])]
#[case::every_rule_reported("[{to: [{ipBlock: {cidr: 169.254.0.0/16}}]}, {to: [{ipBlock: {cidr: 100.64.0.0/10}}]}]", &["spec.egress[0].to[0]", "; spec.egress[1].to[0]", "100.100.100.200/32"])]
#[case::wrong_type("[{ports: [{port: [80]}]}]", &["the NetworkPolicy object cannot be decoded"])]
#[case::missing_cidr("[{to: [{ipBlock: {except: []}}]}]", &["missing field `cidr`"])]
fn kubernetes_rules(#[case] egress: &str, #[case] fragments: &[&str]) {
    assert_outcome(&netpol(egress), fragments);
}

fn cilium(kind: &str, spec: &str) -> Value {
    yaml(&format!(
        "apiVersion: cilium.io/v2\nkind: {kind}\nmetadata: {{name: t, namespace: vdi}}\nspec:\n  endpointSelector: {{}}\n{spec}"
    ))
}

const CNP: &str = "CiliumNetworkPolicy";
const CCNP: &str = "CiliumClusterwideNetworkPolicy";

#[rstest]
#[case::empty_rule_allows_nothing(CNP, "  egress: [{}]", &[])]
#[case::l4_only(CNP, "  egress: [{toPorts: [{ports: [{port: '443'}]}]}]", &["spec.egress[0] has toPorts but no destination", "on TCP 443"])]
#[case::l4_only_dns(CNP, "  egress: [{toPorts: [{ports: [{port: '53', protocol: UDP}, {port: '53', protocol: TCP}]}]}]", &[])]
#[case::l4_port_zero(CNP, "  egress: [{toPorts: [{ports: [{port: '0', protocol: TCP}]}]}]", &["on TCP 80, 443"])]
#[case::l4_end_port(CNP, "  egress: [{toPorts: [{ports: [{port: '440', endPort: 450}]}]}]", &["on TCP 443"])]
#[case::icmp_only(CNP, "  egress: [{icmps: [{fields: [{type: 8}]}]}]", &[])]
#[case::entity_all(CNP, "  egress: [{toEntities: [all]}]", &["toEntities[0] allows the entity \"all\""])]
#[case::entity_world_ipv6(CNP, "  egress: [{toEntities: [world-ipv6]}]", &["fd00:ec2::254/128"])]
#[case::entity_cluster(CNP, "  egress: [{toEntities: [cluster, host, kube-apiserver]}]", &[])]
#[case::entity_unknown(CNP, "  egress: [{toEntities: [internet]}]", &["toEntities[0] \"internet\" is not a Cilium entity"])]
#[case::cidr_set_partial(CNP, "  egress: [{toCIDRSet: [{cidr: 0.0.0.0/0, except: [169.254.0.0/16]}]}]", &["toCIDRSet[0] allows 0.0.0.0/0 except 169.254.0.0/16", "100.100.100.200/32", "add 100.100.100.200/32 to except"])]
#[case::cidr_group(CNP, "  egress: [{toCIDRSet: [{cidrGroupRef: egress-partners}]}]", &["CiliumCIDRGroup \"egress-partners\""])]
#[case::cidr_group_denied(CNP, "  egress: [{toCIDRSet: [{cidrGroupRef: egress-partners}]}]\n  egressDeny: [{toCIDRSet: [{cidr: 169.254.0.0/16}, {cidr: 100.100.100.200/32}, {cidr: 'fd00:ec2::254/128'}]}]", &[])]
#[case::bad_to_cidr(CNP, "  egress: [{toCIDR: ['169.254.169.254/33']}]", &["spec.egress[0].toCIDR[0] \"169.254.169.254/33\""])]
#[case::bare_ip(CNP, "  egress: [{toCIDR: [169.254.169.254]}]", &["allows 169.254.169.254 (the network 169.254.169.254/32)"])]
#[case::fqdn_star(CNP, "  egress: [{toFQDNs: [{matchPattern: '*'}]}]", &["toFQDNs[0] allows \"*\"", "names that resolve to metadata endpoints, which reaches", ": add an egressDeny rule with toCIDR [169.254.169.254/32"])]
#[case::fqdn_metadata(CNP, "  egress: [{toFQDNs: [{matchName: metadata.google.internal}]}]", &["metadata.google.internal"])]
#[case::fqdn_nip(CNP, "  egress: [{toFQDNs: [{matchPattern: '*.nip.io'}]}]", &["*.nip.io"])]
#[case::fqdn_named(CNP, "  egress: [{toFQDNs: [{matchName: api.github.com}], toPorts: [{ports: [{port: '443'}]}]}]", &[])]
#[case::endpoints_world_label(CNP, "  egress: [{toEndpoints: [{matchLabels: {'reserved:world': ''}}]}]", &["toEndpoints[0] selects identities outside"])]
#[case::endpoints_empty_namespaced(CNP, "  egress: [{toEndpoints: [{}]}]", &[])]
#[case::endpoints_empty_clusterwide(CCNP, "  egress: [{toEndpoints: [{}]}]", &["toEndpoints[0] selects identities outside"])]
#[case::services_and_nodes(CNP, "  egress: [{toServices: [{k8sService: {serviceName: api, namespace: vdi}}]}, {toNodes: [{}]}]", &[])]
#[case::deny_one_port(CNP, "  egress: [{toEntities: [world]}]\n  egressDeny: [{toEntities: [world], toPorts: [{ports: [{port: '80'}]}]}]", &["on TCP 443"])]
#[case::deny_l4_everywhere(CNP, "  egress: [{toEntities: [world]}]\n  egressDeny: [{toPorts: [{ports: [{port: '80'}, {port: '443'}]}]}]", &[])]
#[case::deny_with_hole(CNP, "  egress: [{toEntities: [world]}]\n  egressDeny: [{toCIDRSet: [{cidr: 0.0.0.0/0, except: [169.254.169.254/32]}, {cidr: '::/0'}]}]", &["169.254.169.254/32", "!169.254.170.2"])]
#[case::deny_udp_only(CNP, "  egress: [{toEntities: [world]}]\n  egressDeny: [{toEntities: [world], toPorts: [{ports: [{port: '80', protocol: UDP}]}]}]", &["on TCP 80, 443"])]
#[case::deny_named_port_is_not_trusted(CNP, "  egress: [{toEntities: [world]}]\n  egressDeny: [{toEntities: [world], toPorts: [{ports: [{port: http}]}]}]", &["on TCP 80, 443"])]
#[case::deny_unknown_protocol_is_not_trusted(CNP, "  egress: [{toEntities: [world]}]\n  egressDeny: [{toEntities: [world], toPorts: [{ports: [{port: '80', protocol: QUIC}]}]}]", &["on TCP 80, 443"])]
#[case::deny_bad_cidr(CNP, "  egressDeny: [{toCIDR: [010.0.0.1/32]}]", &["spec.egressDeny[0].toCIDR[0] \"010.0.0.1/32\" has a leading zero"])]
#[case::cidr_set_without_cidr(CNP, "  egress: [{toCIDRSet: [{except: [10.0.0.0/8]}]}]", &["toCIDRSet[0] has no cidr"])]
fn cilium_rules(#[case] kind: &str, #[case] spec: &str, #[case] fragments: &[&str]) {
    let manifest = cilium(kind, spec);
    let (present, absent): (Vec<&str>, Vec<&str>) =
        fragments.iter().partition(|f| !f.starts_with('!'));
    assert_outcome(&manifest, &present);
    if let Some(message) = run(&manifest) {
        for f in absent {
            assert!(!message.contains(&f[1..]), "unexpected {f:?} in: {message}");
        }
    }
}

#[test]
fn cilium_deny_in_another_rule_of_specs_does_not_shield() {
    let manifest = yaml(
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: t, namespace: vdi}\nspecs:\n\
         - endpointSelector: {matchLabels: {app: a}}\n  egress: [{toEntities: [world]}]\n\
         - endpointSelector: {matchLabels: {app: b}}\n  egressDeny: [{toEntities: [world]}]\n",
    );
    assert_outcome(&manifest, &["specs[0].egress[0].toEntities[0]"]);
}

fn calico(egress: &str) -> Value {
    yaml(&format!(
        "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {{name: t}}\n\
         spec:\n  selector: all()\n  types: [Egress]\n  egress: {egress}\n"
    ))
}

const DENY_METADATA: &str = "{action: Deny, destination: {nets: [169.254.0.0/16, 100.100.100.200/32, 'fd00:ec2::254/128']}}";

#[rstest]
#[case::allow_all("[{action: Allow}]", &["spec.egress[0] has no destination.nets", "100.100.100.200/32"])]
#[case::deny_first(&format!("[{DENY_METADATA}, {{action: Allow}}]"), &[])]
#[case::pass_first(&format!("[{}, {{action: Allow}}]", DENY_METADATA.replace("Deny", "Pass")), &[])]
#[case::log_first(&format!("[{}, {{action: Allow}}]", DENY_METADATA.replace("Deny", "Log")), &["spec.egress[1] has no destination.nets"])]
#[case::deny_from_some_sources_only(&format!("[{}, {{action: Allow}}]", DENY_METADATA.replace("{action: Deny,", "{action: Deny, source: {nets: [10.0.0.0/8]},")), &["spec.egress[1]"])]
#[case::deny_udp_only(&format!("[{}, {{action: Allow}}]", DENY_METADATA.replace("{action: Deny,", "{action: Deny, protocol: UDP,")), &["spec.egress[1]"])]
#[case::deny_named_port_is_not_trusted(&format!("[{}, {{action: Allow}}]", DENY_METADATA.replace("{action: Deny,", "{action: Deny, protocol: TCP,").replace("]}}", "], ports: [http]}}")), &["spec.egress[1]", "on TCP 80, 443"])]
#[case::deny_not_ports_named(&format!("[{}, {{action: Allow}}]", DENY_METADATA.replace("]}}", "], notPorts: [metrics]}}")), &["spec.egress[1]"])]
#[case::deny_not_ports_numeric(&format!("[{}, {{action: Allow}}]", DENY_METADATA.replace("]}}", "], notPorts: [80]}}")), &["spec.egress[1]", "on TCP 80:"])]
#[case::deny_not_protocol_udp(&format!("[{}, {{action: Allow}}]", DENY_METADATA.replace("{action: Deny,", "{action: Deny, notProtocol: UDP,")), &[])]
#[case::not_nets("[{action: Allow, destination: {notNets: [169.254.0.0/16, 100.100.100.200/32, 'fd00:ec2::254/128']}}]", &[])]
#[case::not_nets_partial("[{action: Allow, destination: {notNets: [169.254.169.254/32]}}]", &["except notNets 169.254.169.254/32", "169.254.170.2/32"])]
#[case::udp("[{action: Allow, protocol: UDP, destination: {ports: [53]}}]", &[])]
#[case::protocol_number_udp("[{action: Allow, protocol: 17}]", &[])]
#[case::protocol_number_tcp("[{action: Allow, protocol: 6, destination: {ports: ['1:1024']}}]", &["on TCP 80, 443"])]
#[case::not_protocol_tcp("[{action: Allow, notProtocol: TCP}]", &[])]
#[case::not_ports("[{action: Allow, protocol: TCP, destination: {notPorts: [80]}}]", &["on TCP 443"])]
#[case::named_port("[{action: Allow, protocol: TCP, destination: {nets: [0.0.0.0/0], ports: [web]}}]", &["on TCP 80, 443"])]
#[case::selector("[{action: Allow, destination: {selector: \"app == 'api'\"}}]", &[])]
#[case::ip_version_6("[{action: Allow, ipVersion: 6}]", &["fd00:ec2::254/128", "!169.254.169.254"])]
#[case::supernet("[{action: Allow, destination: {nets: [169.254.0.0/16]}}]", &["allows destination.nets 169.254.0.0/16", "add 169.254.169.254/32, 169.254.170.2/32 to destination.notNets"])]
#[case::lowercase_action("[{action: allow, destination: {nets: [169.254.169.254/32]}}]", &["169.254.169.254/32"])]
#[case::unknown_action("[{action: Reject}]", &["spec.egress[0].action \"Reject\" is not a Calico action"])]
#[case::bad_net("[{action: Allow, destination: {nets: ['169.254.169.254/32 ']}}]", &["destination.nets[0]", "contains whitespace"])]
fn calico_rules(#[case] egress: &str, #[case] fragments: &[&str]) {
    let manifest = calico(egress);
    let (present, absent): (Vec<&str>, Vec<&str>) =
        fragments.iter().partition(|f| !f.starts_with('!'));
    assert_outcome(&manifest, &present);
    if let Some(message) = run(&manifest) {
        for f in absent {
            assert!(!message.contains(&f[1..]), "unexpected {f:?} in: {message}");
        }
    }
}

#[test]
fn calico_crd_group_is_judged_too() {
    let mut manifest = calico("[{action: Allow}]");
    manifest["apiVersion"] = json!("crd.projectcalico.org/v1");
    assert_outcome(&manifest, &["GlobalNetworkPolicy t lets pods reach"]);
}

#[rstest]
#[case::wrong_version(
    "networking.k8s.io/v1beta1",
    "NetworkPolicy",
    "does not handle networking.k8s.io/v1beta1 NetworkPolicy"
)]
#[case::lookalike_group(
    "evil.io/v1",
    "NetworkPolicy",
    "does not handle evil.io/v1 NetworkPolicy"
)]
#[case::admin_network_policy(
    "policy.networking.k8s.io/v1alpha1",
    "AdminNetworkPolicy",
    "does not handle"
)]
fn unknown_kinds_are_rejected(
    #[case] api_version: &str,
    #[case] kind: &str,
    #[case] fragment: &str,
) {
    let mut manifest = fixture("netpol-default-deny.yaml");
    manifest["apiVersion"] = json!(api_version);
    manifest["kind"] = json!(kind);
    assert_outcome(&manifest, &[fragment]);
}

#[test]
fn update_is_judged_and_delete_is_not() {
    let manifest = fixture("netpol-session-isolation.yaml");
    assert!(run_with(&manifest, "UPDATE", json!({})).is_some());
    assert_eq!(run_with(&manifest, "DELETE", json!({})), None);
}

#[test]
fn settings_change_what_is_blocked_and_on_which_ports() {
    let manifest = fixture("netpol-session-isolation-fixed.yaml");
    let azure_wireserver = json!({"blockedDestinations": ["168.63.129.16/32"]});
    let message = run_with(&manifest, "CREATE", azure_wireserver).expect("must reject");
    assert!(
        message.contains("the metadata endpoint 168.63.129.16/32 on TCP 80, 443"),
        "{message}"
    );

    let dns = netpol("[{to: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: 53}]}]");
    assert_eq!(run(&dns), None);
    let message = run_with(&dns, "CREATE", json!({"metadataPorts": [53]})).expect("must reject");
    assert!(message.contains("on TCP 53"), "{message}");
}

#[test]
fn invalid_settings_reaching_validate_are_a_rejection() {
    let manifest = fixture("netpol-default-deny.yaml");
    let message = run_with(
        &manifest,
        "CREATE",
        json!({"blockedDestinations": ["169.254.169.254/40"]}),
    )
    .expect("must reject");
    assert!(
        message.contains("the policy settings are invalid: blockedDestinations[0]"),
        "{message}"
    );
}

//! The files beside the crate agree with it: `metadata.yml`'s rules are the
//! routing table both ways, every kind the policy looks up is a context-aware
//! resource, and the UI defaults and example settings pass
//! `validate_settings`.

mod common;

use std::collections::BTreeSet;

use serde_json::{Value, json};

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(|v| {
            v.as_str()
                .unwrap_or_else(|| panic!("not a string: {v}"))
                .to_string()
        })
        .collect()
}

#[test]
fn metadata_rules_are_the_routing_table() {
    let metadata = common::read("metadata.yml");
    let mut from_metadata = BTreeSet::new();
    for rule in metadata["rules"]
        .as_array()
        .unwrap_or_else(|| panic!("no rules"))
    {
        for group in strings(&rule["apiGroups"]) {
            for version in strings(&rule["apiVersions"]) {
                for resource in strings(&rule["resources"]) {
                    for operation in strings(&rule["operations"]) {
                        from_metadata.insert((
                            group.clone(),
                            version.clone(),
                            resource.clone(),
                            operation,
                        ));
                    }
                }
            }
        }
    }
    let from_table: BTreeSet<_> = (ingress_route_tls::NATIVE.rule_rows)()
        .into_iter()
        .map(|r| {
            (
                r.api_group.to_string(),
                r.api_version.to_string(),
                r.resource,
                r.operation.to_string(),
            )
        })
        .collect();
    assert_eq!(from_metadata, from_table);
    assert_eq!(
        from_table.len(),
        12,
        "three kinds in two groups, CREATE and UPDATE"
    );
    assert_eq!(
        metadata["annotations"]["io.kubewarden.policy.title"],
        "ingress-route-tls"
    );
    assert_eq!(metadata["mutating"], false);
}

#[test]
fn the_looked_up_kinds_are_context_aware_resources() {
    let metadata = common::read("metadata.yml");
    assert_eq!(
        metadata["contextAwareResources"],
        json!([
            {"apiVersion": "traefik.io/v1alpha1", "kind": "TLSOption"},
            {"apiVersion": "traefik.containo.us/v1alpha1", "kind": "TLSOption"},
        ])
    );
}

#[test]
fn the_ui_defaults_are_the_settings_defaults_and_valid() {
    let questions = common::read("questions-ui.yml");
    let mut settings = serde_json::Map::new();
    for q in questions["questions"]
        .as_array()
        .unwrap_or_else(|| panic!("no questions"))
    {
        let variable = q["variable"]
            .as_str()
            .unwrap_or_else(|| panic!("no variable: {q}"));
        if q["type"] == "array[" {
            strings(&q["default"]);
        }
        settings.insert(variable.to_string(), q["default"].clone());
    }
    let settings = Value::Object(settings);
    assert_eq!(common::settings_verdict(&settings), Ok(()));
    let d = ingress_route_tls::settings::Settings::default();
    let defaults = json!({
        "allowedTlsOptions": d.allowed_tls_options,
        "lookupTlsOptions": d.lookup_tls_options,
        "exemptTlsOptions": d.exempt_tls_options,
        "passthroughRoutes": d.passthrough_routes,
        "plainEntryPoints": d.plain_entry_points,
        "redirectMiddlewares": d.redirect_middlewares,
        "allowedDomains": d.allowed_domains,
        "sessionDomain": d.session_domain,
        "sessionLabel": d.session_label,
        "allowHostRegexp": d.allow_host_regexp,
        "usernamePrefix": d.username_prefix,
        "privilegedUsers": d.privileged_users,
        "privilegedGroups": d.privileged_groups,
    });
    assert_eq!(
        settings, defaults,
        "questions-ui.yml defaults differ from Settings::default()"
    );
}

#[test]
fn the_example_settings_are_valid() {
    assert_eq!(common::settings_verdict(&common::settings()), Ok(()));
}

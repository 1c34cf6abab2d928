//! The native entry point on whole requests: every rule, both verdicts.

mod common;

use common::{OPERATOR, Request, answer, settings, template};
use rstest::rstest;
use serde_json::{Value, json};

fn expect_reject(request: &Request<'_>, fragments: &[&str]) {
    let (accepted, message) = request.run();
    assert!(!accepted, "expected a rejection");
    for f in fragments {
        assert!(message.contains(f), "{message:?} lacks {f:?}");
    }
}

fn expect_accept(request: &Request<'_>) {
    let (accepted, message) = request.run();
    assert!(accepted, "expected accept, got {message:?}");
}

#[rstest]
#[case::no_sharing("kiosk", None)]
#[case::both_off("kiosk", Some(json!({"clipboard": false, "drives": false})))]
#[case::empty("kiosk", Some(json!({})))]
#[case::null_sharing("kiosk", Some(Value::Null))]
#[case::null_channels("kiosk", Some(json!({"clipboard": null, "drives": null})))]
#[case::listed_clipboard("design-tools", Some(json!({"clipboard": true, "drives": false})))]
#[case::listed_drives("data-science", Some(json!({"drives": true})))]
#[case::unknown_channel_off("kiosk", Some(json!({"printing": false, "audio": null})))]
fn creates_that_share_only_what_is_listed_pass(#[case] name: &str, #[case] sharing: Option<Value>) {
    expect_accept(&Request::create(template(name, sharing)));
}

#[rstest]
#[case::unlisted_clipboard(
    "kiosk",
    json!({"clipboard": true}),
    &["VDITemplate \"kiosk\" denied: spec.sharing.clipboard is on, but VDITemplate \"kiosk\" is not listed in allowSharing.clipboard: set it to false or remove it"][..]
)]
#[case::unlisted_drives("kiosk", json!({"drives": true}), &["spec.sharing.drives is on", "allowSharing.drives"][..])]
#[case::listed_for_the_other_channel(
    "design-tools",
    json!({"clipboard": true, "drives": true}),
    &["spec.sharing.drives is on, but VDITemplate \"design-tools\" is not listed in allowSharing.drives (it is listed for clipboard only)"][..]
)]
#[case::both_unlisted_in_one_message(
    "kiosk",
    json!({"clipboard": true, "drives": true}),
    &["spec.sharing.clipboard is on", "; spec.sharing.drives is on"][..]
)]
#[case::unknown_channel_on(
    "design-tools",
    json!({"printing": true}),
    &["spec.sharing[\"printing\"] is on, but it is not a sharing channel this policy knows (clipboard, drives), so no template may turn it on"][..]
)]
#[case::case_matters("design-tools", json!({"Clipboard": true}), &["spec.sharing[\"Clipboard\"] is on", "not a sharing channel"][..])]
#[case::string_false(
    "kiosk",
    json!({"clipboard": "false"}),
    &["spec.sharing.clipboard must be a boolean (true or false), not the string \"false\""][..]
)]
#[case::string_on_listed("design-tools", json!({"clipboard": "true"}), &["not the string \"true\""][..])]
#[case::number("kiosk", json!({"drives": 0}), &["spec.sharing.drives must be a boolean", "not the number 0"][..])]
#[case::object_value("kiosk", json!({"drives": {"readOnly": true}}), &["not an object"][..])]
#[case::unknown_channel_string("kiosk", json!({"audio": "off"}), &["spec.sharing[\"audio\"] must be a boolean"][..])]
#[case::sharing_is_true(
    "kiosk",
    json!(true),
    &["spec.sharing must be an object of booleans such as {clipboard: false, drives: false}, not the boolean true"][..]
)]
#[case::sharing_is_a_list("kiosk", json!(["clipboard"]), &["spec.sharing must be an object", "not a list"][..])]
#[case::sharing_is_a_string("kiosk", json!("none"), &["not the string \"none\""][..])]
fn creates_that_share_more_are_denied(
    #[case] name: &str,
    #[case] sharing: Value,
    #[case] fragments: &[&str],
) {
    expect_reject(&Request::create(template(name, Some(sharing))), fragments);
}

#[rstest]
#[case::operator(OPERATOR, &[][..])]
#[case::admin("oidc:dana", &["oidc:vdi-admins"][..])]
fn privileged_creates_follow_the_list_too(#[case] user: &str, #[case] groups: &[&str]) {
    let request =
        Request::create(template("kiosk", Some(json!({"clipboard": true})))).by(user, groups);
    expect_reject(&request, &["not listed in allowSharing.clipboard"]);
    let request = Request::create(template("design-tools", Some(json!({"clipboard": true}))))
        .by(user, groups);
    expect_accept(&request);
}

#[test]
fn the_last_of_repeated_keys_counts() {
    let on_last = Request::create(template("kiosk", Some(json!({"clipboard": false}))));
    let payload = String::from_utf8(on_last.payload()).unwrap();
    let twice = payload.replace(
        r#""clipboard":false"#,
        r#""clipboard":false,"clipboard":true"#,
    );
    assert_ne!(payload, twice);
    assert!(!answer(twice.as_bytes()).0);
    let off_last = payload.replace(
        r#""clipboard":false"#,
        r#""clipboard":true,"clipboard":false"#,
    );
    assert!(answer(off_last.as_bytes()).0);
}

#[test]
fn the_template_name_is_its_identity() {
    // Cluster-scoped: a namespace in the object (which the API server
    // drops) changes nothing.
    let mut t = template("design-tools", Some(json!({"clipboard": true})));
    t["metadata"]["namespace"] = json!("vdi");
    expect_accept(&Request::create(t));
    // Names are exact: no prefix or case folding.
    for name in ["design-tools-2", "Design-Tools", "design"] {
        let request = Request::create(template(name, Some(json!({"clipboard": true}))));
        expect_reject(&request, &["not listed in allowSharing.clipboard"]);
    }
}

#[test]
fn a_template_without_a_name_cannot_be_listed() {
    let mut t = template("x", Some(json!({"drives": true})));
    t["metadata"] = json!({"generateName": "data-science-"});
    expect_reject(
        &Request::create(t),
        &[
            "VDITemplate denied: spec.sharing.drives is on, but the template has no metadata.name to list in allowSharing.drives",
        ],
    );
}

#[rstest]
#[case::no_spec(json!({"apiVersion": "vdi.kasm.io/v1alpha1", "kind": "VDITemplate", "metadata": {"name": "kiosk"}}), true)]
#[case::null_spec(json!({"metadata": {"name": "kiosk"}, "spec": null}), true)]
#[case::spec_is_a_list(json!({"metadata": {"name": "kiosk"}, "spec": [{"sharing": {}}]}), false)]
#[case::metadata_is_a_list(json!({"metadata": ["kiosk"], "spec": {}}), false)]
#[case::name_is_a_number(json!({"metadata": {"name": 7}, "spec": {}}), false)]
#[case::object_is_a_string(json!("VDITemplate kiosk"), false)]
fn odd_shapes(#[case] object: Value, #[case] accepted: bool) {
    let (got, message) = Request::create(object).run();
    assert_eq!(got, accepted, "{message}");
    if !accepted {
        assert!(
            message.contains("the VDITemplate object cannot be decoded"),
            "{message}"
        );
    }
}

const EDITOR: (&str, &[&str]) = ("oidc:carol", &["oidc:vdi-editors", "system:authenticated"]);
const ADMIN: (&str, &[&str]) = ("oidc:dana", &["oidc:vdi-admins", "system:authenticated"]);
const OPERATOR_SA: (&str, &[&str]) = (OPERATOR, &["system:serviceaccounts"]);
const LOOKALIKE: (&str, &[&str]) = ("system:serviceaccount:vdi:vdi-operator", &[]);

fn with_image(mut t: Value, image: &str) -> Value {
    t["spec"]["image"] = json!(image);
    t
}

#[rstest]
#[case::unchanged_sharing_new_image(
    EDITOR,
    template("design-tools", Some(json!({"clipboard": true}))),
    with_image(template("design-tools", Some(json!({"clipboard": true}))), "registry.vdi.example.com/desktops/figma:2.0.0")
)]
#[case::absent_to_false(EDITOR, template("kiosk", None), template("kiosk", Some(json!({"clipboard": false, "drives": false}))))]
#[case::false_to_absent(EDITOR, template("kiosk", Some(json!({"drives": false}))), template("kiosk", None))]
#[case::null_to_false(EDITOR, template("kiosk", Some(json!({"clipboard": null}))), template("kiosk", Some(json!({"clipboard": false}))))]
#[case::unknown_off_added(EDITOR, template("kiosk", None), template("kiosk", Some(json!({"printing": false}))))]
#[case::admin_turns_on_listed(ADMIN, template("design-tools", None), template("design-tools", Some(json!({"clipboard": true}))))]
#[case::operator_turns_on_listed(OPERATOR_SA, template("data-science", Some(json!({"drives": false}))), template("data-science", Some(json!({"drives": true}))))]
#[case::admin_turns_off(ADMIN, template("design-tools", Some(json!({"clipboard": true}))), template("design-tools", Some(json!({"clipboard": false}))))]
#[case::admin_fixes_a_stale_template(ADMIN, template("kiosk", Some(json!({"clipboard": true}))), template("kiosk", None))]
fn updates_that_pass(#[case] who: (&str, &[&str]), #[case] old: Value, #[case] new: Value) {
    expect_accept(&Request::update(old, new).by(who.0, who.1));
}

#[rstest]
#[case::editor_turns_on_listed(
    EDITOR,
    template("design-tools", Some(json!({"clipboard": false}))),
    template("design-tools", Some(json!({"clipboard": true}))),
    &["VDITemplate \"design-tools\" update denied: only a privileged requester (privilegedUsers, privilegedGroups) may change what an existing template shares, not \"oidc:carol\": this update changes spec.sharing.clipboard from off to on"][..]
)]
#[case::editor_turns_off(
    EDITOR,
    template("design-tools", Some(json!({"clipboard": true}))),
    template("design-tools", None),
    &["not \"oidc:carol\": this update changes spec.sharing.clipboard from on to off"][..]
)]
#[case::editor_swaps_channels(
    EDITOR,
    template("data-science", Some(json!({"drives": true}))),
    template("data-science", Some(json!({"drives": false, "clipboard": true}))),
    &["not listed in allowSharing.clipboard (it is listed for drives only)", "changes spec.sharing.clipboard from off to on, spec.sharing.drives from on to off"][..]
)]
#[case::lookalike_operator(
    LOOKALIKE,
    template("data-science", None),
    template("data-science", Some(json!({"drives": true}))),
    &["not \"system:serviceaccount:vdi:vdi-operator\""][..]
)]
#[case::admin_turns_on_unlisted(
    ADMIN,
    template("kiosk", None),
    template("kiosk", Some(json!({"clipboard": true}))),
    &["VDITemplate \"kiosk\" update denied: spec.sharing.clipboard is on, but VDITemplate \"kiosk\" is not listed"][..]
)]
#[case::stale_template_is_judged_again(
    EDITOR,
    template("kiosk", Some(json!({"drives": true}))),
    with_image(template("kiosk", Some(json!({"drives": true}))), "registry.vdi.example.com/desktops/kiosk:2"),
    &["spec.sharing.drives is on, but VDITemplate \"kiosk\" is not listed in allowSharing.drives"][..]
)]
#[case::malformed_stored_value_is_a_change(
    EDITOR,
    template("kiosk", Some(json!({"clipboard": "true"}))),
    template("kiosk", Some(json!({"clipboard": false}))),
    &["changes spec.sharing.clipboard from the string \"true\" to off"][..]
)]
#[case::malformed_stored_sharing(
    EDITOR,
    template("kiosk", Some(json!([]))),
    template("kiosk", None),
    &["changes spec.sharing from a list to off"][..]
)]
#[case::editor_adds_unknown_channel(
    EDITOR,
    template("design-tools", None),
    template("design-tools", Some(json!({"webcam": true}))),
    &["spec.sharing[\"webcam\"] is on", "changes spec.sharing[\"webcam\"] from off to on"][..]
)]
fn updates_that_are_denied(
    #[case] who: (&str, &[&str]),
    #[case] old: Value,
    #[case] new: Value,
    #[case] fragments: &[&str],
) {
    expect_reject(&Request::update(old, new).by(who.0, who.1), fragments);
}

#[test]
fn privilege_needs_the_configured_lists() {
    let update = || {
        Request::update(
            template("design-tools", None),
            template("design-tools", Some(json!({"clipboard": true}))),
        )
    };
    // Defaults: only the operator is privileged.
    let mut defaults = update().by(ADMIN.0, ADMIN.1);
    defaults.settings = json!({"allowSharing": {"clipboard": ["design-tools"]}});
    expect_reject(&defaults, &["not \"oidc:dana\""]);
    let mut operator = update().by(OPERATOR, &[]);
    operator.settings = defaults.settings.clone();
    expect_accept(&operator);
}

fn raw(request: Value) -> Vec<u8> {
    json!({"request": request, "settings": settings()})
        .to_string()
        .into_bytes()
}

const KIND: &str = r#"{"group": "vdi.kasm.io", "version": "v1alpha1", "kind": "VDITemplate"}"#;

#[rstest]
#[case::update_without_old_object(
    json!({"kind": serde_json::from_str::<Value>(KIND).unwrap(), "operation": "UPDATE",
           "userInfo": {"username": OPERATOR}, "object": template("kiosk", None)}),
    &["UPDATE request carries no oldObject"][..]
)]
#[case::create_without_object(
    json!({"kind": serde_json::from_str::<Value>(KIND).unwrap(), "operation": "CREATE", "userInfo": {"username": "u"}}),
    &["CREATE request carries no object"][..]
)]
#[case::connect(
    json!({"kind": serde_json::from_str::<Value>(KIND).unwrap(), "operation": "CONNECT", "userInfo": {"username": "u"}, "object": {}}),
    &["data-sharing does not handle", "CONNECT", "it handles CREATE/UPDATE vdi.kasm.io/v1alpha1 vditemplates"][..]
)]
#[case::status_subresource(
    json!({"kind": serde_json::from_str::<Value>(KIND).unwrap(), "subResource": "status", "operation": "UPDATE",
           "userInfo": {"username": "u"}, "object": template("kiosk", None), "oldObject": template("kiosk", None)}),
    &["does not handle", "(subresource \"status\")"][..]
)]
#[case::sessions(
    json!({"kind": {"group": "vdi.kasm.io", "version": "v1alpha1", "kind": "VDISession"}, "operation": "CREATE",
           "userInfo": {"username": "u"}, "object": {}}),
    &["does not handle", "vdi.kasm.io/v1alpha1 VDISession"][..]
)]
#[case::other_version(
    json!({"kind": {"group": "vdi.kasm.io", "version": "v1beta1", "kind": "VDITemplate"}, "operation": "CREATE",
           "userInfo": {"username": "u"}, "object": template("kiosk", None)}),
    &["does not handle", "vdi.kasm.io/v1beta1 VDITemplate"][..]
)]
fn the_operation_table_holds(#[case] request: Value, #[case] fragments: &[&str]) {
    let (accepted, message) = answer(&raw(request));
    assert!(!accepted);
    for fragment in fragments {
        assert!(message.contains(fragment), "{message}");
    }
}

#[test]
fn delete_is_accepted_whatever_the_template_shares() {
    let request = json!({"kind": serde_json::from_str::<Value>(KIND).unwrap(), "operation": "DELETE",
        "userInfo": {"username": "oidc:carol"}, "oldObject": template("kiosk", Some(json!({"clipboard": true})))});
    assert!(answer(&raw(request)).0);
}

#[test]
fn invalid_settings_reject_the_request() {
    let mut request = Request::create(template("kiosk", None));
    request.settings = json!({"allowSharing": {"printing": ["kiosk"]}});
    expect_reject(
        &request,
        &[
            "the policy settings are invalid",
            "unknown field `printing`",
        ],
    );
}

#[test]
fn long_values_are_quoted_short() {
    let name = "d".repeat(100_000);
    let key = "k".repeat(100_000);
    let value = "v".repeat(100_000);
    let request = Request::create(template(
        &name,
        Some(json!({"clipboard": true, key.clone(): true, "drives": value})),
    ));
    let (accepted, message) = request.run();
    assert!(!accepted);
    assert!(message.len() < 2_000, "{} bytes", message.len());
    assert!(message.contains("(100000 characters)"), "{message}");
}

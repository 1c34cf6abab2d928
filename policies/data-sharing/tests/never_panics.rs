//! Property tests: whatever a template holds, `validate` answers with a
//! verdict (a panic would trap the module); an admitted template never
//! shares on a channel it is not listed for; an unprivileged update never
//! changes what a template shares; and equivalent spellings of the same
//! sharing get the same verdict.

mod common;

use common::{OPERATOR, Request, answer, template};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const NAMES: &[&str] = &["design-tools", "data-science", "kiosk", "Design-Tools"];
const KEYS: &[&str] = &["clipboard", "drives", "printing", "Clipboard", "audio"];
const USERS: &[(&str, &[&str])] = &[
    ("oidc:carol", &["oidc:vdi-editors"]),
    ("oidc:dana", &["oidc:vdi-admins"]),
    (OPERATOR, &[]),
];

/// Channel values, booleans most of the time.
fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => any::<bool>().prop_map(Value::from),
        1 => Just(Value::Null),
        1 => prop_oneof![Just(json!("false")), Just(json!("true")), Just(json!(0)), Just(json!(1))],
        1 => Just(json!([])),
        1 => Just(json!({"enabled": true})),
    ]
}

/// `spec.sharing`: absent (`None`), an object, or something else.
fn sharing() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        1 => Just(None),
        1 => Just(Some(Value::Null)),
        6 => prop::collection::vec((prop::sample::select(KEYS), value()), 0..5).prop_map(|entries| {
            Some(Value::Object(entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
        }),
        1 => prop_oneof![Just(json!(true)), Just(json!([])), Just(json!("none"))].prop_map(Some),
    ]
}

fn listed(key: &str, name: &str) -> bool {
    matches!(
        (key, name),
        ("clipboard", "design-tools") | ("drives", "data-science")
    )
}

/// What `sharing` means, independent of the policy: per key, `Some(bool)`
/// for a boolean, absent or null; `None` for anything else.
fn meaning(sharing: &Option<Value>) -> Option<Vec<(String, bool)>> {
    let map = match sharing {
        None | Some(Value::Null) => return Some(Vec::new()),
        Some(Value::Object(map)) => map,
        Some(_) => return None,
    };
    let mut on = Vec::new();
    for (k, v) in map {
        match v {
            Value::Bool(true) => on.push((k.clone(), true)),
            Value::Bool(false) | Value::Null => {}
            _ => return None,
        }
    }
    on.sort();
    Some(on)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn created_templates_share_only_what_is_listed(
        name in prop::sample::select(NAMES),
        sharing in sharing(),
        who in prop::sample::select(USERS),
    ) {
        let request = Request::create(template(name, sharing.clone())).by(who.0, who.1);
        let (accepted, _) = request.run();
        if accepted {
            let on = meaning(&sharing);
            prop_assert!(on.is_some(), "admitted a non-boolean sharing {sharing:?}");
            for (key, _) in on.unwrap_or_default() {
                prop_assert!(listed(&key, name), "admitted {key} on {name}");
            }
        }
    }

    #[test]
    fn unprivileged_updates_never_change_sharing(
        name in prop::sample::select(NAMES),
        old in sharing(),
        new in sharing(),
        who in prop::sample::select(USERS),
    ) {
        let request = Request::update(template(name, old.clone()), template(name, new.clone()))
            .by(who.0, who.1);
        let (accepted, _) = request.run();
        let privileged = who.0 == OPERATOR || who.1.contains(&"oidc:vdi-admins");
        if accepted && !privileged {
            let before = meaning(&old);
            prop_assert!(before.is_some() && before == meaning(&new), "{old:?} -> {new:?} by {}", who.0);
        }
        if accepted {
            for (key, _) in meaning(&new).unwrap_or_default() {
                prop_assert!(listed(&key, name), "admitted {key} on {name}");
            }
        }
    }

    #[test]
    fn equivalent_spellings_get_equal_verdicts(
        name in prop::sample::select(NAMES),
        on in prop::collection::vec((prop::sample::select(KEYS), any::<bool>()), 0..4),
        spelling in 0usize..3,
        update in any::<bool>(),
    ) {
        // `false` written as false, null or left out; the same channels on.
        let spelled = |style: usize| -> Value {
            let mut map = Map::new();
            for (key, value) in &on {
                match (value, style) {
                    (true, _) => { map.insert(key.to_string(), json!(true)); }
                    (false, 0) => { map.insert(key.to_string(), json!(false)); }
                    (false, 1) => { map.insert(key.to_string(), Value::Null); }
                    (false, _) => { map.remove(*key); }
                }
            }
            Value::Object(map)
        };
        let run = |style: usize| {
            let new = template(name, Some(spelled(style)));
            if update {
                Request::update(template(name, Some(spelled((style + 1) % 3))), new).run().0
            } else {
                Request::create(new).run().0
            }
        };
        prop_assert_eq!(run(0), run(spelling));
    }

    #[test]
    fn arbitrary_bytes_get_a_verdict(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        answer(&bytes);
    }

    #[test]
    fn arbitrary_objects_get_a_verdict(s in "\\PC{0,40}", operation in prop::sample::select(vec!["CREATE", "UPDATE", "DELETE", "CONNECT"])) {
        let object = json!({"metadata": {"name": s}, "spec": {"sharing": {s.clone(): s}}});
        let mut request = Request::update(object.clone(), object);
        request.operation = operation;
        answer(&request.payload());
    }
}

//! Equivalent spellings get equal verdicts (issue 15).
//!
//! Requests on a `VDISession` are generated as meanings — operation, who
//! asks, the stored and the new owner, timeouts in seconds, the cleanup
//! finalizer, the settings' `maxTimeout` — and written twice: plainly, and
//! in random equivalent spellings. A duration has many Go spellings
//! (`8h` = `480m` = `28800s` = `8h0m0s` = `7h60m` = `+8h` = `28800000ms`),
//! and the operator reads `spec.timeout` with `time.ParseDuration`, so the
//! policy must too; the stored and the new object are respelled
//! independently, so an UPDATE that only respells the timeout is no change.
//! Also: object keys in another order, absent fields as `null`, finalizers
//! in another order. The verdict must not change.

use proptest::prelude::*;
use serde_json::{Value, json};

const FINALIZER: &str = "vdi.kasm.io/session-cleanup";
const OPERATOR: &str = "system:serviceaccount:vdi-system:vdi-operator";
const USERS: [&str; 2] = ["alice", "bob"];

/// Timeouts by meaning, in seconds; the default `maxTimeout` is 12h.
const TIMEOUTS: [u64; 7] = [0, 1, 1800, 5400, 28800, 43200, 46800];

/// `maxTimeout` settings by meaning: the default (12h) or 8h.
const MAX_TIMEOUTS: [Option<u64>; 2] = [None, Some(28800)];

#[derive(Debug, Clone)]
struct SessionM {
    user: Option<usize>,
    timeout: Option<usize>,
    finalizer: bool,
    /// Another finalizer beside the cleanup one.
    foreground: bool,
}

#[derive(Debug, Clone)]
struct RequestM {
    /// 0: CREATE, 1: UPDATE, 2: DELETE, 3: UPDATE of `status`.
    operation: u8,
    /// 0: `oidc:alice`, 1: `oidc:bob`, 2: the operator, 3: a `vdi-admins`
    /// member, 4: `alice` without the prefix.
    requester: u8,
    object: SessionM,
    stored: SessionM,
    /// The new object keeps the stored timeout (respelled, perhaps).
    same_timeout: bool,
    max_timeout: usize,
}

fn session() -> impl Strategy<Value = SessionM> {
    (
        prop::option::weighted(0.9, 0..USERS.len()),
        prop::option::weighted(0.9, 0..TIMEOUTS.len()),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(user, timeout, finalizer, foreground)| SessionM {
            user,
            timeout,
            finalizer,
            foreground,
        })
}

fn request() -> impl Strategy<Value = RequestM> {
    (
        0u8..4,
        0u8..5,
        session(),
        session(),
        any::<bool>(),
        0..MAX_TIMEOUTS.len(),
    )
        .prop_map(
            |(operation, requester, object, stored, same_timeout, max_timeout)| RequestM {
                operation,
                requester,
                object,
                stored,
                same_timeout,
                max_timeout,
            },
        )
}

/// Spells each item: the plain spelling, or one drawn from `choices`.
struct Writer<'c> {
    choices: Option<&'c [u8]>,
    next: usize,
}

impl Writer<'_> {
    fn pick(&mut self, n: usize) -> usize {
        self.next += 1;
        match self.choices {
            None => 0,
            Some(c) => {
                usize::from(c.get(self.next % c.len().max(1)).copied().unwrap_or(0)) % n.max(1)
            }
        }
    }

    fn flag(&mut self) -> bool {
        self.pick(2) == 1
    }

    /// A Go spelling of `seconds`; the plain one is Go's own `String()`.
    fn duration(&mut self, seconds: u64) -> String {
        let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
        let go = if seconds == 0 {
            "0s".to_string()
        } else if h > 0 {
            format!("{h}h{m}m{s}s")
        } else if m > 0 {
            format!("{m}m{s}s")
        } else {
            format!("{s}s")
        };
        match self.pick(10) {
            1 => format!("{seconds}s"),
            2 if seconds.is_multiple_of(60) => format!("{}m", seconds / 60),
            3 => format!("{}ms", seconds * 1000),
            4 => format!("+{go}"),
            5 => format!("{}\u{b5}s", seconds * 1_000_000),
            6 if seconds.is_multiple_of(1800) => format!("{}h", seconds as f64 / 3600.0),
            7 => format!("0h{}m{s}s", seconds / 60),
            8 => format!("{seconds}.000s"),
            9 if seconds == 0 => "0".to_string(),
            9 => format!("{}us", seconds * 1_000_000),
            _ => go,
        }
    }

    fn session(&mut self, s: &SessionM, timeout: Option<usize>) -> Value {
        let mut spec = json!({"template": "ubuntu-desktop"});
        match s.user.and_then(|u| USERS.get(u)) {
            Some(user) => spec["user"] = json!(user),
            None if self.flag() => spec["user"] = Value::Null,
            None => {}
        }
        match timeout.and_then(|t| TIMEOUTS.get(t)) {
            Some(&seconds) => spec["timeout"] = json!(self.duration(seconds)),
            None if self.flag() => spec["timeout"] = Value::Null,
            None => {}
        }
        let mut finalizers = Vec::new();
        if s.finalizer {
            finalizers.push(FINALIZER);
        }
        if s.foreground {
            finalizers.push("foregroundDeletion");
        }
        if self.flag() {
            finalizers.reverse();
        }
        let mut metadata = json!({"name": "desk-1", "namespace": "vdi"});
        if !finalizers.is_empty() {
            metadata["finalizers"] = json!(finalizers);
        } else if self.flag() {
            metadata["finalizers"] = Value::Null;
        }
        json!({
            "apiVersion": "vdi.kasm.io/v1alpha1",
            "kind": "VDISession",
            "metadata": metadata,
            "spec": spec,
        })
    }

    fn payload(&mut self, r: &RequestM) -> Value {
        let (username, groups) = match r.requester {
            0 => ("oidc:alice", vec!["system:authenticated"]),
            1 => ("oidc:bob", vec!["system:authenticated"]),
            2 => (OPERATOR, vec!["system:serviceaccounts"]),
            3 => ("oidc:carol", vec!["system:authenticated", "vdi-admins"]),
            _ => ("alice", vec!["system:authenticated"]),
        };
        let mut groups = groups;
        if self.flag() {
            groups.reverse();
        }
        let operation = match r.operation {
            0 => "CREATE",
            2 => "DELETE",
            _ => "UPDATE",
        };
        let mut request = json!({
            "uid": "equivalence",
            "kind": {"group": "vdi.kasm.io", "version": "v1alpha1", "kind": "VDISession"},
            "resource": {"group": "vdi.kasm.io", "version": "v1alpha1", "resource": "vdisessions"},
            "name": "desk-1",
            "namespace": "vdi",
            "operation": operation,
            "userInfo": {"username": username, "groups": groups},
        });
        if r.operation == 3 {
            request["subResource"] = json!("status");
        }
        let new_timeout = if r.same_timeout {
            r.stored.timeout
        } else {
            r.object.timeout
        };
        if r.operation != 2 {
            request["object"] = self.session(&r.object, new_timeout);
        }
        if r.operation != 0 {
            request["oldObject"] = self.session(&r.stored, r.stored.timeout);
        }
        let mut settings = json!({"usernamePrefix": "oidc:", "privilegedGroups": ["vdi-admins"]});
        if let Some(seconds) = MAX_TIMEOUTS.get(r.max_timeout).copied().flatten() {
            settings["maxTimeout"] = json!(self.duration(seconds));
        }
        json!({"request": request, "settings": settings})
    }
}

fn verdict(payload: &Value, seed: u64) -> (bool, String) {
    let text = shared::key_order::write(payload, seed);
    let raw = (session_ownership::NATIVE.validate)(text.as_bytes(), &shared::policy::NoCluster)
        .unwrap_or_else(|e| panic!("validate returned an error instead of a verdict: {e}"));
    let response: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    (
        response["accepted"].as_bool().unwrap_or(false),
        response["message"].as_str().unwrap_or_default().to_string(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn equivalent_spellings_get_equal_verdicts(
        r in request(),
        choices in prop::collection::vec(any::<u8>(), 64),
        seed in any::<u64>(),
    ) {
        let plain = Writer { choices: None, next: 0 }.payload(&r);
        let respelled = Writer { choices: Some(&choices), next: 0 }.payload(&r);
        let (a, message_a) = verdict(&plain, 0);
        let (b, message_b) = verdict(&respelled, seed);
        prop_assert_eq!(a, b, "\nplain:     {}\n  -> {}\nrespelled: {}\n  -> {}", plain, message_a, respelled, message_b);
    }
}

//! Requests through the native entry point, answered as policy-server would.

#![allow(dead_code)]

use serde_json::{Value, json};

pub const OPERATOR: &str = "system:serviceaccount:vdi-system:vdi-operator";

/// The settings of `settings.yaml`, spelled out.
pub fn settings() -> Value {
    json!({
        "allowSharing": {"clipboard": ["design-tools"], "drives": ["data-science"]},
        "privilegedUsers": [OPERATOR],
        "privilegedGroups": ["oidc:vdi-admins"],
    })
}

/// A VDITemplate with `sharing` (absent when `Value::Null` is not wanted:
/// pass `None`).
pub fn template(name: &str, sharing: Option<Value>) -> Value {
    let mut t = json!({
        "apiVersion": "vdi.kasm.io/v1alpha1",
        "kind": "VDITemplate",
        "metadata": {"name": name},
        "spec": {"image": "registry.vdi.example.com/desktops/ubuntu-jammy:1.16.0"},
    });
    if let Some(sharing) = sharing {
        t["spec"]["sharing"] = sharing;
    }
    t
}

pub struct Request<'a> {
    pub operation: &'a str,
    pub user: &'a str,
    pub groups: &'a [&'a str],
    pub object: Value,
    pub old_object: Option<Value>,
    pub settings: Value,
}

impl Request<'_> {
    pub fn create(object: Value) -> Request<'static> {
        Request {
            operation: "CREATE",
            user: "oidc:carol",
            groups: &["oidc:vdi-editors", "system:authenticated"],
            object,
            old_object: None,
            settings: settings(),
        }
    }

    pub fn update(old: Value, new: Value) -> Request<'static> {
        Request {
            operation: "UPDATE",
            old_object: Some(old),
            ..Request::create(new)
        }
    }

    pub fn by<'b>(self, user: &'b str, groups: &'b [&'b str]) -> Request<'b>
    where
        Self: 'b,
    {
        Request {
            user,
            groups,
            ..self
        }
    }

    pub fn payload(&self) -> Vec<u8> {
        // The API server's request name is a string; an odd object name
        // stays in the object only.
        let name = match &self.object["metadata"]["name"] {
            Value::String(name) => json!(name),
            _ => Value::Null,
        };
        let mut request = json!({
            "uid": "6b2a1c3e-0d4f-4a5b-8c7d-9e0f1a2b3c4d",
            "kind": {"group": "vdi.kasm.io", "version": "v1alpha1", "kind": "VDITemplate"},
            "resource": {"group": "vdi.kasm.io", "version": "v1alpha1", "resource": "vditemplates"},
            "name": name,
            "operation": self.operation,
            "userInfo": {"username": self.user, "groups": self.groups},
            "object": self.object,
        });
        if let Some(old) = &self.old_object {
            request["oldObject"] = old.clone();
        }
        json!({"request": request, "settings": self.settings})
            .to_string()
            .into_bytes()
    }

    pub fn run(&self) -> (bool, String) {
        answer(&self.payload())
    }
}

/// The verdict for a raw payload; a guest error, a malformed response or a
/// rejection without a message fail the test.
pub fn answer(payload: &[u8]) -> (bool, String) {
    let raw = (data_sharing::NATIVE.validate)(payload, &shared::policy::NoCluster)
        .unwrap_or_else(|e| panic!("validate returned an error instead of a verdict: {e}"));
    let response: Value = serde_json::from_slice(&raw).expect("a ValidationResponse");
    let accepted = response["accepted"]
        .as_bool()
        .unwrap_or_else(|| panic!("malformed response {response}"));
    let message = response["message"].as_str().unwrap_or_default().to_string();
    assert!(
        accepted || !message.trim().is_empty(),
        "rejection without a message"
    );
    (accepted, message)
}

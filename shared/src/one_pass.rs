//! The `validate` payload read in one pass (issue 23).
//!
//! [`Payload::decode`] captures the object as a `RawValue` (serde_json scans
//! and checks all of it) and the handler then decodes its view from that
//! text: two full scans of the largest part of the request. policy-server
//! writes the AdmissionRequest's `kind` (and `subResource`, `operation`,
//! `userInfo`) before `object`, so when this reader reaches the object it
//! can pick the route and decode the route's view (a pod template, or the
//! object as a whole) in place, once.
//!
//! Only the envelope's punctuation is read here; every key and value is
//! decoded by serde_json from where it starts ([`read_value`]), with the
//! types [`Payload`] and [`AdmissionRequest`] derive, so each reads exactly
//! as on the general path. What this reader cannot show the general path
//! would read the same way it does not read at all: a repeated field, a
//! value of the wrong type, malformed JSON, an envelope written as an array,
//! trailing text. For those it answers `None` and the caller takes the
//! general path, which gives the verdict and words the error. An object
//! that comes before the kind (other clients, hand-written requests,
//! fixtures) is captured as on the general path, and a route whose handler
//! reads the request itself reads the captured text as before.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::policy::{Handling, Pending, Prepared, ReadView, Route};
use crate::request::{
    AdmissionRequest, GroupVersionKind, Operation, Payload, RawValue, UserInfo, read_value,
};
use crate::text::Text;

/// What the one-pass read gives: the payload, and for the route its object
/// was read for, that route's index and its judgment.
pub(crate) type Read<'a, S> = (Payload<'a>, Prepared<'a, S>);

/// Reads `text` in one pass for a policy with these routes; `None` when the
/// general path must read it.
pub(crate) fn read<'a, S>(text: &'a str, routes: &[Route<S>]) -> Option<Read<'a, S>> {
    let mut cursor = Cursor { text, at: 0 };
    let mut request = None;
    let mut settings = None;
    cursor.object(|cursor, key| match key {
        "request" => once(&mut request, read_request(cursor, routes)?),
        "settings" => once(&mut settings, cursor.value::<Option<&'a RawValue>>()?),
        _ => cursor.value::<IgnoredAny>().map(drop),
    })?;
    if cursor.peek().is_some() {
        return None;
    }
    let (request, pending) = request?;
    let payload = Payload {
        request,
        settings: settings.flatten(),
    };
    Some((payload, pending))
}

/// How the object was read.
enum Object<'a, S> {
    /// Captured, as on the general path (`null`, or no route to read it for).
    Captured(Option<&'a RawValue>),
    /// Read into the view of the route at this index; the text it took.
    Read(&'a str, usize, Pending<'a, S>),
}

/// The AdmissionRequest's fields, as `AdmissionRequest`'s `Deserialize`
/// names them (its snake_case aliases fill the same field: both spellings
/// at once are a repeated field).
fn read_request<'a, S>(
    cursor: &mut Cursor<'a>,
    routes: &[Route<S>],
) -> Option<(AdmissionRequest<'a>, Prepared<'a, S>)> {
    let mut uid = None;
    let mut kind: Option<GroupVersionKind<'a>> = None;
    let mut sub_resource: Option<Option<Text<'a>>> = None;
    let mut name = None;
    let mut namespace = None;
    let mut operation = None;
    let mut user_info = None;
    let mut object = None;
    let mut old_object = None;
    cursor.object(|cursor, key| match key {
        "uid" => once(&mut uid, cursor.value::<Text<'a>>()?),
        "kind" => once(&mut kind, cursor.value()?),
        "subResource" | "sub_resource" => once(&mut sub_resource, cursor.value()?),
        "name" => once(&mut name, cursor.value::<Option<Text<'a>>>()?),
        "namespace" => once(&mut namespace, cursor.value::<Option<Text<'a>>>()?),
        "operation" => once(&mut operation, cursor.value::<Operation>()?),
        "userInfo" | "user_info" => once(&mut user_info, cursor.value::<UserInfo<'a>>()?),
        "oldObject" | "old_object" => {
            once(&mut old_object, cursor.value::<Option<&'a RawValue>>()?)
        }
        "object" => {
            let reader = kind.as_ref().and_then(|kind| {
                let subresource = sub_resource.as_ref().map(|s| s.as_deref());
                view_route(routes, kind, subresource, operation)
            });
            let read = match (cursor.peek()?, reader) {
                (b'n', _) | (_, None) => Object::Captured(cursor.value()?),
                (_, Some((index, reader))) => {
                    let (text, pending) = cursor.read_with(|text| reader.read(text))?;
                    Object::Read(text, index, pending)
                }
            };
            once(&mut object, read)
        }
        _ => cursor.value::<IgnoredAny>().map(drop),
    })?;
    let (object, read_object, pending) = match object {
        None => (None, None, None),
        Some(Object::Captured(raw)) => (raw, None, None),
        Some(Object::Read(text, index, pending)) => (None, Some(text), Some((index, pending))),
    };
    let text = |t: Option<Option<Text<'a>>>| t.flatten().map(|t| t.0);
    let request = AdmissionRequest {
        uid: uid.map_or(Cow::Borrowed(""), |t| t.0),
        kind: kind?,
        sub_resource: text(sub_resource),
        name: text(name),
        namespace: text(namespace),
        operation: operation?,
        user_info: user_info.unwrap_or_default(),
        object,
        old_object: old_object.flatten(),
        read_object,
    };
    Some((request, pending))
}

/// The route whose handler takes a view of the object and that the request
/// comes to, as far as the fields read before the object tell: a subresource not
/// yet read is taken to be none (the common case), an operation not yet
/// read to be the route's. A guess that the rest of the request proves
/// wrong costs a second scan of the object, never a different verdict:
/// the judgment is taken only for the route the request does come to.
fn view_route<'r, S>(
    routes: &'r [Route<S>],
    kind: &GroupVersionKind<'_>,
    subresource: Option<Option<&str>>,
    operation: Option<Operation>,
) -> Option<(usize, &'r dyn ReadView<S>)> {
    let subresource = subresource.flatten().filter(|s| !s.is_empty());
    let (index, route) = routes.iter().enumerate().find(|(_, r)| {
        r.resource.is_kind(kind)
            && r.resource.subresource == subresource
            && operation.is_none_or(|op| r.operations.contains(&op))
    })?;
    match &route.handling {
        Handling::View(reader) => Some((index, reader.as_ref())),
        Handling::Request(_) => None,
    }
}

/// Sets a field read once; a second value is a repeated field, which
/// `Deserialize` refuses.
fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    match slot {
        Some(_) => None,
        None => {
            *slot = Some(value);
            Some(())
        }
    }
}

struct Cursor<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    /// The next byte after JSON whitespace (serde_json's four).
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.text.as_bytes();
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = bytes.get(self.at) {
            self.at += 1;
        }
        bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// Decodes the value that starts here.
    fn value<T: Deserialize<'a>>(&mut self) -> Option<T> {
        self.peek()?;
        let (value, used) = read_value(self.text.get(self.at..)?).ok()?;
        self.at += used;
        Some(value)
    }

    /// Reads the value that starts here with `read`, which says how many
    /// bytes it took; gives that text too.
    fn read_with<T>(
        &mut self,
        read: impl FnOnce(&'a str) -> Result<(T, usize), serde_json::Error>,
    ) -> Option<(&'a str, T)> {
        self.peek()?;
        let rest = self.text.get(self.at..)?;
        let (value, used) = read(rest).ok()?;
        let text = rest.get(..used)?;
        self.at += used;
        Some((text, value))
    }

    /// Reads the JSON object that starts here, calling `entry` to read the
    /// value of each key.
    fn object(&mut self, mut entry: impl FnMut(&mut Self, &str) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            let key: Text<'a> = self.value()?;
            self.eat(b':')?;
            entry(self, &key)?;
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{
        Admission, Input, NoCluster, ObjectView, Policy, Resource, Route, Template, TemplateViews,
        WRITES, dispatch, pod_kind, template_routes,
    };
    use crate::response::Rejection;
    use crate::settings::PolicySettings;
    use proptest::prelude::*;
    use rstest::rstest;
    use serde_json::{Value, json};

    #[derive(Deserialize, Default)]
    #[serde(default, deny_unknown_fields)]
    struct Settings {
        allow_privileged: bool,
        fill_names: bool,
    }

    impl PolicySettings for Settings {
        fn validate(&self) -> Result<(), String> {
            Ok(())
        }
    }

    struct Views;

    impl TemplateViews for Views {
        type Spec<'a> = Spec<'a>;
        type Metadata<'a> = Meta<'a>;
    }

    #[derive(Deserialize)]
    struct Spec<'a> {
        #[serde(default, borrow)]
        containers: Vec<Container<'a>>,
    }

    #[derive(Deserialize)]
    struct Container<'a> {
        #[serde(borrow)]
        name: Text<'a>,
        #[serde(default)]
        privileged: Option<bool>,
    }

    #[derive(Deserialize, Default)]
    struct Meta<'a> {
        #[serde(default, borrow)]
        name: Option<Text<'a>>,
    }

    /// A verdict that depends on the view, the request's envelope and the
    /// settings, so that any field read differently changes the message.
    fn judge_template(
        input: &Input<'_, '_, Settings>,
        template: &Template<'_, Views>,
    ) -> Result<(), Rejection> {
        let request = input.request;
        let names: Vec<&str> = template.spec.containers.iter().map(|c| &*c.name).collect();
        let privileged = template
            .spec
            .containers
            .iter()
            .any(|c| c.privileged == Some(true));
        if template.metadata.name.is_none() {
            return Err(Rejection::new(format!("{} has no name", request.kind)));
        }
        if privileged && !input.settings.allow_privileged {
            return Err(Rejection::new(format!(
                "{} {} {:?} {:?}/{:?} uid {:?} by {} {:?}: privileged in {names:?} at {}",
                request.operation,
                request.kind,
                request.subresource(),
                request.namespace,
                request.name,
                request.uid,
                request.user_info.username,
                request.user_info.groups,
                template.spec_path,
            )));
        }
        Ok(())
    }

    fn judge_session(input: &Input<'_, '_, Settings>) -> Result<(), Rejection> {
        let object: Value = input.request.decode_object()?;
        match object.get("deny") {
            Some(why) => Err(Rejection::new(format!("session denied: {why}"))),
            None => Ok(()),
        }
    }

    /// Names an unnamed Pod when `fillNames` is set; reads the raw object,
    /// as the projection-based mutators do.
    fn fill_name(input: &Input<'_, '_, Settings>) -> Result<Option<Box<RawValue>>, Rejection> {
        if !input.settings.fill_names || input.workload != Some(pod_kind()) {
            return Ok(None);
        }
        let mut object: Value = input.request.decode_object()?;
        if object.pointer("/metadata/name").is_some() {
            return Ok(None);
        }
        object["metadata"] = json!({"name": "filled"});
        Ok(Some(RawValue::from_string(object.to_string()).unwrap()))
    }

    /// [`fill_name`] for the template routes, which tell from the template
    /// as sent that a named pod has nothing to fill in.
    fn fill_template_name(
        input: &Input<'_, '_, Settings>,
        sent: Option<&Template<'_, Views>>,
    ) -> Result<Option<Box<RawValue>>, Rejection> {
        match sent {
            Some(template) if template.metadata.name.is_some() => Ok(None),
            _ => fill_name(input),
        }
    }

    /// An object route's view: what a VDITemplate says of itself.
    struct Denial;

    impl ObjectView for Denial {
        type Object<'a> = Denied<'a>;
    }

    #[derive(Deserialize)]
    struct Denied<'a> {
        #[serde(default, borrow)]
        deny: Option<Text<'a>>,
    }

    fn judge_denial(input: &Input<'_, '_, Settings>, object: &Denied<'_>) -> Result<(), Rejection> {
        match &object.deny {
            Some(why) => Err(Rejection::new(format!(
                "{} denied: {why}",
                input.request.kind
            ))),
            None => Ok(()),
        }
    }

    const TEMPLATES: Resource =
        Resource::new("vdi.kasm.io", "v1alpha1", "VDITemplate", "vditemplates");

    const SESSIONS: Resource =
        Resource::new("vdi.kasm.io", "v1alpha1", "VDISession", "vdisessions");

    struct Pods;

    impl Policy for Pods {
        const NAME: &'static str = "pods";
        type Settings = Settings;
        fn routes() -> Vec<Route<Settings>> {
            let mut routes: Vec<_> =
                template_routes::<Views, _>(WRITES, judge_template, Some(fill_template_name))
                    .collect();
            // A template route with a mutator that reads the request.
            routes.push(
                Route::template_subresource::<Views>(
                    pod_kind(),
                    "ephemeralcontainers",
                    &[Operation::Update],
                    judge_template,
                    None,
                )
                .mutating(fill_name),
            );
            routes.push(
                Route::new(
                    SESSIONS,
                    &[Operation::Create, Operation::Update, Operation::Delete],
                    judge_session,
                )
                .mutating(fill_name),
            );
            routes.push(Route::object::<Denial>(TEMPLATES, WRITES, judge_denial));
            routes
        }
    }

    /// The answer of the general path: capture, then decode.
    fn general(payload: &[u8]) -> Result<Admission, Rejection> {
        let payload = Payload::decode(Payload::text(payload)?)?;
        let settings = payload.settings::<Settings>()?;
        dispatch::<Pods>(&payload.request, &settings, &NoCluster)
    }

    /// The answer of the entry point, and whether it read the object once.
    fn entry(payload: &[u8]) -> (Result<Admission, Rejection>, bool) {
        let routes = Pods::routes();
        let once = Payload::text(payload)
            .ok()
            .and_then(|text| read(text, &routes))
            .is_some_and(|(_, pending)| pending.is_some());
        let answer = crate::policy::validate::<Pods>(payload, &NoCluster).unwrap();
        let answer: Value = serde_json::from_slice(&answer).unwrap();
        let mutated = answer.get("mutated_object").filter(|o| !o.is_null());
        let outcome = match (&answer["accepted"], mutated) {
            (Value::Bool(true), None) => Ok(Admission::Accept),
            (Value::Bool(true), Some(object)) => Ok(Admission::Mutate(
                RawValue::from_string(object.to_string()).unwrap(),
            )),
            _ => Err(Rejection::new(answer["message"].as_str().unwrap())),
        };
        (outcome, once)
    }

    /// The request in policy-server's field order.
    fn policy_server_order(request: &Value, settings: Option<&Value>) -> String {
        const ORDER: [&str; 9] = [
            "uid",
            "kind",
            "subResource",
            "name",
            "namespace",
            "operation",
            "userInfo",
            "object",
            "oldObject",
        ];
        let map = request.as_object().unwrap();
        let fields: Vec<String> = ORDER
            .iter()
            .filter_map(|k| map.get(*k).map(|v| format!("{}:{v}", Value::from(*k))))
            .chain(
                map.iter()
                    .filter(|(k, _)| !ORDER.contains(&k.as_str()))
                    .map(|(k, v)| format!("{}:{v}", Value::from(k.as_str()))),
            )
            .collect();
        let request = format!("{{{}}}", fields.join(","));
        match settings {
            Some(s) => format!(r#"{{"request":{request},"settings":{s}}}"#),
            None => format!(r#"{{"request":{request}}}"#),
        }
    }

    fn pod(containers: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"a": "b"}},
               "spec": {"containers": containers, "volumes": [{"name": "v", "emptyDir": {}}]},
               "status": {"phase": "Pending"}})
    }

    fn request(kind: Value, operation: &str, object: Value) -> Value {
        json!({"uid": "u-1", "kind": kind, "resource": {"group": "", "version": "v1", "resource": "pods"},
               "name": "p", "namespace": "vdi", "operation": operation,
               "userInfo": {"username": "alice", "groups": ["vdi-users"]},
               "object": object, "dryRun": false})
    }

    fn core(kind: &str) -> Value {
        json!({"group": "", "version": "v1", "kind": kind})
    }

    fn deployment(template: Value) -> Value {
        json!({"kind": "Deployment", "spec": {"replicas": 2, "template": template}})
    }

    fn cases() -> Vec<(&'static str, Value, Option<Value>)> {
        let ok = pod(json!([{"name": "desktop", "image": "x"}]));
        let privileged = pod(json!([{"name": "a"}, {"name": "b", "privileged": true}]));
        let apps = json!({"group": "apps", "version": "v1", "kind": "Deployment"});
        let mut update = request(core("Pod"), "UPDATE", privileged.clone());
        update["oldObject"] = ok.clone();
        let mut ephemeral = update.clone();
        ephemeral["subResource"] = json!("ephemeralcontainers");
        let mut unnamed_ephemeral = ephemeral.clone();
        unnamed_ephemeral["object"] = json!({"spec": {"containers": [{"name": "e"}]}});
        let mut empty_sub = request(core("Pod"), "CREATE", privileged.clone());
        empty_sub["subResource"] = json!("");
        let mut status = update.clone();
        status["subResource"] = json!("status");
        let mut delete = request(core("Pod"), "DELETE", Value::Null);
        delete["oldObject"] = ok.clone();
        let mut no_object = request(core("Pod"), "CREATE", Value::Null);
        no_object.as_object_mut().unwrap().remove("object");
        let vdi_template =
            json!({"group": "vdi.kasm.io", "version": "v1alpha1", "kind": "VDITemplate"});
        let mut escaped = request(core("Pod"), "CREATE", privileged.clone());
        escaped["userInfo"]["username"] = json!("a\u{e9}\"b");
        vec![
            (
                "accepted pod",
                request(core("Pod"), "CREATE", ok.clone()),
                None,
            ),
            (
                "privileged pod",
                request(core("Pod"), "CREATE", privileged.clone()),
                None,
            ),
            (
                "allowed by settings",
                request(core("Pod"), "CREATE", privileged.clone()),
                Some(json!({"allowPrivileged": true})),
            ),
            (
                "settings null",
                request(core("Pod"), "CREATE", privileged.clone()),
                Some(Value::Null),
            ),
            (
                "settings invalid",
                request(core("Pod"), "CREATE", privileged.clone()),
                Some(json!({"typo": 1})),
            ),
            (
                "filled in",
                request(
                    core("Pod"),
                    "CREATE",
                    pod(json!([{"name": "a"}]))
                        .as_object()
                        .unwrap()
                        .iter()
                        .filter(|(k, _)| *k != "metadata")
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                ),
                Some(json!({"fillNames": true})),
            ),
            (
                "filled, then privileged",
                request(
                    core("Pod"),
                    "CREATE",
                    json!({"spec": {"containers": [{"name": "a", "privileged": true}]}}),
                ),
                Some(json!({"fillNames": true})),
            ),
            (
                "deployment",
                request(
                    apps.clone(),
                    "CREATE",
                    deployment(
                        json!({"metadata": {"name": "t"}, "spec": privileged["spec"].clone()}),
                    ),
                ),
                None,
            ),
            (
                "deployment without template",
                request(apps.clone(), "CREATE", json!({"spec": {"replicas": 1}})),
                None,
            ),
            (
                "cronjob",
                request(
                    json!({"group": "batch", "version": "v1", "kind": "CronJob"}),
                    "CREATE",
                    json!({"spec": {"jobTemplate": {"spec": {"template": {"metadata": {"name": "c"}, "spec": {"containers": [{"name": "c", "privileged": true}]}}}}}}),
                ),
                None,
            ),
            ("update", update, None),
            ("ephemeral containers", ephemeral, None),
            (
                "ephemeral containers filled",
                unnamed_ephemeral,
                Some(json!({"fillNames": true})),
            ),
            ("empty subresource", empty_sub, None),
            ("unhandled subresource", status, None),
            ("undeclared delete", delete, None),
            ("no object", no_object, None),
            (
                "null object",
                request(core("Pod"), "CREATE", Value::Null),
                None,
            ),
            (
                "update without old object",
                request(core("Pod"), "UPDATE", ok.clone()),
                None,
            ),
            (
                "unknown kind",
                request(
                    json!({"group": "evil.io", "version": "v1", "kind": "Pod"}),
                    "CREATE",
                    ok.clone(),
                ),
                None,
            ),
            (
                "wrong type in view",
                request(
                    core("Pod"),
                    "CREATE",
                    json!({"metadata": {"name": "p"}, "spec": {"containers": 5}}),
                ),
                None,
            ),
            (
                "object not an object",
                request(core("Pod"), "CREATE", json!([1, 2])),
                None,
            ),
            ("escaped strings", escaped, None),
            (
                "session",
                request(
                    json!({"group": "vdi.kasm.io", "version": "v1alpha1", "kind": "VDISession"}),
                    "CREATE",
                    json!({"deny": "no"}),
                ),
                None,
            ),
            (
                "template denied",
                request(
                    vdi_template.clone(),
                    "CREATE",
                    json!({"deny": "no", "spec": {}}),
                ),
                None,
            ),
            (
                "template accepted",
                request(vdi_template.clone(), "UPDATE", json!({"spec": {"deny": 1}}))
                    .as_object()
                    .unwrap()
                    .clone()
                    .into_iter()
                    .chain([("oldObject".to_string(), json!({}))])
                    .collect(),
                None,
            ),
            (
                "template of wrong type",
                request(vdi_template, "CREATE", json!({"deny": 5})),
                None,
            ),
            (
                "unknown operation",
                request(core("Pod"), "PATCH", ok.clone()),
                None,
            ),
            (
                "kind of wrong type",
                request(json!({"kind": 7}), "CREATE", ok),
                None,
            ),
        ]
    }

    /// The cases whose object the one-pass reader does not read into a
    /// view: no view-taking route for it, no object, or a text it leaves to
    /// the general path.
    const NOT_READ_ONCE: [&str; 11] = [
        "session",
        "template of wrong type",
        "unhandled subresource",
        "undeclared delete",
        "no object",
        "null object",
        "unknown kind",
        "wrong type in view",
        "object not an object",
        "unknown operation",
        "kind of wrong type",
    ];

    #[test]
    fn policy_server_order_reads_once_and_answers_as_the_general_path() {
        for (name, request, settings) in cases() {
            let text = policy_server_order(&request, settings.as_ref());
            let (answer, once) = entry(text.as_bytes());
            assert_eq!(answer, general(text.as_bytes()), "{name}: {text}");
            let object_read = !NOT_READ_ONCE.contains(&name);
            assert_eq!(once, object_read, "{name}: {text}");
        }
    }

    /// An answer without the error's position, which moves with the text.
    fn unplaced(answer: Result<Admission, Rejection>) -> Result<Admission, String> {
        answer.map_err(|r| {
            let message = r.message();
            message[..message.find(" at line ").unwrap_or(message.len())].to_string()
        })
    }

    proptest! {
        /// Any order of the envelope's and the object's keys: the same
        /// answer as the general path on that text, and the same answer
        /// (but for an error's position) as policy-server's order.
        #[test]
        fn every_key_order_answers_as_policy_server_order(case in 0..cases().len(), seed in any::<u64>()) {
            let (name, request, settings) = cases().swap_remove(case);
            let mut payload = json!({"request": request});
            if let Some(settings) = &settings {
                payload["settings"] = settings.clone();
            }
            let text = crate::key_order::write(&payload, seed);
            let (answer, _) = entry(text.as_bytes());
            prop_assert_eq!(&answer, &general(text.as_bytes()), "{}: {}", name, text);
            let canonical = policy_server_order(&request, settings.as_ref());
            prop_assert_eq!(unplaced(answer), unplaced(entry(canonical.as_bytes()).0), "{}: {}", name, text);
        }
    }

    const POD: &str = r#""kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE""#;
    const PRIVILEGED: &str =
        r#"{"metadata":{"name":"p"},"spec":{"containers":[{"name":"a","privileged":true}]}}"#;

    /// Texts the one-pass reader must leave to the general path: each is
    /// refused or read there exactly as before.
    #[rstest]
    #[case::repeated_object(&format!(r#"{{"request":{{{POD},"object":{PRIVILEGED},"object":{{}}}}}}"#))]
    #[case::object_then_null(&format!(r#"{{"request":{{{POD},"object":{PRIVILEGED},"object":null}}}}"#))]
    #[case::alias_and_name(&format!(r#"{{"request":{{{POD},"userInfo":{{}},"user_info":{{}},"object":{PRIVILEGED}}}}}"#))]
    #[case::repeated_kind(&format!(r#"{{"request":{{{POD},{POD},"object":{PRIVILEGED}}}}}"#))]
    #[case::repeated_request(&format!(r#"{{"request":{{{POD},"object":{PRIVILEGED}}},"request":{{{POD},"object":{{}}}}}}"#))]
    #[case::repeated_settings(&format!(r#"{{"request":{{{POD},"object":{PRIVILEGED}}},"settings":{{}},"settings":{{"allowPrivileged":true}}}}"#))]
    #[case::trailing_text(&format!(r#"{{"request":{{{POD},"object":{PRIVILEGED}}}}} x"#))]
    #[case::trailing_comma(&format!(r#"{{"request":{{{POD},"object":{PRIVILEGED},}}}}"#))]
    #[case::truncated(&format!(r#"{{"request":{{{POD},"object":{PRIVILEGED}"#))]
    #[case::array_envelope(&format!(r#"[{{{POD},"object":{PRIVILEGED}}}]"#))]
    #[case::array_request(r#"{"request":["u",{"group":"","version":"v1","kind":"Pod"}]}"#)]
    #[case::not_json("not json")]
    #[case::empty("")]
    #[case::escaped_key(&format!(r#"{{"request":{{{POD},"ob\u006aect":{PRIVILEGED}}}}}"#))]
    #[case::whitespace(&format!(" {{ \"request\" :\n{{ {POD} ,\t\"object\" :\r{PRIVILEGED} }} }} "))]
    #[case::deep_object(&format!(r#"{{"request":{{{POD},"object":{{"metadata":{{"name":"p"}},"spec":{{"containers":[{{"name":"a","privileged":true}}],"x":{}1{}}}}}}}}}"#, "[".repeat(200), "]".repeat(200)))]
    fn irregular_texts_answer_as_the_general_path(#[case] text: &str) {
        let (answer, _) = entry(text.as_bytes());
        assert_eq!(answer, general(text.as_bytes()), "{text}");
    }

    #[test]
    fn invalid_utf8_in_a_skipped_string_of_the_object_is_refused_as_before() {
        let mut text = format!(r#"{{"request":{{{POD},"object":{{"metadata":{{"name":"p"}},"x":"#)
            .into_bytes();
        text.extend_from_slice(b"\"\xff\"}}}");
        let (answer, _) = entry(&text);
        assert_eq!(answer, general(&text));
        assert!(answer.unwrap_err().message().contains("cannot be decoded"));
    }

    /// The request with `bad` (not UTF-8) spliced in where `@` stands.
    fn spliced(text: &str, bad: &[u8]) -> Vec<u8> {
        let (before, after) = text.split_once("@").unwrap();
        [before.as_bytes(), bad, after.as_bytes()].concat()
    }

    #[rstest]
    #[case::in_the_object(format!(r#"{{"request":{{{POD},"object":{{"x":"@"}}}}}}"#), b"\xff")]
    #[case::in_settings_after_the_object(format!(r#"{{"request":{{{POD},"object":{PRIVILEGED}}},"settings":{{"x":"@"}}}}"#), b"\xc3(")]
    #[case::in_a_key_nobody_reads(format!(r#"{{"@":1,"request":{{{POD},"object":{PRIVILEGED}}}}}"#), b"\xe2\x82")]
    fn a_payload_that_is_not_utf8_is_refused_before_any_decoding(
        #[case] text: String,
        #[case] bad: &[u8],
    ) {
        let bytes = spliced(&text, bad);
        let (answer, once) = entry(&bytes);
        assert!(!once);
        let message = answer.unwrap_err().message().to_string();
        assert!(
            message.contains("cannot be decoded: it is not UTF-8 text"),
            "{message}"
        );
    }

    #[test]
    fn an_object_before_the_kind_is_captured_and_decoded_as_before() {
        let text = format!(r#"{{"request":{{"object":{PRIVILEGED},{POD}}}}}"#);
        let routes = Pods::routes();
        let (payload, pending) = read(&text, &routes).expect("read in one pass");
        assert!(pending.is_none());
        assert!(payload.request.object.is_some());
        let (answer, once) = entry(text.as_bytes());
        assert!(!once);
        assert!(
            answer
                .unwrap_err()
                .message()
                .contains("privileged in [\"a\"]")
        );
    }
}

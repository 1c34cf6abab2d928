//! The policy contract: what a policy declares, and the one place that turns
//! a request into a call of the right handler.
//!
//! A policy is a name, a settings type and a table of routes, each a
//! (group, version, kind, resource[/subresource]) with the operations it
//! judges and its handler. Everything else — the operation semantics, the
//! presence of `object`/`oldObject`, the message for a request the policy
//! was not written for — is decided here once, so the policies cannot drift
//! apart on it. The same table is what `metadata.yml`'s rules are tested
//! against, both ways.
//!
//! The operation table (every policy):
//!
//! | request | outcome |
//! |---|---|
//! | kind or subresource not in the table | rejected: "does not handle", with the table |
//! | CREATE or UPDATE not declared for that route | rejected: "does not handle" |
//! | CONNECT not declared for that route | rejected: "does not handle" |
//! | DELETE not declared for that route | accepted: removing an object admits nothing |
//! | CREATE or UPDATE with `object` absent or `null` | rejected |
//! | UPDATE with `oldObject` absent or `null` | rejected (the API server always sends it) |
//! | DELETE declared, `oldObject` absent or `null` | rejected |
//! | CONNECT declared | the handler reads the request (the object is the options) |
//! | a mutating route | the mutator fills in what is unset, then the handler judges the mutated object; admitted with the mutation, or rejected |

use std::fmt::Write as _;

use wapc_guest::CallResult;

use serde::Deserialize;

use crate::host::KubernetesHost;
use crate::kinds::{PodTemplate, WORKLOAD_KINDS, WorkloadKind};
use crate::request::{AdmissionRequest, Operation, Payload, RawValue, decode_view, read_value};
use crate::response::{Rejection, respond};
use crate::settings::PolicySettings;

/// CREATE and UPDATE: the operations that write an object.
pub const WRITES: &[Operation] = &[Operation::Create, Operation::Update];

/// A resource as admission rules name it, and the kind its requests carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resource {
    pub group: &'static str,
    pub version: &'static str,
    /// The `kind` of the AdmissionRequest (`PodExecOptions` for `pods/exec`).
    pub kind: &'static str,
    /// The plural resource name of the admission rule.
    pub resource: &'static str,
    /// The subresource, if the route is for one (`ephemeralcontainers`).
    pub subresource: Option<&'static str>,
}

impl Resource {
    pub const fn new(
        group: &'static str,
        version: &'static str,
        kind: &'static str,
        resource: &'static str,
    ) -> Self {
        Resource {
            group,
            version,
            kind,
            resource,
            subresource: None,
        }
    }

    /// The same resource's subresource, whose requests carry `kind`.
    pub const fn subresource(self, subresource: &'static str, kind: &'static str) -> Self {
        Resource {
            kind,
            subresource: Some(subresource),
            ..self
        }
    }

    /// `group/version` (`v1` for the core group).
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `resource` or `resource/subresource`, as in an admission rule.
    pub fn rule_resource(&self) -> String {
        match self.subresource {
            Some(sub) => format!("{}/{sub}", self.resource),
            None => self.resource.to_string(),
        }
    }

    fn matches(&self, request: &AdmissionRequest<'_>) -> bool {
        self.is_kind(&request.kind) && self.subresource == request.subresource()
    }

    pub(crate) fn is_kind(&self, gvk: &crate::request::GroupVersionKind<'_>) -> bool {
        self.group == gvk.group && self.version == gvk.version && self.kind == gvk.kind
    }
}

impl WorkloadKind {
    /// The admission-rule resource of this workload kind.
    pub const fn as_resource(&'static self) -> Resource {
        Resource::new(self.group, self.version, self.kind, self.resource)
    }
}

/// What a handler is given: the request, the decoded settings, the cluster
/// (for context-aware lookups) and, for routes of workload kinds, the
/// workload kind that matched.
pub struct Input<'r, 'a, S> {
    pub request: &'r AdmissionRequest<'a>,
    pub settings: &'r S,
    pub host: &'r dyn KubernetesHost,
    pub workload: Option<&'static WorkloadKind>,
}

impl<'a, S> Input<'_, 'a, S> {
    /// The workload kind of the route, for handlers that only serve
    /// workload routes; a rejection (never a panic) if the table is wrong.
    pub fn workload(&self) -> Result<&'static WorkloadKind, Rejection> {
        self.workload.ok_or_else(|| {
            Rejection::new(format!(
                "{} is routed to a workload check but is not a workload kind",
                self.request.kind
            ))
        })
    }
}

pub type Handler<S> = fn(&Input<'_, '_, S>) -> Result<(), Rejection>;

/// The views a template route's handler reads of a workload's pod template,
/// named for every lifetime so that shared can decode them itself: in one
/// pass with the envelope when the request allows, else from the object's
/// text, and from a mutated object's text alike.
pub trait TemplateViews: 'static {
    type Spec<'a>: Deserialize<'a> + 'a;
    type Metadata<'a>: Deserialize<'a> + Default + 'a;
}

/// A workload's pod template as `V` views it.
pub type Template<'a, V> =
    PodTemplate<<V as TemplateViews>::Spec<'a>, <V as TemplateViews>::Metadata<'a>>;

/// A handler given the pod template of the object, decoded for it.
pub type TemplateHandler<S, V> =
    for<'r, 'a> fn(&Input<'r, 'a, S>, &Template<'a, V>) -> Result<(), Rejection>;

/// A template route's [`Mutator`], given the template as sent (`None` when
/// it cannot be decoded: the handler then refuses the object as sent, or
/// judges what the mutator makes of it), so that it need not decode the
/// object again to decide whether anything is to change.
pub type TemplateMutator<S, V> = for<'r, 'a> fn(
    &Input<'r, 'a, S>,
    Option<&Template<'a, V>>,
) -> Result<Option<Box<RawValue>>, Rejection>;

/// A route's judgment with its view already decoded (or the rejection its
/// decoding came to), waiting for the settings, which follow the request.
pub(crate) type Pending<'a, S> =
    Box<dyn for<'r> FnOnce(&Input<'r, 'a, S>) -> Result<Admission, Rejection> + 'a>;

/// The judgment the one-pass decode prepared, with the index of the route
/// it was prepared for.
pub(crate) type Prepared<'a, S> = Option<(usize, Pending<'a, S>)>;

/// How a route's handler gets the object.
pub enum Handling<S> {
    /// It reads the request itself.
    Request(Handler<S>),
    /// It is given a view of the object (the workload's pod template, or
    /// the object as a whole), decoded for it.
    View(Box<dyn ReadView<S>>),
}

/// A view-taking handler with its view types erased, so that routes of
/// different views share one table.
pub trait ReadView<S> {
    /// Decodes the view from the JSON value at the start of `text` into
    /// the route's judgment (mutator, then handler), with the bytes the
    /// value took.
    fn read<'a>(&self, text: &'a str) -> Result<(Pending<'a, S>, usize), serde_json::Error>;

    /// Decodes the view from `raw` and judges it (mutator, then handler).
    fn run<'a>(&self, input: &Input<'_, 'a, S>, raw: &'a RawValue) -> Result<Admission, Rejection>;

    /// Decodes the view from `raw` and runs the handler alone (on an
    /// object a mutator made).
    fn judge<'a>(&self, input: &Input<'_, 'a, S>, raw: &'a RawValue) -> Result<(), Rejection>;
}

/// The view an object route's handler reads of the whole object, named
/// for every lifetime (as [`TemplateViews`] names a template's).
pub trait ObjectView: 'static {
    type Object<'a>: Deserialize<'a> + 'a;
}

/// A handler given the object as `V` views it, decoded for it.
pub type ObjectHandler<S, V> =
    for<'r, 'a> fn(&Input<'r, 'a, S>, &<V as ObjectView>::Object<'a>) -> Result<(), Rejection>;

struct ObjectRoute<S, V: ObjectView>(ObjectHandler<S, V>);

impl<S: 'static, V: ObjectView> ReadView<S> for ObjectRoute<S, V> {
    fn read<'a>(&self, text: &'a str) -> Result<(Pending<'a, S>, usize), serde_json::Error> {
        let (object, used) = read_value::<V::Object<'a>>(text)?;
        let handler = self.0;
        let pending: Pending<'a, S> =
            Box::new(move |input| handler(input, &object).map(|()| Admission::Accept));
        Ok((pending, used))
    }

    fn run<'a>(&self, input: &Input<'_, 'a, S>, raw: &'a RawValue) -> Result<Admission, Rejection> {
        self.judge(input, raw).map(|()| Admission::Accept)
    }

    fn judge<'a>(&self, input: &Input<'_, 'a, S>, raw: &'a RawValue) -> Result<(), Rejection> {
        (self.0)(input, &decode_view(raw, &input.request.kind.kind)?)
    }
}

struct TemplateRoute<S, V: TemplateViews> {
    kind: &'static WorkloadKind,
    handler: TemplateHandler<S, V>,
    mutator: Option<TemplateMutator<S, V>>,
}

impl<S, V: TemplateViews> Clone for TemplateRoute<S, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S, V: TemplateViews> Copy for TemplateRoute<S, V> {}

impl<S, V: TemplateViews> TemplateRoute<S, V> {
    /// The mutator on the template as sent; then the handler on that
    /// template, or on the mutated object.
    fn run_on<'a>(
        self,
        input: &Input<'_, 'a, S>,
        template: Result<Template<'a, V>, Rejection>,
    ) -> Result<Admission, Rejection> {
        let mutated = match self.mutator {
            Some(mutator) => mutator(input, template.as_ref().ok())?,
            None => None,
        };
        let Some(object) = mutated else {
            return (self.handler)(input, &template?).map(|()| Admission::Accept);
        };
        let request = with_object(input.request, &object);
        let mutated_input = Input {
            request: &request,
            settings: input.settings,
            host: input.host,
            workload: input.workload,
        };
        (self.handler)(&mutated_input, &self.kind.decode(&object)?)?;
        Ok(Admission::Mutate(object))
    }
}

impl<S: 'static, V: TemplateViews> ReadView<S> for TemplateRoute<S, V> {
    fn read<'a>(&self, text: &'a str) -> Result<(Pending<'a, S>, usize), serde_json::Error> {
        let (template, used) = self.kind.read::<V::Spec<'a>, V::Metadata<'a>>(text)?;
        let route = *self;
        let pending: Pending<'a, S> = Box::new(move |input| route.run_on(input, template));
        Ok((pending, used))
    }

    fn run<'a>(&self, input: &Input<'_, 'a, S>, raw: &'a RawValue) -> Result<Admission, Rejection> {
        self.run_on(input, self.kind.decode(raw))
    }

    fn judge<'a>(&self, input: &Input<'_, 'a, S>, raw: &'a RawValue) -> Result<(), Rejection> {
        (self.handler)(input, &self.kind.decode(raw)?)
    }
}

/// The request with `object` in place of the one it carries: what a
/// handler judges after a mutation.
fn with_object<'m>(request: &AdmissionRequest<'m>, object: &'m RawValue) -> AdmissionRequest<'m> {
    AdmissionRequest {
        object: Some(object),
        read_object: None,
        ..request.clone()
    }
}

/// Fills in what a request left unset: the whole object as it should be
/// stored, encoded (a [`crate::projection::Projection`] writes it without
/// decoding what it does not change), or `None` when nothing changes. It
/// never decides the verdict: the route's handler then judges the mutated
/// object, so a mutation can only turn a request the handler would accept
/// anyway into a stored object.
pub type Mutator<S> = fn(&Input<'_, '_, S>) -> Result<Option<Box<RawValue>>, Rejection>;

/// One row of a policy's table.
pub struct Route<S> {
    pub resource: Resource,
    pub operations: &'static [Operation],
    pub handling: Handling<S>,
    pub workload: Option<&'static WorkloadKind>,
    /// Set on the routes of a mutating policy (see [`Route::mutating`]).
    pub mutator: Option<Mutator<S>>,
}

/// What a handled request comes to when it is admitted.
#[derive(Debug, Clone)]
pub enum Admission {
    /// Admitted as sent.
    Accept,
    /// Admitted with the object replaced by this one, as the handler judged
    /// it and as the response carries it: encoded once, by the mutator.
    Mutate(Box<RawValue>),
}

impl PartialEq for Admission {
    /// Mutations compare by their text.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Admission::Accept, Admission::Accept) => true,
            (Admission::Mutate(a), Admission::Mutate(b)) => a.get() == b.get(),
            _ => false,
        }
    }
}

impl<S> Route<S> {
    pub fn new(resource: Resource, operations: &'static [Operation], handler: Handler<S>) -> Self {
        Route {
            resource,
            operations,
            handling: Handling::Request(handler),
            workload: None,
            mutator: None,
        }
    }

    /// The route for one workload kind of the shared table.
    pub fn workload(
        kind: &'static WorkloadKind,
        operations: &'static [Operation],
        handler: Handler<S>,
    ) -> Self {
        Route {
            resource: kind.as_resource(),
            operations,
            handling: Handling::Request(handler),
            workload: Some(kind),
            mutator: None,
        }
    }

    /// A subresource of a workload kind (`pods/ephemeralcontainers`) whose
    /// requests carry the workload object itself.
    pub fn workload_subresource(
        kind: &'static WorkloadKind,
        subresource: &'static str,
        operations: &'static [Operation],
        handler: Handler<S>,
    ) -> Self {
        Route {
            resource: kind.as_resource().subresource(subresource, kind.kind),
            operations,
            handling: Handling::Request(handler),
            workload: Some(kind),
            mutator: None,
        }
    }
}

impl<S: 'static> Route<S> {
    /// A route whose handler is given the object as `V` views it.
    pub fn object<V: ObjectView>(
        resource: Resource,
        operations: &'static [Operation],
        handler: ObjectHandler<S, V>,
    ) -> Self {
        Route {
            resource,
            operations,
            handling: Handling::View(Box::new(ObjectRoute(handler))),
            workload: None,
            mutator: None,
        }
    }

    /// The route for one workload kind whose handler (and mutator, on a
    /// mutating route) is given the pod template.
    pub fn template<V: TemplateViews>(
        kind: &'static WorkloadKind,
        operations: &'static [Operation],
        handler: TemplateHandler<S, V>,
        mutator: Option<TemplateMutator<S, V>>,
    ) -> Self {
        let route = TemplateRoute {
            kind,
            handler,
            mutator,
        };
        Route {
            resource: kind.as_resource(),
            operations,
            handling: Handling::View(Box::new(route)),
            workload: Some(kind),
            mutator: None,
        }
    }

    /// A subresource of a workload kind whose requests carry the workload
    /// object itself, its handler (and mutator) given the pod template.
    pub fn template_subresource<V: TemplateViews>(
        kind: &'static WorkloadKind,
        subresource: &'static str,
        operations: &'static [Operation],
        handler: TemplateHandler<S, V>,
        mutator: Option<TemplateMutator<S, V>>,
    ) -> Self {
        Route {
            resource: kind.as_resource().subresource(subresource, kind.kind),
            ..Route::template(kind, operations, handler, mutator)
        }
    }
}

impl<S> Route<S> {
    /// The same route, mutating first: `mutator` fills in defaults, then the
    /// handler judges the result.
    pub fn mutating(self, mutator: Mutator<S>) -> Self {
        Route {
            mutator: Some(mutator),
            ..self
        }
    }
}

/// One route per kind of the shared workload table, all to one handler: the
/// way a pod-shape policy covers every kind that creates pods.
pub fn workload_routes<S>(
    operations: &'static [Operation],
    handler: Handler<S>,
) -> impl Iterator<Item = Route<S>> {
    WORKLOAD_KINDS
        .iter()
        .map(move |kind| Route::workload(kind, operations, handler))
}

/// [`workload_routes`] for a handler given the pod template as `V` views
/// it (named with a turbofish: a view type cannot be inferred from a
/// handler that is generic over its lifetime).
pub fn template_routes<V: TemplateViews, S: 'static>(
    operations: &'static [Operation],
    handler: TemplateHandler<S, V>,
    mutator: Option<TemplateMutator<S, V>>,
) -> impl Iterator<Item = Route<S>> {
    WORKLOAD_KINDS
        .iter()
        .map(move |kind| Route::template(kind, operations, handler, mutator))
}

/// The Pod entry of the workload table.
pub fn pod_kind() -> &'static WorkloadKind {
    &WORKLOAD_KINDS[0]
}

/// A policy: its name, its settings, its table.
pub trait Policy {
    /// The policy's name, as its directory and `metadata.yml` spell it.
    const NAME: &'static str;
    type Settings: PolicySettings;
    /// The routing table. Built per call: a policy-server instance serves
    /// one request, so there is nothing to cache it in.
    fn routes() -> Vec<Route<Self::Settings>>;
}

/// Routes a decoded request through the operation table to its handler
/// (and mutator, on a mutating route).
pub fn dispatch<P: Policy>(
    request: &AdmissionRequest<'_>,
    settings: &P::Settings,
    host: &dyn KubernetesHost,
) -> Result<Admission, Rejection> {
    dispatch_read::<P>(&P::routes(), request, None, settings, host)
}

/// [`dispatch`], with the judgment the one-pass decode prepared for the
/// route at that index: taken when the request comes to that route (its
/// view then needs no second scan), else the route decodes the object's
/// text as on the general path.
fn dispatch_read<'a, P: Policy>(
    routes: &[Route<P::Settings>],
    request: &AdmissionRequest<'a>,
    pending: Prepared<'a, P::Settings>,
    settings: &P::Settings,
    host: &dyn KubernetesHost,
) -> Result<Admission, Rejection> {
    let same_resource = || {
        routes
            .iter()
            .enumerate()
            .filter(|(_, r)| r.resource.matches(request))
    };
    if same_resource().next().is_none() {
        return Err(unhandled::<P>(request, routes));
    }
    let operation = request.operation;
    let Some((index, route)) = same_resource().find(|(_, r)| r.operations.contains(&operation))
    else {
        return match operation {
            Operation::Delete => Ok(Admission::Accept),
            _ => Err(unhandled::<P>(request, routes)),
        };
    };
    match operation {
        Operation::Create => {
            request.require_object()?;
        }
        Operation::Update => {
            request.require_object()?;
            request.old_object()?;
        }
        Operation::Delete => {
            request.old_object()?;
        }
        Operation::Connect => {}
    }
    let input = Input {
        request,
        settings,
        host,
        workload: route.workload,
    };
    let pending = pending.and_then(|(at, run)| (at == index).then_some(run));
    let Some(mutated) = route.mutator.map(|m| m(&input)).transpose()?.flatten() else {
        return match (pending, &route.handling) {
            (Some(run), _) => run(&input),
            (None, Handling::View(reader)) => reader.run(&input, request.object()?),
            (None, Handling::Request(handler)) => handler(&input).map(|()| Admission::Accept),
        };
    };
    let mutated_request = with_object(request, &mutated);
    let input = Input {
        request: &mutated_request,
        ..input
    };
    match &route.handling {
        Handling::Request(handler) => handler(&input)?,
        Handling::View(reader) => reader.judge(&input, &mutated)?,
    }
    Ok(Admission::Mutate(mutated))
}

/// The one "not handled" message: what came, what the policy handles, and
/// the fix (the policy's rules are wider than its table).
fn unhandled<P: Policy>(
    request: &AdmissionRequest<'_>,
    routes: &[Route<P::Settings>],
) -> Rejection {
    let mut what = request.kind.to_string();
    if let Some(sub) = request.subresource() {
        let _ = write!(what, " (subresource {:?})", crate::quote::quote(sub));
    }
    let _ = write!(what, " {} requests", request.operation);
    Rejection::new(format!(
        "{} does not handle {what}; it handles {}. Scope the policy's rules to these resources and operations",
        P::NAME,
        describe(routes)
    ))
}

/// `CREATE/UPDATE v1 pods, apps/v1 deployments; CONNECT v1 pods/exec`:
/// routes grouped by their operations, in table order.
pub fn describe<S>(routes: &[Route<S>]) -> String {
    let mut groups: Vec<(&[Operation], Vec<String>)> = Vec::new();
    for route in routes {
        let name = format!(
            "{} {}",
            route.resource.api_version(),
            route.resource.rule_resource()
        );
        match groups.iter_mut().find(|(ops, _)| *ops == route.operations) {
            Some((_, names)) => names.push(name),
            None => groups.push((route.operations, vec![name])),
        }
    }
    groups
        .iter()
        .map(|(ops, names)| {
            let ops: Vec<String> = ops.iter().map(Operation::to_string).collect();
            format!("{} {}", ops.join("/"), names.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The `validate` entry point on a raw payload: decode, settings, dispatch,
/// respond. Every failure is a rejection, never an error or a trap. The
/// one-pass decode is tried first; a payload it does not read (any other
/// key order, anything malformed) takes the general path, which words
/// every error.
pub fn validate<P: Policy>(payload: &[u8], host: &dyn KubernetesHost) -> CallResult {
    let routes = P::routes();
    let outcome =
        Payload::text(payload).and_then(|text| match crate::one_pass::read(text, &routes) {
            Some((read, pending)) => judge::<P>(&routes, &read, pending, host),
            None => Payload::decode(text).and_then(|p| judge::<P>(&routes, &p, None, host)),
        });
    match outcome {
        Ok(Admission::Mutate(object)) => crate::response::mutate(&object),
        Ok(Admission::Accept) => respond(Ok(())),
        Err(rejection) => respond(Err(rejection)),
    }
}

fn judge<'a, P: Policy>(
    routes: &[Route<P::Settings>],
    payload: &Payload<'a>,
    pending: Prepared<'a, P::Settings>,
    host: &dyn KubernetesHost,
) -> Result<Admission, Rejection> {
    let settings = payload.settings::<P::Settings>()?;
    dispatch_read::<P>(routes, &payload.request, pending, &settings, host)
}

/// An admission rule row of the table, for comparing with `metadata.yml`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RuleRow {
    pub api_group: &'static str,
    pub api_version: &'static str,
    /// `resource` or `resource/subresource`.
    pub resource: String,
    pub operation: Operation,
}

/// Every (group, version, resource, operation) the table handles.
pub fn rule_rows<P: Policy>() -> Vec<RuleRow> {
    let mut rows: Vec<RuleRow> = P::routes()
        .iter()
        .flat_map(|route| {
            route.operations.iter().map(|&operation| RuleRow {
                api_group: route.resource.group,
                api_version: route.resource.version,
                resource: route.resource.rule_resource(),
                operation,
            })
        })
        .collect();
    rows.sort();
    rows.dedup();
    rows
}

/// A policy's entry points compiled natively, for the bench, the fuzz
/// targets and the table test; `register_policy!` exports one as `NATIVE`.
#[derive(Clone, Copy)]
pub struct Native {
    pub name: &'static str,
    pub validate: fn(&[u8], &dyn KubernetesHost) -> CallResult,
    pub validate_settings: fn(&[u8]) -> CallResult,
    pub rule_rows: fn() -> Vec<RuleRow>,
}

impl Native {
    pub const fn of<P: Policy>() -> Native {
        Native {
            name: P::NAME,
            validate: validate::<P>,
            validate_settings: crate::settings::validate_settings::<P::Settings>,
            rule_rows: rule_rows::<P>,
        }
    }
}

/// A cluster with nothing in it: every lookup fails, so a context-aware
/// check run without one fails closed.
pub struct NoCluster;

impl KubernetesHost for NoCluster {
    fn get_resource(&self, request: &crate::host::GetResource<'_>) -> Result<Vec<u8>, String> {
        Err(format!("{} not found", request.describe()))
    }
}

/// Exports a policy: `NATIVE` (its native entry points) and, in the Wasm
/// module, the waPC functions policy-server calls (`validate`,
/// `validate_settings`, `protocol_version`), with lookups going to the host.
#[macro_export]
macro_rules! register_policy {
    ($policy:ty) => {
        /// This policy's entry points, compiled natively.
        pub const NATIVE: $crate::policy::Native = $crate::policy::Native::of::<$policy>();

        #[cfg(all(target_arch = "wasm32", target_os = "wasi"))]
        #[unsafe(no_mangle)]
        pub extern "C" fn wapc_init() {
            fn validate(payload: &[u8]) -> $crate::wapc_guest::CallResult {
                $crate::policy::validate::<$policy>(payload, &$crate::host::WapcHost)
            }
            $crate::wapc_guest::register_function("validate", validate);
            $crate::wapc_guest::register_function(
                "validate_settings",
                $crate::settings::validate_settings::<
                    <$policy as $crate::policy::Policy>::Settings,
                >,
            );
            $crate::wapc_guest::register_function(
                "protocol_version",
                $crate::kubewarden_policy_sdk::protocol_version_guest,
            );
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::WORKLOAD_KINDS;
    use rstest::rstest;
    use serde::Deserialize;

    #[derive(Deserialize, Default)]
    #[serde(deny_unknown_fields)]
    struct NoSettings {}

    impl PolicySettings for NoSettings {
        fn validate(&self) -> Result<(), String> {
            Ok(())
        }
    }

    struct Example;

    fn judged(input: &Input<'_, '_, NoSettings>) -> Result<(), Rejection> {
        Err(Rejection::new(format!(
            "judged {} {}",
            input.request.operation,
            input.workload.map_or("-", |k| k.kind)
        )))
    }

    const EXEC: Resource =
        Resource::new("", "v1", "Pod", "pods").subresource("exec", "PodExecOptions");
    const SESSIONS: Resource =
        Resource::new("vdi.kasm.io", "v1alpha1", "VDISession", "vdisessions");

    impl Policy for Example {
        const NAME: &'static str = "example";
        type Settings = NoSettings;
        fn routes() -> Vec<Route<NoSettings>> {
            let mut routes: Vec<_> = workload_routes(WRITES, judged).collect();
            routes.push(Route::workload_subresource(
                pod_kind(),
                "ephemeralcontainers",
                WRITES,
                judged,
            ));
            routes.push(Route::new(EXEC, &[Operation::Connect], judged));
            routes.push(Route::new(
                SESSIONS,
                &[Operation::Create, Operation::Update, Operation::Delete],
                judged,
            ));
            routes
        }
    }

    fn run(request: &str) -> Result<(), Rejection> {
        let body = format!(r#"{{"request": {request}}}"#);
        let payload = Payload::decode(&body)?;
        dispatch::<Example>(&payload.request, &NoSettings {}, &NoCluster).map(|a| {
            assert_eq!(a, Admission::Accept);
        })
    }

    const POD: &str = r#""kind":{"group":"","version":"v1","kind":"Pod"}"#;

    #[rstest]
    #[case::create(&format!(r#"{{{POD},"operation":"CREATE","object":{{}}}}"#), "judged CREATE Pod")]
    #[case::update(
        &format!(r#"{{{POD},"operation":"UPDATE","object":{{}},"oldObject":{{}}}}"#),
        "judged UPDATE Pod"
    )]
    #[case::ephemeral(
        &format!(r#"{{{POD},"subResource":"ephemeralcontainers","operation":"UPDATE","object":{{}},"oldObject":{{}}}}"#),
        "judged UPDATE Pod"
    )]
    #[case::deployment(
        r#"{"kind":{"group":"apps","version":"v1","kind":"Deployment"},"operation":"CREATE","object":{}}"#,
        "judged CREATE Deployment"
    )]
    #[case::connect(
        r#"{"kind":{"group":"","version":"v1","kind":"PodExecOptions"},"subResource":"exec","operation":"CONNECT"}"#,
        "judged CONNECT -"
    )]
    #[case::declared_delete(
        r#"{"kind":{"group":"vdi.kasm.io","version":"v1alpha1","kind":"VDISession"},"operation":"DELETE","oldObject":{}}"#,
        "judged DELETE -"
    )]
    fn handled_requests_reach_their_handler(#[case] request: &str, #[case] expected: &str) {
        assert_eq!(run(request).unwrap_err().message(), expected);
    }

    #[rstest]
    #[case::unknown_kind(
        r#"{"kind":{"group":"evil.io","version":"v1","kind":"Deployment"},"operation":"CREATE","object":{}}"#,
        "example does not handle evil.io/v1 Deployment CREATE requests; it handles CREATE/UPDATE v1 pods"
    )]
    #[case::old_version(
        r#"{"kind":{"group":"apps","version":"v1beta1","kind":"Deployment"},"operation":"CREATE","object":{}}"#,
        "does not handle apps/v1beta1 Deployment CREATE requests"
    )]
    #[case::unknown_subresource(
        &format!(r#"{{{POD},"subResource":"status","operation":"UPDATE","object":{{}},"oldObject":{{}}}}"#),
        "does not handle v1 Pod (subresource \"status\") UPDATE requests"
    )]
    #[case::undeclared_connect(
        &format!(r#"{{{POD},"operation":"CONNECT"}}"#),
        "does not handle v1 Pod CONNECT requests"
    )]
    #[case::undeclared_create(
        r#"{"kind":{"group":"","version":"v1","kind":"PodExecOptions"},"subResource":"exec","operation":"CREATE","object":{}}"#,
        "does not handle v1 PodExecOptions (subresource \"exec\") CREATE requests"
    )]
    #[case::unknown_kind_delete(
        r#"{"kind":{"group":"","version":"v1","kind":"Secret"},"operation":"DELETE","oldObject":{}}"#,
        "does not handle v1 Secret DELETE requests"
    )]
    #[case::create_without_object(&format!(r#"{{{POD},"operation":"CREATE"}}"#), "CREATE request carries no object")]
    #[case::create_null_object(&format!(r#"{{{POD},"operation":"CREATE","object":null}}"#), "carries no object")]
    #[case::update_without_old(
        &format!(r#"{{{POD},"operation":"UPDATE","object":{{}}}}"#),
        "UPDATE request carries no oldObject"
    )]
    #[case::update_null_old(
        &format!(r#"{{{POD},"operation":"UPDATE","object":{{}},"oldObject":null}}"#),
        "carries no oldObject"
    )]
    #[case::declared_delete_without_old(
        r#"{"kind":{"group":"vdi.kasm.io","version":"v1alpha1","kind":"VDISession"},"operation":"DELETE"}"#,
        "DELETE request carries no oldObject"
    )]
    fn the_operation_table_fails_closed(#[case] request: &str, #[case] fragment: &str) {
        let err = run(request).unwrap_err();
        assert!(err.message().contains(fragment), "{}", err.message());
    }

    #[test]
    fn undeclared_delete_of_a_handled_kind_is_accepted() {
        assert_eq!(
            run(&format!(
                r#"{{{POD},"operation":"DELETE","oldObject":{{}}}}"#
            )),
            Ok(())
        );
    }

    #[test]
    fn the_message_lists_the_table_grouped_by_operations() {
        let routes = Example::routes();
        let text = describe(&routes);
        assert!(
            text.starts_with("CREATE/UPDATE v1 pods, v1 podtemplates"),
            "{text}"
        );
        assert!(text.contains("v1 pods/ephemeralcontainers; CONNECT v1 pods/exec; CREATE/UPDATE/DELETE vdi.kasm.io/v1alpha1 vdisessions"), "{text}");
    }

    #[test]
    fn rule_rows_cover_every_route_and_operation() {
        let rows = rule_rows::<Example>();
        assert_eq!(rows.len(), WORKLOAD_KINDS.len() * 2 + 2 + 1 + 3);
        assert!(rows.contains(&RuleRow {
            api_group: "",
            api_version: "v1",
            resource: "pods/exec".into(),
            operation: Operation::Connect,
        }));
    }

    #[test]
    fn native_entry_point_answers_like_the_module() {
        let native = Native::of::<Example>();
        assert_eq!(native.name, "example");
        let answer = (native.validate)(b"not json", &NoCluster).unwrap();
        let text = String::from_utf8(answer).unwrap();
        assert!(text.contains(r#""accepted":false"#), "{text}");
        let settings = (native.validate_settings)(br#"{"typo":1}"#).unwrap();
        assert!(
            String::from_utf8(settings)
                .unwrap()
                .contains("unknown field")
        );
    }

    /// Labels every object `checked: "yes"` unless it already says; the
    /// handler refuses `checked: "no"`, so the verdict is on the result.
    struct Labelling;

    fn label(input: &Input<'_, '_, NoSettings>) -> Result<Option<Box<RawValue>>, Rejection> {
        let mut object: serde_json::Value = input.request.decode_object()?;
        if object.get("checked").is_some() {
            return Ok(None);
        }
        object["checked"] = "yes".into();
        Ok(Some(RawValue::from_string(object.to_string()).unwrap()))
    }

    fn refuse_no(input: &Input<'_, '_, NoSettings>) -> Result<(), Rejection> {
        let object: serde_json::Value = input.request.decode_object()?;
        match object["checked"].as_str() {
            Some("no") => Err(Rejection::new("checked is no")),
            Some(_) => Ok(()),
            None => Err(Rejection::new("checked is unset")),
        }
    }

    impl Policy for Labelling {
        const NAME: &'static str = "labelling";
        type Settings = NoSettings;
        fn routes() -> Vec<Route<NoSettings>> {
            vec![Route::new(SESSIONS, WRITES, refuse_no).mutating(label)]
        }
    }

    fn mutate(object: &str) -> Result<Admission, Rejection> {
        let body = format!(
            r#"{{"request": {{"kind":{{"group":"vdi.kasm.io","version":"v1alpha1","kind":"VDISession"}},"operation":"CREATE","object":{object}}}}}"#
        );
        let payload = Payload::decode(&body)?;
        dispatch::<Labelling>(&payload.request, &NoSettings {}, &NoCluster)
    }

    #[test]
    fn a_mutating_route_fills_in_and_the_handler_judges_the_result() {
        assert_eq!(
            mutate(r#"{"spec":{}}"#),
            Ok(Admission::Mutate(
                RawValue::from_string(r#"{"checked":"yes","spec":{}}"#.into()).unwrap()
            ))
        );
        assert_eq!(mutate(r#"{"checked":"yes"}"#), Ok(Admission::Accept));
        assert_eq!(
            mutate(r#"{"checked":"no"}"#),
            Err(Rejection::new("checked is no"))
        );
    }

    #[test]
    fn the_mutation_travels_in_the_validation_response() {
        let payload = br#"{"request": {"kind":{"group":"vdi.kasm.io","version":"v1alpha1","kind":"VDISession"},"operation":"CREATE","object":{}}}"#;
        let answer = validate::<Labelling>(payload, &NoCluster).unwrap();
        let answer: serde_json::Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(answer["accepted"], true);
        assert_eq!(
            answer["mutated_object"],
            serde_json::json!({"checked": "yes"})
        );
    }
}

//! `IngressRoute` and `IngressRouteTCP` (both API groups): TLS 1.3 through a
//! TLSOption, plain HTTP only for redirects, pinned hosts under the allowed
//! domains, and session routes pinned to their owner's host.

use serde::Deserialize;
use shared::policy::ObjectView;
use shared::request::decode_view;
use shared::text::Text;
use shared::views::{Entries, nullable};
use shared::{Input, Rejection, Violations};

use crate::hosts::{self, Pattern};
use crate::identity::Requester;
use crate::reference::Reference;
use crate::rule::{self, Flavor};
use crate::settings::{Compiled, Settings};
use crate::tls_option;
use shared::quote::quote;

/// The view the route handlers are given.
pub struct RouteView;

impl ObjectView for RouteView {
    type Object<'a> = RouteObject<'a>;
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
pub struct RouteObject<'a> {
    #[serde(default, borrow)]
    metadata: Metadata<'a>,
    #[serde(borrow)]
    spec: Spec<'a>,
}

#[derive(Deserialize, Default)]
#[serde(remote = "Self")]
struct Metadata<'a> {
    #[serde(default, borrow)]
    name: Option<Text<'a>>,
    #[serde(default, borrow)]
    namespace: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    labels: Entries<Text<'a>, Text<'a>>,
}

/// Only the metadata of the stored object: who owned it.
#[derive(Deserialize)]
#[serde(remote = "Self")]
struct Stored<'a> {
    #[serde(default, borrow)]
    metadata: Metadata<'a>,
}

#[derive(Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
struct Spec<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    entry_points: Vec<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    routes: Vec<RouteRule<'a>>,
    #[serde(default, borrow)]
    tls: Option<Tls<'a>>,
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct RouteRule<'a> {
    #[serde(default, borrow, rename = "match")]
    rule: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    middlewares: Vec<NamedRef<'a>>,
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct NamedRef<'a> {
    #[serde(default, borrow)]
    name: Option<Text<'a>>,
    #[serde(default, borrow)]
    namespace: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(remote = "Self")]
struct Tls<'a> {
    #[serde(default, borrow)]
    options: Option<NamedRef<'a>>,
    #[serde(default, deserialize_with = "nullable")]
    passthrough: bool,
}

shared::map_only!(
    RouteObject<'a>,
    Metadata<'a>,
    Stored<'a>,
    Spec<'a>,
    RouteRule<'a>,
    NamedRef<'a>,
    Tls<'a>
);

impl NamedRef<'_> {
    fn resolve(&self, route_namespace: &str) -> Result<Reference, String> {
        Reference::resolve(
            self.name.as_deref().unwrap_or_default(),
            self.namespace.as_deref(),
            route_namespace,
        )
    }
}

/// Which handler a resource of the table goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Http,
    Tcp,
    TlsOption,
}

/// `IngressRoute` CREATE/UPDATE.
pub fn ingress_route(
    input: &Input<'_, '_, Settings>,
    object: &RouteObject<'_>,
) -> Result<(), Rejection> {
    judge(input, object, Flavor::Http)
}

/// `IngressRouteTCP` CREATE/UPDATE.
pub fn ingress_route_tcp(
    input: &Input<'_, '_, Settings>,
    object: &RouteObject<'_>,
) -> Result<(), Rejection> {
    judge(input, object, Flavor::Tcp)
}

/// A session route: its user and the one host it may serve.
struct Session<'a> {
    user: &'a str,
    host: Option<String>,
}

/// What every rule of the object is judged against.
struct Context<'s> {
    settings: &'s Compiled,
    session: Option<&'s Session<'s>>,
    /// Every alternative must pin a host (TLS routes, session routes).
    pin_required: bool,
    flavor: Flavor,
}

fn judge(
    input: &Input<'_, '_, Settings>,
    object: &RouteObject<'_>,
    flavor: Flavor,
) -> Result<(), Rejection> {
    let settings = crate::compile(input.settings)?;
    let request = input.request;
    let kind = &request.kind.kind;
    let namespace = request
        .namespace
        .as_deref()
        .filter(|n| !n.is_empty())
        .or(object
            .metadata
            .namespace
            .as_deref()
            .filter(|n| !n.is_empty()));
    let name = request
        .name
        .as_deref()
        .filter(|n| !n.is_empty())
        .or(object.metadata.name.as_deref().filter(|n| !n.is_empty()))
        .unwrap_or("(unnamed)");
    let Some(namespace) = namespace else {
        return Err(Rejection::new(format!(
            "{kind} {} has no namespace; Traefik resolves its TLSOption and middlewares in the route's namespace, so it is denied",
            quote(name)
        )));
    };
    let title = format!("{kind} {}/{}", quote(namespace), quote(name));
    let mut violations = Violations::new();

    let label = settings.session_label.as_str();
    let owner = object.metadata.labels.get(label).map(|t| &**t);
    let session = owner.map(|user| Session {
        user,
        host: settings
            .session_domain
            .as_ref()
            .filter(|_| hosts::dns_label_problem(user).is_none())
            .map(|domain| format!("{user}.{domain}")),
    });
    check_ownership(input, &settings, owner, &mut violations)?;
    if let Some(session) = &session {
        if let Some(problem) = hosts::dns_label_problem(session.user) {
            violations.push(format!(
                "label {label}={} is not a DNS label ({problem}): a session's user becomes the first label of its host",
                quote(session.user)
            ));
        }
        if settings.session_domain.is_none() {
            violations.push(format!(
                "the route is labelled {label} (a session route), but sessionDomain is not configured, so no session host can be admitted"
            ));
        }
    }

    let spec = &object.spec;
    if spec.routes.is_empty() {
        violations.push("spec.routes is empty: a route without routes serves nothing; add a route");
    }
    let group = request.kind.group.as_ref();
    let tls_terminated = match (&spec.tls, flavor) {
        (Some(tls), _) => {
            check_tls(
                tls,
                namespace,
                name,
                group,
                flavor,
                &settings,
                input,
                &mut violations,
            );
            true
        }
        (None, Flavor::Tcp) => {
            violations.push(format!(
                "spec.tls is not set, so the {kind} carries plain TCP and no TLS 1.3 can be enforced: add spec.tls with options naming a TLS 1.3 TLSOption{}",
                suggestion(&settings, namespace)
            ));
            true
        }
        (None, Flavor::Http) => {
            check_plain(spec, namespace, &settings, &mut violations);
            false
        }
    };
    let context = Context {
        settings: &settings,
        session: session.as_ref(),
        pin_required: tls_terminated || session.is_some(),
        flavor,
    };
    for (i, route) in spec.routes.iter().enumerate() {
        check_rule(
            route.rule.as_deref(),
            &format!("spec.routes[{i}].match"),
            &context,
            &mut violations,
        );
    }
    violations.into_result(&format!("{title} denied"))
}

/// Only the labelled user (or a privileged requester) creates or changes a
/// session route; on UPDATE the stored owner counts too, so nobody
/// relabels someone else's route to take it over.
fn check_ownership(
    input: &Input<'_, '_, Settings>,
    settings: &Compiled,
    owner: Option<&str>,
    violations: &mut Violations,
) -> Result<(), Rejection> {
    let request = input.request;
    let requester = Requester::new(&request.user_info, input.settings);
    let label = settings.session_label.as_str();
    let stored_owner = match request.operation {
        shared::Operation::Update => {
            let stored: Stored<'_> = decode_view(request.old_object()?, "stored route")?;
            stored.metadata.labels.get(label).map(|t| t.to_string())
        }
        _ => None,
    };
    if let Some(stored) = stored_owner.as_deref()
        && !requester.may_act_for(stored)
    {
        violations.push(format!(
            "the stored route is the session route of {} ({label}); only that user or a privileged requester may change it, not {}",
            quote(stored),
            requester.describe()
        ));
    }
    if let Some(user) = owner
        && Some(user) != stored_owner.as_deref()
        && !requester.may_act_for(user)
    {
        violations.push(format!(
            "the route is labelled {label}={}; only that user or a privileged requester may publish it, not {}",
            quote(user),
            requester.describe()
        ));
    }
    Ok(())
}

/// ` (e.g. options: {name: tls13})`: an allowed option for messages,
/// preferring one in the route's namespace (Traefik refuses references to
/// another namespace unless its `allowCrossNamespace` is on).
fn suggestion(settings: &Compiled, namespace: &str) -> String {
    let same = settings
        .allowed_tls_options
        .iter()
        .find(|r| r.object_parts().is_some_and(|(ns, _)| ns == namespace));
    match same.or(settings.allowed_tls_options.first()) {
        Some(Reference::Object {
            namespace: ns,
            name,
        }) if ns == namespace => {
            format!(" (e.g. options: {{name: {name}}})")
        }
        Some(Reference::Object { namespace, name }) => {
            format!(" (e.g. options: {{name: {name}, namespace: {namespace}}})")
        }
        Some(Reference::Provider(name)) => format!(" (e.g. options: {{name: {name}}})"),
        None if settings.lookup_tls_options => {
            format!(" with minVersion: {}", tls_option::TLS13)
        }
        None => " listed in allowedTlsOptions".into(),
    }
}

fn allowed_list(settings: &Compiled) -> String {
    let mut names: Vec<String> = settings
        .allowed_tls_options
        .iter()
        .map(ToString::to_string)
        .collect();
    if settings.default_option_allowed {
        names.push(crate::settings::DEFAULT_OPTION.into());
    }
    format!("[{}]", names.join(", "))
}

#[allow(clippy::too_many_arguments)]
fn check_tls(
    tls: &Tls<'_>,
    namespace: &str,
    name: &str,
    group: &str,
    flavor: Flavor,
    settings: &Compiled,
    input: &Input<'_, '_, Settings>,
    violations: &mut Violations,
) {
    if tls.passthrough {
        let listed = settings
            .passthrough_routes
            .iter()
            .any(|r| r.object_parts() == Some((namespace, name)));
        if flavor == Flavor::Tcp && listed {
            return;
        }
        violations.push(format!(
            "spec.tls.passthrough is set: Traefik does not terminate TLS, so no TLSOption applies and TLS 1.3 cannot be enforced; terminate TLS in Traefik (remove passthrough and name a TLS 1.3 TLSOption){}",
            if flavor == Flavor::Tcp {
                format!(", or list {namespace}/{name} in passthroughRoutes")
            } else {
                String::new()
            }
        ));
        return;
    }
    let named = tls
        .options
        .as_ref()
        .filter(|o| o.name.as_deref().is_some_and(|n| !n.is_empty()));
    let Some(options) = named else {
        if settings.default_option_allowed {
            return;
        }
        let why = if settings.lookup_tls_options {
            match tls_option::lookup_default(input.host, group) {
                Ok(()) => return,
                Err(e) => e,
            }
        } else {
            "Traefik's default TLS options allow TLS 1.2 unless configured otherwise (list `default` in allowedTlsOptions if yours are TLS 1.3)".into()
        };
        violations.push(format!(
            "spec.tls.options is not set, so Traefik applies its `default` TLSOption and {why}: set spec.tls.options to a TLS 1.3 TLSOption{}",
            suggestion(settings, namespace)
        ));
        return;
    };
    let reference = match options.resolve(namespace) {
        Ok(reference) => reference,
        Err(e) => {
            violations.push(format!("spec.tls.options: {e}"));
            return;
        }
    };
    if settings.allowed_tls_options.contains(&reference) {
        return;
    }
    let why = match (&reference, settings.lookup_tls_options) {
        (Reference::Provider(_), _) => format!(
            "it is provider-qualified, so the policy cannot read it; list it in allowedTlsOptions {} if it is TLS 1.3, or name a TLSOption by name and namespace",
            allowed_list(settings)
        ),
        (Reference::Object { .. }, true) => match tls_option::lookup(input.host, group, &reference)
        {
            Ok(()) => return,
            Err(e) => e,
        },
        (Reference::Object { .. }, false) => {
            format!("it is not in allowedTlsOptions {}", allowed_list(settings))
        }
    };
    violations.push(format!(
        "spec.tls.options {} denied: {why}{}",
        quote(&reference.to_string()),
        if settings.allowed_tls_options.is_empty() {
            String::new()
        } else {
            format!(
                "; use one of the allowed options{}",
                suggestion(settings, namespace)
            )
        }
    ));
}

/// An IngressRoute without `spec.tls` is plain HTTP: only on plain entry
/// points, and only to redirect.
fn check_plain(spec: &Spec<'_>, namespace: &str, settings: &Compiled, violations: &mut Violations) {
    let plain = &settings.plain_entry_points;
    if spec.entry_points.is_empty() {
        violations.push(format!(
            "spec.tls is not set and spec.entryPoints is empty, so Traefik serves the route without TLS on every entry point: list the entry points and add spec.tls.options naming a TLS 1.3 TLSOption{}",
            suggestion(settings, namespace)
        ));
        return;
    }
    let secure: Vec<&str> = spec
        .entry_points
        .iter()
        .map(|e| &**e)
        .filter(|e| !plain.iter().any(|p| p == e))
        .collect();
    if !secure.is_empty() {
        violations.push(format!(
            "spec.tls is required: the route is served on entry point {} without TLS (plain entry points: {plain:?}); add spec.tls with options naming a TLS 1.3 TLSOption{}",
            secure
                .iter()
                .map(|e| quote(e).to_string())
                .collect::<Vec<_>>()
                .join(", "),
            suggestion(settings, namespace)
        ));
        return;
    }
    let redirects: Vec<String> = settings
        .redirect_middlewares
        .iter()
        .map(ToString::to_string)
        .collect();
    for (i, route) in spec.routes.iter().enumerate() {
        if route.middlewares.is_empty() {
            violations.push(format!(
                "spec.routes[{i}] is served without TLS but redirects nothing: a route on a plain entry point must use only redirectMiddlewares {redirects:?} (the HTTP→HTTPS redirect); add one, or serve the route with spec.tls"
            ));
            continue;
        }
        for (j, middleware) in route.middlewares.iter().enumerate() {
            match middleware.resolve(namespace) {
                Ok(reference) if settings.redirect_middlewares.contains(&reference) => {}
                Ok(reference) => violations.push(format!(
                    "spec.routes[{i}].middlewares[{j}] {} is not a redirect: a route on a plain entry point may use only redirectMiddlewares {redirects:?}",
                    quote(&reference.to_string())
                )),
                Err(e) => violations.push(format!("spec.routes[{i}].middlewares[{j}]: {e}")),
            }
        }
    }
}

/// Parses and judges one route's rule.
fn check_rule(text: Option<&str>, place: &str, context: &Context<'_>, violations: &mut Violations) {
    let text = text.unwrap_or_default();
    if text.trim().is_empty() {
        if context.pin_required {
            violations.push(format!(
                "{place} is empty, so the route answers every host: match its host with {}(`...`)",
                host_matcher(context.flavor)
            ));
        }
        return;
    }
    let rule = match rule::parse(text, context.flavor) {
        Ok(rule) => rule,
        Err(e) => {
            violations.push(format!(
                "{place} {} cannot be parsed: {e}; fix the rule",
                quote(text)
            ));
            return;
        }
    };
    let before = violations.len();
    for using in hosts::host_uses(&rule).iter().filter(|u| u.positive) {
        for value in using.values {
            check_host_value(using.matcher, value, place, context, violations);
        }
    }
    if context.pin_required && !hosts::pinned(&rule) && violations.len() == before {
        violations.push(format!(
            "{place} {} can match a request for any host: every alternative (each side of `||`) needs a positive {}(`...`); `!{}(...)`{} pins nothing",
            quote(&rule.to_string()),
            host_matcher(context.flavor),
            host_matcher(context.flavor),
            if context.flavor == Flavor::Tcp {
                " and HostSNI(`*`)"
            } else {
                ""
            }
        ));
    }
}

fn host_matcher(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::Http => "Host",
        Flavor::Tcp => "HostSNI",
    }
}

fn check_host_value(
    matcher: rule::Matcher,
    value: &str,
    place: &str,
    context: &Context<'_>,
    violations: &mut Violations,
) {
    let settings = context.settings;
    let quoted = quote(value);
    if hosts::is_regexp(matcher) {
        if let Some(session) = context.session {
            violations.push(format!(
                "{place}: {}({quoted}) in a session route; a session route must match exactly {}",
                matcher.name(),
                session_matcher(session, context.flavor)
            ));
            return;
        }
        if !settings.allow_host_regexp {
            violations.push(format!(
                "{place}: {}({quoted}) is not allowed (allowHostRegexp is off): list the hosts with {}(`...`)",
                matcher.name(),
                host_matcher(context.flavor)
            ));
            return;
        }
        match hosts::pattern_domain(value) {
            Err(e) => violations.push(format!(
                "{place}: {}({quoted}) may match hosts outside allowedDomains: {e}",
                matcher.name()
            )),
            Ok(Pattern::Exact(host)) => check_host(&host, place, context, violations),
            Ok(Pattern::Under(domain)) => {
                if !settings
                    .allowed_domains
                    .iter()
                    .any(|d| hosts::is_under(&domain, d))
                {
                    violations.push(format!(
                        "{place}: {}({quoted}) matches hosts under {}, which is not under allowedDomains {:?}",
                        matcher.name(),
                        quote(&domain),
                        settings.allowed_domains
                    ));
                } else if let Some(sd) = &settings.session_domain
                    && (hosts::is_under(sd, &domain) || hosts::is_under(&domain, sd))
                {
                    violations.push(format!(
                        "{place}: {}({quoted}) matches hosts under {}, which may include session hosts under {sd:?}; only a session's own route may serve those",
                        matcher.name(),
                        quote(&domain)
                    ));
                }
            }
        }
        return;
    }
    if matcher == rule::Matcher::HostSNI && value == "*" {
        violations.push(format!(
            "{place}: HostSNI(`*`) matches every host name; name the host with HostSNI(`...`)"
        ));
        return;
    }
    match hosts::canonical(value) {
        Ok(host) => check_host(&host, place, context, violations),
        Err(e) => violations.push(format!(
            "{place}: {}({quoted}) is not a host name: {e}",
            matcher.name()
        )),
    }
}

fn session_matcher(session: &Session<'_>, flavor: Flavor) -> String {
    match &session.host {
        Some(host) => format!("{}(`{host}`)", host_matcher(flavor)),
        None => format!("the host of {}", quote(session.user)),
    }
}

/// A canonical host: the session's own host on its route; otherwise under
/// the allowed domains and outside the session domain.
fn check_host(host: &str, place: &str, context: &Context<'_>, violations: &mut Violations) {
    let settings = context.settings;
    if let Some(session) = context.session {
        if session.host.as_deref() != Some(host) {
            violations.push(format!(
                "{place}: the session route of {} may match only {}, not host {}",
                quote(session.user),
                session_matcher(session, context.flavor),
                quote(host)
            ));
        }
        return;
    }
    if let Some(sd) = &settings.session_domain
        && hosts::is_strictly_under(host, sd)
    {
        violations.push(format!(
            "{place}: host {} is under the session domain {sd:?}, but the route has no {} label; only a session's own route may serve it",
            quote(host),
            settings.session_label
        ));
        return;
    }
    if !settings
        .allowed_domains
        .iter()
        .any(|d| hosts::is_under(host, d))
    {
        violations.push(format!(
            "{place}: host {} is not under allowedDomains {:?}",
            quote(host),
            settings.allowed_domains
        ));
    }
}

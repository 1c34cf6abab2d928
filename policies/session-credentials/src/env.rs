//! Environment variables: where a credential-named variable may come from,
//! and which Secret a session's password comes from.
//!
//! A literal `value` is stored in the pod spec (and in the Deployment, the
//! ReplicaSet, etcd, audit logs, `kubectl get -o yaml`, kubectl's
//! last-applied copy). A `configMapKeyRef` puts it in a ConfigMap, which is
//! read by far more principals than Secrets and never encrypted at rest;
//! `fieldRef`, `resourceFieldRef` and `fileKeyRef` are not secret stores at
//! all. Only `valueFrom.secretKeyRef` keeps the value out of the object.

use std::cell::OnceCell;

use shared::containers::{ContainerKind, walk};
use shared::quote::{Redacted, quote};
use shared::text::Text;
use shared::views::Entries;

use crate::decode;
use crate::findings::Findings;
use crate::names::Names;
use crate::settings::Settings;
use crate::view::{Container, EnvVar, PodSpec, SecretKeyRef, SecretRef};

/// The variable Selkies reads its basic-auth password from.
pub const SELKIES_PASSWORD: &str = "SELKIES_BASIC_AUTH_PASSWORD";

/// The session a pod belongs to, by its session label.
pub enum Session<'s> {
    /// No session label: not a session pod.
    Unlabelled,
    /// The label is there but empty: it names no session.
    Empty,
    /// The session and the Secret that is its own.
    Named { session: &'s str, secret: String },
}

impl<'s> Session<'s> {
    pub fn of(labels: &'s Entries<Text<'_>, Text<'_>>, settings: &Settings) -> Session<'s> {
        match labels.get(&settings.session_label) {
            None => Session::Unlabelled,
            Some(value) if value.is_empty() => Session::Empty,
            Some(value) => Session::Named {
                session: value,
                secret: settings.session_secret(value),
            },
        }
    }
}

/// What the checks of one pod spec need.
pub struct Scope<'s> {
    pub names: &'s Names,
    pub settings: &'s Settings,
    /// The pod's session, when the session binding is judged (the live
    /// object); `None` for kubectl's last-applied copy, where only
    /// cleartext matters.
    pub session: Option<&'s Session<'s>>,
    /// Put before every message (where the spec was found).
    pub origin: &'s str,
}

/// Where a credential-named variable's value comes from.
enum Source<'a> {
    /// A literal `value` (or none at all, which is the empty literal).
    Literal {
        empty: bool,
        fingerprint: u64,
    },
    /// Both a non-empty `value` and `valueFrom`.
    Both {
        fingerprint: u64,
    },
    Secret(SecretKeyRef<'a>),
    /// Anything that is not a Secret, or not readable: the message's tail.
    Wrong(String),
}

fn source<'a>(var: &EnvVar<'a>) -> Source<'a> {
    let literal = var.value();
    let Some(sources) = var.sources() else {
        return match literal {
            Some(value) => Source::Literal {
                empty: value.is_empty_string(),
                fingerprint: value.fingerprint(),
            },
            None => Source::Literal {
                empty: true,
                fingerprint: 0,
            },
        };
    };
    // The API server allows an empty `value` beside `valueFrom`.
    if let Some(value) = literal.filter(|v| !v.is_empty_string()) {
        return Source::Both {
            fingerprint: value.fingerprint(),
        };
    }
    let sources = match sources {
        Ok(sources) => sources,
        Err(e) => {
            return Source::Wrong(format!(
                "has a valueFrom that cannot be decoded: {}; use valueFrom.secretKeyRef",
                decode::describe(&e)
            ));
        }
    };
    let (name, raw) = match sources.as_slice() {
        [] => {
            return Source::Wrong(
                "has a valueFrom without a source; use valueFrom.secretKeyRef".into(),
            );
        }
        [one] => one,
        several => {
            let names: Vec<String> = several.iter().map(|(k, _)| quote(k).to_string()).collect();
            return Source::Wrong(format!(
                "sets several valueFrom sources ({}); keep only valueFrom.secretKeyRef",
                names.join(", ")
            ));
        }
    };
    let not_a_secret = |what: &str| {
        Source::Wrong(format!(
            "comes from valueFrom.{what}, which is not a Secret; a credential-named variable must come from \
             valueFrom.secretKeyRef (if it holds no credential, rename it or narrow credentialEnvNames)"
        ))
    };
    match name.as_str() {
        "secretKeyRef" => match SecretKeyRef::decode(*raw) {
            Ok(reference) => Source::Secret(reference),
            Err(e) => Source::Wrong(format!(
                "has a valueFrom.secretKeyRef that cannot be decoded: {}",
                decode::describe(&e)
            )),
        },
        "configMapKeyRef" => {
            let config_map = serde_json::from_str::<SecretRef>(raw.text())
                .ok()
                .and_then(|r| r.name)
                .map(|n| format!(" {}", quote(&n)))
                .unwrap_or_default();
            Source::Wrong(format!(
                "comes from ConfigMap{config_map} (valueFrom.configMapKeyRef); ConfigMaps are not for credentials: \
                 move the key to a Secret and use valueFrom.secretKeyRef"
            ))
        }
        "fieldRef" | "resourceFieldRef" | "fileKeyRef" => not_a_secret(name),
        other => Source::Wrong(format!(
            "has the unknown valueFrom source {}; use valueFrom.secretKeyRef",
            quote(other)
        )),
    }
}

/// `container "desktop" (spec.containers[0])`, with the name quoted short.
fn describe(kind: ContainerKind, name: &str, location: &str) -> String {
    format!("{} {} ({location})", kind.noun(), quote(name))
}

/// Checks every container of `spec`: credential-named variables come from
/// Secrets, and, on a session pod, the session password from the session's
/// own Secret.
pub fn check(
    spec: &PodSpec<'_>,
    spec_path: &'static str,
    scope: &Scope<'_>,
    findings: &mut Findings,
) {
    for located in walk(spec, spec_path) {
        // Built only for a message: most containers have none.
        let place = Place {
            describe: || describe(located.kind, located.name(), &located.location()),
            text: OnceCell::new(),
        };
        check_container(located.container, &place, scope, findings);
    }
}

/// A container's description for messages, made on first use.
struct Place<F> {
    describe: F,
    text: OnceCell<String>,
}

impl<F: Fn() -> String> Place<F> {
    fn get(&self) -> &str {
        self.text.get_or_init(&self.describe)
    }
}

fn check_container<F: Fn() -> String>(
    container: &Container<'_>,
    place: &Place<F>,
    scope: &Scope<'_>,
    findings: &mut Findings,
) {
    let origin = scope.origin;
    let mut sets_password = false;
    for (index, var) in container.env.iter().enumerate() {
        let name = var.name();
        let selkies = name == SELKIES_PASSWORD;
        sets_password |= selkies;
        if !selkies && !scope.names.matches(name) {
            continue;
        }
        let at = || format!("{origin}{} env[{index}] {}", place.get(), quote(name));
        let source = source(var);
        match &source {
            Source::Literal {
                empty: false,
                fingerprint,
            } => findings.push(
                format!(
                    "{} is a literal value ({Redacted}); store it in a Secret and reference it with valueFrom.secretKeyRef",
                    at()
                ),
                *fingerprint,
            ),
            Source::Literal {
                empty: true,
                fingerprint,
            } => findings.push(
                format!(
                    "{} is an empty literal value; a credential-named variable must come from valueFrom.secretKeyRef \
                     (remove it if it is unused)",
                    at()
                ),
                *fingerprint,
            ),
            Source::Both { fingerprint } => findings.push(
                format!(
                    "{} sets both a literal value ({Redacted}) and valueFrom; remove the value and keep valueFrom.secretKeyRef",
                    at()
                ),
                *fingerprint,
            ),
            Source::Wrong(tail) => findings.push_plain(format!("{} {tail}", at())),
            Source::Secret(reference) => {
                if reference.name.as_deref().is_none_or(str::is_empty) {
                    findings.push_plain(format!(
                        "{} valueFrom.secretKeyRef names no Secret; set its name",
                        at()
                    ));
                }
                if reference.key.as_deref().is_none_or(str::is_empty) {
                    findings.push_plain(format!(
                        "{} valueFrom.secretKeyRef names no key; set its key",
                        at()
                    ));
                }
            }
        }
        if let (true, Some(session)) = (selkies, scope.session) {
            check_session_password(&at, &source, session, scope.settings, findings);
        }
    }
    if let (false, Some(session)) = (sets_password, scope.session) {
        check_env_from(container, place, session, scope.settings, findings);
    }
}

/// The session password: only in session pods, only from the session's own
/// Secret, never optional.
fn check_session_password(
    at: &dyn Fn() -> String,
    source: &Source<'_>,
    session: &Session<'_>,
    settings: &Settings,
    findings: &mut Findings,
) {
    let label = quote(&settings.session_label);
    match session {
        Session::Unlabelled => findings.push_plain(format!(
            "{}: the pod is not a session pod (it has no {label} label), and only a session's pod may carry a \
             session password: label the pod with its session, or remove the variable",
            at()
        )),
        Session::Empty => findings.push_plain(format!(
            "{}: the pod's {label} label is empty, so it names no session and no Secret is its own; \
             set the label to the session's name",
            at()
        )),
        Session::Named { session, secret } => {
            let Source::Secret(reference) = source else {
                return;
            };
            if let Some(name) = reference.name.as_deref().filter(|n| !n.is_empty() && n != secret) {
                findings.push_plain(format!(
                    "{} comes from Secret {}, but session {} must use its own Secret {} (sessionSecretName {}): \
                     one Secret per session, so one leaked password opens one desktop only",
                    at(),
                    quote(name),
                    quote(session),
                    quote(secret),
                    quote(&settings.session_secret_name)
                ));
            }
        }
    }
    if let Source::Secret(SecretKeyRef {
        optional: Some(true),
        ..
    }) = source
    {
        findings.push_plain(format!(
            "{} valueFrom.secretKeyRef is optional: without the Secret the desktop would start with no password; \
             remove optional: true",
            at()
        ));
    }
}

/// In a session pod whose container does not set the password in `env`
/// (which would win), an `envFrom` Secret that may hold a key named
/// like the password must be the session's own.
fn check_env_from<F: Fn() -> String>(
    container: &Container<'_>,
    place: &Place<F>,
    session: &Session<'_>,
    settings: &Settings,
    findings: &mut Findings,
) {
    for (index, source) in container.env_from.iter().enumerate() {
        let Some(secret_ref) = &source.secret_ref else {
            continue;
        };
        let prefix = source.prefix.as_deref().unwrap_or_default();
        if prefix.len() >= SELKIES_PASSWORD.len() || !SELKIES_PASSWORD.starts_with(prefix) {
            continue;
        }
        let name = secret_ref.name.as_deref().unwrap_or_default();
        let imports = if prefix.is_empty() {
            format!("imports every key of Secret {}", quote(name))
        } else {
            format!(
                "imports the keys of Secret {} with prefix {}",
                quote(name),
                quote(prefix)
            )
        };
        match session {
            Session::Unlabelled => {}
            Session::Empty => findings.push_plain(format!(
                "{} envFrom[{index}] {imports}, which may set {SELKIES_PASSWORD}, but the pod's {} label is empty, \
                 so no Secret is its own; set the label to the session's name",
                place.get(),
                quote(&settings.session_label)
            )),
            Session::Named { session, secret } if name != secret => {
                findings.push_plain(format!(
                    "{} envFrom[{index}] {imports}, so it may set {SELKIES_PASSWORD} from a Secret that is not \
                     session {}'s own {}: set {SELKIES_PASSWORD} in env from valueFrom.secretKeyRef {} (env wins over \
                     envFrom), or import from that Secret",
                    place.get(),
                    quote(session),
                    quote(secret),
                    quote(secret)
                ));
            }
            Session::Named { .. } => {}
        }
    }
}

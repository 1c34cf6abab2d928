//! The handlers of the policy's routes, one per kind of object, and the
//! judgement they share (what an UPDATE is rejected for).

use serde::Deserialize;
use serde_json::value::RawValue;
use shared::quote::{Redacted, quote};
use shared::text::Text;
use shared::views::{Entries, nullable};
use shared::{Input, Operation, Rejection};

use crate::decode;
use crate::env::{self, Scope, Session};
use crate::findings::{Findings, fingerprint};
use crate::last_applied;
use crate::names::Names;
use crate::pem;
use crate::settings::Settings;
use crate::view::{ObjectMeta, WorkloadError, decode_workload};
use crate::walk::Walk;

/// What one object holds: the findings and the message they go under.
pub struct Report {
    pub summary: String,
    pub findings: Findings,
}

/// Judges the object of a CREATE or UPDATE. An UPDATE is rejected only for
/// findings the stored object (`oldObject`) does not have in the same place
/// with the same value: those the update writes (see `findings`).
fn judge(
    input: &Input<'_, '_, Settings>,
    report: impl Fn(&RawValue) -> Result<Report, Rejection>,
) -> Result<(), Rejection> {
    let new = report(input.request.object()?)?;
    if new.findings.is_empty() {
        return Ok(());
    }
    let findings = match input.request.operation {
        Operation::Update => match input.request.old_object().and_then(&report) {
            Ok(old) => new.findings.new_since(old.findings),
            Err(_) => new.findings,
        },
        _ => new.findings,
    };
    findings.into_result(&new.summary)
}

/// The summary's hint when the checks of the last-applied copy found more.
fn applied_hint(before: usize, findings: &Findings) -> &'static str {
    if findings.len() > before {
        last_applied::SUMMARY_HINT
    } else {
        ""
    }
}

/// Every workload kind: env of all three container lists, the session
/// binding of the password, and the last-applied copy's env.
pub fn workload(input: &Input<'_, '_, Settings>) -> Result<(), Rejection> {
    let kind = input.workload()?;
    let settings = input.settings;
    let names = settings.names();
    judge(input, |raw| {
        let workload = match decode_workload(kind, raw.get()) {
            Ok(decoded) => decoded,
            Err(WorkloadError::Json(e)) => {
                return Err(decode::rejection(&format!("{} object", kind.kind), &e));
            }
            Err(WorkloadError::Shape(rejection)) => return Err(rejection),
        }
        .map_err(|missing| {
            Rejection::new(format!(
                "the {} has no {missing}; there is nothing to validate, so it is not admitted",
                kind.kind
            ))
        })?;
        let mut findings = Findings::new();
        let session = Session::of(&workload.pod_labels, settings);
        let scope = Scope {
            names: &names,
            settings,
            session: Some(&session),
            origin: "",
        };
        env::check(&workload.spec, workload.spec_path, &scope, &mut findings);
        let mut hint = "";
        if settings.check_last_applied
            && let Some(text) =
                last_applied::text(&workload.metadata.annotations.last_applied, &mut findings)
        {
            match decode_workload(kind, text) {
                Ok(Ok(applied)) => {
                    let scope = Scope {
                        session: None,
                        origin: last_applied::ORIGIN,
                        ..scope
                    };
                    let before = findings.len();
                    env::check(&applied.spec, applied.spec_path, &scope, &mut findings);
                    hint = applied_hint(before, &findings);
                }
                // A manifest without a pod spec holds no env to check.
                Ok(Err(_)) => {}
                Err(WorkloadError::Json(e)) => last_applied::malformed(text, &e, &mut findings),
                Err(WorkloadError::Shape(rejection)) => return Err(rejection),
            }
        }
        Ok(Report {
            summary: format!(
                "{} {} must take its credentials from Secrets{hint}",
                kind.kind,
                quote(workload.metadata.name.as_deref().unwrap_or_default())
            ),
            findings,
        })
    })
}

shared::map_only!(ConfigMap<'a>, AppliedConfigMap<'a>);

#[derive(Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
struct ConfigMap<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    metadata: ObjectMeta<'a>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    data: Entries<Text<'a>, Text<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    binary_data: Entries<Text<'a>, Text<'a>>,
}

#[derive(Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
struct AppliedConfigMap<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    data: Entries<Text<'a>, Text<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    binary_data: Entries<Text<'a>, Text<'a>>,
}

/// Keys named like credentials and PEM private keys in `data` and
/// `binaryData`.
fn check_data(
    data: &Entries<Text<'_>, Text<'_>>,
    binary_data: &Entries<Text<'_>, Text<'_>>,
    names: &Names,
    origin: &str,
    findings: &mut Findings,
) {
    let key_named = |field: &str, key: &str, value: &str, findings: &mut Findings| {
        if names.matches(key) {
            findings.push(
                format!(
                    "{origin}{field}[{}] is named like a credential ({Redacted})",
                    quote(key)
                ),
                fingerprint(value.as_bytes()),
            );
        }
    };
    for (key, value) in data.iter() {
        key_named("data", key, value, findings);
        if pem::holds_private_key(value.as_bytes()) {
            findings.push(
                format!(
                    "{origin}data[{}] holds a PEM private key ({Redacted})",
                    quote(key)
                ),
                fingerprint(value.as_bytes()),
            );
        }
    }
    for (key, value) in binary_data.iter() {
        key_named("binaryData", key, value, findings);
        match pem::base64_decode(value) {
            Some(bytes) if pem::holds_private_key(&bytes) => findings.push(
                format!(
                    "{origin}binaryData[{}] holds a PEM private key ({Redacted})",
                    quote(key)
                ),
                fingerprint(value.as_bytes()),
            ),
            Some(_) => {}
            None => findings.push(
                format!(
                    "{origin}binaryData[{}] is not base64 ({Redacted}), so it cannot be checked for private keys; \
                     write it as base64",
                    quote(key)
                ),
                fingerprint(value.as_bytes()),
            ),
        }
    }
}

/// The ConfigMap's identity when the request and the object agree on it;
/// an exemption needs both to name the listed ConfigMap.
fn identity<'r>(
    input: &'r Input<'_, '_, Settings>,
    metadata: &'r ObjectMeta<'_>,
) -> Option<(&'r str, &'r str)> {
    fn agreed<'s>(a: Option<&'s str>, b: Option<&'s str>) -> Option<&'s str> {
        match (a.filter(|s| !s.is_empty()), b.filter(|s| !s.is_empty())) {
            (Some(a), Some(b)) if a == b => Some(a),
            (Some(a), None) | (None, Some(a)) => Some(a),
            _ => None,
        }
    }
    let request = input.request;
    Some((
        agreed(request.namespace.as_deref(), metadata.namespace.as_deref())?,
        agreed(request.name.as_deref(), metadata.name.as_deref())?,
    ))
}

/// ConfigMaps: no key named like a credential, no PEM private key, in the
/// object and in its last-applied copy — unless exempt.
pub fn config_map(input: &Input<'_, '_, Settings>) -> Result<(), Rejection> {
    let settings = input.settings;
    let names = settings.names();
    judge(input, |raw| {
        let config_map: ConfigMap = decode::decode(raw.get(), "ConfigMap object")?;
        let identity = identity(input, &config_map.metadata);
        let shown = match identity {
            Some((namespace, name)) => format!("{namespace}/{name}"),
            None => config_map
                .metadata
                .name
                .as_deref()
                .unwrap_or_default()
                .to_string(),
        };
        let mut findings = Findings::new();
        let mut hint = "";
        let summary = |hint: &str| {
            format!(
                "ConfigMap {} must not hold credentials, which belong in a Secret (mount it, or use \
                 valueFrom.secretKeyRef or envFrom.secretRef){hint}",
                quote(&shown)
            )
        };
        if identity.is_some_and(|(namespace, name)| settings.is_exempt(namespace, name)) {
            return Ok(Report {
                summary: summary(hint),
                findings,
            });
        }
        check_data(
            &config_map.data,
            &config_map.binary_data,
            &names,
            "",
            &mut findings,
        );
        if settings.check_last_applied
            && let Some(text) =
                last_applied::text(&config_map.metadata.annotations.last_applied, &mut findings)
        {
            match serde_json::from_str::<AppliedConfigMap>(text) {
                Ok(applied) => {
                    let before = findings.len();
                    check_data(
                        &applied.data,
                        &applied.binary_data,
                        &names,
                        last_applied::ORIGIN,
                        &mut findings,
                    );
                    hint = applied_hint(before, &findings);
                }
                Err(e) => last_applied::malformed(text, &e, &mut findings),
            }
        }
        Ok(Report {
            summary: summary(hint),
            findings,
        })
    })
}

/// `VDISession` and `VDITemplate`: the whole object and its last-applied
/// copy, walked for credentials by name.
pub fn vdi(input: &Input<'_, '_, Settings>) -> Result<(), Rejection> {
    let settings = input.settings;
    let names = settings.names();
    let kind = &input.request.kind.kind;
    judge(input, |raw| {
        let walk = Walk::run(raw.get(), &names, "")
            .map_err(|e| decode::rejection(&format!("{kind} object"), &e))?;
        if !walk.is_object {
            return Err(Rejection::new(format!(
                "the {kind} object is not a JSON object; it is not admitted"
            )));
        }
        let name = walk
            .name
            .as_deref()
            .or(input.request.name.as_deref())
            .unwrap_or_default();
        let mut findings = walk.findings;
        let mut hint = "";
        if settings.check_last_applied
            && let Some(text) = last_applied::text(&walk.last_applied, &mut findings)
        {
            match Walk::run(text, &names, last_applied::ORIGIN) {
                Ok(applied) => {
                    let before = findings.len();
                    findings.extend(applied.findings);
                    hint = applied_hint(before, &findings);
                }
                Err(e) => last_applied::malformed(text, &e, &mut findings),
            }
        }
        Ok(Report {
            summary: format!(
                "{kind} {} must keep credentials out of the object, they belong in a Secret{hint}",
                quote(name)
            ),
            findings,
        })
    })
}

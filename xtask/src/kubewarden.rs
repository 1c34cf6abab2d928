//! What the API server accepts but Kubewarden does not: the checks of the
//! controller's validating webhook (kubewarden-controller
//! `api/policies/v1/policy_validation.go`, `policygroup_validation.go`,
//! `policyserver_webhook.go`), and what a vdi-guard module needs from the
//! policy object that runs it (the right module reference, the rules it
//! routes, the kinds it looks up).
//!
//! Both run on top of the structural schema check ([`crate::schema`]), on
//! every policy object the repository shows: generated manifests, examples
//! and README snippets.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::metadata::ContextAwareResource;
use crate::policy::Policy;

pub const POLICY_KINDS: [&str; 2] = ["ClusterAdmissionPolicy", "AdmissionPolicy"];
pub const GROUP_KINDS: [&str; 2] = ["ClusterAdmissionPolicyGroup", "AdmissionPolicyGroup"];
pub const GROUP: &str = "policies.kubewarden.io";

/// The Kubernetes webhook timeout ceiling the controller enforces.
const MAX_WEBHOOK_TIMEOUT: i64 = 30;

/// CEL words a group member may not be called (`celReservedSymbols`).
const CEL_RESERVED: [&str; 21] = [
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

fn kind(object: &Value) -> &str {
    object.get("kind").and_then(Value::as_str).unwrap_or("")
}

fn is_kubewarden(object: &Value) -> bool {
    object
        .get("apiVersion")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with(&format!("{GROUP}/")))
}

fn spec(object: &Value) -> &Value {
    object.get("spec").unwrap_or(&Value::Null)
}

fn strings(value: Option<&Value>) -> Vec<&str> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// A CEL identifier (`^[_a-zA-Z][_a-zA-Z0-9]*$`) that is not reserved.
pub fn is_member_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        && !CEL_RESERVED.contains(&name)
}

/// The webhook's rule checks (`validateRulesField`).
fn rule_checks(spec: &Value, namespaced: bool, errors: &mut Vec<String>) {
    let rules = spec.get("rules").and_then(Value::as_array);
    let Some(rules) = rules.filter(|r| !r.is_empty()) else {
        errors.push("spec.rules: a value must be specified".into());
        return;
    };
    for (i, rule) in rules.iter().enumerate() {
        let operations = strings(rule.get("operations"));
        let versions = strings(rule.get("apiVersions"));
        let resources = strings(rule.get("resources"));
        let groups = strings(rule.get("apiGroups"));
        if operations.is_empty() {
            errors.push(format!(
                "spec.rules[{i}].operations: a value must be specified"
            ));
        } else if versions.is_empty() || resources.is_empty() {
            errors.push(format!(
                "spec.rules[{i}]: apiVersions and resources must have specified values"
            ));
        }
        for (field, list) in [
            ("operations", &operations),
            ("apiVersions", &versions),
            ("resources", &resources),
        ] {
            if list.iter().any(|s| s.is_empty()) {
                errors.push(format!("spec.rules[{i}].{field}: must be non-empty"));
            }
        }
        if namespaced && groups.contains(&"*") && resources.iter().any(|r| *r == "*" || *r == "*/*")
        {
            errors.push(format!(
                "spec.rules[{i}]: apiGroups and resources cannot both use wildcards in a namespaced policy"
            ));
        }
    }
}

fn int(value: Option<&Value>) -> Option<i64> {
    value.and_then(Value::as_i64)
}

/// Parses a group expression the way the controller compiles it: member
/// calls `name()`, `true`, `false`, `!`, `&&`, `||`, `==`, `!=` and
/// parentheses, nothing else, and the result must be a boolean.
pub fn check_expression(expression: &str, members: &BTreeSet<&str>) -> Result<(), String> {
    #[derive(Debug, PartialEq)]
    enum Token<'a> {
        Ident(&'a str),
        Op(&'static str),
    }
    let mut tokens = Vec::new();
    let bytes = expression.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'_' || c.is_ascii_alphabetic() {
            let start = i;
            while i < bytes.len() && (bytes[i] == b'_' || bytes[i].is_ascii_alphanumeric()) {
                i += 1;
            }
            tokens.push(Token::Ident(&expression[start..i]));
            continue;
        }
        let two = expression.get(i..i + 2);
        let op = match (two, c) {
            (Some("&&"), _) => "&&",
            (Some("||"), _) => "||",
            (Some("=="), _) => "==",
            (Some("!="), _) => "!=",
            (_, b'!') => "!",
            (_, b'(') => "(",
            (_, b')') => ")",
            _ => {
                return Err(format!(
                    "unexpected {:?} at offset {i}: only member calls, true, false, !, &&, ||, ==, != and parentheses are allowed",
                    expression[i..].chars().next().unwrap_or('?')
                ));
            }
        };
        i += op.len();
        tokens.push(Token::Op(op));
    }
    struct Parser<'t, 'a> {
        tokens: &'t [Token<'a>],
        pos: usize,
        members: &'t BTreeSet<&'t str>,
    }
    impl Parser<'_, '_> {
        fn eat(&mut self, op: &'static str) -> bool {
            let hit = self.tokens.get(self.pos) == Some(&Token::Op(op));
            self.pos += usize::from(hit);
            hit
        }
        fn or(&mut self) -> Result<(), String> {
            self.and()?;
            while self.eat("||") {
                self.and()?;
            }
            Ok(())
        }
        fn and(&mut self) -> Result<(), String> {
            self.equality()?;
            while self.eat("&&") {
                self.equality()?;
            }
            Ok(())
        }
        fn equality(&mut self) -> Result<(), String> {
            self.unary()?;
            if self.eat("==") || self.eat("!=") {
                self.unary()?;
            }
            Ok(())
        }
        fn unary(&mut self) -> Result<(), String> {
            if self.eat("!") {
                return self.unary();
            }
            if self.eat("(") {
                self.or()?;
                return if self.eat(")") {
                    Ok(())
                } else {
                    Err("unclosed parenthesis".into())
                };
            }
            match self.tokens.get(self.pos) {
                Some(Token::Ident("true" | "false")) => {
                    self.pos += 1;
                    Ok(())
                }
                Some(Token::Ident(name)) => {
                    self.pos += 1;
                    if !self.members.contains(name) {
                        return Err(format!("{name}() is not a member of spec.policies"));
                    }
                    if self.eat("(") && self.eat(")") {
                        Ok(())
                    } else {
                        Err(format!("{name} must be called: {name}()"))
                    }
                }
                other => Err(format!("expected a member call, found {other:?}")),
            }
        }
    }
    let mut parser = Parser {
        tokens: &tokens,
        pos: 0,
        members,
    };
    parser.or()?;
    if parser.pos != tokens.len() {
        return Err(format!(
            "unexpected {:?} after the expression",
            tokens[parser.pos]
        ));
    }
    Ok(())
}

/// A Kubernetes quantity in base units (enough to compare requests with
/// limits: decimal and binary suffixes, milli).
pub fn quantity(text: &str) -> Option<f64> {
    const SUFFIXES: [(&str, f64); 14] = [
        ("Ki", 1024.0),
        ("Mi", 1048576.0),
        ("Gi", 1073741824.0),
        ("Ti", 1099511627776.0),
        ("Pi", 1125899906842624.0),
        ("Ei", 1152921504606846976.0),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
        ("", 1.0),
    ];
    SUFFIXES.iter().find_map(|(suffix, factor)| {
        let number = text.strip_suffix(suffix)?;
        let ok = !number.is_empty()
            && number.chars().all(|c| c.is_ascii_digit() || c == '.')
            && number.chars().filter(|c| *c == '.').count() <= 1;
        ok.then(|| number.parse::<f64>().ok().map(|n| n * factor))
            .flatten()
    })
}

fn policy_server_checks(object: &Value, errors: &mut Vec<String>) {
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    if name.len() > 63 {
        errors.push(
            "metadata.name: the PolicyServer name cannot be longer than 63 characters".into(),
        );
    }
    let spec = spec(object);
    if spec.get("minAvailable").is_some() && spec.get("maxUnavailable").is_some() {
        errors.push("spec: minAvailable and maxUnavailable cannot be both set".into());
    }
    let limits = spec.get("limits").and_then(Value::as_object);
    for (resource, request) in spec
        .get("requests")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let request_q = quantity(&text(request));
        let limit = limits.and_then(|l| l.get(resource));
        let limit_q = limit.map(|l| quantity(&text(l)));
        match (request_q, limit_q) {
            (None, _) | (_, Some(None)) => errors.push(format!(
                "spec.requests.{resource}: cannot read the quantity to compare with the limit"
            )),
            (Some(r), Some(Some(l))) if r > l => errors.push(format!(
                "spec.requests.{resource}: must be less than or equal to the {resource} limit"
            )),
            _ => {}
        }
    }
}

/// The controller webhook's checks for Kubewarden objects; other objects
/// pass.
pub fn controller_checks(object: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    if !is_kubewarden(object) {
        return errors;
    }
    let kind = kind(object);
    let spec = spec(object);
    if kind == "PolicyServer" {
        policy_server_checks(object, &mut errors);
        return errors;
    }
    let is_group = GROUP_KINDS.contains(&kind);
    if !is_group && !POLICY_KINDS.contains(&kind) {
        return errors;
    }
    rule_checks(spec, kind.starts_with("Admission"), &mut errors);
    let timeout = int(spec.get("timeoutSeconds"));
    if let (Some(t), Some(e)) = (timeout, int(spec.get("timeoutEvalSeconds")))
        && e > t
    {
        errors.push("spec.timeoutEvalSeconds: cannot be greater than timeoutSeconds".into());
    }
    if spec
        .get("matchConditions")
        .and_then(Value::as_array)
        .is_some_and(|m| m.len() > 64)
    {
        errors.push("spec.matchConditions: at most 64".into());
    }
    if !is_group {
        return errors;
    }
    let members = spec.get("policies").and_then(Value::as_object);
    let names: BTreeSet<&str> = members
        .into_iter()
        .flatten()
        .map(|(k, _)| k.as_str())
        .collect();
    if names.is_empty() {
        errors.push("spec.policies: policy groups must have at least one policy member".into());
    }
    for name in &names {
        if !is_member_name(name) {
            errors.push(format!(
                "spec.policies: member name {name:?} is invalid: a CEL identifier ([_a-zA-Z][_a-zA-Z0-9]*, no '-') that is not reserved"
            ));
        }
    }
    match spec.get("expression").and_then(Value::as_str) {
        None | Some("") => errors.push("spec.expression: must be non-empty".into()),
        Some(expression) => {
            if let Err(e) = check_expression(expression, &names) {
                errors.push(format!("spec.expression: {e}"));
            }
        }
    }
    if spec
        .get("message")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        errors.push("spec.message: must be non-empty".into());
    }
    let mut sum = 0;
    for (name, member) in members.into_iter().flatten() {
        if let Some(eval) = int(member.get("timeoutEvalSeconds")) {
            sum += eval;
            if timeout.is_some_and(|t| eval > t) {
                errors.push(format!(
                    "spec.policies.{name}.timeoutEvalSeconds: cannot be greater than the group's timeoutSeconds"
                ));
            }
        }
    }
    if sum > MAX_WEBHOOK_TIMEOUT || timeout.is_some_and(|t| sum > t) {
        errors.push(
            "spec.policies: the members' timeoutEvalSeconds add up to more than the group's timeout".into(),
        );
    }
    errors
}

/// `registry://ghcr.io/vdi-guard/vdi-guard/<policy>:v<version>` as
/// (policy, version); `None` for other modules.
pub fn vdi_guard_module(module: &str) -> Option<(&str, &str)> {
    let rest = module
        .strip_prefix("registry://")?
        .strip_prefix(crate::OCI_REPOSITORY)?
        .strip_prefix('/')?;
    let (name, tag) = rest.split_once(':')?;
    Some((name, tag.strip_prefix('v').unwrap_or(tag)))
}

/// A module reference whose repository is named like a vdi-guard policy
/// but is not in the canonical form (a bare reference, another registry).
fn mentions_vdi_guard(module: &str, policies: &[Policy]) -> bool {
    let last = module.rsplit('/').next().unwrap_or(module);
    let name = last.split(['@', ':']).next().unwrap_or(last);
    module.contains("vdi-guard") || policies.iter().any(|p| p.name == name)
}

/// Every (group, version, resource, operation) a policy object's rules send.
fn rule_rows(rules: Option<&Value>) -> Vec<(String, String, String, String)> {
    let mut rows = Vec::new();
    for rule in rules.and_then(Value::as_array).into_iter().flatten() {
        for g in strings(rule.get("apiGroups")) {
            for v in strings(rule.get("apiVersions")) {
                for r in strings(rule.get("resources")) {
                    for o in strings(rule.get("operations")) {
                        rows.push((g.into(), v.into(), r.into(), o.into()));
                    }
                }
            }
        }
    }
    rows
}

fn context_aware(value: Option<&Value>) -> Result<BTreeSet<ContextAwareResource>, String> {
    match value {
        None | Some(Value::Null) => Ok(BTreeSet::new()),
        Some(v) => serde_json::from_value::<Vec<ContextAwareResource>>(v.clone())
            .map(|list| list.into_iter().collect())
            .map_err(|e| format!("contextAwareResources: {e}")),
    }
}

/// One vdi-guard module as a policy object runs it.
fn module_checks(
    at: &str,
    module: &str,
    spec_rules: Option<&Value>,
    context: Option<&Value>,
    policies: &[Policy],
    errors: &mut Vec<String>,
) -> Option<String> {
    let Some((name, version)) = vdi_guard_module(module) else {
        if mentions_vdi_guard(module, policies) {
            errors.push(format!(
                "{at}.module: {module:?}: write vdi-guard modules as registry://{}/<policy>:v<version>",
                crate::OCI_REPOSITORY
            ));
        }
        return None;
    };
    let Some(policy) = policies.iter().find(|p| p.name == name) else {
        errors.push(format!(
            "{at}.module: there is no vdi-guard policy {name:?}"
        ));
        return None;
    };
    if version != policy.version {
        errors.push(format!(
            "{at}.module: {name} is at version {}, not {version}",
            policy.version
        ));
    }
    for (g, v, r, o) in rule_rows(spec_rules) {
        if [&g, &v, &r, &o].iter().any(|s| s.contains('*')) {
            errors.push(format!(
                "spec.rules: {g:?} {v:?} {r:?} {o:?} uses a wildcard; name what {name} handles"
            ));
        } else if !policy.metadata.handles(&g, &v, &r, &o) {
            errors.push(format!(
                "spec.rules: {name} does not handle {o} of {g}/{v} {r} (see its metadata.yml); every such request would be rejected"
            ));
        }
    }
    match context_aware(context) {
        Ok(granted) => {
            let needed: BTreeSet<ContextAwareResource> = policy
                .metadata
                .context_aware_resources
                .iter()
                .cloned()
                .collect();
            if granted != needed {
                let show = |set: &BTreeSet<ContextAwareResource>| {
                    set.iter()
                        .map(|r| format!("{} {}", r.api_version, r.kind))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                errors.push(format!(
                    "{at}.contextAwareResources: [{}] but {name} looks up exactly [{}] (its metadata.yml)",
                    show(&granted),
                    show(&needed)
                ));
            }
        }
        Err(e) => errors.push(format!("{at}.{e}")),
    }
    Some(policy.name.clone())
}

/// Checks a policy object that runs vdi-guard modules against the
/// modules' metadata. Returns the vdi-guard policies it runs, with the
/// JSON pointer of each one's settings.
pub fn vdi_guard_checks(
    object: &Value,
    policies: &[Policy],
) -> (Vec<(String, String)>, Vec<String>) {
    let mut errors = Vec::new();
    let mut runs = Vec::new();
    if !is_kubewarden(object) {
        return (runs, errors);
    }
    let kind = kind(object);
    let spec = spec(object);
    let rules = spec.get("rules");
    let audit = spec
        .get("backgroundAudit")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    if POLICY_KINDS.contains(&kind) {
        let module = spec.get("module").and_then(Value::as_str).unwrap_or("");
        if let Some(name) = module_checks(
            "spec",
            module,
            rules,
            spec.get("contextAwareResources"),
            policies,
            &mut errors,
        ) {
            if let Some(policy) = policies.iter().find(|p| p.name == name) {
                // A module that can mutate may run in a validating policy
                // (its mutation off in the settings); a policy that says
                // mutating for a module that cannot is a mistake.
                let mutating = spec.get("mutating").and_then(Value::as_bool);
                if mutating == Some(true) && !policy.metadata.mutating {
                    errors.push(format!(
                        "spec.mutating: true, but {name} never mutates (metadata.yml mutating: false)"
                    ));
                }
                if audit && !policy.metadata.background_audit {
                    errors.push(format!(
                        "spec.backgroundAudit: {name} sets backgroundAudit: false in metadata.yml (its verdict depends on the requester); set it false here too"
                    ));
                }
            }
            runs.push((name, "/spec/settings".to_owned()));
        }
    } else if GROUP_KINDS.contains(&kind) {
        for (member, body) in spec
            .get("policies")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let module = body.get("module").and_then(Value::as_str).unwrap_or("");
            let at = format!("spec.policies.{member}");
            if let Some(name) = module_checks(
                &at,
                module,
                rules,
                body.get("contextAwareResources"),
                policies,
                &mut errors,
            ) {
                if audit
                    && policies
                        .iter()
                        .any(|p| p.name == name && !p.metadata.background_audit)
                {
                    errors.push(format!(
                        "spec.backgroundAudit: member {member} ({name}) must not be audited in the background"
                    ));
                }
                let pointer = format!(
                    "/spec/policies/{}/settings",
                    member.replace('~', "~0").replace('/', "~1")
                );
                runs.push((name, pointer));
            }
        }
    }
    (runs, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    fn members(names: &[&'static str]) -> BTreeSet<&'static str> {
        names.iter().copied().collect()
    }

    #[rstest]
    #[case("a() && b()", true)]
    #[case("a() && (b() || !c())", true)]
    #[case("a() == true", true)]
    #[case("!a() != b()", true)]
    #[case("a()", true)]
    #[case("a() && d()", false)]
    #[case("a && b()", false)]
    #[case("a() + b()", false)]
    #[case("a() &&", false)]
    #[case("(a()", false)]
    #[case("a() b()", false)]
    #[case("size(a()) > 1", false)]
    fn group_expressions_like_the_controller(#[case] expression: &str, #[case] ok: bool) {
        let got = check_expression(expression, &members(&["a", "b", "c"]));
        assert_eq!(got.is_ok(), ok, "{expression}: {got:?}");
    }

    #[rstest]
    #[case("trusted_registries", true)]
    #[case("_x1", true)]
    #[case("trusted-registries", false)]
    #[case("1st", false)]
    #[case("in", false)]
    #[case("", false)]
    fn member_names(#[case] name: &str, #[case] ok: bool) {
        assert_eq!(is_member_name(name), ok, "{name}");
    }

    #[rstest]
    #[case("250m", 0.25)]
    #[case("1", 1.0)]
    #[case("256Mi", 268435456.0)]
    #[case("1.5Gi", 1610612736.0)]
    #[case("2k", 2000.0)]
    fn quantities(#[case] text: &str, #[case] value: f64) {
        assert_eq!(quantity(text), Some(value));
    }

    #[test]
    fn unreadable_quantities_are_none() {
        for text in ["", "Mi", "1..2", "1MB", "-1"] {
            assert_eq!(quantity(text), None, "{text}");
        }
    }

    #[test]
    fn requests_above_limits_are_refused() {
        let ps = json!({"apiVersion": "policies.kubewarden.io/v1", "kind": "PolicyServer",
            "metadata": {"name": "x"},
            "spec": {"image": "i", "replicas": 1, "requests": {"memory": "1Gi"}, "limits": {"memory": "512Mi"}}});
        let errors = controller_checks(&ps);
        assert!(
            errors[0].contains("must be less than or equal"),
            "{errors:?}"
        );
    }

    #[test]
    fn group_webhook_checks() {
        let group = json!({"apiVersion": "policies.kubewarden.io/v1", "kind": "ClusterAdmissionPolicyGroup",
            "metadata": {"name": "g"},
            "spec": {"rules": [{"apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"], "operations": []}],
                     "policies": {"trusted-registries": {"module": "m"}}, "expression": "trusted_registries()", "message": ""}});
        let errors = controller_checks(&group).join("\n");
        for fragment in [
            "operations: a value must be specified",
            "member name \"trusted-registries\" is invalid",
            "trusted_registries() is not a member",
            "spec.message: must be non-empty",
        ] {
            assert!(errors.contains(fragment), "{fragment} in {errors}");
        }
    }

    #[rstest]
    #[case("registry://ghcr.io/vdi-guard/vdi-guard/gpu-limits:v0.1.0", Some(("gpu-limits", "0.1.0")))]
    #[case("registry://ghcr.io/kubewarden/policies/pod-privileged:v1.0.0", None)]
    #[case("ghcr.io/vdi-guard/vdi-guard/gpu-limits:v0.1.0", None)]
    fn module_references(#[case] module: &str, #[case] expected: Option<(&str, &str)>) {
        assert_eq!(vdi_guard_module(module), expected);
    }
}

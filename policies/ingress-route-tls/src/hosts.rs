//! Host names, as Traefik compares them, and what a rule pins.
//!
//! Traefik lowercases `Host` values (v2 and v3) and `HostSNI` values (v2),
//! and treats a trailing dot as absent; so a host value is compared in its
//! canonical form: ASCII lowercase, one trailing dot dropped. `Host(`Alice.VDI.example.com.`)`
//! is the host `alice.vdi.example.com`, for the session check as for the
//! domain check. Domains contain their subdomains by label boundary:
//! `evilvdi.example.com` is not under `vdi.example.com`.

use crate::rule::{Matcher, Rule};

/// Why `value` is not a host name Traefik would match as written, or its
/// canonical form.
pub fn canonical(value: &str) -> Result<String, String> {
    if value.contains('*') {
        return Err(
            "it is a wildcard; Host matches it literally and HostSNI(`*`) matches every host, so list each host name"
                .into(),
        );
    }
    if !value.is_ascii() {
        return Err("it is not ASCII; write internationalized names in punycode (xn--...)".into());
    }
    let lower = value.to_ascii_lowercase();
    let name = lower.strip_suffix('.').unwrap_or(&lower);
    if name.is_empty() {
        return Err("it is empty".into());
    }
    if name.len() > 253 {
        return Err("it is longer than 253 characters".into());
    }
    for label in name.split('.') {
        if let Some(problem) = dns_label_problem(label) {
            return Err(format!("a label of it is not a DNS label ({problem})"));
        }
    }
    Ok(name.to_string())
}

/// The RFC 1123 label rule, also the rule for the user a session route
/// names: it becomes a label of the host.
pub use shared::identity::dns_label_problem;

/// `host` is `domain` or one of its subdomains (canonical forms).
pub fn is_under(host: &str, domain: &str) -> bool {
    host == domain || is_strictly_under(host, domain)
}

/// `host` is a subdomain of `domain`, by label boundary.
pub fn is_strictly_under(host: &str, domain: &str) -> bool {
    host.strip_suffix(domain)
        .is_some_and(|prefix| prefix.len() > 1 && prefix.ends_with('.'))
}

const NOT_ANCHORED: &str = "it does not end with `$`, so it also matches longer host names (Traefik v2 `{name:pattern}` templates are not accepted; write a regular expression such as `^[a-z0-9-]+\\.example\\.com$`)";

/// What a `HostRegexp`/`HostSNIRegexp` pattern can match, when the policy
/// can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// Exactly this host (an anchored literal).
    Exact(String),
    /// Only hosts under this domain (strictly, or the domain itself when
    /// the pattern's prefix can be empty).
    Under(String),
}

/// Reads a host pattern as a Go regular expression (Traefik v3) and tells
/// which domain every match is under: the pattern must end in `$`, have no
/// top-level `|` and no flag group (`(?m)` would move `$`), and its last
/// literal run must hold an escaped dot, as in `^[a-z0-9-]+\.example\.com$`.
///
/// Read as a Traefik v2 template (gorilla/mux), such a pattern ends in a
/// literal `$`, so it matches no DNS name at all: the verdict holds for
/// both syntaxes. v2 templates (`{sub:[a-z]+}.example.com`) are refused,
/// since read as v3 they are unanchored.
pub fn pattern_domain(pattern: &str) -> Result<Pattern, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let Some(body_len) = chars
        .len()
        .checked_sub(1)
        .filter(|_| chars.last() == Some(&'$'))
    else {
        return Err(NOT_ANCHORED.into());
    };
    let anchored = chars.first() == Some(&'^');
    // Top-level tokens: `Some(c)` a literal character, `None` anything else.
    let mut tokens: Vec<Option<char>> = Vec::new();
    let mut depth = 0usize;
    let mut i = usize::from(anchored);
    let at = |i: usize| chars.get(i).copied();
    while i < body_len {
        let Some(c) = at(i) else { break };
        let mut token: Option<Option<char>> = Some(None);
        match c {
            '\\' => {
                let Some(e) = at(i + 1).filter(|_| i + 1 < body_len) else {
                    return Err(NOT_ANCHORED.into());
                };
                i += 2;
                if e == 'Q' {
                    return Err("`\\Q` quoting is not accepted".into());
                }
                if e.is_ascii_alphanumeric() {
                    // Classes (\d, \w, \pL, \p{Greek}), anchors (\b, \A, \z),
                    // hex (\x41, \x{41}) and octal (\101) escapes.
                    if matches!(e, 'x' | 'p' | 'P') && at(i) == Some('{') {
                        while i < body_len && at(i) != Some('}') {
                            i += 1;
                        }
                        i += 1;
                    } else if e == 'x' {
                        i += 2;
                    } else if matches!(e, 'p' | 'P') {
                        i += 1;
                    } else if e.is_ascii_digit() {
                        let mut n = 0;
                        while n < 2 && at(i).is_some_and(|d| d.is_ascii_digit()) {
                            i += 1;
                            n += 1;
                        }
                    }
                } else {
                    token = Some(Some(e));
                }
            }
            '[' => {
                i += 1;
                if at(i) == Some('^') {
                    i += 1;
                }
                if at(i) == Some(']') {
                    i += 1;
                }
                loop {
                    match at(i) {
                        None => return Err("a character class is not closed".into()),
                        Some('\\') => i += 2,
                        Some('[') if at(i + 1) == Some(':') => {
                            i += 2;
                            while at(i).is_some_and(|c| c != ']') {
                                i += 1;
                            }
                            i += 1;
                        }
                        Some(']') => {
                            i += 1;
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
                if i > body_len {
                    return Err("a character class is not closed".into());
                }
            }
            '(' => {
                if at(i + 1) == Some('?') && at(i + 2) != Some(':') {
                    return Err("flag and named groups `(?...)` are not accepted (`(?m)` would let `$` match before the end)".into());
                }
                depth += 1;
                i += 1;
                token = None;
            }
            ')' => {
                let Some(d) = depth.checked_sub(1) else {
                    return Err("its parentheses are not balanced".into());
                };
                depth = d;
                i += 1;
                if depth > 0 {
                    token = None;
                }
            }
            '|' if depth == 0 => {
                return Err("it has a top-level `|`, whose other side can match any host".into());
            }
            '*' | '+' | '?' => {
                i += 1;
                token = None;
                if depth == 0
                    && let Some(last) = tokens.last_mut()
                {
                    *last = None;
                }
            }
            '{' if repeat_len(chars.get(i..body_len).unwrap_or_default()).is_some() => {
                i += repeat_len(chars.get(i..body_len).unwrap_or_default()).unwrap_or(1);
                token = None;
                if depth == 0
                    && let Some(last) = tokens.last_mut()
                {
                    *last = None;
                }
            }
            '.' | '^' | '$' => i += 1,
            other => {
                i += 1;
                token = Some(Some(other));
            }
        }
        if depth == 0
            && let Some(t) = token
        {
            tokens.push(t);
        }
    }
    if depth != 0 {
        return Err("its parentheses are not balanced".into());
    }
    let run_start = tokens
        .iter()
        .rposition(Option::is_none)
        .map_or(0, |p| p + 1);
    let run: String = tokens
        .get(run_start..)
        .unwrap_or_default()
        .iter()
        .flatten()
        .collect();
    let fixed_prefix = anchored && run_start == 0;
    if fixed_prefix {
        return canonical(&run).map(Pattern::Exact).map_err(|e| {
            format!(
                "its literal host {} is not a host name: {e}",
                shared::quote::quote(&run)
            )
        });
    }
    let Some(dot) = run.find('.') else {
        return Err("it does not end in an escaped dot and a literal domain (write `\\.example\\.com$`, escaping each dot)".into());
    };
    let domain = run.get(dot + 1..).unwrap_or_default();
    canonical(domain).map(Pattern::Under).map_err(|e| {
        format!(
            "the domain it ends in, {}, is not a host name: {e}",
            shared::quote::quote(domain)
        )
    })
}

/// The length of a Go repeat `{n}`, `{n,}` or `{n,m}` at the start of
/// `chars`; anything else is a literal `{` in Go.
fn repeat_len(chars: &[char]) -> Option<usize> {
    let close = chars.iter().position(|c| *c == '}')?;
    let inner: String = chars.get(1..close)?.iter().collect();
    let (min, max) = match inner.split_once(',') {
        Some((a, b)) => (a, Some(b)),
        None => (inner.as_str(), None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(min) && max.is_none_or(|m| m.is_empty() || digits(m))).then_some(close + 1)
}

/// A host matcher of a rule, with the polarity it has once the negations
/// are pushed down to the matchers (as Traefik's `invert` does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostUse<'r> {
    pub matcher: Matcher,
    pub values: &'r [String],
    pub positive: bool,
}

/// Whether a matcher constrains the host.
pub fn is_host_matcher(matcher: Matcher) -> bool {
    matches!(
        matcher,
        Matcher::Host
            | Matcher::HostHeader
            | Matcher::HostRegexp
            | Matcher::HostSNI
            | Matcher::HostSNIRegexp
    )
}

pub fn is_regexp(matcher: Matcher) -> bool {
    matches!(matcher, Matcher::HostRegexp | Matcher::HostSNIRegexp)
}

/// Every host matcher of `rule`, in rule order.
pub fn host_uses(rule: &Rule) -> Vec<HostUse<'_>> {
    fn walk<'r>(rule: &'r Rule, positive: bool, out: &mut Vec<HostUse<'r>>) {
        match rule {
            Rule::Match(matcher, values) => {
                if is_host_matcher(*matcher) {
                    out.push(HostUse {
                        matcher: *matcher,
                        values,
                        positive,
                    });
                }
            }
            Rule::Not(inner) => walk(inner, !positive, out),
            Rule::And(a, b) | Rule::Or(a, b) => {
                walk(a, positive, out);
                walk(b, positive, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(rule, true, &mut out);
    out
}

/// Whether every alternative of the rule's disjunctive form holds a
/// positive host matcher, i.e. the rule cannot match a host it does not
/// name. Computed without expanding the disjunctive form (which can be
/// exponential): an `&&` is pinned when either side is, an `||` when both
/// are, and `!` swaps the two. `!Host(...)` pins nothing, nor does
/// `HostSNI(`*`)`, which matches every host.
pub fn pinned(rule: &Rule) -> bool {
    fn go(rule: &Rule, negated: bool) -> bool {
        match rule {
            Rule::Match(matcher, values) => {
                !negated
                    && is_host_matcher(*matcher)
                    && !(*matcher == Matcher::HostSNI && values.iter().any(|v| v == "*"))
            }
            Rule::Not(inner) => go(inner, !negated),
            Rule::And(a, b) if negated => go(a, true) && go(b, true),
            Rule::And(a, b) => go(a, false) || go(b, false),
            Rule::Or(a, b) if negated => go(a, true) || go(b, true),
            Rule::Or(a, b) => go(a, false) && go(b, false),
        }
    }
    go(rule, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::{Flavor, parse};
    use rstest::rstest;

    #[rstest]
    #[case("kasm.example.com", "kasm.example.com")]
    #[case("Alice.VDI.Example.com", "alice.vdi.example.com")]
    #[case("alice.vdi.example.com.", "alice.vdi.example.com")]
    #[case("localhost", "localhost")]
    #[case("xn--bcher-kva.example", "xn--bcher-kva.example")]
    fn hosts_canonicalize(#[case] value: &str, #[case] expected: &str) {
        assert_eq!(canonical(value).as_deref(), Ok(expected));
    }

    #[rstest]
    #[case::wildcard("*.example.com", "wildcard")]
    #[case::star("*", "wildcard")]
    #[case::unicode("bücher.example", "punycode")]
    #[case::empty("", "empty")]
    #[case::dot(".", "empty")]
    #[case::two_dots("a..example.com", "empty")]
    #[case::double_trailing("a.example.com..", "empty")]
    #[case::port("a.example.com:443", "other than a-z")]
    #[case::underscore("_acme.example.com", "other than a-z")]
    #[case::space("a .example.com", "other than a-z")]
    #[case::leading_dash("-a.example.com", "starts or ends")]
    #[case::long_label(&format!("{}.example.com", "a".repeat(64)), "longer than 63")]
    #[case::long_name(&format!("{}a", "a.".repeat(127)), "longer than 253")]
    #[case::backtick("a`) || Host(`b", "other than a-z")]
    fn bad_hosts_are_named(#[case] value: &str, #[case] fragment: &str) {
        let err = canonical(value).expect_err(value);
        assert!(err.contains(fragment), "{value}: {err}");
    }

    #[rstest]
    #[case("vdi.example.com", "vdi.example.com", true, false)]
    #[case("alice.vdi.example.com", "vdi.example.com", true, true)]
    #[case("a.b.vdi.example.com", "vdi.example.com", true, true)]
    #[case("evilvdi.example.com", "vdi.example.com", false, false)]
    #[case("vdi.example.com.evil.net", "vdi.example.com", false, false)]
    #[case("example.com", "vdi.example.com", false, false)]
    #[case(".vdi.example.com", "vdi.example.com", false, false)]
    fn domains_by_label_boundary(
        #[case] host: &str,
        #[case] domain: &str,
        #[case] under: bool,
        #[case] strictly: bool,
    ) {
        assert_eq!(is_under(host, domain), under || host == domain);
        assert_eq!(is_strictly_under(host, domain), strictly);
    }

    #[rstest]
    #[case(r"^[a-z0-9-]+\.example\.com$", Pattern::Under("example.com".into()))]
    #[case(r"^.+\.vdi\.example\.com$", Pattern::Under("vdi.example.com".into()))]
    #[case(r"[a-z]+x\.Example\.com$", Pattern::Under("example.com".into()))]
    #[case(r"^(a|b)\.example\.com$", Pattern::Under("example.com".into()))]
    #[case(r"^(?:www\.)?example\.com$", Pattern::Under("com".into()))]
    #[case(r"^kasm\.example\.com$", Pattern::Exact("kasm.example.com".into()))]
    #[case(r"^[a-z]{3,8}\.example\.com$", Pattern::Under("example.com".into()))]
    #[case(r"^[[:alpha:]]+\.example\.com$", Pattern::Under("example.com".into()))]
    #[case(r"^[]a]+\.example\.com$", Pattern::Under("example.com".into()))]
    #[case(r"^\d+\.example\.com$", Pattern::Under("example.com".into()))]
    fn patterns_name_their_domain(#[case] pattern: &str, #[case] expected: Pattern) {
        assert_eq!(pattern_domain(pattern), Ok(expected));
    }

    #[rstest]
    #[case::unanchored_end(r"^[a-z]+\.example\.com", "does not end with `$`")]
    #[case::v2_template("{sub:[a-z]+}.example.com", "does not end with `$`")]
    #[case::alternation(r"^a\.example\.com$|.*", "does not end with `$`")]
    #[case::top_level_alternation(r"^a\.example\.com|.*$", "top-level `|`")]
    #[case::multiline(r"(?m)^.*\.example\.com$", "flag and named groups")]
    #[case::case_flag(r"(?i)^.*\.example\.com$", "flag and named groups")]
    #[case::unescaped_dots(r"^.*\.example.com$", "does not end in an escaped dot")]
    #[case::no_dot(r"^.*example\.com$", "")]
    #[case::quantified_tail(r"^.*\.example\.com+$", "escaped dot")]
    #[case::unanchored_literal(r"example\.com$", "")]
    #[case::escaped_dollar(r"^.*\.example\.com\$", "does not end with `$`")]
    #[case::quoted(r"^\Q.example.com\E$", "\\Q")]
    #[case::unbalanced(r"^(.*\.example\.com$", "not balanced")]
    #[case::unclosed_class(r"^[a-z\.example\.com$", "not closed")]
    #[case::end_z(r"^.*\.example\.com\z", "does not end with `$`")]
    #[case::class_tail(r"^.*\.example\.co[m]$", "")]
    fn patterns_without_a_provable_domain_are_refused(
        #[case] pattern: &str,
        #[case] fragment: &str,
    ) {
        match pattern_domain(pattern) {
            Err(e) => assert!(e.contains(fragment), "{pattern}: {e}"),
            Ok(Pattern::Under(d))
                if pattern == r"^.*example\.com$" || pattern == r"example\.com$" =>
            {
                // "...example.com" may be "evilexample.com": only `com` is proven.
                assert_eq!(d, "com", "{pattern}");
            }
            Ok(other) => panic!("{pattern}: {other:?}"),
        }
    }

    #[test]
    fn the_literal_run_before_an_escape_is_not_trusted() {
        // `\145` is `e`: the run after it is `.com`, so only `com` is proven.
        assert_eq!(
            pattern_domain(r"^.*\.exampl\145\.com$"),
            Ok(Pattern::Under("com".into()))
        );
    }

    #[rstest]
    #[case("Host(`a`)", true)]
    #[case("Host(`a`) && Path(`/`)", true)]
    #[case("Path(`/`) && Host(`a`)", true)]
    #[case("Host(`a`) || Path(`/`)", false)]
    #[case("Host(`a`) || Host(`b`)", true)]
    #[case("!Host(`a`)", false)]
    #[case("!Host(`a`) && Path(`/`)", false)]
    #[case("!!Host(`a`)", true)]
    #[case("!(Host(`a`) || Path(`/`))", false)]
    #[case("!(!Host(`a`) || !Host(`b`))", true)]
    #[case("!(!Host(`a`) && Path(`/`))", false)]
    #[case("(Host(`a`) || Path(`/x`)) && Host(`b`)", true)]
    #[case("(Host(`a`) || Path(`/x`)) && (Host(`b`) || Path(`/y`))", false)]
    #[case("PathPrefix(`/`)", false)]
    #[case("HostRegexp(`^a\\.b$`)", true)]
    #[case("Host(`a`) && !Host(`b`)", true)]
    fn pinning_follows_the_disjunctive_form(#[case] rule: &str, #[case] expected: bool) {
        let parsed = parse(rule, Flavor::Http).unwrap();
        assert_eq!(pinned(&parsed), expected, "{rule}");
    }

    #[rstest]
    #[case("HostSNI(`*`)", false)]
    #[case("HostSNI(`a`, `*`)", false)]
    #[case("HostSNI(`a`)", true)]
    #[case("HostSNI(`a`) && ClientIP(`10.0.0.0/8`)", true)]
    #[case("ALPN(`h2`)", false)]
    fn tcp_pinning(#[case] rule: &str, #[case] expected: bool) {
        let parsed = parse(rule, Flavor::Tcp).unwrap();
        assert_eq!(pinned(&parsed), expected, "{rule}");
    }

    #[test]
    fn host_uses_carry_polarity() {
        let parsed = parse(
            "Host(`a`) && !(Host(`b`) || !HostHeader(`c`))",
            Flavor::Http,
        )
        .unwrap();
        let uses: Vec<(Matcher, &str, bool)> = host_uses(&parsed)
            .iter()
            .map(|u| (u.matcher, u.values[0].as_str(), u.positive))
            .collect();
        assert_eq!(
            uses,
            [
                (Matcher::Host, "a", true),
                (Matcher::Host, "b", false),
                (Matcher::HostHeader, "c", true)
            ]
        );
    }
}

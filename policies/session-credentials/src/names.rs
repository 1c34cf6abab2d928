//! Credential names: case- and separator-insensitive globs.
//!
//! The same credential is spelt `DB_PASSWORD` in an env var, `db-password`
//! in a ConfigMap key, `dbPassword` in a manifest field and `db.password` in
//! a properties file. Both the patterns and the names are canonicalized once
//! — ASCII letters upper-cased, `_`, `-` and `.` dropped — and matched
//! canonical against canonical, so `*API_KEY*` catches `apiKey`, `api-key`
//! and `X_API_KEY` alike. `*` is the only wildcard and matches any run of
//! characters, the empty run included.

/// The characters a name may use between words without changing its meaning.
fn is_separator(b: u8) -> bool {
    matches!(b, b'_' | b'-' | b'.')
}

/// The canonical spelling of a name or pattern: upper-case ASCII, no
/// separators. Other bytes (including non-ASCII UTF-8) are kept as they are.
pub fn canonical(name: &str) -> Vec<u8> {
    name.bytes()
        .filter(|b| !is_separator(*b))
        .map(|b| b.to_ascii_uppercase())
        .collect()
}

/// Glob match of canonical `pattern` against `name` read canonically on the
/// fly (separators skipped, ASCII upper-cased), so matching allocates
/// nothing: the classic two-pointer algorithm with one backtrack point,
/// O(len(name) × len(pattern)) at worst and no recursion, so a 1 MB name
/// costs milliseconds, not a stack.
fn glob(pattern: &[u8], name: &[u8]) -> bool {
    let skip = |mut i: usize| {
        while name.get(i).copied().is_some_and(is_separator) {
            i += 1;
        }
        i
    };
    let (mut p, mut n) = (0usize, skip(0));
    let mut star: Option<usize> = None;
    let mut resume = n;
    while n < name.len() {
        match (pattern.get(p), name.get(n)) {
            (Some(b'*'), _) => {
                star = Some(p);
                resume = n;
                p += 1;
            }
            (Some(c), Some(d)) if *c == d.to_ascii_uppercase() => {
                p += 1;
                n = skip(n + 1);
            }
            _ => match star {
                Some(s) => {
                    p = s + 1;
                    resume = skip(resume + 1);
                    n = resume;
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|b| *b == b'*'))
}

/// The bit a canonical byte sets in a [`letters`] set: one per upper-case
/// letter and digit, one shared by every other byte.
fn bit(b: u8) -> u64 {
    match b {
        b'A'..=b'Z' => 1 << (b - b'A'),
        b'0'..=b'9' => 1 << (26 + b - b'0'),
        _ => 1 << 63,
    }
}

/// The set of canonical bytes in `bytes` (separators skipped, ASCII
/// upper-cased), `*` excepted. A name can match a pattern only if it holds
/// every byte the pattern spells out, so comparing the two sets rules out
/// most pattern-name pairs before the glob reads either: a Pod has
/// thousands of env names and field keys, almost none of them credentials.
fn letters(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .filter(|b| !is_separator(**b) && **b != b'*')
        .fold(0, |set, b| set | bit(b.to_ascii_uppercase()))
}

/// One compiled `credentialEnvNames` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    canonical: Vec<u8>,
    letters: u64,
}

/// The compiled `credentialEnvNames`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    patterns: Vec<Pattern>,
}

impl Names {
    pub fn new<'p>(patterns: impl IntoIterator<Item = &'p str>) -> Names {
        let patterns = patterns
            .into_iter()
            .map(|pattern| {
                let canonical = canonical(pattern);
                let letters = letters(&canonical);
                Pattern { canonical, letters }
            })
            .collect();
        Names { patterns }
    }

    /// Whether `name` is named like a credential.
    pub fn matches(&self, name: &str) -> bool {
        if self.patterns.is_empty() {
            return false;
        }
        let held = letters(name.as_bytes());
        self.patterns
            .iter()
            .any(|p| p.letters & !held == 0 && glob(&p.canonical, name.as_bytes()))
    }
}

/// Why a `credentialEnvNames` entry is not a usable pattern, if it is not.
pub fn check_pattern(pattern: &str) -> Result<(), String> {
    if let Some(c) = pattern.chars().find(|c| {
        c.is_whitespace() || c.is_control() || matches!(c, '=' | '?' | '[' | ']' | '{' | '}')
    }) {
        return Err(format!(
            "credentialEnvNames: {pattern:?} contains {c:?}; a pattern is a name with `*` as its only wildcard"
        ));
    }
    let canonical = canonical(pattern);
    if canonical.is_empty() {
        return Err(format!(
            "credentialEnvNames: {pattern:?} is empty once `_`, `-` and `.` are ignored; name a credential such as *PASSWORD*"
        ));
    }
    if canonical.iter().all(|b| *b == b'*') {
        return Err(format!(
            "credentialEnvNames: {pattern:?} matches every name, so every variable would need a Secret; name a credential such as *PASSWORD*"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    fn names(patterns: &[&str]) -> Names {
        Names::new(patterns.iter().copied())
    }

    #[rstest]
    #[case("*PASSWORD*", "SELKIES_BASIC_AUTH_PASSWORD")]
    #[case("*PASSWORD*", "password")]
    #[case("*PASSWORD*", "dbPassword")]
    #[case("*PASSWORD*", "vdi.kasm.io/password")]
    #[case("*API_KEY*", "apiKey")]
    #[case("*API_KEY*", "X-API-KEY")]
    #[case("*API_KEY*", "openai.api.key")]
    #[case("*PRIVATE_KEY*", "private-key.pem")]
    #[case("SELKIES_BASIC_AUTH_PASSWORD", "selkies-basic-auth-password")]
    #[case("VNC_PW", "vnc_pw")]
    #[case("*TOKEN", "GITHUB_TOKEN")]
    #[case("KASM_*_PASSWORD", "KASM_DB_PASSWORD")]
    #[case("KASM_*_PASSWORD", "KASM_PASSWORD")]
    #[case("A*B*C", "AxxBxxBxxC")]
    fn matching(#[case] pattern: &str, #[case] name: &str) {
        assert!(names(&[pattern]).matches(name), "{pattern} vs {name}");
    }

    #[rstest]
    #[case("*PASSWORD*", "PASSPHRASE")]
    #[case("*PASSWORD*", "")]
    #[case("SELKIES_BASIC_AUTH_PASSWORD", "SELKIES_BASIC_AUTH_PASSWORD_FILE")]
    #[case("*TOKEN", "TOKEN_FILE")]
    #[case("VNC_PW", "VNC_PWD_FILE")]
    #[case("A*B*C", "AxxBxxC_D")]
    fn not_matching(#[case] pattern: &str, #[case] name: &str) {
        assert!(!names(&[pattern]).matches(name), "{pattern} vs {name}");
    }

    #[test]
    fn no_patterns_match_nothing() {
        assert!(!names(&[]).matches("PASSWORD"));
    }

    #[rstest]
    #[case("*", "matches every name")]
    #[case("**_*", "matches every name")]
    #[case("_-.", "is empty")]
    #[case("", "is empty")]
    #[case("DB PASSWORD", "contains ' '")]
    #[case("PASS?ORD", "contains '?'")]
    #[case("[Pp]ASSWORD", "contains '['")]
    #[case("A=B", "contains '='")]
    fn bad_patterns(#[case] pattern: &str, #[case] fragment: &str) {
        let err = check_pattern(pattern).unwrap_err();
        assert!(err.contains(fragment), "{err}");
    }

    /// A reference matcher: regex-free recursion over the canonical bytes.
    fn reference(p: &[u8], n: &[u8]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some((b'*', rest)) => {
                (0..=n.len()).any(|i| n.get(i..).is_some_and(|tail| reference(rest, tail)))
            }
            Some((c, rest)) => n
                .split_first()
                .is_some_and(|(d, tail)| c == d && reference(rest, tail)),
        }
    }

    proptest! {
        #[test]
        fn glob_agrees_with_the_reference(pattern in "[AB*_]{0,8}", name in "[abAB_.-]{0,12}") {
            let p = canonical(&pattern);
            prop_assert_eq!(glob(&p, name.as_bytes()), reference(&p, &canonical(&name)));
        }

        /// The letter sets only skip globs that would fail: any bytes,
        /// non-ASCII and separators included.
        #[test]
        fn letter_sets_never_change_a_match(
            patterns in prop::collection::vec("[AaBbZ9é*_.-]{0,6}", 0..4),
            name in "[aAbBzZ09é_.-]{0,12}",
        ) {
            let compiled = Names::new(patterns.iter().map(String::as_str));
            let globbed = patterns.iter().any(|p| glob(&canonical(p), name.as_bytes()));
            prop_assert_eq!(compiled.matches(&name), globbed);
        }

        #[test]
        fn spelling_does_not_change_the_verdict(name in "[a-z]{1,6}(_[a-z]{1,6}){0,3}") {
            let n = names(&["*PASSWORD*", "*API_KEY*"]);
            let upper = name.to_ascii_uppercase();
            let kebab = name.replace('_', "-");
            let dotted = name.replace('_', ".");
            let camel = name.replace('_', "");
            let verdict = n.matches(&name);
            prop_assert_eq!(n.matches(&upper), verdict);
            prop_assert_eq!(n.matches(&kebab), verdict);
            prop_assert_eq!(n.matches(&dotted), verdict);
            prop_assert_eq!(n.matches(&camel), verdict);
        }

        #[test]
        fn never_panics(pattern in "\\PC{0,10}", name in "\\PC{0,40}") {
            let _ = names(&[&pattern]).matches(&name);
            let _ = check_pattern(&pattern);
        }
    }
}

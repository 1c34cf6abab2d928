//! Traefik's rule language, parsed the way Traefik parses it.
//!
//! Traefik (v2 and v3, `pkg/rules`) hands a router's `match` to
//! `vulcand/predicate`, which parses it with Go's `go/parser.ParseExpr`: the
//! rule is a Go expression of calls (`Host(`a`)`), `&&`, `||`, `!` and
//! parentheses, with string arguments in backticks (raw) or double quotes
//! (Go escapes). A matcher name is accepted as Traefik registers it:
//! `Host`, `host`, `HOST` and `Host` title-cased (`Hostregexp`), nothing
//! else. This parser follows the same grammar and refuses whatever Go or
//! predicate would refuse; where it is stricter (comments, rules nested
//! deeper than [`MAX_DEPTH`] or longer than [`MAX_MATCHERS`] matchers, a
//! matcher without arguments) the route is rejected, never read another way.
//! What matters for the policy is that every rule Traefik accepts yields the
//! tree Traefik builds, so no rule can match more hosts than the policy sees.
//!
//! The tree prints back as a canonical rule (canonical matcher names,
//! minimal parentheses, backticks unless the value needs a quoted string);
//! printing and parsing again gives the same tree.

use std::fmt;

/// Parentheses and `!` nested deeper than this are refused: the tree is
/// walked recursively, and real rules nest two or three levels.
pub const MAX_DEPTH: usize = 32;
/// More matchers than this in one rule are refused, for the same reason
/// (a chain of `&&` is as deep as it is long).
pub const MAX_MATCHERS: usize = 200;

/// Which router the rule is for: the matchers differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `IngressRoute` (HTTP routers).
    Http,
    /// `IngressRouteTCP` (TCP routers).
    Tcp,
}

/// Every matcher of Traefik v2 and v3, HTTP and TCP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matcher {
    Host,
    /// v2 only: the same as `Host`.
    HostHeader,
    HostRegexp,
    Path,
    PathPrefix,
    PathRegexp,
    Method,
    Header,
    /// v2 spelling of `Header`.
    Headers,
    HeaderRegexp,
    /// v2 spelling of `HeaderRegexp`.
    HeadersRegexp,
    Query,
    QueryRegexp,
    ClientIP,
    HostSNI,
    HostSNIRegexp,
    Alpn,
}

impl Matcher {
    pub const ALL: [Matcher; 17] = [
        Matcher::Host,
        Matcher::HostHeader,
        Matcher::HostRegexp,
        Matcher::Path,
        Matcher::PathPrefix,
        Matcher::PathRegexp,
        Matcher::Method,
        Matcher::Header,
        Matcher::Headers,
        Matcher::HeaderRegexp,
        Matcher::HeadersRegexp,
        Matcher::Query,
        Matcher::QueryRegexp,
        Matcher::ClientIP,
        Matcher::HostSNI,
        Matcher::HostSNIRegexp,
        Matcher::Alpn,
    ];

    /// The name Traefik registers.
    pub fn name(self) -> &'static str {
        match self {
            Matcher::Host => "Host",
            Matcher::HostHeader => "HostHeader",
            Matcher::HostRegexp => "HostRegexp",
            Matcher::Path => "Path",
            Matcher::PathPrefix => "PathPrefix",
            Matcher::PathRegexp => "PathRegexp",
            Matcher::Method => "Method",
            Matcher::Header => "Header",
            Matcher::Headers => "Headers",
            Matcher::HeaderRegexp => "HeaderRegexp",
            Matcher::HeadersRegexp => "HeadersRegexp",
            Matcher::Query => "Query",
            Matcher::QueryRegexp => "QueryRegexp",
            Matcher::ClientIP => "ClientIP",
            Matcher::HostSNI => "HostSNI",
            Matcher::HostSNIRegexp => "HostSNIRegexp",
            Matcher::Alpn => "ALPN",
        }
    }

    /// Whether routers of `flavor` know this matcher (in v2 or v3 syntax).
    pub fn serves(self, flavor: Flavor) -> bool {
        let tcp = matches!(
            self,
            Matcher::HostSNI | Matcher::HostSNIRegexp | Matcher::ClientIP | Matcher::Alpn
        );
        match flavor {
            Flavor::Tcp => tcp,
            Flavor::Http => !tcp || self == Matcher::ClientIP,
        }
    }

    /// The matcher an identifier names for `flavor`: its registered name,
    /// lowercase, uppercase or title case (`strings.Title(strings.ToLower)`),
    /// as `pkg/rules.NewParser` registers each one.
    pub fn resolve(ident: &str, flavor: Flavor) -> Option<Matcher> {
        Matcher::ALL.into_iter().find(|m| {
            let name = m.name();
            m.serves(flavor)
                && (ident == name
                    || ident == name.to_ascii_lowercase()
                    || ident == name.to_ascii_uppercase()
                    || ident == title_case(name))
        })
    }
}

fn title_case(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// A parsed rule. Parentheses leave no trace: `(a)` is `a`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    Match(Matcher, Vec<String>),
    Not(Box<Rule>),
    And(Box<Rule>, Box<Rule>),
    Or(Box<Rule>, Box<Rule>),
}

/// Why a rule does not parse, with the byte offset where it went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.offset)
    }
}

/// Parses `input` as a rule for routers of `flavor`.
pub fn parse(input: &str, flavor: Flavor) -> Result<Rule, ParseError> {
    let mut parser = Parser {
        lexer: Lexer::new(input),
        flavor,
        depth: 0,
        matchers: 0,
        peeked: None,
    };
    if parser.peek()?.token == Token::End {
        return Err(ParseError {
            offset: 0,
            message: "the rule is empty".into(),
        });
    }
    let rule = parser.or()?;
    let next = parser.next()?;
    if next.token != Token::End {
        return Err(next.unexpected("`&&`, `||` or the end of the rule"));
    }
    Ok(rule)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    Str(String),
    Number,
    LParen,
    RParen,
    Comma,
    And,
    Or,
    Not,
    End,
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Ident(name) => format!("the name {}", shared::quote::quote(name)),
            Token::Str(_) => "a string".into(),
            Token::Number => "a number".into(),
            Token::LParen => "`(`".into(),
            Token::RParen => "`)`".into(),
            Token::Comma => "`,`".into(),
            Token::And => "`&&`".into(),
            Token::Or => "`||`".into(),
            Token::Not => "`!`".into(),
            Token::End => "the end of the rule".into(),
        }
    }

    /// Tokens after which Go inserts a semicolon at a line break.
    fn ends_operand(&self) -> bool {
        matches!(
            self,
            Token::Ident(_) | Token::Str(_) | Token::Number | Token::RParen
        )
    }
}

#[derive(Debug, Clone)]
struct Spanned {
    token: Token,
    offset: usize,
}

impl Spanned {
    fn unexpected(&self, wanted: &str) -> ParseError {
        ParseError {
            offset: self.offset,
            message: format!("expected {wanted}, found {}", self.token.describe()),
        }
    }
}

struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    /// The previous token ends an operand: a line break now ends the rule.
    after_operand: bool,
}

impl<'a> Lexer<'a> {
    fn new(input: &'a str) -> Self {
        Lexer {
            input,
            pos: 0,
            after_operand: false,
        }
    }

    fn error(&self, offset: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            offset,
            message: message.into(),
        }
    }

    fn rest(&self) -> &'a str {
        self.input.get(self.pos..).unwrap_or_default()
    }

    fn next(&mut self) -> Result<Spanned, ParseError> {
        let spanned = self.scan()?;
        self.after_operand = spanned.token.ends_operand();
        Ok(spanned)
    }

    fn scan(&mut self) -> Result<Spanned, ParseError> {
        // Whitespace, and Go's automatic semicolon: a line break right after
        // an operand ends the expression, and anything after it but more
        // whitespace is an error in `parser.ParseExpr`.
        while let Some(c) = self.rest().chars().next() {
            match c {
                ' ' | '\t' | '\r' => self.pos += 1,
                '\n' if self.after_operand => {
                    let offset = self.pos;
                    if self.rest().trim_matches([' ', '\t', '\r', '\n']).is_empty() {
                        self.pos = self.input.len();
                        return Ok(Spanned {
                            token: Token::End,
                            offset,
                        });
                    }
                    return Err(self.error(
                        offset,
                        "a line break after a matcher or `)` ends the rule for Traefik's (Go) parser; put `&&` or `||` before the line break",
                    ));
                }
                '\n' => self.pos += 1,
                _ => break,
            }
        }
        let offset = self.pos;
        let Some(c) = self.rest().chars().next() else {
            return Ok(Spanned {
                token: Token::End,
                offset,
            });
        };
        let token = match c {
            '(' => {
                self.pos += 1;
                Token::LParen
            }
            ')' => {
                self.pos += 1;
                Token::RParen
            }
            ',' => {
                self.pos += 1;
                Token::Comma
            }
            '!' => {
                if self.rest().starts_with("!=") {
                    return Err(self.error(offset, "`!=` is not an operator of Traefik rules"));
                }
                self.pos += 1;
                Token::Not
            }
            '&' if self.rest().starts_with("&&") => {
                self.pos += 2;
                Token::And
            }
            '|' if self.rest().starts_with("||") => {
                self.pos += 2;
                Token::Or
            }
            '`' => Token::Str(self.raw_string(offset)?),
            '"' => Token::Str(self.quoted_string(offset)?),
            '\'' => {
                return Err(self.error(
                    offset,
                    "single quotes make a Go rune, not a string; use backticks or double quotes",
                ));
            }
            '/' if self.rest().starts_with("//") || self.rest().starts_with("/*") => {
                return Err(self.error(offset, "comments are not allowed in a rule"));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let len = self
                    .rest()
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                    .count();
                let name = self.rest().get(..len).unwrap_or_default().to_string();
                self.pos += len;
                Token::Ident(name)
            }
            c if c.is_ascii_digit() || c == '.' => {
                let len = self
                    .rest()
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'.' || *b == b'_')
                    .count();
                self.pos += len.max(1);
                Token::Number
            }
            other => {
                return Err(self.error(offset, format!("unexpected character {other:?}")));
            }
        };
        Ok(Spanned { token, offset })
    }

    /// A Go raw string: everything up to the next backtick, carriage
    /// returns dropped (as Go drops them); NUL and BOM are illegal in Go.
    fn raw_string(&mut self, offset: usize) -> Result<String, ParseError> {
        let body = self.rest().get(1..).unwrap_or_default();
        let Some(end) = body.find('`') else {
            return Err(self.error(offset, "the string in backticks is not closed"));
        };
        let content = body.get(..end).unwrap_or_default();
        if content.contains(['\0', '\u{feff}']) {
            return Err(self.error(offset, "a NUL or byte-order mark is not allowed in a rule"));
        }
        self.pos += end + 2;
        Ok(content.replace('\r', ""))
    }

    /// A Go interpreted string, with Go's escapes (`strconv.Unquote`).
    fn quoted_string(&mut self, offset: usize) -> Result<String, ParseError> {
        let mut bytes: Vec<u8> = Vec::new();
        let mut chars = self.rest().char_indices().skip(1);
        let fail = |at: usize, message: &str| ParseError {
            offset: offset + at,
            message: message.to_string(),
        };
        loop {
            let Some((at, c)) = chars.next() else {
                return Err(fail(0, "the quoted string is not closed"));
            };
            match c {
                '"' => {
                    self.pos += at + 1;
                    break;
                }
                '\n' => return Err(fail(at, "a quoted string cannot span lines")),
                '\0' | '\u{feff}' => {
                    return Err(fail(
                        at,
                        "a NUL or byte-order mark is not allowed in a rule",
                    ));
                }
                '\\' => {
                    let Some((at, e)) = chars.next() else {
                        return Err(fail(at, "the quoted string is not closed"));
                    };
                    let simple = match e {
                        'a' => Some(0x07),
                        'b' => Some(0x08),
                        'f' => Some(0x0c),
                        'n' => Some(b'\n'),
                        'r' => Some(b'\r'),
                        't' => Some(b'\t'),
                        'v' => Some(0x0b),
                        '\\' => Some(b'\\'),
                        '"' => Some(b'"'),
                        _ => None,
                    };
                    if let Some(b) = simple {
                        bytes.push(b);
                        continue;
                    }
                    match e {
                        '0'..='7' => {
                            let mut value = u32::from(e as u8 - b'0');
                            for _ in 0..2 {
                                match chars.next() {
                                    Some((_, d @ '0'..='7')) => {
                                        value = value * 8 + u32::from(d as u8 - b'0');
                                    }
                                    _ => {
                                        return Err(fail(at, "an octal escape needs three digits"));
                                    }
                                }
                            }
                            let Ok(b) = u8::try_from(value) else {
                                return Err(fail(at, "an octal escape above \\377"));
                            };
                            bytes.push(b);
                        }
                        'x' | 'u' | 'U' => {
                            let digits = match e {
                                'x' => 2,
                                'u' => 4,
                                _ => 8,
                            };
                            let mut value: u32 = 0;
                            for _ in 0..digits {
                                match chars.next().and_then(|(_, d)| d.to_digit(16)) {
                                    Some(d) => value = value * 16 + d,
                                    None => {
                                        return Err(fail(at, "a hexadecimal escape is too short"));
                                    }
                                }
                            }
                            if e == 'x' {
                                bytes.push(value as u8);
                            } else {
                                let Some(ch) = char::from_u32(value) else {
                                    return Err(fail(
                                        at,
                                        "an escape that is not a Unicode character",
                                    ));
                                };
                                let mut buf = [0u8; 4];
                                bytes.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                            }
                        }
                        _ => return Err(fail(at, "an unknown escape sequence")),
                    }
                }
                c => {
                    let mut buf = [0u8; 4];
                    bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        String::from_utf8(bytes).map_err(|_| ParseError {
            offset,
            message: "the quoted string's escapes do not make valid UTF-8".into(),
        })
    }
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    flavor: Flavor,
    depth: usize,
    matchers: usize,
    peeked: Option<Spanned>,
}

impl Parser<'_> {
    fn peek(&mut self) -> Result<&Spanned, ParseError> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lexer.next()?);
        }
        self.peeked.as_ref().ok_or_else(|| ParseError {
            offset: self.lexer.pos,
            message: "internal: no token".into(),
        })
    }

    fn next(&mut self) -> Result<Spanned, ParseError> {
        match self.peeked.take() {
            Some(t) => Ok(t),
            None => self.lexer.next(),
        }
    }

    /// `a || b || c`, left-associative like Go.
    fn or(&mut self) -> Result<Rule, ParseError> {
        let mut left = self.and()?;
        while self.peek()?.token == Token::Or {
            self.next()?;
            let right = self.and()?;
            left = Rule::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    /// `a && b && c`: binds tighter than `||`.
    fn and(&mut self) -> Result<Rule, ParseError> {
        let mut left = self.unary()?;
        while self.peek()?.token == Token::And {
            self.next()?;
            let right = self.unary()?;
            left = Rule::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn deeper(&mut self, offset: usize) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError {
                offset,
                message: format!("the rule nests deeper than {MAX_DEPTH} levels"),
            });
        }
        Ok(())
    }

    fn unary(&mut self) -> Result<Rule, ParseError> {
        let token = self.next()?;
        match token.token {
            Token::Not => {
                self.deeper(token.offset)?;
                let inner = self.unary()?;
                self.depth -= 1;
                Ok(Rule::Not(Box::new(inner)))
            }
            Token::LParen => {
                self.deeper(token.offset)?;
                let inner = self.or()?;
                let close = self.next()?;
                if close.token != Token::RParen {
                    return Err(close.unexpected("`)`"));
                }
                self.depth -= 1;
                Ok(inner)
            }
            Token::Ident(name) => self.call(&name, token.offset),
            _ => Err(token.unexpected("a matcher such as Host(`example.com`), `!` or `(`")),
        }
    }

    fn call(&mut self, name: &str, offset: usize) -> Result<Rule, ParseError> {
        let Some(matcher) = Matcher::resolve(name, self.flavor) else {
            let known: Vec<&str> = Matcher::ALL
                .iter()
                .filter(|m| m.serves(self.flavor))
                .map(|m| m.name())
                .collect();
            return Err(ParseError {
                offset,
                message: format!(
                    "{} is not a matcher of {} routes (they are {})",
                    shared::quote::quote(name),
                    match self.flavor {
                        Flavor::Http => "HTTP",
                        Flavor::Tcp => "TCP",
                    },
                    known.join(", ")
                ),
            });
        };
        self.matchers += 1;
        if self.matchers > MAX_MATCHERS {
            return Err(ParseError {
                offset,
                message: format!("the rule has more than {MAX_MATCHERS} matchers"),
            });
        }
        let open = self.next()?;
        if open.token != Token::LParen {
            return Err(open.unexpected(&format!("`(` after {}", matcher.name())));
        }
        let mut args = Vec::new();
        loop {
            let token = self.next()?;
            match token.token {
                Token::RParen => break,
                Token::Str(value) => {
                    args.push(value);
                    let after = self.next()?;
                    match after.token {
                        Token::Comma => continue,
                        Token::RParen => break,
                        _ => return Err(after.unexpected("`,` or `)`")),
                    }
                }
                Token::Number => {
                    return Err(ParseError {
                        offset: token.offset,
                        message: format!("{} takes strings, not numbers", matcher.name()),
                    });
                }
                _ => return Err(token.unexpected("a string in backticks or double quotes")),
            }
        }
        if args.is_empty() {
            return Err(ParseError {
                offset,
                message: format!("{} needs at least one argument", matcher.name()),
            });
        }
        Ok(Rule::Match(matcher, args))
    }
}

/// Writes a value as a Go string literal that reads back as the same value.
fn write_string(f: &mut fmt::Formatter<'_>, value: &str) -> fmt::Result {
    if !value.contains(['`', '\r', '\0', '\u{feff}']) {
        return write!(f, "`{value}`");
    }
    f.write_str("\"")?;
    for c in value.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\u{feff}' => f.write_str("\\uFEFF")?,
            c if (c as u32) < 0x20 || c == '\u{7f}' => write!(f, "\\x{:02x}", c as u32)?,
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("\"")
}

impl Rule {
    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Match(matcher, args) => {
                write!(f, "{}(", matcher.name())?;
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write_string(f, arg)?;
                }
                f.write_str(")")
            }
            Rule::Not(inner) => {
                f.write_str("!")?;
                inner.write_grouped(f, matches!(**inner, Rule::And(..) | Rule::Or(..)))
            }
            Rule::And(left, right) => {
                left.write_grouped(f, matches!(**left, Rule::Or(..)))?;
                f.write_str(" && ")?;
                right.write_grouped(f, matches!(**right, Rule::Or(..) | Rule::And(..)))
            }
            Rule::Or(left, right) => {
                left.write(f)?;
                f.write_str(" || ")?;
                right.write_grouped(f, matches!(**right, Rule::Or(..)))
            }
        }
    }

    fn write_grouped(&self, f: &mut fmt::Formatter<'_>, grouped: bool) -> fmt::Result {
        if grouped {
            f.write_str("(")?;
            self.write(f)?;
            f.write_str(")")
        } else {
            self.write(f)
        }
    }
}

/// The canonical spelling of the rule.
impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn m(matcher: Matcher, args: &[&str]) -> Rule {
        Rule::Match(matcher, args.iter().map(|s| s.to_string()).collect())
    }

    fn and(a: Rule, b: Rule) -> Rule {
        Rule::And(Box::new(a), Box::new(b))
    }

    fn or(a: Rule, b: Rule) -> Rule {
        Rule::Or(Box::new(a), Box::new(b))
    }

    fn not(a: Rule) -> Rule {
        Rule::Not(Box::new(a))
    }

    #[rstest]
    #[case::backticks("Host(`a.example.com`)", m(Matcher::Host, &["a.example.com"]))]
    #[case::quotes(r#"Host("a.example.com")"#, m(Matcher::Host, &["a.example.com"]))]
    #[case::lowercase_name("host(`a`)", m(Matcher::Host, &["a"]))]
    #[case::uppercase_name("HOST(`a`)", m(Matcher::Host, &["a"]))]
    #[case::title_name("Hostregexp(`^a$`)", m(Matcher::HostRegexp, &["^a$"]))]
    #[case::v2_several_hosts("Host(`a`, `b`)", m(Matcher::Host, &["a", "b"]))]
    #[case::trailing_comma("Host(`a`,)", m(Matcher::Host, &["a"]))]
    #[case::space_before_paren("Host (`a`)", m(Matcher::Host, &["a"]))]
    #[case::v2_host_header("HostHeader(`a`)", m(Matcher::HostHeader, &["a"]))]
    #[case::escapes(r#"Host("\x61\u006c\151ce")"#, m(Matcher::Host, &["alice"]))]
    #[case::raw_drops_cr("Host(`a\rb`)", m(Matcher::Host, &["ab"]))]
    #[case::raw_keeps_backslash(r"PathRegexp(`^/a\.b$`)", m(Matcher::PathRegexp, &[r"^/a\.b$"]))]
    #[case::and_binds_tighter(
        "Host(`a`) || Host(`b`) && Path(`/`)",
        or(m(Matcher::Host, &["a"]), and(m(Matcher::Host, &["b"]), m(Matcher::Path, &["/"])))
    )]
    #[case::left_associative(
        "Path(`/a`) && Path(`/b`) && Path(`/c`)",
        and(and(m(Matcher::Path, &["/a"]), m(Matcher::Path, &["/b"])), m(Matcher::Path, &["/c"]))
    )]
    #[case::parentheses(
        "(Host(`a`) || Host(`b`)) && Path(`/`)",
        and(or(m(Matcher::Host, &["a"]), m(Matcher::Host, &["b"])), m(Matcher::Path, &["/"]))
    )]
    #[case::not_binds_to_operand(
        "!Host(`a`) && Path(`/`)",
        and(not(m(Matcher::Host, &["a"])), m(Matcher::Path, &["/"]))
    )]
    #[case::double_not("!!Host(`a`)", not(not(m(Matcher::Host, &["a"]))))]
    #[case::line_break_after_operator(
        "Host(`a`) &&\n  Path(`/`)\n",
        and(m(Matcher::Host, &["a"]), m(Matcher::Path, &["/"]))
    )]
    #[case::header_two_args("Header(`X-A`, `b`)", m(Matcher::Header, &["X-A", "b"]))]
    fn parses_like_traefik(#[case] rule: &str, #[case] expected: Rule) {
        assert_eq!(parse(rule, Flavor::Http), Ok(expected));
    }

    #[rstest]
    #[case::tcp_host_sni("HostSNI(`a`)", m(Matcher::HostSNI, &["a"]))]
    #[case::tcp_alpn("alpn(`h2`) && HOSTSNI(`a`)", and(m(Matcher::Alpn, &["h2"]), m(Matcher::HostSNI, &["a"])))]
    #[case::tcp_catch_all("HostSNI(`*`)", m(Matcher::HostSNI, &["*"]))]
    fn parses_tcp_rules(#[case] rule: &str, #[case] expected: Rule) {
        assert_eq!(parse(rule, Flavor::Tcp), Ok(expected));
    }

    #[rstest]
    #[case::empty("", "the rule is empty")]
    #[case::blank("  \n ", "the rule is empty")]
    #[case::unknown_matcher("Hots(`a`)", "is not a matcher of HTTP routes")]
    #[case::camel_case_is_not_registered("hostRegexp(`a`)", "is not a matcher")]
    #[case::sni_on_http("HostSNI(`a`)", "is not a matcher of HTTP routes")]
    #[case::unclosed_backtick("Host(`a)", "not closed")]
    #[case::unclosed_quote("Host(\"a)", "not closed")]
    #[case::unclosed_paren("Host(`a`", "expected `,` or `)`")]
    #[case::unbalanced_group("(Host(`a`)", "expected `)`")]
    #[case::extra_paren("Host(`a`))", "expected `&&`, `||` or the end")]
    #[case::single_amp("Host(`a`) & Path(`/`)", "unexpected character '&'")]
    #[case::single_pipe("Host(`a`) | Host(`b`)", "unexpected character '|'")]
    #[case::comparison("Host(`a`) == Host(`b`)", "unexpected character '='")]
    #[case::not_equal("Host(`a`) != Host(`b`)", "`!=` is not an operator")]
    #[case::comment("Host(`a`) /* || Host(`b`) */", "comments are not allowed")]
    #[case::line_comment("Host(`a`) // x", "comments are not allowed")]
    #[case::rune("Host('a')", "single quotes")]
    #[case::number("Host(1)", "takes strings, not numbers")]
    #[case::no_args("Host()", "needs at least one argument")]
    #[case::bare_name("Host", "expected `(` after Host")]
    #[case::ident_arg("Host(a)", "expected a string")]
    #[case::line_break_before_operator("Host(`a`)\n&& Path(`/`)", "a line break after a matcher")]
    #[case::newline_in_quotes("Host(\"a\nb\")", "cannot span lines")]
    #[case::bad_escape(r#"Host("\q")"#, "unknown escape")]
    #[case::short_hex(r#"Host("\x6")"#, "too short")]
    #[case::surrogate(r#"Host("\ud800")"#, "not a Unicode character")]
    #[case::invalid_utf8(r#"Host("\xff")"#, "valid UTF-8")]
    #[case::octal_overflow(r#"Host("\777")"#, "above")]
    #[case::nul("Host(`a\0`)", "NUL")]
    #[case::dangling_and("Host(`a`) &&", "expected a matcher")]
    #[case::leading_or("|| Host(`a`)", "expected a matcher")]
    #[case::unicode_name("Hóst(`a`)", "is not a matcher")]
    #[case::non_ascii_operator("Host(`a`) ∧ Path(`/`)", "unexpected character")]
    #[case::parenthesized_name("(Host)(`a`)", "expected `(` after Host")]
    fn refuses_what_traefik_refuses(#[case] rule: &str, #[case] fragment: &str) {
        let err = parse(rule, Flavor::Http).expect_err(rule);
        assert!(err.message.contains(fragment), "{rule}: {err}");
    }

    #[test]
    fn nesting_and_length_are_bounded() {
        let deep = format!("{}Host(`a`){}", "(".repeat(40), ")".repeat(40));
        assert!(
            parse(&deep, Flavor::Http)
                .unwrap_err()
                .message
                .contains("nests deeper")
        );
        let nots = format!("{}Host(`a`)", "!".repeat(40));
        assert!(parse(&nots, Flavor::Http).is_err());
        let long = vec!["Path(`/`)"; MAX_MATCHERS + 1].join(" && ");
        assert!(
            parse(&long, Flavor::Http)
                .unwrap_err()
                .message
                .contains("more than")
        );
        let fits = vec!["Path(`/`)"; MAX_MATCHERS].join(" || ");
        assert!(parse(&fits, Flavor::Http).is_ok());
    }

    #[rstest]
    #[case(
        "host(`a`) || (HOST(\"b\") && path(`/`))",
        "Host(`a`) || Host(`b`) && Path(`/`)"
    )]
    #[case(
        "(Host(`a`) || Host(`b`)) && Path(`/`)",
        "(Host(`a`) || Host(`b`)) && Path(`/`)"
    )]
    #[case(
        "Host(`a`) && (Host(`b`) && Host(`c`))",
        "Host(`a`) && (Host(`b`) && Host(`c`))"
    )]
    #[case(
        "Host(`a`) || (Host(`b`) || Host(`c`))",
        "Host(`a`) || (Host(`b`) || Host(`c`))"
    )]
    #[case("!(Host(`a`) || Host(`b`))", "!(Host(`a`) || Host(`b`))")]
    #[case("!(!Host(`a`))", "!!Host(`a`)")]
    #[case("Path(\"/a`b\")", "Path(\"/a`b\")")]
    #[case("Path(\"\\x00\")", "Path(\"\\x00\")")]
    fn prints_canonically(#[case] rule: &str, #[case] printed: &str) {
        let parsed = parse(rule, Flavor::Http).unwrap();
        assert_eq!(parsed.to_string(), printed);
        assert_eq!(parse(printed, Flavor::Http), Ok(parsed));
    }
}

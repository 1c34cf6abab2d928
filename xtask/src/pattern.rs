//! The regular expressions CRD schemas use in `pattern`, matched the way
//! the API server does (Go's `regexp`, unanchored search): literals, `.`,
//! escapes, bracket classes with ranges, groups with `|`, the quantifiers
//! `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, and the anchors `^` and `$`.
//!
//! Anything else (look-around, back references, `\d`-style classes, flags)
//! is a parse error, so a schema that starts using it fails the schema
//! check loudly instead of being matched wrongly. A backtracking matcher is
//! enough: the inputs are the short strings of documentation examples.

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Char(char),
    Any,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    Group(Vec<Vec<Node>>),
    Repeat {
        node: Box<Node>,
        min: usize,
        max: Option<usize>,
    },
    Start,
    End,
}

/// A compiled `pattern`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    source: String,
    alternatives: Vec<Vec<Node>>,
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    source: &'a str,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> String {
        format!("pattern {:?}: {what} at offset {}", self.source, self.pos)
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        self.pos += usize::from(c.is_some());
        c
    }

    /// alternatives := sequence ('|' sequence)*
    fn alternatives(&mut self) -> Result<Vec<Vec<Node>>, String> {
        let mut out = vec![self.sequence()?];
        while self.peek() == Some('|') {
            self.pos += 1;
            out.push(self.sequence()?);
        }
        Ok(out)
    }

    fn sequence(&mut self) -> Result<Vec<Node>, String> {
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            out.push(self.quantified(atom)?);
        }
        Ok(out)
    }

    fn atom(&mut self) -> Result<Node, String> {
        match self.next() {
            Some('^') => Ok(Node::Start),
            Some('$') => Ok(Node::End),
            Some('.') => Ok(Node::Any),
            Some('(') => {
                if self.peek() == Some('?') {
                    return Err(self.error("group flags and look-around are not supported"));
                }
                let alternatives = self.alternatives()?;
                match self.next() {
                    Some(')') => Ok(Node::Group(alternatives)),
                    _ => Err(self.error("unclosed group")),
                }
            }
            Some('[') => self.class(),
            Some('\\') => self.escaped().map(Node::Char),
            Some(c @ ('*' | '+' | '?' | '{')) => Err(self.error(&format!("{c:?} repeats nothing"))),
            Some(c) => Ok(Node::Char(c)),
            None => Err(self.error("unexpected end")),
        }
    }

    /// `\` followed by a punctuation character stands for that character.
    fn escaped(&mut self) -> Result<char, String> {
        match self.next() {
            Some(c) if c.is_ascii_punctuation() => Ok(c),
            Some(c) => Err(self.error(&format!("escape \\{c} is not supported"))),
            None => Err(self.error("trailing backslash")),
        }
    }

    fn class(&mut self) -> Result<Node, String> {
        let negated = self.peek() == Some('^');
        self.pos += usize::from(negated);
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let c = match self.next() {
                None => return Err(self.error("unclosed bracket class")),
                Some(']') if !first => break,
                Some('[') if self.peek() == Some(':') => {
                    return Err(self.error("POSIX classes are not supported"));
                }
                Some('\\') => self.escaped()?,
                Some(c) => c,
            };
            first = false;
            let is_range = self.peek() == Some('-') && self.chars.get(self.pos + 1) != Some(&']');
            if is_range {
                self.pos += 1;
                let end = match self.next() {
                    Some('\\') => self.escaped()?,
                    Some(end) => end,
                    None => return Err(self.error("unclosed range")),
                };
                if end < c {
                    return Err(self.error("range out of order"));
                }
                ranges.push((c, end));
            } else {
                ranges.push((c, c));
            }
        }
        Ok(Node::Class { negated, ranges })
    }

    fn number(&mut self) -> Option<usize> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        self.chars[start..self.pos]
            .iter()
            .collect::<String>()
            .parse()
            .ok()
    }

    fn quantified(&mut self, atom: Node) -> Result<Node, String> {
        let (min, max) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => {
                self.pos += 1;
                let min = self
                    .number()
                    .ok_or_else(|| self.error("{ without a count"))?;
                let max = if self.peek() == Some(',') {
                    self.pos += 1;
                    if self.peek() == Some('}') {
                        None
                    } else {
                        Some(self.number().ok_or_else(|| self.error("bad {n,m}"))?)
                    }
                } else {
                    Some(min)
                };
                if self.peek() != Some('}') {
                    return Err(self.error("unclosed {"));
                }
                if max.is_some_and(|max| max < min) {
                    return Err(self.error("{n,m} with m < n"));
                }
                (min, max)
            }
            _ => return Ok(atom),
        };
        self.pos += 1;
        if matches!(atom, Node::Start | Node::End) {
            return Err(self.error("an anchor cannot repeat"));
        }
        if matches!(self.peek(), Some('?' | '+')) {
            return Err(self.error("lazy and possessive quantifiers are not supported"));
        }
        Ok(Node::Repeat {
            node: Box::new(atom),
            min,
            max,
        })
    }
}

fn atom_matches(node: &Node, c: char) -> bool {
    match node {
        Node::Char(x) => *x == c,
        Node::Any => c != '\n',
        Node::Class { negated, ranges } => {
            ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated
        }
        _ => false,
    }
}

type Cont<'a> = &'a mut dyn FnMut(usize) -> bool;

fn match_seq(seq: &[Node], input: &[char], pos: usize, cont: Cont<'_>) -> bool {
    let Some((node, rest)) = seq.split_first() else {
        return cont(pos);
    };
    match node {
        Node::Start => pos == 0 && match_seq(rest, input, pos, cont),
        Node::End => pos == input.len() && match_seq(rest, input, pos, cont),
        Node::Group(alternatives) => {
            for alternative in alternatives {
                if match_seq(alternative, input, pos, &mut |p| {
                    match_seq(rest, input, p, cont)
                }) {
                    return true;
                }
            }
            false
        }
        Node::Repeat { node, min, max } => repeat(node, *min, *max, 0, rest, input, pos, cont),
        atom => {
            input.get(pos).is_some_and(|c| atom_matches(atom, *c))
                && match_seq(rest, input, pos + 1, cont)
        }
    }
}

/// Greedy repetition with backtracking; an iteration that consumes nothing
/// ends the loop (so `(a*)*` terminates).
#[allow(clippy::too_many_arguments)]
fn repeat(
    node: &Node,
    min: usize,
    max: Option<usize>,
    count: usize,
    rest: &[Node],
    input: &[char],
    pos: usize,
    cont: Cont<'_>,
) -> bool {
    if max.is_none_or(|max| count < max) {
        let once = std::slice::from_ref(node);
        let more = match_seq(once, input, pos, &mut |p| {
            p != pos && repeat(node, min, max, count + 1, rest, input, p, cont)
        });
        if more {
            return true;
        }
    }
    count >= min && match_seq(rest, input, pos, cont)
}

impl Pattern {
    pub fn parse(source: &str) -> Result<Pattern, String> {
        let mut parser = Parser {
            chars: source.chars().collect(),
            pos: 0,
            source,
        };
        let alternatives = parser.alternatives()?;
        if parser.pos != parser.chars.len() {
            return Err(parser.error("unbalanced )"));
        }
        Ok(Pattern {
            source: source.to_owned(),
            alternatives,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the pattern matches somewhere in `text` (Go's `MatchString`).
    pub fn is_match(&self, text: &str) -> bool {
        let input: Vec<char> = text.chars().collect();
        let whole = [Node::Group(self.alternatives.clone())];
        (0..=input.len()).any(|start| match_seq(&whole, &input, start, &mut |_| true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const QUANTITY: &str = r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$";
    const LABEL: &str = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
    const DURATION: &str = r"^(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$";
    const QUALIFIED: &str = r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$";

    #[rstest]
    #[case::quantity_mi(QUANTITY, "512Mi", true)]
    #[case::quantity_milli(QUANTITY, "250m", true)]
    #[case::quantity_exp(QUANTITY, "1e3", true)]
    #[case::quantity_signed(QUANTITY, "-.5", true)]
    #[case::quantity_bad_suffix(QUANTITY, "1MB", false)]
    #[case::quantity_space(QUANTITY, "1 Gi", false)]
    #[case::quantity_empty(QUANTITY, "", false)]
    #[case::label(LABEL, "alice", true)]
    #[case::label_dash_end(LABEL, "alice-", false)]
    #[case::label_upper(LABEL, "Alice", false)]
    #[case::label_single(LABEL, "a", true)]
    #[case::duration(DURATION, "1h30m", true)]
    #[case::duration_micro(DURATION, "10µs", true)]
    #[case::duration_day(DURATION, "1d", false)]
    #[case::duration_bare(DURATION, "12", false)]
    #[case::qualified_prefixed(QUALIFIED, "vdi.kasm.io/sessions", true)]
    #[case::qualified_plain(QUALIFIED, "app", true)]
    #[case::qualified_two_slashes(QUALIFIED, "a/b/c", false)]
    #[case::unanchored_search("b+", "abbbc", true)]
    #[case::unanchored_miss("x", "abc", false)]
    #[case::bounded("^a{2,3}$", "aaa", true)]
    #[case::bounded_over("^a{2,3}$", "aaaa", false)]
    #[case::exact("^a{2}$", "a", false)]
    #[case::negated_class("^[^/]+$", "a/b", false)]
    #[case::empty_loop("^(a*)*b$", "aaab", true)]
    #[case::alternation_backtracks("^(ab|a)b$", "ab", true)]
    fn matches_like_go(#[case] pattern: &str, #[case] text: &str, #[case] expected: bool) {
        let compiled = Pattern::parse(pattern).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(compiled.is_match(text), expected, "{pattern} on {text:?}");
    }

    #[rstest]
    #[case::lookahead("(?=a)")]
    #[case::digit_class(r"\d+")]
    #[case::unclosed("(a")]
    #[case::stray_close("a)")]
    #[case::dangling_star("*a")]
    #[case::lazy("a*?")]
    #[case::posix("[[:alpha:]]")]
    #[case::reversed_range("[z-a]")]
    fn unsupported_syntax_is_an_error(#[case] pattern: &str) {
        assert!(Pattern::parse(pattern).is_err(), "{pattern}");
    }
}

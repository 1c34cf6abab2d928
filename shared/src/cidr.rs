//! Strict CIDR parsing and "what does this set of networks still reach"
//! arithmetic, on `ipnet`.
//!
//! Network policies are written by hand, and the same text can mean
//! different things to different parsers: `010.0.0.1` is 10.0.0.1 to Go's
//! old parser and 8.0.0.1 to inet_aton; `::ffff:169.254.169.254` is the IPv4
//! metadata endpoint seen through an IPv6 socket; `169.254.169.254/16` is the
//! whole link-local range once a CNI truncates the host bits. The parser
//! therefore refuses what is ambiguous and normalizes what is not, so that a
//! policy judges the network the datapath will actually program.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// Why a CIDR text was refused; the message completes "`text` ...".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CidrError(String);

impl CidrError {
    fn new(message: impl Into<String>) -> Self {
        CidrError(message.into())
    }

    pub fn message(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CidrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses `address/prefix` (or a bare address, which is a host route, as
/// Cilium and Calico read it) into the network a CNI would program:
/// host bits cleared, IPv4-mapped IPv6 folded to IPv4.
///
/// Refused: surrounding or inner whitespace, IPv6 zone identifiers, leading
/// zeros in IPv4 octets or in the prefix length, prefix lengths beyond the
/// address family, and anything that is not an address.
pub fn parse_net(text: &str) -> Result<IpNet, CidrError> {
    match parse_plain_ipv4(text) {
        Some(net) => Ok(net),
        None => parse_general(text),
    }
}

/// [`parse_net`] for every spelling, with the reason for a refusal.
fn parse_general(text: &str) -> Result<IpNet, CidrError> {
    if text.is_empty() {
        return Err(CidrError::new("is empty"));
    }
    if text.chars().any(char::is_whitespace) {
        return Err(CidrError::new("contains whitespace"));
    }
    let (address, prefix) = match text.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (text, None),
    };
    let address = parse_address(address)?;
    let max = match address {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    };
    let prefix = match prefix {
        Some(p) => parse_prefix(p, max)?,
        None => max,
    };
    let net = match address {
        IpAddr::V4(v4) => IpNet::V4(Ipv4Net::new(v4, prefix).map_err(prefix_error)?),
        IpAddr::V6(v6) => fold_mapped(v6, prefix)?,
    };
    Ok(net.trunc())
}

/// The common spelling, `a.b.c.d` or `a.b.c.d/p` in canonical decimal, in
/// one pass over the bytes: a policy can list hundreds of CIDRs, and the
/// general parser's string scans cost over a thousand instructions each.
/// Any other text, valid or not, gets `None` and goes to the general parser,
/// which alone words the errors; what this accepts, the general parser reads
/// the same way.
fn parse_plain_ipv4(text: &str) -> Option<IpNet> {
    let mut rest = text.as_bytes();
    let mut octets = [0u8; 4];
    for (i, octet) in octets.iter_mut().enumerate() {
        if i > 0 {
            rest = rest.strip_prefix(b".")?;
        }
        *octet = u8::try_from(take_plain_decimal(&mut rest, 255)?).ok()?;
    }
    let prefix = if rest.is_empty() {
        32
    } else {
        let mut digits = rest.strip_prefix(b"/")?;
        let prefix = take_plain_decimal(&mut digits, 32)?;
        if !digits.is_empty() {
            return None;
        }
        u8::try_from(prefix).ok()?
    };
    let net = Ipv4Net::new(Ipv4Addr::from(octets), prefix).ok()?;
    Some(IpNet::V4(net.trunc()))
}

/// Takes a decimal number of one to three digits, without a leading zero
/// and at most `max`, off the front of `rest`.
fn take_plain_decimal(rest: &mut &[u8], max: u32) -> Option<u32> {
    let len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let (digits, tail) = rest.split_at(len);
    if len == 0 || len > 3 || (len > 1 && digits.first() == Some(&b'0')) {
        return None;
    }
    let value = digits
        .iter()
        .fold(0, |value, digit| value * 10 + u32::from(digit - b'0'));
    *rest = tail;
    (value <= max).then_some(value)
}

fn prefix_error(e: ipnet::PrefixLenError) -> CidrError {
    CidrError::new(format!("has an invalid prefix length ({e})"))
}

/// `::ffff:a.b.c.d/p` with `p >= 96` is the IPv4 network `a.b.c.d/(p-96)`:
/// traffic to a mapped address leaves the node as IPv4. A shorter prefix is
/// an IPv6 network and stays one (IPv6 rules never match IPv4 packets).
fn fold_mapped(address: Ipv6Addr, prefix: u8) -> Result<IpNet, CidrError> {
    match address.to_ipv4_mapped() {
        Some(v4) if prefix >= 96 => Ok(IpNet::V4(
            Ipv4Net::new(v4, prefix - 96).map_err(prefix_error)?,
        )),
        _ => Ok(IpNet::V6(
            Ipv6Net::new(address, prefix).map_err(prefix_error)?,
        )),
    }
}

fn parse_address(text: &str) -> Result<IpAddr, CidrError> {
    if text.contains('%') {
        return Err(CidrError::new(
            "has an IPv6 zone identifier; network policies take plain addresses",
        ));
    }
    if text.contains(':') {
        if let Some((_, tail)) = text.rsplit_once(':')
            && tail.contains('.')
        {
            parse_ipv4(tail)?;
        }
        return text
            .parse::<Ipv6Addr>()
            .map(IpAddr::V6)
            .map_err(|_| CidrError::new("is not a valid IPv6 address"));
    }
    parse_ipv4(text).map(IpAddr::V4)
}

/// Four decimal octets, 0-255, without leading zeros (`010` is 10 to some
/// parsers and 8 to others, so it is refused rather than guessed).
fn parse_ipv4(text: &str) -> Result<Ipv4Addr, CidrError> {
    let mut octets = [0u8; 4];
    let mut count = 0;
    for part in text.split('.') {
        let slot = octets.get_mut(count).ok_or_else(not_ipv4)?;
        *slot = parse_decimal(part, 255, "octet")?
            .try_into()
            .map_err(|_| not_ipv4())?;
        count += 1;
    }
    if count != 4 {
        return Err(not_ipv4());
    }
    Ok(Ipv4Addr::from(octets))
}

fn not_ipv4() -> CidrError {
    CidrError::new("is not a valid IPv4 address (expected four decimal octets)")
}

fn parse_prefix(text: &str, max: u8) -> Result<u8, CidrError> {
    let value = parse_decimal(text, u32::from(max), "prefix length")?;
    u8::try_from(value).map_err(|_| CidrError::new("has an invalid prefix length"))
}

/// A decimal number without sign, leading zeros or excess digits, at most `max`.
fn parse_decimal(text: &str, max: u32, what: &str) -> Result<u32, CidrError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CidrError::new(format!(
            "has an invalid {what} {text:?} (expected a decimal number)"
        )));
    }
    if text.len() > 1 && text.starts_with('0') {
        let trimmed = text.trim_start_matches('0');
        let decimal = if trimmed.is_empty() { "0" } else { trimmed };
        return Err(CidrError::new(format!(
            "has a leading zero in the {what} {text:?}; leading zeros are ambiguous \
             (decimal to some parsers, octal to others), write {decimal}"
        )));
    }
    let value = text.parse::<u32>().unwrap_or(u32::MAX);
    if value > max {
        return Err(CidrError::new(format!(
            "has a {what} {text} above the maximum {max}"
        )));
    }
    Ok(value)
}

/// The whole IPv4 space.
pub fn all_ipv4() -> IpNet {
    IpNet::V4(Ipv4Net::default())
}

/// The whole IPv6 space.
pub fn all_ipv6() -> IpNet {
    IpNet::V6(Ipv6Net::default())
}

/// True when the two networks share at least one address. Prefixes either
/// nest or are disjoint, and networks of different families never overlap.
pub fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(b) || b.contains(a)
}

/// The addresses inside any of `nets` and inside none of `except`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetSet {
    pub nets: Vec<IpNet>,
    pub except: Vec<IpNet>,
}

/// How much of a network a [`NetSet`] holds, as [`first_exposed`] reads
/// it: `Part` may also mean "nothing, once the excepts are taken out".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Share {
    None,
    Part,
    All,
}

impl NetSet {
    /// Every IPv4 and IPv6 address.
    pub fn everything() -> Self {
        NetSet::of(vec![all_ipv4(), all_ipv6()])
    }

    pub fn of(nets: Vec<IpNet>) -> Self {
        NetSet {
            nets,
            except: Vec::new(),
        }
    }

    pub fn share(&self, node: &IpNet) -> Share {
        if self.except.iter().any(|e| e.contains(node)) {
            return Share::None;
        }
        if self.nets.iter().any(|n| n.contains(node)) {
            if self.except.iter().any(|e| node.contains(e)) {
                return Share::Part;
            }
            return Share::All;
        }
        if self.nets.iter().any(|n| node.contains(n)) {
            return Share::Part;
        }
        Share::None
    }

    /// The same set as seen inside `node`: only the networks that touch it,
    /// so each level of the search below works on fewer of them.
    pub fn within(&self, node: &IpNet) -> NetSet {
        let keep = |n: &&IpNet| overlaps(n, node);
        NetSet {
            nets: self.nets.iter().filter(keep).copied().collect(),
            except: self.except.iter().filter(keep).copied().collect(),
        }
    }
}

/// The first sub-network of `target` (in address order, as large as
/// possible) that `allowed` reaches and no set in `denied` holds, or `None`
/// when `target` is unreachable.
///
/// The search splits `target` in halves only where some boundary of the sets
/// falls inside it, so it visits at most (number of networks × address bits)
/// nodes and never enumerates addresses.
pub fn first_exposed(target: IpNet, allowed: &NetSet, denied: &[&NetSet]) -> Option<IpNet> {
    let target = target.trunc();
    if allowed.share(&target) == Share::None {
        return None;
    }
    // Most denials either hold the whole target or miss it; only the rest
    // are narrowed (copied) for the search.
    let mut partial = Vec::new();
    for set in denied {
        match set.share(&target) {
            Share::All => return None,
            Share::Part => partial.push(set.within(&target)),
            Share::None => {}
        }
    }
    search(target, allowed.within(&target), partial)
}

fn search(node: IpNet, allowed: NetSet, denied: Vec<NetSet>) -> Option<IpNet> {
    let reach = allowed.share(&node);
    if reach == Share::None {
        return None;
    }
    let mut partial_denials = Vec::with_capacity(denied.len());
    for set in denied {
        match set.share(&node) {
            Share::All => return None,
            Share::Part => partial_denials.push(set),
            Share::None => {}
        }
    }
    if reach == Share::All && partial_denials.is_empty() {
        return Some(node);
    }
    // A single address is always wholly in or out of a set; if it ever looked
    // partial, reporting it is the safe answer.
    if node.prefix_len() >= node.max_prefix_len() {
        return Some(node);
    }
    let Ok(halves) = node.subnets(node.prefix_len() + 1) else {
        return Some(node);
    };
    for half in halves {
        let denied = partial_denials.iter().map(|d| d.within(&half)).collect();
        if let Some(found) = search(half, allowed.within(&half), denied) {
            return Some(found);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    fn net(text: &str) -> IpNet {
        parse_net(text).unwrap()
    }

    fn nets(texts: &[&str]) -> Vec<IpNet> {
        texts.iter().map(|t| net(t)).collect()
    }

    #[rstest]
    #[case::ipv4("169.254.169.254/32", "169.254.169.254/32")]
    #[case::bare_ipv4_is_host("169.254.169.254", "169.254.169.254/32")]
    #[case::host_bits_truncated("169.254.169.254/16", "169.254.0.0/16")]
    #[case::default_route("0.0.0.0/0", "0.0.0.0/0")]
    #[case::host_bits_on_default_route("10.1.2.3/0", "0.0.0.0/0")]
    #[case::ipv6("fd00:ec2::254/128", "fd00:ec2::254/128")]
    #[case::ipv6_host_bits("fd00:ec2::254/32", "fd00:ec2::/32")]
    #[case::ipv6_any("::/0", "::/0")]
    #[case::mapped_host("::ffff:169.254.169.254/128", "169.254.169.254/32")]
    #[case::mapped_hex("::ffff:a9fe:a9fe/128", "169.254.169.254/32")]
    #[case::mapped_network("::ffff:169.254.0.0/112", "169.254.0.0/16")]
    #[case::mapped_all_ipv4("::ffff:0.0.0.0/96", "0.0.0.0/0")]
    #[case::short_prefix_stays_ipv6("::ffff:0.0.0.0/95", "::fffe:0:0/95")]
    #[case::bare_mapped("::ffff:169.254.169.254", "169.254.169.254/32")]
    #[case::zero_octets("0.0.0.0/8", "0.0.0.0/8")]
    #[case::uppercase_hex("FD00:EC2::254/128", "fd00:ec2::254/128")]
    fn normalizes_to_the_programmed_network(#[case] text: &str, #[case] expected: &str) {
        assert_eq!(parse_net(text).unwrap().to_string(), expected);
    }

    #[rstest]
    #[case::empty("", "is empty")]
    #[case::leading_zero_octet("010.0.0.0/8", "leading zero in the octet \"010\"")]
    #[case::leading_zero_last("169.254.169.0254/32", "leading zero in the octet \"0254\"")]
    #[case::many_digits("169.254.169.25400/32", "octet 25400 above the maximum 255")]
    #[case::huge_prefix("10.0.0.0/99999999999", "above the maximum 32")]
    #[case::leading_zero_prefix("10.0.0.0/08", "leading zero in the prefix length")]
    #[case::leading_zero_in_mapped("::ffff:169.254.169.0254", "leading zero")]
    #[case::prefix_too_long("10.0.0.0/33", "above the maximum 32")]
    #[case::ipv6_prefix_too_long("::/129", "above the maximum 128")]
    #[case::octet_too_big("256.0.0.0/8", "above the maximum 255")]
    #[case::three_octets("10.0.0/8", "four decimal octets")]
    #[case::five_octets("10.0.0.0.0/8", "four decimal octets")]
    #[case::empty_octet("10..0.0/8", "invalid octet")]
    #[case::hex_octet("0x0a.0.0.0/8", "invalid octet")]
    #[case::signed("+10.0.0.0/8", "invalid octet")]
    #[case::empty_prefix("10.0.0.0/", "invalid prefix length")]
    #[case::negative_prefix("10.0.0.0/-1", "invalid prefix length")]
    #[case::double_slash("10.0.0.0/8/8", "invalid prefix length")]
    #[case::whitespace(" 10.0.0.0/8", "whitespace")]
    #[case::inner_whitespace("10.0.0.0 /8", "whitespace")]
    #[case::zone("fe80::1%eth0/64", "zone identifier")]
    #[case::bad_ipv6("fd00:::1/64", "not a valid IPv6")]
    #[case::hostname("metadata.google.internal", "invalid octet")]
    #[case::netmask("10.0.0.0/255.0.0.0", "invalid prefix length")]
    fn refuses_ambiguous_or_malformed_text(#[case] text: &str, #[case] fragment: &str) {
        let err = parse_net(text).unwrap_err();
        assert!(err.message().contains(fragment), "{text:?}: {err}");
    }

    #[test]
    fn leading_zero_message_suggests_the_decimal_value() {
        let err = parse_net("010.0.0.0/8").unwrap_err();
        assert!(err.message().contains("write 10"), "{err}");
        let err = parse_net("10.0.0.00/8").unwrap_err();
        assert!(err.message().contains("write 0"), "{err}");
    }

    #[rstest]
    #[case::same_family("10.0.0.0/8", "10.1.0.0/16", true)]
    #[case::disjoint("10.0.0.0/8", "11.0.0.0/8", false)]
    #[case::other_family("0.0.0.0/0", "::/0", false)]
    #[case::ipv6_any_holds_ec2("::/0", "fd00:ec2::254/128", true)]
    fn overlap(#[case] a: &str, #[case] b: &str, #[case] expected: bool) {
        assert_eq!(overlaps(&net(a), &net(b)), expected);
        assert_eq!(overlaps(&net(b), &net(a)), expected);
    }

    #[rstest]
    #[case::seed_policy_leaks(&["0.0.0.0/0"], &["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"], "169.254.169.254/32", Some("169.254.169.254/32"))]
    #[case::excepted(&["0.0.0.0/0"], &["169.254.169.254/32"], "169.254.169.254/32", None)]
    #[case::supernet_except(&["0.0.0.0/0"], &["169.254.0.0/16"], "169.254.169.254/32", None)]
    #[case::supernet_allowed(&["169.254.0.0/16"], &[], "169.254.169.254/32", Some("169.254.169.254/32"))]
    #[case::partial_except_of_blocked_range(&["0.0.0.0/0"], &["169.254.169.0/25"], "169.254.169.0/24", Some("169.254.169.128/25"))]
    #[case::two_halves_cover(&["0.0.0.0/0"], &["169.254.169.0/25", "169.254.169.128/25"], "169.254.169.0/24", None)]
    #[case::unrelated_cidr(&["8.8.8.0/24"], &[], "169.254.169.254/32", None)]
    #[case::ipv6_any(&["::/0"], &[], "fd00:ec2::254/128", Some("fd00:ec2::254/128"))]
    #[case::ipv4_rule_cannot_reach_ipv6(&["0.0.0.0/0"], &[], "fd00:ec2::254/128", None)]
    #[case::ipv6_except(&["::/0"], &["fd00::/8"], "fd00:ec2::254/128", None)]
    #[case::allowed_inside_blocked_range(&["169.254.169.254/32"], &[], "169.254.0.0/16", Some("169.254.169.254/32"))]
    fn exposure(
        #[case] allowed: &[&str],
        #[case] except: &[&str],
        #[case] target: &str,
        #[case] expected: Option<&str>,
    ) {
        let set = NetSet {
            nets: nets(allowed),
            except: nets(except),
        };
        let found = first_exposed(net(target), &set, &[]);
        assert_eq!(found.map(|n| n.to_string()).as_deref(), expected);
    }

    #[test]
    fn denials_shield_what_they_cover_and_nothing_more() {
        let all = NetSet::everything();
        let deny_endpoint = NetSet::of(nets(&["169.254.169.254/32"]));
        let target = net("169.254.169.254/32");
        assert_eq!(first_exposed(target, &all, &[&deny_endpoint]), None);

        let deny_with_hole = NetSet {
            nets: nets(&["169.254.0.0/16"]),
            except: nets(&["169.254.169.254/32"]),
        };
        assert_eq!(
            first_exposed(target, &all, &[&deny_with_hole]),
            Some(target)
        );

        let range = net("169.254.169.0/24");
        let found = first_exposed(range, &all, &[&deny_endpoint]).unwrap();
        assert_eq!(found.to_string(), "169.254.169.0/25");
    }

    #[test]
    fn a_range_riddled_with_excepts_is_searched_without_enumeration() {
        // 65535 host excepts covering 169.254.0.0/16 but one address.
        let hole = Ipv4Addr::new(169, 254, 169, 254);
        let except: Vec<IpNet> = (0..=u16::MAX)
            .map(|i| Ipv4Addr::new(169, 254, (i >> 8) as u8, i as u8))
            .filter(|a| *a != hole)
            .map(|a| IpNet::V4(Ipv4Net::new(a, 32).unwrap()))
            .collect();
        let set = NetSet {
            nets: vec![all_ipv4()],
            except,
        };
        let found = first_exposed(net("169.254.0.0/16"), &set, &[]);
        assert_eq!(found, Some(net("169.254.169.254/32")));
    }

    /// Brute force over a /24: an address is exposed when it is allowed and
    /// no denial holds it; the search must find an exposed sub-network exactly
    /// when one exists, and everything it returns must be exposed.
    fn brute_exposed(host: IpNet, allowed: &NetSet, denied: &[NetSet]) -> bool {
        let holds = |s: &NetSet| {
            s.nets.iter().any(|n| n.contains(&host)) && !s.except.iter().any(|e| e.contains(&host))
        };
        holds(allowed) && !denied.iter().any(holds)
    }

    fn small_net() -> impl Strategy<Value = IpNet> {
        (any::<u8>(), 24u8..=32).prop_map(|(last, prefix)| {
            IpNet::V4(Ipv4Net::new(Ipv4Addr::new(10, 0, 0, last), prefix).unwrap()).trunc()
        })
    }

    fn small_set() -> impl Strategy<Value = NetSet> {
        (
            proptest::collection::vec(small_net(), 0..4),
            proptest::collection::vec(small_net(), 0..4),
        )
            .prop_map(|(nets, except)| NetSet { nets, except })
    }

    proptest! {
        #[test]
        fn parser_never_panics(text in "\\PC{0,40}") {
            let _ = parse_net(&text);
        }

        #[test]
        fn parser_never_panics_on_address_like_text(text in "[0-9a-fA-F:.%/]{0,45}") {
            let _ = parse_net(&text);
        }

        #[test]
        fn canonical_ipv4_round_trips(a in any::<u32>(), prefix in 0u8..=32) {
            let expected = IpNet::V4(Ipv4Net::new(Ipv4Addr::from(a), prefix).unwrap()).trunc();
            let text = format!("{}/{prefix}", Ipv4Addr::from(a));
            prop_assert_eq!(parse_net(&text).unwrap(), expected);
        }

        #[test]
        fn canonical_ipv6_round_trips(a in any::<u128>(), prefix in 0u8..=128) {
            let address = Ipv6Addr::from(a);
            let parsed = parse_net(&format!("{address}/{prefix}")).unwrap();
            if address.to_ipv4_mapped().is_some() && prefix >= 96 {
                prop_assert!(matches!(parsed, IpNet::V4(_)));
            } else {
                prop_assert_eq!(parsed, IpNet::V6(Ipv6Net::new(address, prefix).unwrap()).trunc());
            }
        }

        #[test]
        fn mapped_form_folds_to_the_same_ipv4_network(a in any::<u32>(), prefix in 0u8..=32) {
            let v4 = Ipv4Addr::from(a);
            let mapped = format!("::ffff:{v4}/{}", prefix + 96);
            prop_assert_eq!(parse_net(&mapped).unwrap(), parse_net(&format!("{v4}/{prefix}")).unwrap());
        }

        #[test]
        fn plain_ipv4_fast_path_agrees_with_the_general_parser(text in "[0-9]{1,4}(\\.[0-9]{1,4}){0,4}(/[0-9]{0,3}){0,2}|[0-9./]{0,20}") {
            if let Some(net) = parse_plain_ipv4(&text) {
                prop_assert_eq!(parse_general(&text), Ok(net));
            }
        }

        #[test]
        fn canonical_ipv4_takes_the_fast_path(a in any::<u32>(), prefix in proptest::option::of(0u8..=32)) {
            let text = match prefix {
                Some(p) => format!("{}/{p}", Ipv4Addr::from(a)),
                None => Ipv4Addr::from(a).to_string(),
            };
            prop_assert_eq!(parse_plain_ipv4(&text), parse_general(&text).ok());
            prop_assert!(parse_plain_ipv4(&text).is_some());
        }

        #[test]
        fn search_agrees_with_brute_force(
            allowed in small_set(),
            denied in proptest::collection::vec(small_set(), 0..3),
            target in small_net(),
        ) {
            let hosts: Vec<IpNet> = target.subnets(32).unwrap().collect();
            let any_exposed = hosts.iter().any(|h| brute_exposed(*h, &allowed, &denied));
            let denied_refs: Vec<&NetSet> = denied.iter().collect();
            let found = first_exposed(target, &allowed, &denied_refs);
            prop_assert_eq!(found.is_some(), any_exposed);
            if let Some(found) = found {
                prop_assert!(target.contains(&found));
                for host in found.subnets(32).unwrap() {
                    prop_assert!(brute_exposed(host, &allowed, &denied), "{} in {}", host, found);
                }
            }
        }
    }
}

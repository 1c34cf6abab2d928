//! The shields of a policy merged per blocked endpoint and metadata port,
//! so judging a grant costs a lookup in the rules before it, not a pass
//! over them.
//!
//! Only the addresses inside a blocked endpoint matter, so each shield is
//! cut to every endpoint and merged into that endpoint's set of shielded
//! address ranges, per port (a sorted map of disjoint, non-adjacent ranges;
//! adding a shield costs a logarithmic search per range). A grant then
//! exposes an endpoint on a port exactly when the lowest address of the
//! grant inside the endpoint that no range holds exists, found with one
//! search per range of the grant.
//!
//! The message names a piece of the endpoint, and which piece the reference
//! search ([`shared::cidr::first_exposed`], kept as the property-test oracle)
//! reports depends on how the sets are written (two halves of a network are
//! reported as the first half), so the piece is derived the same way: the
//! search descends the prefixes of the lowest exposed address and stops at
//! the first prefix that the grant holds as a whole and no shield touches.
//! Both conditions switch from false to true once along that descent, so the
//! depth is the deepest switch over the grant and the shields that overlap
//! the endpoint in part (kept per endpoint and port for this; computed only
//! for an exposure).

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use shared::cidr::NetSet;

use crate::exposure::Shield;

/// Addresses of one family as integers (IPv4 in the low 32 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    first: u128,
    last: u128,
}

fn bits(net: &IpNet) -> u8 {
    net.max_prefix_len()
}

fn span(net: &IpNet) -> Span {
    match net.trunc() {
        IpNet::V4(n) => Span {
            first: u32::from(n.network()).into(),
            last: u32::from(n.broadcast()).into(),
        },
        IpNet::V6(n) => Span {
            first: u128::from(n.network()),
            last: u128::from(n.broadcast()),
        },
    }
}

fn same_family(a: &IpNet, b: &IpNet) -> bool {
    matches!(
        (a, b),
        (IpNet::V4(_), IpNet::V4(_)) | (IpNet::V6(_), IpNet::V6(_))
    )
}

/// The network of `prefix` bits around `address` in the family of `like`.
fn net_at(like: &IpNet, address: u128, prefix: u8) -> IpNet {
    match like {
        IpNet::V4(_) => {
            let v4 = Ipv4Addr::from(u32::try_from(address).unwrap_or(u32::MAX));
            IpNet::V4(Ipv4Net::new(v4, prefix).unwrap_or_default().trunc())
        }
        IpNet::V6(_) => IpNet::V6(
            Ipv6Net::new(Ipv6Addr::from(address), prefix)
                .unwrap_or_default()
                .trunc(),
        ),
    }
}

/// How many leading bits (of `width`) `net` shares with `address`, at most
/// its prefix: the deepest prefix of `address` that contains `net`.
fn deepest_holding(net: &IpNet, address: u128, width: u8) -> u8 {
    let shift = 128 - u32::from(width);
    let common = ((span(net).first ^ address) << shift).leading_zeros();
    let common = u8::try_from(common.min(u32::from(width))).unwrap_or(width);
    common.min(net.prefix_len())
}

/// The parts of `set` inside `endpoint`, as sorted disjoint spans.
fn spans_within(set: &NetSet, endpoint: &IpNet) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    let mut nets: Vec<Span> = set
        .nets
        .iter()
        .filter(|n| same_family(n, endpoint) && shared::cidr::overlaps(n, endpoint))
        .map(|n| {
            if n.contains(endpoint) {
                span(endpoint)
            } else {
                span(n)
            }
        })
        .collect();
    nets.sort_by_key(|s| s.first);
    for s in nets {
        match out.last_mut() {
            Some(last) if s.first <= last.last.saturating_add(1) => {
                last.last = last.last.max(s.last)
            }
            _ => out.push(s),
        }
    }
    for except in set.except.iter().filter(|e| same_family(e, endpoint)) {
        let cut = span(except);
        out = out
            .into_iter()
            .flat_map(|s| {
                if cut.last < s.first || cut.first > s.last {
                    return vec![s];
                }
                let mut parts = Vec::new();
                if cut.first > s.first {
                    parts.push(Span {
                        first: s.first,
                        last: cut.first - 1,
                    });
                }
                if cut.last < s.last {
                    parts.push(Span {
                        first: cut.last + 1,
                        last: s.last,
                    });
                }
                parts
            })
            .collect();
    }
    out
}

/// Disjoint, non-adjacent ranges: first address to last.
#[derive(Debug, Default)]
struct Ranges(BTreeMap<u128, u128>);

impl Ranges {
    fn insert(&mut self, mut s: Span) {
        // Merge with a range that ends at or just before s.first.
        if let Some((&first, &last)) = self.0.range(..=s.first).next_back()
            && last.saturating_add(1) >= s.first
        {
            s.first = first;
            s.last = s.last.max(last);
        }
        let after: Vec<(u128, u128)> = self
            .0
            .range(s.first..)
            .take_while(|(first, _)| **first <= s.last.saturating_add(1))
            .map(|(f, l)| (*f, *l))
            .collect();
        for (first, last) in after {
            self.0.remove(&first);
            s.last = s.last.max(last);
        }
        self.0.insert(s.first, s.last);
    }

    /// The lowest address of `s` no range holds.
    fn first_free(&self, s: Span) -> Option<u128> {
        let mut at = s.first;
        if let Some((_, &last)) = self.0.range(..=at).next_back()
            && last >= at
        {
            at = last.checked_add(1)?;
        }
        (at <= s.last).then_some(at)
    }
}

/// What the shields on one port do to one endpoint.
#[derive(Default)]
struct Guard {
    /// Some shield holds the whole endpoint.
    whole: bool,
    ranges: Ranges,
    /// The shields that hold part of it, cut to it, for the piece.
    partial: Vec<NetSet>,
}

/// The shields so far of a policy (or rule), per blocked endpoint and port.
pub struct Shields<'b> {
    blocked: &'b [IpNet],
    guards: Vec<(usize, u16, Guard)>,
}

impl<'b> Shields<'b> {
    pub fn new(blocked: &'b [IpNet]) -> Self {
        Shields {
            blocked,
            guards: Vec::new(),
        }
    }

    pub fn blocked(&self) -> &'b [IpNet] {
        self.blocked
    }

    /// Takes what `shield` covers out of every later grant on its ports.
    pub fn add(&mut self, shield: &Shield) {
        for (e, endpoint) in self.blocked.iter().enumerate() {
            let endpoint = endpoint.trunc();
            let share = shield.covers.share(&endpoint);
            if share == shared::cidr::Share::None {
                continue;
            }
            let within = shield.covers.within(&endpoint);
            let spans = spans_within(&within, &endpoint);
            for &port in &shield.ports {
                let guard = self.guard(e, port);
                if share == shared::cidr::Share::All {
                    guard.whole = true;
                    continue;
                }
                for &s in &spans {
                    guard.ranges.insert(s);
                }
                guard.partial.push(within.clone());
            }
        }
    }

    fn guard(&mut self, endpoint: usize, port: u16) -> &mut Guard {
        let at = match self
            .guards
            .iter()
            .position(|(e, p, _)| *e == endpoint && *p == port)
        {
            Some(at) => at,
            None => {
                self.guards.push((endpoint, port, Guard::default()));
                self.guards.len() - 1
            }
        };
        &mut self.guards[at].2
    }

    fn guard_of(&self, endpoint: usize, port: u16) -> Option<&Guard> {
        self.guards
            .iter()
            .find(|(e, p, _)| *e == endpoint && *p == port)
            .map(|(_, _, g)| g)
    }

    /// The piece of blocked endpoint `endpoint` that `reach` (cut to it as
    /// `spans`) leaves open on `port`, as the reference search names it.
    pub(crate) fn exposed(
        &self,
        endpoint: usize,
        reach: &NetSet,
        spans: &[Span],
        port: u16,
    ) -> Option<IpNet> {
        let target = self.blocked[endpoint].trunc();
        let guard = self.guard_of(endpoint, port);
        if guard.is_some_and(|g| g.whole) {
            return None;
        }
        let free = |s: Span| match guard {
            Some(g) => g.ranges.first_free(s),
            None => Some(s.first),
        };
        let address = spans.iter().find_map(|&s| free(s))?;
        let width = bits(&target);
        let mut depth = target.prefix_len().max(grant_depth(reach, address, width));
        for denied in guard.map_or(&[][..], |g| &g.partial) {
            depth = depth.max(shield_depth(denied, address, width));
        }
        Some(net_at(&target, address, depth.min(width)))
    }
}

/// The first prefix length from which the descent's prefixes of `address`
/// lie wholly in `reach`: inside one of its nets, with no except inside.
fn grant_depth(reach: &NetSet, address: u128, width: u8) -> u8 {
    let inside = reach
        .nets
        .iter()
        .filter(|n| bits(n) == width && span(n).first <= address && address <= span(n).last)
        .map(IpNet::prefix_len)
        .min()
        .unwrap_or(width);
    let clear = reach
        .except
        .iter()
        .filter(|e| bits(e) == width)
        .map(|e| deepest_holding(e, address, width).saturating_add(1))
        .max()
        .unwrap_or(0);
    inside.max(clear)
}

/// The first prefix length from which a shield no longer touches the
/// descent's prefixes of `address` (which it does not hold): one of its
/// excepts holds the prefix, or none of its nets overlaps it.
fn shield_depth(shield: &NetSet, address: u128, width: u8) -> u8 {
    let holds = |n: &IpNet| bits(n) == width && span(n).first <= address && address <= span(n).last;
    let excepted = shield
        .except
        .iter()
        .filter(|e| holds(e))
        .map(IpNet::prefix_len)
        .min()
        .unwrap_or(u8::MAX);
    let untouched = if shield.nets.iter().any(holds) {
        u8::MAX
    } else {
        shield
            .nets
            .iter()
            .filter(|n| bits(n) == width)
            .map(|n| deepest_holding(n, address, width).saturating_add(1))
            .max()
            .unwrap_or(0)
    };
    excepted.min(untouched)
}

/// `reach` cut to blocked endpoint `endpoint`, for [`Shields::exposed`].
pub(crate) fn reach_within(reach: &NetSet, endpoint: &IpNet) -> Vec<Span> {
    spans_within(reach, &endpoint.trunc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::cidr::parse_net;

    fn net(t: &str) -> IpNet {
        parse_net(t).unwrap()
    }

    #[test]
    fn ranges_merge_overlapping_and_adjacent_spans() {
        let mut r = Ranges::default();
        r.insert(Span {
            first: 10,
            last: 19,
        });
        r.insert(Span {
            first: 30,
            last: 39,
        });
        r.insert(Span {
            first: 20,
            last: 29,
        });
        assert_eq!(r.0.iter().collect::<Vec<_>>(), vec![(&10, &39)]);
        r.insert(Span { first: 5, last: 50 });
        assert_eq!(r.0.iter().collect::<Vec<_>>(), vec![(&5, &50)]);
        assert_eq!(r.first_free(Span { first: 7, last: 50 }), None);
        assert_eq!(r.first_free(Span { first: 7, last: 60 }), Some(51));
        assert_eq!(r.first_free(Span { first: 0, last: 60 }), Some(0));
    }

    #[test]
    fn spans_are_cut_to_the_endpoint_and_lose_their_excepts() {
        let set = NetSet {
            nets: vec![net("169.254.0.0/16"), net("::/0")],
            except: vec![net("169.254.169.0/25")],
        };
        let spans = spans_within(&set, &net("169.254.169.0/24"));
        let base = u128::from(u32::from(Ipv4Addr::new(169, 254, 169, 0)));
        assert_eq!(
            spans,
            vec![Span {
                first: base + 128,
                last: base + 255
            }]
        );
    }
}

//! Where a request comes from, as the audit log records it: the client's address (believing
//! `X-Forwarded-For` only from trusted proxies), its user agent and the request id.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, header};
use np_domain::authz::Origin;

/// An address range (`10.0.0.0/8`, `::1/128`; a bare address is a range of one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Whether `ip` is in the range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// IPv4-mapped IPv6 addresses as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// Parses a comma-separated list of addresses and ranges.
///
/// # Errors
/// The first entry that is neither.
pub fn parse_cidrs(text: &str) -> Result<Vec<Cidr>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            let (addr, prefix) = t.split_once('/').unwrap_or((t, ""));
            let network: IpAddr = addr
                .parse()
                .map_err(|_| format!("{t:?} is not an address or CIDR range"))?;
            let network = canonical(network);
            let max = if network.is_ipv4() { 32 } else { 128 };
            let prefix = if prefix.is_empty() {
                max
            } else {
                prefix
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= max)
                    .ok_or_else(|| format!("{t:?}: the prefix length must be 0 to {max}"))?
            };
            Ok(Cidr { network, prefix })
        })
        .collect()
}

/// The client's address: the peer's, unless the peer is a trusted proxy; then the right-most address in
/// `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_ip(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[Cidr]) -> Option<IpAddr> {
    let peer = peer.map(canonical)?;
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    if !is_trusted(peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .map(canonical)
        .collect();
    forwarded
        .iter()
        .rev()
        .find(|ip| !is_trusted(**ip))
        .or_else(|| forwarded.first())
        .copied()
        .or(Some(peer))
}

/// The origin of `request`.
pub fn of<B>(request: &Request<B>, trusted: &[Cidr]) -> Origin {
    let headers = request.headers();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .map(|v| v.chars().take(512).collect::<String>())
    };
    Origin {
        ip: client_ip(peer, headers, trusted).map(|ip| ip.to_string()),
        user_agent: text(header::USER_AGENT.as_str()),
        request_id: text("x-request-id"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_addresses_are_believed_from_trusted_proxies_only() {
        let trusted = parse_cidrs("10.0.0.0/8, ::1").unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().ok();
        // Not a proxy: its own address, whatever it claims.
        assert_eq!(
            client_ip(ip("203.0.113.9"), &headers("1.2.3.4"), &trusted),
            ip("203.0.113.9")
        );
        // A proxy: the right-most untrusted hop (the client cannot prepend its way in).
        assert_eq!(
            client_ip(
                ip("10.1.2.3"),
                &headers("6.6.6.6, 198.51.100.7, 10.9.9.9"),
                &trusted
            ),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_ip(ip("::1"), &headers("198.51.100.7"), &trusted),
            ip("198.51.100.7")
        );
        // A proxy with no header: the proxy.
        assert_eq!(
            client_ip(ip("10.1.2.3"), &HeaderMap::new(), &trusted),
            ip("10.1.2.3")
        );
        assert!(parse_cidrs("10.0.0.0/33").is_err());
        assert!(parse_cidrs("proxy.example").is_err());
        assert!(
            parse_cidrs("192.168.0.0/16").unwrap()[0]
                .contains("::ffff:192.168.4.4".parse().unwrap())
        );
    }
}

//! The SSRF guard: a call Masthead makes on someone's behalf (a webhook's
//! delivery, a picture fetched by an import) may not reach the server's own
//! network. A URL whose host is, or resolves to, a loopback, private,
//! link-local (cloud metadata), shared, multicast or unspecified address is
//! refused — when the URL is given, and again at every call, where the
//! connection is made only to the addresses checked (see
//! [`GuardedResolver`]), so a name that changes its answer in between
//! gains nothing.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::Url;

/// Why an address may not be called.
pub fn forbidden(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => forbidden_v4(v4),
            None => forbidden_v6(v6),
        },
    }
}

/// The IPv4 address an IPv6 one carries and reaches: mapped
/// (`::ffff:a.b.c.d`), compatible (`::a.b.c.d`), NAT64 (`64:ff9b::/96`)
/// and 6to4 (`2002:AABB:CCDD::/48`).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let segments = ip.segments();
    let octets = ip.octets();
    if let Some(v4) = ip.to_ipv4() {
        // `::` and `::1` are IPv6's own unspecified and loopback addresses.
        return (!ip.is_unspecified() && !ip.is_loopback()).then_some(v4);
    }
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(Ipv4Addr::new(
            octets[12], octets[13], octets[14], octets[15],
        ));
    }
    if segments[0] == 0x2002 {
        return Some(Ipv4Addr::new(octets[2], octets[3], octets[4], octets[5]));
    }
    None
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_private() {
        Some("a private address")
    } else if ip.is_link_local() {
        Some("a link-local address (cloud metadata lives there)")
    } else if a == 100 && (64..128).contains(&b) {
        Some("a shared (carrier-grade NAT) address")
    } else if ip.is_unspecified() || a == 0 {
        Some("an unspecified address")
    } else if ip.is_multicast() || ip.is_broadcast() || a >= 240 {
        Some("a multicast, broadcast or reserved address")
    } else {
        None
    }
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_unspecified() {
        Some("an unspecified address")
    } else if first & 0xfe00 == 0xfc00 {
        Some("a private (unique local) address")
    } else if first & 0xffc0 == 0xfe80 {
        Some("a link-local address")
    } else if ip.is_multicast() {
        Some("a multicast address")
    } else {
        None
    }
}

/// Checks a URL to call: `http` or `https`, a host, and — unless private
/// addresses are allowed — no forbidden address among those it resolves
/// to. The error is the reason, for the `url` field; it names `setting`,
/// the switch that allows private addresses.
pub async fn check_url(raw: &str, allow_private: bool, setting: &str) -> Result<Url, String> {
    let url = Url::parse(raw).map_err(|err| format!("is not a URL ({err})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http or https URL".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials; put them in the path or query".to_owned());
    }
    let Some(host) = url.host_str() else {
        return Err("must name a host".to_owned());
    };
    if allow_private {
        return Ok(url);
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|err| format!("names a host that does not resolve ({err})"))?
            .collect(),
    };
    for address in addresses {
        if let Some(why) = forbidden(address.ip()) {
            return Err(format!(
                "resolves to {} ({why}); set {setting}=true to allow it",
                address.ip()
            ));
        }
    }
    Ok(url)
}

/// A URL whose host is a forbidden address literal: the reason (names are
/// checked by the resolver, which a literal never meets).
pub fn literal_refused(url: &str, allow_private: bool) -> Option<String> {
    if allow_private {
        return None;
    }
    let url = Url::parse(url).ok()?;
    let ip = match url.host()? {
        url::Host::Ipv4(ip) => IpAddr::V4(ip),
        url::Host::Ipv6(ip) => IpAddr::V6(ip),
        url::Host::Domain(_) => return None,
    };
    forbidden(ip).map(|why| format!("refused: {ip} is {why}"))
}

/// The resolver of guarded clients: the system's answers, without the
/// forbidden addresses; a name left with none fails to connect.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    /// Private addresses allowed (tests, intranets).
    pub allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let allowed: Vec<SocketAddr> = found
                .filter(|addr| allow_private || forbidden(addr.ip()).is_none())
                .collect();
            if allowed.is_empty() {
                return Err(format!(
                    "{} resolves only to addresses that may not be called",
                    name.as_str()
                )
                .into());
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

impl GuardedResolver {
    /// The resolver, shared as the client wants it.
    pub fn shared(self) -> Arc<Self> {
        Arc::new(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_named_and_public_ones_pass() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.100.100.200",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::10.0.0.1",
            "2002:7f00:1::1",
            "2002:c0a8:101::",
        ] {
            assert!(forbidden(internal.parse().unwrap()).is_some(), "{internal}");
        }
        for public in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:2800:220:1:248:1893:25c8:1946",
        ] {
            assert_eq!(forbidden(public.parse().unwrap()), None, "{public}");
        }
    }

    #[tokio::test]
    async fn urls_are_checked_before_any_call() {
        for (url, reason) in [
            ("ftp://example.com/hook", "http or https"),
            ("not a url", "is not a URL"),
            ("http://user:pw@example.com/", "credentials"),
            ("http://127.0.0.1:8080/hook", "loopback"),
            ("http://[::1]/hook", "loopback"),
            ("http://169.254.169.254/latest/meta-data", "link-local"),
            ("http://localhost/hook", "loopback"),
        ] {
            let err = check_url(url, false, "ALLOW").await.unwrap_err();
            assert!(err.contains(reason), "{url}: {err}");
        }
        assert!(
            check_url("http://127.0.0.1:8080/hook", true, "ALLOW")
                .await
                .is_ok()
        );
        assert!(
            check_url("https://93.184.216.34/hook", false, "ALLOW")
                .await
                .is_ok()
        );
        assert_eq!(
            literal_refused("http://10.0.0.1/x.jpg", false).as_deref(),
            Some("refused: 10.0.0.1 is a private address")
        );
        assert_eq!(literal_refused("http://10.0.0.1/x.jpg", true), None);
        assert_eq!(literal_refused("http://example.com/x.jpg", false), None);
    }
}

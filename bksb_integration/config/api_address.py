"""The BKSB API url may not lead inside the network the product runs in.

Every bksb call carries the Secret Access Key, and saving the settings tests
the connection at once: a url resolving to a loopback, link-local or private
address would let whoever sets it probe internal services, or the cloud's
metadata service (169.254.169.254), with the key. GitLab and Moodle refuse such
addresses by default; so does this, unless BKSB_ALLOW_PRIVATE_API_URL is on
(the demo's and the tests' sandbox on 127.0.0.1, a test bksb on the college's network).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

ALLOW_SWITCH = "BKSB_ALLOW_PRIVATE_API_URL"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def api_address_problem(url: str) -> str:
    """Why the key may not be sent to this url's host ('' when it may), in words fit to show staff.

    A host name is resolved, and every address it resolves to must be public. A
    name that does not resolve is not refused here: nothing can be sent to it,
    and the connection test says it cannot be reached.
    """
    if settings.BKSB_ALLOW_PRIVATE_API_URL:
        return ""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return ""  # not a url: the url rules say so
    if not host:
        return ""
    for address in _addresses(host, port):
        kind = _internal_kind(address)
        if kind:
            shown = host if host == str(address) else f"{host} ({address})"
            return (
                f"The BKSB API url points at {shown}, a {kind} address: the Secret Access Key is never sent "
                f"inside the network. Use bksb's public address, or set {ALLOW_SWITCH}=True on the server "
                "to allow it (for a test bksb on your own network)."
            )
    return ""


def _addresses(host: str, port: int | None) -> list[Address]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        return []
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]


def _internal_kind(address: Address) -> str:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_unspecified or address.is_multicast or address.is_reserved:
        return "reserved"
    if address.is_private or not address.is_global:
        return "private"
    return ""

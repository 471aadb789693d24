"""Loaded by every Python process of the peer tests (this folder is on PYTHONPATH): keeps
azure-ai-ml and the az CLI on this machine. A connection to anything but a loopback address, and a
name lookup of anything but a loopback name (a DNS query would leave the machine), are refused before
they happen and recorded in $PEER_OFFLINE_LOG, which the tests assert is empty.
Through HTTPS_PROXY every Azure call goes to the emulator's loopback proxy, so only a client that
ignores the proxy (telemetry, a direct download) would ever be caught here.
"""
import os
import socket

_log_file = os.environ.get("PEER_OFFLINE_LOG")
_getaddrinfo = socket.getaddrinfo
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def _is_loopback_host(host):
    host = host.decode() if isinstance(host, bytes) else str(host)
    return host in ("localhost", "::1") or host.startswith("127.") or host.startswith("::ffff:127.")


def _is_loopback(address):
    if isinstance(address, (str, bytes)):
        return True  # a Unix socket path
    return _is_loopback_host(address[0])


def _refuse(address):
    if _log_file:
        with open(_log_file, "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()} {address!r}\n")
    raise ConnectionRefusedError(f"peer tests stay on this machine: refused a connection to {address!r}")


def _guarded_getaddrinfo(host, *args, **kwargs):
    if host is not None and not _is_loopback_host(host):
        if _log_file:
            with open(_log_file, "a", encoding="utf-8") as log:
                log.write(f"{os.getpid()} lookup {host!r}\n")
        raise socket.gaierror(socket.EAI_NONAME, f"peer tests stay on this machine: refused to look up {host!r}")
    return _getaddrinfo(host, *args, **kwargs)


def _guarded_connect(self, address):
    if not _is_loopback(address):
        _refuse(address)
    return _connect(self, address)


def _guarded_connect_ex(self, address):
    if not _is_loopback(address):
        _refuse(address)
    return _connect_ex(self, address)


socket.getaddrinfo = _guarded_getaddrinfo
socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex

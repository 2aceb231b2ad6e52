"""A simulated device's port kept while the device is away (offline, rebooting, a closed
Baichuan port): bound, never listening. A connection to it is refused, as by a real device that
is away, and no other socket on the machine takes the port meanwhile — an outgoing connection's
ephemeral port (the simulator's ports are ephemeral ones too) or another test server's — so the
device can listen on it again when it comes back."""

from __future__ import annotations

import socket


class PortHold:
    def __init__(self) -> None:
        self._sock: socket.socket | None = None

    def hold(self, host: str, port: int) -> None:
        """Keep `host:port` (nothing when it is 0, already held, or taken by now)."""
        if self._sock is not None or not port:
            return
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        try:
            # SO_REUSEADDR: the port's last connections may linger in TIME_WAIT.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
        except OSError:
            sock.close()  # taken already: listening again will say so
            return
        self._sock = sock

    def release(self) -> None:
        """Give the port back (right before listening on it again, or for good)."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None

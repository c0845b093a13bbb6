"""A TCP proxy in the test's process, to take the database away and give it back.

``TcpProxy(("127.0.0.1", 5432))`` listens on a free port of its own and
forwards every connection to the target. ``stop()`` closes the port and
every forwarded connection (as a server that went down: refused at once);
``silence()`` keeps the port open but never answers (as a host that does not
respond: connections hang until the client's own timeout); ``start()``
forwards again, on the same port.
"""

from __future__ import annotations

import socket
import threading
from typing import Any


class TcpProxy:
    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.mode = "stopped"

    def dsn(self, base: str) -> str:
        """``base`` (a postgresql:// URL to the target) through the proxy."""
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        params: dict[str, Any] = conninfo_to_dict(base)
        params.update(host="127.0.0.1", port=str(self.port))
        return make_conninfo(**params)

    def _bind(self) -> socket.socket:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(64)
        return s

    def start(self) -> TcpProxy:
        self._close_all()
        self._listener = self._bind()
        self.mode = "forwarding"
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()
        return self

    def silence(self) -> None:
        """Listen and never accept: the kernel completes the handshake, the
        client's startup message is never answered."""
        self._close_all()
        self._listener = self._bind()
        self.mode = "silent"

    def stop(self) -> None:
        self._close_all()
        self.mode = "stopped"

    def _close_all(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            try:  # wakes the thread blocked in accept() (a bare close leaves the socket bound until it returns)
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()
        with self._lock:
            conns, self._open = self._open, set()
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:  # stopped meanwhile
                    client.close()
                    upstream.close()
                    return
                self._open |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

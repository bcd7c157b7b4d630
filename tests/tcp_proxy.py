"""A TCP proxy that a test can cut: to take a broker away from a client and give it back."""

import contextlib
import socket
import threading
from types import TracebackType

from tests.ports import free_port


class TcpProxy:
    """Forwards 127.0.0.1:<port> to an upstream address. `cut()` drops every connection and
    refuses new ones until `restore()`; `connections` counts the connections accepted."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self.connections = 0
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._closed = False

    def start(self) -> "TcpProxy":
        """Listens on a port below the ephemeral range (see tests/ports.py): while the proxy is
        cut, no outgoing connection can take its port, nor a client retrying connect to itself."""
        self.port = free_port()
        self._listen()
        return self

    def cut(self) -> None:
        """Closes the listener and every open connection: the client sees the broker vanish."""
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._sockets = self._sockets, []
        for sock in ([listener] if listener else []) + sockets:
            _close(sock)

    def restore(self) -> None:
        """Listens again on the same port."""
        self._listen()

    def close(self) -> None:
        self._closed = True
        self.cut()

    def __enter__(self) -> "TcpProxy":
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.upstream)
            except OSError:
                _close(client)
                continue
            with self._lock:
                if self._listener is not listener:
                    _close(client)
                    _close(upstream)
                    return
                self._sockets += [client, upstream]
                self.connections += 1
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(source, target), daemon=True).start()


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        _close(source)
        _close(target)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()

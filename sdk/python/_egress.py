# In-sandbox egress forwarder for Python: 127.0.0.1:<port> -> the host's filtering CONNECT proxy on a Unix socket.
# The sandbox has no network but `lo`; HTTP(S)_PROXY points clients here, and every byte goes to the host proxy,
# which alone decides (by host name and resolved address) what may be reached.
import os
import socket
import threading


def _pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def _serve(srv, path):
    while True:
        conn, _ = srv.accept()
        up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            up.connect(path)
        except OSError:
            conn.close()
            continue
        threading.Thread(target=_pipe, args=(conn, up), daemon=True).start()
        threading.Thread(target=_pipe, args=(up, conn), daemon=True).start()


def start():
    port = int(os.environ["OUTRIGGER_EGRESS_PORT"])
    path = os.environ.get("OUTRIGGER_EGRESS_SOCK", "/run/outrigger/egress.sock")
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(64)
    threading.Thread(target=_serve, args=(srv, path), daemon=True).start()

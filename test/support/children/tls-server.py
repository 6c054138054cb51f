# Test child for --certificate: serves TLS on 127.0.0.1 with $VAULT_EXEC_FILES_DIR/<name>.crt and
# <name>.key (name from argv[1], default "tls"), prints "PORT <n>", then "SERIAL <hex>" for the
# certificate it serves, at start and after every SIGHUP (it re-reads both files then), and READY.
# Each connection gets "HELLO" and is closed. It never prints a key or a certificate.
import os
import signal
import socket
import ssl
import sys

name = sys.argv[1] if len(sys.argv) > 1 else "tls"
directory = os.environ["VAULT_EXEC_FILES_DIR"]
cert_path = os.path.join(directory, name + ".crt")
key_path = os.path.join(directory, name + ".key")
state = {"context": None}


def load():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    state["context"] = context
    serial = ssl._ssl._test_decode_cert(cert_path)["serialNumber"]
    print("SERIAL " + serial.lower(), flush=True)


def on_hup(signum, frame):
    # Python runs the handler between two bytecodes, so the reload (and its SERIAL line) is prompt.
    load()


def on_term(signum, frame):
    print("STOPPED", flush=True)
    os._exit(0)


load()
signal.signal(signal.SIGHUP, on_hup)
signal.signal(signal.SIGTERM, on_term)
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(16)
listener.settimeout(0.05)
print("PORT %d" % listener.getsockname()[1], flush=True)
print("READY", flush=True)
while True:
    try:
        connection, _ = listener.accept()
    except socket.timeout:
        continue
    except InterruptedError:
        continue
    try:
        with state["context"].wrap_socket(connection, server_side=True) as tls:
            tls.sendall(b"HELLO\n")
    except (ssl.SSLError, OSError):
        pass

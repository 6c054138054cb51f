"""A stand-in for a team's Flask service: configured only by environment variables, it knows
nothing about Vault. vault-exec puts the secrets in its environment; /health proves they arrived
without revealing them (names and lengths only), in the same shape as examples/node/server.js."""

import os
import signal
import sys

from flask import Flask, jsonify

REQUIRED = ["SECRET_KEY", "DATABASE_URL", "S3_ACCESS_KEY", "S3_SECRET_KEY"]

app = Flask(__name__)
# Flask's own signing key: read from the environment like everything else, never from a file.
app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY")


@app.get("/health")
def health():
    secrets = {
        name: {"present": True, "length": len(os.environ[name])} if os.environ.get(name) else {"present": False}
        for name in REQUIRED
    }
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    body = {
        "status": "ok" if not missing else "missing-configuration",
        "missing": missing,
        "secrets": secrets,
        "envNames": sorted(os.environ),
    }
    return jsonify(body), 200 if not missing else 503


def stop(signum, _frame):
    # vault-exec forwards SIGTERM/SIGINT; leaving through SystemExit ends the server loop and exits 0,
    # where Python's default for SIGTERM would die of the signal (exit 143 through vault-exec).
    print(f"flask example: {signal.Signals(signum).name} received, closing", flush=True)
    sys.exit(0)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    print(f"flask example listening on http://{host}:{port} (GET /health)", flush=True)
    # Flask's built-in server keeps the example dependency-free; behind a real load use gunicorn
    # (`vault-exec -- gunicorn app:app`): vault-exec forwards the signals the same way.
    app.run(host=host, port=port, debug=False, use_reloader=False)

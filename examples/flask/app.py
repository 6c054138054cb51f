"""A stand-in for a team's Flask service: configured only by environment variables, it knows
nothing about Vault. vault-exec puts the secrets in its environment; /health proves they arrived
without revealing them (names and lengths only), in the same shape as examples/node/server.js.
/db logs in to PostgreSQL with DATABASE_URL, whether its user is a fixed one or a dynamic one that
Vault's database engine created for this process."""

import os
import signal
import sys

import psycopg
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


@app.get("/db")
def db():
    # A fresh connection per request keeps the example short; a real service would use a pool.
    try:
        with psycopg.connect(os.environ.get("DATABASE_URL", ""), connect_timeout=5) as connection:
            user = connection.execute("SELECT current_user").fetchone()[0]
    except psycopg.Error as error:
        # The class name only: a driver message can quote parts of the connection string.
        return jsonify({"status": "unavailable", "error": type(error).__name__}), 503
    return jsonify({"status": "ok", "user": user}), 200


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
    print(f"flask example listening on http://{host}:{port} (GET /health, GET /db)", flush=True)
    # Flask's built-in server keeps the example small; behind a real load use gunicorn
    # (`vault-exec -- gunicorn app:app`): vault-exec forwards the signals the same way.
    app.run(host=host, port=port, debug=False, use_reloader=False)

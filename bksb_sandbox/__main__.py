"""Run the bksb sandbox (a test double of the bksb Live 2 API) from the command line.

    BKSB_SANDBOX_SECRET_ACCESS_KEY=... python -m bksb_sandbox --port 8765 --access-key-id KEY

The secret is read only from the environment, never from argv. Without
credentials, random test-double ones are made and printed once.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import sys
import threading

from bksb_sandbox.config import SandboxConfig
from bksb_sandbox.server import SandboxServer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command-line options."""
    p = argparse.ArgumentParser(prog="python -m bksb_sandbox", description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--access-key-id", default=os.environ.get("BKSB_SANDBOX_ACCESS_KEY_ID", ""))
    p.add_argument("--users", type=int, default=250, help="number of demo.learnerNNNN users")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--latency-ms", type=float, default=30.0)
    p.add_argument("--jitter-ms", type=float, default=5.0)
    p.add_argument("--rate-limit", type=float, default=0.0, help="requests/s per key; 0 = none")
    p.add_argument("--error-rate", type=float, default=0.0, help="fraction answered 503")
    p.add_argument("--page-cap", type=int, default=100)
    p.add_argument("--not-found-status", type=int, choices=(200, 404), default=404)
    p.add_argument("--state-file", default=None, help="JSON file keeping created users")
    p.add_argument("--quiet", action="store_true", help="do not log each request")
    return p.parse_args(argv)


def config_from(args: argparse.Namespace) -> tuple[SandboxConfig, bool]:
    """The config, and whether the credentials were generated here."""
    key = args.access_key_id
    secret = os.environ.get("BKSB_SANDBOX_SECRET_ACCESS_KEY", "")
    generated = not (key and secret)
    if generated:
        key = key or f"sandbox-{secrets.token_hex(6)}"
        secret = secret or secrets.token_urlsafe(24)
    config = SandboxConfig(
        host=args.host,
        port=args.port,
        access_key_id=key,
        secret_access_key=secret,
        users=args.users,
        seed=args.seed,
        latency_ms=args.latency_ms,
        jitter_ms=args.jitter_ms,
        rate_limit=args.rate_limit,
        error_rate=args.error_rate,
        page_cap=args.page_cap,
        not_found_status=args.not_found_status,
        state_file=args.state_file,
        log_requests=not args.quiet,
    )
    return config, generated


def main(argv: list[str] | None = None) -> int:
    """Serve until Ctrl-C or SIGTERM."""
    args = parse_args(argv)
    try:
        config, generated = config_from(args)
    except ValueError as problem:
        print(f"bksb sandbox: {problem}", file=sys.stderr)
        return 2
    server = SandboxServer(config).start()
    if generated:
        print("bksb sandbox (TEST DOUBLE) credentials, generated for this run:")
        print(f"  Access Key ID:     {config.access_key_id}")
        print(f"  Secret Access Key: {config.secret_access_key}")
    print(f"bksb sandbox (test double) listening on {server.url}  (api at {server.url}api/)")
    sys.stdout.flush()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    server.stop()
    print("bksb sandbox stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

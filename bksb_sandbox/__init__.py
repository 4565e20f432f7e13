"""bksb sandbox: a TEST DOUBLE of the bksb Live 2 API. Not bksb, not for production.

It answers the calls described in ``shared/bksb-api.md`` with a deterministic,
lazily generated population of fake learners, so the product's client, sync
and browser tests can run against a real socket without touching bksb.
Knobs inject latency, rate limiting, errors, hangs and nonsense answers.

Standard library only; it never imports Django or the product's apps.

    python -m bksb_sandbox --port 8765

or in-process::

    from bksb_sandbox.server import SandboxServer, SandboxConfig
    srv = SandboxServer(SandboxConfig(port=0, access_key_id="k", secret_access_key="s"))
    srv.start()
"""

from bksb_sandbox.config import SandboxConfig
from bksb_sandbox.server import SandboxServer

__all__ = ["SandboxConfig", "SandboxServer"]

"""The bksb sandbox for benchmarks that also notes when bksb first sees a request naming one user.

    BENCH_ARRIVAL_MARKERS=var/bench/markers.txt BENCH_ARRIVAL_FILE=var/bench/arrivals.txt \\
        python benchmarks/arrivals_sandbox.py --port 8765 ...   (the sandbox's own options)

Each request whose path or query names one of the usernames in the markers file (one a line, read as
it changes) appends that name and the wall-clock time it arrived (before the sandbox's latency) to the
arrivals file: the benchmark reads when a person's download first reached bksb.
Benchmarks only; the product never imports it.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bksb_sandbox import __main__ as sandbox_main  # noqa: E402
from bksb_sandbox import handler  # noqa: E402
from bksb_sandbox.messages import Request, Response  # noqa: E402

_lock = threading.Lock()
_original = handler.Handler._api


def _noting_api(self: handler.Handler, req: Request) -> Response:
    source = Path(os.environ["BENCH_ARRIVAL_MARKERS"])
    markers = source.read_text().split() if source.exists() else []
    named = [m for m in markers if m in req.path or m in req.query.values()]
    if named:
        with _lock, open(os.environ["BENCH_ARRIVAL_FILE"], "a") as out:
            out.write(f"{named[0]} {time.time():.4f}\n")
    return _original(self, req)


handler.Handler._api = _noting_api  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(sandbox_main.main())

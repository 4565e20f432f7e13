"""The sandbox's own control endpoints under /_sandbox/ (test double only; no bksb auth).

GET  /_sandbox/stats                      request counters
POST /_sandbox/reset-stats                zero them
GET  /_sandbox/config                     current knobs (secret hidden)
POST /_sandbox/config                     JSON body of knobs to change
GET  /_sandbox/users                      users made through createUser
POST /_sandbox/users                      JSON [{"Username": "a@b.ac.uk", "Firstname": ..}] places existing users
GET  /_sandbox/users/<username>           one user: created/auto-enrol flags, result counts
POST /_sandbox/users/<username>/results   JSON {"kind": "initial", "count": 1} adds newest results
POST /_sandbox/users/<username>/sessions  JSON {"subject": "ENG_NEW", "kind": "initial", "finish_after": 1}
                                          starts a V5 session: listed unfinished finish_after times, then
                                          finished, with its result added
POST /_sandbox/merge                      JSON {"username": "a", "into": "b"}: bksb merges user a into b
                                          (a's id stops resolving; the name a now names b's id, or
                                          nobody with "name_follows": false)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bksb_sandbox.messages import Request, Response, as_json, text

if TYPE_CHECKING:
    from bksb_sandbox.server import SandboxServer

PREFIX = "/_sandbox/"


def answer(app: SandboxServer, req: Request) -> Response:
    """Answer one control request."""
    rest = req.path[len(PREFIX) :]
    if (req.method, rest) == ("GET", "stats"):
        return as_json(app.stats())
    if (req.method, rest) == ("POST", "reset-stats"):
        app.reset_stats()
        return as_json(app.stats())
    if rest == "config":
        return _config(app, req)
    if (req.method, rest) == ("GET", "users"):
        return as_json(app.created_users())
    if (req.method, rest) == ("POST", "users"):
        return _place(app, req)
    if rest.startswith("users/"):
        return _user(app, req, rest[len("users/") :])
    if (req.method, rest) == ("POST", "merge"):
        return _merge(app, req)
    return text(404, "Unknown sandbox control endpoint.")


def _config(app: SandboxServer, req: Request) -> Response:
    if req.method == "POST":
        try:
            knobs = req.json()
            if not isinstance(knobs, dict):
                raise ValueError("send a JSON object of knobs")
            app.set_config(**knobs)
        except ValueError as problem:
            return text(400, str(problem))
    return as_json(app.config.public_dict())


def _place(app: SandboxServer, req: Request) -> Response:
    try:
        users = req.json()
        if not isinstance(users, list):
            raise ValueError("send a JSON list of users")
        return as_json({"placed": app.place_users(users)})
    except (ValueError, AttributeError) as problem:
        return text(400, f"Bad request: {problem}")


def _merge(app: SandboxServer, req: Request) -> Response:
    try:
        body = req.json()
        follows = body.get("name_follows", True)
        if not isinstance(follows, bool):
            raise ValueError("name_follows must be true or false")
        merged = app.merge_users(str(body["username"]), str(body["into"]), name_follows=follows)
    except KeyError as missing:
        return text(404, f"No such user: {missing}.")
    except (ValueError, TypeError, AttributeError) as problem:
        return text(400, f"Bad request: {problem}")
    return as_json(merged)


def _user(app: SandboxServer, req: Request, rest: str) -> Response:
    username, _, tail = rest.partition("/")
    if req.method == "GET" and not tail:
        details = app.user_details(username)
        return as_json(details) if details else text(404, "No such user.")
    if req.method == "POST" and tail == "results":
        try:
            body = req.json()
            added = app.add_results(
                username,
                kind=body.get("kind", "initial"),
                count=int(body.get("count", 1)),
                subject=body.get("subject"),
                result=body.get("result"),
            )
        except KeyError:
            return text(404, "No such user.")
        except (ValueError, TypeError, AttributeError) as problem:
            return text(400, f"Bad request: {problem}")
        return as_json({"added": added})
    if req.method == "POST" and tail == "sessions":
        try:
            body = req.json()
            started = app.start_session(
                username,
                subject=body.get("subject", ""),
                kind=body.get("kind", "initial"),
                finish_after=int(body.get("finish_after", 1)),
                result=body.get("result"),
            )
        except KeyError:
            return text(404, "No such user.")
        except (ValueError, TypeError, AttributeError) as problem:
            return text(400, f"Bad request: {problem}")
        return as_json(started)
    return text(404, "Unknown sandbox control endpoint.")

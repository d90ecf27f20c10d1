#!/usr/bin/env python3
"""A proxy that checks every request against its operation in the spec, then forwards it.

`cargo xtask conformance` puts it between the conformance driver and Prism: Prism's own request
check misses things (a missing required JSON property, parameter styles), so each request is
validated with openapi-core, a maintained OpenAPI request validator (parameters with their
`style` and `explode`, security, JSON, form and multipart bodies against their schemas). A
request it rejects is answered here with 422 and the violations as JSON, and not forwarded; a
request it accepts goes on to the mock unchanged, and the mock's answer comes back unchanged.

Each request is logged as one JSON line: operation (from the driver's header), method, target,
and the violations found.

It reads the mock's copy of the spec (`mock_spec.py`), whose fragment routes say which
header tells apart operations that share a path.

Usage: check_requests.py --spec FILE --port PORT --upstream URL --log FILE
"""

import argparse
import http.server
import json
import sys
import threading
import urllib.error
import urllib.request

import yaml
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest
from werkzeug.test import EnvironBuilder

OPERATION_HEADER = "x-conformance-operation"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class KeepRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect from the mock goes back to the client as it is: the client decides."""

    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(KeepRedirects)


def load_spec(path, base_url):
    """The spec with every `servers` list replaced by this proxy's URL, so that requests to
    the mock's paths (which leave out the servers' base paths) find their operations."""
    with open(path, encoding="utf-8") as file:
        text = file.read()
    try:
        # The mock spec is JSON; YAML loaders refuse some of JSON's escapes (surrogate pairs
        # such as GitHub's emoji), and the JSON parser is the faster one too.
        spec = json.loads(text)
    except ValueError:
        spec = yaml.load(text, Loader=yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader)
    spec["servers"] = [{"url": base_url}]
    for item in (spec.get("paths") or {}).values():
        if isinstance(item, dict):
            item.pop("servers", None)
            for operation in item.values():
                if isinstance(operation, dict):
                    operation.pop("servers", None)
    return spec


def violations(error):
    """The most specific messages of an openapi-core error: the schema errors it wraps, with
    where in the value each is, else the deepest cause's message."""
    out = []
    seen = set()

    def walk(err, depth):
        if err is None or id(err) in seen or depth > 8:
            return
        seen.add(id(err))
        schema_errors = getattr(err, "schema_errors", None) or []
        for nested in schema_errors:
            path = "/".join(str(part) for part in getattr(nested, "absolute_path", []))
            out.append(f"{type(err).__name__} at {path or '(root)'}: {getattr(nested, 'message', nested)}")
        if schema_errors:
            return
        before = len(out)
        walk(err.__cause__, depth + 1)
        if len(out) == before:
            out.append(f"{type(err).__name__}: {str(err).strip()}")

    walk(error, 0)
    return out


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # the log file says what happened
        pass

    def handle_any(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        operation = self.headers.get(OPERATION_HEADER, "")
        path, _, query = self.path.partition("?")
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP]
        # An operation told apart by a header only (the mock spec's fragment routes) is
        # checked and mocked at the path the mock spec gave it.
        for route in self.server.fragment_routes:
            if path == route["path"] and self.headers.get(route["header"]) == route["value"]:
                path = route["to"]
                break
        target = path + ("?" + query if query else "")
        try:
            environ = EnvironBuilder(
                path=path,
                base_url=self.server.base_url,
                method=self.command,
                query_string=query,
                headers=headers,
                data=body,
            ).get_request()
            result = self.server.openapi.unmarshal_request(WerkzeugOpenAPIRequest(environ))
            found = [message for error in result.errors for message in violations(error)]
        except Exception as error:  # the validator itself failed: say so, do not hide it
            found = [f"the request check failed: {type(error).__name__}: {error}"]
        with self.server.lock:
            self.server.log.write(
                json.dumps(
                    {"operation": operation, "method": self.command, "target": self.path, "violations": found}
                )
                + "\n"
            )
            self.server.log.flush()
        if found:
            self.answer(422, [("content-type", "application/json")],
                        json.dumps({"request_check": "openapi-core", "violations": found}).encode())
            return
        request = urllib.request.Request(
            self.server.upstream + target, data=body if body or self.command not in ("GET", "HEAD") else None,
            method=self.command,
        )
        for key, value in headers:
            request.add_header(key, value)
        try:
            with OPENER.open(request, timeout=60) as response:
                self.answer(response.status, response.getheaders(), response.read())
        except urllib.error.HTTPError as error:
            self.answer(error.code, error.headers.items(), error.read())
        except Exception as error:
            self.answer(502, [("content-type", "text/plain")], f"the mock did not answer: {error}".encode())

    def answer(self, status, headers, body):
        self.send_response(status)
        for key, value in headers:
            if key.lower() not in HOP_BY_HOP:
                self.send_header(key, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_any


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--spec", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    base_url = f"http://127.0.0.1:{args.port}"
    try:
        # The spec's own validity is not what is checked here (the generator and Prism have
        # read it already); a published spec with a flaw elsewhere still checks requests.
        spec = load_spec(args.spec, base_url)
        openapi = OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))
    except Exception as error:
        print(f"openapi-core cannot read {args.spec}: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(3)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Proxy)
    server.openapi = openapi
    server.fragment_routes = spec.get("x-conformance-fragment-routes") or []
    server.base_url = base_url
    server.upstream = args.upstream.rstrip("/")
    server.log = open(args.log, "a", encoding="utf-8")
    server.lock = threading.Lock()
    print(f"checking requests on {base_url}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

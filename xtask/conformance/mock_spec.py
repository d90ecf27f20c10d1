#!/usr/bin/env python3
"""Writes the copy of a spec that the mock (Prism) and the request check (openapi-core) read.

The client under test is always generated from the vendor's spec as published. The mock and
the check get a copy that differs from it only where one of them cannot read what OpenAPI
allows, each change for a named gap, so that a call is judged on what the client sent and
what it decoded, not on a limit of the tools:

- `typed-objects`: a schema with `properties` and no `type` gets `type: object`. Prism's
  faker (json-schema-faker) writes the schema itself as the value of an untyped property
  named `properties` (Azure's `properties` envelopes), so answers miss every required field.
- `json-for-any`: a response or request body whose only media type is `*/*` is declared as
  `application/json`. Prism cannot serialise an object for `*/*` (500 "Cannot serialise"),
  and openapi-core does not decode a `*/*` body, so it checked JSON text against an object
  schema. The client sends and reads JSON for `*/*` either way.
- `fragment-routes`: a path with a fragment (AWS: `/#X-Amz-Target=Service.Action`) becomes
  `/__fragment__/X-Amz-Target=Service.Action`, and the route is listed under
  `x-conformance-fragment-routes` for the check's proxy, which sends a request for the path
  whose header has that value there. A fragment is never sent, so AWS's operations are all
  `POST /`, told apart by the header only, which neither tool can match.
- `ignored-headers`: required header parameters named `Accept`, `Content-Type` or
  `Authorization` become optional: OpenAPI says they SHALL be ignored, and the client does (the media type and
  the credentials set them), but openapi-core demands a required one.

Prints one line saying how many of each it changed.

Usage: mock_spec.py --spec FILE --out FILE
"""

import argparse
import json
import sys

import yaml

FRAGMENT_ROUTES = "x-conformance-fragment-routes"
IGNORED_HEADERS = {"accept", "content-type", "authorization"}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
SCHEMA_LISTS = ("allOf", "oneOf", "anyOf", "prefixItems")
SCHEMA_SINGLES = ("items", "additionalProperties", "not", "contains", "if", "then", "else")
SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions")


def type_objects(schema, counts, seen):
    """Adds `type: object` to every schema under `schema` that has `properties` and no type."""
    if not isinstance(schema, dict) or id(schema) in seen:
        return
    seen.add(id(schema))
    if isinstance(schema.get("properties"), dict) and "type" not in schema and "$ref" not in schema:
        schema["type"] = "object"
        counts["typed-objects"] += 1
    for key in SCHEMA_LISTS:
        for item in schema.get(key) or []:
            type_objects(item, counts, seen)
    for key in SCHEMA_SINGLES:
        type_objects(schema.get(key), counts, seen)
    for key in SCHEMA_MAPS:
        members = schema.get(key)
        if isinstance(members, dict):
            for member in members.values():
                type_objects(member, counts, seen)


def walk_schemas(node, counts, seen):
    """Finds every schema of the document (values of `schema`, `components.schemas`) and
    types its objects; examples are data, not schemas, and are left alone."""
    if isinstance(node, list):
        for item in node:
            walk_schemas(item, counts, seen)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in ("example", "examples"):
            continue
        if key == "schema":
            type_objects(value, counts, seen)
        elif key == "schemas" and isinstance(value, dict):
            for schema in value.values():
                type_objects(schema, counts, seen)
        else:
            walk_schemas(value, counts, seen)


def is_json(media):
    essence = media.split(";")[0].strip().lower()
    return essence == "application/json" or essence.endswith("+json")


def json_for_any(content, counts):
    """`*/*` as `application/json` where the body has no JSON media type of its own."""
    if not isinstance(content, dict) or "*/*" not in content:
        return
    if any(is_json(media) for media in content):
        return
    content["application/json"] = content.pop("*/*")
    counts["json-for-any"] += 1


def each_operation(spec):
    for item in (spec.get("paths") or {}).values():
        if not isinstance(item, dict):
            continue
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                yield item, operation


def bodies(spec):
    """Every `content` of a request body or response, inline or in `components`."""
    components = spec.get("components") or {}
    for body in (components.get("requestBodies") or {}).values():
        if isinstance(body, dict):
            yield body.get("content")
    for response in (components.get("responses") or {}).values():
        if isinstance(response, dict):
            yield response.get("content")
    for _, operation in each_operation(spec):
        body = operation.get("requestBody")
        if isinstance(body, dict):
            yield body.get("content")
        for response in (operation.get("responses") or {}).values():
            if isinstance(response, dict):
                yield response.get("content")


def is_ignored_header(parameter):
    return (
        isinstance(parameter, dict)
        and parameter.get("in") == "header"
        and str(parameter.get("name", "")).lower() in IGNORED_HEADERS
    )


def optional_ignored_headers(spec, counts):
    """Header parameters that OpenAPI says to ignore are made optional (where they are
    declared, inline or in `components`), so a request without them passes."""
    declared = list(((spec.get("components") or {}).get("parameters") or {}).values())
    for item, operation in each_operation(spec):
        declared.extend(item.get("parameters") or [])
        declared.extend(operation.get("parameters") or [])
    for parameter in declared:
        if is_ignored_header(parameter) and parameter.get("required"):
            parameter["required"] = False
            counts["ignored-headers"] += 1


def route_fragments(spec, counts):
    paths = spec.get("paths") or {}
    routes = []
    renamed = {}
    for path, item in paths.items():
        base, hash_mark, fragment = path.partition("#")
        header, equals, value = fragment.partition("=")
        if not hash_mark or not equals or not header:
            renamed[path] = item
            continue
        to = base.rstrip("/") + "/__fragment__/" + fragment
        renamed[to] = item
        routes.append({"path": base or "/", "header": header, "value": value, "to": to})
        counts["fragment-routes"] += 1
    spec["paths"] = renamed
    if routes:
        spec[FRAGMENT_ROUTES] = routes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--spec", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    try:
        with open(args.spec, encoding="utf-8") as file:
            text = file.read()
        try:
            spec = json.loads(text)
        except ValueError:
            loader = yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader
            spec = yaml.load(text, Loader=loader)
    except Exception as error:
        print(f"cannot read {args.spec}: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(3)
    counts = {"typed-objects": 0, "json-for-any": 0, "fragment-routes": 0, "ignored-headers": 0}
    walk_schemas(spec, counts, set())
    for content in bodies(spec):
        json_for_any(content, counts)
    optional_ignored_headers(spec, counts)
    route_fragments(spec, counts)
    with open(args.out, "w", encoding="utf-8") as file:
        json.dump(spec, file, default=str, ensure_ascii=False)
    changed = [f"{count} {name}" for name, count in counts.items() if count]
    print("mock spec: " + (", ".join(changed) if changed else "as published"))


if __name__ == "__main__":
    main()

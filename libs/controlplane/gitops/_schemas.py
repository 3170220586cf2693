"""Strict schema validation: core kinds with kubernetes-validate, CRD kinds with their schemas.

Core kinds (``v1``, ``apps/v1``, ``networking.k8s.io/v1``, ...) go through the
``kubernetes-validate`` library with ``strict=True`` (its schemas forbid unknown fields).

CRD kinds use the schemas in ``schemas/``: ``crds.json``, exported from the npm
``@kubernetes-models/argo-rollouts`` by ``build-support/crd-schemas/export.js`` (Rollout,
AnalysisTemplate, ClusterAnalysisTemplate, AnalysisRun, Experiment, and ObjectMeta), and
``upstream-crds.json`` (converted by ``python -m controlplane.gitops.crd_json`` from the upstream
CRD files vendored in ``build-support/crd-schemas/crds/``: Argo CD, external-secrets,
prometheus-operator). Those schemas are OpenAPI as the CRDs carry
them: they list properties but never forbid others, so every object schema that lists properties
and says nothing of ``additionalProperties`` gets ``additionalProperties: false`` here (objects
with no listed properties stay free-form: plugin configs, JSON bodies). ``nullable: true``
becomes a ``null`` alternative, as in OpenAPI.

A kind with no schema is itself a finding: nothing reaches the cluster unchecked.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate.utils as kubernetes_validate
from packaging.version import Version
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from controlplane.gitops._findings import Finding, field_path
from controlplane.gitops._objects import RenderedObject

SCHEMA_DIR = Path(__file__).parent / "schemas"
SCHEMA_FILES = ("crds.json", "upstream-crds.json")
DEFAULT_KUBERNETES_VERSION = "1.33"


def strict(schema: Any) -> Any:
    """A copy of an OpenAPI schema that rejects unknown fields and reads ``nullable``."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: strict(value) for key, value in schema.items()}
    properties = out.get("properties")
    if (
        isinstance(properties, dict)
        and properties
        and "additionalProperties" not in out
        and "patternProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    if out.pop("nullable", False):
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        if isinstance(out.get("enum"), list):
            out["enum"] = [*out["enum"], None]
    return out


class CrdSchemas:
    """The CRD kinds' strict validators, by ``apiVersion/Kind``."""

    def __init__(self, files: tuple[Path, ...]) -> None:
        kinds: dict[str, str] = {}
        unserved: set[str] = set()
        resources: list[tuple[str, Resource[Any]]] = []
        for path in files:
            document = json.loads(path.read_text())
            for key, entry in document["kinds"].items():
                kinds[key] = entry["id"]
                if entry.get("served") is False:
                    unserved.add(key)
            for schema_id, schema in document["schemas"].items():
                resources.append(
                    (schema_id, DRAFT7.create_resource({**strict(schema), "$id": schema_id}))
                )
        self._kinds = kinds
        self._unserved = unserved
        self._registry: Registry[Any] = Registry().with_resources(resources)

    def kinds(self) -> list[str]:
        return sorted(self._kinds)

    def served(self, api_version: str, kind: str) -> bool:
        return f"{api_version}/{kind}" not in self._unserved

    def served_versions(self, kind: str) -> list[str]:
        return sorted(
            key.rsplit("/", 1)[0]
            for key in self._kinds
            if key.rsplit("/", 1)[1] == kind and key not in self._unserved
        )

    def validator(self, api_version: str, kind: str) -> jsonschema.protocols.Validator | None:
        schema_id = self._kinds.get(f"{api_version}/{kind}")
        if schema_id is None:
            return None
        schema = self._registry.contents(schema_id)
        return jsonschema.Draft7Validator(schema, registry=self._registry)


@cache
def default_crd_schemas() -> CrdSchemas:
    return CrdSchemas(tuple(SCHEMA_DIR / name for name in SCHEMA_FILES))


def validate_object(
    obj: RenderedObject, crds: CrdSchemas, kubernetes_version: str = DEFAULT_KUBERNETES_VERSION
) -> list[Finding]:
    validator = crds.validator(obj.api_version, obj.kind)
    if validator is not None:
        errors = list(validator.iter_errors(obj.manifest))
    else:
        core = _core_validator(obj.api_version, obj.kind, kubernetes_version)
        if core is None:
            return [
                _finding(
                    obj,
                    "",
                    f"no schema for {obj.api_version} {obj.kind}: neither a Kubernetes "
                    f"{kubernetes_version} kind nor one of the CRD schemas "
                    f"({', '.join(crds.kinds())})",
                )
            ]
        errors = list(core.iter_errors(obj.manifest))
    findings: list[Finding] = []
    if validator is not None and not crds.served(obj.api_version, obj.kind):
        findings.append(
            _finding(
                obj,
                "apiVersion",
                f"{obj.api_version} {obj.kind} is no longer served by the CRD; use "
                f"{' or '.join(crds.served_versions(obj.kind)) or 'a served version'}",
            )
        )
    for error in errors:
        findings.extend(_describe(obj, error))
    return sorted(set(findings))


@cache
def _core_validator(
    api_version: str, kind: str, kubernetes_version: str
) -> jsonschema.protocols.Validator | None:
    """kubernetes-validate's strict schema for a core kind, as its ``validate(strict=True)``
    loads it, kept: its ``validate()`` re-reads the whole definitions file on every call, and
    stops at the first error where ``iter_errors`` gives them all."""
    available = [
        v
        for v in kubernetes_validate.all_versions()
        if Version(v) <= Version(kubernetes_validate.major_minor(kubernetes_version) + ".99")
    ]
    if not available:
        raise kubernetes_validate.VersionNotSupportedError(kubernetes_version)
    folder = f"kubernetes-json-schema/v{available[-1]}-local-strict"
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = kubernetes_validate.schema_contents(
            f"{folder}/{kind.lower()}-{group_version}.json", kubernetes_version
        )
    except FileNotFoundError:
        return None
    definitions = kubernetes_validate.schema_contents(f"{folder}/_definitions.json", "")
    registry: Registry[Any] = Resource.from_contents(schema) @ Registry()
    registry = Resource.from_contents(definitions) @ registry
    return jsonschema.Draft202012Validator(schema, registry=registry)


def _leaves(error: jsonschema.ValidationError) -> Iterator[jsonschema.ValidationError]:
    """Into oneOf/anyOf: the errors of the alternative that is not the bare ``null``."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        branches: dict[int, list[jsonschema.ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(int(sub.schema_path[0]), []).append(sub)
        candidates = [
            subs
            for subs in branches.values()
            if not all(s.validator == "type" and s.validator_value == "null" for s in subs)
        ]
        if len(candidates) == 1:
            for sub in candidates[0]:
                yield from _leaves(sub)
            return
    yield error


def _describe(obj: RenderedObject, error: jsonschema.ValidationError) -> Iterator[Finding]:
    for leaf in _leaves(error):
        path = list(leaf.absolute_path)
        if leaf.validator == "additionalProperties" and isinstance(leaf.instance, dict):
            known = set(
                (leaf.schema.get("properties") or {}) if isinstance(leaf.schema, dict) else {}
            )
            for key in sorted(set(leaf.instance) - known):
                close = difflib.get_close_matches(str(key), sorted(known), n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                yield _finding(obj, field_path([*path, key]), f"unknown field {key!r}{hint}")
        elif leaf.validator == "required":
            yield _finding(obj, field_path(path), leaf.message)
        else:
            yield _finding(obj, field_path(path), _short(leaf.message))


def _short(message: str) -> str:
    return message if len(message) <= 300 else message[:297] + "..."


def _finding(obj: RenderedObject, field: str, message: str) -> Finding:
    return Finding(obj.file, obj.ref, field, message, "schema")

"""Edits to an overlay's ``kustomization.yaml`` that release, promote or abort a canary: pure
functions from the file's text to the new text, so every edit is checked before it is written.

    text = set_image(text, "orchestrator", ImageRef.parse("2026.11.30-ab12cd3"))
    read_overlay(text, "orchestrator").image           # 'ghcr.io/...:2026.11.30-ab12cd3'

What the overlay holds (all of it plain kustomize, so ``kubectl kustomize`` renders it):

- ``images:`` the service's image (``newTag`` and/or ``digest``): a new one starts a canary;
- the Kustomization's own ``metadata.annotations`` (kustomize never copies them onto objects, so
  the pod template, and with it Argo's pod-template hash, does not change):
  ``frontdesk.dev/stable-image`` (what ``abort`` returns to), ``frontdesk.dev/canary-image`` (the
  image under canary, set by ``set-image``, cleared by ``promote`` and ``abort``),
  ``frontdesk.dev/aborted`` (the image last aborted);
- nothing else: ``promote`` records that the canary's image is now the stable one. Argo
  Rollouts promotes by itself once every step's analysis passed; no field of a Rollout's spec
  skips steps (only its status does, which git does not write), and ``frontdesk gitops
  validate`` requires every Rollout to carry all of the canary component's steps.

``abort`` writes the stable image back: the pod template then matches the stable ReplicaSet, and
Argo Rollouts goes straight back to it ("Rollback to stable ReplicaSets"), scaling the canary
down. The file is edited as text so its comments stay; the result is parsed again and must
equal the intended change exactly, or nothing is written.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

import yaml

STABLE = "frontdesk.dev/stable-image"
CANARY = "frontdesk.dev/canary-image"
ABORTED = "frontdesk.dev/aborted"

_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


class RolloutError(ValueError):
    """A release cannot be made as asked: the message says what to change."""


@dataclass(frozen=True)
class ImageRef:
    """A tag, a digest, or both (``tag@sha256:…``), as kustomize's ``newTag`` / ``digest``."""

    tag: str = ""
    digest: str = ""

    @classmethod
    def parse(cls, text: str) -> ImageRef:
        text = text.strip()
        tag, _, digest = text.partition("@") if "@" in text else ("", "", "")
        if not digest:
            tag, digest = ("", text) if text.startswith("sha256:") else (text, "")
        if digest and not _DIGEST.fullmatch(digest):
            raise RolloutError(f"{digest!r} is not a digest (sha256: and 64 lowercase hex digits)")
        if tag and not _TAG.fullmatch(tag):
            raise RolloutError(f"{tag!r} is not an image tag (letters, digits, _ . -; 128 at most)")
        if tag == "latest":
            raise RolloutError("`latest` moves: give an immutable tag or a digest")
        if not tag and not digest:
            raise RolloutError("no tag or digest given")
        return cls(tag, digest)

    def render(self, name: str) -> str:
        tag = f":{self.tag}" if self.tag else ""
        return name + tag + (f"@{self.digest}" if self.digest else "")


@dataclass(frozen=True)
class OverlayState:
    """What an overlay says about its service's release."""

    image: str
    stable_image: str
    canary_image: str
    aborted: str


def _load(text: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise RolloutError(f"not YAML: {error}") from error
    if not isinstance(data, dict) or data.get("kind") != "Kustomization":
        raise RolloutError("not a kustomization (kind: Kustomization)")
    return data


def _is_service_image(name: str, service: str) -> bool:
    """``frontdesk/llm-router`` is llm_router's image (image names use dashes)."""
    return name.strip("'\"").split("/")[-1] in {service, service.replace("_", "-")}


def _image_entry(data: dict[str, Any], service: str) -> dict[str, Any]:
    entries = [e for e in data.get("images") or [] if isinstance(e, dict)]
    for entry in entries:
        if _is_service_image(str(entry.get("name", "")), service):
            return entry
    raise RolloutError(f"no images: entry for {service} (name ending in /{service})")


def _image(entry: dict[str, Any]) -> str:
    name = str(entry.get("newName") or entry.get("name"))
    ref = ImageRef(str(entry.get("newTag") or ""), str(entry.get("digest") or ""))
    return ref.render(name)


def read_overlay(text: str, service: str) -> OverlayState:
    data = _load(text)
    annotations = (data.get("metadata") or {}).get("annotations") or {}
    return OverlayState(
        image=_image(_image_entry(data, service)),
        stable_image=str(annotations.get(STABLE, "")),
        canary_image=str(annotations.get(CANARY, "")),
        aborted=str(annotations.get(ABORTED, "")),
    )


# --- text edits ------------------------------------------------------------------------------


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _top_block(lines: list[str], key: str) -> tuple[int, int] | None:
    """[start, end) of a top-level ``key:`` and its indented body (trailing blanks excluded)."""
    for index, line in enumerate(lines):
        if re.match(rf"^{re.escape(key)}:(\s|$)", line):
            end = index + 1
            while end < len(lines) and (
                not _content(lines[end]) or _indent(lines[end]) > 0 or lines[end].startswith("- ")
            ):
                end += 1
            while end > index + 1 and not _content(lines[end - 1]):
                end -= 1
            return index, end
    return None


def _edit_image(lines: list[str], service: str, ref: ImageRef) -> list[str]:
    block = _top_block(lines, "images")
    if block is None:
        raise RolloutError("no images: list")
    start, end = block
    for index in range(start + 1, end):
        found = re.match(r"^(\s*)- name:\s*(\S+)", lines[index])
        if not found or not _is_service_image(found.group(2), service):
            continue
        key_indent = len(found.group(1)) + 2
        stop = index + 1
        while stop < end and (not _content(lines[stop]) or _indent(lines[stop]) >= key_indent):
            stop += 1
        body = [
            line for line in lines[index + 1 : stop] if not re.match(r"^\s*(newTag|digest):", line)
        ]
        added = [" " * key_indent + f"newTag: {_quote(ref.tag)}"] if ref.tag else []
        if ref.digest:
            added.append(" " * key_indent + f"digest: {ref.digest}")
        while body and not _content(body[-1]):
            body.pop()
        return [*lines[: index + 1], *body, *added, *lines[stop:]]
    raise RolloutError(f"no images: entry for {service}")


def _quote(tag: str) -> str:
    """A tag YAML would read as a number or a boolean is quoted (``1.10`` must stay a string)."""
    return f"'{tag}'" if not isinstance(yaml.safe_load(tag), str) else tag


def _set_annotations(lines: list[str], annotations: dict[str, str]) -> list[str]:
    """Rewrites the Kustomization's top-level ``metadata:`` (name kept) with ``annotations``."""
    block = _top_block(lines, "metadata")
    name = ""
    if block is not None:
        existing = yaml.safe_load("\n".join(lines[block[0] : block[1]])) or {}
        metadata = existing.get("metadata") or {}
        name = str(metadata.get("name", ""))
        if set(metadata) - {"name", "annotations"}:
            raise RolloutError("metadata: holds more than name and annotations; edit it by hand")
        lines = [*lines[: block[0]], *lines[block[1] :]]
    new: list[str] = []
    if name or annotations:
        new.append("metadata:")
        if name:
            new.append(f"  name: {name}")
        if annotations:
            new.append("  annotations:")
            new.extend(f"    {key}: {_quoted(value)}" for key, value in sorted(annotations.items()))
    at = next((i + 1 for i, line in enumerate(lines) if re.match(r"^kind:\s", line)), None)
    if at is None:
        raise RolloutError("no kind: line")
    return [*lines[:at], *new, *lines[at:]]


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _apply(
    text: str,
    service: str,
    *,
    ref: ImageRef | None,
    annotations: dict[str, str],
) -> str:
    data = _load(text)
    lines = text.splitlines()
    if ref is not None:
        lines = _edit_image(lines, service, ref)
    lines = _set_annotations(lines, annotations)
    new_text = "\n".join(lines) + "\n"

    expected = copy.deepcopy(data)
    if ref is not None:
        entry = _image_entry(expected, service)
        entry.pop("newTag", None)
        entry.pop("digest", None)
        if ref.tag:
            entry["newTag"] = ref.tag
        if ref.digest:
            entry["digest"] = ref.digest
    metadata = {k: v for k, v in (expected.get("metadata") or {}).items() if k == "name"}
    if annotations:
        metadata["annotations"] = dict(annotations)
    expected.pop("metadata", None)
    if metadata:
        expected["metadata"] = metadata
    if _load(new_text) != expected:
        raise RolloutError("could not make exactly this change to the file; edit it by hand")
    return new_text


def _annotations(text: str) -> dict[str, str]:
    metadata = _load(text).get("metadata") or {}
    return {str(k): str(v) for k, v in (metadata.get("annotations") or {}).items()}


def set_image(text: str, service: str, ref: ImageRef) -> str:
    """A new image: a canary of it starts when Argo CD syncs. The image it replaces becomes the
    stable one, unless a canary was already under way (then the stable image stays)."""
    state = read_overlay(text, service)
    annotations = _annotations(text)
    name = _image(_image_entry(_load(text), service)).split("@")[0]
    name = name.rsplit(":", 1)[0] if ":" in name.rsplit("/", 1)[-1] else name
    new_image = ref.render(name)
    if new_image == state.image:
        raise RolloutError(f"{service} already runs {new_image}")
    if not state.canary_image:
        annotations[STABLE] = state.image
    annotations[CANARY] = new_image
    annotations.pop(ABORTED, None)
    return _apply(
        text,
        service,
        ref=ref,
        annotations=annotations,
    )


def promote(text: str, service: str) -> str:
    """The canary's image becomes the stable one (what a later abort returns to)."""
    state = read_overlay(text, service)
    if not state.canary_image:
        raise RolloutError(
            f"{service}: no canary under way to promote (set-image starts one); "
            f"it runs {state.image}"
        )
    annotations = _annotations(text)
    annotations[STABLE] = state.image
    annotations.pop(CANARY, None)
    return _apply(text, service, ref=None, annotations=annotations)


def abort(text: str, service: str) -> str:
    """Back to the stable image; the canary's pods go."""
    state = read_overlay(text, service)
    if not state.canary_image:
        raise RolloutError(f"{service}: no canary under way to abort; it runs {state.image}")
    if not state.stable_image:
        raise RolloutError(f"{service}: no {STABLE} annotation: cannot tell what to go back to")
    stable_ref = ImageRef.parse(_ref_part(state.stable_image))
    annotations = _annotations(text)
    annotations.pop(CANARY, None)
    annotations[ABORTED] = state.image
    return _apply(
        text,
        service,
        ref=stable_ref,
        annotations=annotations,
    )


def _ref_part(image: str) -> str:
    """``registry/name:tag@digest`` -> ``tag@digest``."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    return f"{tag}@{digest}" if tag and digest else (digest or tag)

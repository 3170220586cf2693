"""The labelled utterance corpora under ``tests/corpus/`` (format: ``tests/corpus/README.md``).

Intents: one TSV file per speaking style, ``intent<TAB>slots<TAB>utterance``, slots as
``key=value,key=value`` or ``-``; ``#`` lines are comments. Consent: the same with ``label``
first and no slots column. Which styles are held out is listed in ``heldout.txt`` next to the
files: those files are never trained on nor tuned on. Files named ``blind_*.tsv`` are blind sets,
written before the model ever read them: ``load`` leaves them out (nothing trains, tunes or
reports them as dev); ``load(folder, blind=True)`` reads only them, for an honest figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Example:
    """One labelled utterance."""

    text: str
    label: str
    style: str
    heldout: bool
    slots: dict[str, str] = field(default_factory=dict)
    line: int = 0


class CorpusError(ValueError):
    """A corpus file that does not follow the format: the message names file and line."""


def repo_root(start: Path | None = None) -> Path:
    """The checkout's root: the nearest folder above ``start`` holding ``pyproject.toml``."""
    here = (start or Path(__file__)).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "tests").is_dir():
            return folder
    raise CorpusError(f"no checkout root (pyproject.toml + tests/) above {here}")


def heldout_styles(folder: Path) -> frozenset[str]:
    listing = folder / "heldout.txt"
    if not listing.is_file():
        raise CorpusError(f"{listing}: missing (one held-out style name per line)")
    names = (line.split("#")[0].strip() for line in listing.read_text().splitlines())
    return frozenset(name for name in names if name)


BLIND_PREFIX = "blind_"


def is_blind(path: Path) -> bool:
    return path.stem.startswith(BLIND_PREFIX)


def training_files(folder: Path) -> list[Path]:
    """The corpus files a model may learn from: neither held out nor blind, in name order."""
    heldout = heldout_styles(folder)
    return [p for p in sorted(folder.glob("*.tsv")) if p.stem not in heldout and not is_blind(p)]


def _slots(raw: str, where: str) -> dict[str, str]:
    if raw.strip() in ("", "-"):
        return {}
    slots: dict[str, str] = {}
    for pair in raw.split(","):
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise CorpusError(f"{where}: slot {pair!r} is not key=value")
        slots[key.strip()] = value.strip()
    return slots


def load(folder: Path, *, with_slots: bool = True, blind: bool = False) -> list[Example]:
    """Every example of the ``*.tsv`` files of ``folder``, files in name order: the dev and
    held-out styles, or (``blind=True``) only the blind sets."""
    heldout = heldout_styles(folder)
    files = [p for p in sorted(folder.glob("*.tsv")) if is_blind(p) == blind]
    if not files:
        raise CorpusError(f"{folder}: no {'blind_' if blind else ''}*.tsv files")
    unknown = heldout - {path.stem for path in files}
    if unknown and not blind:
        raise CorpusError(f"{folder}/heldout.txt names styles without a file: {sorted(unknown)}")
    examples: list[Example] = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            where = f"{path}:{number}"
            columns = line.split("\t")
            expected = 3 if with_slots else 2
            if len(columns) != expected:
                raise CorpusError(f"{where}: {len(columns)} tab-separated columns, not {expected}")
            label, text = columns[0].strip(), columns[-1].strip()
            if not label or not text:
                raise CorpusError(f"{where}: empty label or utterance")
            slots = _slots(columns[1], where) if with_slots else {}
            examples.append(Example(text, label, path.stem, path.stem in heldout, slots, number))
    return examples

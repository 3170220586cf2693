"""Regenerates the protobuf and gRPC code under ``libs/frontdesk/v1`` from ``protos/``.

Run ``python -m frontdesk.codegen`` after editing a ``.proto`` file and commit the result.
``python -m frontdesk.codegen --check`` exits non-zero when the committed code is stale.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROTO_ROOT = ROOT / "protos"
OUT_PACKAGE = ROOT / "libs" / "frontdesk" / "v1"
PACKAGE_DOC = (
    '"""Generated protobuf and gRPC code for frontdesk.v1: do not edit; see frontdesk.codegen."""\n'
)


def generate(out_root: Path) -> Path:
    """Generates code for every proto under protos/ into ``out_root``; returns the v1 folder."""
    from grpc_tools import protoc  # dev dependency: imported here so the runtime never needs it

    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in PROTO_ROOT.rglob("*.proto"))
    well_known = Path(protoc.__file__).parent / "_proto"
    scripts = Path(sysconfig.get_path("scripts"))
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"--python_out={out_root}",
        f"--grpc_python_out={out_root}",
        f"--plugin=protoc-gen-mypy={scripts / 'protoc-gen-mypy'}",
        f"--plugin=protoc-gen-mypy_grpc={scripts / 'protoc-gen-mypy_grpc'}",
        f"--mypy_out={out_root}",
        f"--mypy_grpc_out={out_root}",
        *protos,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed; see the messages above")
    v1 = out_root / "frontdesk" / "v1"
    (v1 / "__init__.py").write_text(PACKAGE_DOC)
    (v1 / "py.typed").write_text("")
    return v1


def _differences(generated: Path, committed: Path) -> list[str]:
    names = {p.name for p in generated.iterdir()} | {
        p.name for p in committed.iterdir() if p.is_file() and p.suffix in {".py", ".pyi", ".typed"}
    }
    return sorted(
        name
        for name in names
        if not (committed / name).exists()
        or not (generated / name).exists()
        or not filecmp.cmp(generated / name, committed / name, shallow=False)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed code is stale")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        generated = generate(Path(tmp))
        if args.check:
            stale = _differences(generated, OUT_PACKAGE)
            if stale:
                print(
                    "stale generated code, run `python -m frontdesk.codegen`:", *stale, sep="\n  "
                )
                return 1
            print("generated code is up to date")
            return 0
        # The package's BUILD file is written by hand (Pants); everything else is generated.
        build_file = OUT_PACKAGE / "BUILD"
        kept = build_file.read_bytes() if build_file.exists() else None
        shutil.rmtree(OUT_PACKAGE, ignore_errors=True)
        shutil.copytree(generated, OUT_PACKAGE)
        if kept is not None:
            build_file.write_bytes(kept)
    print(f"wrote {OUT_PACKAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

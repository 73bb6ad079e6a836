"""Model artifacts: safetensors weights + JSON, one folder per model version, written atomically.

Layout: `<artifacts root>/<model>/<version>/` holding `weights.safetensors`, `meta.json` and any
extra files (tokenizer files, plots). The folder is built under a temporary name beside its final
place and renamed into place in one step, so a reader never sees half an artifact. Nothing is
pickled: loading needs only safetensors, json and the model's own class.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported where weights are read or written: load_meta needs only json
    import duckdb
    import torch

WEIGHTS = "weights.safetensors"
META = "meta.json"
ARTIFACTS_DIR = "artifacts"
"""The home's folder of artifacts (`RiskHome.artifacts`): where `locate` re-roots a moved home's paths."""


def save_artifact(
    root: Path,
    model: str,
    version: str,
    tensors: Mapping[str, torch.Tensor],
    meta: Mapping[str, object],
    extra_files: Mapping[str, Path | bytes | str] | None = None,
) -> Path:
    """Write one model version and return its folder `root/model/version`.

    Args:
        tensors: name -> tensor (a state_dict); stored contiguous, on the CPU.
        meta: JSON-serialisable metadata (feature spec, encoders, calibration, metrics, lineage).
        extra_files: relative file name -> a path to copy (file or folder), or bytes/str content.

    Raises:
        FileExistsError: that version already exists (versions are immutable).
    """
    final = Path(root) / model / version
    if final.exists():
        raise FileExistsError(f"artifact {final} already exists; versions are immutable")
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{version}.", dir=final.parent))
    try:
        from safetensors.torch import save_file

        save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, str(staging / WEIGHTS))
        (staging / META).write_text(json.dumps(meta, indent=2, sort_keys=True, default=str))
        for name, content in (extra_files or {}).items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, Path):
                if content.is_dir():
                    shutil.copytree(content, target)
                else:
                    shutil.copyfile(content, target)
            elif isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content)
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def load_artifact(folder: Path) -> tuple[dict[str, torch.Tensor], dict[str, object]]:
    """(tensors, meta) of an artifact folder written by `save_artifact`.

    Raises:
        FileNotFoundError: the folder lacks weights.safetensors or meta.json.
    """
    folder = Path(folder)
    if not (folder / WEIGHTS).exists():
        raise FileNotFoundError(f"{folder / WEIGHTS}: not a model artifact (missing {WEIGHTS})")
    from safetensors.torch import load_file

    return load_file(str(folder / WEIGHTS)), load_meta(folder)


def locate(con: duckdb.DuckDBPyConnection, stored: str | Path) -> Path:
    """The artifact folder a registry row names (`ml.model_registry.artifact_path`, stored absolute),
    found in the lake's own home.

    `stored` itself when it exists. Else, in a lake home that has moved (copied to another disk,
    restored from a backup, RISK_HOME renamed), the same `artifacts/<model>/<version>` path under
    the folder of the lake file `con` has open, when that exists. Else `stored` unchanged, so the
    caller's error names the folder the registry recorded.
    """
    path = Path(stored)
    if path.exists() or ARTIFACTS_DIR not in path.parts:
        return path
    (lake_file,) = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
                               ).fetchone() or (None,)
    if not lake_file:  # an in-memory lake has no home
        return path
    tail = path.parts[len(path.parts) - 1 - path.parts[::-1].index(ARTIFACTS_DIR):]
    moved = Path(lake_file).parent.joinpath(*tail)
    return moved if moved.exists() else path


def load_meta(folder: Path) -> dict[str, object]:
    """The meta.json of an artifact folder, without its weights.

    Raises:
        FileNotFoundError: the folder lacks meta.json.
    """
    folder = Path(folder)
    if not (folder / META).exists():
        raise FileNotFoundError(f"{folder / META}: not a model artifact (missing {META})")
    return json.loads((folder / META).read_text())

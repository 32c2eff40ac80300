"""Refresh the vendored caniemail data (rules/clients/data/) from the `caniemail` npm package.

    python scripts/refresh_caniemail.py            # the latest published version
    python scripts/refresh_caniemail.py 2.0.2      # a given version

Uses the npm client (`npm pack`) in a temporary folder; nothing is installed and
no node_modules is left behind. Writes caniemail.json, LICENSE (MIT, from the
package) and VERSION (package version, data date, refresh date). The data is
read at lint time from these files only: oopslint never fetches it.
Run the CMP tests afterwards: verdicts may change with the data.
"""

from __future__ import annotations

import datetime as _dt
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[1] / "rules" / "clients" / "data"
PACKAGE = "caniemail"


def _check(data: dict) -> None:
    """Refuse data this code cannot read, rather than vendor it."""
    if not isinstance(data.get("data"), list) or not data["data"]:
        raise SystemExit("refusing: no 'data' list in caniemail.json")
    for item in data["data"]:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("slug"), str)
            or not isinstance(item.get("stats"), dict)
        ):
            raise SystemExit(f"refusing: a feature without slug or stats: {str(item)[:120]}")
    families = (data.get("nicenames") or {}).get("family")
    if not isinstance(families, dict):
        raise SystemExit("refusing: no nicenames.family table")


def main() -> None:
    version = sys.argv[1] if len(sys.argv) > 1 else "latest"
    if shutil.which("npm") is None:
        raise SystemExit("npm is not installed: install Node.js and npm, then run this again")
    with tempfile.TemporaryDirectory(prefix="caniemail-") as folder:
        packed = subprocess.run(
            ["npm", "pack", "--silent", f"{PACKAGE}@{version}"], cwd=folder, capture_output=True, text=True, timeout=300
        )
        if packed.returncode != 0:
            raise SystemExit(f"npm pack {PACKAGE}@{version} failed: {packed.stderr.strip()}")
        tarball = Path(folder) / packed.stdout.strip().splitlines()[-1]
        with tarfile.open(tarball) as archive:
            members = {m.name: m for m in archive.getmembers()}

            def read(name: str) -> bytes:
                member = members.get(f"package/{name}")
                handle = archive.extractfile(member) if member is not None else None
                if handle is None:
                    raise SystemExit(f"{tarball.name} has no {name}")
                return handle.read()

            package = json.loads(read("package.json"))
            raw = read("data/caniemail.json")
            licence = read("LICENSE")
    data = json.loads(raw)
    _check(data)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    (DATA_DIR / "caniemail.json").write_bytes(raw)
    (DATA_DIR / "LICENSE").write_bytes(licence)
    today = _dt.datetime.now(_dt.UTC).date().isoformat()
    (DATA_DIR / "VERSION").write_text(
        f"source: npm package {PACKAGE} {package['version']} (https://www.npmjs.com/package/{PACKAGE}, "
        "data/caniemail.json)\n"
        f"data: caniemail.com api_version {data.get('api_version')}, last_update_date {data.get('last_update_date')}\n"
        f"licence: {package.get('license', 'MIT')} (LICENSE beside this file)\n"
        f"refreshed: {today} by scripts/refresh_caniemail.py\n",
        encoding="utf-8",
    )
    print(
        f"vendored {PACKAGE} {package['version']}: {len(data['data'])} features, "
        f"data of {data.get('last_update_date')} -> {DATA_DIR}"
    )


if __name__ == "__main__":
    main()

"""Copy the pinned browser libraries the maps embed from their npm packages into layers/vendor/.

The versions are pinned in scripts/vendor/package.json and locked, with the registry's sha512
integrity of each package, in scripts/vendor/package-lock.json. This script installs exactly
that lock (``npm ci --ignore-scripts``), copies the files the maps use and each package's licence
into ``layers/vendor/<package>/``, derives the Font Awesome solid icon table (name -> width,
height, SVG path) from the package's own metadata, and writes ``layers/vendor/manifest.json``:
per package its version, lock integrity, licence and homepage; per file where it came from,
its size, its SRI sha384 and its jsDelivr URL (used by ``--assets cdn`` pages).

Nothing under layers/vendor/ is edited by hand: change a version in package.json, run
``npm install --package-lock-only --prefix scripts/vendor`` and then this script.

    python scripts/vendor_assets.py            # install the lock, copy, write the manifest
    python scripts/vendor_assets.py --check    # fail when layers/vendor/ differs from the lock
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NPM_DIR = ROOT / "scripts" / "vendor"
VENDOR = ROOT / "layers" / "vendor"
CDN = "https://cdn.jsdelivr.net/npm/{package}@{version}/{path}"
FONTAWESOME = "@fortawesome/fontawesome-free"

# package -> (directory under layers/vendor, files to copy: (path in the package, path in the
# vendor directory)). Only what the pages use: Leaflet, the fullscreen and minimap controls,
# Supercluster, and the images their stylesheets point at (inlined as data: URIs in self-contained pages).
PACKAGES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "leaflet": (
        "leaflet",
        [
            ("dist/leaflet.js", "leaflet.js"),
            ("dist/leaflet.css", "leaflet.css"),
            ("dist/images/layers.png", "images/layers.png"),
            ("dist/images/layers-2x.png", "images/layers-2x.png"),
            ("dist/images/marker-icon.png", "images/marker-icon.png"),
            ("dist/images/marker-icon-2x.png", "images/marker-icon-2x.png"),
            ("dist/images/marker-shadow.png", "images/marker-shadow.png"),
            ("LICENSE", "LICENSE"),
        ],
    ),
    "leaflet.fullscreen": (
        "leaflet.fullscreen",
        [
            ("Control.FullScreen.js", "Control.FullScreen.js"),
            ("Control.FullScreen.css", "Control.FullScreen.css"),
            ("icon-fullscreen.svg", "icon-fullscreen.svg"),
            ("LICENSE", "LICENSE"),
        ],
    ),
    "leaflet-minimap": (
        "leaflet-minimap",
        [
            ("dist/Control.MiniMap.min.js", "Control.MiniMap.min.js"),
            ("dist/Control.MiniMap.min.css", "Control.MiniMap.min.css"),
            ("dist/images/toggle.svg", "images/toggle.svg"),
            ("dist/images/toggle.png", "images/toggle.png"),
            ("LICENSE.txt", "LICENSE.txt"),
        ],
    ),
    # Mapbox's point clustering (its build bundles kdbush, also ISC): the clusters of layers/cluster.js.
    "supercluster": (
        "supercluster",
        [("dist/supercluster.min.js", "supercluster.min.js"), ("LICENSE", "LICENSE")],
    ),
    FONTAWESOME: ("fontawesome-free", [("LICENSE.txt", "LICENSE.txt")]),
}
ICONS = "fontawesome-free/solid-icons.json.gz"
ICONS_SOURCE = "metadata/icon-families.json"


def sri(data: bytes) -> str:
    """Subresource-integrity string (sha384) of `data`."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")


def solid_icons(metadata: dict) -> dict:
    """The free solid icons of Font Awesome: ``{"icons": {name: [w, h, path]}, "aliases": {old: name}}``."""
    icons: dict[str, list] = {}
    aliases: dict[str, str] = {}
    for name, entry in sorted(metadata.items()):
        free = entry.get("familyStylesByLicense", {}).get("free", [])
        if {"family": "classic", "style": "solid"} not in free:
            continue
        svg = entry["svgs"]["classic"]["solid"]
        icons[name] = [int(svg["width"]), int(svg["height"]), svg["path"]]
        for alias in entry.get("aliases", {}).get("names", []):
            aliases[alias] = name
    aliases = {old: new for old, new in aliases.items() if old not in icons}
    return {"icons": icons, "aliases": aliases}


def build(node_modules: Path) -> dict[str, bytes]:
    """Return ``{path under layers/vendor: content}`` of every vendored file, manifest included."""
    lock = json.loads((NPM_DIR / "package-lock.json").read_text(encoding="utf-8"))
    wanted = json.loads((NPM_DIR / "package.json").read_text(encoding="utf-8"))["dependencies"]
    out: dict[str, bytes] = {}
    manifest: dict = {
        "generated_by": "scripts/vendor_assets.py from scripts/vendor/package-lock.json",
        "packages": {},
    }
    for package, (directory, files) in PACKAGES.items():
        locked = lock["packages"][f"node_modules/{package}"]
        installed = json.loads((node_modules / package / "package.json").read_text(encoding="utf-8"))
        if not (locked["version"] == installed["version"] == wanted[package]):
            sys.exit(
                f"{package}: package.json {wanted[package]}, lock {locked['version']}, "
                f"installed {installed['version']}; run npm install --package-lock-only first"
            )
        record: dict = {
            "version": locked["version"],
            "integrity": locked["integrity"],
            "license": locked.get("license") or installed.get("license"),
            "homepage": installed.get("homepage", ""),
            "files": {},
        }
        for source, target in files:
            data = (node_modules / package / source).read_bytes()
            path = f"{directory}/{target}"
            out[path] = data
            record["files"][path] = {
                "from": source,
                "bytes": len(data),
                "sha384": sri(data),
                "cdn": CDN.format(package=package, version=locked["version"], path=source),
            }
            if target.startswith(("LICENSE", "LICENCE")):
                record["license_file"] = path
        if package == FONTAWESOME:
            metadata = json.loads((node_modules / package / ICONS_SOURCE).read_text(encoding="utf-8"))
            table = json.dumps(solid_icons(metadata), separators=(",", ":"), sort_keys=True).encode()
            data = gzip.compress(table, mtime=0)  # 0.85 MB of JSON; reproducible bytes
            out[ICONS] = data
            record["files"][ICONS] = {
                "from": f"{ICONS_SOURCE} (free classic solid icons: width, height, path; aliases)",
                "bytes": len(data),
                "sha384": sri(data),
            }
        manifest["packages"][package] = record
    out["manifest.json"] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="compare layers/vendor/ with the lock")
    parser.add_argument("--no-install", action="store_true", help="use scripts/vendor/node_modules as is")
    args = parser.parse_args(argv)
    if not args.no_install:
        subprocess.run(
            ["npm", "ci", "--prefix", str(NPM_DIR), "--ignore-scripts", "--no-audit", "--no-fund"],
            check=True,
        )
    files = build(NPM_DIR / "node_modules")
    present = (
        {str(p.relative_to(VENDOR)) for p in VENDOR.rglob("*") if p.is_file()} if VENDOR.exists() else set()
    )
    if args.check:
        stale = sorted(
            p for p, data in files.items() if not (VENDOR / p).is_file() or (VENDOR / p).read_bytes() != data
        )
        extra = sorted(present - set(files))
        for path in stale:
            print(f"differs from the lock: layers/vendor/{path}")
        for path in extra:
            print(f"not from the lock: layers/vendor/{path}")
        return int(bool(stale or extra))
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    for path, data in files.items():
        target = VENDOR / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    print(f"wrote {len(files)} files to {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

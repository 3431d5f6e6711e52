"""Write the per-version list of changed numbers into CHANGELOG.md (generated, not typed).

    python scripts/changelog_numbers.py                       # releases/*/results.json only
    python scripts/changelog_numbers.py --current _build/html/results.json   # + unreleased changes
    python scripts/changelog_numbers.py --store 0.2.0 _build/html/results.json   # keep a release's baseline

``--store`` copies a built book's results.json to releases/<version>/results.json (do it when you
release a version); the sections are then rewritten between the markers in CHANGELOG.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis import releases  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--releases", type=Path, default=ROOT / "releases")
    parser.add_argument("--changelog", type=Path, default=ROOT / "CHANGELOG.md")
    parser.add_argument("--current", type=Path, help="a freshly built results.json (unreleased changes)")
    parser.add_argument("--store", nargs=2, metavar=("VERSION", "RESULTS_JSON"))
    args = parser.parse_args(argv)
    if args.store:
        version, source = args.store
        releases.load_results(Path(source))  # refuse a broken file before storing it
        target = args.releases / version / "results.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        print(f"stored {source} as {target}")
    text = releases.release_sections(args.releases, args.current)
    args.changelog.write_text(releases.update_changelog(args.changelog, text), encoding="utf-8")
    print(f"updated {args.changelog}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

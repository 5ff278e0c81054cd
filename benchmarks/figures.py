"""The project's measured figures, kept in one file that the README and docs take them from.

    .venv/bin/python benchmarks/figures.py           # copy docs/figures.json into the marked prose
    .venv/bin/python benchmarks/figures.py --check   # list prose that disagrees with it (exit 1)

A benchmark calls `record({key: text, ...}, command)` after measuring: each figure is stored in
docs/figures.json with the command that made it and the date, and every span of README.md and
docs/*.md marked `<!--fig:KEY-->text<!--/fig-->` is rewritten to the figure's text. So a figure
appears in prose only through its key, and a test fails when a marked span was edited by hand.
"""
from __future__ import annotations

import argparse
import datetime
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIGURES_FILE = Path("docs") / "figures.json"
SPAN = re.compile(r"<!--fig:([\w.-]+)-->(.*?)<!--/fig-->", re.DOTALL)


def load(root: Path = ROOT) -> dict[str, dict[str, str]]:
    """key -> {"text", "command", "measured"}."""
    path = root / FIGURES_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def record(figures: dict[str, str], command: str, root: Path = ROOT) -> None:
    """Store freshly measured figures (key -> the text prose shows) and update the docs."""
    table = load(root)
    today = datetime.date.today().isoformat()
    for key, text in figures.items():
        table[key] = {"text": text, "command": command, "measured": today}
    path = root / FIGURES_FILE
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(dict(sorted(table.items())), indent=2, ensure_ascii=False) + "\n")
    partial.replace(path)
    updated = sync_docs(root)
    print(f"\n{len(figures)} figures recorded in {FIGURES_FILE}" +
          (f"; updated {', '.join(str(p.relative_to(root)) for p in updated)}" if updated else ""))


def documents(root: Path = ROOT) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def sync_docs(root: Path = ROOT) -> list[Path]:
    """Rewrite every marked span to its figure's text; returns the files changed."""
    table, changed = load(root), []
    for path in documents(root):
        text = path.read_text()
        new = SPAN.sub(lambda m: _span(m.group(1), table[m.group(1)]["text"]) if m.group(1) in table else m.group(0),
                       text)
        if new != text:
            path.write_text(new)
            changed.append(path)
    return changed


def check_docs(root: Path = ROOT) -> list[str]:
    """Each marked span whose text is not its figure's, or whose key has no figure."""
    table, problems = load(root), []
    for path in documents(root):
        for match in SPAN.finditer(path.read_text()):
            key, shown = match.group(1), match.group(2)
            where = f"{path.relative_to(root)}: figure {key!r}"
            if key not in table:
                problems.append(f"{where} is not in {FIGURES_FILE}")
            elif shown != table[key]["text"]:
                problems.append(f"{where} says {shown!r}, {FIGURES_FILE} says {table[key]['text']!r} "
                                f"(from `{table[key]['command']}`)")
    return problems


def _span(key: str, text: str) -> str:
    return f"<!--fig:{key}-->{text}<!--/fig-->"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only list disagreements; exit 1 if any")
    args = parser.parse_args()
    if args.check:
        problems = check_docs()
        print("\n".join(problems) or "every marked figure matches docs/figures.json")
        sys.exit(1 if problems else 0)
    for path in sync_docs():
        print(f"updated {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

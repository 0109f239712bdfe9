#!/usr/bin/env python3
"""Checks that every repository path README.md and docs/*.md name exists in the working tree.

A path is a word that starts with `src/`, `www/`, `scripts/` or `tests/` (not in the middle of a
longer path or word) and either ends with `/` (a directory, which must be one) or has a file
extension of EXTENSIONS (a file, which must be one). Anything else is left alone: a path without
an extension or a trailing slash (`tests/links/v1`), a path relative to a folder (`run/gil.rs`),
and glob-ish or placeholder text, any path with `<`, `*` or `{` in it (`tests/e2e/<file>.test.mjs`,
`tests/*.rs`, `{a,b}.rs`). Code blocks count like prose: a command or a tree drawn in a document
should name real paths too.

Prints each missing path as `file:line: path` and exits 1 if there is one; prints nothing and
exits 0 otherwise.
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TOP = ("src", "www", "scripts", "tests")
EXTENSIONS = {
    "rs", "js", "mjs", "cjs", "py", "sh", "html", "json", "toml", "css", "md", "txt", "svg",
    "png", "webmanifest", "yml", "yaml",
}
# A candidate: one of the top folders, a slash, then anything up to a space, a quote, a bracket or
# a separator. Preceded by none of a path's characters, so `dist/src/x.rs` or `a-tests/` is not one.
CANDIDATE = re.compile(r"(?<![\w./-])(?:%s)/[^\s`'\"()\[\],;:|]*" % "|".join(TOP))
PLACEHOLDER = set("<*{")


def paths_in(line: str):
    """The checkable paths named on one line of a document."""
    for match in CANDIDATE.finditer(line):
        path = match.group(0)
        if PLACEHOLDER & set(path):
            continue
        # Sentence punctuation after a path is not part of it.
        path = path.rstrip(".!?")
        if path.endswith("/"):
            yield path
            continue
        name = path.rsplit("/", 1)[-1]
        if "." in name and name.rsplit(".", 1)[-1] in EXTENSIONS:
            yield path


def missing():
    """(document, line number, path) for every named path the working tree lacks."""
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            for path in paths_in(line):
                target = ROOT / path
                exists = target.is_dir() if path.endswith("/") else target.is_file()
                if not exists:
                    yield document.relative_to(ROOT), number, path


def main() -> int:
    found = list(missing())
    for document, number, path in found:
        print(f"{document}:{number}: {path}")
    if found:
        print(f"{len(found)} path(s) named in the documents do not exist", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

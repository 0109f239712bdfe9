#!/usr/bin/env python3
"""Finds import cycles between the files of src/engine, src/kernels and src/web.

src/kernels is a crate of its own (overlap-kernels), which overlap re-exports as
`engine::kernels`: its files count as the module `kernels`, its `crate::` as that module, and
`overlap_kernels::` anywhere as that module too.

A file depends on another when it names an item defined there: through `use`, or a path written
in the code (`crate::engine::stats::median(..)`, `super::Field`). A name a `mod.rs` imports
(`pub use child::Item`, or a private `use` its children see) is followed to the file that
defines it, so a parent that re-exports its children's types and a child that reaches a sibling through `super::` do not count
as a cycle. Declaring a module (`mod child;`) is not a dependency, and test code (files named
`tests.rs`, anything after `#[cfg(test)]`) is left out: tests may reach anywhere.

Prints each cycle as the files in it and exits 1 if there is one.

It also holds src/web to its folders' rule (src/web/mod.rs says why): a file in one of
src/web's role folders may name only files of its own folder and of the folders in
`WEB_MAY_USE`, so `ui` and `worker` never name each other, and `client` and `worker` meet only
in the engine's protocol. A file breaking it is printed with what it uses and the exit is 1.
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src"
ITEM = re.compile(
    r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:async\s+|const\s+|unsafe\s+)*"
    r"(?:struct|enum|fn|trait|type|const|static|union|macro_rules!)\s+([A-Za-z_][A-Za-z0-9_]*)",
    re.M,
)
MOD_DECL = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+([a-z_][a-z0-9_]*)\s*;", re.M)
USE = re.compile(r"^\s*(pub(?:\([^)]*\))?\s+)?use\s+([^;]+);", re.M)
RELATIVE = re.compile(r"(?<![:\w])([a-z_][a-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)+)")
PATH = re.compile(r"\b((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+)")


def module_of(path: Path) -> tuple:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] in ("mod", "lib"):
        parts = parts[:-1]
    return tuple(parts)


def strip(text: str) -> str:
    """The code without comments, strings and tests."""
    cut = text.find("#[cfg(test") if "#[cfg(test" in text else text.find("#[cfg(all(test")
    if cut >= 0:
        text = text[:cut]
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r'r#*"(?:.|\n)*?"#*', '""', text)
    return re.sub(r'"(?:\\.|[^"\\])*"', '""', text)


def expand(tree: str) -> list:
    """`a::{b, c::{d, e}}` as ["a::b", "a::c::d", "a::c::e"]."""
    tree = re.sub(r"\s+", "", re.sub(r"\s+as\s+\w+", "", tree))
    if "{" not in tree:
        return [tree]
    head, _, rest = tree.partition("{")
    inner = rest[: rest.rfind("}")]
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(inner):
        depth += ch == "{"
        depth -= ch == "}"
        if ch == "," and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    parts.append(inner[start:])
    out = []
    for part in filter(None, parts):
        for path in expand(part):
            out.append(head + path if path != "self" else head.rstrip(":"))
    return out


files, items, reexports, code = {}, {}, {}, {}
for path in sorted(ROOT.rglob("*.rs")):
    if path.name == "tests.rs":
        continue
    module = module_of(path)
    text = strip(path.read_text())
    files[module], code[module] = path, text
    items[module] = set(ITEM.findall(text)) | set(MOD_DECL.findall(text))
    reexports[module] = {}
    # Every `use`, public or not: a child module sees its parent's private imports too.
    for _, tree in USE.findall(text):
        for target in expand(tree):
            if not target.endswith("*"):
                reexports[module][target.split("::")[-1]] = target


def absolute(module: tuple, path: str) -> list:
    segments = path.split("::")
    if segments[0] == "crate":
        return (["kernels"] if module[:1] == ("kernels",) else []) + segments[1:]
    if segments[0] == "overlap_kernels":
        return ["kernels"] + segments[1:]
    base = list(module)  # `self` inside foo.rs or foo/mod.rs is foo; `super` is its parent
    while segments and segments[0] in ("super", "self"):
        if segments.pop(0) == "super":
            base = base[:-1]
    return base + segments


def resolve(module: tuple, path: str, seen=None) -> tuple:
    """The file that defines what `path` (written in `module`) names, or None."""
    segments = absolute(module, path)
    seen = seen or set()
    current = ()
    for i, segment in enumerate(segments):
        child = current + (segment,)
        if child in files:
            current = child
            continue
        if current in files and segment in reexports[current] and (current, segment) not in seen:
            seen.add((current, segment))
            target = reexports[current][segment]
            rest = "::".join(segments[i + 1 :])
            return resolve(current, target + ("::" + rest if rest else ""), seen)
        break
    return current if current in files else None


edges = {module: set() for module in files}
for module, text in code.items():
    paths = [t for _, tree in USE.findall(text) for t in expand(tree)]
    paths += PATH.findall(USE.sub("", text))
    # A path may also start at a child module: `count::Count` inside kernels/mod.rs.
    paths += [p for p in RELATIVE.findall(text) if module + (p.split("::")[0],) in files]
    for path in paths:
        first = path.split("::")[0]
        if first not in ("crate", "super", "self"):
            if module + (first,) not in files:
                continue
            path = "self::" + path
        target = resolve(module, path)
        if target and target != module:
            edges[module].add(target)


WEB_MAY_USE = {
    "ui": {"client", "platform"},
    "client": {"platform"},
    "worker": {"platform"},
    "platform": set(),
}


def crossings() -> list:
    """(file, file it uses) where a web role folder names one its rule does not allow."""
    out = []
    for module, targets in edges.items():
        if module[:1] != ("web",) or len(module) < 3 or module[1] not in WEB_MAY_USE:
            continue
        for target in targets:
            role = target[1] if target[:1] == ("web",) and len(target) > 1 else None
            if role in WEB_MAY_USE and role != module[1] and role not in WEB_MAY_USE[module[1]]:
                out.append((module, target))
    return sorted(out)


def cycles() -> list:
    """Strongly connected components of more than one file (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(component)

    sys.setrecursionlimit(10_000)
    for v in files:
        if v not in index:
            visit(v)
    return out


found = [c for c in cycles() if any(m[:1] in (("engine",), ("kernels",), ("web",)) for m in c)]
for component in found:
    names = sorted(str(files[m].relative_to(ROOT.parent)) for m in component)
    print("import cycle:", " <-> ".join(names))
    for m in sorted(component):
        inside = sorted(str(files[t].relative_to(ROOT.parent)) for t in edges[m] if t in component)
        print(f"  {files[m].relative_to(ROOT.parent)} uses {', '.join(inside)}")
crossed = crossings()
for module, target in crossed:
    print(f"src/web folder rule: {files[module].relative_to(ROOT.parent)} uses {files[target].relative_to(ROOT.parent)}")
if "-v" in sys.argv:
    for m in sorted(edges):
        print(files[m].relative_to(ROOT.parent), "->", sorted(str(files[t].relative_to(ROOT.parent)) for t in edges[m]))
sys.exit(1 if found or crossed else 0)

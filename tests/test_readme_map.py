"""README's library map lists exactly the modules of the package, with the folders in import order."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _map_entries() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```text\nlessons_lib/\n(.*?)```", readme, re.S)
    assert block, "README has no ```text block starting with lessons_lib/"
    paths, folder = [], None
    for line in block.group(1).splitlines():
        name = re.sub(r"^[│├└─\s]+", "", line).split()[0]
        nested = line.startswith("│   ") or line.startswith("    ")
        if name.endswith("/"):
            folder = name
            continue
        paths.append(f"{folder}{name}" if nested and folder else name)
    return paths


def test_map_lists_every_module_and_nothing_else():
    package = ROOT / "lessons_lib"
    on_disk = sorted(str(p.relative_to(package)) for p in package.rglob("*.py") if p.name != "__init__.py")
    assert sorted(_map_entries()) == on_disk


def test_map_has_one_description_per_module():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```text\nlessons_lib/\n(.*?)```", readme, re.S).group(1)
    for line in block.splitlines():
        if ".py" in line:
            assert len(line.split(".py", 1)[1].strip()) > 10, f"no description: {line!r}"

"""Hand-edited YAML read once, with line numbers, for the taxonomy and the team's data files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from yaml.nodes import MappingNode, SequenceNode

from bot import datafile
from bot.datafile import Reader, compose, load, read_text
from bot.errors import DataFileError, TaxonomyError
from bot.taxonomy.model import parse_taxonomy

BROKEN = "ecosystems:\n  mlir:\n    name: [unclosed\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BROKEN, "team.yml:4: "),
        ("", "team.yml:1: the file is empty"),
        ("# only a comment\n", "team.yml:1: the file is empty"),
    ],
)
def test_a_syntax_error_or_an_empty_file_names_the_file_and_line(text: str, message: str) -> None:
    with pytest.raises(DataFileError) as caught:
        compose(text, "team.yml")
    assert str(caught.value).startswith(message)


def test_each_file_keeps_its_kind_of_error_and_the_taxonomy_reads_through_compose() -> None:
    with pytest.raises(TaxonomyError) as as_taxonomy:
        compose(BROKEN, "team.yml", error=TaxonomyError)
    with pytest.raises(DataFileError) as as_data:
        compose(BROKEN, "team.yml")
    assert not isinstance(as_data.value, TaxonomyError)
    assert str(as_taxonomy.value) == str(as_data.value)
    with pytest.raises(TaxonomyError) as parsed:
        parse_taxonomy(BROKEN, "team.yml")
    assert str(parsed.value) == str(as_data.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\nroles: !!python/object:os.system\n  a: 1\n", "team.yml:2: the tag !!python/obj"),
        ("list:\n  - ok\n  - !!python/name:os.system x\n", "team.yml:3: the tag !!python/n"),
        ("name: !include secrets.yml\n", "team.yml:1: the tag !include is not allowed"),
        ("[" * 100_000, "team.yml:1: nested more than 64 levels deep"),
        (
            "a:\n" + "".join(f"{'  ' * i}- \n" for i in range(1, 80)),
            "team.yml:65: nested more than 64",
        ),
        ("name: x\0y\n", "team.yml:1: the character U+0000 is not allowed in YAML"),
    ],
)
def test_code_tags_deep_nesting_and_stray_characters_are_named(text: str, message: str) -> None:
    with pytest.raises(DataFileError) as caught:
        compose(text, "team.yml")
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_plain_data_loads_with_merges_anchors_and_loops() -> None:
    text = "base: &base {a: 1}\nteam:\n  <<: *base\n  b: 2.5\nloop: &loop [*loop]\n"
    data = load(text, "team.yml")
    assert data["team"] == {"a": 1, "b": 2.5}
    assert data["loop"][0] is data["loop"]
    assert load("# nothing\n", "team.yml") is None


def test_a_file_not_in_utf8_is_named_with_its_line(tmp_path: Path) -> None:
    team = tmp_path / "team.yml"
    team.write_bytes(b"name: Example Fictional\ncity: Z\xfcrich\n")
    with pytest.raises(TaxonomyError) as caught:
        read_text(team, "team file", "CSF_TEAM", error=TaxonomyError)
    assert str(caught.value) == (
        f"CSF_TEAM: the team file {team} is not UTF-8 text (line 2: byte 0xfc)"
    )


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_a_number_must_be_finite(value: str) -> None:
    node = compose(f"weight: {value}\n", "team.yml")
    with pytest.raises(DataFileError, match=r"team.yml:1: weight must be a finite number"):
        Reader("team.yml").number(node.value[0][1], "weight", low=-1e9)


def _shape(node: Any) -> Any:
    """A node tree as plain data with every node's tag and line, to compare two readers."""
    if isinstance(node, MappingNode):
        value: Any = [(_shape(key), _shape(item)) for key, item in node.value]
    elif isinstance(node, SequenceNode):
        value = [_shape(item) for item in node.value]
    else:
        value = node.value
    return (node.tag, node.start_mark.line, value)


def test_libyaml_and_the_python_reader_give_the_same_tree_for_every_shipped_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert datafile._FAST is not None  # the wheel CI installs is built with libyaml
    files = sorted(Path(datafile.__file__).parent.rglob("*.yml"))
    assert len(files) >= 8
    for file in files:
        text = file.read_text(encoding="utf-8")
        fast = _shape(datafile.compose(text, file.name, shipped=True))
        with monkeypatch.context() as patch:
            patch.setattr(datafile, "_FAST", None)
            slow = _shape(datafile.compose(text, file.name, shipped=True))
        assert fast == slow, file
        assert datafile.shipped(text) == yaml.safe_load(text), file


def test_a_teams_file_is_read_by_the_python_reader_on_every_host() -> None:
    """libyaml accepts a tab in a flow list where the Python reader refuses it: a team's file
    must not load on a host that has libyaml and fail on one that has not."""
    text = "a: [1,\t2]\n"
    assert datafile.compose(text, "csf's own", shipped=True) is not None  # libyaml's reading
    with pytest.raises(DataFileError, match=r"team\.yml:1: found character '\\t'"):
        compose(text, "team.yml")

"""Hand-edited YAML read once, with line numbers, for the taxonomy and the team's data files."""

from __future__ import annotations

import pytest

from bot.datafile import compose
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

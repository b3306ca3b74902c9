"""Fictional organisations, laid over the shipped affiliations table for a test.

Tests of careers and address-domain clues need organisations the table knows; real companies'
and universities' domains would put addresses at real organisations into fixtures, so tests
name fictional ones through the same team file a deployment uses (CSF_AFFILIATIONS).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.people.affiliations import use_affiliations

ORGANISATIONS = """\
organisations:
  armada-chips.example: {name: Armada Chips, kind: company}
  cloudhaus.example: {name: Cloudhaus, kind: company}
  uni-ed.example: {name: Fictional Edinburgh, kind: university, country: GB}
  uni-fictional.example: {name: Fictional University of Munich, kind: university, country: DE}
  lab-fictional.example: {name: Fictional Lab, kind: research, country: GB}
"""


@contextmanager
def fictional_organisations(folder: Path) -> Iterator[None]:
    team = folder / "fictional-affiliations.yml"
    team.write_text(ORGANISATIONS)
    use_affiliations(team)
    try:
        yield
    finally:
        use_affiliations(None)

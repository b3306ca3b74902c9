"""Properties that must hold for any input: the query reader and the mrkdwn escaper.

Slash-command text and source data are written by strangers: empty, 10 kB long, control
characters, right-to-left marks, emoji, SQL and template injection. The reader must read
anything, `who` must answer anything, and nothing may leave the escaper able to mention, link or
break a message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.ranking.who import active_config, load_ranking_config, who
from bot.store.links import allowed_link
from bot.taxonomy.model import default_taxonomy
from bot.taxonomy.question import MAX_WORDS, read_query
from slackui.blocks.mrkdwn import LABEL_BAR, escape, link, truncate
from tests.support.ranking_world import AS_OF, build

TAXONOMY = default_taxonomy()
CONFIG = load_ranking_config()
HOSTILE = [
    "",
    " ",
    "\x00\x01\x1b[31m\x7f",
    "mlir\u202ebufferization\u202c \u2066tvm\u2069",
    "\u05e9\u05dc\u05d5\u05dd mlir \u0645\u0631\u062d\u0628\u0627",  # Hebrew and Arabic
    "🔥🚀 triton amd 👩🏽‍💻",
    "'; DROP TABLE person; --",
    'mlir" OR 1=1 --',
    "%' UNION SELECT * FROM identity --",
    "{{ 7*7 }} {% for x in y %} ${jndi:ldap://example.invalid/a} #{1+1}",
    "<!channel> <@U123> <https://example.com|click>",
    "a" * 10_240,
    ("mlir bufferization " * 600)[:10_240],
    " ".join(f"w{i}x" for i in range(2_000))[:10_240],
    "_ - __ -- ___",
    "\ufeff\u200b\u200e\u200f",
]
# Arbitrary text, biased towards the characters that break parsers and messages.
texts = st.one_of(
    st.text(),
    st.text(
        alphabet=st.sampled_from(list("mlir tvm_-<>&|*%'\";\\\n\t\x00\u202e🔥ßİ")), max_size=200
    ),
    st.sampled_from(HOSTILE),
)
# No example database: runs stay independent of each other, and nothing is left in the tree.
fast = settings(max_examples=150, deadline=None, database=None)


@fast
@given(words=st.lists(texts, max_size=5))
@example(words=HOSTILE)
def test_read_query_reads_anything(words: list[str]) -> None:
    reading = read_query(TAXONOMY, words)
    known_topics = {t.id for t in TAXONOMY.topics()}
    known_ecosystems = {e.key for e in TAXONOMY.ecosystems}
    assert set(reading.tags) <= known_topics | known_ecosystems
    assert all(word and not any(c.isspace() for c in word) for word in reading.free_words)
    assert len(reading.free_words) <= MAX_WORDS
    assert isinstance(reading.label, str)
    assert set(reading.suggestions) <= known_topics


@fast
@given(text=texts)
def test_read_query_is_deterministic_and_ignores_how_words_are_split(text: str) -> None:
    assert read_query(TAXONOMY, [text]) == read_query(TAXONOMY, text.split())


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The ranking tests' fictional world, built once: `who` only reads it."""
    from bot.store.engine import make_engine, upgrade

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('who') / 'csf.db'}")
    upgrade(engine)
    with Session(engine) as session:
        build(session)
        session.commit()
    yield engine
    engine.dispose()


@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(words=st.lists(texts, max_size=4), window=st.integers(min_value=1, max_value=5000))
@example(words=HOSTILE, window=365)
@example(words=["mlir bufferization", "'; DROP TABLE person; --"], window=365)
def test_who_answers_anything(small_store: Engine, words: list[str], window: int) -> None:
    with Session(small_store) as session:
        reading = read_query(TAXONOMY, words)
        answer = who(
            session, TAXONOMY, reading, config=CONFIG, as_of=AS_OF, window_days=window, limit=5
        )
    assert answer.as_of == AS_OF
    assert answer.window_days == window
    assert len(answer.results) <= 5
    assert [r.rank for r in answer.results] == list(range(1, len(answer.results) + 1))
    assert all(r.score > 0 for r in answer.results)


def test_the_store_survives_the_hostile_queries(small_store: Engine) -> None:
    """After every injection attempt above, the known answer is still the known answer."""
    with Session(small_store) as session:
        for text in HOSTILE:
            who(session, TAXONOMY, read_query(TAXONOMY, [text]), config=CONFIG, as_of=AS_OF)
        answer = who(
            session,
            TAXONOMY,
            read_query(TAXONOMY, ["mlir", "bufferization"]),
            config=active_config(CONFIG),
            as_of=AS_OF,
            window_days=int(timedelta(days=365).days),
        )
    assert answer.results
    assert answer.results[0].person["login"] == "ada-owner"


# -- the mrkdwn escaper ---------------------------------------------------------------------------

ENTITY = re.compile(r"&(?!(?:amp|lt|gt);)")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@fast
@given(text=texts)
@example(text="&amp;lt; <!channel> &&lt;")
def test_escaped_text_can_neither_mention_nor_link(text: str) -> None:
    shown = escape(text)
    assert "<" not in shown
    assert ">" not in shown
    assert not ENTITY.search(shown)  # every & begins &amp; &lt; or &gt;
    assert not CONTROL.search(shown)


@fast
@given(text=texts)
def test_escaping_loses_nothing_but_control_characters(text: str) -> None:
    assert unescape(escape(text)) == CONTROL.sub("", text)


@fast
@given(a=texts, b=texts)
def test_escaping_works_piece_by_piece(a: str, b: str) -> None:
    """So a message built from escaped parts equals the escaped message."""
    assert escape(a + b) == escape(a) + escape(b)


@fast
@given(text=st.text(alphabet=st.characters(blacklist_characters="&<>"), max_size=200))
def test_text_without_markup_characters_is_a_fixed_point(text: str) -> None:
    once = escape(text)
    assert escape(once) == once  # idempotent exactly where it can be: nothing left to escape


@fast
@given(text=texts, limit=st.integers(min_value=1, max_value=300))
def test_truncate_bounds_length_and_is_idempotent(text: str, limit: int) -> None:
    cut = truncate(text, limit)
    assert len(cut) <= limit
    assert truncate(cut, limit) == cut
    assert cut == text or cut.endswith("…")


urls = st.one_of(
    texts,
    st.builds(lambda rest: "https://example.com/" + rest, texts),
    st.builds(lambda rest: "https://github.com/" + rest, texts),
    st.builds(lambda rest: "https://reviews.llvm.org/" + rest, texts),
    st.sampled_from(
        [
            "https://example.com/a>b|c<d",
            "https://example.com/?q=<!channel>",
            "javascript:alert(1)",
            "http://example.com/%41%zz",
            "https://example.com/ü/🔥",
            "https://github.com/o/r/pull/1|x>y",
            "https://github.com/o/r/pull/1?q=<!channel>#issuecomment-1",
            "https://reviews.llvm.org/D12",
        ]
    ),
)


@fast
@given(url=urls)
def test_allowed_links_cannot_break_out_of_a_link(url: str) -> None:
    kept = allowed_link(url)
    if kept is None:
        return
    assert re.fullmatch(r"https://(github\.com|reviews\.llvm\.org)/\S+", kept)
    assert not set(kept) & set('<>| \t\n"%@')
    assert allowed_link(kept) == kept  # a rebuilt link is rebuilt as itself


@fast
@given(url=urls, label=texts)
def test_a_link_is_one_link_to_the_allowed_url_with_an_escaped_label(url: str, label: str) -> None:
    shown = link(url, label)
    target = allowed_link(url)
    if target is None:
        assert shown == escape(truncate(label, 200))
        return
    assert shown.startswith("<")
    assert shown.endswith(">")
    assert shown.count("<") == 1
    assert shown.count(">") == 1
    assert shown.count("|") == 1
    inner_url, _, inner_label = shown[1:-1].partition("|")
    assert inner_url == target
    assert inner_label == escape(truncate(label, 200)).replace("|", LABEL_BAR)

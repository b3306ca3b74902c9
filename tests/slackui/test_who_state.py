"""The Share/More button state: one codec, and what it writes is what it reads back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slackui.blocks.who_state import WhoState, decode_who_state, encode_who_state

_word = st.text("abcdefghijklmnopqrstuvwxyz0123456789._/-+#", min_size=1, max_size=12).filter(
    lambda w: not (w.startswith("--") and len(w) > 2 and w[2].isalpha())  # parser: an option
)
_key = st.from_regex(r"[a-z][a-z-]{0,10}", fullmatch=True)
_value = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=8).filter(
    lambda v: not v.startswith("--")
)
_states = st.builds(
    WhoState,
    query=st.lists(_word, min_size=1, max_size=6).map(" ".join),
    options=st.dictionaries(_key, _value, max_size=4),
    page=st.integers(1, 5),
)


@given(_states)
def test_what_is_encoded_decodes_to_the_same_state(state: WhoState) -> None:
    value = encode_who_state(state)
    assert len(value) <= 2000  # Slack's limit on a button value
    assert decode_who_state(value) == state


def test_the_value_keeps_the_format_buttons_already_in_slack_carry() -> None:
    state = WhoState("triton amd", {"region": "uk", "limit": "5"}, 2)
    assert encode_who_state(state) == '{"q":"triton amd --limit 5 --region uk","page":2}'
    assert decode_who_state('{"q":"mlir --region uk","page":3}') == WhoState(
        "mlir", {"region": "uk"}, 3
    )


def test_next_page_keeps_the_question() -> None:
    state = WhoState("mlir", {"region": "eu"})
    assert state.next_page() == WhoState("mlir", {"region": "eu"}, 2)


@pytest.mark.parametrize("value", ["", "null", "[]", '{"q":"mlir"}', '{"q":"x","page":"two"}'])
def test_anything_csf_did_not_write_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="not a who state"):
        decode_who_state(value)

"""Identity keys: hashed addresses, normalised logins, suppression hashes."""

from __future__ import annotations

import hashlib

import pytest

from bot.store.identity import (
    email_key,
    identifying_local_part,
    local_part_hash,
    login_from_noreply,
    login_key,
    looks_like_bot,
    name_key,
    noreply_id,
    redact_addresses,
    suppression_hash,
)
from bot.store.models import IdentityKind


def test_email_key_is_sha256_of_the_normalised_address() -> None:
    key = email_key("  Ada.Fictional@Compilers.Example ")
    expected = hashlib.sha256(b"ada.fictional@compilers.example").hexdigest()
    assert key.kind is IdentityKind.EMAIL
    assert key.value == f"sha256:{expected}"
    assert key.domain == "compilers.example"
    assert email_key("ada.fictional@compilers.example") == key


@pytest.mark.parametrize(
    "bad", ["", "no-at-sign", "@compilers.example", "a@nodot", "a b@x.example"]
)
def test_email_key_refuses_non_addresses(bad: str) -> None:
    with pytest.raises(ValueError, match="not an email address"):
        email_key(bad)


def test_logins_are_case_insensitive() -> None:
    assert login_key("@Ada-Fictional").value == "ada-fictional"
    assert login_key("dependabot[bot]").value == "dependabot[bot]"


@pytest.mark.parametrize("bad", ["", "-leading", "trailing-", "double--hyphen", "a" * 40, "sp ace"])
def test_invalid_logins_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not a GitHub login"):
        login_key(bad)


def test_names_fold_case_and_spacing() -> None:
    assert name_key("  Wen   FICTIONAL ").value == "wen fictional"


def test_noreply_addresses_reveal_the_login() -> None:
    assert login_from_noreply("12345+ada-fictional@users.noreply.github.com") == "ada-fictional"
    assert login_from_noreply("ada-fictional@users.noreply.github.com") == "ada-fictional"
    assert login_from_noreply("ada@compilers.example") is None


def test_noreply_addresses_reveal_the_account_id_when_numbered() -> None:
    assert noreply_id("12345+ada-fictional@users.noreply.github.com") == 12345
    assert noreply_id("ada-fictional@users.noreply.github.com") is None
    assert noreply_id("12345+ada@compilers.example") is None


@pytest.mark.parametrize(
    ("address", "local"),
    [
        ("Ada.Quillon@Uni.example", "ada.quillon"),
        ("ada.quillon+llvm@uni.example", "ada.quillon"),
        ("dev@fen.example", None),  # a role, not a person
        ("root@build.example", None),
        ("noreply@tools.example", None),
        ("bo@short.example", None),  # too short to tell people apart
        ("12345@numbers.example", None),
        ("12345+ada-quillon@users.noreply.github.com", None),  # its login is an identity
        ("not an address", None),
    ],
)
def test_identifying_local_parts(address: str, local: str | None) -> None:
    assert identifying_local_part(address) == local


def test_local_part_hashes_are_keyed() -> None:
    one, two = b"1" * 32, b"2" * 32
    at_uni = local_part_hash("ada.quillon@uni.example", one)
    assert at_uni == local_part_hash("Ada.Quillon+x@corp.example", one)
    assert at_uni != local_part_hash("ada.quillon@uni.example", two)
    assert at_uni is not None
    assert hashlib.sha256(b"ada.quillon").hexdigest() not in at_uni
    assert local_part_hash("dev@uni.example", one) is None


def test_bot_logins() -> None:
    assert looks_like_bot("dependabot[bot]")
    assert looks_like_bot("llvm-ci-bot")
    assert looks_like_bot("llvmbot")
    assert looks_like_bot("copybara-service[bot]")
    assert not looks_like_bot("botanist-fictional")


def test_suppression_hash_is_one_way_and_per_identity() -> None:
    login = suppression_hash(login_key("ada-fictional"))
    assert login.startswith("sha256:")
    assert "ada" not in login
    assert login != suppression_hash(login_key("bo-fictional"))
    assert suppression_hash(login_key("ADA-fictional")) == login


def test_every_shape_of_address_is_redacted_and_compiler_symbols_are_not() -> None:
    shapes = [
        "ada@example.com",
        "ada+csf@example.com",
        "dee@bücher.example",
        "dee@xn--bcher-kva.example",
        "josé@пример.рф",
        '"dee fictional"@example.net',
        "root@localhost",
        "root@[192.0.2.1]",
    ]
    for shape in shapes:
        assert redact_addresses(f"by {shape}, <{shape}>.") == "by [address], <[address]>.", shape
    kept = "foo@PLT memcpy@GLIBC_2.2.5 pkg@1.2.3 call @llvm.memcpy HEAD@{1} i8*@llvm.x.p0i8"
    assert redact_addresses(kept) == kept
    assert redact_addresses(None) is None
    # Bounded parts: a hostile title costs linear time, and loses what looked like an address.
    hostile = "a" * 100_000 + "@b.example"
    assert redact_addresses(hostile) == "a" * (100_000 - 64) + "[address]"

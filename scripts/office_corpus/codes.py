"""Identifier codes for the synthetic firms: unified social credit codes (GB 32100-2015) with a real organisation
code inside (GB 11714-1997 check digit), and deliberately broken ones for the rows that must be refused."""

from __future__ import annotations

import random

from stdnum.cn import uscc as stdnum_uscc

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
YANGPU = "310110"  # administrative division code of Yangpu district, Shanghai


def _org_check(body: str) -> str:
    """GB 11714 check character of an 8-character organisation-code body (letters count 10 + position)."""
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


class CodeMaker:
    """Deterministic, never-repeating valid USCCs of enterprises registered in one district."""

    def __init__(self, seed: int, *, region: str = YANGPU) -> None:
        self._rng = random.Random(seed)
        self._region = region
        self._seen: set[str] = set()

    def uscc(self, *, new_style: bool = True, region: str | None = None) -> str:
        while True:
            if new_style:  # codes issued since 2015 carry an "MA" organisation code
                body = "MA" + "".join(self._rng.choice(USCC_ALPHABET[:10] + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(6))
            else:  # firms older than 2015 kept their organisation code (digits)
                body = "".join(self._rng.choice("0123456789") for _ in range(8))
            org = body + _org_check(body)
            if any(c not in USCC_ALPHABET for c in org):
                continue
            code17 = "91" + (region or self._region) + org
            code = code17 + stdnum_uscc.calc_check_digit(code17)
            if code not in self._seen:
                self._seen.add(code)
                assert stdnum_uscc.is_valid(code)
                return code

    def reserve(self, codes) -> None:
        """Never hand out these codes (they belong to another pool)."""
        self._seen.update(codes)

    def old_registration_number(self) -> str:
        """A 15-digit 工商注册号 as platforms show for firms deregistered before the USCC reform."""
        return "310110" + "".join(self._rng.choice("0123456789") for _ in range(9))


def wrong_check(code: str) -> str:
    """The same code with a wrong check character (the next one in the alphabet)."""
    right = code[-1]
    wrong = USCC_ALPHABET[(USCC_ALPHABET.index(right) + 1) % len(USCC_ALPHABET)]
    broken = code[:-1] + wrong
    assert not stdnum_uscc.is_valid(broken)
    return broken


def with_letter_o(code: str) -> str:
    """A code typed with the letter O for the digit 0 (O is outside the GB 32100 alphabet)."""
    position = code.index("0", 2)
    return code[:position] + "O" + code[position + 1:]

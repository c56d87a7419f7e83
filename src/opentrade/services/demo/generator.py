"""The deterministic synthetic registry of the demo (``random.Random(SEED)``), calibrated to the seed report:
pure — it reads its tables and the named entities it is given, asks the classifier which industry profiles are
digital-economy core, and returns columns for the importer. No database here (see :mod:`.loader`).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from typing import Any

from stdnum.cn import uscc as stdnum_uscc

from opentrade.domain.classify import Classification, classify_one
from opentrade.domain.vocabulary import (
    PIPELINE_STAGES,
    PROTECTED_LANDMARK_LEVELS,
    EnterpriseStatus,
    Ownership,
    Restoration,
    values,
)
from opentrade.ingest.schemas import SPECS
from opentrade.refdata.standards import Taxonomy
from opentrade.services.demo.columns import columns_of as _columns
from opentrade.services.demo.tables import Profile, load_tables

SEED = 20240614
CLOSED, MOVED_OUT = EnterpriseStatus.CLOSED.value, EnterpriseStatus.MOVED_OUT.value
AS_OF = dt.date(2024, 6, 14)  # the seed report's date: the KPIs reproduce the seed at this date
YEARS = (2019, 2020, 2021, 2022, 2023)
NAMED_FILE = "named.yaml"
SYNTHETIC_LABEL = f"demo: synthetic registry (opentrade generator, seed {SEED}; not real firms or sites)"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, S, V, Z
YANGPU_PREFIX = "91310110"  # 9 = SAMR, 1 = enterprise, 310110 = Yangpu district


@dataclass(frozen=True)
class Targets:
    """The seed's figures as the generator aims at them (counts include the named records)."""

    active_firms: int = 35_600  # digital firms are 20 % of all firms
    digital_firms: int = 7_120  # "over 7,000"
    foreign_firms: int = 1_726  # "more than 1,700" (foreign + HK/Macao/Taiwan-invested)
    mnc_hq_rd: int = 44  # "44 multinational company regional headquarters and R&D centers"
    inactive_firms: int = 540  # closed or moved out before the date: not counted, but a registry has them
    # Year-on-year growth of the foreign-funded firms' total revenue ("20 percent ... three consecutive years").
    foreign_revenue_growth: tuple[tuple[int, float], ...] = ((2020, 0.08), (2021, 0.20), (2022, 0.20), (2023, 0.20))
    # Digital firms' share of all tax paid, per year ("contributing 30 percent to regional tax revenue").
    digital_tax_share: tuple[tuple[int, float], ...] = (
        (2019, 0.24), (2020, 0.26), (2021, 0.27), (2022, 0.29), (2023, 0.30))
    heritage_sites: int = 712  # "over 700 immovable cultural heritage sites"
    protected_sites: int = 6  # "six nationally and municipally protected landmarks"
    relic_area_m2: int = 260_000
    relic_restored_m2: int = 120_000
    synthetic_relics: int = 180
    spaces: int = 24
    projects: int = 12


TARGETS = Targets()


_T = load_tables()
PROFILES: tuple[Profile, ...] = _T.profiles
NAME_CHARS = _T.name_chars
ROADS = _T.roads
RIVERSIDE_ROADS = _T.riverside_roads
FOREIGN_ORIGINS = _T.foreign_origins
HMT_ORIGINS = _T.hmt_origins
HERITAGE_USES = _T.heritage_uses
SPACE_PREFIXES = _T.space_prefixes
SPACE_SUFFIXES = _T.space_suffixes
PROJECT_KINDS = _T.project_kinds
STAGES = PIPELINE_STAGES
DOMESTIC, FOREIGN, HMT = Ownership.DOMESTIC.value, Ownership.FOREIGN.value, Ownership.HMT.value
ACTIVE = EnterpriseStatus.ACTIVE.value


def _named_uscc(body: str) -> str:
    body = str(body)
    if len(body) != 17:
        raise ValueError(f"{NAMED_FILE}: uscc_body must have 17 characters, got {body!r}")
    return body + stdnum_uscc.calc_check_digit(body)


# --- the generator -------------------------------------------------------------------------------------------


@dataclass
class _Firm:
    uscc: str
    profile: Profile
    scope: str
    core: bool
    established: dt.date | None
    status: str = ACTIVE
    closed_year: int | None = None
    ownership: str = DOMESTIC
    origin: str | None = None
    hq: bool = False
    rd: bool = False
    name_zh: str = ""
    name_en: str | None = None
    parent: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    synthetic: bool = True
    named: bool = False  # named by the seed (real name, placeholder code and figures)
    size: float = 1.0  # base yearly revenue, yuan


@dataclass
class _Generator:
    named: dict[str, Any]
    taxonomy: Taxonomy
    targets: Targets = TARGETS
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    stats: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._cache: dict[tuple[str, str], Classification] = {}
        self._usccs: set[str] = set()
        self._names: set[str] = set()

    def classify(self, code: str, scope: str) -> Classification:
        key = (code, scope)
        if key not in self._cache:
            self._cache[key] = classify_one(code, scope, taxonomy=self.taxonomy)
        return self._cache[key]

    # --- orchestration

    def run(self) -> None:
        self.named_firms = self._named_firms()
        self.firms = self._synthetic_firms()
        self._assign_ownership()
        self._assign_mnc()
        self._assign_names_and_places()
        self.enterprises = self._enterprise_columns(self.firms)
        self.financials = self._financials(self.named_firms + self.firms)
        self.heritage, restored = self._heritage()
        self.spaces = self._spaces(restored)
        self.projects = self._projects()
        active = [f for f in self.named_firms + self.firms if f.status == ACTIVE]
        self.stats = {
            "firms": len(self.firms), "active": len(active), "digital": sum(f.core for f in active),
            "foreign": sum(f.ownership != DOMESTIC for f in active), "mnc": sum(f.hq or f.rd for f in active),
            "years": len(self.financials["uscc"]), "heritage": len(self.heritage["name_zh"]),
            "spaces": len(self.spaces["name"]), "projects": len(self.projects["title"]),
        }

    # --- enterprises

    def _named_firms(self) -> list[_Firm]:
        firms = []
        for row in self.named["enterprises"]:
            uscc = _named_uscc(row["uscc_body"])
            self._usccs.add(uscc)
            code, scope = str(row["industry_code"]), row.get("business_scope") or ""
            firm = _Firm(uscc, Profile(code, (), scope), scope, self.classify(code, scope).is_core, None,
                         ownership=row["ownership"], origin=row.get("origin_country"),
                         hq=bool(row.get("mnc_regional_hq")), rd=bool(row.get("rd_centre")),
                         name_zh=row["name_zh"], name_en=row.get("name_en"), parent=row.get("parent_group"),
                         synthetic=True, named=True)
            firm.size = 2.0e9  # placeholder scale of a regional headquarters' yearly revenue
            firms.append(firm)
        return firms

    def _split_profiles(self) -> tuple[list[Profile], list[Profile]]:
        core = [p for p in PROFILES if self.classify(p.code, p.scope).is_core]
        other = [p for p in PROFILES if not self.classify(p.code, p.scope).is_core]
        if not core or not other:
            raise RuntimeError("demo: the taxonomy leaves no digital-core (or no non-core) industry profile")
        return core, other

    def _scope(self, profile: Profile, want_core: bool | None) -> tuple[str, bool]:
        rng = self.rng
        extras = [e for e in profile.extras if rng.random() < 0.35]
        parts = "；".join([profile.scope, *extras])
        scope = f"一般项目：{parts}；技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广。"
        core = self.classify(profile.code, scope).is_core
        if want_core is not None and core != want_core:  # a phrase changed the class: fall back to the plain scope
            scope = f"一般项目：{profile.scope}。"
            core = self.classify(profile.code, scope).is_core
            if core != want_core:
                raise RuntimeError(f"demo: profile {profile.code} does not classify as intended")
        return scope, core

    def _established(self, *, earliest: int = 1993, latest: dt.date = AS_OF) -> dt.date:
        years = list(range(earliest, latest.year + 1))
        weights = [1 if y < 2000 else 2 if y < 2010 else 4 if y < 2015 else 6 for y in years]
        year = self.rng.choices(years, weights)[0]
        last = latest if year == latest.year else dt.date(year, 12, 31)
        return dt.date(year, 1, 1) + dt.timedelta(days=self.rng.randrange((last - dt.date(year, 1, 1)).days + 1))

    def _uscc(self, established: dt.date | None) -> str:
        rng = self.rng
        while True:
            if established is not None and established.year < 2015:
                digits = [rng.randrange(10) for _ in range(8)]  # a GB 11714 organisation code
                check = 11 - sum(d * w for d, w in zip(digits, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
                org = "".join(map(str, digits)) + {10: "X", 11: "0"}.get(check, str(check))
            else:
                org = "MA1" + "".join(rng.choice(USCC_ALPHABET) for _ in range(6))
                if org.startswith("MA1PH"):  # reserved for the named placeholders
                    continue
            body = YANGPU_PREFIX + org
            code = body + stdnum_uscc.calc_check_digit(body)
            if code not in self._usccs:
                self._usccs.add(code)
                return code

    def _synthetic_firms(self) -> list[_Firm]:
        t, rng = self.targets, self.rng
        core_profiles, other_profiles = self._split_profiles()
        named_core = sum(f.core for f in self.named_firms)
        n_core = t.digital_firms - named_core
        n_other = t.active_firms - t.digital_firms - (len(self.named_firms) - named_core)
        firms: list[_Firm] = []
        for profiles, n, want in ((core_profiles, n_core, True), (other_profiles, n_other, False)):
            chosen = rng.choices(profiles, [p.weight for p in profiles], k=n)
            for p in chosen:
                scope, core = self._scope(p, want)
                est = self._established()
                firms.append(_Firm(self._uscc(est), p, scope, core, est))
        everything = list(PROFILES)
        for p in rng.choices(everything, [p.weight for p in everything], k=t.inactive_firms):
            scope, core = self._scope(p, None)
            est = self._established(earliest=1995, latest=dt.date(2017, 12, 31))
            firm = _Firm(self._uscc(est), p, scope, core, est, status=rng.choice((CLOSED, CLOSED, MOVED_OUT)))
            firm.closed_year = rng.randint(max(2019, est.year + 1), 2022)
            firms.append(firm)
        rng.shuffle(firms)
        return firms

    def _origin(self, ownership: str) -> str:
        table = HMT_ORIGINS if ownership == HMT else FOREIGN_ORIGINS
        return self.rng.choices([c for c, _ in table], [w for _, w in table])[0]

    def _sample(self, items: list[_Firm], weights: list[float], k: int) -> list[_Firm]:
        """k items without replacement, probability by weight (Efraimidis-Spirakis keys)."""
        keyed = sorted(((self.rng.random() ** (1.0 / w), i) for i, w in enumerate(weights) if w > 0), reverse=True)
        if len(keyed) < k:
            raise RuntimeError("demo: not enough candidates to sample from")
        return [items[i] for _, i in keyed[:k]]

    def _assign_ownership(self) -> None:
        rng = self.rng
        active = [f for f in self.firms if f.status == ACTIVE]
        named_foreign = sum(f.ownership != DOMESTIC for f in self.named_firms if f.status == ACTIVE)
        for firm in self._sample(active, [f.profile.foreign for f in active], self.targets.foreign_firms - named_foreign):
            firm.ownership = FOREIGN if rng.random() < 0.72 else HMT
        for firm in self.firms:
            if firm.status != ACTIVE and rng.random() < 0.06:
                firm.ownership = FOREIGN
            if firm.ownership != DOMESTIC:
                firm.origin = self._origin(firm.ownership)
                # Foreign-funded firms in the district tend to be older and larger.
                if firm.status == ACTIVE and firm.established and firm.established.year >= 2015 and rng.random() < 0.5:
                    firm.established = self._established(latest=dt.date(2014, 12, 31))
                    self._usccs.discard(firm.uscc)
                    firm.uscc = self._uscc(firm.established)

    def _assign_mnc(self) -> None:
        rng = self.rng
        foreign = [f for f in self.firms if f.status == ACTIVE and f.ownership != DOMESTIC]
        named_mnc = sum(f.hq or f.rd for f in self.named_firms if f.status == ACTIVE)
        for firm in self._sample(foreign, [f.profile.mnc for f in foreign], self.targets.mnc_hq_rd - named_mnc):
            if firm.profile.code == "7211":
                firm.hq, firm.rd = True, rng.random() < 0.25
            elif firm.profile.code in ("7310", "7320", "7340"):
                firm.rd, firm.hq = True, rng.random() < 0.25
            else:
                firm.hq = rng.random() < 0.5
                firm.rd = not firm.hq or rng.random() < 0.3
            firm.parent = None

    def _firm_name(self, firm: _Firm) -> str:
        rng = self.rng
        for _ in range(1000):
            brand = rng.choice(NAME_CHARS) + rng.choice(NAME_CHARS)
            if brand[0] == brand[1]:
                continue
            word = rng.choice(firm.profile.words)
            if firm.ownership != DOMESTIC and rng.random() < 0.6:
                name = (f"{brand}（上海）{word}有限公司" if rng.random() < 0.7 else f"{brand}{word}（中国）有限公司")
            else:
                name = f"上海{brand}{word}有限公司"
            if name not in self._names:
                self._names.add(name)
                return name
        raise RuntimeError("demo: ran out of firm names")

    def _assign_names_and_places(self) -> None:
        rng = self.rng
        for firm in self.firms:
            firm.name_zh = self._firm_name(firm)
            room = f"{rng.randint(1, 28)}{rng.randint(1, 20):02d}室" if rng.random() < 0.6 else ""
            firm.address = f"上海市杨浦区{rng.choice(ROADS)}{rng.randint(1, 2200)}号{room}"
            firm.lat = round(rng.uniform(31.26, 31.32), 6)
            firm.lon = round(rng.uniform(121.50, 121.56), 6)

    def named_enterprises(self) -> dict[str, list]:
        return self._enterprise_columns(self.named_firms)

    @staticmethod
    def _enterprise_columns(firms: list[_Firm]) -> dict[str, list]:
        return {
            "uscc": [f.uscc for f in firms],
            "name_zh": [f.name_zh for f in firms],
            "name_en": [f.name_en for f in firms],
            "industry_code": [f.profile.code for f in firms],
            "ownership": [f.ownership for f in firms],
            "origin_country": [f.origin for f in firms],
            "established_on": [f.established for f in firms],
            "address": [f.address for f in firms],
            "business_scope": [f.scope for f in firms],
            "mnc_regional_hq": [f.hq for f in firms],
            "rd_centre": [f.rd for f in firms],
            "parent_group": [f.parent for f in firms],
            "status": [f.status for f in firms],
            "lat": [f.lat for f in firms],
            "lon": [f.lon for f in firms],
            "synthetic": [f.synthetic for f in firms],
        }

    # --- yearly figures

    def _financials(self, firms: list[_Firm]) -> dict[str, list]:
        rng, t = self.rng, self.targets
        rows: list[tuple[_Firm, int, float]] = []  # firm, year, revenue before calibration
        for firm in firms:
            if not firm.named:  # a generated firm: draw its size class, then its size
                shares = (0.20, 0.55, 0.85) if firm.ownership != DOMESTIC else (0.55, 0.85, 0.97)
                u = rng.random()
                median = 0.8e6 if u < shares[0] else 8e6 if u < shares[1] else 6e7 if u < shares[2] else 5e8
                firm.size = median * math.exp(rng.gauss(0.0, 0.6))
            revenue = firm.size
            first = max(YEARS[0], firm.established.year if firm.established else YEARS[0])
            last = firm.closed_year or YEARS[-1]
            for year in YEARS:
                revenue *= math.exp(rng.gauss(0.06, 0.15))
                if year < first or year > last:
                    continue
                part = 1.0
                if firm.established and firm.established.year == year:
                    part = max(0.05, (dt.date(year, 12, 31) - firm.established).days / 365)
                rows.append((firm, year, revenue * part))

        # Calibrate: foreign-funded revenue grows as the seed says (totals per year, all statuses).
        foreign_total: dict[int, float] = {}
        for firm, year, rev in rows:
            if firm.ownership != DOMESTIC:
                foreign_total[year] = foreign_total.get(year, 0.0) + rev
        target = {YEARS[0]: foreign_total[YEARS[0]]}
        for year, growth in t.foreign_revenue_growth:
            target[year] = target[year - 1] * (1 + growth)
        factor = {y: target[y] / foreign_total[y] for y in foreign_total}

        revenue_out, tax_raw = [], []
        for firm, year, rev in rows:
            rev = round(rev * factor[year]) if firm.ownership != DOMESTIC else round(rev)
            revenue_out.append(max(rev, 1000))
            rate = (0.045 if firm.core else 0.03) * math.exp(rng.gauss(0.0, 0.3))
            tax_raw.append(revenue_out[-1] * rate)

        # Calibrate: digital-economy core firms' share of the tax paid each year.
        digital_tax: dict[int, float] = {}
        other_tax: dict[int, float] = {}
        for (firm, year, _), tax in zip(rows, tax_raw, strict=True):
            bucket = digital_tax if firm.core else other_tax
            bucket[year] = bucket.get(year, 0.0) + tax
        share = dict(t.digital_tax_share)
        tax_factor = {y: share[y] * other_tax[y] / ((1 - share[y]) * digital_tax[y]) for y in digital_tax}
        tax_out = [round(tax * tax_factor[year]) if firm.core else round(tax)
                   for (firm, year, _), tax in zip(rows, tax_raw, strict=True)]

        employees, abroad = [], []
        for (firm, _, _), rev in zip(rows, revenue_out, strict=True):
            employees.append(max(1, round(rev / (rng.uniform(0.5e6, 1.6e6)))))
            exports = firm.ownership != DOMESTIC or (firm.core and rng.random() < 0.1)
            abroad.append(round(rev * rng.uniform(0.02, 0.35)) if exports else None)
        return {
            "uscc": [f.uscc for f, _, _ in rows],
            "year": [y for _, y, _ in rows],
            "revenue": revenue_out,
            "tax": tax_out,
            "employees": employees,
            "foreign_revenue": abroad,
            "synthetic": [True] * len(rows),
        }

    # --- heritage, spaces, projects

    def _heritage(self) -> tuple[dict[str, list[Any]], list[dict[str, Any]]]:
        rng, t = self.rng, self.targets
        n = t.heritage_sites - len(self.named["heritage"])
        named_protected = sum(h["protection_level"] in PROTECTED_LANDMARK_LEVELS for h in self.named["heritage"])
        names = {h["name_zh"] for h in self.named["heritage"]}
        relic_uses = [u for u, (relic, _) in HERITAGE_USES.items() if relic]
        other_uses = [u for u, (relic, _) in HERITAGE_USES.items() if not relic]
        uses = [rng.choices(relic_uses, [HERITAGE_USES[u][1] for u in relic_uses])[0]
                for _ in range(t.synthetic_relics)]
        uses += [rng.choices(other_uses, [HERITAGE_USES[u][1] for u in other_uses])[0]
                 for _ in range(n - t.synthetic_relics)]
        sites: list[dict[str, Any]] = []
        for use in uses:
            while True:
                name = f"{rng.choice(RIVERSIDE_ROADS)}{rng.randint(1, 3000)}号{use}（示例）"
                if name not in names:
                    names.add(name)
                    break
            relic = HERITAGE_USES[use][0]
            lon = rng.uniform(121.51, 121.56)
            sites.append({
                "name_zh": name, "protection_level": "registered", "industrial_relic": relic,
                "built_year": rng.randint(1882, 1975) if relic else rng.randint(1895, 1985), "original_use": use,
                "floor_area_m2": None if relic else rng.randint(80, 4000), "restored_area_m2": None,
                "status": "unrestored",
                "lat": round(31.252 + (lon - 121.51) * 0.3 + rng.uniform(0.0, 0.012), 6), "lon": round(lon, 6),
                "synthetic": True,
            })
        # Protection levels: the named sites plus synthetic ones make exactly the seed's six.
        order = list(range(len(sites)))
        rng.shuffle(order)
        n_protected = t.protected_sites - named_protected
        for k, i in enumerate(order[:n_protected]):
            sites[i]["protection_level"] = "national" if k == 0 else "municipal"
        for i in order[n_protected:n_protected + 60]:
            sites[i]["protection_level"] = "district"
        # Industrial relics' floor area: exactly the seed's total, of which exactly the seed's restored area.
        relics = [s for s in sites if s["industrial_relic"]]
        weights = [math.exp(rng.gauss(0.0, 0.8)) for _ in relics]
        spare = t.relic_area_m2 - 150 * len(relics)
        areas = [150 + math.floor(spare * w / sum(weights)) for w in weights]
        areas[max(range(len(areas)), key=areas.__getitem__)] += t.relic_area_m2 - sum(areas)
        for site, area in zip(relics, areas, strict=True):
            site["floor_area_m2"] = area
        remaining = t.relic_restored_m2
        pending = list(relics)
        rng.shuffle(pending)
        for site in list(pending):
            if site["floor_area_m2"] <= remaining:
                site["status"], site["restored_area_m2"] = "restored", site["floor_area_m2"]
                remaining -= site["floor_area_m2"]
                pending.remove(site)
            if remaining < 150:
                break
        if remaining:
            site = next(s for s in pending if s["floor_area_m2"] > remaining)
            site["status"], site["restored_area_m2"] = "restoring", remaining
        for site in sites:
            if not site["industrial_relic"]:
                site["status"] = rng.choices(values(Restoration), (5, 1, 3))[0]
                if site["status"] == "restored":
                    site["restored_area_m2"] = site["floor_area_m2"]
        restored = sorted((s for s in relics if s["status"] == "restored"), key=lambda s: -s["floor_area_m2"])
        return _columns(SPECS["heritage"], sites), restored[:4]

    def _spaces(self, in_heritage: list[dict[str, Any]]) -> dict[str, list]:
        """Buildings and parks; the first few occupy the largest restored industrial relics."""
        rng, t = self.rng, self.targets
        names: set[str] = set()
        rows = []
        for i in range(t.spaces):
            while True:
                name = f"{rng.choice(SPACE_PREFIXES)}{rng.choice(SPACE_SUFFIXES)}（示例）"
                if name not in names:
                    names.add(name)
                    break
            site = in_heritage[i] if i < len(in_heritage) else None
            kind = "building" if site or i % 4 else "park"
            area = site["floor_area_m2"] if site else (
                rng.randint(20_000, 150_000) if kind == "park" else rng.randint(6_000, 60_000))
            rows.append({
                "name": name, "kind": kind, "area_m2": area, "vacant_m2": round(area * rng.uniform(0.0, 0.25)),
                "heritage_site": site["name_zh"] if site else None,
                "address": f"上海市杨浦区{rng.choice(RIVERSIDE_ROADS if i < 8 else ROADS)}{rng.randint(1, 2500)}号",
                "synthetic": True,
            })
        return _columns(SPECS["spaces"], rows)

    def _projects(self) -> dict[str, list]:
        rng, t = self.rng, self.targets
        foreign = sorted((f for f in self.firms if f.status == ACTIVE and f.ownership == FOREIGN),
                         key=lambda f: f.uscc)
        investors = rng.sample(foreign, t.projects)
        rows = []
        for i, firm in enumerate(investors):
            currency = "USD" if i % 4 == 3 else "CNY"
            amount = rng.randint(5, 800) * 1_000_000 if currency == "CNY" else rng.randint(2, 100) * 1_000_000
            day = dt.date(2022, 1, 1) + dt.timedelta(days=rng.randrange((AS_OF - dt.date(2022, 1, 1)).days))
            rows.append({
                "title": f"{PROJECT_KINDS[i % len(PROJECT_KINDS)]} (synthetic demo project {i + 1:02d})",
                "uscc": firm.uscc, "amount": amount, "currency": currency,
                "amount_usd": amount if currency == "USD" else None, "announced_on": day,
                "stage": STAGES[i % len(STAGES)],
                "dropped_reason": "investor chose another city (demo)" if STAGES[i % len(STAGES)] == "dropped" else None,
                "description": "Generated for the demo instance; not a real project.", "synthetic": True,
            })
        return _columns(SPECS["projects"], rows)

    # --- named records that need generated values

    def named_statistics(self) -> dict[str, list]:
        """The district statistics as columns, each with its own source."""
        rows = [
            {"key": row["key"], "value": row["value"], "unit": row["unit"],
             "as_of": row.get("as_of", self.named["as_of"]),
             "source": " ".join(str(row.get("source", self.named["source"])).split()),
             "qualifier": row.get("qualifier"), "synthetic": bool(row.get("synthetic", False))}
            for row in self.named["statistics"]
        ]
        return _columns(SPECS["statistics"], rows)

    def named_projects(self) -> dict[str, list]:
        by_name = {f.name_en: f.uscc for f in self.named_firms}
        rows = []
        for row in self.named["projects"]:
            rows.append({**{k: v for k, v in row.items() if k not in ("investor", "note")},
                         "uscc": by_name[row["investor"]] if row.get("investor") else None,
                         "description": " ".join(str(row.get("description", "")).split()) or None,
                         "synthetic": False})
        return _columns(SPECS["projects"], rows)

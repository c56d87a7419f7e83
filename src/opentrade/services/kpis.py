"""The district's headline figures, computed from records (or read from dated statistics), with provenance."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Connection, and_, case, func, or_, select

from opentrade.domain.kpi import KpiDefinition, KpiResult, Provenance, growth_rates, share
from opentrade.domain.vocabulary import (
    CORE_DIGITAL,
    FOREIGN_FUNDED,
    PROTECTED_LANDMARK_LEVELS,
    EnterpriseStatus,
)
from opentrade.store import kpi_queries
from opentrade.store.db import Database
from opentrade.store.models import DistrictStatistic, Enterprise, EnterpriseYear, HeritageSite, University

D = KpiDefinition
DEFINITIONS: dict[str, KpiDefinition] = {
    d.id: d
    for d in [
        D("foreign_funded_enterprises", "Foreign-funded enterprises", "外资企业数", "enterprises", "1,700+"),
        D("mnc_hq_rd_centres", "MNC regional headquarters and foreign-invested R&D centres",
          "跨国公司地区总部和外资研发中心", "enterprises", "44"),
        D("foreign_funded_revenue_growth", "Revenue growth of foreign-funded enterprises, last three years",
          "外资企业营业收入增速（近三年）", "fraction_per_year", "+20 % a year, three years running"),
        D("digital_enterprises", "Digital-economy enterprises", "数字经济企业数", "enterprises", "7,000+"),
        D("digital_share_of_enterprises", "Digital-economy share of all enterprises", "数字经济企业占比", "fraction",
          "20 %"),
        D("digital_share_of_tax", "Digital-economy share of tax paid", "数字经济企业税收占比", "fraction", "30 %"),
        D("heritage_sites", "Immovable cultural heritage sites", "不可移动文物", "sites", "700+"),
        D("protected_landmarks", "Nationally and municipally protected landmarks", "全国及市级文物保护单位", "sites", "6"),
        D("relic_area_m2", "Industrial relics, floor area", "工业遗存建筑面积", "m2", "260,000 m²"),
        D("relic_area_restored_m2", "Industrial relics restored", "已修缮工业遗存面积", "m2", "120,000 m²"),
        D("planned_construction_m2", "Planned construction", "规划建设规模", "m2", "8 million m²"),
        D("universities", "Universities", "高校数", "universities", "10+"),
        D("students", "University students", "在校大学生", "persons", "180,000"),
        D("international_student_share_of_shanghai", "Share of Shanghai's international students",
          "占全市留学生比例", "fraction", "one third"),
        D("expats", "Expats living and working in the district", "在区工作生活的外籍人士", "persons", "10,000+"),
    ]
}


def compute_kpis(db: Database, *, as_of: dt.date) -> list[KpiResult]:
    # The revenue-growth figure is the one long query (point lookups for every foreign-invested firm over four
    # years); it runs on a second connection while the others are computed, so a 2-core machine uses both cores.
    with ThreadPoolExecutor(max_workers=1) as pool, db.engine.connect() as conn:
        growth = pool.submit(_growth_on_own_connection, db, as_of)
        calc = _Calculator(conn, as_of)
        results = {k: getattr(calc, k)() for k in DEFINITIONS if k != "foreign_funded_revenue_growth"}
        results["foreign_funded_revenue_growth"] = growth.result()
        return [results[k] for k in DEFINITIONS]


def _growth_on_own_connection(db: Database, as_of: dt.date) -> KpiResult:
    with db.engine.connect() as conn:
        return _Calculator(conn, as_of).foreign_funded_revenue_growth()


class _Calculator:
    def __init__(self, conn: Connection, as_of: dt.date):
        self.conn = conn
        self.as_of = as_of
        self.year = self._latest_year()
        self._counts: dict[str, int] | None = None

    # --- helpers ----------------------------------------------------------------------------------------------

    def _result(self, kpi_id: str, value, provenance: Provenance, qualifier: str | None = None) -> KpiResult:
        return KpiResult(DEFINITIONS[kpi_id], value, self.as_of, provenance, qualifier)

    def _active(self):
        """Firms registered by the date and still operating in the district."""
        return and_(
            Enterprise.status == EnterpriseStatus.ACTIVE,
            or_(Enterprise.established_on.is_(None), Enterprise.established_on <= self.as_of),
        )

    def _firm_counts(self) -> dict[str, int]:
        """Every firm count the KPIs need, in one pass over the registry (a million rows: one scan, not six)."""
        if self._counts is None:
            groups = {
                "all": Enterprise.id.is_not(None),
                "foreign": Enterprise.ownership.in_(FOREIGN_FUNDED),
                "hq_rd": or_(Enterprise.mnc_regional_hq, Enterprise.rd_centre),
                "digital": Enterprise.de_category.in_(CORE_DIGITAL),
            }
            cols = []
            for name, cond in groups.items():
                cols.append(func.sum(case((cond, 1), else_=0)).label(name))
                cols.append(func.sum(case((and_(cond, Enterprise.synthetic), 1), else_=0)).label(f"{name}_syn"))
            row = self.conn.execute(select(*cols).where(self._active())).one()
            self._counts = {k: int(v or 0) for k, v in row._mapping.items()}
        return self._counts

    def _count_firms(self, group: str) -> tuple[int, int]:
        counts = self._firm_counts()
        return counts[group], counts[f"{group}_syn"]

    def _latest_year(self) -> int | None:
        """The newest complete year with figures: before the as-of year."""
        return self.conn.execute(
            select(func.max(EnterpriseYear.year)).where(EnterpriseYear.year < self.as_of.year)
        ).scalar_one()

    def _statistic(self, kpi_id: str, key: str | None = None) -> KpiResult:
        key = key or kpi_id
        t = DistrictStatistic
        stat = self.conn.execute(
            select(t.key, t.value, t.unit, t.as_of, t.source, t.qualifier, t.synthetic)
            .where(t.key == key, t.as_of <= self.as_of)
            .order_by(t.as_of.desc())
            .limit(1)
        ).one_or_none()
        if stat is None:
            return self._result(kpi_id, None, Provenance(
                "statistic", f"district statistic '{key}': none dated on or before {self.as_of}", record_count=0,
                definition_zh=f"区级统计数据“{key}”：{self.as_of}及以前无数据"))
        prov = Provenance("statistic", f"district statistic '{stat.key}' ({stat.unit})", record_count=1,
                          definition_zh=f"区级统计数据“{stat.key}”（{stat.unit}）",
                          synthetic_records=int(stat.synthetic), source=stat.source, statistic_as_of=stat.as_of)
        return self._result(kpi_id, stat.value, prov, stat.qualifier)

    # --- enterprises ------------------------------------------------------------------------------------------

    def foreign_funded_enterprises(self) -> KpiResult:
        n, syn = self._count_firms("foreign")
        return self._result("foreign_funded_enterprises", n, Provenance(
            "records", "active enterprises with ownership foreign-invested or HK/Macao/Taiwan-invested, "
            "established on or before the date", n, syn,
            definition_zh="截至当日已成立、仍在营的外商投资及港澳台商投资企业数"))

    def mnc_hq_rd_centres(self) -> KpiResult:
        n, syn = self._count_firms("hq_rd")
        return self._result("mnc_hq_rd_centres", n, Provenance(
            "records", "active enterprises flagged MNC regional headquarters or foreign-invested R&D centre "
            "(a firm with both flags counts once)", n, syn,
            definition_zh="标记为跨国公司地区总部或外资研发中心的在营企业数（两项兼有者计一次）"))

    def foreign_funded_revenue_growth(self) -> KpiResult:
        if self.year is None:
            return self._result("foreign_funded_revenue_growth", None,
                                Provenance("records", "no yearly figures before the date", 0,
                                           definition_zh="当日以前无年度数据"))
        years = [self.year - 2, self.year - 1, self.year]
        data = kpi_queries.foreign_revenue_by_year(self.conn, [years[0] - 1, *years])
        totals = {y: rev for y, (rev, _, _) in data.items()}
        rates = growth_rates(totals, years)
        prov = Provenance(
            "records", f"total revenue of foreign-/HMT-invested enterprises in year y over year y-1, minus 1, "
            f"for y = {years[0]}, {years[1]}, {years[2]}", sum(n for _, n, _ in data.values()),
            sum(syn for _, _, syn in data.values()),
            definition_zh=f"外商及港澳台商投资企业第y年营业收入合计 ÷ 第y−1年合计 − 1，y = {years[0]}、{years[1]}、"
                          f"{years[2]}",
            details={"years": years, "revenue_yuan": {str(k): v for k, v in sorted(totals.items())}})
        return self._result("foreign_funded_revenue_growth", rates, prov)

    def _digital_counts(self) -> tuple[int, int, int, int]:
        n_all, syn_all = self._count_firms("all")
        n_dig, syn_dig = self._count_firms("digital")
        return n_all, syn_all, n_dig, syn_dig

    def digital_enterprises(self) -> KpiResult:
        _, _, n, syn = self._digital_counts()
        return self._result("digital_enterprises", n, Provenance(
            "records", "active enterprises whose class falls in the NBS 2021 digital-economy core industries (01-04)",
            n, syn, definition_zh="行业属于《数字经济及其核心产业统计分类（2021）》核心产业（01-04）的在营企业数"))

    def digital_share_of_enterprises(self) -> KpiResult:
        n_all, syn_all, n_dig, _ = self._digital_counts()
        return self._result("digital_share_of_enterprises", share(n_dig, n_all), Provenance(
            "records", "digital-economy core enterprises / all active enterprises", n_all, syn_all,
            definition_zh="数字经济核心产业企业数 ÷ 全部在营企业数",
            details={"numerator": n_dig, "denominator": n_all}))

    def digital_share_of_tax(self) -> KpiResult:
        if self.year is None:
            return self._result("digital_share_of_tax", None, Provenance("records", "no yearly figures", 0,
                                                                         definition_zh="无年度数据"))
        total, digital, n, syn = kpi_queries.tax_totals(self.conn, self.year)
        return self._result("digital_share_of_tax", share(digital, total), Provenance(
            "records", f"tax paid in {self.year} by digital-economy core enterprises / tax paid by all enterprises "
            "in the registry (firm-level tax, not the district's fiscal revenue)", n, syn,
            definition_zh=f"{self.year}年数字经济核心产业企业纳税额 ÷ 登记库全部企业纳税额（企业层面税收，非区级财政收入）",
            details={"year": self.year, "digital_tax_yuan": digital, "total_tax_yuan": total}))

    # --- heritage -------------------------------------------------------------------------------------------

    def _heritage(self, kpi_id: str, value_expr, definition: str, definition_zh: str, *where) -> KpiResult:
        value, n, syn = self.conn.execute(
            select(value_expr, func.count(), func.coalesce(func.sum(case((HeritageSite.synthetic, 1), else_=0)), 0))
            .where(*where)
        ).one()
        return self._result(kpi_id, value if n else None,
                            Provenance("records", definition, int(n), int(syn), definition_zh=definition_zh))

    def heritage_sites(self) -> KpiResult:
        return self._heritage("heritage_sites", func.count(), "immovable cultural heritage sites in the register",
                              "登记在册的不可移动文物数")

    def protected_landmarks(self) -> KpiResult:
        return self._heritage("protected_landmarks", func.count(), "heritage sites protected at national or "
                              "municipal level", "全国重点及市级文物保护单位数", HeritageSite.protection_level.in_(PROTECTED_LANDMARK_LEVELS))

    def relic_area_m2(self) -> KpiResult:
        return self._heritage("relic_area_m2", func.sum(HeritageSite.floor_area_m2),
                              "floor area of heritage sites flagged industrial relic", "标记为工业遗存的文物建筑面积合计", HeritageSite.industrial_relic)

    def relic_area_restored_m2(self) -> KpiResult:
        return self._heritage("relic_area_restored_m2", func.sum(HeritageSite.restored_area_m2),
                              "restored floor area of industrial relics", "工业遗存已修缮面积合计", HeritageSite.industrial_relic)

    # --- statistics and universities -------------------------------------------------------------------------

    def planned_construction_m2(self) -> KpiResult:
        return self._statistic("planned_construction_m2")

    def expats(self) -> KpiResult:
        return self._statistic("expats")

    def _universities(self):
        return self.conn.execute(
            select(func.count(), func.sum(University.students), func.sum(University.international_students),
                   func.coalesce(func.sum(case((University.synthetic, 1), else_=0)), 0))
        ).one()

    def universities(self) -> KpiResult:
        n, _, _, syn = self._universities()
        return self._result("universities", n, Provenance("records", "universities in the register", n, syn,
                                                                  definition_zh="登记在册的高校数"))

    def students(self) -> KpiResult:
        n, students, _, syn = self._universities()
        return self._result("students", students, Provenance("records", "sum of students over universities", n, syn,
                                                                       definition_zh="各高校在校生人数合计"))

    def international_student_share_of_shanghai(self) -> KpiResult:
        n, _, intl, syn = self._universities()
        city = self._statistic("international_student_share_of_shanghai", "shanghai_international_students")
        prov = Provenance(
            "records", "international students at the district's universities / Shanghai's international students "
            "(district statistic 'shanghai_international_students')", n + (city.provenance.record_count or 0),
            syn + city.provenance.synthetic_records,
            definition_zh="区内高校留学生人数 ÷ 全市留学生人数（区级统计数据“shanghai_international_students”）",
            source=city.provenance.source, statistic_as_of=city.provenance.statistic_as_of,
            details={"district_international_students": intl, "shanghai_international_students": city.value})
        city_total = city.value if isinstance(city.value, int | float) else None
        return self._result("international_student_share_of_shanghai", share(intl, city_total), prov)

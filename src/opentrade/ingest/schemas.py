"""What each importable file holds: its columns (with the Chinese and English headers accepted), rules and keys.

This table *is* the documented alias table: ``opentrade import --columns KIND`` prints it and
``docs/import-columns.md`` is generated from it (a test keeps the two equal).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from opentrade.domain.vocabulary import PIPELINE_STAGES
from opentrade.ingest import values as v
from opentrade.refdata.countries import country_spellings, currency_codes

ParserFactory = Callable[[float], "v.Parser"]  # unit multiplier → parser


@dataclass(frozen=True)
class Column:
    field: str
    aliases: tuple[str, ...]  # accepted headers besides the field name itself, Chinese first
    parser: ParserFactory
    required: bool = False
    unit: str | None = None  # "money" or "area": the header may state a unit, converted into yuan / m²
    description: str = ""


@dataclass(frozen=True)
class Check:
    """A rule across columns: rows where ``bad`` is true get ``message`` on ``column``."""

    column: str
    bad: Callable[[], pl.Expr]
    message: str


@dataclass(frozen=True)
class EntitySpec:
    kind: str
    table: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # natural key: unique within a file, upsert target in the database
    checks: tuple[Check, ...] = ()
    references: dict[str, str] = field(default_factory=dict)  # column → referenced kind

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.field == name)


def _const(parser: v.Parser) -> ParserFactory:
    return lambda _multiplier: parser


def _gbt4754() -> dict[str, str]:
    from opentrade.refdata.standards import load_gbt4754

    return {code: code for code, cls in load_gbt4754().items() if cls.level >= 2}


class _IndustryCode:
    """GB/T 4754-2017 code at 大类/中类/小类 level; a leading section letter (I6513) is accepted and dropped."""

    def parse(self, col: pl.Expr) -> v.Parsed:
        return v.Code(_gbt4754(), "GB/T 4754-2017 industry code", rewrite=(r"^[A-T]([0-9]{2,4})$", "${1}")).parse(col)


def _countries() -> v.CodeList:
    """Markets served: ISO codes or names separated by ; , 、 or /."""
    return v.CodeList(country_spellings(), "country (use ISO codes or names)")


def _segments() -> v.CodeList:
    """Service segment ids of the market model, or their Chinese / English names."""
    from opentrade.refdata.market_model import load_model_config

    known: dict[str, str] = {}
    for sid, seg in load_model_config().segments.items():
        known |= {sid.upper(): sid, seg.en.upper(): sid, seg.zh.upper(): sid}
    return v.CodeList(known, "service segment (" + ", ".join(load_model_config().segments) + ")")


def _clusters() -> v.CodeList:
    """1+2+3+4 cluster ids (2.ai_plus) or their Chinese / English names."""
    from opentrade.refdata.standards import load_taxonomy

    known: dict[str, str] = {}
    for c in load_taxonomy().clusters:
        known |= {c.id.upper(): c.id, c.name_en.upper(): c.id, c.name_zh.upper(): c.id}
    return v.CodeList(known, "1+2+3+4 cluster")


class _Lazy:
    """A parser built on first use (reference tables are read only when a file needs them)."""

    def __init__(self, build: Callable[[], v.Parser]):
        self._build = build

    def parse(self, col: pl.Expr) -> v.Parsed:
        return self._build().parse(col)


def _country() -> v.Code:
    return v.Code(country_spellings(), "country (ISO 3166 code, or name in Chinese or English)")


OWNERSHIP = {
    **{w: "domestic" for w in ["domestic", "内资", "内资企业", "国有", "集体", "私营", "民营", "国有企业", "私营企业",
                               "110", "120", "130", "141", "142", "143", "149", "151", "159", "160", "171", "172",
                               "173", "174", "190"]},
    **{w: "hmt" for w in ["hmt", "hk/macao/taiwan", "港澳台", "港澳台投资", "港澳台商投资", "港澳台商投资企业",
                          "港澳台商独资", "210", "220", "230", "240", "290"]},
    **{w: "foreign" for w in ["foreign", "foreign-invested", "foreign invested", "外资", "外商投资", "外商投资企业",
                              "外资企业", "中外合资", "中外合作", "外商独资", "310", "320", "330", "340", "390"]},
}
STATUS = {"active": "active", "存续": "active", "在业": "active", "开业": "active", "closed": "closed", "注销": "closed",
          "吊销": "closed", "moved_out": "moved_out", "迁出": "moved_out"}
STAGE = {s: s for s in PIPELINE_STAGES} | {
    "线索": "lead", "已接洽": "contacted", "洽谈": "negotiating", "签约": "signed", "落地": "landed", "运营": "operating",
    "投产": "operating", "终止": "dropped"}
PARTNER_KIND = {"friendly_city": "friendly_city", "friendly city": "friendly_city", "友好城市": "friendly_city",
                "organisation": "organisation", "organization": "organisation", "机构": "organisation",
                "组织": "organisation", "platform": "platform", "平台": "platform"}
PROTECTION = {"national": "national", "全国重点文物保护单位": "national", "国家级": "national",
              "municipal": "municipal", "市级文物保护单位": "municipal", "市级": "municipal",
              "district": "district", "区级文物保护单位": "district", "区级": "district",
              "registered": "registered", "文物保护点": "registered", "登记不可移动文物": "registered",
              "尚未核定公布为文物保护单位的不可移动文物": "registered"}
RESTORATION = {"unrestored": "unrestored", "未修缮": "unrestored", "restoring": "restoring", "修缮中": "restoring",
               "restored": "restored", "已修缮": "restored", "已完成": "restored"}
SPACE_KIND = {"building": "building", "楼宇": "building", "park": "park", "园区": "park"}

SYNTHETIC = Column("synthetic", ("合成数据", "演示数据"), _const(v.Flag()), description="true for generated demo records")
LAT = Column("lat", ("纬度", "latitude"), _const(v.Coordinate(-90, 90)), description="WGS-84 latitude")
LON = Column("lon", ("经度", "longitude", "lng"), _const(v.Coordinate(-180, 180)), description="WGS-84 longitude")
USCC_REF = Column("uscc", ("统一社会信用代码", "信用代码", "credit_code"), _const(v.USCCReference()), required=True,
                  description="USCC of a firm already in the registry")


def _money(*aliases: str, field_name: str, description: str = "") -> Column:
    return Column(field_name, aliases, lambda m: v.Amount(m), unit="money", description=description or "yuan")


def _area(*aliases: str, field_name: str, description: str = "") -> Column:
    return Column(field_name, aliases, lambda m: v.Amount(m), unit="area", description=description or "m²")


ENTERPRISES = EntitySpec(
    kind="enterprises", table="enterprise", key=("uscc",),
    description="The firm registry: one row per enterprise, keyed by its unified social credit code.",
    columns=(
        Column("uscc", ("统一社会信用代码", "信用代码", "credit_code"), _const(v.USCC()), required=True,
               description="GB 32100-2015, check character verified"),
        Column("name_zh", ("企业名称", "名称", "中文名称", "name"), _const(v.Text(200)), required=True),
        Column("name_en", ("英文名称", "english_name"), _const(v.Text(200))),
        Column("industry_code", ("行业代码", "国民经济行业代码", "行业分类代码", "gbt4754"), _const(_IndustryCode()),
               description="GB/T 4754-2017 code (2-4 digits; a leading section letter is dropped)"),
        Column("ownership", ("登记注册类型", "企业类型", "注册类型", "ownership_type"), _const(v.Choice(OWNERSHIP, "ownership type")),
               required=True, description="domestic / foreign / hmt, or 登记注册类型 words and codes"),
        Column("origin_country", ("投资国别", "投资方国别", "国别", "country"), _const(_country())),
        Column("established_on", ("成立日期", "注册日期", "established"), _const(v.Date())),
        Column("address", ("注册地址", "地址"), _const(v.Text(500))),
        Column("business_scope", ("经营范围", "scope"), _const(v.Text(5000))),
        Column("mnc_regional_hq", ("跨国公司地区总部", "地区总部", "regional_hq"), _const(v.Flag())),
        Column("rd_centre", ("外资研发中心", "研发中心", "rd_center"), _const(v.Flag())),
        Column("parent_group", ("所属集团", "母公司", "parent"), _const(v.Text(200))),
        Column("status", ("经营状态", "登记状态"), _const(v.Choice(STATUS, "status"))),
        LAT, LON, SYNTHETIC,
    ),
    checks=(
        Check("mnc_regional_hq", lambda: pl.col("mnc_regional_hq") & (pl.col("ownership") == "domestic"),
              "only a foreign- or HK/Macao/Taiwan-invested firm can be an MNC regional headquarters"),
        Check("rd_centre", lambda: pl.col("rd_centre") & (pl.col("ownership") == "domestic"),
              "only a foreign- or HK/Macao/Taiwan-invested firm can be a foreign-invested R&D centre"),
    ),
)

FINANCIALS = EntitySpec(
    kind="financials", table="enterprise_year", key=("uscc", "year"), references={"uscc": "enterprises"},
    description="Yearly figures per enterprise (revenue, tax paid, employees).",
    columns=(
        USCC_REF,
        Column("year", ("年度", "年份", "统计年度"), _const(v.Integer(1949, 2100)), required=True),
        _money("营业收入", "收入", "营收", "operating_revenue", field_name="revenue"),
        _money("税收", "纳税额", "税收总额", "tax_paid", field_name="tax"),
        Column("employees", ("从业人员", "从业人数", "员工人数", "staff"), _const(v.Integer(0, 10_000_000))),
        _money("境外收入", "海外收入", "overseas_revenue", field_name="foreign_revenue"),
        SYNTHETIC,
    ),
)

PROJECTS = EntitySpec(
    kind="projects", table="investment_project", key=("title",), references={"uscc": "enterprises"},
    description="Investment projects; the title identifies a project.",
    columns=(
        Column("title", ("项目名称", "项目"), _const(v.Text(300)), required=True),
        Column("uscc", ("统一社会信用代码", "信用代码"), _const(v.USCCReference()),
               description="investing firm, if registered"),
        Column("amount", ("投资金额", "金额"), lambda m: v.Amount(m), unit="money",
               description="in `currency`; a unit in the header (万元) scales it"),
        Column("currency", ("币种", "货币"), _const(v.Code(currency_codes(), "ISO 4217 currency"))),
        Column("amount_usd", ("美元金额", "amount_in_usd"), lambda m: v.Amount(m), unit="money"),
        Column("announced_on", ("公布日期", "签约日期", "date"), _const(v.Date())),
        Column("stage", ("阶段", "项目阶段"), _const(v.Choice(STAGE, "stage")),
               description="lead, contacted, negotiating, signed, landed, operating or dropped"),
        Column("description", ("说明", "项目简介"), _const(v.Text(5000))),
        Column("investor_country", ("投资方国别", "来源国"), _const(_country())),
        Column("owner", ("负责人", "跟进人"), _const(v.Text(100)), description="officer following the project"),
        Column("next_action", ("下一步", "下一步工作"), _const(v.Text(2000))),
        Column("next_action_on", ("下一步日期", "跟进日期"), _const(v.Date())),
        Column("stage_changed_on", ("阶段日期", "进入阶段日期"), _const(v.Date()),
               description="when the project reached its stage"),
        Column("dropped_reason", ("终止原因",), _const(v.Text(2000)), description="required when the stage is dropped"),
        SYNTHETIC,
    ),
    checks=(Check("dropped_reason", lambda: (pl.col("stage") == "dropped") & pl.col("dropped_reason").is_null(),
                  "a dropped project needs the reason it was dropped"),),
)

PARTNERS = EntitySpec(
    kind="partners", table="partner", key=("kind", "name_en"),
    description="Friendly cities, organisations and platforms, with the markets they serve.",
    columns=(
        Column("kind", ("类型", "合作类型", "type"), _const(v.Choice(PARTNER_KIND, "partner kind")), required=True),
        Column("name_en", ("英文名称", "name"), _const(v.Text(200)), required=True),
        Column("name_zh", ("中文名称", "名称"), _const(v.Text(200))),
        Column("country", ("国家", "国别"), _const(_country())),
        Column("markets", ("服务市场", "市场"), _const(_Lazy(_countries)), description="ISO codes joined by ;"),
        Column("segments", ("服务领域", "领域"), _const(_Lazy(_segments)),
               description="service segment ids joined by ; (empty: all segments)"),
        Column("contact_name", ("联系人",), _const(v.Text(200))),
        Column("contact_email", ("联系邮箱", "邮箱", "email"), _const(v.Text(200))),
        Column("agreement", ("合作协议", "协议"), _const(v.Text(2000))),
        Column("agreement_on", ("签署日期", "协议日期"), _const(v.Date())),
        Column("description", ("说明", "简介"), _const(v.Text(5000))),
        SYNTHETIC,
    ),
)

EVENTS = EntitySpec(
    kind="events", table="event", key=("name_en", "starts_on"),
    description="Events: media dialogues, expos, forums, delegations.",
    columns=(
        Column("name_en", ("英文名称", "name"), _const(v.Text(300)), required=True),
        Column("name_zh", ("活动名称", "中文名称"), _const(v.Text(300))),
        Column("kind", ("类型", "活动类型"), _const(v.Text(30))),
        Column("starts_on", ("日期", "开始日期", "date"), _const(v.Date()), required=True),
        Column("organisers", ("主办方", "organizers"), _const(v.Text(1000))),
        Column("description", ("说明", "简介"), _const(v.Text(5000))),
        SYNTHETIC,
    ),
)

UNIVERSITIES = EntitySpec(
    kind="universities", table="university", key=("name_en",),
    description="Universities in the district, with student numbers.",
    columns=(
        Column("name_en", ("英文名称", "name"), _const(v.Text(200)), required=True),
        Column("name_zh", ("学校名称", "中文名称"), _const(v.Text(200))),
        Column("students", ("在校生", "在校学生", "学生人数"), _const(v.Integer(0, 10_000_000))),
        Column("international_students", ("留学生", "国际学生"), _const(v.Integer(0, 10_000_000))),
        SYNTHETIC,
    ),
    checks=(Check("international_students",
                  lambda: pl.col("international_students") > pl.col("students"),
                  "international students exceed all students"),),
)

HERITAGE = EntitySpec(
    kind="heritage", table="heritage_site", key=("name_zh",),
    description="Immovable cultural heritage sites and industrial relics.",
    columns=(
        Column("name_zh", ("名称", "文物名称", "name"), _const(v.Text(200)), required=True),
        Column("name_en", ("英文名称",), _const(v.Text(200))),
        Column("protection_level", ("保护级别", "级别"), _const(v.Choice(PROTECTION, "protection level")), required=True),
        Column("industrial_relic", ("工业遗存", "relic"), _const(v.Flag())),
        Column("built_year", ("建成年代", "建成年份"), _const(v.Integer(1000, 2100))),
        Column("original_use", ("原用途",), _const(v.Text(200))),
        _area("建筑面积", "面积", "floor_area", field_name="floor_area_m2"),
        _area("已修缮面积", "修缮面积", "restored_area", field_name="restored_area_m2"),
        Column("status", ("修缮状态", "状态"), _const(v.Choice(RESTORATION, "restoration status"))),
        Column("restoration_started_on", ("修缮开始日期", "开工日期"), _const(v.Date())),
        Column("restored_on", ("修缮完成日期", "竣工日期"), _const(v.Date())),
        Column("current_use", ("现用途", "当前用途"), _const(v.Text(200))),
        LAT, LON, SYNTHETIC,
    ),
    checks=(Check("restored_area_m2", lambda: pl.col("restored_area_m2") > pl.col("floor_area_m2"),
                  "restored area exceeds the floor area"),
            Check("restored_on", lambda: pl.col("restored_on") < pl.col("restoration_started_on"),
                  "restoration finished before it started")),
)

SPACES = EntitySpec(
    kind="spaces", table="space", key=("name",), references={"heritage_site": "heritage"},
    description="Buildings and parks offered to firms, optionally in a restored heritage site.",
    columns=(
        Column("name", ("名称", "载体名称"), _const(v.Text(200)), required=True),
        Column("kind", ("类型", "载体类型"), _const(v.Choice(SPACE_KIND, "space kind")), required=True),
        _area("面积", "建筑面积", "area", field_name="area_m2"),
        _area("空置面积", "vacant", "vacancy", field_name="vacant_m2"),
        Column("heritage_site", ("所在遗产", "遗产名称"), _const(v.Text(200)), description="name_zh of a heritage site"),
        Column("address", ("地址",), _const(v.Text(500))),
        Column("suitable_clusters", ("适合产业", "产业方向"), _const(_Lazy(_clusters)),
               description="1+2+3+4 cluster ids joined by ; (empty: any)"),
        Column("rent_cny_m2_day", ("租金", "租金(元/平方米/天)", "rent"), _const(v.Amount()),
               description="asking rent, yuan per m² per day"),
        SYNTHETIC,
    ),
    checks=(Check("vacant_m2", lambda: pl.col("vacant_m2") > pl.col("area_m2"), "vacant area exceeds the area"),),
)

STATISTICS = EntitySpec(
    kind="statistics", table="district_statistic", key=("key", "as_of"),
    description="Dated district figures that firm records cannot give (expats, planned construction …), with source.",
    columns=(
        Column("key", ("指标", "指标代码"), _const(v.Text(80)), required=True),
        Column("value", ("数值", "值"), _const(v.Amount(allow_negative=True)), required=True),
        Column("unit", ("单位",), _const(v.Text(30)), required=True),
        Column("as_of", ("日期", "统计日期"), _const(v.Date()), required=True),
        Column("source", ("来源", "数据来源"), _const(v.Text(2000)), required=True),
        Column("qualifier", ("限定",), _const(v.Text(16)), description="e.g. 'more than' for 10,000+"),
        SYNTHETIC,
    ),
)


TENANCIES = EntitySpec(
    kind="tenancies", table="tenancy", key=("space", "uscc", "starts_on"),
    references={"space": "spaces", "uscc": "enterprises"},
    description="Firms occupying spaces.",
    columns=(
        Column("space", ("载体名称", "载体"), _const(v.Text(200)), required=True, description="name of a space"),
        USCC_REF,
        _area("租用面积", "面积", "area", field_name="area_m2"),
        Column("starts_on", ("起租日期", "入驻日期", "start"), _const(v.Date()), required=True),
        Column("ends_on", ("到期日期", "迁出日期", "end"), _const(v.Date())),
        SYNTHETIC,
    ),
    checks=(Check("ends_on", lambda: pl.col("ends_on") < pl.col("starts_on"), "the tenancy ends before it starts"),),
)

AFTERCARE = EntitySpec(
    kind="aftercare", table="aftercare_visit", key=("uscc", "visited_on"), references={"uscc": "enterprises"},
    description="Aftercare visits to firms already in the district.",
    columns=(
        USCC_REF,
        Column("visited_on", ("走访日期", "日期", "date"), _const(v.Date()), required=True),
        Column("officer", ("走访人", "负责人"), _const(v.Text(100))),
        Column("topics", ("走访内容", "内容"), _const(v.Text(5000))),
        Column("issues", ("企业诉求", "问题"), _const(v.Text(5000))),
        Column("follow_up", ("跟进事项", "后续"), _const(v.Text(5000))),
        Column("follow_up_on", ("跟进日期",), _const(v.Date())),
        SYNTHETIC,
    ),
)

ENQUIRIES = EntitySpec(
    kind="enquiries", table="enquiry", key=("received_at", "enquirer"),
    description="Enquiries from investors and firms, with when they were answered.",
    columns=(
        Column("received_at", ("收到时间", "咨询时间", "received"), _const(v.DateTime()), required=True),
        Column("enquirer", ("咨询方", "来访单位", "name"), _const(v.Text(200)), required=True),
        Column("channel", ("渠道", "方式"), _const(v.Text(30))),
        Column("country", ("国别", "国家"), _const(_country())),
        Column("topic", ("咨询内容", "内容"), _const(v.Text(5000))),
        Column("responded_at", ("答复时间", "回复时间", "responded"), _const(v.DateTime())),
        Column("officer", ("负责人", "答复人"), _const(v.Text(100))),
        SYNTHETIC,
    ),
    checks=(Check("responded_at", lambda: pl.col("responded_at") < pl.col("received_at"),
                  "answered before it was received"),),
)

BUYERS = EntitySpec(
    kind="buyers", table="buyer", key=("name",), references={"event": "events"},
    description="Foreign buyers for expo B2B meetings, with the service segments they want.",
    columns=(
        Column("name", ("采购商", "姓名", "名称"), _const(v.Text(200)), required=True),
        Column("organisation", ("机构", "公司", "organization"), _const(v.Text(200))),
        Column("country", ("国别", "国家"), _const(_country())),
        Column("segments", ("需求领域", "领域"), _const(_Lazy(_segments)), required=True,
               description="service segment ids joined by ;"),
        Column("interests", ("需求说明", "需求"), _const(v.Text(5000))),
        Column("event", ("活动", "展会", "活动名称"), _const(v.Text(300)),
               description="English name of the event (expo) the buyer comes to; the newest event of that name"),
        Column("unavailable_slots", ("不可用时段",), _const(v.Text(500)),
               description="1-based slot numbers joined by ; when the buyer cannot meet"),
        SYNTHETIC,
    ),
    checks=(Check("unavailable_slots",
                  lambda: pl.col("unavailable_slots").is_not_null()
                  & ~pl.col("unavailable_slots").str.contains(r"^[0-9]{1,3}(\s*[;,]\s*[0-9]{1,3})*$"),
                  "slot numbers separated by ;"),),
)

EXCHANGE_RATES = EntitySpec(
    kind="exchange_rates", table="exchange_rate", key=("currency", "on_date"),
    description="Yuan per unit of a currency on a date (used to show pipeline amounts in CNY and USD).",
    columns=(
        Column("currency", ("币种", "货币"), _const(v.Code(currency_codes(), "ISO 4217 currency")), required=True),
        Column("on_date", ("日期", "date"), _const(v.Date()), required=True),
        Column("cny_per_unit", ("汇率", "人民币汇率", "rate"), _const(v.Amount()), required=True,
               description="yuan per one unit of the currency"),
        Column("source", ("来源", "数据来源"), _const(v.Text(2000)), required=True),
    ),
    checks=(Check("cny_per_unit", lambda: pl.col("cny_per_unit") <= 0, "a rate must be positive"),),
)

SPECS: dict[str, EntitySpec] = {
    s.kind: s for s in (ENTERPRISES, FINANCIALS, PROJECTS, PARTNERS, EVENTS, UNIVERSITIES, HERITAGE, SPACES, STATISTICS,
                        TENANCIES, AFTERCARE, ENQUIRIES, BUYERS, EXCHANGE_RATES)
}

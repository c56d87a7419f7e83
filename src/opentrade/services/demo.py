"""The built-in Yangpu instance: the seed report's named entities plus a calibrated synthetic registry.

Two parts, both written through :func:`opentrade.services.importer.import_table` — the path user files take —
so every generated cell is validated and classified exactly like user data:

1. ``data/demo/named.yaml``: what the seed report (Shanghai Daily, 2024-06-14) names — Nike, Siemens, Continental
   and Henkel, Henkel's and Nike's projects, the friendly cities, organisations and platforms, the media dialogue,
   two heritage sites, the universities and the district statistics — each with its source.
2. A deterministic synthetic registry (``random.Random(SEED)``), every record flagged ``synthetic``, calibrated so
   that :func:`opentrade.services.kpis.compute_kpis` at :data:`AS_OF` reproduces the seed's figures: 1,700+
   foreign-funded firms, 44 MNC headquarters / R&D centres, +20 % revenue three years running, 7,000+ digital
   firms = 20 % of all firms and 30 % of tax, 700+ heritage sites (6 protected), 260,000 m² of industrial relics
   (120,000 m² restored).

Digital firms are those the classifier puts in NBS digital-economy core categories 01-04: the generator asks
:func:`opentrade.domain.classify.classify_one` (with the taxonomy the importer uses) which industry profiles are
core, and draws the intended number of firms from each group. Nothing about the categories is hard-coded.

Idempotent: every record has a natural key and the generator is deterministic, so a second load updates the
same rows in place.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import polars as pl
import yaml
from sqlalchemy import Connection, func, select
from stdnum.cn import uscc as stdnum_uscc

from opentrade.domain.classify import Classification, classify_one
from opentrade.domain.vocabulary import (
    PIPELINE_STAGES,
    PROTECTED_LANDMARK_LEVELS,
    EnterpriseStatus,
    Restoration,
    values,
)
from opentrade.ingest.readers import RawTable
from opentrade.ingest.schemas import SPECS, EntitySpec
from opentrade.refdata.standards import Taxonomy, load_taxonomy
from opentrade.services.importer import ImportResult, import_on
from opentrade.store.db import Database
from opentrade.store.models import Enterprise
from opentrade.store.upsert import StagingArea, staging_area

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


# --- industry profiles ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """A kind of firm: GB/T 4754 class, words for its name, business scope and optional cluster phrases."""

    code: str
    words: tuple[str, ...]
    scope: str
    extras: tuple[str, ...] = ()  # scope phrases carrying 1+2+3+4 cluster keywords
    weight: float = 1.0  # relative frequency within its group (digital / other)
    foreign: float = 1.0  # relative propensity to be foreign-funded
    mnc: float = 0.0  # relative propensity of a foreign firm to be an MNC regional HQ / R&D centre


AI = ("人工智能应用软件开发", "人工智能基础软件开发", "大模型技术研发与应用")
P = Profile
PROFILES: tuple[Profile, ...] = (
    # --- expected digital-economy core (the classifier decides; see _split_profiles)
    P("6513", ("软件科技", "信息科技", "网络科技", "数字科技"), "软件开发；信息技术咨询服务；计算机系统服务；数据处理服务",
      AI + ("工业互联网平台软件开发", "在线教育平台软件开发", "网络直播技术服务"), 20, 1.2, 0.5),
    P("6511", ("软件", "计算机科技"), "基础软件开发；软件销售；信息系统运行维护服务", AI, 3, 1.0, 0.5),
    P("6520", ("微电子", "半导体科技", "芯片科技"), "集成电路设计；集成电路芯片设计及服务；电子产品销售",
      ("人工智能芯片设计", "智能装备控制芯片研发"), 3, 1.5, 1.0),
    P("6531", ("信息系统", "智能科技", "系统集成"), "信息系统集成服务；计算机系统服务；网络设备销售",
      ("智慧城市信息系统集成", "工业互联网解决方案"), 8, 1.0, 0.3),
    P("6532", ("物联科技", "智联科技"), "物联网技术服务；物联网应用服务；物联网设备销售", ("智能制造物联网服务",), 4),
    P("6540", ("信息服务", "运维科技"), "信息系统运行维护服务；计算机及办公设备维修", (), 2),
    P("6550", ("数据科技", "云计算科技"), "信息处理和存储支持服务；数据处理和存储支持服务；云计算装备技术服务",
      ("大模型算力服务",), 4, 1.2, 0.3),
    P("6560", ("信息咨询", "数字咨询"), "信息技术咨询服务；数字技术服务；软件外包服务", ("数字化转型咨询",), 6, 1.5, 0.2),
    P("6572", ("游戏", "动漫", "互动娱乐"), "动漫游戏开发；数字内容制作服务；数字文化创意软件开发",
      ("网络游戏研发", "短视频内容制作"), 4, 1.0),
    P("6579", ("数字文化", "数字内容"), "数字内容制作服务（不含出版发行）；数字文化创意内容应用服务", ("网络视听内容服务",), 2),
    P("6429", ("网络信息", "互联网科技"), "互联网信息服务；网络技术服务；信息咨询服务", ("网络直播技术服务", "短视频平台运营"), 5),
    P("6422", ("网络游戏",), "互联网游戏服务；网络文化经营；游艺娱乐活动", ("网络游戏运营",), 2),
    P("6432", ("网络科技", "生活服务"), "互联网生活服务平台；网络技术服务；互联网销售（除销售需要许可的商品）",
      ("互联网平台运营",), 4),
    P("6431", ("产业互联网", "供应链科技"), "互联网生产服务平台；供应链管理服务；网络技术服务", ("工业互联网平台运营",), 2),
    P("6433", ("创新科技",), "互联网科技创新平台；科技中介服务；网络技术服务", (), 1),
    P("6450", ("大数据", "数据服务"), "互联网数据服务；大数据服务；数据处理服务", ("人工智能公共数据平台",), 3, 1.0, 0.2),
    P("6440", ("网络安全", "信息安全"), "互联网安全服务；网络与信息安全软件开发；信息安全设备销售", (), 2),
    P("5292", ("电子商务", "电商", "网络科技"), "互联网销售（除销售需要许可的商品）；日用百货销售；服装服饰零售",
      ("直播电商服务", "跨境电商服务"), 5, 1.2),
    P("5193", ("供应链", "电子商务"), "互联网批发；货物进出口；技术进出口", ("跨境电商服务",), 2, 1.5),
    P("7251", ("数字传媒", "广告传媒"), "互联网广告服务；广告设计、代理；数字内容制作服务", ("网络直播营销策划",), 3),
    P("8626", ("数字出版", "文化传媒"), "数字出版；网络出版；电子出版物制作", (), 1),
    P("8730", ("影视文化", "文化传媒"), "影视节目制作；广播电视节目制作经营；电影摄制服务", ("短视频内容制作",), 3),
    P("6940", ("金融信息", "金融科技"), "金融信息服务；数据处理服务；软件开发", ("金融科技解决方案",), 2, 1.2),
    P("5176", ("电脑科技", "信息技术"), "计算机软硬件及辅助设备批发；电子产品销售；通讯设备销售", (), 4, 1.2),
    P("5177", ("通讯科技",), "通讯设备批发；通信设备销售；移动终端设备销售", (), 1),
    P("3983", ("传感科技", "电子科技"), "敏感元件及传感器制造；电子元器件制造；电子产品销售", ("智能装备传感器研发",), 1, 2.0, 1.0),
    P("7320", ("技术研究院", "工程技术"), "工程和技术研究和试验发展；软件开发；技术进出口",
      ("人工智能技术研发", "智能制造技术研发"), 2, 3.0, 4.0),
    P("7519", ("科技发展", "技术推广"), "数字技术推广服务；信息技术咨询服务；软件开发", ("科技中介服务",), 3),
    P("6591", ("呼叫中心", "客户服务"), "呼叫中心；信息技术咨询服务；商务信息咨询", (), 1, 1.5),
    P("3964", ("机器人", "智能科技"), "服务消费机器人制造；智能机器人的研发；人工智能硬件销售",
      ("人工智能行业应用系统集成服务",), 1, 1.5, 1.0),
    P("6599", ("信息技术", "数智科技"), "信息技术服务；数字技术服务；软件开发", ("人工智能公共服务平台",), 2),
    # --- expected outside the core
    P("7211", ("企业管理", "管理"), "企业总部管理；企业管理咨询；信息咨询服务", (), 2, 6.0, 30.0),
    P("7212", ("投资管理", "资产管理", "投资"), "投资管理；资产管理；以自有资金从事投资活动", (), 5, 1.5),
    P("7241", ("财务咨询", "税务咨询"), "财务咨询；税务服务；企业管理咨询", (), 2, 1.5),
    P("7243", ("企业咨询", "管理咨询", "企业管理咨询"), "企业管理咨询；社会经济咨询服务；信息咨询服务", (), 7, 1.5),
    P("7242", ("市场调研",), "市场调查（不含涉外调查）；市场营销策划；会议及展览服务", (), 1, 1.5),
    P("7259", ("文化传播", "广告"), "广告制作；广告发布；广告设计、代理；图文设计制作", (), 4),
    P("7281", ("会展服务", "展览"), "会议及展览服务；科技会展服务；组织文化艺术交流活动", (), 2, 1.5),
    P("7297", ("商务咨询", "商务服务"), "商务代理代办服务；商务信息咨询；办公服务", (), 3),
    P("7299", ("实业", "商务服务"), "商务服务；礼仪服务；翻译服务", (), 3),
    P("7263", ("人力资源",), "劳务派遣服务；职业中介活动；人力资源服务（不含职业中介活动、劳务派遣服务）", (), 3, 1.2),
    P("7484", ("建筑设计", "工程设计"), "建设工程设计；工程管理服务；规划设计管理", ("建筑设计服务",), 3, 1.5),
    P("7491", ("工业设计", "设计"), "工业设计服务；专业设计服务；产品外观设计", ("创意设计服务",), 2, 2.0),
    P("7492", ("创意设计", "设计", "文化创意"), "专业设计服务；平面设计；服装设计", ("时尚设计服务", "室内设计服务"), 4, 1.5),
    P("7340", ("生物科技", "医药科技"), "医学研究和试验发展；生物医药技术研发；技术服务、技术开发、技术咨询",
      ("细胞治疗技术研发", "创新药研发"), 2, 2.5, 4.0),
    P("7310", ("科技研究",), "自然科学研究和试验发展；新材料技术研发", (), 1, 2.0, 3.0),
    P("7512", ("生物技术",), "生物技术推广服务；技术服务、技术开发、技术咨询", ("生物医药技术推广",), 2),
    P("7514", ("节能科技",), "节能管理服务；合同能源管理；技术服务、技术开发", ("碳中和咨询服务",), 1),
    P("7515", ("新能源科技",), "新兴能源技术研发；储能技术服务；太阳能发电技术服务", ("光伏发电技术服务",), 1, 1.5),
    P("7516", ("环保科技",), "环保咨询服务；资源再生利用技术研发；环境保护监测", ("低碳技术咨询",), 1),
    P("7530", ("科技服务",), "科技中介服务；技术转移服务；知识产权服务", (), 2),
    P("7540", ("孵化器", "众创空间"), "创业空间服务；科技企业孵化器；众创空间经营管理", (), 1),
    P("7452", ("检测技术",), "检验检测服务；计量服务；认证服务", (), 1, 2.0, 1.0),
    P("5132", ("服饰", "服装"), "服装服饰批发；鞋帽批发；针纺织品销售", (), 2, 1.2),
    P("5134", ("化妆品",), "化妆品批发；个人卫生用品销售；日用品批发", (), 1, 2.0),
    P("5142", ("体育用品",), "体育用品及器材批发；户外用品销售；服装服饰批发", (), 1, 2.0),
    P("5169", ("化工",), "化工产品销售（不含许可类化工产品）；专用化学产品销售", (), 1, 2.0),
    P("5172", ("汽车配件",), "汽车零配件批发；汽车零部件研发；机械设备销售", (), 1, 2.0),
    P("5175", ("电气",), "电气设备销售；机械电气设备销售；五金产品批发", (), 1, 1.5),
    P("5181", ("贸易", "国际贸易", "进出口"), "货物进出口；技术进出口；国内贸易代理", (), 5, 2.0),
    P("5199", ("商贸", "贸易"), "日用百货销售；五金产品批发；电子产品销售", ("网上销售",), 3),
    P("5126", ("健康科技",), "保健食品（预包装）销售；食品销售（仅销售预包装食品）", (), 1),
    P("5154", ("医疗器械",), "第二类医疗器械销售；医疗器械互联网信息服务", (), 1, 2.0),
    P("5211", ("百货", "商贸"), "日用百货销售；服装服饰零售；化妆品零售", ("网上销售",), 1),
    P("5232", ("服饰",), "服装服饰零售；鞋帽零售；箱包销售", (), 2),
    P("5251", ("大药房",), "药品零售；第二类医疗器械销售；保健食品销售", (), 1),
    P("6210", ("餐饮管理", "餐饮"), "餐饮服务；食品销售；餐饮管理", (), 4),
    P("6220", ("餐饮",), "餐饮服务；小餐饮；食品经营", (), 2),
    P("6232", ("咖啡",), "餐饮服务；咖啡馆服务；食品销售", (), 1, 1.5),
    P("7020", ("物业管理", "物业"), "物业管理；停车场服务；家政服务", ("智慧物业服务",), 3),
    P("7030", ("房地产经纪", "置业"), "房地产经纪；房地产咨询；住房租赁", (), 3),
    P("7040", ("置业", "房地产"), "非居住房地产租赁；住房租赁；物业管理", (), 1),
    P("5011", ("建筑装饰", "装饰工程"), "住宅室内装饰装修；建筑装饰材料销售；建设工程施工", (), 3),
    P("5821", ("国际货运代理", "物流"), "国际货物运输代理；国内货物运输代理；普通货物仓储服务", ("智慧物流服务",), 3, 1.5),
    P("5431", ("运输",), "道路货物运输（不含危险货物）；装卸搬运", (), 1),
    P("8391", ("培训", "教育科技"), "职业技能培训；教育咨询服务（不含涉许可审批的教育培训活动）", ("在线教育服务",), 2),
    P("8393", ("文化艺术",), "文化艺术培训；组织文化艺术交流活动", (), 1),
    P("8425", ("门诊部",), "门诊部（所）；医疗服务；健康咨询服务", (), 1, 1.5),
    P("8040", ("美容美发",), "理发服务；生活美容服务；化妆品零售", (), 2),
    P("8010", ("家政服务",), "家政服务；养老服务；居民日常生活服务", (), 1),
    P("9051", ("文化发展", "文化传播"), "组织文化艺术交流活动；文艺创作；会议及展览服务", (), 2),
    P("8930", ("健身",), "健身休闲活动；体育健康服务；体育用品销售", (), 1),
    P("3670", ("汽车部件", "汽车零部件"), "汽车零部件及配件制造；汽车零部件研发", ("智能制造系统集成",), 1, 3.0, 1.0),
    P("3581", ("医疗设备", "医疗器械"), "第二类医疗器械生产；医疗设备研发；医疗器械销售", ("医疗器械研发",), 1, 2.5, 1.0),
    P("2682", ("日化",), "化妆品生产；日用化学产品制造；化妆品批发", (), 0.5, 3.0, 1.0),
    P("6631", ("融资租赁",), "融资租赁业务；租赁业务", (), 1, 2.0),
    P("7119", ("设备租赁",), "机械设备租赁；办公设备租赁服务", (), 1),
)

# --- generator data (synthetic names and places) --------------------------------------------------------------

NAME_CHARS = ("华鼎瑞嘉启博源晟翔泽弘恒信达宏远景辰铭睿汇通联峰锐宸煜昊昱澜川岳安泰和丰盛禾谷森林竹兰梧桐松柏星辉晨曦朗"
              "卓越聚合逸舟帆航悦优益佳美乐康宁福祥吉骏腾飞云天宇坤乾元弈文墨书典雅致知行简朴青蓝橙紫金铂钛硕麒麟鹏鸿"
              "凌沐澄湛润洋浦滨江海湖渊泓")
ROADS = ("国定路", "政通路", "淞沪路", "黄兴路", "江浦路", "大连路", "控江路", "长阳路", "平凉路", "杨树浦路", "周家嘴路",
         "国权路", "邯郸路", "四平路", "翔殷路", "殷行路", "军工路", "隆昌路", "宁国路", "松花江路", "长海路", "政立路",
         "国和路", "宁武路", "许昌路", "营口路", "延吉中路", "五角场路", "国顺路", "民京路")
RIVERSIDE_ROADS = ("杨树浦路", "平凉路", "长阳路", "隆昌路", "宁国路", "许昌路", "腾越路", "通北路", "安浦路", "眉州路",
                   "兰州路", "黎平路", "定海路", "军工路", "临青路", "怀德路")
FOREIGN_ORIGINS = (("USA", 18), ("DEU", 12), ("JPN", 14), ("KOR", 6), ("SGP", 8), ("FRA", 6), ("GBR", 6), ("ITA", 3),
                   ("NLD", 3), ("CHE", 3), ("SWE", 2), ("DNK", 2), ("FIN", 1), ("AUS", 3), ("CAN", 3), ("ESP", 1),
                   ("BEL", 1), ("AUT", 1), ("ISR", 1), ("MYS", 2), ("THA", 1), ("VNM", 1), ("IDN", 1), ("BRA", 1),
                   ("CHL", 1), ("MEX", 1))
HMT_ORIGINS = (("HKG", 7), ("TWN", 2), ("MAC", 1))
HERITAGE_USES = {  # original use → (industrial relic?, weight)
    "纱厂车间": (True, 6), "纺织厂仓库": (True, 5), "船厂船坞": (True, 2), "码头仓库": (True, 4), "机器厂厂房": (True, 4),
    "毛纺厂厂房": (True, 3), "烟厂厂房": (True, 2), "肥皂厂厂房": (True, 1), "电站辅助设施": (True, 1), "造纸厂厂房": (True, 1),
    "煤气厂设施": (True, 1), "水塔": (True, 1), "里弄住宅": (False, 20), "花园住宅": (False, 6), "公寓": (False, 5),
    "教堂": (False, 2), "学校旧址": (False, 3), "医院旧址": (False, 2), "商号旧址": (False, 3), "工人新村": (False, 4),
    "桥梁": (False, 1), "纪念地": (False, 2),
}
SPACE_PREFIXES = ("滨江", "长阳", "五角场", "大学路", "控江", "新江湾", "平凉", "定海", "殷行", "四平", "延吉", "江浦")
SPACE_SUFFIXES = ("数字大厦", "科创中心", "创新港", "智谷", "设计园", "数智园", "众创空间", "国际中心", "创意园", "科技园")
PROJECT_KINDS = (
    "Regional R&D centre expansion", "Digital services delivery centre", "Cross-border e-commerce hub",
    "Software engineering centre", "Design studio relocation", "AI application lab", "Life-science pilot lab",
    "Green building retrofit", "Regional headquarters upgrade", "Data-services centre", "Online-platform office",
    "Intelligent-manufacturing demonstration line",
)
STAGES = PIPELINE_STAGES


# --- the public API ------------------------------------------------------------------------------------------


def ensure_demo(db: Database) -> bool:
    """Load the demo when the registry has no enterprises yet; True when it loaded."""
    with db.engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(Enterprise)).scalar_one():
            return False
    load_demo(db)
    return True


def load_demo(db: Database) -> str:
    """Load (or reload, idempotently) the built-in Yangpu instance; returns a one-paragraph summary."""
    started = time.perf_counter()
    named = _read_named()
    taxonomy = _taxonomy()
    gen = _Generator(named, taxonomy)
    gen.run()

    seed_label = f"demo: {named['source']}"[:300]
    uni_label = (f"demo: Fudan and Tongji named in {named['source']}; other names real Yangpu universities or "
                 "marked (synthetic); all student figures are demo calibration values")[:300]
    results: list[ImportResult] = []
    # One transaction for the whole instance: a load that is interrupted leaves no half-instance behind.
    with db.engine.connect() as conn, staging_area(conn) as stage, conn.begin():

        def run(kind: str, label: str, columns: dict[str, list[Any]]) -> None:
            if columns and next(iter(columns.values())):
                results.append(_import(conn, SPECS[kind], label, columns, stage=stage))

        _load_all(run, gen, named, seed_label=seed_label, uni_label=uni_label, conn=conn)
    inserted = sum(r.inserted for r in results)
    updated = sum(r.updated for r in results)
    s = gen.stats
    return (
        f"Loaded the built-in Yangpu instance ({inserted:,} records inserted, {updated:,} updated, "
        f"{time.perf_counter() - started:.1f} s). Named from the seed report ({named['source']}): "
        f"{len(named['enterprises'])} multinationals (real names, placeholder codes and figures), "
        f"{len(named['projects'])} investment projects, {len(named['partners'])} partners, "
        f"{len(named['events'])} event, {len(named['heritage'])} heritage sites, {len(named['universities'])} "
        f"universities (student figures are calibration values) and {len(named['statistics'])} district "
        f"statistics. Synthetic registry (seed {SEED}, every record flagged synthetic): {s['firms']:,} enterprises; "
        f"with the named ones, {s['active']:,} firms are active at {AS_OF} ({s['digital']:,} digital-economy core, {s['foreign']:,} foreign- or "
        f"HK/Macao/Taiwan-invested, {s['mnc']} MNC headquarters/R&D centres), {s['years']:,} yearly figures "
        f"{YEARS[0]}-{YEARS[-1]}, {s['heritage']:,} heritage sites, {s['spaces']} spaces and {s['projects']} "
        f"projects, calibrated so that the KPIs at {AS_OF} reproduce the seed's figures."
    )


def _load_all(run, gen: _Generator, named: dict[str, Any], *, seed_label: str, uni_label: str,
              conn: Connection | None = None) -> None:
    from opentrade.services.demo_operations import Operations

    ops = Operations(gen)  # adds the operations fields of spaces and projects before they are imported
    run("statistics", "demo: district statistics", gen.named_statistics())
    run("partners", seed_label, _columns(SPECS["partners"], named["partners"], synthetic=False))
    run("events", seed_label, _columns(SPECS["events"], named["events"], synthetic=False))
    run("universities", uni_label, _columns(SPECS["universities"], named["universities"], synthetic=True))
    run("heritage", seed_label, _columns(SPECS["heritage"], named["heritage"], synthetic=False))
    run("heritage", SYNTHETIC_LABEL, gen.heritage)
    run("spaces", SYNTHETIC_LABEL, gen.spaces)
    run("enterprises", f"demo: names from {named['source']}; codes and figures are placeholders"[:300],
        gen.named_enterprises())
    run("enterprises", SYNTHETIC_LABEL, gen.enterprises)
    run("financials", SYNTHETIC_LABEL, gen.financials)
    run("projects", seed_label, gen.named_projects())
    run("projects", SYNTHETIC_LABEL, gen.projects)
    if conn is not None:  # buyers, visits, enquiries, tenancies, partner segments; the pipeline's history
        ops.load(run, conn, seed_label=seed_label)


# --- reading the named entities ------------------------------------------------------------------------------


def _read_named() -> dict[str, Any]:
    text = resources.files("opentrade").joinpath("data", "demo", NAMED_FILE).read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    for section in ("statistics", "enterprises", "projects", "partners", "events", "heritage", "universities"):
        doc.setdefault(section, [])
    return doc


def _taxonomy() -> Taxonomy:
    from opentrade.config import get_settings

    settings = get_settings()  # the importer classifies with the same settings
    return load_taxonomy(settings.framework_version, settings.digital_economy_map)


def _named_uscc(body: str) -> str:
    body = str(body)
    if len(body) != 17:
        raise ValueError(f"{NAMED_FILE}: uscc_body must have 17 characters, got {body!r}")
    return body + stdnum_uscc.calc_check_digit(body)


# --- from rows to the importer -------------------------------------------------------------------------------


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.6f}".rstrip("0")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _columns(spec: EntitySpec, rows: Iterable[dict[str, Any]], *, synthetic: bool | None = None) -> dict[str, list]:
    """Rows (dicts keyed by field name; other keys ignored) → columns for every field of ``spec`` they use."""
    rows = list(rows)
    fields = [c.field for c in spec.columns if any(c.field in r for r in rows) or
              (c.field == "synthetic" and synthetic is not None)]
    out: dict[str, list] = {f: [] for f in fields}
    for r in rows:
        for f in fields:
            value = r.get(f)
            if f == "synthetic" and "synthetic" not in r:
                value = synthetic
            out[f].append(value)
    return out


def _import(conn: Connection, spec: EntitySpec, label: str, columns: dict[str, Sequence[Any]], *,
            stage: StagingArea | None) -> ImportResult:
    """A generated table goes through the importer: headers = field names, every cell a string or None."""
    names = list(columns)
    frame = pl.DataFrame(
        {f"c{i}": [_cell(v) for v in columns[name]] for i, name in enumerate(names)},
        schema={f"c{i}": pl.String for i in range(len(names))},
    )
    raw = RawTable(path=label, headers=names, frame=frame.lazy(), encoding="generated")
    return import_on(conn, spec, raw, source_label=label, write_rejects=False, stage=stage)


# --- the generator -------------------------------------------------------------------------------------------


@dataclass
class _Firm:
    uscc: str
    profile: Profile
    scope: str
    core: bool
    established: dt.date | None
    status: str = "active"
    closed_year: int | None = None
    ownership: str = "domestic"
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
        active = [f for f in self.named_firms + self.firms if f.status == "active"]
        self.stats = {
            "firms": len(self.firms), "active": len(active), "digital": sum(f.core for f in active),
            "foreign": sum(f.ownership != "domestic" for f in active), "mnc": sum(f.hq or f.rd for f in active),
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
        table = HMT_ORIGINS if ownership == "hmt" else FOREIGN_ORIGINS
        return self.rng.choices([c for c, _ in table], [w for _, w in table])[0]

    def _sample(self, items: list[_Firm], weights: list[float], k: int) -> list[_Firm]:
        """k items without replacement, probability by weight (Efraimidis-Spirakis keys)."""
        keyed = sorted(((self.rng.random() ** (1.0 / w), i) for i, w in enumerate(weights) if w > 0), reverse=True)
        if len(keyed) < k:
            raise RuntimeError("demo: not enough candidates to sample from")
        return [items[i] for _, i in keyed[:k]]

    def _assign_ownership(self) -> None:
        rng = self.rng
        active = [f for f in self.firms if f.status == "active"]
        named_foreign = sum(f.ownership != "domestic" for f in self.named_firms if f.status == "active")
        for firm in self._sample(active, [f.profile.foreign for f in active], self.targets.foreign_firms - named_foreign):
            firm.ownership = "foreign" if rng.random() < 0.72 else "hmt"
        for firm in self.firms:
            if firm.status != "active" and rng.random() < 0.06:
                firm.ownership = "foreign"
            if firm.ownership != "domestic":
                firm.origin = self._origin(firm.ownership)
                # Foreign-funded firms in the district tend to be older and larger.
                if firm.status == "active" and firm.established and firm.established.year >= 2015 and rng.random() < 0.5:
                    firm.established = self._established(latest=dt.date(2014, 12, 31))
                    self._usccs.discard(firm.uscc)
                    firm.uscc = self._uscc(firm.established)

    def _assign_mnc(self) -> None:
        rng = self.rng
        foreign = [f for f in self.firms if f.status == "active" and f.ownership != "domestic"]
        named_mnc = sum(f.hq or f.rd for f in self.named_firms if f.status == "active")
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
            if firm.ownership != "domestic" and rng.random() < 0.6:
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
                shares = (0.20, 0.55, 0.85) if firm.ownership != "domestic" else (0.55, 0.85, 0.97)
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
            if firm.ownership != "domestic":
                foreign_total[year] = foreign_total.get(year, 0.0) + rev
        target = {YEARS[0]: foreign_total[YEARS[0]]}
        for year, growth in t.foreign_revenue_growth:
            target[year] = target[year - 1] * (1 + growth)
        factor = {y: target[y] / foreign_total[y] for y in foreign_total}

        revenue_out, tax_raw = [], []
        for firm, year, rev in rows:
            rev = round(rev * factor[year]) if firm.ownership != "domestic" else round(rev)
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
            exports = firm.ownership != "domestic" or (firm.core and rng.random() < 0.1)
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

    def _heritage(self) -> tuple[dict[str, list], list[str]]:
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
        foreign = sorted((f for f in self.firms if f.status == "active" and f.ownership == "foreign"),
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

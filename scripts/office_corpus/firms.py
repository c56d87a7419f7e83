"""The synthetic firms every corpus file draws on (one pool, so that the financial and trade files refer to firms
the registry file holds), and the vocabulary oracle of tests/fixtures/office/data/vocab.yaml.

Every firm is invented: names are built from made-up brand syllables, codes are computed, addresses are real
Yangpu streets with made-up numbers."""

from __future__ import annotations

import datetime as dt
import functools
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .codes import CodeMaker

VOCAB_FILE = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "office" / "data" / "vocab.yaml"
SEED = 20240531

BRANDS = [("德瑞", "Derui"), ("博凯", "Bokai"), ("凯斯特", "Kester"), ("诺维达", "Novida"), ("瑞柏", "Reiber"),
          ("艾森达", "Eisenda"), ("斯坦伯", "Stanber"), ("欧朗", "Oulang"), ("汉诺", "Hanno"), ("维思", "Weisi"),
          ("麦德", "Maide"), ("柯林", "Kolin"), ("佳腾", "Jiateng"), ("亚本", "Yaben"), ("森科", "Senke"),
          ("菲斯", "Feis"), ("卡洛", "Carlo"), ("阿尔特", "Alter"), ("迈斯", "Mais"), ("晨曦", "Chenxi"),
          ("云帆", "Yunfan"), ("星河", "Xinghe"), ("数维", "Shuwei"), ("智擎", "Zhiqing"), ("观澜", "Guanlan"),
          ("启明", "Qiming"), ("微澜", "Weilan"), ("思源", "Siyuan"), ("青禾", "Qinghe"), ("鹿鸣", "Luming"),
          ("钛度", "Taidu"), ("知行", "Zhixing"), ("睿思", "Ruisi"), ("格物", "Gewu"), ("澜图", "Lantu"),
          ("海纳", "Haina"), ("百川", "Baichuan"), ("致远", "Zhiyuan"), ("沃森", "Worsen"), ("莱茵", "Rhein"),
          ("北辰", "Beichen"), ("南山", "Nanshan"), ("东岳", "Dongyue"), ("西岭", "Xiling"), ("锦程", "Jincheng"),
          ("泰和", "Taihe"), ("安迪", "Andi"), ("贝林", "Beilin"), ("卓越", "Zhuoyue"), ("凌云", "Lingyun"),
          ("乐为", "Lewei"), ("明德", "Mingde"), ("通盈", "Tongying"), ("弘毅", "Hongyi"), ("千帆", "Qianfan"),
          ("远图", "Yuantu"), ("金桥", "Jinqiao"), ("银河", "Yinhe"), ("山海", "Shanhai"), ("若水", "Ruoshui")]

# (name word, English word, GB/T 4754 spelling as platforms print it)
TRADES = [("信息技术", "Information Technology", "I6513 应用软件开发"), ("软件", "Software", "I6513 应用软件开发"),
          ("数据科技", "Data Technology", "I6450 互联网数据服务"),
          ("系统集成", "Systems Integration", "I6531 信息系统集成服务"),
          ("设计", "Design", "M7491 工业设计服务"), ("创意设计", "Creative Design", "M7492 专业设计服务"),
          ("动漫", "Animation", "I6572 动漫、游戏数字内容服务"),
          ("研发", "Research and Development", "M7320 工程和技术研究和试验发展"),
          ("知识产权代理", "IP Agency", "M7520 知识产权服务"), ("投资管理", "Investment Management", "L7212 投资与资产管理"),
          ("医药", "Pharmaceutical", "C2720 化学药品制剂制造"),
          ("医疗器械", "Medical Devices", "C3581 医疗诊断、监护及治疗设备制造")]

STREETS = ["长阳路", "杨树浦路", "国定路", "政立路", "淞沪路", "大连路", "平凉路", "军工路", "黄兴路", "控江路",
           "四平路", "江浦路", "周家嘴路", "国权路", "邯郸路", "殷行路", "翔殷路", "隆昌路", "宁国路", "国和路"]
PARKS = ["长阳创谷", "互联宝地", "湾谷科技园", "创智天地", "上海国际时尚中心", "环同济知识经济圈"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙朱马胡郭林何高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建文斌宇浩凯鹏"
FOREIGN_REPS = ["SCHMIDT THOMAS", "MÜLLER ANNA", "KIM MIN-JUN", "LEE JI-HOON", "TANAKA HIROSHI", "SMITH JOHN",
                "NGUYEN VAN AN", "TAN WEI MING", "ROSSI MARCO", "DUBOIS CLAIRE", "JOHANSSON ERIK", "SILVA PEDRO"]

# (company-type spelling, country spelling) by ownership; the vocabulary gives the meaning of each
FOREIGN_MIX: list[tuple[str, str | None]] = [("有限责任公司(外国法人独资)", "德意志联邦共和国"), ("有限责任公司（中外合资）", "大韩民国"),
               ("有限责任公司(外国法人独资)", "美利坚合众国"), ("有限责任公司（外国法人独资）", "日本"),
               ("股份有限公司(中外合资、未上市)", "新加坡共和国"), ("有限责任公司（外商投资、非独资）", "法兰西共和国"),
               ("有限责任公司(外商投资企业法人独资)", "瑞士"), ("有限责任公司(外国自然人独资)", "意大利"),
               ("有限责任公司(中外合作)", "荷兰"), ("有限责任公司(外国法人独资)", "瑞典"),
               ("有限责任公司(外商投资企业与内资合资)", "丹麦"), ("有限责任公司(外国法人独资)", "英国")]
HMT_MIX: list[tuple[str, str | None]] = [("有限责任公司（台港澳法人独资）", "中国香港"), ("有限责任公司(台港澳自然人独资)", "台湾地区"),
           ("股份有限公司(台港澳与境内合资、未上市)", "香港特别行政区"), ("有限责任公司(台港澳与境内合资)", "中国澳门"),
           ("有限责任公司（台港澳与外国投资者合资）", "香港"), ("有限责任公司（港澳台投资、非独资）", "中国台湾")]
DOMESTIC_MIX: list[tuple[str, str | None]] = [("有限责任公司（自然人投资或控股）", None), ("其他有限责任公司", None), ("有限责任公司(自然人独资)", None),
                ("股份有限公司(非上市、自然人投资或控股)", None), ("有限责任公司（国有独资）", None)]


@functools.cache
def vocab() -> dict[str, Any]:
    with VOCAB_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def meaning(vocabulary: str, text: str) -> dict[str, Any]:
    """The vocabulary entry for a spelling (a KeyError names a spelling the oracle does not define)."""
    for entry in vocab()[vocabulary]:
        if entry["text"] == text:
            return entry
    raise KeyError(f"{vocabulary}: {text!r} is not in {VOCAB_FILE.name}")


def value_of(vocabulary: str, text: str) -> Any:
    entry = meaning(vocabulary, text)
    if entry["value"] is None:
        raise ValueError(f"{vocabulary}: {text!r} must be refused ({entry['refuse']}), it has no value")
    return entry["value"]


@dataclass
class Firm:
    index: int
    uscc: str
    name_zh: str
    name_en: str
    type_text: str  # SAMR 企业类型
    country_text: str | None
    trade: tuple[str, str, str]
    established: dt.date
    capital_wan: int  # registered capital in 万 of its currency
    capital_currency: str  # 人民币 / 美元 / 欧元 / 港元
    legal_rep: str
    insured: int
    address: str
    park: str

    @property
    def ownership(self) -> str:
        return value_of("ownership", self.type_text)

    @property
    def country(self) -> str | None:
        return value_of("country", self.country_text) if self.country_text else None

    @property
    def industry_text(self) -> str:
        return self.trade[2]

    @property
    def industry(self) -> str:
        return value_of("industry", self.trade[2])


@functools.cache
def pool() -> tuple[Firm, ...]:
    """60 firms: 36 foreign-invested, 12 HK/Macao/Taiwan-invested, 12 domestic. Firms 0–49 are in the registry
    base file (registry_base.csv); 50–59 are not (files that name them must be refused with reference.unknown_firm)."""
    rng = random.Random(SEED)
    codes = CodeMaker(SEED)
    firms = []
    for i, (brand_zh, brand_en) in enumerate(BRANDS):
        group = "foreign" if i % 5 in (0, 1, 3) else "hmt" if i % 5 == 2 else "domestic"
        mix: list[tuple[str, str | None]] = {"foreign": FOREIGN_MIX, "hmt": HMT_MIX, "domestic": DOMESTIC_MIX}[group]
        type_text, country_text = mix[i % len(mix)]
        trade = TRADES[(i * 7) % len(TRADES)]
        established = dt.date(1996, 1, 1) + dt.timedelta(days=rng.randrange(0, 28 * 365))
        currency = ("美元" if group == "foreign" and i % 3 else "港元" if group == "hmt" and i % 4 == 0
                    else "欧元" if group == "foreign" and i % 7 == 0 else "人民币")
        rep = (FOREIGN_REPS[i % len(FOREIGN_REPS)] if group != "domestic" and i % 2 else
               rng.choice(SURNAMES) + rng.choice(GIVEN) + ("" if i % 3 else rng.choice(GIVEN)))
        firms.append(Firm(
            index=i, uscc=codes.uscc(new_style=established.year >= 2015), name_zh=f"上海{brand_zh}{trade[0]}有限公司",
            name_en=f"Shanghai {brand_en} {trade[1]} Co., Ltd.", type_text=type_text, country_text=country_text,
            trade=trade, established=established, capital_wan=rng.choice([50, 100, 200, 500, 1000, 3000, 5000]),
            capital_currency=currency, legal_rep=rep, insured=rng.randrange(3, 800),
            address=f"上海市杨浦区{STREETS[i % len(STREETS)]}{rng.randrange(1, 2000)}号",
            park=PARKS[i % len(PARKS)]))
    return tuple(firms)


REGISTRY_SIZE = 50


def spare_codes() -> CodeMaker:
    """Codes for rows that must not collide with the pool (fixed seed, distinct from the pool's)."""
    maker = CodeMaker(SEED + 1)
    maker.reserve(f.uscc for f in pool())
    return maker

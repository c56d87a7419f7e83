"""Generate a synthetic district firm registry for benchmarks: enterprises.csv and financials.csv.

    python benchmarks/generate_registry.py N OUTDIR [--seed 7]

Writes N firms (English headers, every row valid for ``opentrade import enterprises``) and 5·N yearly rows
(2019–2023) for ``opentrade import financials``. Deterministic for a given N and seed; vectorised with numpy and
polars, so a million firms take seconds. The records are synthetic and resemble no real firm.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
STANDARDS = [
    ROOT / "src/opentrade/data/standards/gbt4754_2017.csv",
    Path("/work/shared/data/standards/gbt4754_2017.csv"),
]
YEARS = np.arange(2019, 2024)

# GB 32100-2015: the 31 characters of a USCC and the weights of the first 17 positions for the check character.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)
ORG_CODE_SPACE = 31**9
ORG_CODE_STRIDE = 7_368_787_913  # coprime with 31, so i ↦ (i·stride + offset) mod 31⁹ is a bijection

# Registration department + type (all digits, as stdnum requires) and Shanghai districts (Yangpu most often).
DEPT_TYPES = (["91"] * 17) + ["92", "93", "12"]
DIVISIONS = (["310110"] * 12) + ["310101", "310104", "310105", "310106", "310107", "310109", "310112", "310115"]
OWNERSHIP = np.array(["domestic", "foreign", "hmt"])
OWNERSHIP_P = [0.80, 0.15, 0.05]
FOREIGN = ["USA", "DEU", "JPN", "KOR", "SGP", "GBR", "FRA", "NLD", "CHE", "SWE", "ITA", "CAN", "AUS", "DNK", "FIN"]
HMT = ["HKG", "HKG", "HKG", "MAC", "TWN"]

NAME_HEADS = list("华瑞博宏德信智联创云启航远泰鼎新汇盛科恒达源峰睿达凯明锦川") + ["复旦", "同济", "五角场", "滨江", "长阳"]
NAME_TAILS = ["科技", "信息技术", "网络科技", "数据服务", "智能科技", "生物科技", "咨询", "贸易", "设计", "文化传媒",
              "环保科技", "电子", "软件", "医药科技", "供应链管理", "教育科技", "新材料", "投资管理"]
NAME_EN_HEADS = ["Hua", "Rui", "Bo", "Hong", "De", "Xin", "Zhi", "Lian", "Chuang", "Yun", "Qi", "Hang", "Yuan", "Tai"]
NAME_EN_TAILS = ["Technology", "Information Technology", "Network Technology", "Data Services", "Intelligent Tech",
                 "Biotech", "Consulting", "Trading", "Design", "Media", "Environmental Tech", "Electronics",
                 "Software", "Pharma Tech", "Supply Chain", "Education Tech", "New Materials", "Investment"]
ROADS = ["国定路", "政通路", "淞沪路", "黄兴路", "长阳路", "平凉路", "杨树浦路", "大连路", "控江路", "政立路",
         "国权路", "邯郸路", "四平路", "江浦路", "军工路", "殷行路", "翔殷路", "五角场路"]
SCOPE = ["软件开发", "信息技术咨询服务", "人工智能应用软件开发", "货物进出口", "技术进出口", "数据处理和存储支持服务",
         "技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广", "信息系统集成服务", "网络技术服务",
         "物联网技术服务", "云计算装备技术服务", "企业管理咨询", "会议及展览服务", "市场营销策划",
         "电子产品销售", "计算机软硬件及辅助设备零售", "工业设计服务", "专业设计服务", "广告设计、代理",
         "医学研究和试验发展", "生物化工产品技术研发", "供应链管理服务", "国内贸易代理", "教育咨询服务",
         "集成电路设计", "人工智能基础软件开发", "互联网数据服务", "数字内容制作服务"]
SCOPE_PREFIX = ["一般项目：", ""]
SCOPE_SUFFIX = ["。", "。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"]


def industry_codes() -> tuple[np.ndarray, np.ndarray]:
    """4-digit GB/T 4754-2017 classes, weighted towards the sections a university district is rich in."""
    path = next((p for p in STANDARDS if p.exists()), None)
    if path is None:
        raise SystemExit("GB/T 4754-2017 table not found in: " + ", ".join(map(str, STANDARDS)))
    table = pl.read_csv(path, columns=["code", "level", "section"], schema_overrides={"code": pl.String})
    table = table.filter(pl.col("level") == 4)
    weight = {"I": 12.0, "M": 10.0, "L": 4.0, "F": 4.0, "R": 2.0, "C": 0.5}
    w = np.array([weight.get(s, 1.0) for s in table["section"]])
    return table["code"].to_numpy(), w / w.sum()


def pick(rng: np.random.Generator, words: list[str] | np.ndarray, n: int) -> pl.Series:
    return pl.Series(words, dtype=pl.String).gather(rng.integers(0, len(words), n))


def concat(parts: list, **kwargs) -> pl.Series:
    return pl.select(pl.concat_str(parts, **kwargs)).to_series()


def uscc_codes(n: int, rng: np.random.Generator, offset: int) -> pl.Series:
    """n distinct, valid USCCs: 2-digit dept/type, 6-digit division, 9-char org code from a bijection, check char."""
    alphabet = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
    digits = np.empty((n, 17), dtype=np.int64)
    prefix = np.array([[int(c) for c in d + v] for d in DEPT_TYPES for v in DIVISIONS], dtype=np.int64)
    digits[:, :8] = prefix[rng.integers(0, len(prefix), n)]
    org = (np.arange(n, dtype=np.int64) * ORG_CODE_STRIDE + offset) % ORG_CODE_SPACE
    for pos in range(16, 7, -1):
        digits[:, pos] = org % 31
        org //= 31
    check = (31 - (digits @ USCC_WEIGHTS) % 31) % 31
    chars = alphabet[np.concatenate([digits, check[:, None]], axis=1)]
    return pl.Series("uscc", np.ascontiguousarray(chars).view("S18").ravel()).cast(pl.String)


def enterprises(n: int, rng: np.random.Generator) -> pl.DataFrame:
    codes, weights = industry_codes()
    ownership = OWNERSHIP[rng.choice(3, n, p=OWNERSHIP_P)]
    invested = ownership != "domestic"
    origin = pl.select(pl.when(pl.Series(ownership == "foreign")).then(pick(rng, FOREIGN, n))
                       .when(pl.Series(ownership == "hmt")).then(pick(rng, HMT, n))).to_series()
    days = rng.integers(np.datetime64("1990-01-01", "D").astype(int), np.datetime64("2023-12-31", "D").astype(int), n)
    # 3–5 distinct phrases: a random start and a stride coprime with len(SCOPE) never repeat within five steps.
    n_scope = rng.integers(3, 6, n)
    start = rng.integers(0, len(SCOPE), n)
    stride = np.array([1, 3, 5, 9, 11, 13])[rng.integers(0, 6, n)]
    scope = pl.Series(SCOPE, dtype=pl.String)
    scope_parts = [scope.gather((start + k * stride) % len(SCOPE)).set(pl.Series(n_scope <= k), None)
                   for k in range(5)]
    serial = pl.Series(np.arange(1, n + 1)).cast(pl.String).str.zfill(len(str(n)))
    frame = pl.DataFrame({
        "uscc": uscc_codes(n, rng, int(rng.integers(0, ORG_CODE_SPACE))),
        "name_zh": concat([pl.lit("上海"), pick(rng, NAME_HEADS, n), pick(rng, NAME_HEADS, n),
                                  pick(rng, NAME_TAILS, n), pl.lit("有限公司（"), serial, pl.lit("）")]),
        "name_en": concat([pl.lit("Shanghai "), pick(rng, NAME_EN_HEADS, n), pick(rng, NAME_EN_HEADS, n).str.to_lowercase(),
                                  pl.lit(" "), pick(rng, NAME_EN_TAILS, n), pl.lit(" Co., Ltd. No. "), serial]),
        "industry_code": codes[rng.choice(len(codes), n, p=weights)],
        "ownership": ownership,
        "origin_country": origin,
        "established_on": pl.Series(days.astype("datetime64[D]")).dt.strftime("%Y-%m-%d"),
        "address": concat([pl.lit("上海市杨浦区"), pick(rng, ROADS, n), pl.Series(rng.integers(1, 2000, n)),
                                  pl.lit("号"), pl.Series(rng.integers(1, 30, n)), pl.lit("层")]),
        "business_scope": concat([pick(rng, SCOPE_PREFIX, n),
                                         concat(scope_parts, separator="、", ignore_nulls=True),
                                         pl.Series(SCOPE_SUFFIX).gather(rng.random(n) < 0.3)]),
        "mnc_regional_hq": np.where(invested & (rng.random(n) < 0.04), "是", "否"),
        "rd_centre": np.where(invested & (rng.random(n) < 0.06), "是", "否"),
    })
    # Domestic firms often have no English name on record.
    return frame.with_columns(pl.when(pl.Series(~invested & (rng.random(n) < 0.5))).then(None)
                              .otherwise(pl.col("name_en")).alias("name_en"))


def financials(uscc: pl.Series, rng: np.random.Generator) -> pl.DataFrame:
    """Five years per firm: log-normal revenue with yearly growth, tax and head count following revenue."""
    n = uscc.len()
    base = rng.lognormal(mean=15.0, sigma=1.8, size=n)  # median ≈ 3.3 million yuan
    growth = rng.normal(0.06, 0.15, size=(n, len(YEARS))).clip(-0.6, 1.5)
    revenue = base[:, None] * np.cumprod(1 + growth, axis=1)
    tax = revenue * rng.uniform(0.01, 0.08, size=(n, 1))
    employees = np.maximum(1, revenue / rng.uniform(2e5, 1.5e6, size=(n, 1))).astype(np.int64)
    return pl.DataFrame({
        "uscc": uscc.gather(np.repeat(np.arange(n), len(YEARS))),
        "year": np.tile(YEARS, n),
        "revenue": np.round(revenue.ravel(), 2),
        "tax": np.round(tax.ravel(), 2),
        "employees": employees.ravel(),
    })


def generate(n: int, outdir: Path, seed: int = 7) -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    outdir.mkdir(parents=True, exist_ok=True)
    ent = enterprises(n, rng)
    fin = financials(ent["uscc"], rng)
    paths = outdir / "enterprises.csv", outdir / "financials.csv"
    ent.write_csv(paths[0])
    fin.write_csv(paths[1], float_precision=2)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of firms")
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    start = time.perf_counter()
    paths = generate(args.n, args.outdir, args.seed)
    sizes = ", ".join(f"{p} ({p.stat().st_size / 2**20:,.0f} MiB)" for p in paths)
    print(f"{args.n:,} firms in {time.perf_counter() - start:.1f} s: {sizes}")


if __name__ == "__main__":
    main()

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

from opentrade.services.demo.generator import AS_OF, SEED, TARGETS, YEARS, Targets
from opentrade.services.demo.loader import ensure_demo, load_demo

__all__ = ["AS_OF", "SEED", "TARGETS", "YEARS", "Targets", "ensure_demo", "load_demo"]

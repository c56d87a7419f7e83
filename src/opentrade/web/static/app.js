/* opentrade cockpit: ECharts charts built from JSON the server renders into the page, HTMX glue, import form.
   Every text that reaches an HTML tooltip goes through esc(); names come from the registry and may be hostile. */
(function () {
  'use strict';

  var I18N = JSON.parse(document.getElementById('i18n').textContent || '{}');
  var LANG = document.body.getAttribute('data-lang') || 'zh';
  var LOCALE = LANG === 'zh' ? 'zh-CN' : 'en-GB';
  var charts = [];
  var worldPromise = null;
  var COLORS = ['#1f5fa8', '#e07b39', '#3a9d5d', '#b8474a', '#7a5ea8', '#8c6d31', '#d36fa8', '#5f6b73'];

  function tr(key) { return Object.prototype.hasOwnProperty.call(I18N, key) ? I18N[key] : key; }
  function esc(s) {
    return String(s === null || s === undefined ? '' : s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function num(n, digits) {
    if (n === null || n === undefined || isNaN(n)) { return tr('js.no_data'); }
    return Number(n).toLocaleString(LOCALE, { maximumFractionDigits: digits === undefined ? 1 : digits });
  }
  function compact(n) {
    return Number(n).toLocaleString(LOCALE, { notation: 'compact', maximumFractionDigits: 1 });
  }
  function pct(n, digits) {
    if (n === null || n === undefined) { return tr('js.no_data'); }
    return Number(n).toLocaleString(LOCALE, { style: 'percent', maximumFractionDigits: digits === undefined ? 1 : digits });
  }

  function base(extra) {
    var opt = {
      animationDuration: 300,
      color: COLORS,
      textStyle: { fontFamily: 'system-ui, "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif' },
      toolbox: { right: 8, top: 0, feature: { saveAsImage: { title: tr('js.save_png'), pixelRatio: 2, backgroundColor: '#ffffff' } } },
      tooltip: { confine: true }
    };
    for (var k in extra) { if (Object.prototype.hasOwnProperty.call(extra, k)) { opt[k] = extra[k]; } }
    return opt;
  }

  // --- chart builders: data (from the page) -> ECharts option ------------------------------------------------

  var builders = {
    trend: function (d) {
      return base({
        legend: { data: [tr('js.revenue'), tr('js.growth')], top: 0, left: 0 },
        grid: { left: 70, right: 60, top: 40, bottom: 30 },
        tooltip: { trigger: 'axis', confine: true, valueFormatter: null,
          formatter: function (ps) {
            return ps.map(function (p) {
              var v = p.seriesIndex === 0 ? compact(p.value) + ' ¥' : pct(p.value);
              return p.marker + esc(p.seriesName) + ' ' + esc(p.name) + ': ' + esc(v);
            }).join('<br>');
          } },
        xAxis: { type: 'category', data: d.years },
        yAxis: [
          { type: 'value', name: tr('js.revenue'), axisLabel: { formatter: function (v) { return compact(v); } } },
          { type: 'value', name: tr('js.growth'), axisLabel: { formatter: function (v) { return pct(v, 0); } }, splitLine: { show: false } }
        ],
        series: [
          { type: 'bar', name: tr('js.revenue'), data: d.revenue, barMaxWidth: 48 },
          { type: 'line', name: tr('js.growth'), yAxisIndex: 1, data: d.growth, connectNulls: false, symbolSize: 8 }
        ]
      });
    },

    bars: function (d) {
      return base({
        grid: { left: 8, right: 40, top: 30, bottom: 10, containLabel: true },
        tooltip: { trigger: 'axis', confine: true, axisPointer: { type: 'shadow' },
          formatter: function (ps) { return esc(ps[0].name) + ': ' + esc(num(ps[0].value, 0)); } },
        xAxis: { type: 'value', axisLabel: { formatter: function (v) { return compact(v); } } },
        yAxis: { type: 'category', data: d.names, inverse: true, axisLabel: { width: 170, overflow: 'truncate' } },
        series: [{ type: 'bar', data: d.values, name: tr('js.firms'), label: { show: true, position: 'right',
          formatter: function (p) { return num(p.value, 0); } } }]
      });
    },

    worldmap: function (d, el, chart) {
      var values = d.data.map(function (x) { return x.value; });
      var min = values.length ? Math.min.apply(null, values) : 0;
      var max = values.length ? Math.max.apply(null, values) : 1;
      chart.off('click');
      chart.on('click', function (p) {
        if (!p.data || !p.data.iso3 || !window.htmx) { return; }
        var q = new URLSearchParams(d.params); q.set('iso3', p.data.iso3);
        window.htmx.ajax('GET', d.explain + '?' + q.toString(), { target: '#explain', swap: 'innerHTML' });
      });
      return base({
        tooltip: { trigger: 'item', confine: true, formatter: function (p) {
          if (!p.data) { return esc(tr('js.no_data')); }
          return esc(p.data.label) + '<br>' + esc(tr('js.rank')) + ': ' + esc(p.data.rank) + '<br>' + esc(tr('js.score')) + ': ' + esc(num(p.data.value));
        } },
        visualMap: { min: Math.floor(min), max: Math.ceil(max), left: 8, bottom: 8, text: [tr('js.score'), ''], calculable: true,
          inRange: { color: ['#fde9c9', '#f4a259', '#c8553d', '#6b2737'] }, itemHeight: 90 },
        series: [{ type: 'map', map: 'world', nameProperty: 'iso_n', roam: true, zoom: 1.15, data: d.data,
          itemStyle: { areaColor: '#e7eaee', borderColor: '#9aa4ad', borderWidth: 0.4 },
          emphasis: { label: { show: false }, itemStyle: { areaColor: '#1f5fa8' } },
          select: { disabled: true } }]
      });
    },

    stability: function (d) {
      return base({
        legend: { data: [tr('js.p_top'), tr('js.rank_interval'), tr('js.median_rank')], top: 0, left: 0 },
        tooltip: { trigger: 'axis', confine: true, axisPointer: { type: 'shadow' }, formatter: function (ps) {
          var i = ps[0].dataIndex;
          return esc(d.names[i]) + '<br>' + esc(tr('js.p_top')) + ': ' + esc(pct(d.p_top[i], 0)) + '<br>' +
            esc(tr('js.rank_interval')) + ': ' + esc(d.low[i]) + '–' + esc(d.high[i]) + '<br>' + esc(tr('js.median_rank')) + ': ' + esc(d.median[i]);
        } },
        grid: [{ left: 8, width: '38%', top: 40, bottom: 20, containLabel: true }, { right: 30, width: '36%', top: 40, bottom: 20 }],
        xAxis: [{ type: 'value', gridIndex: 0, max: 1, splitNumber: 2, axisLabel: { formatter: function (v) { return pct(v, 0); } } },
          { type: 'value', gridIndex: 1, min: 1, name: tr('js.rank'), nameLocation: 'middle', nameGap: 22 }],
        yAxis: [{ type: 'category', gridIndex: 0, data: d.names, inverse: true, axisLabel: { width: 110, overflow: 'truncate' } },
          { type: 'category', gridIndex: 1, data: d.names, inverse: true, axisLabel: { show: false } }],
        series: [
          { type: 'bar', name: tr('js.p_top'), data: d.p_top, xAxisIndex: 0, yAxisIndex: 0 },
          { type: 'bar', stack: 'iv', xAxisIndex: 1, yAxisIndex: 1, data: d.low, itemStyle: { color: 'transparent' }, silent: true, tooltip: { show: false } },
          { type: 'bar', stack: 'iv', name: tr('js.rank_interval'), xAxisIndex: 1, yAxisIndex: 1, barWidth: 8,
            data: d.high.map(function (h, i) { return h === null ? null : Math.max(h - d.low[i], 0.15); }), itemStyle: { color: '#9fb7d9' } },
          { type: 'scatter', name: tr('js.median_rank'), xAxisIndex: 1, yAxisIndex: 1, data: d.median, symbolSize: 9, itemStyle: { color: '#b8474a' } }
        ]
      });
    },

    waterfall: function (d) {
      var names = d.names.concat([tr('js.total')]);
      var baseVals = [], vals = [], run = 0;
      d.values.forEach(function (v) { baseVals.push(run); vals.push(v); run += v; });
      baseVals.push(0); vals.push(d.total);
      return base({
        grid: { left: 40, right: 20, top: 30, bottom: 10, containLabel: true },
        tooltip: { trigger: 'axis', confine: true, axisPointer: { type: 'shadow' }, formatter: function (ps) {
          var p = ps[ps.length - 1];
          return esc(p.name) + ': ' + esc(num(p.value, 2)) + ' ' + esc(tr('js.points'));
        } },
        xAxis: { type: 'category', data: names, axisLabel: { interval: 0, rotate: 30, width: 120, overflow: 'truncate' } },
        yAxis: { type: 'value', name: tr('js.points') },
        series: [
          { type: 'bar', stack: 'w', data: baseVals, itemStyle: { color: 'transparent' }, silent: true },
          { type: 'bar', stack: 'w', name: tr('js.points'), label: { show: true, position: 'top', formatter: function (p) { return num(p.value, 1); } },
            data: vals.map(function (v, i) { return { value: v, itemStyle: { color: i === vals.length - 1 ? '#1f5fa8' : '#e07b39' } }; }) }
        ]
      });
    },

    backtest: function (d) {
      return base({
        grid: { left: 60, right: 30, top: 30, bottom: 40 },
        tooltip: { trigger: 'item', confine: true, formatter: function (p) {
          return esc(p.data[2]) + '<br>' + esc(tr('js.score')) + ': ' + esc(num(p.data[0])) + '<br>' + esc(tr('js.realised_growth')) + ': ' + esc(num(p.data[1])) + '%';
        } },
        xAxis: { type: 'value', name: tr('js.score'), nameLocation: 'middle', nameGap: 26, scale: true },
        yAxis: { type: 'value', name: tr('js.realised_growth') + ' (%)', scale: true },
        series: [{ type: 'scatter', data: d.points, symbolSize: 9 }]
      });
    },

    graph: function (d) {
      return base({
        legend: { data: d.categories, top: 0, left: 0 },
        tooltip: { trigger: 'item', confine: true, formatter: function (p) {
          if (p.dataType === 'edge') { return ''; }
          return esc(p.data.name) + (p.data.kind ? '<br>' + esc(p.data.kind) : '');
        } },
        series: [{ type: 'graph', layout: 'force', roam: true, draggable: true, data: d.nodes, links: d.links,
          categories: d.categories.map(function (c) { return { name: c }; }),
          label: { show: true, position: 'right', formatter: '{b}' }, force: { repulsion: 260, edgeLength: [60, 140] },
          lineStyle: { color: 'source', curveness: 0.15, opacity: 0.7 }, emphasis: { focus: 'adjacency' } }]
      });
    },

    sites: function (d) {
      var groups = ['restored', 'restoring', 'unrestored'];
      var colors = { restored: '#3a9d5d', restoring: '#e07b39', unrestored: '#8d99a6' };
      return base({
        legend: { data: groups.map(function (g) { return tr('js.status.' + g); }), top: 0, left: 0 },
        grid: { left: 60, right: 20, top: 64, bottom: 40 },
        tooltip: { trigger: 'item', confine: true, formatter: function (p) {
          return esc(p.data.name) + '<br>' + esc(tr('js.floor_area')) + ': ' + esc(num(p.data.value[2], 0)) + ' m²<br>' +
            esc(num(p.data.value[1], 5)) + ', ' + esc(num(p.data.value[0], 5));
        } },
        xAxis: { type: 'value', scale: true, name: tr('js.longitude'), nameLocation: 'middle', nameGap: 26, axisLabel: { formatter: function (v) { return v.toFixed(3); } } },
        yAxis: { type: 'value', scale: true, name: tr('js.latitude'), axisLabel: { formatter: function (v) { return v.toFixed(3); } } },
        series: groups.map(function (g) {
          return { type: 'scatter', name: tr('js.status.' + g), itemStyle: { color: colors[g], opacity: 0.75 },
            data: d.points.filter(function (p) { return p.status === g; }),
            symbolSize: function (v) { return Math.max(4, Math.min(28, Math.sqrt(v[2] || 0) / 6)); } };
        })
      });
    },

    // generic bars: categories × named series (stacked), horizontal or vertical; values as counts or money
    stacked: function (d) {
      var fmt = function (v, full) {
        if (v === null || v === undefined) { return tr('js.no_data'); }
        if (d.currency) {
          return Number(v).toLocaleString(LOCALE, full ? { style: 'currency', currency: d.currency, maximumFractionDigits: 0 }
            : { style: 'currency', currency: d.currency, notation: 'compact', maximumFractionDigits: 1 });
        }
        return full ? num(v, d.digits) : compact(v);
      };
      var cat = { type: 'category', data: d.categories, inverse: !!d.horizontal,
        axisLabel: d.horizontal ? { width: 130, overflow: 'truncate' } : { interval: 0, width: 90, overflow: 'break' } };
      var val = { type: 'value', axisLabel: { formatter: function (v) { return fmt(v, false); } } };
      var single = d.series.length === 1, legend = d.legend || !single;
      return base({
        legend: legend ? { data: d.series.map(function (s) { return s.name; }), top: 0, left: 0 } : undefined,
        grid: { left: 8, right: 40, top: legend ? 40 : 30, bottom: 10, containLabel: true },
        tooltip: { trigger: 'axis', confine: true, axisPointer: { type: 'shadow' }, formatter: function (ps) {
          return esc(ps[0].name) + ps.map(function (p) { return '<br>' + p.marker + esc(p.seriesName) + ': ' + esc(fmt(p.value, true)); }).join('');
        } },
        xAxis: d.horizontal ? val : cat,
        yAxis: d.horizontal ? cat : val,
        series: d.series.map(function (s) {
          return { type: 'bar', stack: 'all', name: s.name, data: s.data, barMaxWidth: 42,
            label: single ? { show: true, position: d.horizontal ? 'right' : 'top', formatter: function (p) { return p.value ? fmt(p.value, false) : ''; } } : undefined };
        })
      });
    },

    progress: function (d) {
      var levels = d.map(function (r) { return r.label || r.level; });
      return base({
        legend: { data: [tr('js.area_restored'), tr('js.area_unrestored')], top: 0, left: 0 },
        grid: { left: 8, right: 20, top: 64, bottom: 10, containLabel: true },
        tooltip: { trigger: 'axis', confine: true, axisPointer: { type: 'shadow' }, formatter: function (ps) {
          return esc(ps[0].name) + ps.map(function (p) { return '<br>' + esc(p.seriesName) + ': ' + esc(num(p.value, 0)) + ' m²'; }).join('');
        } },
        xAxis: { type: 'category', data: levels, axisLabel: { interval: 0, width: 110, overflow: 'break' } },
        yAxis: { type: 'value', axisLabel: { formatter: function (v) { return compact(v); } }, name: 'm²' },
        series: [
          { type: 'bar', stack: 'a', name: tr('js.area_restored'), data: d.map(function (r) { return r.restored_area_m2; }), itemStyle: { color: '#3a9d5d' } },
          { type: 'bar', stack: 'a', name: tr('js.area_unrestored'), data: d.map(function (r) { return Math.max(r.floor_area_m2 - r.restored_area_m2, 0); }), itemStyle: { color: '#c9d1d9' } }
        ]
      });
    }
  };

  function loadWorld() {
    if (!worldPromise) {
      worldPromise = fetch('/static/vendor/countries-110m.json').then(function (r) {
        if (!r.ok) { throw new Error('world map ' + r.status); }
        return r.json();
      }).then(function (topo) {
        var geo = window.topojson.feature(topo, topo.objects.countries);
        geo.features = geo.features.filter(function (f) { return f.id !== '010'; }); // Antarctica: no market
        geo.features.forEach(function (f) { f.properties = f.properties || {}; f.properties.iso_n = f.id; });
        window.echarts.registerMap('world', geo);
      });
    }
    return worldPromise;
  }

  function mark(el, chart) {
    chart.on('finished', function () { el.setAttribute('data-rendered', '1'); });
  }

  function initOne(el) {
    if (el.getAttribute('data-initialised')) { return; }
    el.setAttribute('data-initialised', '1');
    var kind = el.getAttribute('data-chart');
    var src = document.querySelector('script[data-for="' + el.id + '"]');
    var data = src ? JSON.parse(src.textContent) : {};
    var chart = window.echarts.init(el, null, { renderer: 'canvas' });
    charts.push(chart);
    mark(el, chart);
    var build = builders[kind];
    if (!build) { return; }
    if (kind === 'worldmap') {
      loadWorld().then(function () { chart.setOption(build(data, el, chart)); }).catch(function () {
        el.textContent = tr('js.map_missing');
        el.setAttribute('data-rendered', 'failed');
      });
    } else {
      chart.setOption(build(data, el, chart));
    }
  }

  function initCharts(root) {
    charts = charts.filter(function (c) {
      if (c.isDisposed() || !document.body.contains(c.getDom())) { if (!c.isDisposed()) { c.dispose(); } return false; }
      return true;
    });
    (root || document).querySelectorAll('[data-chart]').forEach(initOne);
  }

  // --- markets: slider read-outs; a new segment reloads the page with that segment's default weights --------

  function wireMarkets() {
    var form = document.getElementById('market-form');
    if (!form) { return; }
    form.addEventListener('input', function (e) {
      var t = e.target;
      if (t && t.type === 'range') {
        var out = document.getElementById('o-' + t.getAttribute('data-factor'));
        if (out) { out.textContent = t.value; }
        t.setAttribute('aria-valuetext', t.value);
      }
    });
    var seg = document.getElementById('m-segment');
    if (seg) {
      seg.addEventListener('input', function (e) { e.stopPropagation(); });
      seg.addEventListener('change', function (e) {
        e.stopPropagation();
        var region = document.getElementById('m-region').value;
        window.location.href = form.getAttribute('action') + '?segment=' + encodeURIComponent(seg.value) + '&region=' + encodeURIComponent(region);
      });
    }
  }

  // --- import: post the file to the REST API, show the row-by-row report ---------------------------------------

  function cell(tag, text) { var c = document.createElement(tag); c.textContent = text === null || text === undefined ? '' : String(text); return c; }

  function issuesOf(body) {
    if (!body || typeof body !== 'object') { return null; }
    var cands = [body.issues, body.errors, body.report && body.report.issues, body.error && body.error.details && body.error.details.issues, body.error && body.error.details, body.detail];
    for (var i = 0; i < cands.length; i++) { if (Array.isArray(cands[i])) { return cands[i]; } }
    return null;
  }

  function renderReport(box, ok, status, body) {
    box.textContent = '';
    var p = cell('p', (ok ? tr('js.import_ok') : tr('js.import_failed')) + ' (HTTP ' + status + ')');
    p.className = ok ? 'ok' : 'error';
    p.setAttribute('role', ok ? 'status' : 'alert');
    box.appendChild(p);
    if (!body || typeof body !== 'object') { if (body) { box.appendChild(cell('pre', body)); } return; }
    var dl = document.createElement('dl');
    Object.keys(body).forEach(function (k) {
      var v = body[k];
      if (Array.isArray(v) || (v && typeof v === 'object' && k !== 'error')) { return; }
      dl.appendChild(cell('dt', k));
      dl.appendChild(cell('dd', k === 'error' && v ? (v.message || JSON.stringify(v)) : v));
    });
    if (body.error && typeof body.error === 'object') {
      dl.appendChild(cell('dt', 'error'));
      dl.appendChild(cell('dd', (body.error.type ? body.error.type + ': ' : '') + (body.error.message || '')));
    }
    box.appendChild(dl);
    var issues = issuesOf(body);
    if (issues && issues.length) {
      var table = document.createElement('table');
      table.id = 'import-issues';
      var cap = cell('caption', tr('js.import_failed'));
      table.appendChild(cap);
      var head = document.createElement('thead'); var hr = document.createElement('tr');
      ['row', 'column', 'value', 'rule'].forEach(function (k) { var th = cell('th', tr('js.' + k)); th.scope = 'col'; hr.appendChild(th); });
      head.appendChild(hr); table.appendChild(head);
      var tb = document.createElement('tbody');
      issues.forEach(function (it) {
        var tr_ = document.createElement('tr');
        if (it && typeof it === 'object') {
          tr_.appendChild(cell('td', it.row)); tr_.appendChild(cell('td', it.column)); tr_.appendChild(cell('td', it.value)); tr_.appendChild(cell('td', it.rule || it.message || it.msg));
        } else { var td = cell('td', it); td.colSpan = 4; tr_.appendChild(td); }
        tb.appendChild(tr_);
      });
      table.appendChild(tb);
      var wrap = document.createElement('div'); wrap.className = 'table-wrap'; wrap.appendChild(table);
      box.appendChild(wrap);
    }
  }

  function wireImport() {
    var form = document.getElementById('import-form');
    if (!form) { return; }
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var box = document.getElementById('import-report');
      var kind = document.getElementById('i-kind').value;
      var file = document.getElementById('i-file').files[0];
      // Signed in: the session cookie goes along (same origin); the page's CSRF token goes in a header.
      var meta = document.querySelector('meta[name="csrf-token"]');
      var csrf = meta ? meta.getAttribute('content') : '';
      var dry = document.getElementById('i-dry').checked;
      if (!file) { return; }
      var fd = new FormData(); fd.append('file', file, file.name);
      box.textContent = tr('js.import_sending');
      fetch(form.getAttribute('data-api') + encodeURIComponent(kind) + (dry ? '?dry_run=true' : ''), {
        method: 'POST', body: fd, credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf, 'Accept': 'application/json' }
      }).then(function (r) {
        return r.text().then(function (text) {
          var body = text; try { body = JSON.parse(text); } catch (err) { /* plain text */ }
          renderReport(box, r.ok, r.status, body);
        });
      }).catch(function (err) { renderReport(box, false, 0, String(err)); });
    });
  }

  // --- pipeline board: arrow keys move between cards (up/down in a column, left/right across columns) ---------

  function wireKanban() {
    var board = document.getElementById('kanban');
    if (!board) { return; }
    board.addEventListener('keydown', function (e) {
      var card = e.target;
      if (!card || !card.matches || !card.matches('li.kcard[tabindex]')) { return; }
      var cols = Array.prototype.slice.call(board.querySelectorAll('.kanban-col'));
      var col = card.closest('.kanban-col');
      var cards = function (c) { return Array.prototype.slice.call(c.querySelectorAll('li.kcard[tabindex]')); };
      var here = cards(col), i = here.indexOf(card), target = null;
      if (e.key === 'ArrowDown') { target = here[i + 1]; }
      else if (e.key === 'ArrowUp') { target = here[i - 1]; }
      else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
        var step = e.key === 'ArrowRight' ? 1 : -1;
        for (var j = cols.indexOf(col) + step; j >= 0 && j < cols.length && !target; j += step) {
          var there = cards(cols[j]);
          if (there.length) { target = there[Math.min(i, there.length - 1)]; }
        }
      } else { return; }
      e.preventDefault();
      if (target) { target.focus(); }
    });
  }

  function start() {
    initCharts(document);
    wireMarkets();
    wireImport();
    wireKanban();
    document.body.addEventListener('htmx:afterSettle', function (e) { initCharts(e.target); });
    document.body.addEventListener('htmx:historyRestore', function () {
      document.querySelectorAll('[data-chart]').forEach(function (el) {
        el.removeAttribute('data-initialised'); el.removeAttribute('data-rendered'); el.removeAttribute('_echarts_instance_'); el.textContent = '';
      });
      charts.forEach(function (c) { if (!c.isDisposed()) { c.dispose(); } });
      charts = [];
      initCharts(document);
    });
    var timer = null;
    window.addEventListener('resize', function () {
      clearTimeout(timer);
      timer = setTimeout(function () { charts.forEach(function (c) { if (!c.isDisposed()) { c.resize(); } }); }, 150);
    });
  }

  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
}());

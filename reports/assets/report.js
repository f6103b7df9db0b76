/* l1bench report: draws every .chart from the JSON payload named by its data-chart attribute.
   Payload: {spec, data: {name: {cols, dicts, rows}}, xscale?: {field, initial, label}}; rows are
   expanded to objects and handed to vega-embed as named datasets. A payload with `xscale` gets a
   log/linear toggle of its time / iteration axis: the chart is drawn again with the scale type of
   every x encoding on that field and the `xlog` parameter set (see reports/style.ts). Sets
   <body data-charts="done|failed"> when every chart settled, and data-xscale on each toggled chart. */
(function () {
  'use strict';
  function expand(p) {
    var out = new Array(p.rows.length);
    for (var i = 0; i < p.rows.length; i++) {
      var row = p.rows[i], o = {};
      for (var j = 0; j < p.cols.length; j++) {
        var c = p.cols[j], v = row[j], d = p.dicts[c];
        o[c] = d && v !== null ? d[v] : v;
      }
      out[i] = o;
    }
    return out;
  }
  /* Sets the scale type of every x encoding on `field`, anywhere in the spec. */
  function setXScale(node, field, type) {
    if (Array.isArray(node)) { node.forEach(function (n) { setXScale(n, field, type); }); return; }
    if (!node || typeof node !== 'object') return;
    if (node.encoding && node.encoding.x && node.encoding.x.field === field) {
      node.encoding.x.scale = Object.assign({}, node.encoding.x.scale || {}, { type: type });
    }
    Object.keys(node).forEach(function (k) { if (k !== 'datasets') setXScale(node[k], field, type); });
  }
  function embed(el, spec) {
    return vegaEmbed(el, spec, {
      renderer: 'svg',
      actions: { export: true, source: false, compiled: false, editor: false },
      downloadFileName: el.getAttribute('data-chart')
    });
  }
  function draw(el) {
    var holder = document.getElementById(el.getAttribute('data-chart'));
    if (!holder) return Promise.reject(new Error('missing chart data'));
    var payload = JSON.parse(holder.textContent);
    var spec = payload.spec;
    spec.datasets = {};
    Object.keys(payload.data).forEach(function (name) { spec.datasets[name] = expand(payload.data[name]); });
    var toggle = payload.xscale;
    if (!toggle) return embed(el, spec);
    var current = null;
    function render(type) {
      setXScale(spec, toggle.field, type);
      // Keep what the reader chose with the chart's own inputs (x axis, metric, tolerance, …).
      if (current) (spec.params || []).forEach(function (p) {
        if (p.bind && p.bind.input) { try { p.value = current.view.signal(p.name); } catch (e) { /* not a signal */ } }
      });
      (spec.params || []).forEach(function (p) { if (p.name === 'xlog') p.value = type === 'log'; });
      if (current) current.finalize();
      el.setAttribute('data-xscale', type);
      return embed(el, spec).then(function (res) { current = res; return res; });
    }
    var bar = document.createElement('div');
    bar.className = 'xscale-toggle';
    var name = document.createElement('span');
    name.className = 'vega-bind-name';
    name.textContent = toggle.label || 'x scale ';
    bar.appendChild(name);
    var group = 'xscale-' + el.getAttribute('data-chart');
    ['log', 'linear'].forEach(function (type) {
      var label = document.createElement('label');
      var input = document.createElement('input');
      input.type = 'radio';
      input.name = group;
      input.value = type;
      input.checked = type === toggle.initial;
      input.addEventListener('change', function () {
        if (input.checked) render(type).catch(function (e) { console.error(e); });
      });
      label.appendChild(input);
      label.appendChild(document.createTextNode(' ' + type + ' '));
      bar.appendChild(label);
    });
    el.parentNode.insertBefore(bar, el.nextSibling);
    return render(toggle.initial);
  }
  var charts = Array.prototype.slice.call(document.querySelectorAll('.chart[data-chart]'));
  var failed = 0;
  Promise.all(charts.map(function (el) {
    return draw(el).catch(function (e) {
      failed++;
      var p = document.createElement('p');
      p.className = 'chart-error';
      p.textContent = 'chart failed: ' + (e && e.message ? e.message : String(e));
      el.appendChild(p);
      console.error(e);
    });
  })).then(function () {
    document.body.setAttribute('data-charts', failed ? 'failed' : 'done');
  });
})();

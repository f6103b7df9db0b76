/* l1bench report: draws every .chart from the JSON payload named by its data-chart attribute.
   Payload: {spec, data: {name: {cols, dicts, rows}}}; rows are expanded to objects and handed to
   vega-embed as named datasets. Sets <body data-charts="done|failed"> when every chart settled. */
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
  function draw(el) {
    var holder = document.getElementById(el.getAttribute('data-chart'));
    if (!holder) return Promise.reject(new Error('missing chart data'));
    var payload = JSON.parse(holder.textContent);
    var spec = payload.spec;
    spec.datasets = {};
    Object.keys(payload.data).forEach(function (name) { spec.datasets[name] = expand(payload.data[name]); });
    return vegaEmbed(el, spec, {
      renderer: 'svg',
      actions: { export: true, source: false, compiled: false, editor: false },
      downloadFileName: el.getAttribute('data-chart')
    });
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

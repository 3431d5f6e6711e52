/* The report's tables, in the page and offline: the Numbers page can be searched and filtered by
   chapter; every DataFrame table (e.g. the evidence chapter's) can be sorted by a column and its
   rows filtered. Served by report_ext.py only to pages that have such tables. */
(function () {
  'use strict';
  function norm(s) { return (s || '').toLowerCase().replace(/_/g, ' '); }

  function numbersPage() {
    var query = document.getElementById('report-numbers-query');
    var chapter = document.getElementById('report-numbers-chapter');
    var count = document.getElementById('report-numbers-count');
    if (!query || !chapter) { return; }
    var sections = Array.prototype.slice.call(document.querySelectorAll('.report-numbers-section'));
    function apply() {
      var words = norm(query.value).split(/\s+/).filter(Boolean);
      var wanted = chapter.value ? 'numbers-' + chapter.value : '';
      var shown = 0;
      sections.forEach(function (section) {
        var inChapter = !wanted || section.id === wanted;
        var visible = 0;
        section.querySelectorAll('tbody tr').forEach(function (tr) {
          var text = norm(tr.textContent);
          var ok = inChapter && words.every(function (w) { return text.indexOf(w) >= 0; });
          tr.hidden = !ok;
          if (ok) { visible += 1; }
        });
        section.hidden = visible === 0;
        shown += visible;
      });
      count.textContent = shown + ' numbers shown';
    }
    query.addEventListener('input', apply);
    chapter.addEventListener('change', apply);
    var params = new URLSearchParams(window.location.search);
    if (params.get('q')) { query.value = params.get('q'); }
    apply();
  }

  function cellValue(td) {
    var t = (td ? td.textContent : '').trim();
    var n = t.replace(/[,\s%$]/g, '');
    return (n !== '' && !isNaN(+n)) ? {num: true, v: +n} : {num: false, v: t.toLowerCase()};
  }

  var counter = 0;
  function enhance(table) {
    var tbody = table.tBodies[0];
    var head = table.tHead;
    if (!tbody || !head || tbody.rows.length < 2) { return; }
    counter += 1;
    var box = document.createElement('div');
    box.className = 'report-table-filter';
    var label = document.createElement('label');
    label.textContent = 'Filter rows ';
    var input = document.createElement('input');
    input.type = 'search';
    input.id = 'report-table-filter-' + counter;
    input.autocomplete = 'off';
    label.appendChild(input);
    var status = document.createElement('span');
    status.setAttribute('aria-live', 'polite');
    box.appendChild(label);
    box.appendChild(document.createTextNode(' '));
    box.appendChild(status);
    var host = table.closest('.output_area, .cell_output, .table-wrapper') || table;
    host.parentNode.insertBefore(box, host);
    var rows = Array.prototype.slice.call(tbody.rows);
    function filter() {
      var words = norm(input.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (tr) {
        var text = norm(tr.textContent);
        tr.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
        if (!tr.hidden) { shown += 1; }
      });
      status.textContent = shown + ' of ' + rows.length + ' rows';
    }
    input.addEventListener('input', filter);
    filter();
    var headRow = head.rows[head.rows.length - 1];
    Array.prototype.forEach.call(headRow.cells, function (th, col) {
      if (!th.textContent.trim()) { return; }
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'report-sort';
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      th.setAttribute('aria-sort', 'none');
      button.addEventListener('click', function () {
        var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
        Array.prototype.forEach.call(headRow.cells, function (o) { if (o.hasAttribute('aria-sort')) { o.setAttribute('aria-sort', 'none'); } });
        th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
        var sorted = rows.slice().sort(function (a, b) {
          var x = cellValue(a.cells[col]), y = cellValue(b.cells[col]);
          if (x.num && y.num) { return dir * (x.v - y.v); }
          if (x.num !== y.num) { return x.num ? -1 : 1; }
          return dir * (x.v < y.v ? -1 : x.v > y.v ? 1 : 0);
        });
        sorted.forEach(function (tr) { tbody.appendChild(tr); });
      });
    });
  }

  function start() {
    numbersPage();
    document.querySelectorAll('table.dataframe').forEach(enhance);
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
})();

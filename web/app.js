// The smartcity dashboard: the seed's three Power BI reports, a map of the
// fleet, headline figures and a SQL console, all from this server's /api.
// Filters (slicers and clicks on bars) live in `filters` and survive the
// automatic refresh; charts are updated in place, so nothing flickers.
'use strict';

const REFRESH_MS = 4000;
// The seed's colour intent: light blue moving / dark blue arrived; accidents
// light blue, fire dark blue, medical orange, police pink, none purple.
const STATUS_COLOURS = { moving: '#8ecae6', arrived: '#023e8a' };
const INCIDENT_COLOURS = { Accident: '#8ecae6', Fire: '#023e8a', Medical: '#fb8500', Police: '#ff70a6', None: '#7b2cbf' };
const WEATHER_COLOURS = { Sunny: '#f4a261', Cloudy: '#8d99ae', Rainy: '#277da1', Snowy: '#a8dadc' };
const STATE_COLOURS = { Active: '#d62828', Resolved: '#2a9d8f' };

const filters = { from: '', to: '', device: '', condition: '', incident_type: '', status: '' };
const latest = {};  // last data per chart, for CSV export
const charts = {};

function chart(id) {
  if (!charts[id]) charts[id] = echarts.init(document.getElementById(id));
  return charts[id];
}

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const text = search.toString();
  return text ? '?' + text : '';
}

async function getJson(path) {
  const response = await fetch(path);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function toIso(local) { return local ? new Date(local).toISOString() : ''; }

function reportParams() {
  return { from: toIso(filters.from), to: toIso(filters.to), device: filters.device,
           condition: filters.condition, incident_type: filters.incident_type, status: filters.status };
}

function rowsAsObjects(result) {
  return result.rows.map(row => Object.fromEntries(result.columns.map((c, i) => [c, row[i]])));
}

function csv(result) {
  const quote = v => v === null ? '' : '"' + String(v).replaceAll('"', '""') + '"';
  return [result.columns.map(quote).join(',')]
    .concat(result.rows.map(row => row.map(quote).join(','))).join('\n') + '\n';
}

function download(name, text) {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

function renderWeather(result) {
  latest.weather = result;
  const rows = rowsAsObjects(result);
  chart('chart-weather').setOption({
    tooltip: { trigger: 'axis' },
    legend: { data: ['records', 'avg precipitation (mm)', 'median temperature (°C)'], bottom: 0 },
    grid: { left: 50, right: 50, top: 20, bottom: 50 },
    xAxis: { type: 'category', data: rows.map(r => r.weather_condition) },
    yAxis: [{ type: 'value', name: 'records' }, { type: 'value', name: 'mm / °C' }],
    series: [
      { name: 'records', type: 'bar', data: rows.map(r => ({ value: r.records,
          itemStyle: { color: WEATHER_COLOURS[r.weather_condition] || '#999' } })) },
      { name: 'avg precipitation (mm)', type: 'line', yAxisIndex: 1, data: rows.map(r => r.avg_precipitation) },
      { name: 'median temperature (°C)', type: 'line', yAxisIndex: 1, data: rows.map(r => r.median_temperature) },
    ],
  }, { replaceMerge: ['series'] });
}

function renderStatus(result) {
  latest['vehicle-status'] = result;
  const rows = rowsAsObjects(result);
  const buckets = [...new Set(rows.map(r => r.time_bucket))];
  const series = ['moving', 'arrived'].map(status => ({
    name: status, type: 'bar', stack: 'status', itemStyle: { color: STATUS_COLOURS[status] },
    data: buckets.map(b => (rows.find(r => r.time_bucket === b && r.status === status) || {}).records || 0),
  }));
  chart('chart-status').setOption({
    tooltip: { trigger: 'axis' }, legend: { bottom: 0 },
    grid: { left: 50, right: 20, top: 20, bottom: 60 },
    xAxis: { type: 'category', data: buckets.map(b => String(b).slice(0, 13) + 'h'), name: 'hour (UTC)' },
    yAxis: { type: 'value', name: 'vehicle records' },
    series,
  }, { replaceMerge: ['series'] });
  latest.statusBuckets = buckets;
}

function renderEmergencies(result) {
  latest.emergencies = result;
  const rows = rowsAsObjects(result);
  const types = [...new Set(rows.map(r => r.type))];
  const byType = types.map(t => rows.filter(r => r.type === t).reduce((n, r) => n + r.records, 0));
  chart('chart-emergency-type').setOption({
    tooltip: { trigger: 'axis' },
    grid: { left: 50, right: 20, top: 20, bottom: 30 },
    xAxis: { type: 'category', data: types },
    yAxis: { type: 'value', name: 'reports' },
    series: [{ name: 'reports', type: 'bar', data: types.map((t, i) => ({ value: byType[i],
      itemStyle: { color: INCIDENT_COLOURS[t] || '#999' } })) }],
  }, { replaceMerge: ['series'] });
  const statuses = ['Active', 'Resolved'];
  chart('chart-emergency-status').setOption({
    tooltip: { trigger: 'axis' }, legend: { bottom: 0 },
    grid: { left: 50, right: 20, top: 20, bottom: 50 },
    xAxis: { type: 'category', data: types },
    yAxis: { type: 'value', name: 'reports' },
    series: statuses.map(s => ({ name: s, type: 'bar', itemStyle: { color: STATE_COLOURS[s] },
      data: types.map(t => (rows.find(r => r.type === t && r.status === s) || {}).records || 0) })),
  }, { replaceMerge: ['series'] });
}

let outline = null;
async function loadOutline() {
  try {
    const world = await getJson('/vendor/world-atlas/countries-50m.json');
    const countries = topojson.feature(world, world.objects.countries).features;
    const uk = countries.find(f => f.id === '826');
    const polygons = uk.geometry.type === 'Polygon' ? [uk.geometry.coordinates] : uk.geometry.coordinates;
    outline = polygons.map(rings => rings[0]);
  } catch (e) {
    outline = [];
  }
}

function renderMap(result, tracks) {
  latest.vehicles = result;
  const rows = rowsAsObjects(result);
  const routes = Object.entries(tracks)
    .filter(([device]) => !filters.device || device === filters.device)
    .map(([device, points]) => ({
      name: 'route ' + device, type: 'line', data: points, showSymbol: false, z: 2,
      lineStyle: { color: '#457b9d', width: 1.5, opacity: 0.7 },
      tooltip: { formatter: () => device + ' (recent route)' },
    }));
  const series = [...routes, {
    name: 'vehicles', type: 'scatter', symbolSize: 9,
    data: rows.map(r => ({ value: [r.longitude, r.latitude], name: r.device_id, speed: r.speed, make: r.make })),
    itemStyle: { color: '#d62828' },
    tooltip: { formatter: p => `${p.data.name} (${p.data.make})<br>${p.data.value[1].toFixed(4)}, ${p.data.value[0].toFixed(4)}<br>${p.data.speed.toFixed(1)} km/h` },
  }];
  (outline || []).forEach((ring, i) => series.push({
    name: 'coast ' + i, type: 'line', data: ring, showSymbol: false, silent: true,
    lineStyle: { color: '#9fb3c8', width: 1 }, tooltip: { show: false }, z: 1,
  }));
  chart('chart-map').setOption({
    tooltip: { trigger: 'item' },
    grid: { left: 50, right: 20, top: 10, bottom: 40 },
    xAxis: { type: 'value', name: 'longitude (°)', min: -6, max: 2, axisLine: { onZero: false } },
    yAxis: { type: 'value', name: 'latitude (°)', min: 49.8, max: 56.5, axisLine: { onZero: false } },
    series,
  }, { replaceMerge: ['series'] });
}

function updateDevices(result) {
  const select = document.getElementById('device');
  const known = new Set([...select.options].map(o => o.value));
  for (const row of result.rows) {
    if (known.has(row[0])) continue;
    const option = document.createElement('option');
    option.value = option.textContent = row[0];
    select.appendChild(option);
  }
}

function showFilters() {
  const active = [];
  if (filters.condition) active.push('condition: ' + filters.condition);
  if (filters.incident_type) active.push('incident: ' + filters.incident_type);
  if (filters.device) active.push('vehicle: ' + filters.device);
  document.getElementById('active-filters').textContent = active.join(' · ');
}

function formatCount(n) { return Number(n || 0).toLocaleString('en-GB'); }

async function refresh() {
  const params = query(reportParams());
  try {
    const [weather, status, emergencies, vehicles, pipeline, tracks] = await Promise.all([
      getJson('/api/reports/weather' + params), getJson('/api/reports/vehicle-status' + params),
      getJson('/api/reports/emergencies' + params), getJson('/api/vehicles/latest'),
      getJson('/api/pipeline'), getJson('/api/vehicles/tracks?points=60')]);
    renderWeather(weather);
    renderStatus(status);
    renderEmergencies(emergencies);
    updateDevices(vehicles);
    renderMap(filters.device ? { columns: vehicles.columns,
      rows: vehicles.rows.filter(r => r[0] === filters.device) } : vehicles, tracks);
    document.getElementById('h-events').textContent = formatCount((pipeline.rows || 0) + (pipeline.dead_letters || 0));
    document.getElementById('h-rate').textContent = formatCount(Math.round(pipeline.events_per_second || 0));
    document.getElementById('h-dead').textContent = formatCount(pipeline.dead_letters);
    const last = pipeline.last_commit && pipeline.last_commit.at ? Date.parse(pipeline.last_commit.at) : NaN;
    document.getElementById('h-fresh').textContent = isNaN(last) ? '–' : ((Date.now() - last) / 1000).toFixed(1) + ' s';
    document.getElementById('state').textContent = 'stream ' + (pipeline.state || '?') + ' · ' +
      pipeline.commits + ' commits · updated ' + new Date().toLocaleTimeString('en-GB');
    showFilters();
    document.body.dataset.loaded = 'true';
  } catch (e) {
    document.getElementById('state').textContent = 'error: ' + e.message;
  }
}

function wireInteractions() {
  for (const id of ['from', 'to', 'device']) {
    document.getElementById(id).addEventListener('change', e => { filters[id] = e.target.value; refresh(); });
  }
  document.getElementById('clear').addEventListener('click', () => {
    for (const key of Object.keys(filters)) filters[key] = '';
    for (const id of ['from', 'to', 'device']) document.getElementById(id).value = '';
    refresh();
  });
  // Click-to-filter, as in Power BI: a condition, an incident type, an hour or a vehicle.
  chart('chart-weather').on('click', p => { filters.condition = filters.condition === p.name ? '' : p.name; refresh(); });
  chart('chart-emergency-type').on('click', p => { filters.incident_type = filters.incident_type === p.name ? '' : p.name; refresh(); });
  chart('chart-status').on('click', p => {
    const bucket = latest.statusBuckets[p.dataIndex];
    const start = new Date(String(bucket).replace(' ', 'T').slice(0, 19) + 'Z');
    const toLocal = d => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 19);
    filters.from = document.getElementById('from').value = toLocal(start);
    filters.to = document.getElementById('to').value = toLocal(new Date(start.getTime() + 3600000));
    refresh();
  });
  chart('chart-map').on('click', p => {
    if (p.seriesName !== 'vehicles') return;
    filters.device = document.getElementById('device').value = p.data.name;
    refresh();
  });
  // Exports come from the server, formatted as `smartcity query --format csv`
  // writes them, for the filters in force.
  for (const button of document.querySelectorAll('[data-export]')) {
    button.addEventListener('click', async () => {
      const name = button.dataset.export;
      if (name === 'vehicles') {
        if (latest.vehicles) download('vehicles.csv', csv(latest.vehicles));
        return;
      }
      const response = await fetch(`/api/reports/${name}` + query({ ...reportParams(), format: 'csv' }));
      download(name + '.csv', await response.text());
    });
  }
  document.getElementById('sql-run').addEventListener('click', runSql);
  document.getElementById('sql-download').addEventListener('click', async () => {
    const response = await fetch('/api/query', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ sql: document.getElementById('sql').value, format: 'csv' }) });
    if (response.ok) download('query.csv', await response.text());
  });
  window.addEventListener('resize', () => Object.values(charts).forEach(c => c.resize()));
}

async function runSql() {
  const status = document.getElementById('sql-status');
  const target = document.getElementById('sql-result');
  status.textContent = 'running…';
  const response = await fetch('/api/query', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ sql: document.getElementById('sql').value }) });
  const body = await response.json();
  if (!response.ok) { status.textContent = body.error; target.textContent = ''; return; }
  latest.sql = body;
  status.textContent = body.rows.length + ' rows' + (body.truncated ? ' (cut)' : '');
  const table = document.createElement('table');
  const head = table.insertRow();
  body.columns.forEach(c => { const th = document.createElement('th'); th.textContent = c; head.appendChild(th); });
  body.rows.forEach(row => { const tr = table.insertRow(); row.forEach(v => { tr.insertCell().textContent = v === null ? 'NULL' : v; }); });
  target.replaceChildren(table);
}

// Exposed for tests: what the charts show right now.
window.smartcity = { latest, filters, charts };

(async function main() {
  wireInteractions();
  await loadOutline();
  await refresh();
  setInterval(refresh, REFRESH_MS);
})();

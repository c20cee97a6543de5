/* conflictmap event layers, defined once per page.

   A map's events arrive as one columnar object (layers/payload.py). A Store decodes it and keeps
   which events the time control shows; one GroupLayer per LayerControl entry draws its events as
   Leaflet markers (few events) or as symbols on a canvas (many), plus the regions and uncertainty
   circles of imprecise events; a LinkLayer draws diplomatic links. Text from reports only ever
   reaches the page through textContent, never as HTML. */
window.conflictmap = window.conflictmap || (function () {
  "use strict";
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var DAY_MS = 86400000;
  var SYMBOL_RADIUS = 8;          /* canvas symbol radius, CSS pixels */
  var HIT_RADIUS = 10;            /* how near a click must be to a canvas symbol */
  var POPUP_LIST_LIMIT = 50;      /* events listed in one popup at most */
  var SLOTS_PER_ROW = 5;          /* markers sharing a point are laid out in rows of this many */
  var PILE_MIN = 4;               /* from this many events of a layer at one point, one marker */
  var MARKER_PANE = "cmPoints";
  /* popups open clear of the title box above */
  function popupOptions() {
    return {maxWidth: 380, minWidth: 240, maxHeight: 360, autoPanPaddingTopLeft: L.point(30, 90),
            autoPanPaddingBottomRight: L.point(30, 30)};
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function formatDay(day) {
    var d = new Date(day * DAY_MS);
    return d.getUTCDate() + " " + MONTHS[d.getUTCMonth()] + " " + d.getUTCFullYear();
  }

  /* ---------- popups and tooltips ---------- */
  var ROWS = [["when", "Date"], ["place", "Place"], ["resolved", "Located at"],
              ["precision", "Location"], ["time_precision", "Date precision"],
              ["actors", "Actors"], ["fatalities", "Fatalities"]];
  function popup(info, style) {
    var root = el("div", "cm-popup");
    var head = el("div", "cm-popup-title", info.title);
    head.style.borderLeft = "4px solid " + style.color;
    root.appendChild(head);
    if (info.kind) { root.appendChild(el("div", "cm-popup-kind", info.kind)); }
    var table = el("table", "cm-popup-table");
    ROWS.forEach(function (pair) {
      var value = info[pair[0]];
      if (value === null || value === undefined) { return; }
      var tr = el("tr");
      tr.appendChild(el("th", null, pair[0] === "actors" && style.links ? "Parties" : pair[1]));
      tr.appendChild(el("td", "cm-" + pair[0], value));
      table.appendChild(tr);
    });
    (info.extra || []).forEach(function (pair) {
      if (pair[1] === null || pair[1] === undefined || pair[1] === "") { return; }
      var tr = el("tr", "cm-extra");
      tr.appendChild(el("th", null, pair[0]));
      tr.appendChild(el("td", null, pair[1]));
      table.appendChild(tr);
    });
    root.appendChild(table);
    if (info.notes) { root.appendChild(el("p", "cm-notes", info.notes)); }
    if (info.source || info.url) {
      var src = el("div", "cm-source", "Source: ");
      if (info.url && /^https?:\/\//i.test(info.url)) {
        var link = el("a", null, info.source || info.url);
        link.href = info.url;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        src.appendChild(link);
      } else {
        src.appendChild(el("span", null, info.source));
      }
      root.appendChild(src);
    }
    if (info.id) { root.appendChild(el("div", "cm-event-id", "Event " + info.id)); }
    return root;
  }
  function tooltipText(info) {
    return [info.title, info.place, info.when].filter(Boolean).join(" · ");
  }
  function tooltip(info) { return el("span", "cm-tooltip", tooltipText(info)); }

  /* ---------- the store: decoded columns and the time filter ---------- */
  function Store(data, map) {
    var n = data.n, i;
    this.data = data;
    this.map = map;
    this.n = n;
    this.lat = new Float64Array(n);
    this.lon = new Float64Array(n);
    this.mx = new Float64Array(n);   /* Web Mercator, 0..1 (Leaflet's EPSG:3857 before scaling) */
    this.my = new Float64Array(n);
    this.t0 = new Int32Array(n);
    this.t1 = new Int32Array(n);
    this.visible = new Uint8Array(n);
    var s = data.scale, max = 85.0511287798;
    for (i = 0; i < n; i++) {
      var lat = (data.y[i] + data.y0) / s, lon = (data.x[i] + data.x0) / s;
      this.lat[i] = lat;
      this.lon[i] = lon;
      var phi = Math.max(Math.min(lat, max), -max) * Math.PI / 180;
      this.mx[i] = lon / 360 + 0.5;
      this.my[i] = 0.5 - Math.log(Math.tan(Math.PI / 4 + phi / 2)) / (2 * Math.PI);
      this.t0[i] = data.t0[i];
      this.t1[i] = data.t0[i] + data.dt[i];
      this.visible[i] = 1;
    }
    this.first = n ? minOf(this.t0) : 0;
    this.last = n ? maxOf(this.t1) : 0;
    this.lastStart = n ? maxOf(this.t0) : 0;
    this.time = {mode: "cumulative", at: this.last, window: 30};
    this._listeners = [];
    this._hitLayers = [];
    this.groupOn = new Uint8Array(data.groups.length);
    this._canvas = null;
    this._layoutListeners = [];
    this.clusters = null;           /* layers/cluster.js: which places are drawn one by one */
    this.ready = false;
  }
  function minOf(a) { var m = Infinity; for (var i = 0; i < a.length; i++) { if (a[i] < m) { m = a[i]; } } return m; }
  function maxOf(a) { var m = -Infinity; for (var i = 0; i < a.length; i++) { if (a[i] > m) { m = a[i]; } } return m; }
  function decode(col, i) {
    /* the encodings of layers/payload.py _encode: a list, a dictionary, or prefix + rest */
    if (col === null) { return null; }
    if (Array.isArray(col)) { return col[i]; }
    if (col.p) {
      var prefix = decode(col.p, i);
      return prefix === null || prefix === undefined ? null : prefix + col.s[i];
    }
    var code = col.c[i];
    return code < 0 ? null : col.v[code];
  }
  Store.prototype.text = function (field, i) { return decode(this.data.text[field], i); };
  Store.prototype.category = function (i) { return this.data.categories[this.data.cat[i]]; };
  Store.prototype.style = function (i) { return this.data.styles[this.category(i)]; };
  Store.prototype.group = function (i) { return this.data.catGroup[this.data.cat[i]]; };
  Store.prototype.info = function (i) {
    var info = {title: this.style(i).label};
    ["kind", "when", "place", "resolved", "precision", "time_precision", "actors", "notes",
     "fatalities", "source", "url", "id"].forEach(function (f) { info[f] = this.text(f, i); }, this);
    /* the frame's own columns (layers/payload.py _extras), shown as text */
    var extra = this.data.extra;
    info.extra = extra ? extra.names.map(function (name, k) {
      return [name, decode(extra.values[k], i)];
    }) : [];
    return info;
  };
  Store.prototype.latlng = function (i) { return L.latLng(this.lat[i], this.lon[i]); };
  /* Show events by time: "cumulative" shows every event begun by `at`; "window" shows every event
     whose interval [start, end] meets the `window` days ending at `at`. */
  Store.prototype.setTime = function (time) {
    var t = this.time, i;
    if (time) {
      if (time.mode) { t.mode = time.mode; }
      if (time.at !== undefined) { t.at = Math.round(time.at); }
      if (time.window) { t.window = time.window; }
    }
    var hi = t.at, lo = t.mode === "window" ? t.at - t.window + 1 : -Infinity;
    for (i = 0; i < this.n; i++) {
      this.visible[i] = (this.t0[i] <= hi && this.t1[i] >= lo) ? 1 : 0;
    }
    this._listeners.forEach(function (fn) { fn(); });
  };
  Store.prototype.range = function () {
    var t = this.time;
    return [t.mode === "window" ? t.at - t.window + 1 : this.first, t.at];
  };
  Store.prototype.onChange = function (fn) { this._listeners.push(fn); };
  /* Whether the renderer draws event i itself, or a cluster stands for it at this zoom. */
  Store.prototype.placeShown = function (i) {
    return !this.clusters || this.clusters.shown[this.clusters.placeOf[i]] === 1;
  };
  Store.prototype.onLayout = function (fn) { this._layoutListeners.push(fn); };
  Store.prototype._layout = function () { this._layoutListeners.forEach(function (fn) { fn(); }); };
  /* Canvas mode: one canvas draws the events of every group that is on, oldest first, so that
     the newest events are on top whatever their group. */
  Store.prototype.setGroup = function (group, on) {
    this.groupOn[group] = on ? 1 : 0;
    if (this.clusters) { this.clusters.invalidate(); }
    if (this.data.mode !== "canvas") { return; }
    if (!this._canvas) { this._canvas = new PointCanvas(this, this._order()); }
    var any = this.groupOn.some(function (v) { return v; });
    if (any && !this.map.hasLayer(this._canvas)) {
      this.map.addLayer(this._canvas);
    } else if (!any && this.map.hasLayer(this._canvas)) {
      this.map.removeLayer(this._canvas);
    } else {
      this._canvas.redraw();
    }
  };
  Store.prototype._order = function () {
    /* events arrive sorted by start date (layers/payload.py) */
    var order = new Int32Array(this.n);
    for (var i = 0; i < this.n; i++) { order[i] = i; }
    return order;
  };
  /* How many markers stand at each point, over all layers (a pile of PILE_MIN or more events of
     one layer is one marker); the layers then take their slots in turn. */
  Store.prototype.slotPlan = function () {
    if (!this._slotPlan) {
      var perLayer = {}, total = {}, data = this.data;
      for (var i = 0; i < this.n; i++) {
        var key = data.x[i] + "," + data.y[i], layerKey = key + "|" + this.group(i);
        perLayer[layerKey] = (perLayer[layerKey] || 0) + 1;
      }
      Object.keys(perLayer).forEach(function (layerKey) {
        var key = layerKey.split("|")[0], n = perLayer[layerKey];
        total[key] = (total[key] || 0) + (n >= PILE_MIN ? 1 : n);
      });
      this._slotPlan = {total: total, next: {}};
    }
    return this._slotPlan;
  };
  Store.prototype.layersDrawing = function (area) {
    /* how many groups (LayerControl entries) draw region `area` */
    if (!this._areaGroups) {
      var seen = {}, counts = {}, data = this.data;
      for (var i = 0; i < this.n; i++) {
        var a = data.area[i];
        if (a < 0) { continue; }
        var key = a + ":" + this.group(i);
        if (!seen[key]) { seen[key] = true; counts[a] = (counts[a] || 0) + 1; }
      }
      this._areaGroups = counts;
    }
    return this._areaGroups[area] || 1;
  };
  Store.prototype.redraw = function () { if (this._canvas) { this._canvas.redraw(); } };
  /* A store of counts (layers/counts.py) holds one row per unit and period, each weighing its
     number of events; a store of events weighs 1 per event. */
  Store.prototype.weight = function (i) { return this.data.weight ? this.data.weight[i] : 1; };
  Store.prototype.total = function () {
    if (!this.data.weight) { return this.n; }
    var c = 0;
    for (var i = 0; i < this.n; i++) { c += this.data.weight[i]; }
    return c;
  };
  Store.prototype.visibleCount = function () {
    var c = 0;
    for (var i = 0; i < this.n; i++) { if (this.visible[i]) { c += this.weight(i); } }
    return c;
  };
  /* Canvas hit testing: events drawn within HIT_RADIUS of a container point, nearest first. */
  Store.prototype.hits = function (point) {
    var found = [];
    this._hitLayers.forEach(function (layer) { layer.hits(point, found); });
    found.sort(function (a, b) { return a[1] - b[1]; });
    return found.map(function (h) { return h[0]; });
  };
  Store.prototype.openList = function (indices, latlng) {
    if (!indices.length) { return; }
    var content = listPopup(this, indices);
    L.popup(popupOptions())
      .setLatLng(latlng || this.latlng(indices[0]))
      .setContent(content)
      .openOn(this.map);
  };
  Store.prototype._watchPointer = function () {
    var store = this, map = this.map, tip = null, pending = false, last = null;
    map.on("click", function (e) {
      if (!store._hitLayers.length) { return; }
      var found = store.hits(e.containerPoint);
      if (found.length) { store.openList(found); }
    });
    map.on("mousemove", function (e) {
      last = e;
      if (pending || !store._hitLayers.length) { return; }
      pending = true;
      L.Util.requestAnimFrame(function () {
        pending = false;
        var found = store.hits(last.containerPoint);
        map.getContainer().style.cursor = found.length ? "pointer" : "";
        /* over a symbol, the tooltip of the region under it gives way (events.css) */
        L.DomUtil[found.length ? "addClass" : "removeClass"](map.getContainer(), "cm-over-point");
        if (!found.length) {
          if (tip) { map.removeLayer(tip); tip = null; }
          return;
        }
        var i = found[0], text = tooltipText(store.info(i));
        if (found.length > 1) { text += " (+" + (found.length - 1) + " more here)"; }
        if (!tip) {
          tip = L.tooltip({direction: "top", offset: [0, -SYMBOL_RADIUS], className: "cm-canvas-tooltip"});
        }
        tip.setLatLng(store.latlng(i)).setContent(el("span", "cm-tooltip", text));
        if (!map.hasLayer(tip)) { tip.addTo(map); }
      });
    });
    map.on("mouseout", function () { if (tip) { map.removeLayer(tip); tip = null; } });
  };
  function listPopup(store, indices) {
    if (indices.length === 1) { return popup(store.info(indices[0]), store.style(indices[0])); }
    var root = el("div", "cm-popup-list");
    root.appendChild(el("div", "cm-popup-count", indices.length + " events here"));
    indices.slice(0, POPUP_LIST_LIMIT).forEach(function (i) {
      root.appendChild(popup(store.info(i), store.style(i)));
    });
    if (indices.length > POPUP_LIST_LIMIT) {
      root.appendChild(el("div", "cm-popup-more", "and " + (indices.length - POPUP_LIST_LIMIT) +
                          " more: zoom in or narrow the time range"));
    }
    return root;
  }

  /* ---------- symbols ---------- */
  /* Category icons are SVG symbols in the page (layers/icons.py, id "cm-icon-" + name): markers
     <use> them and canvas symbols fill their path, so no icon font is loaded or waited for. */
  var SVG_NS = "http://www.w3.org/2000/svg";
  var iconShapes = {};
  function iconShape(icon) {
    if (!(icon in iconShapes)) {
      var symbol = document.getElementById("cm-icon-" + icon);
      var path = symbol && symbol.querySelector("path");
      var box = symbol ? (symbol.getAttribute("viewBox") || "").split(" ").map(Number) : [];
      iconShapes[icon] = path && box.length === 4
        ? {path: new Path2D(path.getAttribute("d")), width: box[2], height: box[3]} : null;
    }
    return iconShapes[icon];
  }
  function svgNode(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }
  /* A map pin in the category's colour with its white icon, 35 x 45 px, the tip at (17, 43). */
  var PIN = "M17.5 1C8.4 1 1 8.2 1 17.2c0 11.5 14.3 24.8 15.6 26a1.3 1.3 0 0 0 1.8 0C19.7 42 34 28.7 34 17.2 34 8.2 26.6 1 17.5 1z";
  function markerIcon(style, shift) {
    var svg = svgNode("svg", {width: 35, height: 45, viewBox: "0 0 35 45", "aria-hidden": "true"});
    svg.appendChild(svgNode("path", {d: PIN, fill: style.color, stroke: "#ffffff", "stroke-width": 1.5}));
    svg.appendChild(svgNode("use", {href: "#cm-icon-" + style.icon, x: 9.5, y: 9.5, width: 16, height: 16,
                                    fill: "#ffffff"}));
    return L.divIcon({
      html: svg, className: "cm-marker cm-marker-" + style.marker_color, iconSize: [35, 45],
      iconAnchor: [17 - shift[0], 43 + shift[1]], popupAnchor: [1 + shift[0], -32 - shift[1]],
      tooltipAnchor: [shift[0], -30 - shift[1]]
    });
  }
  var sprites = {};
  function sprite(style) {
    var key = style.color + style.icon;
    if (sprites[key]) { return sprites[key]; }
    var ratio = window.devicePixelRatio || 1, r = SYMBOL_RADIUS, size = 2 * r + 4;
    var c = document.createElement("canvas");
    c.width = c.height = Math.ceil(size * ratio);
    var ctx = c.getContext("2d");
    ctx.scale(ratio, ratio);
    ctx.beginPath();
    ctx.arc(size / 2, size / 2, r, 0, 2 * Math.PI);
    ctx.fillStyle = style.color;
    ctx.fill();
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = "#ffffff";
    ctx.stroke();
    var shape = iconShape(style.icon);
    if (shape) {
      var scale = (r + 1) / Math.max(shape.width, shape.height);
      ctx.translate((size - shape.width * scale) / 2, (size - shape.height * scale) / 2);
      ctx.scale(scale, scale);
      ctx.fillStyle = "#ffffff";
      ctx.fill(shape.path);
    }
    sprites[key] = {canvas: c, size: size};
    return sprites[key];
  }

  /* ---------- canvas of point symbols (many events) ---------- */
  var PointCanvas = L.Layer.extend({
    initialize: function (store, indices) {
      this._store = store;
      this._idx = indices;
      this._px = new Float32Array(indices.length);
      this._py = new Float32Array(indices.length);
      this._drawn = new Uint8Array(indices.length);
      this._slot = new Int32Array(store.n);   /* event -> its position in indices */
      for (var k = 0; k < indices.length; k++) { this._slot[indices[k]] = k; }
    },
    onAdd: function (map) {
      var pane = map.getPane(MARKER_PANE) || map.createPane(MARKER_PANE);
      pane.style.zIndex = 450;        /* above region polygons, below popups and markers */
      pane.style.pointerEvents = "none";
      this._canvas = L.DomUtil.create("canvas", "cm-points leaflet-zoom-animated", pane);
      map.on("moveend viewreset resize", this._reset, this);
      if (map.options.zoomAnimation && L.Browser.any3d) { map.on("zoomanim", this._animateZoom, this); }
      this._store._hitLayers.push(this);
      this._reset();
    },
    onRemove: function (map) {
      L.DomUtil.remove(this._canvas);
      map.off("moveend viewreset resize", this._reset, this);
      map.off("zoomanim", this._animateZoom, this);
      var list = this._store._hitLayers;
      list.splice(list.indexOf(this), 1);
    },
    _animateZoom: function (e) {
      var scale = this._map.getZoomScale(e.zoom),
          offset = this._map._latLngBoundsToNewLayerBounds(this._bounds, e.zoom, e.center).min;
      L.DomUtil.setTransform(this._canvas, offset, scale);
    },
    _reset: function () {
      var map = this._map, size = map.getSize(), ratio = window.devicePixelRatio || 1;
      this._bounds = map.getBounds();
      L.DomUtil.setPosition(this._canvas, map.containerPointToLayerPoint([0, 0]));
      this._canvas.width = Math.ceil(size.x * ratio);
      this._canvas.height = Math.ceil(size.y * ratio);
      this._canvas.style.width = size.x + "px";
      this._canvas.style.height = size.y + "px";
      this.redraw();
    },
    redraw: function () {
      /* Draw at most once per animation frame: at 100,000 events a draw takes a fraction of a
         second, and page set-up asks for several. */
      var self = this;
      if (this._frame) { return; }
      this._frame = true;
      L.Util.requestAnimFrame(function () {
        self._frame = false;
        self._draw();
      });
    },
    _draw: function () {
      if (!this._map) { return; }
      var map = this._map, store = this._store, idx = this._idx, size = map.getSize();
      var ratio = window.devicePixelRatio || 1, ctx = this._canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, size.x, size.y);
      var zoom = map.getZoom(), world = 256 * Math.pow(2, zoom);
      var origin = map.getPixelOrigin(), pane = map._getMapPanePos();
      var ox = origin.x - pane.x, oy = origin.y - pane.y, margin = SYMBOL_RADIUS + 2;
      var metresPerPixel = 40075016.686 / world, radii = store.data.radius || {};
      var k, i, x, y;
      /* uncertainty circles first, so that symbols sit on top of them */
      ctx.setLineDash([4, 3]);
      ctx.lineWidth = 1.5;
      ctx.globalAlpha = 0.6;  /* many circles overlap where events crowd: keep them light */
      for (k = 0; k < idx.length; k++) {
        i = idx[k];
        var metres = store.data.area[i] < 0 ? radii[store.data.prec[i]] : 0;
        if (!metres || !store.visible[i] || !store.groupOn[store.group(i)] || !store.placeShown(i)) { continue; }
        var r = metres / (metresPerPixel * Math.cos(store.lat[i] * Math.PI / 180));
        if (r < SYMBOL_RADIUS + 2) { continue; }
        x = store.mx[i] * world - ox;
        y = store.my[i] * world - oy;
        if (x < -r || y < -r || x > size.x + r || y > size.y + r) { continue; }
        ctx.beginPath();
        ctx.arc(x, y, r, 0, 2 * Math.PI);
        ctx.strokeStyle = store.style(i).color;
        ctx.stroke();
      }
      ctx.setLineDash([]);
      ctx.globalAlpha = 1;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      /* A symbol of the same category already drawn within the same 2-pixel cell hides this
         one; skipping it changes nothing visible and saves most of the work when zoomed out.
         The event stays clickable. */
      var cw = Math.ceil(size.x / 2) + 2 * margin, ch = Math.ceil(size.y / 2) + 2 * margin;
      var cells = new Uint16Array(cw * ch), cat = store.data.cat;
      var on = store.groupOn, group = store.data.catGroup;
      for (k = 0; k < idx.length; k++) {
        i = idx[k];
        this._drawn[k] = 0;
        if (!store.visible[i] || !on[group[cat[i]]] || !store.placeShown(i)) { continue; }
        x = store.mx[i] * world - ox;
        y = store.my[i] * world - oy;
        if (x < -margin || y < -margin || x > size.x + margin || y > size.y + margin) { continue; }
        this._px[k] = x;
        this._py[k] = y;
        this._drawn[k] = 1;
        var bit = cat[i] < 16 ? 1 << cat[i] : 0;
        var cell = ((y / 2 + margin) | 0) * cw + ((x / 2 + margin) | 0);
        if (bit && (cells[cell] & bit)) { continue; }
        cells[cell] |= bit;
        /* whole device pixels, unscaled: a resampled drawImage costs several times more */
        var s = sprite(store.style(i)).canvas;
        ctx.drawImage(s, (x * ratio - s.width / 2) | 0, (y * ratio - s.height / 2) | 0);
      }
      this._drawnAt = map.getCenter();
    },
    hits: function (point, found) {
      /* the places near the point come from the clusters' k-d tree (layers/cluster.js) */
      var r2 = HIT_RADIUS * HIT_RADIUS, clusters = this._store.clusters, slot = this._slot;
      var places = clusters.near(point, HIT_RADIUS + 2);
      for (var p = 0; p < places.length; p++) {
        var list = clusters.places[places[p]];
        for (var j = 0; j < list.length; j++) {
          var k = slot[list[j]];
          if (!this._drawn[k]) { continue; }
          var dx = this._px[k] - point.x, dy = this._py[k] - point.y, d2 = dx * dx + dy * dy;
          if (d2 <= r2) { found.push([this._idx[k], d2]); }
        }
      }
    }
  });

  /* ---------- a LayerControl entry: markers or canvas, areas and uncertainty ---------- */
  function areaStyle(store, area, color) {
    var prec = store.data.areas[area].prec;
    var style = L.extend({color: color, fillColor: color, fill: true, className: "cm-area-path cm-precision-" + prec},
                         store.data.areaStyles[prec >= 4 ? "4" : "3"]);
    /* A region drawn by several layers is filled by each: share the fill out, so that the region
       does not darken with every layer that names it. */
    style.fillOpacity = style.fillOpacity / store.layersDrawing(area);
    return style;
  }
  /* Entries {layer, events, shown} of a layer group: each is on the map while any of its events
     is visible in time (region polygons, links). */
  function showWhileVisible(group, entries, store) {
    entries.forEach(function (entry) {
      var show = entry.events.some(function (i) { return store.visible[i]; });
      if (show !== entry.shown) {
        if (show) { group.addLayer(entry.layer); } else { group.removeLayer(entry.layer); }
        entry.shown = show;
      }
    });
  }
  function mostFrequent(store, events) {
    var counts = {}, best = null;
    events.forEach(function (i) {
      var c = store.category(i);
      counts[c] = (counts[c] || 0) + 1;
      if (best === null || counts[c] > counts[best]) { best = c; }
    });
    return best;
  }
  function renderPile(unit, info) {
    unit.badge.textContent = String(unit.visible.length);
    var node = unit.marker.getElement();
    if (node) {
      unit.place = unit.place || (info && info.place) || "";
      node.setAttribute("aria-label", unit.visible.length + " events" + (unit.place ? ", " + unit.place : ""));
    }
  }
  function slotOffsets(store, indices) {
    /* Markers at the same point, of this layer and of the others, stand side by side in rows
       instead of on top of each other, so that every one stays clickable. */
    var plan = store.slotPlan(), offsets = new Array(indices.length);
    indices.forEach(function (i, k) {
      var key = store.data.x[i] + "," + store.data.y[i];
      var slot = plan.next[key] || 0, n = plan.total[key] || 1;
      plan.next[key] = slot + 1;
      var row = Math.floor(slot / SLOTS_PER_ROW), col = slot % SLOTS_PER_ROW;
      var rowLength = Math.min(SLOTS_PER_ROW, n - row * SLOTS_PER_ROW);
      offsets[k] = [30 * (col - (rowLength - 1) / 2), 44 * row];
    });
    return offsets;
  }
  var GroupLayer = L.LayerGroup.extend({
    initialize: function (store, group) {
      L.LayerGroup.prototype.initialize.call(this);
      var indices = [], i;
      for (i = 0; i < store.n; i++) { if (store.group(i) === group) { indices.push(i); } }
      this._store = store;
      this._group = group;
      this._indices = indices;
      this._areas = this._buildAreas(indices);
      if (store.data.mode === "markers") { this._markers = this._buildMarkers(indices); }
      this._update();
      store.onChange(this._update.bind(this));
      store.onLayout(this._update.bind(this));
    },
    onAdd: function (map) {
      L.LayerGroup.prototype.onAdd.call(this, map);
      this._store.setGroup(this._group, true);
    },
    onRemove: function (map) {
      L.LayerGroup.prototype.onRemove.call(this, map);
      this._store.setGroup(this._group, false);
    },
    _buildAreas: function (indices) {
      /* one translucent polygon per region and group, coloured by its most frequent category */
      var store = this._store, data = store.data, byArea = {}, areas = [];
      indices.forEach(function (i) {
        var a = data.area[i];
        if (a < 0) { return; }
        if (!byArea[a]) {
          byArea[a] = {area: a, events: [], counts: {}};
          areas.push(byArea[a]);
        }
        byArea[a].events.push(i);
        byArea[a].counts[data.cat[i]] = (byArea[a].counts[data.cat[i]] || 0) + 1;
      });
      var groupName = data.groups[this._group];
      return areas.map(function (entry) {
        var area = data.areas[entry.area], top = null;
        Object.keys(entry.counts).forEach(function (c) {
          if (top === null || entry.counts[c] > entry.counts[top]) { top = c; }
        });
        var style = data.styles[data.categories[top]];
        var shape = L.geoJSON(area.geometry, {style: areaStyle(store, entry.area, style.color)});
        var label = [area.name || "region", groupName].join(" · ");
        shape.bindTooltip(function () {
          var shown = entry.events.filter(function (i) { return store.visible[i]; }).length;
          return el("span", "cm-tooltip", label + " · " + shown + " event" + (shown === 1 ? "" : "s"));
        }, {sticky: true});
        shape.on("click", function (e) {
          L.DomEvent.stopPropagation(e);
          var points = store._hitLayers.length ? store.hits(e.containerPoint) : [];
          var list = points.length ? points : entry.events.filter(function (i) { return store.visible[i]; });
          store.openList(list, points.length ? null : e.latlng);
        });
        return {layer: shape, events: entry.events, shown: false};
      });
    },
    _buildMarkers: function (indices) {
      /* One marker per event; events of this layer at one point stand side by side, and from
         PILE_MIN of them on they become one marker with their count, whose popup lists them. */
      var store = this._store, data = store.data, radii = data.radius || {}, byPoint = {}, units = [];
      indices.forEach(function (i) {
        var key = data.x[i] + "," + data.y[i];
        (byPoint[key] = byPoint[key] || []).push(i);
      });
      Object.keys(byPoint).forEach(function (key) {
        var list = byPoint[key];
        if (list.length >= PILE_MIN) { units.push(list); } else { list.forEach(function (i) { units.push([i]); }); }
      });
      var offsets = slotOffsets(store, units.map(function (u) { return u[0]; }));
      return units.map(function (events, k) {
        var i = events[0], shift = offsets[k], pile = events.length > 1;
        var style = pile ? store.data.styles[mostFrequent(store, events)] : store.style(i);
        var info = store.info(i);
        var marker = L.marker(store.latlng(i), {icon: markerIcon(style, shift), riseOnHover: true});
        var unit = {events: events, marker: marker, circle: null, shown: false, badge: null};
        if (pile) {
          marker.bindPopup(function () { return listPopup(store, unit.visible); }, popupOptions());
          marker.bindTooltip(function () {
            return el("span", "cm-tooltip", unit.visible.length + " events here · " + (info.place || "") +
                      " · click for the list");
          }, {direction: "top"});
        } else {
          marker.bindPopup(function () { return popup(store.info(i), style); }, popupOptions());
          marker.bindTooltip(tooltip(info), {direction: "top"});
        }
        /* the markers are <div>s, which Leaflet gives no alt text: name them for screen readers */
        marker.on("add", function () {
          var node = marker.getElement();
          node.setAttribute("role", "button");
          if (pile) {
            unit.badge = el("span", "cm-pile-count");
            node.appendChild(unit.badge);
            renderPile(unit, info);
          } else {
            node.setAttribute("aria-label", [info.title, info.place].filter(Boolean).join(", "));
            node.setAttribute("data-event", info.id || "");
          }
        });
        /* points known only roughly; a region-level event has its polygon instead */
        var metres = store.data.area[i] < 0 ? radii[store.data.prec[i]] : 0;
        if (metres) {
          unit.circle = L.circle(store.latlng(i), {
            radius: metres, color: style.color, weight: 1.5, dashArray: "5 4", fillOpacity: 0.06,
            interactive: false, className: "cm-uncertainty"
          });
        }
        return unit;
      });
    },
    _update: function () {
      var store = this._store, self = this;
      showWhileVisible(this, this._areas, store);
      if (this._markers) {
        this._markers.forEach(function (m) {
          m.visible = m.events.filter(function (i) { return store.visible[i]; });
          var show = m.visible.length > 0 && store.placeShown(m.events[0]);
          if (m.badge && show) { renderPile(m); }
          if (show === m.shown) { return; }
          if (show) {
            if (m.circle) { self.addLayer(m.circle); }
            self.addLayer(m.marker);
          } else {
            if (m.circle) { self.removeLayer(m.circle); }
            self.removeLayer(m.marker);
          }
          m.shown = show;
        });
      } else {
        store.redraw();
      }
    },
    redraw: function () { this._store.redraw(); },
    visibleCount: function () {
      var store = this._store;
      return this._indices.filter(function (i) { return store.visible[i]; }).length;
    }
  });

  /* ---------- diplomatic links: venue to the capitals of the states taking part ---------- */
  function arc(from, to) {
    /* A gentle curve, so that links from one venue to several capitals stay apart. */
    var points = [], dx = to[1] - from[1], dy = to[0] - from[0];
    var cx = (from[1] + to[1]) / 2 - dy * 0.15, cy = (from[0] + to[0]) / 2 + dx * 0.15;
    for (var t = 0; t <= 1.0001; t += 0.05) {
      var u = 1 - t;
      points.push([u * u * from[0] + 2 * u * t * cy + t * t * to[0],
                   u * u * from[1] + 2 * u * t * cx + t * t * to[1]]);
    }
    return points;
  }
  var LinkLayer = L.LayerGroup.extend({
    initialize: function (store, color) {
      L.LayerGroup.prototype.initialize.call(this);
      this._store = store;
      this._links = store.data.links.map(function (link) {
        var line = L.polyline(arc(link.from, link.to), {
          color: color, weight: 2, opacity: 0.85, dashArray: "8 5", className: "cm-link"
        });
        var end = L.circleMarker(link.to, {radius: 4, color: color, weight: 2, fillColor: "#ffffff",
                                           fillOpacity: 1, className: "cm-link-end"});
        var group = L.featureGroup([line, end]);
        group.bindTooltip(function () { return el("span", "cm-tooltip", link.label); }, {sticky: true});
        return {layer: group, events: link.events, shown: false, link: link, line: line};
      });
      this._update();
      store.onChange(this._update.bind(this));
      /* links leading out of view say where to at the edge (layers/link_ends.js) */
      if (window.conflictmapLinkEnds) { this.ends = window.conflictmapLinkEnds.attach(this, store, color); }
    },
    _update: function () {
      showWhileVisible(this, this._links, this._store);
    }
  });

  /* ---------- the time control ---------- */
  var WINDOWS = [[1, "1 day"], [7, "1 week"], [30, "30 days"], [91, "3 months"], [365, "1 year"]];
  function binDays(span) {
    if (span <= 60) { return 1; }
    if (span <= 420) { return 7; }
    if (span <= 2000) { return 30; }
    return 365;
  }
  var TimeControl = L.Control.extend({
    options: {position: "bottomleft"},
    initialize: function (store, options) {
      L.setOptions(this, options);
      this._store = store;
    },
    onAdd: function () {
      var store = this._store, self = this;
      var root = el("div", "cm-time leaflet-bar");
      L.DomEvent.disableClickPropagation(root);
      L.DomEvent.disableScrollPropagation(root);
      var head = el("div", "cm-time-head");
      this._play = el("button", "cm-time-play", "▶");
      this._play.type = "button";
      this._play.title = "Play through time";
      this._play.setAttribute("aria-label", "Play through time");
      this._mode = el("select", "cm-time-mode");
      this._mode.setAttribute("aria-label", "Time mode");
      [["cumulative", "All up to"], ["window", "Window ending"]].forEach(function (o) {
        var opt = el("option", null, o[1]);
        opt.value = o[0];
        self._mode.appendChild(opt);
      });
      this._window = el("select", "cm-time-window");
      this._window.setAttribute("aria-label", "Window length");
      WINDOWS.forEach(function (w) {
        var opt = el("option", null, w[1]);
        opt.value = String(w[0]);
        if (w[0] === store.time.window) { opt.selected = true; }
        self._window.appendChild(opt);
      });
      this._label = el("span", "cm-time-label");
      head.appendChild(this._play);
      head.appendChild(this._mode);
      head.appendChild(this._window);
      head.appendChild(this._label);
      root.appendChild(head);
      this._hist = el("canvas", "cm-time-hist");
      this._hist.width = 300;
      this._hist.height = 40;
      this._hist.title = "Events per period (click to jump)";
      root.appendChild(this._hist);
      this._slider = el("input", "cm-time-slider");
      this._slider.type = "range";
      this._slider.min = String(store.first);
      this._slider.max = String(store.last);
      this._slider.step = "1";
      this._slider.value = String(store.time.at);
      this._slider.setAttribute("aria-label", "Date");
      if (store.first === store.last) { this._slider.disabled = true; this._play.disabled = true; }
      root.appendChild(this._slider);
      var axis = el("div", "cm-time-axis");
      axis.appendChild(el("span", null, formatDay(store.first)));
      axis.appendChild(el("span", null, formatDay(store.last)));
      root.appendChild(axis);
      this._count = el("div", "cm-time-count");
      root.appendChild(this._count);

      this._bin = binDays(store.last - store.first);
      this._counts = this._binCounts();
      this._slider.addEventListener("input", function () { self._set({at: +self._slider.value}); });
      this._mode.addEventListener("change", function () { self._set({mode: self._mode.value}); });
      this._window.addEventListener("change", function () { self._set({window: +self._window.value}); });
      this._play.addEventListener("click", function () { self._toggle(); });
      this._hist.addEventListener("click", function (e) {
        var rect = self._hist.getBoundingClientRect();
        var bin = Math.floor((e.clientX - rect.left) / rect.width * self._counts.length);
        self._set({at: Math.min(store.first + (bin + 1) * self._bin - 1, store.last)});
      });
      store.onChange(function () { self._render(); });
      this._render();
      return root;
    },
    onRemove: function () { this._stop(); },
    _binCounts: function () {
      var store = this._store, bins = Math.floor((store.last - store.first) / this._bin) + 1;
      var counts = new Array(bins).fill(0);
      for (var i = 0; i < store.n; i++) { counts[Math.floor((store.t0[i] - store.first) / this._bin)] += store.weight(i); }
      return counts;
    },
    _set: function (time) {
      this._store.setTime(time);
    },
    _toggle: function () {
      if (this._timer) { this._stop(); return; }
      var store = this._store, self = this;
      if (store.time.at >= store.last) { store.setTime({at: store.first}); }
      this._play.textContent = "❚❚";
      this._timer = window.setInterval(function () {
        var next = Math.min(store.time.at + self._bin, store.last);
        store.setTime({at: next});
        if (next >= store.last) { self._stop(); }
      }, 500);
    },
    _stop: function () {
      if (this._timer) { window.clearInterval(this._timer); }
      this._timer = null;
      this._play.textContent = "▶";
    },
    _render: function () {
      var store = this._store, t = store.time, range = store.range();
      this._slider.value = String(t.at);
      this._mode.value = t.mode;
      this._window.style.display = t.mode === "window" ? "" : "none";
      this._label.textContent = t.mode === "window"
        ? formatDay(Math.max(range[0], store.first)) + " – " + formatDay(t.at)
        : formatDay(t.at);
      var shown = store.visibleCount();
      this._count.textContent = shown.toLocaleString("en") + " of " + store.total().toLocaleString("en") +
        " events shown";
      var ctx = this._hist.getContext("2d"), w = this._hist.width, h = this._hist.height;
      var counts = this._counts, peak = Math.max.apply(null, counts.concat([1])), bw = w / counts.length;
      ctx.clearRect(0, 0, w, h);
      for (var b = 0; b < counts.length; b++) {
        var start = store.first + b * this._bin, end = start + this._bin - 1;
        ctx.fillStyle = end >= range[0] && start <= range[1] ? "#3a6ea5" : "#c4ccd6";
        var bh = counts[b] ? Math.max(2, (h - 2) * counts[b] / peak) : 0;
        ctx.fillRect(b * bw + (bw > 3 ? 0.5 : 0), h - bh, Math.max(bw - (bw > 3 ? 1 : 0), 1), bh);
      }
    }
  });

  /* ---------- entry points used by the generated page ---------- */
  var stores = [];
  function store(data, map) {
    var s = new Store(data, map);
    stores.push(s);
    /* clusters first: they listen to the time control before the layers that draw from them */
    if (window.conflictmapClusters) { s.clusters = window.conflictmapClusters.attach(s); }
    s._watchPointer();
    return s;
  }
  function finish(s) {
    /* Once every canvas has drawn, say that the map is ready (data-cm-ready on <html>; tests
       and benchmarks wait for it). */
    (s._groups || []).forEach(function (g) { g.redraw(); });
    L.Util.requestAnimFrame(function () {
      L.Util.requestAnimFrame(function () {
        s.ready = true;
        document.documentElement.setAttribute("data-cm-ready", "1");
      });
    });
  }
  function group(s, index) {
    var g = new GroupLayer(s, index);
    (s._groups = s._groups || []).push(g);
    return g;
  }
  var LegendControl = L.Control.extend({
    initialize: function (holderId, options) {
      L.setOptions(this, options);
      this._holder = document.getElementById(holderId);
    },
    onAdd: function (map) {
      var node = this._holder.firstElementChild;
      L.DomEvent.disableClickPropagation(node);
      L.DomEvent.disableScrollPropagation(node);
      this._node = node;
      this._fit = L.bind(this.fit, this, map);
      map.on("resize", this._fit);
      setTimeout(this._fit, 0);  // once every control is in its corner
      return node;
    },
    onRemove: function (map) { map.off("resize", this._fit); },
    // The bottom-right corner (legend, minimap) grows upwards: on a short map it would cover the
    // layer control in the top-right corner and hide its checkboxes. The legend takes the height
    // left between them, and scrolls when that is not enough.
    fit: function (map) {
      var node = this._node, box = map.getContainer();
      var below = box.querySelector(".leaflet-bottom.leaflet-right");
      var above = box.querySelector(".leaflet-top.leaflet-right");
      if (!below || !above) { return; }
      node.style.maxHeight = "none";  // as tall as it needs, then as short as the corner needs
      var gap = below.getBoundingClientRect().top - above.getBoundingClientRect().bottom - 10;
      if (gap < 0) {
        node.style.maxHeight = Math.max(48, node.getBoundingClientRect().height + gap) + "px";
      }
    }
  });
  return {
    legend: function (holderId, options) { return new LegendControl(holderId, options); },
    store: store,
    group: group,
    links: function (s, color) { return new LinkLayer(s, color); },
    timeControl: function (s, options) { return new TimeControl(s, options); },
    finish: finish,
    popup: popup,
    tooltip: tooltip,
    stores: stores
  };
})();

/* conflictmap clusters: crowded places stay readable at every zoom, in both renderers.

   Events are grouped by place (the distinct points they stand at); the places shown (in time and
   in a layer that is on) are clustered by screen distance with Supercluster (Mapbox's library,
   npm "supercluster", pinned in scripts/vendor/package.json), which keeps a k-d tree (kdbush) per zoom.
   It is rebuilt from the shown events whenever the time control or a layer toggle changes them,
   so a cluster always counts what the map shows. A cluster is a DOM symbol: a ring split by the
   categories of its events, with their count inside; clicking it zooms to where it splits.
   Places far enough from every other are drawn by the renderer as before (markers, or canvas
   symbols); on the canvas, a place with several events shown is one symbol with their count,
   whose click lists them. The same k-d trees answer the canvas hit tests (near()).
   Text from reports only ever reaches the page through textContent, never as HTML. */
window.conflictmapClusters = window.conflictmapClusters || (function () {
  "use strict";
  var MAX_ZOOM = 16;          /* from zoom MAX_ZOOM + 1 on, every place stands where it is */
  /* Cluster radius in CSS pixels: places nearer than this at a zoom are one symbol there. Pins are
     35 x 45 px, canvas symbols 20 px across, cluster symbols 30 to 48 px. */
  var RADIUS = {markers: 40, canvas: 30};
  var SVG_NS = "http://www.w3.org/2000/svg";
  var TOP_CATEGORIES = 3;     /* categories named in a cluster's tooltip */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    return node;
  }
  function abbreviate(n) {
    if (n >= 10000) { return Math.round(n / 1000) + "k"; }
    if (n >= 1000) { return (Math.round(n / 100) / 10) + "k"; }
    return String(n);
  }
  function symbolSize(n) { return n < 10 ? 30 : n < 100 ? 36 : n < 1000 ? 42 : 48; }

  /* The category mix of a cluster's properties: [[category index, count], ...], largest first. */
  function mix(props) {
    var parts = [];
    Object.keys(props).forEach(function (k) {
      if (/^\d+$/.test(k)) { parts.push([+k, props[k]]); }
    });
    parts.sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
    return parts;
  }
  /* A ring split by category, proportional to their counts, with the total inside. */
  function ring(store, parts, total) {
    var size = symbolSize(total), c = size / 2, r = c - 5, circumference = 2 * Math.PI * r;
    var root = svg("svg", {width: size, height: size, viewBox: "0 0 " + size + " " + size, "aria-hidden": "true"});
    root.appendChild(svg("circle", {cx: c, cy: c, r: c - 1, fill: "#ffffff", "fill-opacity": 0.9}));
    var offset = 0;
    parts.forEach(function (part) {
      var style = store.data.styles[store.data.categories[part[0]]];
      var length = circumference * part[1] / total;
      root.appendChild(svg("circle", {
        cx: c, cy: c, r: r, fill: "none", stroke: style.color, "stroke-width": 7,
        "stroke-dasharray": length + " " + (circumference - length), "stroke-dashoffset": -offset,
        transform: "rotate(-90 " + c + " " + c + ")", "class": "cm-cluster-part"
      }));
      offset += length;
    });
    var label = svg("text", {x: c, y: c, "text-anchor": "middle", "dominant-baseline": "central",
                             "class": "cm-cluster-count"});
    label.textContent = abbreviate(total);
    root.appendChild(label);
    return root;
  }
  function describe(store, parts, total) {
    var named = parts.slice(0, TOP_CATEGORIES).map(function (part) {
      return part[1] + " " + store.data.styles[store.data.categories[part[0]]].label;
    });
    if (parts.length > TOP_CATEGORIES) { named.push("…"); }
    return total.toLocaleString("en") + " events: " + named.join(", ");
  }

  /* ---------- the clusters of a store ---------- */
  var ClusterLayer = L.Layer.extend({
    initialize: function (store) {
      var data = store.data, n = store.n, byKey = {}, lists = [], of = new Int32Array(n), i;
      for (i = 0; i < n; i++) {
        var key = data.x[i] + "," + data.y[i], p = byKey[key];
        if (p === undefined) { p = byKey[key] = lists.length; lists.push([]); }
        lists[p].push(i);
        of[i] = p;
      }
      this._store = store;
      this._mode = data.mode;
      this.placeOf = of;
      this.places = lists;
      this.shown = new Uint8Array(lists.length);   /* places the renderer draws itself */
      this._index = null;
      this._dirty = true;
      this._pending = false;
      this._symbols = L.layerGroup();
      this.symbolCount = 0;
    },
    onAdd: function (map) {
      this._symbols.addTo(map);
      map.on("zoomend moveend", this._moved, this);
      this.refresh();
    },
    onRemove: function (map) {
      map.off("zoomend moveend", this._moved, this);
      this._symbols.remove();
    },
    /* The events shown changed (time control, layer toggle): recluster, once per frame. */
    invalidate: function () {
      this._dirty = true;
      if (this._pending) { return; }
      this._pending = true;
      var self = this;
      L.Util.requestAnimFrame(function () {
        self._pending = false;
        self.refresh();
      });
    },
    _moved: function () { this.refresh(); },
    _rebuild: function () {
      var store = this._store, data = store.data, on = store.groupOn, group = data.catGroup, cat = data.cat;
      var features = [];
      for (var p = 0; p < this.places.length; p++) {
        var list = this.places[p], props = null;
        for (var k = 0; k < list.length; k++) {
          var i = list[k];
          if (!store.visible[i] || !on[group[cat[i]]]) { continue; }
          if (!props) { props = {p: p, n: 0}; }
          props.n += 1;
          props[cat[i]] = (props[cat[i]] || 0) + 1;
        }
        if (props) {
          features.push({type: "Feature", properties: props,
                         geometry: {type: "Point", coordinates: [store.lon[list[0]], store.lat[list[0]]]}});
        }
      }
      /* extent 256: Leaflet's tiles are 256 px, so that radius is in CSS pixels */
      this._index = new window.Supercluster({
        radius: RADIUS[this._mode] || 40, extent: 256, maxZoom: MAX_ZOOM,
        reduce: function (acc, props) {
          for (var key in props) {
            if (key === "n" || /^\d+$/.test(key)) { acc[key] = (acc[key] || 0) + props[key]; }
          }
        }
      }).load(features);
      this._dirty = false;
    },
    refresh: function () {
      var map = this._map, store = this._store, self = this;
      if (!map) { return; }
      if (this._dirty) { this._rebuild(); }
      var features = this._index.getClusters(this._bbox(0.25), Math.floor(map.getZoom()));
      this.shown.fill(0);
      this._symbols.clearLayers();
      this.symbolCount = 0;
      features.forEach(function (f) {
        var props = f.properties;
        /* markers lay out several events of one place side by side themselves (events.js) */
        if (!props.cluster && (self._mode === "markers" || props.n === 1)) {
          self.shown[props.p] = 1;
          return;
        }
        self._symbols.addLayer(self._symbol(f));
        self.symbolCount += 1;
      });
      store._layout();
    },
    _bbox: function (pad) {
      /* markers (at most a thousand events): every place, so that each marker is in the page */
      if (this._mode === "markers") { return [-180, -90, 180, 90]; }
      var b = this._map.getBounds().pad(pad);
      return [b.getWest(), Math.max(b.getSouth(), -90), b.getEast(), Math.min(b.getNorth(), 90)];
    },
    _symbol: function (f) {
      var store = this._store, map = this._map, props = f.properties, index = this._index, self = this;
      var parts = mix(props), total = props.n, size = symbolSize(total);
      var latlng = L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]);
      var node = el("div", "cm-cluster-symbol");
      node.appendChild(ring(store, parts, total));
      var pile = !props.cluster;   /* one place, several events: its list, as zooming splits nothing */
      var marker = L.marker(latlng, {
        icon: L.divIcon({html: node, className: "cm-cluster" + (pile ? " cm-cluster-pile" : ""),
                         iconSize: [size, size]}),
        keyboard: true, riseOnHover: true, zIndexOffset: 500
      });
      var text = describe(store, parts, total) + (pile ? " here · click for the list" : " · click to zoom in");
      marker.bindTooltip(function () { return el("span", "cm-tooltip", text); },
                         {direction: "top", offset: [0, -size / 2]});
      marker.on("add", function () {
        var root = marker.getElement();
        root.setAttribute("role", "button");
        root.setAttribute("aria-label", text);
        root.setAttribute("data-count", String(total));
      });
      marker.on("click", function () {
        if (pile) {
          store.openList(self.shownEvents(props.p), latlng);
          return;
        }
        var zoom = Math.min(index.getClusterExpansionZoom(f.id), map.getMaxZoom());
        map.setView(latlng, Math.max(zoom, map.getZoom() + 1));
      });
      return marker;
    },
    /* The events of place `p` that the map shows (in time, in a layer that is on). */
    shownEvents: function (p) {
      var store = this._store, data = store.data;
      return this.places[p].filter(function (i) {
        return store.visible[i] && store.groupOn[data.catGroup[data.cat[i]]];
      });
    },
    /* Places drawn by the renderer within `radius` px of a container point: a range query on
       the k-d tree of the current zoom, not a loop over all events. */
    near: function (point, radius) {
      var map = this._map;
      if (!map || !this._index) { return []; }
      var sw = map.containerPointToLatLng([point.x - radius, point.y + radius]);
      var ne = map.containerPointToLatLng([point.x + radius, point.y - radius]);
      var found = this._index.getClusters([sw.lng, sw.lat, ne.lng, ne.lat], Math.floor(map.getZoom()));
      var out = [];
      for (var k = 0; k < found.length; k++) {
        var props = found[k].properties;
        if (!props.cluster && this.shown[props.p]) { out.push(props.p); }
      }
      return out;
    }
  });

  return {
    MAX_ZOOM: MAX_ZOOM,
    RADIUS: RADIUS,
    attach: function (store) {
      var layer = new ClusterLayer(store);
      store.onChange(function () { layer.invalidate(); });
      store.map.addLayer(layer);
      return layer;
    }
  };
})();

/* conflictmap offline basemap: countries and admin-1 units drawn from embedded, delta-encoded
   boundaries (see layers/offline_basemap.py), with no network request. Names are set with
   textContent, never parsed as HTML. Defined once per page. */
window.conflictmapBasemap = window.conflictmapBasemap || (function () {
  "use strict";
  var SEA = "#cfe2ee", LAND = "#f4f2ec", BORDER = "#8d8d8d", ADMIN1 = "#a9a9a9";
  var SHAPES = "cmBasemap", LABELS = "cmBasemapLabels";

  function decode(shape, quantum) {  // [[[x0, y0, dx, dy, ...], ...], ...] -> nested LatLngs
    return shape.map(function (rings) {
      return rings.map(function (flat) {
        var out = [], x = 0, y = 0;
        for (var i = 0; i < flat.length; i += 2) {
          x += flat[i]; y += flat[i + 1];
          out.push([y / quantum, x / quantum]);
        }
        return out;
      });
    });
  }

  function ensurePane(map, name, zIndex) {
    var pane = map.getPane(name) || map.createPane(name);
    pane.style.zIndex = zIndex;  // below the overlay pane (400): events stay on top
    pane.style.pointerEvents = "none";
    return pane;
  }

  function label(entry, className) {
    var node = document.createElement("span");
    node.className = "cm-basemap-label " + className;
    node.textContent = entry.name;
    var marker = L.marker(entry.label, {
      icon: L.divIcon({html: node, className: "cm-basemap-label-anchor", iconSize: null}),
      interactive: false, keyboard: false, pane: LABELS
    });
    marker.minZoom = entry.minZoom;
    return marker;
  }

  function shapes(data, withPane) {
    var pane = withPane ? {pane: SHAPES} : {};
    var opts = function (o) { return L.extend({interactive: false}, pane, o); };
    var countries = data.countries.map(function (c) { return decode(c.shape, data.quantum); });
    var layers = countries.map(function (latlngs) {  // land; its stroke hides hairline slivers
      return L.polygon(latlngs, opts({color: LAND, weight: 1.5, fillColor: LAND, fillOpacity: 1}));
    });
    (data.admin1 || []).forEach(function (a) {
      layers.push(L.polygon(decode(a.shape, data.quantum),
        opts({fill: false, color: ADMIN1, weight: 0.7, dashArray: "3 3", className: "cm-admin1-line"})));
    });
    countries.forEach(function (latlngs) {
      layers.push(L.polygon(latlngs, opts({fill: false, color: BORDER, weight: 1, className: "cm-country-line"})));
    });
    return layers;
  }

  var Basemap = L.LayerGroup.extend({
    initialize: function (data, options) {
      L.setOptions(this, options);
      this._labels = data.countries.map(function (c) { return label(c, "cm-country-label"); })
        .concat(data.admin1.map(function (a) { return label(a, "cm-admin1-label"); }));
      L.LayerGroup.prototype.initialize.call(this, shapes(data, true).concat(this._labels), options);
    },
    onAdd: function (map) {
      ensurePane(map, SHAPES, 250);
      ensurePane(map, LABELS, 350);
      this._background = map.getContainer().style.background;
      map.getContainer().style.background = SEA;
      L.LayerGroup.prototype.onAdd.call(this, map);
      map.on("zoomend", this._zoomLabels, this);
      this._zoomLabels();
    },
    onRemove: function (map) {
      map.off("zoomend", this._zoomLabels, this);
      map.getContainer().style.background = this._background;
      L.LayerGroup.prototype.onRemove.call(this, map);
    },
    _zoomLabels: function () {
      var zoom = this._map.getZoom();
      this._labels.forEach(function (marker) {
        var el = marker.getElement();
        if (el) { el.style.display = zoom >= marker.minZoom ? "" : "none"; }
      });
    }
  });

  return {
    decode: decode,
    /* The basemap layer: land, admin-1 lines, borders and labels in panes of their own. */
    layer: function (data, options) { return new Basemap(data, options); },
    /* Countries only, in the default panes: a locator layer for a minimap. */
    miniLayer: function (data) {
      return L.layerGroup(shapes({countries: data.countries, quantum: data.quantum}, false));
    },
    SEA: SEA
  };
})();

/* conflictmap: diplomatic links whose end lies out of view say where they lead.

   Where a shown link leaves the view, a label at the edge names the place at its far end, with
   an arrow pointing the way; a click fits the whole link in view. Recomputed when the map moves
   and when the time control changes which links are shown. Names reach the page through
   textContent only. */
window.conflictmapLinkEnds = window.conflictmapLinkEnds || (function () {
  "use strict";
  var INSET = 8;        /* px from the map's edge */
  /* Labels stand inside the part of the map the controls leave clear: the padding the opening
     view is fitted with (layers/map.py _fit): title above, search and zoom at the top left,
     time control at the bottom left, layers and legend at the right. */
  var CLEAR_TOP_LEFT = [225, 115], CLEAR_BOTTOM_RIGHT = [240, 175];

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function endNames(link) {
    if (link.ends) { return link.ends; }
    var parts = String(link.label || "").split(" → ");
    return [parts[0] || "venue", parts[1] || "capital"];
  }
  function inside(p, box) { return p.x >= box.min.x && p.x <= box.max.x && p.y >= box.min.y && p.y <= box.max.y; }
  /* Where the segment from a (inside the box) to b (outside) crosses the box's edge, and which edge. */
  function crossing(a, b, box) {
    var t = 1, side = null;
    [["x", box.min.x, "left"], ["x", box.max.x, "right"], ["y", box.min.y, "top"], ["y", box.max.y, "bottom"]]
      .forEach(function (edge) {
        var d = b[edge[0]] - a[edge[0]];
        if (!d) { return; }
        var s = (edge[1] - a[edge[0]]) / d;
        if (s >= 0 && s < t) { t = s; side = edge[2]; }
      });
    return {point: L.point(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t), side: side};
  }
  var MERGE_PX = 160;   /* labels naming the same place nearer than this are one (two talks in Paris: one label) */
  /* The label's offset from its point: inward from the edge it stands on, and inside the view. */
  function place(label, cross, size) {
    /* within the view, never across its edge */
    var w = label.offsetWidth, h = label.offsetHeight, p = cross.point;
    var dx = {left: 0, right: -w}[cross.side], dy = {top: 0, bottom: -h}[cross.side];
    if (dx === undefined) { dx = -w / 2; }
    if (dy === undefined) { dy = -h / 2; }
    dx = Math.max(INSET - p.x, Math.min(dx, size.x - INSET - w - p.x));
    dy = Math.max(INSET - p.y, Math.min(dy, size.y - INSET - h - p.y));
    label.style.transform = "translate(" + Math.round(dx) + "px, " + Math.round(dy) + "px)";
  }

  function LinkEnds(layer, store, color) {
    this._layer = layer;
    this._store = store;
    this._color = color;
    this._labels = L.layerGroup();
    var self = this, update = function () { self.update(); };
    layer.on("add", function () {
      self._map = layer._map;
      self._labels.addTo(self._map);
      self._map.on("moveend zoomend resize", update);
      self.update();
    });
    layer.on("remove", function () {
      if (self._map) { self._map.off("moveend zoomend resize", update); }
      self._labels.remove();
      self._map = null;
    });
    store.onChange(update);
  }
  LinkEnds.prototype.update = function () {
    var map = this._map, self = this;
    this._labels.clearLayers();
    if (!map) { return; }
    var size = map.getSize(), view = L.bounds([INSET, INSET], [size.x - INSET, size.y - INSET]);
    var clear = L.bounds(CLEAR_TOP_LEFT, [size.x - CLEAR_BOTTOM_RIGHT[0], size.y - CLEAR_BOTTOM_RIGHT[1]]);
    if (clear.getSize().x < 200 || clear.getSize().y < 120) { clear = view; }
    this._placed = [];
    this._layer._links.forEach(function (entry) {
      if (!entry.shown) { return; }
      var pts = entry.line.getLatLngs().map(function (ll) { return map.latLngToContainerPoint(ll); });
      var names = endNames(entry.link), n = pts.length;
      var seen = pts.map(function (p) { return inside(p, view); });
      if (seen[0] && seen[n - 1]) { return; }   /* both ends in view */
      var box = pts.some(function (p) { return inside(p, clear); }) ? clear : view;
      var flags = pts.map(function (p) { return inside(p, box); });
      var first = flags.indexOf(true), last = flags.lastIndexOf(true);
      if (first < 0) { return; }   /* the link does not cross the view */
      if (!seen[n - 1] && last < n - 1) { self._label(entry, crossing(pts[last], pts[last + 1], box), pts[last], names[1]); }
      if (!seen[0] && first > 0) { self._label(entry, crossing(pts[first], pts[first - 1], box), pts[first], names[0]); }
    });
  };
  LinkEnds.prototype._label = function (entry, cross, from, name) {
    var near = this._placed.filter(function (p) { return p[0] === name && p[1].distanceTo(cross.point) < MERGE_PX; });
    if (near.length) { return; }
    this._placed.push([name, cross.point]);
    var map = this._map, size = map.getSize(), angle = Math.atan2(cross.point.y - from.y, cross.point.x - from.x) * 180 / Math.PI;
    var label = el("div", "cm-link-edge-label");
    label.style.color = this._color;
    var arrow = el("span", "cm-link-edge-arrow", "➜");
    arrow.style.transform = "rotate(" + angle.toFixed(0) + "deg)";
    var text = el("span", "cm-link-edge-name", name);
    if (cross.side === "left" || cross.side === "top") { label.appendChild(arrow); label.appendChild(text); }
    else { label.appendChild(text); label.appendChild(arrow); }
    var holder = el("div");
    holder.appendChild(label);
    var marker = L.marker(map.containerPointToLatLng(cross.point), {
      icon: L.divIcon({html: holder, className: "cm-link-edge", iconSize: [0, 0]}),
      keyboard: true, zIndexOffset: 800
    });
    var description = entry.link.label + " (off the map: click to see the whole link)";
    marker.on("add", function () {
      var node = marker.getElement();
      node.setAttribute("role", "button");
      node.setAttribute("aria-label", description);
      node.setAttribute("title", description);
      place(label, cross, size);
    });
    marker.on("click", function () {
      map.fitBounds(entry.line.getBounds(), {paddingTopLeft: [60, 90], paddingBottomRight: [60, 60]});
    });
    this._labels.addLayer(marker);
  };

  return {
    attach: function (layer, store, color) { return new LinkEnds(layer, store, color); }
  };
})();

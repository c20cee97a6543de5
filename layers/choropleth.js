/* conflictmap choropleth: polygons styled from their own properties (one tiny style function
   for all features) with text-only tooltips, and a legend shown while the layer is on.
   Defined once per page. */
window.conflictmapChoropleth = window.conflictmapChoropleth || (function () {
  "use strict";
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function swatch(row, color, text) {
    var box = el("i", "cm-choropleth-swatch");
    box.style.background = color;
    row.appendChild(box);
    row.appendChild(el("span", null, text));
  }
  function legendControl(legend) {
    var control = L.control({position: "bottomleft"});
    control.onAdd = function () {
      var root = el("div", "cm-choropleth-legend leaflet-control");
      root.appendChild(el("div", "cm-choropleth-title", legend.title));
      legend.rows.forEach(function (pair) { swatch(root.appendChild(el("div")), pair[0], pair[1]); });
      if (legend.zero) { swatch(root.appendChild(el("div")), legend.zero, "0"); }
      if (legend.note) { root.appendChild(el("div", "cm-choropleth-note", legend.note)); }
      return root;
    };
    return control;
  }
  function colorOf(count, legend) {
    if (!count) { return legend.zero || "#e6e6e6"; }
    for (var k = 0; k < legend.breaks.length; k++) {
      if (count <= legend.breaks[k]) { return legend.colors[k]; }
    }
    return legend.colors[legend.colors.length - 1];
  }
  function follow(layer, legend, store) {
    /* Recount the events the time control shows, per unit; the class breaks stay those of all
       events, so that a colour means the same count at any date. */
    var units = store.data.unitIds || [], codes = store.data.unit || [];
    function update() {
      var counts = {};
      for (var i = 0; i < store.n; i++) {
        if (store.visible[i] && codes[i] >= 0) {
          counts[units[codes[i]]] = (counts[units[codes[i]]] || 0) + store.weight(i);
        }
      }
      layer.eachLayer(function (l) {
        var p = l.feature.properties, n = counts[p.id] || 0;
        p.shown = n;
        l.setStyle({fillColor: colorOf(n, legend), fillOpacity: n ? 0.75 : 0.45});
      });
    }
    store.onChange(update);
    update();
  }
  return {
    layer: function (data, legend, group, store) {
      var layer = L.geoJSON(data, {
        style: function (f) { return f.properties.style; },
        onEachFeature: function (f, l) {
          l.bindTooltip(function () {
            var p = f.properties;
            var text = p.shown === undefined || p.shown === p.count
              ? p.tooltip
              : p.name + ": " + p.shown + " of " + p.count + " event" + (p.count === 1 ? "" : "s") + " at this date";
            return el("span", "cm-choropleth-tip", text);
          }, {sticky: true});
        }
      }).addTo(group);
      if (store) { follow(layer, legend, store); }
      var control = legendControl(legend);
      group.on("add", function (e) { control.addTo(e.target._map); });
      group.on("remove", function () { control.remove(); });
      if (group._map) { control.addTo(group._map); }
      return layer;
    }
  };
})();

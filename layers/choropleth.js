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
  return {
    layer: function (data, legend, group) {
      var layer = L.geoJSON(data, {
        style: function (f) { return f.properties.style; },
        onEachFeature: function (f, l) {
          l.bindTooltip(function () { return el("span", "cm-choropleth-tip", f.properties.tooltip); },
            {sticky: true});
        }
      }).addTo(group);
      var control = legendControl(legend);
      group.on("add", function (e) { control.addTo(e.target._map); });
      group.on("remove", function () { control.remove(); });
      if (group._map) { control.addTo(group._map); }
      return layer;
    }
  };
})();

/* conflictmap event layers: popups and tooltips built as DOM nodes with textContent, so text from
   reports is never parsed as HTML. Defined once per page. */
window.conflictmap = window.conflictmap || (function () {
  "use strict";
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  var ROWS = [["when", "Date"], ["place", "Place"], ["precision", "Location"],
              ["actors", "Actors"], ["fatalities", "Fatalities"]];
  function popup(info, style) {
    var root = el("div", "cm-popup");
    var head = el("div", "cm-popup-title", info.title);
    head.style.borderLeft = "4px solid " + style.color;
    root.appendChild(head);
    if (info.kind) { root.appendChild(el("div", "cm-popup-kind", info.kind)); }
    var table = el("table", "cm-popup-table");
    ROWS.forEach(function (pair) {
      if (info[pair[0]] === null || info[pair[0]] === undefined) { return; }
      var tr = el("tr");
      tr.appendChild(el("th", null, pair[1]));
      tr.appendChild(el("td", "cm-" + pair[0], info[pair[0]]));
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
    return root;
  }
  function tooltip(info) {
    return el("span", "cm-tooltip",
              [info.title, info.place, info.when].filter(Boolean).join(" · "));
  }
  function marker(feature, latlng, styles) {
    var p = feature.properties, s = styles[p.category] || styles.other;
    var shift = 30 * (p.slot - (p.slots - 1) / 2);  /* side by side when events share a point */
    var icon = L.AwesomeMarkers.icon({icon: s.icon, prefix: "fa", markerColor: s.marker_color});
    icon.options.iconAnchor = [17 - shift, 42];
    icon.options.popupAnchor = [1 + shift, -32];
    var m = L.marker(latlng, {icon: icon, riseOnHover: true});
    /* awesome-markers are <div>s, which Leaflet gives no alt text: name them for screen readers */
    m.on("add", function () {
      var node = m.getElement();
      node.setAttribute("role", "button");
      node.setAttribute("aria-label", [p.info.title, p.info.place].filter(Boolean).join(", "));
    });
    return m;
  }
  function layer(data, styles) {
    return L.geoJSON(data, {
      pointToLayer: function (feature, latlng) { return marker(feature, latlng, styles); },
      style: function (feature) { return feature.properties.area; },
      onEachFeature: function (feature, lyr) {
        var info = feature.properties.info, s = styles[feature.properties.category] || styles.other;
        lyr.bindPopup(function () { return popup(info, s); }, {maxWidth: 380, minWidth: 240});
        lyr.bindTooltip(tooltip(info), {sticky: !feature.geometry || feature.geometry.type !== "Point"});
      }
    });
  }
  return {layer: layer, popup: popup, tooltip: tooltip};
})();

/* conflictmap place search: a Leaflet control with an input and a suggestion list (built with
   textContent), keyboard navigable; picking a place flies the map to it. Defined once per page. */
window.conflictmapSearch = window.conflictmapSearch || (function () {
  "use strict";
  var MAX_SUGGESTIONS = 8, counter = 0;
  function fold(text) {  // case- and accent-insensitive, punctuation as spaces
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^0-9a-z\u0590-\u06ff]+/g, " ").trim();
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function matches(entries, query) {
    var q = fold(query);
    if (!q) { return []; }
    var starts = [], words = [], inside = [];  // name starts with it, a word does, it is inside
    entries.forEach(function (entry) {
      var key = entry._key;
      if (key.indexOf(q) === 0) { starts.push(entry); }
      else if (key.indexOf(" " + q) >= 0) { words.push(entry); }
      else if (key.indexOf(q) > 0) { inside.push(entry); }
    });
    return starts.concat(words, inside).slice(0, MAX_SUGGESTIONS);
  }
  var Search = L.Control.extend({
    options: {position: "topleft", placeholder: "Find a place…", maxZoom: 10},
    initialize: function (entries, options) {
      L.setOptions(this, options);
      this._entries = entries.map(function (e) { return L.extend({_key: fold(e.name)}, e); });
      this._id = "cm-search-" + (++counter);
    },
    onAdd: function (map) {
      var root = el("div", "cm-search leaflet-bar");
      var input = el("input", "cm-search-input");
      input.type = "search";
      input.placeholder = this.options.placeholder;
      input.setAttribute("aria-label", this.options.placeholder);
      input.setAttribute("role", "combobox");
      input.setAttribute("aria-autocomplete", "list");
      input.setAttribute("aria-expanded", "false");
      input.setAttribute("aria-controls", this._id);
      input.autocomplete = "off";
      var list = el("ul", "cm-search-list");
      list.id = this._id;
      list.setAttribute("role", "listbox");
      root.appendChild(input);
      root.appendChild(list);
      this._input = input; this._list = list; this._found = []; this._active = -1;
      L.DomEvent.disableClickPropagation(root);
      L.DomEvent.disableScrollPropagation(root);
      L.DomEvent.on(input, "input", this._update, this);
      L.DomEvent.on(input, "keydown", this._key, this);
      L.DomEvent.on(input, "blur", function () { setTimeout(L.bind(this._close, this), 150); }, this);
      return root;
    },
    _update: function () {
      this._found = matches(this._entries, this._input.value);
      this._active = this._found.length ? 0 : -1;
      this._draw();
    },
    _draw: function () {
      var self = this, list = this._list;
      list.textContent = "";
      this._found.forEach(function (entry, i) {
        var item = el("li", "cm-search-item" + (i === self._active ? " cm-active" : ""), entry.name);
        item.id = self._id + "-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", i === self._active ? "true" : "false");
        if (entry.kind) { item.appendChild(el("span", "cm-search-kind", entry.kind)); }
        L.DomEvent.on(item, "mousedown", function (e) { L.DomEvent.preventDefault(e); self._pick(entry); });
        list.appendChild(item);
      });
      var open = this._found.length > 0;
      this._input.setAttribute("aria-expanded", open ? "true" : "false");
      if (this._active >= 0) { this._input.setAttribute("aria-activedescendant", this._id + "-" + this._active); }
      else { this._input.removeAttribute("aria-activedescendant"); }
    },
    _key: function (e) {
      L.DomEvent.stopPropagation(e);  // keep the map's keyboard handler out of typing
      var n = this._found.length;
      if (e.key === "ArrowDown" && n) { this._active = (this._active + 1) % n; this._draw(); e.preventDefault(); }
      else if (e.key === "ArrowUp" && n) { this._active = (this._active - 1 + n) % n; this._draw(); e.preventDefault(); }
      else if (e.key === "Enter" && this._active >= 0) { this._pick(this._found[this._active]); e.preventDefault(); }
      else if (e.key === "Escape") { this._input.value = ""; this._close(); }
    },
    _close: function () { this._found = []; this._active = -1; this._draw(); },
    _pick: function (entry) {
      var map = this._map;
      this._input.value = entry.name;
      this._close();
      if (entry.bounds) { map.flyToBounds(entry.bounds, {maxZoom: this.options.maxZoom, duration: 0.6}); }
      else { map.flyTo(entry.point, Math.max(map.getZoom(), this.options.maxZoom), {duration: 0.6}); }
      map.fire("cm:placepicked", {place: entry.name});
    }
  });
  return {
    fold: fold,
    control: function (entries, options) { return new Search(entries, options); }
  };
})();

# Two commands on a fresh machine with Python 3.11+: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
ASSETS := tests/browser/assets
OUT    ?= out

.PHONY: demo test install test-deps browser postgis lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Dependencies are reinstalled only when pyproject.toml changes; the project itself always is,
# as a regular (not editable) install, so the tests run against what users get.
$(VENV)/.deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet ".[test]"
	touch $@

install: $(VENV)/.deps
	$(BIN)/pip install --quiet --no-deps --force-reinstall .

demo: install
	$(BIN)/conflictmap map data/events/seed-article.geojson \
		--title "Southern Syria and the Syrian–Israeli talks (report of 7 Jan 2026)" \
		-o $(OUT)/map.html --geojson $(OUT)/events.geojson
	$(BIN)/conflictmap map data/events/seed-article.geojson --region "southern Syria" --contained \
		--tiles offline --title "Events within southern Syria (offline basemap)" -o $(OUT)/southern-syria.html
	$(BIN)/conflictmap extract tests/data/articles/*.txt -o $(OUT)/articles.geojson \
		--mentions $(OUT)/article-mentions.json
	$(BIN)/conflictmap map $(OUT)/articles.geojson --title "Events extracted from 14 invented wire reports" \
		-o $(OUT)/articles.html -q
	$(BIN)/conflictmap geocode Sweida "the Quneitra countryside" "Jabal al-Sheikh" "near Beit Jinn" Paris
	@echo "Open $(OUT)/map.html, $(OUT)/southern-syria.html and $(OUT)/articles.html in a browser"
	@echo "(self-contained; southern-syria.html makes no request at all)."

# Debian's Chromium (never a browser download) and the npm packages that serve folium's CDN
# assets to the browser tests of plain folium pages and bench/map_scale.py's baselines
# (conflictmap's own maps are self-contained and are tested with every request refused).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }
	@[ -d $(ASSETS)/node_modules ] && [ $(ASSETS)/node_modules/.package-lock.json -nt $(ASSETS)/package-lock.json ] \
		|| npm ci --prefix $(ASSETS) --no-audit --no-fund --loglevel=error

# Debian's PostgreSQL with PostGIS, which the store tests start as a throwaway cluster.
postgis:
	@ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq postgresql-15-postgis-3 >/dev/null; }

test: install browser postgis
	$(BIN)/pytest -n 2 -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check conflictmap geo layers

bench: install browser postgis
	$(BIN)/pip install --quiet ".[bench]"
	$(BIN)/python bench/read_write.py
	$(BIN)/python bench/read_many.py
	$(BIN)/python bench/dask_scale.py --sizes 1,5
	$(BIN)/python bench/geocode.py
	$(BIN)/python bench/region_filter.py
	$(BIN)/python bench/accuracy.py
	$(BIN)/python bench/extract_accuracy.py
	$(BIN)/python bench/extract_speed.py
	$(BIN)/python bench/map_scale.py
	$(BIN)/python bench/store.py

clean:
	rm -rf $(VENV) $(OUT) $(ASSETS)/node_modules build *.egg-info

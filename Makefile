# The two set-up commands: `make run` and `make test`. Both install what is
# missing on a Debian bookworm machine (as root), configure and build.

BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= 2
PORT ?= 6379
DATA_DIR ?= ./data

DEB_PACKAGES := cmake g++ ninja-build ccache pkg-config \
  libcaf-dev liblua5.1-0-dev liblmdb-dev libspdlog-dev catch2 \
  libbenchmark-dev libhiredis-dev redis-server redis-tools

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test build deps configure docs bench clean

run: build
	mkdir -p $(DATA_DIR)
	$(BUILD_DIR)/shardis-server --bind 127.0.0.1 --port $(PORT) --dir $(DATA_DIR)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS)

build: configure
	cmake --build $(BUILD_DIR) -j$(JOBS)

configure: deps
	@if [ ! -f $(BUILD_DIR)/build.ninja ]; then \
	  cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE); \
	fi

# Installs only what dpkg reports missing; apt-get update runs once, before
# the first install, because a fresh machine has no package lists.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi

docs: build
	cmake --build $(BUILD_DIR) --target docs

bench: build
	bench/compare.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)

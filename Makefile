# The two commands of the quick start:
#   make run    install what is missing, build, start omnistockd on 127.0.0.1:50051 (demo data,
#               metrics on 127.0.0.1:9464)
#   make test   install what is missing, build, run the whole test suite through ctest
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
LISTEN ?= 127.0.0.1:50051
DATA_DIR ?= ./var/data
METRICS_LISTEN ?= 127.0.0.1:9464
JOBS ?= $(shell nproc)

.PHONY: all bootstrap configure build run test clean format

all: build

bootstrap:
	@bash deploy/bootstrap.sh

$(BUILD_DIR)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

configure: bootstrap $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	@mkdir -p $(dir $(DATA_DIR))
	exec $(BUILD_DIR)/bin/omnistockd --listen=$(LISTEN) --data_dir=$(DATA_DIR) --demo \
	  --metrics_listen=$(METRICS_LISTEN)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure --timeout 600

clean:
	rm -rf $(BUILD_DIR)

format:
	clang-format -i $$(git ls-files '*.h' '*.cc')
